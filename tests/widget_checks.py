"""Driving a FigureView's controls as a user would, and what every widget test asserts about it."""

from __future__ import annotations

from typing import NamedTuple

import matplotlib.pyplot as plt
from ipywidgets import Widget

from foldlab.widgets import FigureView

PNG = b"\x89PNG\r\n\x1a\n"


class Shown(NamedTuple):
    """What the widget shows after a change: the label's text, its result and its picture's bytes."""

    label: str
    result: object
    png: bytes


def shown(widget: FigureView) -> Shown:
    return Shown(widget.label.value, widget.result, bytes(widget.image.value))


def ends(control) -> tuple:
    """The two ends of a control's range: (min, max) of a slider, the first and last option of a choice."""
    if hasattr(control, "options"):
        return control.options[0], control.options[-1]
    return control.min, control.max


def drive(widget: FigureView, name: str, values=None) -> list[Shown]:
    """Set one control to each of ``values`` (default: its two ends); what is shown after each.

    Checks on the way: the control takes the value, the picture is a PNG redrawn from a figure that is
    not pyplot's, and the picture changes between the first and the last value.
    """
    control = widget.controls[name]
    values = ends(control) if values is None else values
    states = []
    for value in values:
        control.value = value
        assert control.value == value, f"{name} did not take {value!r}"
        states.append(shown(widget))
    assert all(s.png.startswith(PNG) for s in states)
    assert states[0].png != states[-1].png, f"the picture did not change: {name} {values[0]!r} -> {values[-1]!r}"
    assert plt.get_fignums() == [], "a widget opened a pyplot figure"
    return states


def assert_is_a_view(widget, names) -> None:
    """A FigureView with exactly these controls, its label, image and figure shown in the box."""
    assert isinstance(widget, FigureView) and isinstance(widget, Widget)
    assert list(widget.controls) == list(names)
    assert widget.label in widget.children and widget.image in widget.children
    assert list(widget.children[0].children) == list(widget.controls.values())
    assert widget.figure.axes, "nothing was drawn"
