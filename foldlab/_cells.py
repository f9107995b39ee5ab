"""Splitting convex polygons by all their cutting lines at once: the fast step of :mod:`foldlab._refine`.

For one polygon ``P`` and the ``k`` lines of a layer that cut it, the cells of the arrangement are
found from their vertices, in one vectorised pass over all polygons (no rounds):

- candidate vertices: ``P``'s vertices, the two points where each line crosses ``P``'s boundary
  (by interpolation along the edge whose ends have opposite signs), and the points where two lines
  cross inside ``P`` (by interpolation along one of the two chords);
- every candidate has a sign vector over the ``k`` lines, with a 0 for each line through it: a
  vertex of ``P`` lies in one cell, a boundary crossing in two, an inner crossing in four. Two lines
  cross inside ``P`` when the ends of one's chord lie on both sides of the other; along a chord the
  signs change one line at a time, so the inner crossings' sign vectors are running sums along
  the chord, sorted by position;
- a cell is a sign vector (packed into an integer code), its vertices the candidates that carry it,
  ordered counter-clockwise by angle around their mean.

This is exact only for a simple arrangement, where no line passes through a vertex of ``P``, no
two lines meet on ``P``'s boundary and no three lines meet in a point. So every sign used is
certified: ``|z|`` must exceed the snapping tolerance of :mod:`foldlab._refine` plus a bound on the
rounding of the value, which includes how far the computed candidate may lie from the exact point
(evaluations err by at most ``GAMMA`` times the size of their terms; an interpolated point by
``GAMMA`` times the size of its end values over their difference). A polygon with an uncertified
sign (a degenerate or nearly degenerate arrangement) is left to the rounds of
:func:`foldlab._refine.refine`, which split one line at a time and snap values to the tolerance;
so are polygons cut by more than ``MAX_LINES`` lines, and polygons whose cells do not number
``1 + k + (number of inner crossings)`` (Euler's count for a simple arrangement, a last check).
"""

from __future__ import annotations

import numpy as np

#: Most lines a polygon may have here: a cell's sign code is a sum of distinct powers of 2 below
#: 2**52, which float64 sums (``np.bincount``) hold exactly.
MAX_LINES = 52
#: Relative rounding of an affine evaluation ``a x + b y + k`` against ``|a| |x| + |b| |y| + |k|``
#: (a few units of roundoff, with room to spare).
GAMMA = 16 * np.finfo(np.float64).eps


def _flat_start(counts: np.ndarray) -> np.ndarray:
    start = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=start[1:])
    return start


def split_all(xy, val, vidx, qp, qj, coef, qn, bits, extent):
    """Split polygons by all their cutting lines at once, where the arrangement is simple.

    Parameters
    ----------
    xy : ndarray, shape (nv, 2)
        The partition's vertices.
    val : ndarray, shape (N,)
        For each pair, its line's values at its polygon's vertices, in the polygon's
        (counter-clockwise) order: pair ``q`` owns ``qn[q]`` consecutive entries.
    vidx : ndarray, shape (N,)
        The row of ``xy`` of each entry of ``val``.
    qp, qj : ndarray, shape (Q,)
        The pairs (polygon, neuron), sorted by polygon; every line has values of both strict signs
        on its polygon, and no polygon has more than ``MAX_LINES``.
    coef : ndarray, shape (Q, 4)
        Each pair's line ``z = a x + b y + k`` and tolerance, as rows ``[a, b, k, tol]``.
    qn : ndarray, shape (Q,)
        Number of vertices of each pair's polygon.
    bits : ndarray, shape (P, n), bool
        The layer's bits settled so far on every polygon of the partition.
    extent : float
        A bound on ``|x|`` and ``|y|`` over the box.

    Returns
    -------
    cells : tuple or None
        ``(xy, counts, polygon, bits, centre, radius)`` of the cells: vertices (counter-clockwise,
        cell by cell), vertex counts, the polygon each cell lies in, its bits, the mean of its
        vertices and the largest distance from it to a vertex. None when no polygon was split.
    split : ndarray, shape (P,), bool
        The polygons split here; the others among ``qp`` are left to the rounds.
    """
    n_poly = len(bits)
    n_pairs = len(qp)
    k_poly = np.bincount(qp, minlength=n_poly)
    first_pair = _flat_start(k_poly)[:-1]
    slot = np.arange(n_pairs) - first_pair[qp]  # the line's place among its polygon's lines
    # per pair: a, b, k, |a| + |b|, the rounding bound of an evaluation, the smallest trusted |z|
    line = np.empty((n_pairs, 6))
    line[:, :3] = coef[:, :3]
    np.add(np.abs(coef[:, 0]), np.abs(coef[:, 1]), out=line[:, 3])
    line[:, 4] = GAMMA * (line[:, 3] * extent + np.abs(coef[:, 2]))
    np.add(coef[:, 3], line[:, 4], out=line[:, 5])

    bad = np.zeros(n_poly, dtype=bool)

    def without_bad():
        keep = ~bad[qp]
        if not keep.any():
            return None, np.zeros(n_poly, dtype=bool)
        keep_entry = np.repeat(keep, qn)
        return split_all(xy, val[keep_entry], vidx[keep_entry], qp[keep], qj[keep], coef[keep], qn[keep], bits, extent)

    # 1. each line's values at the polygon's vertices: none near 0, one sign change each way
    qoff = _flat_start(qn)
    head = qoff[:-1]
    nxt = np.arange(1, int(qoff[-1]) + 1)
    nxt[qoff[1:] - 1] = head
    pos = val > 0
    pos_next = pos[nxt]
    down = pos & ~pos_next
    unsure = np.minimum.reduceat(np.abs(val), head) <= line[:, 5]
    unsure |= np.add.reduceat(down, head, dtype=np.intp) != 1
    if unsure.any():
        bad[qp[unsure]] = True
        return without_bad()

    # 2. where each line crosses the boundary: first the + to - edges, then the - to + edges
    e = np.concatenate([np.flatnonzero(down), np.flatnonzero(pos_next & ~pos)])
    f = nxt[e]
    ze = val[e]
    dz = ze - val[f]
    p0 = xy[vidx[e]]
    d = xy[vidx[f]] - p0
    t = ze / dz
    cross = p0 + t[:, None] * d
    pair2 = np.concatenate([np.arange(n_pairs), np.arange(n_pairs)])
    err = np.abs(d).max(axis=1) * (line[pair2, 4] / np.abs(dz)) + GAMMA * extent

    # 3. every line of the polygon at every crossing (rows: crossings; one entry per line)
    k2 = k_poly[qp[pair2]]
    tstart = _flat_start(k2)
    n_t = int(tstart[-1])
    rows = np.repeat(np.arange(2 * n_pairs), k2)
    other = np.arange(n_t) + np.repeat(first_pair[qp[pair2]] - tstart[:-1], k2)
    lo = line[other]
    v = np.einsum("ij,ij->i", lo[:, :2], cross[rows])
    v += lo[:, 2]
    own = other == pair2[rows]
    unsure = np.abs(v) <= lo[:, 5] + lo[:, 3] * err[rows]
    unsure &= ~own
    if unsure.any():
        bad[qp[pair2[rows[unsure]]]] = True
        return without_bad()
    positive = (v > 0) & ~own
    pw = np.ldexp(1.0, slot)
    ccode = np.bincount(rows, weights=np.where(positive, pw[other], 0.0), minlength=2 * n_pairs).astype(np.int64)

    # 4. inner crossings: chord q1's ends on both sides of line q2, sorted along the chord
    half = n_t // 2
    vd, vu = v[:half], v[half:]
    inc = np.flatnonzero((vd > 0) != (vu > 0))
    inc = inc[~own[inc]]
    q1, q2 = rows[inc], other[inc]
    zd = vd[inc]
    dd = zd - vu[inc]
    ti = zd / dd
    emax = np.maximum(err[:n_pairs], err[n_pairs:])
    terr = (line[q2, 4] + line[q2, 3] * emax[q1]) / np.abs(dd) + GAMMA
    # q1 is sorted; the float key orders each chord by t up to 1 ulp of q1, and the gaps are checked
    order = np.argsort(q1 + 0.5 * ti)
    q1, q2, ti, terr, sd = q1[order], q2[order], ti[order], terr[order], (zd > 0)[order]
    crowded = (q1[1:] == q1[:-1]) & (ti[1:] - ti[:-1] <= terr[1:] + terr[:-1])
    if crowded.any():
        bad[qp[q1[1:][crowded]]] = True
        return without_bad()
    pwi = np.left_shift(1, slot)
    # sign codes along the chord: each crossing flips one line's bit (int64 sums are exact)
    flip = np.where(sd, -pwi[q2], pwi[q2])
    before = np.cumsum(flip)
    before -= flip
    before -= before[_flat_start(np.bincount(q1, minlength=n_pairs))[q1]]
    lower = np.flatnonzero(q1 < q2)  # each inner crossing once, on the chord of its first line
    x1, x2 = q1[lower], q2[lower]
    inner = cross[x1] + ti[lower][:, None] * (cross[n_pairs + x1] - cross[x1])
    icode = ccode[x1] + before[lower]
    icode -= np.where(sd[lower], pwi[x2], 0)

    # 5. memberships (point, polygon, code): vertices in one cell, crossings in two, inner points in four
    vert = np.flatnonzero(slot == 0)
    ve = np.arange(int(qn[vert].sum())) + np.repeat(head[vert] - _flat_start(qn[vert])[:-1], qn[vert])
    pair_of_entry = np.repeat(np.arange(n_pairs), qn)
    vcode = np.bincount(vidx, weights=np.where(pos, pw[pair_of_entry], 0.0), minlength=len(xy))[vidx[ve]]
    ipoly = qp[x1]
    p1, p2 = pwi[x1], pwi[x2]
    pts = np.concatenate([xy[vidx[ve]], cross, cross, inner, inner, inner, inner])
    poly = np.concatenate([qp[pair_of_entry[ve]], qp, qp, qp, qp, ipoly, ipoly, ipoly, ipoly])
    code = np.concatenate(
        [vcode.astype(np.int64), ccode, ccode + pwi[pair2], icode, icode + p1, icode + p2, icode + (p1 + p2)]
    )

    # 6. cells: equal (polygon, code); vertices ordered by angle around the cell's mean
    base = np.zeros(n_poly, dtype=np.int64)
    if np.ldexp(1.0, k_poly).sum() < 2.0**62:
        np.cumsum(np.left_shift(1, k_poly[:-1]), out=base[1:])
        order = np.argsort(base[poly] + code)
    else:  # pragma: no cover - needs thousands of polygons with 50 lines each
        order = np.lexsort((code, poly))
    poly, code, pts = poly[order], code[order], pts[order]
    new = np.empty(len(code), dtype=bool)
    new[0] = True
    np.not_equal(code[1:], code[:-1], out=new[1:])
    new[1:] |= poly[1:] != poly[:-1]
    cell = np.cumsum(new) - 1
    heads = np.flatnonzero(new)
    n_cells = len(heads)
    counts = np.diff(np.append(heads, len(code)))
    cx = np.bincount(cell, weights=pts[:, 0], minlength=n_cells) / counts
    cy = np.bincount(cell, weights=pts[:, 1], minlength=n_cells) / counts
    dx = pts[:, 0] - cx[cell]
    dy = pts[:, 1] - cy[cell]
    cell_poly, cell_code = poly[heads], code[heads]
    # Euler: k lines with I inner crossings cut a convex polygon into 1 + k + I cells
    expected = 1 + k_poly + np.bincount(ipoly, minlength=n_poly)
    wrong = (np.bincount(cell_poly, minlength=n_poly) != expected) & (k_poly > 0)
    wrong[cell_poly[counts < 3]] = True
    if wrong.any():
        bad |= wrong
        return without_bad()
    by_angle = np.argsort(np.arctan2(dy, dx))
    key = cell[by_angle].astype(np.uint16 if n_cells <= 1 << 16 else np.int64)
    by_angle = by_angle[np.argsort(key, kind="stable")]
    radius = np.sqrt(np.maximum.reduceat(dx * dx + dy * dy, heads))

    # 7. bits: the polygon's settled bits, then the code's bit for each of its lines
    cbits = bits[cell_poly]
    kc = k_poly[cell_poly]
    estart = _flat_start(kc)
    entry_cell = np.repeat(np.arange(n_cells), kc)
    entry_pair = np.arange(int(estart[-1])) + np.repeat(first_pair[cell_poly] - estart[:-1], kc)
    cbits[entry_cell, qj[entry_pair]] = (cell_code[entry_cell] >> slot[entry_pair]) & 1 == 1
    centre = np.column_stack([cx, cy])
    return (pts[by_angle], counts, cell_poly, cbits, centre, radius), k_poly > 0
