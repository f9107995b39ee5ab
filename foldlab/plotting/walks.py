"""Plots of walks along segments and their folding (notebooks 03 and 04).

A walk's pieces in the plane or along ``t``, its path in Hamming space, the running chi, its patterns as
bits, and CantorNet's decision region. Every function is ``plot_x(obj, ax=None, *, options)`` and returns
one artist or a named tuple of artists.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon
from matplotlib.ticker import MaxNLocator

from .._validation import check_bool, check_choice, check_float, check_int
from ..cantornet import cantor_vertices
from ..walk import Walk, Walks
from ._common import (
    Cmap,
    Color,
    axes,
    bit_mesh,
    check_cmap,
    check_color,
    check_instance,
    check_text,
    cycle_colors,
    plot_function,
)
from .patterns import BitArtists

__all__ = [
    "plot_walk",
    "plot_hamming_path",
    "plot_running_chi",
    "plot_walk_patterns",
    "plot_cantor_region",
    "WalkArtists",
    "HammingPathArtists",
    "CantorRegionArtists",
    "MAX_CANTOR_DEPTH",
]

#: The deepest CantorNet region :func:`plot_cantor_region` draws: CantorNet's own largest depth. At depth
#: ``k`` the boundary has ``2^(k+1)`` vertices and its narrowest pieces are ``3^-k`` wide (1.5e-4 at k = 8,
#: well under a pixel), so a deeper drawing would cost ``2^k`` work and show nothing more.
MAX_CANTOR_DEPTH = 8


def _walk(walk) -> Walk:
    if isinstance(walk, Walks):
        raise TypeError(f"walk must be one Walk; this is a Walks of {len(walk)} segments (from foldlab.walks): "
                        f"plot one of them, walks[i]")
    return check_instance(walk, "walk", Walk, "from foldlab.walk(net, x1, x2) or foldlab.sample_walk")


def _positions(walk: Walk, x: str) -> np.ndarray:
    """Where each region is drawn: its index (``x="region"``) or where it starts on [0, 1] (``x="t"``)."""
    return np.arange(len(walk)) if x == "region" else walk.ts


class WalkArtists(NamedTuple):
    """What :func:`plot_walk` draws."""

    #: One piece of the segment per region, each in its own colour.
    pieces: LineCollection
    #: Where each region starts, and the end; None with ``breakpoints=False``.
    breakpoints: PathCollection | None


@plot_function
def plot_walk(walk: Walk, ax: Axes | None = None, *, space: str | None = None, cmap: Cmap = "tab10",
              linewidth: float = 3.0,
              breakpoints: bool = True, y: float = 0.0) -> WalkArtists:
    """Draw a walk: each region's piece of the segment in its own colour, breakpoints as dots.

    Parameters
    ----------
    walk : Walk
        From :func:`foldlab.walk` or :func:`foldlab.sample_walk`.
    %(ax)s
    space : {"input", "t"}, optional
        ``"input"`` draws the segment in the input plane (2D inputs only, the default there);
        ``"t"`` draws it along the parameter axis ``t in [0, 1]`` at height ``y`` (any input dimension).
    cmap : str or Colormap
        Region ``i`` gets colour ``i`` of this colormap (cycling).
    linewidth : float
    breakpoints : bool
        Mark where each region starts (and the end).
    y : float
        The height of the segment for ``space="t"``.

    Returns
    -------
    WalkArtists
        ``pieces`` (LineCollection, one segment per region) and ``breakpoints`` (PathCollection or None).

    Examples
    --------
    >>> import foldlab as fl
    >>> w = fl.walk(fl.CantorNet(depth=1), [0.0, 0.25], [1.0, 0.25])
    >>> pieces, dots = plot_walk(w)
    >>> len(pieces.get_segments()), len(dots.get_offsets())
    (3, 4)
    """
    walk = _walk(walk)
    d = len(walk.x1)
    space = check_choice(space if space is not None else ("input" if d == 2 else "t"), "space", ("input", "t"))
    if space == "input" and d != 2:
        raise ValueError(f"space='input' draws 2-D inputs, this walk has {d}-D inputs; use space='t'")
    colors = cycle_colors(len(walk), cmap)
    linewidth = check_float(linewidth, "linewidth", min=0.0)
    breakpoints = check_bool(breakpoints, "breakpoints")
    y = check_float(y, "y")
    ax = axes(ax)
    cuts = np.append(walk.ts, 1.0)
    points = walk.points(cuts) if space == "input" else np.stack([cuts, np.full_like(cuts, y)], axis=1)
    pieces = LineCollection(np.stack([points[:-1], points[1:]], axis=1), colors=colors, linewidths=linewidth,
                            capstyle="butt", zorder=3)
    ax.add_collection(pieces)
    dots = ax.scatter(points[:, 0], points[:, 1], s=12, c="black", zorder=4) if breakpoints else None
    if space == "t":
        ax.set_xlim(-0.02, 1.02)
        ax.set_xlabel("t")
    ax.autoscale_view()
    return WalkArtists(pieces, dots)


class HammingPathArtists(NamedTuple):
    """What :func:`plot_hamming_path` draws."""

    #: ``d_H(pi_1, pi_i)``, the distance of each region's pattern from the first; its top is ``r1``.
    from_start: Line2D
    #: The distance travelled, region to region; its end is ``r2``.
    travelled: Line2D


@plot_function
def plot_hamming_path(walk: Walk, ax: Axes | None = None, *, x: str = "region") -> HammingPathArtists:
    """The walk's path in Hamming space: distance from the start and distance travelled, per region.

    ``r1`` is the highest point of the first curve and ``r2`` the end of the second; chi = 1 - r1 / r2
    measures how much the first falls short of the second.

    Parameters
    ----------
    walk : Walk
    %(ax)s
    x : {"region", "t"}
        Plot against the region's index, or against ``t`` (steps at the region starts).

    Returns
    -------
    HammingPathArtists
        ``from_start`` and ``travelled`` (Line2D).

    References
    ----------
    Lewandowski et al., "On Space Folds of ReLU Neural Networks" (TMLR 2025, arXiv:2502.09954): the range metrics r1,
    r2; foldlab's maths page (docs/maths.md), section 'Folding measures'.

    Examples
    --------
    >>> import foldlab as fl
    >>> w = fl.walk(fl.CantorNet(depth=1), [0.0, 0.25], [1.0, 0.25])
    >>> [line.get_ydata().tolist() for line in plot_hamming_path(w)]
    [[0, 2, 2], [0, 2, 4]]
    """
    walk = _walk(walk)
    position = _positions(walk, check_choice(x, "x", ("region", "t")))
    ax = axes(ax)
    style = dict(drawstyle="steps-post") if x == "t" else dict(marker="o", markersize=3)
    start = ax.plot(position, walk.distance_from_start, label="distance from start  d_H(π_1, π_i)", **style)[0]
    travelled = ax.plot(position, walk.cumulative_distance, label="distance travelled", **style)[0]
    ax.set_xlabel(x)
    ax.set_ylabel("Hamming distance")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(f"r1 = {walk.r1}, r2 = {walk.r2}, chi = {walk.chi:.3f}")
    ax.legend(loc="upper left")
    return HammingPathArtists(start, travelled)


@plot_function
def plot_running_chi(walk: Walk, ax: Axes | None = None, *, x: str = "region", label: str | None = None) -> Line2D:
    """chi of every prefix of the walk (the curves plotted in the papers).

    Parameters
    ----------
    walk, ax, x
        As for :func:`plot_hamming_path`.
    label : str, optional
        The curve's legend entry.

    Returns
    -------
    Line2D
        ``walk.running_chi``.

    References
    ----------
    Lewandowski et al., "On Space Folds of ReLU Neural Networks" (TMLR 2025, arXiv:2502.09954): chi along a path;
    foldlab's maths page (docs/maths.md), section 'Folding measures' (running chi).

    Examples
    --------
    >>> import foldlab as fl
    >>> w = fl.walk(fl.CantorNet(depth=1), [0.0, 0.25], [1.0, 0.25])
    >>> plot_running_chi(w).get_ydata().tolist()
    [0.0, 0.0, 0.5]
    """
    walk = _walk(walk)
    position = _positions(walk, check_choice(x, "x", ("region", "t")))
    label = check_text(label, "label")
    ax = axes(ax)
    line = ax.plot(position, walk.running_chi, marker="o" if len(walk) < 60 else None, markersize=3,
                   drawstyle="steps-post" if x == "t" else "default", label=label)[0]
    ax.set_xlabel(x)
    ax.set_ylabel("running chi")
    ax.set_ylim(-0.02, 1.02)
    if x == "region":
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return line


@plot_function
def plot_walk_patterns(walk: Walk, ax: Axes | None = None, *, cmap: Cmap | None = None) -> BitArtists:
    """The walk's patterns as bits: one row per region, one column per bit, blocks (layers) separated.

    The bits look as in :func:`plot_pattern_bits` (the house colours, a mesh of cells).

    Parameters
    ----------
    walk : Walk
    %(ax)s
    cmap : str or Colormap, optional
        Instead of the house bit colours (0 maps to the colormap's low end, 1 to its high end).

    Returns
    -------
    BitArtists
        ``mesh`` (QuadMesh of bits) and ``separators`` (LineCollection, one line per block boundary).

    Examples
    --------
    >>> import foldlab as fl
    >>> w = fl.walk(fl.CantorNet(depth=1), [0.0, 0.25], [1.0, 0.25], include_output=True)
    >>> mesh, separators = plot_walk_patterns(w)
    >>> mesh.get_array().shape, len(separators.get_segments())
    ((3, 6), 2)
    """
    walk = _walk(walk)
    cmap = None if cmap is None else check_cmap(cmap)
    ax = axes(ax)
    mesh, separators = bit_mesh(ax, walk.patterns.numpy().astype(int), blocks=walk.blocks, cmap=cmap)
    ax.set_xlabel("bits (dark = 1)")
    ax.set_ylabel("region")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    return BitArtists(mesh, separators)


class CantorRegionArtists(NamedTuple):
    """What :func:`plot_cantor_region` draws."""

    #: The region ``R_k`` below the boundary, filled.
    region: Polygon
    #: The boundary ``y = (A^k(x) + 1) / 2``.
    boundary: Line2D


@plot_function
def plot_cantor_region(depth: int, ax: Axes | None = None, *, color: Color = "tab:gray",
                       alpha: float = 0.25) -> CantorRegionArtists:
    """CantorNet's decision region ``R_k`` in [0, 1]^2 (filled, exact polygon) and its boundary.

    Parameters
    ----------
    depth : int
        ``k``, the number of recursions: 1 to :data:`MAX_CANTOR_DEPTH` (8), the depths of
        :class:`foldlab.CantorNet`. The drawing is exact: all ``2^(k+1)`` vertices.
    %(ax)s
    color, alpha
        Of the region (the boundary line is drawn opaque).

    Returns
    -------
    CantorRegionArtists
        ``region`` (Polygon patch) and ``boundary`` (Line2D).

    References
    ----------
    Lewandowski, Eghbal-zadeh and Moser, "CantorNet: A Sandbox for Testing Topological and Geometrical
    Measures" (NeurIPS 2024 Workshop on Symmetry and Geometry in Neural Representations);
    foldlab's maths page (docs/maths.md), section 'CantorNet'.

    Examples
    --------
    >>> region, boundary = plot_cantor_region(2)
    >>> len(boundary.get_xdata())
    8
    """
    depth = check_int(depth, "depth", min=1, max=MAX_CANTOR_DEPTH)
    color = check_color(color, "color")
    alpha = check_float(alpha, "alpha", min=0.0, max=1.0)
    ax = axes(ax)
    vertices = np.array([[float(x), float(y)] for x, y in cantor_vertices(depth)])
    outline = np.concatenate([[[0.0, 0.0]], vertices, [[1.0, 0.0]]])
    patch = ax.add_patch(Polygon(outline, closed=True, facecolor=color, alpha=alpha, edgecolor="none"))
    line = ax.plot(vertices[:, 0], vertices[:, 1], color=color, linewidth=1.5)[0]
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.05)
    ax.set_aspect("equal")
    return CantorRegionArtists(patch, line)
