"""Walk plots: the returned artists hold exactly the walk's data."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import foldlab as fl  # noqa: E402
from foldlab.nets import cantor_vertices  # noqa: E402
from foldlab.plotting import (  # noqa: E402
    plot_cantor_region,
    plot_hamming_path,
    plot_running_chi,
    plot_walk,
    plot_walk_patterns,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def walk2d():
    return fl.walk(fl.mlp([2, 8, 8, 1], seed=0), [-2.0, -1.0], [2.0, 1.5], include_output=True)


def test_plot_walk_in_the_plane(walk2d):
    fig, ax = plt.subplots()
    lines, dots = plot_walk(walk2d, ax=ax)
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
    artists = plot_walk(w, breakpoints=False, y=2.0)
    assert len(artists) == 1
    segments = artists[0].get_segments()
    np.testing.assert_allclose([s[0][0] for s in segments], w.ts)
    assert all(s[0][1] == 2.0 for s in segments)
    with pytest.raises(ValueError, match="space='input' draws 2-D inputs"):
        plot_walk(w, space="input")
    with pytest.raises(ValueError, match="space must be"):
        plot_walk(w, space="hamming")


def test_plot_hamming_path_and_running_chi(walk2d):
    start, travelled = plot_hamming_path(walk2d)
    np.testing.assert_array_equal(start.get_ydata(), walk2d.distance_from_start)
    np.testing.assert_array_equal(travelled.get_ydata(), walk2d.cumulative_distance)
    assert start.get_ydata().max() == walk2d.r1 and travelled.get_ydata()[-1] == walk2d.r2
    start_t, _ = plot_hamming_path(walk2d, x="t")
    np.testing.assert_allclose(start_t.get_xdata(), walk2d.ts)
    (line,) = plot_running_chi(walk2d, x="t", label="net")
    np.testing.assert_allclose(line.get_ydata(), walk2d.running_chi)
    assert line.get_ydata()[-1] == pytest.approx(walk2d.chi) and line.get_label() == "net"
    with pytest.raises(ValueError, match="x must be"):
        plot_running_chi(walk2d, x="bits")


def test_plot_walk_patterns(walk2d):
    image, *separators = plot_walk_patterns(walk2d)
    np.testing.assert_array_equal(image.get_array(), walk2d.patterns.numpy().astype(float))
    assert [s.get_xdata()[0] for s in separators] == [7.5, 15.5]  # after 8 and 16 bits


def test_plot_cantor_region_is_the_exact_polygon():
    patch, line = plot_cantor_region(3)
    vertices = np.array([[float(x), float(y)] for x, y in cantor_vertices(3)])
    np.testing.assert_allclose(np.c_[line.get_xdata(), line.get_ydata()], vertices)
    outline = patch.get_xy()
    np.testing.assert_allclose(outline[1:-2], vertices)  # (0, 0), the boundary, (1, 0), closed
