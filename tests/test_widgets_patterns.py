"""Widgets of notebook 01: every control is driven to both ends of its range and what changed is checked
against the library (no browser, no kernel)."""

import re

import numpy as np
import pytest
import torch

import foldlab as fl
from foldlab import widgets as flw

from .widget_checks import assert_is_a_view, drive


def bit_of(label):
    return int(re.search(r"bit = (\d)", label).group(1))


def test_neuron_widget_controls():
    w = flw.neuron_widget(box=(-2, 2, -2, 2))
    assert_is_a_view(w, ["angle", "length", "bias", "x", "y"])
    c = w.controls
    assert w.result is None
    # point (0.5, 0.5), w = (cos 45, sin 45): the bias decides the bit
    low, high = drive(w, "bias")
    assert "b = -2.00" in low.label and bit_of(low.label) == 0 and "b = 2.00" in high.label and bit_of(high.label) == 1
    c["bias"].value = 0.0
    low, high = drive(w, "angle")  # 0 deg: w = (1, 0); 355 deg: w = (0.996, -0.087)
    assert "w = (1.00, 0.00)" in low.label and "w = (1.00, -0.09)" in high.label
    low, high = drive(w, "length")  # |w| = 0: z = b, a constant unit
    assert "w = (0.00, -0.00)" in low.label and "z = w&middot;x + b = 0.00" in low.label and bit_of(low.label) == 0
    assert "w = (1.99, -0.17)" in high.label  # 2 (cos 355, sin 355)
    # with b = 0 scaling w moves neither the line nor the half-plane; one slider step still shows, as the arrow
    # of w (in a browser the step 1.0 -> 1.1 once gave no new picture)
    drive(w, "length", [1.0, 1.1])
    c["length"].value, c["angle"].value = 1.0, 0
    low, high = drive(w, "x")  # w = (1, 0): z = x
    assert bit_of(low.label) == 0 and bit_of(high.label) == 1 and "z = w&middot;x + b = -2.00" in low.label
    assert "z = w&middot;x + b = 2.00" in high.label
    c["angle"].value = 90
    low, high = drive(w, "y")  # w = (0, 1): z = y
    assert bit_of(low.label) == 0 and bit_of(high.label) == 1


def label_distance(label):
    return int(re.search(r"d_H\(a, b\) = (\d+)", label).group(1))


@pytest.mark.parametrize("kind", ["toy", "digits"])
def test_pattern_pair_widget_controls(kind):
    if kind == "toy":
        data = fl.toy_dataset("moons", n=120, seed=0)
        net, X, shape = fl.mlp([2, 8, 8, 1], seed=0), data.X, None
    else:
        data = fl.load_digits(seed=0)
        net, X, shape = fl.mlp([64, 16, 16, 10], seed=1), data.X_test[:150], (8, 8)
    w = flw.pattern_pair_widget(net, X, image_shape=shape, first=3, second=4)
    assert_is_a_view(w, ["first", "second"])
    P = fl.activation_patterns(net, X)
    n = len(X)
    assert (w.controls["first"].min, w.controls["first"].max) == (0, n - 1)
    for name, other in (("first", "second"), ("second", "first")):
        for value, state in zip((0, n - 1), drive(w, name)):
            picked = {name: value, other: w.controls[other].value}
            i, j = picked["first"], picked["second"]
            assert label_distance(state.label) == fl.hamming_distance(P[i], P[j])
            assert f"2<sup>{label_distance(state.label)}</sup> = {fl.interval_size(P[i], P[j]):,}" in state.label
            assert torch.equal(state.result, P[[i, j]])
        mesh = w.figure.axes[-1].collections[0]
        assert np.asarray(mesh.get_array())[:2].tolist() == P[[i, j]].int().tolist()
    # both at the far end: the same input, distance 0
    assert (w.controls["first"].value, w.controls["second"].value) == (n - 1, n - 1)
    assert label_distance(w.label.value) == 0


def test_pattern_pair_widget_layers_and_errors():
    net = fl.mlp([3, 5, 4, 1], seed=0)
    X = torch.randn(30, 3, generator=torch.Generator().manual_seed(0))
    w = flw.pattern_pair_widget(net, X, layers=[1])  # no picture for 3 inputs: bits only
    assert len(w.figure.axes) == 1
    assert [t.get_text() for t in w.figure.axes[0].get_xticklabels()] == ["layer 1"]  # numbered as in the library
    low, high = drive(w, "second")
    P = fl.activation_patterns(net, X, layers=[1])
    assert label_distance(low.label) == 0 and torch.equal(low.result, P[[0, 0]])
    assert label_distance(high.label) == fl.hamming_distance(P[0], P[29]) and "layer 1:" in high.label
    with pytest.raises(ValueError, match=r"second must be an int in \[0, 29\], got 30"):
        flw.pattern_pair_widget(net, X, second=30)
    with pytest.raises(ValueError, match=r"expected X with at least 2 inputs to choose from, got shape \(1, 3\)"):
        flw.pattern_pair_widget(net, X[:1])


def test_training_patterns_widget_controls():
    data = fl.toy_dataset("moons", n=200, seed=0)
    history = fl.train(fl.mlp([2, 12, 12, 1], seed=0), data, epochs=4, lr=0.05, keep_snapshots=True, progress=False)
    w = flw.training_patterns_widget(history, data.X, n_pairs=300, seed=2)
    assert_is_a_view(w, ["epoch"])
    assert (w.controls["epoch"].min, w.controls["epoch"].max) == (0, 4)
    low, high = drive(w, "epoch")
    for epoch, state in ((0, low), (4, high)):
        w.controls["epoch"].value = epoch
        hist = fl.hamming_histograms(history.snapshots[epoch], data.X, n_pairs=300, seed=2)
        assert [np.array_equal(a, b) for a, b in zip(state.result.counts, hist.counts)] == [True, True]
        steps = w.figure.axes[0].patches
        assert [np.allclose(s.get_data().values, c / 300) for s, c in zip(steps, hist.counts)] == [True, True]
        activity = fl.activation_probability(history.snapshots[epoch], data.X)
        assert f"dead units per layer {[len(d) for d in activity.dead]}" in state.label
        assert f"epoch {epoch}: test accuracy {history.test_accuracy[epoch]:.3f}" in state.label
        test = fl.bernoulli_null_test(fl.activation_patterns(history.snapshots[epoch], data.X, layers=1),
                                      pairs=hist.pairs)
        assert f"p = {test.p_value:.3g}" in state.label
    assert low.label != high.label
    with pytest.raises(ValueError, match="keep_snapshots=True"):
        flw.training_patterns_widget(fl.train(fl.mlp([2, 4, 1]), data, epochs=1, progress=False), data.X)


def test_neighbors_widget_controls():
    data = fl.load_digits(seed=0)
    net = fl.mlp([64, 32, 10], seed=0)
    X, y = data.X_test[:120], data.y_test[:120]
    w = flw.neighbors_widget(net, X, y=y, k=6)
    assert_is_a_view(w, ["query", "k"])
    c = w.controls
    assert (c["query"].min, c["query"].max, c["k"].min, c["k"].max) == (0, 119, 1, 6)
    P = fl.activation_patterns(net, X)
    for name in ("query", "k"):
        low, high = drive(w, name)
        q, k = w.controls["query"].value, w.controls["k"].value
        hamming = fl.nearest_neighbors(P, P[q], k=k, exclude=[q]).indices[0]
        euclid = fl.nearest_neighbors(X, X[q], k=k, metric="euclidean", exclude=[q]).indices[0]
        assert np.array_equal(high.result["Hamming"], hamming) and np.array_equal(high.result["Euclidean"], euclid)
        mosaic = w.figure.axes[0].images[0].get_array()
        assert mosaic.shape == (2 * 8 + 1, (k + 1) * 9 - 1)  # one column per image, a query and k neighbours
        assert np.allclose(mosaic[:8, 9:17], X[hamming[0]].reshape(8, 8).numpy())
        assert np.allclose(mosaic[9:, 9:17], X[euclid[0]].reshape(8, 8).numpy())
        same = int((y[hamming] == y[q]).sum())
        assert f"Hamming: {same} of {k} neighbours share its label" in high.label
    assert [len(found) for found in low.result.values()] == [1, 1]  # k at its low end: one neighbour each
    unlabelled = flw.neighbors_widget(net, X, k=3)
    assert "nearest neighbours" in unlabelled.label.value
    with pytest.raises(ValueError, match=r"k must be an int in \[1, 119\], got 120"):
        flw.neighbors_widget(net, X, k=120)


def test_a_float_slider_step_writes_its_value_without_rounding_noise():
    # the browser steps a slider as min + k * step, and in floating point -2 + 26 * 0.1 is
    # 0.6000000000000001, which the preset wrote out before, and the widget computed with
    w = flw.neuron_widget()
    y, bias = w.controls["y"], w.controls["bias"]
    assert (y.min, y.step, bias.min, bias.step) == (-2.0, 0.1, -2.0, 0.1)
    assert -2.0 + 26 * 0.1 != 0.6 and -2.0 + 12 * 0.1 != -0.8
    y.value = y.min + 26 * y.step
    bias.value = bias.min + 12 * bias.step
    assert w.controls["y"].value == 0.6 and w.controls["bias"].value == -0.8
    assert "point=(0.5, 0.6)" in w.preset and "bias=-0.8" in w.preset
    assert flw.from_preset(w.preset).preset == w.preset
    w.controls["bias"].value = 5.0  # still clipped to the slider's range, as ipywidgets does
    assert w.controls["bias"].value == 2.0
