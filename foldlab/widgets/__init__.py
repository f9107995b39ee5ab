"""Widgets: each ``*_widget(...)`` builds and returns a :class:`FigureView` without displaying it.

A FigureView is one mechanism for all of them: a row of controls, an HTML label saying what is shown
(counts, chi, d_H, ...) and the PNG of a plain matplotlib figure redrawn on every change. It exposes
``.controls`` (name -> control), ``.label``, ``.image``, ``.figure`` and ``.result`` (what was computed
last: the Arrangement shown, the Walk, ...), so that a test sets a control's ``value`` and asserts on
what changed, with no browser and no kernel. Every control's range works at both of its ends, and every
control changes the picture or is disabled with a tooltip that says why::

    from foldlab import widgets as flw
    flw.arrangement_widget(width=8, depth=3)   # the last line of a notebook cell displays it

Presets and export. Under every picture, "copy settings" copies the widget's state as the call that
builds it again (``view.preset``, e.g. ``"arrangement_widget(width=8, depth=3, seed=0, ...)"``; JSON with
``view.settings()``), seed included; :func:`from_preset` opens it again, so a teacher can hand out "look
at this". :data:`PRESETS` names a few per widget::

    flw.from_preset(flw.PRESETS["cantor_walk_widget"]["first layer is flat"])
    flw.from_preset("pattern_pair_widget(net, X, first=0, second=3)", net=net, X=X)  # objects by name

The PNG and SVG buttons download the figure; ``view.export("svg")`` gives the bytes, ``view.save(path)``
writes them. In :func:`arrangement_widget` and :func:`region_walk_widget` the picture also answers the
pointer: hovering shows a region's pattern and its Hamming distance to a reference, a click moves the
reference or an end of the walk (``view.click(x, y)`` does it in a test).

========================  ========================================================================
:mod:`.patterns`           one neuron, a pair of inputs, patterns through training, nearest neighbours
:mod:`.regions`            arrangements layer by layer, regions through training, grid misses
:mod:`.walks`              CantorNet's walks, sampling against the exact walk, a walk placed by clicks
:mod:`.folding`            the paths between two classes, the folding of a net of a chosen depth
:mod:`.information`        tangent sensitivity along a segment, maps of neighbouring regions, region sizes
:mod:`.normalisation`      activation statistics of a study of normalisations, by norm, depth and epoch
:mod:`.regularizer`        the same net trained with and without the folding regularizer
:mod:`.training`           regions through training, against depth, init and label noise
:mod:`._view`              the FigureView they all return, the pointer, and the house slider
:mod:`._render`            the fast PNG: the frame drawn once, the insides of the axes redrawn
:mod:`._front`             what runs in the browser (anywidget): the pointer's picture, the toolbar
:mod:`._presets`           presets: a view's state as a call, and back
========================  ========================================================================
"""

from . import folding, information, normalisation, patterns, regions, regularizer, training, walks
from ._presets import from_preset
from ._view import FigureView, Pointer
from .folding import class_pair_widget, depth_widget
from .information import REGION_METHODS, local_map_widget, region_size_widget, sensitivity_widget
from .normalisation import normalisation_widget
from .patterns import neighbors_widget, neuron_widget, pattern_pair_widget, training_patterns_widget
from .regions import arrangement_widget, grid_misses_widget, training_regions_widget
from .regularizer import regularizer_widget
from .training import regions_in_training_widget
from .walks import (
    CANTOR_BITS,
    MAX_WALK_DEPTH,
    cantor_walk_widget,
    region_walk_widget,
    sampling_widget,
)

_MODULES = (patterns, regions, walks, folding, information, normalisation, training, regularizer)

#: Named presets of every widget: ``PRESETS[widget name][preset name]`` is a preset for :func:`from_preset`.
PRESETS = {name: presets for module in _MODULES for name, presets in getattr(module, "PRESETS", {}).items()}

__all__ = [
    "FigureView", "Pointer", "from_preset", "PRESETS",
    *(name for module in _MODULES for name in module.__all__ if name != "PRESETS"),
]
