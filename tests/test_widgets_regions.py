"""Arrangement widgets: every control driven to both ends of its range, asserting on what changed."""

import numpy as np
import shapely

import foldlab as fl
from foldlab import widgets as W

from .widget_checks import assert_is_a_view, drive


def regions_drawn(widget) -> int:
    return len(widget.figure.axes[0].collections[0].get_paths())


def first_weights(arr) -> np.ndarray:
    return arr.spec.layers[0].affine.weight.numpy()


def test_arrangement_widget_every_control_at_both_ends():
    w = W.arrangement_widget(width=8, depth=2, seed=0)  # the default ranges: width to 32, depth to 4, seed to 20
    assert_is_a_view(w, ["width", "depth", "seed", "view", "layer", "color_by"])
    c = w.controls
    assert [c[name].description for name in c] == ["width", "depth", "seed", "regions", "after layer", "colour"]
    start = w.result
    assert len(start) == len(fl.arrangement(fl.mlp([2, 8, 8, 1], seed=0)))
    assert regions_drawn(w) == len(start)
    assert w.label.value == f"2-[8]x2-1, seed 0, after layer 1: {len(start)} activation regions"
    # layers are counted from 0, as in the library: the last of two hidden layers is layer 1
    assert (c["layer"].min, c["layer"].max, c["layer"].value) == (0, 1, 1) and w.result.depth == 2

    # width: 1 (a single line per layer) to 32
    narrow, wide = drive(w, "width")
    assert narrow.result.spec.widths == (1, 1)
    assert len(narrow.result) == len(fl.arrangement(fl.mlp([2, 1, 1, 1], seed=0))) <= 3
    assert wide.result.spec.widths == (32, 32)
    assert len(wide.result) == len(fl.arrangement(fl.mlp([2, 32, 32, 1], seed=0)))
    assert regions_drawn(w) == len(wide.result) > len(start)
    assert wide.label.startswith("2-[32]x2-1, seed 0")
    c["width"].value = 8

    # depth: 1 to 4, the layer slider follows (its range, and its value when it was at the end)
    shallow, deep = drive(w, "depth")
    assert shallow.result.depth == 1 and "after layer 0" in shallow.label and shallow.result.complete
    assert deep.result.depth == 4 and c["layer"].max == 3 and c["layer"].value == 3 and deep.result.complete
    assert "after layer 3" in deep.label

    # layer: after layer 0 (with layer 1's lines drawn) to after layer 3 (the last, with the decision boundary)
    first, last = drive(w, "layer")
    assert first.result.depth == 1 and not first.result.complete and first.label.startswith(
        f"2-[8]x4-1, seed 0, after layer 0: {len(first.result)} activation regions; lines: layer 1")
    full = fl.arrangement(fl.mlp([2, 8, 8, 8, 8, 1], seed=0))
    assert len(first.result) == len(full.upto(0)) and len(last.result) == len(full)
    assert last.result.complete and len(last.result) >= len(first.result) and "lines" not in last.label
    assert len(w.figure.axes[0].collections[1].get_segments()) == len(full.decision_boundary())
    c["layer"].value = 0
    bent = w.figure.axes[0].collections[1]  # layer 1's lines, bent on layer 0's regions
    assert len(bent.get_segments()) == len(w.result.lines(1)[0]) == len(full.upto(0).lines(1)[0]) > 0
    c["layer"].value = 1
    c["depth"].value = 3  # the layer was not at its end: it stays
    assert c["layer"].max == 2 and c["layer"].value == 1 and w.result.depth == 2
    c["depth"].value = 1  # its range follows depth: the only layer is layer 0
    assert (c["layer"].max, c["layer"].value) == (0, 0) and w.result.depth == 1
    c["depth"].value = 2
    assert c["layer"].value == 1  # it was at its end, so it follows

    # seed: 0 to 20 gives other weights
    zero, twenty = drive(w, "seed")
    assert not np.array_equal(first_weights(zero.result), first_weights(twenty.result))
    assert "seed 20" in twenty.label and "seed 0" in zero.label

    # view: activation regions to linear regions
    activation, linear = drive(w, "view")
    assert "linear regions" not in activation.label
    assert f"{len(linear.result.linear_regions())} linear regions" in linear.label
    assert regions_drawn(w) == len(linear.result.linear_regions()) <= len(linear.result)
    c["view"].value = "activation"

    # colour: every option, the colours change with it
    c["layer"].value = c["layer"].max
    faces = {}
    for option in c["color_by"].options:
        c["color_by"].value = option
        faces[option] = w.figure.axes[0].collections[0].get_facecolors()
    drive(w, "color_by")
    assert not np.array_equal(faces["pattern"], faces["active"])
    assert not np.array_equal(faces["active"], faces["hamming"])
    assert not np.array_equal(faces["hamming"], faces["output"])
    # the output is the net's only after its last layer: colouring by it holds the layer there (disabled)
    c["color_by"].value = "output"
    assert c["layer"].disabled and c["layer"].value == c["layer"].max and w.result.complete
    c["color_by"].value = "pattern"
    c["layer"].value = 0
    np.testing.assert_array_equal(w.figure.axes[0].collections[0].get_facecolors(),
                                  fl.plotting.region_colors(w.result, "pattern"))


def test_training_widget_epochs_at_both_ends():
    data = fl.toy_dataset("moons", n=150, seed=0)
    w = W.training_regions_widget(data, widths=(2, 8, 8, 1), epochs=4, seed=0)
    assert_is_a_view(w, ["epoch"])
    assert (w.controls["epoch"].min, w.controls["epoch"].max) == (0, 4)
    start = w.result
    low, high = drive(w, "epoch")
    assert low.result is start  # 0 is where it starts: no redraw
    history = fl.train(fl.mlp([2, 8, 8, 1], seed=0), data, epochs=4, lr=1e-2, seed=0, keep_snapshots=True,
                       progress=False)
    for epoch, state in ((0, low), (4, high)):
        assert np.array_equal(first_weights(state.result), history.snapshots[epoch][0].weight.detach().double().numpy())
        assert len(state.result) == len(fl.arrangement(history.snapshots[epoch], box=state.result.box))
        assert state.label == f"epoch {epoch}: {len(state.result)} regions, " \
                              f"train accuracy {history.train_accuracy[epoch]:.2f}"
    assert w.figure.axes[1].lines[-1].get_xdata()[0] == 4  # the epoch marked on the counts
    w.controls["epoch"].value = 0
    assert w.figure.axes[1].lines[-1].get_xdata()[0] == 0 and len(w.result) == len(start)


def test_grid_misses_widget_resolution_at_both_ends():
    net = fl.mlp([2, 16, 16, 1], seed=0)
    w = W.grid_misses_widget(net, max_resolution=120)
    assert_is_a_view(w, ["resolution"])
    assert w.controls["resolution"].value == 10  # the default start
    coarse, fine = drive(w, "resolution")
    arr = fine.result
    assert coarse.result is arr and len(arr) == len(fl.arrangement(net))
    missed_coarse = int(arr.missed_by_grid(2).sum())
    assert coarse.label == f"2x2 grid: finds {len(arr) - missed_coarse} of {len(arr)} regions, misses {missed_coarse}"
    assert missed_coarse >= len(arr) - 4
    missed_fine = arr.missed_by_grid(120)
    assert fine.label.endswith(f"misses {int(missed_fine.sum())}") and missed_fine.sum() < missed_coarse
    hatched = w.figure.axes[0].collections[1]
    assert len(hatched.get_paths()) == int(missed_fine.sum())
    # independently of the widget: no grid point falls in a region it calls missed
    points = shapely.points(fl.counting.grid_points(arr.box, 120))
    assert shapely.STRtree(points).query(arr.polygons[missed_fine], predicate="contains").size == 0
    default = W.grid_misses_widget(net, resolution=7)
    assert (default.controls["resolution"].min, default.controls["resolution"].max) == (2, 100)
    assert default.label.value.startswith("7x7 grid")
