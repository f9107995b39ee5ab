"""Plots of exact 2D arrangements: regions, linear regions, bent lines, decision boundary (notebook 02).

Regions are drawn as one collection from the arrangement's vertex arrays (fast enough to redraw under
a slider). Colours come from the pattern through a stable hash (:func:`pattern_colors`), so a region
keeps its colour when the figure is redrawn, as long as its pattern is the same. Every function is
``plot_x(arr, ax=None, *, options)`` and returns one artist or a named tuple of artists.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection, PathCollection, PolyCollection
from matplotlib.colorbar import Colorbar
from matplotlib.colors import Colormap, Normalize, TwoSlopeNorm
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.path import Path
from matplotlib.text import Annotation
from matplotlib.ticker import MaxNLocator

from .._typing import ArrayLike
from .._validation import as_points, check_bool, check_choice, check_float, check_int
from ..arrangement import Arrangement
from ..counting import RegionCounts, grid_points
from ..limits import check_memory
from ._common import (
    Cmap,
    Color,
    axes,
    check_cmap,
    check_color,
    check_instance,
    check_style,
    cycle_colors,
    hash_colors,
    plot_function,
    set_box,
)

__all__ = [
    "region_colors",
    "region_scale",
    "add_scale",
    "RegionScale",
    "reference_region",
    "plot_regions",
    "plot_linear_regions",
    "plot_decision_boundary",
    "plot_layer_lines",
    "plot_grid_misses",
    "plot_arrangement",
    "plot_region_counts",
    "GridMissesArtists",
    "ArrangementArtists",
    "RegionCountArtists",
]

COLOR_BY = ("pattern", "active", "hamming", "output")
#: The region Hamming distances are measured from: its index, a point ``(x, y)`` in it, or None (the box centre).
Reference = int | ArrayLike | None
_ARRANGEMENT = "from foldlab.arrangement(net, box)"


def _arrangement(arr) -> Arrangement:
    return check_instance(arr, "arr", Arrangement, _ARRANGEMENT)


def _vertex_lists(arr: Arrangement) -> list[np.ndarray]:
    """Each region's vertices, counter-clockwise, shape (k_r, 2)."""
    return [arr.vertices(r) for r in range(len(arr))]


def _frame(ax: Axes, arr: Arrangement) -> None:
    set_box(ax, arr.box)
    if arr.plane is not None:
        ax.set_xlabel("u")
        ax.set_ylabel("v")


def _fill_style(edgecolor, linewidth, alpha) -> tuple:
    return (check_color(edgecolor, "edgecolor", face=True), check_float(linewidth, "linewidth", min=0.0),
            check_float(alpha, "alpha", min=0.0, max=1.0))


class RegionScale(NamedTuple):
    """What the colours of :func:`region_colors` mean, for a colorbar or a legend."""

    #: The norm and colormap of a continuous scale ("active", "hamming", one output), else None.
    norm: Normalize | None
    cmap: Colormap | None
    #: The colorbar's label, or the legend's title.
    label: str
    #: For classes (several outputs): ``(class, colour)`` of each class shown, else empty.
    classes: tuple[tuple[int, tuple], ...] = ()


def _scale(arr: Arrangement, color_by: str, reference, colormap) -> tuple[np.ndarray, RegionScale | None]:
    """Every region's colour and what the colours mean (None for the pattern hash, which is no scale)."""
    patterns = arr.patterns
    if color_by == "pattern":
        return hash_colors(patterns), None
    if color_by == "active":
        active = patterns.sum(axis=1)
        scale = RegionScale(Normalize(0, max(patterns.shape[1], 1)), colormap or check_cmap("viridis"),
                            "active neurons")
        return scale.cmap(scale.norm(active)), scale
    if color_by == "hamming":
        index = reference_region(arr, reference)
        distance = (patterns != patterns[index]).sum(axis=1)
        scale = RegionScale(Normalize(0, max(int(distance.max()), 1)), colormap or check_cmap("magma_r"),
                            "Hamming distance to the reference region")
        return scale.cmap(scale.norm(distance)), scale
    centres = np.array([v.mean(axis=0) for v in _vertex_lists(arr)]).reshape(-1, 2)
    out = np.einsum("rok,rk->ro", arr.A, centres) + arr.c
    if out.shape[1] == 1:
        v = out[:, 0]
        top = max(float(np.abs(v).max()), 1e-12)
        scale = RegionScale(TwoSlopeNorm(0.0, -top, top), colormap or check_cmap("RdBu_r"),
                            "output at the region's centre")
        return scale.cmap(scale.norm(v)), scale
    colormap = colormap or check_cmap("tab10")
    classes = out.argmax(axis=1)
    colors = colormap(classes % 10)
    shown = tuple((int(k), tuple(colormap(int(k) % 10))) for k in np.unique(classes))
    return colors, RegionScale(None, None, "class at the region's centre", shown)


def _check_coloring(arr, color_by, reference, cmap) -> tuple[Arrangement, Colormap | None]:
    arr = _arrangement(arr)
    check_choice(color_by, "color_by", COLOR_BY)
    if reference is not None and color_by != "hamming":
        raise ValueError(f"reference is the region distances are measured from with color_by='hamming'; "
                         f"got reference={reference!r} with color_by={color_by!r}")
    if cmap is not None and color_by == "pattern":
        raise ValueError(f"color_by='pattern' colours each pattern by a hash of its bits and takes no cmap; "
                         f"got cmap={cmap!r}")
    if color_by == "output" and not arr.complete:
        raise ValueError(f"color_by='output' needs every hidden layer, but arr stops after hidden layer "
                         f"{arr.depth - 1} (made by upto)")
    return arr, None if cmap is None else check_cmap(cmap)


def region_colors(arr: Arrangement, color_by: str = "pattern", *, reference: Reference = None,
                  cmap: Cmap | None = None) -> np.ndarray:
    """RGBA colours of an arrangement's regions.

    Parameters
    ----------
    arr : Arrangement
    color_by : {"pattern", "active", "hamming", "output"}
        ``"pattern"``: a stable hash of the pattern (:func:`pattern_colors`); ``"active"``: the number
        of active neurons; ``"hamming"``: the Hamming distance to the region ``reference`` (a region
        index, or a point ``(x, y)`` whose region is used; default: the region at the box centre);
        ``"output"``: the net's output at the region's centre (one output, diverging around 0) or the
        class there (several outputs; needs every hidden layer).
    reference : int or (x, y), optional
        For ``color_by="hamming"`` only; see :func:`reference_region`.
    cmap : str or Colormap, optional
        Overrides the colormap of ``"active"`` (viridis), ``"hamming"`` (magma_r) or ``"output"``
        (RdBu_r, or tab10 for classes); ``"pattern"`` has no colormap.

    Returns
    -------
    ndarray, shape (R, 4)

    Examples
    --------
    >>> import foldlab as fl
    >>> arr = fl.arrangement(fl.CantorNet(depth=1), box=(0, 1, 0, 1))
    >>> colours = region_colors(arr, "active")
    >>> active = arr.patterns.sum(axis=1)
    >>> sorted(active.tolist())
    [2, 4, 4]
    >>> same, other = (active == 4).nonzero()[0], (active == 2).nonzero()[0]
    >>> bool((colours[same[0]] == colours[same[1]]).all()), bool((colours[same[0]] == colours[other[0]]).all())
    (True, False)
    """
    arr, colormap = _check_coloring(arr, color_by, reference, cmap)
    return _scale(arr, color_by, reference, colormap)[0]


def region_scale(arr: Arrangement, color_by: str = "pattern", *, reference: Reference = None,
                 cmap: Cmap | None = None) -> RegionScale | None:
    """What the colours of :func:`region_colors` mean: a norm and colormap, or the classes; None for patterns.

    Examples
    --------
    >>> import foldlab as fl
    >>> arr = fl.arrangement(fl.mlp([2, 4, 4, 1], seed=0))
    >>> scale = region_scale(arr, "active")
    >>> scale.label, scale.norm.vmin, scale.norm.vmax, region_scale(arr, "pattern")
    ('active neurons', 0.0, 8.0, None)
    """
    arr, colormap = _check_coloring(arr, color_by, reference, cmap)
    return _scale(arr, color_by, reference, colormap)[1]


def add_scale(scale: RegionScale | None, ax: Axes) -> Colorbar | Legend | None:
    """A colorbar beside ``ax`` for a continuous scale, a legend of the classes beside it, or nothing.

    Returns the Colorbar, the Legend, or None.
    """
    if scale is None:
        return None
    if scale.norm is not None:
        return ax.figure.colorbar(ScalarMappable(scale.norm, scale.cmap), ax=ax, label=scale.label, shrink=0.85,
                                  pad=0.02)
    handles = [Patch(facecolor=color, label=f"class {k}") for k, color in scale.classes]
    return ax.legend(handles=handles, title=scale.label, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                     fontsize="small", title_fontsize="small", frameon=False)


def reference_region(arr: Arrangement, reference: Reference = None) -> int:
    """A region's index from an index, a point ``(x, y)`` of the box, or None (the box centre).

    A point on a line between regions gives the nearest region.

    Examples
    --------
    >>> import foldlab as fl
    >>> arr = fl.arrangement(fl.CantorNet(depth=1), box=(0, 1, 0, 1))
    >>> reference_region(arr, 2), reference_region(arr, (0.1, 0.1)) == reference_region(arr, (0.9, 0.1))
    (2, False)
    """
    arr = _arrangement(arr)
    if reference is None:
        xmin, xmax, ymin, ymax = arr.box
        reference = ((xmin + xmax) / 2, (ymin + ymax) / 2)
    if np.ndim(reference) == 0:
        return check_int(reference, "reference", min=0, max=len(arr) - 1)
    point = as_points(reference, "reference", dim=2)
    if len(point) != 1:
        raise ValueError(f"reference must be one region index or one point (x, y), got shape {np.shape(reference)}")
    xmin, xmax, ymin, ymax = arr.box
    if not (xmin <= point[0, 0] <= xmax and ymin <= point[0, 1] <= ymax):
        raise ValueError(f"reference point {tuple(point[0].tolist())} is outside the arrangement's box {arr.box}")
    index = int(arr.locate(point)[0])
    if index < 0:  # on a line: take the nearest region
        index = int(np.argmin(shapely.distance(arr.polygons, shapely.points(point[0]))))
    return index


@plot_function
def plot_regions(arr: Arrangement, ax: Axes | None = None, *, color_by: str = "pattern",
                 reference: Reference = None, cmap: Cmap | None = None, edgecolor: Color = "white",
                 linewidth: float = 0.4, alpha: float = 1.0) -> PolyCollection:
    """Fill every activation region of an arrangement.

    Parameters
    ----------
    arr : Arrangement
    %(ax)s
    color_by, reference, cmap
        See :func:`region_colors`.
    edgecolor, linewidth, alpha
        Of the polygons (``edgecolor="face"`` hides the edges).

    Returns
    -------
    PolyCollection
        One polygon per region, in the order of ``arr.regions``.

    Examples
    --------
    >>> import foldlab as fl
    >>> arr = fl.arrangement(fl.mlp([2, 8, 8, 1], seed=0))
    >>> len(plot_regions(arr).get_paths()) == len(arr)
    True
    """
    colors = region_colors(arr, color_by, reference=reference, cmap=cmap)
    edgecolor, linewidth, alpha = _fill_style(edgecolor, linewidth, alpha)
    ax = axes(ax)
    collection = PolyCollection(_vertex_lists(arr), facecolors=colors, edgecolors=edgecolor, linewidths=linewidth,
                                alpha=alpha)
    ax.add_collection(collection)
    _frame(ax, arr)
    return collection


def _polygon_path(polygon) -> Path:
    rings = [polygon.exterior, *polygon.interiors]
    return Path.make_compound_path(*[Path(np.asarray(r.coords)[:, :2], closed=True) for r in rings])


@plot_function
def plot_linear_regions(arr: Arrangement, ax: Axes | None = None, *, color_by: str = "pattern",
                        reference: Reference = None, cmap: Cmap | None = None, edgecolor: Color = "white",
                        linewidth: float = 1.0, alpha: float = 1.0) -> PathCollection:
    """Fill the linear regions (activation regions with equal maps merged; maybe non-convex, with holes).

    Parameters
    ----------
    arr, ax, color_by, reference, cmap, edgecolor, linewidth, alpha
        As for :func:`plot_regions`; each linear region takes the colour of its largest activation region.

    Returns
    -------
    PathCollection
        One path per linear region, in the order of ``arr.linear_regions()``.

    Examples
    --------
    >>> import foldlab as fl
    >>> arr = fl.arrangement(fl.CantorNet(depth=2), box=(0, 1, 0, 1))
    >>> len(plot_linear_regions(arr).get_paths()) == len(arr.linear_regions())
    True
    """
    colors = region_colors(arr, color_by, reference=reference, cmap=cmap)
    edgecolor, linewidth, alpha = _fill_style(edgecolor, linewidth, alpha)
    ax = axes(ax)
    linear = arr.linear_regions()
    areas = arr.areas
    biggest = [max(lr.members, key=lambda m: areas[m]) for lr in linear]
    collection = PathCollection([_polygon_path(lr.polygon) for lr in linear], facecolors=colors[biggest],
                                edgecolors=edgecolor, linewidths=linewidth, alpha=alpha, offsets=None)
    collection.set_transform(ax.transData)
    ax.add_collection(collection)
    _frame(ax, arr)
    return collection


@plot_function
def plot_decision_boundary(arr: Arrangement, ax: Axes | None = None, *, color: Color = "black",
                           linewidth: float = 2.0, **style: Any) -> LineCollection:
    """Draw the decision boundary (``arr.decision_boundary()``).

    Parameters
    ----------
    arr : Arrangement
        Complete (every hidden layer included).
    %(ax)s
    color, linewidth, **style
        Of the LineCollection.

    Returns
    -------
    LineCollection
        One segment per boundary segment.

    Examples
    --------
    >>> import foldlab as fl
    >>> arr = fl.arrangement(fl.CantorNet(depth=1), box=(0, 1, 0, 1))
    >>> len(plot_decision_boundary(arr).get_segments())
    3
    """
    arr = _arrangement(arr)
    if not arr.complete:
        raise ValueError(f"the decision boundary needs every hidden layer, but arr stops after hidden layer "
                         f"{arr.depth - 1} (made by upto)")
    style = check_style(style, LineCollection, "plot_decision_boundary",
                        defaults=dict(color=check_color(color, "color"),
                                      linewidth=check_float(linewidth, "linewidth", min=0.0)))
    ax = axes(ax)
    collection = LineCollection(arr.decision_boundary(), **style)
    ax.add_collection(collection)
    _frame(ax, arr)
    return collection


@plot_function
def plot_layer_lines(arr: Arrangement, ax: Axes | None = None, *, layer: int, linewidth: float = 1.2,
                     cmap: Cmap = "tab20", **style: Any) -> LineCollection:
    """Draw the lines of hidden layer ``layer`` (where its neurons are 0), one colour per neuron.

    On ``arr.upto(layer - 1)`` this shows how the earlier layers bend the next layer's lines.

    Parameters
    ----------
    arr : Arrangement
    %(ax)s
    layer : int
        A hidden layer (0-based), up to ``arr.depth``: the first one the arrangement does not include.
    linewidth, cmap, **style
        Of the LineCollection; neuron ``j`` takes colour ``j`` of ``cmap`` (cycling).

    Returns
    -------
    LineCollection
        The segments of ``arr.lines(layer)``.

    Examples
    --------
    >>> import foldlab as fl
    >>> arr = fl.arrangement(fl.mlp([2, 3, 1], seed=0))
    >>> len(plot_layer_lines(arr, layer=0).get_segments()) == len(arr.lines(0)[0])
    True
    """
    arr = _arrangement(arr)
    n_hidden = len(arr.spec.layers)
    layer = check_int(layer, "layer", min=-n_hidden, max=n_hidden - 1)
    if layer % n_hidden > arr.depth:
        raise ValueError(f"arr includes hidden layers 0 to {arr.depth - 1}, so it has the lines of layers 0 to "
                         f"{arr.depth}; got layer={layer}")
    palette = cycle_colors(20, cmap)
    style = check_style(style, LineCollection, "plot_layer_lines",
                        defaults=dict(linewidth=check_float(linewidth, "linewidth", min=0.0)))
    ax = axes(ax)
    segments, neuron = arr.lines(layer)
    collection = LineCollection(segments, colors=[palette[j % 20] for j in neuron], **style)
    ax.add_collection(collection)
    _frame(ax, arr)
    return collection


class GridMissesArtists(NamedTuple):
    """What :func:`plot_grid_misses` draws."""

    #: The regions in which no grid point falls, filled and hatched.
    missed: PolyCollection
    #: The grid points.
    points: PathCollection


#: Bytes per grid point that plot_grid_misses holds at once (its coordinates, locating them, the dots drawn).
GRID_POINT_BYTES = 64


@plot_function
def plot_grid_misses(arr: Arrangement, ax: Axes | None = None, *, resolution: int, color: Color = "crimson",
                     point_size: float = 4.0) -> GridMissesArtists:
    """Exact vs grid: the regions a ``resolution x resolution`` grid of samples misses, and the grid.

    Parameters
    ----------
    arr : Arrangement
    %(ax)s
    resolution : int
        Grid points per side (the centres of the grid's cells, :func:`foldlab.counting.grid_points`).
    color, point_size
        Of the missed regions and of the grid points.

    Returns
    -------
    GridMissesArtists
        ``missed`` (PolyCollection of the missed regions, filled and hatched) and ``points`` (the grid).

    Examples
    --------
    >>> import foldlab as fl
    >>> arr = fl.arrangement(fl.mlp([2, 16, 16, 1], seed=0))
    >>> missed, points = plot_grid_misses(arr, resolution=10)
    >>> len(missed.get_paths()), len(points.get_offsets())
    (76, 100)
    """
    arr = _arrangement(arr)
    resolution = check_int(resolution, "resolution", min=1)
    check_memory(float(resolution) ** 2 * GRID_POINT_BYTES, f"a {resolution} x {resolution} grid drawn point "
                 "by point", driver="lower resolution=")
    color = check_color(color, "color")
    point_size = check_float(point_size, "point_size", min=0.0)
    ax = axes(ax)
    missed = arr.missed_by_grid(resolution)
    vertices = [v for v, m in zip(_vertex_lists(arr), missed) if m]
    regions = PolyCollection(vertices, facecolors=color, edgecolors=color, linewidths=0.8, alpha=0.75, hatch="////",
                             label="regions the grid misses")
    ax.add_collection(regions)
    points = grid_points(arr.box, resolution)
    dots = ax.scatter(points[:, 0], points[:, 1], s=point_size, c="black", linewidths=0, label="grid points")
    _frame(ax, arr)
    return GridMissesArtists(regions, dots)


class ArrangementArtists(NamedTuple):
    """What :func:`plot_arrangement` (and ``Arrangement.plot``) draws; what was not drawn is None or empty."""

    #: The regions: activation regions (PolyCollection) or, with ``linear=True``, linear regions.
    regions: PolyCollection | PathCollection
    #: The decision boundary, or None (``boundary=False``, or an arrangement made by ``upto``).
    boundary: LineCollection | None
    #: The plane's three points ``p0, p1, p2`` (an arrangement on a plane), or None.
    points: PathCollection | None
    #: Their names.
    names: tuple[Annotation, ...]
    #: What the colours mean: a Colorbar ("active", "hamming", one output), a Legend (classes), or None
    #: (patterns, or ``colorbar=False``).
    scale: Colorbar | Legend | None = None


@plot_function
def plot_arrangement(arr: Arrangement, ax: Axes | None = None, *, color_by: str = "pattern",
                     boundary: bool = True, linear: bool = False, reference: Reference = None,
                     mark_points: bool = True, colorbar: bool = True, **style: Any) -> ArrangementArtists:
    """Regions (activation, or linear with ``linear=True``), the decision boundary, the plane's points.

    This is ``arr.plot()``.

    Parameters
    ----------
    arr : Arrangement
    %(ax)s
    color_by, reference
        See :func:`region_colors` (a linear region takes the colour of its largest activation region).
    boundary : bool
        Draw the decision boundary when every hidden layer is included (an arrangement made by ``upto``
        has none).
    linear : bool
        Fill the linear regions instead of the activation regions.
    mark_points : bool
        For an arrangement on a plane, mark and name its three points ``p0, p1, p2``.
    colorbar : bool
        Say what the colours mean: a colorbar for ``"active"``, ``"hamming"`` and one output, a legend
        of the classes for several outputs (``"pattern"`` colours are a hash and have no scale).
    **style
        ``cmap``, ``edgecolor``, ``linewidth``, ``alpha`` of :func:`plot_regions` or
        :func:`plot_linear_regions`.

    Returns
    -------
    ArrangementArtists
        ``regions``, ``boundary`` (or None), ``points`` (or None), ``names`` and ``scale`` (the
        colorbar or legend, or None).

    Examples
    --------
    >>> import foldlab as fl
    >>> drawn = plot_arrangement(fl.arrangement(fl.CantorNet(depth=1), box=(0, 1, 0, 1)))
    >>> len(drawn.regions.get_paths()), len(drawn.boundary.get_segments()), drawn.points, drawn.scale
    (3, 3, None, None)
    >>> plot_arrangement(fl.arrangement(fl.CantorNet(depth=1), box=(0, 1, 0, 1)), color_by="output").scale
    <matplotlib.colorbar.Colorbar object at ...>
    """
    arr = _arrangement(arr)
    boundary, linear = check_bool(boundary, "boundary"), check_bool(linear, "linear")
    mark_points, colorbar = check_bool(mark_points, "mark_points"), check_bool(colorbar, "colorbar")
    unknown = sorted(set(style) - {"cmap", "edgecolor", "linewidth", "alpha"})
    if unknown:
        raise TypeError(f"plot_arrangement() got an unexpected keyword argument {unknown[0]!r}: its style keywords "
                        f"are cmap, edgecolor, linewidth and alpha (of plot_regions)")
    fill = plot_linear_regions if linear else plot_regions
    regions = fill(arr, ax, color_by=color_by, reference=reference, **style)  # checks the rest, then draws
    ax = regions.axes
    drawn = plot_decision_boundary(arr, ax) if boundary and arr.complete else None
    points, names = None, ()
    if mark_points and arr.plane is not None:
        p = arr.plane.points
        points = ax.scatter(p[:, 0], p[:, 1], s=40, c="black", marker="*", zorder=3)
        names = tuple(ax.annotate(f"p{i}", (u, v), textcoords="offset points", xytext=(4, 4))
                      for i, (u, v) in enumerate(p))
    scale = None
    if colorbar:
        scale = add_scale(region_scale(arr, color_by, reference=reference, cmap=style.get("cmap")), ax)
    return ArrangementArtists(regions, drawn, points, names, scale)


class RegionCountArtists(NamedTuple):
    """What :func:`plot_region_counts` (and ``RegionCounts.plot``) draws."""

    #: The exact count per unit area at each epoch.
    measured: Line2D
    #: Hanin and Rolnick's ``#neurons^2 / 2``.
    reference: Line2D


@plot_function
def plot_region_counts(counts: RegionCounts, ax: Axes | None = None) -> RegionCountArtists:
    """Regions per unit area through training, with Hanin and Rolnick's ``#neurons^2 / 2``.

    This is ``counts.plot()``.

    Parameters
    ----------
    counts : RegionCounts
        From :func:`foldlab.regions_over_training`.
    %(ax)s

    Returns
    -------
    RegionCountArtists
        ``measured`` (the density per epoch) and ``reference`` (the horizontal reference line).

    References
    ----------
    Hanin and Rolnick, "Deep ReLU Networks Have Surprisingly Few Activation Patterns" (2019), Theorem 5,
    as Daróczy's slides "Information geometry and generalization in deep neural networks" (2020) present it;
    foldlab's maths page (docs/maths.md), section 'Counting regions'.

    Examples
    --------
    >>> import foldlab as fl
    >>> data = fl.toy_dataset("moons", n=50, seed=0)
    >>> history = fl.train(fl.mlp([2, 4, 1], seed=0), data, epochs=1, keep_snapshots=True, progress=False)
    >>> measured, reference = plot_region_counts(fl.regions_over_training(history, box=(-2, 3, -2, 2)))
    >>> len(measured.get_ydata()), reference.get_ydata()[0]
    (2, 8.0)
    """
    check_instance(counts, "counts", RegionCounts, "from foldlab.regions_over_training(history, box)")
    ax = axes(ax)
    (measured,) = ax.plot(counts.epochs, counts.density, marker="o", ms=3, label="exact count / area")
    reference = ax.axhline(counts.reference, color="grey", ls="--", label=r"$\#\mathrm{neurons}^2 / 2$")
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs, never 2.5
    ax.set_ylabel("regions per unit area")
    ax.set_yscale("log")
    ax.legend(loc="best", fontsize="small")
    return RegionCountArtists(measured, reference)
