"""Bad inputs to the arrangement and counting functions: each is refused at the boundary with a clear error.

Every case asserts the exception's type (a ValueError or TypeError, or a foldlab subclass), that its message
names the argument, and that it was raised by foldlab itself: the innermost frame of the traceback is in
the foldlab package and the exception class comes from Python or foldlab, never from torch, numpy or
shapely (so that a test cannot pass on an accident deep inside a library).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import foldlab as fl
from foldlab import counting

PACKAGE = Path(fl.__file__).resolve().parent


def refused(kind, name: str, call, *args, **kwargs) -> BaseException:
    """Call and check the refusal: ``kind``, ``name`` in the message, raised inside foldlab."""
    with pytest.raises(kind) as info:
        call(*args, **kwargs)
    error = info.value
    assert name in str(error), f"the message does not name {name!r}: {error}"
    assert type(error).__module__ in ("builtins", "foldlab.errors"), type(error)
    innermost = Path(info.traceback[-1].path).resolve()
    assert PACKAGE in innermost.parents, f"raised in {innermost}, not in foldlab"
    return error


@pytest.fixture(scope="module")
def net():
    return fl.mlp([2, 4, 3, 1], seed=0)


@pytest.fixture(scope="module")
def net3():
    return fl.mlp([3, 4, 1], seed=0)


@pytest.fixture(scope="module")
def arr(net):
    return fl.arrangement(net)


# --- boxes ---------------------------------------------------------------------------------------------

BAD_BOXES = [
    ("abcd", TypeError),  # a string
    ((0, 1j, 0, 1), TypeError),  # complex
    (torch.tensor([0, 1, 0, 1j]), TypeError),
    ((0, None, 0, 1), TypeError),
    ({"xmin": 0}, TypeError),
    ((0, 1, 0), ValueError),  # wrong shape
    ([[0, 1], [0, 1]], ValueError),
    ((), ValueError),  # empty
    ((0, np.nan, 0, 1), ValueError),
    ((0, 1, -np.inf, 1), ValueError),
    ((1, 0, 0, 1), ValueError),  # inverted
    ((0, 1, 1, 1), ValueError),  # no area
]


@pytest.mark.parametrize("box,kind", BAD_BOXES, ids=[repr(b)[:20] for b, _ in BAD_BOXES])
@pytest.mark.parametrize(
    "call",
    [fl.arrangement, fl.n_regions, fl.region_density, lambda net, box: fl.grid_region_count(net, box, resolution=4)],
    ids=["arrangement", "n_regions", "region_density", "grid_region_count"],
)
def test_bad_boxes(net, call, box, kind):
    refused(kind, "box", call, net, box=box)


@pytest.mark.parametrize("box,kind", BAD_BOXES[:6], ids=[repr(b)[:20] for b, _ in BAD_BOXES[:6]])
def test_bad_boxes_for_grid_points(box, kind):
    refused(kind, "box", counting.grid_points, box, 3)


# --- counts: floats, strings, bools, complex and negatives for ints -----------------------------------

NOT_INTS = [(2.0, TypeError), (2.5, TypeError), ("2", TypeError), (True, TypeError), (1 + 0j, TypeError),
            (np.float64(2), TypeError), (None, TypeError), (float("nan"), TypeError)]


@pytest.mark.parametrize("value,kind", NOT_INTS + [(0, ValueError), (-3, ValueError)])
def test_max_regions(net, value, kind):
    refused(kind, "max_regions", fl.arrangement, net, max_regions=value)
    refused(kind, "max_regions", fl.n_regions, net, max_regions=value)


@pytest.mark.parametrize("value,kind", NOT_INTS + [(0, ValueError), (-1, ValueError)])
def test_resolutions(net, arr, value, kind):
    refused(kind, "resolution", fl.grid_region_count, net, resolution=value)
    refused(kind, "resolution", arr.missed_by_grid, value)
    refused(kind, "resolution", counting.grid_points, (0, 1, 0, 1), value)


@pytest.mark.parametrize("value,kind", NOT_INTS + [(-1, ValueError), (-4, ValueError)])
def test_one_layer_regions_arguments(value, kind):
    refused(kind, "n", fl.one_layer_regions, value, 2)
    refused(kind, "r", fl.one_layer_regions, 5, value)


@pytest.mark.parametrize("value,kind", NOT_INTS + [(-4, ValueError), (10**200, ValueError)])
def test_hanin_rolnick_density_arguments(value, kind):
    refused(kind, "n_neurons", fl.hanin_rolnick_density, value)


@pytest.mark.parametrize("value,kind", NOT_INTS + [([0, 1], TypeError), (5, ValueError), (-4, ValueError)])
def test_layer_indices(arr, value, kind):
    refused(kind, "layer", arr.upto, value)
    refused(kind, "layer", arr.lines, value)


@pytest.mark.parametrize("value,kind", NOT_INTS + [(-1, ValueError), (10**6, ValueError)])
def test_region_indices(arr, value, kind):
    refused(kind, "region", arr.vertices, value)
    if kind is ValueError:  # the range is in the message
        refused(kind, f"[0, {len(arr) - 1}]", arr.vertices, value)


def test_numpy_ints_are_ints(net, arr):
    assert len(fl.arrangement(net, max_regions=np.int64(100))) == len(arr)
    assert fl.grid_region_count(net, resolution=np.int64(8)) == fl.grid_region_count(net, resolution=8)
    assert fl.one_layer_regions(np.int64(8), np.uint8(2)) == 37
    assert fl.hanin_rolnick_density(np.int32(4)) == 8.0
    np.testing.assert_array_equal(arr.vertices(np.int64(0)), arr.vertices(0))
    assert len(arr.upto(np.int64(0))) == len(arr.upto(0))
    assert arr.missed_by_grid(np.int16(5)).shape == (len(arr),)


@pytest.mark.parametrize("value,kind", [("1", TypeError), (1j, TypeError), (True, TypeError), (None, TypeError),
                                        (-0.5, ValueError), (np.nan, ValueError), (np.inf, ValueError)])
def test_first_layer_box_margin(net, value, kind):
    refused(kind, "margin", fl.first_layer_box, net, margin=value)


# --- huge sizes: refused at once, before memory or time grows -----------------------------------------

def test_huge_grids_are_over_budget_at_once(net, arr):
    refused(fl.OverBudget, "resolution", fl.grid_region_count, net, resolution=10**5)
    refused(fl.OverBudget, "resolution", arr.missed_by_grid, 10**5)
    refused(fl.OverBudget, "resolution", counting.grid_points, (0, 1, 0, 1), 10**5)


def test_huge_point_sets_are_over_budget(arr):
    points = np.broadcast_to(np.zeros(2), (10**8, 2))  # no memory of its own
    refused(fl.OverBudget, "xy", arr.locate, points)


def test_one_layer_regions_refuses_sums_that_would_take_too_long():
    refused(ValueError, "ONE_LAYER_MAX_WORK", fl.one_layer_regions, 10**12, 10**6)
    refused(ValueError, "ONE_LAYER_MAX_BITS", fl.one_layer_regions, 10**9, 10**9)
    assert fl.one_layer_regions(10**9, 1) == 10**9 + 1  # huge n, small r: quick and exact
    assert fl.one_layer_regions(3000, 3000) == 2**3000


# --- points: shapes, NaN, strings, complex --------------------------------------------------------------

BAD_POINTS = [
    ([[0, 0, 0]], ValueError),  # three coordinates
    (np.zeros((2, 2, 2)), ValueError),
    ([[0, np.nan]], ValueError),
    ([[np.inf, 0]], ValueError),
    ("ab", TypeError),
    ([[0, 1j]], TypeError),
    ([["a", "b"]], TypeError),
    ([[0, 1], [2]], ValueError),  # ragged
]


@pytest.mark.parametrize("xy,kind", BAD_POINTS, ids=[repr(p)[:20] for p, _ in BAD_POINTS])
def test_bad_points(arr, xy, kind):
    refused(kind, "xy", arr.locate, xy)
    refused(kind, "xy", arr.to_input, xy)


def test_empty_points_give_empty_answers(arr):
    assert arr.locate(np.zeros((0, 2))).shape == (0,)
    assert arr.to_input(np.zeros((0, 2))).shape == (0, 2)


# --- planes -----------------------------------------------------------------------------------------------

BAD_PLANES = [
    ("abc", TypeError),
    (([0, 0, 0], [1, 0, 0]), TypeError),  # two points
    (5, TypeError),
    (([0, 0, 0], [1j, 0, 0], [0, 1, 0]), TypeError),
    (("abc", [1, 0, 0], [0, 1, 0]), TypeError),
    (([0, 0, 0], [1, 0], [0, 1, 0]), ValueError),  # ragged
    (([0, 0], [1, 0], [0, 1]), ValueError),  # the wrong dimension
    (([0, 0, np.inf], [1, 0, 0], [0, 1, 0]), ValueError),
    (([0, 0, np.nan], [1, 0, 0], [0, 1, 0]), ValueError),
    (([0, 0, 0], [0, 0, 0], [0, 1, 0]), ValueError),  # coincide
    (([0, 0, 0], [1, 1, 1], [2, 2, 2]), ValueError),  # collinear
    (([0, 0, -1e308], [1, 0, 1e308], [0, 1, 0]), ValueError),  # too far apart for float64
]


@pytest.mark.parametrize("plane,kind", BAD_PLANES, ids=[repr(p)[:24] for p, _ in BAD_PLANES])
def test_bad_planes(net3, plane, kind):
    refused(kind, "plane", fl.arrangement, net3, plane=plane)
    refused(kind, "plane", fl.grid_region_count, net3, plane=plane, resolution=4)


# --- odd nets ----------------------------------------------------------------------------------------------

def _with(net, value):
    with torch.no_grad():
        net[0].weight[0, 0] = value
    return net


ODD_NETS = [
    ("not a net", "torch.nn.Module", lambda: "net", TypeError),
    ("no activation", "activation", lambda: nn.Linear(2, 1), ValueError),
    ("nothing at all", "Linear", lambda: nn.Sequential(), TypeError),
    ("three inputs", "2 inputs", lambda: fl.mlp([3, 4, 1], seed=0), ValueError),
    ("one input", "2 inputs", lambda: fl.mlp([1, 4, 1], seed=0), ValueError),
    ("NaN weight", "NaN", lambda: _with(fl.mlp([2, 4, 1], seed=0), float("nan")), ValueError),
    ("inf weight", "inf", lambda: _with(fl.mlp([2, 4, 1], seed=0), float("inf")), ValueError),
    ("complex weights", "complex", lambda: nn.Sequential(nn.Linear(2, 3, dtype=torch.complex64), nn.ReLU()),
     TypeError),
    ("tanh", "piecewise-linear", lambda: fl.mlp([2, 4, 1], activation="tanh", seed=0), ValueError),
    ("layernorm", "LayerNorm", lambda: nn.Sequential(nn.Linear(2, 4), nn.LayerNorm(4), nn.ReLU(), nn.Linear(4, 1)),
     ValueError),
    ("batchnorm training", "training mode",
     lambda: nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3), nn.ReLU(), nn.Linear(3, 1)), ValueError),
    ("convolution", "Conv1d", lambda: nn.Sequential(nn.Conv1d(1, 1, 1), nn.ReLU()), TypeError),
    ("activation first", "no Linear layer before it", lambda: nn.Sequential(nn.ReLU(), nn.Linear(2, 1)), TypeError),
]


@pytest.mark.parametrize("what,name,make,kind", ODD_NETS, ids=[n[0] for n in ODD_NETS])
def test_odd_nets(what, name, make, kind):
    refused(kind, name, fl.arrangement, make())
    refused(kind, name, fl.n_regions, make())
    if name != "2 inputs":  # first_layer_box words it its own way
        refused(kind, name, fl.first_layer_box, make())
    refused(kind, name, fl.regions_over_training, [make()])


@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors:UserWarning")  # a layer of 0 units, on purpose
def test_odd_but_fine_nets():
    zero_width = nn.Sequential(nn.Linear(2, 0), nn.ReLU(), nn.Linear(0, 1))
    assert len(fl.arrangement(zero_width)) == 1
    no_bias = nn.Sequential(nn.Linear(2, 3, bias=False), nn.ReLU(), nn.Linear(3, 1, bias=False))
    assert len(fl.arrangement(no_bias)) == 6  # three lines through the origin
    assert len(fl.arrangement(nn.Sequential(nn.Linear(2, 3), nn.ReLU()))) >= 1  # ends with an activation


# --- training snapshots and epochs -------------------------------------------------------------------------

@pytest.mark.parametrize("snapshots", [5, "abc", None, fl.mlp([2, 3, 1], seed=0)], ids=["int", "str", "None", "net"])
def test_snapshots_must_be_a_sequence_of_nets(snapshots):
    refused(TypeError, "snapshots", fl.regions_over_training, snapshots)


def test_empty_snapshots():
    refused(ValueError, "snapshots", fl.regions_over_training, [])


@pytest.mark.parametrize(
    "epochs,kind",
    [("01", TypeError), ([[0, 1]], TypeError), ([True, False], TypeError), ([0, 1j], TypeError),
     ([0, np.nan], ValueError), ([0, np.inf], ValueError), ([0], ValueError), ([0, 1, 2], ValueError), (3, TypeError)],
)
def test_bad_epochs(epochs, kind):
    nets = [fl.mlp([2, 3, 1], seed=0), fl.mlp([2, 3, 1], seed=1)]
    refused(kind, "epochs", fl.regions_over_training, nets, epochs=epochs)


# --- segments (counted by the walk) ---------------------------------------------------------------------

@pytest.mark.parametrize(
    "x2,kind", [([1j, 1], TypeError), ([np.nan, 1], ValueError), ([1, 2, 3], ValueError), ("ab", TypeError)]
)
def test_bad_segment_ends(net, x2, kind):
    refused(kind, "x2", fl.n_regions_along, net, [0.0, 0.0], x2)


def test_refused_tests_catch_errors_from_inside_libraries():
    """The check itself: an error raised inside numpy does not count as a refusal by foldlab."""
    with pytest.raises(AssertionError, match="not in foldlab"):
        refused(ValueError, "", np.reshape, np.zeros(3), (2, 2))
    assert sys.modules["foldlab"] is fl
