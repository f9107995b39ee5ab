"""The fast layered walk: piecewise-linear nets on the CPU, in numpy (float64).

The same refinement as :func:`foldlab._walk_engines.layered_walk` (the plain engine, in torch: each layer
is evaluated by a product at every breakpoint found so far), arranged for the CPU, where a walk's time
goes into the products and into passes over arrays of breakpoints x units (measured per layer and per
operation; ``benchmarks/walk.py`` times the result against regioncam's exact 1D mode):

- the first layer is evaluated at the two ends of each segment only (``W x1 + b``, ``W x2 + b``); it is
  affine along the whole segment, so its crossings and its signs anywhere follow from those;
- layer ``k``'s product runs only at the breakpoints that existed before layer ``k - 1`` refined the
  segment (for the second layer: the segment ends). At the breakpoints layer ``k - 1`` inserted, layer
  ``k``'s values are the interpolation of its values at the ends of the piece around them, plus, for
  each unit of layer ``k - 1`` that crosses inside that piece (usually one), that unit's column of
  ``W_k`` times the amount its output differs from its own interpolation there: a gather, a sparse
  product, or one small dense product for a piece with many such units (the second layer's piece is the
  whole segment). A rank-1 update of the next layer at every crossing, with cumulative sums along the
  segment, was measured as well: the cumulative sums cost more than the products they replace;
- signs come from two comparisons with the rounding bound (first against the batch's largest bound, a
  scalar, then the few values within it against their own); everything else (sign changes, each
  piece's bits, the activation) works on the signs; crossings are found with ``flatnonzero``;
- the bits of every layer are packed eight to a byte as soon as they are known, so carrying them through
  later insertions and comparing patterns costs a few bytes a row;
- small products run in one BLAS thread (a thread pool waiting on a busy machine costs more than they
  do), large ones in as many as ``torch.get_num_threads()``.

One segment (:func:`walk_one`, what :func:`foldlab.walk` runs on the CPU) goes another way: a single walk's
time goes into numpy's calls rather than its arithmetic, so there the first layer is two matrix-vector
products at the ends, the second layer a product at the ends plus one dense correction product at the
first layer's breakpoints, and every later layer a product at every breakpoint so far (as in the plain
engine), with the same signs, tie rule and bounds. A batch is walked in chunks of segments
(:data:`CHUNK_BYTES`), so that its arrays of breakpoints x units stay in the cache.

Floating point. Every pre-activation carries a bound on its rounding error (:func:`bound_of`): the
rigorous forward bound, or, where that is more than ``MARGIN`` times the typical error float64 makes
(through wide and deep layers the rigorous bound grows thousands of times faster than the errors do),
``MARGIN`` times that typical error. A value within ``SAFETY`` times its bound of 0 counts as 0; a value
farther away has the sign float64 gives it. Two crossings of one piece whose places, with their error
windows, overlap are one breakpoint; a crossing float64 cannot place apart from a breakpoint is at it.
These are exactly the decisions float64 cannot make on its own: each marks its segment *ambiguous*, and
:mod:`foldlab.walk` settles ambiguous segments in exact rational arithmetic (:mod:`foldlab._walk_exact`)
or refuses them. The walk of a segment that is not marked is exact.
"""

from __future__ import annotations

import contextlib
import functools
import math
import weakref
from dataclasses import dataclass

import numpy as np
import torch

from . import limits
from .adapter import Layer
from .errors import NumericalRange, TooManyRegions

__all__ = [
    "FastStage", "fast_stage", "fast_layered_walk", "walk_one", "PackedPieces", "BatchTooLarge", "estimate",
    "U", "SAFETY", "MARGIN", "gamma", "bound_of",
]

#: Unit roundoff of float64.
U = 2.0**-53
#: Values within ``SAFETY`` times their rounding bound of 0 count as 0 (the bounds are first-order).
SAFETY = 8.0
#: The bound used is the rigorous one, or ``MARGIN`` times the typical rounding error where that is smaller
#: (see :func:`bound`).
MARGIN = 16.0
#: Largest value the walk lets its bounds reach before it calls the range exhausted.
HUGE = 1e300
#: Smallest positive subnormal: the absolute rounding error of one product that underflows.
ETA = 2.0**-1074


def gamma(n: int) -> float:
    """``n u / (1 - n u)``: the relative error bound of a sum of ``n`` rounded products (Higham, eq. 3.4)."""
    return n * U / (1.0 - n * U)


def bound_of(err, typ, scale, rtol: float):
    """How close to 0 a value must be to count as 0: ``SAFETY`` times its rounding bound.

    ``err`` is the rigorous forward bound: each product of ``n`` terms adds ``gamma(n)`` times its terms'
    size, and an error vector ``e`` passes through ``W`` as ``||W_j|| ||e||``. Through a few wide layers it
    grows like the product of ``||W_j|| sqrt(width)``, thousands of times the error float64 actually makes,
    whose terms have random signs: ``typ`` estimates that one (``u sqrt(n)`` of the terms' size per
    product, ``||W_j|| ||e|| / sqrt(width)`` passed on). The bound is the rigorous one while it is within
    ``MARGIN`` times the typical error (small nets, shallow ones), else ``MARGIN`` times the typical error,
    which no sum of rounding errors with random signs reaches. ``rtol`` adds a tolerance relative to the
    values' ``scale``.
    """
    out = SAFETY * np.minimum(err, MARGIN * typ)
    return out + rtol * scale if rtol else out


class BatchTooLarge(Exception):
    """Raised inside an engine when a batch's next arrays would pass the memory budget (the caller splits
    the batch, and raises :class:`foldlab.OverBudget` for a single segment)."""

    def __init__(self, nbytes: float, what: str, driver: str):
        super().__init__(what)
        self.nbytes, self.what, self.driver = nbytes, what, driver


def estimate(nbytes: float, what: str, driver: str = "pass a smaller max_regions=") -> None:
    """Raise :class:`BatchTooLarge` when ``nbytes`` would pass :data:`foldlab.limits.MEMORY_BUDGET`."""
    if nbytes > limits.MEMORY_BUDGET:
        raise BatchTooLarge(nbytes, what, driver)


@dataclass(frozen=True, eq=False)
class FastStage:
    """A piecewise-linear layer as numpy arrays, with the norms its rounding bounds need."""

    weight: np.ndarray  # (out, in)
    weight_tc: np.ndarray  # (in, out) contiguous: row j is unit j's effect on the layer (its column of W)
    weight_t: torch.Tensor  # (in, out), a transposed view, for torch's small products
    bias_t: torch.Tensor
    bias: np.ndarray  # (out,)
    row_norm: float  # max_j ||W_j||_2
    bias_max: float  # max_j |b_j|
    gamma: float  # gamma(in + 1)
    const_units: np.ndarray  # units with an all-zero row: z = b exactly
    const_bias: np.ndarray
    n_dead: int  # zero row and zero bias: z = 0 exactly everywhere
    slope: float  # below 0: 0 for ReLU, LeakyReLU's slope, 1 for the output layer
    is_output: bool
    width: int
    n_in: int


_STAGES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def fast_stage(layer: Layer) -> FastStage:
    """The :class:`FastStage` of a piecewise-linear layer on the CPU (cached per layer object)."""
    cached = _STAGES.get(layer)
    if cached is not None:
        return cached
    affine = layer.affine
    # copies that the stage owns, never views of the snapshot's tensors: sending a snapshot to another process
    # (a ProcessPoolExecutor, torch.multiprocessing) moves its tensors into shared memory, which frees the
    # memory a view would still read (found as garbage weights of 1e-307 to 1e228 in a later walk)
    weight = affine.weight.detach().cpu().numpy().copy()
    bias = affine.bias.detach().cpu().numpy().copy()
    rows = np.sqrt(np.einsum("ij,ij->i", weight, weight)) if weight.size else np.zeros(weight.shape[0])
    if not np.isfinite(rows).all():  # the squares overflow: scale first
        big = np.abs(weight).max(axis=1, keepdims=True)
        safe = np.where(big > 0, big, 1.0)
        rows = big[:, 0] * np.linalg.norm(weight / safe, axis=1)
    zero_rows = ~weight.any(axis=1)
    const_units = np.flatnonzero(zero_rows)
    stage = FastStage(
        weight=weight,
        weight_tc=np.ascontiguousarray(weight.T),
        weight_t=torch.from_numpy(weight).T,
        bias_t=torch.from_numpy(bias),
        bias=bias,
        row_norm=float(rows.max()) if rows.size else 0.0,
        bias_max=float(np.abs(bias).max()) if bias.size else 0.0,
        gamma=gamma(weight.shape[1] + 1),
        const_units=const_units,
        const_bias=bias[const_units],
        n_dead=int((zero_rows & (bias == 0)).sum()),
        slope=float(layer.negative_slope),
        is_output=layer.is_output,
        width=int(weight.shape[0]),
        n_in=int(weight.shape[1]),
    )
    _STAGES[layer] = stage
    return stage


@dataclass(frozen=True, eq=False)
class PackedPieces:
    """The pieces of a batch of segments, sorted by segment then ``t``.

    ``bits`` holds the selected stages' bits packed eight to a byte (``np.packbits``, big-endian), one
    block per stage padded to whole bytes, ``widths`` the number of bits of each block. ``ambiguous``
    marks segments where float64 had to merge events closer than its rounding (see the module docstring).
    """

    seg: np.ndarray  # (K,) int64
    t: np.ndarray  # (K,) float64
    bits: np.ndarray  # (K, n_bytes) uint8
    widths: tuple[int, ...]
    ambiguous: np.ndarray  # (n_seg,) bool


def safe_norms(x: np.ndarray) -> np.ndarray:
    """Row 2-norms of ``x`` (n, d) that do not overflow for entries up to the float64 maximum."""
    big = np.abs(x).max(axis=1) if x.shape[1] else np.zeros(x.shape[0])
    safe = np.where(big > 0, big, 1.0)
    return big * np.sqrt(np.einsum("ij,ij->i", x / safe[:, None], x / safe[:, None]))


@functools.lru_cache(maxsize=1)
def _controller():
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        return None
    return ThreadpoolController()


#: Products with fewer multiply-adds than this run in one thread anyway (OpenBLAS's own threshold).
THREADED_FROM = 1 << 18
#: Products of fewer rows than this go through torch (measured: its call overhead is lower for them).
SMALL_PRODUCT = 32


@functools.lru_cache(maxsize=1)
def _blas_libraries() -> tuple:
    """threadpoolctl's handles on the BLAS libraries loaded (numpy's OpenBLAS), found once."""
    controller = _controller()
    return () if controller is None else tuple(controller.select(user_api="blas").lib_controllers)


@contextlib.contextmanager
def _blas_threads(n: int):
    """BLAS limited to ``n`` threads inside the block (a no-op without threadpoolctl).

    Through the libraries' own get/set calls: threadpoolctl's ``limit()`` takes stock of every library on
    each entry, about 30 us (measured), a fifth of a small walk's arithmetic."""
    libraries = _blas_libraries()
    before = [library.get_num_threads() for library in libraries]
    changed = [(library, old) for library, old in zip(libraries, before) if old != n]
    for library, _ in changed:
        library.set_num_threads(n)
    try:
        yield
    finally:
        for library, old in changed:
            library.set_num_threads(old)


def _affine(h: np.ndarray, stage: FastStage) -> np.ndarray:
    """``h @ W.T + b`` in numpy's BLAS (a little quicker than torch's here). The engine runs its small
    products in one thread (a thread pool waiting on a busy machine costs more than they do); large ones
    get as many threads as torch is set to use (``torch.set_num_threads``), so one setting governs both."""
    if h.shape[0] < SMALL_PRODUCT:  # a few rows: torch's call costs less than numpy's
        return torch.addmm(stage.bias_t, torch.from_numpy(h), stage.weight_t).numpy()
    threads = torch.get_num_threads()
    if threads > 1 and h.shape[0] * stage.n_in * stage.width >= THREADED_FROM:
        with _blas_threads(threads):
            z = h @ stage.weight_tc
    else:
        z = h @ stage.weight_tc
    z += stage.bias
    return z


def _signs(z: np.ndarray, bound: np.ndarray, stage: FastStage, *, tied: bool = False):
    """``z > bound`` and ``z < -bound`` (bound per row); units with a zero row take the sign of their bias.

    Compared first with the largest bound (a scalar: several times quicker than a bound per row), then
    the few values within it again with their own row's bound. With ``tied``, also whether a value counted
    as 0 is not an exact 0 (``_zero_rows(pos, neg, stage) is not None``, from the counts made here).
    """
    top = float(bound.max()) if bound.size else 0.0
    pos = z > top
    neg = z < -top
    if stage.const_units.size:
        pos[:, stage.const_units] = stage.const_bias > 0
        neg[:, stage.const_units] = stage.const_bias < 0
    n_zero = z.size - np.count_nonzero(pos) - np.count_nonzero(neg)
    if n_zero > z.shape[0] * stage.n_dead:  # values within the largest bound: their own row decides
        flat = np.flatnonzero(~(pos | neg))
        rows, cols = np.divmod(flat, z.shape[1])
        values, own = z.reshape(-1)[flat], bound[rows]
        constant = np.isin(cols, stage.const_units) if stage.const_units.size else np.zeros(flat.shape, bool)
        pos.reshape(-1)[flat] = (values > own) & ~constant
        neg.reshape(-1)[flat] = (values < -own) & ~constant
        if stage.const_units.size:
            pos[:, stage.const_units] = stage.const_bias > 0
            neg[:, stage.const_units] = stage.const_bias < 0
        if tied:
            n_zero = z.size - np.count_nonzero(pos) - np.count_nonzero(neg)
    if tied:  # units with a zero row and bias are exactly 0: the rest of the zeros are ties
        return pos, neg, n_zero > z.shape[0] * stage.n_dead
    return pos, neg


def _zero_rows(pos: np.ndarray, neg: np.ndarray, stage: FastStage) -> np.ndarray | None:
    """Rows with a value counted as 0 that is not exactly 0 (a unit with a zero row and bias is), or None."""
    n_zero = pos.size - np.count_nonzero(pos) - np.count_nonzero(neg)
    if n_zero == pos.shape[0] * stage.n_dead:
        return None
    zero = ~(pos | neg)
    if stage.n_dead:
        dead = stage.const_units[stage.const_bias == 0]
        zero[:, dead] = False
    return zero.any(axis=1)


def _activate(z: np.ndarray, pos: np.ndarray, neg: np.ndarray, slope: float) -> np.ndarray:
    """The layer's output from its values and signs, in place. Values counted as 0 are exactly 0 by now
    (a unit with a zero row and bias, or one the caller zeroed), so ReLU is ``max(z, 0)``."""
    if slope == 0.0:
        return np.maximum(z, 0.0, out=z)
    factor = pos.astype(np.float64)
    factor += slope * neg
    return np.multiply(z, factor, out=z)


def _row_norms(h: np.ndarray, slope: float) -> np.ndarray:
    """Row 2-norms of ``h``; where the squares would overflow, ``sqrt(width)`` times the largest entry."""
    with np.errstate(over="ignore"):
        norms = np.sqrt(np.einsum("ij,ij->i", h, h))
    if not np.isfinite(norms).all():
        norms = np.where(np.isfinite(norms), norms, _row_max_abs(h, slope) * math.sqrt(h.shape[1]))
    return norms


def _row_max_abs(h: np.ndarray, slope: float) -> np.ndarray:
    if h.shape[1] == 0:
        return np.zeros(h.shape[0])
    if slope == 0.0:  # a ReLU output is >= 0
        return h.max(axis=1)
    return np.maximum(h.max(axis=1), -h.min(axis=1))


def _check_range(scale: np.ndarray, where: str) -> None:
    if not (scale < HUGE).all():  # also catches NaN
        raise NumericalRange(
            f"the pre-activations of {where} reach {float(np.nanmax(np.where(np.isnan(scale), np.inf, scale))):.3g}, "
            f"beyond what float64 can hold with room for its rounding bounds (about {HUGE:.0e}); rescale the "
            f"inputs (the regions of x -> N(s x) are those of N scaled by 1 / s)"
        )


def _merge_positions(n_old: int, parent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of old and new points in the merged order (new points sorted by parent piece, then t)."""
    counts = np.bincount(parent, minlength=n_old)
    old_pos = np.arange(n_old) + (np.cumsum(counts) - counts)
    new_pos = parent + 1 + np.arange(parent.shape[0])
    return old_pos, new_pos


def _scatter(old: np.ndarray, old_pos: np.ndarray, new: np.ndarray, new_pos: np.ndarray) -> np.ndarray:
    out = np.empty((old.shape[0] + new.shape[0],) + old.shape[1:], dtype=old.dtype)
    out[old_pos] = old
    out[new_pos] = new
    return out


def _pack(pos: np.ndarray) -> np.ndarray:
    """Packed bits of every piece (the piece starting at each point; the last row is empty): a unit is
    on along a piece without an inner crossing when it is positive at either end."""
    bits = np.zeros(pos.shape, dtype=bool)
    np.logical_or(pos[:-1], pos[1:], out=bits[:-1])
    return np.packbits(bits, axis=1)


def _check_counts(seg: np.ndarray, n_seg: int, max_pieces: int, offset: int) -> None:
    counts = np.bincount(seg, minlength=n_seg) - 1
    if counts.size and counts.max() > max_pieces:
        raise _too_many(offset + int(counts.argmax()), max_pieces)


def _too_many(segment: int, max_pieces: int) -> TooManyRegions:
    return TooManyRegions(
        f"segment {segment} has more than max_regions={max_pieces} pieces (regions of all hidden "
        f"layers together); pass a larger max_regions= or a shorter segment"
    )


def _crossings_fit(count: int, what: str) -> None:
    """The arrays a stage keeps per crossing (indices, places, windows, sort orders): about 12 numbers."""
    estimate(96.0 * count, what)


def _estimate(rows: int, width_in: int, width: int, what: str) -> None:
    estimate(8.0 * rows * (width_in + 3 * width), what)


@dataclass(frozen=True, eq=False)
class _Pending:
    """What the next stage needs about the breakpoints the last one inserted (see :func:`fast_layered_walk`).

    Rows of the merged point list come in two kinds: ``old`` ones, where the next stage's values come from
    a product, and ``new`` ones (the last stage's crossings), where they come from the two old rows around
    them by interpolation plus the correction of the units that bend in between.
    """

    h_old: np.ndarray  # (R, width) the last stage's output at the old rows, in their order
    old_pos: np.ndarray  # (R,) where the old rows go in the merged list
    new_pos: np.ndarray  # (C,) where the new rows go
    a: np.ndarray  # (C,) the old rows around each new one (indices into the old order)
    b: np.ndarray
    lam: np.ndarray  # (C,) the new row's place between them
    bend: np.ndarray  # (C,) units that bend between them (the correction's terms)
    pair_unit: np.ndarray  # (P,) the terms, new row after new row: unit ...
    pair_delta: np.ndarray  # (P,) ... and h_unit(new) minus its interpolation
    pair_first: np.ndarray  # (C,) where each new row's terms start
    big: list  # [(new rows (a slice), units, delta (m, n))] pieces with many bending units: one product each
    err_old: np.ndarray  # (R,) the last stage's rounding bound at the old rows
    typ_old: np.ndarray  # (R,) the typical size of its rounding error there
    scale_old: np.ndarray  # (R,) a bound on its values there
    slope: float  # the last stage's activation slope below 0
    n_rows: int  # rows of the merged list
    delta_norm: np.ndarray  # (C,) the 2-norm of each new row's terms

    @property
    def lift(self) -> float:
        """How much the activation can stretch an error: max(1, |negative slope|)."""
        return max(1.0, abs(self.slope))


#: Pieces with at most this many bending units take the gather path; more: a dense product per piece.
SPARSE_MAX = 8


def _pending(h_old, old_pos, new_pos, a, b, lam, z_a, z_b, member_of, cross_piece, cross_unit, new_piece,
             err_old, typ_old, scale_old, slope, n_rows) -> _Pending:
    """The corrections for new rows: every unit crossing inside a piece bends the output on that piece, so
    at each new row in it the output differs from the interpolation of the piece's ends by
    ``act(z_j(new)) - ((1 - lam) act(z_j(a)) + lam act(z_j(b)))`` for each such unit ``j``.

    ``z_a``, ``z_b`` (K crossings,) are each crossing unit's values at its piece's ends, ``member_of`` (K,)
    the new row where it crosses, ``cross_piece`` (K,) and ``new_piece`` (C,) the pieces (both sorted).
    """
    n_new = new_piece.shape[0]
    # the crossings of each piece: a contiguous run of the crossing list
    piece_start = np.searchsorted(cross_piece, new_piece, side="left")
    bend = np.searchsorted(cross_piece, new_piece, side="right") - piece_start
    pair_first = np.cumsum(bend) - bend
    total = int(bend.sum())
    row = np.repeat(np.arange(n_new), bend)
    cross = np.repeat(piece_start - pair_first, bend) + np.arange(total)
    lam_p = lam[row]
    za, zb = z_a[cross], z_b[cross]
    zc = za + lam_p * (zb - za)
    zc[member_of[cross] == row] = 0.0  # a unit at its own crossing is exactly 0
    delta = _act(zc, slope) - (1.0 - lam_p) * _act(za, slope) - lam_p * _act(zb, slope)
    with np.errstate(over="ignore"):
        delta_norm = np.sqrt(np.bincount(row, weights=delta * delta, minlength=n_new))
    if not np.isfinite(delta_norm).all():  # squares past float64's range: the 1-norm bounds the 2-norm
        delta_norm = np.bincount(row, weights=np.abs(delta), minlength=n_new)
    unit = cross_unit[cross]
    big = []
    many = bend > SPARSE_MAX
    if many.any():  # the new rows of one piece are consecutive, and so are their terms
        firsts = np.flatnonzero(np.concatenate([[True], new_piece[1:] != new_piece[:-1]]))
        sizes = np.diff(np.append(firsts, n_new))
        chosen = many[firsts]
        for first_row, size in zip(firsts[chosen].tolist(), sizes[chosen].tolist()):
            n = int(bend[first_row])
            lo = int(pair_first[first_row])
            big.append((slice(first_row, first_row + size), unit[lo : lo + n],
                        delta[lo : lo + size * n].reshape(size, n)))
        keep = ~many[row]
        unit, delta = unit[keep], delta[keep]
        bend_small = np.where(many, 0, bend)
        pair_first = np.cumsum(bend_small) - bend_small
    return _Pending(h_old, old_pos, new_pos, a, b, lam, bend, unit, delta, pair_first, big, err_old, typ_old,
                    scale_old, slope, n_rows, delta_norm)


def _act(z: np.ndarray, slope: float) -> np.ndarray:
    return np.maximum(z, 0.0) if slope == 0.0 else np.where(z > 0, z, slope * z)


def _next_values(stage: FastStage, pending: _Pending, rtol: float, where: str):
    """The next stage's values at every row of the merged list, with rounding bounds and scales."""
    h = pending.h_old
    k = math.sqrt(stage.n_in)
    scale_old = stage.row_norm * _row_norms(h, pending.slope) + stage.bias_max  # >= |W_j| |h| + |b_j|
    _check_range(scale_old, where)
    err_old = stage.gamma * scale_old + (stage.n_in + 2) * ETA + stage.row_norm * pending.lift * k * pending.err_old
    typ_old = U * math.sqrt(stage.n_in + 1) * scale_old + stage.row_norm * pending.lift * pending.typ_old
    z_old = _affine(h, stage)
    if pending.new_pos.shape[0] == 0:
        return z_old, err_old, scale_old, typ_old
    a, b, lam = pending.a, pending.b, pending.lam
    z_new = np.take(z_old, b, axis=0)
    za = np.take(z_old, a, axis=0)
    z_new -= za
    z_new *= lam[:, None]
    z_new += za
    del za
    n_pairs = pending.pair_unit.shape[0]
    if n_pairs:
        rows = np.flatnonzero(pending.bend <= SPARSE_MAX) if pending.big else slice(None)
        n_rows = z_new.shape[0] if isinstance(rows, slice) else rows.shape[0]
        terms = np.take(stage.weight_tc, pending.pair_unit, axis=0)
        terms *= pending.pair_delta[:, None]
        if n_pairs == n_rows:  # one bending unit per new row, the usual case
            z_new[rows] += terms
        else:  # several: summed into their rows (torch's index_add, much quicker than numpy's add.at)
            target = np.arange(z_new.shape[0])[rows]
            owner = np.repeat(target, np.diff(np.append(pending.pair_first[rows], n_pairs)))
            torch.from_numpy(z_new).index_add_(0, torch.from_numpy(owner), torch.from_numpy(terms))
    for new_rows, units, delta in pending.big:
        z_new[new_rows] += delta @ np.take(stage.weight_tc, units, axis=0)
    # rounding at the new rows: the interpolation's, the terms' (a sum of bend products, each |W_ij delta_j|,
    # whose sum is <= ||W_i|| ||delta||) and the earlier stage's errors in the terms (each delta_j is made of
    # three values of unit j, each within the earlier bound)
    bend = np.sqrt(pending.bend)
    prev_err = np.maximum(pending.err_old[a], pending.err_old[b])
    terms = stage.row_norm * pending.delta_norm
    err_new = (
        np.maximum(err_old[a], err_old[b]) + 4 * U * (scale_old[a] + scale_old[b])
        + stage.row_norm * 3 * pending.lift * bend * prev_err
        + gamma(int(pending.bend.max()) + 2) * terms
    )
    scale_new = np.maximum(scale_old[a], scale_old[b]) + terms
    typ_new = (
        np.maximum(typ_old[a], typ_old[b]) + 4 * U * (scale_old[a] + scale_old[b] + terms)
        + stage.row_norm * 3 * pending.lift * np.maximum(pending.typ_old[a], pending.typ_old[b])
    )
    n = pending.n_rows
    z = _scatter(z_old, pending.old_pos, z_new, pending.new_pos)
    err = np.empty(n)
    err[pending.old_pos], err[pending.new_pos] = err_old, err_new
    scale = np.empty(n)
    scale[pending.old_pos], scale[pending.new_pos] = scale_old, scale_new
    typ = np.empty(n)
    typ[pending.old_pos], typ[pending.new_pos] = typ_old, typ_new
    return z, err, scale, typ


def _new_signs(z, pos, parent, lam, iv, jv, cluster) -> np.ndarray:
    """Which units are positive at the new points (one per cluster of crossings, inside piece ``parent``).

    A unit that does not cross inside the piece is affine and of one sign there (or 0 at an end): it is
    positive inside when it is positive at either end. A unit crossing inside the piece is 0 at its own
    point and has the sign of the end on its side at the piece's other new points. Those pairs (crossing
    unit, new point of its piece) are usually one per piece; where a piece has so many that the pairs
    outnumber the values, the signs come from interpolating the piece's ends instead.
    """
    lo = np.searchsorted(iv, parent, side="left")
    per = np.searchsorted(iv, parent, side="right") - lo
    total = int(per.sum())
    if total > parent.shape[0] * z.shape[1]:  # many crossings per piece: interpolate every value
        z_new = np.take(z, parent + 1, axis=0)
        zl = np.take(z, parent, axis=0)
        z_new -= zl
        z_new *= lam[:, None]
        z_new += zl
        z_new[cluster, jv] = 0.0
        return z_new > 0
    pos_new = np.take(pos, parent, axis=0)
    pos_new |= np.take(pos, parent + 1, axis=0)
    row = np.repeat(np.arange(parent.shape[0]), per)
    k = np.repeat(lo - (np.cumsum(per) - per), per) + np.arange(total)
    after = cluster[k] > row  # the unit crosses after this point: the left end's sign
    side = np.where(after, iv[k], iv[k] + 1)
    pos_new[row, jv[k]] = pos[side, jv[k]] & (cluster[k] != row)
    return pos_new


def _place(z, bound, t, iv, jv, pos=None, neg=None):
    """Where unit ``jv`` crosses 0 between breakpoints ``iv`` and ``iv + 1`` (its values there have
    opposite certain signs): ``t`` by interpolation, with the window its rounding allows.

    The crossing is strictly inside, but float64 may not place it apart from an end: such a crossing is
    at that end (its value there set to exactly 0, in ``pos`` and ``neg`` too when given) and leaves the
    list. Returns the rest's ``iv, jv, tc, window`` and the rows of the ones moved (None when none were).
    """
    n = z.shape[1]
    at = iv * n + jv
    flat = z.reshape(-1)  # a view of every caller's z (read only: a copy would do too)
    zl, zr = flat[at], flat[at + n]  # quicker than z[iv, jv], z[iv + 1, jv]
    tl, tr = t[iv], t[iv + 1]
    width = tr - tl
    dz = zl - zr
    tc = tl + width * (zl / dz)
    bl, br = bound[iv], bound[iv + 1]
    near = 4 * U * tr
    window = width * (bl + br) / (np.abs(dz) - bl - br) + near
    to_left, to_right = tc - tl <= near, tr - tc <= near
    moved = to_left | to_right
    if not moved.any():
        return iv, jv, tc, window, None
    to_right &= ~to_left
    for side, rows in ((to_left, iv), (to_right, iv + 1)):
        z[rows[side], jv[side]] = 0.0
        if pos is not None:
            pos[rows[side], jv[side]] = False
            neg[rows[side], jv[side]] = False
    keep = ~moved
    return iv[keep], jv[keep], tc[keep], window[keep], iv[moved]


def _order(iv, jv, tc, window):
    """Crossings sorted by piece, then ``t``; ``starts`` marks the first of each breakpoint (crossings of
    one piece whose windows overlap are one breakpoint: where ``starts`` is False float64 merged them)."""
    order = np.lexsort((tc, iv))
    iv, jv, tc, window = iv[order], jv[order], tc[order], window[order]
    starts = np.ones(iv.shape[0], dtype=bool)
    if iv.shape[0] > 1:
        starts[1:] = (iv[1:] != iv[:-1]) | (tc[1:] - tc[:-1] > window[1:] + window[:-1])
    return iv, jv, tc, starts


def _order_one(iv, jv, tc, window):
    """:func:`_order` for one segment: its pieces are consecutive intervals of ``t`` and each crossing is
    strictly inside its own, so ``t`` alone sorts them (a stable sort: the same order as sorting by piece,
    then ``t``)."""
    order = tc.argsort(kind="stable")
    iv, jv, tc, window = iv[order], jv[order], tc[order], window[order]
    starts = np.empty(iv.shape[0], dtype=bool)
    starts[:1] = True
    if iv.shape[0] > 1:
        starts[1:] = (iv[1:] != iv[:-1]) | (tc[1:] - tc[:-1] > window[1:] + window[:-1])
    return iv, jv, tc, starts


def fast_layered_walk(
    layers: list[Layer],
    selected: list[bool],
    X1: np.ndarray,
    X2: np.ndarray,
    *,
    max_pieces: int,
    offset: int = 0,
    rtol: float = 0.0,
) -> PackedPieces:
    """The pieces of every segment ``X1[i] -> X2[i]`` (numpy float64 arrays, shape (n, d_in)).

    ``layers`` are piecewise-linear :class:`foldlab.adapter.Layer` (the hidden layers, then the output
    layer when its bits are wanted), ``selected`` says whose bits go into the patterns. ``offset`` is the
    index of the batch's first segment (for messages). ``rtol`` widens the zero test to ``rtol`` times the
    values' scale (0: rounding alone decides).

    The refinement: stage ``k``'s values are needed at every breakpoint found so far. At the breakpoints
    that stage ``k - 1`` itself inserted they are not computed by a product: between the two breakpoints
    around such a point, stage ``k - 1``'s values are affine, so its output is the interpolation of that
    piece's ends except in the few units that cross inside the piece; stage ``k``'s values there are the
    interpolation of its values at the piece's ends plus those units' columns of ``W_k`` times their
    difference. So each stage's product runs over the breakpoints of two stages before, about half of
    them, and none at all for the second layer (its product runs at the segment ends).
    """
    with _blas_threads(1):
        stages = [fast_stage(layer) for layer in layers]
        first, n_seg = stages[0], X1.shape[0]
        # the values at the ends, and the crossings' arrays at worst (each unit crosses at most once)
        estimate(8.0 * 2 * n_seg * (X1.shape[1] + 4 * first.width) + 96.0 * n_seg * first.width,
                 "the first layer's values and crossings")
        z_ends = _affine(np.concatenate([X1, X2]), first)
        bounds = _chunks(z_ends[:n_seg], z_ends[n_seg:], stages)
        if len(bounds) == 2:
            return _fast_layered_walk(stages, selected, X1, X2, z_ends, max_pieces=max_pieces, offset=offset,
                                      rtol=rtol)
        parts = [
            _fast_layered_walk(stages, selected, X1[lo:hi], X2[lo:hi],
                               np.concatenate([z_ends[lo:hi], z_ends[n_seg + lo : n_seg + hi]]),
                               max_pieces=max_pieces, offset=offset + lo, rtol=rtol)
            for lo, hi in zip(bounds[:-1], bounds[1:])
        ]
    return PackedPieces(
        np.concatenate([part.seg + lo for part, lo in zip(parts, bounds)]),
        np.concatenate([part.t for part in parts]),
        np.concatenate([part.bits for part in parts]),
        parts[0].widths,
        np.concatenate([part.ambiguous for part in parts]),
    )


#: The batched engine walks a batch in chunks of segments whose arrays of breakpoints x units come to about
#: this many bytes (estimated from the first layer's crossings): passes over arrays that stay in the cache
#: cost less than the calls another chunk makes (measured on 784-[256]x3-10, 64 segments between random
#: points of [0, 1]^784: chunks of 16 segments took 0.80 of one chunk of 64; ``benchmarks/walk.py``).
CHUNK_BYTES = 6 << 20
#: ... but never fewer segments than this in a chunk (each chunk costs a few hundred numpy calls).
CHUNK_MIN = 8


def _chunks(za: np.ndarray, zb: np.ndarray, stages: list[FastStage]) -> list[int]:
    """Where the batch splits into chunks (boundaries, from 0 to the number of segments)."""
    n_seg = za.shape[0]
    if n_seg <= CHUNK_MIN:
        return [0, n_seg]
    # each layer adds about as many breakpoints as the first layer's crossings (a rough, cheap estimate)
    crossings = np.count_nonzero((za > 0) != (zb > 0), axis=1)
    size = (crossings + 2.0) * (len(stages) * 8.0 * max(stage.width for stage in stages))
    chunk = np.cumsum(size) // CHUNK_BYTES
    bounds = [0]
    for at in (np.flatnonzero(chunk[1:] != chunk[:-1]) + 1).tolist():
        if at - bounds[-1] >= CHUNK_MIN:
            bounds.append(at)
    if n_seg - bounds[-1] < CHUNK_MIN and len(bounds) > 1:
        bounds.pop()
    return bounds + [n_seg]


def _fast_layered_walk(stages, selected, X1, X2, z_ends, *, max_pieces, offset, rtol) -> PackedPieces:
    n_seg = X1.shape[0]
    ambiguous = np.zeros(n_seg, dtype=bool)
    first = stages[0]

    # --- the first layer: affine in t on the whole segment -------------------------------------------
    za, zb = z_ends[:n_seg], z_ends[n_seg:]
    scale_a = first.row_norm * safe_norms(X1) + first.bias_max
    scale_b = first.row_norm * safe_norms(X2) + first.bias_max
    _check_range(np.maximum(scale_a, scale_b), "the first layer (at the segment ends)")
    # rounding bound of the values at the ends, and of their interpolation in between
    err = first.gamma * np.maximum(scale_a, scale_b) + (first.n_in + 2) * ETA + 4 * U * (scale_a + scale_b)
    typ = U * math.sqrt(first.n_in + 1) * np.maximum(scale_a, scale_b) + 4 * U * (scale_a + scale_b)
    bound = bound_of(err, typ, np.maximum(scale_a, scale_b), rtol)
    pos_a, neg_a = _signs(za, bound, first)
    pos_b, neg_b = _signs(zb, bound, first)
    for pos, neg in ((pos_a, neg_a), (pos_b, neg_b)):
        rows = _zero_rows(pos, neg, first)
        if rows is not None:
            ambiguous |= rows
    za[~(pos_a | neg_a)] = 0.0  # counted as 0: exactly 0 (the tie rule)
    zb[~(pos_b | neg_b)] = 0.0
    crossing = (pos_a & neg_b) | (neg_a & pos_b)
    _crossings_fit(np.count_nonzero(crossing), "the first layer's crossings")
    s, j = np.divmod(np.flatnonzero(crossing), first.width)
    del crossing
    a, b = za[s, j], zb[s, j]
    gap = np.abs(a - b)
    tc = a / (a - b)
    window = 2 * bound[s] / (gap - 2 * bound[s]) + 4 * U * tc
    # the signs at both ends are certain, so the crossing is strictly inside; only where float64 cannot
    # place it apart from an end is there a doubt
    at_start, at_end = tc <= 4 * U, 1.0 - tc <= 4 * U
    if at_start.any() or at_end.any():  # within float64's resolution of an end: at the end
        ambiguous[s[at_start | at_end]] = True
        za[s[at_start], j[at_start]] = 0.0
        zb[s[at_end & ~at_start], j[at_end & ~at_start]] = 0.0
        keep = ~(at_start | at_end)
        s, j, tc, window = s[keep], j[keep], tc[keep], window[keep]
    order = np.lexsort((tc, s))
    s, j, tc, window = s[order], j[order], tc[order], window[order]
    starts = np.ones(s.shape[0], dtype=bool)
    if s.shape[0] > 1:
        starts[1:] = (s[1:] != s[:-1]) | (tc[1:] - tc[:-1] > window[1:] + window[:-1])
        if not starts.all():  # crossings closer than their windows: one breakpoint
            ambiguous[s[~starts]] = True
    cluster = np.cumsum(starts) - 1
    c_seg, c_t = s[starts], tc[starts]
    per_seg = np.bincount(c_seg, minlength=n_seg)
    if per_seg.size and per_seg.max() > max_pieces - 1:
        _check_counts(np.repeat(np.arange(n_seg), per_seg + 2), n_seg, max_pieces, offset)
    # points: the start, the crossings in order, the end, segment after segment
    counts = per_seg + 2
    seg = np.repeat(np.arange(n_seg), counts)
    row_start = np.cumsum(counts) - counts
    row_end = row_start + counts - 1
    t = np.empty(seg.shape[0])
    t[row_start] = 0.0
    t[row_end] = 1.0
    first_cluster = np.cumsum(per_seg) - per_seg
    c_row = row_start[c_seg] + 1 + (np.arange(c_seg.shape[0]) - first_cluster[c_seg])
    t[c_row] = c_t
    _estimate(seg.shape[0], first.width, stages[1].width if len(stages) > 1 else first.width,
              "the walk's breakpoints after the first layer")
    # the first layer's signs at every breakpoint (for its bits), from its values there
    slope = zb - za
    z = np.take(slope, seg, axis=0)
    z *= t[:, None]
    z += np.take(za, seg, axis=0)
    z[row_start] = za
    z[row_end] = zb
    z[c_row[cluster], j] = 0.0
    pos = z > 0
    del z
    packed: list[np.ndarray | None] = [None] * len(stages)
    if selected[0]:
        packed[0] = _pack(pos)
    pending = None
    if len(stages) > 1:  # the second layer: a product at the segment ends, corrections at the crossings
        ends = np.empty((2 * n_seg, first.width))
        ends[0::2], ends[1::2] = za, zb
        old_pos = np.empty(2 * n_seg, dtype=np.int64)
        old_pos[0::2], old_pos[1::2] = row_start, row_end
        pending = _pending(
            _activate(ends, ends > 0, ends < 0, first.slope), old_pos, c_row, 2 * c_seg, 2 * c_seg + 1, c_t,
            za[s, j], zb[s, j], cluster, s, j, c_seg, np.repeat(err, 2), np.repeat(typ, 2),
            np.repeat(np.maximum(scale_a, scale_b), 2),
            first.slope, seg.shape[0],
        )

    # --- every later layer ----------------------------------------------------------------------------
    for index in range(1, len(stages)):
        stage = stages[index]
        last_stage = index == len(stages) - 1
        z, err_z, scale, typ = _next_values(stage, pending, rtol, f"layer {index}")
        pending = None
        bound = bound_of(err_z, typ, scale, rtol)
        pos, neg = _signs(z, bound, stage)
        rows = _zero_rows(pos, neg, stage)
        if rows is not None:
            ambiguous[seg[rows]] = True
            z[~(pos | neg)] = 0.0
        # sign changes between consecutive breakpoints of one segment
        cross = pos[:-1] & neg[1:]
        cross |= neg[:-1] & pos[1:]
        cross[row_end[:-1]] = False  # the end of a segment and the start of the next: no piece
        _crossings_fit(np.count_nonzero(cross), f"layer {index}'s crossings")
        iv, jv = np.divmod(np.flatnonzero(cross), stage.width)  # quicker than a 2-D nonzero
        del cross
        if iv.shape[0]:
            iv, jv, tc, window, snapped = _place(z, bound, t, iv, jv, pos, neg)
            if snapped is not None:
                ambiguous[seg[snapped]] = True
        if iv.shape[0]:
            iv, jv, tc, starts = _order(iv, jv, tc, window)
            if not starts.all():
                ambiguous[seg[iv[~starts]]] = True
            cluster = np.cumsum(starts) - 1
            parent, new_t = iv[starts], tc[starts]
            _check_counts(np.concatenate([seg, seg[parent]]), n_seg, max_pieces, offset)
            k_new = seg.shape[0] + parent.shape[0]
            if not last_stage:
                _estimate(k_new, stage.width, stages[index + 1].width, f"the walk's breakpoints after layer {index}")
            lam = (new_t - t[parent]) / (t[parent + 1] - t[parent])
            pos_new = _new_signs(z, pos, parent, lam, iv, jv, cluster) if selected[index] else None
            old_pos, new_pos = _merge_positions(seg.shape[0], parent)
            if not last_stage:
                z_a, z_b = z[iv, jv], z[iv + 1, jv]  # before the activation overwrites z
                pending = _pending(
                    _activate(z, pos, neg, stage.slope), old_pos, new_pos, parent, parent + 1, lam, z_a, z_b,
                    cluster, iv, jv, parent, err_z, typ, scale, stage.slope, k_new,
                )
            if pos_new is not None:  # only the bits need the signs at the new points
                pos = _scatter(pos, old_pos, pos_new, new_pos)
            for k in range(index):
                if packed[k] is not None:  # a new point splits a piece: both halves keep its bits
                    packed[k] = _scatter(packed[k], old_pos, packed[k][parent], new_pos)
            t = _scatter(t, old_pos, new_t, new_pos)
            seg = _scatter(seg, old_pos, seg[parent], new_pos)
            counts = np.bincount(seg, minlength=n_seg)
            row_start = np.cumsum(counts) - counts
            row_end = row_start + counts - 1
        elif not last_stage:
            old_pos = np.arange(seg.shape[0])
            empty = np.zeros(0, dtype=np.int64)
            pending = _Pending(_activate(z, pos, neg, stage.slope), old_pos, empty, empty, empty, np.zeros(0),
                               empty, empty, np.zeros(0), empty, [], err_z, typ, scale, stage.slope, seg.shape[0],
                               np.zeros(0))
        if selected[index]:
            packed[index] = _pack(pos)

    valid = np.ones(seg.shape[0], dtype=bool)
    valid[row_end] = False
    blocks = [p[valid] for p in packed if p is not None]
    widths = tuple(stage.width for stage, p in zip(stages, packed) if p is not None)
    bits = np.concatenate(blocks, axis=1) if len(blocks) > 1 else blocks[0]
    return PackedPieces(seg[valid], t[valid], bits, widths, ambiguous)


# --- one segment ---------------------------------------------------------------------------------------------

def walk_one(
    layers: list[Layer],
    selected: list[bool],
    x1: np.ndarray,
    x2: np.ndarray,
    *,
    max_pieces: int,
    offset: int = 0,
    rtol: float = 0.0,
) -> PackedPieces:
    """The pieces of the one segment ``x1 -> x2`` (numpy float64 arrays, shape (d_in,)): what
    :func:`fast_layered_walk` finds for a batch of that one segment, the same pieces, bits and marks, with
    ``t`` equal up to rounding.

    A single walk spends its time on calls, not on arithmetic: measured on 784-[200]x3-10 (64 segments
    of about 130 regions), the products took about a quarter of a walk's time, and the batched engine
    given one segment made about 960 calls that cProfile sees (segment ids, each segment's first and last
    rows, the corrections' bookkeeping, every earlier layer's bits carried through each insertion), plus
    the array operators it does not see. Here the first layer is two matrix-vector products at the ends
    (its bits follow from the ends' signs and where each crossing unit crosses), the second layer a
    product at the ends plus :func:`fast_layered_walk`'s correction for one piece with many bending units
    (one dense product, with its bounds: :func:`_second_values`), and every later layer a product at every
    breakpoint found so far, as in the plain engine (:func:`foldlab._walk_engines.layered_walk`): about
    twice the multiply-adds of the corrections, fewer calls, and quicker for one segment (about a third
    less time measured; ``benchmarks/walk.py``; corrections for the third layer's rows alone in their
    piece were measured too, and cost more than the product rows they saved: one new row in four or five is
    alone with a single crossing unit). The signs, the tie rule and the bounds at the rows where a
    product runs are :func:`fast_layered_walk`'s; at a breakpoint a layer inserted, its values are the
    interpolation of the piece's ends (the crossing units exactly 0) with the plain engine's bound,
    twice the ends' plus the interpolation's rounding. The last layer needs no values at its own
    crossings: its bits come from its signs at the points before them and which side of each crossing a
    unit is positive on (:func:`_split_bits`; measured on 784-[200]x3-10 and 784-[256]x3-10, 64 segments
    between random points of [0, 1]^784: 5 to 6% of a walk's time). Each layer's bits stay with its own
    breakpoints, packed; every final piece finds the piece of each layer it lies in by one
    ``searchsorted`` at the end (a layer's breakpoints are among the final ones, the same float64 numbers).
    """
    with _blas_threads(1):
        return _walk_one(layers, selected, x1, x2, max_pieces=max_pieces, offset=offset, rtol=rtol)


def _at_ends(x1: np.ndarray, x2: np.ndarray, stage: FastStage) -> np.ndarray:
    """``W x + b`` at the two ends of a segment, (2, width): two matrix-vector products, which read the
    weights at the speed of memory (one product of two rows took 1.5 to 4 times as long, measured on
    784-[200]x3-10's first layer)."""
    out = np.empty((2, stage.width))
    np.dot(stage.weight, x1, out=out[0])
    np.dot(stage.weight, x2, out=out[1])
    out += stage.bias
    return out


def _norms(x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
    """The 2-norms of two points: two dot products where their squares stay well inside float64's range
    (nothing lost to underflow, nothing overflowing), else :func:`safe_norms`."""
    with np.errstate(over="ignore", under="ignore"):
        squares = np.array([x1 @ x1, x2 @ x2])
    if squares.min() > 1e-250 and squares.max() < 1e300:
        return np.sqrt(squares)
    return safe_norms(np.stack([x1, x2]))


def _second_values(stage: FastStage, slope: float, z: np.ndarray, err1: np.ndarray, typ1: np.ndarray,
                   t: np.ndarray, units: np.ndarray, row: np.ndarray):
    """The second layer's values at every breakpoint of the first (``t``), with rounding bounds and scales.

    ``z`` (2, width) are the first layer's values at the segment ends (after the tie rule), ``err1``,
    ``typ1`` their bounds, ``units`` the first layer's units that cross inside, each at new breakpoint
    ``row`` (``t[row + 1]``). The product runs at the ends only; in between, the first layer's output is
    the interpolation of its ends except in the crossing units, so the second layer's values are the
    interpolation of theirs plus those units' columns of ``W`` times how far their output is from its
    interpolation: :func:`fast_layered_walk`'s corrections for one piece with many bending units (one
    dense product, about a quarter of the multiply-adds of a product at every breakpoint), with its bounds.
    """
    h = np.maximum(z, 0.0) if slope == 0.0 else _activate(z.copy(), z > 0, z < 0, slope)
    lift = max(1.0, abs(slope))
    scale = stage.row_norm * _row_norms(h, slope) + stage.bias_max
    _check_range(scale, "layer 1")
    err = stage.gamma * scale + (stage.n_in + 2) * ETA + (stage.row_norm * lift * math.sqrt(stage.n_in)) * err1
    typ = U * math.sqrt(stage.n_in + 1) * scale + (stage.row_norm * lift) * typ1
    ends = _at_ends(h[0], h[1], stage)
    if t.shape[0] == 2:
        return ends, err, typ, scale
    lam = t[1:-1, None]
    za, zb = z[0, units], z[1, units]
    zc = za + lam * (zb - za)
    zc[row, np.arange(units.shape[0])] = 0.0  # a unit at its own crossing is exactly 0
    delta = _act(zc, slope) - (1.0 - lam) * _act(za, slope) - lam * _act(zb, slope)
    with np.errstate(over="ignore"):
        delta_norm = np.sqrt(np.einsum("ij,ij->i", delta, delta))
    if not np.isfinite(delta_norm).all():  # squares past float64's range: the 1-norm bounds the 2-norm
        delta_norm = np.abs(delta).sum(axis=1)
    out = np.empty((t.shape[0], stage.width))
    out[0], out[-1] = ends[0], ends[1]
    inner = out[1:-1]
    np.subtract(ends[1], ends[0], out=inner)
    inner *= lam
    inner += ends[0]
    inner += delta @ np.take(stage.weight_tc, units, axis=0)
    # the bounds of fast_layered_walk's corrections (see _next_values): the interpolation's, the terms'
    # rounding, and the first layer's errors in the terms
    terms = stage.row_norm * delta_norm
    m = units.shape[0]
    err_new = (err.max() + 4 * U * (scale[0] + scale[1]) + stage.row_norm * 3 * lift * math.sqrt(m) * err1.max()
               + gamma(m + 2) * terms)
    scale_new = scale.max() + terms
    typ_new = typ.max() + 4 * U * (scale[0] + scale[1] + terms) + stage.row_norm * 3 * lift * typ1.max()
    return (out, np.concatenate([err[:1], err_new, err[1:]]), np.concatenate([typ[:1], typ_new, typ[1:]]),
            np.concatenate([scale[:1], scale_new, scale[1:]]))


def _split_bits(pos: np.ndarray, iv: np.ndarray, jv: np.ndarray, cluster: np.ndarray, parent: np.ndarray,
                old_pos: np.ndarray, new_pos: np.ndarray) -> np.ndarray:
    """The packed bits of a layer on its pieces after it inserted its crossings, from its signs at the points
    before (``pos``, (n, width)); the crossings as :func:`_new_signs` takes them (``old_pos``, ``new_pos``:
    :func:`_merge_positions`). A unit is on along a piece without an inner crossing where it is positive at
    either end; a unit crossing inside a piece is on, in the parts of that piece, on the side where it is
    positive only."""
    on = pos[:-1] | pos[1:]
    counts = np.bincount(parent, minlength=pos.shape[0] - 1)
    bits = on[np.repeat(np.arange(pos.shape[0] - 1), counts + 1)]  # every part of a piece: the piece's bits
    at = new_pos[cluster]  # where each crossing is, in the new order
    left = pos[iv, jv]  # positive before its crossing: off after it, else off before it
    lo = np.where(left, at, old_pos[iv])
    hi = np.where(left, old_pos[iv + 1], at)
    length = hi - lo
    first = length.cumsum() - length
    rows = np.repeat(lo - first, length) + np.arange(int(first[-1] + length[-1]))
    bits[rows, np.repeat(jv, length)] = False
    return np.packbits(bits, axis=1)


def _walk_one(layers, selected, x1, x2, *, max_pieces, offset, rtol) -> PackedPieces:
    stages = [fast_stage(layer) for layer in layers]
    first = stages[0]
    # --- the first layer: affine in t along the whole segment, so its values at the ends decide it -------
    estimate(16.0 * (x1.shape[0] + 4 * first.width) + 96.0 * first.width, "the first layer's values and crossings")
    z = _at_ends(x1, x2, first)
    scale_a, scale_b = (first.row_norm * _norms(x1, x2) + first.bias_max).tolist()
    # each end checked (NaN fails the test): Python's max(a, NaN) is a, and a scale is NaN where a zero row's 0
    # meets an end whose norm overflows (0 * inf)
    if not (scale_a < HUGE and scale_b < HUGE):
        _check_range(np.array([scale_a, scale_b]), "the first layer (at the segment ends)")
    top = max(scale_a, scale_b)
    # the values at the ends, and their interpolation in between (as in fast_layered_walk)
    err = np.full(2, first.gamma * top + (first.n_in + 2) * ETA + 4 * U * (scale_a + scale_b))
    typ = np.full(2, U * math.sqrt(first.n_in + 1) * top + 4 * U * (scale_a + scale_b))
    bound = bound_of(err, typ, np.full(2, top), rtol)
    pos, neg, ambiguous = _signs(z, bound, first, tied=True)
    if ambiguous:
        z[~(pos | neg)] = 0.0  # counted as 0: exactly 0 (the tie rule)
    t = np.array([0.0, 1.0])
    jv = np.flatnonzero((pos[0] & neg[1]) | (neg[0] & pos[1]))
    _crossings_fit(jv.shape[0], "layer 0's crossings")
    row = np.zeros(0, dtype=np.int64)  # the row (of the new breakpoints) where each crossing unit crosses
    if jv.shape[0]:
        iv, jv, tc, window, snapped = _place(z, bound, t, np.zeros(jv.shape[0], dtype=np.int64), jv)
        ambiguous |= snapped is not None
        if jv.shape[0]:
            iv, jv, tc, starts = _order_one(iv, jv, tc, window)
            ambiguous |= not starts.all()
            row = starts.cumsum() - 1
            if row[-1] + 2 > max_pieces:
                raise _too_many(offset, max_pieces)
            t = np.concatenate([[0.0], tc[starts], [1.0]])
    n_rows = t.shape[0]
    _estimate(n_rows, first.width, stages[1].width if len(stages) > 1 else first.width,
              "the walk's breakpoints after layer 0")
    kept: list[tuple[np.ndarray, np.ndarray]] = []  # (a layer's breakpoints, its packed bits on its pieces)
    if selected[0]:  # a unit that does not cross is on where either end is positive; one that does, on one side
        bits = np.empty((n_rows - 1, first.width), dtype=bool)
        bits[:] = (z[0] > 0) | (z[1] > 0)
        if jv.shape[0]:
            bits[:, jv] = (np.arange(n_rows - 1)[:, None] > row) == (z[1, jv] > 0)
        kept.append((t, np.packbits(bits, axis=1)))
    if len(stages) > 1:
        z, err, typ, scale = _second_values(stages[1], first.slope, z, err, typ, t, jv, row)

    # --- every later layer: values at every breakpoint so far --------------------------------------------
    h = None  # the last layer's output at every breakpoint (from the third layer on)
    for index in range(1, len(stages)):
        stage = stages[index]
        last_stage = index == len(stages) - 1
        # 1. the layer's values at every breakpoint so far, their rounding bounds and scales
        if index > 1:
            lift = max(1.0, abs(stages[index - 1].slope))
            scale = stage.row_norm * _row_norms(h, stages[index - 1].slope) + stage.bias_max
            _check_range(scale, f"layer {index}")
            err = stage.gamma * scale + (stage.n_in + 2) * ETA + (stage.row_norm * lift * math.sqrt(stage.n_in)) * err
            typ = U * math.sqrt(stage.n_in + 1) * scale + (stage.row_norm * lift) * typ
            z = _affine(h, stage)
        bound = bound_of(err, typ, scale, rtol)
        pos, neg, tied = _signs(z, bound, stage, tied=True)
        # 2. sign changes between consecutive breakpoints, placed by interpolation
        if tied:
            ambiguous = True
            z[~(pos | neg)] = 0.0  # counted as 0: exactly 0 (the tie rule)
            cross = pos[:-1] & neg[1:]
            cross |= neg[:-1] & pos[1:]
        else:  # every value has a certain sign (or is an exact 0 on a dead unit's whole column): neg is ~pos
            cross = pos[:-1] != pos[1:]
        iv, jv = np.divmod(np.flatnonzero(cross), stage.width)
        del cross
        _crossings_fit(iv.shape[0], f"layer {index}'s crossings")
        if iv.shape[0]:
            iv, jv, tc, window, snapped = _place(z, bound, t, iv, jv, pos, neg)
            ambiguous |= snapped is not None
        # 3. the crossings as new breakpoints (closer than their windows: one), the values there interpolated
        if iv.shape[0]:
            iv, jv, tc, starts = _order_one(iv, jv, tc, window)
            ambiguous |= not starts.all()
            cluster = starts.cumsum() - 1
            parent, new_t = iv[starts], tc[starts]
            n_rows = t.shape[0] + parent.shape[0]
            if n_rows - 1 > max_pieces:
                raise _too_many(offset, max_pieces)
            _estimate(n_rows, stage.width, stage.width if last_stage else stages[index + 1].width,
                      f"the walk's breakpoints after layer {index}")
            old_pos, new_pos = _merge_positions(t.shape[0], parent)
            if last_stage:  # only the bits are left to find: from the signs, no values at the new points
                t = _scatter(t, old_pos, new_t, new_pos)
                if selected[index]:
                    kept.append((t, _split_bits(pos, iv, jv, cluster, parent, old_pos, new_pos)))
                break
            right = parent + 1
            lam = (new_t - t[parent]) / (t[right] - t[parent])
            z_left = z[parent]
            z_new = z[right]
            z_new -= z_left
            z_new *= lam[:, None]
            z_new += z_left
            z_new[cluster, jv] = 0.0  # a unit at its own crossing is exactly 0
            t = _scatter(t, old_pos, new_t, new_pos)
            z = _scatter(z, old_pos, z_new, new_pos)
            if not last_stage:
                ends = scale[parent] + scale[right]
                err = _scatter(err, old_pos, 2 * np.maximum(err[parent], err[right]) + 4 * U * ends, new_pos)
                typ = _scatter(typ, old_pos, 2 * np.maximum(typ[parent], typ[right]) + 4 * U * ends, new_pos)
        # 4. the layer's bits on its pieces (the ends never disagree), and its output
        if selected[index]:
            kept.append((t, np.packbits((z[:-1] + z[1:]) > 0, axis=1)))
        if not last_stage:
            h = np.maximum(z, 0.0, out=z) if stage.slope == 0.0 else _activate(z, z > 0, z < 0, stage.slope)

    blocks = [bits if t_k is t else bits[np.searchsorted(t_k, t[:-1], side="right") - 1] for t_k, bits in kept]
    bits = np.concatenate(blocks, axis=1) if len(blocks) > 1 else blocks[0]
    widths = tuple(stage.width for stage, keep in zip(stages, selected) if keep)
    return PackedPieces(np.zeros(t.shape[0] - 1, dtype=np.int64), t[:-1], bits, widths, np.array([ambiguous]))
