"""Widgets of notebook 08: every control driven to both ends, asserting on what was computed; bad inputs."""


import numpy as np
import pytest

import foldlab as fl
from foldlab import widgets as flw
from foldlab.information import tangent_sensitivity_norm
from foldlab.widgets import information as views

from .widget_checks import assert_is_a_view, assert_refused, drive, widgets_without_bad_cases


def test_the_widgets_are_importable_from_the_package():
    for name in views.__all__:
        assert getattr(flw, name) is getattr(views, name)


def test_sensitivity_widget_t_at_both_ends():
    net = fl.mlp([2, 8, 8, 1], seed=0)
    x1, x2 = [-1.0, -1.0], [1.0, 1.2]
    w = flw.sensitivity_widget(net, x1, x2, t=0.3, n=50)
    assert_is_a_view(w, ["t"])
    walk = fl.walk(net, x1, x2)
    start, end = drive(w, "t")
    assert (w.controls["t"].min, w.controls["t"].max) == (0.0, 1.0)
    assert start.result == pytest.approx(tangent_sensitivity_norm(net, [x1])[0], rel=1e-12)
    assert end.result == pytest.approx(tangent_sensitivity_norm(net, [x2])[0], rel=1e-12)
    assert f"region 1 of {len(walk)}" in start.label and f"region {len(walk)} of {len(walk)}" in end.label
    for t in (0.2, 0.55, 0.9):  # the value at the point is its region's value (Lemma 3.1)
        w.controls["t"].value = t
        region = int(np.searchsorted(walk.ts, t, side="right") - 1)
        middle = walk.points([walk.midpoints[region]])
        assert w.result == pytest.approx(tangent_sensitivity_norm(net, middle)[0], rel=1e-12)
        assert f"region {region + 1} of" in w.label.value
    star = w.figure.axes[0].lines[-1]
    assert star.get_xdata()[0] == 0.9 and star.get_ydata()[0] == w.result


def test_local_map_widget_every_control(digits):
    net = fl.mlp([64, 16, 16, 10], seed=0)
    X, y = digits.X_test[:30], digits.y_test[:30]
    w = flw.local_map_widget(net, X, y=y, image=0, toward=1)
    assert_is_a_view(w, ["image", "toward", "output"])
    first, last = drive(w, "image")
    assert (w.controls["image"].min, w.controls["image"].max) == (0, 29)
    expected = fl.local.neighbor_maps(net, X[29], X[1])
    np.testing.assert_allclose(last.result.maps, expected.maps)
    assert f"{expected.angles[0]:.2f} degrees" in last.label and f"({len(expected.flipped)} bits flip" in last.label
    # the mosaic shows output a's two maps and their difference
    mosaic = w.figure.axes[1].images[0].get_array()
    np.testing.assert_allclose(mosaic[:, :8], expected.maps[0, 0].reshape(8, 8))
    np.testing.assert_allclose(mosaic[:, 18:26], (expected.maps[1, 0] - expected.maps[0, 0]).reshape(8, 8))
    low, high = drive(w, "output")
    assert "output 9:" in high.label and f"{high.result.angles[9]:.2f} degrees" in high.label
    drive(w, "toward")
    w.controls["toward"].value = w.controls["image"].value  # one image: no boundary between
    assert w.result is None and "lie in one region" in w.label.value


def test_region_size_widget_every_control(digits):
    net = fl.mlp([64, 32, 32, 10], seed=0)
    X = digits.X_test[:5]
    w = flw.region_size_widget(net, X, rounds=15, reference=-4.0)
    assert_is_a_view(w, ["image", "layers", "method"])
    assert list(w.controls["layers"].options) == ["all", "0", "1"]
    drive(w, "image")
    every, last_layer = drive(w, "layers")
    assert last_layer.result.noise == fl.region_size(net, X[4], layers=1, rounds=15).noise
    assert every.result.noise == fl.region_size(net, X[4], rounds=15).noise
    explore, anchored = drive(w, "method")
    assert anchored.result.noise == fl.region_size(net, X[4], layers=1, rounds=15, method="anchored").noise
    assert f"10<sup>{anchored.result.log10:.2f}</sup>" in anchored.label
    assert w.figure.axes[0].lines[-1].get_ydata()[0] == -4.0  # the reference


@pytest.fixture(scope="module")
def nets():
    return fl.mlp([2, 8, 8, 1], seed=0), fl.mlp([4, 6, 3], seed=0)


C = pytest.param
BAD = [
    C(lambda n: flw.sensitivity_widget("net", [0, 0], [1, 1]), TypeError, r"net must be a Module", id="sens-net"),
    C(lambda n: flw.sensitivity_widget(n[0], [0, 0], [1, 1], t=1.5), ValueError, r"t must be", id="sens-t"),
    C(lambda n: flw.sensitivity_widget(n[0], [0, 0], [1, 1], n=1), ValueError, r"n must be", id="sens-n"),
    C(lambda n: flw.sensitivity_widget(n[1], [0] * 4, [1] * 4), ValueError, r"pass output=", id="sens-output"),
    C(lambda n: flw.sensitivity_widget(n[0], [0, 0, 0], [1, 1]), ValueError, r"features", id="sens-x1"),
    C(lambda n: flw.local_map_widget("net", np.zeros((3, 4))), TypeError, r"net must be a torch.nn.Module",
      id="maps-net"),
    C(lambda n: flw.local_map_widget(n[1], np.zeros((1, 4)), image_shape=(2, 2)), ValueError,
      r"at least 2 images", id="maps-one"),
    C(lambda n: flw.local_map_widget(n[1], np.zeros((3, 4)), image_shape=(3, 3)), ValueError, r"holds 9 pixels",
      id="maps-shape"),
    C(lambda n: flw.local_map_widget(n[1], np.zeros((3, 4)), image_shape=(2, 2), image=3), ValueError,
      r"image must be", id="maps-image"),
    C(lambda n: flw.local_map_widget(n[1], np.zeros((3, 4)), image_shape=(2, 2), toward=-1), ValueError,
      r"toward must be", id="maps-toward"),
    C(lambda n: flw.local_map_widget(n[1], np.zeros((3, 4)), image_shape=(2, 2), output=3), ValueError,
      r"output must be", id="maps-output"),
    C(lambda n: flw.local_map_widget(n[1], np.zeros((3, 4)), y=[0, 1], image_shape=(2, 2)), ValueError,
      r"one label per point", id="maps-labels"),
    C(lambda n: flw.region_size_widget(n[0], np.zeros((1, 2))), ValueError, r"at least 2 inputs", id="size-one"),
    C(lambda n: flw.region_size_widget(n[0], np.zeros((3, 2)), layers=0), ValueError, r"layers must be one of",
      id="size-layers"),
    C(lambda n: flw.region_size_widget(n[0], np.zeros((3, 2)), method="walk"), ValueError, r"method must be",
      id="size-method"),
    C(lambda n: flw.region_size_widget(n[0], np.zeros((3, 2)), rounds=0), ValueError, r"rounds must be",
      id="size-rounds"),
    C(lambda n: flw.region_size_widget(n[0], np.zeros((3, 2)), seed=-1), ValueError, r"seed", id="size-seed"),
    C(lambda n: flw.region_size_widget(n[0], np.zeros((3, 2)), reference=np.nan), ValueError, r"reference",
      id="size-reference"),
]


@pytest.mark.parametrize("call, error, message", BAD)
def test_bad_inputs_are_refused_naming_the_argument(nets, call, error, message):
    assert_refused(call, nets, error, message)


def test_every_widget_has_bad_input_cases():
    assert not widgets_without_bad_cases(__file__, views)
