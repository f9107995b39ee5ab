"""Widgets: each ``*_widget(...)`` builds and returns an ``ipywidgets.Widget`` without displaying it.

Tests set a control's ``value`` and assert on what changed, with no browser; the notebooks display them.
Every control's range works at both of its ends.
"""

from __future__ import annotations

import ipywidgets as widgets

__all__: list[str] = []


# === patterns and Hamming geometry (notebook 01) ===================================================


# === arrangements and regions (notebook 02) ========================================================


# === walks and folding (notebooks 03 and 04) =======================================================
