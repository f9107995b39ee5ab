"""Plotting: every function takes ``ax=None`` and returns the artists it drew (like shapely.plotting).

Tests inspect the returned artists; nothing here calls ``plt.show()``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

__all__: list[str] = []


def _axes(ax: Axes | None) -> Axes:
    """The given axes, or the current ones of a new figure."""
    if ax is None:
        _, ax = plt.subplots()
    return ax


# === patterns and Hamming geometry (notebook 01) ===================================================


# === arrangements and regions (notebook 02) ========================================================

# Regions are drawn as one PolyCollection from the arrangement's flat vertex arrays (fast enough to
# redraw under a slider); colours come from the pattern through a stable hash, so a region keeps its
# colour when the figure is redrawn, as long as its pattern is the same.
# (Imports sit here, not at the top, so that each notebook's section merges on its own.)
import zlib  # noqa: E402

import numpy as np  # noqa: E402
import shapely  # noqa: E402
from matplotlib import colormaps  # noqa: E402
from matplotlib.collections import LineCollection, PathCollection, PolyCollection  # noqa: E402
from matplotlib.colors import Normalize, TwoSlopeNorm, hsv_to_rgb  # noqa: E402
from matplotlib.path import Path  # noqa: E402

_COLOR_BY = ("pattern", "active", "hamming", "output")


def pattern_colors(patterns) -> np.ndarray:
    """One RGBA colour per activation pattern, from a stable hash of its bits.

    The same pattern always gets the same colour (across redraws, sessions and machines): the hue,
    saturation and brightness come from the CRC-32 of the packed bits.

    Parameters
    ----------
    patterns : array of bool, shape (R, m)

    Returns
    -------
    ndarray, shape (R, 4)

    Examples
    --------
    >>> import numpy as np
    >>> c = pattern_colors(np.array([[1, 0, 1], [1, 0, 1], [0, 0, 1]], dtype=bool))
    >>> bool((c[0] == c[1]).all()), bool((c[0] == c[2]).all())
    (True, False)
    """

    patterns = np.asarray(patterns, dtype=bool)
    packed = np.packbits(patterns, axis=1)
    width = patterns.shape[1]
    h = np.array([zlib.crc32(row.tobytes() + width.to_bytes(4, "little")) for row in packed], dtype=np.uint64)
    hsv = np.stack(
        [(h & 0xFFFF) / 65536.0, 0.35 + 0.35 * ((h >> 16) & 0xFF) / 255.0, 0.80 + 0.18 * ((h >> 24) & 0xFF) / 255.0],
        axis=1,
    )
    rgb = hsv_to_rgb(hsv.reshape(-1, 1, 3)).reshape(-1, 3)
    return np.concatenate([rgb, np.ones((len(rgb), 1))], axis=1)


def region_colors(arr, color_by: str = "pattern", *, reference=None, cmap=None) -> np.ndarray:
    """RGBA colours of an arrangement's regions, shape (R, 4).

    Parameters
    ----------
    arr : Arrangement
    color_by : {"pattern", "active", "hamming", "output"}
        ``"pattern"``: a stable hash of the pattern (:func:`pattern_colors`); ``"active"``: the number
        of active neurons; ``"hamming"``: the Hamming distance to the region ``reference`` (a region
        index, or a point ``(x, y)`` whose region is used; default: the region at the box centre);
        ``"output"``: the net's output at the region's centre (one output, diverging around 0) or the
        class there (several outputs).
    cmap : str or Colormap, optional
    """

    if color_by not in _COLOR_BY:
        raise ValueError(f"color_by must be one of {_COLOR_BY}, got {color_by!r}")
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
    centre = arr.levels[-1].centre
    out = np.einsum("rok,rk->ro", arr.A, centre) + arr.c
    if out.shape[1] == 1:
        v = out[:, 0]
        top = max(float(np.abs(v).max()), 1e-12)
        return colormaps[cmap or "RdBu_r"](TwoSlopeNorm(0.0, -top, top)(v))
    return colormaps[cmap or "tab10"](out.argmax(axis=1) % 10)


def reference_region(arr, reference=None) -> int:
    """A region index from an index, a point ``(x, y)`` in the box, or None (the box centre)."""

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


def _region_vertex_lists(arr) -> list:

    level = arr.levels[-1]
    return np.split(level.xy, level.start[1:-1])


def _frame(ax: Axes, arr) -> None:
    xmin, xmax, ymin, ymax = arr.box
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal")
    if arr.plane is not None:
        ax.set_xlabel("u")
        ax.set_ylabel("v")


def plot_regions(
    arr,
    ax: Axes | None = None,
    *,
    color_by: str = "pattern",
    reference=None,
    cmap=None,
    edgecolor="white",
    linewidth: float = 0.4,
    alpha: float = 1.0,
):
    """Fill every activation region of an arrangement; see :func:`region_colors` for ``color_by``.

    Returns
    -------
    matplotlib.collections.PolyCollection
        One polygon per region, in the order of ``arr.regions``.

    Examples
    --------
    >>> import foldlab as fl
    >>> arr = fl.arrangement(fl.mlp([2, 8, 8, 1], seed=0))
    >>> len(plot_regions(arr).get_paths()) == len(arr)
    True
    """
    ax = _axes(ax)
    colors = region_colors(arr, color_by, reference=reference, cmap=cmap)
    collection = PolyCollection(
        _region_vertex_lists(arr), facecolors=colors, edgecolors=edgecolor, linewidths=linewidth, alpha=alpha
    )
    ax.add_collection(collection)
    _frame(ax, arr)
    return collection


def _polygon_path(polygon):
    rings = [polygon.exterior, *polygon.interiors]
    return Path.make_compound_path(*[Path(np.asarray(r.coords)[:, :2], closed=True) for r in rings])


def plot_linear_regions(arr, ax: Axes | None = None, *, edgecolor="white", linewidth: float = 1.0, alpha: float = 1.0):
    """Fill the linear regions (activation regions with equal maps merged; maybe non-convex).

    Each is coloured by the stable colour of its largest activation region.

    Returns
    -------
    matplotlib.collections.PathCollection
    """
    ax = _axes(ax)
    linear = arr.linear_regions()
    areas = arr.areas
    biggest = [max(lr.members, key=lambda m: areas[m]) for lr in linear]
    colors = pattern_colors(arr.patterns[biggest])
    paths = [_polygon_path(lr.polygon) for lr in linear]
    collection = PathCollection(
        paths, facecolors=colors, edgecolors=edgecolor, linewidths=linewidth, alpha=alpha, offsets=None
    )
    collection.set_transform(ax.transData)
    ax.add_collection(collection)
    _frame(ax, arr)
    return collection


def plot_decision_boundary(arr, ax: Axes | None = None, *, color="black", linewidth: float = 2.0, **kwargs):
    """Draw the decision boundary (``arr.decision_boundary()``) as a LineCollection."""
    ax = _axes(ax)
    collection = LineCollection(arr.decision_boundary(), colors=color, linewidths=linewidth, **kwargs)
    ax.add_collection(collection)
    _frame(ax, arr)
    return collection


def plot_layer_lines(arr, layer: int, ax: Axes | None = None, *, linewidth: float = 1.2, cmap="tab20", **kwargs):
    """Draw the lines of hidden layer ``layer`` (where its neurons are 0), one colour per neuron.

    On ``arr.upto(layer - 1)`` this shows how the earlier layers bend the next layer's lines.

    Returns
    -------
    matplotlib.collections.LineCollection
    """
    ax = _axes(ax)
    segments, neuron = arr.lines(layer)
    colors = colormaps[cmap](neuron % 20)
    collection = LineCollection(segments, colors=colors, linewidths=linewidth, **kwargs)
    ax.add_collection(collection)
    _frame(ax, arr)
    return collection


def plot_grid_misses(arr, resolution: int, ax: Axes | None = None, *, color="crimson", point_size: float = 4.0):
    """Exact vs grid: the regions a ``resolution x resolution`` grid of samples misses, and the grid.

    Returns
    -------
    (PolyCollection, PathCollection)
        The missed regions (filled, hatched) and the grid points.
    """
    from .counting import grid_points

    ax = _axes(ax)
    missed = arr.missed_by_grid(resolution)
    vertices = [v for v, m in zip(_region_vertex_lists(arr), missed) if m]
    regions = PolyCollection(vertices, facecolors=color, edgecolors=color, linewidths=0.8, alpha=0.75, hatch="////")
    ax.add_collection(regions)
    points = grid_points(arr.box, resolution)
    dots = ax.scatter(points[:, 0], points[:, 1], s=point_size, c="black", linewidths=0)
    _frame(ax, arr)
    return regions, dots


def plot_arrangement(
    arr,
    ax: Axes | None = None,
    *,
    color_by: str = "pattern",
    boundary: bool = True,
    linear: bool = False,
    reference=None,
    mark_points: bool = True,
    **kwargs,
) -> list:
    """Regions (activation, or linear with ``linear=True``), the decision boundary, the plane's points.

    Returns
    -------
    list of artists
        The regions' collection, then the boundary's (when drawn and complete), then the marked points.
    """
    ax = _axes(ax)
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


def plot_region_counts(counts, ax: Axes | None = None) -> list:
    """Regions per unit area through training, with Hanin and Rolnick's ``#neurons^2 / 2``.

    Returns
    -------
    list of Line2D
        The measured density, then the reference line.
    """
    ax = _axes(ax)
    (measured,) = ax.plot(counts.epochs, counts.density, marker="o", ms=3, label="exact count / area")
    reference = ax.axhline(counts.reference, color="grey", ls="--", label=r"$\#\mathrm{neurons}^2 / 2$")
    ax.set_xlabel("epoch")
    ax.set_ylabel("regions per unit area")
    ax.set_yscale("log")
    ax.legend(loc="best", fontsize="small")
    return [measured, reference]


__all__ += [
    "pattern_colors",
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



# === walks and folding (notebooks 03 and 04) =======================================================
