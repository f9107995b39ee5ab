"""Exact 2D arrangements against independent oracles.

Oracles: the net itself through hooks (``tests.common.reference_patterns`` at every region's representative
point and at random points), torch's forward pass (the affine maps), shapely (areas, overlaps,
containment), the regioncam package (counts on [-1, 1]^2), Zaslavsky's formula (one layer), the
CantorNet closed form (decision boundary), and brute-force sampling along segments.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import shapely
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

import foldlab as fl
from foldlab.adapter import read_net
from foldlab.arrangement import Arrangement
from foldlab.cantornet import cantor_boundary

from .common import DEGENERATE, net_from, reference_patterns

BOX = (-1.0, 1.0, -1.0, 1.0)


# --- nets ------------------------------------------------------------------------------------------



def random_nets():
    yield "relu_2_4_1", fl.mlp([2, 4, 1], seed=1)
    yield "relu_2_8_8_1", fl.mlp([2, 8, 8, 1], seed=2)
    yield "relu_2_12x3_1", fl.mlp([2, 12, 12, 12, 1], seed=3)
    yield "relu_2_6x4_3", fl.mlp([2, 6, 6, 6, 6, 3], seed=4)
    yield "relu_he_2_10_10_1", fl.mlp([2, 10, 10, 1], seed=5, init="he")
    yield "leaky_2_8_8_1", fl.mlp([2, 8, 8, 1], activation="leaky_relu", seed=6)
    yield "leaky_slope_half", fl.mlp([2, 6, 6, 2], activation="leaky_relu", seed=7, negative_slope=0.5)
    yield "wide_shallow_2_40_1", fl.mlp([2, 40, 1], seed=8)


CASES = [(name, net) for name, net in random_nets()] + [(k, net_from(v)) for k, v in DEGENERATE.items()]
CASES += [("cantor_1", fl.CantorNet(depth=1)), ("cantor_3", fl.CantorNet(depth=3))]


# --- oracles ---------------------------------------------------------------------------------------

def float64_outputs(net: nn.Module, x: torch.Tensor) -> torch.Tensor:
    return copy.deepcopy(net).double()(x.double()).detach()


def preactivation_sizes(net, x: torch.Tensor) -> torch.Tensor:
    """|z| of every hidden unit at ``x``, relative to the size of its terms (for tolerant checks)."""
    spec = read_net(net)
    zs, _ = spec.forward(x.double())
    return torch.cat([z.abs() for z in zs], dim=1)


def assert_exact(arr: Arrangement, net: nn.Module, *, strict: bool = True, n_samples: int = 4000, seed: int = 0):
    """Every property an exact arrangement has, each checked independently of the engine."""
    polygons = arr.polygons
    n = len(arr)
    assert n == len(polygons) == len(arr.patterns) == len(arr.A) == len(arr.c)
    # 1. the regions tile the box: areas add up, nothing overlaps
    assert np.all(shapely.is_valid(polygons))
    assert abs(arr.areas.sum() - arr.area) <= 1e-9 * arr.area
    assert np.all(arr.areas > 0)
    tree = shapely.STRtree(polygons)
    left, right = tree.query(polygons, predicate="intersects")
    keep = left < right
    # snap rounding (grid_size): GEOS's floating overlay can fail on edges that coincide up to 1 ulp
    grid = max(1e-12 * np.sqrt(arr.area), 1e-13 * np.abs(arr.box).max())
    overlap = shapely.area(shapely.intersection(polygons[left[keep]], polygons[right[keep]], grid_size=grid))
    assert overlap.max(initial=0.0) <= 1e-9 * arr.area
    # 2. activation regions are convex (each equals its convex hull)
    hull = shapely.area(shapely.convex_hull(polygons))
    assert np.allclose(hull, arr.areas, rtol=1e-9, atol=1e-12 * arr.area)
    # 3. each pattern appears once
    assert len(np.unique(np.packbits(arr.patterns, axis=1), axis=0)) == n
    # 4. the representative point of every region has the stored pattern (hooks) and N = A x + c there
    points = np.array([r.point for r in arr.regions])
    x = arr.to_input(points)
    observed = reference_patterns(net, x, layers=list(range(arr.depth))).numpy()
    mismatch = observed != arr.patterns
    if strict:
        assert not mismatch.any(), f"{mismatch.any(axis=1).sum()} regions with a wrong pattern"
    else:  # only bits of units that vanish at the point up to rounding may differ
        sizes = preactivation_sizes(net, x)[:, : arr.patterns.shape[1]].numpy()
        assert np.all(sizes[mismatch] <= 1e-9)
    if arr.complete:
        out = float64_outputs(net, x).numpy()
        mapped = np.einsum("rok,rk->ro", arr.A, points) + arr.c
        scale = np.abs(out).max() + np.abs(arr.A).max() * 2 + 1e-12
        np.testing.assert_allclose(mapped, out, rtol=0, atol=1e-9 * scale)
    # 5. random points: their pattern is a stored one, and that region's polygon contains them
    rng = np.random.default_rng(seed)
    xmin, xmax, ymin, ymax = arr.box
    samples = np.column_stack([rng.uniform(xmin, xmax, n_samples), rng.uniform(ymin, ymax, n_samples)])
    found = arr.locate(samples)
    ok = found >= 0
    dist = shapely.distance(polygons[found[ok]], shapely.points(samples[ok]))
    assert dist.max(initial=0.0) <= 1e-9 * np.sqrt(arr.area)
    if strict:
        assert np.all(ok), "a sampled point has a pattern that no region has"
    elif not ok.all():  # the region containing the point differs only in units that vanish there
        lost = samples[~ok]
        point_index, region_index = tree.query(shapely.points(lost), predicate="intersects")
        first = np.unique(point_index, return_index=True)[1]
        assert len(first) == len(lost)
        x_lost = arr.to_input(lost)
        bits = reference_patterns(net, x_lost, layers=list(range(arr.depth))).numpy()
        differ = bits[point_index[first]] != arr.patterns[region_index[first]]
        sizes = preactivation_sizes(net, x_lost)[:, : arr.patterns.shape[1]].numpy()[point_index[first]]
        assert np.all(sizes[differ] <= 1e-9)


def regioncam_count(net: nn.Module, *, positive_area: bool = False, min_area: float | None = None) -> int:
    """Faces regioncam finds on [-1, 1]^2 (only those of positive area, or above ``min_area``, when asked).

    regioncam works in float32; on nets with exactly concurrent lines (small integer weights) it can
    leave a face of zero area (1e-16) where three lines meet, which ``positive_area`` discards, and where
    two lines coincide exactly it can keep them a float32 hair apart: a sliver of area about 1e-8.
    """
    regioncam = pytest.importorskip("regioncam")
    spec = read_net(net)
    rc = regioncam.Regioncam(size=1.0)
    for layer in spec.layers:
        a = layer.affine
        rc.linear(a.weight.numpy().T.astype(np.float32), a.bias.numpy().astype(np.float32))
        if layer.kind == "relu":
            rc.relu()
        else:
            rc.leaky_relu(layer.negative_slope)
    if min_area is not None:
        return sum(face.area > min_area for face in rc.faces)
    if positive_area:
        return sum(face.area > 1e-9 for face in rc.faces)
    return rc.num_faces


# --- exactness -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,net", CASES, ids=[c[0] for c in CASES])
def test_exact_against_oracles(name, net):
    box = (0.0, 1.0, 0.0, 1.0) if name.startswith("cantor") else BOX
    arr = fl.arrangement(net, box=box)
    assert_exact(arr, net)


@pytest.mark.parametrize("name,net", CASES, ids=[c[0] for c in CASES])
def test_count_equals_regioncam(name, net):
    assert len(fl.arrangement(net, box=BOX)) == regioncam_count(net)


@pytest.mark.slow
@pytest.mark.parametrize("widths", [[2, 16, 16, 16, 1], [2, 32, 32, 32, 1], [2, 24, 24, 24, 24, 24, 1]])
@pytest.mark.parametrize("seed", [0, 1])
def test_count_equals_regioncam_larger(widths, seed):
    net = fl.mlp(widths, seed=seed)
    arr = fl.arrangement(net, box=BOX)
    assert len(arr) == regioncam_count(net)
    assert abs(arr.areas.sum() - 4.0) <= 1e-9


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(16))
def test_random_shapes_against_regioncam_and_oracles(seed):
    rng = np.random.default_rng(seed)
    depth, width, d_out = int(rng.integers(1, 6)), int(rng.integers(2, 25)), int(rng.integers(1, 4))
    activation, init = ["relu", "leaky_relu"][seed % 2], ["uniform", "he"][(seed // 2) % 2]
    net = fl.mlp([2] + [width] * depth + [d_out], activation=activation, seed=seed, init=init)
    arr = fl.arrangement(net, box=BOX)
    assert len(arr) == regioncam_count(net)
    assert_exact(arr, net, n_samples=1000)


def test_degenerate_counts_by_hand():
    """Counts a reader can check on paper."""
    counts = {k: len(fl.arrangement(net_from(v))) for k, v in DEGENERATE.items()}
    assert counts["parallel_and_coincident"] == 3  # x = 0 (however often) and x = 0.5
    assert counts["three_lines_through_a_point"] == 8  # four lines through the origin
    assert counts["dead_units"] == 2  # only x + y/2 + 0.2 = 0 cuts
    assert counts["lines_through_corners_and_along_edges"] == 2  # only the diagonal cuts the inside
    assert counts["first_layer_all_zero"] == 1
    assert counts["zero_weights_second_layer"] == 4  # the two axes-parallel lines
    off_centre = fl.arrangement(net_from(DEGENERATE["three_lines_through_an_off_centre_point"])).upto(0)
    assert len(off_centre) == 8  # four lines through (0.25, 0.5)


def test_cantornet_regions_and_boundary():
    for depth in (1, 2, 3, 4):
        net = fl.CantorNet(depth=depth)
        arr = fl.arrangement(net, box=(0, 1, 0, 1))
        assert_exact(arr, net)
        segments = arr.decision_boundary()
        ends = segments.reshape(-1, 2)
        expected = cantor_boundary(torch.as_tensor(ends[:, 0]), depth).numpy()
        np.testing.assert_allclose(ends[:, 1], expected, atol=1e-12)
        # every x where the boundary lies inside the box is covered by one segment, at the right height
        xs = np.random.default_rng(depth).uniform(0, 1, 2000)
        ys = cantor_boundary(torch.as_tensor(xs), depth).numpy()
        inside = ys < 1 - 1e-9
        x0, x1 = np.minimum(segments[:, 0, 0], segments[:, 1, 0]), np.maximum(segments[:, 0, 0], segments[:, 1, 0])
        covers = (x0[None] <= xs[:, None]) & (xs[:, None] <= x1[None])
        assert np.all(covers[inside].sum(axis=1) >= 1)
        assert not covers[~inside].any()
        t = (xs[:, None] - segments[None, :, 0, 0]) / (segments[None, :, 1, 0] - segments[None, :, 0, 0])
        y_on = segments[None, :, 0, 1] + t * (segments[None, :, 1, 1] - segments[None, :, 0, 1])
        assert np.allclose(y_on[covers], np.broadcast_to(ys[:, None], covers.shape)[covers], atol=1e-12)


def test_max_regions_guard():
    net = fl.mlp([2, 16, 16, 1], seed=0)
    with pytest.raises(fl.TooManyRegions, match=r"more than max_regions=10 regions"):
        fl.arrangement(net, max_regions=10)
    assert len(fl.arrangement(net, max_regions=len(fl.arrangement(net)))) == len(fl.arrangement(net))


def test_max_regions_fires_on_a_running_count_before_the_maps_grow(monkeypatch):
    """The first layer of 48 lines makes 400-odd regions: max_regions=100 stops it while it splits, before
    any map of the new level is made."""
    from foldlab import _partition_refine

    made = []
    original = _partition_refine.new_maps
    monkeypatch.setattr(_partition_refine, "new_maps", lambda *args: made.append(1) or original(*args))
    net = fl.mlp([2, 48, 1], seed=0)
    assert len(fl.arrangement(net)) > 300 and len(made) == 1
    made.clear()
    message = r"more than max_regions=100 regions \(at least \d+ after hidden layer 0"
    with pytest.raises(fl.TooManyRegions, match=message):
        fl.arrangement(net, max_regions=100)
    assert made == []


def test_memory_budget_stops_an_arrangement_while_it_grows():
    net = fl.mlp([2, 64, 64, 64, 1], seed=0)
    full = fl.arrangement(net)
    held = sum(level.nbytes for level in full.levels)
    with fl.limits.memory_budget(held // 4):
        with pytest.raises(fl.OverBudget, match=r"at least \d+ regions after hidden layer [0-2].*MEMORY_BUDGET"):
            fl.arrangement(net)
    with fl.limits.memory_budget(2**11):  # not even the first layer's pre-activations on the box
        with pytest.raises(fl.OverBudget, match="pre-activations of hidden layer 0"):
            fl.arrangement(net)
    with fl.limits.memory_budget(4 * held):
        assert len(fl.arrangement(net)) == len(full)


@pytest.mark.parametrize("widths,seed", [([2, 16, 16, 16, 1], 0), ([2, 64, 64, 1], 1), ([2, 8, 8, 8, 8, 8, 3], 2)])
def test_memory_estimate_covers_what_a_level_holds(widths, seed):
    from foldlab import _partition_refine as engine

    arr = fl.arrangement(fl.mlp(widths, seed=seed))
    for level, width in zip(arr.levels, widths[1:-1]):
        per_region = engine.BYTES_PER_UNIT * width + engine.BYTES_PER_REGION
        assert level.nbytes <= len(level) * per_region


def test_a_deep_arrangement_is_refused_at_the_first_layer_that_makes_it_too_large(monkeypatch):
    """Later layers only split regions, so the count after layer l bounds every later level from below: a net
    whose whole arrangement cannot fit is refused there, before the layers after it are computed."""
    from foldlab import _partition_refine

    net = fl.mlp([2, 24, 24, 24, 24, 24, 24, 1], seed=0)
    levels = fl.arrangement(net.__class__(*list(net)[:2])).levels  # the first hidden layer alone
    first = levels[0].nbytes
    made = []
    original = _partition_refine.new_maps
    monkeypatch.setattr(_partition_refine, "new_maps", lambda *args: made.append(1) or original(*args))
    # the first level fits, but six levels of at least as many regions do not
    with fl.limits.memory_budget(3 * first):
        with pytest.raises(fl.OverBudget, match=r"after hidden layer [01],.* the [56] later hidden layers"):
            fl.arrangement(net)
    assert len(made) <= 2, "layers after the one that made the arrangement too large were computed"


def _big_arrangement_in_a_subprocess(depth: int, width: int = 512) -> tuple[str, float]:
    """Run the arrangement of 2-[width]xdepth-1 in a fresh Python: what it printed, and its peak resident memory."""
    import subprocess
    import sys

    code = (
        "import resource, foldlab as fl\n"
        f"net = fl.mlp([2] + [{width}] * {depth} + [1], seed=0)\n"
        "try:\n"
        "    fl.arrangement(net)\n"
        "    print('finished')\n"
        "except fl.OverBudget as error:\n"
        "    print('OverBudget', error)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)\n"  # Linux: KiB
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    out, peak = result.stdout.rsplit("\n", 2)[:2]
    return out, float(peak)


@pytest.mark.slow
@pytest.mark.parametrize("depth", [3, 6])
def test_wide_arrangements_are_refused_before_memory_grows(depth):
    """2-[512]x3-1 used to grow to 7 GB before max_regions fired, and deeper ones died with MemoryError: with
    the default budget both are refused while the first layer splits, the whole process under 1 GB."""
    out, peak = _big_arrangement_in_a_subprocess(depth)
    assert out.startswith("OverBudget the arrangement has at least"), out
    assert "after hidden layer 0" in out
    assert peak < 1e9, f"the process grew to {peak / 2**20:.0f} MiB"


@pytest.mark.slow
def test_a_deep_arrangement_is_refused_before_memory_grows():
    """2-[256]x8-1 was refused at hidden layer 2, when its own levels passed the budget (12.6 s, 1.05 GB):
    the count after an earlier layer already bounds the eight levels, so it is refused there, under 1 GB."""
    out, peak = _big_arrangement_in_a_subprocess(8, width=256)
    assert out.startswith("OverBudget the arrangement has at least"), out
    assert "later hidden layers" in out and "after hidden layer 2" not in out, out
    assert peak < 1e9, f"the process grew to {peak / 2**20:.0f} MiB"


@pytest.mark.parametrize("name", ["random"] + sorted(DEGENERATE))
def test_chunked_refinement_gives_the_same_partition(name, monkeypatch):
    """When the candidate test's bound passes the limits, polygons are split chunk by chunk, with the
    running count checked between chunks: the partition is the same (its order may differ)."""
    from foldlab import _partition_refine as engine

    net = fl.mlp([2, 24, 24, 24, 1], seed=3) if name == "random" else net_from(DEGENERATE[name])
    whole = _patterns_and_areas(_levels(net, all_at_once=True))
    monkeypatch.setattr(engine, "CHUNK_PIECES", 40 if name == "random" else 2)
    seen = []
    original = engine.chunks
    monkeypatch.setattr(engine, "chunks", lambda *args: seen.append(original(*args)) or seen[-1])
    spec = read_net(net)
    level, levels = engine.box_level(*BOX), []
    for layer in spec.layers:
        limits = engine.Limits(max_regions=len(whole) + 1)  # the bound passes it, the count does not
        w, b = layer.affine.weight.numpy(), layer.affine.bias.numpy()
        level = engine.refine(level, w, b, layer.negative_slope, limits=limits)
        levels.append(level)
    chunked = _patterns_and_areas(levels)
    if name == "random":
        assert max(len(c) for c in seen) > 3  # some layers were split in several chunks
    assert chunked.keys() == whole.keys()
    assert max(abs(chunked[k] - whole[k]) for k in whole) <= 1e-12
    with pytest.raises(fl.TooManyRegions):
        level = engine.box_level(*BOX)
        for layer in spec.layers:
            w, b = layer.affine.weight.numpy(), layer.affine.bias.numpy()
            level = engine.refine(level, w, b, limits=engine.Limits(max_regions=len(whole) // 2))


# --- per-layer refinement, lines -------------------------------------------------------------------

def test_layers_refine_and_match_truncated_nets():
    net = fl.mlp([2, 10, 10, 10, 1], seed=3)
    arr = fl.arrangement(net)
    for layer in range(3):
        part = arr.upto(layer)
        truncated = net[: 2 * (layer + 1)]
        assert len(part) == len(fl.arrangement(truncated))
        assert part.depth == layer + 1 and part.complete == (layer == 2)
        np.testing.assert_array_equal(part.patterns, arr.upto(layer).patterns)
        assert_exact(part, net if part.complete else truncated)
        if not part.complete:  # A, c describe the hidden layer's output, which the truncated net returns
            points = np.array([r.point for r in part.regions])
            out = float64_outputs(truncated, torch.as_tensor(points)).numpy()
            np.testing.assert_allclose(np.einsum("rok,rk->ro", part.A, points) + part.c, out, atol=1e-9)
        if layer:
            coarse = arr.upto(layer - 1)
            parent = part.levels[-1].parent
            np.testing.assert_array_equal(part.patterns[:, : coarse.patterns.shape[1]], coarse.patterns[parent])
            grown = shapely.buffer(coarse.polygons[parent], 1e-9)
            assert np.all(shapely.within(part.polygons, grown))
    with pytest.raises(ValueError, match="includes hidden layers 0 to 0"):
        arr.upto(0).upto(1)
    with pytest.raises(ValueError, match="out of range"):
        arr.upto(5)


def test_lines_are_zero_sets_of_the_layer():
    net = fl.mlp([2, 8, 8, 1], seed=4)
    spec = read_net(net)
    arr = fl.arrangement(net)
    for layer in range(2):
        segments, neuron = arr.lines(layer)
        assert len(segments) > 0
        for end in (0, 1):
            zs, _ = spec.forward(torch.as_tensor(segments[:, end]))
            z = zs[layer].numpy()[np.arange(len(neuron)), neuron]
            assert np.abs(z).max() <= 1e-9
        xy = segments.reshape(-1, 2)
        assert xy.min() >= -1 - 1e-12 and xy.max() <= 1 + 1e-12
    # the first layer's lines are straight: one segment per neuron that crosses the box
    segments, neuron = arr.lines(0)
    assert len(np.unique(neuron)) == len(neuron)


# --- plane -----------------------------------------------------------------------------------------

def test_plane_of_a_2d_net_is_the_box():
    net = fl.mlp([2, 8, 8, 1], seed=1)
    arr = fl.arrangement(net, plane=([-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]), box=(0, 2, 0, 2))
    ref = fl.arrangement(net, box=BOX)
    assert len(arr) == len(ref)
    assert_exact(arr, net)
    np.testing.assert_allclose(np.sort(arr.areas), np.sort(ref.areas), atol=1e-12)
    np.testing.assert_allclose(arr.plane.points, [[0, 0], [2, 0], [0, 2]], atol=1e-12)


def test_plane_through_three_digits():
    data = fl.load_digits(seed=0)
    net = fl.mlp([64, 16, 16, 10], seed=0)
    p = data.X[:3]
    arr = fl.arrangement(net, plane=(p[0], p[1], p[2]))
    assert_exact(arr, net, n_samples=1000)
    uv = arr.plane.points
    back = arr.to_input(uv).float()
    torch.testing.assert_close(back, p, atol=1e-5, rtol=0)
    # the plane coordinates are orthonormal: distances between the digits are kept
    d_input = torch.cdist(p.double(), p.double()).numpy()
    d_plane = np.linalg.norm(uv[:, None] - uv[None], axis=-1)
    np.testing.assert_allclose(d_plane, d_input, rtol=1e-6)
    assert arr.decision_boundary().shape[1:] == (2, 2)


def test_plane_errors():
    net = fl.mlp([3, 4, 1], seed=0)
    with pytest.raises(ValueError, match="collinear"):
        fl.arrangement(net, plane=([0, 0, 0], [1, 1, 1], [2, 2, 2]))
    with pytest.raises(ValueError, match="coincide"):
        fl.arrangement(net, plane=([1, 0, 0], [1, 0, 0], [0, 1, 0]))
    with pytest.raises(ValueError, match=r"input dimension 3, got shape \(3, 2\)"):
        fl.arrangement(net, plane=([0, 0], [1, 0], [0, 1]))
    with pytest.raises(ValueError, match="finite"):
        fl.arrangement(net, plane=([0, 0, float("nan")], [1, 0, 0], [0, 1, 0]))
    with pytest.raises(ValueError, match="needs a net with 2 inputs, this one has 3"):
        fl.arrangement(net, box=BOX)


# --- errors ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("activation", ["gelu", "silu", "tanh", "swiglu"])
def test_non_piecewise_linear_nets_are_refused(activation):
    with pytest.raises(ValueError, match="piecewise-linear"):
        fl.arrangement(fl.mlp([2, 4, 1], activation=activation, seed=0))


def test_layernorm_between_is_refused():
    net = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 4), nn.LayerNorm(4), nn.ReLU(), nn.Linear(4, 1))
    with pytest.raises(ValueError, match="LayerNorm"):
        fl.arrangement(net)


@pytest.mark.parametrize(
    "box,message",
    [
        ((0, 1, 0), r"4 numbers, got shape \(3,\)"),
        ((0, 0, 0, 1), "positive area"),
        ((1, 0, 0, 1), "positive area"),
        ((0, 1, 0, float("inf")), "finite"),
        ([[0, 1], [0, 1]], r"got shape \(2, 2\)"),
        ("abcd", "numbers"),
    ],
)
def test_bad_boxes(box, message):
    with pytest.raises((ValueError, TypeError), match=message):
        fl.arrangement(fl.mlp([2, 3, 1], seed=0), box=box)


def test_bad_max_regions():
    with pytest.raises(ValueError, match="max_regions must be an int >= 1, got 0"):
        fl.arrangement(fl.mlp([2, 3, 1], seed=0), max_regions=0)


def test_batchnorm_in_eval_mode_is_folded_in():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 1))
    with torch.no_grad():
        net[1].running_mean.uniform_(-0.5, 0.5)
        net[1].running_var.uniform_(0.5, 2.0)
    net.eval()
    arr = fl.arrangement(net)
    assert_exact(arr, net)
    assert len(arr) == len(fl.arrangement(net)) > 1


@settings(max_examples=25, deadline=None)
@given(st.floats(-50, 50), st.floats(-50, 50), st.sampled_from([1e-3, 0.5, 1.0, 7.0, 1e3]), st.integers(0, 5))
def test_translated_and_scaled_boxes_give_the_same_arrangement(u, v, scale, seed):
    """N(x) on [-1, 1]^2 and N((x - t) / s) on t + s [-1, 1]^2 (t = s (u, v)) have the same regions.

    The moved net is in float64, so that its weights are the same maps up to 1e-16. (The tolerance
    is relative to the size of the pre-activations' terms, which grows with |t| / s: far from the
    origin, small features are resolved less finely, see foldlab._partition_refine.)
    """
    net = fl.mlp([2, 8, 8, 1], seed=seed).double()
    moved = copy.deepcopy(net)
    t = torch.tensor([u, v], dtype=torch.float64) * scale
    with torch.no_grad():
        moved[0].weight.copy_(net[0].weight / scale)
        moved[0].bias.copy_(net[0].bias - net[0].weight @ t / scale)
    ref = fl.arrangement(net)
    box = (float(t[0]) - scale, float(t[0]) + scale, float(t[1]) - scale, float(t[1]) + scale)
    arr = fl.arrangement(moved, box=box)
    assert len(arr) == len(ref)
    np.testing.assert_allclose(np.sort(arr.areas) / scale**2, np.sort(ref.areas), rtol=1e-6, atol=1e-12)
    assert_exact(arr, moved, n_samples=300)


def test_net_ending_with_activation_maps_hidden_output():
    net = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    arr = fl.arrangement(net)
    assert arr.A.shape == (len(arr), 3, 2)
    assert_exact(arr, net)


# --- linear regions --------------------------------------------------------------------------------


def _maps_equal(arr, i, j):
    return np.allclose(arr.A[i], arr.A[j], atol=1e-9) and np.allclose(arr.c[i], arr.c[j], atol=1e-9)


@pytest.mark.parametrize(
    "net", [fl.mlp([2, 8, 8, 1], seed=0), fl.mlp([2, 6, 6, 2], activation="leaky_relu", seed=1), fl.CantorNet(depth=2)]
)
def test_linear_regions_properties(net):
    arr = fl.arrangement(net, box=(0, 1, 0, 1))
    linear = arr.linear_regions()
    members = [m for lr in linear for m in lr.members]
    assert sorted(members) == list(range(len(arr)))  # a partition of the activation regions
    assert len(linear) <= len(arr)
    assert abs(sum(lr.area for lr in linear) - arr.area) <= 1e-9
    for lr in linear:
        assert all(_maps_equal(arr, lr.members[0], m) for m in lr.members)
        assert abs(lr.area - arr.areas[list(lr.members)].sum()) <= 1e-9
    # neighbours (sharing an edge) with equal maps would have been merged
    polys = np.array([lr.polygon for lr in linear])
    tree = shapely.STRtree(polys)
    left, right = tree.query(polys, predicate="intersects")
    for i, j in zip(left, right):
        if i < j:
            shared = shapely.intersection(polys[i].boundary, polys[j].boundary, grid_size=1e-10).length
            if shared > 1e-6:
                assert not _maps_equal(arr, linear[i].members[0], linear[j].members[0])


def test_unit_without_outgoing_weight_merges_regions():
    # unit 1 (the line y = 0.3) cuts activation regions, but its outgoing weight is 0, so the net
    # relu(x + 0.2) - relu(x + y + 0.1) has the linear regions of the two other lines
    net = net_from([([[1, 0], [0, 1], [1, 1]], [0.2, -0.3, 0.1]), ([[1, 0, -1]], [0])])
    without = fl.arrangement(net_from([([[1, 0], [1, 1]], [0.2, 0.1]), ([[1, -1]], [0])]))
    arr = fl.arrangement(net)
    assert len(arr) == 7 and len(without) == 4  # three lines crossing in the box; two lines
    linear = arr.linear_regions()
    assert len(linear) == len(without.linear_regions()) == 4
    assert sum(len(lr.members) for lr in linear) == 7
    np.testing.assert_allclose(sorted(lr.area for lr in linear), np.sort(without.areas), atol=1e-12)
    assert all(lr.polygon.geom_type == "Polygon" for lr in linear)
    for lr in linear:  # the merged pieces are those the line y = 0.3 separated
        if len(lr.members) == 2:
            pair = arr.patterns[list(lr.members)]
            assert (pair[0] != pair[1]).tolist() == [False, True, False]


def test_globally_affine_net_is_one_linear_region():
    # relu(x) - relu(-x) = x
    net = net_from([([[1, 0], [-1, 0]], [0, 0]), ([[1, -1]], [0])])
    arr = fl.arrangement(net)
    assert len(arr) == 2
    (linear,) = arr.linear_regions()
    assert linear.members == (0, 1) and abs(linear.area - 4) < 1e-12
    np.testing.assert_allclose(linear.A, [[1, 0]], atol=1e-12)


# --- decision boundary -----------------------------------------------------------------------------

def _classes(net, x):
    out = float64_outputs(net, torch.as_tensor(x))
    return (out[:, 0] > 0).long().numpy() if out.shape[1] == 1 else out.argmax(1).numpy()


@pytest.mark.parametrize("d_out", [1, 3])
def test_decision_boundary_against_sampling(d_out):
    data = fl.toy_dataset("moons" if d_out == 1 else "xor", n=200, seed=0)
    if d_out == 3:  # three classes: split class 1 by the sign of x
        data = fl.data.Dataset(data.X, data.y + (data.y == 1) * (data.X[:, 0] > 0), data.X_test, data.y_test, "xor3")
    net = fl.mlp([2, 12, 12, d_out], seed=0)
    fl.train(net, data, epochs=40, progress=False)
    box = (-2.0, 2.5, -1.5, 2.0)
    arr = fl.arrangement(net, box=box)
    segments = arr.decision_boundary()
    assert len(segments) > 0
    # every boundary point is a tie: N = 0, or the two largest outputs are equal
    pts = np.concatenate([segments.reshape(-1, 2), segments.mean(axis=1)])
    out = float64_outputs(net, torch.as_tensor(pts)).numpy()
    gap = np.abs(out[:, 0]) if d_out == 1 else np.diff(np.sort(out, axis=1)[:, -2:], axis=1)[:, 0]
    assert gap.max() <= 1e-9
    # completeness: neighbouring grid points of different classes are separated by some segment
    boundary = shapely.multilinestrings(segments)
    g = 60
    xs, ys = np.linspace(box[0] + 0.013, box[1] - 0.017, g), np.linspace(box[2] + 0.011, box[3] - 0.019, g)
    X, Y = np.meshgrid(xs, ys)
    cls = _classes(net, np.column_stack([X.ravel(), Y.ravel()])).reshape(g, g)
    a, b = np.nonzero(cls[:, 1:] != cls[:, :-1])
    steps = shapely.linestrings(
        np.stack([np.column_stack([X[a, b], Y[a, b]]), np.column_stack([X[a, b + 1], Y[a, b + 1]])], axis=1)
    )
    assert len(steps) > 0
    assert np.all(shapely.intersects(steps, boundary))
    # and grid steps within one class cross it only where the boundary turns back (rarely)
    same = np.nonzero(cls[:, 1:] == cls[:, :-1])
    flat = shapely.linestrings(
        np.stack(
            [np.column_stack([X[same], Y[same]]), np.column_stack([X[same[0], same[1] + 1], Y[same[0], same[1] + 1]])],
            axis=1,
        )
    )
    assert shapely.intersects(flat, boundary).mean() < 0.02


def test_decision_boundary_of_truncated_arrangement_is_refused():
    arr = fl.arrangement(fl.mlp([2, 4, 4, 1], seed=0))
    with pytest.raises(ValueError, match="stops after hidden layer 0"):
        arr.upto(0).decision_boundary()


# --- hypothesis: random small nets, many of them degenerate -----------------------------------------

@st.composite
def small_nets(draw):
    depth = draw(st.integers(1, 3))
    widths = [2] + [draw(st.integers(1, 5)) for _ in range(depth)] + [draw(st.integers(1, 2))]
    halves = draw(st.booleans())  # weights in {-1, -1/2, 0, 1/2, 1}: parallel, coincident, concurrent lines
    layers = []
    for d_in, d_out in zip(widths[:-1], widths[1:]):
        if halves:
            W = draw(st.lists(st.integers(-2, 2), min_size=d_in * d_out, max_size=d_in * d_out))
            b = draw(st.lists(st.integers(-2, 2), min_size=d_out, max_size=d_out))
            W, b = np.reshape(W, (d_out, d_in)) / 2, np.array(b) / 2
        else:
            seed = draw(st.integers(0, 2**31 - 1))
            rng = np.random.default_rng(seed)
            W, b = rng.uniform(-1, 1, (d_out, d_in)), rng.uniform(-1, 1, d_out)
        layers.append((W, b))
    activation = draw(st.sampled_from(["relu", "leaky_relu"]))
    return net_from(layers, activation=activation, slope=0.25), halves


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_nets())
def test_property_random_small_nets(net_and_kind):
    net, degenerate = net_and_kind
    arr = fl.arrangement(net)
    assert_exact(arr, net, strict=not degenerate, n_samples=500)
    if not degenerate:
        assert len(arr) == regioncam_count(net)
    else:
        # Exactly coincident lines: regioncam's float32 slivers (~1e-8) are not regions. Compare both
        # sides at the same resolution, well above float32 rounding and below any face these small
        # half-integer nets can make; foldlab's own exactness is checked by assert_exact above.
        resolution = 1e-6
        assert int((arr.areas > resolution).sum()) == regioncam_count(net, min_area=resolution)


# --- the engine's two ways of splitting a layer: all lines at once, or one line per round -------------

def _levels(net, *, all_at_once: bool, box=BOX):
    """The partition after each hidden layer, from the engine directly."""
    from foldlab import _partition_refine

    spec = read_net(net)
    level = _partition_refine.box_level(*box)
    levels = []
    for layer in spec.layers:
        level = _partition_refine.refine(
            level, layer.affine.weight.numpy(), layer.affine.bias.numpy(), layer.negative_slope, all_at_once=all_at_once
        )
        levels.append(level)
    return levels


def _patterns_and_areas(levels) -> dict[bytes, float]:
    """Each region's full pattern (all layers) with its area (shoelace on the stored vertices)."""
    chain, parts = np.arange(len(levels[-1])), []
    for level in reversed(levels):
        parts.append(level.bits[chain])
        chain = level.parent[chain]
    patterns = np.packbits(np.concatenate(parts[::-1], axis=1), axis=1)
    last = levels[-1]
    x, y = last.xy[:, 0], last.xy[:, 1]
    nxt = np.arange(1, len(x) + 1)
    nxt[last.start[1:] - 1] = last.start[:-1]
    areas = np.add.reduceat(x * y[nxt] - x[nxt] * y, last.start[:-1]) / 2
    assert np.all(areas > 0)  # counter-clockwise, no degenerate piece
    result = {p.tobytes(): a for p, a in zip(patterns, areas)}
    assert len(result) == len(areas)  # each pattern once
    return result


def _assert_same_partition(net, box=BOX):
    at_once = _patterns_and_areas(_levels(net, all_at_once=True, box=box))
    rounds = _patterns_and_areas(_levels(net, all_at_once=False, box=box))
    assert at_once.keys() == rounds.keys()
    scale = (box[1] - box[0]) * (box[3] - box[2])
    assert max(abs(at_once[k] - rounds[k]) for k in at_once) <= 1e-12 * scale
    return len(at_once)


@pytest.mark.parametrize("widths,activation,seed", [
    ([2, 16, 16, 16, 1], "relu", 0), ([2, 32, 32, 1], "relu", 1), ([2, 8, 8, 8, 8, 1], "leaky_relu", 2),
    ([2, 60, 1], "relu", 3), ([2, 24, 24, 2], "relu", 4),
])
def test_all_at_once_equals_rounds_on_random_nets(widths, activation, seed):
    net = fl.mlp(widths, activation=activation, seed=seed)
    assert _assert_same_partition(net) == len(fl.arrangement(net))


def _count_split_all(monkeypatch):
    """Count the polygons that split_all splits and those it leaves to the rounds."""
    from foldlab import _polygon_split

    counts = {"split": 0, "left": 0}
    original = _polygon_split.split_all

    def counting(xy, val, vidx, qp, *args):
        cells, split = original(xy, val, vidx, qp, *args)
        tried = np.unique(qp)
        counts["split"] += int(split[tried].sum())
        counts["left"] += int((~split[tried]).sum())
        return cells, split

    monkeypatch.setattr(_polygon_split, "split_all", counting)
    return counts


def test_random_nets_are_split_all_at_once(monkeypatch):
    counts = _count_split_all(monkeypatch)
    fl.arrangement(fl.mlp([2, 32, 32, 32, 1], seed=0))
    assert counts["split"] > 300 and counts["left"] == 0


@pytest.mark.parametrize("name", sorted(DEGENERATE))
def test_degenerate_nets_split_all_at_once_or_in_rounds_alike(name, monkeypatch):
    net = net_from(DEGENERATE[name])
    counts = _count_split_all(monkeypatch)
    assert _assert_same_partition(net) == len(fl.arrangement(net)) == regioncam_count(net)
    if name in ("parallel_and_coincident", "three_lines_through_a_point", "lines_through_corners_and_along_edges"):
        assert counts["left"] >= 1  # not a simple arrangement: left to the rounds


def test_cantornet_splits_alike():
    for depth in (1, 2, 3):
        _assert_same_partition(fl.CantorNet(depth=depth), box=(0.0, 1.0, 0.0, 1.0))


def _split_square(lines, box=(-1.0, 1.0, -1.0, 1.0)):
    """split_all on the box alone, cut by lines given as rows [a, b, k] (a x + b y + k = 0)."""
    from foldlab import _partition_refine, _polygon_split

    level = _partition_refine.box_level(*box)
    lines = np.asarray(lines, dtype=np.float64)
    val = level.xy @ lines[:, :2].T + lines[:, 2]  # (4, k)
    keep = (val.min(axis=0) < 0) & (val.max(axis=0) > 0)
    lines, val = lines[keep], val[:, keep]
    k = len(lines)
    if k == 0:
        return None, False, lines
    coef = np.vstack([lines.T, np.full(k, 1e-12)])
    bits = np.zeros((1, k), dtype=bool)
    cells, split = _polygon_split.split_all(
        level.xy, val.T.ravel(), np.tile(np.arange(4), k), np.zeros(k, dtype=np.int64), np.arange(k),
        coef, np.full(k, 4), bits, level.extent,
    )
    return cells, bool(split[0]), lines


def test_split_all_on_a_square_against_sampling():
    rng = np.random.default_rng(5)
    lines = np.column_stack([rng.normal(size=(7, 2)), rng.uniform(-0.5, 0.5, 7)])
    cells, split, lines = _split_square(lines)
    assert split
    xy, counts, poly, bits, centre, radius = cells
    start = np.concatenate([[0], np.cumsum(counts)])
    polygons = np.array([shapely.Polygon(xy[a:b]) for a, b in zip(start[:-1], start[1:])])
    assert np.all(shapely.is_valid(polygons)) and np.all(shapely.is_ccw(shapely.get_exterior_ring(polygons)))
    assert abs(shapely.area(polygons).sum() - 4.0) <= 1e-12
    np.testing.assert_allclose(shapely.area(shapely.convex_hull(polygons)), shapely.area(polygons), rtol=1e-12)
    # the cells are the sign vectors that occur, each once, and each sample lies in its sign vector's cell
    samples = rng.uniform(-1, 1, (3000, 2))
    signs = samples @ lines[:, :2].T + lines[:, 2] > 0
    keys = {b.tobytes(): i for i, b in enumerate(np.packbits(bits, axis=1))}
    assert len(keys) == len(bits)
    found = np.array([keys[b.tobytes()] for b in np.packbits(signs, axis=1)])
    assert np.all(shapely.contains_xy(polygons[found], samples[:, 0], samples[:, 1]))
    # no cell missed: k lines in general position with I crossings inside cut the box into 1 + k + I
    inside = 0
    for i in range(len(lines)):
        for j in range(i):
            x = np.linalg.solve(lines[[i, j], :2], -lines[[i, j], 2])
            inside += bool(np.all(np.abs(x) < 1))
    assert len(bits) == 1 + len(lines) + inside
    np.testing.assert_allclose(centre, [xy[a:b].mean(axis=0) for a, b in zip(start[:-1], start[1:])])
    np.testing.assert_allclose(
        radius, [np.linalg.norm(xy[a:b] - xy[a:b].mean(axis=0), axis=1).max() for a, b in zip(start[:-1], start[1:])]
    )


@pytest.mark.parametrize("lines", [
    [[1, 0, 0], [0, 1, 0], [1, 1, 0]],  # three lines through a point
    [[1, -1, 0], [1, 0, 0.5]],  # a line through two corners of the box
    [[1, 0, 0], [1, 1, -1]],  # two lines meeting on the boundary, at (0, 1)
    [[1, 0, -0.25], [2, 0, -0.5]],  # the same line twice
    [[1, 0, -0.25], [1, 1e-13, -0.25]],  # two lines crossing at a 1e-13 angle
])
def test_split_all_leaves_degenerate_arrangements_to_the_rounds(lines):
    cells, split, _ = _split_square(lines)
    assert not split and cells is None


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 12), st.booleans())
def test_split_all_property(seed, k, on_grid):
    """Random lines (on a coarse grid: often concurrent or through corners): either split_all declines,
    or its cells are exactly the sign vectors of the lines in the box, as sampling finds them."""
    rng = np.random.default_rng(seed)
    if on_grid:
        lines = rng.integers(-2, 3, (k, 3)) / 2
    else:
        lines = np.column_stack([rng.normal(size=(k, 2)), rng.uniform(-1, 1, k)])
    cells, split, lines = _split_square(lines)
    if len(lines) == 0 or not split:
        return
    xy, counts, poly, bits, centre, radius = cells
    start = np.concatenate([[0], np.cumsum(counts)])
    polygons = np.array([shapely.Polygon(xy[a:b]) for a, b in zip(start[:-1], start[1:])])
    assert np.all(shapely.is_valid(polygons))
    assert abs(shapely.area(polygons).sum() - 4.0) <= 1e-12 and np.all(shapely.area(polygons) > 0)
    values = centre @ lines[:, :2].T + lines[:, 2]  # the centre is inside: its signs are the cell's bits
    np.testing.assert_array_equal(values > 0, bits)
    samples = rng.uniform(-1, 1, (500, 2))
    signs = samples @ lines[:, :2].T + lines[:, 2] > 0
    keys = {b.tobytes(): i for i, b in enumerate(np.packbits(bits, axis=1))}
    found = np.array([keys.get(b.tobytes(), -1) for b in np.packbits(signs, axis=1)])
    assert np.all(found >= 0)
    assert np.all(shapely.intersects_xy(polygons[found], samples[:, 0], samples[:, 1]))


def test_a_later_line_on_an_earlier_edge_adds_no_region():
    """Found by test_property_random_small_nets: layer 3's line is exactly layer 2's line y = -1/3.

    Layer 1 is active on the whole box (its lines are the top and bottom edges); layer 2 cuts it at
    y = -1/3 and y = 0; layer 3's neuron is 1/8 + 3/8 y below y = 0 and 1/8 (1 + y) above, so its zero
    set is the edge y = -1/3 and it splits nothing: 3 regions. (regioncam, in float32, computes the
    two lines apart and keeps a sliver of area about 1e-8 between them.)
    """
    net = net_from([
        ([[0, -0.5], [0, 0.5], [0, 0]], [0.5, 0.5, 0]),
        ([[0, 0, 0], [0, 0.5, 0], [-0.5, 1, 0], [0.5, -0.5, 0], [0, 0, 0]], [0, 0, 0, 0, 0]),
        ([[0, 0.5, 0, -0.5, 0]], [0]),
        ([[0]], [0]),
    ])
    arr = fl.arrangement(net)
    assert [len(arr.upto(layer)) for layer in range(3)] == [1, 3, 3]
    np.testing.assert_allclose(np.sort(arr.areas), [2 / 3, 4 / 3, 2], rtol=1e-12)
    assert_exact(arr, net)
    assert _assert_same_partition(net) == 3


# --- numerical range: scaled boxes and weights, against exact rational arithmetic ---------------------------

def exact_regions(hidden, box, slope=0.0) -> dict[tuple, object]:
    """Every activation region of positive area, as {pattern: area}, by splitting the box exactly.

    An independent brute force in Python's Fractions (no tolerance, no floating point): each region is a
    convex polygon with rational vertices and the affine maps ``h = a x + b y + c`` of its layer's outputs;
    each neuron of the next layer splits it exactly where its pre-activation changes sign. ``hidden`` is
    ``[(W, b), ...]`` with numbers that Fraction takes exactly (ints, floats).
    """
    from fractions import Fraction

    def area(polygon):
        return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(polygon, polygon[1:] + polygon[:1]))) / 2

    def clip(polygon, values, side):
        out = []
        for i, (p, v) in enumerate(zip(polygon, values)):
            q, w = polygon[(i + 1) % len(polygon)], values[(i + 1) % len(polygon)]
            if side * v >= 0:
                out.append(p)
            if v * w < 0:
                t = v / (v - w)
                out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
        return out

    xmin, xmax, ymin, ymax = (Fraction(v) for v in box)
    one, zero = Fraction(1), Fraction(0)
    regions = [([(xmin, ymin), (xmax, ymin), (xmax, ymax), (xmin, ymax)], [(one, zero, zero), (zero, one, zero)], ())]
    for W, b in hidden:
        W = [[Fraction(float(w)) for w in row] for row in np.asarray(W)]
        b = [Fraction(float(v)) for v in np.asarray(b)]
        grown = []
        for polygon, h, pattern in regions:
            z = [tuple(sum(W[j][k] * h[k][i] for k in range(len(h))) + (b[j] if i == 2 else 0) for i in range(3))
                 for j in range(len(W))]
            pieces = [(polygon, ())]
            for a, bb, c in z:
                split = []
                for piece, bits in pieces:
                    values = [a * x + bb * y + c for x, y in piece]
                    if all(v <= 0 for v in values):
                        split.append((piece, bits + (False,)))
                    elif all(v >= 0 for v in values):
                        split.append((piece, bits + (True,)))
                    else:
                        split += [(clip(piece, values, 1), bits + (True,)), (clip(piece, values, -1), bits + (False,))]
                pieces = split
            for piece, bits in pieces:
                if area(piece) > 0:
                    out = [zj if bit else tuple(Fraction(slope) * v for v in zj) for zj, bit in zip(z, bits)]
                    grown.append((piece, out, pattern + bits))
        regions = grown
    result = {pattern: area(polygon) for polygon, _, pattern in regions}
    assert len(result) == len(regions)  # each pattern once
    return result


def float64_net(layers, activation="relu", slope=0.25) -> nn.Sequential:
    """A float64 Sequential with exactly the given [(W, b), ...] (last pair: the output layer)."""
    modules = []
    for i, (W, b) in enumerate(layers):
        W, b = np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)
        linear = nn.Linear(W.shape[1], W.shape[0], dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W))
            linear.bias.copy_(torch.from_numpy(b))
        modules.append(linear)
        if i < len(layers) - 1:
            modules.append(nn.ReLU() if activation == "relu" else nn.LeakyReLU(slope))
    return nn.Sequential(*modules)


def integer_nets():
    """Small nets with integer and half-integer weights: lines through common points, parallel, coincident."""
    yield "three_lines_through_a_point", DEGENERATE["three_lines_through_a_point"]
    yield "off_centre_point", DEGENERATE["three_lines_through_an_off_centre_point"]
    yield "identical_neurons", DEGENERATE["identical_neurons_in_layer_two"]
    yield "corners_and_edges", DEGENERATE["lines_through_corners_and_along_edges"]
    rng = np.random.default_rng(11)
    for i in range(3):
        widths = [2, 4, 3, 2]
        yield f"random_integers_{i}", [
            (rng.integers(-2, 3, (o, k)), rng.integers(-2, 3, o) / 2) for k, o in zip(widths[:-1], widths[1:])
        ]


INTEGER_NETS = list(integer_nets())


def _as_dict(arr) -> dict[tuple, float]:
    return {tuple(p.tolist()): a for p, a in zip(arr.patterns, arr.areas)}


def _assert_matches_exact(arr, exact, scale2: float):
    """Same patterns as the exact regions, areas equal once divided by ``scale2`` (the area scale)."""
    found = _as_dict(arr)
    assert found.keys() == exact.keys()
    total = float(sum(exact.values()))
    for pattern, area in exact.items():
        assert abs(found[pattern] / scale2 - float(area)) <= 1e-9 * total


def _scaled_layers(layers, *, box_exp=0, neuron_exps=None, layer_exps=None):
    """The same regions, exactly: the box scaled by 2^box_exp (the first layer's W by 2^-box_exp), each
    hidden unit's row by 2^e and its outgoing column by 2^-e, and each layer by 2^c_l (its bias by the
    product so far, so that the net is 2^(sum c) times the original)."""
    layers = [(np.array(W, dtype=np.float64), np.array(b, dtype=np.float64)) for W, b in layers]
    W, b = layers[0]
    layers[0] = (np.ldexp(W, -box_exp), b)
    for i, exps in enumerate([] if neuron_exps is None else neuron_exps):
        W, b = layers[i]
        layers[i] = (np.ldexp(W, exps[:, None]), np.ldexp(b, exps))
        W, b = layers[i + 1]
        layers[i + 1] = (np.ldexp(W, -exps[None, :]), b)
    total = 0
    for i, c in enumerate([] if layer_exps is None else layer_exps):
        total += c
        W, b = layers[i]
        layers[i] = (np.ldexp(W, c), np.ldexp(b, total))
    return layers


@pytest.mark.parametrize("name,layers", INTEGER_NETS, ids=[n for n, _ in INTEGER_NETS])
def test_integer_nets_match_exact_rational_arithmetic(name, layers):
    exact = exact_regions(layers[:-1], BOX)
    arr = fl.arrangement(float64_net(layers), box=BOX)
    _assert_matches_exact(arr, exact, 1.0)


@pytest.mark.parametrize("box_exp", [-500, -300, -100, -20, 20, 100, 300, 500])
@pytest.mark.parametrize("name,layers", INTEGER_NETS, ids=[n for n, _ in INTEGER_NETS])
def test_scaled_boxes_match_exact_rational_arithmetic(name, layers, box_exp):
    """Boxes from about 1e-150 to 1e150 (powers of two, so that the scaled net is exactly the same
    arrangement): the same regions as exact arithmetic finds in the unscaled box."""
    exact = exact_regions(layers[:-1], BOX)
    net = float64_net(_scaled_layers(layers, box_exp=box_exp))
    box = tuple(float(np.ldexp(v, box_exp)) for v in BOX)
    arr = fl.arrangement(net, box=box)
    _assert_matches_exact(arr, exact, float(np.ldexp(1.0, 2 * box_exp)))
    unscaled = fl.arrangement(float64_net(layers), box=BOX)
    np.testing.assert_allclose(arr.A, np.ldexp(unscaled.A, -box_exp), rtol=1e-12, atol=0)
    np.testing.assert_allclose(arr.c, unscaled.c, rtol=1e-12, atol=1e-12 * np.abs(unscaled.c).max())


@pytest.mark.parametrize("seed,box_exp", [(0, -500), (1, 500), (2, -150), (3, 150), (4, 0)])
@pytest.mark.parametrize("name,layers", INTEGER_NETS, ids=[n for n, _ in INTEGER_NETS])
def test_scaled_weights_match_exact_rational_arithmetic(name, layers, seed, box_exp):
    """Units scaled by 2^-300 to 2^300 (outgoing weights scaled back), layers by up to 2^±400 (the net's
    output by up to 2^±200), with boxes of 2^±500: weights from about 1e-300 to 1e300 in one net, the
    same function, the same regions. (Before foldlab scaled layers by powers of two, most of the
    2^±500 cases lost regions: squares of slopes overflowed.)"""
    rng = np.random.default_rng(seed)
    exact = exact_regions(layers[:-1], BOX)
    neuron_exps = [rng.integers(-300, 301, len(b)) for _, b in layers[:-1]]
    gains = rng.integers(-200, 201, len(layers))  # the net up to each layer is 2^gain times the original
    layer_exps = np.diff(gains, prepend=0)
    scaled = _scaled_layers(layers, box_exp=box_exp, neuron_exps=neuron_exps, layer_exps=layer_exps)
    box = tuple(float(np.ldexp(v, box_exp)) for v in BOX)
    arr = fl.arrangement(float64_net(scaled), box=box)
    _assert_matches_exact(arr, exact, float(np.ldexp(1.0, 2 * box_exp)))
    unscaled = fl.arrangement(float64_net(layers), box=BOX)
    np.testing.assert_allclose(arr.A, np.ldexp(unscaled.A, int(gains[-1]) - box_exp), rtol=1e-12, atol=0)


@pytest.mark.parametrize("power", [-150, -100, -30, 30, 100, 150])
def test_boxes_scaled_by_powers_of_ten_give_the_unscaled_arrangement(power):
    """Scales that are not powers of two round the weights: random nets (lines in general position) keep
    their regions, against the unscaled arrangement."""
    net = fl.mlp([2, 12, 12, 12, 2], seed=power % 7).double()
    with torch.no_grad():
        net[4].weight[:, :4] = 0  # units whose lines do not change the map: linear regions merge
    scale = 10.0**power
    moved = copy.deepcopy(net)
    with torch.no_grad():
        moved[0].weight.div_(scale)
    ref = fl.arrangement(net)
    arr = fl.arrangement(moved, box=tuple(v * scale for v in BOX))
    assert len(arr) == len(ref)
    assert _as_dict(arr).keys() == _as_dict(ref).keys()
    np.testing.assert_allclose(np.sort(arr.areas) / scale**2, np.sort(ref.areas), rtol=1e-6, atol=1e-12)
    # every sampled point lies in the polygon of the region with its pattern (computed by hooks)
    rng = np.random.default_rng(0)
    samples = rng.uniform(-1, 1, (500, 2)) * scale
    found = arr.locate(samples)
    assert np.all(found >= 0)
    expected = reference_patterns(moved, torch.from_numpy(samples)).numpy()
    np.testing.assert_array_equal(arr.patterns[found], expected)
    assert np.all(shapely.contains_xy(arr.polygons[found], samples[:, 0], samples[:, 1]))
    linear, linear_ref = arr.linear_regions(), ref.linear_regions()
    assert [lr.members for lr in linear] == [lr.members for lr in linear_ref]
    np.testing.assert_allclose(
        sorted(lr.area / scale**2 for lr in linear), sorted(lr.area for lr in linear_ref), rtol=1e-6, atol=1e-12
    )
    boundary, boundary_ref = arr.decision_boundary(), ref.decision_boundary()
    assert boundary.shape == boundary_ref.shape
    np.testing.assert_allclose(boundary / scale, boundary_ref, rtol=0, atol=1e-6)
    for layer in range(3):  # the bent lines of each layer, and the partition after it
        (segments, neuron), (segments_ref, neuron_ref) = arr.lines(layer), ref.lines(layer)
        np.testing.assert_array_equal(neuron, neuron_ref)
        np.testing.assert_allclose(segments / scale, segments_ref, rtol=0, atol=1e-6)
        part, part_ref = arr.upto(layer), ref.upto(layer)
        np.testing.assert_allclose(part.A * scale, part_ref.A, rtol=1e-6, atol=1e-9 * np.abs(part_ref.A).max())
        np.testing.assert_allclose(part.c, part_ref.c, rtol=1e-6, atol=1e-9 * np.abs(part_ref.c).max())


def test_out_of_range_is_refused_naming_the_scale():
    net = fl.mlp([2, 4, 1], seed=0).double()
    for side in (1e-160, 1e160):
        with pytest.raises(fl.NumericalRange, match=r"box=.*sides of about .*float64"):
            fl.arrangement(net, box=(0.0, side, 0.0, side))
    with pytest.raises(fl.NumericalRange, match=r"0\.001 wide at 1e\+06 from the origin"):
        fl.arrangement(net, box=(1e6, 1e6 + 1e-3, 0.0, 1.0))
    # outputs beyond float64 (their regions are still counted): a 2^500 box with output weights 2^600, and
    # a 2^-500 box with output weights 2^-600
    layers = [(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.zeros(3)), (np.ones((1, 3)), np.zeros(1))]
    for box_exp, out_exp in ((500, 600), (-500, -600)):
        scaled = [layers[0], (np.ldexp(layers[1][0], out_exp), layers[1][1])]
        arr = fl.arrangement(float64_net(scaled), box=tuple(float(np.ldexp(v, box_exp)) for v in BOX))
        assert len(arr) == len(fl.arrangement(float64_net(layers)))
        with pytest.raises(fl.NumericalRange, match=r"output.* on this box .*float64"):
            arr.decision_boundary()  # made from A and c, which leave float64
    # a plane whose origin sends the first layer beyond float64
    wide = float64_net([(np.full((3, 3), 1e10), np.zeros(3)), (np.ones((1, 3)), np.zeros(1))])
    with pytest.raises(fl.NumericalRange, match="plane's origin"):
        fl.arrangement(wide, plane=([1e300, 0, 0], [1e300, 1, 0], [1e300, 0, 1]))


# --- one line and a box: the clipping the drawings of a neuron share with the engine -------------------------

def test_line_and_half_plane_in_a_box_against_shapely():
    """The engine's clipping against shapely: random lines, lines along edges and through corners, w = 0."""
    from foldlab._convex_polygons import halfplane_in_box, line_in_box

    box = (-2.0, 1.0, -1.0, 3.0)
    square = shapely.box(box[0], box[2], box[1], box[3])
    rng = np.random.default_rng(0)
    lines = [(rng.normal(size=2), rng.normal()) for _ in range(200)]
    lines += [((1.0, 0.0), 2.0), ((0.0, 1.0), -3.0), ((1.0, 1.0), 1.0), ((1.0, -1.0), 3.0)]  # edges, corners
    for w, b in lines:
        w = np.asarray(w)
        unit = w / np.linalg.norm(w)
        foot, along = -b * w / (w @ w), 1e3 * np.array([-unit[1], unit[0]])
        line = shapely.LineString([foot - along, foot + along])
        half = shapely.Polygon([foot - along, foot + along, foot + along + 1e3 * unit, foot - along + 1e3 * unit])
        mine = halfplane_in_box(w, b, box)
        area = shapely.Polygon(mine).area if len(mine) >= 3 else 0.0
        assert abs(area - square.intersection(half).area) <= 1e-9
        segment, crossing = line_in_box(w, b, box), square.intersection(line)
        if crossing.length > 1e-9:
            assert segment is not None and abs(np.linalg.norm(segment[1] - segment[0]) - crossing.length) <= 1e-9
            np.testing.assert_allclose(segment @ w + b, 0, atol=1e-9)
        else:
            assert segment is None
    assert line_in_box([0.0, 0.0], 0.0, box) is None and line_in_box([0.0, 0.0], 1.0, box) is None
    assert len(halfplane_in_box([0.0, 0.0], -1.0, box)) == 0
    assert shapely.Polygon(halfplane_in_box([0.0, 0.0], 1.0, box)).area == pytest.approx(12.0)
