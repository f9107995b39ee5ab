"""Splitting convex polygons by all their cutting lines at once: the fast step of the refinement.

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
certified: ``|z|`` must exceed the snapping tolerance of the refinement plus a bound on the rounding
of the value, which includes how far the computed candidate may lie from the exact point
(evaluations err by at most ``GAMMA`` times the size of their terms; an interpolated point by
``GAMMA`` times the size of its end values over their difference). A polygon with an uncertified
sign (a degenerate or nearly degenerate arrangement) is left to the rounds of
:func:`foldlab._partition_refine.refine`, which split one line at a time and snap values to the
tolerance; so are polygons cut by more than ``MAX_LINES`` lines, and polygons whose cells do not
number ``1 + k + (number of inner crossings)`` (Euler's count for a simple arrangement, a last check).

The phases below work on all polygons at once; each returns a mask of the polygons it cannot certify
(then :func:`split_all` drops them and starts again without them) or what the next phase needs.
(numpy's take and compress are used throughout: here they are several times quicker than fancy or
boolean indexing of 2-D arrays.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._tolerances import GAMMA

__all__ = ["MAX_LINES", "split_all"]

#: Most lines a polygon may have here: a cell's sign code is a sum of distinct powers of 2 below
#: 2**52, which float64 sums (``np.bincount``) hold exactly.
MAX_LINES = 52


@dataclass(eq=False)
class _Pairs:
    """The (polygon, line) pairs of one attempt, and per pair what the phases share."""

    qp: np.ndarray  # (Q,) polygon, sorted
    qn: np.ndarray  # (Q,) vertices of its polygon
    k_poly: np.ndarray  # (P,) lines per polygon
    first_pair: np.ndarray  # (P,) each polygon's first pair
    first: np.ndarray  # (Q,) each pair's polygon's first pair
    slot: np.ndarray  # (Q,) the line's place among its polygon's lines
    line: np.ndarray  # (Q, 6) a, b, k, |a| + |b|, rounding bound of an evaluation, smallest trusted |z|


def _pairs(qp: np.ndarray, qn: np.ndarray, coef: np.ndarray, n_poly: int, extent: float) -> _Pairs:
    """Per pair: its polygon's place, the line's slot, and the bounds that certify its signs."""
    n_pairs = len(qp)
    k_poly = np.bincount(qp, minlength=n_poly)
    first_pair = k_poly.cumsum()
    first_pair -= k_poly
    first = first_pair[qp]
    slot = np.arange(n_pairs) - first
    line = np.empty((n_pairs, 6))
    line[:, :3] = coef[:3].T
    np.abs(line[:, :3], out=line[:, 3:])
    line[:, 3] += line[:, 4]
    np.multiply(line[:, 3], extent, out=line[:, 4])
    line[:, 4] += line[:, 5]
    line[:, 4] *= GAMMA
    np.add(coef[3], line[:, 4], out=line[:, 5])
    return _Pairs(qp, qn, k_poly, first_pair, first, slot, line)


def _sign_changes(p: _Pairs, val: np.ndarray, bad: np.ndarray):
    """Each line's values at its polygon's vertices: none near 0, one sign change each way.

    A cutting line has at least one + to - change, so ``Q`` of them means one each. Returns
    ``(pos, pos_next, nxt, down)`` or marks the uncertain polygons in ``bad`` and returns None.
    """
    qend = p.qn.cumsum()
    head = qend - p.qn
    nxt = np.arange(1, int(qend[-1]) + 1)
    nxt[qend - 1] = head
    pos = val > 0
    pos_next = pos[nxt]
    down = (pos > pos_next).nonzero()[0]
    unsure = np.minimum.reduceat(np.abs(val), head) <= p.line[:, 5]
    if len(down) != len(p.qp) or unsure.any():
        unsure |= np.add.reduceat(pos > pos_next, head, dtype=np.intp) != 1
        bad[p.qp.compress(unsure)] = True
        return None
    return pos, pos_next, nxt, down


def _boundary_crossings(p: _Pairs, xy, val, vidx, pos, pos_next, nxt, down, extent):
    """Where each line crosses its polygon's boundary: first where it goes from + to -, then back.

    Returns the crossings (2Q, 2), a bound on how far each lies from the exact point (2Q,), and each
    crossing's pair (2Q,).
    """
    n_pairs = len(p.qp)
    e = np.concatenate([down, (pos_next > pos).nonzero()[0]])
    f = nxt[e]
    ze = val[e]
    dz = ze - val[f]
    p0 = xy.take(vidx.take(e), axis=0)
    d = xy.take(vidx.take(f), axis=0)
    d -= p0
    cross = d * (ze / dz)[:, None]
    cross += p0
    pair2 = np.arange(2 * n_pairs)
    pair2[n_pairs:] -= n_pairs
    err = np.maximum(np.abs(d[:, 0]), np.abs(d[:, 1]))
    err *= p.line[:, 4].take(pair2)
    err /= np.abs(dz)
    err += GAMMA * extent
    return cross, err, pair2


def _signs_at_crossings(p: _Pairs, cross, err, pair2, bad):
    """Every line of the polygon at every boundary crossing (rows: crossings; one entry per line).

    Returns ``(rows, other, v, positive, mine, ccode)``: each entry's crossing and line, the line's
    value there, its sign, whether it is another line than the crossing's own, and each crossing's
    sign code without its own line's bit; or marks the uncertain polygons in ``bad`` and returns None.
    """
    n2 = len(pair2)
    k2 = p.k_poly.take(p.qp.take(pair2))
    tstart = k2.cumsum()
    tstart -= k2
    rows = np.arange(n2).repeat(k2)
    other = (p.first.take(pair2) - tstart).repeat(k2)
    other += np.arange(len(other))
    lo = p.line.take(other, axis=0)
    at = cross.take(rows, axis=0)
    v = lo[:, 0] * at[:, 0]
    v += lo[:, 1] * at[:, 1]
    v += lo[:, 2]
    mine = other != pair2.take(rows)  # the entries of lines other than the crossing's own
    unsure = np.abs(v) <= lo[:, 3] * err.take(rows) + lo[:, 5]
    unsure &= mine
    if unsure.any():
        bad[p.qp.take(pair2.take(rows.compress(unsure)))] = True
        return None
    positive = v > 0
    positive &= mine
    pw = np.ldexp(1.0, p.slot)
    ccode = np.bincount(rows, weights=pw.take(other) * positive, minlength=n2).astype(np.int64)
    return rows, other, v, positive, mine, ccode


def _inner_crossings(p: _Pairs, cross, err, rows, other, v, positive, mine, ccode, bad):
    """Where two lines cross inside a polygon: the ends of chord q1 on both sides of line q2.

    The crossings are sorted along each chord and must be certified apart; the sign code along a
    chord changes one line at a time (int64 sums are exact). Returns ``(inner, icode, p1, p2, ipoly)``:
    each inner crossing once (on the chord of its first line), its code without the two lines' bits,
    those bits, and its polygon; or marks the uncertain polygons in ``bad`` and returns None.
    """
    n_pairs = len(p.qp)
    half = len(v) // 2
    inc = ((positive[:half] != positive[half:]) & mine[:half]).nonzero()[0]
    q1, q2 = rows.take(inc), other.take(inc)
    zd = v.take(inc)
    dd = zd - v.take(inc + half)
    ti = zd / dd
    l2 = p.line.take(q2, axis=0)
    terr = np.maximum(err[:n_pairs], err[n_pairs:]).take(q1) * l2[:, 3]
    terr += l2[:, 4]
    terr /= np.abs(dd)
    terr += GAMMA
    # q1 is sorted; the float key orders each chord by t up to 1 ulp of q1, and the gaps are checked
    order = (q1 + 0.5 * ti).argsort()
    q1, q2, ti, terr = q1.take(order), q2.take(order), ti.take(order), terr.take(order)
    sd = positive.take(inc.take(order))
    gap = ti[1:] - ti[:-1]
    gap -= terr[1:]
    gap -= terr[:-1]
    crowded = (gap <= 0) & (q1[1:] == q1[:-1])
    if crowded.any():
        bad[p.qp.take(q1[1:].compress(crowded))] = True
        return None
    pwi = np.left_shift(1, p.slot)
    flip = pwi.take(q2)
    np.negative(flip, out=flip, where=sd)
    before = flip.cumsum()
    before -= flip
    on_chord = np.bincount(q1, minlength=n_pairs)
    chord_start = on_chord.cumsum()
    chord_start -= on_chord
    before -= before.take(chord_start.take(q1))
    lower = (q1 < q2).nonzero()[0]
    x1, x2 = q1.take(lower), q2.take(lower)
    cd = cross.take(x1, axis=0)
    inner = cross.take(x1 + n_pairs, axis=0)
    inner -= cd
    inner *= ti.take(lower)[:, None]
    inner += cd
    p1, p2 = pwi.take(x1), pwi.take(x2)
    icode = ccode.take(x1) + before.take(lower)
    icode -= p2 * sd.take(lower)
    return inner, icode, p1, p2, p.qp.take(x1)


def _memberships(p: _Pairs, xy, vidx, pos, cross, pair2, ccode, inner, icode, p1, p2, ipoly):
    """Every candidate vertex in every cell it bounds: a vertex of the polygon in one, a boundary
    crossing in two (either side of its line), an inner crossing in four.

    Returns the points, their polygons and their cells' sign codes, each of shape (M,).
    """
    n_pairs = len(p.qp)
    pair_of_entry = np.arange(n_pairs).repeat(p.qn)
    ve = (p.slot == 0).take(pair_of_entry).nonzero()[0]  # the entries of each polygon's first pair
    vrow = vidx.take(ve)
    pw = np.ldexp(1.0, p.slot)
    vcode = np.bincount(vidx, weights=pw.take(pair_of_entry) * pos, minlength=len(xy))
    vcode = vcode.take(vrow).astype(np.int64)
    qp2 = p.qp.take(pair2)
    pwi = np.left_shift(1, p.slot)
    pts = np.concatenate([xy.take(vrow, axis=0), cross, cross, inner, inner, inner, inner])
    poly = np.concatenate([p.qp.take(pair_of_entry.take(ve)), qp2, qp2, ipoly, ipoly, ipoly, ipoly])
    code = np.concatenate(
        [vcode, ccode, ccode + pwi.take(pair2), icode, icode + p1, icode + p2, icode + (p1 + p2)]
    )
    return pts, poly, code


def _cells(p: _Pairs, pts, poly, code, ipoly, n_poly, bad):
    """Cells: the memberships with equal (polygon, code), vertices ordered by angle around their mean.

    They are sorted by one integer key ``base[polygon] + code`` (each polygon has ``2**k`` codes) where it
    fits in int64. Euler's count for a simple arrangement, ``1 + k + I`` cells for ``k`` lines with ``I``
    inner crossings, is checked last. Returns ``(xy, counts, polygon, code, centre, radius)`` of the cells,
    or marks the polygons that fail in ``bad`` and returns None.
    """
    new = np.empty(len(code), dtype=bool)
    new[0] = True
    if np.add.reduce(np.ldexp(1.0, p.k_poly)) < 2.0**62:
        base = np.left_shift(1, p.k_poly)
        base = base.cumsum() - base
        key = code + base.take(poly)
        order = key.argsort()
        key = key.take(order)
        np.not_equal(key[1:], key[:-1], out=new[1:])
    else:  # pragma: no cover - needs thousands of polygons with 50 lines each
        order = np.lexsort((code, poly))
        sorted_code, sorted_poly = code.take(order), poly.take(order)
        new[1:] = (sorted_code[1:] != sorted_code[:-1]) | (sorted_poly[1:] != sorted_poly[:-1])
    pts = pts.take(order, axis=0)
    cell = new.cumsum()
    cell -= 1
    heads = new.nonzero()[0]
    n_cells = len(heads)
    counts = np.bincount(cell, minlength=n_cells)
    first_of_cell = order.take(heads)
    cell_poly = poly.take(first_of_cell)
    centre = np.empty((n_cells, 2))
    centre[:, 0] = np.bincount(cell, weights=pts[:, 0], minlength=n_cells)
    centre[:, 1] = np.bincount(cell, weights=pts[:, 1], minlength=n_cells)
    centre /= counts[:, None]
    dxy = pts - centre.take(cell, axis=0)
    wrong = np.bincount(cell_poly, minlength=n_poly) != np.bincount(ipoly, minlength=n_poly) + p.k_poly + 1
    wrong &= p.k_poly > 0
    wrong[cell_poly.compress(counts < 3)] = True
    if wrong.any():
        bad |= wrong
        return None
    by_angle = np.arctan2(dxy[:, 1], dxy[:, 0]).argsort()
    key = cell.take(by_angle).astype(np.uint16 if n_cells <= 1 << 16 else np.int64)
    by_angle = by_angle.take(key.argsort(kind="stable"))
    dxy *= dxy
    radius = np.sqrt(np.maximum.reduceat(dxy[:, 0] + dxy[:, 1], heads))
    return pts.take(by_angle, axis=0), counts, cell_poly, code.take(first_of_cell), centre, radius


def _cell_bits(p: _Pairs, qj, bits, cell_poly, cell_code):
    """Each cell's bits: its polygon's settled bits, then the code's bit for each of the polygon's lines."""
    n_cells = len(cell_poly)
    cbits = bits.take(cell_poly, axis=0)
    kc = p.k_poly.take(cell_poly)
    entry_cell = np.arange(n_cells).repeat(kc)
    entry_pair = (p.first_pair.take(cell_poly) - (kc.cumsum() - kc)).repeat(kc)
    entry_pair += np.arange(len(entry_pair))
    bit = np.right_shift(cell_code.take(entry_cell), p.slot.take(entry_pair)) & 1 == 1
    cbits.ravel()[entry_cell * bits.shape[1] + qj.take(entry_pair)] = bit
    return cbits


def _attempt(xy, val, vidx, qp, qj, coef, qn, bits, extent, bad):
    """One attempt over all the pairs given; None (with ``bad`` marked) when some polygon is uncertain."""
    n_poly = len(bits)
    p = _pairs(qp, qn, coef, n_poly, extent)
    changes = _sign_changes(p, val, bad)
    if changes is None:
        return None
    pos, pos_next, nxt, down = changes
    cross, err, pair2 = _boundary_crossings(p, xy, val, vidx, pos, pos_next, nxt, down, extent)
    at_crossings = _signs_at_crossings(p, cross, err, pair2, bad)
    if at_crossings is None:
        return None
    rows, other, v, positive, mine, ccode = at_crossings
    inner = _inner_crossings(p, cross, err, rows, other, v, positive, mine, ccode, bad)
    if inner is None:
        return None
    inner_xy, icode, p1, p2, ipoly = inner
    pts, poly, code = _memberships(p, xy, vidx, pos, cross, pair2, ccode, inner_xy, icode, p1, p2, ipoly)
    cells = _cells(p, pts, poly, code, ipoly, n_poly, bad)
    if cells is None:
        return None
    cxy, counts, cell_poly, cell_code, centre, radius = cells
    cbits = _cell_bits(p, qj, bits, cell_poly, cell_code)
    return (cxy, counts, cell_poly, cbits, centre, radius), p.k_poly > 0


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
    coef : ndarray, shape (4, Q)
        Each pair's line ``z = a x + b y + k`` and tolerance, as columns ``[a, b, k, tol]``.
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
    bad = np.zeros(len(bits), dtype=bool)
    while True:
        result = _attempt(xy, val, vidx, qp, qj, coef, qn, bits, extent, bad)
        if result is not None:
            return result
        keep = ~bad.take(qp)  # start again without the polygons found uncertain
        if not keep.any():
            return None, np.zeros(len(bits), dtype=bool)
        keep_entry = keep.repeat(qn)
        val, vidx, qp, qj = val.compress(keep_entry), vidx.compress(keep_entry), qp.compress(keep), qj.compress(keep)
        coef, qn = coef.compress(keep, axis=1), qn.compress(keep)
