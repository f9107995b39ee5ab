"""An independent brute force for walks: dense sampling through the hook path plus bisection of each change.

It shares nothing with foldlab's walk engines: patterns come from :func:`tests.common.reference_patterns`
(forward hooks on the torch module itself, run in float64, not foldlab's snapshot of it), boundaries from
bisection on those patterns.
"""

from __future__ import annotations

import numpy as np
import torch

from .common import reference_patterns


def brute_force_walk(net, x1, x2, n=4096, layers=None, include_output=False, tol=1e-13, min_width=1e-11):
    """Regions along ``x1 -> x2`` seen by ``n`` interior samples, each change located by bisection.

    Returns ``(starts, patterns)``. Samples sit at ``t = (i + 1/2) / n`` so that the ends themselves (which
    may lie on a boundary) are never taken for a region; "regions" narrower than ``min_width`` are single
    boundary points seen by a bisection probe (two neurons with opposite rounding errors), not regions.
    """
    x1 = torch.as_tensor(x1, dtype=torch.float64).reshape(-1)
    x2 = torch.as_tensor(x2, dtype=torch.float64).reshape(-1)

    def patterns_at(t):
        t = torch.as_tensor(t, dtype=torch.float64).reshape(-1)
        return reference_patterns(net, (1 - t)[:, None] * x1 + t[:, None] * x2, layers, include_output)

    ts = (torch.arange(n, dtype=torch.float64) + 0.5) / n
    samples = patterns_at(ts)
    # bisect every change at once: intervals (lo, hi) whose end patterns differ, one hook-path call a round
    changes = torch.nonzero((samples[1:] != samples[:-1]).any(1)).flatten()
    lo, hi = ts[changes], ts[changes + 1]
    p_lo, p_hi = samples[changes], samples[changes + 1]
    found_t, found_p = [], []
    while lo.numel():
        small = hi - lo < tol
        found_t.append(hi[small])
        found_p.append(p_hi[small])
        lo, hi, p_lo, p_hi = lo[~small], hi[~small], p_lo[~small], p_hi[~small]
        mid = (lo + hi) / 2
        p_mid = patterns_at(mid) if mid.numel() else p_lo
        like_lo, like_hi = (p_mid == p_lo).all(1), (p_mid == p_hi).all(1)
        new_region = ~like_lo & ~like_hi  # a third pattern in between: keep both halves
        lo, hi, p_lo, p_hi = (
            torch.cat([torch.where(like_lo, mid, lo), mid[new_region]]),
            torch.cat([torch.where(like_lo, hi, mid), hi[new_region]]),
            torch.cat([torch.where(like_lo[:, None], p_mid, p_lo), p_mid[new_region]]),
            torch.cat([torch.where(like_lo[:, None], p_hi, p_mid), p_hi[new_region]]),
        )
    found_t = torch.cat(found_t) if found_t else torch.zeros(0, dtype=torch.float64)
    order = torch.argsort(found_t)
    starts = [0.0] + found_t[order].tolist()
    pats = [samples[0]] + list(torch.cat(found_p)[order]) if len(order) else [samples[0]]
    starts = np.array(starts)
    widths = np.diff(np.append(starts, 1.0))
    keep = widths >= min_width
    keep[0] = True
    starts, pats = starts[keep], [p for p, k in zip(pats, keep) if k]
    merged_starts, merged = [starts[0]], [pats[0]]
    for t, p in zip(starts[1:], pats[1:]):
        if not torch.equal(p, merged[-1]):
            merged_starts.append(t)
            merged.append(p)
    return np.array(merged_starts), torch.stack(merged)


def walk_pattern_at(walk, t):
    """The walk's pattern at parameters ``t`` (the region whose interval holds each t)."""
    index = np.searchsorted(walk.ts, np.asarray(t), side="right") - 1
    return walk.patterns[torch.as_tensor(index)]


def assert_walk_matches(walk, net, x1, x2, n=4096, layers=None, include_output=False, atol=1e-9):
    """Compare a walk with the brute force.

    1. every region the brute force finds is in the walk: a walk region starts within ``atol`` of it
       with the same pattern;
    2. at every sample the walk's pattern is the sampled one (no wrong or missing wide region);
    3. the pattern at every walk region's midpoint, by the hook path, is the reported one, and no two
       consecutive regions are equal (no phantom region).

    Returns the number of walk regions the brute force did not see (each narrower than the spacing).
    """
    starts, patterns = brute_force_walk(net, x1, x2, n, layers, include_output)
    found = 0
    for s, p in zip(starts, patterns):
        i = int(np.argmin(np.abs(walk.ts - s)))
        assert abs(walk.ts[i] - s) <= atol, f"brute-force region at t={s:.12g} has no walk region starting there"
        assert torch.equal(walk.patterns[i], p), f"pattern of the region at t={s:.12g} differs"
        found += 1
    x1 = torch.as_tensor(x1, dtype=torch.float64).reshape(-1)
    x2 = torch.as_tensor(x2, dtype=torch.float64).reshape(-1)
    at = lambda t: reference_patterns(  # noqa: E731
        net, torch.as_tensor(walk.points(t)), layers, include_output
    )
    ts = (np.arange(n) + 0.5) / n
    near_boundary = (
        np.min(np.abs(ts[:, None] - walk.ts[None, 1:]), axis=1) < 1e-9 if len(walk) > 1 else np.zeros(n, bool)
    )
    sampled, predicted = at(ts), walk_pattern_at(walk, ts)
    bad = ~(sampled == predicted).all(1).numpy() & ~near_boundary
    assert not bad.any(), f"walk pattern differs from the sampled one at t={ts[bad][0]:.12g}"
    assert torch.equal(at(walk.midpoints), walk.patterns), "a region's midpoint has another pattern"
    if len(walk) > 1:
        assert (walk.patterns[1:] != walk.patterns[:-1]).any(1).all(), "a region is reported twice in a row"
    return len(walk) - found


def exact_brute_force_walk(net, x1, x2, n=512, tol=2.0**-44, min_width=1e-11):
    """The brute force in exact rational arithmetic, for ReLU nets with integer weights and biases.

    ``net`` is an ``nn.Sequential`` of Linear and ReLU modules; ``x1, x2`` have integer (or dyadic)
    coordinates. Patterns (hidden bits, then the output bits) are exact, so a unit that is exactly 0 on a
    piece reads 0 and coincident boundaries coincide; boundaries are located by exact bisection.
    Returns ``(starts, patterns)`` like :func:`brute_force_walk`.
    """
    from fractions import Fraction

    from torch import nn

    maps = []
    for module in net:
        if isinstance(module, nn.Linear):
            w, b = module.weight.detach().double(), module.bias.detach().double()
            assert torch.equal(w, w.round()) and torch.equal(b, b.round()), "integer weights only"
            maps.append(("linear", [[int(v) for v in row] for row in w.tolist()], [int(v) for v in b.tolist()]))
        elif isinstance(module, nn.ReLU):
            maps.append(("relu", None, None))
        else:
            raise TypeError(type(module).__name__)
    a = [Fraction(v) for v in torch.as_tensor(x1, dtype=torch.float64).tolist()]
    d = [Fraction(v) - u for v, u in zip(torch.as_tensor(x2, dtype=torch.float64).tolist(), a)]

    def pattern(t):
        h = [u + t * v for u, v in zip(a, d)]
        bits = []
        for kind, w, b in maps:
            if kind == "linear":
                h = [sum((wi * hi for wi, hi in zip(row, h)), Fraction(0)) + bi for row, bi in zip(w, b)]
            else:
                bits += [v > 0 for v in h]
                h = [max(v, Fraction(0)) for v in h]
        return tuple(bits + [v > 0 for v in h])

    ts = [Fraction(2 * i + 1, 2 * n) for i in range(n)]
    samples = [pattern(t) for t in ts]
    found = [(Fraction(0), samples[0])]
    for i in range(n - 1):
        if samples[i] == samples[i + 1]:
            continue
        stack, here = [(ts[i], ts[i + 1], samples[i], samples[i + 1])], []
        while stack:
            lo, hi, p_lo, p_hi = stack.pop()
            if hi - lo < tol:
                here.append((hi, p_hi))
                continue
            mid = (lo + hi) / 2
            p_mid = pattern(mid)
            if p_mid == p_lo:
                stack.append((mid, hi, p_mid, p_hi))
            elif p_mid == p_hi:
                stack.append((lo, mid, p_lo, p_mid))
            else:
                stack += [(mid, hi, p_mid, p_hi), (lo, mid, p_lo, p_mid)]
        found += sorted(here)
    starts = np.array([float(t) for t, _ in found])
    widths = np.diff(np.append(starts, 1.0))
    regions = [(s, p) for (s, p), width in zip(zip(starts, (p for _, p in found)), widths) if width >= min_width]
    merged = [regions[0]] if widths[0] >= min_width else [(0.0, found[0][1])]
    for s, p in regions[1:]:
        if p != merged[-1][1]:
            merged.append((s, p))
    return np.array([s for s, _ in merged]), torch.tensor([p for _, p in merged], dtype=torch.bool)


def exact_layered_walk(net, x1, x2, layers=None, include_output=False):
    """The walk in exact rational arithmetic at any scale, by layer-by-layer refinement in Fractions.

    ``net`` is an ``nn.Sequential`` of Linear, ReLU and LeakyReLU modules with any float weights (they are
    dyadic rationals, taken exactly), ``x1, x2`` any float64 ends. The segment is cut layer by layer: on
    each piece between the breakpoints found so far the next layer's pre-activations are affine in t, so
    their roots are exact rationals; a pre-activation exactly 0 on a piece gives bit 0, and equal roots
    are one breakpoint. Unlike :func:`exact_brute_force_walk` it needs no bisection tolerance, so it
    resolves regions of any width (1e-300 of the segment), and it shares nothing with foldlab's engines
    (its exact settlement, :mod:`foldlab._walk_exact`, steps from crossing to crossing on integers).

    Returns ``(starts, patterns)``: the exact starts (Fractions) and the bool patterns of the regions.
    """
    from fractions import Fraction

    from torch import nn

    stages = []  # (weight rows, bias, slope below 0 or None for the output)
    modules = list(net)
    for i, module in enumerate(modules):
        if isinstance(module, nn.Linear):
            w = [[Fraction(v) for v in row] for row in module.weight.detach().double().tolist()]
            b = [Fraction(v) for v in module.bias.detach().double().tolist()]
            after = modules[i + 1] if i + 1 < len(modules) else None
            if isinstance(after, nn.ReLU):
                slope = Fraction(0)
            elif isinstance(after, nn.LeakyReLU):
                slope = Fraction(after.negative_slope)
            else:
                slope = None
            stages.append((w, b, slope))
        elif not isinstance(module, (nn.ReLU, nn.LeakyReLU)):
            raise TypeError(type(module).__name__)
    hidden = [s for s in stages if s[2] is not None]
    chosen = range(len(hidden)) if layers is None else ([layers] if isinstance(layers, int) else layers)
    chosen = {i % len(hidden) for i in chosen}
    a = [Fraction(v) for v in torch.as_tensor(x1, dtype=torch.float64).reshape(-1).tolist()]
    b = [Fraction(v) for v in torch.as_tensor(x2, dtype=torch.float64).reshape(-1).tolist()]
    ts = [Fraction(0), Fraction(1)]
    h = [a, b]  # the current layer's input at every breakpoint
    piece_bits = []  # per stage whose bits are wanted: one tuple of bits per piece
    for index, (w, bias, slope) in enumerate(stages):
        if slope is None and not include_output:
            break
        z = [[sum((wi * hi for wi, hi in zip(row, point)), Fraction(0)) + bi for row, bi in zip(w, bias)]
             for point in h]
        new = []  # (t, values) of the roots inside each piece
        for k in range(len(ts) - 1):
            roots = sorted({ts[k] + (ts[k + 1] - ts[k]) * zl / (zl - zr)
                            for zl, zr in zip(z[k], z[k + 1]) if zl * zr < 0})
            for t in roots:
                lam = (t - ts[k]) / (ts[k + 1] - ts[k])
                new.append((k, t, [zl + lam * (zr - zl) for zl, zr in zip(z[k], z[k + 1])]))
        for k, t, values in reversed(new):  # insert from the back, so that the indices stay valid
            ts.insert(k + 1, t)
            z.insert(k + 1, values)
            for bits in piece_bits:
                bits.insert(k + 1, bits[k])
        if slope is None or index in chosen:
            piece_bits.append([tuple(zl + zr > 0 for zl, zr in zip(z[k], z[k + 1])) for k in range(len(ts) - 1)])
        if slope is not None:
            h = [[v if v > 0 else slope * v for v in point] for point in z]
    rows = [sum((bits[k] for bits in piece_bits), ()) for k in range(len(ts) - 1)]
    starts, patterns = [ts[0]], [rows[0]]
    for t, row in zip(ts[1:-1], rows[1:]):
        if row != patterns[-1]:
            starts.append(t)
            patterns.append(row)
    return starts, torch.tensor(patterns, dtype=torch.bool)
