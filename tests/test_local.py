"""Local linear maps against autograd and the exact arrangement; region sizes against exact distances;
Hamming geodesics never longer than the straight walk."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
import torch
from torch import nn

import foldlab as fl
from foldlab.geodesic import cumulative_flips
from foldlab.local import map_angles


def jacobian(net, x):
    net = net.double()
    return torch.func.vmap(torch.func.jacrev(lambda v: net(v[None])[0]))(x)


NETS = [
    ("relu", lambda: fl.mlp([3, 7, 7, 2], seed=0)),
    ("leaky", lambda: fl.mlp([3, 7, 7, 2], activation="leaky_relu", seed=1, negative_slope=0.3)),
    ("tanh", lambda: fl.mlp([3, 7, 7, 2], activation="tanh", seed=2)),
    ("gelu", lambda: fl.mlp([3, 7, 7, 2], activation="gelu", seed=3)),
    ("swiglu", lambda: fl.mlp([3, 7, 7, 2], activation="swiglu", seed=4)),
    ("layernorm", lambda: nn.Sequential(nn.Linear(3, 6), nn.LayerNorm(6), nn.ReLU(), nn.Linear(6, 2))),
]


@pytest.mark.parametrize("name,make", NETS, ids=[n for n, _ in NETS])
def test_local_map_is_the_jacobian(name, make):
    net = make()
    x = torch.randn(9, 3, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    torch.testing.assert_close(fl.local_linear_map(net, x), jacobian(net, x), rtol=1e-9, atol=1e-11)


def test_local_map_is_the_arrangements_map_on_every_region():
    net = fl.mlp([2, 8, 8, 8, 3], seed=6)
    arr = fl.arrangement(net)
    points = np.array([region.point for region in arr.regions])
    maps = fl.local_linear_map(net, points).numpy()
    np.testing.assert_allclose(maps, arr.A, rtol=1e-9, atol=1e-12)


def test_hidden_unit_maps_predict_the_pre_activations_inside_the_region():
    net = fl.mlp([4, 9, 9, 1], seed=7)
    spec = fl.read_net(net)
    x = torch.randn(1, 4, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    A = fl.local_linear_map(net, x, layer=1)[0]  # (9, 4): W_{a,x} of the 9 units of layer 1
    near = x + 1e-7 * torch.randn(5, 4, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    assert torch.equal(spec.bits(near), spec.bits(x).expand(5, -1))  # still in the region
    z = lambda p: spec.forward(p)[0][1]  # noqa: E731
    torch.testing.assert_close(z(near) - z(x), (near - x) @ A.T, rtol=1e-7, atol=1e-13)
    same = fl.local_linear_map(net, near, layer=1)
    assert np.all(map_angles(same, A.expand_as(same)) < 1e-5)


def test_maps_of_neighbouring_regions_make_an_angle():
    net = fl.mlp([2, 8, 8, 1], seed=0)
    walk = fl.walk(net, [-1.0, -0.5], [1.0, 0.7])
    mids = walk.points(walk.midpoints)
    maps = fl.local_linear_map(net, mids)
    angles = map_angles(maps[1:], maps[:-1])[:, 0]
    assert np.all(angles[np.abs(np.diff(walk.patterns.int().numpy(), axis=0)).sum(1) > 0] >= 0)
    assert np.any(angles > 1)


def polygon_distance(arr, x):
    region = arr.regions[int(arr.locate(np.array([x]))[0])]
    return region.polygon.exterior.distance(shapely.Point(x))


@pytest.mark.parametrize("seed", range(3))
def test_distance_to_boundary_against_the_exact_polygon(seed):
    net = fl.mlp([2, 10, 10, 1], seed=seed)
    arr = fl.arrangement(net, box=(-3, 3, -3, 3))
    x = np.random.default_rng(seed).uniform(-1, 1, 2)
    exact = polygon_distance(arr, x)
    estimate = fl.distance_to_boundary(net, x, n_directions=512, seed=seed)
    assert exact <= estimate + 1e-12 and estimate <= exact * 1.001 + 1e-12


@pytest.mark.parametrize("seed", range(6))
def test_anchored_region_size_within_its_bounds_from_the_exact_polygon(seed):
    net = fl.mlp([2, 12, 12, 1], seed=seed)
    arr = fl.arrangement(net, box=(-4, 4, -4, 4))
    rng = np.random.default_rng(10 + seed)
    while True:  # a point in a bounded region (away from the box)
        x = rng.uniform(-1, 1, 2)
        polygon = arr.regions[int(arr.locate(np.array([x]))[0])].polygon
        if max(abs(v) for v in polygon.bounds) < 3.9:
            break
    r = polygon.exterior.distance(shapely.Point(x))
    R = max(np.hypot(*(np.array(polygon.exterior.coords) - x).T))
    size = fl.region_size(net, x, method="anchored", noise=8.0, seed=seed)
    assert r / (2 * np.sqrt(2)) <= size.noise <= 3 * R, (r, size.noise, R)
    spec = fl.read_net(net)
    found = spec.bits(torch.as_tensor(size.points))
    assert torch.equal(found, spec.bits(torch.as_tensor(x[None])).expand(len(size.points), -1))
    assert fl.region_size(net, x, method="anchored", noise=8.0, seed=seed).noise == size.noise  # seeded


def test_exploring_keeps_the_pattern_and_is_seeded():
    net = fl.mlp([2, 12, 12, 1], seed=0)
    x = np.array([0.2, -0.4])
    a, b = fl.region_size(net, x, seed=3), fl.region_size(net, x, seed=3)
    assert a.noise == b.noise and np.array_equal(a.points, b.points) and 1 <= len(a.points) <= 100
    spec = fl.read_net(net)
    found = spec.bits(torch.as_tensor(a.points))
    assert torch.equal(found, spec.bits(torch.as_tensor(x[None])).expand(len(a.points), -1))


def test_region_size_in_64_dimensions_against_walks(digits_net, digits):
    x = digits.X_test[0]
    size = fl.region_size(digits_net, x, method="anchored", rounds=40, seed=0)
    nearest = fl.distance_to_boundary(digits_net, x, n_directions=256)  # >= the exact distance r
    # halving needs a copy to leave the region, which needs sigma sqrt(64) > r; the cube of half-width
    # sigma reaches about sigma sqrt(64 / 3) along a random direction, so sigma stays well below the boundary
    assert size.noise * np.sqrt(64 / 3) < 10 * nearest, (size.noise, nearest)
    assert size.noise > 0 and size.survivors[-1] >= 0


# --- geodesics ---------------------------------------------------------------------------------------------

def test_cumulative_flips_of_a_polyline_are_the_walks_r2():
    net = fl.mlp([3, 8, 8, 1], seed=1)
    points = torch.randn(5, 3, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    expected = sum(fl.walk(net, points[i], points[i + 1]).r2 for i in range(4))
    assert cumulative_flips(net, points) == expected


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("norm", ["l1", "l2"])
def test_a_geodesic_is_never_longer_than_the_straight_walk(seed, norm):
    net = fl.mlp([4, 12, 12, 12, 1], seed=seed)
    g = torch.Generator().manual_seed(seed)
    x1, x2 = 2 * torch.randn(4, generator=g), 2 * torch.randn(4, generator=g)
    geo = fl.hamming_geodesic(net, x1, x2, norm=norm, iterations=8)
    walk = fl.walk(net, x1, x2)
    assert geo.straight == walk.r2 and geo.history[0] == walk.r2
    assert geo.distance <= geo.sampled <= geo.flips <= geo.straight
    assert geo.flips == cumulative_flips(net, geo.points) == geo.history.min()
    np.testing.assert_allclose(geo.points[[0, -1]], torch.stack([x1, x2]).double().numpy())


def test_the_geodesic_shortens_a_path_that_folds(digits_net, digits):
    X, y = digits.X_test, digits.y_test.numpy()
    a, b = int(np.flatnonzero(y == 1)[0]), int(np.flatnonzero(y == 4)[0])
    geo = fl.hamming_geodesic(digits_net, X[a], X[b], iterations=10)
    assert geo.flips <= geo.straight and geo.distance <= geo.flips


def test_midpoints():
    net = fl.mlp([4, 12, 12, 1], seed=3)
    x0, x1 = torch.full((4,), -1.0), torch.full((4,), 1.0)
    for norm in ("l1", "l2"):
        m = fl.hamming_midpoint(net, x0, x1, norm=norm, steps=50)
        ends = fl.activation_patterns(net, torch.stack([x0, x1]))
        assert m.excess >= 0 and m.distance == int((ends[0] != ends[1]).sum())


def test_bad_inputs():
    net = fl.mlp([2, 4, 1], seed=0)
    with pytest.raises(ValueError, match="norm"):
        fl.hamming_geodesic(net, [0, 0], [1, 1], norm="l3")
    with pytest.raises(ValueError, match="n_steps"):
        fl.hamming_geodesic(net, [0, 0], [1, 1], n_steps=0)
    with pytest.raises(ValueError, match="single points"):
        fl.hamming_geodesic(net, [[0, 0], [1, 1]], [1, 1])
    with pytest.raises(ValueError, match="noise"):
        fl.region_size(net, [0, 0], noise=0)
    with pytest.raises(ValueError, match="keep"):
        fl.region_size(net, [0, 0], keep=1.0)
    with pytest.raises(TypeError, match="rounds"):
        fl.region_size(net, [0, 0], rounds=2.5)
    with pytest.raises(ValueError, match="layer"):
        fl.local_linear_map(net, [0, 0], layer=3)
    with pytest.raises(ValueError, match="shape"):
        map_angles(np.zeros((2, 3)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="features"):
        fl.distance_to_boundary(net, [0, 0, 0])
