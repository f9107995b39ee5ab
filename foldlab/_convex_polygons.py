"""Convex polygons in flat arrays, and what one line does to them: split, clip, chords, edges on it.

Many convex polygons are stored in two arrays::

    xy    (nv, 2)   the vertices of polygon 0, then of polygon 1, ... each counter-clockwise
    start (P + 1,)  polygon p owns the vertices start[p]:start[p + 1]

An affine function ``z = a x + b y + k`` is given by its values ``sv`` at the vertices (shape (nv,)), with
values meant to be 0 already set to exactly 0 (the caller's tolerance). A new vertex where the zero line
crosses an edge comes from linear interpolation along the edge, which is exact for an affine function.
These kernels serve the arrangement engine (:mod:`foldlab._partition_refine`), the decision boundary,
the lines of a layer, and the drawings of one neuron's line and half-plane (:func:`line_in_box`,
:func:`halfplane_in_box`).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "flat_start",
    "ring_next",
    "box_corners",
    "centres_and_radii",
    "split_by_line",
    "clip",
    "chords",
    "zero_edges",
    "line_in_box",
    "halfplane_in_box",
]


def flat_start(counts: np.ndarray) -> np.ndarray:
    """Offsets ``start`` (P + 1,) of polygons with ``counts`` vertices each."""
    start = np.zeros(len(counts) + 1, dtype=np.int64)
    counts.cumsum(out=start[1:])
    return start


def ring_next(start: np.ndarray) -> np.ndarray:
    """For every vertex, the index of the next vertex of its polygon (cyclically)."""
    nxt = np.arange(1, int(start[-1]) + 1)
    nxt[start[1:] - 1] = start[:-1]
    return nxt


def box_corners(xmin: float, xmax: float, ymin: float, ymax: float) -> np.ndarray:
    """The box as one polygon: its corners counter-clockwise from ``(xmin, ymin)``, shape (4, 2)."""
    return np.array([[xmin, ymin], [xmax, ymin], [xmax, ymax], [xmin, ymax]], dtype=np.float64)


def centres_and_radii(xy: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean of each polygon's vertices, shape (P, 2), and the largest distance from it, shape (P,)."""
    counts = np.diff(start)
    centre = np.add.reduceat(xy, start[:-1], axis=0) / counts[:, None]
    d = xy - centre.repeat(counts, axis=0)
    radius = np.sqrt(np.maximum.reduceat(np.einsum("ij,ij->i", d, d), start[:-1]))
    return centre, radius


def split_by_line(xy: np.ndarray, sv: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split every polygon along the zero line of an affine function with values ``sv`` at its vertices.

    Every polygon must have values of both strict signs. Returns the pieces in flat form
    ``(xy, start)``: the positive pieces of polygons ``0..P-1`` first, then their negative pieces.
    Vertices with value exactly 0 go to both pieces; each edge whose ends have strictly opposite signs
    gets a new vertex (by linear interpolation), placed in both pieces right after the edge's first end.
    """
    nv = len(xy)
    nxt = np.arange(1, nv + 1)
    nxt[start[1:] - 1] = start[:-1]
    sign = np.sign(sv)
    cross = sign * sign[nxt] < 0
    e = cross.nonzero()[0]
    ne = nxt[e]
    ze = sv[e]
    t = ze / (ze - sv[ne])
    xe = xy[e]
    new_xy = xe + t[:, None] * (xy[ne] - xe)

    # each vertex owns 0, 1 or 2 slots of each piece: itself (if on that side), then its edge's crossing
    keep_pos, keep_neg = sign >= 0, sign <= 0
    cross8 = cross.view(np.int8)
    cp = keep_pos.view(np.int8) + cross8
    cn = keep_neg.view(np.int8) + cross8
    end_p = cp.cumsum(dtype=np.int64)
    end_n = cn.cumsum(dtype=np.int64)
    total_p = int(end_p[-1])
    end_n += total_p
    src = np.empty(int(end_n[-1]), dtype=np.int64)
    kp = keep_pos.nonzero()[0]
    src[end_p[kp] - cp[kp]] = kp
    kn = keep_neg.nonzero()[0]
    src[end_n[kn] - cn[kn]] = kn
    new_id = np.arange(nv, nv + len(e))
    src[end_p[e] - 1] = new_id
    src[end_n[e] - 1] = new_id
    out_xy = np.concatenate([xy, new_xy])[src]
    last = start[1:] - 1
    new_start = np.concatenate([[0], end_p[last], end_n[last]])
    return out_xy, new_start


def clip(xy: np.ndarray, sv: np.ndarray, start: np.ndarray, *, keep_zero: bool = True):
    """The parts of polygons where an affine function with vertex values ``sv`` is ``>= 0``.

    Polygons with both signs are cut (as in :func:`split_by_line`), polygons with values ``>= 0`` are
    kept whole, polygons with a negative value and none positive are dropped, and polygons on which the
    function is 0 everywhere are kept when ``keep_zero``.

    Returns
    -------
    xy, start : the kept parts in flat form (whole polygons first, then cut ones)
    index : ndarray, shape (K,)
        The input polygon of each kept part.
    """
    counts = np.diff(start)
    first = start[:-1]
    lo = np.minimum.reduceat(sv, first)
    hi = np.maximum.reduceat(sv, first)
    mixed = (lo < 0) & (hi > 0)
    whole = (lo >= 0) & ((hi > 0) | keep_zero)
    parts_xy, parts_counts, parts_index = [], [], []
    if whole.any():
        parts_xy.append(xy[whole.repeat(counts)])
        parts_counts.append(counts[whole])
        parts_index.append(whole.nonzero()[0])
    if mixed.any():
        m = mixed.nonzero()[0]
        vmask = mixed.repeat(counts)
        pieces_xy, pieces_start = split_by_line(xy[vmask], sv[vmask], flat_start(counts[m]))
        n_pos = len(m)
        n_pos_vertices = int(pieces_start[n_pos])
        parts_xy.append(pieces_xy[:n_pos_vertices])
        parts_counts.append(np.diff(pieces_start[: n_pos + 1]))
        parts_index.append(m)
    if not parts_xy:
        return np.zeros((0, 2)), np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(parts_xy), flat_start(np.concatenate(parts_counts)), np.concatenate(parts_index)


def zero_edges(xy: np.ndarray, sv: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Edges whose two ends have value exactly 0: segments (k, 2, 2) and their polygon (k,)."""
    nxt = ring_next(start)
    e = ((sv == 0) & (sv[nxt] == 0)).nonzero()[0]
    pid = (np.arange(len(start) - 1)).repeat(np.diff(start))
    return np.stack([xy[e], xy[nxt[e]]], axis=1), pid[e]


def chords(xy: np.ndarray, sv: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the zero line of an affine function crosses each polygon with values of both signs.

    Returns segments (k, 2, 2) and their polygon (k,). The ends are the vertices with value 0 and
    the interpolated crossings of edges with strictly opposite signs.
    """
    counts = np.diff(start)
    first = start[:-1]
    lo = np.minimum.reduceat(sv, first)
    hi = np.maximum.reduceat(sv, first)
    cut = (lo < 0) & (hi > 0)
    if not cut.any():
        return np.zeros((0, 2, 2)), np.zeros(0, dtype=np.int64)
    pid = (np.arange(len(counts))).repeat(counts)
    nxt = ring_next(start)
    sn = sv[nxt]
    e = (((sv > 0) & (sn < 0)) | ((sv < 0) & (sn > 0))).nonzero()[0]
    a = np.where(sv[e] > 0, e, nxt[e])
    b = np.where(sv[e] > 0, nxt[e], e)
    t = sv[a] / (sv[a] - sv[b])
    crossing = xy[a] + t[:, None] * (xy[b] - xy[a])
    z = (sv == 0).nonzero()[0]
    points = np.concatenate([crossing, xy[z]])
    owner = np.concatenate([pid[e], pid[z]])
    keep = cut[owner]
    points, owner = points[keep], owner[keep]
    order = np.argsort(owner, kind="stable")
    points, owner = points[order], owner[order]
    first_of = (np.r_[True, owner[1:] != owner[:-1]]).nonzero()[0]
    last_of = np.r_[first_of[1:], len(owner)] - 1
    return np.stack([points[first_of], points[last_of]], axis=1), owner[first_of]


def _box_values(w, b: float, box) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    corners = box_corners(*box)
    w = np.asarray(w, dtype=np.float64)
    sv = corners[:, 0] * w[0] + corners[:, 1] * w[1] + b
    return corners, sv, np.array([0, 4])


def line_in_box(w, b: float, box) -> np.ndarray | None:
    """The segment of the line ``w . x + b = 0`` inside the box, shape (2, 2), or None if it misses.

    A line along an edge of the box gives that edge; a line through a corner only gives None, and so
    does ``w = 0`` (no line: the function is constant).

    Examples
    --------
    >>> line_in_box([1.0, 0.0], -0.5, (0, 1, 0, 1)).tolist()
    [[0.5, 0.0], [0.5, 1.0]]
    >>> line_in_box([1.0, 1.0], 0.0, (0, 1, 0, 1)) is None, line_in_box([0.0, 0.0], 0.0, (0, 1, 0, 1)) is None
    (True, True)
    """
    if not np.any(np.asarray(w, dtype=np.float64)):
        return None
    corners, sv, start = _box_values(w, b, box)
    segments, _ = chords(corners, sv, start)
    if len(segments) == 0:
        segments, _ = zero_edges(corners, sv, start)
    return segments[0] if len(segments) else None


def halfplane_in_box(w, b: float, box) -> np.ndarray:
    """The vertices of ``{x in box : w . x + b >= 0}``, counter-clockwise, shape (k, 2) (k = 0: empty).

    Examples
    --------
    >>> halfplane_in_box([1.0, 0.0], -0.5, (0, 1, 0, 1)).tolist()
    [[0.5, 0.0], [1.0, 0.0], [1.0, 1.0], [0.5, 1.0]]
    """
    corners, sv, start = _box_values(w, b, box)
    xy, _, _ = clip(corners, sv, start, keep_zero=True)
    return xy
