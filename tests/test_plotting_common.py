"""What every plot shares (foldlab.plotting._common) and the contract of every public plot_* function."""

import inspect
import os
import subprocess
import sys
import types
import typing

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.artist import Artist
from matplotlib.colorbar import Colorbar
from matplotlib.colors import to_rgba

import foldlab as fl
from foldlab import plotting
from foldlab.plotting import _common


def public_plots():
    return [getattr(plotting, name) for name in plotting.__all__ if name.startswith("plot_")]


def is_artists(kind) -> bool:
    """An Artist class, a named tuple whose fields are artists (or tuples of them), or a tuple of one kind."""
    if isinstance(kind, type) and issubclass(kind, (Artist, Colorbar)):  # a colorbar holds its own axes' artists
        return True
    if isinstance(kind, type) and issubclass(kind, tuple) and hasattr(kind, "_fields"):
        return all(is_field(hint) for hint in typing.get_type_hints(kind).values())
    return typing.get_origin(kind) is tuple and typing.get_args(kind)[1:] == (Ellipsis,) and is_artists(
        typing.get_args(kind)[0])


def is_field(hint) -> bool:
    parts = [p for p in typing.get_args(hint) if p is not type(None)] if isinstance(hint, types.UnionType) else [hint]
    return all(is_artists(p) for p in parts)


def test_every_public_plot_takes_the_object_then_ax_and_returns_artists():
    plots = public_plots()
    # every plot of every drawing module is in the package's list (none forgotten), and each keeps the contract
    in_modules = {
        name
        for module in vars(plotting).values()
        if isinstance(module, types.ModuleType) and module.__name__.startswith("foldlab.plotting.")
        and not module.__name__.rsplit(".", 1)[1].startswith("_")
        for name in getattr(module, "__all__", ())
        if name.startswith("plot_")
    }
    assert in_modules == {function.__name__ for function in plots} and len(plots) >= 21
    for function in plots:
        name = function.__name__
        params = list(inspect.signature(function).parameters.values())
        assert params[0].kind is params[0].POSITIONAL_OR_KEYWORD and params[0].default is params[0].empty, name
        assert params[1].name == "ax" and params[1].default is None, name
        assert all(p.kind in (p.KEYWORD_ONLY, p.VAR_KEYWORD) for p in params[2:]), name  # the rest by keyword
        returned = typing.get_type_hints(function)["return"]
        assert is_artists(returned), (name, returned)
        doc = inspect.getdoc(function)
        assert "Returns\n-------" in doc and "Examples\n--------" in doc and "Parameters\n----------" in doc, name
        assert "DESIGN" not in doc, name


def test_public_names_resolve():
    for name in plotting.__all__:
        assert getattr(plotting, name) is not None


def test_pyplot_is_imported_only_to_make_a_new_figure():
    code = (
        "import sys, foldlab as fl\n"
        "from foldlab import plotting as flp, widgets as flw\n"
        "from matplotlib.figure import Figure\n"
        "flp.plot_walk(fl.walk(fl.CantorNet(1), [0, .25], [1, .25]), Figure().add_subplot())\n"
        "flw.cantor_walk_widget(depth=2).controls['depth'].value = 3\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported without a new figure'\n"
        "flp.plot_cantor_region(2)\n"
        "assert 'matplotlib.pyplot' in sys.modules\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "MPLBACKEND": "Agg"})
    assert run.returncode == 0, run.stderr


def test_axes_is_the_given_one_or_a_new_figure():
    fig, ax = plt.subplots()
    assert _common.axes(ax) is ax
    fresh = _common.axes(None)
    assert fresh is not ax and fresh.figure is not fig


def test_twin_line_draws_on_a_right_axis_sharing_x():
    fig, ax = plt.subplots()
    line = _common.twin_line(ax, [0, 1, 2], [0.0, 0.5, 1.0], ylabel="kept", color="tab:gray", fraction=True,
                             marker="s", label="copies kept")
    right = line.axes
    assert right is not ax and right in fig.axes and right.get_shared_x_axes().joined(ax, right)
    assert line.get_ydata().tolist() == [0.0, 0.5, 1.0] and line.get_marker() == "s"
    assert line.get_label() == "copies kept" and right.get_ylabel() == "kept"
    assert to_rgba(right.yaxis.label.get_color()) == to_rgba("tab:gray") == to_rgba(line.get_color())
    assert right.get_ylim() == (-0.02, 1.02)
    free = _common.twin_line(ax, [0, 1], [3.0, 7.0], ylabel="norm", color="tab:orange")
    assert free.axes.get_ylim()[1] > 7.0  # not fixed to [0, 1] unless asked
    assert ax.get_ylabel() == ""  # the left axis is the caller's
    plt.close(fig)


def test_call_form_and_the_plot_contract():
    assert _common.call_form(plotting.plot_layer_lines) == (
        "plot_layer_lines(arr, ax=None, *, layer, linewidth=1.2, cmap='tab20', **style)")

    @_common.plot_function
    def plot_x(obj, ax=None, *, size=1):
        return obj, ax, size

    assert plot_x.__name__ == "plot_x" and list(inspect.signature(plot_x).parameters) == ["obj", "ax", "size"]
    _, ax = plt.subplots()
    assert plot_x(1, ax, size=2) == (1, ax, 2) and plot_x(1) == (1, None, 1)
    with pytest.raises(TypeError, match=r"plot_x\(\): ax must be a matplotlib Axes or None, got 2 \(int\); "
                                        r"call it as plot_x\(obj, ax=None, \*, size=1\)"):
        plot_x(1, 2)
    with pytest.raises(TypeError, match=r"plot_x\(\): ax must be .* got 2 \(int\)"):  # the root cause first
        plot_x(1, 2, 3)
    with pytest.raises(TypeError, match=r"plot_x\(\): got an unexpected keyword argument 'colour'; call it as"):
        plot_x(1, colour="red")


@pytest.fixture(scope="module")
def things():
    net = fl.mlp([2, 4, 4, 1], seed=0)
    arr = fl.arrangement(net)
    walk = fl.walk(net, [-1.0, -1.0], [1.0, 1.0])
    P = np.random.default_rng(0).random((5, 8)) < 0.5
    return net, arr, walk, P


def test_old_positional_calls_fail_naming_the_new_form(things):
    """Calls of the form before every argument after ``ax`` became a keyword: refused, with the new form."""
    net, arr, walk, P = things
    _, ax = plt.subplots()
    old = [
        (lambda: plotting.plot_neuron([1.0, 0.0], -0.5), "plot_neuron(weight, ax=None, *, bias=0.0"),
        (lambda: plotting.plot_neuron([1.0, 0.0], -0.5, ax=ax), "plot_neuron(weight, ax=None, *, bias=0.0"),
        (lambda: plotting.plot_pattern_bits(P, [4, 4]), "plot_pattern_bits(patterns, ax=None, *, widths=None"),
        (lambda: plotting.plot_layer_lines(arr.upto(0), 1, ax), "plot_layer_lines(arr, ax=None, *, layer,"),
        (lambda: plotting.plot_grid_misses(arr, 20, ax), "plot_grid_misses(arr, ax=None, *, resolution,"),
        (lambda: plotting.plot_neighbors(P.astype(float), 0, {"a": [1]}, image_shape=(2, 4)),
         "plot_neighbors(images, ax=None, *, query, neighbors, image_shape, labels=None)"),
    ]
    for call, form in old:
        with pytest.raises(TypeError, match=r"ax must be a matplotlib Axes or None, got .*; call it as") as error:
            call()
        assert form in str(error.value)
    assert plt.get_fignums() == [ax.figure.number]  # refused before a figure was made


def test_calls_that_differ_only_by_keyword_still_work(things):
    """The forms the notebooks, Arrangement.plot and RegionCounts.plot used keep working."""
    net, arr, walk, P = things
    _, ax = plt.subplots()
    assert plotting.plot_first_layer_lines(net, box=(-1, 1, -1, 1), ax=ax).axes is ax
    assert plotting.plot_pattern_bits(P, widths=[4, 4], labels=list("abcde"), ax=ax).mesh.axes is ax
    assert plotting.plot_walk(walk, ax=ax, linewidth=4).pieces.axes is ax
    assert plotting.plot_running_chi(walk, ax=ax, label="a").axes is ax
    assert plotting.plot_cantor_region(2, ax=ax).region.axes is ax
    assert plotting.plot_regions(arr, ax, alpha=0.5).axes is ax
    drawn = arr.plot(ax, color_by="output", boundary=False, alpha=0.35)  # Arrangement.plot's own keywords
    assert drawn.regions.axes is ax and drawn.boundary is None
    assert arr.plot(ax=ax, linear=True).regions.axes is ax


def test_checks_of_colours_colormaps_and_style():
    assert _common.check_color("face", "edgecolor", face=True) == "face"
    with pytest.raises(ValueError, match="color must be a matplotlib colour"):
        _common.check_color("face", "color")
    with pytest.raises(TypeError, match="cmap must be the name of a matplotlib colormap"):
        _common.check_cmap(3)
    assert _common.check_cmap(plt.get_cmap("magma")).name == "magma"
    from matplotlib.collections import LineCollection

    style = _common.check_style({"lw": 3, "ls": ":"}, LineCollection, "plot_x", defaults={"linewidth": 1})
    assert style == {"linewidth": 3, "linestyle": ":"}
    with pytest.raises(ValueError, match=r"plot_x\(\): style keyword linestyle='wavy' \(str\) is not valid"):
        _common.check_style({"linestyle": "wavy"}, LineCollection, "plot_x")
    with pytest.raises(ValueError, match=r"alpha must be a number in \[0.0, 1.0\], got 2.0"):
        _common.check_style({"alpha": 2.0}, LineCollection, "plot_x")
    with pytest.raises(TypeError, match="linewidth must be a real number, got 'a'"):
        _common.check_style({"lw": "a"}, LineCollection, "plot_x")


def test_check_widths_texts_and_image_shape():
    assert _common.check_widths((np.int64(2), 3), 5) == [2, 3]
    with pytest.raises(TypeError, match=r"widths\[1\] must be an int, got 2.0"):
        _common.check_widths([3, 2.0], 5)
    with pytest.raises(ValueError, match="labels must have one label per row \\(2\\), got 3"):
        _common.check_texts(["a", "b", "c"], "labels", 2)
    with pytest.raises(TypeError, match="labels must be a sequence of 2 str, got 'ab'"):
        _common.check_texts("ab", "labels", 2)
    with pytest.raises(ValueError, match=r"image_shape=\(8, 8\) holds 64 pixels, but each image has 63 values"):
        _common.check_image_shape((8, 8), size=63)


def test_set_box_shows_exactly_the_box_at_equal_scale():
    _, ax = plt.subplots()
    _common.set_box(ax, (-1.0, 3.0, 0.5, 2.0))
    assert ax.get_xlim() == (-1.0, 3.0) and ax.get_ylim() == (0.5, 2.0) and ax.get_aspect() == 1.0


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
    assert [s[0][0] for s in separators.get_segments()] == [0.5]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["layer 0", "output"]
    assert ax.get_ylim() == (1.5, -0.5)  # the first row on top
    faces = mesh.to_rgba(mesh.get_array())
    assert [tuple(faces[1, c]) for c in range(3)] == [to_rgba(c) for c in (plotting.BIT_COLORS[1],
                                                                           plotting.BIT_COLORS[0],
                                                                           plotting.BIT_COLORS[2])]
    _, ax = plt.subplots()
    mesh, separators = _common.bit_mesh(ax, rows[:, :2], cmap="Greys")
    assert len(separators.get_segments()) == 0 and ax.get_xlabel() == "unit"
    assert mesh.to_rgba(1.0) == plt.get_cmap("Greys")(1.0)
