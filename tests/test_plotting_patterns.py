"""Plots of notebook 01: the drawn artists hold the right data (checked against shapely and the library)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import shapely
import torch
from scipy import stats

import foldlab as fl
from foldlab import plotting

BOX = (-2.0, 3.0, -1.0, 2.0)


def drawn_polygon(patch) -> shapely.Polygon:
    xy = patch.get_xy()
    return shapely.Polygon(xy) if len(np.unique(xy, axis=0)) >= 3 else shapely.Polygon()


@pytest.mark.parametrize(
    "w, b",
    [((1.0, 0.5), -0.3), ((0.0, 1.0), 0.2), ((1.0, 0.0), -2.5), ((-1.0, 1.0), 3.0), ((1.0, 1.0), 1.0),  # corner
     ((2.0, -1.0), 10.0), ((2.0, -1.0), -10.0)],
)
def test_neuron_halfplane_against_shapely(w, b):
    artists = plotting.plot_neuron(w, bias=b, box=BOX, points=[[0.0, 0.0], [2.0, 1.5]])
    assert isinstance(artists, plotting.NeuronArtists)
    box = shapely.box(BOX[0], BOX[2], BOX[1], BOX[3])
    # the half-plane w.x + b >= 0 as a big polygon, intersected with the box by shapely
    big = 1e4
    d = np.array(w) / np.linalg.norm(w)
    foot = -b * d / np.linalg.norm(w)
    along = np.array([-d[1], d[0]])
    half = shapely.Polygon([foot + big * along, foot + big * along + big * d, foot - big * along + big * d,
                            foot - big * along])
    expected = box.intersection(half)
    drawn = drawn_polygon(artists.active)
    assert drawn.area == pytest.approx(expected.area, abs=1e-9)
    assert drawn.symmetric_difference(expected).area == pytest.approx(0, abs=1e-9)
    on = np.array([[0.0, 0.0], [2.0, 1.5]]) @ np.array(w) + b > 0
    faces = artists.points.get_facecolors()
    assert [tuple(f[:3]) != (1.0, 1.0, 1.0) for f in faces] == on.tolist()
    if artists.line is not None:
        xy = artists.line.get_xydata()
        assert np.allclose(xy @ np.array(w) + b, 0, atol=1e-9)
        assert box.boundary.distance(shapely.Point(xy[0])) < 1e-9 and box.boundary.distance(shapely.Point(xy[1])) < 1e-9
        assert artists.normal is not None
    else:
        assert artists.normal is None and expected.area in (0, pytest.approx(box.area))


def test_neuron_constant_unit_and_errors():
    dead = plotting.plot_neuron([0.0, 0.0], bias=-1.0, box=BOX)
    assert dead.line is None and dead.normal is None and dead.points is None
    assert drawn_polygon(dead.active).area == 0
    on = plotting.plot_neuron([0.0, 0.0], bias=0.5, box=BOX)
    assert drawn_polygon(on.active).area == pytest.approx(15.0)
    with pytest.raises(ValueError, match=r"box=\(xmin, xmax, ymin, ymax\) must have xmin < xmax"):
        plotting.plot_neuron([1.0, 0.0], box=(1, 0, 0, 1))
    with pytest.raises(ValueError, match=r"expected weight of shape \(2,\)"):
        plotting.plot_neuron([1.0, 0.0, 2.0])


def test_first_layer_lines_lie_on_the_units():
    net = fl.mlp([2, 12, 4, 1], seed=5)
    lines = plotting.plot_first_layer_lines(net, box=BOX)
    W, b = net[0].weight.detach().double().numpy(), net[0].bias.detach().double().numpy()
    corners = np.array([[BOX[0], BOX[2]], [BOX[1], BOX[2]], [BOX[1], BOX[3]], [BOX[0], BOX[3]]])
    crossing = [len(set(np.sign(corners @ w + c))) > 1 for w, c in zip(W, b)]
    segments = lines.get_segments()
    assert len(segments) == sum(crossing) > 0
    units = []
    for xy in segments:
        on_line = np.abs(xy @ W.T + b).max(0) < 1e-9  # both ends on one unit's line
        assert on_line.sum() == 1
        units.append(int(on_line.argmax()))
    assert units == [i for i, c in enumerate(crossing) if c]  # one segment per crossing unit, in unit order
    # the default style, and a style keyword taking its place under an alias
    assert lines.get_linewidth()[0] == 0.8 and lines.get_alpha() == 0.8
    thick = plotting.plot_first_layer_lines(net, box=BOX, lw=3, linestyle="--")
    assert thick.get_linewidth()[0] == 3
    with pytest.raises(ValueError, match="needs a net with 2 inputs"):
        plotting.plot_first_layer_lines(fl.mlp([3, 4, 1]), box=BOX)


def test_pattern_bits_image():
    P = torch.tensor([[1, 0, 1, 1, 0], [1, 1, 1, 0, 0]], dtype=torch.bool)
    mesh, separators = plotting.plot_pattern_bits(P, widths=[2, 3], labels=["a", "b"])
    assert np.asarray(mesh.get_array()).tolist() == [[1, 0, 1, 1, 0], [1, 1, 1, 0, 0], [0, 2, 0, 2, 0]]
    assert [s[0][0] for s in separators.get_segments()] == [1.5]  # between bits 1 and 2
    assert [t.get_text() for t in mesh.axes.get_yticklabels()] == ["a", "b", "differs"]
    assert [t.get_text() for t in mesh.axes.get_xticklabels()] == ["layer 0", "layer 1"]
    later = plotting.plot_pattern_bits(P, widths=[2, 3], layers=[1, 3])  # some layers of a net
    assert [t.get_text() for t in later.mesh.axes.get_xticklabels()] == ["layer 1", "layer 3"]
    three = plotting.plot_pattern_bits(torch.ones(3, 4))
    assert np.asarray(three.mesh.get_array()).shape == (3, 4) and len(three.separators.get_segments()) == 0
    with pytest.raises(ValueError, match=r"widths \[2, 2\] add up to 4, but the patterns have 5 bits"):
        plotting.plot_pattern_bits(P, widths=[2, 2])


def test_hamming_histograms_and_probability_plots():
    net = fl.mlp([2, 10, 6, 1], seed=0)
    X = torch.randn(200, 2, generator=torch.Generator().manual_seed(0))
    h = fl.hamming_histograms(net, X, n_pairs=500)
    out = plotting.plot_hamming_histograms(h)
    assert len(out.histograms) == len(out.null) == 2
    for step, counts, width, null in zip(out.histograms, h.counts, h.widths, out.null):
        assert np.allclose(step.get_data().values, counts / 500)
        assert np.allclose(step.get_data().edges * width, np.arange(width + 2) - 0.5)
        assert np.allclose(null.get_ydata(), stats.binom.pmf(np.arange(width + 1), width, 0.5))
    assert plotting.plot_hamming_histograms(h, null=False).null == ()
    activity = fl.activation_probability(net, X)
    steps = plotting.plot_activation_probability(activity, bins=10)
    assert isinstance(steps, tuple) and len(steps) == 2
    for step, p in zip(steps, activity.probability):
        assert np.allclose(step.get_data().values, np.histogram(p, bins=np.linspace(0, 1, 11))[0] / len(p))
    labels = [t.get_text() for t in steps[0].axes.get_legend().get_texts()]
    assert labels[1].startswith(f"layer 1: {len(activity.dead[1])} dead")


def test_null_test_and_constellation_plots():
    P = np.random.default_rng(0).random((80, 20)) < 0.5
    r = fl.bernoulli_null_test(P, n_pairs=300)
    out = plotting.plot_null_test(r)
    values, prob = r.null_distribution()
    assert np.allclose(out.null.get_xdata(), values) and out.observed.get_xdata()[0] == r.mean_distance
    assert out.observed.get_label() == f"these patterns: p = {r.p_value:.3g}, z = {r.z:.3g}"
    c = fl.constellation_curve(P)
    line = plotting.plot_constellation_curve(c, label="random")
    assert line.get_xdata().tolist() == list(range(1, 21)) and line.get_ydata().tolist() == c.n_clusters.tolist()
    assert line.get_label() == f"random: score {c.score:.3f}"


def test_image_grid_and_neighbors():
    images = np.arange(5 * 4, dtype=float).reshape(5, 4)
    out = plotting.plot_image_grid([images[:3], images[3:4]], image_shape=(2, 2), titles=[["a", "", "c"], ["d"]])
    assert isinstance(out, plotting.ImageGridArtists)
    mosaic = out.image.get_array()
    assert mosaic.shape == (5, 8)
    assert np.array_equal(mosaic[:2, 3:5], images[1].reshape(2, 2)) and np.ma.getmaskarray(mosaic)[3:, 3:].all()
    assert [t.get_text() for t in out.texts] == ["a", "c", "d"]
    nb = plotting.plot_neighbors(torch.as_tensor(images), query=2, neighbors={"H": [0, 4], "E": np.array([1])},
                                 image_shape=(2, 2), labels=torch.tensor([5, 6, 7, 8, 9]))
    assert [t.get_text() for t in nb.texts] == ["query: 7", "5", "9", "query: 7", "6"]
    assert np.array_equal(nb.image.get_array()[:2, 6:8], images[4].reshape(2, 2))
    assert [t.get_text() for t in nb.image.axes.get_yticklabels()] == ["H", "E"]


def test_every_plot_draws_on_the_given_axes():
    P = np.random.default_rng(0).random((40, 12)) < 0.5
    fig, ax = plt.subplots()
    drawn = [
        *plotting.plot_neuron([1.0, 0.0], ax, points=[[1.0, 1.0]]),
        plotting.plot_first_layer_lines(fl.mlp([2, 4, 1], seed=0), ax, box=BOX),
        *plotting.plot_pattern_bits(P[:2], ax, widths=[4, 8]),
        *plotting.plot_hamming_histograms(fl.pattern_stats.HammingHistograms.from_patterns(P, [4, 8]), ax).histograms,
        *plotting.plot_activation_probability(fl.pattern_stats.UnitActivity.from_patterns(P, [12]), ax),
        *plotting.plot_null_test(fl.bernoulli_null_test(P, n_pairs=50), ax),
        plotting.plot_constellation_curve(fl.constellation_curve(P), ax),
        plotting.plot_neighbors(P.astype(float), ax, query=0, neighbors={"H": [1]}, image_shape=(3, 4)).image,
    ]
    assert all(artist.axes is ax for artist in drawn)
    assert plt.get_fignums() == [fig.number]
