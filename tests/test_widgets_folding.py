"""Widgets of notebook 05 (folding over data): every control driven to both ends, asserting on what was computed
against the library's functions called afresh (and single walks); bad inputs refused naming the argument."""


import numpy as np
import pytest
import torch

import foldlab as fl
from foldlab import widgets as flw
from foldlab.folding import REDUCTIONS, class_paths, reduce_chis
from foldlab.widgets import folding as views

from .widget_checks import assert_is_a_view, assert_refused, drive, widgets_without_bad_cases


@pytest.fixture(scope="module")
def trained(digits):
    torch.set_num_threads(1)
    net = fl.mlp([64, 16, 16, 16, 10], seed=0)
    fl.train(net, digits, epochs=5, seed=0, progress=False)
    return net.requires_grad_(False).eval()


def test_the_widgets_are_importable_from_the_package():
    for name in views.__all__:
        assert getattr(flw, name) is getattr(views, name)


def test_the_class_pair_matrix_texts_are_clipped_to_it_and_lie_inside_it(digits, trained):
    """The cells' texts are clipped to the matrix (the layout then skips them, a redraw is faster); they lie inside
    it, so the picture is the one drawn with them unclipped."""
    w = flw.class_pair_widget(trained, digits.X_test, digits.y_test, n_paths=20, n_pairs=300)
    texts = w.figure.axes[1].texts
    assert len(texts) >= 40 and all(t.get_clip_on() for t in texts)
    clipped = w.renderer.render(fast=False)
    for text in texts:
        text.set_clip_on(False)
    assert (w.renderer.render(fast=False) == clipped).all()

def test_class_pair_widget_every_control_at_both_ends(digits, trained):
    X, y = digits.X_test, digits.y_test
    w = flw.class_pair_widget(trained, X, y, first=1, second=4, n_paths=40, n_pairs=300, seed=2)
    assert_is_a_view(w, ["first", "second", "reduce", "value"])
    assert list(w.controls["first"].options) == list(range(10)) == list(w.controls["second"].options)
    # the pair's chis are those of the same paths walked one at a time
    i, j = class_paths(X, y, 1, 4, 40, seed=2)
    assert np.array_equal(w.result.pairs, np.stack([i, j], axis=1))
    for k in (0, 17, 39):
        assert w.result.chis[k] == fl.walk(trained, X[i[k]], X[j[k]]).chi
    low, high = drive(w, "first")
    starts, ends = low.result.labels[low.result.pairs[:, 0]], low.result.labels[low.result.pairs[:, 1]]
    assert (starts == 0).all() and (ends == 4).all()
    assert "class 0 -> class 4" in low.label and "class 9 -> class 4" in high.label
    expected = fl.global_folding(trained, X, y, pairs=np.stack(class_paths(X, y, 9, 4, 40, seed=2), axis=1))
    np.testing.assert_array_equal(high.result.chis, expected.chis)
    assert f"Phi_N (median_nonzero) = {expected.phi:.4f}" in high.label
    # the chosen pair is outlined in the matrix: row 9, column 4
    outline = w.figure.axes[1].patches[-1]
    assert outline.get_xy() == (3.5, 8.5)
    zero, same = drive(w, "second")
    assert zero.result is not None and "class 9 -> class 0" in zero.label
    assert same.result is None and "pick two different classes (both are 9)" in same.label
    w.controls["second"].value = 3
    first, last = drive(w, "reduce")
    assert (first.label.count("median_nonzero"), last.result.reduce) == (2, REDUCTIONS[-1])
    g = w.result
    assert last.result.phi == reduce_chis(g.chis, g.pairs, g.labels, REDUCTIONS[-1])
    every = fl.global_folding(trained, X, y, n_pairs=300, seed=2)
    overall = every.readings()[REDUCTIONS[-1]]
    assert f"all classes (300 segments): Phi_N ({REDUCTIONS[-1]}) = {overall:.4f}" in last.label
    drive(w, "value")
    shown = w.figure.axes[1].images[0].get_array()
    np.testing.assert_array_equal(shown.filled(-1), np.where(every.class_pairs().count > 0,
                                                             every.class_pairs().count, -1))


def test_depth_widget_every_control_at_both_ends(digits):
    torch.set_num_threads(1)
    w = flw.depth_widget(digits, depth=2, max_depth=3, width=8, epochs=2, max_seed=2, n_pairs=60)
    assert_is_a_view(w, ["depth", "seed", "reduce"])
    assert (w.controls["depth"].min, w.controls["depth"].max) == (1, 3)
    shallow, deep = drive(w, "depth")
    accuracy, g = shallow.result
    assert (g.chis == 0).all() and g.phi == 0 and "no straight segment folds" in shallow.label
    # the deepest net, trained and measured afresh with the library's functions
    net = fl.mlp([64, 8, 8, 8, 10], seed=0)
    history = fl.train(net, digits, epochs=2, seed=0, progress=False)
    expected = fl.global_folding(net.eval(), digits.X_test, digits.y_test, n_pairs=60, seed=0)
    np.testing.assert_array_equal(deep.result[1].chis, expected.chis)
    assert deep.result[0] == history.test_accuracy[-1]
    assert "64-[8]x3-10, seed 0, 2 epochs" in deep.label and f"{expected.phi:.4f}" in deep.label
    zero, two = drive(w, "seed")
    assert (w.controls["seed"].min, w.controls["seed"].max) == (0, 2) and "seed 2" in two.label
    assert not np.array_equal(zero.result[1].chis, two.result[1].chis)
    first, last = drive(w, "reduce")
    g = last.result[1]
    assert g.phi == reduce_chis(g.chis, g.pairs, g.labels, REDUCTIONS[-1]) and first.result[1].reduce == REDUCTIONS[0]
    # the left panel is the fraction folding of each class pair
    np.testing.assert_allclose(w.figure.axes[0].images[0].get_array().filled(np.nan),
                               g.class_pairs().fraction_folding, equal_nan=True)


@pytest.fixture(scope="module")
def small():
    return fl.mlp([4, 6, 6, 3], seed=0), np.random.default_rng(0).random((30, 4)), np.arange(30) % 3


C = pytest.param
BAD = [
    C(lambda s: flw.class_pair_widget("net", s[1], s[2]), TypeError, r"net must be a torch.nn.Module", id="pair-net"),
    C(lambda s: flw.class_pair_widget(s[0], s[1][:, :3], s[2]), ValueError, r"expected X with 4 features",
      id="pair-X"),
    C(lambda s: flw.class_pair_widget(s[0], s[1], s[2][:10]), ValueError, r"y", id="pair-y-length"),
    C(lambda s: flw.class_pair_widget(s[0], s[1], np.zeros(30, dtype=int), first=0, second=0), ValueError,
      r"y has a single class", id="pair-one-class"),
    C(lambda s: flw.class_pair_widget(s[0], s[1], s[2], first=5, second=1), ValueError,
      r"first=5 is not a class of y \(classes: \[0, 1, 2\]\)", id="pair-first"),
    C(lambda s: flw.class_pair_widget(s[0], s[1], s[2], first=1, second=1.0), TypeError, r"second must be an int",
      id="pair-second-float"),
    C(lambda s: flw.class_pair_widget(s[0], s[1], s[2], first=2, second=2), ValueError,
      r"first and second must be different classes", id="pair-same"),
    C(lambda s: flw.class_pair_widget(s[0], s[1], s[2], first=0, second=1, n_paths=0), ValueError,
      r"n_paths must be an int >= 1", id="pair-n-paths"),
    C(lambda s: flw.class_pair_widget(s[0], s[1], s[2], first=0, second=1, n_pairs=True), TypeError,
      r"n_pairs must be an int", id="pair-n-pairs"),
    C(lambda s: flw.class_pair_widget(s[0], s[1], s[2], first=0, second=1, reduce="max"), ValueError,
      r"reduce must be one of", id="pair-reduce"),
    C(lambda s: flw.class_pair_widget(s[0], s[1], s[2], first=0, second=1, value="mean"), ValueError,
      r"value must be one of", id="pair-value"),
    C(lambda s: flw.class_pair_widget(s[0], s[1], s[2], first=0, second=1, seed=-1), ValueError, r"seed",
      id="pair-seed"),
    C(lambda s: flw.depth_widget("digits"), TypeError, r"data must be a Dataset", id="depth-data"),
    C(lambda s: flw.depth_widget(depth=0), ValueError, r"depth must be an int in \[1, 6\], got 0", id="depth-low"),
    C(lambda s: flw.depth_widget(depth=7), ValueError, r"depth must be an int in \[1, 6\], got 7", id="depth-high"),
    C(lambda s: flw.depth_widget(depth=2.0), TypeError, r"depth must be an int, got 2.0", id="depth-float"),
    C(lambda s: flw.depth_widget(max_depth=0), ValueError, r"max_depth must be an int >= 1", id="depth-max"),
    C(lambda s: flw.depth_widget(width=0), ValueError, r"width must be an int >= 1", id="depth-width"),
    C(lambda s: flw.depth_widget(epochs=0), ValueError, r"epochs must be an int >= 1", id="depth-epochs"),
    C(lambda s: flw.depth_widget(seed=5), ValueError, r"seed must be an int in \[0, 4\], got 5", id="depth-seed"),
    C(lambda s: flw.depth_widget(max_seed=-1), ValueError, r"max_seed", id="depth-max-seed"),
    C(lambda s: flw.depth_widget(reduce="tmlr_max"), ValueError, r"reduce must be one of", id="depth-reduce"),
    C(lambda s: flw.depth_widget(n_pairs=0), ValueError, r"n_pairs must be an int >= 1", id="depth-n-pairs"),
]


@pytest.mark.parametrize("call, error, message", BAD)
def test_bad_inputs_are_refused_naming_the_argument(small, call, error, message):
    assert_refused(call, small, error, message)


def test_every_widget_has_bad_input_cases():
    assert not widgets_without_bad_cases(__file__, views)
