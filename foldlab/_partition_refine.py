"""The engine behind :func:`foldlab.arrangement`: convex polygons in flat arrays, refined layer by layer.

A partition of a 2D box into convex polygons is stored region by region in flat arrays::

    xy    (nv, 2)   the vertices of region 0, then of region 1, ... each counter-clockwise
    start (R + 1,)  region r owns the vertices start[r]:start[r + 1]

with, for each region, the affine map of the current hidden layer's output on it, kept around the
region's centre (the mean of its vertices): ``maps`` of shape (3, R, n) holds the value there and the
two partial derivatives.

One layer is applied to a partition as follows. Its pre-activations are affine on every region, with
maps ``W h + b`` computed for all regions in one matrix product. A neuron's line can only cut a region
if the region's bounding circle reaches it (``|z(centre)| <= |grad z| radius``); the few (region,
neuron) pairs that pass this test are kept in flat arrays and evaluated at their polygon's vertices.
A pair whose values do not have both signs is settled (its bit is fixed for the polygon and all its
pieces, since values at new vertices are convex combinations of old ones). Every polygon with
cutting lines is then split by all of them at once, in one pass vectorised across polygons
(:func:`foldlab._polygon_split.split_all`), where its lines form a simple arrangement (no line through a
vertex, no three lines through a point, no two meeting on the boundary, each certified against
rounding). The others, degenerate or cut by more than ``_polygon_split.MAX_LINES`` lines, are split in
rounds, also vectorised across polygons: each is split in two by one of its cutting lines, the one
whose line passes closest to the middle of the polygon's value range, which keeps the number of
rounds near ``log2`` of the number of pieces, and its pieces are tried at once again unless it was
degenerate. New vertices come from linear interpolation along an edge, which is exact for an affine
function. Finally the new regions' maps are the old ones times the new bits (times the slope for
LeakyReLU), moved to the new centres.

Tolerance
---------
A value ``|z_j| <= tol_j`` at a vertex counts as *on* neuron ``j``'s line and is set to exactly 0, with
``tol_j = RTOL * (sum_k |W_jk| hmax_k + |b_j|)``, ``RTOL = 1e-9`` and ``hmax_k`` an upper bound on
``|h_k|`` over the box (the largest ``|z_k(centre)| + |grad z_k| radius`` over the regions the layer
splits, typically a few times the true maximum): ``1e-9`` of the largest size the terms of ``z_j``
reach. Rounding errors are about ``1e-16`` of that scale, so decisions are consistent (three
lines through a point meet in one vertex, two identical neurons cut once, a neuron equal to 0 up to
rounding cuts nothing), and features thinner than about ``1e-9`` of the scale are not resolved.

Scale
-----
Scaling the coordinates, or a neuron's pre-activation, by a power of two changes no rounding (unless it
overflows or underflows), and a ReLU or LeakyReLU unit scaled by ``c > 0`` is the same unit. So a box far
from size 1 (beyond ``2**±COORD_WINDOW``) is stored scaled by a power of two to about 1, and a layer whose
rows' sizes ``sum_k |W_jk| hmax_k + |b_j|`` pass ``2**±SCALE_WINDOW`` (or that follows a scaled layer) has each
row scaled by a power of two to a size in [0.5, 1), its next layer's columns scaled back: every decision is
then the one the unscaled engine would take, however large or small the box and the weights are within
float64, and nothing overflows or underflows. Each level records the powers (``coord_exp``, ``h_exp``);
the arrangement turns its answers back into the net's units, and refuses with
:class:`foldlab.NumericalRange` where those leave float64.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _polygon_split
from ._convex_polygons import box_corners, centres_and_radii, flat_start, split_by_line
from ._tolerances import REACH_SLACK, RTOL
from .errors import OverBudget, TooManyRegions
from .limits import format_bytes


@dataclass(frozen=True, eq=False)
class Level:
    """The partition after one hidden layer.

    Attributes
    ----------
    xy : ndarray, shape (nv, 2)
        Vertices, region by region, counter-clockwise.
    start : ndarray, shape (R + 1,)
        Region ``r`` owns ``xy[start[r]:start[r + 1]]``.
    parent : ndarray, shape (R,)
        Index of the region of the previous level (0: the box) that contains region ``r``.
    bits : ndarray, shape (R, n), bool
        The layer's activation bits on region ``r``.
    centre : ndarray, shape (R, 2)
        The mean of region ``r``'s vertices (a point inside it).
    radius : ndarray, shape (R,)
        The largest distance from ``centre`` to a vertex of region ``r``.
    maps : ndarray, shape (3, R, n)
        The layer's output on region ``r`` as an affine map around the centre:
        ``h(x, y) = maps[0, r] + (x - cx) maps[1, r] + (y - cy) maps[2, r]``.
    hmax : ndarray, shape (n,)
        An upper bound on ``|h|`` over the box (it scales the next layer's tolerance).
    tol : ndarray, shape (n,)
        The per-neuron tolerance used for this layer's lines.
    extent : float
        The largest ``|x|`` or ``|y|`` in the box (it scales bounds on rounding errors).
    h_exp : ndarray, shape (n,), int
        The layer's output is ``h_k = 2**h_exp[k]`` times the stored one (see "Scale" above).
    coord_exp : int
        Coordinates are ``2**coord_exp`` times the stored ones (``xy``, ``centre``, ``radius``, ``extent``).
    """

    xy: np.ndarray
    start: np.ndarray
    parent: np.ndarray
    bits: np.ndarray
    centre: np.ndarray
    radius: np.ndarray
    maps: np.ndarray
    hmax: np.ndarray
    tol: np.ndarray
    extent: float
    h_exp: np.ndarray
    coord_exp: int = 0

    def __len__(self) -> int:
        return len(self.start) - 1

    @property
    def nbytes(self) -> int:
        """The memory its arrays hold."""
        arrays = (self.xy, self.start, self.parent, self.bits, self.centre, self.radius, self.maps, self.hmax, self.tol,
                  self.h_exp)
        return sum(a.nbytes for a in arrays)

    def true_xy(self, xy: np.ndarray) -> np.ndarray:
        """Coordinates from stored ones."""
        return xy if self.coord_exp == 0 else np.ldexp(xy, self.coord_exp)


#: Boxes whose largest coordinate is within ``[2**-COORD_WINDOW, 2**COORD_WINDOW]`` are stored as they are,
#: others scaled by a power of two to about 1.
COORD_WINDOW = 100
#: Layers whose rows have sizes ``|W_j| hmax + |b_j|`` within ``[2**-SCALE_WINDOW, 2**SCALE_WINDOW]`` are used as
#: they are, others scaled row by row by powers of two to about 1.
SCALE_WINDOW = 300


def box_level(xmin: float, xmax: float, ymin: float, ymax: float) -> Level:
    """The box as a level with one region, on which ``h`` is the identity map of the coordinates."""
    extent = max(abs(xmin), abs(xmax), abs(ymin), abs(ymax))
    coord_exp = 0
    if not 2.0**-COORD_WINDOW <= extent <= 2.0**COORD_WINDOW:
        coord_exp = int(np.frexp(extent)[1]) - 1
        xmin, xmax, ymin, ymax = np.ldexp([xmin, xmax, ymin, ymax], -coord_exp).tolist()
        extent = max(abs(xmin), abs(xmax), abs(ymin), abs(ymax))
    xy = box_corners(xmin, xmax, ymin, ymax)
    # the mean of the vertices, summed in the order numpy's mean sums them
    cx, cy = (((xmin + xmax) + xmax) + xmin) / 4, (((ymin + ymin) + ymax) + ymax) / 4
    radius = float(np.hypot(xmax - xmin, ymax - ymin)) / 2
    return Level(
        xy=xy,
        start=np.array([0, 4]),
        parent=np.zeros(1, dtype=np.int64),
        bits=np.zeros((1, 0), dtype=bool),
        centre=np.array([[cx, cy]]),
        radius=np.array([radius]),
        maps=np.array([[[cx, cy]], [[1.0, 0.0]], [[0.0, 1.0]]]),
        hmax=np.array([abs(cx) + radius, abs(cy) + radius]),
        tol=np.zeros(0),
        extent=extent,
        h_exp=np.full(2, coord_exp, dtype=np.int64),
        coord_exp=coord_exp,
    )


def next_maps(maps: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """The pre-activations ``W h + b`` on every region, as maps of shape (3, R, n_next)."""
    _, r, k = maps.shape
    z = (maps.reshape(3 * r, k) @ weight.T).reshape(3, r, -1)
    z[0] += bias
    return z


def row_exponents(weight: np.ndarray, column_exp: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """The binary exponent of the largest term of each row of ``weight * 2**column_exp`` and of ``bias``
    (0 for a row of zeros), found from exponents: nothing is multiplied, nothing overflows."""
    none = np.int64(np.iinfo(np.int64).min // 4)
    terms = np.where(weight != 0, np.frexp(weight)[1].astype(np.int64) + column_exp, none)
    top = np.maximum(terms.max(axis=1, initial=none), np.where(bias != 0, np.frexp(bias)[1].astype(np.int64), none))
    top[top == none] = 0
    return top


def scaled_layer(weight: np.ndarray, bias: np.ndarray, level: Level):
    """The layer as the engine uses it on ``level``'s stored outputs, and the size of its rows.

    Returns ``weight, bias`` (the coefficients of the stored ``h``), ``h_exp`` (the new layer's
    ``z_j`` is ``2**h_exp[j]`` times the stored one) and ``size = |W| hmax + |b|`` (stored units). Where the
    level is stored as it is and every row's size is within ``2**±SCALE_WINDOW``, the layer is used as it is
    (``h_exp`` 0); otherwise each row is scaled by a power of two (exactly) to a size in [0.5, 1): its
    largest coefficient first, found from exponents so that nothing overflows or underflows on the way,
    then its size.
    """
    if not level.h_exp.any():
        size = np.abs(weight) @ level.hmax
        size += np.abs(bias)
        smallest = np.min(size, where=size > 0, initial=1.0)
        if size.max(initial=0.0) <= 2.0**SCALE_WINDOW and smallest >= 2.0**-SCALE_WINDOW:
            return weight, bias, np.zeros(len(bias), dtype=np.int64), size
    top = row_exponents(weight, level.h_exp, bias)
    weight = np.ldexp(weight, level.h_exp - top[:, None])
    bias = np.ldexp(bias, -top)
    size = np.abs(weight) @ level.hmax + np.abs(bias)
    es = np.where(size > 0, np.frexp(size)[1], 0)
    return np.ldexp(weight, -es[:, None]), np.ldexp(bias, -es), top + es, np.ldexp(size, -es)


# --- the phases of one layer -------------------------------------------------------------------------
# (take, compress, flat indices and ndarray methods are used throughout: on small arrays they are several
# times quicker than fancy or boolean indexing of 2-D arrays, 2-D nonzero and np.* wrappers)

def candidate_pairs(level: Level, zmaps: np.ndarray, tol: np.ndarray, negative_slope: float):
    """The candidate test: the (polygon, neuron) pairs whose line may cut the polygon.

    A line misses a polygon when it misses the polygon's bounding circle, ``|z(centre)| > |grad z|
    radius`` (with ``REACH_SLACK`` and the tolerance for rounding). The same bounds give ``hmax``, a
    bound on the layer's output over the box: ``|z| <= |z(centre)| + |grad z| radius`` on every region,
    and ``|h| <= max(1, |slope|) |z|``.

    Returns
    -------
    qp, qj : ndarray, shape (Q,)
        The pairs' polygons (sorted) and neurons.
    coef : ndarray, shape (4, Q)
        Each pair's line ``z = a x + b y + k`` on its polygon and its tolerance, as rows ``a, b, k, tol``.
    hmax : ndarray, shape (n,)
    """
    zc, zx, zy = zmaps
    n = zc.shape[1]
    centre = level.centre
    reach = zx * zx
    size = zy * zy  # (one buffer fewer: fresh pages cost as much as the arithmetic here)
    reach += size
    np.sqrt(reach, out=reach)
    reach *= level.radius[:, None] * (1 + REACH_SLACK)
    reach += tol
    np.abs(zc, out=size)
    pair = (size <= reach).ravel().nonzero()[0]  # sorted by polygon
    size += reach
    hmax = np.maximum.reduce(size, axis=0) * max(1.0, abs(negative_slope))
    qp, qj = np.divmod(pair, n)
    coef = np.empty((4, len(pair)))
    zx.take(pair, out=coef[0])
    zy.take(pair, out=coef[1])
    zc.take(pair, out=coef[2])
    coef[2] -= coef[0] * centre[:, 0].take(qp)
    coef[2] -= coef[1] * centre[:, 1].take(qp)
    tol.take(qj, out=coef[3])
    return qp, qj, coef, hmax


def vertex_values(xy: np.ndarray, start: np.ndarray, qp: np.ndarray, coef: np.ndarray):
    """Each pair's line at the vertices of its polygon, values within the pair's tolerance set to 0.

    Returns
    -------
    val, vidx : ndarray, shape (N,)
        The values, pair after pair (pair ``q`` owns ``qn[q]`` entries from ``qoff[q]``, in its polygon's
        vertex order), and the row of ``xy`` of each.
    qoff, qn, lo, hi : ndarray, shape (Q,)
        Each pair's first entry, number of entries, smallest and largest value.
    """
    qn = (start[1:] - start[:-1]).take(qp)
    qend = qn.cumsum()
    qoff = qend - qn
    vidx = (start.take(qp) - qoff).repeat(qn)
    vidx += np.arange(len(vidx))
    c = coef.repeat(qn, axis=1)
    pxy = xy.take(vidx, axis=0)
    val = pxy[:, 0] * c[0]
    val += pxy[:, 1] * c[1]
    val += c[2]
    np.putmask(val, np.abs(val) <= c[3], 0.0)
    lo = np.minimum.reduceat(val, qoff)
    hi = np.maximum.reduceat(val, qoff)
    return val, vidx, qoff, qn, lo, hi


def settle(lo: np.ndarray, hi: np.ndarray, qp: np.ndarray, qj: np.ndarray, bits: np.ndarray) -> np.ndarray:
    """Fix the bit of every pair whose line does not cut its polygon; return which pairs cut, bool (Q,).

    A line with values of one sign (or 0) at a polygon's vertices has that sign on the whole polygon and
    on all its future pieces, whose vertices' values are convex combinations of these.
    """
    cut = (lo < 0) & (hi > 0)
    settled = (~cut).nonzero()[0]
    bits.ravel()[qp.take(settled) * bits.shape[1] + qj.take(settled)] = hi.take(settled) > 0
    return cut


def split_at_once(xy, val, vidx, qp, qj, coef, qn, qoff, bits, extent, trial):
    """Split the polygons marked ``trial`` by all their cutting lines at once, where that is exact.

    Returns the cells (see :func:`foldlab._polygon_split.split_all`, None when none was split) and the
    polygons split, bool (P,); the others are left to the rounds.
    """
    pick = trial.take(qp).nonzero()[0]
    pn = qn.take(pick)
    pend = pn.cumsum()
    entries = (qoff.take(pick) - (pend - pn)).repeat(pn)
    entries += np.arange(len(entries))
    return _polygon_split.split_all(
        xy, val.take(entries), vidx.take(entries), qp.take(pick), qj.take(pick),
        coef.take(pick, axis=1), pn, bits, extent,
    )


def choose_lines(active: np.ndarray, qp: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """For each active polygon, the pair whose line passes closest to the middle of its value range.

    Splitting there keeps the number of rounds near ``log2`` of the number of pieces. Ties and near-ties
    go to the first pair: an integer key packs (score, position) for one reduceat.
    """
    n_q = len(qp)
    per_poly = np.bincount(qp, minlength=len(active)).take(active.nonzero()[0])
    group = per_poly.cumsum() - per_poly
    key = (np.abs(lo + hi) / (hi - lo) * 2.0**30).astype(np.int64) * n_q + np.arange(n_q)
    return np.minimum.reduceat(key, group) % n_q


def split_round(xy, counts, val, qoff, active, chosen, qp, qj, coef, region, eligible, bits):
    """One round: every active polygon split in two by its chosen line, its other pairs passed on.

    Returns the pieces (positive pieces first, then negative ones, in the order of the active
    polygons) as ``xy, start, region, eligible, bits`` and their pairs ``qp, qj, coef``.
    """
    act = active.nonzero()[0]
    n_act = len(act)
    acounts = counts.take(act)
    astart = flat_start(acounts)
    sv = val.take(np.arange(int(astart[-1])) + (qoff.take(chosen) - astart[:-1]).repeat(acounts))
    axy = xy.compress(active.repeat(counts), axis=0)
    xy, start = split_by_line(axy, sv, astart)

    n = bits.shape[1]
    rank = np.empty(len(active), dtype=np.int64)
    rank[act] = np.arange(n_act)
    region = np.concatenate([region.take(act), region.take(act)])
    eligible = np.concatenate([eligible.take(act), eligible.take(act)])
    abits = bits.take(act, axis=0)
    bits = np.concatenate([abits, abits])
    cj = qj.take(chosen)
    bits.ravel()[np.arange(n_act) * n + cj] = True
    bits.ravel()[np.arange(n_act, 2 * n_act) * n + cj] = False
    rest = np.ones(len(qp), dtype=bool)
    rest[chosen] = False
    rest = rest.nonzero()[0]
    qp_rest = rank.take(qp.take(rest))
    qp = np.concatenate([qp_rest, qp_rest + n_act])
    qj_rest = qj.take(rest)
    qj = np.concatenate([qj_rest, qj_rest])
    coef_rest = coef.take(rest, axis=1)
    coef = np.concatenate([coef_rest, coef_rest], axis=1)
    return xy, start, region, eligible, bits, qp, qj, coef


#: Rows of maps shifted or scaled at a time: temporaries of at most this many numbers, not the size of a
#: whole level (which is what memory estimates count on).
BLOCK_NUMBERS = 1 << 20


def new_maps(zmaps, level_centre, parent, bits, centre, moved, negative_slope):
    """The new layer's output ``h = D z`` on each new region, as a map around the region's centre.

    ``D`` is 1 where the bit is set and the slope elsewhere. ``moved`` lists the ranges of rows
    ``(start, stop)`` whose regions are pieces of split polygons (the others kept their polygon's centre),
    whose maps are moved from the old centre to the new one. Both steps run in blocks of rows, so that
    their temporaries stay small beside the maps themselves.
    """
    maps = zmaps.take(parent, axis=1)
    block = max(1, BLOCK_NUMBERS // max(1, maps.shape[2]))
    for first, stop in moved:
        for a in range(first, stop, block):
            b = min(a + block, stop)
            rows = maps[:, a:b]
            shift = centre[a:b] - level_centre.take(parent[a:b], axis=0)
            term = rows[1] * shift[:, :1]
            rows[0] += term
            np.multiply(rows[2], shift[:, 1:], out=term)
            rows[0] += term
    if negative_slope == 0:
        maps *= bits
    else:
        for a in range(0, len(parent), block):
            maps[:, a : a + block] *= np.where(bits[a : a + block], 1.0, negative_slope)
    return maps


# --- limits ------------------------------------------------------------------------------------------

#: Bytes a region of a level with ``n`` units holds: its maps (3 n float64) and bits (n bool) ...
BYTES_PER_UNIT = 25
#: ... plus its vertices (about 6), centre, radius, parent and start.
BYTES_PER_REGION = 136
#: Bytes per (region, unit) while a layer's pre-activations are computed and tested: the maps (3 n
#: float64), two temporaries of the candidate test and the first bits.
BYTES_PER_PREACTIVATION = 41
#: Polygons are split in chunks of at most this many pieces (by the candidate test's bound) when the
#: bound says the whole layer could pass ``max_regions`` or the memory budget.
CHUNK_PIECES = 1 << 16


@dataclass(eq=False)
class Limits:
    """What one layer may grow to: a running count of its regions against ``max_regions``, and their memory
    against what is left of the budget.

    Attributes
    ----------
    max_regions : int or None
    budget : float or None
        The memory budget, in bytes (:data:`foldlab.limits.MEMORY_BUDGET` when the layer started).
    held : float
        Bytes the arrangement holds already (its levels, the layer's pre-activations).
    per_region : float
        Bytes each new region will need: its own, the next layer's pre-activations on it and, since later
        layers only split it, its share of every later level.
    layer : int
        The hidden layer, for messages.
    later : int
        How many hidden layers come after it (their levels are counted in ``per_region``), for messages.
    counted : int
        Regions of the chunks already finished.
    """

    max_regions: int | None = None
    budget: float | None = None
    held: float = 0.0
    per_region: float = 0.0
    layer: int = 0
    later: int = 0
    counted: int = 0

    def fits(self, n: float) -> bool:
        """Whether ``n`` more regions stay within both limits."""
        total = self.counted + n
        return (self.max_regions is None or total <= self.max_regions) and (
            self.budget is None or self.held + total * self.per_region <= self.budget
        )

    def check(self, n: int) -> None:
        """Raise :class:`TooManyRegions` (with the count) or :class:`OverBudget` when ``n`` more regions
        do not fit."""
        total = self.counted + n
        if self.max_regions is not None and total > self.max_regions:
            raise TooManyRegions(total)
        if self.budget is not None and self.held + total * self.per_region > self.budget:
            later = (
                f" and the {self.later} later hidden layer{'s' if self.later > 1 else ''} (each keeps at least as many "
                f"regions: a layer only splits them)"
                if self.later
                else ""
            )
            raise OverBudget(
                f"the arrangement has at least {total} regions after hidden layer {self.layer}, which with their "
                f"affine maps (and the next layer's pre-activations on them){later} would need at least about "
                f"{format_bytes(self.held + total * self.per_region)}, over foldlab.limits.MEMORY_BUDGET = "
                f"{format_bytes(self.budget)}; pass a smaller box or use a narrower net, or raise the budget "
                f"(with foldlab.limits.memory_budget(nbytes): ...)"
            )


def chunks(level: Level, qp: np.ndarray, limits: Limits) -> list[tuple[int, int]]:
    """Ranges of polygons ``(first, stop)`` to split one after the other.

    The candidate test bounds the pieces of a polygon cut by ``k`` lines by ``1 + k + k (k - 1) / 2``. When
    the whole level's bound fits the limits, it is one range (the usual case); otherwise ranges of at most
    ``CHUNK_PIECES`` pieces by the bound, so that the running count and memory are checked between them
    before they grow.
    """
    n_poly, n_pairs = len(level), len(qp)
    if limits.fits(n_poly + n_pairs * (n_pairs + 1) / 2):  # a bound on the bound: no need to count
        return [(0, n_poly)]
    k = np.bincount(qp, minlength=n_poly)
    bound = 1 + k + k * (k - 1) // 2
    if limits.fits(float(bound.sum())):
        return [(0, n_poly)]
    ends = np.searchsorted(bound.cumsum(), np.arange(1, 1 + bound.sum() // CHUNK_PIECES) * CHUNK_PIECES)
    ends = np.unique(np.concatenate([ends[(ends > 0) & (ends < n_poly)], [n_poly]]))
    return list(zip(np.concatenate([[0], ends[:-1]]).tolist(), ends.tolist()))


# --- one layer ---------------------------------------------------------------------------------------

def split_polygons(xy, start, centre, radius, region, qp, qj, coef, bits, extent, all_at_once, limits):
    """Split polygons by their candidate lines: settle, then split all at once or in rounds, until no
    line cuts a piece.

    The polygons are given in flat form with their centres, radii and regions of the level; ``qp``
    numbers them from 0; ``bits`` (rows: polygons) holds the bits at their centres and is settled in
    place. Returns the finished pieces as parts ``(xy, counts, region, bits, centre, radius, kept)``:
    centre and radius None where not yet known, ``kept`` True for polygons of the level left whole.
    """
    eligible = (np.ones if all_at_once else np.zeros)(len(region), dtype=bool)  # polygons split_all may try
    own = True  # the polygons are the level's own, whose centres and radii are known
    parts: list[tuple] = []
    n_done = 0
    while True:
        counts = start[1:] - start[:-1]
        n_poly = len(counts)
        if len(qp) == 0:
            parts.append((xy, counts, region, bits) + ((centre, radius, True) if own else (None, None, False)))
            break
        val, vidx, qoff, qn, lo, hi = vertex_values(xy, start, qp, coef)
        cut = settle(lo, hi, qp, qj, bits)

        # polygons without a cutting line are finished
        active = np.zeros(n_poly, dtype=bool)
        active[qp.compress(cut)] = True
        finished = ~active
        n_finished = n_poly - int(np.count_nonzero(active))
        if n_finished:
            known = (centre.compress(finished, axis=0), radius.compress(finished), True) if own else (None, None, False)
            parts.append((
                xy.compress(finished.repeat(counts), axis=0),
                counts.compress(finished),
                region.compress(finished),
                bits.compress(finished, axis=0),
            ) + known)
            n_done += n_finished
        if n_finished == n_poly:
            break
        cut = cut.nonzero()[0]
        qp, qj, coef, lo, hi, qoff, qn = (
            qp.take(cut), qj.take(cut), coef.take(cut, axis=1), lo.take(cut), hi.take(cut),
            qoff.take(cut), qn.take(cut))

        if eligible.any():
            k_poly = np.bincount(qp, minlength=n_poly)
            trial = active & eligible & (k_poly <= _polygon_split.MAX_LINES)
            if trial.any():
                cells, was_split = split_at_once(xy, val, vidx, qp, qj, coef, qn, qoff, bits, extent, trial)
                if cells is not None:
                    cxy, ccounts, cpoly, cbits, ccentre, cradius = cells
                    parts.append((cxy, ccounts, region.take(cpoly), cbits, ccentre, cradius, False))
                    n_done += len(ccounts)
                eligible &= ~(trial & ~was_split)  # degenerate: these and their pieces go in rounds
                active &= ~was_split
                n_active = int(np.count_nonzero(active))
                limits.check(n_done + n_active)
                if not n_active:
                    break
                rest = active.take(qp).nonzero()[0]
                qp, qj, coef, lo, hi, qoff = (
                    qp.take(rest), qj.take(rest), coef.take(rest, axis=1), lo.take(rest),
                    hi.take(rest), qoff.take(rest))

        chosen = choose_lines(active, qp, lo, hi)
        n_act = len(chosen)
        xy, start, region, eligible, bits, qp, qj, coef = split_round(
            xy, counts, val, qoff, active, chosen, qp, qj, coef, region, eligible, bits
        )
        own = False
        limits.check(n_done + 2 * n_act)
    return parts


def refine(
    level: Level,
    weight: np.ndarray,
    bias: np.ndarray,
    negative_slope: float = 0.0,
    *,
    max_regions: int | None = None,
    all_at_once: bool = True,
    limits: Limits | None = None,
) -> Level:
    """Split every region of ``level`` by the neurons of the next layer, ``z = W h + b``.

    Parameters
    ----------
    level : Level
        The current partition, with the affine maps of ``h`` on its regions.
    weight : ndarray, shape (n, n_prev)
    bias : ndarray, shape (n,)
    negative_slope : float
        0 for ReLU, the slope for LeakyReLU: the new level's ``h`` is ``z`` where the bit is 1 and
        ``negative_slope * z`` elsewhere.
    max_regions : int, optional
        Raise :class:`TooManyRegions` as soon as the pieces outnumber it (when ``limits`` is not given).
    all_at_once : bool
        Split polygons whose lines form a simple arrangement by all their lines at once
        (:func:`foldlab._polygon_split.split_all`); False splits every polygon in rounds, one line at a
        time.
    limits : Limits, optional
        A running count against ``max_regions`` and memory against a budget, checked as the pieces grow
        (:class:`TooManyRegions`, :class:`foldlab.OverBudget`).

    Returns
    -------
    Level
    """
    limits = Limits(max_regions) if limits is None else limits
    weight, bias, h_exp, size = scaled_layer(weight, bias, level)
    zmaps = next_maps(level.maps, weight, bias)
    tol = RTOL * size
    qp, qj, coef, hmax = candidate_pairs(level, zmaps, tol, negative_slope)
    bits = zmaps[0] > 0  # where no line cuts a polygon, the sign at its centre
    parts: list[tuple] = []
    for first, stop in chunks(level, qp, limits):
        if (first, stop) == (0, len(level)):
            pieces = (level.xy, level.start, level.centre, level.radius, np.arange(len(level)), qp, qj, coef, bits)
        else:
            a, b = np.searchsorted(qp, [first, stop])
            v0, v1 = level.start[first], level.start[stop]
            pieces = (level.xy[v0:v1], level.start[first : stop + 1] - v0, level.centre[first:stop],
                      level.radius[first:stop], np.arange(first, stop), qp[a:b] - first, qj[a:b], coef[:, a:b],
                      bits[first:stop])
        new = split_polygons(*pieces, level.extent, all_at_once, limits)
        limits.counted += sum(len(part[1]) for part in new)
        parts += new
    limits.counted, total = 0, limits.counted
    limits.check(total)
    return assemble(level, zmaps, parts, hmax, tol, h_exp, negative_slope)


def assemble(level: Level, zmaps: np.ndarray, parts: list[tuple], hmax, tol, h_exp, negative_slope: float) -> Level:
    """The new level from the finished pieces: centres where missing, flat arrays, the new maps."""
    moved, row = [], 0
    for i, (pxy, pcounts, pregion, pbits, pcentre, _, kept) in enumerate(parts):
        if pcentre is None:
            parts[i] = (pxy, pcounts, pregion, pbits, *centres_and_radii(pxy, flat_start(pcounts)), kept)
        if not kept:
            moved.append((row, row + len(pcounts)))
        row += len(pcounts)
    if len(parts) == 1:
        fxy, fcounts, parent, fbits, centre, radius, _ = parts[0]
    else:
        fxy, fcounts, parent, fbits, centre, radius = (np.concatenate(part) for part in list(zip(*parts))[:6])
    maps = new_maps(zmaps, level.centre, parent, fbits, centre, moved, negative_slope)
    return Level(xy=fxy, start=flat_start(fcounts), parent=parent, bits=fbits, centre=centre, radius=radius,
                 maps=maps, hmax=hmax, tol=tol, extent=level.extent, h_exp=h_exp, coord_exp=level.coord_exp)
