"""The two exact engines behind :func:`foldlab.walk` and :func:`foldlab.walks` (DESIGN.md section 3).

Both take a batch of segments ``y_s(t) = x1_s + t (x2_s - x1_s)``, ``t in [0, 1]``, and return the
*pieces* of every segment: the open intervals between consecutive crossings of any pre-activation, each
with the bits that hold on it. :mod:`foldlab.walk` merges consecutive pieces with equal selected bits into
regions.

``layered_walk``
    Refines the segments layer by layer in 1D. The first layer's pre-activations are affine in ``t`` on
    the whole segment, so its crossings are known at once. Between consecutive breakpoints every
    pre-activation of the next layer is affine in ``t``, so the layer is evaluated at all breakpoints (of
    all segments) in one matrix product and its zeros come from sign changes between consecutive
    breakpoints by linear interpolation. Where a layer is not affine in ``t`` (non-piecewise-linear
    nets) it runs on a grid and locates each sign change by bisection.
``step_walk``
    The sequential walk: from the current ``t``, with the masks of the piece just after ``t``, compute
    every pre-activation and its slope along the segment (one product of the point and the direction
    per layer) and step to the nearest zero crossing. Finished segments leave the batch.

Floating point (both engines, float64): a pre-activation whose magnitude is at most ``rtol`` times its
rounding scale (``||W_j|| ||h|| + |b_j|``) counts as exactly 0, and crossings closer than ``ttol`` (in
units of ``t``) to each other or to a breakpoint are one crossing. So several neurons crossing at one
point (CantorNet's vertices) give one breakpoint, and a pre-activation that touches 0 without crossing
gives none; the bits of a piece are those of its interior.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ._validation import DTYPE
from .adapter import Layer
from .errors import TooManyRegions


def affine_in_t(layers: list[Layer]) -> list[bool]:
    """For each layer, whether its pre-activations are affine in ``t`` between the crossings of the layers
    before it: every earlier layer is piecewise linear and its own maps are one affine map."""
    out, linear_so_far = [], True
    for layer in layers:
        out.append(linear_so_far and layer.affine is not None)
        linear_so_far = linear_so_far and layer.piecewise_linear
    return out


def zero_small(layer: Layer, z: torch.Tensor, h_norm: torch.Tensor, rtol: float) -> torch.Tensor:
    """Set to 0 every pre-activation within ``rtol`` times its rounding scale ``||W_j|| ||h|| + |b_j|``
    (which bounds ``sum_k |W_jk h_k|``); ``h_norm`` (n,) is ``||h||`` or an upper bound of it."""
    w = layer.affine
    if w is not None:
        threshold = torch.addr(rtol * w.bias.abs(), h_norm, w.weight.norm(dim=1), alpha=rtol)
    else:  # a LayerNorm in between: the largest pre-activation of the layer sets the scale
        threshold = rtol * z.abs().amax(dim=1, keepdim=True)
    return z.masked_fill_(z.abs() <= threshold, 0.0)


@dataclass(frozen=True, eq=False)
class Pieces:
    """Pieces of a batch of segments, sorted by segment then ``t``: segment id, start, bits."""

    seg: torch.Tensor  # (K,) int64
    t: torch.Tensor  # (K,) float64
    bits: torch.Tensor  # (K, m) bool


def _check_pieces(seg: torch.Tensor, n_segments: int, limit: int) -> None:
    counts = torch.bincount(seg, minlength=n_segments) - 1
    worst = int(counts.max())
    if worst > limit:
        which = int(counts.argmax())
        raise TooManyRegions(
            f"segment {which} has more than max_regions={limit} pieces (regions of all hidden layers "
            f"together); pass a larger max_regions= or a shorter segment"
        )


# --- the layered refinement --------------------------------------------------------------------------

def _forward_to(stages: list[Layer], last: int, x: torch.Tensor) -> torch.Tensor:
    """Pre-activations of stage ``last`` at inputs ``x``."""
    h = x
    for stage in stages[:last]:
        h = stage.activate(stage.preactivation(h))
    return stages[last].preactivation(h)


def _bisect(stages, index, x1, direction, lo, hi, col, ttol, chunk=4096):
    """Vectorised bisection of ``z_col(t)`` of stage ``index`` on brackets ``[lo, hi]`` with a sign change.

    ``x1, direction`` are per bracket; returns the bracket midpoints once every bracket is below ``ttol``.
    """
    out = torch.empty_like(lo)
    for start in range(0, lo.shape[0], chunk):
        sl = slice(start, start + chunk)
        a, b, c, p, d = lo[sl].clone(), hi[sl].clone(), col[sl], x1[sl], direction[sl]
        rows = torch.arange(a.shape[0], device=a.device)
        sign_a = torch.sign(_forward_to(stages, index, p + a[:, None] * d)[rows, c])
        width = float((b - a).max())
        for _ in range(max(1, math.ceil(math.log2(max(width, ttol) / ttol)) + 1)):
            m = (a + b) / 2
            zm = _forward_to(stages, index, p + m[:, None] * d)[rows, c]
            same = torch.sign(zm) == sign_a
            a = torch.where(same, m, a)
            b = torch.where(same, b, m)
        out[sl] = (a + b) / 2
    return out


def _cluster(iv, tc, jv, ttol):
    """Sort crossings by (interval, t) and join those closer than ``ttol`` into one new point each."""
    order = torch.argsort(tc, stable=True)
    order = order[torch.argsort(iv[order], stable=True)]
    iv, tc, jv = iv[order], tc[order], jv[order]
    starts = torch.ones_like(iv, dtype=torch.bool)
    starts[1:] = (iv[1:] != iv[:-1]) | (tc[1:] - tc[:-1] > ttol)
    point_of_crossing = torch.cumsum(starts, 0) - 1
    return iv[starts], tc[starts], point_of_crossing, jv


def _merge_positions(n_old: int, new_interval: torch.Tensor):
    """Positions of old and new points in the merged order (new points sorted by interval, then t)."""
    counts = torch.bincount(new_interval, minlength=n_old)
    shift = torch.cumsum(counts, 0) - counts
    old_pos = torch.arange(n_old, device=new_interval.device) + shift
    new_pos = new_interval + 1 + torch.arange(new_interval.shape[0], device=new_interval.device)
    return old_pos, new_pos


def _scatter(n: int, old_pos, old, new_pos, new):
    out = old.new_empty((n,) + tuple(old.shape[1:]))
    out[old_pos] = old
    out[new_pos] = new
    return out


def layered_walk(
    stages: list[Layer],
    selected: list[bool],
    X1: torch.Tensor,
    X2: torch.Tensor,
    *,
    n_grid: int,
    rtol: float,
    ttol: float,
    max_pieces: int,
) -> Pieces:
    """Layer-by-layer refinement of every segment of the batch (see the module docstring)."""
    n_seg, device = X1.shape[0], X1.device
    direction = X2 - X1
    linear = affine_in_t(stages)
    exact = all(linear)
    base = torch.linspace(0, 1, 2 if exact else max(n_grid, 2), dtype=DTYPE, device=device)
    seg = torch.arange(n_seg, device=device).repeat_interleave(base.shape[0])
    t = base.repeat(n_seg)
    piece_bits: list[torch.Tensor | None] = [None] * len(stages)
    h = None
    for index, stage in enumerate(stages):
        # 1. the stage's pre-activations at every current point
        if index == 0 and linear[0]:  # affine in t on the whole segment: no d_in-wide product
            z1, z2 = stage.preactivation(X1), stage.preactivation(X2)
            z = torch.addcmul(z1[seg], t[:, None], (z2 - z1)[seg])
            norm = (1 - t) * X1.norm(dim=1)[seg] + t * X2.norm(dim=1)[seg]  # >= ||x(t)||
        else:
            inputs = h if index > 0 else X1[seg] + t[:, None] * direction[seg]
            z = stage.preactivation(inputs)
            norm = inputs.norm(dim=1)
        z = zero_small(stage, z, norm, rtol)

        # 2. sign changes between consecutive points of one segment
        same_seg = seg[:-1] == seg[1:]
        left, right = z[:-1], z[1:]
        iv, jv = torch.nonzero((left * right < 0) & same_seg[:, None], as_tuple=True)
        if iv.numel():
            t_left, t_right = t[iv], t[iv + 1]
            if linear[index]:
                zl, zr = left[iv, jv], right[iv, jv]
                tc = t_left + (t_right - t_left) * (zl / (zl - zr))
            else:
                s = seg[iv]
                tc = _bisect(stages, index, X1[s], direction[s], t_left, t_right, jv, ttol)
            tc = torch.minimum(torch.maximum(tc, t_left), t_right)
            # a crossing within ttol of a breakpoint happens at the breakpoint
            to_left = tc - t_left <= ttol
            to_right = (t_right - tc <= ttol) & ~to_left
            z[iv[to_left], jv[to_left]] = 0
            z[iv[to_right] + 1, jv[to_right]] = 0
            inside = ~(to_left | to_right)
            iv, jv, tc = iv[inside], jv[inside], tc[inside]
        if iv.numel():
            new_iv, new_t, point_of, jv = _cluster(iv, tc, jv, ttol)
            # 3. values at the new points, then merge them into the ordered point list
            if linear[index]:
                lam = ((new_t - t[new_iv]) / (t[new_iv + 1] - t[new_iv]))[:, None]
                z_new = z[new_iv] + lam * (z[new_iv + 1] - z[new_iv])
            else:
                s = seg[new_iv]
                z_new = _forward_to(stages, index, X1[s] + new_t[:, None] * direction[s])
            z_new[point_of, jv] = 0
            n = t.shape[0] + new_t.shape[0]
            old_pos, new_pos = _merge_positions(t.shape[0], new_iv)
            t = _scatter(n, old_pos, t, new_pos, new_t)
            z = _scatter(n, old_pos, z, new_pos, z_new)
            for k in range(index):
                if piece_bits[k] is not None:  # a new point splits a piece: both halves keep its bits
                    piece_bits[k] = _scatter(n, old_pos, piece_bits[k], new_pos, piece_bits[k][new_iv])
            seg = _scatter(n, old_pos, seg, new_pos, seg[new_iv])
            _check_pieces(seg, n_seg, max_pieces + base.shape[0] - 2)  # the grid's own pieces do not count

        # 4. the stage's bits on every piece, from its (affine) values at both ends
        if selected[index] and linear[index]:
            bits = torch.zeros(z.shape[0], stage.width, dtype=torch.bool, device=device)
            bits[:-1] = stage.bits(z[:-1] + z[1:])  # the sign of the midpoint value (the ends never disagree)
            piece_bits[index] = bits
        if not stage.is_output:
            h = stage.activate(z)

    valid = torch.zeros_like(seg, dtype=torch.bool)
    valid[:-1] = seg[:-1] == seg[1:]
    curved = [i for i in range(len(stages)) if selected[i] and not linear[i]]
    if curved:  # bits of layers that are not affine in t: at each piece's midpoint
        mid = ((t[:-1] + t[1:]) / 2)[valid[:-1]]
        s = seg[:-1][valid[:-1]]
        h = X1[s] + mid[:, None] * direction[s]
        for index, stage in enumerate(stages[: max(curved) + 1]):
            z = stage.preactivation(h)
            if index in curved:
                bits = torch.zeros(t.shape[0], stage.width, dtype=torch.bool, device=device)
                bits[valid] = stage.bits(z)
                piece_bits[index] = bits
            if not stage.is_output:
                h = stage.activate(z)
    bits = torch.cat([b for b in piece_bits if b is not None], dim=1)
    return Pieces(seg[valid], t[valid], bits[valid])


# --- the sequential step walk --------------------------------------------------------------------------

def step_walk(
    stages: list[Layer],
    selected: list[bool],
    X1: torch.Tensor,
    X2: torch.Tensor,
    *,
    rtol: float,
    ttol: float,
    max_pieces: int,
) -> Pieces:
    """The step walk of DESIGN.md section 3, batched over segments (see the module docstring)."""
    n_seg, device = X1.shape[0], X1.device
    first = stages[0]
    z_start, z_end = first.preactivation(X1), first.preactivation(X2)
    slope0 = z_end - z_start
    n1, n2 = X1.norm(dim=1), X2.norm(dim=1)
    active = torch.arange(n_seg, device=device)
    t = torch.zeros(n_seg, dtype=DTYPE, device=device)
    record_seg, record_t, record_bits = [], [], []
    steps = 0
    while active.numel():
        tt = t[:, None]
        z = z_start[active] + tt * slope0[active]
        s = slope0[active]
        norm = (1 - t) * n1[active] + t * n2[active]  # >= ||x(t)||
        nearest = torch.full_like(t, math.inf)
        chosen = []
        h = dh = None  # the previous layer's output and its slope along the segment
        for index, stage in enumerate(stages):
            if index > 0:
                w = stage.affine
                both = torch.cat([h, dh]) @ w.weight.T  # value and slope in one product
                z, s = both[: h.shape[0]] + w.bias, both[h.shape[0]:]
                norm = h.norm(dim=1)
            # 0 within rounding, or crossing within ttol of t: the crossing happens here
            zero_small(stage, z, norm, rtol)
            z.masked_fill_(z.abs() <= ttol * s.abs(), 0.0)
            on = (z > 0) | ((z == 0) & (s > 0))  # the sign just after t
            heading = z * s < 0
            step = torch.where(heading, -z / torch.where(heading, s, torch.ones_like(s)), math.inf)
            nearest = torch.minimum(nearest, step.amin(dim=1))
            if selected[index]:
                chosen.append(on)
            if not stage.is_output:
                h = stage.activate(z)
                slope = stage.negative_slope
                dh = torch.where(on, s, slope * s)
        record_seg.append(active)
        record_t.append(t)
        record_bits.append(torch.cat(chosen, dim=1))
        steps += 1
        if steps > max_pieces:
            raise TooManyRegions(
                f"segment {int(active[0])} has more than max_regions={max_pieces} pieces (regions of all "
                f"hidden layers together); pass a larger max_regions= or a shorter segment"
            )
        t = t + nearest
        going = t < 1 - ttol
        active, t = active[going], t[going]
    seg = torch.cat(record_seg)
    order = torch.argsort(seg, stable=True)  # steps were recorded in order, so this keeps t increasing
    return Pieces(seg[order], torch.cat(record_t)[order], torch.cat(record_bits)[order])
