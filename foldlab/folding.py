"""The global folding measure ``Phi_N`` of a net over a labelled data set.

chi (:mod:`foldlab.measures`) on the straight segments between samples of different classes, walked
exactly (:func:`foldlab.walks`), then reduced to one number. The reduction is an interpretation: the
default (the median of the non-zero chi values) is foldlab's choice, and ``reduce="tmlr"`` is one reading
of the phrase "median of maximas of non-zero space folding" in "On Space Folds of ReLU Neural Networks";
the other reading is described in foldlab's maths page (docs/maths.md), section 'The global folding
measure'. ``.mean`` and ``.fraction_folding`` are always reported beside ``.phi``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import limits
from ._typing import ArrayLike, Device, Layers, Net
from ._validation import as_device, as_labels, as_points, check_bool, check_choice, check_int, check_seed, describe
from .adapter import read_net
from .pattern_stats import check_pairs, choice_nbytes
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


def _blocks(labels: np.ndarray) -> tuple[list[np.ndarray], list[tuple[int, int]], np.ndarray]:
    """The members of each class, the pairs of classes ``a < b`` and their numbers of cross pairs."""
    classes, inverse = np.unique(labels, return_inverse=True)
    members = [np.flatnonzero(inverse == k) for k in range(len(classes))]
    blocks = [(a, b) for a in range(len(classes)) for b in range(a + 1, len(classes))]
    sizes = np.array([len(members[a]) * len(members[b]) for a, b in blocks], dtype=np.int64)
    return members, blocks, sizes


def sample_pairs_nbytes(labels: np.ndarray, n_pairs: int) -> float:
    """Estimated peak bytes of :func:`sample_pairs` (the blocks of class pairs, the draw, the pairs)."""
    counts = np.unique(labels, return_counts=True)[1].astype(np.float64)
    n_classes = len(counts)
    total = int((counts.sum() ** 2 - (counts**2).sum()) // 2)
    k = min(n_pairs, total)
    # one Python tuple and size per pair of classes (~120 bytes), the member lists, numpy's draw, ~8 arrays of k
    return 120.0 * n_classes * (n_classes - 1) / 2 + 16.0 * len(labels) + choice_nbytes(total, k) + 64.0 * k


def sample_pairs(labels: ArrayLike, n_pairs: int, rng: np.random.Generator) -> np.ndarray:
    """Distinct unordered pairs ``i < j`` with different labels, uniformly at random (all if fewer).

    The cross-class pairs are numbered block by block (one block per pair of classes ``a < b``, the
    members of ``a`` times the members of ``b``), so that ``n_pairs`` of them are drawn without
    replacement by their numbers: no ``n x n`` table and no rejection loop, whatever the size. The memory
    (:func:`sample_pairs_nbytes`) is checked against :data:`foldlab.limits.MEMORY_BUDGET` first.

    Parameters
    ----------
    labels : array of int, shape (n,)
    n_pairs : int
        At least 1.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray, shape (min(n_pairs, number of cross-class pairs), 2), int64
        Sorted by ``(i, j)``.

    Examples
    --------
    >>> sample_pairs(np.array([0, 0, 1]), 10, np.random.default_rng(0)).tolist()  # fewer than asked: all
    [[0, 2], [1, 2]]
    """
    labels = as_labels(labels, "labels")
    n_pairs = check_int(n_pairs, "n_pairs", min=1)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {describe(rng)}")
    limits.check_memory(
        sample_pairs_nbytes(labels, n_pairs), f"{n_pairs} pairs across the classes of {len(labels)} points",
        driver="pass a smaller n_pairs (or fewer classes)",
    )
    members, blocks, sizes = _blocks(labels)
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


def _segments_nbytes(p: int, d: int) -> float:
    """Bytes for ``p`` segments in ``d`` dimensions: both ends (and the walks' float64 copies of them), and
    chi, r1, r2 and the region count of each."""
    return float(p) * (4 * 8 * d + 8 * 8)


def _centroids(points: np.ndarray, labels: np.ndarray, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``k`` seeded k-means centroids per class (all the points of a class with fewer)."""
    from sklearn.cluster import KMeans

    centers, center_labels = [], []
    for c in np.unique(labels):
        members = points[labels == c]
        k_here = min(k, len(members))
        km = KMeans(n_clusters=k_here, n_init=3, random_state=seed).fit(members)
        centers.append(km.cluster_centers_)
        center_labels.append(np.full(k_here, c))
    return np.concatenate(centers), np.concatenate(center_labels)


def global_folding(
    net: Net,
    X: ArrayLike,
    y: ArrayLike,
    n_pairs: int = 1000,
    pairs: ArrayLike | None = None,
    seed: int = 0,
    reduce: str = "median_nonzero",
    *,
    centroids: int | None = None,
    layers: Layers = None,
    include_output: bool = False,
    device: Device = None,
    batch_size: int = 64,
) -> GlobalFolding:
    """The global folding measure ``Phi_N``: chi on straight segments between samples of different classes.

    Parameters
    ----------
    net : torch.nn.Module or NetSpec
    X : Tensor or array, shape (n, d_in)
        Finite real inputs.
    y : Tensor or array, shape (n,)
        Class labels: integers (whole-number floats are taken, never NaN or ``0.5``), at least two classes.
    n_pairs : int
        Number of segments: distinct pairs ``i < j`` with ``y_i != y_j`` drawn uniformly (all of them
        when there are fewer).
    pairs : array of int, shape (p, 2), optional
        Use these index pairs instead of sampling: ints (not floats), in ``0..n-1``, each joining two
        different classes.
    seed : int
        Seeds the pair sampling and the k-means of ``centroids`` (0 to 2**32 - 1).
    reduce : {"median_nonzero", "tmlr", "mean", "median"}
        ``"median_nonzero"`` (default, foldlab's choice): the median of the non-zero chi values (0 if no
        segment folds). ``"tmlr"``: for each unordered pair of classes the largest chi (0 if none of its
        segments folds), then the median over class pairs: one reading of the phrase "median of maximas of
        non-zero space folding" in "On Space Folds". ``"mean"`` / ``"median"`` over all segments.
    centroids : int, optional
        A positive int: replace each class by this many k-means centroids (seeded; fewer for a class with
        fewer points) and use all pairs of centroids of different classes (at most ``n_pairs``): far
        fewer walks on large data sets.
    layers, include_output
        Which bits the walks use, as in :func:`foldlab.walk`.
    device, batch_size
        Passed to :func:`foldlab.walks`.

    Returns
    -------
    GlobalFolding
        ``.phi``, ``.fraction_folding``, ``.mean``, ``.chis``, ``.pairs``.

    Raises
    ------
    TypeError, ValueError
        A bad argument, named in the message.
    foldlab.OverBudget
        The pairs and their segments would not fit in :data:`foldlab.limits.MEMORY_BUDGET`.

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
    reduce = check_choice(reduce, "reduce", REDUCTIONS)
    n_pairs = check_int(n_pairs, "n_pairs", min=1)
    seed = check_seed(seed)
    spec = read_net(net)
    spec.layer_indices(layers)  # the walks' own arguments, checked before any work
    check_bool(include_output, "include_output")
    check_int(batch_size, "batch_size", min=1)
    if device is not None:
        as_device(device)
    points = as_points(X, "X", dim=spec.d_in)
    labels = as_labels(y, "y", n=len(points))
    if len(np.unique(labels)) < 2:
        raise ValueError("y has a single class: the global measure needs segments between different classes")
    if centroids is not None:
        centroids = check_int(centroids, "centroids", min=1)
        if pairs is not None:
            raise ValueError("pass either pairs= or centroids=, not both")
        limits.check_memory(
            16.0 * len(points) * centroids, f"k-means with {centroids} centroids per class",
            driver="pass a smaller centroids",
        )
        points, labels = _centroids(points, labels, centroids, seed)
    if pairs is None:
        limits.check_memory(
            sample_pairs_nbytes(labels, n_pairs)
            + _segments_nbytes(min(n_pairs, len(points) ** 2 // 2), points.shape[1]),
            f"the segments of {n_pairs} pairs", driver="pass a smaller n_pairs",
        )
        pairs = sample_pairs(labels, n_pairs, np.random.default_rng(seed))
    else:
        pairs = check_pairs(pairs, len(points))
        same = np.flatnonzero(labels[pairs[:, 0]] == labels[pairs[:, 1]])
        if len(same):
            i, j = pairs[same[0]].tolist()
            raise ValueError(
                f"every pair must join points of different classes (y differs), but pairs[{same[0]}] = "
                f"[{i}, {j}] joins two points of class {labels[i]}"
            )
        limits.check_memory(
            _segments_nbytes(len(pairs), points.shape[1]), f"the segments of {len(pairs)} pairs",
            driver="pass fewer pairs",
        )
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
