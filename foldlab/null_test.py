"""Are activation patterns like random coin flips? The Bernoulli(0.5) null test of Swiniarski et al.

The statistic is the mean Hamming distance over pairs of patterns (section 2.3.1 of the paper). Under the
null (independent fair bits) and over pairs of fresh vectors, as in the paper's reference, its law is
exactly Binomial(K m, 1/2) / K; over distinct pairs drawn from one data set it keeps that mean and variance
exactly and the binomial is its reference law (see :func:`bernoulli_null_test`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from .pattern_stats import check_pairs, pattern_matrix, random_pairs

__all__ = ["NullTest", "bernoulli_null_test"]

_METHODS = ("exact", "normal", "monte_carlo")
_ALTERNATIVES = ("two-sided", "less", "greater")


@dataclass(frozen=True)
class NullTest:
    """Result of :func:`bernoulli_null_test`.

    Attributes
    ----------
    mean_distance : float
        The statistic: mean Hamming distance over the pairs.
    expected : float
        Its mean under the null, ``m / 2``.
    std : float
        Its standard deviation under the null, ``sqrt(m / (4 n_pairs))``.
    p_value : float
    n_pairs, width : int
        Number of pairs, bits per pattern ``m``.
    method, alternative : str
    """

    mean_distance: float
    expected: float
    std: float
    p_value: float
    n_pairs: int
    width: int
    method: str
    alternative: str

    @property
    def z(self) -> float:
        """Standardised statistic ``(mean_distance - m / 2) / std``."""
        return (self.mean_distance - self.expected) / self.std

    def null_distribution(self, n_std: float = 5.0) -> tuple[np.ndarray, np.ndarray]:
        """Exact null law of the mean distance near its centre: values ``s / n_pairs`` and their probabilities."""
        N = self.n_pairs * self.width
        half = n_std * np.sqrt(N) / 2
        s = np.arange(max(0, int(N / 2 - half)), min(N, int(np.ceil(N / 2 + half))) + 1)
        return s / self.n_pairs, stats.binom.pmf(s, N, 0.5)

    def __repr__(self) -> str:
        return (
            f"NullTest(mean_distance={self.mean_distance:.4g}, expected={self.expected:.4g}, z={self.z:.3g}, "
            f"p_value={self.p_value:.3g}, n_pairs={self.n_pairs}, width={self.width}, method={self.method!r})"
        )


def bernoulli_null_test(
    patterns,
    *,
    n_pairs: int = 10_000,
    seed: int = 0,
    pairs=None,
    method: str = "exact",
    alternative: str = "two-sided",
    n_draws: int = 1000,
) -> NullTest:
    """Test whether patterns look like independent Bernoulli(0.5) vectors, by their mean Hamming distance.

    The statistic is the mean of ``d_H`` over pairs of patterns. Under the null the bits of every pattern
    are independent fair coins, so each distance is ``Binomial(m, 1/2)`` and, over ``K`` pairs of fresh
    vectors (the paper's reference: K pairs of random Bernoulli vectors), the summed distance is exactly
    ``Binomial(K m, 1/2)``. With pairs drawn from one data set two pairs may share a pattern; their
    distances are still uncorrelated under the null (``a xor b`` and ``a xor c`` are independent fair bits),
    so the statistic keeps the null mean ``m / 2`` and variance ``m / (4 K)`` exactly and the binomial law
    is its (very close) reference. Pairs repeated twice would break this, so pairs are distinct.

    Parameters
    ----------
    patterns : Tensor or array of bits, shape (n, m)
        One layer's patterns (``activation_patterns(net, X, layers=l)``), or any bit vectors.
    n_pairs, seed, pairs
        Pairs as in :func:`hamming_histograms`: ``n_pairs`` distinct seeded pairs, or explicit ``pairs``.
    method : {"exact", "normal", "monte_carlo"}
        ``"exact"``: the binomial law above (scipy). ``"normal"``: its normal approximation.
        ``"monte_carlo"``: the paper's procedure, ``n_draws`` seeded repetitions of the mean over ``K``
        pairs of fresh Bernoulli vectors; each repetition's sum is drawn directly from its exact
        Binomial(K m, 1/2) law, and ``p = (1 + #{as extreme}) / (n_draws + 1)``.
    alternative : {"two-sided", "less", "greater"}
        ``"less"`` asks whether the patterns are closer together than random vectors (what training does
        in the paper); two-sided p-values use the symmetry of the null about ``K m / 2``.
    n_draws : int
        Repetitions for ``"monte_carlo"``.

    Returns
    -------
    NullTest

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> bernoulli_null_test(rng.random((400, 64)) < 0.5, n_pairs=2000)
    NullTest(mean_distance=32.09, expected=32, z=0.962, p_value=0.338, n_pairs=2000, width=64, method='exact')
    >>> bernoulli_null_test(rng.random((400, 64)) < 0.2, n_pairs=2000).p_value
    0.0

    References
    ----------
    Swiniarski, Bruna and Cho, "Study on Activation Patterns", section 2.3.1.
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    if alternative not in _ALTERNATIVES:
        raise ValueError(f"alternative must be one of {_ALTERNATIVES}, got {alternative!r}")
    P = pattern_matrix(patterns)
    n, m = P.shape
    if m == 0:
        raise ValueError("patterns have no bits (shape (n, 0))")
    pairs = random_pairs(n, n_pairs, seed) if pairs is None else check_pairs(pairs, n)
    K = len(pairs)
    s = int((P[pairs[:, 0]] != P[pairs[:, 1]]).sum())
    N = K * m
    if method == "exact":
        low, high = stats.binom.cdf(s, N, 0.5), stats.binom.sf(s - 1, N, 0.5)
        two = 1.0 if 2 * s == N else min(1.0, 2 * stats.binom.cdf(min(s, N - s), N, 0.5))
    elif method == "normal":
        z = (s - N / 2) / np.sqrt(N / 4)
        low, high = stats.norm.cdf(z), stats.norm.sf(z)
        two = min(1.0, 2 * stats.norm.sf(abs(z)))
    else:
        if isinstance(n_draws, bool) or not isinstance(n_draws, int) or n_draws < 1:
            raise ValueError(f"n_draws must be a positive int, got {n_draws!r}")
        draws = np.random.default_rng(seed).binomial(N, 0.5, size=n_draws)
        mc = lambda hits: (1 + int(hits.sum())) / (n_draws + 1)  # noqa: E731
        low, high = mc(draws <= s), mc(draws >= s)
        two = mc(np.abs(2 * draws - N) >= abs(2 * s - N))
    p = {"two-sided": two, "less": low, "greater": high}[alternative]
    return NullTest(s / K, m / 2, float(np.sqrt(m / (4 * K))), float(p), K, m, method, alternative)
