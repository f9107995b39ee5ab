"""Statistics of activation patterns over a data set (Swiniarski, Bruna and Cho, section 2).

- :func:`activation_probability`: per unit, the fraction of inputs on which it is active, ``p_{l,i}``;
  dead units (never active on the data) and always-on units.
- :func:`hamming_histograms`: per layer, Hamming distances between the patterns of seeded random pairs.

The Bernoulli(0.5) null test on the same pairs is in :mod:`foldlab.null_test`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import torch
from torch import nn

from .adapter import read_net
from .patterns import activation_patterns, as_patterns

__all__ = [
    "UnitActivity",
    "activation_probability",
    "HammingHistograms",
    "hamming_histograms",
    "random_pairs",
]


def _fmt(values, digits: int = 3) -> str:
    return "[" + ", ".join(f"{v:.{digits}g}" for v in values) + "]"


def pattern_matrix(patterns, name: str = "patterns") -> np.ndarray:
    P = as_patterns(patterns, name)
    if P.ndim != 2:
        raise ValueError(f"expected {name} of shape (n, m), got shape {tuple(P.shape)}")
    return P.cpu().numpy()


def _check_widths(widths: Sequence[int] | None, m: int) -> tuple[int, ...]:
    if widths is None:
        return (m,)
    widths = tuple(int(w) for w in widths)
    if any(w < 1 for w in widths) or sum(widths) != m:
        raise ValueError(f"widths {list(widths)} must be positive and add up to the pattern length {m}")
    return widths


def _split(P: np.ndarray, widths: tuple[int, ...]) -> list[np.ndarray]:
    return np.split(P, np.cumsum(widths)[:-1], axis=1)


def _check_layers(layers, widths: tuple[int, ...]) -> tuple[int, ...]:
    if layers is None:
        return tuple(range(len(widths)))
    layers = tuple(int(i) for i in layers)
    if len(layers) != len(widths):
        raise ValueError(f"layers {list(layers)} must name one layer per width in {list(widths)}")
    return layers


# --- activation probability ----------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class UnitActivity:
    """How often each hidden unit is active over a data set, layer by layer.

    Attributes
    ----------
    counts : tuple of ndarray, one per layer, shape (width,), int64
        Number of inputs on which each unit is active (output strictly > 0).
    n_inputs : int
    layers : tuple of int
        The hidden layers described (0-based, in forward order).
    """

    counts: tuple[np.ndarray, ...]
    n_inputs: int
    layers: tuple[int, ...]

    @classmethod
    def from_patterns(cls, patterns, widths: Sequence[int] | None = None, layers=None) -> UnitActivity:
        """Build from a pattern matrix ``(n, m)`` whose columns are layers of the given ``widths``."""
        P = pattern_matrix(patterns)
        if P.shape[0] == 0:
            raise ValueError("empty batch: need at least one pattern to estimate activation probabilities")
        widths = _check_widths(widths, P.shape[1])
        layers = _check_layers(layers, widths)
        counts = tuple(part.sum(0, dtype=np.int64) for part in _split(P, widths))
        return cls(counts, int(P.shape[0]), layers)

    @property
    def widths(self) -> tuple[int, ...]:
        return tuple(len(c) for c in self.counts)

    @property
    def probability(self) -> tuple[np.ndarray, ...]:
        """``p_{l,i}``: the fraction of inputs on which unit ``i`` of layer ``l`` is active."""
        return tuple(c / self.n_inputs for c in self.counts)

    @property
    def dead(self) -> tuple[np.ndarray, ...]:
        """Indices (within each layer) of units active on no input of the data set."""
        return tuple(np.flatnonzero(c == 0) for c in self.counts)

    @property
    def always_on(self) -> tuple[np.ndarray, ...]:
        """Indices (within each layer) of units active on every input of the data set."""
        return tuple(np.flatnonzero(c == self.n_inputs) for c in self.counts)

    def __repr__(self) -> str:
        return (
            f"UnitActivity(layers={list(self.layers)}, widths={list(self.widths)}, n_inputs={self.n_inputs}, "
            f"mean_probability={_fmt([p.mean() for p in self.probability])}, "
            f"dead={[len(d) for d in self.dead]}, always_on={[len(a) for a in self.always_on]})"
        )


def activation_probability(
    net: nn.Module, X, layers: int | Sequence[int] | None = None, *, batch_size: int = 8192
) -> UnitActivity:
    """Per-unit activation probability ``p_{l,i} = P_x[f_l(x)_i > 0]`` over the inputs ``X``.

    Parameters
    ----------
    net : torch.nn.Module
        A net :func:`foldlab.activation_patterns` can read.
    X : Tensor or array, shape (n, d_in)
        The data set; the probability is the empirical fraction over its rows.
    layers : int or sequence of int, optional
        Hidden layers to describe (default: all).
    batch_size : int
        Inputs per forward pass; only per-unit counts are kept, so memory does not grow with ``n``.

    Returns
    -------
    UnitActivity
        ``.probability`` per layer, ``.dead`` and ``.always_on`` unit indices per layer.

    Examples
    --------
    >>> import foldlab as fl
    >>> net = fl.mlp([2, 4, 3, 1], seed=0)
    >>> activity = fl.activation_probability(net, torch.randn(500, 2, generator=torch.Generator().manual_seed(0)))
    >>> activity
    UnitActivity(layers=[0, 1], widths=[4, 3], n_inputs=500, mean_probability=[0.434, 0.628], dead=[0, 1],
                 always_on=[0, 1])
    >>> activity.dead, activity.always_on
    ((array([], dtype=int64), array([0])), (array([], dtype=int64), array([2])))

    References
    ----------
    Swiniarski, Bruna and Cho, "Study on Activation Patterns", eq. 6 and section 2.1.
    """
    spec = read_net(net)
    chosen = spec.layer_indices(layers)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    widths = tuple(spec.widths[i] for i in chosen)
    X = X if isinstance(X, torch.Tensor) else torch.as_tensor(np.ascontiguousarray(X, dtype=np.float64))
    X = X[None] if X.ndim == 1 else X
    if X.ndim == 2 and X.shape[0] == 0:
        raise ValueError(f"empty batch: X has shape {tuple(X.shape)}, expected at least one input")
    totals = [np.zeros(w, dtype=np.int64) for w in widths]
    n = 0
    for start in range(0, len(X), batch_size):
        part = UnitActivity.from_patterns(
            activation_patterns(net, X[start : start + batch_size], layers=chosen), widths
        )
        totals = [t + c for t, c in zip(totals, part.counts)]
        n += part.n_inputs
    return UnitActivity(tuple(totals), n, tuple(chosen))


# --- random pairs and histograms -----------------------------------------------------------------------

def random_pairs(n: int, n_pairs: int, seed: int = 0) -> np.ndarray:
    """Seeded distinct unordered pairs ``(i, j)``, ``i < j``, of ``range(n)``.

    Drawn uniformly without replacement from the ``n (n - 1) / 2`` pairs; when ``n_pairs`` is at least
    that many, all pairs are returned (in lexicographic order).

    Returns
    -------
    ndarray, shape (min(n_pairs, n (n - 1) / 2), 2), int64

    Examples
    --------
    >>> random_pairs(4, 10)
    array([[0, 1],
           [0, 2],
           [0, 3],
           [1, 2],
           [1, 3],
           [2, 3]])
    >>> random_pairs(1000, 3, seed=1).shape
    (3, 2)
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"need at least two inputs to form pairs, got n={n!r}")
    if isinstance(n_pairs, bool) or not isinstance(n_pairs, (int, np.integer)) or n_pairs < 1:
        raise ValueError(f"n_pairs must be a positive int, got {n_pairs!r}")
    n = int(n)
    total = n * (n - 1) // 2
    if n_pairs >= total:
        return np.stack(np.triu_indices(n, 1), axis=1).astype(np.int64)
    k = np.random.default_rng(seed).choice(total, size=int(n_pairs), replace=False)
    # row i holds the pairs (i, i+1..n-1); its first linear index is i n - i (i + 1) / 2
    rows = np.arange(n, dtype=np.int64)
    starts = rows * n - rows * (rows + 1) // 2
    i = np.searchsorted(starts, k, side="right") - 1
    j = k - starts[i] + i + 1
    return np.stack([i, j], axis=1).astype(np.int64)


def check_pairs(pairs, n: int) -> np.ndarray:
    pairs = np.asarray(pairs)
    if pairs.ndim != 2 or pairs.shape[1] != 2 or pairs.shape[0] == 0 or not np.issubdtype(pairs.dtype, np.integer):
        raise ValueError(f"pairs must be a non-empty int array of shape (k, 2), got {pairs.dtype} {pairs.shape}")
    if pairs.min() < 0 or pairs.max() >= n:
        raise ValueError(f"pairs index rows 0 to {n - 1}, got indices from {pairs.min()} to {pairs.max()}")
    return pairs.astype(np.int64)


@dataclass(frozen=True, eq=False)
class HammingHistograms:
    """Hamming distances between the patterns of pairs of inputs, per hidden layer.

    Attributes
    ----------
    distances : tuple of ndarray, one per layer, shape (n_pairs,), int64
    widths : tuple of int
        Bits per layer (the largest possible distance).
    layers : tuple of int
    pairs : ndarray, shape (n_pairs, 2)
        Row indices of the inputs compared.
    """

    distances: tuple[np.ndarray, ...]
    widths: tuple[int, ...]
    layers: tuple[int, ...]
    pairs: np.ndarray

    @classmethod
    def from_patterns(cls, patterns, widths=None, *, n_pairs: int = 10_000, seed: int = 0, pairs=None, layers=None):
        """Build from a pattern matrix ``(n, m)`` whose columns are layers of the given ``widths``."""
        P = pattern_matrix(patterns)
        widths = _check_widths(widths, P.shape[1])
        pairs = random_pairs(P.shape[0], n_pairs, seed) if pairs is None else check_pairs(pairs, P.shape[0])
        differ = P[pairs[:, 0]] != P[pairs[:, 1]]
        distances = tuple(part.sum(1, dtype=np.int64) for part in _split(differ, widths))
        return cls(distances, widths, _check_layers(layers, widths), pairs)

    @property
    def n_pairs(self) -> int:
        return len(self.pairs)

    @property
    def counts(self) -> tuple[np.ndarray, ...]:
        """Per layer, how many pairs lie at distance ``0, 1, ..., width``: shape (width + 1,)."""
        return tuple(np.bincount(d, minlength=w + 1) for d, w in zip(self.distances, self.widths))

    @property
    def mean(self) -> tuple[float, ...]:
        return tuple(float(d.mean()) for d in self.distances)

    def __repr__(self) -> str:
        return (
            f"HammingHistograms(layers={list(self.layers)}, widths={list(self.widths)}, n_pairs={self.n_pairs}, "
            f"mean={_fmt(self.mean)})"
        )


def hamming_histograms(
    net: nn.Module,
    X,
    layers: int | Sequence[int] | None = None,
    *,
    n_pairs: int = 10_000,
    seed: int = 0,
    pairs=None,
) -> HammingHistograms:
    """Per-layer Hamming distances between the activation patterns of seeded random pairs of inputs.

    Parameters
    ----------
    net : torch.nn.Module
    X : Tensor or array, shape (n, d_in)
    layers : int or sequence of int, optional
        Hidden layers to describe (default: all).
    n_pairs : int
        Number of distinct unordered pairs ``i < j``, drawn by :func:`random_pairs` (all pairs if there
        are fewer).
    seed : int
        Seeds the pairs: the same seed gives the same pairs and distances.
    pairs : int array, shape (k, 2), optional
        Explicit pairs of row indices (then ``n_pairs`` and ``seed`` are ignored).

    Returns
    -------
    HammingHistograms
        ``.distances`` per layer and ``.counts`` (the histogram over ``0..width``).

    Examples
    --------
    >>> import foldlab as fl
    >>> net = fl.mlp([2, 16, 16, 1], seed=0)
    >>> X = torch.randn(300, 2, generator=torch.Generator().manual_seed(0))
    >>> fl.hamming_histograms(net, X, n_pairs=1000)
    HammingHistograms(layers=[0, 1], widths=[16, 16], n_pairs=1000, mean=[4.22, 4.04])

    References
    ----------
    Swiniarski, Bruna and Cho, "Study on Activation Patterns", eq. 7 and section 2.2.
    """
    spec = read_net(net)
    chosen = spec.layer_indices(layers)
    X = X if isinstance(X, torch.Tensor) else torch.as_tensor(np.ascontiguousarray(X, dtype=np.float64))
    n = X.shape[0] if X.ndim == 2 else 1
    pairs = random_pairs(n, n_pairs, seed) if pairs is None else check_pairs(pairs, n)
    used, inverse = np.unique(pairs, return_inverse=True)  # run the net only on the inputs in a pair
    P = activation_patterns(net, X[torch.as_tensor(used)], layers=chosen)
    widths = tuple(spec.widths[i] for i in chosen)
    local = HammingHistograms.from_patterns(P, widths, pairs=inverse.reshape(pairs.shape), layers=chosen)
    return replace(local, pairs=pairs)
