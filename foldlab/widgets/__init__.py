"""Widgets: each ``*_widget(...)`` builds and returns a :class:`FigureView` without displaying it.

A FigureView is one mechanism for all of them: a row of controls, an HTML label saying what is shown
(counts, chi, d_H, ...) and the PNG of a plain matplotlib figure redrawn on every change. It exposes
``.controls`` (name -> control), ``.label``, ``.image``, ``.figure`` and ``.result`` (what was computed
last: the Arrangement shown, the Walk, ...), so that a test sets a control's ``value`` and asserts on
what changed, with no browser and no kernel. Every control's range works at both of its ends::

    from foldlab import widgets as flw
    flw.arrangement_widget(width=8, depth=3)   # the last line of a notebook cell displays it

========================  ========================================================================
:mod:`.patterns`           one neuron, a pair of inputs, patterns through training, nearest neighbours
:mod:`.regions`            arrangements layer by layer, regions through training, grid misses
:mod:`.walks`              CantorNet's walks, sampling against the exact walk
:mod:`._view`              the FigureView they all return, and the house slider
========================  ========================================================================
"""

from . import patterns, regions, walks
from ._view import FigureView
from .patterns import neighbors_widget, neuron_widget, pattern_pair_widget, training_patterns_widget
from .regions import arrangement_widget, grid_misses_widget, training_regions_widget
from .walks import CANTOR_BITS, MAX_WALK_DEPTH, cantor_walk_widget, sampling_widget

__all__ = ["FigureView", *patterns.__all__, *regions.__all__, *walks.__all__]
