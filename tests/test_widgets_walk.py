"""Walk widgets: every control driven to both ends, asserting on the walk that results."""

import contextlib
import io

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

import foldlab as fl  # noqa: E402
from foldlab.widgets import cantor_walk_widget, sampling_widget  # noqa: E402


@pytest.fixture
def quiet():
    with contextlib.redirect_stdout(io.StringIO()):  # the output area prints terminal escapes here
        yield


def controls(widget):
    return {child.description: child for child in widget.children[:-1]}


def test_cantor_walk_widget_depth_and_height(quiet):
    w = cantor_walk_widget(depth=2, height=0.25)
    c = controls(w)
    assert len(w.result) == 7
    c["depth k"].value = c["depth k"].min
    assert c["depth k"].min == 1 and len(w.result) == 3 and w.result.chi == 0.5
    c["depth k"].value = c["depth k"].max
    assert c["depth k"].max == 6 and len(w.result) == 2**7 - 1
    c["depth k"].value = 1
    c["height y"].value = c["height y"].min  # y = 0: the y unit is exactly 0 along the whole segment
    assert c["height y"].min == 0 and w.result.patterns[:, 2].sum() == 0 and len(w.result) == 3
    c["height y"].value = c["height y"].max  # y = 1: touches the boundary only at the ends
    assert c["height y"].max == 1 and w.result.patterns[:, 2].all() and len(w.result) == 3


def test_cantor_walk_widget_weights_and_bits(quiet):
    w = cantor_walk_widget(depth=1, height=0.25)
    c = controls(w)
    c["weights"].value = "dnf"
    assert w.result.chi == 0.0 and w.result.blocks == (("layer 0", 6), ("layer 1", 4))
    c["weights"].value = "recursive"
    assert w.result.chi == 0.5
    c["bits"].value = "first layer"
    assert w.result.chi == 0.0 and w.result.blocks == (("layer 0", 3),)
    c["bits"].value = "hidden + output"
    assert w.result.blocks[-1] == ("output", 1) and w.result.chi == 0.5
    c["height y"].value = 0.75  # above the boundary in the middle third: the output bit flips twice
    assert len(w.result) == 5 and w.result.patterns[:, -1].int().tolist() == [0, 1, 1, 1, 0]


def test_sampling_widget_both_ends(quiet):
    net = fl.CantorNet(depth=3)
    w = sampling_widget(net, [0.0, 0.3], [1.0, 0.3], n=20, max_n=1000)
    n = controls(w)["samples n"]
    n.value = n.min
    assert n.min == 2 and len(w.result) == 2 and not w.result.exact
    n.value = n.max
    assert n.max == 1000 and len(w.result) == len(fl.walk(net, [0.0, 0.3], [1.0, 0.3])) == 15
