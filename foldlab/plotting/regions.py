"""Plots of exact 2D arrangements: regions, linear regions, bent lines, decision boundary (notebook 02).

Regions are drawn as one collection from the arrangement's vertex arrays (fast enough to redraw under
a slider). Colours come from the pattern through a stable hash (:func:`pattern_colors`), so a region
keeps its colour when the figure is redrawn, as long as its pattern is the same.
"""

from __future__ import annotations

import numpy as np
import shapely
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PathCollection, PolyCollection
from matplotlib.colors import Normalize, TwoSlopeNorm
from matplotlib.lines import Line2D
from matplotlib.path import Path

from ..counting import grid_points
from ._common import axes, cycle_colors, pattern_colors, set_box

__all__ = [
    "region_colors",
    "reference_region",
    "plot_regions",
    "plot_linear_regions",
    "plot_decision_boundary",
    "plot_layer_lines",
    "plot_grid_misses",
    "plot_arrangement",
    "plot_region_counts",
]

COLOR_BY = ("pattern", "active", "hamming", "output")


def _vertex_lists(arr) -> list[np.ndarray]:
    """Each region's vertices, counter-clockwise, shape (k_r, 2)."""
    return [arr.vertices(r) for r in range(len(arr))]


def _frame(ax: Axes, arr) -> None:
    set_box(ax, arr.box)
    if arr.plane is not None:
        ax.set_xlabel("u")
        ax.set_ylabel("v")


def region_colors(arr, color_by: str = "pattern", *, reference=None, cmap=None) -> np.ndarray:
    """RGBA colours of an arrangement's regions.

    Parameters
    ----------
    arr : Arrangement
    color_by : {"pattern", "active", "hamming", "output"}
        ``"pattern"``: a stable hash of the pattern (:func:`pattern_colors`); ``"active"``: the number
        of active neurons; ``"hamming"``: the Hamming distance to the region ``reference`` (a region
        index, or a point ``(x, y)`` whose region is used; default: the region at the box centre);
        ``"output"``: the net's output at the region's centre (one output, diverging around 0) or the
        class there (several outputs).
    reference : int or (x, y), optional
        For ``color_by="hamming"``; see :func:`reference_region`.
    cmap : str or Colormap, optional
        Overrides the colormap of ``"active"`` (viridis), ``"hamming"`` (magma_r) or ``"output"``
        (RdBu_r, or tab10 for classes).

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
    if color_by not in COLOR_BY:
        raise ValueError(f"color_by must be one of {COLOR_BY}, got {color_by!r}")
    patterns = arr.patterns
    if color_by == "pattern":
        return pattern_colors(patterns)
    if color_by == "active":
        active = patterns.sum(axis=1)
        return colormaps[cmap or "viridis"](Normalize(0, max(patterns.shape[1], 1))(active))
    if color_by == "hamming":
        index = reference_region(arr, reference)
        distance = (patterns != patterns[index]).sum(axis=1)
        return colormaps[cmap or "magma_r"](Normalize(0, max(int(distance.max()), 1))(distance))
    centres = np.array([v.mean(axis=0) for v in _vertex_lists(arr)]).reshape(-1, 2)
    out = np.einsum("rok,rk->ro", arr.A, centres) + arr.c
    if out.shape[1] == 1:
        v = out[:, 0]
        top = max(float(np.abs(v).max()), 1e-12)
        return colormaps[cmap or "RdBu_r"](TwoSlopeNorm(0.0, -top, top)(v))
    return colormaps[cmap or "tab10"](out.argmax(axis=1) % 10)


def reference_region(arr, reference=None) -> int:
    """A region's index from an index, a point ``(x, y)`` of the box, or None (the box centre).

    A point on a line between regions gives the nearest region.

    Examples
    --------
    >>> import foldlab as fl
    >>> arr = fl.arrangement(fl.CantorNet(depth=1), box=(0, 1, 0, 1))
    >>> reference_region(arr, 2), reference_region(arr, (0.1, 0.1)) == reference_region(arr, (0.9, 0.1))
    (2, False)
    """
    if reference is None:
        xmin, xmax, ymin, ymax = arr.box
        reference = ((xmin + xmax) / 2, (ymin + ymax) / 2)
    if np.ndim(reference) == 0:
        index = int(reference)
        if not 0 <= index < len(arr):
            raise ValueError(f"reference region {index} is out of range: the arrangement has {len(arr)} regions")
        return index
    point = np.asarray(reference, dtype=float).reshape(1, 2)
    index = int(arr.locate(point)[0])
    if index < 0:  # on a line: take the nearest region
        index = int(np.argmin(shapely.distance(arr.polygons, shapely.points(point[0]))))
    return index


def plot_regions(arr, ax: Axes | None = None, *, color_by: str = "pattern", reference=None, cmap=None,
                 edgecolor="white", linewidth: float = 0.4, alpha: float = 1.0) -> PolyCollection:
    """Fill every activation region of an arrangement.

    Parameters
    ----------
    arr : Arrangement
    ax : Axes, optional
    color_by, reference, cmap
        See :func:`region_colors`.
    edgecolor, linewidth, alpha
        Of the polygons.

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
    ax = axes(ax)
    colors = region_colors(arr, color_by, reference=reference, cmap=cmap)
    collection = PolyCollection(_vertex_lists(arr), facecolors=colors, edgecolors=edgecolor, linewidths=linewidth,
                                alpha=alpha)
    ax.add_collection(collection)
    _frame(ax, arr)
    return collection


def _polygon_path(polygon) -> Path:
    rings = [polygon.exterior, *polygon.interiors]
    return Path.make_compound_path(*[Path(np.asarray(r.coords)[:, :2], closed=True) for r in rings])


def plot_linear_regions(arr, ax: Axes | None = None, *, edgecolor="white", linewidth: float = 1.0,
                        alpha: float = 1.0) -> PathCollection:
    """Fill the linear regions (activation regions with equal maps merged; maybe non-convex, with holes).

    Each is coloured by the stable colour of its largest activation region.

    Parameters
    ----------
    arr : Arrangement
    ax : Axes, optional
    edgecolor, linewidth, alpha
        Of the regions.

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
    ax = axes(ax)
    linear = arr.linear_regions()
    areas = arr.areas
    biggest = [max(lr.members, key=lambda m: areas[m]) for lr in linear]
    collection = PathCollection([_polygon_path(lr.polygon) for lr in linear], facecolors=pattern_colors(
        arr.patterns[biggest]), edgecolors=edgecolor, linewidths=linewidth, alpha=alpha, offsets=None)
    collection.set_transform(ax.transData)
    ax.add_collection(collection)
    _frame(ax, arr)
    return collection


def plot_decision_boundary(arr, ax: Axes | None = None, *, color="black", linewidth: float = 2.0,
                           **kwargs) -> LineCollection:
    """Draw the decision boundary (``arr.decision_boundary()``).

    Parameters
    ----------
    arr : Arrangement
        Complete (every hidden layer included).
    ax : Axes, optional
    color, linewidth, **kwargs
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
    ax = axes(ax)
    collection = LineCollection(arr.decision_boundary(), colors=color, linewidths=linewidth, **kwargs)
    ax.add_collection(collection)
    _frame(ax, arr)
    return collection


def plot_layer_lines(arr, layer: int, ax: Axes | None = None, *, linewidth: float = 1.2, cmap="tab20",
                     **kwargs) -> LineCollection:
    """Draw the lines of hidden layer ``layer`` (where its neurons are 0), one colour per neuron.

    On ``arr.upto(layer - 1)`` this shows how the earlier layers bend the next layer's lines.

    Parameters
    ----------
    arr : Arrangement
    layer : int
        A hidden layer up to ``arr.depth`` (the first one the arrangement does not include).
    ax : Axes, optional
    linewidth, cmap, **kwargs
        Of the LineCollection; neuron ``j`` takes colour ``j`` of ``cmap`` (cycling).

    Returns
    -------
    LineCollection
        The segments of ``arr.lines(layer)``.

    Examples
    --------
    >>> import foldlab as fl
    >>> arr = fl.arrangement(fl.mlp([2, 3, 1], seed=0))
    >>> len(plot_layer_lines(arr, 0).get_segments()) == len(arr.lines(0)[0])
    True
    """
    ax = axes(ax)
    segments, neuron = arr.lines(layer)
    palette = cycle_colors(20, cmap)
    collection = LineCollection(segments, colors=[palette[j % 20] for j in neuron], linewidths=linewidth, **kwargs)
    ax.add_collection(collection)
    _frame(ax, arr)
    return collection


def plot_grid_misses(arr, resolution: int, ax: Axes | None = None, *, color="crimson",
                     point_size: float = 4.0) -> tuple[PolyCollection, PathCollection]:
    """Exact vs grid: the regions a ``resolution x resolution`` grid of samples misses, and the grid.

    Parameters
    ----------
    arr : Arrangement
    resolution : int
        Grid points per side (the centres of the grid's cells, :func:`foldlab.counting.grid_points`).
    ax : Axes, optional
    color, point_size
        Of the missed regions and of the grid points.

    Returns
    -------
    (PolyCollection, PathCollection)
        The missed regions (filled, hatched) and the grid points.

    Examples
    --------
    >>> import foldlab as fl
    >>> arr = fl.arrangement(fl.mlp([2, 16, 16, 1], seed=0))
    >>> missed, points = plot_grid_misses(arr, 10)
    >>> len(missed.get_paths()), len(points.get_offsets())
    (76, 100)
    """
    ax = axes(ax)
    missed = arr.missed_by_grid(resolution)
    vertices = [v for v, m in zip(_vertex_lists(arr), missed) if m]
    regions = PolyCollection(vertices, facecolors=color, edgecolors=color, linewidths=0.8, alpha=0.75, hatch="////")
    ax.add_collection(regions)
    points = grid_points(arr.box, resolution)
    dots = ax.scatter(points[:, 0], points[:, 1], s=point_size, c="black", linewidths=0)
    _frame(ax, arr)
    return regions, dots


def plot_arrangement(arr, ax: Axes | None = None, *, color_by: str = "pattern", boundary: bool = True,
                     linear: bool = False, reference=None, mark_points: bool = True, **kwargs) -> list:
    """Regions (activation, or linear with ``linear=True``), the decision boundary, the plane's points.

    This is ``arr.plot()``.

    Parameters
    ----------
    arr : Arrangement
    ax : Axes, optional
    color_by, reference
        See :func:`region_colors` (activation regions only; linear regions take the pattern colours).
    boundary : bool
        Draw the decision boundary (when every hidden layer is included).
    linear : bool
        Fill the linear regions instead of the activation regions.
    mark_points : bool
        For an arrangement on a plane, mark and name its three points ``p0, p1, p2``.
    **kwargs
        Passed to :func:`plot_regions` or :func:`plot_linear_regions`.

    Returns
    -------
    list of artists
        The regions' collection, then the boundary's (when drawn), then the marked points and their names.

    Examples
    --------
    >>> import foldlab as fl
    >>> regions, boundary = plot_arrangement(fl.arrangement(fl.CantorNet(depth=1), box=(0, 1, 0, 1)))
    >>> len(regions.get_paths()), len(boundary.get_segments())
    (3, 3)
    """
    ax = axes(ax)
    if linear:
        artists = [plot_linear_regions(arr, ax, **kwargs)]
    else:
        artists = [plot_regions(arr, ax, color_by=color_by, reference=reference, **kwargs)]
    if boundary and arr.complete:
        artists.append(plot_decision_boundary(arr, ax))
    if mark_points and arr.plane is not None:
        p = arr.plane.points
        artists.append(ax.scatter(p[:, 0], p[:, 1], s=40, c="black", marker="*", zorder=3))
        for i, (u, v) in enumerate(p):
            artists.append(ax.annotate(f"p{i}", (u, v), textcoords="offset points", xytext=(4, 4)))
    return artists


def plot_region_counts(counts, ax: Axes | None = None) -> list[Line2D]:
    """Regions per unit area through training, with Hanin and Rolnick's ``#neurons^2 / 2``.

    This is ``counts.plot()``.

    Parameters
    ----------
    counts : RegionCounts
        From :func:`foldlab.regions_over_training`.
    ax : Axes, optional

    Returns
    -------
    list of Line2D
        The measured density, then the reference line.

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
    ax = axes(ax)
    (measured,) = ax.plot(counts.epochs, counts.density, marker="o", ms=3, label="exact count / area")
    reference = ax.axhline(counts.reference, color="grey", ls="--", label=r"$\#\mathrm{neurons}^2 / 2$")
    ax.set_xlabel("epoch")
    ax.set_ylabel("regions per unit area")
    ax.set_yscale("log")
    ax.legend(loc="best", fontsize="small")
    return [measured, reference]
