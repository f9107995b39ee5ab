"""Plots of arrangements: the artists drawn, checked against the arrangement they show and the net itself."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import shapely
import torch
from matplotlib.colors import to_rgba_array

import foldlab as fl
from foldlab import plotting


def region_centres(arr) -> np.ndarray:
    return np.array([arr.vertices(r).mean(axis=0) for r in range(len(arr))])


@pytest.fixture(scope="module")
def trained():
    data = fl.toy_dataset("moons", n=200, seed=0)
    net = fl.mlp([2, 12, 12, 1], seed=0)
    fl.train(net, data, epochs=30, progress=False)
    return net, fl.arrangement(net, box=(-2.0, 3.0, -1.5, 2.0))


def test_regions_one_polygon_per_region_with_its_vertices(trained):
    _, arr = trained
    collection = plotting.plot_regions(arr)
    paths = collection.get_paths()
    assert len(paths) == len(arr)
    for i in (0, len(arr) // 2, len(arr) - 1):
        np.testing.assert_allclose(paths[i].vertices[: len(arr.vertices(i))], arr.vertices(i))
    ax = collection.axes
    assert ax.get_xlim() == (-2.0, 3.0) and ax.get_ylim() == (-1.5, 2.0)


def test_pattern_colours_are_stable_across_redraws_and_nets(trained):
    net, arr = trained
    first = plotting.plot_regions(arr).get_facecolors()
    again = plotting.plot_regions(fl.arrangement(net, box=arr.box)).get_facecolors()
    np.testing.assert_array_equal(first, again)
    # a region keeps its colour in another box: colours follow patterns, not positions
    other = fl.arrangement(net, box=(-1.0, 1.0, -1.0, 1.0))
    colour_of = {p.tobytes(): c.tobytes() for p, c in zip(np.packbits(arr.patterns, axis=1), first)}
    shared = [(p.tobytes(), c.tobytes())
              for p, c in zip(np.packbits(other.patterns, axis=1), plotting.region_colors(other))]
    common = [(p, c) for p, c in shared if p in colour_of]
    assert common and all(colour_of[p] == c for p, c in common)
    # different patterns: different colours (no collision among these)
    assert len(np.unique(first, axis=0)) == len(arr)


def test_colour_by_active_hamming_output(trained):
    net, arr = trained
    active = plotting.region_colors(arr, "active")
    counts = arr.patterns.sum(axis=1)
    same = counts[:, None] == counts[None, :]
    assert np.array_equal(same, (active[:, None] == active[None, :]).all(-1))
    ref = 3
    hamming = plotting.region_colors(arr, "hamming", reference=ref)
    d = (arr.patterns != arr.patterns[ref]).sum(axis=1)
    assert np.array_equal(d[:, None] == d[None, :], (hamming[:, None] == hamming[None, :]).all(-1))
    point_ref = plotting.region_colors(arr, "hamming", reference=arr.regions[ref].point)
    np.testing.assert_array_equal(point_ref, hamming)
    output = plotting.region_colors(arr, "output")
    with torch.no_grad():  # the net itself at each region's centre, not the arrangement's maps
        centre_values = net(torch.as_tensor(region_centres(arr), dtype=torch.float32))[:, 0].numpy()
    reds = output[:, 0] - output[:, 2]  # RdBu_r: positive outputs are red
    assert np.all(np.sign(reds[np.abs(centre_values) > 1e-3]) == np.sign(centre_values[np.abs(centre_values) > 1e-3]))
    with pytest.raises(ValueError, match="color_by must be one of"):
        plotting.region_colors(arr, "area")
    with pytest.raises(ValueError, match=rf"reference must be an int in \[0, {len(arr) - 1}\], got {len(arr)}"):
        plotting.region_colors(arr, "hamming", reference=len(arr))
    # other colormaps: the same ordering of regions, other colours
    grey = plotting.region_colors(arr, "active", cmap="Greys")
    assert np.array_equal(same, (grey[:, None] == grey[None, :]).all(-1)) and not np.array_equal(grey, active)


def test_colour_options_that_would_be_ignored_are_refused(trained):
    _, arr = trained
    with pytest.raises(ValueError, match="reference is the region distances are measured from"):
        plotting.region_colors(arr, "active", reference=3)
    with pytest.raises(ValueError, match="color_by='pattern' .* takes no cmap"):
        plotting.plot_regions(arr, cmap="viridis")
    # the output of hidden layer 0 is not the net's output: no colouring by "output" before the last layer
    with pytest.raises(ValueError, match="color_by='output' needs every hidden layer"):
        plotting.plot_regions(arr.upto(0), color_by="output")


def test_output_colours_of_several_outputs_are_classes():
    net = fl.mlp([2, 6, 6, 3], seed=2)
    arr = fl.arrangement(net)
    colours = plotting.region_colors(arr, "output")
    with torch.no_grad():
        out = net(torch.as_tensor(region_centres(arr), dtype=torch.float32)).numpy()
    np.testing.assert_array_equal(colours, to_rgba_array(plt.get_cmap("tab10")(out.argmax(1))))


def test_decision_boundary_and_arrangement(trained):
    _, arr = trained
    lines = plotting.plot_decision_boundary(arr)
    np.testing.assert_allclose(np.array(lines.get_segments()), arr.decision_boundary())
    artists = arr.plot()
    assert isinstance(artists, plotting.ArrangementArtists) and len(artists.regions.get_paths()) == len(arr)
    assert len(artists.boundary.get_segments()) == len(arr.decision_boundary())
    assert artists.points is None and artists.names == ()  # not on a plane
    no_boundary = arr.plot(boundary=False)
    assert no_boundary.boundary is None and len(no_boundary.regions.get_paths()) == len(arr)
    partial = plotting.plot_arrangement(arr.upto(0))  # made by upto: no decision boundary to draw
    assert partial.boundary is None and len(partial.regions.get_paths()) == len(arr.upto(0))
    with pytest.raises(ValueError, match="the decision boundary needs every hidden layer"):
        plotting.plot_decision_boundary(arr.upto(0))
    styled = arr.plot(edgecolor="black", linewidth=2.0, alpha=0.5)
    assert styled.regions.get_alpha() == 0.5 and styled.regions.get_linewidth()[0] == 2.0


def test_linear_regions_plot(trained):
    net = fl.CantorNet(depth=2)
    arr = fl.arrangement(net, box=(0, 1, 0, 1))
    collection = plotting.plot_linear_regions(arr)
    linear = arr.linear_regions()
    assert len(collection.get_paths()) == len(linear)
    for path, region in zip(collection.get_paths(), linear):  # each path encloses its linear region's area
        assert abs(sum(shapely.Polygon(ring).area * (1 if k == 0 else -1)
                       for k, ring in enumerate(path.to_polygons())) - region.polygon.area) < 1e-9
    drawn = arr.plot(linear=True)
    assert len(drawn.regions.get_paths()) == len(linear)
    # a linear region takes the colour of its biggest activation region, for every colouring
    active = plotting.region_colors(arr, "active")
    by_active = plotting.plot_linear_regions(arr, color_by="active").get_facecolors()
    biggest = [max(lr.members, key=lambda m: arr.areas[m]) for lr in linear]
    np.testing.assert_array_equal(by_active, active[biggest])


def test_layer_lines_bend_on_the_previous_partition():
    net = fl.mlp([2, 6, 6, 1], seed=1)
    arr = fl.arrangement(net)
    first = plotting.plot_layer_lines(arr.upto(0), layer=0)
    assert len(first.get_segments()) == len(arr.lines(0)[0])
    second = plotting.plot_layer_lines(arr.upto(0), layer=1)
    segments, neuron = arr.upto(0).lines(1)
    assert len(second.get_segments()) == len(segments)
    # colours follow neurons: one colour per neuron
    colours = second.get_colors()
    for j in np.unique(neuron):
        assert len(np.unique(colours[neuron == j], axis=0)) == 1
    assert len(np.unique(colours, axis=0)) == len(np.unique(neuron))
    with pytest.raises(ValueError, match="has the lines of layers 0 to 1; got layer=2"):
        plotting.plot_layer_lines(fl.arrangement(fl.mlp([2, 3, 3, 3, 1], seed=0)).upto(0), layer=2)


def test_grid_misses_overlay(trained):
    _, arr = trained
    missed = arr.missed_by_grid(12)
    regions, dots = plotting.plot_grid_misses(arr, resolution=12)
    assert len(regions.get_paths()) == int(missed.sum()) > 0
    assert len(dots.get_offsets()) == 144
    np.testing.assert_allclose(dots.get_offsets(), fl.counting.grid_points(arr.box, 12))
    fine_regions, _ = plotting.plot_grid_misses(arr, resolution=80)
    assert len(fine_regions.get_paths()) < len(regions.get_paths())
    # independently: every missed region holds no grid point, found by shapely
    points = shapely.points(fl.counting.grid_points(arr.box, 12))
    hits = shapely.STRtree(points).query(arr.polygons[missed], predicate="contains")
    assert hits.size == 0


def test_plane_plot_marks_the_three_points():
    data = fl.load_digits(seed=0)
    net = fl.mlp([64, 8, 10], seed=0)
    arr = fl.arrangement(net, plane=tuple(data.X[:3]))
    artists = arr.plot()
    np.testing.assert_allclose(artists.points.get_offsets(), arr.plane.points)
    assert [a.get_text() for a in artists.names] == ["p0", "p1", "p2"]
    assert artists.regions.axes.get_xlabel() == "u"
    unmarked = arr.plot(mark_points=False)
    assert unmarked.points is None and unmarked.names == ()


def test_region_counts_plot():
    data = fl.toy_dataset("moons", n=100, seed=0)
    history = fl.train(fl.mlp([2, 6, 6, 1], seed=0), data, epochs=3, keep_snapshots=True, progress=False)
    counts = fl.regions_over_training(history, box=(-2, 3, -2, 2))
    measured, reference = counts.plot()
    np.testing.assert_allclose(measured.get_ydata(), counts.density)
    assert reference.get_ydata()[0] == counts.reference == 72.0
    drawn = plotting.plot_region_counts(counts)
    assert isinstance(drawn, plotting.RegionCountArtists) and drawn.measured.get_xdata().tolist() == [0, 1, 2, 3]
    assert all(float(tick).is_integer() for tick in measured.axes.get_xticks())  # epochs: no 0.5


def test_every_plot_draws_on_the_given_axes(trained):
    _, arr = trained
    fig, ax = plt.subplots()
    drawn = [
        plotting.plot_regions(arr, ax),
        plotting.plot_linear_regions(arr, ax),
        plotting.plot_decision_boundary(arr, ax),
        plotting.plot_layer_lines(arr.upto(0), ax, layer=1),
        *plotting.plot_grid_misses(arr, ax, resolution=5),
        *[a for a in plotting.plot_arrangement(arr, ax) if a is not None and a != ()],
    ]
    assert all(artist.axes is ax for artist in drawn)
    assert plt.get_fignums() == [fig.number]  # no other figure was made
