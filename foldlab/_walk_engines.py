"""The torch engines behind :func:`foldlab.walk` and :func:`foldlab.walks`: any device, any supported net.

Both take a batch of segments ``y_s(t) = x1_s + t (x2_s - x1_s)``, ``t in [0, 1]``, and return the
*pieces* of every segment: the open intervals between consecutive crossings of any pre-activation, each
with the bits that hold on it. :mod:`foldlab.walk` merges consecutive pieces with equal selected bits into
regions. On the CPU, piecewise-linear nets go to the faster numpy engine of :mod:`foldlab._walk_fast`,
which makes the same decisions; these engines serve GPUs, nets that are not piecewise linear, and
``method="step"``.

``layered_walk``
    Refines the segments layer by layer in 1D. The first layer's pre-activations are affine in ``t`` on
    the whole segment, so its crossings are known at once. Between consecutive breakpoints every
    pre-activation of the next layer is affine in ``t``, so the layer is evaluated at all breakpoints (of
    all segments) in one matrix product and its zeros come from sign changes between consecutive
    breakpoints by linear interpolation. Where a layer is not affine in ``t`` (non-piecewise-linear
    nets) it runs on a grid and locates each sign change by bisection.
``step_walk``
    The sequential walk of the papers' parameter-free sampler: from the current ``t``, with the masks of
    the piece just after ``t``, compute every pre-activation and its slope along the segment (one product
    of the point and the direction per layer) and step to the nearest zero crossing. Finished segments
    leave the batch.

Floating point (both engines, float64), the same rule as :mod:`foldlab._walk_fast`: every value carries a
bound on its rounding error (:func:`foldlab._walk_fast.bound_of`), propagated through the layers; a value
(or, in the step walk, a slope) within ``SAFETY`` times its bound of 0 counts as 0, crossings of one
piece whose error windows overlap are one breakpoint, and a crossing float64 cannot place apart from a
breakpoint is at it. Each such decision marks its segment *ambiguous*: float64 alone cannot tell a true
coincidence (CantorNet's vertices, a unit that is 0 on a whole piece) from two events closer than its
rounding, so :mod:`foldlab.walk` settles those segments in exact arithmetic. Layers that are not affine
along the segment are not exact in any case (see :func:`foldlab.walk`, Notes) and raise no such marks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ._validation import DTYPE
from ._walk_fast import ETA, HUGE, MARGIN, SAFETY, U, estimate, gamma
from .adapter import Layer
from .errors import NumericalRange, TooManyRegions

__all__ = ["Pieces", "affine_in_t", "layered_walk", "step_walk"]


def affine_in_t(layers: list[Layer]) -> list[bool]:
    """For each layer, whether its pre-activations are affine in ``t`` between the crossings of the layers
    before it: every earlier layer is piecewise linear and its own maps are one affine map."""
    out, linear_so_far = [], True
    for layer in layers:
        out.append(linear_so_far and layer.affine is not None)
        linear_so_far = linear_so_far and layer.piecewise_linear
    return out


@dataclass(frozen=True, eq=False)
class Pieces:
    """Pieces of a batch of segments, sorted by segment then ``t``: segment id, start, bits of the selected
    layers, and per segment whether float64 had to merge events closer than its rounding."""

    seg: torch.Tensor  # (K,) int64
    t: torch.Tensor  # (K,) float64
    bits: torch.Tensor  # (K, m) bool
    ambiguous: torch.Tensor  # (n_seg,) bool


@dataclass(frozen=True)
class _Norms:
    row_norm: float
    bias_max: float
    gamma: float
    n_in: int
    dead: torch.Tensor | None  # units with a zero row and a zero bias (exactly 0 everywhere)
    identity: bool = False  # the map is the identity (a max pool's input right after an activation)


def _norms(layer: Layer) -> _Norms:
    w = layer.affine
    rows = w.weight.norm(dim=1)
    dead = (w.weight == 0).all(dim=1) & (w.bias == 0)
    return _Norms(
        row_norm=float(rows.max()) if rows.numel() else 0.0,
        bias_max=float(w.bias.abs().max()) if w.bias.numel() else 0.0,
        gamma=gamma(w.weight.shape[1] + 1),
        n_in=int(w.weight.shape[1]),
        dead=dead if bool(dead.any()) else None,
        identity=w.is_identity,
    )


def exact_zeros(stages: list[Layer]) -> list[bool]:
    """For each stage, whether a value of exactly 0.0 with a slope of exactly 0.0 among its entries is exactly
    0 on the whole piece: a max pool that takes a ReLU's outputs through the identity (an off unit's output is
    0 by construction; a unit at its own crossing is the ReLU layer's decision, marked there)."""
    out = [False]
    for before, stage in zip(stages, stages[1:]):
        relu = not before.is_pool and not before.is_output and before.piecewise_linear and before.negative_slope == 0
        out.append(stage.is_pool and relu and _norms(stage).identity)
    return out


def _safe_norm(x: torch.Tensor) -> torch.Tensor:
    big = x.abs().amax(dim=1)
    safe = torch.where(big > 0, big, torch.ones_like(big))
    return big * (x / safe[:, None]).norm(dim=1)


def _bound(err: torch.Tensor, typ: torch.Tensor, scale: torch.Tensor, rtol: float) -> torch.Tensor:
    """As :func:`foldlab._walk_fast.bound_of`: the rigorous bound, or ``MARGIN`` times the typical error."""
    out = SAFETY * torch.minimum(err, MARGIN * typ)
    return out + rtol * scale if rtol else out


def _check_range(scale: torch.Tensor, where: str) -> None:
    if not bool((scale < HUGE).all()):
        raise NumericalRange(
            f"the pre-activations of {where} reach about {float(scale.nan_to_num(math.inf).max()):.3g}, beyond what "
            f"float64 can hold with room for its rounding bounds (about {HUGE:.0e}); rescale the inputs (the "
            f"regions of x -> N(s x) are those of N scaled by 1 / s)"
        )


def _check_pieces(seg: torch.Tensor, n_segments: int, limit: int, offset: int) -> None:
    counts = torch.bincount(seg, minlength=n_segments) - 1
    worst = int(counts.max())
    if worst > limit:
        which = int(counts.argmax())
        raise TooManyRegions(
            f"segment {offset + which} has more than max_regions={limit} pieces (regions of all hidden layers "
            f"together); pass a larger max_regions= or a shorter segment"
        )


def _estimate(rows: int, width: int, what: str, driver: str = "pass a smaller max_regions=") -> None:
    estimate(8.0 * rows * 4 * width, what, driver)


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


def _sort_crossings(iv, tc, jv, window):
    order = torch.argsort(tc, stable=True)
    order = order[torch.argsort(iv[order], stable=True)]
    return iv[order], tc[order], jv[order], window[order]


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
    offset: int = 0,
) -> Pieces:
    """Layer-by-layer refinement of every segment of the batch (see the module docstring)."""
    n_seg, device = X1.shape[0], X1.device
    direction = X2 - X1
    linear = affine_in_t(stages)
    exact = all(linear)
    ambiguous = torch.zeros(n_seg, dtype=torch.bool, device=device)
    n_base = 2 if exact else max(n_grid, 2)
    _estimate(n_seg * n_base, max(stage.width for stage in stages) + X1.shape[1], "the walk's evaluation grid",
              "pass a smaller n_grid=")
    base = torch.linspace(0, 1, n_base, dtype=DTYPE, device=device)
    seg = torch.arange(n_seg, device=device).repeat_interleave(base.shape[0])
    t = base.repeat(n_seg)
    piece_bits: list[torch.Tensor | None] = [None] * len(stages)
    h = None
    point_err = point_typ = None  # rounding bound (and typical error) of the previous stage's values
    for index, stage in enumerate(stages):
        _estimate(t.shape[0], stage.width, f"the walk's breakpoints at layer {index}")
        # 1. the stage's pre-activations at every current point, with their rounding bounds
        if linear[index]:
            norms = _norms(stage)
            if index == 0:  # affine in t on the whole segment: no d_in-wide product at the points
                z1, z2 = stage.preactivation(X1), stage.preactivation(X2)
                scale1 = norms.row_norm * _safe_norm(X1) + norms.bias_max
                scale2 = norms.row_norm * _safe_norm(X2) + norms.bias_max
                _check_range(torch.maximum(scale1, scale2), "the first layer (at the segment ends)")
                err_seg = (
                    norms.gamma * torch.maximum(scale1, scale2) + (norms.n_in + 2) * ETA
                    + 4 * U * (scale1 + scale2)
                )
                typ_seg = U * math.sqrt(norms.n_in + 1) * torch.maximum(scale1, scale2) + 4 * U * (scale1 + scale2)
                z = torch.addcmul(z1[seg], t[:, None], (z2 - z1)[seg])
                at_end = t == 1
                z[at_end] = z2[seg[at_end]]
                err, typ = err_seg[seg], typ_seg[seg]
                scale = torch.maximum(scale1, scale2)[seg]
            else:
                lift = max(1.0, abs(stages[index - 1].negative_slope))
                scale = norms.row_norm * _safe_norm(h) + norms.bias_max
                _check_range(scale, f"layer {index}")
                carried = lift * math.sqrt(norms.n_in) * point_err
                err = norms.gamma * scale + (norms.n_in + 2) * ETA + norms.row_norm * carried
                typ = U * math.sqrt(norms.n_in + 1) * scale + norms.row_norm * lift * point_typ
                z = stage.preactivation(h)
            bound = _bound(err, typ, scale, rtol)
            zero = z.abs() <= bound[:, None]
            if norms.dead is not None:
                zero_live = zero & ~norms.dead
            else:
                zero_live = zero
            hit = zero_live.any(dim=1)
            if bool(hit.any()):
                ambiguous[seg[hit]] = True
            z = z.masked_fill(zero, 0.0)
        else:
            inputs = h if index > 0 else X1[seg] + t[:, None] * direction[seg]
            z = stage.preactivation(inputs)
            scale = inputs.norm(dim=1) * (stage.affine.weight.norm(dim=1).max() if stage.affine is not None else 1.0)
            if stage.affine is None:  # a LayerNorm in between: the largest pre-activation sets the scale
                scale = z.abs().amax(dim=1)
            err = typ = gamma(z.shape[1] + 1) * scale
            bound = SAFETY * err + max(rtol, 1e-10) * scale
            z = z.masked_fill(z.abs() <= bound[:, None], 0.0)

        # 2. sign changes between consecutive points of one segment
        same_seg = seg[:-1] == seg[1:]
        left, right = z[:-1], z[1:]
        iv, jv = torch.nonzero((left * right < 0) & same_seg[:, None], as_tuple=True)
        if iv.numel():
            t_left, t_right = t[iv], t[iv + 1]
            if linear[index]:
                zl, zr = left[iv, jv], right[iv, jv]
                tc = t_left + (t_right - t_left) * (zl / (zl - zr))
                bl, br = bound[iv], bound[iv + 1]
                window = (t_right - t_left) * (bl + br) / ((zl - zr).abs() - bl - br) + 4 * U * t_right
            else:
                s = seg[iv]
                tc = _bisect(stages, index, X1[s], direction[s], t_left, t_right, jv, ttol)
                window = torch.full_like(tc, ttol)
            tc = torch.minimum(torch.maximum(tc, t_left), t_right)
            # the signs at both ends are certain, so the crossing is strictly inside: it is at a breakpoint
            # only where float64 cannot place it apart (the bisection's: within its precision)
            near = 4 * U * t_right if linear[index] else window
            to_left = tc - t_left <= near
            to_right = (t_right - tc <= near) & ~to_left
            snapped = to_left | to_right
            if bool(snapped.any()):
                if linear[index]:
                    ambiguous[seg[iv[snapped]]] = True
                z[iv[to_left], jv[to_left]] = 0
                z[iv[to_right] + 1, jv[to_right]] = 0
                inside = ~snapped
                iv, jv, tc, window = iv[inside], jv[inside], tc[inside], window[inside]
        if iv.numel():
            iv, tc, jv, window = _sort_crossings(iv, tc, jv, window)
            starts = torch.ones_like(iv, dtype=torch.bool)
            starts[1:] = (iv[1:] != iv[:-1]) | (tc[1:] - tc[:-1] > window[1:] + window[:-1])
            if linear[index] and not bool(starts.all()):
                ambiguous[seg[iv[~starts]]] = True
            point_of = torch.cumsum(starts, 0) - 1
            new_iv, new_t = iv[starts], tc[starts]
            _check_pieces(torch.cat([seg, seg[new_iv]]), n_seg, max_pieces + base.shape[0] - 2, offset)
            # 3. values at the new points, then merge them into the ordered point list
            if linear[index]:
                lam = ((new_t - t[new_iv]) / (t[new_iv + 1] - t[new_iv]))[:, None]
                z_new = z[new_iv] + lam * (z[new_iv + 1] - z[new_iv])
                err_new = 2 * torch.maximum(err[new_iv], err[new_iv + 1]) + 4 * U * (scale[new_iv] + scale[new_iv + 1])
                typ_new = 2 * torch.maximum(typ[new_iv], typ[new_iv + 1]) + 4 * U * (scale[new_iv] + scale[new_iv + 1])
                scale_new = torch.maximum(scale[new_iv], scale[new_iv + 1])
            else:
                s = seg[new_iv]
                z_new = _forward_to(stages, index, X1[s] + new_t[:, None] * direction[s])
                err_new = typ_new = torch.maximum(err[new_iv], err[new_iv + 1])
                scale_new = torch.maximum(scale[new_iv], scale[new_iv + 1])
            z_new[point_of, jv] = 0
            n = t.shape[0] + new_t.shape[0]
            old_pos, new_pos = _merge_positions(t.shape[0], new_iv)
            t = _scatter(n, old_pos, t, new_pos, new_t)
            z = _scatter(n, old_pos, z, new_pos, z_new)
            err = _scatter(n, old_pos, err, new_pos, err_new)
            typ = _scatter(n, old_pos, typ, new_pos, typ_new)
            scale = _scatter(n, old_pos, scale, new_pos, scale_new)
            for k in range(index):
                if piece_bits[k] is not None:  # a new point splits a piece: both halves keep its bits
                    piece_bits[k] = _scatter(n, old_pos, piece_bits[k], new_pos, piece_bits[k][new_iv])
            seg = _scatter(n, old_pos, seg, new_pos, seg[new_iv])
        point_err, point_typ = err, typ

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
    return Pieces(seg[valid], t[valid], bits[valid], ambiguous)


# --- the sequential step walk --------------------------------------------------------------------------

def step_walk(
    stages: list[Layer],
    selected: list[bool],
    X1: torch.Tensor,
    X2: torch.Tensor,
    *,
    rtol: float,
    max_pieces: int,
    offset: int = 0,
) -> Pieces:
    """The step walk of the parameter-free sampler, batched over segments (see the module docstring)."""
    n_seg, device = X1.shape[0], X1.device
    norms = [_norms(stage) for stage in stages]
    certain = exact_zeros(stages)
    pooled = any(stage.is_pool for stage in stages)
    first, n0 = stages[0], norms[0]
    z_start, z_end = first.preactivation(X1), first.preactivation(X2)
    slope0 = z_end - z_start
    scale1 = n0.row_norm * _safe_norm(X1) + n0.bias_max
    scale2 = n0.row_norm * _safe_norm(X2) + n0.bias_max
    _check_range(torch.maximum(scale1, scale2), "the first layer (at the segment ends)")
    err0 = n0.gamma * torch.maximum(scale1, scale2) + (n0.n_in + 2) * ETA + 4 * U * (scale1 + scale2)
    err_s0 = 2 * err0  # the slope z_end - z_start
    typ0 = U * math.sqrt(n0.n_in + 1) * torch.maximum(scale1, scale2) + 4 * U * (scale1 + scale2)
    typ_s0 = 2 * typ0
    ambiguous = torch.zeros(n_seg, dtype=torch.bool, device=device)
    active = torch.arange(n_seg, device=device)
    t = torch.zeros(n_seg, dtype=DTYPE, device=device)
    expected = None  # units whose crossing the last step went to (they are 0 there by construction)
    record_seg, record_t, record_bits = [], [], []
    steps = 0
    while active.numel():
        z = z_start[active] + t[:, None] * slope0[active]
        s = slope0[active]
        err, err_s, typ, typ_s = err0[active], err_s0[active], typ0[active], typ_s0[active]
        scale = torch.maximum(scale1, scale2)[active]
        nearest = torch.full_like(t, math.inf)
        chosen, zeros, steps_all, windows = [], [], [], []
        # with max pools: what each column's event is, so that the same event seen twice (an entry that is the
        # max of overlapping windows, overtaken in both, or the units after them) counts once
        events, base, source = [], 0, None
        h = dh = None  # the previous layer's output and its slope along the segment
        for index, stage in enumerate(stages):
            n = norms[index]
            if index > 0 and n.identity:  # a max pool's input right after an activation: its values as they are
                lift = max(1.0, abs(stages[index - 1].negative_slope))
                z, s = h, dh
                err, err_s, typ, typ_s = lift * err, lift * err_s, lift * typ, lift * typ_s
                scale_s = dh.abs().amax(dim=1)  # (only rtol scales with it, and the slopes' rtol is 0)
            elif index > 0:
                w = stage.affine
                both = torch.cat([h, dh]) @ w.weight.T  # value and slope in one product
                z, s = both[: h.shape[0]] + w.bias, both[h.shape[0]:]
                k = math.sqrt(n.n_in)
                scale = n.row_norm * h.norm(dim=1) + n.bias_max
                scale_s = n.row_norm * dh.norm(dim=1)
                if not bool((scale < HUGE).all() & (scale_s < HUGE).all()):  # squares past the range
                    scale = n.row_norm * _safe_norm(h) + n.bias_max
                    scale_s = n.row_norm * _safe_norm(dh)
                    _check_range(scale, f"layer {index}")
                lift = max(1.0, abs(stages[index - 1].negative_slope)) * n.row_norm
                err = n.gamma * scale + (n.n_in + 2) * ETA + lift * k * err
                err_s = n.gamma * scale_s + (n.n_in + 2) * ETA + lift * k * err_s
                typ = U * math.sqrt(n.n_in + 1) * scale + lift * typ
                typ_s = U * math.sqrt(n.n_in + 1) * scale_s + lift * typ_s
            bound = _bound(err, typ, scale, rtol)
            bound_s = _bound(err_s, typ_s, scale_s if index > 0 else scale, 0.0)
            if pooled:  # events of units: their own, or the same entry's as the pool before them (identity)
                if stage.is_pool:
                    pass
                elif n.identity and index > 0 and stages[index - 1].is_pool:
                    events.append(base + source)
                    base += stages[index - 1].activation.n_in
                else:
                    events.append(base + torch.arange(z.shape[1], device=device).expand(z.shape[0], -1))
                    base += z.shape[1]
            if stage.is_pool:
                zero_live, step, window, on, h, dh, source = _pool_step(
                    stage, z, s, bound, bound_s, certain[index], expected, steps_all, active, ambiguous)
                pool = stage.activation
                events.append((base + source[..., None] * pool.n_in + pool.windows.clamp(min=0)).flatten(1))
                base += pool.n_in * pool.n_in
                zeros.append(zero_live)
                steps_all.append(step)
                windows.append(window)
                nearest = torch.minimum(nearest, step.amin(dim=1))
                if selected[index]:
                    chosen.append(on)
                continue
            zero = z.abs() <= bound[:, None]
            flat = s.abs() <= bound_s[:, None]
            if n.dead is not None:
                zero_live, flat_live = zero & ~n.dead, flat & ~n.dead
            else:
                zero_live, flat_live = zero, flat
            zeros.append(zero_live)
            ties = (zero_live & flat_live).any(dim=1)  # 0 on the whole next piece, within rounding
            if bool(ties.any()):
                ambiguous[active[ties]] = True
            z = z.masked_fill(zero, 0.0)
            s = s.masked_fill(zero & flat, 0.0)
            on = (z > 0) | ((z == 0) & (s > 0))  # the sign just after t
            heading = z * s < 0
            step = torch.where(heading, -z / torch.where(heading, s, torch.ones_like(s)), math.inf)
            slack = bound[:, None] + torch.where(heading, step, 0.0) * bound_s[:, None]
            window = torch.where(heading, slack / s.abs().clamp(min=math.ulp(0.0)), 0.0) + 4 * U
            steps_all.append(step)
            windows.append(window)
            nearest = torch.minimum(nearest, step.amin(dim=1))
            if selected[index]:
                chosen.append(on)
            if not stage.is_output:
                h = stage.activate(z)
                dh = torch.where(on, s, stage.negative_slope * s)
        zero_all = torch.cat(zeros, dim=1)
        if expected is None:
            surprise = zero_all.any(dim=1)
        else:
            surprise = (zero_all & ~expected).any(dim=1)
        if bool(surprise.any()):
            ambiguous[active[surprise]] = True
        step_all, window_all = torch.cat(steps_all, dim=1), torch.cat(windows, dim=1)
        reach = nearest[:, None] + window_all + window_all.gather(1, step_all.argmin(dim=1, keepdim=True))
        hit = (step_all <= reach) & torch.isfinite(step_all)
        several = hit.sum(dim=1) > 1
        if pooled and bool(several.any()):  # one event seen in several columns is one event
            rows = torch.nonzero(several).flatten()
            seen = torch.where(hit[rows], torch.cat(events, dim=1)[rows], -1).sort(dim=1).values
            distinct = (seen[:, 0] >= 0).long() + ((seen[:, 1:] != seen[:, :-1]) & (seen[:, 1:] >= 0)).sum(dim=1)
            several[rows] = distinct > 1
        if bool(several.any()):  # crossings closer than their windows: one breakpoint
            ambiguous[active[several]] = True
        record_seg.append(active)
        record_t.append(t)
        record_bits.append(torch.cat(chosen, dim=1))
        steps += 1
        if steps > max_pieces:
            raise TooManyRegions(
                f"segment {offset + int(active[0])} has more than max_regions={max_pieces} pieces (regions of "
                f"all hidden layers together); pass a larger max_regions= or a shorter segment"
            )
        t_next = t + nearest
        end_window = window_all.gather(1, step_all.argmin(dim=1, keepdim=True))[:, 0]
        near_end = (t_next < 1) & (1 - t_next <= end_window)
        if bool(near_end.any()):  # a crossing within rounding of the end: at the end
            ambiguous[active[near_end]] = True
        going = (t_next < 1) & ~near_end
        active, t, expected = active[going], t_next[going], hit[going]
    seg = torch.cat(record_seg)
    order = torch.argsort(seg, stable=True)  # steps were recorded in order, so this keeps t increasing
    return Pieces(seg[order], torch.cat(record_t)[order], torch.cat(record_bits)[order], ambiguous)


def _pool_step(stage, z, s, bound, bound_s, certain, expected, columns_before, active, ambiguous):
    """One max pool of the step walk at the current ``t``: each window's argmax on the piece just after ``t``
    and the steps to where another entry overtakes it.

    ``z, s`` (m, n_in) are the pool's entries and their slopes along the segment, each within ``bound`` (and
    ``bound_s``) of its exact value, per row. Two entries within twice that of each other are equal within
    rounding: the argmax just after ``t`` is the largest entry, then the one with the largest slope, then the
    lowest flat index; where rounding leaves more than one candidate (a tie on the whole piece, unless all
    are exactly 0 behind a ReLU, see :func:`exact_zeros`) the segment is marked ambiguous, as is a tie at ``t``
    that the last step did not go to. Entry ``j`` overtakes the argmax ``a`` at ``t + (z_a - z_j) / (s_j - s_a)``
    where ``s_j > s_a``, within a window of ``(2 bound + step 2 bound_s) / (s_j - s_a)``: one column per
    (window, slot), so that two overtakings closer than that are seen as one breakpoint, as for units.
    Returns the columns' zeros (all False: the pool's own ties are marked here), steps and windows, the
    one-hot bits (m, width), and the pooled values and slopes.
    """
    pool = stage.activation
    valid = pool.valid
    rows = z.shape[0]
    values = pool.entries(z)  # (m, W, k), -inf in padding slots
    slopes = s[:, pool.windows.clamp(min=0)].masked_fill(~valid, 0.0)
    tol_v = 2 * bound[:, None, None]
    tol_s = 2 * bound_s[:, None, None]
    top = values.amax(dim=-1, keepdim=True)
    near = values >= top - tol_v  # equal to the max at t, within rounding
    best = slopes.masked_fill(~near, -math.inf).amax(dim=-1, keepdim=True)
    lead = near & (slopes >= best - tol_s)  # equal to the max on the whole piece, within rounding
    arg = lead.to(torch.uint8).argmax(dim=-1)  # the first: the lowest flat index
    if certain:
        exact_zero = (values == 0) & valid
        dead = exact_zero & (slopes == 0)
    else:
        exact_zero = dead = torch.zeros_like(valid).expand_as(values)
    unsure = ((lead.sum(dim=-1) > 1) & ~(lead <= dead).all(dim=-1)).any(dim=1)
    tied = (near.sum(dim=-1) > 1) & ~(near <= exact_zero).all(dim=-1)  # (m, W): a tie at t
    if expected is not None:
        at = sum(column.shape[1] for column in columns_before)
        went = expected[:, at : at + values.shape[1] * values.shape[2]].reshape(values.shape).any(dim=-1)
        tied = tied & ~went
    unsure = unsure | tied.any(dim=1)
    if bool(unsure.any()):
        ambiguous[active[unsure]] = True
    z_arg = values.gather(-1, arg[..., None])
    s_arg = slopes.gather(-1, arg[..., None])
    rate = slopes - s_arg
    heading = (rate > 0) & valid & ~dead
    gap = (z_arg - values).clamp(min=0.0)
    safe_rate = torch.where(heading, rate, torch.ones_like(rate))
    step = torch.where(heading, gap / safe_rate, math.inf)
    window = torch.where(heading, (tol_v + torch.where(heading, step, 0.0) * tol_s) / safe_rate, 0.0) + 4 * U
    onehot = arg[..., None] == torch.arange(values.shape[2], device=z.device)
    bits = onehot.flatten(1)[:, pool.pairs.to(z.device)]
    zeros = torch.zeros(rows, values.shape[1] * values.shape[2], dtype=torch.bool, device=z.device)
    source = pool.windows.gather(1, arg.T).T  # the flat index of each window's argmax entry, (m, W)
    return zeros, step.flatten(1), window.flatten(1), bits, z_arg[..., 0], s_arg[..., 0], source
