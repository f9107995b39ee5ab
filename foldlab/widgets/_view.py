"""The one widget mechanism: controls, a summary label, and the PNG of a figure redrawn on every change."""

from __future__ import annotations

import html
import inspect
import io
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import traitlets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from .._validation import check_choice, check_float, describe
from ._front import MIME, FigureImage, Toolbar
from ._presets import as_tuples, format_preset, literal
from ._render import FigureRenderer

__all__ = ["FigureView", "Pointer", "slider", "EXPORT_DPI"]

#: ``draw(figure) -> (label_html, result)``: draws on the cleared figure, reading the controls' values.
Draw = Callable[..., tuple[str, object]]

#: Resolution of :meth:`FigureView.export` (the picture in the notebook is 100 pixels per inch).
EXPORT_DPI = 200


@dataclass(frozen=True)
class Pointer:
    """What a click and the hovering pointer do in a FigureView's figure.

    Attributes
    ----------
    on_click : callable, optional
        ``on_click(axes, x, y)``: a click at data coordinates ``(x, y)`` of the figure's axes number
        ``axes``; the view redraws after it.
    on_hover : callable, optional
        ``on_hover(axes, x, y) -> (html, outline)``: what to say about the point under the pointer
        (shown under the picture) and a polygon of data coordinates to outline, shape (k, 2), or None.
    axes : tuple of int
        The axes (indices into ``figure.axes``) that answer the pointer.
    hint : str
        Shown under the picture while the pointer is elsewhere: what hovering and clicking do.
    """

    on_click: Callable[[int, float, float], None] | None = None
    on_hover: Callable[[int, float, float], tuple[str, np.ndarray | None]] | None = None
    axes: tuple[int, ...] = (0,)
    hint: str = ""


def clear_figure(figure: Figure) -> None:
    """``figure.clear()``, without resetting each axes before removing it: matplotlib's clear resets every axes
    (new tick lists, spines, titles; some 5 ms an axes) and then removes it, and a widget's draw function makes
    new ones. The axes are removed as ``clear`` removes them (``delaxes``), and the figure is then cleared as
    ``clear`` leaves it."""
    for ax in tuple(figure.axes):
        figure.delaxes(ax)
    figure.clear()


class FigureView(widgets.VBox):
    """Controls, an HTML label and a picture, redrawn whenever a control's value changes.

    The picture is a plain :class:`matplotlib.figure.Figure` rendered to PNG (no pyplot, no display, no
    open figures piling up), so the widget looks and behaves the same in JupyterLab, Voila and a test
    without a kernel. Every ``*_widget`` of foldlab is one of these. Its frame (tick labels, titles) is
    drawn once and reused while it does not change (:class:`FigureRenderer`), which makes a redraw
    several times faster; the picture is the same, pixel for pixel.

    Under the picture a toolbar copies the widget's settings (:attr:`preset`, which
    :func:`foldlab.widgets.from_preset` opens again) and downloads the figure as PNG or SVG
    (:meth:`export`). With a :class:`Pointer`, the picture answers clicks and the hovering pointer.

    Parameters
    ----------
    draw : callable
        ``draw(figure) -> (label_html, result)`` draws on the cleared figure from the controls' values
        and returns the label's text and the object it computed (or None). Controls it changes while
        drawing (a range that follows another control) are folded into the same redraw. A ``draw`` with
        a ``progress`` parameter is called as ``draw(figure, progress=say)``; ``say(message)`` shows
        what a slow step is doing while it runs.
    controls : dict of str to ipywidgets control
        Shown in a row that wraps, in this order.
    figsize : (width, height)
        In inches, at 100 pixels per inch.
    state : callable, optional
        ``state() -> dict``: the builder's arguments that give what the controls show now, for
        :attr:`preset` (default: each control's value under its own name).
    pointer : Pointer, optional
        Make the picture answer clicks and hovering.

    Attributes
    ----------
    controls : dict of str to control
    label : ipywidgets.HTML
        What is shown, in one line (counts, chi, d_H, ...).
    status : ipywidgets.HTML
        What a slow redraw is doing, while it runs; empty otherwise.
    image : ipywidgets.Image or FigureImage
        The PNG of ``figure`` (``.value``).
    hover : ipywidgets.HTML or None
        What the pointer is over (with a ``pointer``).
    toolbar : Toolbar
        "copy settings", PNG and SVG.
    figure : matplotlib.figure.Figure
        What was drawn last; tests inspect its artists.
    result : object
        What the last redraw computed (an Arrangement, a Walk, ...), or None.
    seconds : float
        How long the last redraw took, from the change to the new PNG.

    Examples
    --------
    >>> n = widgets.IntSlider(value=2, min=1, max=5)
    >>> def draw(fig):
    ...     fig.add_subplot().plot(range(n.value))
    ...     return f"{n.value} points", n.value ** 2
    >>> view = FigureView(draw, {"n": n}, figsize=(3, 2))
    >>> n.value = 5
    >>> view.label.value, view.result, bytes(view.image.value[:4])
    ('5 points', 25, b'\\x89PNG')
    >>> view.export("svg")[:5]
    b'<?xml'
    """

    def __init__(self, draw: Draw, controls: Mapping[str, widgets.Widget], *, figsize: tuple[float, float],
                 state: Callable[[], dict] | None = None, pointer: Pointer | None = None):
        if not callable(draw):
            raise TypeError(f"draw must be a function draw(figure) -> (label_html, result), got {describe(draw)}")
        if not isinstance(controls, Mapping):
            raise TypeError(f"controls must be a dict of name -> ipywidgets control, got {describe(controls)}")
        for name, control in controls.items():
            if not isinstance(name, str) or not isinstance(control, widgets.ValueWidget):
                raise TypeError(f"controls must map names (str) to ipywidgets controls with a value, got "
                                f"{name!r}: {describe(control)}")
        if isinstance(figsize, (str, bytes)) or not isinstance(figsize, Sequence) or len(figsize) != 2:
            raise TypeError(f"figsize must be (width, height) in inches, got {describe(figsize)}")
        figsize = tuple(check_float(v, f"figsize[{i}]", min=0.0, include_min=False) for i, v in enumerate(figsize))
        if state is not None and not callable(state):
            raise TypeError(f"state must be a function state() -> dict, got {describe(state)}")
        if pointer is not None and not isinstance(pointer, Pointer):
            raise TypeError(f"pointer must be a foldlab.widgets.Pointer, got {describe(pointer)}")
        self.controls = dict(controls)
        self.label = widgets.HTML()
        self.status = widgets.HTML()
        self.figure = Figure(figsize=figsize, dpi=100, layout="constrained")
        FigureCanvasAgg(self.figure)
        self.renderer = FigureRenderer(self.figure)
        width, height = (round(v * 100) for v in figsize)
        self.pointer = pointer
        if pointer is None:
            self.image = widgets.Image(format="png", layout=widgets.Layout(width=f"{width}px"))
            self.hover = None
        else:
            self.image = FigureImage(width=width, height=height)
            self.image.on_pointer(self._on_pointer)
            self.hover = widgets.HTML()
        self.toolbar = Toolbar(self.export)
        self.result = None
        self.seconds = float("nan")
        self._draw = draw
        self._progress = "progress" in inspect.signature(draw).parameters
        self._state = state
        self._recipe: tuple | None = None
        self._drawing = False
        self._drawn: tuple | None = None  # the controls' values the picture shows
        for name, control in self.controls.items():
            control.add_class(f"foldlab-control-{name}")
        row = widgets.HBox(list(self.controls.values()), layout=widgets.Layout(flex_flow="row wrap"))
        below = [self.hover] if self.hover is not None else []
        super().__init__([row, self.label, self.status, self.image, *below, self.toolbar])
        self.add_class("foldlab-view")
        for control in self.controls.values():
            control.observe(self.redraw, names="value")
        self.redraw()

    # -- drawing --------------------------------------------------------------------------------------

    def redraw(self, change=None) -> None:
        """Draw the figure from the controls' current values; update the label, the picture and ``result``."""
        if self._drawing:  # a control set by ``draw`` itself: this redraw already reads its new value
            return
        if change is not None and self._values() == self._drawn:
            return  # the controls are back where the picture was drawn (a value set and set back): nothing to do
        self._drawing = True
        started = time.perf_counter()
        try:
            clear_figure(self.figure)
            extra = {"progress": self.say} if self._progress else {}
            self._drawn = None  # until this drawing is shown
            self.label.value, self.result = self._draw(self.figure, **extra)
            self.image.value = self.renderer.png()
            if self.hover is not None:
                self.hover.value = html.escape(self.pointer.hint)
                self.image.highlight = []
            if self._recipe is not None:
                self.toolbar.preset = self.preset
            self._drawn = self._values()
        except Exception as error:
            # in a notebook a control's callback fails silently (into the log): say it where it is seen
            self.label.value = f"<b>could not draw</b>: {html.escape(f'{type(error).__name__}: {error}')}"
            raise
        finally:
            self._drawing = False
            if self.status.value:
                self.status.value = ""
            self.seconds = time.perf_counter() - started

    def _values(self) -> tuple:
        return tuple(control.value for control in self.controls.values())

    def pixels(self, *, fast: bool = True) -> np.ndarray:
        """The picture's RGBA pixels, ``(h, w, 4)`` uint8: as shown (the PNG decoded), or with ``fast=False``
        drawn anew from the controls and rendered whole, without the frame kept from before (to check that
        the fast picture is the same)."""
        if fast:
            return np.asarray(Image.open(io.BytesIO(bytes(self.image.value))).convert("RGBA"))
        clear_figure(self.figure)
        self._draw(self.figure, **({"progress": lambda message: None} if self._progress else {}))
        return self.renderer.render(fast=False)

    def say(self, message: str) -> None:
        """Show what a slow step of the redraw is doing (cleared when the redraw ends)."""
        self.status.value = f"<i>&#8987; {html.escape(message)}</i>"

    # -- export ---------------------------------------------------------------------------------------

    def export(self, format: str = "png") -> bytes:
        """The figure as ``"png"`` (at :data:`EXPORT_DPI`) or ``"svg"`` bytes, as the toolbar downloads it."""
        check_choice(format, "format", tuple(MIME))
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format=format, dpi=EXPORT_DPI)
        return buffer.getvalue()

    def save(self, path) -> Path:
        """Write the figure to ``path``, as PNG or SVG by its suffix; returns the path."""
        path = Path(path)
        format = path.suffix.lower().lstrip(".")
        if format not in MIME:
            raise ValueError(f"path must end in .png or .svg, got {str(path)!r}")
        path.write_bytes(self.export(format))
        return path

    # -- presets --------------------------------------------------------------------------------------

    def set_recipe(self, name: str, signature: inspect.Signature, arguments: dict) -> None:
        """Record the builder and the arguments this view was built with (see :func:`preset_widget`)."""
        self._recipe = (name, signature, dict(arguments))
        self.add_class(f"foldlab-{name.replace('_', '-')}")
        self.toolbar.filename = name.removesuffix("_widget")
        self.toolbar.preset = self.preset

    def _current(self) -> tuple[str, inspect.Signature, dict, set]:
        if self._recipe is None:
            raise ValueError("this FigureView was not built by a foldlab widget, so it has no preset")
        name, signature, arguments = self._recipe
        if self._state is not None:
            state = self._state()
        else:
            state = {k: c.value for k, c in self.controls.items() if k in signature.parameters}
        return name, signature, {**arguments, **state}, set(state)

    @property
    def preset(self) -> str:
        """The call that builds this widget as it is now, e.g. ``"cantor_walk_widget(depth=2, height=0.25, ...)"``.

        Every control's setting, the seed, and every other argument that is not the default are written
        out; a net, a data set or a training run by its parameter's name (pass it again to
        :func:`foldlab.widgets.from_preset`).
        """
        name, signature, current, shown = self._current()
        chosen = {}
        for parameter in signature.parameters.values():
            value = current[parameter.name]
            if (parameter.name in shown or parameter.name == "seed" or parameter.default is parameter.empty
                    or _differs(value, parameter.default)):
                chosen[parameter.name] = value
        return format_preset(name, chosen, signature)

    def settings(self) -> dict:
        """The preset as a dict for JSON: ``{"widget": name, "arguments": {...}, "objects": [...]}``.

        ``arguments`` holds every argument written out, ``objects`` the names of those to pass again.
        """
        name, signature, current, shown = self._current()
        arguments, objects = {}, []
        for parameter in signature.parameters.values():
            value = literal(current[parameter.name])
            if value is NotImplemented:
                objects.append(parameter.name)
            else:
                arguments[parameter.name] = value
        return {"widget": name, "arguments": arguments, "objects": objects}

    # -- the pointer ----------------------------------------------------------------------------------

    def _axes_at(self, x: float, y: float) -> tuple[int, float, float] | None:
        """The pointer's axes and data coordinates at pixel (x, y) of the PNG (y down), or None."""
        height = self.figure.bbox.height
        for index in self.pointer.axes:
            if index >= len(self.figure.axes):
                continue
            ax = self.figure.axes[index]
            display = (x, height - y)
            if ax.bbox.contains(*display):
                u, v = ax.transData.inverted().transform(display)
                return index, float(u), float(v)
        return None

    def pixel(self, x: float, y: float, axes: int = 0) -> tuple[float, float]:
        """The PNG pixel (y down) of data point (x, y) in ``figure.axes[axes]``."""
        u, v = self.figure.axes[axes].transData.transform((x, y))
        return float(u), float(self.figure.bbox.height - v)

    def _on_pointer(self, event: dict) -> None:
        kind = event.get("event")
        found = None
        if kind in ("click", "move"):
            try:
                found = self._axes_at(float(event["x"]), float(event["y"]))
            except (KeyError, TypeError, ValueError):
                return
        if kind == "click" and found is not None and self.pointer.on_click is not None:
            self.pointer.on_click(*found)
            self.redraw()
        if kind in ("move", "leave") and self.pointer.on_hover is not None:
            text, outline = ("", None) if found is None else self.pointer.on_hover(*found)
            self.hover.value = text or html.escape(self.pointer.hint)
            if outline is None or found is None:
                self.image.highlight = []
            else:
                ax = self.figure.axes[found[0]]
                display = ax.transData.transform(np.asarray(outline, dtype=float))
                self.image.highlight = [[round(float(u), 1), round(float(self.figure.bbox.height - v), 1)]
                                        for u, v in display]

    def click(self, x: float, y: float, axes: int = 0) -> None:
        """Click at data point (x, y) of ``figure.axes[axes]``, through the pixels as the browser does."""
        px, py = self.pixel(x, y, axes)
        self._on_pointer({"event": "click", "x": px, "y": py})

    def hover_at(self, x: float, y: float, axes: int = 0) -> str:
        """Hover over data point (x, y), through the pixels as the browser does; what the view says."""
        px, py = self.pixel(x, y, axes)
        self._on_pointer({"event": "move", "x": px, "y": py})
        return self.hover.value


def _differs(value, default) -> bool:
    a, b = literal(value), literal(default)
    if a is NotImplemented or b is NotImplemented:
        return value is not default
    return as_tuples(a) != as_tuples(b)  # a box read back from JSON (a list) is still the default


#: Significant digits a float slider keeps: the browser computes a value as ``min + k * step`` in floating
#: point, so a step of 0.1 from 0.5 gives 0.6000000000000001; 12 digits drop that noise and nothing a
#: slider can show.
SLIDER_DIGITS = 12


class FloatSlider(widgets.FloatSlider):
    """ipywidgets' FloatSlider whose value drops the rounding noise of the browser's steps.

    The widget then computes with the value its preset (``FigureView.preset``) writes, ``0.6`` and not
    ``0.6000000000000001``.

    Examples
    --------
    >>> FloatSlider(value=0.5, min=0.0, max=1.0, step=0.1, description="y").value == 0.5
    True
    >>> s = FloatSlider(min=0.0, max=1.0, step=0.1); s.value = 0.5 + 0.1; s.value
    0.6
    """

    @traitlets.validate("value")
    def _validate_value(self, proposal):
        value = super()._validate_value(proposal)  # ipywidgets' own clipping to the range
        return float(format(value, f".{SLIDER_DIGITS}g"))


def slider(description: str, value, lo, hi, step=None, **kwargs) -> widgets.IntSlider | FloatSlider:
    """An IntSlider for whole-number ranges, else a :class:`FloatSlider`; it redraws when released (a redraw
    costs)."""
    integer = all(isinstance(v, int) for v in (lo, hi, 1 if step is None else step))
    cls = widgets.IntSlider if integer else FloatSlider
    extra = {} if step is None else {"step": step}
    return cls(value=value, min=lo, max=hi, description=description, continuous_update=False, **extra, **kwargs)
