"""Plots of walks along segments and their folding (notebooks 03 and 04).

A walk's pieces in the plane or along ``t``, its path in Hamming space, the running chi, its patterns as
bits, and CantorNet's decision region.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.patches import Polygon
from matplotlib.ticker import MaxNLocator

from ..cantornet import cantor_vertices
from ._common import axes, bit_mesh, cycle_colors

if TYPE_CHECKING:
    from ..walk import Walk

__all__ = ["plot_walk", "plot_hamming_path", "plot_running_chi", "plot_walk_patterns", "plot_cantor_region"]


def _positions(walk: Walk, x: str) -> np.ndarray:
    """Where each region is drawn: its index (``x="region"``) or where it starts on [0, 1] (``x="t"``)."""
    if x not in ("region", "t"):
        raise ValueError(f"x must be 'region' or 't', got {x!r}")
    return np.arange(len(walk)) if x == "region" else walk.ts


def plot_walk(walk: Walk, ax: Axes | None = None, *, space: str | None = None, cmap: str = "tab10",
              linewidth: float = 3.0, breakpoints: bool = True, y: float = 0.0) -> list:
    """Draw a walk: each region's piece of the segment in its own colour, breakpoints as dots.

    Parameters
    ----------
    walk : Walk
        From :func:`foldlab.walk` or :func:`foldlab.sample_walk`.
    ax : Axes, optional
    space : {"input", "t"}, optional
        ``"input"`` draws the segment in the input plane (2D inputs only, the default there);
        ``"t"`` draws it along the parameter axis ``t in [0, 1]`` at height ``y`` (any input dimension).
    cmap : str
        Region ``i`` gets colour ``i`` of this colormap (cycling).
    linewidth : float
    breakpoints : bool
        Mark where each region starts (and the end).
    y : float
        The height of the segment for ``space="t"``.

    Returns
    -------
    list of artists
        The ``LineCollection`` of pieces, then the breakpoints' ``PathCollection`` if drawn.

    Examples
    --------
    >>> import foldlab as fl
    >>> w = fl.walk(fl.CantorNet(depth=1), [0.0, 0.25], [1.0, 0.25])
    >>> lines, dots = plot_walk(w)
    >>> len(lines.get_segments()), len(dots.get_offsets())
    (3, 4)
    """
    ax = axes(ax)
    d = len(walk.x1)
    space = space or ("input" if d == 2 else "t")
    if space not in ("input", "t"):
        raise ValueError(f"space must be 'input' or 't', got {space!r}")
    if space == "input" and d != 2:
        raise ValueError(f"space='input' draws 2-D inputs, this walk has {d}-D inputs; use space='t'")
    cuts = np.append(walk.ts, 1.0)
    points = walk.points(cuts) if space == "input" else np.stack([cuts, np.full_like(cuts, y)], axis=1)
    pieces = np.stack([points[:-1], points[1:]], axis=1)
    lines = LineCollection(pieces, colors=cycle_colors(len(walk), cmap), linewidths=linewidth,
                           capstyle="butt", zorder=3)
    ax.add_collection(lines)
    artists = [lines]
    if breakpoints:
        artists.append(ax.scatter(points[:, 0], points[:, 1], s=12, c="black", zorder=4))
    if space == "t":
        ax.set_xlim(-0.02, 1.02)
        ax.set_xlabel("t")
    ax.autoscale_view()
    return artists


def plot_hamming_path(walk: Walk, ax: Axes | None = None, *, x: str = "region") -> list:
    """The walk's path in Hamming space: distance from the start and distance travelled, per region.

    ``r1`` is the highest point of the first curve and ``r2`` the end of the second; chi = 1 - r1 / r2
    measures how much the first falls short of the second.

    Parameters
    ----------
    walk : Walk
    ax : Axes, optional
    x : {"region", "t"}
        Plot against the region's index, or against ``t`` (steps at the region starts).

    Returns
    -------
    list of Line2D
        ``[distance from start, cumulative distance]``.

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
    position = _positions(walk, x)
    ax = axes(ax)
    style = dict(drawstyle="steps-post") if x == "t" else dict(marker="o", markersize=3)
    start = ax.plot(position, walk.distance_from_start, label="distance from start  d_H(π_1, π_i)", **style)[0]
    travelled = ax.plot(position, walk.cumulative_distance, label="distance travelled", **style)[0]
    ax.set_xlabel(x)
    ax.set_ylabel("Hamming distance")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(f"r1 = {walk.r1}, r2 = {walk.r2}, chi = {walk.chi:.3f}")
    ax.legend(loc="upper left")
    return [start, travelled]


def plot_running_chi(walk: Walk, ax: Axes | None = None, *, x: str = "region", label: str | None = None) -> list:
    """chi of every prefix of the walk (the curves plotted in the papers).

    Parameters
    ----------
    walk : Walk
    ax : Axes, optional
    x : {"region", "t"}
        Plot against the region's index, or against ``t`` (steps at the region starts).
    label : str, optional
        The curve's legend entry.

    Returns
    -------
    list of Line2D
        One line: ``walk.running_chi``.

    References
    ----------
    Lewandowski et al., "On Space Folds of ReLU Neural Networks" (TMLR 2025, arXiv:2502.09954): chi along a path;
    foldlab's maths page (docs/maths.md), section 'Folding measures' (running chi).

    Examples
    --------
    >>> import foldlab as fl
    >>> w = fl.walk(fl.CantorNet(depth=1), [0.0, 0.25], [1.0, 0.25])
    >>> plot_running_chi(w)[0].get_ydata().tolist()
    [0.0, 0.0, 0.5]
    """
    position = _positions(walk, x)
    ax = axes(ax)
    line = ax.plot(position, walk.running_chi, marker="o" if len(walk) < 60 else None, markersize=3,
                   drawstyle="steps-post" if x == "t" else "default", label=label)[0]
    ax.set_xlabel(x)
    ax.set_ylabel("running chi")
    ax.set_ylim(-0.02, 1.02)
    if x == "region":
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return [line]


def plot_walk_patterns(walk: Walk, ax: Axes | None = None, *, cmap=None) -> list:
    """The walk's patterns as bits: one row per region, one column per bit, blocks (layers) separated.

    The bits look as in :func:`plot_pattern_bits` (the house colours, a mesh of cells).

    Parameters
    ----------
    walk : Walk
    ax : Axes, optional
    cmap : str or Colormap, optional
        Instead of the house bit colours (0 maps to the colormap's low end, 1 to its high end).

    Returns
    -------
    list of artists
        The ``QuadMesh`` of bits, then one vertical line per block boundary.

    Examples
    --------
    >>> import foldlab as fl
    >>> w = fl.walk(fl.CantorNet(depth=1), [0.0, 0.25], [1.0, 0.25], include_output=True)
    >>> mesh, *separators = plot_walk_patterns(w)
    >>> mesh.get_array().shape, len(separators)
    ((3, 6), 2)
    """
    ax = axes(ax)
    mesh, separators = bit_mesh(ax, walk.patterns.numpy().astype(int), blocks=walk.blocks, cmap=cmap)
    ax.set_xlabel("bits (dark = 1)")
    ax.set_ylabel("region")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    return [mesh, *separators]


def plot_cantor_region(depth: int, ax: Axes | None = None, *, color: str = "tab:gray", alpha: float = 0.25) -> list:
    """CantorNet's decision region ``R_k`` in [0, 1]^2 (filled, exact polygon) and its boundary.

    Parameters
    ----------
    depth : int
        ``k``, the number of recursions.
    ax : Axes, optional
    color, alpha
        Of the region (the boundary line is drawn opaque).

    Returns
    -------
    list of artists
        ``[Polygon patch, boundary Line2D]``.

    References
    ----------
    Lewandowski, Eghbal-zadeh and Moser, "CantorNet: A Sandbox for Testing Topological and Geometrical
    Measures" (NeurIPS 2024 Workshop on Symmetry and Geometry in Neural Representations);
    foldlab's maths page (docs/maths.md), section 'CantorNet'.

    Examples
    --------
    >>> patch, line = plot_cantor_region(2)
    >>> len(line.get_xdata())
    8
    """
    ax = axes(ax)
    vertices = np.array([[float(x), float(y)] for x, y in cantor_vertices(depth)])
    outline = np.concatenate([[[0.0, 0.0]], vertices, [[1.0, 0.0]]])
    patch = ax.add_patch(Polygon(outline, closed=True, facecolor=color, alpha=alpha, edgecolor="none"))
    line = ax.plot(vertices[:, 0], vertices[:, 1], color=color, linewidth=1.5)[0]
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.05)
    ax.set_aspect("equal")
    return [patch, line]
