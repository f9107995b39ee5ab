"""The decision boundary of a net in an arrangement's box, as line segments.

Reached through :meth:`foldlab.arrangement.Arrangement.decision_boundary`.
"""

from __future__ import annotations

import numpy as np

from ._convex_polygons import chords, clip, zero_edges
from ._linear_regions import output_scales, snap_grid
from ._tolerances import RTOL

__all__ = ["decision_boundary"]


def _region_of_vertex(start: np.ndarray) -> np.ndarray:
    return np.repeat(np.arange(len(start) - 1), np.diff(start))


def _dedupe(segments: np.ndarray, grid: float) -> np.ndarray:
    """Drop repeated segments (the same edge seen from both sides); each from its left end, in order."""
    if len(segments) == 0:
        return segments.reshape(0, 2, 2)
    a, b = segments[:, 0], segments[:, 1]
    swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
    canon = np.where(swap[:, None, None], segments[:, ::-1], segments)
    keys = np.round(canon.reshape(len(canon), 4) / grid).astype(np.int64)
    _, first = np.unique(keys, axis=0, return_index=True)  # also sorts them, from left to right
    return canon[first]


def decision_boundary(arr) -> np.ndarray:
    """The decision boundary of the net in the box, as line segments.

    One output: the boundary of ``{N > 0}`` (a point is class 1 when ``N(x) > 0``, as in
    :func:`foldlab.train`). Several outputs: where the argmax changes, ties going to the lower class as
    in ``torch.argmax``. Inside each region the outputs are affine, so the boundary there is made of
    straight pieces: for one output the segment where ``N = 0`` crosses the region, or an edge of the
    region on which ``N = 0`` next to a region where ``N > 0``; for ``k`` outputs the region is cut into
    the cells where each class wins and the edges between cells of different classes are kept.

    Returns
    -------
    ndarray, shape (k, 2, 2)
        Segments ``[[x0, y0], [x1, y1]]`` in box (or plane) coordinates; empty when no class changes.
    """
    if not arr.complete:
        raise ValueError(
            f"decision_boundary needs the whole net; this arrangement stops after hidden layer {arr.depth - 1} "
            f"(made by upto)"
        )
    xy, start = arr.flat_vertices
    centres, A, value = arr.centres, arr.A, arr.values_at_centres
    d_out = A.shape[1]
    diameter, size = output_scales(arr)
    tol = RTOL * size
    grid = snap_grid(arr)

    def values(xy, start, region, w):
        """``w . N`` at the vertices, ``w`` of shape (d_out,), snapped to 0 within ``tol``."""
        r = region[_region_of_vertex(start)]
        d = xy - centres[r]
        v = value[r] @ w + np.einsum("vk,vk->v", d, A[r].swapaxes(1, 2) @ w)
        v[np.abs(v) <= tol] = 0.0
        return v

    region = np.arange(len(arr))
    if d_out == 1:
        sv = values(xy, start, region, np.ones(1))
        hi = np.maximum.reduceat(sv, start[:-1])
        segments, _ = chords(xy, sv, start)
        edges, owner = zero_edges(xy, sv, start)
        edges = edges[hi[owner] > 0]  # an edge where N = 0 bounds {N > 0} when N > 0 next to it
        return _dedupe(np.concatenate([segments, edges]), grid)

    pieces = []
    eye = np.eye(d_out)
    for k in range(d_out):
        cxy, cstart, cregion = xy, start, region
        for j in range(d_out):
            if j == k or len(cregion) == 0:
                continue
            sv = values(cxy, cstart, cregion, eye[k] - eye[j])
            # class k loses ties to lower classes: drop cells where N_k = N_j everywhere and j < k
            cxy, cstart, index = clip(cxy, sv, cstart, keep_zero=j > k)
            cregion = cregion[index]
        if len(cregion) == 0:
            continue
        for j in range(k + 1, d_out):
            sv = values(cxy, cstart, cregion, eye[k] - eye[j])
            edges, owner = zero_edges(cxy, sv, cstart)
            hi = np.maximum.reduceat(sv, cstart[:-1])
            pieces.append(edges[hi[owner] > 0])  # not where N_k = N_j on the whole cell
    if not pieces:
        return np.zeros((0, 2, 2))
    return _dedupe(np.concatenate(pieces), grid)
