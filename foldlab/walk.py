"""Exact walks through the activation regions along a segment: the parameter-free sampler.

A walk from ``x1`` to ``x2`` lists every region that the segment ``y(t) = (1 - t) x1 + t x2``,
``t in [0, 1]``, passes through, once each and in order, with the ``t`` at which each one starts. Its path
in Hamming space is what the space-folding measure chi of :mod:`foldlab.measures` is computed on
(Lewandowski et al., "The Space Between: On Folding, Symmetries and Sampling", the sampler of Fig. 2 and
Fig. 3; foldlab's maths page, docs/maths.md, section 'Walks along a segment').

What counts as a region: the segment is cut at every zero crossing of a pre-activation (of any hidden
layer; of the output too with ``include_output=True``); on each open piece between cuts the selected bits
are constant, and consecutive pieces with equal bits are one region. Breakpoints themselves are not
regions, so a pre-activation that touches 0 without crossing creates nothing, and several neurons
crossing at one point flip together. A pre-activation that is exactly 0 on a piece gives bit 0. In a net
with residual blocks (``fl.Residual``) the units that carry a skip are no units of the net: they cut nothing
(the engines walk them, shifted off zero on the segment, and the pieces whose own bits are equal are one;
docs/maths.md, section 'Residual blocks').

The engines: ``method="layered"`` refines the segment layer by layer (on the CPU the numpy engine of
:mod:`foldlab._walk_fast`, elsewhere and for nets that are not piecewise linear the torch engine of
:mod:`foldlab._walk_engines`), ``method="step"`` walks from crossing to crossing (and walks every net with a
max pool, whose argmax changes are breakpoints too). Both work in float64
with bounds on their rounding errors; where float64 cannot decide (a coincidence, a tie at 0, or events
closer than its rounding) the segment is settled in exact rational arithmetic (:mod:`foldlab._walk_exact`),
or refused with :class:`foldlab.NumericalRange` when that would cost more than :data:`EXACT_BUDGET`. The
tests compare the engines with each other, with dense sampling plus bisection and with exact rational
brute force. :func:`sample_walk` is the equidistant baseline.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass, field, replace

import numpy as np
import torch
from torch import nn

from . import _walk_engines, _walk_exact, _walk_fast, limits
from ._typing import ArrayLike, Device, Layers, Net
from ._validation import (
    DTYPE,
    as_device,
    as_inputs,
    as_points,
    check_bool,
    check_choice,
    check_float,
    check_int,
    describe,
)
from .adapter import READING_RTOL, Affine, check_reading, read_net
from .errors import NotPiecewiseLinear, NumericalRange, OverBudget, TooManyRegions
from .measures import chi, range_metrics, running_chi
from .patterns import activation_patterns

__all__ = ["Walk", "Walks", "walk", "walks", "sample_walk", "EXACT_BUDGET", "N_CHECKED_MIDPOINTS"]

METHODS = ("layered", "step")

#: Multiply-adds (on Python integers, about 0.4 us each) that settling one ambiguous segment in exact
#: arithmetic may take; past it the walk raises :class:`foldlab.NumericalRange`. A piece costs two products
#: per layer plus about 200 for the layer's bookkeeping: some 4,000 for CantorNet of depth 8 (511 pieces
#: in all), 160,000 for a 784-[200]x3 net. 2e7 settles every CantorNet walk the course draws (foldlab_dnf
#: at depth 6, whose units are exactly 0 on whole pieces, needs more than 1e7; it takes about 0.3 s).
EXACT_BUDGET: float = 2e7


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

    def points(self, t: ArrayLike) -> np.ndarray:
        """Inputs ``(1 - t) x1 + t x2`` at parameters ``t`` (a number or shape (n,)), shape (n, d)."""
        t = _parameters(t, "t")[:, None]
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
        columns are dropped do not change chi (stability: Lewandowski et al., "The Space Between",
        Proposition 4.1).
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
    settled_exactly : ndarray, shape (s,), bool
        Segments that float64 could not decide alone (a coincidence of crossings, a unit that is 0 on a
        piece, an end on a boundary) and that were settled in exact rational arithmetic.
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
    settled_exactly: np.ndarray | None = field(default=None, repr=False)

    @property
    def n_regions(self) -> np.ndarray:
        """Regions of every segment, shape (s,), int."""
        return np.diff(self.offsets)

    def __len__(self) -> int:
        return len(self.chis)

    def __getitem__(self, i: int) -> Walk:
        if isinstance(i, (bool, np.bool_)) or not isinstance(i, (int, np.integer)):
            raise TypeError(f"walks are indexed by an int (the segment), got {describe(i)}")
        if self.patterns is None:
            raise ValueError("these walks kept only chi and region counts (keep_patterns=False)")
        if not -len(self) <= i < len(self):
            raise IndexError(f"segment index {i} is out of range for the walks of {len(self)} segments")
        i = range(len(self))[int(i)]
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

def _parameters(t, name: str) -> np.ndarray:
    """Segment parameters as a float64 array of shape (n,): a number or a 1-D sequence, finite."""
    if np.ndim(t) == 0:
        t = [t]
    values = as_points(t, name, allow_empty=True)  # a 1-D sequence is one "point" of shape (1, n)
    if values.shape[0] != 1:
        raise ValueError(f"expected {name} as a number or of shape (n,), got shape {np.shape(t)}")
    return values[0]


def _blocks(spec, chosen: list[int], include_output: bool) -> tuple[tuple[str, int], ...]:
    blocks = tuple((f"layer {i}", spec.layers[i].n_bits) for i in chosen)
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
    X2: ArrayLike,
    layers: Layers = None,
    include_output: bool = False,
    *,
    method: str = "layered",
    device: Device = None,
    batch_size: int = 64,
    keep_patterns: bool = True,
    max_regions: int = 1_000_000,
    n_grid: int = 1025,
    rtol: float = 0.0,
    ttol: float = 1e-12,
) -> Walks:
    """Exact walks along many segments at once, batched (on a GPU with ``device="cuda"``).

    Parameters
    ----------
    net : torch.nn.Module or NetSpec
        A feed-forward net of Linear layers and elementwise activations (see :mod:`foldlab.adapter`), or
        its snapshot from :func:`foldlab.read_net` (read once, analysed many times).
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
        Segments per batch. Each batch's arrays grow with ``batch_size`` times the regions per segment
        times the width; a batch whose next arrays would pass :data:`foldlab.limits.MEMORY_BUDGET` is
        split in halves (a single segment that does not fit raises :class:`foldlab.OverBudget`).
    keep_patterns : bool
        Keep every pattern (False keeps only chi, r1, r2 and the region counts, for global measures).
    max_regions, n_grid, rtol, ttol
        As in :func:`walk`.

    Returns
    -------
    Walks
        ``walks[i]`` is the :class:`Walk` of segment ``i``; ``.chis`` holds every chi.

    Raises
    ------
    foldlab.TooManyRegions
        When a segment has more pieces than ``max_regions`` (checked on a running count).
    foldlab.OverBudget
        When one segment's arrays, or the kept patterns, would pass the memory budget.
    foldlab.NumericalRange
        Where float64 cannot decide the walk and exact arithmetic would pass :data:`EXACT_BUDGET`, or
        values overflow (see :func:`walk`).
    foldlab.ReadingMismatch
        When ``net`` is a module whose own forward pass disagrees with foldlab's reading of it at the
        midpoints of up to :data:`N_CHECKED_MIDPOINTS` regions.

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
    Lewandowski et al., "The Space Between: On Folding, Symmetries and Sampling" (2025), the
    parameter-free sampler (Fig. 2 and Fig. 3); foldlab's maths page (docs/maths.md), sections 'Walks
    along a segment' and 'Floating point and exactness'.
    """
    return _walks(net, read_net(net), X1, X2, layers, include_output, method=method, device=device,
                  batch_size=batch_size, keep_patterns=keep_patterns, max_regions=max_regions, n_grid=n_grid,
                  rtol=rtol, ttol=ttol)


@dataclass(frozen=True, eq=False)
class _Plan:
    """What a walk call will do, once its options are checked."""

    stages: list
    selected: list
    widths: tuple
    blocks: tuple
    engine: str  # "fast", "layered" or "step"
    label: str  # the result's method
    settle: bool  # exact arithmetic decides what float64 cannot
    residual: _Carried | None = None  # a net with residual blocks: the carried units to drop


@dataclass(frozen=True, eq=False)
class _Carried:
    """How a walk of a net with residual blocks (fl.Residual) becomes the net's own: the engines walk every
    layer with the units that carry the skips (``relu(x)``, ``relu(-x)``), whose crossings at ``x_i = 0`` are
    no boundaries (``x`` is affine across them); these columns of their bits are the net's own units, those
    of all layers (pieces) and those of the selected ones (the result), with the result's block widths."""

    own: np.ndarray  # (m_all,) int64: columns of the engines' bits that are units of the net
    carried: np.ndarray  # int64: the other columns, the units that carry the skips
    chosen: np.ndarray  # (m,) int64: of those, the columns of the selected layers (and the output)
    widths: tuple[int, ...]  # the result's block widths
    factor: int  # engine pieces per piece of the net, at most: 1 + the skips' sizes
    shift: bool  # a piecewise-linear net: the engines walk it with the skips shifted (see _shifted)


#: The plans of recent calls, per net snapshot: a single walk of a wide net takes about 2 ms, and checking
#: its options and choosing its engine took a tenth of that (measured).
_PLANS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _plan(spec, layers, include_output, *, method, device, rtol, ttol, max_regions, n_grid, batch_size) -> _Plan:
    """Check a walk's options and choose its engine (options checked once per snapshot and exact set of
    values: the key holds every value with its type, so ``1`` and ``True``, ``0`` and ``0.0`` differ)."""
    chosen = tuple(layers) if isinstance(layers, (list, tuple)) else (layers,)
    options = (include_output, method, device, rtol, ttol, max_regions, n_grid, batch_size) + chosen
    if not all(type(value) in _KEYABLE for value in options):  # an array, a tensor: checked every time
        return _make_plan(spec, layers, include_output, method=method, device=device, rtol=rtol, ttol=ttol,
                          max_regions=max_regions, n_grid=n_grid, batch_size=batch_size)
    key = (type(layers), *((type(value), value) for value in options))
    plans = _PLANS.get(spec)
    if plans is not None and key in plans:
        return plans[key]
    plan = _make_plan(spec, layers, include_output, method=method, device=device, rtol=rtol, ttol=ttol,
                      max_regions=max_regions, n_grid=n_grid, batch_size=batch_size)
    plans = _PLANS.setdefault(spec, {})
    if len(plans) >= 64:  # many different options on one net: start again
        plans.clear()
    plans[key] = plan
    return plan


#: Types of option values a plan is kept for (immutable, compared by value).
_KEYABLE = (type(None), bool, int, float, str, torch.device)


def _make_plan(spec, layers, include_output, *, method, device, rtol, ttol, max_regions, n_grid,
               batch_size) -> _Plan:
    _check_options(method, rtol, ttol, max_regions, n_grid, batch_size)
    include_output = check_bool(include_output, "include_output")
    chosen = spec.layer_indices(layers)
    if include_output and spec.output is None:
        raise ValueError("include_output=True needs an output layer after the last activation; this net has none")
    empty = [i for i, layer in enumerate(spec.layers) if layer.width == 0]
    if empty or (spec.output is not None and spec.output.width == 0):
        where = f"hidden layer {empty[0]} ({spec.layers[empty[0]].name!r})" if empty else "the output layer"
        raise ValueError(f"{where} of this net has no units, so it cuts nothing and has no bits to walk")
    on_device = spec if device == spec.device else spec.to(device)
    stages = list(on_device.layers) + ([on_device.output] if include_output else [])
    selected = [i in chosen for i in range(len(spec.layers))] + ([True] if include_output else [])
    pools = [stage for stage in stages if stage.is_pool]
    piecewise_linear = all(s.piecewise_linear or (s.is_pool and s.affine is not None) for s in stages)
    if pools and not piecewise_linear:
        other = next(i for i, s in enumerate(stages) if not (s.piecewise_linear or s.is_pool))
        raise NotPiecewiseLinear(
            f"walks of a net with max pooling (layer {pools[0].name!r}) need piecewise-linear layers around it "
            f"(ReLU or LeakyReLU after affine maps, no LayerNorm); hidden layer {other} ({stages[other].name!r}) "
            f"is {stages[other].kind}{' after a LayerNorm' if stages[other].affine is None else ''}"
        )
    if method == "step" and not piecewise_linear:
        kinds = ", ".join(sorted(set(spec.kinds)))
        layernorm = " and a LayerNorm" if any(layer.affine is None for layer in spec.layers) else ""
        raise ValueError(
            f"method='step' needs a piecewise-linear net (ReLU/LeakyReLU layers with affine "
            f"pre-activations); this one has {kinds}{layernorm}: use method='layered', which handles any "
            f"supported activation"
        )
    exact = piecewise_linear or all(_walk_engines.affine_in_t(stages))
    residual = None
    if spec.residual:  # the engines walk every layer, carried units included; the result drops them
        residual = _carried(stages, selected)
        selected = [True] * len(stages)
    return _Plan(
        residual=residual,
        stages=stages,
        selected=selected,
        widths=tuple(stage.width for stage, keep in zip(stages, selected) if keep),
        blocks=_blocks(spec, chosen, include_output),
        # max pools: the step walk, on any device (the layered engines cut at signs, not at overtakings)
        engine="step" if pools else "fast" if method == "layered" and device.type == "cpu" and piecewise_linear
        else method,
        label="step" if pools else method if exact else "layered+bisection",
        settle=piecewise_linear and rtol == 0.0,
    )


def _carried(stages, selected) -> _Carried:
    """The columns to keep of a walk of a net with residual blocks (see :class:`_Carried`)."""
    own, chosen, widths, at = [], [], [], 0
    for stage, keep in zip(stages, selected):
        n_bits = stage.width - getattr(stage, "n_carried", 0)
        columns = np.arange(at, at + n_bits)
        if keep:
            chosen.append(columns)
            widths.append(n_bits)
        own.append(columns)
        at += stage.width
    own_columns = np.concatenate(own)
    position = {int(c): i for i, c in enumerate(own_columns)}
    chosen_columns = np.array([position[int(c)] for c in np.concatenate(chosen)], dtype=np.int64)
    carried = sum(getattr(stage, "n_carried", 0) for stage in stages) // 2
    shift = all(stage.piecewise_linear or (stage.is_pool and stage.affine is not None) for stage in stages)
    carried_columns = np.setdiff1d(np.arange(at), own_columns).astype(np.int64)
    return _Carried(own_columns.astype(np.int64), carried_columns, chosen_columns, tuple(widths), 1 + carried, shift)


def _engine_limit(plan: _Plan, max_regions: int) -> int:
    """The engines' limit on pieces: for a net with residual blocks, each of its pieces may be cut once more
    by every carried unit's ``x_i = 0``, which is no boundary (the limit on its own pieces is checked after
    they are dropped, in :func:`_drop_carried`)."""
    if plan.residual is None:
        return max_regions
    return min(max_regions * plan.residual.factor, 2**62)


def _drop_carried(pieces: _walk_fast.PackedPieces, plan: _Plan, n_seg: int, offset: int, max_regions: int):
    """The pieces of a net with residual blocks without the carried units: the engines' pieces whose own bits
    (of every layer) are equal are one piece (across ``x_i = 0`` the net is the same affine map), then the
    selected layers' bits. Raises TooManyRegions past ``max_regions`` pieces of the net (all layers)."""
    carried = plan.residual
    bits = _unpack(pieces.bits, pieces.widths)[:, carried.own]
    seg = pieces.seg
    new = np.ones(seg.shape[0], dtype=bool)
    new[1:] = (seg[1:] != seg[:-1]) | (bits[1:] != bits[:-1]).any(axis=1)
    counts = np.bincount(seg[new], minlength=n_seg)
    if counts.size and counts.max() > max_regions:
        raise TooManyRegions(
            f"segment {offset + int(counts.argmax())} has more than max_regions={max_regions} pieces (regions of "
            f"all hidden layers together); pass a larger max_regions= or a shorter segment"
        )
    kept = bits[new][:, carried.chosen]
    return _walk_fast.PackedPieces(seg[new], pieces.t[new], _pack(kept, carried.widths), carried.widths,
                                   pieces.ambiguous)


def _batch(plan: _Plan, net, spec, X1, X2, start, *, max_regions, n_grid, rtol, ttol, check):
    """One batch's pieces, settled: the engine (raising BatchTooLarge for the caller to split), exact
    arithmetic past float64's range, the reading checked at midpoints (``check``), ambiguous segments
    settled. Returns the pieces and which segments exact arithmetic decided."""
    pieces, settled = _engine_batch(plan, net, spec, X1, X2, start, max_regions=_engine_limit(plan, max_regions),
                                    n_grid=n_grid, rtol=rtol, ttol=ttol, check=check)
    if plan.residual is not None:
        pieces = _drop_carried(pieces, plan, X1.shape[0], start, max_regions)
    return pieces, settled


def _engine_batch(plan: _Plan, net, spec, X1, X2, start, *, max_regions, n_grid, rtol, ttol, check):
    """:func:`_batch`'s pieces as the engines see them (carried units included)."""
    if plan.residual is not None and plan.residual.shift:
        shifted = _shifted(plan.stages, X1, X2)
        if shifted is not plan.stages:
            pieces, settled = _engine_run(plan, shifted, net, spec, X1, X2, start, max_regions=max_regions,
                                          n_grid=n_grid, rtol=rtol, ttol=ttol, check=check)
            # the shift is sound only if both units of every skip stayed on everywhere (the engines decide
            # that as they decide every bit): otherwise the skips are walked as the snapshot carries them
            if _unpack(pieces.bits, pieces.widths)[:, plan.residual.carried].all():
                return pieces, settled
    return _engine_run(plan, plan.stages, net, spec, X1, X2, start, max_regions=max_regions, n_grid=n_grid,
                       rtol=rtol, ttol=ttol, check=check)


def _engine_run(plan: _Plan, stages, net, spec, X1, X2, start, *, max_regions, n_grid, rtol, ttol, check):
    """:func:`_engine_batch` on the given stages."""
    try:
        pieces = _run(plan.engine, stages, plan.selected, plan.widths, X1, X2, start,
                      max_regions=max_regions, n_grid=n_grid, rtol=rtol, ttol=ttol)
        settled = np.zeros(X1.shape[0], dtype=bool)
    except NumericalRange as error:  # values past float64's range: exact arithmetic has none
        if not plan.settle:
            raise
        pieces = _exactly(stages, plan.selected, plan.widths, X1, X2, start, error, max_regions=max_regions)
        settled = np.ones(X1.shape[0], dtype=bool)
    if check and isinstance(net, nn.Module):  # the reading, where the walk went
        mids = _checkable(net, spec, torch.from_numpy(_midpoints(pieces, X1.cpu().numpy(), X2.cpu().numpy())))
        if mids.shape[0]:
            check_reading(net, spec, mids, where="midpoints of the walk's regions")
    if plan.settle and pieces.ambiguous.any():
        pieces, settled = _settle(pieces, stages, plan.selected, X1, X2, start, max_regions=max_regions)
    return pieces, settled


def _shifted(stages, X1, X2):
    """The stages of a piecewise-linear net with residual blocks, as walked on the segments ``X1 -> X2``:
    each skip ``x`` carried as ``x + R`` and ``-x + R`` instead of ``sigma(x)`` and ``sigma(-x)``, where
    ``R > |x|`` everywhere on the segments (twice an interval bound of ``|x|`` over the box of their ends,
    plus the largest), and the next map reads ``x = (c_+ - c_-) / 2``. Both units are then positive, far from
    0, on the whole segment: they never cross, so the engines see no breakpoint at ``x_i = 0`` (which is no
    boundary) and no two units crossing together there (which they could only settle in exact arithmetic).
    On the segments this is the same function (R cancels exactly; for ReLU blocks the weights are the
    snapshot's halved, exactly). Where the bound overflows the stages are left as they are. The
    bound is rounded like any float64 sum, so :func:`_engine_batch` keeps a shifted walk only if every carried
    unit stayed on in it, and walks the snapshot's stages otherwise."""
    device = stages[0].affine.weight.device
    a, b = X1.to(device=device, dtype=DTYPE), X2.to(device=device, dtype=DTYPE)
    lo, hi = torch.minimum(a, b).amin(dim=0), torch.maximum(a, b).amax(dim=0)
    out, before = [], None
    for stage in stages:
        affine = stage.affine
        weight, bias = affine.weight, affine.bias
        zc = weight @ ((lo + hi) / 2) + bias  # the box of the pre-activations, from the box of the input
        zr = weight.abs() @ ((hi - lo) / 2)
        if before is not None and before.n_carried:  # read x as (c_+ - c_-) / 2, not (sigma(x) - sigma(-x)) / (1 + a)
            weight = weight.clone()
            weight[:, before.n_bits :] *= (1.0 + before.activation.negative_slope) / 2.0
        if stage.n_carried:
            d = stage.n_carried // 2
            size = (zc.abs() + zr)[stage.n_bits : stage.n_bits + d]  # >= |x| on the box
            shift = 2.0 * size + size.max()
            if not bool(torch.isfinite(shift).all()):
                return stages
            bias = bias.clone()
            bias[stage.n_bits :] += torch.cat([shift, shift])
        out.append(stage if weight is affine.weight and bias is affine.bias
                   else replace(stage, maps=(Affine(weight, bias),)))
        zlo, zhi = zc - zr, zc + zr
        lo, hi = (zlo, zhi) if stage.is_output else (stage.activate(zlo[None])[0], stage.activate(zhi[None])[0])
        before = stage
    return out


def _over_budget(error: _walk_fast.BatchTooLarge, segment: int) -> OverBudget:
    return OverBudget(
        f"segment {segment}: {error.what} would need about {limits.format_bytes(error.nbytes)}, over "
        f"foldlab.limits.MEMORY_BUDGET = {limits.format_bytes(limits.MEMORY_BUDGET)}; {error.driver}, "
        f"or raise the budget (with foldlab.limits.memory_budget(nbytes): ...)"
    )


def _walks(net: Net, spec, X1, X2, layers, include_output, *, method, device, batch_size, keep_patterns,
           max_regions, n_grid, rtol, ttol) -> Walks:
    """:func:`walks` on a net already read into ``spec`` (``net`` itself, when a module, is checked at the
    midpoints of the first batch's pieces)."""
    device = spec.device if device is None else as_device(device)
    plan = _plan(spec, layers, include_output, method=method, device=device, rtol=rtol, ttol=ttol,
                 max_regions=max_regions, n_grid=n_grid, batch_size=batch_size)
    keep_patterns = check_bool(keep_patterns, "keep_patterns")
    X1 = as_inputs(X1, spec.d_in, name="X1", device=device)
    X2 = as_inputs(X2, spec.d_in, name="X2", device=device)
    if X1.shape != X2.shape:
        raise ValueError(
            f"X1 and X2 must hold the same number of segment ends, got shapes {tuple(X1.shape)} and "
            f"{tuple(X2.shape)}"
        )
    parts: dict[str, list] = {"chis": [], "r1": [], "r2": [], "counts": [], "patterns": [], "ts": [], "exact": []}
    kept_bytes = 0.0
    n, start, size = X1.shape[0], 0, batch_size
    with torch.no_grad():
        while start < n:
            stop = min(n, start + size)
            try:  # the batch's arrays and the patterns kept so far share the budget
                with limits.memory_budget(max(1, int(limits.MEMORY_BUDGET - kept_bytes))):
                    pieces, settled = _batch(plan, net, spec, X1[start:stop], X2[start:stop], start,
                                             max_regions=max_regions, n_grid=n_grid, rtol=rtol, ttol=ttol,
                                             check=start == 0)
            except _walk_fast.BatchTooLarge as error:
                if stop - start == 1:
                    raise _over_budget(error, start) from None
                size = max(1, (stop - start) // 2)
                continue
            seg, t, bits, r1, r2, count = _regions(pieces, stop - start)
            parts["chis"].append(np.where(r2 > 0, 1 - r1 / np.maximum(r2, 1), 0.0))
            parts["r1"].append(r1)
            parts["r2"].append(r2)
            parts["counts"].append(count)
            parts["exact"].append(settled)
            if keep_patterns:
                kept_bytes += bits.shape[0] * (sum(pieces.widths) + 8.0)
                driver = "pass keep_patterns=False (chi, r1, r2 and counts only) or fewer segments"
                limits.check_memory(kept_bytes, "the patterns of every region kept so far", driver=driver)
                projected = kept_bytes * n / stop
                if projected > 2 * limits.MEMORY_BUDGET:  # say so now, not after walking most of them
                    limits.check_memory(
                        projected, f"the patterns of all {n} segments (projected from the first {stop}, which "
                        f"need {limits.format_bytes(kept_bytes)})", driver=driver,
                    )
                parts["patterns"].append(_unpack(bits, pieces.widths))
                parts["ts"].append(t)
            start = stop
    counts = np.concatenate(parts["counts"])
    return Walks(
        chis=np.concatenate(parts["chis"]).astype(float),
        r1=np.concatenate(parts["r1"]).astype(int),
        r2=np.concatenate(parts["r2"]).astype(int),
        offsets=np.concatenate([[0], np.cumsum(counts)]),
        patterns=torch.from_numpy(_joined(parts["patterns"])) if keep_patterns else None,
        ts=_joined(parts["ts"]) if keep_patterns else None,
        X1=X1.cpu().numpy(),
        X2=X2.cpu().numpy(),
        blocks=plan.blocks,
        method=plan.label,
        settled_exactly=np.concatenate(parts["exact"]),
    )


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _run(engine, stages, selected, widths, X1, X2, offset, *, max_regions, n_grid, rtol, ttol):
    """One batch through one engine, as packed pieces on the CPU."""
    if engine == "fast" and X1.shape[0] == 1:  # one segment: the same walk without a batch's bookkeeping
        return _walk_fast.walk_one(stages, selected, X1.numpy()[0], X2.numpy()[0], max_pieces=max_regions,
                                   offset=offset, rtol=rtol)
    if engine == "fast":
        return _walk_fast.fast_layered_walk(stages, selected, X1.numpy(), X2.numpy(), max_pieces=max_regions,
                                            offset=offset, rtol=rtol)
    if engine == "layered":
        pieces = _walk_engines.layered_walk(stages, selected, X1, X2, n_grid=n_grid, rtol=rtol, ttol=ttol,
                                            max_pieces=max_regions, offset=offset)
    else:
        pieces = _walk_engines.step_walk(stages, selected, X1, X2, rtol=rtol, max_pieces=max_regions, offset=offset)
    return _walk_fast.PackedPieces(
        pieces.seg.cpu().numpy(), pieces.t.cpu().numpy(), _pack(pieces.bits.cpu().numpy(), widths), widths,
        pieces.ambiguous.cpu().numpy(),
    )


def _pack(bits: np.ndarray, widths: tuple[int, ...]) -> np.ndarray:
    """Bool bits (K, sum(widths)) packed block by block, each block padded to whole bytes."""
    out, at = [], 0
    for width in widths:
        out.append(np.packbits(bits[:, at : at + width], axis=1))
        at += width
    return np.concatenate(out, axis=1) if len(out) > 1 else out[0]


def _unpack(packed: np.ndarray, widths: tuple[int, ...]) -> np.ndarray:
    """The bool bits of packed blocks (a bool view of numpy's 0/1 bytes: no copy where no block is padded)."""
    bits = np.unpackbits(packed, axis=1).view(bool)
    if all(width % 8 == 0 for width in widths):
        return bits
    starts = np.cumsum([0, *((width + 7) // 8 for width in widths)])
    columns = np.concatenate([at * 8 + np.arange(width) for at, width in zip(starts, widths)])
    return bits[:, columns]


#: Pieces whose midpoints :func:`walks` checks against the net's own forward pass (per call).
N_CHECKED_MIDPOINTS = 64


def _midpoints(pieces: _walk_fast.PackedPieces, X1: np.ndarray, X2: np.ndarray) -> np.ndarray:
    """Inputs at the middle of up to ``N_CHECKED_MIDPOINTS`` pieces, spread over the batch."""
    seg, t = pieces.seg, pieces.t
    end = np.ones_like(t)
    same = seg[1:] == seg[:-1]
    end[:-1] = np.where(same, t[1:], 1.0)
    pick = np.unique(np.linspace(0, len(t) - 1, min(len(t), N_CHECKED_MIDPOINTS)).round().astype(np.int64))
    mid = ((t + end) / 2)[pick]
    s = seg[pick]
    return X1[s] + mid[:, None] * (X2[s] - X1[s])


def _checkable(net: nn.Module, spec, x: torch.Tensor) -> torch.Tensor:
    """The points at which the module's own forward pass can be compared with the reading.

    The module runs in its own dtype (float32, usually), and the comparison allows each layer a rounding
    error relative to that layer's own values. Where a layer's values are much smaller than what made
    them (``W x + b`` of order 1 from ``|x| = 1e8``, or a later layer cancelling its inputs), the module's
    rounding carried from the earlier layers outgrows that allowance, and its forward there says nothing
    about the reading; beyond its range it overflows, below it underflows. Such points are left out. The
    carried rounding is estimated as rounding errors behave (random signs: a product of ``n`` terms adds
    about ``eps sqrt(n)`` of its size and passes an error through ``W`` at about ``||W||_F / sqrt(n)``),
    with a margin of 16; midpoints of walks at ordinary scales all pass.
    """
    param = next(iter(net.parameters()), None)
    dtype = param.dtype if param is not None and param.is_floating_point() else torch.float32
    info = torch.finfo(dtype)
    tolerance = READING_RTOL.get(dtype, 3e-2)
    zs, out = spec.forward(x)
    size = x.abs().amax(dim=1)
    keep = (size < info.max * 2.0**-20) & ((size == 0) | (size > info.tiny * 2.0**20))
    h, carried = x, info.eps * size * math.sqrt(x.shape[1])  # the inputs rounded to the module's dtype
    for layer, z in zip(spec.layers + ((spec.output,) if spec.output is not None else ()), zs + [out]):
        affine = layer.affine
        if affine is None:  # a LayerNorm: no simple estimate; the earlier layers decide
            break
        n = affine.weight.shape[1]
        h_norm = h.abs().amax(dim=1) * math.sqrt(n)  # >= ||h||, without overflow
        keep &= 16 * carried / math.sqrt(n) <= tolerance * h_norm + (h_norm == 0)
        spread = float(affine.weight.norm()) / math.sqrt(n)
        carried = spread * carried + info.eps * float(affine.weight.norm()) * h_norm / math.sqrt(n)
        if not layer.is_output:
            h = layer.activate(z)
    return x[keep]


def _exact_segment(cpu, selected, widths, x1, x2, index, *, max_regions):
    """One segment's pieces in exact arithmetic (raises ExactOverBudget past :data:`EXACT_BUDGET`)."""
    t, bits = _walk_exact.exact_walk(cpu, selected, x1, x2, max_pieces=max_regions, budget=EXACT_BUDGET,
                                     what=f"segment {index}")
    starts = t[np.concatenate([[True], (bits[1:] != bits[:-1]).any(axis=1)])]  # of the regions
    if starts.shape[0] > 1 and not np.all(np.diff(starts) > 0):
        at = float(starts[1:][np.diff(starts) <= 0][0])
        raise NumericalRange(
            f"segment {index} has regions narrower than float64 can place near t = {at!r}: exact "
            f"arithmetic finds them, but their starts round to the same float64. "
            f"{_scale_note(cpu[0], x1, x2)}Rescale the inputs (the regions of x -> N(s x) are those "
            f"of N scaled by 1 / s) or walk a shorter segment around that point"
        )
    return t, _pack(bits, widths)


def _on_cpu(stages):
    return [stage.to("cpu") if stage.affine.weight.device.type != "cpu" else stage for stage in stages]


def _settle(pieces, stages, selected, X1, X2, offset, *, max_regions):
    """Replace the pieces of every ambiguous segment by those of the exact walk."""
    which = np.flatnonzero(pieces.ambiguous)
    a, b = X1.cpu().numpy(), X2.cpu().numpy()
    cpu = _on_cpu(stages)
    counts = np.bincount(pieces.seg, minlength=len(pieces.ambiguous))
    keep = ~pieces.ambiguous[pieces.seg]
    segs, ts, bits = [pieces.seg[keep]], [pieces.t[keep]], [pieces.bits[keep]]
    for i in which.tolist():
        try:
            t, packed = _exact_segment(cpu, selected, pieces.widths, a[i], b[i], offset + i, max_regions=max_regions)
        except _walk_exact.ExactOverBudget as error:
            raise NumericalRange(_undecided(stages, a[i], b[i], offset + i, error.spent, counts[i])) from None
        segs.append(np.full(t.shape[0], i, dtype=np.int64))
        ts.append(t)
        bits.append(packed)
    seg = np.concatenate(segs)
    order = np.argsort(seg, kind="stable")  # each segment's pieces are in order already
    settled = np.zeros(len(pieces.ambiguous), dtype=bool)
    settled[which] = True
    return _walk_fast.PackedPieces(
        seg[order], np.concatenate(ts)[order], np.concatenate(bits)[order], pieces.widths,
        np.zeros_like(pieces.ambiguous),
    ), settled


def _exactly(stages, selected, widths, X1, X2, offset, error, *, max_regions):
    """Every segment of a batch in exact arithmetic (after the float64 engine ran out of range), each
    within :data:`EXACT_BUDGET`, else ``error`` stands."""
    a, b = X1.cpu().numpy(), X2.cpu().numpy()
    cpu = _on_cpu(stages)
    segs, ts, bits = [], [], []
    for i in range(a.shape[0]):
        try:
            t, packed = _exact_segment(cpu, selected, widths, a[i], b[i], offset + i, max_regions=max_regions)
        except _walk_exact.ExactOverBudget:
            raise error from None
        segs.append(np.full(t.shape[0], i, dtype=np.int64))
        ts.append(t)
        bits.append(packed)
    return _walk_fast.PackedPieces(
        np.concatenate(segs), np.concatenate(ts), np.concatenate(bits), widths, np.zeros(a.shape[0], dtype=bool)
    )


def _scale_note(first, x1: np.ndarray, x2: np.ndarray) -> str:
    """Where the scale is the reason: ends so large that float64's rounding of W x swamps the biases."""
    affine = first.affine
    size = float(max(np.abs(x1).max(initial=0.0), np.abs(x2).max(initial=0.0)))
    rounding = _walk_fast.gamma(affine.weight.shape[1] + 1) * float(affine.weight.abs().sum(dim=1).max()) * size
    biases = float(affine.bias.abs().max()) if affine.bias.numel() else 0.0
    if rounding > 1e-3 * biases and biases > 0:
        return (
            f"The segment's ends reach {size:.3g}, where float64 rounds the first layer's W x to about "
            f"{rounding:.3g}, against biases of at most {biases:.3g}: the regions there are below float64's "
            f"resolution. "
        )
    return ""


def _pool_note(stages) -> str:
    """Where max pools may be the reason: entries of a window tied within rounding."""
    pools = [stage.name for stage in stages if stage.is_pool]
    if not pools:
        return ""
    names = ", ".join(repr(name) for name in pools)
    return (f"The net's max pools ({names}) count too: entries of one window equal within rounding, at a point or "
            f"on a piece. ")


def _undecided(stages, x1, x2, index, spent, pieces) -> str:
    return (
        f"segment {index}: float64 cannot decide this walk on its own (pre-activations vanish within its "
        f"rounding: coincident crossings, a unit that is 0 on a whole piece, an end on a boundary, or regions "
        f"narrower than float64 resolves), and settling it in exact arithmetic would take more than "
        f"{spent:.3g} multiply-adds for this net (foldlab.walk.EXACT_BUDGET = {EXACT_BUDGET:.3g}; about "
        f"{pieces} pieces). {_pool_note(stages)}{_scale_note(stages[0], x1, x2)}Rescale the inputs if they are "
        f"very large or small, or raise foldlab.walk.EXACT_BUDGET"
    )


def _regions(pieces: _walk_fast.PackedPieces, n_seg: int):
    """Merge consecutive pieces with equal bits into regions; r1, r2 and region counts per segment."""
    seg, t, bits = pieces.seg, pieces.t, pieces.bits
    n_bytes = bits.shape[1]
    pad = (-n_bytes) % 8
    words = np.concatenate([bits, np.zeros((bits.shape[0], pad), np.uint8)], axis=1) if pad else bits
    words = np.ascontiguousarray(words).view(np.uint64)
    repeat = np.zeros(seg.shape[0], dtype=bool)
    repeat[1:] = (seg[1:] == seg[:-1]) & (words[1:] == words[:-1]).all(axis=1)
    if repeat.any():
        keep = ~repeat
        seg, t, bits, words = seg[keep], t[keep], bits[keep], words[keep]
    count = np.bincount(seg, minlength=n_seg)
    first = np.cumsum(count) - count
    from_start = np.bitwise_count(words ^ words[first[seg]]).sum(axis=1, dtype=np.int64)
    step = np.zeros(seg.shape[0], dtype=np.int64)
    step[1:] = np.bitwise_count(words[1:] ^ words[:-1]).sum(axis=1, dtype=np.int64)
    step[first] = 0
    r1 = np.maximum.reduceat(from_start, first) if seg.shape[0] else np.zeros(n_seg, np.int64)
    r2 = np.add.reduceat(step, first) if seg.shape[0] else np.zeros(n_seg, np.int64)
    return seg, t, bits, r1, r2, count


def walk(
    net: Net,
    x1: ArrayLike,
    x2: ArrayLike,
    layers: Layers = None,
    include_output: bool = False,
    *,
    method: str = "layered",
    device: Device = None,
    max_regions: int = 1_000_000,
    n_grid: int = 1025,
    rtol: float = 0.0,
    ttol: float = 1e-12,
) -> Walk:
    """The exact walk from ``x1`` to ``x2``: every region on the segment, once each, in order.

    Parameters
    ----------
    net : torch.nn.Module or NetSpec
        A feed-forward net of Linear layers and elementwise activations (see :mod:`foldlab.adapter`);
        it is analysed in float64. To walk one net many times, read it once
        (``spec = fl.read_net(net)``) and pass ``spec``: reading costs a few milliseconds for a wide net.
    x1, x2 : Tensor or array, shape (d_in,)
        The segment's ends; ``x1 == x2`` gives one region (the pattern of ``x1``) and chi = 0.
    layers : int or sequence of int, optional
        0-based hidden layers whose bits form the patterns (None: all), as in
        :func:`foldlab.activation_patterns`.
    include_output : bool
        Append the output bits ``[N(x)_k > 0]``; their crossings then start regions too.
    method : {"layered", "step"}
        ``"layered"`` refines the segment layer by layer: each layer is evaluated once at all breakpoints
        found so far and its crossings come from sign changes between them (about one product of a
        layer's width per region). ``"step"`` is the papers' walk from crossing to crossing (one forward
        pass of the point and the direction per region); ReLU and LeakyReLU nets only. A net with a max
        pool (``nn.MaxPool2d``) is walked by the step engine whichever method is asked for (the result
        says ``method='step'``): a window's argmax changes where another entry overtakes its max, which
        the step engine computes and the layered engines, which cut at sign changes, do not.
    device : str or torch.device, optional
        Where to compute (default: where the net is).
    max_regions : int
        Stop with :class:`foldlab.TooManyRegions` when the segment has more pieces than this (pieces
        between crossings of any hidden layer, so at least the number of regions), checked on a running
        count before memory grows.
    n_grid : int
        Evaluation grid for layers that are not affine along the segment (see Notes).
    rtol : float
        Extra tolerance: pre-activations within ``rtol`` times their scale ``||W_j|| ||h|| + |b_j|`` of 0
        count as 0 as well. Default 0: only float64's own rounding decides (see Notes); with
        ``rtol > 0`` the walk is exact up to that tolerance and nothing is settled in exact arithmetic.
    ttol : float
        Precision in ``t`` of the bisection for layers that are not affine along the segment.

    Returns
    -------
    Walk
        ``.patterns`` (k, m) bool, ``.ts`` (k,) the starts, ``len()``, ``.chi``, ``.layer_chis``.

    Raises
    ------
    foldlab.TooManyRegions, foldlab.OverBudget
        Past ``max_regions``, or when the segment's arrays would pass :data:`foldlab.limits.MEMORY_BUDGET`.
    foldlab.NumericalRange
        When the values overflow float64, or when float64 cannot decide the walk and exact arithmetic
        would take more than :data:`EXACT_BUDGET` (a wide net), or when the exact regions are narrower
        than float64 can place in ``t``. The message names the scale when that is the cause.

    Notes
    -----
    Piecewise-linear nets (ReLU, LeakyReLU, affine maps, BatchNorm in eval mode) are walked exactly, for
    inputs and weights anywhere in float64's range. The arithmetic is float64, with a bound on the
    rounding error of every pre-activation, relative to the size of the terms that make it (so it scales
    with the inputs and the weights): the rigorous forward error bound, or, through wide and deep layers
    where that one grows far beyond the errors float64 makes, 128 times their typical size (a sum of
    rounding errors with random signs does not reach it). A value farther than its bound from 0 has the
    sign float64 gives it. Where a value is within its bound of 0 (a unit that is 0 on a whole piece,
    several units crossing at one point, an end on a boundary, two crossings closer than rounding),
    float64 alone cannot tell a true coincidence from a near one, and the segment is walked again in
    exact rational arithmetic on the same float64 numbers, within :data:`EXACT_BUDGET`; past that (a wide
    net with such a coincidence) the walk raises :class:`foldlab.NumericalRange`. The pattern recorded
    for a region is the one on its open interval, so a pre-activation of exactly 0 on the whole piece (a
    dead unit, a zero row) gives bit 0. A max pool's bits on a region are its windows' argmax there, one-hot:
    the largest entry on the piece, the lowest flat index among entries equal on the whole piece; its
    overtakings are decided with the same rounding bounds and settled exactly in the same way (foldlab's
    maths page, docs/maths.md, section 'Max pooling'). Exactness is relative to :func:`foldlab.read_net`'s snapshot,
    whose weights are the module's (a BatchNorm folded into the next Linear layer is rounded once there).
    See foldlab's maths page (docs/maths.md), section 'Floating point and exactness'.

    Other activations (GELU, SiLU/Swish, Tanh, ELU, SELU, SwiGLU) or a LayerNorm: regions are the classes
    of equal binarised patterns. Layers whose pre-activations are affine along the segment (the first
    one, and every layer before the first non-piecewise-linear one) are handled exactly as above. Each
    later layer is evaluated at ``n_grid`` equispaced points plus all crossings found in earlier layers,
    and every sign change between consecutive evaluation points is located by bisection to within
    ``ttol``. Guaranteed: every crossing found is a true sign change of a pre-activation, and every
    crossing that is the only one of its neuron between two consecutive evaluation points is found. Not
    guaranteed: a neuron that crosses zero twice (or an even number of times) between two evaluation
    points may be missed, and of an odd number more than one, only one is found; the bits of such a
    layer on a region are those at the region's midpoint. Raising ``n_grid`` shrinks the gap.

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
    Lewandowski et al., "The Space Between: On Folding, Symmetries and Sampling" (2025), the
    parameter-free sampler (Fig. 2 and Fig. 3); "On Space Folds of ReLU Neural Networks" (TMLR 2025),
    Fig. 4 (walks on straight paths); foldlab's maths page (docs/maths.md), sections 'Walks along a
    segment' and 'Floating point and exactness'.
    """
    spec = read_net(net)
    device = spec.device if device is None else as_device(device)
    plan = _plan(spec, layers, include_output, method=method, device=device, rtol=rtol, ttol=ttol,
                 max_regions=max_regions, n_grid=n_grid, batch_size=1)
    if plan.engine == "fast" and plan.residual is None and not isinstance(net, nn.Module):
        return _walk_on_cpu(plan, _end(x1, spec.d_in, "x1", device), _end(x2, spec.d_in, "x2", device),
                         max_regions=max_regions, rtol=rtol)
    ends = [_point(x, spec.d_in, name, device) for name, x in (("x1", x1), ("x2", x2))]
    with torch.no_grad():
        try:
            pieces, _ = _batch(plan, net, spec, ends[0], ends[1], 0, max_regions=max_regions, n_grid=n_grid,
                               rtol=rtol, ttol=ttol, check=True)
        except _walk_fast.BatchTooLarge as error:
            raise _over_budget(error, 0) from None
    return _walk_result(pieces, ends[0].cpu().numpy()[0], ends[1].cpu().numpy()[0], plan)


def _walk_on_cpu(plan: _Plan, a: np.ndarray, b: np.ndarray, *, max_regions: int, rtol: float) -> Walk:
    """:func:`walk` of a snapshot (no module whose reading to check) without residual blocks, on the CPU's
    numpy engine: what :func:`_batch` does for one segment, without its layers of calls and the round trip
    of the ends through torch (about a tenth of a single walk of a 784-[200]x3-10 net, measured). The same
    engine, the same exact arithmetic where float64 cannot decide or its range runs out."""
    try:
        pieces = _walk_fast.walk_one(plan.stages, plan.selected, a, b, max_pieces=max_regions, rtol=rtol)
    except _walk_fast.BatchTooLarge as error:
        raise _over_budget(error, 0) from None
    except NumericalRange as error:  # values past float64's range: exact arithmetic has none
        if not plan.settle:
            raise
        with torch.no_grad():
            pieces = _exactly(plan.stages, plan.selected, plan.widths, torch.from_numpy(a[None]),
                              torch.from_numpy(b[None]), 0, error, max_regions=max_regions)
    if plan.settle and pieces.ambiguous[0]:
        with torch.no_grad():
            pieces, _ = _settle(pieces, plan.stages, plan.selected, torch.from_numpy(a[None]),
                                torch.from_numpy(b[None]), 0, max_regions=max_regions)
    return _walk_result(pieces, a, b, plan)


def _walk_result(pieces: _walk_fast.PackedPieces, a: np.ndarray, b: np.ndarray, plan: _Plan) -> Walk:
    """The :class:`Walk` of one segment's pieces: consecutive pieces with equal bits are one region."""
    bits = np.ascontiguousarray(pieces.bits)
    rows = bits.view(np.dtype((np.void, bits.shape[1])))[:, 0]  # a row's bytes as one value: one comparison
    new = rows[1:] != rows[:-1]
    if new.all():
        ts = pieces.t
    else:
        keep = np.concatenate([[True], new])
        bits, ts = bits[keep], pieces.t[keep]
    return Walk(torch.from_numpy(_unpack(bits, pieces.widths)), ts, a, b, plan.blocks, True, plan.label)


def _end(x, d_in: int, name: str, device) -> np.ndarray:
    """One segment end as a new float64 array of shape (d_in,), checked as :func:`_point` checks it."""
    values = _plain_end(x, d_in, device)
    return values if values is not None else _point(x, d_in, name, device).numpy()[0]


def _point(x, d_in: int, name: str, device) -> torch.Tensor:
    """One segment end as a (1, d_in) float64 tensor, checked as :func:`foldlab._validation.as_inputs` does
    (a float numpy array or CPU tensor of the right shape takes a shorter way: the general check took about
    a tenth of a single walk of a 784-[200]x3-10 net, measured)."""
    values = x
    if (isinstance(x, torch.Tensor) and x.dtype in (torch.float64, torch.float32) and x.device.type == "cpu"
            and not x.requires_grad and not x.is_neg() and not x.is_conj()):
        values = x.numpy()  # a view; copied below
    plain = _plain_end(values, d_in, device)
    if plain is not None:
        return torch.from_numpy(plain[None])
    p = as_inputs(x, d_in, name=name, device=device)
    if p.shape[0] != 1:
        raise ValueError(
            f"expected {name} to be one point of shape ({d_in},), got shape {tuple(p.shape)}; "
            f"use fl.walks for many segments"
        )
    return p


def _plain_end(values, d_in: int, device) -> np.ndarray | None:
    """The shorter way of :func:`_end` and :func:`_point`: a plain float numpy array of shape (d_in,), finite, for
    the CPU, as a new float64 array; None for anything else (which takes the full check)."""
    if (type(values) is np.ndarray and values.dtype in (np.float64, np.float32) and values.shape == (d_in,)
            and device.type == "cpu" and np.isfinite(values).all()):
        return values.astype(np.float64)  # copies
    return None


def sample_walk(
    net: Net,
    x1: ArrayLike,
    x2: ArrayLike,
    n: int,
    layers: Layers = None,
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
        Number of samples, ``t = 0, 1/(n-1), ..., 1`` (n >= 2). The samples' inputs and patterns must
        fit in :data:`foldlab.limits.MEMORY_BUDGET` (checked before anything is allocated).
    merge : bool
        True (default): consecutive samples with equal patterns are one region, starting at the first
        of them, so the result compares with :func:`walk` directly. False: one row per sample
        (``ts`` is the sample grid); chi is the same either way (stability: Lewandowski et al., "The
        Space Between", Proposition 4.1).

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
    Lewandowski et al., "The Space Between: On Folding, Symmetries and Sampling" (2025), Fig. 3 (left):
    equally spaced points revisit regions and miss small ones.
    """
    n = check_int(n, "n", min=2)
    merge = check_bool(merge, "merge")
    include_output = check_bool(include_output, "include_output")
    spec = read_net(net)
    chosen = spec.layer_indices(layers)
    if include_output and spec.output is None:
        raise ValueError("include_output=True needs an output layer after the last activation; this net has none")
    ends = []
    for name, x in (("x1", x1), ("x2", x2)):
        p = as_inputs(x, spec.d_in, name=name, device="cpu")
        if p.shape[0] != 1:
            raise ValueError(f"expected {name} to be one point of shape ({spec.d_in},), got shape {tuple(p.shape)}")
        ends.append(p.numpy())
    a, b = ends
    width = spec.d_in + 2 * (sum(spec.units) + spec.d_out) + max(spec.units + (spec.d_out,))
    limits.check_memory(8.0 * n * width, f"sampling n={n} points of the segment", driver="pass a smaller n")
    t = np.linspace(0.0, 1.0, n)
    x = torch.as_tensor((1 - t)[:, None] * a + t[:, None] * b, dtype=DTYPE)
    patterns = activation_patterns(spec, x, chosen, include_output)
    if merge:
        keep = np.ones(len(t), dtype=bool)
        keep[1:] = (patterns[1:] != patterns[:-1]).any(dim=1).numpy()
        patterns, t = patterns[torch.from_numpy(keep)], t[keep]
    return Walk(patterns, t, a[0], b[0], _blocks(spec, chosen, include_output), False, f"sampled(n={n})")
