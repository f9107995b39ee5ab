"""Widgets of notebook 01: every control is driven to both ends of its range and what changed is checked
against the library (no browser, no kernel)."""

import re

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from ipywidgets import Widget  # noqa: E402

import foldlab as fl  # noqa: E402
from foldlab import widgets as flw  # noqa: E402


def ends(widget, name):
    """Set one control to its minimum, then its maximum; return (min state, max state) of (label, png)."""
    control = widget.controls[name]
    states = []
    for value in (control.min, control.max):
        control.value = value
        assert control.value == value
        states.append((widget.label.value, widget.image.value))
    assert states[0][1] != states[1][1], f"the picture did not change when {name} went from min to max"
    assert states[0][1][:8] == b"\x89PNG\r\n\x1a\n"
    return states


def all_controls_are_driven(widget, driven):
    assert set(widget.controls) == set(driven)
    assert isinstance(widget, Widget)


def bit_of(label):
    return int(re.search(r"bit = (\d)", label).group(1))


def test_neuron_widget_controls():
    w = flw.neuron_widget(box=(-2, 2, -2, 2))
    c = w.controls
    # point (0.5, 0.5), w = (cos 45, sin 45): the bias decides the bit
    (low, _), (high, _) = ends(w, "bias")
    assert "b = -2.00" in low and bit_of(low) == 0 and "b = 2.00" in high and bit_of(high) == 1
    c["bias"].value = 0.0
    (low, _), (high, _) = ends(w, "angle")  # 0 deg: w = (1, 0); 355 deg: w = (0.996, -0.087)
    assert "w = (1.00, 0.00)" in low and "w = (1.00, -0.09)" in high
    (low, _), (high, _) = ends(w, "length")  # |w| = 0: z = b, a constant unit
    assert "w = (0.00, -0.00)" in low and "z = w&middot;x + b = 0.00" in low and bit_of(low) == 0
    c["length"].value, c["angle"].value = 1.0, 0
    (low, _), (high, _) = ends(w, "x")  # w = (1, 0): z = x
    assert bit_of(low) == 0 and bit_of(high) == 1 and "z = w&middot;x + b = -2.00" in low
    c["angle"].value = 90
    (low, _), (high, _) = ends(w, "y")  # w = (0, 1): z = y
    assert bit_of(low) == 0 and bit_of(high) == 1
    all_controls_are_driven(w, ["bias", "angle", "length", "x", "y"])


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
    P = fl.activation_patterns(net, X)
    n = len(X)
    for name in ("first", "second"):
        (low, _), (high, _) = ends(w, name)
        i, j = w.controls["first"].value, w.controls["second"].value
        assert label_distance(high) == fl.hamming_distance(P[i], P[j])
        assert f"2<sup>{label_distance(high)}</sup> = {fl.interval_size(P[i], P[j]):,}" in high
        mesh = w.figure.axes[-1].collections[0]
        assert np.asarray(mesh.get_array())[:2].tolist() == P[[i, j]].int().tolist()
    # both at the far end: the same input, distance 0
    assert (w.controls["first"].value, w.controls["second"].value) == (n - 1, n - 1)
    assert label_distance(w.label.value) == 0
    all_controls_are_driven(w, ["first", "second"])


def test_pattern_pair_widget_layers_and_errors():
    net = fl.mlp([3, 5, 4, 1], seed=0)
    X = torch.randn(30, 3, generator=torch.Generator().manual_seed(0))
    w = flw.pattern_pair_widget(net, X, layers=[1])  # no picture for 3 inputs: bits only
    ends(w, "second")
    P = fl.activation_patterns(net, X, layers=[1])
    assert label_distance(w.label.value) == fl.hamming_distance(P[0], P[29]) and "layer 1:" in w.label.value
    with pytest.raises(ValueError, match="first and second must be rows 0 to 29"):
        flw.pattern_pair_widget(net, X, second=30)
    with pytest.raises(ValueError, match=r"expected X of shape \(n, d\) with n >= 2"):
        flw.pattern_pair_widget(net, X[:1])


def test_training_patterns_widget_controls():
    data = fl.toy_dataset("moons", n=200, seed=0)
    history = fl.train(fl.mlp([2, 12, 12, 1], seed=0), data, epochs=4, lr=0.05, keep_snapshots=True, progress=False)
    w = flw.training_patterns_widget(history, data.X, n_pairs=300, seed=2)
    for epoch in (4, 0):
        w.controls["epoch"].value = epoch
        hist = fl.hamming_histograms(history.snapshots[epoch], data.X, n_pairs=300, seed=2)
        steps = w.figure.axes[0].patches
        assert [np.allclose(s.get_data().values, c / 300) for s, c in zip(steps, hist.counts)] == [True, True]
        activity = fl.activation_probability(history.snapshots[epoch], data.X)
        assert f"dead units per layer {[len(d) for d in activity.dead]}" in w.label.value
        assert f"epoch {epoch}: test accuracy {history.test_accuracy[epoch]:.3f}" in w.label.value
        test = fl.bernoulli_null_test(fl.activation_patterns(history.snapshots[epoch], data.X, layers=1),
                                      pairs=hist.pairs)
        assert f"p = {test.p_value:.3g}" in w.label.value
    (low, _), (high, _) = ends(w, "epoch")
    assert low != high
    all_controls_are_driven(w, ["epoch"])
    with pytest.raises(ValueError, match="keep_snapshots=True"):
        flw.training_patterns_widget(fl.train(fl.mlp([2, 4, 1]), data, epochs=1, progress=False), data.X)


def test_neighbors_widget_controls():
    data = fl.load_digits(seed=0)
    net = fl.mlp([64, 32, 10], seed=0)
    X, y = data.X_test[:120], data.y_test[:120]
    w = flw.neighbors_widget(net, X, y=y, k=6)
    P = fl.activation_patterns(net, X)
    for name in ("query", "k"):
        (low, _), (high, _) = ends(w, name)
        q, k = w.controls["query"].value, w.controls["k"].value
        hamming = fl.nearest_neighbors(P, P[q], k=k, exclude=[q]).indices[0]
        euclid = fl.nearest_neighbors(X, X[q], k=k, metric="euclidean", exclude=[q]).indices[0]
        mosaic = w.figure.axes[0].images[0].get_array()
        assert mosaic.shape == (2 * 8 + 1, (k + 1) * 9 - 1)  # one column per image, a query and k neighbours
        assert np.allclose(mosaic[:8, 9:17], X[hamming[0]].reshape(8, 8).numpy())
        assert np.allclose(mosaic[9:, 9:17], X[euclid[0]].reshape(8, 8).numpy())
        same = int((y[hamming] == y[q]).sum())
        assert f"Hamming: {same} of {k} neighbours share its label" in high
    assert w.controls["k"].min == 1 and w.controls["k"].max == 6
    all_controls_are_driven(w, ["query", "k"])
    unlabelled = flw.neighbors_widget(net, X, k=3)
    assert "nearest neighbours" in unlabelled.label.value
    with pytest.raises(ValueError, match="k must be an int from 1 to 119"):
        flw.neighbors_widget(net, X, k=120)
