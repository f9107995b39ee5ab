"""Region counts: the one-layer formula, counts along segments, densities, counts over training."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import foldlab as fl
from foldlab import counting
from foldlab.arrangement import Arrangement

from .common import DEGENERATE, net_from

# --- f(n, r) ---------------------------------------------------------------------------------------

def test_one_layer_formula_values():
    assert [fl.one_layer_regions(n, 2) for n in range(6)] == [1, 2, 4, 7, 11, 16]
    assert fl.one_layer_regions(10, 10) == 2**10
    assert fl.one_layer_regions(7, 1) == 8
    assert fl.one_layer_regions(0, 3) == 1
    with pytest.raises(ValueError, match="n must be an int >= 0"):
        fl.one_layer_regions(-1, 2)
    with pytest.raises(TypeError, match="r must be an int, got 1.5"):
        fl.one_layer_regions(3, 1.5)


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 30), st.integers(0, 30))
def test_one_layer_formula_recursion(n, r):
    # Swiniarski et al. eq. 61, and f(n, r) = 2^n once r >= n
    assert fl.one_layer_regions(n + 1, r + 1) == fl.one_layer_regions(n, r + 1) + fl.one_layer_regions(n, r)
    if r >= n:
        assert fl.one_layer_regions(n, r) == 2**n


def test_one_layer_formula_against_binomial_sums():
    """Both sides of the sum (r below n / 2 sums up, above it subtracts from 2^n) against math.comb."""
    import math

    rng = np.random.default_rng(0)
    for n in [0, 1, 2, 7, 50, 201, 1000]:
        for r in sorted({0, 1, n // 2, n // 2 + 1, n - 2, n - 1, n, n + 3, *rng.integers(0, n + 2, 5).tolist()}):
            if r >= 0:
                assert fl.one_layer_regions(n, r) == sum(math.comb(n, i) for i in range(min(n, r) + 1)), (n, r)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 12, 20])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_layer_in_general_position_matches_formula(n, seed):
    """Random lines are in general position (probability 1). In a box holding all their crossings,
    every region of the whole plane's arrangement appears exactly once, so the exact count in that box
    is the count on R^2, which Zaslavsky's formula gives."""
    net = fl.mlp([2, n, 1], seed=seed)
    box = fl.first_layer_box(net)
    assert fl.n_regions(net, box=box) == fl.one_layer_regions(n, 2)
    # a box that misses crossings sees fewer
    assert fl.n_regions(net, box=(-0.05, 0.05, -0.05, 0.05)) <= fl.one_layer_regions(n, 2)


def test_one_layer_of_rank_one_gives_n_plus_one():
    # n parallel lines x = k / 10: the weight matrix has rank 1, f(n, 1) = n + 1 regions
    n = 7
    net = net_from([(np.tile([[1.0, 0.0]], (n, 1)), -np.arange(n) / 10), (np.ones((1, n)), [0.0])])
    assert fl.n_regions(net, box=(-1, 1, -1, 1)) == fl.one_layer_regions(n, 1) == n + 1


def test_first_layer_box_errors():
    with pytest.raises(ValueError, match="2 inputs"):
        fl.first_layer_box(fl.mlp([3, 4, 1], seed=0))


# --- along a segment -------------------------------------------------------------------------------

def crossed_polygons(arr: Arrangement, a, b) -> int:
    """Oracle from the 2D arrangement: regions the segment meets along a positive length."""
    line = shapely.LineString([a, b])
    return int((shapely.length(shapely.intersection(arr.polygons, line)) > 1e-12).sum())


SEGMENT_NETS = [fl.mlp([2, 8, 8, 1], seed=0), fl.mlp([2, 12, 12, 12, 2], activation="leaky_relu", seed=1)]
SEGMENT_NETS += [
    net_from(DEGENERATE[k]) for k in ("three_lines_through_a_point", "parallel_and_coincident", "dead_units")
]


@pytest.mark.parametrize("net", SEGMENT_NETS)
def test_count_along_segments_equals_2d_arrangement(net):
    arr = fl.arrangement(net)
    rng = np.random.default_rng(0)
    segments = [rng.uniform(-1, 1, (2, 2)) for _ in range(15)]
    # through the origin (where lines meet in the degenerate nets), through a corner
    segments += [np.array([[-1.0, -0.5], [1.0, 0.5]]), np.array([[-1.0, -1.0], [0.3, 1.0]])]
    for a, b in segments:
        count = fl.n_regions_along(net, a, b)
        assert count == crossed_polygons(arr, a, b)
        # sampling (at random places: a sample exactly on a line has a pattern of its own) never
        # finds more changes than there are regions
        t = np.sort(rng.uniform(0, 1, 2000))[:, None]
        bits = fl.activation_patterns(net, torch.as_tensor((1 - t) * a + t * b)).numpy()
        changes = int((bits[1:] != bits[:-1]).any(axis=1).sum())
        assert changes + 1 <= count


def test_count_along_a_segment_that_runs_on_lines():
    """A segment on the lines y = 0 of four lines through the origin meets no region's inside: along
    it, the classes are those of the patterns on the line (bits of units at 0 are 0), two of them."""
    net = net_from(DEGENERATE["three_lines_through_a_point"])
    a, b = np.array([-1.0, 0.0]), np.array([1.0, 0.0])
    t = np.linspace(0, 1, 1001)[:, None]
    bits = fl.activation_patterns(net, torch.as_tensor((1 - t) * a + t * b)).numpy()
    changes = int((bits[1:] != bits[:-1]).any(axis=1).sum())
    assert fl.n_regions_along(net, a, b) == changes + 1 == 2


def test_count_along_a_segment_in_64_dimensions():
    data = fl.load_digits(seed=0)
    net = fl.mlp([64, 12, 12, 10], seed=0)
    x1, x2, x3 = data.X[0], data.X[1], data.X[2]
    arr = fl.arrangement(net, plane=(x1, x2, x3))
    a, b = arr.plane.points[0], arr.plane.points[1]
    assert fl.n_regions_along(net, x1, x2) == crossed_polygons(arr, a, b)


def test_count_along_errors():
    net = fl.mlp([2, 4, 1], seed=0)
    with pytest.raises(ValueError, match="2 features"):
        fl.n_regions_along(net, [0, 0, 0], [1, 1])
    with pytest.raises(ValueError, match="one point of shape"):
        fl.n_regions_along(net, [[0, 0], [1, 1]], [1, 1])


# --- density, grids, training ----------------------------------------------------------------------

def test_density_is_count_per_area():
    net = fl.mlp([2, 16, 16, 1], seed=0)
    box = (-2.0, 1.0, -1.0, 1.0)
    assert fl.region_density(net, box=box) == pytest.approx(fl.n_regions(net, box=box) / 6.0)


def test_grid_count_is_a_lower_bound_that_fine_grids_reach_on_big_regions():
    net = fl.mlp([2, 32, 32, 1], seed=0)
    exact = fl.n_regions(net)
    coarse = fl.grid_region_count(net, resolution=20)
    assert coarse < exact
    simple = fl.mlp([2, 3, 1], seed=0)
    assert fl.grid_region_count(simple, resolution=200) == fl.n_regions(simple)
    arr = fl.arrangement(net)
    missed = arr.missed_by_grid(20)
    assert int((~missed).sum()) == coarse  # the grid finds exactly the regions it does not miss
    assert missed.sum() == exact - coarse


def test_grid_count_in_a_plane():
    data = fl.load_digits(seed=0)
    net = fl.mlp([64, 8, 10], seed=0)
    plane = (data.X[0], data.X[1], data.X[2])
    assert fl.grid_region_count(net, plane=plane, resolution=30) <= fl.n_regions(net, plane=plane)


def test_grid_points():
    pts = counting.grid_points((0, 2, 0, 1), 4)
    assert pts.shape == (16, 2)
    assert pts[:, 0].min() == 0.25 and pts[:, 1].max() == 0.875
    with pytest.raises(ValueError, match="resolution must be an int >= 1"):
        counting.grid_points((0, 1, 0, 1), 0)


def test_regions_over_training():
    data = fl.toy_dataset("moons", n=200, seed=0)
    net = fl.mlp([2, 8, 8, 1], seed=0)
    history = fl.train(net, data, epochs=3, keep_snapshots=True, progress=False)
    box = (-2.0, 3.0, -2.0, 2.0)
    counts = fl.regions_over_training(history, box=box)
    assert counts.epochs.tolist() == [0, 1, 2, 3]
    assert counts.counts.tolist() == [fl.n_regions(s, box=box) for s in history.snapshots]
    np.testing.assert_allclose(counts.density, counts.counts / 20.0)
    assert counts.n_neurons == 16 and counts.reference == 128.0
    assert "RegionCounts(epochs=4" in repr(counts)
    with pytest.raises(ValueError, match="keep_snapshots=True"):
        fl.regions_over_training([], box=box)


def test_regions_over_training_takes_the_snapshots_epochs():
    """Every second snapshot of a run, passed as a plain list: the counts belong to epochs 0, 2, 4, not 0, 1, 2."""
    data = fl.toy_dataset("moons", n=100, seed=0)
    history = fl.train(fl.mlp([2, 6, 6, 1], seed=0), data, epochs=4, keep_snapshots=True, progress=False)
    box = (-2.0, 3.0, -2.0, 2.0)
    every_second = history.snapshots[::2]
    counts = fl.regions_over_training(every_second, box=box, epochs=[0, 2, 4])
    assert counts.epochs.tolist() == [0, 2, 4]
    assert counts.counts.tolist() == [fl.n_regions(s, box=box) for s in every_second]
    whole = fl.regions_over_training(history, box=box)  # a TrainHistory knows its epochs: 0..E
    assert whole.epochs.tolist() == list(range(history.epochs + 1))
    assert whole.counts[::2].tolist() == counts.counts.tolist()
    with pytest.raises(ValueError, match=r"epochs has 2 entries, but there are 3 snapshots"):
        fl.regions_over_training(every_second, box=box, epochs=[0, 2])
    with pytest.raises(ValueError, match="epochs"):
        fl.regions_over_training(every_second, box=box, epochs=[0, float("nan"), 4])


def test_grid_count_refuses_an_inverted_box():
    net = fl.mlp([2, 4, 1], seed=0)
    for box in [(1, -1, -1, 1), (-1, 1, 1, -1)]:
        with pytest.raises(ValueError, match="xmin < xmax and ymin < ymax"):
            fl.grid_region_count(net, box, resolution=10)


def test_hanin_rolnick_density():
    assert fl.hanin_rolnick_density(96) == 96**2 / 2
