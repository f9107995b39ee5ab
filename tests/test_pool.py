"""Max pooling (issue 9, "Beyond MLPs"): read exactly, its argmax part of the pattern, its switches breakpoints.

Every result is checked against something that shares nothing with foldlab's reading: torch's own
``max_pool2d`` for the values, loops over the windows for the one-hot argmax bits (hooks on the torch module,
:func:`tests.common.reference_patterns`), Python loops for Hamming distances, and dense sampling plus
bisection on those hook-path patterns for the walks (:mod:`tests.walk_oracle`). Degenerate cases: windows
whose entries tie on a point, on a whole segment, everywhere (a zero kernel), dead ReLU units (ties of
zeros), overlapping windows (an entry that is the max of several), padding and ``ceil_mode``.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.nn import functional as F

import foldlab as fl
from foldlab import _walk_engines, _walk_exact
from foldlab.adapter import MaxPool, activation_calls, pool_windows, read_net

from .common import naive_max_pool_bits, naive_max_pool_windows, reference_patterns
from .walk_oracle import assert_walk_matches

walk_module = sys.modules["foldlab.walk"]  # the module (fl.walk is the function)


def seeded(build, seed=0):
    torch.manual_seed(seed)
    net = build()
    d_in = int(np.prod(net[0].unflattened_size))
    net(torch.zeros(1, d_in))  # materialise lazy layers
    return net.eval()


def pool_nets():
    """Nets with max pools in every position foldlab reads: after a ReLU, before one, after a LeakyReLU, on the
    input itself, overlapping windows, padding, dilation and ceil_mode."""
    yield "relu_pool", seeded(lambda: nn.Sequential(
        nn.Unflatten(1, (1, 6, 6)), nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(27, 2)))
    yield "overlapping", seeded(lambda: nn.Sequential(
        nn.Unflatten(1, (1, 6, 6)), nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, stride=1, padding=1),
        nn.Conv2d(2, 2, 3), nn.LeakyReLU(0.1), nn.Flatten(), nn.LazyLinear(2)), seed=1)
    yield "pool_then_relu_ceil", seeded(lambda: nn.Sequential(
        nn.Unflatten(1, (1, 7, 7)), nn.Conv2d(1, 2, 3), nn.MaxPool2d(2, ceil_mode=True), nn.ReLU(), nn.Flatten(),
        nn.LazyLinear(2)), seed=2)
    yield "on_the_input_dilated", seeded(lambda: nn.Sequential(
        nn.Unflatten(1, (2, 7, 7)), nn.MaxPool2d(2, stride=2, padding=1, dilation=2), nn.Flatten(),
        nn.LazyLinear(5), nn.ReLU(), nn.Linear(5, 1)), seed=3)
    yield "two_pools_leaky", seeded(lambda: nn.Sequential(
        nn.Unflatten(1, (1, 8, 8)), nn.Conv2d(1, 3, 3, padding=1), nn.LeakyReLU(0.2), nn.MaxPool2d(2),
        nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d((2, 1), stride=(2, 1)), nn.Flatten(),
        nn.LazyLinear(3)), seed=4)


def degenerate_pool_nets():
    """Ties everywhere: a zero kernel makes every window constant (bias 0.5: four equal positive entries; -0.5
    and 0: dead ReLU units, exact zeros), before and after the ReLU."""
    def zero_kernel(relu_first):
        def build():
            conv = nn.Conv2d(1, 3, 3, padding=1)
            with torch.no_grad():
                conv.weight[1:].zero_()  # channel 0 keeps its kernel: the net still has regions
                conv.bias[1:].copy_(torch.tensor([0.5, -0.5]))
            act = [nn.ReLU(), nn.MaxPool2d(2)] if relu_first else [nn.MaxPool2d(2), nn.ReLU()]
            return nn.Sequential(nn.Unflatten(1, (1, 6, 6)), conv, *act, nn.Flatten(), nn.Linear(27, 2))
        return seeded(build, seed=5)
    yield "zero_kernel_relu_pool", zero_kernel(True)
    yield "zero_kernel_pool_relu", zero_kernel(False)


NETS = dict(pool_nets())
DEGENERATE_NETS = dict(degenerate_pool_nets())
ALL = {**NETS, **DEGENERATE_NETS}


def inputs(d_in, n, seed=0, scale=1.0):
    return torch.randn(n, d_in, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * scale


# --- reading -----------------------------------------------------------------------------------------

POOL_SETTINGS = [
    dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1), dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 0)), dict(kernel_size=2, dilation=2, padding=1),
    dict(kernel_size=3, stride=2, ceil_mode=True), dict(kernel_size=2, stride=3, ceil_mode=True, padding=1),
]


@pytest.mark.parametrize("settings_", POOL_SETTINGS)
@pytest.mark.parametrize("shape", [(1, 5, 5), (2, 6, 7)])
def test_windows_against_loops_and_values_against_torch(settings_, shape):
    pool = nn.MaxPool2d(**settings_)
    out = pool(torch.zeros(1, *shape))
    windows = pool_windows(shape, pool.kernel_size, pool.stride, pool.padding, pool.dilation, out.shape[2:])
    ours = [sorted(j for j in row if j >= 0) for row in windows.tolist()]
    assert ours == naive_max_pool_windows(pool, shape)
    stage = MaxPool(windows, int(np.prod(shape)))
    x = inputs(int(np.prod(shape)), 50)
    x[:10, 1::3] = x[:10, ::3][:, : x[:10, 1::3].shape[1]]  # ties
    assert torch.equal(stage(x), F.max_pool2d(x.reshape(-1, *shape), **settings_).flatten(1))
    assert torch.equal(stage.bits(x), naive_max_pool_bits(pool, x.reshape(-1, *shape)))
    assert stage.bits(x).sum(dim=1).eq(stage.n_out).all()  # one bit per window


@pytest.mark.parametrize("name", list(ALL))
def test_snapshot_against_the_module(name):
    net = ALL[name]
    spec = read_net(net)
    assert any(layer.is_pool for layer in spec.layers)
    x = inputs(spec.d_in, 200, scale=2.0)
    with torch.no_grad():
        theirs = net.double()(x)
        net.float()
    assert torch.allclose(spec(x), theirs, rtol=0, atol=1e-12)
    fl.adapter.check_reading(net, spec, x.float().double())


def test_a_pool_is_a_stage_of_its_own():
    spec = read_net(NETS["relu_pool"])
    assert repr(spec) == "NetSpec(d_in=36, hidden=[relu:108, max_pool:108], d_out=2)"
    pool = spec.layers[1]
    assert pool.is_pool and pool.activation.n_out == 27 and pool.affine.weight.shape == (108, 108)
    assert torch.equal(pool.affine.weight, torch.eye(108, dtype=torch.float64))  # the ReLU's outputs as they are
    overlapping = read_net(NETS["overlapping"])
    assert overlapping.layers[1].width == 2 * (4 * 4 + 4 * 4 * 6 + 16 * 9)  # corners 4, edges 6, inside 9 entries


# --- patterns and Hamming distances ------------------------------------------------------------------

@pytest.mark.parametrize("name", list(ALL))
def test_patterns_against_hooks_and_loops(name):
    net = ALL[name]
    spec = read_net(net)
    x = torch.cat([inputs(spec.d_in, 60, seed=1, scale=2.0), torch.zeros(1, spec.d_in)])
    x[:5] = x[:5].round()  # integer images: ties in the windows of a pool on the input
    for layers in (None, [-1], 0):
        for include_output in (False, True):
            got = fl.activation_patterns(net, x, layers=layers, include_output=include_output)
            assert torch.equal(got, reference_patterns(net, x, layers, include_output))


def test_constant_windows_take_the_lowest_flat_index():
    spec = read_net(DEGENERATE_NETS["zero_kernel_relu_pool"])
    bits = fl.activation_patterns(spec, inputs(36, 30), layers=1).reshape(30, 3, 9, 4)
    # channel 1: bias 0.5 in every entry; channel 2: dead (-0.5, exact zeros): the first entry of each window
    assert bits[:, 1:, :, 0].all() and not bits[:, 1:, :, 1:].any()


def test_hamming_distances_against_loops():
    net = NETS["two_pools_leaky"]
    spec = read_net(net)
    x = inputs(spec.d_in, 25, seed=2)
    P = fl.activation_patterns(net, x)
    naive = torch.tensor([[sum(int(a != b) for a, b in zip(p.tolist(), q.tolist())) for q in P] for p in P])
    assert torch.equal(fl.hamming_matrix(P).long(), naive)
    assert fl.hamming_distance(P[0], P[1]) == naive[0, 1]
    # in a pool's block, two bits per window whose argmax differs
    start = spec.widths[0]
    pool = spec.layers[1].activation
    block = P[:, start : start + spec.layers[1].width]
    h = spec.layers[0].activate(spec.layers[0].preactivation(x))
    arg = pool.argmax(h)
    moved = (arg[:, None, :] != arg[None, :, :]).sum(dim=2)
    assert torch.equal(fl.hamming_matrix(block).long(), 2 * moved)


# --- walks -------------------------------------------------------------------------------------------

def segments(d_in, k, seed):
    g = torch.Generator().manual_seed(seed)
    return [(torch.randn(d_in, generator=g, dtype=torch.float64), torch.randn(d_in, generator=g, dtype=torch.float64))
            for _ in range(k)]


@pytest.mark.parametrize("method", ["layered", "step"])
@pytest.mark.parametrize("name", list(ALL))
def test_walks_against_dense_sampling_and_bisection(name, method):
    net = ALL[name]
    spec = read_net(net)
    for x1, x2 in segments(spec.d_in, 2 if method == "step" else 1, seed=len(name)):  # "layered": the same engine
        w = fl.walk(net, x1, x2, include_output=True, method=method)
        assert w.method == "step"  # nets with max pools are walked by the step engine
        assert assert_walk_matches(w, net, x1, x2, 4096, include_output=True) == 0
        assert len(w) > 1


def test_walks_with_selected_layers_and_batches_equal_single_walks():
    net = NETS["two_pools_leaky"]
    spec = read_net(net)
    pairs = segments(spec.d_in, 3, seed=7)
    X1, X2 = torch.stack([a for a, _ in pairs]), torch.stack([b for _, b in pairs])
    for layers in (None, [1]):
        many = fl.walks(net, X1, X2, layers=layers, batch_size=2)
        for i, (x1, x2) in enumerate(pairs):
            one = fl.walk(net, x1, x2, layers=layers)
            assert torch.equal(many[i].patterns, one.patterns)
            np.testing.assert_allclose(many[i].ts, one.ts, rtol=0, atol=1e-12)
        if layers == [1]:
            x1, x2 = pairs[0]
            assert assert_walk_matches(many[0], net, x1, x2, 4096, layers=[1]) == 0


@pytest.mark.parametrize("name", list(ALL))
def test_the_float64_walk_equals_the_exact_walk(name):
    """Where float64 decides on its own (not ambiguous), its pieces are the exact rational walk's."""
    spec = read_net(ALL[name])
    stages = list(spec.layers) + [spec.output]
    selected = [True] * len(stages)
    decided = 0
    for x1, x2 in segments(spec.d_in, 4, seed=11):
        pieces = _walk_engines.step_walk(stages, selected, x1[None], x2[None], rtol=0.0, max_pieces=10_000)
        t, bits = _walk_exact.exact_walk(stages, selected, x1.numpy(), x2.numpy(), max_pieces=10_000, budget=1e9)
        if "zero_kernel" in name:
            assert bool(pieces.ambiguous[0])  # windows tied on the whole segment: float64 cannot tell
            continue
        if bool(pieces.ambiguous[0]):
            continue
        decided += 1
        assert np.array_equal(pieces.bits.numpy(), bits)
        np.testing.assert_allclose(pieces.t.numpy(), t, rtol=0, atol=1e-12)
    assert decided >= 3 or "zero_kernel" in name


@pytest.fixture(scope="module")
def trained_max_pool_net(digits):
    """fl.conv_net(max_pool=True) (1x8x8 -> 4x8x8 -> max 4x4x4 -> 8x4x4 -> max 8x2x2 -> 10), trained on the digits."""
    net = fl.conv_net(seed=0, max_pool=True)
    assert [type(m) for m in net if isinstance(m, nn.MaxPool2d)] == [nn.MaxPool2d] * 2
    fl.train(net, digits, epochs=10, progress=False)
    net.requires_grad_(False)
    assert fl.accuracy(net, digits.X_test, digits.y_test) > 0.8
    return net.eval()


def test_walks_between_digits_of_a_trained_max_pool_net(digits, trained_max_pool_net):
    net = trained_max_pool_net
    for i, j in [(0, 1), (2, 7)]:
        x1, x2 = digits.X[i].double(), digits.X[j].double()
        w = fl.walk(net, x1, x2, include_output=True)
        assert len(w) > 10 and w.method == "step"
        assert assert_walk_matches(w, net, x1, x2, 4096, include_output=True) == 0
    assert torch.equal(fl.activation_patterns(net, digits.X[:50]), reference_patterns(net, digits.X[:50]))
    with pytest.raises(TypeError, match="max_pool"):
        fl.conv_net(max_pool="yes")


# --- ties in a window --------------------------------------------------------------------------------

def input_pool():
    """A max pool of the input's four pixels, then two ReLU units of the max and an output."""
    net = nn.Sequential(nn.Unflatten(1, (1, 2, 2)), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1, 2), nn.ReLU(),
                        nn.Linear(2, 1))
    with torch.no_grad():
        net[3].weight.copy_(torch.tensor([[1.0], [-1.0]]))
        net[3].bias.copy_(torch.tensor([-0.75, 0.25]))
        net[5].weight.fill_(1.0)
        net[5].bias.zero_()
    return net.eval()


def argmax_of(walk):
    return walk.patterns[:, :4].int().argmax(dim=1).tolist()


def test_a_segment_through_a_tie():
    net = input_pool()
    x1, x2 = torch.tensor([0.0, 1.0, 0.2, -1.0]), torch.tensor([1.0, 0.0, 0.2, -1.0])  # pixels 0, 1 tie at 1/2
    for method in ("layered", "step"):
        w = fl.walk(net, x1, x2, method=method)
        assert 0.5 in w.ts.tolist() and argmax_of(w)[0] == 1 and argmax_of(w)[-1] == 0
        assert assert_walk_matches(w, net, x1, x2, 4096) == 0
        assert torch.equal(w.reverse().patterns, fl.walk(net, x2, x1, method=method).patterns)


def test_ties_at_the_start_and_on_the_whole_segment_are_settled_exactly():
    net = input_pool()
    # a tie at t = 0 that pixel 1 wins just after: the piece's argmax, not the point's lowest index
    ws = fl.walks(net, torch.tensor([[0.5, 0.5, 0.0, 0.0]]), torch.tensor([[0.0, 1.0, 0.0, 0.0]]))
    assert ws.settled_exactly[0] and set(argmax_of(ws[0])) == {1}
    # pixels 0 and 1 equal along the whole segment: the lowest flat index, throughout
    x1, x2 = torch.tensor([0.3, 0.3, -1.0, 0.1]), torch.tensor([0.9, 0.9, 2.0, 0.1])
    ws = fl.walks(net, x1[None], x2[None])
    w = ws[0]
    assert ws.settled_exactly[0] and argmax_of(w)[0] == 0 and argmax_of(w)[-1] == 2
    assert assert_walk_matches(w, net, x1, x2, 4096) == 0
    # a constant window: one argmax everywhere
    w = fl.walk(net, torch.full((4,), 0.3), torch.full((4,), 0.9))
    assert set(argmax_of(w)) == {0} and len(w) == 2  # the ReLU unit of the max switching on at 0.75


def test_an_undecidable_tie_past_the_exact_budget_raises(monkeypatch):
    monkeypatch.setattr(walk_module, "EXACT_BUDGET", 10.0)
    with pytest.raises(fl.NumericalRange, match=r"float64 cannot decide.*max pools \(.1.\)"):
        fl.walk(input_pool(), torch.tensor([0.5, 0.5, 0.0, 0.0]), torch.tensor([0.0, 1.0, 0.0, 0.0]))


# --- properties --------------------------------------------------------------------------------------

@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 2**16), name=st.sampled_from(sorted(NETS)), tie=st.booleans())
def test_walk_properties(seed, name, tie):
    """Reversing the segment reverses the walk; every region's midpoint has its pattern and consecutive
    regions differ (the pieces are exactly where the pattern changes)."""
    spec = read_net(NETS[name])
    (x1, x2), = segments(spec.d_in, 1, seed)
    if tie:  # integer ends: windows of equal entries along the segment
        x1, x2 = x1.round(), x2.round()
    w = fl.walk(spec, x1, x2)
    back = fl.walk(spec, x2, x1)
    assert torch.equal(back.patterns, w.reverse().patterns)
    np.testing.assert_allclose(back.ts, w.reverse().ts, rtol=0, atol=1e-12)
    assert torch.equal(fl.activation_patterns(spec, torch.from_numpy(w.points(w.midpoints))), w.patterns)
    if len(w) > 1:
        assert (w.patterns[1:] != w.patterns[:-1]).any(dim=1).all()


# --- local linear maps (autograd through the pool's gather) ------------------------------------------

def test_local_linear_map_against_autograd():
    net = NETS["two_pools_leaky"].double()
    try:
        x = inputs(64, 5, seed=3)
        maps = fl.local_linear_map(net, x)
        for i in range(5):
            jac = torch.autograd.functional.jacobian(lambda v: net(v[None])[0], x[i])
            assert torch.allclose(maps[i], jac, rtol=0, atol=1e-12)
    finally:
        net.float()


# --- what is refused ---------------------------------------------------------------------------------

def test_what_is_not_read_is_refused_by_name():
    base = [nn.Unflatten(1, (1, 4, 4)), nn.Conv2d(1, 2, 3, padding=1), nn.ReLU()]
    with pytest.raises(fl.UnsupportedNet, match=r"'3' \(MaxPool2d\) with return_indices=True"):
        read_net(nn.Sequential(*base, nn.MaxPool2d(2, return_indices=True), nn.Flatten(), nn.Linear(8, 1)))
    with pytest.raises(fl.UnsupportedNet, match=r"'3' \(AdaptiveMaxPool2d\).*nn\.MaxPool2d"):
        read_net(nn.Sequential(*base, nn.AdaptiveMaxPool2d(2), nn.Flatten(), nn.Linear(8, 1)))
    with pytest.raises(fl.UnsupportedNet, match=r"ends with the max pool '3'"):
        read_net(nn.Sequential(*base, nn.MaxPool2d(2), nn.Flatten()))
    net = NETS["relu_pool"]
    with pytest.raises(fl.UnsupportedNet, match=r"fl\.arrangement does not handle max pooling: hidden layer 1 "
                                                r"\('3'\).*fl\.walk"):
        fl.arrangement(net, plane=tuple(inputs(36, 3)))
    with pytest.raises(fl.UnsupportedNet, match=r"max pool '3'.*differentiable"):
        activation_calls(net)
    gelu = seeded(lambda: nn.Sequential(nn.Unflatten(1, (1, 4, 4)), nn.Conv2d(1, 2, 3, padding=1), nn.GELU(),
                                        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8, 1)))
    with pytest.raises(fl.NotPiecewiseLinear, match=r"max pooling \(layer '3'\).*hidden layer 0 \('2'\) is gelu"):
        fl.walk(gelu, torch.zeros(16), torch.ones(16))
    assert fl.activation_patterns(gelu, torch.ones(2, 16)).shape == (2, 32 + 32)  # patterns of any activation
