"""The Bernoulli(0.5) null test: calibrated on real Bernoulli(0.5) vectors (uniform p-values), exact against
enumeration, its Monte Carlo shortcut against the paper's literal procedure, and p near 0 off the null."""

import itertools

import numpy as np
import pytest
from scipy import stats

import foldlab as fl


def bernoulli(seed, shape, p=0.5):
    return np.random.default_rng(seed).random(shape) < p


@pytest.mark.parametrize("method", ["exact", "normal"])
@pytest.mark.parametrize("independent", [True, False])
def test_null_test_is_calibrated_on_bernoulli_vectors(method, independent):
    """Under H0 the p-values are uniform: KS test, and the rejection rate at 0.05 within binomial noise."""
    pairs = np.arange(200).reshape(100, 2) if independent else None  # fresh vectors per pair, or shared ones
    p = np.array([
        fl.bernoulli_null_test(bernoulli(seed, (200, 24)), n_pairs=300, seed=seed, pairs=pairs, method=method).p_value
        for seed in range(400)
    ])
    assert stats.kstest(p, "uniform").pvalue > 1e-3
    assert stats.binomtest(int((p < 0.05).sum()), 400, 0.05).pvalue > 1e-3


def test_monte_carlo_null_is_calibrated_and_matches_the_literal_procedure():
    p = np.array([
        fl.bernoulli_null_test(bernoulli(seed, (100, 16)), n_pairs=200, seed=seed, method="monte_carlo", n_draws=199)
        .p_value for seed in range(300)
    ])
    assert stats.binomtest(int((p <= 0.05).sum()), 300, 0.05).pvalue > 1e-3
    # the shortcut (sum of distances drawn from Binomial(K m, 1/2)) against the paper's procedure: draw K
    # pairs of Bernoulli vectors and average their distances, 400 times
    K, m = 50, 16
    rng = np.random.default_rng(0)
    literal = [(rng.random((K, m)) < 0.5).__ne__(rng.random((K, m)) < 0.5).sum(1).mean() for _ in range(400)]
    shortcut = np.random.default_rng(1).binomial(K * m, 0.5, size=400) / K
    assert stats.ks_2samp(literal, shortcut).pvalue > 1e-3


def test_exact_p_value_against_enumeration():
    """Two independent pairs of 2-bit vectors: all 2^8 equally likely outcomes enumerated."""
    pairs = np.array([[0, 1], [2, 3]])
    outcomes = [np.array(bits).reshape(4, 2) for bits in itertools.product([0, 1], repeat=8)]
    sums = np.array([int((o[0] != o[1]).sum() + (o[2] != o[3]).sum()) for o in outcomes])
    for observed in outcomes[::7]:
        s = int((observed[0] != observed[1]).sum() + (observed[2] != observed[3]).sum())
        result = {a: fl.bernoulli_null_test(observed, pairs=pairs, alternative=a).p_value
                  for a in ("two-sided", "less", "greater")}
        assert result["two-sided"] == pytest.approx(np.mean(np.abs(sums - 2) >= abs(s - 2)))
        assert result["less"] == pytest.approx(np.mean(sums <= s))
        assert result["greater"] == pytest.approx(np.mean(sums >= s))


def test_null_test_rejects_non_bernoulli_patterns():
    for P in (bernoulli(0, (300, 32), p=0.3), np.tile(bernoulli(1, (1, 32)), (300, 1)) ^ bernoulli(2, (300, 32), 0.05)):
        result = fl.bernoulli_null_test(P, n_pairs=2000)
        assert result.p_value < 1e-10 and result.mean_distance < 16 and result.z < -5
        assert fl.bernoulli_null_test(P, n_pairs=2000, alternative="less").p_value < 1e-10
        assert fl.bernoulli_null_test(P, n_pairs=2000, alternative="greater").p_value > 0.99
        assert fl.bernoulli_null_test(P, n_pairs=2000, method="monte_carlo", n_draws=99).p_value == 0.01


def test_a_trained_nets_patterns_are_not_coin_flips(digits, digits_net):
    # a trained net's first layer, whose patterns are far from fair coins on the data (dead units included)
    patterns = fl.activation_patterns(digits_net, digits.X, layers=0)
    assert fl.bernoulli_null_test(patterns, n_pairs=3000).p_value < 1e-6


def test_null_test_result_and_errors():
    r = fl.bernoulli_null_test(bernoulli(0, (50, 10)), n_pairs=100, seed=1)
    assert r.expected == 5 and r.width == 10 and r.n_pairs == 100 and r.std == pytest.approx(np.sqrt(10 / 400))
    values, prob = r.null_distribution()
    assert prob.sum() == pytest.approx(1, abs=1e-5) and values[np.argmax(prob)] == pytest.approx(5, abs=0.01)
    assert repr(r).startswith("NullTest(mean_distance=")
    with pytest.raises(ValueError, match="method must be one of"):
        fl.bernoulli_null_test(bernoulli(0, (5, 3)), method="bootstrap")
    with pytest.raises(ValueError, match="alternative must be one of"):
        fl.bernoulli_null_test(bernoulli(0, (5, 3)), alternative="smaller")
    with pytest.raises(ValueError, match=r"expected patterns of shape \(n, m\)"):
        fl.bernoulli_null_test(bernoulli(0, (5,)))
    with pytest.raises(ValueError, match="need at least two inputs"):
        fl.bernoulli_null_test(bernoulli(0, (1, 5)))
    with pytest.raises(ValueError, match="n_draws must be an int >= 1, got 0"):
        fl.bernoulli_null_test(bernoulli(0, (5, 3)), method="monte_carlo", n_draws=0)


def test_monte_carlo_draws_come_from_their_own_stream():
    """The pairs come from default_rng(seed) (as in fl.random_pairs) and the Monte Carlo draws from the
    first child of SeedSequence(seed). Before, both streams were default_rng(seed): the statistic and its
    reference draws were made of the same random numbers."""
    P = bernoulli(3, (60, 10))
    K, n_draws = 100, 499
    for seed in (0, 1, 7):
        result = fl.bernoulli_null_test(P, n_pairs=K, seed=seed, method="monte_carlo", n_draws=n_draws,
                                        alternative="less")
        pairs = fl.random_pairs(60, K, seed)
        s = int((P[pairs[:, 0]] != P[pairs[:, 1]]).sum())
        assert result.mean_distance == s / K
        own = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0]).binomial(K * 10, 0.5, n_draws)
        assert result.p_value == (1 + int((own <= s).sum())) / (n_draws + 1)
        shared = np.random.default_rng(seed).binomial(K * 10, 0.5, n_draws)
        assert not np.array_equal(own, shared)


def test_null_test_arguments_are_checked():
    P = bernoulli(0, (20, 6))
    cases = [
        (dict(seed=-1), ValueError, r"seed must be an int in \[0, 4294967295\], got -1"),
        (dict(seed=1.5, method="monte_carlo"), TypeError, "seed must be an int, got 1.5"),
        (dict(n_pairs=1.5), TypeError, "n_pairs must be an int, got 1.5"),
        (dict(method=["exact"]), ValueError, "method must be one of"),
        (dict(pairs=[[0.5, 1.2]]), TypeError, "pairs must hold int row indices"),
        (dict(pairs=[[0, 1], [2, 2]]), ValueError, r"pairs\[1\] = \[2, 2\] joins a row to itself"),
        (dict(pairs=[[0, 1], [1, 0]]), ValueError, r"pairs lists 1 pair\(s\) twice"),
        (dict(method="monte_carlo", n_draws=10**12), fl.OverBudget, "with 1000000000000 draws"),
        (dict(method="monte_carlo", n_draws=2.0), TypeError, "n_draws must be an int"),
    ]
    for kwargs, error, match in cases:
        with pytest.raises(error, match=match):
            fl.bernoulli_null_test(P, **kwargs)
    r = fl.bernoulli_null_test(P, method="monte_carlo", n_draws=np.int64(9), n_pairs=np.int64(10))
    assert r.n_pairs == 10
    for n_std, error in [(float("nan"), ValueError), (-1, ValueError), ("5", TypeError)]:
        with pytest.raises(error, match="n_std must be"):
            r.null_distribution(n_std)
