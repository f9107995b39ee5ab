"""FigureView, the one widget mechanism: what a change redraws, and what it never does."""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure

from foldlab.widgets import FigureView
from foldlab.widgets._view import slider

from .widget_checks import PNG, assert_is_a_view, drive


def counting_view():
    """A view of ``n`` points whose ``limit`` slider's range follows ``n``; it counts its redraws."""
    controls = {"n": slider("n", 3, 1, 10), "limit": slider("limit", 3, 1, 3),
                "kind": widgets.Dropdown(options=["a", "b"])}
    calls = []

    def draw(fig):
        controls["limit"].max = controls["n"].value  # a dependent range, set while drawing
        calls.append((controls["n"].value, controls["limit"].value, controls["kind"].value))
        fig.add_subplot().plot(range(controls["n"].value), marker="o" if controls["kind"].value == "a" else "x")
        return f"{controls['n'].value} points", controls["n"].value ** 2

    return FigureView(draw, controls, figsize=(3, 2)), calls


def test_each_change_redraws_once_the_label_result_and_picture():
    view, calls = counting_view()
    assert_is_a_view(view, ["n", "limit", "kind"])
    assert calls == [(3, 3, "a")] and view.result == 9 and view.label.value == "3 points"
    assert isinstance(view.figure, Figure) and view.image.value.tobytes().startswith(PNG)
    low, high = drive(view, "n")
    assert (low.label, low.result, high.label, high.result) == ("1 points", 1, "10 points", 100)
    # n = 1 clamped limit to 1 inside the redraw: no second redraw for it
    assert calls == [(3, 3, "a"), (1, 1, "a"), (10, 1, "a")]
    drive(view, "kind")  # "a" is the value already: only "b" redraws
    assert calls[3:] == [(10, 1, "b")]
    assert view.image.layout.width == "300px"


def test_setting_the_same_value_does_not_redraw():
    view, calls = counting_view()
    view.controls["n"].value = 3
    assert len(calls) == 1


def test_a_change_already_drawn_is_not_drawn_again():
    """A redraw reads every control: a change it already showed (one control's observer, run before the
    view's, set another) does not draw the same picture again; an explicit redraw (a click's) always draws."""
    view, calls = counting_view()
    kind, n = view.controls["kind"], view.controls["n"]
    kind.value = "b"
    n.unobserve(view.redraw, names="value")
    n.observe(lambda change: setattr(kind, "value", "a"), names="value")  # runs before the view's redraw of n
    n.observe(view.redraw, names="value")
    n.value = 4  # kind -> "a" draws (4, 3, "a"); the view's redraw of n then has nothing new to show
    assert calls[1:] == [(3, 3, "b"), (4, 3, "a")]
    view.redraw()  # explicit, as after a click: always drawn
    assert calls[3:] == [(4, 3, "a")]


def test_a_failing_redraw_says_so_in_the_label_and_raises():
    n = slider("n", 1, 0, 2)

    def draw(fig):
        return f"1 / n = {1 / n.value}", None

    view = FigureView(draw, {"n": n}, figsize=(2, 2))
    before = bytes(view.image.value)
    with pytest.raises(ZeroDivisionError):
        n.value = 0
    assert view.label.value == "<b>could not draw</b>: ZeroDivisionError: division by zero"
    assert bytes(view.image.value) == before
    n.value = 2  # and it recovers
    assert view.label.value == "1 / n = 0.5"


def test_no_pyplot_figure_is_opened():
    view, _ = counting_view()
    for value in range(1, 11):
        view.controls["n"].value = value
    assert plt.get_fignums() == []


def test_house_slider_int_or_float_and_released_to_redraw():
    whole, real = slider("a", 2, 0, 5), slider("b", 0.5, 0.0, 1.0, 0.1)
    assert isinstance(whole, widgets.IntSlider) and isinstance(real, widgets.FloatSlider)
    assert (real.min, real.max, real.step, real.value) == (0.0, 1.0, 0.1, 0.5)
    assert not whole.continuous_update and not real.continuous_update
    stepped = slider("c", 4, 0, 10, 2)
    assert isinstance(stepped, widgets.IntSlider) and stepped.step == 2


def test_public_names_resolve():
    from foldlab import widgets as flw

    assert all(getattr(flw, name) is not None for name in flw.__all__)
    # every widget of every widget module is in the package's list, and the course's first ones are there
    import types

    in_modules = {
        name
        for module in vars(flw).values()
        if isinstance(module, types.ModuleType) and module.__name__.startswith("foldlab.widgets.")
        and not module.__name__.rsplit(".", 1)[1].startswith("_")
        for name in getattr(module, "__all__", ())
        if name.endswith("_widget")
    }
    listed = [name for name in flw.__all__ if name.endswith("_widget")]
    assert set(listed) == in_modules and len(listed) == len(in_modules)
    assert {"neuron_widget", "pattern_pair_widget", "training_patterns_widget", "neighbors_widget",
            "arrangement_widget", "training_regions_widget", "grid_misses_widget", "cantor_walk_widget",
            "sampling_widget", "regularizer_widget", "sensitivity_widget", "region_walk_widget",
            "regions_in_training_widget"} <= in_modules
