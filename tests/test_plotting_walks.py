"""Walk plots: the returned artists hold exactly the walk's data."""

import matplotlib.colors
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

import foldlab as fl
from foldlab import plotting as flp
from foldlab.cantornet import cantor_vertices


@pytest.fixture
def walk2d():
    return fl.walk(fl.mlp([2, 8, 8, 1], seed=0), [-2.0, -1.0], [2.0, 1.5], include_output=True)


def test_plot_walk_in_the_plane(walk2d):
    fig, ax = plt.subplots()
    lines, dots = flp.plot_walk(walk2d, ax=ax)
    segments = lines.get_segments()
    assert len(segments) == len(walk2d)
    ends = walk2d.points(np.append(walk2d.ts, 1.0))
    np.testing.assert_allclose(np.array([s[0] for s in segments]), ends[:-1])
    np.testing.assert_allclose(np.array([s[1] for s in segments]), ends[1:])
    np.testing.assert_allclose(dots.get_offsets(), ends)
    colors = lines.get_colors()
    assert all(not np.allclose(colors[i], colors[i + 1]) for i in range(len(colors) - 1))
    assert lines in ax.collections


def test_plot_walk_along_t_for_any_dimension():
    w = fl.walk(fl.mlp([5, 8, 1], seed=1), torch.zeros(5), torch.ones(5))
    artists = flp.plot_walk(w, breakpoints=False, y=2.0)
    assert artists.breakpoints is None
    segments = artists.pieces.get_segments()
    np.testing.assert_allclose([s[0][0] for s in segments], w.ts)
    assert all(s[0][1] == 2.0 for s in segments)
    with pytest.raises(ValueError, match="space='input' draws 2-D inputs"):
        flp.plot_walk(w, space="input")
    with pytest.raises(ValueError, match="space must be"):
        flp.plot_walk(w, space="hamming")


def test_plot_hamming_path_and_running_chi(walk2d):
    start, travelled = flp.plot_hamming_path(walk2d)
    np.testing.assert_array_equal(start.get_ydata(), walk2d.distance_from_start)
    np.testing.assert_array_equal(travelled.get_ydata(), walk2d.cumulative_distance)
    assert start.get_ydata().max() == walk2d.r1 and travelled.get_ydata()[-1] == walk2d.r2
    start_t, _ = flp.plot_hamming_path(walk2d, x="t")
    np.testing.assert_allclose(start_t.get_xdata(), walk2d.ts)
    assert start_t.axes.get_title() == f"r1 = {walk2d.r1}, r2 = {walk2d.r2}, chi = {walk2d.chi:.3f}"
    line = flp.plot_running_chi(walk2d, x="t", label="net")
    np.testing.assert_allclose(line.get_ydata(), walk2d.running_chi)
    assert line.get_ydata()[-1] == pytest.approx(walk2d.chi) and line.get_label() == "net"
    with pytest.raises(ValueError, match="x must be"):
        flp.plot_running_chi(walk2d, x="bits")


def test_plot_walk_patterns(walk2d):
    mesh, separators = flp.plot_walk_patterns(walk2d)
    np.testing.assert_array_equal(mesh.get_array(), walk2d.patterns.numpy().astype(float))
    assert [s[0][0] for s in separators.get_segments()] == [7.5, 15.5]  # after 8 and 16 bits
    # the separators span the axes' height whatever its limits (axes coordinates in y)
    assert [tuple(s[:, 1]) for s in separators.get_segments()] == [(0.0, 1.0)] * 2
    assert [t.get_text() for t in mesh.axes.get_xticklabels()] == ["layer 0", "layer 1", "output"]
    # the bits look as in plot_pattern_bits: the house colours, off and on
    faces = mesh.to_rgba(np.asarray(mesh.get_array()))
    on = walk2d.patterns.numpy()
    assert np.all(faces[on] == matplotlib.colors.to_rgba(flp.BIT_COLORS[1]))
    assert np.all(faces[~on] == matplotlib.colors.to_rgba(flp.BIT_COLORS[0]))
    same = flp.plot_pattern_bits(walk2d.patterns[:3], show_difference=False).mesh
    np.testing.assert_array_equal(same.to_rgba(np.asarray(same.get_array())), faces[:3])
    grey, _ = flp.plot_walk_patterns(walk2d, cmap="Greys")
    assert grey.to_rgba(1.0) == plt.get_cmap("Greys")(1.0)


def test_plot_cantor_region_is_the_exact_polygon():
    patch, line = flp.plot_cantor_region(3)
    vertices = np.array([[float(x), float(y)] for x, y in cantor_vertices(3)])
    np.testing.assert_allclose(np.c_[line.get_xdata(), line.get_ydata()], vertices)
    outline = patch.get_xy()
    np.testing.assert_allclose(outline[1:-2], vertices)  # (0, 0), the boundary, (1, 0), closed
    assert len(vertices) == 2 ** (3 + 1)


def test_plot_cantor_region_is_bounded_by_cantornets_depths():
    deepest = flp.plot_cantor_region(flp.MAX_CANTOR_DEPTH)
    assert len(deepest.boundary.get_xdata()) == 2 ** (flp.MAX_CANTOR_DEPTH + 1)
    for depth in (0, flp.MAX_CANTOR_DEPTH + 1, 30):  # depth 30 would be 2^31 vertices: refused at once
        with pytest.raises(ValueError, match=rf"depth must be an int in \[1, {flp.MAX_CANTOR_DEPTH}\], got {depth}"):
            flp.plot_cantor_region(depth)
    with pytest.raises(ValueError, match="depth must be"):  # the same range as CantorNet itself
        fl.CantorNet(depth=flp.MAX_CANTOR_DEPTH + 1)


def test_every_plot_draws_on_the_given_axes(walk2d):
    fig, ax = plt.subplots()
    drawn = [
        *flp.plot_walk(walk2d, ax),
        *flp.plot_hamming_path(walk2d, ax),
        flp.plot_running_chi(walk2d, ax),
        *flp.plot_walk_patterns(walk2d, ax),
        *flp.plot_cantor_region(2, ax),
    ]
    assert all(artist.axes is ax for artist in drawn)
    assert plt.get_fignums() == [fig.number]
