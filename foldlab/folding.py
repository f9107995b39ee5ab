"""The global folding measure ``Phi_N`` of a net over a labelled data set.

chi (:mod:`foldlab.measures`) on the straight segments between samples of different classes, walked
exactly (:func:`foldlab.walks`), then reduced to one number. The reduction is an interpretation: the
default (the median of the non-zero chi values) is foldlab's choice, and ``reduce="tmlr"`` is one reading
of the phrase "median of maximas of non-zero space folding" in "On Space Folds of ReLU Neural Networks";
the other reading is described in foldlab's maths page (docs/maths.md), section 'The global folding
measure'. ``.mean`` and ``.fraction_folding`` are always reported beside ``.phi``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from .walk import walks

__all__ = ["GlobalFolding", "global_folding", "sample_pairs", "REDUCTIONS"]

REDUCTIONS = ("median_nonzero", "tmlr", "mean", "median")


@dataclass(frozen=True, eq=False)
class GlobalFolding:
    """Folding of a net over a labelled data set: chi on segments between points of different classes.

    Attributes
    ----------
    phi : float
        The reduced value (see ``reduce``).
    fraction_folding : float
        Fraction of segments with chi > 0.
    mean : float
        Mean chi over all segments.
    chis : ndarray, shape (p,)
        chi of every segment.
    pairs : ndarray, shape (p, 2), int
        Indices into ``points`` of each segment's ends.
    points : ndarray, shape (q, d)
        The inputs the pairs index (the data, or the class centroids).
    labels : ndarray, shape (q,)
    reduce : str
    """

    phi: float
    fraction_folding: float
    mean: float
    chis: np.ndarray = field(repr=False)
    pairs: np.ndarray = field(repr=False)
    points: np.ndarray = field(repr=False)
    labels: np.ndarray = field(repr=False)
    reduce: str = "median_nonzero"

    def __repr__(self) -> str:
        return (
            f"GlobalFolding(phi={self.phi:.4g}, fraction_folding={self.fraction_folding:.3g}, "
            f"mean={self.mean:.4g}, segments={len(self.chis)}, reduce={self.reduce!r})"
        )


def _reduce(chis: np.ndarray, pairs: np.ndarray, labels: np.ndarray, how: str) -> float:
    if len(chis) == 0:
        return 0.0
    if how == "mean":
        return float(chis.mean())
    if how == "median":
        return float(np.median(chis))
    if how == "median_nonzero":
        folding = chis[chis > 0]
        return float(np.median(folding)) if len(folding) else 0.0
    # "tmlr": the largest chi of each (unordered) class pair, then the median over class pairs
    a, b = labels[pairs[:, 0]], labels[pairs[:, 1]]
    keys = np.stack([np.minimum(a, b), np.maximum(a, b)], axis=1)
    _, group = np.unique(keys, axis=0, return_inverse=True)
    group = np.asarray(group).reshape(-1)
    best = np.zeros(group.max() + 1)
    np.maximum.at(best, group, chis)
    return float(np.median(best))


def sample_pairs(labels: np.ndarray, n_pairs: int, rng: np.random.Generator) -> np.ndarray:
    """Distinct unordered pairs ``i < j`` with different labels, uniformly at random (all if fewer).

    The cross-class pairs are numbered block by block (one block per pair of classes ``a < b``, the
    members of ``a`` times the members of ``b``), so that ``n_pairs`` of them are drawn without
    replacement by their numbers: no ``n x n`` table and no rejection loop, whatever the size.

    Returns
    -------
    ndarray, shape (min(n_pairs, number of cross-class pairs), 2), int64
        Sorted by ``(i, j)``.

    Examples
    --------
    >>> sample_pairs(np.array([0, 0, 1]), 10, np.random.default_rng(0)).tolist()  # fewer than asked: all
    [[0, 2], [1, 2]]
    """
    classes, inverse = np.unique(labels, return_inverse=True)
    members = [np.flatnonzero(inverse == k) for k in range(len(classes))]
    blocks = [(a, b) for a in range(len(classes)) for b in range(a + 1, len(classes))]
    sizes = np.array([len(members[a]) * len(members[b]) for a, b in blocks], dtype=np.int64)
    total = int(sizes.sum())
    numbers = np.arange(total) if total <= n_pairs else np.sort(rng.choice(total, n_pairs, replace=False))
    ends = np.cumsum(sizes)
    block = np.searchsorted(ends, numbers, side="right")
    offset = numbers - (ends - sizes)[block]
    pairs = np.empty((len(numbers), 2), dtype=np.int64)
    for k in np.unique(block):
        a, b = blocks[k]
        here = block == k
        row, col = np.divmod(offset[here], len(members[b]))
        i, j = members[a][row], members[b][col]
        pairs[here] = np.stack([np.minimum(i, j), np.maximum(i, j)], axis=1)
    return pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]


def global_folding(
    net: nn.Module,
    X,
    y,
    n_pairs: int = 1000,
    pairs=None,
    seed: int = 0,
    reduce: str = "median_nonzero",
    *,
    centroids: int | None = None,
    layers: int | Sequence[int] | None = None,
    include_output: bool = False,
    device=None,
    batch_size: int = 64,
) -> GlobalFolding:
    """The global folding measure ``Phi_N``: chi on straight segments between samples of different classes.

    Parameters
    ----------
    net : torch.nn.Module
    X : Tensor or array, shape (n, d_in)
    y : Tensor or array, shape (n,)
        Class labels.
    n_pairs : int
        Number of segments: distinct pairs ``i < j`` with ``y_i != y_j`` drawn uniformly (all of them
        when there are fewer).
    pairs : array of int, shape (p, 2), optional
        Use these index pairs instead of sampling (they must join different classes).
    seed : int
        Seeds the pair sampling and the k-means of ``centroids``.
    reduce : {"median_nonzero", "tmlr", "mean", "median"}
        ``"median_nonzero"`` (default, foldlab's choice): the median of the non-zero chi values (0 if no
        segment folds). ``"tmlr"``: for each unordered pair of classes the largest chi (0 if none of its
        segments folds), then the median over class pairs: one reading of the phrase "median of maximas of
        non-zero space folding" in "On Space Folds". ``"mean"`` / ``"median"`` over all segments.
    centroids : int, optional
        Replace each class by this many k-means centroids (seeded) and use all pairs of centroids of
        different classes (at most ``n_pairs``): far fewer walks on large data sets.
    layers, include_output
        Which bits the walks use, as in :func:`foldlab.walk`.
    device, batch_size
        Passed to :func:`foldlab.walks`.

    Returns
    -------
    GlobalFolding
        ``.phi``, ``.fraction_folding``, ``.mean``, ``.chis``, ``.pairs``.

    Examples
    --------
    >>> import foldlab as fl
    >>> data = fl.toy_dataset("cantor", n=60, seed=0)
    >>> g = fl.global_folding(fl.CantorNet(depth=2), data.X, data.y, n_pairs=50, seed=0)
    >>> g
    GlobalFolding(phi=..., fraction_folding=..., mean=..., segments=50, reduce='median_nonzero')
    >>> g.chis.shape, g.pairs.shape
    ((50,), (50, 2))

    References
    ----------
    Lewandowski et al., "The Space Between: On Folding, Symmetries and Sampling" (arXiv:2503.08502, 2025): the global
    measure Phi_N of inter-class folding; Lewandowski et al., "On Space Folds of ReLU Neural Networks" (TMLR 2025,
    arXiv:2502.09954); foldlab's maths page (docs/maths.md), section 'The global folding measure' (which reductions
    are interpretations).
    """
    if reduce not in REDUCTIONS:
        raise ValueError(f"reduce must be one of {REDUCTIONS}, got {reduce!r}")
    if isinstance(n_pairs, bool) or not isinstance(n_pairs, (int, np.integer)) or n_pairs < 1:
        raise ValueError(f"n_pairs must be a positive int, got {n_pairs!r}")
    points = np.asarray(X.detach().cpu() if isinstance(X, torch.Tensor) else X, dtype=np.float64)
    labels = np.asarray(y.detach().cpu() if isinstance(y, torch.Tensor) else y).reshape(-1)
    if points.ndim != 2 or len(points) != len(labels):
        raise ValueError(
            f"expected X of shape (n, d) and y of shape (n,), got {points.shape} and {labels.shape}"
        )
    if len(np.unique(labels)) < 2:
        raise ValueError("y has a single class: the global measure needs segments between different classes")
    rng = np.random.default_rng(seed)
    if centroids is not None:
        if pairs is not None:
            raise ValueError("pass either pairs= or centroids=, not both")
        from sklearn.cluster import KMeans

        centers, center_labels = [], []
        for c in np.unique(labels):
            members = points[labels == c]
            k = min(int(centroids), len(members))
            km = KMeans(n_clusters=k, n_init=3, random_state=seed).fit(members)
            centers.append(km.cluster_centers_)
            center_labels.append(np.full(k, c))
        points, labels = np.concatenate(centers), np.concatenate(center_labels)
    if pairs is None:
        pairs = sample_pairs(labels, int(n_pairs), rng)
    else:
        pairs = np.asarray(pairs, dtype=np.int64)
        if pairs.ndim != 2 or pairs.shape[1] != 2 or len(pairs) == 0:
            raise ValueError(f"pairs must have shape (p, 2) with p >= 1, got {pairs.shape}")
        if pairs.min() < 0 or pairs.max() >= len(points):
            raise ValueError(f"pairs index outside 0..{len(points) - 1}")
        if np.any(labels[pairs[:, 0]] == labels[pairs[:, 1]]):
            raise ValueError("every pair must join points of different classes (y differs)")
    result = walks(
        net, points[pairs[:, 0]], points[pairs[:, 1]], layers, include_output,
        device=device, batch_size=batch_size, keep_patterns=False,
    )
    chis = result.chis
    return GlobalFolding(
        phi=_reduce(chis, pairs, labels, reduce),
        fraction_folding=float(np.mean(chis > 0)),
        mean=float(chis.mean()),
        chis=chis,
        pairs=pairs,
        points=points,
        labels=labels,
        reduce=reduce,
    )
