"""Statistics of activation patterns over a data set (Swiniarski, Bruna and Cho, section 2).

- :func:`activation_probability`: per unit, the fraction of inputs on which it is active, ``p_{l,i}``;
  dead units (never active on the data) and always-on units.
- :func:`hamming_histograms`: per layer, Hamming distances between the patterns of seeded random pairs.

The Bernoulli(0.5) null test on the same pairs is in :mod:`foldlab.null_test`. Both estimate their memory
before they allocate (:data:`foldlab.limits.MEMORY_BUDGET`): a million rows and ``n_pairs=10**9`` raise
:class:`foldlab.OverBudget` at once instead of filling the machine.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch

from . import limits
from ._docs import shared_docs
from ._typing import ArrayLike, Layers, Net
from ._validation import as_inputs, as_points, check_batch_shape, check_int, check_seed, describe
from .adapter import read_net
from .patterns import activation_patterns, as_patterns

__all__ = [
    "UnitActivity",
    "activation_probability",
    "HammingHistograms",
    "hamming_histograms",
    "random_pairs",
]


#: Most rows :func:`random_pairs` numbers pairs of: ``n (n - 1) / 2`` and its arithmetic stay inside int64.
MAX_ROWS = 2**31


def _fmt(values, digits: int = 3) -> str:
    return "[" + ", ".join(f"{v:.{digits}g}" for v in values) + "]"


# --- checks shared with null_test, constellations and folding ---------------------------------------------

def pattern_matrix(patterns: ArrayLike, name: str = "patterns") -> np.ndarray:
    """Patterns as a bool numpy array of shape (n, m) (see :func:`foldlab.patterns.as_patterns`)."""
    P = as_patterns(patterns, name)
    if P.ndim != 2:
        raise ValueError(f"expected {name} of shape (n, m), got shape {tuple(P.shape)}")
    return P.cpu().numpy()


def as_indices(values: Any, name: str) -> np.ndarray:
    """Row indices as an int64 array: ints only (numpy ints too), never floats, bools, strings or complex.

    ``1.0`` is refused like ``1.5``: an index that arrives as a float was computed somewhere, and
    truncating it would silently pick another row.

    Examples
    --------
    >>> as_indices([[0, 2]], "pairs")
    array([[0, 2]])
    >>> as_indices([[0.0, 2.0]], "pairs")
    Traceback (most recent call last):
    ...
    TypeError: pairs must hold int row indices, got an array of float64
    """
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    if values is None or isinstance(values, (str, bytes)):
        raise TypeError(f"{name} must be int row indices in an array or nested lists, got {describe(values)}")
    try:
        array = np.asarray(values)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be a rectangular array of int row indices: {error}") from None
    if array.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold int row indices, got an array of {array.dtype}")
    return array.astype(np.int64)


def check_pairs(pairs: Any, n: int, name: str = "pairs") -> np.ndarray:
    """Explicit pairs of row indices: an int array of shape (k, 2), k >= 1, every index in ``[0, n)``."""
    pairs = as_indices(pairs, name)
    if pairs.ndim != 2 or pairs.shape[1] != 2 or pairs.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty int array of shape (k, 2), got shape {pairs.shape}")
    if pairs.min() < 0 or pairs.max() >= n:
        raise ValueError(f"{name} index rows 0 to {n - 1}, got indices from {pairs.min()} to {pairs.max()}")
    return pairs


def as_rows(X: Any, d_in: int, name: str = "X") -> np.ndarray | torch.Tensor:
    """Inputs of shape (n, d_in) as something indexable by rows.

    A tensor or an array is checked (type, shape) but not copied: the rows taken from it later go through
    :func:`foldlab._validation.as_inputs`, which refuses NaN and inf, batch by batch. Anything else
    (nested lists) is converted and checked whole.
    """
    if isinstance(X, torch.Tensor):
        if X.is_complex():
            raise TypeError(f"{name} must hold real numbers, got a complex tensor ({X.dtype})")
        rows = X.detach()
    elif isinstance(X, np.ndarray):
        if X.dtype.kind == "c":
            raise TypeError(f"{name} must hold real numbers, got complex values ({X.dtype})")
        if X.dtype.kind not in "biuf":
            raise TypeError(f"{name} must hold numbers, got an array of {X.dtype}")
        rows = X
    else:
        rows = as_points(X, name, dim=d_in)
    if rows.ndim == 1:
        rows = rows.reshape(1, -1)
    check_batch_shape(tuple(rows.shape), name, d_in)
    return rows


def _take(rows: np.ndarray | torch.Tensor, index: np.ndarray) -> np.ndarray | torch.Tensor:
    if isinstance(rows, torch.Tensor):
        return rows[torch.as_tensor(index, device=rows.device)]
    return rows[index]


def _check_widths(widths: Sequence[int] | None, m: int) -> tuple[int, ...]:
    if widths is None:
        return (m,)
    if isinstance(widths, (str, bytes)) or not isinstance(widths, (Sequence, np.ndarray)):
        raise TypeError(f"widths must be a sequence of ints (bits per layer), got {describe(widths)}")
    widths = tuple(check_int(w, "widths", min=1) for w in widths)
    if sum(widths) != m:
        raise ValueError(f"widths {list(widths)} must be positive and add up to the pattern length {m}")
    return widths


def _split(P: np.ndarray, widths: tuple[int, ...]) -> list[np.ndarray]:
    return np.split(P, np.cumsum(widths)[:-1], axis=1)


def _check_layers(layers: Sequence[int] | None, widths: tuple[int, ...]) -> tuple[int, ...]:
    if layers is None:
        return tuple(range(len(widths)))
    if isinstance(layers, (str, bytes)) or not isinstance(layers, (Sequence, np.ndarray)):
        raise TypeError(f"layers must be a sequence of ints, one hidden layer per width, got {describe(layers)}")
    layers = tuple(check_int(i, "layers", min=0) for i in layers)
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
    def from_patterns(
        cls, patterns: ArrayLike, widths: Sequence[int] | None = None, layers: Sequence[int] | None = None
    ) -> UnitActivity:
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


@shared_docs
def activation_probability(net: Net, X: ArrayLike, layers: Layers = None, *, batch_size: int = 8192) -> UnitActivity:
    """Per-unit activation probability ``p_{l,i} = P_x[f_l(x)_i > 0]`` over the inputs ``X``.

    Parameters
    ----------
    %(net)s
    X : Tensor or array, shape (n, d_in)
        The data set; the probability is the empirical fraction over its rows.
    %(layers)s
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
    batch_size = check_int(batch_size, "batch_size", min=1)
    widths = tuple(spec.widths[i] for i in chosen)
    X = as_rows(X, spec.d_in, "X")
    totals = [np.zeros(w, dtype=np.int64) for w in widths]
    n = 0
    for start in range(0, len(X), batch_size):
        inputs = as_inputs(X[start : start + batch_size], spec.d_in, name="X")
        part = UnitActivity.from_patterns(activation_patterns(spec, inputs, layers=chosen, batch_size=batch_size),
                                          widths)
        totals = [t + c for t, c in zip(totals, part.counts)]
        n += part.n_inputs
    return UnitActivity(tuple(totals), n, tuple(chosen))


# --- random pairs and histograms -----------------------------------------------------------------------

def choice_nbytes(total: int, k: int) -> float:
    """Bytes numpy's ``choice(total, k, replace=False)`` holds: a permutation of the whole range when ``k``
    is more than a fiftieth of it (and the range above 10000), else Floyd's algorithm with a hash set."""
    if k >= total:
        return 8.0 * total
    if total > 10_000 and k > total // 50:
        return 8.0 * total + 8.0 * k
    return 8.0 * k + 8.0 * 2 ** math.ceil(math.log2(1.2 * k + 1))


def pairs_nbytes(n: int, n_pairs: int) -> float:
    """Estimated peak bytes of :func:`random_pairs` for ``n`` rows and ``n_pairs`` asked."""
    total = n * (n - 1) // 2
    k = min(n_pairs, total)
    return choice_nbytes(total, k) + 8.0 * 6 * k


def _pair_of_number(k: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The pair ``(i, j)``, ``i < j``, numbered ``k`` in the lexicographic order of the pairs of ``range(n)``.

    Row ``i`` holds the pairs ``(i, i+1..n-1)`` and starts at number ``s(i) = i n - i (i + 1) / 2``; the
    largest ``i`` with ``s(i) <= k`` comes from the quadratic formula, then exact integer steps correct the
    float rounding. No array of length ``n`` is made, so ten pairs of a billion rows cost nothing.
    """
    def start(i):
        return i * n - i * (i + 1) // 2

    b = 2.0 * n - 1
    i = np.floor((b - np.sqrt(np.maximum(b * b - 8.0 * k, 0.0))) / 2).astype(np.int64)
    i = np.clip(i, 0, n - 2)
    while True:
        high = start(i) > k
        low = (i < n - 2) & (start(np.minimum(i + 1, n - 2)) <= k)
        if not (high.any() or low.any()):
            break
        i = i - high + low
    return i, k - start(i) + i + 1


@shared_docs
def random_pairs(n: int, n_pairs: int, seed: int = 0) -> np.ndarray:
    """Seeded distinct unordered pairs ``(i, j)``, ``i < j``, of ``range(n)``.

    Drawn uniformly without replacement from the ``n (n - 1) / 2`` pairs (numpy's
    ``default_rng(seed).choice`` picks their numbers); when ``n_pairs`` is at least that many, all pairs
    are returned, in lexicographic order. The memory is estimated before anything is drawn.

    Parameters
    ----------
    n : int
        Number of rows, from 2 to :data:`MAX_ROWS` (the pair numbers stay well inside int64).
    n_pairs : int
        Pairs to draw, at least 1.
    %(seed)s

    Returns
    -------
    ndarray, shape (min(n_pairs, n (n - 1) / 2), 2), int64

    Raises
    ------
    foldlab.OverBudget
        The pairs (and numpy's bookkeeping to draw them) would not fit in the memory budget.

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
    n = check_int(n, "n", min=0, max=MAX_ROWS)
    if n < 2:
        raise ValueError(f"need at least two inputs to form pairs, got n={n}")
    n_pairs = check_int(n_pairs, "n_pairs", min=1)
    seed = check_seed(seed)
    total = n * (n - 1) // 2
    k = min(n_pairs, total)
    limits.check_memory(pairs_nbytes(n, n_pairs), f"{k} random pairs of {n} rows", driver="pass a smaller n_pairs")
    if k == total:
        numbers = np.arange(total, dtype=np.int64)
    else:
        numbers = np.random.default_rng(seed).choice(total, size=k, replace=False)
    i, j = _pair_of_number(numbers, n)
    return np.stack([i, j], axis=1)


def _distances_nbytes(k: int, m: int, n_layers: int) -> float:
    """Bytes to compare ``k`` pairs of ``m``-bit patterns: both ends gathered, their difference, the sums."""
    return float(k) * (3 * m + 8 * n_layers)


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
    def from_patterns(
        cls,
        patterns: ArrayLike,
        widths: Sequence[int] | None = None,
        *,
        n_pairs: int = 10_000,
        seed: int = 0,
        pairs: ArrayLike | None = None,
        layers: Sequence[int] | None = None,
    ) -> HammingHistograms:
        """Build from a pattern matrix ``(n, m)`` whose columns are layers of the given ``widths``."""
        P = pattern_matrix(patterns)
        widths = _check_widths(widths, P.shape[1])
        layers = _check_layers(layers, widths)
        if pairs is None:
            n, n_pairs = check_int(P.shape[0], "the number of patterns"), check_int(n_pairs, "n_pairs", min=1)
            k = min(n_pairs, n * (n - 1) // 2)
            limits.check_memory(
                (pairs_nbytes(n, n_pairs) if n >= 2 else 0) + _distances_nbytes(k, P.shape[1], len(widths)),
                f"the distances of {k} pairs", driver="pass a smaller n_pairs",
            )
            pairs = random_pairs(P.shape[0], n_pairs, seed)
        else:
            pairs = check_pairs(pairs, P.shape[0])
            limits.check_memory(
                _distances_nbytes(len(pairs), P.shape[1], len(widths)), f"the distances of {len(pairs)} pairs",
                driver="pass fewer pairs",
            )
        differ = P[pairs[:, 0]] != P[pairs[:, 1]]
        distances = tuple(part.sum(1, dtype=np.int64) for part in _split(differ, widths))
        return cls(distances, widths, layers, pairs)

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


@shared_docs
def hamming_histograms(
    net: Net,
    X: ArrayLike,
    layers: Layers = None,
    *,
    n_pairs: int = 10_000,
    seed: int = 0,
    pairs: ArrayLike | None = None,
) -> HammingHistograms:
    """Per-layer Hamming distances between the activation patterns of seeded random pairs of inputs.

    Parameters
    ----------
    %(net)s
    %(X)s
    %(layers)s
    n_pairs : int
        Number of distinct unordered pairs ``i < j``, drawn by :func:`random_pairs` (all pairs if there
        are fewer).
    %(seed)s
        It draws the pairs.
    %(pairs)s
        ``n_pairs`` and ``seed`` are then not used.

    Returns
    -------
    HammingHistograms
        ``.distances`` per layer and ``.counts`` (the histogram over ``0..width``).

    Raises
    ------
    foldlab.OverBudget
        The pairs, the patterns of their ends and their distances would not fit in the memory budget
        (estimated before anything is drawn or computed).

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
    widths = tuple(spec.widths[i] for i in chosen)
    m = sum(widths)
    X = as_rows(X, spec.d_in, "X")
    n = X.shape[0]
    if pairs is None:
        n_pairs, seed = check_int(n_pairs, "n_pairs", min=1), check_seed(seed)
        k = min(n_pairs, n * (n - 1) // 2)
        pair_bytes = pairs_nbytes(n, n_pairs) if n >= 2 else 0.0
    else:
        pairs = check_pairs(pairs, n)
        k, pair_bytes = len(pairs), 0.0
    used = min(2 * k, n)  # the inputs in some pair: their float64 copy, patterns and the sort that finds them
    limits.check_memory(
        pair_bytes + 8.0 * 6 * k + used * (8.0 * (spec.d_in + 3 * max(spec.units)) + m)
        + _distances_nbytes(k, m, len(widths)),
        f"the Hamming distances of {k} pairs of inputs", driver="pass a smaller n_pairs or fewer inputs",
    )
    if pairs is None:
        pairs = random_pairs(n, n_pairs, seed)
    used, inverse = np.unique(pairs, return_inverse=True)  # run the net only on the inputs in a pair
    P = activation_patterns(spec, as_inputs(_take(X, used), spec.d_in, name="X"), layers=chosen)
    local = HammingHistograms.from_patterns(P, widths, pairs=inverse.reshape(pairs.shape), layers=chosen)
    return replace(local, pairs=pairs)
