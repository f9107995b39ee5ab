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
    with pytest.raises(ValueError, match="n_draws must be a positive int"):
        fl.bernoulli_null_test(bernoulli(0, (5, 3)), method="monte_carlo", n_draws=0)
