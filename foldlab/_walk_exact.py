"""Walks in exact arithmetic: how foldlab settles the segments float64 cannot decide on its own.

Every float64 number is a dyadic rational ``m 2^e``, so a net's snapshot (:func:`foldlab.read_net`) and a
segment's ends are exact rationals, and so is everything a piecewise-linear net computes from them.
On a piece of the segment (fixed masks) each pre-activation is ``A + B t`` with ``A`` (from ``x1``, with
the biases) and ``B`` (from ``x2 - x1``) dyadic; here they are Python integers with a shared power of two.
The walk steps from crossing to crossing, as the papers' parameter-free sampler does: at ``t = p / q``
the sign of a unit just after ``t`` is that of ``A q + B p`` (of ``B`` when that is 0; a unit with both 0
is 0 on the whole piece, bit 0), and the next crossing is the smallest root ``-A / B > t``, compared by
cross-multiplication. No rounding happens anywhere until the starts are reported as floats.

It costs one exact forward pass of two vectors per piece, a few hundred nanoseconds per multiply-add
with Python integers, so :mod:`foldlab.walk` uses it only for segments marked ambiguous by the float64
engines, and only within :data:`foldlab.walk.EXACT_BUDGET`.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass

import numpy as np

from .adapter import Layer
from .errors import NumericalRange, TooManyRegions

__all__ = ["dyadic", "exact_cost", "exact_walk", "ExactOverBudget"]


def dyadic(values) -> tuple[np.ndarray, int]:
    """``values`` (float64) as Python integers ``n`` and one exponent ``e`` with ``values == n * 2**e`` exactly.

    Examples
    --------
    >>> n, e = dyadic(np.array([0.75, -2.0, 0.0]))
    >>> n.tolist(), e
    ([3, -8, 0], -2)
    """
    a = np.asarray(values, dtype=np.float64)
    mantissa, exponent = np.frexp(a)
    m = (mantissa * 2.0**53).astype(np.int64)  # exact: a float64 has 53 significant bits
    e = exponent.astype(np.int64) - 53
    nonzero = m != 0
    out = np.zeros(a.shape, dtype=object)
    if not nonzero.any():
        out[...] = 0
        return out, 0
    low = m & -m  # the lowest set bit: strip trailing zeros, so that the integers stay small
    shift = np.zeros_like(m)
    shift[nonzero] = np.log2(np.abs(low[nonzero]).astype(np.float64)).astype(np.int64)
    m = np.where(nonzero, m >> shift, 0)
    e = e + shift
    base = int(e[nonzero].min())
    flat = out.reshape(-1)
    for i, (v, s) in enumerate(zip(m.reshape(-1).tolist(), (e - base).reshape(-1).tolist())):
        flat[i] = v << s if v else 0
    return out, base


@dataclass(frozen=True, eq=False)
class _ExactStage:
    weight: np.ndarray  # (out, in) object ints
    w_exp: int
    bias: np.ndarray  # (out,) object ints
    b_exp: int
    slope: tuple[int, int] | None  # LeakyReLU's slope n 2^e; None for ReLU and the output
    is_output: bool
    identity: bool = False  # the map is the identity (a max pool's input right after an activation)
    windows: tuple[tuple[int, ...], ...] | None = None  # a max pool's windows (flat indices, increasing)


_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _stage(layer: Layer) -> _ExactStage:
    cached = _CACHE.get(layer)
    if cached is None:
        affine = layer.affine
        weight, bias = affine.weight.detach().cpu().numpy(), affine.bias.detach().cpu().numpy()
        identity = affine.is_identity
        if identity:  # no products: the values pass as they are
            w, we, b, be = None, 0, None, 0
        else:
            w, we = dyadic(weight)
            b, be = dyadic(bias)
        slope = None
        if not layer.is_output and layer.negative_slope != 0.0:
            n, e = dyadic(np.array([layer.negative_slope]))
            slope = (int(n[0]), e)
        windows = None
        if layer.is_pool:
            pool = layer.activation
            windows = tuple(tuple(j for j in row if j >= 0) for row in pool.windows.cpu().tolist())
        cached = _CACHE[layer] = _ExactStage(w, we, b, be, slope, layer.is_output, identity, windows)
    return cached


def _affine(stage: _ExactStage, a: np.ndarray, b: np.ndarray, e: int) -> tuple[np.ndarray, np.ndarray, int]:
    """``(W a + bias, W b)`` for values ``a 2^e`` (with the biases) and slopes ``b 2^e``, at one exponent."""
    wa, wb = stage.weight.dot(a), stage.weight.dot(b)
    e_w = stage.w_exp + e
    out = min(e_w, stage.b_exp)
    if e_w > out:
        wa, wb = wa << (e_w - out), wb << (e_w - out)
    return wa + (stage.bias << (stage.b_exp - out)), wb, out


def _pool(windows, a, b, value):
    """A max pool at ``t``: per window the argmax just after ``t`` (largest value, then largest slope, then
    the lowest flat index), the pooled values and slopes, the one-hot bits, and the nearest ``t`` (as
    ``(num, den)``, ``den > 0``) where another entry overtakes an argmax, or None."""
    out_a, out_b, bits, best = [], [], [], None
    for entries in windows:
        m = entries[0]
        for j in entries[1:]:
            if value[j] > value[m] or (value[j] == value[m] and b[j] > b[m]):
                m = j
        for j in entries:
            bits.append(j == m)
            if b[j] > b[m]:  # below the max at t (else it would be the argmax), and gaining on it
                num, den = a[m] - a[j], b[j] - b[m]
                if best is None or num * best[1] < best[0] * den:
                    best = (num, den)
        out_a.append(a[m])
        out_b.append(b[m])
    as_array = lambda values: np.array(values + [0], dtype=object)[:-1]  # noqa: E731 - 1-D, of Python ints
    return as_array(out_a), as_array(out_b), np.array(bits, dtype=bool), best


def _activate(stage: _ExactStage, a, b, e, on, off):
    if stage.slope is None:
        return np.where(on, a, 0), np.where(on, b, 0), e
    n, es = stage.slope
    out = min(e, e + es)
    lift_on, lift_off = e - out, e + es - out
    a = np.where(on, a << lift_on, np.where(off, (a * n) << lift_off, 0))
    b = np.where(on, b << lift_on, np.where(off, (b * n) << lift_off, 0))
    return a, b, out


#: The cost of one layer's array operations on Python integers, besides its products, in multiply-adds
#: (measured: about 70 us a layer, where a multiply-add of two of these integers takes about 0.4 us).
LAYER_OVERHEAD = 200


def exact_cost(layers: list[Layer], d_in: int) -> tuple[int, int]:
    """The exact walk's cost in multiply-adds: once for the first layer, then per piece."""
    once = 2 * d_in * layers[0].affine.d_out
    per_piece = sum(2 * math.prod(layer.affine.weight.shape) if not _stage(layer).identity else 0
                    for layer in layers[1:])
    return once, per_piece + sum(4 * max(layer.width, layer.affine.d_out) + LAYER_OVERHEAD for layer in layers)


def exact_walk(
    layers: list[Layer],
    selected: list[bool],
    x1: np.ndarray,
    x2: np.ndarray,
    *,
    max_pieces: int,
    budget: float,
    what: str = "the segment",
) -> tuple[np.ndarray, np.ndarray]:
    """The pieces of ``x1 -> x2`` in exact arithmetic: their starts (float64, rounded once) and bits.

    ``layers`` are piecewise-linear layers (hidden, then the output when its bits are wanted),
    ``selected`` says whose bits are returned. Raises :class:`foldlab.NumericalRange` when the walk would
    take more than ``budget`` multiply-adds, :class:`foldlab.TooManyRegions` past ``max_pieces`` pieces.
    """
    stages = [_stage(layer) for layer in layers]
    once, per_piece = exact_cost(layers, x1.shape[0])
    (p1, e1), (p2, e2) = dyadic(x1), dyadic(x2)
    e = min(e1, e2)
    start = p1 << (e1 - e)
    direction = (p2 << (e2 - e)) - start
    a0, b0, e0 = (start, direction, e) if stages[0].identity else _affine(stages[0], start, direction, e)
    t_num, t_den = 0, 1  # t = t_num / t_den, t_den > 0
    spent = once
    starts, rows = [], []
    while True:
        spent += per_piece
        if spent > budget:
            raise ExactOverBudget(spent)
        a, b, ex = a0, b0, e0
        best = None  # the nearest crossing ahead, as (num, den) with den > 0
        bits = []
        for index, stage in enumerate(stages):
            if index > 0 and not stage.identity:
                a, b, ex = _affine(stage, a, b, ex)
            value = a * t_den + b * t_num  # the sign of the value at t (t_den > 0, 2^e > 0)
            if stage.windows is not None:  # a max pool: its windows' maxima, at the same exponent
                a, b, on, ahead = _pool(stage.windows, a, b, value)
                if selected[index]:
                    bits.append(on)
                if ahead is not None and (best is None or ahead[0] * best[1] < best[0] * ahead[1]):
                    best = ahead
                continue
            on = (value > 0) | ((value == 0) & (b > 0))
            off = (value < 0) | ((value == 0) & (b < 0))
            if selected[index]:
                bits.append(on)
            ahead = np.flatnonzero(((value > 0) & (b < 0)) | ((value < 0) & (b > 0)))
            for j in ahead.tolist():
                num, den = -a[j], b[j]
                if den < 0:
                    num, den = -num, -den
                if best is None or num * best[1] < best[0] * den:
                    best = (num, den)
            if not stage.is_output:
                a, b, ex = _activate(stage, a, b, ex, on, off)
        starts.append((t_num, t_den))
        rows.append(np.concatenate(bits))
        if len(rows) > max_pieces:
            raise TooManyRegions(
                f"{what} has more than max_regions={max_pieces} pieces (regions of all hidden layers "
                f"together); pass a larger max_regions= or a shorter segment"
            )
        if best is None or best[0] >= best[1]:  # no crossing before t = 1
            break
        t_num, t_den = best
    ts = np.array([num / den for num, den in starts], dtype=np.float64)  # int / int rounds correctly
    return ts, np.array(rows, dtype=bool).reshape(len(rows), -1)


class ExactOverBudget(NumericalRange):
    """The exact walk would pass its budget (``spent`` multiply-adds so far)."""

    def __init__(self, spent: float):
        super().__init__(f"exact arithmetic would take more than {spent:.3g} multiply-adds")
        self.spent = spent
