"""A widget's figure as PNG, fast: its frame (tick labels, axis labels, titles, legends beside the axes) is
drawn once and reused.

Most of the time of a redraw went into text: matplotlib lays out and rasterises every tick label, axis
label and title on every draw, and the constrained layout draws the figure twice. Under a slider the
frame rarely changes (the box, the ticks and the titles stay), only what is inside the axes does. So
:class:`FigureRenderer` draws the whole figure (with the constrained layout) when the frame changes,
keeps that picture and the axes' positions, and otherwise draws the figure once more at those
positions without its frame texts, taking only the inside of each axes from that drawing.

The frame is compared through a key of everything that decides it (the axes' grid, limits, scales, tick
positions and labels, axis labels, titles, figure texts), computed at the positions the layout gave. A
drawing is reused only where that is exact: no frame text may reach into an axes, and anything drawn
without being clipped to its axes (a text, a legend, an annotation) must lie inside it, or the figure is
drawn whole. When only titles change, the layout is run again to check that it puts the axes where they
were; it takes each axis' extent (its tick labels, most of its time) from the whole drawing.
tests/test_widgets_controls.py checks that the fast picture equals the whole drawing, pixel for pixel, for
every control of every widget.
"""

from __future__ import annotations

import io
import math

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.spines import Spine
from matplotlib.text import Annotation, Text
from PIL import Image

__all__ = ["FigureRenderer", "encode_png"]

#: zlib level of the PNGs sent to the browser: level 1 encodes about 3x faster than matplotlib's 6 for
#: files some 15% larger, and a widget's picture is a few tens of kB either way.
PNG_COMPRESSION = 1

#: Pixels of an axes' inside taken from the fast drawing beyond its box, for its spines' antialiasing.
_MARGIN = 2


def encode_png(rgba: np.ndarray) -> bytes:
    """PNG bytes of an ``(h, w, 4)`` uint8 RGBA array."""
    buffer = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(buffer, format="png", compress_level=PNG_COMPRESSION)
    return buffer.getvalue()


def _skip_draw(renderer) -> None:
    """Stands in for a frame artist's ``draw`` while the inside of the axes is drawn."""


def _tick_lines_drawer(axis: Axis):
    """Stands in for ``axis.draw`` while the inside of the axes is drawn: the tick marks and grid lines only.

    ``Axis.draw`` also lays out every tick label (their bounding boxes place the axis label and the offset
    text), which is most of its time; with the frame kept, none of those texts is drawn, and the marks and
    grid lines do not depend on that layout, so their pixels are the whole drawing's.
    """

    def draw(renderer) -> None:
        if not axis.get_visible():
            return
        for tick in axis._update_ticks():  # the ticks Axis.draw draws (matplotlib's own selection)
            if tick.get_visible():
                for line in (tick.gridline, tick.tick1line, tick.tick2line):
                    line.draw(renderer)
        axis.stale = False

    return draw


def _titles(ax) -> list[Text]:
    """An axes' three title texts (left, centre, right): its Text children that are not user texts."""
    own = set(map(id, ax.texts))
    return [c for c in ax.get_children() if isinstance(c, Text) and id(c) not in own]


def _ticks(axis: Axis) -> list:
    return [*axis.get_major_ticks(), *axis.get_minor_ticks()]


def _frame_texts(figure: Figure) -> list[Text]:
    """The texts of the frame proper: tick labels, axis labels and offsets, titles, the figure's texts."""
    texts: list[Text] = list(figure.texts)
    for ax in figure.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for tick in _ticks(axis):
                texts += [tick.label1, tick.label2]
            texts += [axis.label, axis.offsetText]
        texts += _titles(ax)
    return texts


def _outside(figure: Figure, renderer) -> list[Artist]:
    """An axes' own texts and legend that lie (partly) outside it: captions above images, a legend beside
    a plot. They are part of the frame: compared in the key, drawn with the whole figure."""
    found = []
    for ax in figure.axes:
        for child in (*ax.texts, *([ax.legend_] if ax.legend_ is not None else [])):
            if isinstance(child, Annotation) and child.arrow_patch is not None:
                continue  # an arrow is drawn as a patch: it has to lie inside its axes
            if isinstance(child, Text) and _clipped_to_axes(child):
                continue  # clipped to its axes: drawn with their inside (no extent to measure)
            if child.get_visible() and not _within(child.get_window_extent(renderer), ax.bbox):
                found.append(child)
    return found


def _clipped_to_axes(text: Text) -> bool:
    """Whether ``text`` is clipped to its axes' box (matplotlib's private test, the one its layout uses; where a
    matplotlib lacks it, False: the text is measured as any other, which is slower, never wrong)."""
    test = getattr(text, "_fully_clipped_to_axes", None)
    return bool(test()) if test is not None else False


def _text_key(text: Text) -> tuple:
    return (text.get_text(), text.get_visible(), hash(text.get_fontproperties()), str(text.get_color()),
            text.get_rotation(), text.get_ha(), text.get_va())


def _handle_key(handle) -> tuple:
    """How a legend's handle looks (its type and colours, line and hatch)."""
    names = ("get_facecolor", "get_edgecolor", "get_color", "get_hatch", "get_linestyle", "get_linewidth",
             "get_marker", "get_alpha")
    return (type(handle).__name__, *(str(getattr(handle, name)()) for name in names if hasattr(handle, name)))


def _outside_key(artist, renderer) -> tuple:
    extent = tuple(round(v, 3) for v in artist.get_window_extent(renderer).extents)
    if isinstance(artist, Legend):
        title = artist.get_title()
        return ("legend", extent, _text_key(title), tuple(_text_key(t) for t in artist.get_texts()),
                tuple(_handle_key(h) for h in artist.legend_handles))
    return ("text", extent, _text_key(artist))


def _axis_key(axis: Axis) -> tuple:
    labels = axis.get_majorticklabels() + axis.get_minorticklabels()  # brings the ticks up to date
    return (
        axis.get_scale(), tuple(axis.get_view_interval()), tuple(axis.get_majorticklocs()),
        tuple(axis.get_minorticklocs()), tuple(_text_key(t) for t in labels), _text_key(axis.label),
        axis.get_label_position(), axis.get_ticks_position(), axis.major.formatter.get_offset(),
        repr(sorted(axis.get_tick_params("major").items())), repr(sorted(axis.get_tick_params("minor").items())),
        axis.get_visible(),
    )


def _grid_key(ax) -> tuple | None:
    spec = ax.get_subplotspec()
    if spec is None:
        return None
    grid = spec.get_gridspec()
    return (spec.get_geometry(), grid.get_geometry(), tuple(grid.get_width_ratios() or ()),
            tuple(grid.get_height_ratios() or ()))


def _frame_key(figure: Figure) -> tuple:
    """Everything the frame's pixels and the layout depend on, read at the axes' current positions."""
    return _frame(figure)[0]


def _frame(figure: Figure) -> tuple[tuple, list[Artist]]:
    """The frame's key (see :func:`_frame_key`) and the texts and legends outside their axes (:func:`_outside`),
    found once for both."""
    renderer = figure.canvas.get_renderer()
    axes = []
    for ax in figure.axes:
        locator = ax.get_axes_locator()
        ax.apply_aspect(locator(ax, renderer) if locator else None)  # as Axes.draw does, before the ticks
        axes.append((type(ax).__name__, ax.get_visible(), ax.axison, _grid_key(ax), str(ax.get_aspect()),
                     str(ax.get_anchor()), _axis_key(ax.xaxis), _axis_key(ax.yaxis),
                     tuple(_text_key(t) for t in _titles(ax))))
    found = _outside(figure, renderer)
    outside = tuple(_outside_key(a, renderer) for a in found)
    key = (tuple(figure.get_size_inches()), figure.dpi, tuple(axes), tuple(_text_key(t) for t in figure.texts),
           outside)
    return key, found


def _title_boxes(figure: Figure, renderer) -> list[tuple[tuple, object]]:
    """Every axes' titles (left, centre, right), in order: their key and their extent as drawn (None: empty)."""
    return [(_text_key(t), t.get_window_extent(renderer) if t.get_visible() and t.get_text() else None)
            for ax in figure.axes for t in _titles(ax)]


def _only_titles_differ(key: tuple, kept: tuple | None) -> bool:
    """Whether two frame keys differ in the words of axes titles alone (same fonts, colours, placement)."""
    if kept is None or key[:2] != kept[:2] or key[3:] != kept[3:] or len(key[2]) != len(kept[2]):
        return False
    for axes, old in zip(key[2], kept[2]):
        if axes[:-1] != old[:-1] or len(axes[-1]) != len(old[-1]):
            return False
        if any(a[1:] != b[1:] for a, b in zip(axes[-1], old[-1])):
            return False
    return True


def _box_rect(bbox, height: int, width: int) -> tuple[int, int, int, int]:
    """The (row0, row1, col0, col1) pixels of a display-space bbox, with a margin for antialiasing."""
    return (max(0, height - math.ceil(bbox.y1) - _MARGIN), min(height, height - math.floor(bbox.y0) + _MARGIN),
            max(0, math.floor(bbox.x0) - _MARGIN), min(width, math.ceil(bbox.x1) + _MARGIN))


def _within(bbox, frame) -> bool:
    """Whether a display-space bbox lies inside another (an axes' box)."""
    return bbox.x0 >= frame.x0 and bbox.x1 <= frame.x1 and bbox.y0 >= frame.y0 and bbox.y1 <= frame.y1


def _overlaps(bbox, rect: tuple[int, int, int, int], height: int) -> bool:
    """Whether a display-space bbox reaches into a (row0, row1, col0, col1) pixel rectangle."""
    r0, r1, c0, c1 = rect
    return bbox.x1 > c0 and bbox.x0 < c1 and (height - bbox.y0) > r0 and (height - bbox.y1) < r1


#: What a formatter sets while it labels ticks (not its settings).
_FORMATTER_STATE = frozenset({"axis", "locs", "_locs", "offset", "_format", "_orderOfMagnitude", "_sublabels"})


def _locator_key(axis: Axis) -> tuple:
    """What decides an axis' ticks and labels at any size besides its limits and scale: the kinds and settings of
    its locators and formatters."""
    key = []
    for ticker in (axis.major, axis.minor):
        for part in (ticker.locator, ticker.formatter):
            settings = {k: repr(v.tolist() if isinstance(v, np.ndarray) else v) for k, v in vars(part).items()
                        if k not in _FORMATTER_STATE}
            key.append((type(part).__name__, tuple(sorted(settings.items()))))
    return tuple(key)


class _AxisBoxes:
    """The extents of every axis of a figure as the constrained layout asks for them, kept from one drawing for
    the next whose axes are the same (only titles differ, see :meth:`FigureRenderer._new_titles`).

    The layout places the axes from the tight boxes of each, and most of its time goes into an axis' extent
    (laying out its tick labels). An axis' extent depends on the axis (ticks, labels, scale: the frame key
    without the titles, and its locators) and on where every axes of the figure is (shared axes look at their
    siblings); it is kept under those, so a layout run again from the same start asks for the same extents at the
    same places, and gets them (with the places of the axis label and offset text that computing them sets);
    anywhere else it computes them. The layout's result (where the axes go) is checked against the kept frame's
    all the same, so a kept extent that were wrong would cost a whole drawing, never a wrong picture.
    """

    def __init__(self):
        self.boxes: dict[tuple, object] = {}
        self.hits = 0  # extents answered from those kept (tests look)

    def _wrap(self, figure: Figure, *, record: bool) -> list[Axis]:
        axes = list(figure.axes)
        wrapped = []
        for index, ax in enumerate(axes):
            for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
                axis.get_tightbbox = self._extent(axis, (index, name), axes, record)
                wrapped.append(axis)
        return wrapped

    def _extent(self, axis: Axis, where: tuple, axes: list, record: bool):
        """Stands in for ``axis.get_tightbbox``: keeps (``record``) or answers the extents."""
        original = axis.get_tightbbox
        kinds = None  # the axis' locators and formatters, read when the layout first asks

        def get_tightbbox(renderer=None, *, for_layout_only=False):
            nonlocal kinds
            if kinds is None:
                kinds = _locator_key(axis)
            key = (where, kinds, for_layout_only, tuple(tuple(a.bbox.bounds) for a in axes))
            if not record and key in self.boxes:
                self.hits += 1
                box, label, offset, text = self.boxes[key]
                # what the extent's computation leaves behind: where the axis label and offset text are
                axis.label.set_position(label)
                axis.offsetText.set_position(offset)
                axis.offsetText.set_text(text)
                return None if box is None else box.frozen()
            box = original(renderer, for_layout_only=for_layout_only)
            if record:
                self.boxes[key] = (None if box is None else box.frozen(), axis.label.get_position(),
                                   axis.offsetText.get_position(), axis.offsetText.get_text())
            return box

        return get_tightbbox

    def record(self, figure: Figure):
        """Keep the extents asked for while the figure is drawn whole (a context manager)."""
        self.boxes = {}
        return _Wrapped(self, figure, record=True)

    def reuse(self, figure: Figure):
        """Answer the extents kept (a context manager)."""
        return _Wrapped(self, figure, record=False)


class _Wrapped:
    def __init__(self, boxes: _AxisBoxes, figure: Figure, *, record: bool):
        self.boxes, self.figure, self.record = boxes, figure, record

    def __enter__(self):
        self.axes = self.boxes._wrap(self.figure, record=self.record)

    def __exit__(self, *exc):
        for axis in self.axes:
            del axis.get_tightbbox


class _TextLayouts:
    """Keeps the layouts of texts (their box and lines at the origin, ``Text._get_layout``) while a figure is drawn:
    a context manager, the layouts kept from one drawing to the next.

    matplotlib lays out a text every time it is measured or drawn (the constrained layout measures every tick
    label twice, the drawing a third time, the frame's key and checks again), each time looking up its font and
    the font's tables; a redraw of a widget laid out the same few dozen texts some 450 times. A layout is a
    function of the text's string and of how it is set (font, size, alignment, rotation, line spacing, math,
    the figure's dpi), which the key holds; a text that wraps (its lines depend on where it is) is laid out
    every time. tests/test_widgets_controls.py checks that each widget's picture equals a drawing without the
    kept layouts, pixel for pixel, for every control.
    """

    #: Layouts kept at most (a widget's redraw lays out some hundred distinct texts).
    LIMIT = 4096

    def __init__(self):
        self.layouts: dict[tuple, tuple] = {}
        self.hits = 0  # layouts answered from those kept (tests look)

    def __enter__(self):
        # matplotlib's (a subclass' own would be found first, and is left alone); a matplotlib without this private
        # method lays its texts out as it does, nothing kept (slower, never an AttributeError in every widget)
        original = self._original = getattr(Text, "_get_layout", None)
        if original is None:
            return
        layouts = self.layouts

        def get_layout(text, renderer):
            if text.get_wrap() or type(text)._get_layout is not get_layout:
                return original(text, renderer)
            figure = text.get_figure(root=True)
            key = (type(renderer), figure.dpi, text.get_text(), text.get_fontproperties().copy(),
                   text.get_usetex(), text.get_parse_math(), text._linespacing, text._get_multialignment(),
                   text.get_rotation(), text.get_rotation_mode(), text.get_horizontalalignment(),
                   text.get_verticalalignment())
            found = layouts.get(key)
            if found is None:
                if len(layouts) >= self.LIMIT:
                    layouts.clear()
                found = layouts[key] = original(text, renderer)
            else:
                self.hits += 1
            bbox, lines, box = found
            return bbox.frozen(), list(lines), box  # fresh containers: a caller may change them

        Text._get_layout = get_layout

    def __exit__(self, *exc):
        if self._original is not None:
            Text._get_layout = self._original


def _view_limits(figure: Figure) -> tuple:
    """Every axes' x and y limits and scales, as they are now."""
    return tuple((ax.get_xlim(), ax.get_ylim(), ax.get_xscale(), ax.get_yscale()) for ax in figure.axes)


class FigureRenderer:
    """Renders a figure to RGBA pixels and PNG, reusing its frame while the frame does not change.

    Parameters
    ----------
    figure : Figure
        Drawn with its own layout engine (constrained) whenever the frame changes.

    Attributes
    ----------
    counts : dict
        ``{"whole": n, "fast": n}``: how many drawings were made whole and how many reused the frame.

    Examples
    --------
    >>> fig = Figure(figsize=(3, 2), layout="constrained")
    >>> renderer = FigureRenderer(fig)
    >>> for n in (3, 4):
    ...     fig.clear()
    ...     ax = fig.add_subplot()
    ...     _ = ax.plot([0, 1], [0, n / 10]), ax.set_xlim(0, 1), ax.set_ylim(0, 1)
    ...     pixels = renderer.render()
    >>> renderer.counts, pixels.shape
    ({'whole': 1, 'fast': 1, 'titles': 0}, (200, 300, 4))
    >>> bool((pixels == renderer.render(fast=False)).all())
    True
    """

    def __init__(self, figure: Figure):
        self.figure = figure
        self.canvas = figure.canvas if isinstance(figure.canvas, FigureCanvasAgg) else FigureCanvasAgg(figure)
        self.counts = {"whole": 0, "fast": 0, "titles": 0}
        self._titles: list[tuple[tuple, object]] = []  # each axes' titles: their key and where they were drawn
        self._key: tuple | None = None
        self._whole: np.ndarray | None = None
        self._positions: list = []
        self._rects: list[tuple[int, int, int, int]] = []
        self._boxes = _AxisBoxes()
        self._layouts = _TextLayouts()
        self._limits: tuple | None = None  # the axes' limits before the kept frame was drawn (see render)

    def png(self, *, fast: bool = True) -> bytes:
        """The figure as PNG bytes (see :meth:`render`)."""
        return encode_png(self.render(fast=fast))

    def render(self, *, fast: bool = True) -> np.ndarray:
        """The figure's pixels, ``(h, w, 4)`` uint8; ``fast=False`` always draws it whole, as matplotlib does
        (without the texts' layouts kept from before either: the picture the fast one is checked against)."""
        if not fast:
            return self._render(fast=False)
        with self._layouts:
            return self._render(fast=True)

    def _render(self, *, fast: bool) -> np.ndarray:
        figure = self.figure
        # the axes' limits as the draw function left them (before any aspect is applied, so they do not depend on
        # where the axes are): where they moved, the frame moved too (its key holds them, aspect applied), and
        # computing that key would be lost time; a whole drawing is exact either way
        limits = _view_limits(figure)
        if fast and self._key is not None and len(figure.axes) == len(self._positions) and limits == self._limits:
            # the constrained layout's result depends on where the axes start: a whole drawing must start
            # where the figure's draw function left them, so keep that to go back to
            start = [(ax.get_position(original=True), ax.get_in_layout()) for ax in figure.axes]
            for ax, position in zip(figure.axes, self._positions):
                ax.set_position(position)
            key, outside = _frame(figure)
            if key == self._key:
                pixels = self._inside_only(outside)
                for ax, (_, in_layout) in zip(figure.axes, start):
                    ax.set_in_layout(in_layout)  # set_position takes an axes out of the layout (an export lays out)
                if pixels is not None:
                    self.counts["fast"] += 1
                    return pixels
            for ax, (position, in_layout) in zip(figure.axes, start):
                ax.set_position(position)
                ax.set_in_layout(in_layout)  # set_position takes an axes out of the layout
            if key != self._key and _only_titles_differ(key, self._key):
                pixels = self._new_titles(key, outside)
                if pixels is not None:
                    self.counts["titles"] += 1
                    return pixels
                for ax, (position, in_layout) in zip(figure.axes, start):
                    ax.set_position(position)
                    ax.set_in_layout(in_layout)
        return self._render_whole(limits)

    def _new_titles(self, key: tuple, outside: list[Artist]) -> np.ndarray | None:
        """The kept frame with new title texts (a count, an epoch in a title): when the constrained layout,
        run from where the figure's draw function left the axes, puts them where they were, the whole drawing
        differs from the kept frame only inside the axes and where the old and the new titles lie. Those are
        drawn again (the fast drawing, the new titles included); None when that is not exact (a title near
        another frame text or reaching into an axes, the layout moved)."""
        figure = self.figure
        engine = figure.get_layout_engine()
        if engine is None or not hasattr(engine, "execute"):
            return None
        with self._boxes.reuse(figure):  # the axes are the kept frame's: their extents too
            engine.execute(figure)  # what the whole drawing would do first
        if any(ax.get_position(original=True).bounds != kept.bounds
               for ax, kept in zip(figure.axes, self._positions)):
            return None
        titles = [t for ax in figure.axes for t in _titles(ax)]
        changed = [t for t, old in zip(titles, self._titles) if _text_key(t) != old[0]]
        pixels = self._inside_only(outside, keep=changed)
        if pixels is None:
            return None
        renderer = self.canvas.get_renderer()
        height, width = pixels.shape[:2]
        rects = []
        for text, (_, old) in zip(titles, self._titles):
            if text in changed:
                new = text.get_window_extent(renderer) if text.get_visible() and text.get_text() else None
                for box in (old, new):
                    if box is not None:
                        if any(_overlaps(box, r, height) for r in self._rects):
                            return None  # a title reaching into an axes: its pixels there are the axes'
                        rects.append(_box_rect(box, height, width))
        others = [t for t in _frame_texts(figure) if t.get_visible() and t.get_text() and t not in changed] + outside
        for other in others:
            box = other.get_window_extent(renderer)
            if any(_overlaps(box, r, height) for r in rects):
                return None  # another frame text where a title is drawn again: the fast drawing left it out
        for r0, r1, c0, c1 in rects:
            pixels[r0:r1, c0:c1] = np.asarray(self.canvas.buffer_rgba())[r0:r1, c0:c1]
        self._key, self._whole = key, pixels.copy()
        self._titles = _title_boxes(figure, renderer)
        return pixels

    def _render_whole(self, limits: tuple) -> np.ndarray:
        figure, canvas = self.figure, self.canvas
        self._limits = limits
        with self._boxes.record(figure):
            canvas.draw()
        pixels = np.asarray(canvas.buffer_rgba()).copy()
        self.counts["whole"] += 1
        height, width = pixels.shape[:2]
        self._positions = [ax.get_position(original=True) for ax in figure.axes]
        self._rects = [self._rect(ax, height, width) for ax in figure.axes if ax.get_visible()]
        self._key, self._whole = None, None
        if self._reusable(height):
            self._key, self._whole = _frame_key(figure), pixels
            self._titles = _title_boxes(figure, self.canvas.get_renderer())
        return pixels

    @staticmethod
    def _rect(ax, height: int, width: int) -> tuple[int, int, int, int]:
        x0, y0, x1, y1 = ax.bbox.extents
        return (max(0, height - math.ceil(y1) - _MARGIN), min(height, height - math.floor(y0) + _MARGIN),
                max(0, math.floor(x0) - _MARGIN), min(width, math.ceil(x1) + _MARGIN))

    def _reusable(self, height: int) -> bool:
        """Whether the frame just drawn can be reused: only axes and texts at figure level, no frame
        text reaching into an axes' inside."""
        figure = self.figure
        if figure.legends or figure.patches or figure.lines or figure.images or figure.artists or figure.subfigs:
            return False
        renderer = self.canvas.get_renderer()
        frame = [t for t in _frame_texts(figure) if t.get_visible() and t.get_text()] + _outside(figure, renderer)
        for artist in frame:
            bbox = artist.get_window_extent(renderer)
            if any(_overlaps(bbox, rect, height) for rect in self._rects):
                return False
        return True

    def _inside_only(self, outside: list[Artist], keep: list[Text] = ()) -> np.ndarray | None:
        """Draw the figure at the kept positions without its frame texts (and ``outside``, its texts and
        legends outside their axes; ``keep``: frame texts drawn all the same); the kept frame with the new
        insides of the axes, or None when something unclipped lies outside its axes."""
        figure, canvas = self.figure, self.canvas
        frame = [t for t in _frame_texts(figure) if t not in keep] + outside
        engine = figure.get_layout_engine()
        axes = [axis for ax in figure.axes for axis in (ax.xaxis, ax.yaxis)]
        for text in frame:
            text.draw = _skip_draw
        for axis in axes:
            axis.draw = _tick_lines_drawer(axis)
        # Axes.draw places its titles over the tick labels on top first (laying those out): with no title
        # drawn, nothing needs placing
        placed = [] if keep else list(figure.axes)
        for ax in placed:
            ax._update_title_position = _skip_draw
        figure.set_layout_engine("none")
        try:
            canvas.draw()
        finally:
            for artist in (*frame, *axes):
                del artist.draw
            for ax in placed:
                del ax._update_title_position
            figure.set_layout_engine(engine)
        pixels = np.asarray(canvas.buffer_rgba())
        renderer = canvas.get_renderer()
        skip = set(map(id, (*frame, *keep)))  # the kept titles are checked where they are drawn
        for ax in figure.axes:
            clip = ax.patch
            for child in ax.get_children():
                if id(child) in skip or isinstance(child, (Axis, Spine)) or child is clip or not child.get_visible():
                    continue
                if child.get_clip_on() and (child.get_clip_path() is not None or child.get_clip_box() is not None):
                    continue  # clipped to the axes (or tighter): inside
                # strictly inside the axes, so that it cannot have moved the layout either
                if not _within(child.get_window_extent(renderer), ax.bbox):
                    return None
        out = self._whole.copy()
        for r0, r1, c0, c1 in self._rects:
            out[r0:r1, c0:c1] = pixels[r0:r1, c0:c1]
        return out
