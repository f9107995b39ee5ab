"""What every plot shares (foldlab.plotting._common) and the contract of every public plot_* function."""

import inspect

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.colors import to_rgba

from foldlab import plotting
from foldlab.plotting import _common


def test_every_public_plot_takes_ax_none_and_documents_what_it_returns():
    plots = [name for name in plotting.__all__ if name.startswith("plot_")]
    assert len(plots) == 21
    for name in plots:
        function = getattr(plotting, name)
        ax = inspect.signature(function).parameters.get("ax")
        assert ax is not None and ax.default is None, name
        doc = inspect.getdoc(function)
        assert "Returns\n-------" in doc and "Examples\n--------" in doc and "Parameters\n----------" in doc, name


def test_public_names_resolve():
    for name in plotting.__all__:
        assert getattr(plotting, name) is not None


def test_axes_is_the_given_one_or_a_new_figure():
    fig, ax = plt.subplots()
    assert _common.axes(ax) is ax
    fresh = _common.axes(None)
    assert fresh is not ax and fresh.figure is not fig


def test_check_box_names_the_bad_value():
    assert _common.check_box([0, 1, -2, 3]) == (0.0, 1.0, -2.0, 3.0)
    assert _common.check_box(np.array([[0, 1], [2, 3]])) == (0.0, 1.0, 2.0, 3.0)
    for bad in [(1, 0, 0, 1), (0, 1, 1, 1), (0, 1, 2)]:
        with pytest.raises(ValueError, match=r"expected a 2-D input box \(xmin, xmax, ymin, ymax\) with min < max"):
            _common.check_box(bad)


def test_set_box_shows_exactly_the_box_at_equal_scale():
    _, ax = plt.subplots()
    _common.set_box(ax, (-1.0, 3.0, 0.5, 2.0))
    assert ax.get_xlim() == (-1.0, 3.0) and ax.get_ylim() == (0.5, 2.0) and ax.get_aspect() == 1.0


def test_to_numpy_takes_grad_tensors_lists_and_arrays():
    t = torch.ones(2, 3, requires_grad=True) * 2
    assert _common.to_numpy(t).tolist() == [[2.0] * 3] * 2
    assert _common.to_numpy([1, 0], dtype=bool).dtype == bool


def test_pattern_colours_are_a_function_of_the_bits_and_their_number():
    rng = np.random.default_rng(0)
    P = rng.random((300, 24)) < 0.5
    colours = plotting.pattern_colors(P)
    assert colours.shape == (300, 4) and np.all(colours[:, 3] == 1) and np.all((0 <= colours) & (colours <= 1))
    np.testing.assert_array_equal(plotting.pattern_colors(P[::-1]), colours[::-1])  # per row, order-free
    np.testing.assert_array_equal(plotting.pattern_colors(torch.as_tensor(P)), colours)
    distinct = len(np.unique(P, axis=0))
    assert len(np.unique(colours, axis=0)) == distinct  # no collision among these
    zeros3 = plotting.pattern_colors(np.zeros((1, 3), dtype=bool))
    zeros5 = plotting.pattern_colors(np.zeros((1, 5), dtype=bool))
    assert not np.array_equal(zeros3, zeros5)  # the length is part of the hash


def test_cycle_colors_qualitative_and_continuous():
    tab10 = plt.get_cmap("tab10")
    assert _common.cycle_colors(12, "tab10") == [tab10(i % 10) for i in range(12)]
    spread = _common.cycle_colors(3, "viridis")
    assert spread[0] == plt.get_cmap("viridis")(0.0) and spread[-1] == plt.get_cmap("viridis")(1.0)
    assert _common.cycle_colors(1, "viridis") == [plt.get_cmap("viridis")(0.0)]


def test_bit_mesh_cells_blocks_and_colours():
    _, ax = plt.subplots()
    rows = np.array([[0, 1, 1], [1, 0, 2]])
    mesh, separators = _common.bit_mesh(ax, rows, blocks=[("layer 0", 1), ("output", 2)])
    assert np.asarray(mesh.get_array()).tolist() == rows.tolist()
    assert [s.get_xdata()[0] for s in separators] == [0.5]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["layer 0", "output"]
    assert ax.get_ylim() == (1.5, -0.5)  # the first row on top
    faces = mesh.to_rgba(mesh.get_array())
    assert [tuple(faces[1, c]) for c in range(3)] == [to_rgba(c) for c in (plotting.BIT_COLORS[1],
                                                                           plotting.BIT_COLORS[0],
                                                                           plotting.BIT_COLORS[2])]
    _, ax = plt.subplots()
    mesh, separators = _common.bit_mesh(ax, rows[:, :2], cmap="Greys")
    assert separators == [] and ax.get_xlabel() == "unit"
    assert mesh.to_rgba(1.0) == plt.get_cmap("Greys")(1.0)
    with pytest.raises(ValueError, match=r"widths \[1, 1\] add up to 2, but the patterns have 3 bits"):
        _common.bit_mesh(ax, rows, blocks=[("a", 1), ("b", 1)])
