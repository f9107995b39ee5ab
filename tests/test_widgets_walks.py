"""Walk widgets: every control driven to both ends, asserting on the walk that results."""

import numpy as np
import torch

import foldlab as fl
from foldlab.widgets import CANTOR_BITS, cantor_walk_widget, sampling_widget

from .widget_checks import assert_is_a_view, drive


def test_cantor_walk_widget_depth_and_height():
    w = cantor_walk_widget(depth=2, height=0.25)
    assert_is_a_view(w, ["depth", "height", "representation", "bits"])
    c = w.controls
    assert [c[name].description for name in c] == ["depth k", "height y", "weights", "bits"]
    assert len(w.result) == 7
    shallow, deep = drive(w, "depth")
    assert (c["depth"].min, c["depth"].max) == (1, 6)
    assert len(shallow.result) == 3 and shallow.result.chi == 0.5 and "<b>chi = 0.5000</b>" in shallow.label
    assert len(deep.result) == 2**7 - 1 and "CantorNet k = 6 (recursive): 127 regions along y = 0.25" in deep.label
    c["depth"].value = 1
    bottom, top = drive(w, "height")
    assert (c["height"].min, c["height"].max) == (0.0, 1.0)
    # y = 0: the y unit is exactly 0 along the whole segment; y = 1: touches the boundary only at the ends
    assert bottom.result.patterns[:, 2].sum() == 0 and len(bottom.result) == 3 and "y = 0.00" in bottom.label
    assert top.result.patterns[:, 2].all() and len(top.result) == 3 and "y = 1.00" in top.label
    # the walk drawn is the walk computed, over the exact region R_1
    pieces = w.figure.axes[0].collections[0].get_segments()
    np.testing.assert_allclose([p[0] for p in pieces], top.result.points(top.result.ts))


def test_cantor_walk_widget_weights_and_bits():
    w = cantor_walk_widget(depth=1, height=0.25)
    c = w.controls
    recursive, dnf = drive(w, "representation")
    assert recursive.result.chi == 0.5 and dnf.result.chi == 0.0
    assert dnf.result.blocks == (("layer 0", 6), ("layer 1", 4)) and "CantorNet k = 1 (foldlab_dnf)" in dnf.label
    c["representation"].value = "recursive"
    assert list(c["bits"].options) == list(CANTOR_BITS)
    first, output = drive(w, "bits")
    assert first.result.chi == 0.0 and first.result.blocks == (("layer 0", 3),) and "(first layer)" in first.label
    assert output.result.blocks[-1] == ("output", 1) and output.result.chi == 0.5
    c["height"].value = 0.75  # above the boundary in the middle third: the output bit flips twice
    assert len(w.result) == 5 and w.result.patterns[:, -1].int().tolist() == [0, 1, 1, 1, 0]
    expected = fl.walk(fl.CantorNet(1), [0.0, 0.75], [1.0, 0.75], include_output=True)
    assert torch.equal(w.result.patterns, expected.patterns) and f"chi = {expected.chi:.4f}" in w.label.value


def test_sampling_widget_both_ends():
    net = fl.CantorNet(depth=3)
    w = sampling_widget(net, [0.0, 0.3], [1.0, 0.3], n=20, max_n=1000)
    assert_is_a_view(w, ["n"])
    assert w.controls["n"].description == "samples n" and (w.controls["n"].min, w.controls["n"].max) == (2, 1000)
    exact = fl.walk(net, [0.0, 0.3], [1.0, 0.3])
    few, many = drive(w, "n")
    assert len(few.result) == 2 and not few.result.exact
    assert few.label == f"exact: 15 regions, chi = {exact.chi:.3f}; 2 samples: 2 regions (13 missed), " \
                        f"chi = {few.result.chi:.3f}"
    assert len(many.result) == len(exact) == 15 and "(0 missed)" in many.label
    assert torch.equal(many.result.patterns, exact.patterns)
    samples = w.figure.axes[0].collections[-1].get_offsets()
    assert len(samples) == 1000


def test_cantor_bits_count_the_repository_layers_of_B_and_C():
    w = cantor_walk_widget(depth=2, representation="B", bits="first layer")
    net = fl.CantorNet(depth=2, representation="B")
    first = net.repository_layers[0]  # the repository's first layer, after foldlab's two helper layers
    assert first == 2 and w.result.blocks == ((f"layer {first}", net[2 * first].out_features),)
    w.controls["bits"].value = "all hidden layers"
    assert [name for name, _ in w.result.blocks] == [f"layer {i}" for i in net.repository_layers]
