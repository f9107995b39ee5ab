"""Plotting: every ``plot_*`` takes ``ax=None`` and returns the artists it drew (like shapely.plotting).

Tests inspect the returned artists; nothing here calls ``plt.show()``. Without ``ax`` a new pyplot figure
is made. One module per topic, all names importable from here::

    from foldlab import plotting as flp
    flp.plot_walk(fl.walk(net, x1, x2))

========================  ========================================================================
:mod:`.patterns`           a unit's half-plane, first-layer lines, pattern bits, Hamming histograms,
                           activation probabilities, the null test, constellations, image grids
:mod:`.regions`            activation and linear regions, bent lines, decision boundary, grid misses,
                           region counts through training
:mod:`.walks`              walks along segments, their Hamming path and running chi, CantorNet's region
:mod:`._common`            what they share: axes, the house colours, the box, the bit image
========================  ========================================================================
"""

from . import patterns, regions, walks
from ._common import BIT_COLORS, pattern_colors
from .patterns import (
    plot_activation_probability,
    plot_constellation_curve,
    plot_first_layer_lines,
    plot_hamming_histograms,
    plot_image_grid,
    plot_neighbors,
    plot_neuron,
    plot_null_test,
    plot_pattern_bits,
)
from .regions import (
    plot_arrangement,
    plot_decision_boundary,
    plot_grid_misses,
    plot_layer_lines,
    plot_linear_regions,
    plot_region_counts,
    plot_regions,
    reference_region,
    region_colors,
)
from .walks import plot_cantor_region, plot_hamming_path, plot_running_chi, plot_walk, plot_walk_patterns

__all__ = ["BIT_COLORS", "pattern_colors", *patterns.__all__, *regions.__all__, *walks.__all__]
