"""Arrangement widgets: every control driven to both ends of its range, asserting on what changed."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import foldlab as fl  # noqa: E402
from foldlab import widgets as W  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def controls(widget) -> dict:
    return {c.description: c for c in widget.children[:-1]}


def regions_drawn(view) -> int:
    return len(view.figure.axes[0].collections[0].get_paths())


def test_arrangement_widget_every_control_at_both_ends():
    w = W.arrangement_widget(width=8, depth=2, seed=0, max_width=24, max_depth=3, max_seed=5)
    c = controls(w)
    assert set(c) == {"width", "depth", "seed", "regions", "after layer", "colour"}
    start = w.result
    assert len(start.arrangement) == len(fl.arrangement(fl.mlp([2, 8, 8, 1], seed=0)))
    assert regions_drawn(start) == len(start.arrangement)

    # width: 1 (a single line per layer) to 24
    c["width"].value = c["width"].min
    narrow = w.result
    assert narrow.arrangement.spec.widths == (1, 1) and len(narrow.arrangement) <= 3
    c["width"].value = c["width"].max
    wide = w.result
    assert wide.arrangement.spec.widths == (24, 24)
    assert len(wide.arrangement) == len(fl.arrangement(fl.mlp([2, 24, 24, 1], seed=0)))
    assert regions_drawn(wide) == len(wide.arrangement) > len(start.arrangement)
    c["width"].value = 8

    # depth: 1 to 3, the layer slider follows
    c["depth"].value = c["depth"].min
    assert w.result.arrangement.depth == 1 and c["after layer"].max == 1
    c["depth"].value = c["depth"].max
    assert w.result.arrangement.depth == 3 and c["after layer"].max == 3 and c["after layer"].value == 3

    # layer: after layer 1 (with layer 2's lines drawn) to after layer 3 (with the decision boundary)
    c["after layer"].value = c["after layer"].min
    first = w.result
    assert first.arrangement.depth == 1 and not first.arrangement.complete
    lines = first.figure.axes[0].collections[1]
    assert len(lines.get_segments()) == len(first.arrangement.lines(1)[0]) > 0
    assert "lines: layer 2" in first.summary
    c["after layer"].value = c["after layer"].max
    last = w.result
    assert last.arrangement.complete and len(last.arrangement) >= len(first.arrangement)

    # seed: 0 to 5 gives other weights
    c["seed"].value = c["seed"].max
    other = w.result
    assert not np.array_equal(
        other.arrangement.spec.layers[0].affine.weight.numpy(), last.arrangement.spec.layers[0].affine.weight.numpy()
    )
    c["seed"].value = c["seed"].min
    assert len(w.result.arrangement) == len(last.arrangement)

    # view: activation regions to linear regions and back
    c["regions"].value = "linear"
    linear = w.result
    assert "linear regions" in linear.summary
    assert len(linear.figure.axes[0].collections[0].get_paths()) == len(linear.arrangement.linear_regions())
    c["regions"].value = "activation"
    assert "linear regions" not in w.result.summary

    # colour: every option, the colours change with it
    faces = {}
    for option in c["colour"].options:
        c["colour"].value = option
        faces[option] = w.result.figure.axes[0].collections[0].get_facecolors()
    assert not np.array_equal(faces["pattern"], faces["active"])
    assert not np.array_equal(faces["active"], faces["hamming"])


def test_training_widget_epochs_at_both_ends():
    data = fl.toy_dataset("moons", n=150, seed=0)
    w = W.training_regions_widget(data, widths=(2, 8, 8, 1), epochs=4, seed=0)
    (slider,) = w.children[:-1]
    assert (slider.min, slider.max) == (0, 4)
    start = w.result
    assert "epoch 0" in start.summary
    slider.value = slider.max
    end = w.result
    assert "epoch 4" in end.summary
    assert not np.array_equal(
        start.arrangement.spec.layers[0].affine.weight.numpy(), end.arrangement.spec.layers[0].affine.weight.numpy()
    )
    marker = end.figure.axes[1].lines[-1]
    assert marker.get_xdata()[0] == 4
    slider.value = slider.min
    assert w.result.figure.axes[1].lines[-1].get_xdata()[0] == 0
    assert len(w.result.arrangement) == len(start.arrangement)


def test_grid_misses_widget_resolution_at_both_ends():
    net = fl.mlp([2, 16, 16, 1], seed=0)
    w = W.grid_misses_widget(net, max_resolution=120)
    (slider,) = w.children[:-1]
    slider.value = slider.min
    coarse = w.result
    missed_coarse = int(coarse.arrangement.missed_by_grid(2).sum())
    assert f"misses {missed_coarse}" in coarse.summary and missed_coarse >= len(coarse.arrangement) - 4
    slider.value = slider.max
    fine = w.result
    missed_fine = int(fine.arrangement.missed_by_grid(120).sum())
    assert f"misses {missed_fine}" in fine.summary and missed_fine < missed_coarse
    hatched = fine.figure.axes[0].collections[1]
    assert len(hatched.get_paths()) == missed_fine


def test_widgets_close_their_previous_figures():
    w = W.grid_misses_widget(fl.mlp([2, 4, 1], seed=0), max_resolution=10)
    (slider,) = w.children[:-1]
    before = len(plt.get_fignums())
    for value in range(2, 11):
        slider.value = value
    assert len(plt.get_fignums()) == before
