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


# === walks and folding (notebooks 03 and 04) =======================================================
# (this section's imports are here, so that the sections merge independently)
from typing import TYPE_CHECKING  # noqa: E402

import numpy as np  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

if TYPE_CHECKING:
    from .walk import Walk

__all__ += ["plot_walk", "plot_hamming_path", "plot_running_chi", "plot_walk_patterns", "plot_cantor_region"]

def _walk_colors(n: int, cmap: str):
    colormap = plt.get_cmap(cmap)
    size = getattr(colormap, "N", 256)
    return [colormap(i % size if size < 256 else i / max(n - 1, 1)) for i in range(n)]


def plot_walk(walk: Walk, ax: Axes | None = None, *, space: str | None = None, cmap: str = "tab10",
              linewidth: float = 3.0, breakpoints: bool = True, y: float = 0.0) -> list:
    """Draw a walk: each region's piece of the segment in its own colour, breakpoints as dots.

    Parameters
    ----------
    walk : Walk
        From :func:`foldlab.walk` or :func:`foldlab.sample_walk`.
    ax : matplotlib Axes, optional
    space : {"input", "t"}, optional
        ``"input"`` draws the segment in the input plane (2D inputs only, the default there);
        ``"t"`` draws it along the parameter axis ``t in [0, 1]`` at height ``y`` (any input dimension).
    cmap : str
        Region ``i`` gets colour ``i`` of this colormap (cycling).
    breakpoints : bool
        Mark where each region starts (and the end).

    Returns
    -------
    list of artists
        The ``LineCollection`` of pieces, then the breakpoints' ``PathCollection`` if drawn.

    Examples
    --------
    >>> import foldlab as fl, torch
    >>> w = fl.walk(fl.CantorNet(depth=1), [0.0, 0.25], [1.0, 0.25])
    >>> lines, dots = plot_walk(w)
    >>> len(lines.get_segments()), len(dots.get_offsets())
    (3, 4)
    """
    from matplotlib.collections import LineCollection

    ax = _axes(ax)
    d = len(walk.x1)
    space = space or ("input" if d == 2 else "t")
    if space not in ("input", "t"):
        raise ValueError(f"space must be 'input' or 't', got {space!r}")
    if space == "input" and d != 2:
        raise ValueError(f"space='input' draws 2-D inputs, this walk has {d}-D inputs; use space='t'")
    cuts = np.append(walk.ts, 1.0)
    if space == "input":
        points = walk.points(cuts)
    else:
        points = np.stack([cuts, np.full_like(cuts, y)], axis=1)
    pieces = np.stack([points[:-1], points[1:]], axis=1)
    lines = LineCollection(pieces, colors=_walk_colors(len(walk), cmap), linewidths=linewidth,
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
    x : {"region", "t"}
        Plot against the region's index, or against ``t`` (steps at the region starts).

    Returns
    -------
    list of Line2D
        ``[distance from start, cumulative distance]``.

    Examples
    --------
    >>> import foldlab as fl
    >>> w = fl.walk(fl.CantorNet(depth=1), [0.0, 0.25], [1.0, 0.25])
    >>> [line.get_ydata().tolist() for line in plot_hamming_path(w)]
    [[0, 2, 2], [0, 2, 4]]
    """
    if x not in ("region", "t"):
        raise ValueError(f"x must be 'region' or 't', got {x!r}")
    ax = _axes(ax)
    position = np.arange(len(walk)) if x == "region" else walk.ts
    style = dict(drawstyle="steps-post") if x == "t" else dict(marker="o", markersize=3)
    start = ax.plot(position, walk.distance_from_start, label="distance from start  d_H(π_1, π_i)", **style)[0]
    travelled = ax.plot(position, walk.cumulative_distance, label="distance travelled", **style)[0]
    ax.set_xlabel("region" if x == "region" else "t")
    ax.set_ylabel("Hamming distance")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(f"r1 = {walk.r1}, r2 = {walk.r2}, chi = {walk.chi:.3f}")
    ax.legend(loc="upper left")
    return [start, travelled]


def plot_running_chi(walk: Walk, ax: Axes | None = None, *, x: str = "region", label: str | None = None) -> list:
    """chi of every prefix of the walk (the curves plotted in the papers).

    Examples
    --------
    >>> import foldlab as fl
    >>> w = fl.walk(fl.CantorNet(depth=1), [0.0, 0.25], [1.0, 0.25])
    >>> plot_running_chi(w)[0].get_ydata().tolist()
    [0.0, 0.0, 0.5]
    """
    if x not in ("region", "t"):
        raise ValueError(f"x must be 'region' or 't', got {x!r}")
    ax = _axes(ax)
    position = np.arange(len(walk)) if x == "region" else walk.ts
    line = ax.plot(position, walk.running_chi, marker="o" if len(walk) < 60 else None, markersize=3,
                   drawstyle="steps-post" if x == "t" else "default", label=label)[0]
    ax.set_xlabel("region" if x == "region" else "t")
    ax.set_ylabel("running chi")
    ax.set_ylim(-0.02, 1.02)
    if x == "region":
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return [line]


def plot_walk_patterns(walk: Walk, ax: Axes | None = None, *, cmap: str = "Greys") -> list:
    """The walk's patterns as an image: one row per region, one column per bit, blocks separated.

    Returns
    -------
    list of artists
        The ``AxesImage``, then one vertical line per block boundary.

    Examples
    --------
    >>> import foldlab as fl
    >>> w = fl.walk(fl.CantorNet(depth=1), [0.0, 0.25], [1.0, 0.25], include_output=True)
    >>> image, *separators = plot_walk_patterns(w)
    >>> image.get_array().shape, len(separators)
    ((3, 6), 2)
    """
    ax = _axes(ax)
    image = ax.imshow(walk.patterns.numpy().astype(float), cmap=cmap, vmin=0, vmax=1, aspect="auto",
                      interpolation="nearest")
    artists = [image]
    stop = 0
    for name, width in walk.blocks[:-1]:
        stop += width
        artists.append(ax.axvline(stop - 0.5, color="tab:red", linewidth=1.5))
    ax.set_xlabel(" | ".join(name for name, _ in walk.blocks) + "  (bits, black = 1)")
    ax.set_ylabel("region")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return artists


def plot_cantor_region(depth: int, ax: Axes | None = None, *, color: str = "tab:gray", alpha: float = 0.25) -> list:
    """CantorNet's decision region ``R_k`` in [0, 1]^2 (filled, exact polygon) and its boundary.

    Returns
    -------
    list of artists
        ``[Polygon patch, boundary Line2D]``.

    Examples
    --------
    >>> patch, line = plot_cantor_region(2)
    >>> len(line.get_xdata())
    8
    """
    from matplotlib.patches import Polygon

    from .nets import cantor_vertices

    ax = _axes(ax)
    vertices = np.array([[float(x), float(y)] for x, y in cantor_vertices(depth)])
    outline = np.concatenate([[[0.0, 0.0]], vertices, [[1.0, 0.0]]])
    patch = ax.add_patch(Polygon(outline, closed=True, facecolor=color, alpha=alpha, edgecolor="none"))
    line = ax.plot(vertices[:, 0], vertices[:, 1], color=color, linewidth=1.5)[0]
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.05)
    ax.set_aspect("equal")
    return [patch, line]
