"""Exact walks through the activation regions along a segment: the parameter-free sampler (DESIGN.md 3).

A walk from ``x1`` to ``x2`` lists every region that the segment ``y(t) = (1 - t) x1 + t x2``,
``t in [0, 1]``, passes through, once each and in order, with the ``t`` at which each one starts. Its path
in Hamming space is what the space-folding measure chi of :mod:`foldlab.measures` is computed on.

What counts as a region: the segment is cut at every zero crossing of a pre-activation (of any hidden
layer; of the output too with ``include_output=True``); on each open piece between cuts the selected bits
are constant, and consecutive pieces with equal bits are one region. Breakpoints themselves are not
regions, so a pre-activation that touches 0 without crossing creates nothing, and several neurons
crossing at one point flip together.

Two exact engines do the work (see :mod:`foldlab._walkers`): ``method="layered"`` refines the segment layer
by layer (the default, fast on CPU) and ``method="step"`` walks from crossing to crossing (DESIGN.md 3). They
are independent implementations; the tests compare them with each other and with dense sampling plus
bisection. :func:`sample_walk` is the equidistant baseline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from . import _walk_engines
from ._typing import ArrayLike, Net
from ._validation import DTYPE, as_device, as_inputs, check_bool, check_choice, check_float, check_int
from .adapter import check_reading, read_net
from .measures import chi, range_metrics, running_chi
from .patterns import activation_patterns

__all__ = ["Walk", "Walks", "walk", "walks", "sample_walk"]

METHODS = ("layered", "step")


@dataclass(frozen=True, eq=False)
class Walk:
    """The regions along one segment, in order.

    Attributes
    ----------
    patterns : Tensor, shape (k, m), bool
        One activation pattern per region (selected hidden layers in order, then the output bits).
    ts : ndarray, shape (k,), float64
        Where each region starts on [0, 1]; ``ts[0] == 0``. Region ``i`` covers ``(ts[i], ends[i])``.
    x1, x2 : ndarray, shape (d,), float64
        The segment's ends.
    blocks : tuple of (str, int)
        Names and widths of the column blocks of ``patterns``: ``("layer 0", 16)``, ..., ``("output", 1)``.
    exact : bool
        False for :func:`sample_walk`, whose regions are only those its samples hit.
    method : str
        How it was computed: ``"layered"``, ``"step"``, ``"layered+bisection"`` or ``"sampled(n=...)"``.
    """

    patterns: torch.Tensor
    ts: np.ndarray
    x1: np.ndarray = field(repr=False)
    x2: np.ndarray = field(repr=False)
    blocks: tuple[tuple[str, int], ...] = ()
    exact: bool = True
    method: str = "layered"

    def __len__(self) -> int:
        return int(self.patterns.shape[0])

    @property
    def ends(self) -> np.ndarray:
        """Where each region ends, shape (k,); the last is 1."""
        return np.append(self.ts[1:], 1.0)

    @property
    def lengths(self) -> np.ndarray:
        """Length of each region in units of ``t``, shape (k,)."""
        return self.ends - self.ts

    @property
    def widths(self) -> np.ndarray:
        """Renamed :attr:`lengths` in 0.2 (``widths`` means units per layer everywhere else in foldlab)."""
        import warnings

        warnings.warn("Walk.widths is now Walk.lengths (region lengths in t)", DeprecationWarning, stacklevel=2)
        return self.lengths

    @property
    def midpoints(self) -> np.ndarray:
        """The ``t`` in the middle of each region, shape (k,)."""
        return (self.ts + self.ends) / 2

    def points(self, t) -> np.ndarray:
        """Inputs ``(1 - t) x1 + t x2`` at parameters ``t``, shape (len(t), d)."""
        t = np.asarray(t, dtype=float).reshape(-1, 1)
        return (1 - t) * self.x1 + t * self.x2

    @property
    def r1(self) -> int:
        """``max_i d_H(pi_1, pi_i)``, see :func:`foldlab.range_metrics`."""
        return self._range[0]

    @property
    def r2(self) -> int:
        """``sum_i d_H(pi_i, pi_i+1)``, see :func:`foldlab.range_metrics`."""
        return self._range[1]

    @property
    def _range(self) -> tuple[int, int]:
        return range_metrics(self.patterns)

    @property
    def chi(self) -> float:
        """The space-folding measure ``1 - r1 / r2`` of the walk (0 when it stays in one region)."""
        return chi(self.patterns)

    @property
    def running_chi(self) -> np.ndarray:
        """chi of every prefix of the walk, shape (k,)."""
        return running_chi(self.patterns)

    @property
    def distance_from_start(self) -> np.ndarray:
        """``d_H(pi_1, pi_i)`` for every region, shape (k,), int."""
        return (self.patterns != self.patterns[:1]).sum(1).numpy()

    @property
    def cumulative_distance(self) -> np.ndarray:
        """Hamming distance travelled up to each region, shape (k,), int; the last entry is ``r2``."""
        steps = (self.patterns[1:] != self.patterns[:-1]).sum(1).numpy()
        return np.concatenate([[0], np.cumsum(steps)])

    @property
    def layer_chis(self) -> np.ndarray:
        """chi using the bits of the first ``l + 1`` blocks, for each ``l``: shape (len(blocks),).

        With ``layers=None`` entry ``l`` is chi with hidden layers ``0..l`` (the last entry, with the
        output block when it was included, equals :attr:`chi`). Consecutive repeats that appear when
        columns are dropped do not change chi (stability, DESIGN.md 4).
        """
        out, stop = [], 0
        for _, width in self.blocks:
            stop += width
            out.append(chi(self.patterns[:, :stop]))
        return np.array(out)

    def reverse(self) -> Walk:
        """The same regions walked from ``x2`` to ``x1``."""
        ts = np.ascontiguousarray((1.0 - self.ends)[::-1])
        ts[0] = 0.0
        return Walk(self.patterns.flip(0), ts, self.x2, self.x1, self.blocks, self.exact, self.method)

    def __repr__(self) -> str:
        names = ", ".join(f"{name}:{width}" for name, width in self.blocks)
        kind = "" if self.exact else ", exact=False"
        return (
            f"Walk(regions={len(self)}, chi={self.chi:.4g}, r1={self.r1}, r2={self.r2}, "
            f"bits=[{names}], method={self.method!r}{kind})"
        )


@dataclass(frozen=True, eq=False)
class Walks:
    """The walks of many segments (from :func:`walks`): a sequence of :class:`Walk`.

    Attributes
    ----------
    chis : ndarray, shape (s,)
        chi of every segment.
    r1, r2 : ndarray, shape (s,), int
    n_regions : ndarray, shape (s,), int
    patterns : Tensor, shape (sum(n_regions), m), bool, or None
        All patterns, segment after segment (None with ``keep_patterns=False``).
    ts : ndarray, shape (sum(n_regions),), or None
    offsets : ndarray, shape (s + 1,)
        Segment ``i`` owns rows ``offsets[i]:offsets[i + 1]``.
    """

    chis: np.ndarray
    r1: np.ndarray
    r2: np.ndarray
    offsets: np.ndarray
    patterns: torch.Tensor | None = field(repr=False)
    ts: np.ndarray | None = field(repr=False)
    X1: np.ndarray = field(repr=False)
    X2: np.ndarray = field(repr=False)
    blocks: tuple[tuple[str, int], ...] = ()
    method: str = "layered"

    @property
    def n_regions(self) -> np.ndarray:
        return np.diff(self.offsets)

    def __len__(self) -> int:
        return len(self.chis)

    def __getitem__(self, i: int) -> Walk:
        if self.patterns is None:
            raise ValueError("these walks kept only chi and region counts (keep_patterns=False)")
        i = range(len(self))[i]
        rows = slice(int(self.offsets[i]), int(self.offsets[i + 1]))
        return Walk(self.patterns[rows], self.ts[rows], self.X1[i], self.X2[i], self.blocks, True, self.method)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __repr__(self) -> str:
        mean = float(np.mean(self.chis)) if len(self) else float("nan")
        return (
            f"Walks(segments={len(self)}, regions={int(self.offsets[-1])}, mean_chi={mean:.4g}, "
            f"method={self.method!r})"
        )


# --- the public calls ----------------------------------------------------------------------------------

def _blocks(spec, chosen: list[int], include_output: bool) -> tuple[tuple[str, int], ...]:
    blocks = tuple((f"layer {i}", spec.layers[i].width) for i in chosen)
    return blocks + ((("output", spec.d_out),) if include_output else ())


def _check_options(method, rtol, ttol, max_regions, n_grid, batch_size) -> None:
    check_choice(method, "method", METHODS)
    check_float(rtol, "rtol", min=0, max=1e-3, include_max=False)
    check_float(ttol, "ttol", min=0, max=1e-3, include_min=False, include_max=False)
    check_int(max_regions, "max_regions", min=1)
    check_int(n_grid, "n_grid", min=2)
    check_int(batch_size, "batch_size", min=1)


def walks(
    net: Net,
    X1: ArrayLike,
    X2,
    layers: int | Sequence[int] | None = None,
    include_output: bool = False,
    *,
    method: str = "layered",
    device=None,
    batch_size: int = 64,
    keep_patterns: bool = True,
    max_regions: int = 1_000_000,
    n_grid: int = 1025,
    rtol: float = 1e-10,
    ttol: float = 1e-12,
) -> Walks:
    """Exact walks along many segments at once, batched (on a GPU with ``device="cuda"``).

    Parameters
    ----------
    net : torch.nn.Module
        A feed-forward net of Linear layers and elementwise activations (see :mod:`foldlab.adapter`).
    X1, X2 : Tensor or array, shape (s, d_in)
        Start and end of each segment.
    layers, include_output
        Which bits make up the patterns, as in :func:`foldlab.activation_patterns`. All hidden layers
        still cut the segment (unselected ones bend the later layers), but only changes of the selected
        bits start a new region. With ``include_output=True`` crossings of the output count.
    method : {"layered", "step"}
        The engine, see :func:`walk`.
    device : str or torch.device, optional
        Where to compute (default: where the net's parameters are). Results come back on the CPU.
    batch_size : int
        Segments per batch; memory grows with ``batch_size`` times the regions per segment times the width.
    keep_patterns : bool
        Keep every pattern (False keeps only chi, r1, r2 and the region counts, for global measures).
    max_regions, n_grid, rtol, ttol
        As in :func:`walk`.

    Returns
    -------
    Walks
        ``walks[i]`` is the :class:`Walk` of segment ``i``; ``.chis`` holds every chi.

    Examples
    --------
    >>> import foldlab as fl, torch
    >>> net = fl.mlp([2, 8, 8, 1], seed=0)
    >>> X1 = torch.tensor([[-1.0, -1.0], [-1.0, 1.0]])
    >>> ws = fl.walks(net, X1, -X1)
    >>> ws
    Walks(segments=2, regions=..., mean_chi=..., method='layered')
    >>> [len(w) for w in ws] == [len(fl.walk(net, a, b)) for a, b in zip(X1, -X1)]
    True

    References
    ----------
    Lewandowski et al., "The Space Between: On Folding, Symmetries and Sampling" (2025), section 5
    (the parameter-free sampler); DESIGN.md section 3.
    """
    return _walks(net, read_net(net), X1, X2, layers, include_output, method=method, device=device,
                  batch_size=batch_size, keep_patterns=keep_patterns, max_regions=max_regions, n_grid=n_grid,
                  rtol=rtol, ttol=ttol)


def _walks(net: Net, spec, X1, X2, layers, include_output, *, method, device, batch_size, keep_patterns,
           max_regions, n_grid, rtol, ttol) -> Walks:
    """:func:`walks` on a net already read into ``spec`` (``net`` itself, when a module, is checked at the
    midpoints of the first batch's pieces)."""
    _check_options(method, rtol, ttol, max_regions, n_grid, batch_size)
    include_output = check_bool(include_output, "include_output")
    keep_patterns = check_bool(keep_patterns, "keep_patterns")
    chosen = spec.layer_indices(layers)
    if include_output and spec.output is None:
        raise ValueError("include_output=True needs an output layer after the last activation; this net has none")
    device = spec.device if device is None else as_device(device)
    X1 = as_inputs(X1, spec.d_in, name="X1", device=device)
    X2 = as_inputs(X2, spec.d_in, name="X2", device=device)
    if X1.shape != X2.shape:
        raise ValueError(
            f"X1 and X2 must hold the same number of segment ends, got shapes {tuple(X1.shape)} and "
            f"{tuple(X2.shape)}"
        )
    on_device = spec.to(device)
    stages = list(on_device.layers) + ([on_device.output] if include_output else [])
    selected = [i in chosen for i in range(len(spec.layers))] + ([True] if include_output else [])
    linear = _walk_engines.affine_in_t(stages)
    if method == "step" and not all(s.piecewise_linear for s in stages):
        kinds = ", ".join(sorted(set(spec.kinds)))
        layernorm = " and a LayerNorm" if any(layer.affine is None for layer in spec.layers) else ""
        raise ValueError(
            f"method='step' needs a piecewise-linear net (ReLU/LeakyReLU layers with affine "
            f"pre-activations); this one has {kinds}{layernorm}: use method='layered', which handles any "
            f"supported activation"
        )
    exact = all(linear)
    label = method if exact else "layered+bisection"
    blocks = _blocks(spec, chosen, include_output)

    chis, r1s, r2s, counts, kept_patterns, kept_ts = [], [], [], [], [], []
    with torch.no_grad():
        for start in range(0, X1.shape[0], batch_size):
            a, b = X1[start : start + batch_size], X2[start : start + batch_size]
            if method == "layered":
                pieces = _walk_engines.layered_walk(
                    stages, selected, a, b, n_grid=n_grid, rtol=rtol, ttol=ttol, max_pieces=max_regions
                )
            else:
                pieces = _walk_engines.step_walk(
                    stages, selected, a, b, rtol=rtol, ttol=ttol, max_pieces=max_regions
                )
            if start == 0 and isinstance(net, nn.Module):  # the reading, where the walk went
                check_reading(net, spec, _midpoints(pieces, a, b), where="midpoints of the walk's regions")
            seg, t, bits, r1, r2, count = _regions(pieces, a.shape[0])
            chis.append(torch.where(r2 > 0, 1 - r1 / r2.clamp(min=1), torch.zeros_like(r1)).cpu())
            r1s.append(r1.cpu())
            r2s.append(r2.cpu())
            counts.append(count.cpu())
            if keep_patterns:
                kept_patterns.append(bits.cpu())
                kept_ts.append(t.cpu())
    counts = torch.cat(counts).numpy()
    return Walks(
        chis=torch.cat(chis).numpy().astype(float),
        r1=torch.cat(r1s).numpy().astype(int),
        r2=torch.cat(r2s).numpy().astype(int),
        offsets=np.concatenate([[0], np.cumsum(counts)]),
        patterns=torch.cat(kept_patterns) if keep_patterns else None,
        ts=torch.cat(kept_ts).numpy() if keep_patterns else None,
        X1=X1.cpu().numpy(),
        X2=X2.cpu().numpy(),
        blocks=blocks,
        method=label,
    )


#: Pieces whose midpoints :func:`walks` checks against the net's own forward pass (per call).
N_CHECKED_MIDPOINTS = 64


def _midpoints(pieces: _walk_engines.Pieces, X1: torch.Tensor, X2: torch.Tensor) -> torch.Tensor:
    """Inputs at the middle of up to ``N_CHECKED_MIDPOINTS`` pieces, spread over the batch."""
    seg, t = pieces.seg, pieces.t
    end = torch.ones_like(t)
    same = seg[1:] == seg[:-1]
    end[:-1] = torch.where(same, t[1:], end[:-1])
    pick = torch.linspace(0, len(t) - 1, min(len(t), N_CHECKED_MIDPOINTS), device=t.device).round().long().unique()
    mid = ((t + end) / 2)[pick]
    s = seg[pick]
    return X1[s] + mid[:, None] * (X2[s] - X1[s])


def _regions(pieces: _walk_engines.Pieces, n_seg: int):
    """Merge consecutive pieces with equal bits into regions; r1, r2 and region counts per segment."""
    seg, t, bits = pieces.seg, pieces.t, pieces.bits
    repeat = torch.zeros_like(seg, dtype=torch.bool)
    repeat[1:] = (seg[1:] == seg[:-1]) & (bits[1:] == bits[:-1]).all(dim=1)
    seg, t, bits = seg[~repeat], t[~repeat], bits[~repeat]
    count = torch.bincount(seg, minlength=n_seg)
    first = torch.cumsum(count, 0) - count
    from_start = (bits != bits[first[seg]]).sum(dim=1, dtype=torch.int32).to(DTYPE)
    step = torch.zeros_like(from_start)
    step[1:] = (bits[1:] != bits[:-1]).sum(dim=1, dtype=torch.int32).to(DTYPE)
    step[first] = 0
    r1 = torch.zeros(n_seg, dtype=DTYPE, device=seg.device).scatter_reduce(0, seg, from_start, "amax")
    r2 = torch.zeros(n_seg, dtype=DTYPE, device=seg.device).index_add(0, seg, step)
    return seg, t, bits, r1, r2, count


def walk(
    net: nn.Module,
    x1,
    x2,
    layers: int | Sequence[int] | None = None,
    include_output: bool = False,
    *,
    method: str = "layered",
    device=None,
    max_regions: int = 1_000_000,
    n_grid: int = 1025,
    rtol: float = 1e-10,
    ttol: float = 1e-12,
) -> Walk:
    """The exact walk from ``x1`` to ``x2``: every region on the segment, once each, in order.

    Parameters
    ----------
    net : torch.nn.Module
        A feed-forward net of Linear layers and elementwise activations (see :mod:`foldlab.adapter`);
        it is analysed in float64.
    x1, x2 : Tensor or array, shape (d_in,)
        The segment's ends; ``x1 == x2`` gives one region (the pattern of ``x1``) and chi = 0.
    layers : int or sequence of int, optional
        0-based hidden layers whose bits form the patterns (None: all), as in
        :func:`foldlab.activation_patterns`.
    include_output : bool
        Append the output bits ``[N(x)_k > 0]``; their crossings then start regions too.
    method : {"layered", "step"}
        ``"layered"`` refines the segment layer by layer: each layer is evaluated once at all breakpoints
        found so far and its crossings come from sign changes between them (about one forward pass per
        region, without the first layer's ``d_in``-wide product). ``"step"`` is DESIGN.md 3's walk from
        crossing to crossing (one forward pass of the point and the direction per region); ReLU and
        LeakyReLU nets only.
    device : str or torch.device, optional
        Where to compute (default: where the net is).
    max_regions : int
        Stop with a ValueError when the segment has more pieces than this (pieces between crossings of
        any hidden layer, so at least the number of regions).
    n_grid : int
        Evaluation grid for layers that are not affine along the segment (see Notes).
    rtol, ttol : float
        A pre-activation within ``rtol`` times its rounding scale ``||W_j|| ||h|| + |b_j|`` of 0 counts as
        0; crossings closer than ``ttol`` (in units of ``t``) to each other or to a breakpoint are one.
        Regions narrower than ``ttol`` are therefore merged into a neighbour.

    Returns
    -------
    Walk
        ``.patterns`` (k, m) bool, ``.ts`` (k,) the starts, ``len()``, ``.chi``, ``.layer_chis``.

    Notes
    -----
    Piecewise-linear nets (ReLU, LeakyReLU, affine maps, BatchNorm in eval mode): the walk is exact up to
    the tolerances above. The pattern recorded for a region is the one on the open interval, which for
    a pre-activation of exactly 0 on the whole piece (a dead unit, a zero row) is bit 0.

    Other activations (GELU, SiLU/Swish, Tanh, ELU, SELU, SwiGLU) or a LayerNorm: regions are the classes
    of equal binarised patterns (DESIGN.md 1). Layers whose pre-activations are affine along the segment
    (the first one, and every layer before the first non-piecewise-linear one) are handled exactly as
    above. Each later layer is evaluated at ``n_grid`` equispaced points plus all crossings found in
    earlier layers, and every sign change between consecutive evaluation points is located by bisection
    to within ``ttol``. Guaranteed: every crossing found is a true sign change of a pre-activation, and
    every crossing that is the only one of its neuron between two consecutive evaluation points is
    found. Not guaranteed: a neuron that crosses zero twice (or an even number of times) between two
    evaluation points may be missed, and of an odd number more than one, only one is found; the bits of
    such a layer on a region are those at the region's midpoint. Raising ``n_grid`` shrinks the gap.

    Examples
    --------
    >>> import foldlab as fl, torch
    >>> net = fl.CantorNet(depth=1)
    >>> w = fl.walk(net, torch.tensor([0.0, 0.25]), torch.tensor([1.0, 0.25]))
    >>> w
    Walk(regions=3, chi=0.5, r1=2, r2=4, bits=[layer 0:3, layer 1:2], method='layered')
    >>> w.ts
    array([0.        , 0.33333333, 0.66666667])
    >>> fl.walk(net, torch.tensor([0.0, 0.25]), torch.tensor([1.0, 0.25]), layers=[0]).chi
    0.0

    References
    ----------
    Lewandowski et al., "The Space Between: On Folding, Symmetries and Sampling" (2025), section 5
    and Fig. 3; "On Space Folds of ReLU Neural Networks" (TMLR 2025), section 4; DESIGN.md section 3.
    """
    spec = read_net(net)
    points = []
    for name, x in (("x1", x1), ("x2", x2)):
        p = as_inputs(x, spec.d_in, name=name)
        if p.shape[0] != 1:
            raise ValueError(
                f"expected {name} to be one point of shape ({spec.d_in},), got shape {tuple(p.shape)}; "
                f"use fl.walks for many segments"
            )
        points.append(p)
    result = _walks(net, spec, points[0], points[1], layers, include_output, method=method, device=device,
                    batch_size=1, keep_patterns=True, max_regions=max_regions, n_grid=n_grid, rtol=rtol,
                    ttol=ttol)
    return result[0]


def sample_walk(
    net: nn.Module,
    x1,
    x2,
    n: int,
    layers: int | Sequence[int] | None = None,
    include_output: bool = False,
    *,
    merge: bool = True,
) -> Walk:
    """The equidistant-sampling baseline: patterns at ``n`` evenly spaced points of the segment.

    Parameters
    ----------
    net, x1, x2, layers, include_output
        As in :func:`walk`.
    n : int
        Number of samples, ``t = 0, 1/(n-1), ..., 1`` (n >= 2).
    merge : bool
        True (default): consecutive samples with equal patterns are one region, starting at the first
        of them, so the result compares with :func:`walk` directly. False: one row per sample
        (``ts`` is the sample grid); chi is the same either way (stability, DESIGN.md 4).

    Returns
    -------
    Walk
        With ``exact=False``. Regions narrower than the spacing can be missed, and a region left and
        re-entered between two samples is never seen.

    Examples
    --------
    >>> import foldlab as fl, torch
    >>> net = fl.CantorNet(depth=2)
    >>> a, b = torch.tensor([0.0, 0.8]), torch.tensor([1.0, 0.8])
    >>> len(fl.sample_walk(net, a, b, n=10, include_output=True)), len(fl.walk(net, a, b, include_output=True))
    (6, 11)

    References
    ----------
    Lewandowski et al., "The Space Between: On Folding, Symmetries and Sampling" (2025), Fig. 3 (left).
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an int >= 2, got {n!r}")
    spec = read_net(net)
    a = as_inputs(x1, spec.d_in, name="x1").detach().cpu().numpy()
    b = as_inputs(x2, spec.d_in, name="x2").detach().cpu().numpy()
    if a.shape[0] != 1 or b.shape[0] != 1:
        raise ValueError(f"expected x1 and x2 to be single points of shape ({spec.d_in},)")
    t = np.linspace(0.0, 1.0, int(n))
    x = torch.as_tensor((1 - t)[:, None] * a + t[:, None] * b, dtype=DTYPE)
    patterns = activation_patterns(net, x, layers, include_output)
    if merge:
        keep = np.ones(len(t), dtype=bool)
        keep[1:] = (patterns[1:] != patterns[:-1]).any(dim=1).numpy()
        patterns, t = patterns[torch.from_numpy(keep)], t[keep]
    chosen = spec.layer_indices(layers)
    return Walk(patterns, t, a[0], b[0], _blocks(spec, chosen, include_output), False, f"sampled(n={int(n)})")
