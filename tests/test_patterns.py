"""Activation patterns against a naive per-layer forward loop; Hamming distances against double loops."""


import numpy as np
import pytest
import torch
from torch import nn

import foldlab as fl

from .common import OwnMLP, naive_patterns

ACTS = ["relu", "leaky_relu", "gelu", "silu", "tanh", "swiglu"]


@pytest.mark.parametrize("activation", ACTS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_patterns_match_naive_loop(activation, seed):
    net = fl.mlp([6, 9, 7, 5, 2], activation=activation, seed=seed)
    x = torch.randn(300, 6, generator=torch.Generator().manual_seed(seed))
    assert torch.equal(fl.activation_patterns(net, x), naive_patterns(net, x))


def test_zero_preactivation_gives_zero_bit():
    net = fl.mlp([2, 2, 1], seed=0)
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 0.0]]))
        net[0].bias.zero_()
    p = fl.activation_patterns(net, torch.tensor([[0.0, 5.0], [1.0, 1.0]]))
    assert p.tolist() == [[False, False], [True, False]]  # z = 0 -> 0; dead unit (zero row) -> 0


def test_layers_and_include_output_select_columns():
    net = fl.mlp([3, 4, 5, 6, 2], seed=0)
    x = torch.randn(20, 3)
    full = fl.activation_patterns(net, x)
    assert full.shape == (20, 15)
    assert torch.equal(fl.activation_patterns(net, x, layers=[1]), full[:, 4:9])
    assert torch.equal(fl.activation_patterns(net, x, layers=[0, 2]), torch.cat([full[:, :4], full[:, 9:]], 1))
    assert torch.equal(fl.activation_patterns(net, x, layers=-1), full[:, 9:])
    with_out = fl.activation_patterns(net, x, include_output=True)
    assert torch.equal(with_out[:, 15:], (net.double()(x.double()) > 0))


def test_patterns_batching_and_float32_net_untouched():
    net = fl.mlp([4, 16, 16, 3], seed=4)
    before = [p.clone() for p in net.parameters()]
    x = torch.randn(1000, 4)
    assert torch.equal(fl.activation_patterns(net, x, batch_size=7), fl.activation_patterns(net, x))
    assert all(p.dtype == torch.float32 and torch.equal(p, q) for p, q in zip(net.parameters(), before))
    assert not net[0]._forward_hooks and not net[1]._forward_hooks


def test_hooks_removed_even_when_forward_fails():
    net = fl.mlp([2, 3, 1], seed=0)
    with pytest.raises(ValueError):
        fl.activation_patterns(net, torch.zeros(4, 5))
    assert all(not m._forward_hooks for m in net.modules())


def test_patterns_agree_with_spec_forward_for_user_module():

    net = OwnMLP().eval()
    x = torch.randn(200, 3)
    spec = fl.read_net(net)
    assert torch.equal(fl.activation_patterns(net, x), spec.bits(x.double()))


@pytest.mark.parametrize(
    "x, match",
    [
        (torch.zeros(3, 5), "expected x with 2 features"),
        (torch.zeros(0, 2), "empty batch"),
        (torch.tensor([[0.0, float("nan")]]), "NaN"),
    ],
)
def test_bad_inputs(x, match):
    with pytest.raises(ValueError, match=match):
        fl.activation_patterns(fl.mlp([2, 3, 1]), x)


def test_bad_layers_argument():
    net = fl.mlp([2, 3, 3, 1])
    with pytest.raises(ValueError, match="layer index 2 is out of range"):
        fl.activation_patterns(net, torch.zeros(1, 2), layers=[2])
    with pytest.raises(ValueError, match="layers is empty"):
        fl.activation_patterns(net, torch.zeros(1, 2), layers=[])


def test_hamming_distance_and_matrix_against_double_loop():
    rng = np.random.default_rng(0)
    P = rng.random((40, 33)) < 0.5
    Q = rng.random((25, 33)) < 0.3
    D = fl.hamming_matrix(P, Q)
    assert D.shape == (40, 25) and D.dtype == torch.int8  # the smallest int type that holds 33
    for i in range(40):
        for j in range(25):
            assert D[i, j] == sum(P[i, k] != Q[j, k] for k in range(33)) == fl.hamming_distance(P[i], Q[j])
    S = fl.hamming_matrix(P)
    assert torch.equal(S, S.T) and (S.diagonal() == 0).all()


def test_hamming_errors():
    with pytest.raises(ValueError, match="same shape"):
        fl.hamming_distance([1, 0], [1, 0, 1])
    with pytest.raises(ValueError, match="bits"):
        fl.hamming_distance([1, 2], [1, 0])
    with pytest.raises(ValueError, match="different lengths"):
        fl.hamming_matrix(np.zeros((2, 3)), np.zeros((2, 4)))


# --- hamming_matrix in blocks ----------------------------------------------------------------------------

def test_hamming_matrix_blocks_agree_with_scipy(monkeypatch):
    from scipy.spatial.distance import cdist

    import foldlab.patterns as patterns_module

    rng = np.random.default_rng(1)
    P = rng.random((203, 70)) < 0.4
    Q = rng.random((57, 70)) < 0.6
    expected = np.rint(cdist(P, Q, "hamming") * 70).astype(np.int64)
    assert np.array_equal(fl.hamming_matrix(P, Q).numpy(), expected)
    monkeypatch.setattr(patterns_module, "_BLOCK_ENTRIES", 57 * 10 + 3)  # blocks of 10 rows, the last partial
    assert np.array_equal(fl.hamming_matrix(P, Q).numpy(), expected)
    assert fl.hamming_matrix(np.zeros((0, 5)), np.zeros((3, 5))).shape == (0, 3)


# --- intervals ---------------------------------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra.numpy import arrays  # noqa: E402


def all_patterns(m: int) -> torch.Tensor:
    codes = torch.arange(2**m).unsqueeze(1)
    return (codes >> torch.arange(m)) & 1 == 1


def interval_by_definition(C, p1, p2) -> torch.Tensor:
    """I(p1, p2) straight from d(p1, c) + d(c, p2) = d(p1, p2), with a Python loop over the bits."""
    def d(a, b):
        return sum(int(x) != int(y) for x, y in zip(a, b))

    return torch.tensor([d(p1, c) + d(c, p2) == d(p1, p2) for c in C])


def check_interval(p1: torch.Tensor, p2: torch.Tensor) -> None:
    C = all_patterns(len(p1))
    brute = interval_by_definition(C, p1, p2)
    assert torch.equal(fl.in_interval(C, p1, p2), brute)
    members = fl.interval_patterns(p1, p2)
    assert fl.interval_size(p1, p2) == int(brute.sum()) == len(members)
    assert {tuple(r) for r in members.tolist()} == {tuple(r) for r in C[brute].tolist()}
    # ordered by distance from p1: p1 first, p2 last
    levels = fl.hamming_distance(members, p1.expand_as(members))
    assert torch.equal(members[0], p1) and torch.equal(members[-1], p2)
    assert bool((levels[1:] >= levels[:-1]).all())


@pytest.mark.parametrize("seed", range(5))
def test_interval_against_enumeration_on_random_bits(seed):
    g = torch.Generator().manual_seed(seed)
    p1, p2 = torch.rand(2, 9, generator=g) < 0.5
    check_interval(p1, p2)


@pytest.mark.parametrize("activation", ["relu", "gelu", "swiglu"])
def test_interval_against_enumeration_on_net_patterns(activation):
    # a 2-4-3-1 net has 7 hidden bits: all 128 candidates are enumerated
    net = fl.mlp([2, 4, 3, 1], activation=activation, seed=3)
    X = torch.randn(40, 2, generator=torch.Generator().manual_seed(3)) * 2
    P = fl.activation_patterns(net, X)
    assert len(torch.unique(P, dim=0)) > 3
    for i, j in [(0, 1), (2, 7), (5, 5), (11, 30)]:
        check_interval(P[i], P[j])
    # the patterns the net realises that lie between two inputs' patterns, by the definition
    inside = fl.in_interval(P, P[0], P[1])
    assert torch.equal(inside, interval_by_definition(P, P[0], P[1]))


bit_pairs = st.integers(1, 40).flatmap(
    lambda m: st.tuples(arrays(np.bool_, m), arrays(np.bool_, m), arrays(np.bool_, (5, m)))
)


@settings(max_examples=150, deadline=None)
@given(bit_pairs)
def test_interval_properties(case):
    p1, p2, C = case
    assert fl.in_interval(p1, p1, p2) and fl.in_interval(p2, p1, p2)
    assert torch.equal(fl.in_interval(C, p1, p2), fl.in_interval(C, p2, p1))
    assert torch.equal(fl.in_interval(C, p1, p2), interval_by_definition(torch.as_tensor(C), p1, p2))
    d = fl.hamming_distance(p1, p2)
    assert fl.interval_size(p1, p2) == 2**d
    # I(p, p) = {p}
    assert fl.interval_size(p1, p1) == 1
    assert torch.equal(fl.in_interval(C, p1, p1), torch.as_tensor((C == p1).all(1)))
    assert torch.equal(fl.interval_patterns(p1, p1), torch.as_tensor(p1)[None])
    if d <= 10:
        members = fl.interval_patterns(p1, p2)
        assert len(members) == 2**d and bool(fl.in_interval(members, p1, p2).all())
        assert len(torch.unique(members, dim=0)) == 2**d


def test_interval_errors():
    with pytest.raises(ValueError, match=r"2\*\*20 = 1048576 patterns, more than limit=65536"):
        fl.interval_patterns(torch.zeros(20, dtype=torch.bool), torch.ones(20, dtype=torch.bool))
    assert len(fl.interval_patterns(torch.zeros(20), torch.ones(20), limit=2**20)) == 2**20
    with pytest.raises(ValueError, match="different lengths: 3 and 4 bits"):
        fl.in_interval([0, 1, 0], [0, 1, 0], [0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"expected candidate patterns of shape \(k, 3\)"):
        fl.in_interval(np.zeros((2, 4)), [0, 1, 0], [1, 1, 0])
    with pytest.raises(ValueError, match="single patterns"):
        fl.interval_size(np.zeros((2, 3)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="bits"):
        fl.in_interval([0, 2, 0], [0, 1, 0], [1, 1, 0])
    with pytest.raises(ValueError, match="limit must be an int >= 1, got 0"):
        fl.interval_patterns([0], [1], limit=0)


def test_hamming_matrix_exact_on_long_patterns():
    rng = np.random.default_rng(2)
    P = rng.random((3, 300_001)) < 0.5
    D = fl.hamming_matrix(P)
    for i in range(3):
        for j in range(3):
            assert D[i, j] == int(np.count_nonzero(P[i] != P[j]))


@pytest.mark.parametrize("activation", [nn.ReLU(), nn.ELU()])
def test_activation_module_reused_in_several_layers(activation):
    # one instance shared by both hidden layers: its single hook must feed each layer in turn
    net = nn.Sequential(nn.Linear(3, 10), activation, nn.Linear(10, 10), activation, nn.Linear(10, 1))
    x = torch.randn(64, 3, generator=torch.Generator().manual_seed(0))
    assert torch.equal(fl.activation_patterns(net, x), naive_patterns(net, x))
    assert torch.equal(fl.activation_patterns(net, x, batch_size=5), fl.read_net(net).bits(x.double()))


@pytest.mark.parametrize("norm", ["batch", "layer"])
def test_patterns_of_normalised_nets_match_naive_loop(norm):
    data = fl.toy_dataset("moons", n=200, seed=0)
    net = fl.mlp([2, 12, 12, 1], seed=0, norm=norm)
    fl.train(net, data, epochs=2, progress=False)  # running statistics away from 0 and 1
    net.eval()
    x = torch.randn(300, 2, generator=torch.Generator().manual_seed(1))
    assert torch.equal(fl.activation_patterns(net, x), naive_patterns(net, x))
    assert fl.read_net(net).piecewise_linear == (norm == "batch")


def test_reversed_and_strided_numpy_arrays_are_accepted():
    # numpy views with negative strides, which torch.as_tensor refuses on its own
    net = fl.mlp([2, 5, 5, 1], seed=0)
    X = np.random.default_rng(0).normal(size=(20, 2))
    P = fl.activation_patterns(net, X[::-1]).numpy()
    assert np.array_equal(P, fl.activation_patterns(net, X).numpy()[::-1])
    assert fl.hamming_distance(P[::-1][0], P[-1]) == 0
    assert torch.equal(fl.hamming_matrix(P[::-2]), fl.hamming_matrix(np.ascontiguousarray(P[::-2])))
    path = np.array([[0, 0, 0], [1, 0, 0], [0, 0, 0], [0, 0, 1]], dtype=bool)
    assert fl.chi(path[::-1]) == pytest.approx(1 / 3)
    assert (
        fl.activation_probability(net, X[::-1]).probability[0].tolist()
        == fl.activation_probability(net, X).probability[0].tolist()
    )


# --- the smallest int type, memory estimated first, no complex bits -----------------------------------------

@pytest.mark.parametrize("m, dtype", [(1, torch.int8), (127, torch.int8), (128, torch.int16),
                                      (32767, torch.int16), (32768, torch.int32)])
def test_hamming_matrix_has_the_smallest_int_type_that_holds_m(m, dtype):
    """Before, always int64: 20000 patterns took 3.2 GB where int16 (800 MB) holds every distance."""
    P = np.zeros((3, m), dtype=bool)
    P[1] = True  # the largest distance, m, between rows 0 and 1
    P[2, : m // 2] = True
    D = fl.hamming_matrix(P)
    assert D.dtype == dtype == fl.patterns.hamming_dtype(m)
    assert D.tolist() == [[0, m, m // 2], [m, 0, m - m // 2], [m // 2, m - m // 2, 0]]


def test_hamming_matrix_estimates_its_memory_first():
    P = np.zeros((200_000, 8), dtype=bool)
    with pytest.raises(fl.OverBudget, match=r"the 200000 x 200000 distance matrix \(torch.int8\) of P would need "
                                            r"about 37"):
        fl.hamming_matrix(P)
    with fl.limits.memory_budget(2**20):
        with pytest.raises(fl.OverBudget):
            fl.hamming_matrix(P[:2000])
        assert fl.hamming_matrix(P[:300]).shape == (300, 300)  # 90 kB and a float32 block: under 1 MiB


def test_patterns_refuse_complex_values_and_name_the_bad_value():
    """Before, complex bits went through (``1 + 0j`` counted as 1, the imaginary part of others dropped
    into a generic 'outside {0, 1}')."""
    with pytest.raises(TypeError, match="p must be bits .*got complex values"):
        fl.hamming_distance(np.array([1 + 0j, 0]), [0, 1])
    with pytest.raises(TypeError, match=r"P must be bits .*got a complex tensor \(torch.complex64\)"):
        fl.hamming_matrix(torch.ones(2, 2, dtype=torch.complex64))
    with pytest.raises(ValueError, match=r"outside \{0, 1\} such as nan"):
        fl.hamming_distance([0, float("nan")], [0, 1])


def test_interval_patterns_limit_is_an_int_and_memory_is_checked():
    assert len(fl.interval_patterns([0, 0], [1, 1], limit=np.int64(4))) == 4
    with pytest.raises(TypeError, match="limit must be an int, got 4.0"):
        fl.interval_patterns([0, 0], [1, 1], limit=4.0)
    with pytest.raises(fl.OverBudget, match="the 1099511627776 patterns of the interval"):
        fl.interval_patterns([0] * 40, [1] * 40, limit=2**45)


def test_activation_patterns_estimate_their_memory():
    net = fl.mlp([2, 64, 64, 1], seed=0)
    with fl.limits.memory_budget(2**20), pytest.raises(fl.OverBudget, match=r"patterns of 20000 inputs x \(128 bits"):
        fl.activation_patterns(net, torch.zeros(20_000, 2))
