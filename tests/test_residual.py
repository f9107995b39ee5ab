"""Residual blocks (``fl.Residual``): read exactly, patterns without the carried units, exact walks.

The oracles share nothing with foldlab's snapshot of a net: the torch module itself (its output in float64,
and :func:`tests.common.reference_patterns`, hooks on its activation modules), dense sampling plus bisection on
it (:mod:`tests.walk_oracle`), walks of degenerate nets with integer weights derived by hand, loops for Hamming
distances and autograd for the local maps. A user's own module returning ``x + f(x)`` stays refused, naming
``fl.Residual`` (tests/test_conv.py and tests/test_adapter.py keep their refusals of such modules).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

import foldlab as fl
from foldlab import _walk_engines, _walk_exact, _walk_fast
from foldlab.adapter import check_reading, read_net

from .common import reference_patterns
from .walk_oracle import assert_walk_matches


def seeded(build, seed=0):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build()


def block(*layers):
    return fl.Residual(nn.Sequential(*layers))


def mlp_net(seed=0):
    """2 -> 3, a block 3 -> 5 -> 3, ReLU, 1."""
    return seeded(lambda: nn.Sequential(
        nn.Linear(2, 3), nn.ReLU(), block(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 3)), nn.ReLU(), nn.Linear(3, 1)),
        seed)


NETS = {
    "mlp": lambda: mlp_net(0),
    # the block reads the input itself: its skip is x, negative as often as positive
    "at_input": lambda: seeded(lambda: nn.Sequential(
        block(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 2)), nn.ReLU(), nn.Linear(2, 2)), 1),
    # three layers inside, LeakyReLU first, the branch ending with an activation; then two blocks in a row
    "deep_inner": lambda: seeded(lambda: nn.Sequential(
        nn.Linear(2, 3),
        block(nn.Linear(3, 4), nn.LeakyReLU(0.1), nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 3), nn.ReLU()),
        block(nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 3)), nn.ReLU(), nn.Linear(3, 1)), 2),
    # affine branches (no layer inside): x + W x + b and x + x
    "affine_inner": lambda: seeded(lambda: nn.Sequential(
        nn.Linear(2, 3), nn.ReLU(), fl.Residual(nn.Linear(3, 3)), fl.Residual(nn.Identity()), nn.ReLU(),
        nn.Linear(3, 1)), 3),
    # the net ends with the block: its output is x + f(x)
    "last": lambda: seeded(lambda: nn.Sequential(
        nn.Linear(2, 3), nn.ReLU(), block(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 3))), 4),
    "conv": lambda: seeded(lambda: nn.Sequential(
        nn.Unflatten(1, (1, 4, 4)), nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(),
        block(nn.Conv2d(2, 3, 3, padding=1), nn.ReLU(), nn.Conv2d(3, 2, 3, padding=1)), nn.ReLU(), nn.Flatten(),
        nn.Linear(32, 2)), 5),
    # a block after a max pool (the step engine walks it)
    "after_max_pool": lambda: seeded(lambda: nn.Sequential(
        nn.Unflatten(1, (1, 4, 4)), nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        block(nn.Conv2d(2, 2, 3, padding=1), nn.ReLU(), nn.Conv2d(2, 2, 3, padding=1)), nn.ReLU(), nn.Flatten(),
        nn.Linear(8, 1)), 6),
}


def zero_branch_net():
    """A block whose branch is 0 (its last map is zero): the block is the identity."""
    net = mlp_net(7)
    with torch.no_grad():
        net[2].inner[2].weight.zero_()
        net[2].inner[2].bias.zero_()
    return net


def dead_units_net():
    """A block whose first units are dead (bias -100): on every segment here they are off."""
    net = mlp_net(8)
    with torch.no_grad():
        net[2].inner[0].bias[:3] = -100.0
    return net


NETS["zero_branch"] = zero_branch_net
NETS["dead_units"] = dead_units_net


def points(d, n, seed):
    g = torch.Generator().manual_seed(seed)
    scales = torch.tensor([0.01, 1.0, 1.0, 10.0, 100.0])
    return (torch.randn(n, d, generator=g) * scales[torch.arange(n) % 5][:, None]).double()


def d_in(net):
    return read_net(net).d_in


# --- reading ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(NETS))
def test_the_snapshot_computes_the_module(name):
    net = NETS[name]()
    spec = read_net(net)
    x = points(spec.d_in, 200, seed=1)
    with torch.no_grad():
        theirs = net.double()(x)
    mine = spec(x)
    np.testing.assert_allclose(mine.numpy(), theirs.reshape(mine.shape).numpy(), rtol=1e-12, atol=1e-12 * 100)
    check_reading(net, spec, x)  # every layer's own pre-activations too
    # one layer per activation of the module (the skip adds none), its bits the module's own units
    sizes = [p.shape[1] for p in (reference_patterns(net, x[:2], [i]) for i in range(len(spec.layers)))]
    assert list(spec.widths) == sizes
    for layer in spec.layers:
        assert layer.n_carried % 2 == 0 and layer.width == layer.n_bits + layer.n_carried
    assert spec.residual == (name != "affine_inner")  # an affine branch is one affine map: nothing to carry


def test_a_block_adds_carried_units_but_no_layer_and_no_bits():
    spec = read_net(mlp_net())
    assert repr(spec) == "NetSpec(d_in=2, hidden=[relu:3, relu:5, relu:3], d_out=1)"
    assert spec.widths == (3, 5, 3) and spec.units == (3, 11, 3) and spec.n_hidden == 11
    assert [layer.n_carried for layer in spec.layers] == [0, 6, 0]
    assert "carried=6" in repr(spec.layers[1])


def test_reading_a_residual_net_twice_returns_the_same_snapshot():
    net = mlp_net()
    spec = read_net(net)
    assert read_net(net) is spec
    with torch.no_grad():
        net[2].inner[0].weight[0, 0] += 1.0
    assert read_net(net) is not spec


# --- patterns and Hamming distances --------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(NETS))
def test_patterns_are_those_of_the_modules_own_activations(name):
    net = NETS[name]()
    spec = read_net(net)
    x = points(spec.d_in, 100, seed=2)
    assert torch.equal(fl.activation_patterns(net, x), reference_patterns(net, x))
    last = len(spec.layers) - 1
    assert torch.equal(fl.activation_patterns(net, x, layers=[0, last], include_output=True),
                       reference_patterns(net, x, [0, last], include_output=True))


def test_hamming_distances_against_loops():
    net = NETS["deep_inner"]()
    spec = read_net(net)
    x = points(spec.d_in, 30, seed=3)
    hist = fl.hamming_histograms(net, x, n_pairs=200, seed=0)
    reference = reference_patterns(net, x).numpy()
    starts = np.cumsum([0, *spec.widths])
    for k, layer in enumerate(hist.layers):
        for (i, j), distance in zip(hist.pairs, hist.distances[k]):
            expected = sum(int(reference[i, u] != reference[j, u]) for u in range(starts[layer], starts[layer + 1]))
            assert distance == expected
    P = fl.activation_patterns(net, x)
    matrix = fl.hamming_matrix(P)
    for i in range(5):
        for j in range(5):
            assert int(matrix[i, j]) == sum(int(a != b) for a, b in zip(reference[i], reference[j]))


# --- walks ----------------------------------------------------------------------------------------------------

def segments(d, n, seed):
    g = torch.Generator().manual_seed(seed)
    return [(torch.randn(d, generator=g).double() * 2, torch.randn(d, generator=g).double() * 2) for _ in range(n)]


@pytest.mark.parametrize("name", list(NETS))
def test_walks_against_dense_sampling_and_bisection(name):
    net = NETS[name]()
    spec = read_net(net)
    for x1, x2 in segments(spec.d_in, 2, seed=4):
        walk = fl.walk(net, x1, x2)
        assert assert_walk_matches(walk, net, x1, x2, n=2048) == 0
        step = fl.walk(net, x1, x2, method="step")
        assert torch.equal(step.patterns, walk.patterns)
        np.testing.assert_allclose(step.ts, walk.ts, rtol=0, atol=1e-12)
        assert walk.blocks == tuple((f"layer {i}", w) for i, w in enumerate(spec.widths))
    X1 = torch.stack([a for a, _ in segments(spec.d_in, 3, seed=5)])
    X2 = torch.stack([b for _, b in segments(spec.d_in, 3, seed=5)])
    batch = fl.walks(net, X1, X2, layers=[len(spec.layers) - 1], include_output=True)
    for i in range(3):
        alone = fl.walk(net, X1[i], X2[i], layers=[len(spec.layers) - 1], include_output=True)
        assert torch.equal(batch[i].patterns, alone.patterns)
        np.testing.assert_allclose(batch[i].ts, alone.ts, rtol=0, atol=1e-12)
        assert assert_walk_matches(alone, net, X1[i], X2[i], n=1024, layers=[len(spec.layers) - 1],
                                   include_output=True) == 0


def integer_net(bias):
    """A block at the input whose branch is 0 (so the net is N(x) = relu(x0 + x1 + b) through the layer after
    it), with the layer inside cutting at x0 = -b0 and x0 + x1 = -b2; integer weights: every value is exact."""
    net = nn.Sequential(block(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2)), nn.Linear(2, 1), nn.ReLU(),
                        nn.Linear(1, 1))
    with torch.no_grad():
        inner = net[0].inner
        inner[0].weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))
        inner[0].bias.copy_(torch.tensor(bias))
        inner[2].weight.zero_()
        inner[2].bias.zero_()
        net[1].weight.copy_(torch.tensor([[1.0, 1.0]]))
        net[1].bias.fill_(bias[2])
        net[3].weight.fill_(1.0)
        net[3].bias.zero_()
    return net


@pytest.mark.parametrize("method", ["layered", "step"])
def test_the_skips_zero_is_no_boundary(method):
    # from (-1, 1/2) to (1, 1/2): x0 = 0 at t = 1/2 (the carried units cross), the net's units at t = 1/4
    # (unit 0: x0 + 1/2; unit 2 and the next layer: x0 + x1 + 0 = x0 + 1/2, a vertex of three); unit 1 is on
    net = integer_net([0.5, 0.0, 0.0])
    x1, x2 = torch.tensor([-1.0, 0.5]), torch.tensor([1.0, 0.5])
    walk = fl.walk(net, x1, x2, method=method)
    np.testing.assert_array_equal(walk.ts, [0.0, 0.25])
    assert walk.patterns.int().tolist() == [[0, 1, 0, 0], [1, 1, 1, 1]]
    assert assert_walk_matches(walk, net, x1, x2, n=1024) == 0


@pytest.mark.parametrize("method", ["layered", "step"])
def test_a_vertex_on_the_skips_zero(method):
    # biases 0: units 0, 2 and the next layer cross where x0 = 0 crosses too, at t = 1/2 (from (-1, 0) to (1, 0)
    # unit 2 is x0, so it crosses there as well, and unit 1 (x1 = 0 on the whole segment) is off)
    net = integer_net([0.0, 0.0, 0.0])
    x1, x2 = torch.tensor([-1.0, 0.0]), torch.tensor([1.0, 0.0])
    walk = fl.walk(net, x1, x2, method=method)
    np.testing.assert_array_equal(walk.ts, [0.0, 0.5])
    assert walk.patterns.int().tolist() == [[0, 0, 0, 0], [1, 0, 1, 1]]
    assert assert_walk_matches(walk, net, x1, x2, n=1024) == 0


@pytest.mark.parametrize("method", ["layered", "step"])
def test_a_segment_inside_the_skips_zero(method):
    # from (0, -1) to (0, 1): x0 = 0 on the whole segment (the carried units are 0 throughout); unit 0 (x0 + 1/2)
    # is on, units 1 and 2 (x1, x0 + x1) and the next layer cross at t = 1/2
    net = integer_net([0.5, 0.0, 0.0])
    x1, x2 = torch.tensor([0.0, -1.0]), torch.tensor([0.0, 1.0])
    walk = fl.walk(net, x1, x2, method=method)
    np.testing.assert_array_equal(walk.ts, [0.0, 0.5])
    assert walk.patterns.int().tolist() == [[1, 0, 0, 0], [1, 1, 1, 1]]
    assert assert_walk_matches(walk, net, x1, x2, n=1024) == 0


def test_max_regions_counts_the_nets_own_pieces():
    net = integer_net([0.5, 0.0, 0.0])
    x1, x2 = torch.tensor([-1.0, 0.5]), torch.tensor([1.0, 0.5])
    assert len(fl.walk(net, x1, x2, max_regions=2)) == 2  # the engines' third piece (x0 = 0) is no piece
    with pytest.raises(fl.TooManyRegions, match="max_regions=1"):
        fl.walk(net, x1, x2, max_regions=1)
    with pytest.raises(fl.TooManyRegions, match="max_regions=1"):
        fl.walks(net, x1[None], x2[None], max_regions=1)


def unpacked(pieces):
    """The bool bits of :class:`foldlab._walk_fast.PackedPieces`."""
    starts = np.cumsum([0, *((w + 7) // 8 for w in pieces.widths)])
    return np.concatenate([np.unpackbits(pieces.bits[:, at : at + (w + 7) // 8], axis=1, count=w)
                           for at, w in zip(starts, pieces.widths)], axis=1).astype(bool)


# (not zero_branch: there the layer after the block reads relu(relu(z)), units exactly 0 on whole pieces, which
# float64 leaves to exact arithmetic as in any net; its walks are checked against the brute force above)
@pytest.mark.parametrize("name", ["mlp", "at_input", "deep_inner", "conv"])
def test_the_engines_agree_carried_units_included(name):
    """The numpy layered engine, the torch layered engine, the step engine and exact rational arithmetic give
    the same pieces, carried units included, on the stages the walks run (the skips shifted: see
    foldlab.walk._shifted), and float64 decides them on its own (no carried pair crossing together)."""
    from foldlab.walk import _shifted

    spec = read_net(NETS[name]())
    for x1, x2 in segments(spec.d_in, 3, seed=6):
        stages = _shifted(list(spec.layers) + [spec.output], x1[None], x2[None])
        selected = [True] * len(stages)
        step = _walk_engines.step_walk(stages, selected, x1[None], x2[None], rtol=0.0, max_pieces=10_000)
        torch_layered = _walk_engines.layered_walk(stages, selected, x1[None], x2[None], n_grid=2, rtol=0.0,
                                                   ttol=1e-12, max_pieces=10_000)
        fast = _walk_fast.fast_layered_walk(stages, selected, x1[None].numpy(), x2[None].numpy(), max_pieces=10_000)
        t, bits = _walk_exact.exact_walk(stages, selected, x1.numpy(), x2.numpy(), max_pieces=10_000, budget=1e9)
        assert not (bool(step.ambiguous[0]) or bool(torch_layered.ambiguous[0]) or bool(fast.ambiguous[0]))
        for other_t, other_bits in ((step.t.numpy(), step.bits.numpy()), (fast.t, unpacked(fast)),
                                    (torch_layered.t.numpy(), torch_layered.bits.numpy())):
            assert np.array_equal(other_bits, bits)
            np.testing.assert_allclose(other_t, t, rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", ["mlp", "at_input", "deep_inner", "zero_branch"])
def test_the_shifted_skips_are_the_same_function(name):
    """In exact rational arithmetic, the snapshot's stages (skips as sigma(x), sigma(-x)) and the shifted ones the
    walks run have the same pieces of the net's own units: the carried units' crossings at x_i = 0 are all the
    difference."""
    from foldlab.walk import _shifted

    spec = read_net(NETS[name]())
    own = np.concatenate([np.arange(sum(spec.units[:i]), sum(spec.units[:i]) + w) for i, w in enumerate(spec.widths)]
                         + [np.arange(sum(spec.units), sum(spec.units) + spec.d_out)])
    for x1, x2 in segments(spec.d_in, 2, seed=8):
        stages = list(spec.layers) + [spec.output]
        selected = [True] * len(stages)
        pairs = _walk_exact.exact_walk(stages, selected, x1.numpy(), x2.numpy(), max_pieces=10_000, budget=1e10)
        shifted = _walk_exact.exact_walk(_shifted(stages, x1[None], x2[None]), selected, x1.numpy(), x2.numpy(),
                                         max_pieces=10_000, budget=1e10)
        merged = []
        for (t_a, bits_a) in (pairs, shifted):
            bits_a = bits_a[:, own]
            keep = np.ones(len(t_a), dtype=bool)
            keep[1:] = (bits_a[1:] != bits_a[:-1]).any(axis=1)
            merged.append((t_a[keep], bits_a[keep]))
        assert np.array_equal(merged[0][1], merged[1][1])
        np.testing.assert_array_equal(merged[0][0], merged[1][0])


def test_a_shift_too_small_for_the_segment_falls_back_to_the_snapshots_skips(monkeypatch):
    """The shift is sound only where both units of every skip stay on: walks check that on the engines' own
    bits and walk the skips as the snapshot carries them otherwise. Here the shift is computed for a tiny
    copy of each segment a thousand times shorter, too small for it: the walks must still be the module's."""
    import importlib

    walk_module = importlib.import_module("foldlab.walk")  # fl.walk is the function
    real = walk_module._shifted
    calls = []

    def too_small(stages, X1, X2):
        calls.append(1)
        return real(stages, X1 * 1e-3, X2 * 1e-3)

    net = NETS["at_input"]()
    spec = read_net(net)
    pairs = segments(spec.d_in, 3, seed=11)
    expected = [fl.walk(net, x1, x2) for x1, x2 in pairs]
    runs = []
    real_run = walk_module._engine_run

    def counted(plan, stages, *args, **kwargs):
        runs.append(stages)
        return real_run(plan, stages, *args, **kwargs)

    monkeypatch.setattr(walk_module, "_shifted", too_small)
    monkeypatch.setattr(walk_module, "_engine_run", counted)
    walk_module._PLANS.clear()
    for (x1, x2), right in zip(pairs, expected):
        walk = fl.walk(net, x1, x2)
        assert torch.equal(walk.patterns, right.patterns)
        np.testing.assert_allclose(walk.ts, right.ts, rtol=0, atol=1e-12)  # the same crossings, rounded apart
        assert assert_walk_matches(walk, net, x1, x2, n=2048) == 0
    assert len(calls) == 3 and len(runs) > 3  # the too-small shift was tried and refused at least once


# --- the local linear map ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["mlp", "at_input", "deep_inner", "affine_inner", "conv"])
def test_local_linear_maps_against_autograd(name):
    net = NETS[name]().double()
    spec = read_net(net)
    x = points(spec.d_in, 8, seed=7)
    if name == "at_input":
        x[:4, 0] = 0.0  # on the skip's x0 = 0, where relu(x0) and relu(-x0) are both "off"
    jacobians = torch.stack([torch.func.jacrev(lambda v: net(v[None])[0])(row) for row in x])
    np.testing.assert_allclose(fl.local_linear_map(net, x).numpy(), jacobians.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    for i, width in enumerate(spec.widths):  # a layer's own units only
        assert fl.local_linear_map(net, x, layer=i).shape == (8, width, spec.d_in)


# --- properties -------------------------------------------------------------------------------------------------

@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    ends=st.lists(st.floats(-3, 3, allow_nan=False, allow_infinity=False), min_size=4, max_size=4),
    method=st.sampled_from(["layered", "step"]),
)
def test_walk_properties(seed, ends, method):
    net = NETS["at_input"]() if seed % 2 else mlp_net(seed)
    x1, x2 = torch.tensor(ends[:2], dtype=torch.float64), torch.tensor(ends[2:], dtype=torch.float64)
    walk = fl.walk(net, x1, x2, method=method)
    back = fl.walk(net, x2, x1, method=method)
    # reversing the segment reverses the walk
    assert torch.equal(back.patterns, walk.patterns.flip(0))
    np.testing.assert_allclose(back.ts, (1 - walk.ends)[::-1], rtol=0, atol=1e-12)
    # pieces are exactly where the pattern changes: neighbours differ, and each is the module's own pattern
    if len(walk) > 1:
        assert (walk.patterns[1:] != walk.patterns[:-1]).any(dim=1).all()
    assert torch.equal(reference_patterns(net, torch.as_tensor(walk.points(walk.midpoints))), walk.patterns)


# --- what is still refused ----------------------------------------------------------------------------------

class OwnResidual(nn.Module):
    def __init__(self):
        super().__init__()
        self.first, self.act, self.second = nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 3)

    def forward(self, x):
        return x + self.second(self.act(self.first(x)))


class FunctionalInner(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(3, 3)

    def forward(self, x):
        return torch.relu(self.linear(x))


def test_a_users_own_residual_module_is_refused_naming_fl_residual():
    net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), OwnResidual(), nn.ReLU(), nn.Linear(3, 1))
    with pytest.raises(fl.UnsupportedNet, match=r"module '2' \(OwnResidual\).*use fl\.Residual"):
        read_net(net)


@pytest.mark.parametrize("inner, match", [
    (lambda: nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1)), r"turns inputs of shape \(3,\) into \(1,\)"),
    (lambda: nn.Sequential(nn.Linear(3, 4), nn.GELU(), nn.Linear(4, 3)), r"'2\.inner\.1' \(GELU\) inside residual"),
    (lambda: FunctionalInner(), r"inner branch \(FunctionalInner\) returns something other"),
    (lambda: nn.Sequential(fl.Residual(nn.Linear(3, 3)), nn.ReLU(), nn.Linear(3, 3)), r"'2\.inner\.0'.*inside"),
    (lambda: nn.Sequential(nn.Linear(3, 3), nn.LayerNorm(3), nn.ReLU(), nn.Linear(3, 3)), "LayerNorm"),
])
def test_a_residual_block_that_cannot_be_read_is_refused_by_name(inner, match):
    net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), fl.Residual(inner()), nn.ReLU(), nn.Linear(3, 1))
    with pytest.raises(fl.UnsupportedNet, match=match):
        read_net(net)


def test_a_max_pool_inside_a_block_is_refused_by_name():
    net = nn.Sequential(nn.Unflatten(1, (1, 4, 4)), nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(),
                        block(nn.Conv2d(2, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, stride=1, padding=1)),
                        nn.Flatten(), nn.Linear(32, 1))
    with pytest.raises(fl.UnsupportedNet, match=r"'3\.inner\.2' \(MaxPool2d\) inside residual block '3'"):
        read_net(net)


def test_the_tools_that_do_not_read_residual_blocks_refuse_them_by_name():
    net = mlp_net()
    with pytest.raises(fl.UnsupportedNet, match=r"fl.arrangement does not handle residual blocks.*'2\.inner\.1'"):
        fl.arrangement(net)
    with pytest.raises(fl.UnsupportedNet, match=r"residual block \(fl.Residual.*'2\.inner\.1'"):
        fl.hamming_geodesic(net, torch.zeros(2), torch.ones(2))


def test_residual_needs_a_module():
    with pytest.raises(TypeError, match="inner must be a torch.nn.Module"):
        fl.Residual(lambda x: x)
