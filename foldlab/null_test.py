"""Are activation patterns like random coin flips? The Bernoulli(0.5) null test of Swiniarski et al.

The statistic is the mean Hamming distance over pairs of patterns (section 2.3.1 of the paper). Under the
null (independent fair bits) and over pairs of fresh vectors, as in the paper's reference, its law is
exactly Binomial(K m, 1/2) / K; over distinct pairs drawn from one data set it keeps that mean and variance
exactly and the binomial is its reference law (see :func:`bernoulli_null_test`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import limits
from ._typing import ArrayLike
from ._validation import check_choice, check_float, check_int, check_seed
from .pattern_stats import check_pairs, pairs_nbytes, pattern_matrix, random_pairs

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
        """Exact null law of the mean distance near its centre: values ``s / n_pairs`` and their probabilities.

        ``n_std`` (finite, > 0) null standard deviations on each side of the centre, clipped to the
        possible values ``0 .. n_pairs * width``.
        """
        n_std = check_float(n_std, "n_std", min=0, include_min=False)
        N = self.n_pairs * self.width
        half = n_std * np.sqrt(N) / 2
        low, high = max(0, int(N / 2 - half)), min(N, int(np.ceil(N / 2 + half)))
        limits.check_memory(8.0 * 3 * (high - low + 1), f"{high - low + 1} values of the null law",
                            driver="pass a smaller n_std")
        s = np.arange(low, high + 1)
        from scipy import stats  # scipy.stats on first use: it takes a second to import

        return s / self.n_pairs, stats.binom.pmf(s, N, 0.5)

    def __repr__(self) -> str:
        return (
            f"NullTest(mean_distance={self.mean_distance:.4g}, expected={self.expected:.4g}, z={self.z:.3g}, "
            f"p_value={self.p_value:.3g}, n_pairs={self.n_pairs}, width={self.width}, method={self.method!r})"
        )


def _distinct_pairs(pairs: np.ndarray) -> np.ndarray:
    """Explicit pairs for the null test: each joins two different rows, and no pair comes twice (in
    either order), which would change the law of the statistic."""
    same = np.flatnonzero(pairs[:, 0] == pairs[:, 1])
    if len(same):
        raise ValueError(
            f"pairs[{same[0]}] = {pairs[same[0]].tolist()} joins a row to itself; each pair must join two rows"
        )
    ordered = np.sort(pairs, axis=1)
    unique = np.unique(ordered, axis=0)
    if len(unique) != len(pairs):
        raise ValueError(f"pairs lists {len(pairs) - len(unique)} pair(s) twice; the null test needs distinct pairs")
    return pairs


def bernoulli_null_test(
    patterns: ArrayLike,
    *,
    n_pairs: int = 10_000,
    seed: int = 0,
    pairs: ArrayLike | None = None,
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
        Pairs as in :func:`foldlab.hamming_histograms`: ``n_pairs`` distinct pairs drawn by
        ``random_pairs(n, n_pairs, seed)`` (the same seed gives the same pairs there and here), or explicit
        ``pairs``: ints, each joining two different rows, no pair twice.
    method : {"exact", "normal", "monte_carlo"}
        ``"exact"``: the binomial law above (scipy). ``"normal"``: its normal approximation.
        ``"monte_carlo"``: the paper's procedure, ``n_draws`` seeded repetitions of the mean over ``K``
        pairs of fresh Bernoulli vectors; each repetition's sum is drawn directly from its exact
        Binomial(K m, 1/2) law, and ``p = (1 + #{as extreme}) / (n_draws + 1)``. The draws come from a
        stream of their own, ``default_rng(SeedSequence(seed).spawn(1)[0])``, independent of the stream
        that drew the pairs (``default_rng(seed)``), so the statistic and its reference draws are not
        made of the same random numbers.
    alternative : {"two-sided", "less", "greater"}
        ``"less"`` asks whether the patterns are closer together than random vectors (what training does
        in the paper); two-sided p-values use the symmetry of the null about ``K m / 2``.
    n_draws : int
        Repetitions for ``"monte_carlo"`` (checked against the memory budget).

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
    method = check_choice(method, "method", _METHODS)
    alternative = check_choice(alternative, "alternative", _ALTERNATIVES)
    seed = check_seed(seed)
    if method == "monte_carlo":
        n_draws = check_int(n_draws, "n_draws", min=1)
    P = pattern_matrix(patterns)
    n, m = P.shape
    if m == 0:
        raise ValueError("patterns have no bits (shape (n, 0))")
    if pairs is None:
        if n < 2:
            raise ValueError(f"need at least two inputs to form pairs, got n={n}")
        n_pairs = check_int(n_pairs, "n_pairs", min=1)
        K, pair_bytes = min(n_pairs, n * (n - 1) // 2), pairs_nbytes(n, n_pairs)
    else:
        pairs = _distinct_pairs(check_pairs(pairs, n))
        K, pair_bytes = len(pairs), 0.0
    # the pairs, their ends' patterns and differences, and the Monte Carlo draws with their comparisons
    limits.check_memory(
        pair_bytes + 3.0 * K * m + (8.0 * 3 * n_draws if method == "monte_carlo" else 0.0),
        f"the null test on {K} pairs" + (f" with {n_draws} draws" if method == "monte_carlo" else ""),
        driver="pass a smaller n_pairs" + (" or n_draws" if method == "monte_carlo" else ""),
    )
    if pairs is None:
        pairs = random_pairs(n, n_pairs, seed)
    s = int((P[pairs[:, 0]] != P[pairs[:, 1]]).sum())
    N = K * m
    from scipy import stats  # scipy.stats on first use: it takes a second to import

    if method == "exact":
        low, high = stats.binom.cdf(s, N, 0.5), stats.binom.sf(s - 1, N, 0.5)
        two = 1.0 if 2 * s == N else min(1.0, 2 * stats.binom.cdf(min(s, N - s), N, 0.5))
    elif method == "normal":
        z = (s - N / 2) / np.sqrt(N / 4)
        low, high = stats.norm.cdf(z), stats.norm.sf(z)
        two = min(1.0, 2 * stats.norm.sf(abs(z)))
    else:
        draws = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0]).binomial(N, 0.5, size=n_draws)
        mc = lambda hits: (1 + int(hits.sum())) / (n_draws + 1)  # noqa: E731
        low, high = mc(draws <= s), mc(draws >= s)
        two = mc(np.abs(2 * draws - N) >= abs(2 * s - N))
    p = {"two-sided": two, "less": low, "greater": high}[alternative]
    return NullTest(s / K, m / 2, float(np.sqrt(m / (4 * K))), float(p), K, m, method, alternative)
