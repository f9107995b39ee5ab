"""Activation probabilities and Hamming histograms against naive loops; seeded random pairs."""

import itertools

import numpy as np
import pytest
import torch
from scipy import stats

import foldlab as fl

from .common import naive_patterns


def naive_layer_bits(net, X):
    """Per-layer bit lists from the naive per-layer forward loop of test_patterns."""
    bits = naive_patterns(net, X)
    widths = fl.read_net(net).widths
    return list(torch.split(bits, widths, dim=1))


# --- activation probability --------------------------------------------------------------------------------

@pytest.mark.parametrize("activation", ["relu", "tanh", "swiglu"])
def test_activation_probability_against_naive_loop(activation):
    net = fl.mlp([3, 6, 5, 4, 2], activation=activation, seed=2)
    X = torch.randn(123, 3, generator=torch.Generator().manual_seed(2))
    activity = fl.activation_probability(net, X, batch_size=17)  # several batches, the last one partial
    layer_bits = naive_layer_bits(net, X)
    assert activity.n_inputs == 123 and activity.widths == (6, 5, 4) and activity.layers == (0, 1, 2)
    for layer, bits in enumerate(layer_bits):
        for i in range(bits.shape[1]):
            count = sum(bool(bits[r, i]) for r in range(123))
            assert activity.counts[layer][i] == count
            assert activity.probability[layer][i] == count / 123
            assert (i in activity.dead[layer]) == (count == 0)
            assert (i in activity.always_on[layer]) == (count == 123)
    only = fl.activation_probability(net, X, layers=[2, 0])
    assert only.layers == (0, 2)
    assert np.array_equal(only.counts[1], activity.counts[2])


def test_dead_and_always_on_units():
    net = fl.mlp([2, 4, 3, 1], seed=0)
    with torch.no_grad():
        net[0].weight[1] = 0.0
        net[0].bias[1] = -0.5  # zero row, negative bias: never active
        net[0].weight[3] = 0.0
        net[0].bias[3] = 0.25  # zero row, positive bias: always active
        net[0].bias[2] = 0.0
        net[0].weight[2] = 0.0  # zero row, zero bias: z = 0 exactly, bit 0 (dead)
        net[2].weight[0] = 0.0
        net[2].bias[0] = -1.0
    X = torch.randn(200, 2, generator=torch.Generator().manual_seed(0))
    activity = fl.activation_probability(net, X)
    assert activity.dead[0].tolist() == [1, 2] and 3 in activity.always_on[0]
    assert 0 in activity.dead[1]
    assert activity.probability[0][1] == 0.0 and activity.probability[0][3] == 1.0
    assert "dead=[2, " in repr(activity)


def test_unit_activity_from_patterns():
    P = np.array([[1, 0, 1, 1], [1, 0, 0, 1], [1, 0, 1, 0]])
    a = fl.pattern_stats.UnitActivity.from_patterns(P, widths=[1, 3])
    assert [p.tolist() for p in a.probability] == [[1.0], [0.0, 2 / 3, 2 / 3]]
    assert a.always_on[0].tolist() == [0] and a.dead[1].tolist() == [0]
    with pytest.raises(ValueError, match=r"widths \[2, 3\] must be positive and add up to the pattern length 4"):
        fl.pattern_stats.UnitActivity.from_patterns(P, widths=[2, 3])
    with pytest.raises(ValueError, match="empty batch"):
        fl.pattern_stats.UnitActivity.from_patterns(np.zeros((0, 4)))
    with pytest.raises(ValueError, match=r"layers \[0\] must name one layer per width in \[1, 3\]"):
        fl.pattern_stats.UnitActivity.from_patterns(P, widths=[1, 3], layers=[0])


def test_activation_probability_bad_input():
    net = fl.mlp([2, 3, 1])
    with pytest.raises(ValueError, match="empty batch"):
        fl.activation_probability(net, torch.zeros(0, 2))
    with pytest.raises(ValueError, match="expected X with 2 features"):
        fl.activation_probability(net, torch.zeros(5, 3))
    with pytest.raises(ValueError, match="NaN"):
        fl.activation_probability(net, torch.tensor([[0.0, float("nan")]]))
    with pytest.raises(ValueError, match="layer index 3 is out of range"):
        fl.activation_probability(net, torch.zeros(5, 2), layers=3)
    one = fl.activation_probability(fl.mlp([20, 3, 1]), torch.ones(20), batch_size=4)  # a single input
    assert one.n_inputs == 1


# --- pairs and histograms ------------------------------------------------------------------------------------

@pytest.mark.parametrize("n, n_pairs", [(5, 9), (50, 300), (100_000, 2000)])
def test_random_pairs_are_distinct_valid_and_seeded(n, n_pairs):
    pairs = fl.random_pairs(n, n_pairs, seed=4)
    assert pairs.shape == (n_pairs, 2) and pairs.dtype == np.int64
    assert (pairs[:, 0] < pairs[:, 1]).all() and pairs.min() >= 0 and pairs.max() < n
    assert len({tuple(p) for p in pairs.tolist()}) == n_pairs
    assert np.array_equal(pairs, fl.random_pairs(n, n_pairs, seed=4))
    assert not np.array_equal(pairs, fl.random_pairs(n, n_pairs, seed=5))


def test_random_pairs_all_and_uniform():
    assert fl.random_pairs(4, 6).tolist() == [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]]
    assert len(fl.random_pairs(4, 100)) == 6
    # every one of the 15 pairs of 6 points is drawn equally often (chi-square over 3000 seeded draws)
    counts = {}
    for seed in range(600):
        for i, j in fl.random_pairs(6, 5, seed=seed).tolist():
            counts[(i, j)] = counts.get((i, j), 0) + 1
    assert set(counts) == set(itertools.combinations(range(6), 2))
    assert stats.chisquare(list(counts.values())).pvalue > 1e-3
    with pytest.raises(ValueError, match="need at least two inputs"):
        fl.random_pairs(1, 3)
    with pytest.raises(ValueError, match="n_pairs must be an int >= 1, got 0"):
        fl.random_pairs(5, 0)


def test_hamming_histograms_against_double_loop():
    net = fl.mlp([2, 7, 5, 1], activation="gelu", seed=1)
    X = torch.randn(60, 2, generator=torch.Generator().manual_seed(1))
    h = fl.hamming_histograms(net, X, n_pairs=200, seed=3)
    assert h.widths == (7, 5) and h.n_pairs == 200 and np.array_equal(h.pairs, fl.random_pairs(60, 200, 3))
    layer_bits = naive_layer_bits(net, X)
    for layer, bits in enumerate(layer_bits):
        for r, (i, j) in enumerate(h.pairs.tolist()):
            assert h.distances[layer][r] == sum(int(bits[i, u] != bits[j, u]) for u in range(bits.shape[1]))
        assert np.array_equal(h.counts[layer], np.histogram(h.distances[layer], bins=np.arange(h.widths[layer] + 2))[0])
        assert h.mean[layer] == pytest.approx(h.distances[layer].mean())
    again = fl.hamming_histograms(net, X, n_pairs=200, seed=3)
    assert all(np.array_equal(a, b) for a, b in zip(h.distances, again.distances))
    last = fl.hamming_histograms(net, X, layers=-1, pairs=[[0, 1], [3, 3], [5, 2]])
    assert last.layers == (1,) and last.distances[0][1] == 0


def test_hamming_histograms_bad_pairs():
    net = fl.mlp([2, 3, 1])
    with pytest.raises(ValueError, match="pairs index rows 0 to 9"):
        fl.hamming_histograms(net, torch.zeros(10, 2), pairs=[[0, 10]])
    with pytest.raises(ValueError, match=r"shape \(k, 2\)"):
        fl.hamming_histograms(net, torch.zeros(10, 2), pairs=[0, 1])


# --- arguments checked, memory estimated before drawing ------------------------------------------------------

@pytest.mark.parametrize("n", [2, 3, 7, 40])
def test_all_pairs_in_lexicographic_order(n):
    expected = list(itertools.combinations(range(n), 2))
    assert fl.random_pairs(n, len(expected)).tolist() == [list(p) for p in expected]
    assert fl.random_pairs(n, 10**6).tolist() == [list(p) for p in expected]


def test_pairs_of_a_huge_range_are_valid_without_arrays_of_length_n():
    """Numbers near both ends of the range of 2^31 rows map to valid pairs, against the formula's inverse."""
    n = fl.pattern_stats.MAX_ROWS
    pairs = fl.random_pairs(n, 5000, seed=1)
    i, j = pairs[:, 0], pairs[:, 1]
    assert (0 <= i).all() and (i < j).all() and (j < n).all() and len({tuple(p) for p in pairs.tolist()}) == 5000
    from foldlab.pattern_stats import _pair_of_number

    total = n * (n - 1) // 2
    k = np.array([0, 1, n - 2, n - 1, total // 2, total - 2, total - 1], dtype=np.int64)
    a, b = _pair_of_number(k, n)
    assert np.array_equal(a * n - a * (a + 1) // 2 + (b - a - 1), k)
    assert (a[-1], b[-1]) == (n - 2, n - 1) and (a[0], b[0]) == (0, 1)


@pytest.mark.parametrize(
    "args, error, match",
    [
        ((5.0, 3), TypeError, "n must be an int, got 5.0"),
        ((5, 3.0), TypeError, "n_pairs must be an int, got 3.0"),
        ((5, "3"), TypeError, "n_pairs must be an int"),
        ((5, 3, -1), ValueError, r"seed must be an int in \[0, 4294967295\], got -1"),
        ((5, 3, 1.5), TypeError, "seed must be an int, got 1.5"),
        ((2**40, 3), ValueError, r"n must be an int in \[0, 2147483648\]"),
        ((10**6, 10**9), fl.OverBudget, "1000000000 random pairs of 1000000 rows"),
        ((10**6, 10**12), fl.OverBudget, "499999500000 random pairs of 1000000 rows"),
    ],
)
def test_random_pairs_arguments(args, error, match):
    with pytest.raises(error, match=match):
        fl.random_pairs(*args)


def test_random_pairs_accept_numpy_ints():
    assert np.array_equal(fl.random_pairs(np.int64(50), np.int32(7), np.uint16(3)), fl.random_pairs(50, 7, 3))


def test_hamming_histograms_estimate_memory_and_check_arguments():
    net = fl.mlp([2, 8, 1], seed=0)
    X = torch.zeros(100_000, 2)
    with pytest.raises(fl.OverBudget, match="the Hamming distances of 1000000000 pairs of inputs"):
        fl.hamming_histograms(net, X, n_pairs=10**9)
    small = torch.randn(20, 2, generator=torch.Generator().manual_seed(0))
    assert fl.hamming_histograms(net, small, n_pairs=10**9).n_pairs == 190  # all pairs: nothing to refuse
    cases = [
        (dict(pairs=[[0.0, 1.0]]), TypeError, "pairs must hold int row indices, got an array of float64"),
        (dict(pairs=[[True, False]]), TypeError, "pairs must hold int row indices, got an array of bool"),
        (dict(seed=None), TypeError, "seed must be an int, got None"),
        (dict(seed=1.5), TypeError, "seed must be an int, got 1.5"),
        (dict(n_pairs=2.0), TypeError, "n_pairs must be an int"),
    ]
    for kwargs, error, match in cases:
        with pytest.raises(error, match=match):
            fl.hamming_histograms(net, small, **kwargs)
    with pytest.raises(TypeError, match="X must hold real numbers, got complex values"):
        fl.hamming_histograms(net, np.ones((5, 2)) * 1j)
    with pytest.raises(ValueError, match="X contains NaN"):
        fl.hamming_histograms(net, small * float("nan"))


def test_activation_probability_refuses_complex_and_strings():
    """Before, complex inputs lost their imaginary part with only a numpy warning, and strings ended in
    numpy's 'could not convert string to float'."""
    net = fl.mlp([2, 3, 1], seed=0)
    with pytest.raises(TypeError, match=r"X must hold real numbers, got complex values \(complex128\)"):
        fl.activation_probability(net, np.ones((3, 2)) * 1j)
    with pytest.raises(TypeError, match="X must be numbers, got 'ab'"):
        fl.activation_probability(net, "ab")
    assert fl.activation_probability(net, np.ones((3, 2)), batch_size=np.int64(2)).n_inputs == 3


def test_from_patterns_widths_and_layers_are_ints():
    P = np.array([[1, 0, 1, 1], [1, 0, 0, 1]])
    with pytest.raises(TypeError, match="widths must be a sequence of ints"):
        fl.pattern_stats.UnitActivity.from_patterns(P, widths="13")  # before: read as [1, 3]
    with pytest.raises(TypeError, match="widths must be an int, got 1.5"):
        fl.pattern_stats.UnitActivity.from_patterns(P, widths=[1.5, 2.5])  # before: truncated to [1, 2]
    with pytest.raises(TypeError, match="layers must be a sequence of ints"):
        fl.pattern_stats.UnitActivity.from_patterns(P, widths=[1, 3], layers="01")
    h = fl.pattern_stats.HammingHistograms.from_patterns(P, widths=[np.int64(1), 3], pairs=[[0, 1]])
    assert [d.tolist() for d in h.distances] == [[0], [1]]
