"""Exact 2D arrangements: every activation region of a ReLU net in a box, as a shapely polygon.

``arrangement(net, box=...)`` refines the box layer by layer (foldlab's maths page, docs/maths.md,
section "Exact 2D arrangements"): inside a region the next layer's pre-activations are affine, so each of
its neurons is a line that may split the region; across layers the lines bend. The result holds every
activation region with its pattern and the affine map ``N(x) = A x + c`` the net computes on it, the
partition after each layer (``upto``), the layers' lines, the linear regions and the decision boundary.
For a net with more than two inputs, ``plane=(p0, p1, p2)`` restricts it to the plane through three
inputs: a 2D slice of the net's tessellation, as in Lewandowski et al., "The Space Between: On Folding,
Symmetries and Sampling" (2025), Figure 3.

The algorithm and its tolerance are described in :mod:`foldlab._partition_refine` (and in the maths
page's section "Floating point and exactness"); in short, a vertex within ``1e-9`` of the scale of a
neuron's pre-activation counts as on the neuron's line. Boxes and weights of any size float64 holds are
handled exactly (they are scaled by powers of two inside); where an answer itself leaves float64,
:class:`foldlab.NumericalRange` says so. The memory an arrangement will need is estimated before each
layer and checked while it grows (:class:`foldlab.OverBudget`, :class:`foldlab.TooManyRegions`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
import torch
from shapely import GeometryType

from . import _partition_refine, limits
from ._blas import single_threaded_blas, single_threaded_blas_for
from ._convex_polygons import chords
from ._decision_boundary import decision_boundary
from ._docs import shared_docs
from ._linear_regions import LinearRegion, linear_regions
from ._plane import Plane, grid_points, layer_weights, window
from ._tolerances import MIN_RELATIVE_SIDE, RTOL
from ._typing import ArrayLike, Box, Net, PlanePoints
from ._validation import as_points, check_int, to_numpy
from .adapter import NetSpec, read_net
from .errors import NumericalRange, TooManyRegions
from .limits import check_memory

if TYPE_CHECKING:  # for annotations only: the core does not import matplotlib
    from matplotlib.axes import Axes

    from .plotting.regions import ArrangementArtists

__all__ = ["arrangement", "Arrangement", "Region", "LinearRegion", "Plane", "TooManyRegions"]


#: Default ``max_regions``: about 100 MB of vertices and maps for a 64-wide net.
MAX_REGIONS = 200_000
#: The box's area must be a float64 within ``2**±BOX_AREA_RANGE`` (sides from about 1e-152 to 1e152), so that
#: areas and densities are numbers.
BOX_AREA_RANGE = 1010
#: Outputs smaller than this (in the net's units) have lost their precision to underflow ...
SMALLEST_OUTPUT = 2.0**-969
#: ... and outputs whose largest term is within ``2**±OUTPUT_EXPONENT`` are computed in the net's units directly.
OUTPUT_EXPONENT = 900
# --- results ---------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Region:
    """One activation region: a convex polygon with its pattern and the affine map on it.

    Attributes
    ----------
    index : int
        Position in ``arrangement.regions``.
    polygon : shapely.Polygon
        In box coordinates (plane coordinates ``(u, v)`` for ``plane=``).
    pattern : ndarray, shape (m,), bool
        Activation bits of the hidden layers included, in order.
    A : ndarray, shape (d_out, 2)
    c : ndarray, shape (d_out,)
        The net is ``N(x) = A @ x + c`` on the region (for ``upto(l)``: the output of hidden layer l).
    """

    index: int
    polygon: shapely.Polygon = field(repr=False)
    pattern: np.ndarray = field(repr=False)
    A: np.ndarray = field(repr=False)
    c: np.ndarray = field(repr=False)

    @property
    def area(self) -> float:
        return float(self.polygon.area)

    @property
    def point(self) -> np.ndarray:
        """A point inside the region (shapely's ``point_on_surface``), shape (2,)."""
        return np.array(self.polygon.point_on_surface().coords[0])

    def __repr__(self) -> str:
        return (
            f"Region(index={self.index}, area={self.area:.4g}, "
            f"active={int(self.pattern.sum())}/{self.pattern.size})"
        )


@dataclass(frozen=True, eq=False)
class Arrangement:
    """The activation regions of a piecewise-linear net in a 2D box; see :func:`arrangement`.

    Per region, as arrays (row ``r`` is region ``r``): ``patterns`` (R, m), ``A`` (R, d_out, 2),
    ``c`` (R, d_out), ``polygons`` (shapely), ``areas``, ``centres`` (R, 2), ``values_at_centres``
    (R, d_out), and every vertex in one array (``flat_vertices``); the same one region at a time in
    ``regions`` and ``vertices(r)``.
    Layer by layer: ``upto(l)`` (the partition after hidden layer ``l``) and ``lines(l)`` (layer
    ``l``'s bent lines). Derived: ``linear_regions()``, ``decision_boundary()``, ``locate(points)``,
    ``missed_by_grid(resolution)``, ``plot()``. ``len(arr)`` is the number of regions, ``density``
    regions per unit area.

    Attributes
    ----------
    box : tuple (xmin, xmax, ymin, ymax)
        In input coordinates, or plane coordinates ``(u, v)`` when ``plane`` is set.
    plane : Plane or None
    spec : NetSpec
    levels : tuple
        The partition after each hidden layer included, in the engine's form and units (see
        :mod:`foldlab._partition_refine`: coordinates and outputs may be stored scaled by powers of two);
        the properties above give them in the net's units.

    Examples
    --------
    >>> import foldlab as fl
    >>> arr = fl.arrangement(fl.CantorNet(depth=1), box=(0, 1, 0, 1))
    >>> len(arr), arr.depth, arr.patterns.shape, arr.A.shape
    (3, 2, (3, 5), (3, 1, 2))
    >>> [len(arr.upto(layer)) for layer in range(arr.depth)]
    [3, 3]
    """

    box: tuple[float, float, float, float]
    plane: Plane | None
    spec: NetSpec = field(repr=False)
    levels: tuple = field(repr=False)

    # -- sizes --
    def __len__(self) -> int:
        return len(self.levels[-1])

    @property
    def depth(self) -> int:
        """Number of hidden layers included (all of them unless made by :meth:`upto`)."""
        return len(self.levels)

    @property
    def complete(self) -> bool:
        """True when every hidden layer is included, so that ``A``, ``c`` describe the net's output."""
        return self.depth == len(self.spec.layers)

    @property
    def area(self) -> float:
        xmin, xmax, ymin, ymax = self.box
        return (xmax - xmin) * (ymax - ymin)

    @property
    def density(self) -> float:
        """Regions per unit area of the box."""
        return len(self) / self.area

    def upto(self, layer: int) -> Arrangement:
        """The partition after hidden layers ``0..layer`` (0-based, negatives from the end).

        Its regions' ``A``, ``c`` are the affine map of hidden layer ``layer``'s output.
        """
        index = self._layer_index(layer)
        if index >= self.depth:
            raise ValueError(f"this arrangement includes hidden layers 0 to {self.depth - 1}, got layer={layer}")
        return Arrangement(self.box, self.plane, self.spec, self.levels[: index + 1])

    def _layer_index(self, layer) -> int:
        """A hidden layer's index, 0-based (negatives count from the end of the net), checked."""
        n = len(self.spec.layers)
        index = check_int(layer, "layer")
        if not -n <= index < n:
            raise ValueError(f"layer index {index} is out of range: this net has {n} hidden layers (0 to {n - 1})")
        return index % n

    # -- per-region arrays --
    @functools.cached_property
    def patterns(self) -> np.ndarray:
        """Activation patterns, shape (R, m), bool (hidden layers in order)."""
        parts = []
        chain = np.arange(len(self))
        for level in reversed(self.levels):
            parts.append(level.bits[chain])
            chain = level.parent[chain]
        return np.concatenate(parts[::-1], axis=1)

    # -- the last level, in the net's units --
    @functools.cached_property
    def flat_vertices(self) -> tuple[np.ndarray, np.ndarray]:
        """Every region's vertices in one array: ``xy`` (nv, 2), region after region and counter-clockwise,
        and ``start`` (R + 1,): region ``r`` owns ``xy[start[r]:start[r + 1]]``."""
        level = self.levels[-1]
        return level.true_xy(level.xy), level.start

    @functools.cached_property
    def centres(self) -> np.ndarray:
        """The mean of each region's vertices (a point inside it), shape (R, 2)."""
        level = self.levels[-1]
        return level.true_xy(level.centre)

    @property
    def values_at_centres(self) -> np.ndarray:
        """``N`` (or the last included layer's output) at every region's centre, shape (R, d_out)."""
        return self._affine[2]

    @functools.cached_property
    def _affine(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``A``, ``c`` and the values at the centres, from the last level's maps and the output layer.

        The level's maps may be stored at other scales than the net's (powers of two, see
        :mod:`foldlab._partition_refine`); so may the outputs, which are first computed at a scale near 1,
        output by output, then scaled back, and refused (:class:`foldlab.NumericalRange`) where they pass
        float64's range.
        """
        level = self.levels[-1]
        maps, h_exp = level.maps, level.h_exp
        if self.complete and self.spec.output is not None:
            weight, bias = to_numpy(self.spec.output.affine.weight), to_numpy(self.spec.output.affine.bias)
            # each output's largest term over the box: |W_ok| hmax_k 2^h_exp_k, or |b_o|
            size_exp = _partition_refine.row_exponents(weight, h_exp + np.frexp(level.hmax)[1], bias)
        else:  # the last included layer's output itself
            weight = bias = None
            size_exp = h_exp + np.frexp(level.hmax)[1]
        if not h_exp.any() and level.coord_exp == 0 and np.all(np.abs(size_exp) <= OUTPUT_EXPONENT):
            # the level and the outputs in the net's units (the usual case)
            if weight is None:
                weight, bias = np.eye(maps.shape[2]), np.zeros(maps.shape[2])
            value = maps[0] @ weight.T + bias  # N at the centres, (R, d_out)
            A = np.stack([maps[1] @ weight.T, maps[2] @ weight.T], axis=-1)  # (R, d_out, 2)
        else:
            value, A = self._scaled_outputs(level, weight, bias, size_exp)
        with np.errstate(over="ignore", invalid="ignore"):
            c = value - np.einsum("rok,rk->ro", A, self.centres)
        if not (np.isfinite(value).all() and np.isfinite(A).all() and np.isfinite(c).all()):
            raise NumericalRange(
                f"the net's outputs on this box (or their slopes) reach about 2^{int(size_exp.max(initial=0))}, "
                f"past float64's largest number (about 2^1024); expected a smaller box or smaller weights (the "
                f"regions are still right: len(arr) = {len(self)})"
            )
        return A, c, value

    def _scaled_outputs(self, level, weight, bias, size_exp) -> tuple[np.ndarray, np.ndarray]:
        """Values at the centres and slopes in the net's units, each output computed at a scale near 1."""
        maps, h_exp = level.maps, level.h_exp
        if weight is None:
            shift = -np.frexp(level.hmax)[1]  # = h_exp - size_exp
            value_s = np.ldexp(maps[0], shift)
            slopes_s = np.stack([np.ldexp(maps[1], shift), np.ldexp(maps[2], shift)], axis=-1)
        else:
            w = np.ldexp(weight, h_exp - size_exp[:, None])
            value_s = maps[0] @ w.T + np.ldexp(bias, -size_exp)
            slopes_s = np.stack([maps[1] @ w.T, maps[2] @ w.T], axis=-1)
        xmin, xmax, ymin, ymax = self.box
        diameter = float(np.ldexp(np.hypot(xmax - xmin, ymax - ymin), -level.coord_exp))  # in stored units
        # each output's size over the box, at its scale
        size = np.abs(value_s).max(axis=0, initial=0.0) + np.abs(slopes_s).max(axis=(0, 2), initial=0.0) * diameter
        small = (size > 0) & (np.log2(np.where(size > 0, size, 1.0)) + size_exp < np.log2(SMALLEST_OUTPUT))
        if small.any():
            o = int(small.nonzero()[0][0])
            raise NumericalRange(
                f"the net's output {o} on this box is about 2^{int(np.log2(size[o])) + int(size_exp[o])}, below "
                f"float64's smallest normal number (about 2^-1022) with room for its precision; expected a larger "
                f"box or larger weights (the regions are still right: len(arr) = {len(self)})"
            )
        with np.errstate(over="ignore"):
            return np.ldexp(value_s, size_exp), np.ldexp(slopes_s, (size_exp - level.coord_exp)[:, None])

    @property
    def A(self) -> np.ndarray:
        """Linear parts of the affine maps, shape (R, d_out, 2)."""
        return self._affine[0]

    @property
    def c(self) -> np.ndarray:
        """Offsets of the affine maps, shape (R, d_out)."""
        return self._affine[1]

    @functools.cached_property
    def polygons(self) -> np.ndarray:
        """The regions as a numpy array of shapely Polygons, shape (R,)."""
        xy, start = self.flat_vertices
        n = len(start) - 1
        ar = np.arange(n + 1)
        # each ring closed by repeating its first vertex
        closed = np.arange(len(xy) + n)
        closed -= ar[:n].repeat(start[1:] - start[:-1] + 1)
        closed[start[1:] + ar[:n]] = start[:-1]
        return shapely.from_ragged_array(GeometryType.POLYGON, xy.take(closed, axis=0), (start + ar, ar))

    @property
    def areas(self) -> np.ndarray:
        """Region areas, shape (R,)."""
        return shapely.area(self.polygons)

    @functools.cached_property
    def regions(self) -> tuple[Region, ...]:
        """Every activation region, as :class:`Region` objects."""
        A, c, _ = self._affine
        polygons, patterns = self.polygons, self.patterns
        return tuple(Region(i, polygons[i], patterns[i], A[i], c[i]) for i in range(len(self)))

    def vertices(self, region: int) -> np.ndarray:
        """The vertices of region ``region`` (0 to ``len(arr) - 1``), counter-clockwise, shape (k, 2)."""
        region = check_int(region, "region", min=0, max=len(self) - 1)
        xy, start = self.flat_vertices
        return xy[start[region] : start[region + 1]].copy()

    def outputs_at_vertices(self) -> np.ndarray:
        """``N`` (or the last included layer's output) at every stored vertex, shape (nv, d_out)."""
        A, _, value = self._affine
        xy, start = self.flat_vertices
        counts = np.diff(start)
        d = xy - np.repeat(self.centres, counts, axis=0)
        return np.repeat(value, counts, axis=0) + np.einsum("vok,vk->vo", np.repeat(A, counts, axis=0), d)

    # -- geometry --
    def to_input(self, xy: ArrayLike) -> torch.Tensor:
        """Net inputs ``(n, d_in)`` (float64) at box coordinates (plane coordinates for ``plane=``)."""
        if self.plane is not None:
            return self.plane.to_input(xy)
        return torch.from_numpy(as_points(xy, "xy", dim=2, allow_empty=True))

    def locate(self, xy: ArrayLike) -> np.ndarray:
        """Index of the region whose pattern the net gives at each point (-1 if none), shape (n,).

        Patterns are computed by a forward pass of the net's snapshot (not from the polygons), so this is
        an independent check of the arrangement as well as a point-location query.
        """
        xy = as_points(xy, "xy", dim=2, allow_empty=True)
        check_memory(
            len(xy) * self._bytes_per_point(), f"the patterns of the {len(xy)} points in xy", driver="pass fewer points"
        )
        with torch.no_grad():
            bits = self.spec.bits(self.to_input(xy), layers=list(range(self.depth)))
        keys = {p.tobytes(): i for i, p in enumerate(np.packbits(self.patterns, axis=1))}
        packed = np.packbits(bits.numpy(), axis=1)
        return np.array([keys.get(p.tobytes(), -1) for p in packed], dtype=np.int64)

    def _bytes_per_point(self) -> float:
        """What a forward pass holds per point: the inputs, every layer's pre-activations and output, bits."""
        return 8.0 * (self.spec.d_in + 2) + 17.0 * self.spec.n_hidden + 8.0 * self.spec.d_out

    def lines(self, layer: int) -> tuple[np.ndarray, np.ndarray]:
        """Where the neurons of hidden layer ``layer`` are zero: the layer's bent lines.

        Computed on the partition of the layers before it (the box for layer 0): each neuron is a
        straight segment inside each region of that partition, which bends where it crosses into the
        next one. ``arr.upto(l).lines(l + 1)`` gives the lines the next layer adds to ``arr.upto(l)``.

        Returns
        -------
        segments : ndarray, shape (k, 2, 2)
        neuron : ndarray, shape (k,)
            The neuron (0-based within the layer) each segment belongs to.
        """
        index = self._layer_index(layer)
        if index > self.depth:
            raise ValueError(
                f"this arrangement includes hidden layers 0 to {self.depth - 1}, so it can draw the lines of "
                f"layers 0 to {self.depth}; got layer={layer}"
            )
        level = self.levels[index - 1] if index > 0 else self._box_level()
        weight, bias = layer_weights(self.spec, self.plane, index)
        with single_threaded_blas():
            weight, bias, _, size = _partition_refine.scaled_layer(weight, bias, level)
            zmaps = _partition_refine.next_maps(level.maps, weight, bias)
            qp, qj, coef, _ = _partition_refine.candidate_pairs(level, zmaps, RTOL * size, 0.0)
        if len(qp) == 0:
            return np.zeros((0, 2, 2)), np.zeros(0, dtype=np.int64)
        val, vidx, qoff, qn, _, _ = _partition_refine.vertex_values(level.xy, level.start, qp, coef)
        segments, pair = chords(level.xy.take(vidx, axis=0), val, np.append(qoff, len(val)))
        return level.true_xy(segments), qj[pair]

    def _box_level(self):
        return _partition_refine.box_level(*self.box)

    # -- derived objects --
    def linear_regions(self) -> tuple[LinearRegion, ...]:
        """Adjacent activation regions with equal affine maps, merged (maybe non-convex).

        Examples
        --------
        >>> import torch, foldlab as fl
        >>> net = fl.mlp([2, 3, 1], seed=0)
        >>> with torch.no_grad():
        ...     net[2].weight[0, 1] = 0.0  # unit 1's line no longer changes the map
        >>> arr = fl.arrangement(net)
        >>> len(arr), len(arr.linear_regions())
        (7, 4)

        References
        ----------
        Hanin and Rolnick, "Complexity of Linear Regions in Deep Networks" (ICML 2019), section 2.
        """
        return linear_regions(self)

    def decision_boundary(self) -> np.ndarray:
        """The decision boundary as line segments, shape (k, 2, 2).

        One output: the boundary of ``{N > 0}``; several outputs: where the argmax changes (ties to
        the lower class, as ``torch.argmax``). See :func:`foldlab._decision_boundary.decision_boundary`.

        Examples
        --------
        >>> import foldlab as fl
        >>> arr = fl.arrangement(fl.CantorNet(depth=1), box=(0, 1, 0, 1))
        >>> arr.decision_boundary().round(4).tolist()  # the graph of (A(x) + 1) / 2
        [[[0.0, 1.0], [0.3333, 0.5]], [[0.3333, 0.5], [0.6667, 0.5]], [[0.6667, 0.5], [1.0, 1.0]]]

        References
        ----------
        Lewandowski et al., "On Space Folds of ReLU Neural Networks" (TMLR 2025), appendix on CantorNet,
        for the boundary drawn above; foldlab's maths page (docs/maths.md), sections "Exact 2D
        arrangements" and "CantorNet".
        """
        return decision_boundary(self)

    def missed_by_grid(self, resolution: int) -> np.ndarray:
        """Regions that contain no point of a ``resolution x resolution`` grid over the box, bool (R,).

        The grid's points are the centres of its cells (:func:`foldlab.counting.grid_points`); a
        region is found when the net gives some grid point its pattern.

        Examples
        --------
        >>> import foldlab as fl
        >>> arr = fl.arrangement(fl.mlp([2, 16, 16, 1], seed=0))
        >>> int(arr.missed_by_grid(10).sum()), len(arr)
        (76, 127)
        """
        resolution = check_int(resolution, "resolution", min=1)
        check_memory(
            resolution**2 * (self._bytes_per_point() + 16.0),
            f"the patterns of a {resolution} x {resolution} grid",
            driver="lower resolution=",
        )
        found = self.locate(grid_points(self.box, resolution))
        missed = np.ones(len(self), dtype=bool)
        missed[found[found >= 0]] = False
        return missed

    def plot(self, ax: Axes | None = None, *, color_by: str = "pattern", boundary: bool = True,
             **kwargs: Any) -> ArrangementArtists:
        """Draw the regions (and the decision boundary); see :func:`foldlab.plotting.plot_arrangement`."""
        from .plotting import plot_arrangement

        return plot_arrangement(self, ax=ax, color_by=color_by, boundary=boundary, **kwargs)

    def __repr__(self) -> str:
        where = f"plane={self.plane!r}, box=" if self.plane is not None else "box="
        box = tuple(round(v, 6) for v in self.box)
        return f"Arrangement(regions={len(self)}, layers={self.depth}, {where}{box})"



@shared_docs
def arrangement(
    net: Net,
    box: Box | None = None,
    *,
    plane: PlanePoints | None = None,
    max_regions: int = MAX_REGIONS,
) -> Arrangement:
    """Every activation region of a ReLU / LeakyReLU net in a 2D box, exactly.

    Parameters
    ----------
    %(piecewise_linear_net)s
    %(window)s
    %(max_regions)s

    Returns
    -------
    Arrangement
        ``len(arr)`` regions; ``arr.regions`` each with ``.polygon`` (shapely), ``.pattern``, ``.A``,
        ``.c`` (``N(x) = A x + c`` in box or plane coordinates); ``arr.upto(l)`` the partition after
        hidden layer ``l``; ``arr.linear_regions()``, ``arr.decision_boundary()``, ``arr.plot()``.

    Examples
    --------
    >>> import foldlab as fl
    >>> arr = fl.arrangement(fl.mlp([2, 8, 8, 1], seed=0), box=(-1, 1, -1, 1))
    >>> arr
    Arrangement(regions=22, layers=2, box=(-1.0, 1.0, -1.0, 1.0))
    >>> round(float(arr.areas.sum()), 12)  # the regions tile the box
    4.0
    >>> len(arr.upto(0))  # the first layer's 8 lines alone cut the box into 8 regions
    8
    >>> region = arr.regions[0]
    >>> region.pattern.shape, region.A.shape, region.c.shape
    ((16,), (1, 2), (1,))

    Raises
    ------
    foldlab.TooManyRegions
        When the running count of regions passes ``max_regions``.
    foldlab.OverBudget
        When the regions with their maps (and the next layer's pre-activations on them) would pass
        :data:`foldlab.limits.MEMORY_BUDGET`: estimated before each layer, checked as it splits.
    foldlab.NumericalRange
        For a box whose area is not a float64 number, or narrower than a millionth of its distance from
        the origin.

    References
    ----------
    Hanin and Rolnick, "Deep ReLU Networks Have Surprisingly Few Activation Patterns" (NeurIPS 2019),
    for activation regions in 2D slices; Lewandowski et al., "The Space Between: On Folding, Symmetries and
    Sampling" (2025), Figure 3 (a 2D slice of a ReLU tessellation); foldlab's maths page (docs/maths.md),
    section "Exact 2D arrangements".
    """
    spec = read_net(net)
    spec.check_piecewise_linear("fl.arrangement")
    max_regions = check_int(max_regions, "max_regions", min=1)
    the_plane, the_box = window(spec, box, plane, "fl.arrangement")
    _check_box_range(the_box)

    level = _partition_refine.box_level(*the_box)
    levels = []
    held = 0.0  # bytes of the levels kept so far
    for index, layer in enumerate(spec.layers):
        weight, bias = layer_weights(spec, the_plane, index)
        layer_limits = _layer_limits(spec, index, len(level), held, max_regions)
        try:
            with single_threaded_blas_for(3 * len(level), *weight.shape):
                level = _partition_refine.refine(level, weight, bias, layer.negative_slope, limits=layer_limits)
        except TooManyRegions as error:
            raise TooManyRegions(
                f"the arrangement has more than max_regions={max_regions} regions (at least "
                f"{error.args[0]} after hidden layer {index}); pass a larger max_regions= or a "
                f"smaller box"
            ) from None
        levels.append(level)
        held += level.nbytes
    return Arrangement(the_box, the_plane, spec, tuple(levels))


def _check_box_range(box: tuple[float, float, float, float]) -> None:
    """Refuse boxes whose area is not a float64 number, and boxes too narrow for their distance from 0."""
    xmin, xmax, ymin, ymax = box
    with np.errstate(over="ignore"):
        width, height = xmax - xmin, ymax - ymin
        area = width * height
    if not 2.0**-BOX_AREA_RANGE <= area <= 2.0**BOX_AREA_RANGE:
        raise NumericalRange(
            f"box={box} has sides of about {width:.3g} by {height:.3g}: its area {area:.3g} is beyond what "
            f"float64 holds as a number (2^-{BOX_AREA_RANGE} to 2^{BOX_AREA_RANGE}); expected sides between about "
            f"1e-152 and 1e152 (rescale the input: the regions of x -> N(s x) are those of N scaled by 1 / s)"
        )
    extent = max(abs(xmin), abs(xmax), abs(ymin), abs(ymax))
    if min(width, height) < MIN_RELATIVE_SIDE * extent:
        raise NumericalRange(
            f"box={box} is {min(width, height):.3g} wide at {extent:.3g} from the origin: foldlab places its "
            f"lines to about {RTOL:g} of the coordinates' size, which would blur features of more than "
            f"{RTOL / MIN_RELATIVE_SIDE:g} of the box; expected a side of at least {MIN_RELATIVE_SIDE:g} times "
            f"the distance from the origin (translate the input: shift the first layer's bias)"
        )


def _layer_limits(spec: NetSpec, index: int, n_regions: int, held: float, max_regions: int) -> _partition_refine.Limits:
    """Check the memory a hidden layer's pre-activations need, and what its regions may grow to.

    Each region of the new level holds its maps and bits, and the next hidden layer will compute its
    pre-activations on each. A region is never merged by a later layer, only split, so it also stands for
    at least one region of every later level: its bytes there count from now. The running count of regions
    is checked against both ``max_regions`` and :data:`foldlab.limits.MEMORY_BUDGET` as the layer splits
    its regions, before memory grows, so that a deep net is refused at the first layer whose count already
    makes the whole arrangement too large, not at the layer that runs out.
    """
    widths = [layer.width for layer in spec.layers]
    width = widths[index]
    preactivations = _partition_refine.BYTES_PER_PREACTIVATION * n_regions * width
    check_memory(
        held + preactivations,
        f"the pre-activations of hidden layer {index} ({width} units) on the arrangement's {n_regions} regions "
        f"after the layers before it",
        driver="pass a smaller box or use a narrower net",
    )
    next_width = widths[index + 1] if index + 1 < len(widths) else 0
    per_region = (
        sum(_partition_refine.BYTES_PER_UNIT * w + _partition_refine.BYTES_PER_REGION for w in widths[index:])
        + _partition_refine.BYTES_PER_PREACTIVATION * next_width
    )
    zmaps = 24.0 * n_regions * width  # held while the layer splits
    return _partition_refine.Limits(
        max_regions, limits.MEMORY_BUDGET, held + zmaps, per_region, index, later=len(widths) - 1 - index
    )
