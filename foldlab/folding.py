"""The global folding measure ``Phi_N`` of a net over a labelled data set, at any scale.

chi (:mod:`foldlab.measures`) on the straight segments between samples of different classes, walked
exactly (:func:`foldlab.walks`), then reduced to one number. The reduction is an interpretation: the
default (the median of the non-zero chi values) is foldlab's choice, and ``reduce="tmlr"`` is one reading
of the phrase "median of maximas of non-zero space folding" in "On Space Folds of ReLU Neural Networks";
``reduce="tmlr_nonzero_ordered"`` is the other reading (non-zero values only, ordered class pairs). See
foldlab's maths page (docs/maths.md), sections 'The global folding measure' and 'Choices foldlab made
where the papers are open'. ``.mean`` and ``.fraction_folding`` are always reported beside ``.phi``,
because the median of the non-zero values says nothing about how many segments fold.

Scale: the segments are walked in chunks of ``chunk_size`` pairs with ``keep_patterns=False`` (each
chunk gives chi, r1, r2 and the region count of its segments, nothing else), so 10^6 pairs hold a few
numbers per pair, never their patterns. ``executor=`` farms the chunks out to any
:class:`concurrent.futures.Executor` (a process pool, or a Dask cluster through
``Client.get_executor()``); each chunk gets the net's picklable snapshot (:func:`foldlab.read_net`) and
its segments' ends, never the live module. Chunks are walked by the same function wherever they run, so
the chis are the serial run's, value for value.

Beside ``Phi_N``: :func:`class_pairs` (a class x class matrix of median chi, fraction folding and the
largest chi) and :func:`running_folding` (the running chi of many paths at a few points along each,
averaged: the curves of the papers' figures, 11 points per path by default).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn

from . import limits
from ._docs import shared_docs
from ._typing import ArrayLike, Device, Layers, Net
from ._validation import (
    as_device,
    as_labels,
    as_points,
    check_bool,
    check_choice,
    check_int,
    check_seed,
    describe,
)
from .adapter import NetSpec, check_reading, read_net
from .measures import running_chi
from .pattern_stats import check_pairs, choice_nbytes
from .walk import walks

__all__ = [
    "GlobalFolding",
    "ClassPairs",
    "RunningFolding",
    "global_folding",
    "reduce_chis",
    "class_pairs",
    "class_paths",
    "running_folding",
    "sample_pairs",
    "walk_chunk",
    "REDUCTIONS",
]

if TYPE_CHECKING:  # for annotations only: the core does not import matplotlib
    from matplotlib.axes import Axes

    from .plotting.folding import ClassPairArtists, RunningFoldingArtists

#: The reductions of ``global_folding(..., reduce=)``. Each is an interpretation: see :func:`reduce_chis`.
REDUCTIONS = ("median_nonzero", "tmlr", "tmlr_nonzero_ordered", "mean", "median")

#: Chunks submitted to an executor and not yet collected, at most: bounds the memory of segment ends in
#: flight whatever the number of pairs.
MAX_IN_FLIGHT = 8


@dataclass(frozen=True, eq=False)
class GlobalFolding:
    """Folding of a net over a labelled data set: chi on segments between points of different classes.

    Attributes
    ----------
    phi : float
        The reduced value (see ``reduce``; an interpretation, see :func:`reduce_chis`).
    fraction_folding : float
        Fraction of segments with chi > 0.
    mean : float
        Mean chi over all segments.
    chis : ndarray, shape (p,)
        chi of every segment.
    pairs : ndarray, shape (p, 2), int
        Indices into ``points`` of each segment's ends; a segment runs from ``pairs[:, 0]`` to ``pairs[:, 1]``.
    points : ndarray, shape (q, d)
        The inputs the pairs index (the data, or the class centroids).
    labels : ndarray, shape (q,)
    reduce : str
    r1, r2 : ndarray, shape (p,), int
        The range metrics of every segment (chi = 1 - r1 / r2).
    n_regions : ndarray, shape (p,), int
        Regions along every segment.
    """

    phi: float
    fraction_folding: float
    mean: float
    chis: np.ndarray = field(repr=False)
    pairs: np.ndarray = field(repr=False)
    points: np.ndarray = field(repr=False)
    labels: np.ndarray = field(repr=False)
    reduce: str = "median_nonzero"
    r1: np.ndarray | None = field(default=None, repr=False)
    r2: np.ndarray | None = field(default=None, repr=False)
    n_regions: np.ndarray | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return (
            f"GlobalFolding(phi={self.phi:.4g}, fraction_folding={self.fraction_folding:.3g}, "
            f"mean={self.mean:.4g}, segments={len(self.chis)}, reduce={self.reduce!r})"
        )

    def readings(self) -> dict[str, float]:
        """``phi`` under every reduction of :data:`REDUCTIONS`, with ``fraction_folding`` beside them.

        Examples
        --------
        >>> import foldlab as fl
        >>> data = fl.toy_dataset("cantor", n=40, seed=0)
        >>> sorted(fl.global_folding(fl.CantorNet(depth=2), data.X, data.y, n_pairs=20).readings())
        ['fraction_folding', 'mean', 'median', 'median_nonzero', 'tmlr', 'tmlr_nonzero_ordered']
        """
        out = {how: reduce_chis(self.chis, self.pairs, self.labels, how) for how in REDUCTIONS}
        out["fraction_folding"] = self.fraction_folding
        return out

    def class_pairs(self, *, ordered: bool = False) -> ClassPairs:
        """The class x class summaries of these segments (see :func:`class_pairs`)."""
        return class_pairs(self, ordered=ordered)

    def plot(self, ax: Axes | None = None, **options: Any) -> ClassPairArtists:
        """The class pair matrix (:func:`foldlab.plotting.plot_class_pairs`)."""
        from .plotting import plot_class_pairs

        return plot_class_pairs(self.class_pairs(), ax, **options)


def _class_keys(pairs: np.ndarray, labels: np.ndarray, ordered: bool) -> np.ndarray:
    a, b = labels[pairs[:, 0]], labels[pairs[:, 1]]
    if ordered:
        return np.stack([a, b], axis=1)
    return np.stack([np.minimum(a, b), np.maximum(a, b)], axis=1)


def reduce_chis(chis: ArrayLike, pairs: ArrayLike, labels: ArrayLike, reduce: str = "median_nonzero") -> float:
    """One number from the chis of segments between classes: ``Phi_N`` under one reading.

    Every reduction is an interpretation (foldlab's maths page, docs/maths.md, section 'The global folding
    measure'); report ``mean`` and the fraction folding beside whichever is shown.

    - ``"median_nonzero"``: the median of the non-zero chi values, 0 if no segment folds (foldlab's choice).
    - ``"tmlr"``: one reading of "median of maximas of non-zero space folding" (On Space Folds, the global
      measure): per unordered class pair the largest chi (0 if none of its segments folds), then the
      median over the class pairs that occur.
    - ``"tmlr_nonzero_ordered"``: the other reading of the same phrase: per *ordered* class pair (a segment
      runs from ``pairs[:, 0]`` to ``pairs[:, 1]``; chi depends on the direction) the largest non-zero chi,
      class pairs that never fold dropped, then the median (0 if no segment folds).
    - ``"mean"``, ``"median"``: over all segments, the non-folding ones included.

    Parameters
    ----------
    chis : array, shape (p,)
    pairs : array of int, shape (p, 2)
    labels : array, shape (q,)
        The class of each point the pairs index.
    reduce : str
        One of :data:`REDUCTIONS`.

    Examples
    --------
    >>> chis, pairs, labels = [0.0, 0.5, 0.2], [[0, 1], [0, 2], [1, 2]], [0, 1, 2]
    >>> [reduce_chis(chis, pairs, labels, how) for how in ("median_nonzero", "tmlr", "mean")]
    [0.35, 0.2, 0.2333...]

    References
    ----------
    Lewandowski et al., "On Space Folds of ReLU Neural Networks" (TMLR 2025), the global measure;
    foldlab's maths page (docs/maths.md), sections 'The global folding measure' and 'Choices foldlab made
    where the papers are open'.
    """
    how = check_choice(reduce, "reduce", REDUCTIONS)
    chis = as_points(chis, "chis", allow_empty=True).reshape(-1)
    if len(chis) and (chis.min() < 0 or chis.max() > 1):
        raise ValueError(f"chis must lie in [0, 1] (values of chi), got {chis.min()} to {chis.max()}")
    labels = as_labels(labels, "labels")
    pairs = check_pairs(pairs, len(labels), "pairs (rows of labels)") if len(chis) else np.zeros((0, 2), np.int64)
    if len(chis) != len(pairs):
        raise ValueError(f"expected one chi per pair, got {len(chis)} chis and {len(pairs)} pairs")
    if len(chis) == 0:
        return 0.0
    if how == "mean":
        return float(chis.mean())
    if how == "median":
        return float(np.median(chis))
    if how == "median_nonzero":
        folding = chis[chis > 0]
        return float(np.median(folding)) if len(folding) else 0.0
    ordered = how == "tmlr_nonzero_ordered"
    keep = chis > 0 if ordered else np.ones(len(chis), dtype=bool)
    if not keep.any():
        return 0.0
    keys = _class_keys(pairs[keep], labels, ordered)
    _, group = np.unique(keys, axis=0, return_inverse=True)
    group = np.asarray(group).reshape(-1)
    best = np.zeros(group.max() + 1)
    np.maximum.at(best, group, chis[keep])
    return float(np.median(best))


# --- pairs ---------------------------------------------------------------------------------------------

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


def _segments_nbytes(p: int, d: int, chunk_size: int, in_flight: int = 1) -> float:
    """Bytes for ``p`` segments in ``d`` dimensions walked in chunks: per segment its pair, chi, r1, r2 and
    region count (kept); per chunk in flight both ends of its segments and the walks' float64 copies of them."""
    return float(p) * 6 * 8 + float(min(p, chunk_size)) * in_flight * 4 * 8 * d


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


# --- chunks ---------------------------------------------------------------------------------------------

def walk_chunk(spec: NetSpec, X1: np.ndarray, X2: np.ndarray, layers: Layers, include_output: bool, device: Device,
               batch_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """chi, r1, r2 and the region count of the segments ``X1[i] -> X2[i]``: one chunk of a global measure.

    A module-level function of picklable arguments (a :class:`foldlab.adapter.NetSpec` snapshot, arrays),
    so that a process pool or a Dask worker can run it; the serial run calls the same function.

    Examples
    --------
    >>> import foldlab as fl, numpy as np
    >>> spec = fl.read_net(fl.CantorNet(depth=1))
    >>> chis, r1, r2, counts = walk_chunk(spec, np.array([[0.0, 0.25]]), np.array([[1.0, 0.25]]), None, False,
    ...                                   None, 64)
    >>> chis.tolist(), counts.tolist()
    ([0.5], [3])
    """
    result = walks(spec, X1, X2, layers, include_output, device=device, batch_size=batch_size,
                   keep_patterns=False)
    return result.chis, result.r1, result.r2, np.diff(result.offsets)


def _run_chunks(spec, points: np.ndarray, pairs: np.ndarray, *, layers, include_output, device, batch_size,
                chunk_size: int, executor: Executor | None, progress: bool, what: str):
    """Walk ``pairs`` chunk by chunk (here, or on ``executor``), in order; every chunk accounted for."""
    p = len(pairs)
    chis = np.empty(p, dtype=np.float64)
    r1 = np.empty(p, dtype=np.int64)
    r2 = np.empty(p, dtype=np.int64)
    counts = np.empty(p, dtype=np.int64)
    starts = list(range(0, p, chunk_size))
    bar = _progress_bar(p, what, enabled=progress and len(starts) > 1)

    def ends(start: int) -> tuple[np.ndarray, np.ndarray]:
        chunk = pairs[start : start + chunk_size]
        return points[chunk[:, 0]], points[chunk[:, 1]]

    def store(k: int, start: int, out) -> None:
        n = len(pairs[start : start + chunk_size])
        try:
            values = [np.asarray(v).reshape(-1) for v in out]
        except TypeError:
            values = []
        if len(values) != 4 or any(len(v) != n for v in values):
            raise RuntimeError(
                f"chunk {k} of {len(starts)} (pairs {start} to {start + n - 1}) came back with "
                f"{[len(v) for v in values]} values instead of 4 arrays of {n}: nothing of it was used"
            )
        chis[start : start + n], r1[start : start + n], r2[start : start + n], counts[start : start + n] = values
        bar.update(n)

    args = (layers, include_output, device, batch_size)
    try:
        if executor is None:
            for k, start in enumerate(starts):
                store(k, start, walk_chunk(spec, *ends(start), *args))
            return chis, r1, r2, counts
        pending: deque = deque()
        for k, start in enumerate(starts):
            pending.append((k, start, executor.submit(walk_chunk, spec, *ends(start), *args)))
            # collect in order once MAX_IN_FLIGHT chunks are out: their ends are the memory in flight
            while len(pending) >= MAX_IN_FLIGHT or (k == len(starts) - 1 and pending):
                _collect(pending, len(starts), chunk_size, p, store)
        return chis, r1, r2, counts
    finally:
        bar.close()


def _collect(pending: deque, n_chunks: int, chunk_size: int, p: int, store: Callable) -> None:
    k, start, future = pending.popleft()
    try:
        out = future.result()
    except Exception as error:
        for _, _, other in pending:
            other.cancel()
        last = min(start + chunk_size, p) - 1
        raise RuntimeError(
            f"chunk {k} of {n_chunks} (pairs {start} to {last}) failed on the executor: "
            f"{type(error).__name__}: {error}; no result is returned for a run with a missing chunk"
        ) from error
    store(k, start, out)


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress_bar(total: int, what: str, *, enabled: bool):
    if not enabled:
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=what, unit="pair", leave=False)


def _check_executor(executor: Any) -> Executor | None:
    if executor is not None and not isinstance(executor, Executor):
        raise TypeError(
            f"executor must be a concurrent.futures.Executor (a ProcessPoolExecutor, or a Dask "
            f"Client(...).get_executor()), got {describe(executor)}"
        )
    return executor


@shared_docs
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
    chunk_size: int = 4096,
    executor: Executor | None = None,
    progress: bool = True,
) -> GlobalFolding:
    """The global folding measure ``Phi_N``: chi on straight segments between samples of different classes.

    Parameters
    ----------
    %(net)s
    %(X)s
    y : Tensor or array, shape (n,)
        Class labels: integers (whole-number floats are taken, never NaN or ``0.5``), at least two classes.
    n_pairs : int
        Number of segments: distinct pairs ``i < j`` with ``y_i != y_j`` drawn uniformly (all of them
        when there are fewer). Each segment runs from ``X[i]`` to ``X[j]``.
    %(pairs)s
        Each must join two different classes.
    %(seed)s
        It draws the pairs and seeds the k-means of ``centroids``.
    reduce : str
        One of :data:`REDUCTIONS`; each is an interpretation (see :func:`reduce_chis` and foldlab's maths
        page, docs/maths.md, section 'The global folding measure'). ``"median_nonzero"`` (default,
        foldlab's choice): the median of the non-zero chi values (0 if no segment folds). ``"tmlr"``: per
        unordered class pair the largest chi (0 if none of its segments folds), then the median over class
        pairs: one reading of "median of maximas of non-zero space folding" in On Space Folds.
        ``"tmlr_nonzero_ordered"``: the other reading (non-zero values only, ordered class pairs).
        ``"mean"`` / ``"median"`` over all segments. ``.readings()`` gives them all.
    centroids : int, optional
        A positive int: replace each class by this many k-means centroids (seeded; fewer for a class with
        fewer points) and use all pairs of centroids of different classes (at most ``n_pairs``): far
        fewer walks on large data sets.
    layers, include_output
        Which bits the walks use, as in :func:`foldlab.walk`.
    device : str or torch.device, optional
        Where each chunk is walked (``"cuda"`` on a machine with a GPU; on an executor's workers too).
    batch_size : int
        Segments per batch inside a chunk, as in :func:`foldlab.walks`.
    chunk_size : int
        Segments per chunk: the unit of memory (ends, chis) and of work sent to ``executor``.
    executor : concurrent.futures.Executor, optional
        Walk the chunks there (a ``ProcessPoolExecutor``; a Dask cluster through
        ``Client.get_executor()``). The chunks get the net's snapshot, never the module; at most
        :data:`MAX_IN_FLIGHT` are out at once. A chunk that fails raises a RuntimeError naming it.
    progress : bool
        A tqdm progress bar when there is more than one chunk.

    Returns
    -------
    GlobalFolding
        ``.phi``, ``.fraction_folding``, ``.mean``, ``.chis``, ``.pairs``, ``.r1``, ``.r2``,
        ``.n_regions``.

    Raises
    ------
    TypeError, ValueError
        A bad argument, named in the message.
    foldlab.OverBudget
        The pairs and their segments would not fit in :data:`foldlab.limits.MEMORY_BUDGET`.
    RuntimeError
        A chunk failed on the executor (the message names the chunk and its pairs).

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
    include_output = check_bool(include_output, "include_output")
    batch_size = check_int(batch_size, "batch_size", min=1)
    chunk_size = check_int(chunk_size, "chunk_size", min=1)
    progress = check_bool(progress, "progress")
    executor = _check_executor(executor)
    if device is not None:
        device = as_device(device)
    points = as_points(X, "X", dim=spec.d_in)
    labels = as_labels(y, "y", n=len(points))
    if len(np.unique(labels)) < 2:
        raise ValueError("y has a single class: the global measure needs segments between different classes")
    in_flight = 1 if executor is None else MAX_IN_FLIGHT
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
            + _segments_nbytes(min(n_pairs, len(points) ** 2 // 2), points.shape[1], chunk_size, in_flight),
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
            _segments_nbytes(len(pairs), points.shape[1], chunk_size, in_flight),
            f"the segments of {len(pairs)} pairs",
            driver="pass fewer pairs",
        )
    if isinstance(net, nn.Module):  # the snapshot the chunks get, checked against the module on the segments
        few = pairs[: min(len(pairs), 64)]
        check_reading(net, spec, torch.as_tensor((points[few[:, 0]] + points[few[:, 1]]) / 2),
                      where="midpoints of the first segments")
    chis, r1, r2, counts = _run_chunks(
        spec, points, pairs, layers=layers, include_output=include_output, device=device,
        batch_size=batch_size, chunk_size=chunk_size, executor=executor, progress=progress,
        what="global folding",
    )
    return GlobalFolding(
        phi=reduce_chis(chis, pairs, labels, reduce),
        fraction_folding=float(np.mean(chis > 0)),
        mean=float(chis.mean()),
        chis=chis,
        pairs=pairs,
        points=points,
        labels=labels,
        reduce=reduce,
        r1=r1,
        r2=r2,
        n_regions=counts,
    )


# --- the class pair matrix ------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class ClassPairs:
    """Per class pair summaries of chi: row ``a``, column ``b`` for the segments between classes a and b.

    Attributes
    ----------
    classes : ndarray, shape (k,)
    median : ndarray, shape (k, k)
        Median chi of the pair's segments (NaN where there are none, the diagonal included).
    fraction_folding : ndarray, shape (k, k)
        Share of the pair's segments with chi > 0.
    max : ndarray, shape (k, k)
        Largest chi of the pair's segments (0 if none folds): what ``reduce="tmlr"`` takes the median of.
    max_nonzero : ndarray, shape (k, k)
        Largest non-zero chi (NaN if none folds): the other reading's values.
    count : ndarray, shape (k, k), int
        Segments per pair.
    ordered : bool
        False: a segment counts for both ``[a, b]`` and ``[b, a]`` (a symmetric matrix). True: row ``a``,
        column ``b`` holds the segments that run from class a to class b.
    """

    classes: np.ndarray
    median: np.ndarray = field(repr=False)
    fraction_folding: np.ndarray = field(repr=False)
    max: np.ndarray = field(repr=False)
    max_nonzero: np.ndarray = field(repr=False)
    count: np.ndarray = field(repr=False)
    ordered: bool = False

    def __repr__(self) -> str:
        filled = int((self.count > 0).sum()) // (1 if self.ordered else 2)
        return (f"ClassPairs(classes={len(self.classes)}, class_pairs={filled}, segments="
                f"{int(self.count.sum()) // (1 if self.ordered else 2)}, ordered={self.ordered})")

    def value(self, name: str) -> np.ndarray:
        """One of the matrices by name: ``"median"``, ``"fraction_folding"``, ``"max"``, ``"max_nonzero"``
        or ``"count"``."""
        return getattr(self, check_choice(name, "value", CLASS_PAIR_VALUES))


#: The matrices of :class:`ClassPairs`.
CLASS_PAIR_VALUES = ("median", "fraction_folding", "max", "max_nonzero", "count")


def class_pairs(g: GlobalFolding, *, ordered: bool = False) -> ClassPairs:
    """The class x class matrices of a global measure: median chi, fraction folding, largest chi.

    Parameters
    ----------
    g : GlobalFolding
    ordered : bool
        False (default): unordered class pairs, a symmetric matrix. True: row = the class a segment starts
        in, column = the class it ends in (chi depends on the direction).

    Returns
    -------
    ClassPairs

    Examples
    --------
    >>> import foldlab as fl
    >>> data = fl.toy_dataset("cantor", n=40, seed=0)
    >>> m = class_pairs(fl.global_folding(fl.CantorNet(depth=2), data.X, data.y, n_pairs=30))
    >>> m
    ClassPairs(classes=2, class_pairs=1, segments=30, ordered=False)
    >>> m.count.tolist()
    [[0, 30], [30, 0]]

    References
    ----------
    Lewandowski et al., "On Space Folds of ReLU Neural Networks" (TMLR 2025), the global measure (its
    per class pair maxima); foldlab's maths page (docs/maths.md), section 'The global folding measure'.
    """
    if not isinstance(g, GlobalFolding):
        raise TypeError(f"g must be a GlobalFolding (from foldlab.global_folding), got {describe(g)}")
    ordered = check_bool(ordered, "ordered")
    classes, inverse = np.unique(g.labels, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    a, b = inverse[g.pairs[:, 0]], inverse[g.pairs[:, 1]]
    k = len(classes)
    shape = (k, k)
    median = np.full(shape, np.nan)
    fraction = np.full(shape, np.nan)
    best = np.full(shape, np.nan)
    best_nonzero = np.full(shape, np.nan)
    count = np.zeros(shape, dtype=np.int64)
    rows, cols = (a, b) if ordered else (np.minimum(a, b), np.maximum(a, b))
    order = np.lexsort((cols, rows))
    rows, cols, chis = rows[order], cols[order], g.chis[order]
    cut = np.flatnonzero((rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])) + 1
    for part in np.split(np.arange(len(chis)), cut):
        if not len(part):
            continue
        r, c, values = rows[part[0]], cols[part[0]], chis[part]
        nonzero = values[values > 0]
        cells = [(r, c)] if ordered else [(r, c), (c, r)]
        for i, j in cells:
            median[i, j] = np.median(values)
            fraction[i, j] = len(nonzero) / len(values)
            best[i, j] = values.max()
            best_nonzero[i, j] = nonzero.max() if len(nonzero) else np.nan
            count[i, j] = len(values)
    return ClassPairs(classes, median, fraction, best, best_nonzero, count, ordered)


# --- running chi over many paths -------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class RunningFolding:
    """The running chi of many paths at the same points along each: mean and spread per step.

    Attributes
    ----------
    ts : ndarray, shape (n_points,)
        Where along the paths (0 to 1).
    curves : ndarray, shape (s, n_points)
        ``curves[i, k]``: chi of path ``i`` from its start to ``ts[k]``.
    sampled : bool
        False: the prefix of the exact walk (every region up to ``ts[k]``). True: the path of the
        ``n_points`` sampled patterns themselves (the papers' discrete paths).
    """

    ts: np.ndarray
    curves: np.ndarray = field(repr=False)
    sampled: bool = False

    @property
    def mean(self) -> np.ndarray:
        """Mean running chi per step, shape (n_points,)."""
        return self.curves.mean(axis=0)

    @property
    def std(self) -> np.ndarray:
        """Standard deviation per step (ddof=0), shape (n_points,)."""
        return self.curves.std(axis=0)

    def quantiles(self, q: ArrayLike = (0.25, 0.5, 0.75)) -> np.ndarray:
        """Quantiles per step, shape (len(q), n_points)."""
        return np.quantile(self.curves, np.asarray(q, dtype=np.float64), axis=0)

    @property
    def final(self) -> np.ndarray:
        """chi of every whole path, shape (s,)."""
        return self.curves[:, -1]

    def __repr__(self) -> str:
        final = self.final
        return (f"RunningFolding(paths={len(self.curves)}, points={len(self.ts)}, final_mean={final.mean():.4g}, "
                f"final_std={final.std():.4g}, fraction_folding={np.mean(final > 0):.3g}, sampled={self.sampled})")

    def plot(self, ax: Axes | None = None, **options: Any) -> RunningFoldingArtists:
        """Mean and spread per step (:func:`foldlab.plotting.plot_running_folding`)."""
        from .plotting import plot_running_folding

        return plot_running_folding(self, ax, **options)


def class_paths(X: ArrayLike, y: ArrayLike, start: int, end: int, n_paths: int, seed: int = 0
                ) -> tuple[np.ndarray, np.ndarray]:
    """Seeded distinct paths from points of class ``start`` to points of class ``end`` (all if fewer).

    Returns
    -------
    (ndarray, ndarray)
        The indices ``i`` (of class ``start``) and ``j`` (of class ``end``) of each path, shape (s,) each.

    Examples
    --------
    >>> i, j = class_paths([[0.0], [1.0], [2.0], [3.0]], [1, 4, 1, 4], 1, 4, 10)
    >>> i.tolist(), j.tolist()
    ([0, 0, 2, 2], [1, 3, 1, 3])
    """
    points = as_points(X, "X")
    labels = as_labels(y, "y", n=len(points))
    n_paths = check_int(n_paths, "n_paths", min=1)
    seed = check_seed(seed)
    members = []
    for name, c in (("start", start), ("end", end)):
        if isinstance(c, bool) or not isinstance(c, (int, np.integer)):
            raise TypeError(f"{name} must be an int class label, got {describe(c)}")
        found = np.flatnonzero(labels == c)
        if not len(found):
            raise ValueError(f"{name}={c} is not a class of y (classes: {np.unique(labels).tolist()})")
        members.append(found)
    if start == end:
        raise ValueError(f"start and end must be different classes, got {start} twice")
    a, b = members
    total = len(a) * len(b)
    numbers = np.arange(total) if total <= n_paths else np.sort(
        np.random.default_rng(seed).choice(total, n_paths, replace=False))
    return a[numbers // len(b)], b[numbers % len(b)]


@shared_docs
def running_folding(
    net: Net,
    X1: ArrayLike,
    X2: ArrayLike,
    *,
    n_points: int = 11,
    sampled: bool = False,
    layers: Layers = None,
    include_output: bool = False,
    device: Device = None,
    batch_size: int = 64,
    progress: bool = True,
) -> RunningFolding:
    """The running chi of the paths ``X1[i] -> X2[i]`` at ``n_points`` equally spaced points of each.

    The papers plot the running chi of paths between two images at 11 points (``t = 0, 0.1, ..., 1``),
    averaged over many paths. With ``sampled=False`` (default) step ``k`` is chi of the exact walk from
    the start to ``t_k`` (every region the segment crosses up to there); with ``sampled=True`` it is chi
    of the first ``k + 1`` of the ``n_points`` sampled patterns (the discrete path, which can miss
    regions between the samples and so fold less).

    Parameters
    ----------
    %(net)s
    X1, X2 : Tensor or array, shape (s, d_in)
    n_points : int
        Points per path, at least 2 (11 in the papers' figures).
    sampled : bool
    layers, include_output, device, batch_size
        As in :func:`foldlab.walks`.
    progress : bool
        A tqdm progress bar over batches when there is more than one.

    Returns
    -------
    RunningFolding
        ``.mean``, ``.std``, ``.quantiles()`` per step; ``.curves`` of every path.

    Examples
    --------
    >>> import foldlab as fl
    >>> rf = running_folding(fl.CantorNet(depth=1), [[0.0, 0.25]], [[1.0, 0.25]], n_points=5)
    >>> rf.ts.tolist(), rf.curves.tolist()
    ([0.0, 0.25, 0.5, 0.75, 1.0], [[0.0, 0.0, 0.0, 0.5, 0.5]])

    References
    ----------
    Lewandowski et al., "On Space Folds of ReLU Neural Networks" (TMLR 2025): chi along paths between
    images, averaged; foldlab's maths page (docs/maths.md), section 'Folding measures' (running chi).
    """
    spec = read_net(net)
    n_points = check_int(n_points, "n_points", min=2)
    sampled = check_bool(sampled, "sampled")
    include_output = check_bool(include_output, "include_output")
    batch_size = check_int(batch_size, "batch_size", min=1)
    progress = check_bool(progress, "progress")
    chosen = spec.layer_indices(layers)
    dev = spec.device if device is None else as_device(device)
    A = as_points(X1, "X1", dim=spec.d_in)
    B = as_points(X2, "X2", dim=spec.d_in)
    if A.shape != B.shape:
        raise ValueError(f"X1 and X2 must hold the same number of path ends, got shapes {A.shape} and {B.shape}")
    if not len(A):
        raise ValueError("X1 and X2 hold no paths")
    limits.check_memory(8.0 * len(A) * n_points + _segments_nbytes(len(A), A.shape[1], len(A)),
                        f"running chi of {len(A)} paths at {n_points} points", driver="pass fewer paths")
    ts = np.linspace(0.0, 1.0, n_points)
    curves = np.empty((len(A), n_points))
    starts = range(0, len(A), batch_size)
    bar = _progress_bar(len(A), "running chi", enabled=progress and len(starts) > 1)
    on_device = spec.to(dev)
    try:
        for start in starts:
            a, b = A[start : start + batch_size], B[start : start + batch_size]
            if sampled:
                t = torch.as_tensor(ts, device=dev)
                x = torch.as_tensor(a, device=dev)[:, None, :] * (1 - t[None, :, None]) + \
                    torch.as_tensor(b, device=dev)[:, None, :] * t[None, :, None]
                bits = on_device.bits(x.reshape(-1, spec.d_in), chosen, include_output).cpu()
                bits = bits.reshape(len(a), n_points, -1)
                for i in range(len(a)):
                    curves[start + i] = running_chi(bits[i])
            else:
                ws = walks(spec, a, b, chosen, include_output, device=dev, batch_size=batch_size)
                for i, w in enumerate(ws):
                    index = np.searchsorted(w.ts, ts, side="right") - 1
                    curves[start + i] = running_chi(w.patterns)[index]
            bar.update(len(a))
    finally:
        bar.close()
    if isinstance(net, nn.Module):
        check_reading(net, spec, torch.as_tensor((A[:64] + B[:64]) / 2), where="midpoints of the paths")
    return RunningFolding(ts, curves, sampled)
