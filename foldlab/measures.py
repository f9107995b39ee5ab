"""Space-folding measures on paths of activation patterns (DESIGN.md section 4).

For a path ``Gamma = (pi_1, ..., pi_n)`` of activation patterns (the regions a straight segment crosses,
from :func:`foldlab.walk`):

- ``r1 = max_i d_H(pi_1, pi_i)``: how far the path ever got from its start;
- ``r2 = sum_i d_H(pi_i, pi_i+1)``: how far it travelled;
- ``chi = 1 - r1 / r2`` (0 when ``r2 = 0``): 0 for a Hamming geodesic, towards 1 as the path folds back.

Every function takes patterns as a bool (or 0/1) tensor or array of shape (n, m), or a :class:`Walk`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from .patterns import as_patterns
from .walk import walks

__all__ = [
    "range_metrics",
    "chi",
    "running_chi",
    "symmetric_chi",
    "interaction_coefficient",
    "chi_bounds",
    "GlobalFolding",
    "global_folding",
]

REDUCTIONS = ("median_nonzero", "tmlr", "mean", "median")


def _path(patterns) -> torch.Tensor:
    p = as_patterns(getattr(patterns, "patterns", patterns))
    if p.ndim != 2:
        raise ValueError(f"expected a path of patterns of shape (n, m), got shape {tuple(p.shape)}")
    if p.shape[0] == 0:
        raise ValueError("expected a path with at least one pattern, got an empty one")
    return p.cpu()


def range_metrics(patterns) -> tuple[int, int]:
    """The range metrics ``(r1, r2)`` of a path.

    Parameters
    ----------
    patterns : Tensor, array or Walk, shape (n, m)

    Returns
    -------
    r1 : int
        ``max_i d_H(pi_1, pi_i)``.
    r2 : int
        ``sum_i d_H(pi_i, pi_i+1)``.

    Examples
    --------
    >>> range_metrics([[0, 0, 0], [1, 0, 0], [0, 0, 0], [0, 0, 1]])
    (1, 3)

    References
    ----------
    Lewandowski et al., "On Space Folds of ReLU Neural Networks" (TMLR 2025), section 4, eqs. for r1, r2.
    """
    p = _path(patterns)
    r1 = int((p != p[:1]).sum(1).max())
    r2 = int((p[1:] != p[:-1]).sum())
    return r1, r2


def chi(patterns) -> float:
    """The space-folding measure ``chi = 1 - r1 / r2`` of a path, 0 when ``r2 = 0``.

    Examples
    --------
    >>> chi([[0, 0, 0], [1, 0, 0], [0, 0, 0], [0, 0, 1]])  # DESIGN.md 4
    0.6666666666666667
    >>> chi([[0, 0, 1], [0, 0, 0], [1, 0, 0], [0, 0, 0]])  # the reverse
    0.33333333333333337

    References
    ----------
    Lewandowski et al., "On Space Folds of ReLU Neural Networks" (TMLR 2025), section 4 (space folding
    measure); "The Space Between" (2025), Definition 3.1.
    """
    r1, r2 = range_metrics(patterns)
    return 0.0 if r2 == 0 else 1.0 - r1 / r2


def running_chi(patterns) -> np.ndarray:
    """chi of every prefix ``(pi_1, ..., pi_i)``, shape (n,) (the curves plotted in the papers).

    Examples
    --------
    >>> running_chi([[0, 0, 0], [1, 0, 0], [0, 0, 0], [0, 0, 1]])
    array([0.        , 0.        , 0.5       , 0.66666667])
    """
    p = _path(patterns)
    r1 = np.maximum.accumulate((p != p[:1]).sum(1).numpy())
    r2 = np.concatenate([[0], np.cumsum((p[1:] != p[:-1]).sum(1).numpy())])
    out = np.zeros(len(r1))
    moved = r2 > 0
    out[moved] = 1.0 - r1[moved] / r2[moved]
    return out


def symmetric_chi(patterns) -> float:
    """``(chi(Gamma) + chi(reverse Gamma)) / 2``: chi with the direction of travel averaged out.

    chi depends on where the walk starts (DESIGN.md 4: asymmetry); the papers remark on this but fix no
    symmetrised form, so this average is foldlab's choice. It is 0 exactly when chi is (flatness
    invariance: chi = 0 iff chi(reverse) = 0).

    Examples
    --------
    >>> symmetric_chi([[0, 0, 0], [1, 0, 0], [0, 0, 0], [0, 0, 1]])
    0.5
    """
    p = _path(patterns)
    return (chi(p) + chi(p.flip(0))) / 2


def interaction_coefficient(first, second) -> float:
    """``I = |chi(G1 + G2) - chi(G1) - chi(G2)|`` for two walks joined end to start.

    Parameters
    ----------
    first, second : Tensor, array or Walk, shapes (n1, m) and (n2, m)
        ``G1 + G2`` is ``first`` followed by ``second``; when the last pattern of ``first`` is the first
        of ``second`` (the walks meet in one region) the repeat changes nothing (stability).

    Examples
    --------
    >>> interaction_coefficient([[0, 0], [1, 0]], [[1, 0], [0, 0]])
    0.5

    References
    ----------
    Lewandowski et al., "The Space Between: On Folding, Symmetries and Sampling" (2025), section 4.
    """
    a, b = _path(first), _path(second)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"the two walks have patterns of different lengths: {a.shape[1]} and {b.shape[1]} bits")
    return abs(chi(torch.cat([a, b])) - chi(a) - chi(b))


def chi_bounds(patterns) -> tuple[float, float]:
    """Bounds ``1/2 (1 - D/L) <= chi <= 1 - D/L`` with ``D = d_H(pi_1, pi_n)`` and ``L = r2``.

    The upper bound holds because ``r1 >= D``; the lower because ``d_H(pi_1, pi_i)`` is at most both the
    distance travelled to ``pi_i`` and ``D`` plus the distance still to travel, so ``r1 <= (L + D) / 2``.
    Both are 0 for a path that never moves.

    Examples
    --------
    >>> chi_bounds([[0, 0, 0], [1, 0, 0], [0, 0, 0], [0, 0, 1]])
    (0.33333333333333337, 0.6666666666666667)
    """
    p = _path(patterns)
    distance = int((p[0] != p[-1]).sum())
    length = int((p[1:] != p[:-1]).sum())
    if length == 0:
        return 0.0, 0.0
    upper = 1.0 - distance / length
    return upper / 2, upper


# --- the global measure --------------------------------------------------------------------------------

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


def _sample_pairs(labels: np.ndarray, n_pairs: int, rng: np.random.Generator) -> np.ndarray:
    """Distinct unordered pairs ``i < j`` with different labels, uniformly at random (all if fewer)."""
    n = len(labels)
    i, j = np.triu_indices(n, k=1) if n <= 3000 else (None, None)
    if i is not None:
        differ = labels[i] != labels[j]
        candidates = np.stack([i[differ], j[differ]], axis=1)
        if len(candidates) <= n_pairs:
            return candidates
        return candidates[np.sort(rng.choice(len(candidates), n_pairs, replace=False))]
    chosen: dict[tuple[int, int], None] = {}
    while len(chosen) < n_pairs:  # large sets: rejection sampling, enough distinct pairs exist
        a, b = rng.integers(0, n, 2 * n_pairs), rng.integers(0, n, 2 * n_pairs)
        for x, y in zip(a, b):
            if labels[x] != labels[y]:
                chosen.setdefault((min(x, y), max(x, y)), None)
                if len(chosen) == n_pairs:
                    break
    return np.array(sorted(chosen), dtype=np.int64)


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
        ``"median_nonzero"`` (default): the median of the non-zero chi values (0 if no segment folds).
        ``"tmlr"``: for each pair of classes the largest chi, then the median over class pairs (the TMLR
        paper's variant). ``"mean"`` / ``"median"`` over all segments.
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
    Lewandowski et al., "On Space Folds of ReLU Neural Networks" (TMLR 2025), section 5 (global measure);
    "The Space Between" (2025), section 5; DESIGN.md section 4.
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
        pairs = _sample_pairs(labels, int(n_pairs), rng)
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
