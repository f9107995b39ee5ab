"""The one widget mechanism: controls, a summary label, and the PNG of a figure redrawn on every change."""

from __future__ import annotations

import html
import io
from collections.abc import Callable, Mapping, Sequence

import ipywidgets as widgets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .._validation import check_float, describe

#: ``draw(figure) -> (label_html, result)``: draws on the cleared figure, reading the controls' values.
Draw = Callable[[Figure], tuple[str, object]]


class FigureView(widgets.VBox):
    """Controls, an HTML label and a picture, redrawn whenever a control's value changes.

    The picture is a plain :class:`matplotlib.figure.Figure` rendered to PNG (no pyplot, no display, no
    open figures piling up), so the widget looks and behaves the same in JupyterLab, Voila and a test
    without a kernel. Every ``*_widget`` of foldlab is one of these.

    Parameters
    ----------
    draw : callable
        ``draw(figure) -> (label_html, result)`` draws on the cleared figure from the controls' values
        and returns the label's text and the object it computed (or None). Controls it changes while
        drawing (a range that follows another control) are folded into the same redraw.
    controls : dict of str to ipywidgets control
        Shown in a row that wraps, in this order.
    figsize : (width, height)
        In inches, at 100 pixels per inch.

    Attributes
    ----------
    controls : dict of str to control
    label : ipywidgets.HTML
        What is shown, in one line (counts, chi, d_H, ...).
    image : ipywidgets.Image
        The PNG of ``figure``.
    figure : matplotlib.figure.Figure
        What was drawn last; tests inspect its artists.
    result : object
        What the last redraw computed (an Arrangement, a Walk, ...), or None.

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
    """

    def __init__(self, draw: Draw, controls: Mapping[str, widgets.Widget], *, figsize: tuple[float, float]):
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
        self.controls = dict(controls)
        self.label = widgets.HTML()
        self.image = widgets.Image(format="png", layout=widgets.Layout(width=f"{round(figsize[0] * 100)}px"))
        self.figure = Figure(figsize=figsize, layout="constrained")
        FigureCanvasAgg(self.figure)
        self.result = None
        self._draw = draw
        self._drawing = False
        row = widgets.HBox(list(self.controls.values()), layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__([row, self.label, self.image])
        for control in self.controls.values():
            control.observe(self.redraw, names="value")
        self.redraw()

    def redraw(self, change=None) -> None:
        """Draw the figure from the controls' current values; update the label, the picture and ``result``."""
        if self._drawing:  # a control set by ``draw`` itself: this redraw already reads its new value
            return
        self._drawing = True
        try:
            self.figure.clear()
            self.label.value, self.result = self._draw(self.figure)
            buffer = io.BytesIO()
            self.figure.savefig(buffer, format="png", dpi=100)
            self.image.value = buffer.getvalue()
        except Exception as error:
            # in a notebook a control's callback fails silently (into the log): say it where it is seen
            self.label.value = f"<b>could not draw</b>: {html.escape(f'{type(error).__name__}: {error}')}"
            raise
        finally:
            self._drawing = False


def slider(description: str, value, lo, hi, step=None, **kwargs) -> widgets.IntSlider | widgets.FloatSlider:
    """An IntSlider for whole-number ranges, else a FloatSlider; it redraws when released (a redraw costs)."""
    integer = all(isinstance(v, int) for v in (lo, hi, 1 if step is None else step))
    cls = widgets.IntSlider if integer else widgets.FloatSlider
    extra = {} if step is None else {"step": step}
    return cls(value=value, min=lo, max=hi, description=description, continuous_update=False, **extra, **kwargs)
