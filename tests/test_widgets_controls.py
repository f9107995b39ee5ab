"""Every control of every widget changes the picture, or is disabled with a tooltip saying why; every colour
scale is explained by a colorbar or a legend; and the fast picture (frame kept, insides redrawn) is the
whole drawing, pixel for pixel, at every step."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.colorbar import Colorbar

from foldlab import widgets as flw

from .widget_checks import catalogue, disabled_with_reason, objects, settings_of

NAMES = list(catalogue(dict.fromkeys(("moons", "moons_X", "net2d", "digits_X", "digits_y", "digit_net", "history",
                                       "small_moons"))))


@pytest.fixture(scope="module")
def o():
    return objects()


def reused(view) -> int:
    """How many of the view's pictures reused a kept frame (the insides of the axes, or new titles, drawn again)."""
    return view.renderer.counts["fast"] + view.renderer.counts["titles"]


def assert_fast_is_whole(view, fast_before: int, where: str) -> None:
    """If the picture just shown reused the frame, it equals the whole drawing of the same state."""
    if reused(view) == fast_before:
        return
    shown = view.pixels()
    whole = view.pixels(fast=False)
    differ = (shown != whole).any(axis=2)
    assert not differ.any(), f"{where}: the fast picture differs from the whole one in {int(differ.sum())} pixels"


def test_the_catalogue_covers_every_widget():
    """Every widget of the course's first notebooks; the widgets of notebooks 08 and 09 move every control
    at both ends in their own tests (tests/test_widgets_information.py, tests/test_experiments_regularizer.py)."""
    from foldlab.widgets import patterns, regions, walks

    names = {name.split("/")[0] for name in NAMES}
    assert names == {name for m in (patterns, regions, walks) for name in m.__all__ if name.endswith("_widget")}


@pytest.mark.parametrize("name", NAMES)
def test_every_control_changes_the_picture_or_is_disabled_with_a_reason(o, name):
    build, objs = catalogue(o)[name]
    view = build(**objs)
    assert view.controls, f"{name} has no controls"
    changed = set()
    for key, control in view.controls.items():
        previous = bytes(view.image.value)
        for value in settings_of(control):
            if control.disabled:
                assert disabled_with_reason(control), f"{name}: {key} is disabled without a tooltip saying why"
                break
            fast = reused(view)
            control.value = value
            assert control.value == value, f"{name}: {key} did not take {value!r}"
            assert_fast_is_whole(view, fast, f"{name}: {key}={value!r}")
            png = bytes(view.image.value)
            if png != previous:
                changed.add(key)
            else:
                assert value == settings_of(control)[0], \
                    f"{name}: {key} = {value!r} did not change the picture"  # the first setting may be the current
            previous = png
        assert key in changed or disabled_with_reason(control), f"{name}: {key} never changed the picture"


def test_the_disabled_controls_say_why_and_come_back():
    view = flw.neuron_widget()
    angle = view.controls["angle"]
    assert not angle.disabled
    view.controls["length"].value = 0.0
    assert disabled_with_reason(angle) and "|w| = 0" in angle.tooltip
    view.controls["length"].value = 0.5
    assert not angle.disabled

    view = flw.arrangement_widget(width=4, depth=3, layer=0)
    layer = view.controls["layer"]
    view.controls["color_by"].value = "output"  # needs every layer: the layer goes to the last and stays there
    assert layer.value == 2 and disabled_with_reason(layer) and "every layer" in layer.tooltip
    assert view.result.complete and "colour by output" not in view.label.value
    view.controls["color_by"].value = "active"
    assert not layer.disabled
    layer.value = 0
    assert view.result.depth == 1


def scale_of(view):
    """The colorbar (an extra axes) or the legend that explains the first axes' colours."""
    fig = view.figure
    bars = [ax for ax in fig.axes[1:] if hasattr(ax, "_colorbar")]
    return bars[0]._colorbar if bars else fig.axes[0].get_legend()


@pytest.mark.parametrize("color_by, kind, label", [
    ("pattern", None, None),
    ("active", Colorbar, "active neurons"),
    ("hamming", Colorbar, "Hamming distance to the reference region"),
    ("output", Colorbar, "output at the region's centre"),
])
def test_arrangement_colour_scales_have_a_colorbar(color_by, kind, label):
    view = flw.arrangement_widget(width=5, depth=2, color_by=color_by)
    scale = scale_of(view)
    if kind is None:
        assert scale is None  # a hash of the pattern is no scale
        return
    assert isinstance(scale, Colorbar) and scale.ax.get_ylabel() == label
    regions = view.figure.axes[0].collections[0]
    # the colorbar maps the values the regions were coloured with
    np.testing.assert_allclose(scale.cmap(scale.norm(scale.norm.vmin)), scale.cmap(0.0))
    assert len(regions.get_facecolors()) == len(view.result)


def test_the_other_colour_scales_have_legends(o):
    legend_texts = lambda ax: [t.get_text() for t in ax.get_legend().get_texts()]
    neuron = flw.neuron_widget()
    assert legend_texts(neuron.figure.axes[0]) == ["active half-plane (bit 1)", "w . x + b = 0", "point with bit 1",
                                                   "point with bit 0"]
    pair = flw.pattern_pair_widget(o["net2d"], o["moons"].X)
    assert legend_texts(pair.figure.axes[-1]) == ["1: active", "0: inactive", "differs"]
    grid = flw.grid_misses_widget(o["net2d"])
    assert legend_texts(grid.figure.axes[0]) == ["regions the grid misses", "grid points"]
    training = flw.training_regions_widget(o["small_moons"], widths=(2, 4, 1), epochs=1, progress=False)
    assert legend_texts(training.figure.axes[0]) == ["class 0", "class 1"]
    walk = flw.region_walk_widget(widths=(2, 5, 5, 1), color_by="hamming")
    assert isinstance(scale_of(walk), Colorbar) and scale_of(walk).ax.get_ylabel() == "d_H to A's region (hidden bits)"
    walk.controls["color_by"].value = "pattern"
    assert len(walk.figure.axes) == 2  # the regions and the Hamming path, no colorbar


def test_a_stable_frame_is_reused():
    """Where only the inside of the axes changes, the frame is drawn once (that is what makes redraws fast)."""
    view = flw.cantor_walk_widget(depth=2)
    for height in (0.3, 0.35, 0.4, 0.45):
        view.controls["height"].value = height
    assert view.renderer.counts == {"whole": 1, "fast": 4, "titles": 0}
    view.controls["depth"].value = 3  # another depth: the running chi's axes keep their frame too
    assert view.renderer.counts["fast"] == 5
