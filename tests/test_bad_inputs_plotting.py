"""Bad inputs to every plot and widget: refused by foldlab's own checks with a ValueError or TypeError that
names the argument, before anything is drawn; never a traceback from inside matplotlib, ipywidgets or numpy,
and never a silent clamp (a width beyond max_width, a seed beyond max_seed, a row beyond the data)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

import foldlab as fl
from foldlab import plotting as flp
from foldlab import widgets as flw
from foldlab.errors import NotPiecewiseLinear, OverBudget

FOLDLAB = Path(fl.__file__).resolve().parent


@pytest.fixture(scope="module")
def o():
    """Small valid objects of every kind the plots and widgets take."""
    net = fl.mlp([2, 4, 4, 1], seed=0)
    data = fl.toy_dataset("moons", n=30, seed=0)
    P = np.random.default_rng(0).random((6, 8)) < 0.5
    history = fl.train(fl.mlp([2, 3, 1], seed=0), data, epochs=1, keep_snapshots=True, progress=False)
    plain = fl.train(fl.mlp([2, 3, 1], seed=0), data, epochs=1, progress=False)
    return SimpleNamespace(
        net=net, arr=fl.arrangement(net), data=data, X=data.X[:20], P=P, history=history, plain=plain,
        walk=fl.walk(net, [-1.0, -1.0], [1.0, 1.0]),
        walks=fl.walks(net, torch.zeros(2, 2), torch.ones(2, 2)),
        hist=fl.pattern_stats.HammingHistograms.from_patterns(P, [4, 4], n_pairs=10),
        activity=fl.pattern_stats.UnitActivity.from_patterns(P, [8]),
        digits=fl.load_digits(seed=0),
        images=np.arange(16.0).reshape(4, 4),
    )


C = pytest.param  # a case: the call on the objects above, the error, what its message says


PLOTS = [
    # plot_neuron
    C(lambda o: flp.plot_neuron("ab"), TypeError, r"weight must be numbers", id="neuron-weight-str"),
    C(lambda o: flp.plot_neuron([1.0, 0.0, 2.0]), ValueError, r"expected weight of shape \(2,\)", id="neuron-weight-3"),
    C(lambda o: flp.plot_neuron([np.nan, 0.0]), ValueError, r"weight contains NaN", id="neuron-weight-nan"),
    C(lambda o: flp.plot_neuron([1, 0], bias="0.1"), TypeError, r"bias must be a real number", id="neuron-bias-str"),
    C(lambda o: flp.plot_neuron([1, 0], bias=np.inf), ValueError, r"bias must be a finite number",
      id="neuron-bias-inf"),
    C(lambda o: flp.plot_neuron([1, 0], box=(1, 0, 0, 1)), ValueError, r"box=\(xmin, xmax, ymin, ymax\) must have",
      id="neuron-box-empty"),
    C(lambda o: flp.plot_neuron([1, 0], box=(0, 1)), ValueError, r"expected box=\(xmin, xmax, ymin, ymax\), 4 numbers",
      id="neuron-box-short"),
    C(lambda o: flp.plot_neuron([1, 0], points=[[1, 2, 3]]), ValueError, r"expected points with 2 features",
      id="neuron-points"),
    C(lambda o: flp.plot_neuron([1, 0], -0.5), TypeError, r"ax must be a matplotlib Axes or None, got -0.5",
      id="neuron-old-bias-as-ax"),
    # plot_first_layer_lines
    C(lambda o: flp.plot_first_layer_lines("net"), TypeError, r"net must be a torch.nn.Module or a NetSpec",
      id="first-lines-net"),
    C(lambda o: flp.plot_first_layer_lines(fl.mlp([3, 4, 1])), ValueError, r"needs a net with 2 inputs",
      id="first-lines-3d"),
    C(lambda o: flp.plot_first_layer_lines(o.net, box="abcd"), TypeError, r"box=\(xmin, xmax, ymin, ymax\) of numbers",
      id="first-lines-box"),
    C(lambda o: flp.plot_first_layer_lines(o.net, box=(-1, 1, -1, 1), color="nope"), ValueError,
      r"style keyword color='nope' \(str\) is not valid", id="first-lines-color"),
    C(lambda o: flp.plot_first_layer_lines(o.net, box=(-1, 1, -1, 1), colour="red"), TypeError,
      r"unknown style keyword colour='red'", id="first-lines-unknown-style"),
    C(lambda o: flp.plot_first_layer_lines(o.net, box=(-1, 1, -1, 1), alpha=2), ValueError,
      r"alpha must be a number in \[0.0, 1.0\], got 2", id="first-lines-alpha"),
    # plot_pattern_bits
    C(lambda o: flp.plot_pattern_bits([[0, 2]]), ValueError, r"patterns must hold bits", id="bits-values"),
    C(lambda o: flp.plot_pattern_bits("0101"), TypeError, r"patterns must be bits", id="bits-str"),
    C(lambda o: flp.plot_pattern_bits(np.zeros((0, 4))), ValueError, r"expected patterns of shape \(k, m\)",
      id="bits-empty"),
    C(lambda o: flp.plot_pattern_bits(o.P, widths=[4, 3]), ValueError, r"widths \[4, 3\] add up to 7, but the "
      r"patterns have 8 bits", id="bits-widths-sum"),
    C(lambda o: flp.plot_pattern_bits(o.P, widths=[4.0, 4]), TypeError, r"widths\[0\] must be an int, got 4.0",
      id="bits-widths-float"),
    C(lambda o: flp.plot_pattern_bits(o.P, widths=[4, 4], layers=[0]), ValueError, r"layers must number each of "
      r"the 2 blocks of widths", id="bits-layers-count"),
    C(lambda o: flp.plot_pattern_bits(o.P, widths=[4, 4], layers=[0, -1]), ValueError, r"layers\[1\] must be an "
      r"int >= 0, got -1", id="bits-layers-negative"),
    C(lambda o: flp.plot_pattern_bits(o.P, layers=[0]), ValueError, r"layers numbers the blocks of widths",
      id="bits-layers-without-widths"),
    C(lambda o: flp.plot_pattern_bits(o.P[:2], labels=["a"]), ValueError, r"labels must have one label per row \(2\)",
      id="bits-labels"),
    C(lambda o: flp.plot_pattern_bits(o.P, show_difference=1), TypeError, r"show_difference must be True or False",
      id="bits-show-difference"),
    C(lambda o: flp.plot_pattern_bits(o.P, [4, 4]), TypeError, r"ax must be .*, got \[4, 4\] \(list\); call it as "
      r"plot_pattern_bits\(patterns, ax=None, \*, widths=None", id="bits-old-widths-positional"),
    # plot_hamming_histograms, plot_activation_probability, plot_null_test, plot_constellation_curve
    C(lambda o: flp.plot_hamming_histograms({"counts": []}), TypeError, r"histograms must be a HammingHistograms",
      id="hamming-type"),
    C(lambda o: flp.plot_hamming_histograms(o.hist, null="yes"), TypeError, r"null must be True or False",
      id="hamming-null"),
    C(lambda o: flp.plot_activation_probability(None), TypeError, r"activity must be a UnitActivity",
      id="probability-type"),
    C(lambda o: flp.plot_activation_probability(o.activity, bins=0), ValueError, r"bins must be an int >= 1, got 0",
      id="probability-bins-0"),
    C(lambda o: flp.plot_activation_probability(o.activity, bins=2.5), TypeError, r"bins must be an int, got 2.5",
      id="probability-bins-float"),
    C(lambda o: flp.plot_null_test(3), TypeError, r"result must be a NullTest", id="null-test-type"),
    C(lambda o: flp.plot_constellation_curve("curve"), TypeError, r"result must be a Constellations",
      id="constellation-type"),
    C(lambda o: flp.plot_constellation_curve(fl.constellation_curve(o.P), label=3), TypeError,
      r"label must be a str or None, got 3", id="constellation-label"),
    # plot_image_grid, plot_neighbors
    C(lambda o: flp.plot_image_grid(o.images, image_shape=(2, 2)), TypeError, r"rows must be a list of arrays",
      id="grid-rows-array"),
    C(lambda o: flp.plot_image_grid([], image_shape=(2, 2)), ValueError, r"rows is empty", id="grid-rows-empty"),
    C(lambda o: flp.plot_image_grid([o.images], image_shape=(3, 3)), ValueError,
      r"image_shape=\(3, 3\) holds 9 pixels, but each image has 4 values", id="grid-shape-pixels"),
    C(lambda o: flp.plot_image_grid([o.images], image_shape=(4,)), TypeError, r"image_shape must be \(h, w\)",
      id="grid-shape-one"),
    C(lambda o: flp.plot_image_grid([o.images], image_shape=(2, 2.0)), TypeError, r"image_shape\[1\] must be an int",
      id="grid-shape-float"),
    C(lambda o: flp.plot_image_grid([o.images, np.ones((1, 3))], image_shape=(2, 2)), ValueError,
      r"rows\[1\] has images of 3 values, expected h \* w = 4", id="grid-rows-ragged"),
    C(lambda o: flp.plot_image_grid([o.images], image_shape=(2, 2), titles=[["a"], ["b"]]), ValueError,
      r"titles must hold one sequence of captions per row \(1\)", id="grid-titles-rows"),
    C(lambda o: flp.plot_image_grid([o.images], image_shape=(2, 2), titles=[["a"]]), ValueError,
      r"titles\[0\] must have one label per image \(4\)", id="grid-titles-images"),
    C(lambda o: flp.plot_image_grid([o.images], image_shape=(2, 2), row_labels=["a", "b"]), ValueError,
      r"row_labels must have one label per row \(1\)", id="grid-row-labels"),
    C(lambda o: flp.plot_image_grid([o.images], image_shape=(2, 2), gap=-1), ValueError, r"gap must be an int >= 0",
      id="grid-gap"),
    C(lambda o: flp.plot_neighbors(o.images, query=4, neighbors={"a": [1]}, image_shape=(2, 2)), ValueError,
      r"query must be an int in \[0, 3\], got 4", id="neighbors-query-range"),
    C(lambda o: flp.plot_neighbors(o.images, query=1.0, neighbors={"a": [1]}, image_shape=(2, 2)), TypeError,
      r"query must be an int, got 1.0", id="neighbors-query-float"),
    C(lambda o: flp.plot_neighbors(o.images, query=0, neighbors=[1, 2], image_shape=(2, 2)), TypeError,
      r"neighbors must be a non-empty dict", id="neighbors-list"),
    C(lambda o: flp.plot_neighbors(o.images, query=0, neighbors={"a": [7]}, image_shape=(2, 2)), ValueError,
      r"neighbors\['a'\] must hold row indices of images \(ints from 0 to 3\), got \[7\]", id="neighbors-index"),
    C(lambda o: flp.plot_neighbors(o.images, query=0, neighbors={"a": [0.5]}, image_shape=(2, 2)), ValueError,
      r"neighbors\['a'\] must hold row indices", id="neighbors-float-index"),
    C(lambda o: flp.plot_neighbors(o.images, query=0, neighbors={"a": [1]}, image_shape=(2, 2), labels=[0, 1]),
      ValueError, r"expected labels with one label per point \(4\), got 2", id="neighbors-labels"),
    C(lambda o: flp.plot_neighbors(o.images * np.nan, query=0, neighbors={"a": [1]}, image_shape=(2, 2)),
      ValueError, r"images contains NaN", id="neighbors-images-nan"),
    C(lambda o: flp.plot_neighbors(o.images, neighbors={"a": [1]}, image_shape=(2, 2)), TypeError,
      r"missing a required argument: 'query'; call it as plot_neighbors\(images, ax=None", id="neighbors-no-query"),
    C(lambda o: flp.plot_neighbors(o.images, 0, {"a": [1]}, image_shape=(2, 2)), TypeError,
      r"ax must be a matplotlib Axes or None, got 0 \(int\)", id="neighbors-old-positional"),
    C(lambda o: flp.pattern_colors([[0, 3]]), ValueError, r"patterns must hold bits", id="pattern-colors-values"),
    C(lambda o: flp.pattern_colors([0, 1]), ValueError, r"expected patterns of shape \(R, m\)",
      id="pattern-colors-1d"),
    # region_colors, reference_region, plot_regions, plot_linear_regions
    C(lambda o: flp.region_colors("arr"), TypeError, r"arr must be an Arrangement \(from foldlab.arrangement",
      id="region-colors-type"),
    C(lambda o: flp.region_colors(o.arr, "area"), ValueError, r"color_by must be one of", id="region-colors-by"),
    C(lambda o: flp.region_colors(o.arr, "active", cmap="nope"), ValueError, r"cmap must be the name of a matplotlib "
      r"colormap", id="region-colors-cmap"),
    C(lambda o: flp.region_colors(o.arr, "active", cmap=3), TypeError, r"cmap must be the name", id="region-cmap-int"),
    C(lambda o: flp.region_colors(o.arr, "pattern", reference=0), ValueError, r"got reference=0 with "
      r"color_by='pattern'", id="region-colors-reference-ignored"),
    C(lambda o: flp.reference_region(o.arr, 2.5), TypeError, r"reference must be an int, got 2.5",
      id="reference-float"),
    C(lambda o: flp.reference_region(o.arr, -1), ValueError, r"reference must be an int in \[0, ", id="reference-neg"),
    C(lambda o: flp.reference_region(o.arr, (5.0, 5.0)), ValueError, r"reference point \(5.0, 5.0\) is outside",
      id="reference-outside"),
    C(lambda o: flp.reference_region(o.arr, [[0, 0], [0.5, 0.5]]), ValueError, r"reference must be one region index "
      r"or one point", id="reference-two-points"),
    C(lambda o: flp.plot_regions(o.net), TypeError, r"arr must be an Arrangement", id="regions-net"),
    C(lambda o: flp.plot_regions(o.arr, edgecolor="nope"), ValueError, r"edgecolor must be a matplotlib colour",
      id="regions-edgecolor"),
    C(lambda o: flp.plot_regions(o.arr, linewidth=-1), ValueError, r"linewidth must be a number >= 0.0, got -1",
      id="regions-linewidth"),
    C(lambda o: flp.plot_regions(o.arr, alpha=1.5), ValueError, r"alpha must be a number in \[0.0, 1.0\], got 1.5",
      id="regions-alpha"),
    C(lambda o: flp.plot_regions(o.arr.upto(0), color_by="output"), ValueError, r"color_by='output' needs every "
      r"hidden layer", id="regions-output-upto"),
    C(lambda o: flp.plot_linear_regions(None), TypeError, r"arr must be an Arrangement", id="linear-type"),
    C(lambda o: flp.plot_linear_regions(o.arr, alpha="half"), TypeError, r"alpha must be a real number",
      id="linear-alpha"),
    # plot_decision_boundary, plot_layer_lines, plot_grid_misses
    C(lambda o: flp.plot_decision_boundary(o.arr.upto(0)), ValueError, r"arr stops after hidden layer 0",
      id="boundary-upto"),
    C(lambda o: flp.plot_decision_boundary(o.arr, color=5), ValueError, r"color must be a matplotlib colour",
      id="boundary-color"),
    C(lambda o: flp.plot_decision_boundary(o.arr, linestyle="wavy"), ValueError, r"style keyword linestyle='wavy'",
      id="boundary-linestyle"),
    C(lambda o: flp.plot_decision_boundary(o.arr, colour="red"), TypeError, r"unknown style keyword colour",
      id="boundary-unknown-style"),
    C(lambda o: flp.plot_layer_lines(o.arr), TypeError, r"missing a required argument: 'layer'", id="layer-missing"),
    C(lambda o: flp.plot_layer_lines(o.arr, layer=5), ValueError, r"layer must be an int in \[-2, 1\], got 5",
      id="layer-range"),
    C(lambda o: flp.plot_layer_lines(o.arr, layer=True), TypeError, r"layer must be an int, got True",
      id="layer-bool"),
    C(lambda o: flp.plot_layer_lines(o.arr.upto(0).upto(0), layer=1, cmap="nope"), ValueError, r"cmap must be",
      id="layer-cmap"),
    C(lambda o: flp.plot_layer_lines(o.arr, layer=0, linewidth=np.nan), ValueError, r"linewidth must be a finite",
      id="layer-linewidth"),
    C(lambda o: flp.plot_layer_lines(o.arr.upto(0), 1), TypeError, r"ax must be a matplotlib Axes or None, got 1",
      id="layer-old-positional"),
    C(lambda o: flp.plot_grid_misses(o.arr, resolution=0), ValueError, r"resolution must be an int >= 1, got 0",
      id="grid-misses-zero"),
    C(lambda o: flp.plot_grid_misses(o.arr, resolution=10.0), TypeError, r"resolution must be an int, got 10.0",
      id="grid-misses-float"),
    C(lambda o: flp.plot_grid_misses(o.arr, resolution=100_000), OverBudget, r"lower resolution=",
      id="grid-misses-budget"),
    C(lambda o: flp.plot_grid_misses(o.arr, resolution=5, color="nope"), ValueError, r"color must be",
      id="grid-misses-color"),
    C(lambda o: flp.plot_grid_misses(o.arr, resolution=5, point_size=-1), ValueError, r"point_size must be",
      id="grid-misses-size"),
    # plot_arrangement, plot_region_counts
    C(lambda o: flp.plot_arrangement(o.arr, boundary="yes"), TypeError, r"boundary must be True or False",
      id="arrangement-boundary"),
    C(lambda o: flp.plot_arrangement(o.arr, linear=1), TypeError, r"linear must be True or False",
      id="arrangement-linear"),
    C(lambda o: flp.plot_arrangement(o.arr, mark_points=None), TypeError, r"mark_points must be True or False",
      id="arrangement-mark-points"),
    C(lambda o: flp.plot_arrangement(o.arr, colour="red"), TypeError, r"unexpected keyword argument 'colour'",
      id="arrangement-style"),
    C(lambda o: flp.plot_arrangement(o.arr, color_by="x"), ValueError, r"color_by must be one of",
      id="arrangement-color-by"),
    C(lambda o: o.arr.plot(color_by="x"), ValueError, r"color_by must be one of", id="arrangement-method"),
    C(lambda o: flp.plot_region_counts([1, 2]), TypeError, r"counts must be a RegionCounts", id="region-counts"),
    # walks
    C(lambda o: flp.plot_walk(o.walks), TypeError, r"walk must be one Walk; this is a Walks of 2 segments",
      id="walk-walks"),
    C(lambda o: flp.plot_walk("walk"), TypeError, r"walk must be a Walk", id="walk-str"),
    C(lambda o: flp.plot_walk(o.walk, space="plane"), ValueError, r"space must be one of", id="walk-space"),
    C(lambda o: flp.plot_walk(o.walk, cmap="nope"), ValueError, r"cmap must be", id="walk-cmap"),
    C(lambda o: flp.plot_walk(o.walk, linewidth="3"), TypeError, r"linewidth must be a real number",
      id="walk-linewidth"),
    C(lambda o: flp.plot_walk(o.walk, breakpoints=0), TypeError, r"breakpoints must be True or False",
      id="walk-breakpoints"),
    C(lambda o: flp.plot_walk(o.walk, space="t", y=np.inf), ValueError, r"y must be a finite number", id="walk-y"),
    C(lambda o: flp.plot_hamming_path(o.walk, x="bits"), ValueError, r"x must be one of", id="hamming-path-x"),
    C(lambda o: flp.plot_hamming_path(None), TypeError, r"walk must be a Walk", id="hamming-path-type"),
    C(lambda o: flp.plot_running_chi(o.walk, label=1), TypeError, r"label must be a str or None",
      id="running-chi-label"),
    C(lambda o: flp.plot_running_chi(o.walk, x=1), ValueError, r"x must be one of", id="running-chi-x"),
    C(lambda o: flp.plot_walk_patterns(o.walk, cmap=3), TypeError, r"cmap must be", id="walk-patterns-cmap"),
    C(lambda o: flp.plot_walk_patterns(o.P), TypeError, r"walk must be a Walk", id="walk-patterns-type"),
    C(lambda o: flp.plot_cantor_region(30), ValueError, r"depth must be an int in \[1, 8\], got 30",
      id="cantor-depth-30"),
    C(lambda o: flp.plot_cantor_region(0), ValueError, r"depth must be an int in \[1, 8\], got 0", id="cantor-depth-0"),
    C(lambda o: flp.plot_cantor_region(2.0), TypeError, r"depth must be an int, got 2.0", id="cantor-depth-float"),
    C(lambda o: flp.plot_cantor_region(2, color="nope"), ValueError, r"color must be", id="cantor-color"),
    C(lambda o: flp.plot_cantor_region(2, alpha=-0.1), ValueError, r"alpha must be", id="cantor-alpha"),
    C(lambda o: flp.plot_cantor_region(2, "ax"), TypeError, r"ax must be a matplotlib Axes or None, got 'ax'",
      id="cantor-ax"),
]

WIDGETS = [
    # neuron_widget
    C(lambda o: flw.neuron_widget(box=(0, 0, 0, 1)), ValueError, r"box=\(xmin, xmax, ymin, ymax\) must have",
      id="neuron-box"),
    C(lambda o: flw.neuron_widget(point=(5, 5)), ValueError, r"point=\(5.0, 5.0\) is outside box", id="neuron-point"),
    C(lambda o: flw.neuron_widget(point="ab"), TypeError, r"point must be numbers", id="neuron-point-str"),
    C(lambda o: flw.neuron_widget(point=(1, 2, 3)), ValueError, r"expected point with 2 features",
      id="neuron-point-3"),
    # pattern_pair_widget
    C(lambda o: flw.pattern_pair_widget(o.net, o.X, first=-1), ValueError, r"first must be an int in \[0, 19\], got -1",
      id="pair-first"),
    C(lambda o: flw.pattern_pair_widget(o.net, o.X, second=30), ValueError, r"second must be an int in \[0, 19\], "
      r"got 30", id="pair-second"),
    C(lambda o: flw.pattern_pair_widget(o.net, o.X, first=1.0), TypeError, r"first must be an int, got 1.0",
      id="pair-first-float"),
    C(lambda o: flw.pattern_pair_widget(o.net, torch.zeros(5, 3)), ValueError, r"expected X with 2 features",
      id="pair-X-features"),
    C(lambda o: flw.pattern_pair_widget(o.net, [[0.0, np.nan], [1.0, 1.0]]), ValueError, r"X contains NaN",
      id="pair-X-nan"),
    C(lambda o: flw.pattern_pair_widget(o.net, o.X, image_shape=(2, 2)), ValueError, r"image_shape=\(2, 2\) holds 4 "
      r"pixels, but each image has 2 values", id="pair-image-shape"),
    C(lambda o: flw.pattern_pair_widget(o.net, o.X, layers=5), ValueError, r"layer index 5 is out of range",
      id="pair-layers"),
    C(lambda o: flw.pattern_pair_widget("net", o.X), TypeError, r"net must be a torch.nn.Module", id="pair-net"),
    # training_patterns_widget
    C(lambda o: flw.training_patterns_widget("history", o.X), TypeError, r"history must be a TrainHistory",
      id="training-patterns-history"),
    C(lambda o: flw.training_patterns_widget(o.plain, o.X), ValueError, r"keep_snapshots=True",
      id="training-patterns-no-snapshots"),
    C(lambda o: flw.training_patterns_widget(o.history, o.X, n_pairs=0), ValueError, r"n_pairs must be an int >= 1",
      id="training-patterns-pairs"),
    C(lambda o: flw.training_patterns_widget(o.history, o.X, seed=-1), ValueError, r"seed must be an int in \[0, ",
      id="training-patterns-seed"),
    C(lambda o: flw.training_patterns_widget(o.history, torch.zeros(4, 3)), ValueError, r"expected X with 2 features",
      id="training-patterns-X"),
    # neighbors_widget
    C(lambda o: flw.neighbors_widget(o.net, o.X, image_shape=(1, 2), k=0), ValueError, r"k must be an int in "
      r"\[1, 19\], got 0", id="neighbors-k-0"),
    C(lambda o: flw.neighbors_widget(o.net, o.X, image_shape=(1, 2), k=30), ValueError, r"k must be an int in "
      r"\[1, 19\], got 30", id="neighbors-k-n"),
    C(lambda o: flw.neighbors_widget(o.net, o.X, image_shape=(1, 2), k=2.0), TypeError, r"k must be an int",
      id="neighbors-k-float"),
    C(lambda o: flw.neighbors_widget(o.net, o.X, image_shape=(1, 2), y=[0, 1]), ValueError, r"expected y with one "
      r"label per point \(20\), got 2", id="neighbors-y"),
    C(lambda o: flw.neighbors_widget(o.net, o.X, image_shape=(1, 2), y=np.full(20, 0.5)), ValueError,
      r"y must hold whole-number class labels", id="neighbors-y-float"),
    C(lambda o: flw.neighbors_widget(o.net, o.X), ValueError, r"image_shape=\(8, 8\) holds 64 pixels, but each image "
      r"has 2 values", id="neighbors-image-shape"),
    # arrangement_widget: nothing clamped
    C(lambda o: flw.arrangement_widget(width=33), ValueError, r"width must be an int in \[1, 32\], got 33",
      id="arrangement-width-max"),
    C(lambda o: flw.arrangement_widget(width=0), ValueError, r"width must be an int in \[1, 32\], got 0",
      id="arrangement-width-0"),
    C(lambda o: flw.arrangement_widget(width=True), TypeError, r"width must be an int, got True",
      id="arrangement-width-bool"),
    C(lambda o: flw.arrangement_widget(depth=5), ValueError, r"depth must be an int in \[1, 4\], got 5",
      id="arrangement-depth"),
    C(lambda o: flw.arrangement_widget(seed=21), ValueError, r"seed must be an int in \[0, 20\], got 21",
      id="arrangement-seed-max"),
    C(lambda o: flw.arrangement_widget(seed=-1), ValueError, r"seed must be an int in \[0, 20\], got -1",
      id="arrangement-seed-neg"),
    C(lambda o: flw.arrangement_widget(max_width=0), ValueError, r"max_width must be an int >= 1",
      id="arrangement-max-width"),
    C(lambda o: flw.arrangement_widget(max_seed=-1), ValueError, r"max_seed must be an int in \[0, ",
      id="arrangement-max-seed"),
    C(lambda o: flw.arrangement_widget(box=(0, 1, 1, 0)), ValueError, r"box=\(xmin, xmax, ymin, ymax\) must have",
      id="arrangement-box"),
    C(lambda o: flw.arrangement_widget(activation="gelu"), NotPiecewiseLinear, r"arrangement_widget\(activation="
      r"'gelu'\) needs a piecewise-linear net", id="arrangement-gelu"),
    C(lambda o: flw.arrangement_widget(activation="sigmoidal"), ValueError, r"activation must be one of",
      id="arrangement-activation"),
    # training_regions_widget (refused before training)
    C(lambda o: flw.training_regions_widget("moons"), TypeError, r"data must be a Dataset", id="training-data"),
    C(lambda o: flw.training_regions_widget(o.data, epochs=0), ValueError, r"epochs must be an int >= 1, got 0",
      id="training-epochs"),
    C(lambda o: flw.training_regions_widget(o.data, lr=0), ValueError, r"lr must be a number > 0.0, got 0",
      id="training-lr"),
    C(lambda o: flw.training_regions_widget(o.data, seed=2**40), ValueError, r"seed must be an int in \[0, ",
      id="training-seed"),
    C(lambda o: flw.training_regions_widget(o.data, widths=(3, 4, 1)), ValueError, r"expected data with 2 features "
      r"and widths starting with 2, got 2 features and widths=\(3, 4, 1\)", id="training-widths-3d"),
    C(lambda o: flw.training_regions_widget(o.data, widths=(2,)), ValueError, r"widths must be \[d_in, h_1, ..., "
      r"d_out\]", id="training-widths-short"),
    C(lambda o: flw.training_regions_widget(o.data, box=(0, 1, 0)), ValueError, r"expected box=", id="training-box"),
    # grid_misses_widget
    C(lambda o: flw.grid_misses_widget(o.net, resolution=1), ValueError, r"resolution must be an int in \[2, 100\], "
      r"got 1", id="grid-resolution-low"),
    C(lambda o: flw.grid_misses_widget(o.net, resolution=101), ValueError, r"resolution must be an int in "
      r"\[2, 100\], got 101", id="grid-resolution-high"),
    C(lambda o: flw.grid_misses_widget(o.net, max_resolution=1), ValueError, r"max_resolution must be an int >= 2",
      id="grid-max-resolution"),
    C(lambda o: flw.grid_misses_widget(o.net, max_resolution=10**6), OverBudget, r"lower max_resolution=",
      id="grid-max-resolution-budget"),
    C(lambda o: flw.grid_misses_widget(o.net, box=(0, 1)), ValueError, r"expected box=", id="grid-box"),
    C(lambda o: flw.grid_misses_widget("net"), TypeError, r"net must be a torch.nn.Module", id="grid-net"),
    # cantor_walk_widget, sampling_widget
    C(lambda o: flw.cantor_walk_widget(depth=7), ValueError, r"depth must be an int in \[1, 6\], got 7",
      id="cantor-depth"),
    C(lambda o: flw.cantor_walk_widget(height=1.5), ValueError, r"height must be a number in \[0.0, 1.0\], got 1.5",
      id="cantor-height"),
    C(lambda o: flw.cantor_walk_widget(representation="sparse"), ValueError, r"representation must be one of",
      id="cantor-representation"),
    C(lambda o: flw.cantor_walk_widget(bits="all"), ValueError, r"bits must be one of", id="cantor-bits"),
    C(lambda o: flw.sampling_widget(o.net, [0, 0], [1, 1], n=1), ValueError, r"n must be an int in \[2, 1000\], got 1",
      id="sampling-n-low"),
    C(lambda o: flw.sampling_widget(o.net, [0, 0], [1, 1], n=1001), ValueError, r"n must be an int in \[2, 1000\], "
      r"got 1001", id="sampling-n-high"),
    C(lambda o: flw.sampling_widget(o.net, [0, 0], [1, 1], max_n=1), ValueError, r"max_n must be an int >= 2",
      id="sampling-max-n"),
    C(lambda o: flw.sampling_widget(o.net, [0, 0], [1, 1], include_output="no"), TypeError,
      r"include_output must be True or False", id="sampling-include-output"),
    C(lambda o: flw.sampling_widget(o.net, [0, 0, 0], [1, 1]), ValueError, r"expected x1 with 2 features",
      id="sampling-x1"),
    # region_walk_widget
    C(lambda o: flw.region_walk_widget(start=(2.0, 0.0)), ValueError, r"start=\(2.0, 0.0\) is outside box",
      id="region-walk-start-outside"),
    C(lambda o: flw.region_walk_widget(color_by="output"), ValueError, r"color_by must be one of",
      id="region-walk-color"),
    C(lambda o: flw.region_walk_widget(place="middle"), ValueError, r"place must be one of", id="region-walk-place"),
    C(lambda o: flw.region_walk_widget(o.net, seed=3), ValueError, r"widths and seed build the default net",
      id="region-walk-net-and-seed"),
    C(lambda o: flw.sampling_widget(3, [0, 0], [1, 1]), TypeError, r"net must be a torch.nn.Module", id="sampling-net"),
    # FigureView
    C(lambda o: flw.FigureView(3, {}, figsize=(2, 2)), TypeError, r"draw must be a function", id="view-draw"),
    C(lambda o: flw.FigureView(lambda fig: ("", None), [widgets.IntSlider()], figsize=(2, 2)), TypeError,
      r"controls must be a dict", id="view-controls"),
    C(lambda o: flw.FigureView(lambda fig: ("", None), {"n": widgets.Button()}, figsize=(2, 2)), TypeError,
      r"controls must map names \(str\) to ipywidgets controls", id="view-control"),
    C(lambda o: flw.FigureView(lambda fig: ("", None), {}, figsize=(0, 2)), ValueError, r"figsize\[0\] must be a "
      r"number > 0.0", id="view-figsize-zero"),
    C(lambda o: flw.FigureView(lambda fig: ("", None), {}, figsize="big"), TypeError, r"figsize must be \(width, "
      r"height\)", id="view-figsize-str"),
]


def assert_refused(o, call, error, message):
    figures = plt.get_fignums()
    with pytest.raises(error, match=message) as info:
        call(o)
    assert isinstance(info.value, (ValueError, TypeError))
    raised_in = Path(info.traceback[-1].path).resolve()
    assert FOLDLAB in raised_in.parents, f"raised in {raised_in}, not by foldlab's own checks"
    assert plt.get_fignums() == figures, "a figure was made before the input was refused"


@pytest.mark.parametrize("call, error, message", PLOTS)
def test_every_plot_refuses_bad_input_naming_the_argument(o, call, error, message):
    assert_refused(o, call, error, message)


@pytest.mark.parametrize("call, error, message", WIDGETS)
def test_every_widget_refuses_bad_input_naming_the_argument(o, call, error, message):
    assert_refused(o, call, error, message)


def test_every_plot_and_widget_has_bad_input_cases():
    """A new plot or widget without a bad-input case fails this test: here, or in the test file of the notebook
    module it belongs to (folding and its widgets, information geometry, the regularizer's experiment,
    normalisation)."""
    tests = Path(__file__).parent
    source = "".join((tests / name).read_text() for name in (
        Path(__file__).name, "test_folding.py", "test_plotting_information.py", "test_widgets_information.py",
        "test_widgets_folding.py", "test_experiments_regularizer.py", "test_widgets_normalisation.py",
        "test_widgets_training.py"))
    names = [name for name in flp.__all__ if name.startswith("plot_") or name in ("region_colors", "reference_region",
                                                                                  "pattern_colors")]
    names += [name for name in flw.__all__ if name.endswith("_widget") or name == "FigureView"]
    missing = [name for name in names if f".{name}(" not in source]
    assert not missing, missing
