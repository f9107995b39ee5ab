"""A data set seen through its activation patterns: nearest neighbours and constellations.

- :func:`nearest_neighbors`: the ``k`` closest points in Hamming distance (or Euclidean, to compare).
- :func:`constellation_curve`: complete-linkage clustering in Hamming distance, the number of clusters as
  the threshold sweeps ``1..m``, and the area under that curve as a constellation score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from . import limits
from ._typing import ArrayLike
from ._validation import as_points, check_choice, check_float, check_int
from .pattern_stats import as_indices
from .patterns import as_patterns, hamming_dtype, hamming_matrix

__all__ = ["Neighbors", "nearest_neighbors", "Constellations", "constellation_curve"]

_METRICS = ("hamming", "euclidean")
#: Query rows per block of :func:`nearest_neighbors` (fewer when there are many points), to bound the
#: distance matrix in memory.
_BLOCK_ROWS = 1024
#: Distances per block of :func:`nearest_neighbors` (8 M: 64 MB as float64).
_BLOCK_ENTRIES = 2**23


@dataclass(frozen=True, eq=False)
class Neighbors:
    """The ``k`` nearest points of each query.

    Attributes
    ----------
    indices : ndarray, shape (q, k), int64
        Row indices into ``points``, nearest first; equal distances are ordered by increasing index.
    distances : ndarray, shape (q, k)
        int64 for Hamming, float64 for Euclidean.
    metric : str
    """

    indices: np.ndarray
    distances: np.ndarray
    metric: str

    def __repr__(self) -> str:
        q, k = self.indices.shape
        first = ", ".join(map(str, self.indices[0, : min(k, 8)])) + (", ..." if k > 8 else "")
        return f"Neighbors(metric={self.metric!r}, queries={q}, k={k}, first=[{first}])"


def _as_points(a, name: str, metric: str) -> torch.Tensor:
    if metric == "hamming":
        t = as_patterns(a, name)
    else:
        t = torch.from_numpy(as_points(a, name, allow_empty=True))  # refuses NaN, inf, complex, strings
    if t.ndim == 1:
        t = t.unsqueeze(0)
    if t.ndim != 2:
        raise ValueError(f"expected {name} of shape (n, m) or (m,), got shape {tuple(t.shape)}")
    return t


def nearest_neighbors(
    points: ArrayLike, queries: ArrayLike, k: int = 5, *, metric: str = "hamming", exclude: ArrayLike | None = None
) -> Neighbors:
    """The ``k`` points nearest to each query, in Hamming distance of patterns or in Euclidean distance.

    Parameters
    ----------
    points : Tensor or array, shape (n, m)
        Patterns (bits) for ``metric="hamming"``, real vectors for ``metric="euclidean"``.
    queries : Tensor or array, shape (q, m) or (m,)
    k : int
        Number of neighbours, ``1 <= k <= n`` (``n - 1`` with ``exclude``).
    metric : {"hamming", "euclidean"}
        Euclidean distances are computed from coordinate differences in float64 (no ``|x|^2 - 2 x.y``
        cancellation), so ties between exactly equidistant points stay ties.
    exclude : int array, shape (q,), optional
        For query ``r``, the row ``exclude[r]`` of ``points`` is skipped (its own row when the queries are
        points of the set); ``-1`` skips nothing. Ints only (``2.0`` is refused).

    Returns
    -------
    Neighbors
        ``.indices`` and ``.distances``, shape (q, k). Ties are broken by the lower row index (a stable
        sort), so the answer is deterministic.

    Examples
    --------
    >>> P = torch.tensor([[0, 0, 0], [1, 1, 1], [0, 0, 1], [1, 0, 0], [0, 1, 1]])
    >>> nb = nearest_neighbors(P, P[0], k=3, exclude=[0])
    >>> nb.indices, nb.distances
    (array([[2, 3, 4]]), array([[1, 1, 2]]))

    References
    ----------
    Swiniarski, Bruna and Cho, "Study on Activation Patterns", section 2.4 (ranked nearest neighbours).
    """
    metric = check_choice(metric, "metric", _METRICS)
    points, queries = _as_points(points, "points", metric), _as_points(queries, "queries", metric)
    n, q = points.shape[0], queries.shape[0]
    if n == 0:
        raise ValueError(f"empty batch: points has shape {tuple(points.shape)}, expected at least one point")
    if points.shape[1] != queries.shape[1]:
        raise ValueError(f"points have {points.shape[1]} coordinates but queries have {queries.shape[1]}")
    if q == 0:
        raise ValueError("empty batch: no queries")
    if exclude is not None:
        exclude = as_indices(exclude, "exclude").reshape(-1)
        if exclude.shape != (q,) or exclude.min() < -1 or exclude.max() >= n:
            raise ValueError(f"exclude must hold one row index in [-1, {n - 1}] per query ({q}), got {exclude}")
    available = n - (exclude is not None)
    k = check_int(k, "k", min=1)
    if k > available:
        raise ValueError(f"k must be an int from 1 to {available} (the points available), got {k}")
    # a block of distances, as float64 with its argsort (int64), and the (q, k) results
    block_rows = max(1, min(_BLOCK_ROWS, _BLOCK_ENTRIES // n))
    limits.check_memory(
        8.0 * 3 * min(q, block_rows) * n + 16.0 * q * k,
        f"the nearest {k} of {n} points for {q} queries", driver="pass fewer points, queries or a smaller k",
    )
    indices = np.empty((q, k), dtype=np.int64)
    distances = np.empty((q, k), dtype=np.int64 if metric == "hamming" else np.float64)
    for start in range(0, q, block_rows):
        block = queries[start : start + block_rows]
        if metric == "hamming":
            D = hamming_matrix(block, points).numpy()
        else:
            from scipy.spatial.distance import cdist  # scipy on first use: importing foldlab stays fast

            D = cdist(block.numpy(), points.numpy())
        if exclude is not None:
            rows = np.flatnonzero(exclude[start : start + block_rows] >= 0)
            D = D.astype(np.float64)
            D[rows, exclude[start + rows]] = np.inf
        order = np.argsort(D, axis=1, kind="stable")[:, :k]
        indices[start : start + len(block)] = order
        distances[start : start + len(block)] = np.take_along_axis(D, order, axis=1)
    return Neighbors(indices, distances, metric)


@dataclass(frozen=True, eq=False)
class Constellations:
    """Complete-linkage clustering of patterns in Hamming distance, read at every threshold.

    Attributes
    ----------
    thresholds : ndarray, shape (m,)
        ``1, 2, ..., m`` (``m`` = bits per pattern).
    n_clusters : ndarray, shape (m,)
        Number of clusters at each threshold: groups whose largest inner distance is at most the
        threshold. Non-increasing, and 1 at ``m``.
    n_points : int
    linkage : ndarray, shape (n - 1, 4)
        scipy's linkage matrix (for a dendrogram).
    """

    thresholds: np.ndarray
    n_clusters: np.ndarray
    n_points: int
    linkage: np.ndarray

    @property
    def area(self) -> int:
        """Area under the curve ``n_clusters(t)``, ``t = 1..m`` (sum of the steps, unit spacing)."""
        return int(self.n_clusters.sum())

    @property
    def score(self) -> float:
        """The area normalised to ``[0, 1)``: ``mean over t of (n_clusters(t) - 1) / (n - 1)``.

        0 when everything is one cluster from threshold 1 on; close to 1 when every pattern stays alone
        until the largest thresholds (random Bernoulli vectors). Lower means tighter constellations.
        """
        return float(np.mean((self.n_clusters - 1) / (self.n_points - 1)))

    def clusters(self, threshold: float) -> np.ndarray:
        """Cluster label (1-based) of every pattern at a threshold (a finite number >= 0), shape (n,)."""
        from scipy.cluster import hierarchy

        threshold = check_float(threshold, "threshold", min=0)
        return hierarchy.fcluster(self.linkage, threshold, criterion="distance")

    def __repr__(self) -> str:
        return (
            f"Constellations(n_points={self.n_points}, bits={len(self.thresholds)}, "
            f"score={self.score:.3f}, n_clusters[:5]={self.n_clusters[:5].tolist()})"
        )


def constellation_curve(patterns: ArrayLike, *, max_points: int = 5000) -> Constellations:
    """Number of complete-linkage clusters in Hamming distance as the threshold sweeps ``1..m``.

    Patterns are clustered bottom-up with complete linkage (the distance of two clusters is the largest
    distance between their members); at threshold ``t`` the clusters are the groups whose largest inner
    distance is at most ``t`` (scipy's ``fcluster(..., criterion="distance")``). Complete linkage never
    merges below an earlier merge, so the count at ``t`` is ``n`` minus the number of merges at heights
    ``<= t``. Distances are integers, so the curve is exact at integer thresholds and constant between
    them. With tied distances complete linkage may pick among equally good merges; scipy's choice is kept.

    Parameters
    ----------
    patterns : Tensor or array of bits, shape (n, m), n >= 2
    max_points : int
        Clustering needs all ``n (n - 1) / 2`` distances; above this many points it raises (pass a subset).
        Under it, the memory of the distances is still checked against :data:`foldlab.limits.MEMORY_BUDGET`.

    Returns
    -------
    Constellations
        ``.thresholds``, ``.n_clusters``, ``.score`` (normalised area under the curve), ``.area``.

    Examples
    --------
    >>> P = torch.tensor([[0, 0, 0, 0], [0, 0, 0, 1], [1, 1, 1, 1], [1, 1, 1, 0]])
    >>> c = constellation_curve(P)
    >>> c.n_clusters, c.score
    (array([2, 2, 2, 1]), 0.25)

    References
    ----------
    Swiniarski, Bruna and Cho, "Study on Activation Patterns", section 2.3.2 (constellations; the score as
    the integral of the curve is their suggestion, the normalisation ours).
    """
    P = as_patterns(patterns, "patterns")
    if P.ndim != 2 or P.shape[0] < 2 or P.shape[1] < 1:
        raise ValueError(f"expected at least two patterns of at least one bit, shape (n, m), got {tuple(P.shape)}")
    max_points = check_int(max_points, "max_points", min=2)
    n, m = P.shape
    if n > max_points:
        raise ValueError(
            f"{n} patterns exceed max_points={max_points} (clustering needs all {n * (n - 1) // 2} distances); "
            f"pass a random subset or raise max_points"
        )
    # the square distance matrix, its float64 copy, the condensed distances and scipy's working copy of them
    square = float(n) * n
    limits.check_memory(
        square * (torch.tensor([], dtype=hamming_dtype(m)).element_size() + 8) + 2 * 8.0 * n * (n - 1) / 2,
        f"the {n * (n - 1) // 2} distances of {n} patterns", driver="pass a random subset of the patterns",
    )
    from scipy.cluster import hierarchy  # scipy on first use: importing foldlab stays fast
    from scipy.spatial.distance import squareform

    condensed = squareform(hamming_matrix(P).numpy().astype(np.float64), checks=False)
    Z = hierarchy.linkage(condensed, method="complete")
    thresholds = np.arange(1, m + 1)
    merges = np.searchsorted(np.sort(Z[:, 2]), thresholds, side="right")
    return Constellations(thresholds, n - merges, n, Z)
