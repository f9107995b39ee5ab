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
