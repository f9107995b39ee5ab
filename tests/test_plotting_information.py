"""Plots of notebook 08: the house contract, the artists hold exactly the results' data, bad inputs refused."""

import inspect
import typing
from pathlib import Path
from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

import foldlab as fl
from foldlab import plotting as flp
from foldlab.plotting import information as plots

from .test_plotting_common import is_artists

FOLDLAB = Path(fl.__file__).resolve().parent
PLOTS = [getattr(plots, name) for name in plots.__all__ if name.startswith("plot_")]


def test_the_plots_keep_the_house_contract():
    assert len(PLOTS) == 7
    for function in PLOTS:
        name = function.__name__
        assert getattr(flp, name) is function  # importable from foldlab.plotting like the others
        params = list(inspect.signature(function).parameters.values())
        assert params[0].kind is params[0].POSITIONAL_OR_KEYWORD and params[0].default is params[0].empty, name
        assert params[1].name == "ax" and params[1].default is None, name
        assert all(p.kind in (p.KEYWORD_ONLY, p.VAR_KEYWORD) for p in params[2:]), name
        assert is_artists(typing.get_type_hints(function)["return"]), name
        doc = inspect.getdoc(function)
        assert "Returns\n-------" in doc and "Examples\n--------" in doc and "Parameters\n----------" in doc, name
        assert "References\n----------" in doc, name
        with pytest.raises(TypeError, match=rf"{name}\(\): ax must be a matplotlib Axes or None, got 1 \(int\)"):
            function(None, 1)


@pytest.fixture(scope="module")
def o():
    net = fl.mlp([2, 8, 8, 3], seed=0)
    data = fl.toy_dataset("moons", n=40, seed=0)
    history = fl.train(fl.mlp([2, 6, 1], seed=0), data, epochs=2, keep_snapshots=True, progress=False)
    return SimpleNamespace(
        net=net,
        profile=fl.information.sensitivity_along(net, [-1.0, -1.0], [1.0, 1.2], n=30, output="all"),
        trace=fl.information.information_trace(history.snapshots, data.X, data.y),
        geodesic=fl.hamming_geodesic(fl.mlp([2, 12, 12, 1], seed=1), [-1.5, -1.0], [1.5, 1.0], iterations=4),
        size=fl.region_size(net, [0.3, -0.2], rounds=12),
        noise=fl.local.angles_under_noise(net, [[0.3, -0.2], [0.1, 0.1]], [0.01, 0.1, 1.0]),
    )


def test_plot_sensitivity_profile_draws_the_samples_and_the_regions(o):
    fig, ax = plt.subplots()
    samples, regions, boundaries = flp.plot_sensitivity_profile(o.profile, ax, size=3)
    np.testing.assert_allclose(samples.get_offsets(), np.stack([o.profile.t, o.profile.norms], axis=1))
    walk = o.profile.walk
    pieces = regions.get_segments()
    assert len(pieces) == len(walk)
    np.testing.assert_allclose([p[0] for p in pieces], np.stack([walk.ts, o.profile.region_norms], axis=1))
    np.testing.assert_allclose([p[1][0] for p in pieces], walk.ends)
    np.testing.assert_allclose([s[0][0] for s in boundaries.get_segments()], walk.ts[1:])
    assert "all outputs" in ax.get_ylabel()
    plt.close(fig)


def test_plot_information_trace_on_two_axes(o):
    fig, ax = plt.subplots()
    lines = flp.plot_information_trace(o.trace, ax)
    assert lines.sensitivity.axes is ax and lines.fisher_rao.axes is not ax and lines.fisher_rao.axes in fig.axes
    np.testing.assert_allclose(lines.sensitivity.get_ydata(), o.trace.sensitivity)
    np.testing.assert_allclose(lines.fisher_rao.get_ydata(), o.trace.fisher_rao)
    assert lines.fisher_rao.get_xdata().tolist() == [0, 1, 2]
    plt.close(fig)


def test_plot_geodesic_cumulates_the_pieces(o):
    straight, path, floor = flp.plot_geodesic(o.geodesic)
    g = o.geodesic
    assert straight.get_ydata().tolist() == np.cumsum([0, *g.straight_pieces]).tolist()
    assert path.get_ydata().tolist() == np.cumsum([0, *g.pieces]).tolist()
    assert list(floor.get_ydata()) == [g.distance, g.distance]
    assert f"{g.straight} flips" in straight.get_label() and f"{g.flips} flips" in path.get_label()
    plt.close("all")


def test_plot_region_size_rounds_and_reference(o):
    noise, survivors, reference = flp.plot_region_size(o.size, reference=-4.0, reference_label="source, layer 1")
    np.testing.assert_allclose(noise.get_ydata(), np.log10(o.size.history))
    np.testing.assert_allclose(survivors.get_ydata(), o.size.survivors)
    assert list(reference.get_ydata()) == [-4.0, -4.0] and reference.get_label() == "source, layer 1"
    short, _, _ = flp.plot_region_size(fl.region_size(o.net, [0.3, -0.2], rounds=3))
    assert all(float(tick).is_integer() for tick in short.axes.get_xticks())  # rounds: no 0.5
    assert flp.plot_region_size(o.size).reference is None
    plt.close("all")


def test_plot_local_maps_is_a_symmetric_mosaic(o):
    maps = fl.local_linear_map(o.net, [[0.3, -0.2], [1.0, 1.0]]).numpy()  # (2, 3, 2): two rows of 3 "images"
    image, texts = flp.plot_local_maps(maps, image_shape=(1, 2), titles=["a", "b", "c"], row_labels=["x", "y"])
    mosaic = image.get_array()
    assert mosaic.shape == (3, 8)
    np.testing.assert_allclose(mosaic[0, 0:2], maps[0, 0])
    np.testing.assert_allclose(mosaic[2, 3:5], maps[1, 1])
    assert np.ma.getmaskarray(mosaic)[1].all() and np.ma.getmaskarray(mosaic)[:, 2].all()  # the gaps (NaN)
    limit = np.abs(maps).max()
    assert image.get_clim() == (-limit, limit)
    assert [t.get_text() for t in texts] == ["a", "b", "c"]
    assert [t.get_text() for t in image.axes.get_yticklabels()] == ["x", "y"]
    plt.close("all")


def test_plot_singular_values_and_noise_angles(o):
    line = flp.plot_singular_values(torch.tensor([3.0, 1.0, 0.5]), label="s")
    assert line.get_ydata().tolist() == [3.0, 1.0, 0.5] and line.axes.get_yscale() == "log"
    angles, same = flp.plot_noise_angles(o.noise)
    np.testing.assert_allclose(angles.get_ydata(), o.noise.mean)
    np.testing.assert_allclose(same.get_ydata(), o.noise.same_region)
    assert angles.axes.get_xscale() == "log"
    plt.close("all")


C = pytest.param
BAD = [
    C(lambda o: flp.plot_sensitivity_profile(o.trace), TypeError, r"profile must be a SensitivityProfile",
      id="profile-kind"),
    C(lambda o: flp.plot_sensitivity_profile(o.profile, cmap="nope"), ValueError, r"cmap must be the name",
      id="profile-cmap"),
    C(lambda o: flp.plot_sensitivity_profile(o.profile, color="reddish"), ValueError, r"color must be a matplotlib",
      id="profile-color"),
    C(lambda o: flp.plot_sensitivity_profile(o.profile, size=-1), ValueError, r"size must be", id="profile-size"),
    C(lambda o: flp.plot_information_trace(o.profile), TypeError, r"trace must be an InformationTrace",
      id="trace-kind"),
    C(lambda o: flp.plot_geodesic(o.size), TypeError, r"geodesic must be a Geodesic", id="geodesic-kind"),
    C(lambda o: flp.plot_region_size(o.geodesic), TypeError, r"size must be a RegionSize", id="size-kind"),
    C(lambda o: flp.plot_region_size(o.size, reference="-4"), TypeError, r"reference must be a real number",
      id="size-reference"),
    C(lambda o: flp.plot_region_size(o.size, reference_label=3), TypeError, r"reference_label must be a str",
      id="size-reference-label"),
    C(lambda o: flp.plot_local_maps("abc", image_shape=(1, 1)), TypeError, r"maps must be numbers",
      id="maps-str"),
    C(lambda o: flp.plot_local_maps(np.zeros(4), image_shape=(2, 2)), ValueError, r"expected maps of shape",
      id="maps-1d"),
    C(lambda o: flp.plot_local_maps(np.full((1, 4), np.nan), image_shape=(2, 2)), ValueError, r"NaN",
      id="maps-nan"),
    C(lambda o: flp.plot_local_maps(np.zeros((2, 4)), image_shape=(3, 2)), ValueError, r"holds 6 pixels",
      id="maps-shape"),
    C(lambda o: flp.plot_local_maps(np.zeros((2, 4)), image_shape=(2, 2), titles=["a"]), ValueError,
      r"titles must have one label per image \(2\)", id="maps-titles"),
    C(lambda o: flp.plot_local_maps(np.zeros((2, 4)), image_shape=(2, 2), gap=-1), ValueError, r"gap must be",
      id="maps-gap"),
    C(lambda o: flp.plot_local_maps(np.zeros((2, 4)), image_shape=(2, 2), cmap="nope"), ValueError,
      r"cmap must be", id="maps-cmap"),
    C(lambda o: flp.plot_singular_values([[1.0, 2.0]]), ValueError, r"expected values of shape \(r,\)",
      id="singular-2d"),
    C(lambda o: flp.plot_singular_values([1.0, -1.0]), ValueError, r"finite and >= 0", id="singular-negative"),
    C(lambda o: flp.plot_singular_values("abc"), TypeError, r"values must be numbers", id="singular-str"),
    C(lambda o: flp.plot_singular_values([1.0], relative=1), TypeError, r"relative must be", id="singular-relative"),
    C(lambda o: flp.plot_noise_angles(o.size), TypeError, r"noise must be a NoiseAngles", id="noise-kind"),
]


@pytest.mark.parametrize("call, error, message", BAD)
def test_bad_inputs_are_refused_before_drawing(o, call, error, message):
    figures = plt.get_fignums()
    with pytest.raises(error, match=message) as info:
        call(o)
    assert isinstance(info.value, (ValueError, TypeError))
    raised_in = Path(info.traceback[-1].path).resolve()
    assert FOLDLAB in raised_in.parents, f"raised in {raised_in}, not by foldlab's own checks"
    assert plt.get_fignums() == figures, "a figure was made before the input was refused"


def test_every_plot_has_bad_input_cases():
    source = Path(__file__).read_text()
    assert not [f.__name__ for f in PLOTS if f".{f.__name__}(" not in source.split("BAD = [")[1]]
