"""What every plot shares: the axes to draw on, the house colours, the input box, the bit image.

Each helper lives here once; the topic modules (:mod:`.patterns`, :mod:`.regions`, :mod:`.walks`)
import them, so a bit, a region or a box looks the same in every notebook.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import QuadMesh
from matplotlib.colors import Colormap, ListedColormap, hsv_to_rgb

#: Colours of bits: off, on, and a bit where two patterns differ.
BIT_COLORS = ("#f2f2f2", "#27408b", "#d62728")


def axes(ax: Axes | None) -> Axes:
    """The given axes, or the axes of a new pyplot figure (so that ``plot_*(...)`` alone shows something)."""
    if ax is None:
        _, ax = plt.subplots()
    return ax


def to_numpy(values, dtype=None) -> np.ndarray:
    """A numpy array from an array, a list or a (possibly grad-tracking, GPU) torch tensor."""
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    return np.asarray(values, dtype=dtype)


def check_box(box) -> tuple[float, float, float, float]:
    """``box`` as four floats ``(xmin, xmax, ymin, ymax)``, or a ValueError naming it."""
    values = tuple(float(v) for v in np.asarray(box, dtype=float).reshape(-1))
    if len(values) != 4 or not (values[0] < values[1] and values[2] < values[3]):
        raise ValueError(f"expected a 2-D input box (xmin, xmax, ymin, ymax) with min < max, got {values}")
    return values


def set_box(ax: Axes, box) -> None:
    """Show exactly the box, with equal scales on both axes (a region's shape is not distorted)."""
    xmin, xmax, ymin, ymax = box
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal")


def pattern_colors(patterns) -> np.ndarray:
    """One RGBA colour per activation pattern, from a stable hash of its bits.

    The same pattern always gets the same colour (across redraws, sessions and machines): the hue,
    saturation and brightness come from the CRC-32 of the packed bits and the pattern's length.

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
    patterns = to_numpy(patterns, dtype=bool)
    packed = np.packbits(patterns, axis=1)
    width = patterns.shape[1].to_bytes(4, "little")
    h = np.array([zlib.crc32(row.tobytes() + width) for row in packed], dtype=np.uint64)
    hsv = np.stack(
        [(h & 0xFFFF) / 65536.0, 0.35 + 0.35 * ((h >> 16) & 0xFF) / 255.0, 0.80 + 0.18 * ((h >> 24) & 0xFF) / 255.0],
        axis=1,
    )
    rgb = hsv_to_rgb(hsv.reshape(-1, 1, 3)).reshape(-1, 3)
    return np.concatenate([rgb, np.ones((len(rgb), 1))], axis=1)


def cycle_colors(n: int, cmap: str) -> list:
    """``n`` colours of a colormap: its own colours in turn for a qualitative map (tab10), else spread."""
    colormap = plt.get_cmap(cmap)
    size = getattr(colormap, "N", 256)
    return [colormap(i % size if size < 256 else i / max(n - 1, 1)) for i in range(n)]


def bit_mesh(ax: Axes, rows: np.ndarray, *, blocks: Sequence[tuple[str, int]] | None = None,
             cmap: str | Colormap | None = None) -> tuple[QuadMesh, list]:
    """Bits as a mesh of cells, one row per pattern, with a line and a name per block of columns.

    A mesh of cells rather than an image: no resampling can smear a one-bit difference at any figure
    size. Without ``cmap`` the cells take :data:`BIT_COLORS` (0 off, 1 on, 2 differs); a colormap
    spans 0 (off) to 1 (on). Returns the mesh and the blocks' separating lines.
    """
    rows = np.asarray(rows)
    k, m = rows.shape
    colormap, vmax = (ListedColormap(BIT_COLORS), 2) if cmap is None else (cmap, 1)
    mesh = ax.pcolormesh(np.arange(m + 1) - 0.5, np.arange(k + 1) - 0.5, rows, cmap=colormap, vmin=0, vmax=vmax)
    ax.set_ylim(k - 0.5, -0.5)  # the first pattern on top
    if blocks is None:
        ax.set_xlabel("unit")
        return mesh, []
    names = [name for name, _ in blocks]
    widths = [int(width) for _, width in blocks]
    if sum(widths) != m:
        raise ValueError(f"widths {widths} add up to {sum(widths)}, but the patterns have {m} bits")
    edges = np.cumsum([0, *widths])
    separators = [ax.axvline(edge - 0.5, color="black", lw=1.5) for edge in edges[1:-1]]
    ax.set_xticks((edges[:-1] + edges[1:]) / 2 - 0.5, names)
    return mesh, separators
