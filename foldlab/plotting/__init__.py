"""Plotting: every ``plot_*(obj, ax=None, *, options)`` returns the artists it drew (like shapely.plotting).

The object comes first and ``ax`` second; every other argument is a keyword. A plot returns one artist,
or a named tuple of artists (``pieces, dots = plot_walk(w)`` or ``plot_walk(w).pieces``); tests inspect
them. Nothing here calls ``plt.show()``; ``matplotlib.pyplot`` is imported only when a plot is called
without ``ax`` and makes a new figure. Bad arguments are refused before anything is drawn, with a
ValueError or TypeError naming the argument. One module per topic, all names importable from here::

    from foldlab import plotting as flp
    flp.plot_walk(fl.walk(net, x1, x2))

========================  ========================================================================
:mod:`.patterns`           a unit's half-plane, first-layer lines, pattern bits, Hamming histograms,
                           activation probabilities, the null test, constellations, image grids
:mod:`.regions`            activation and linear regions, bent lines, decision boundary, grid misses,
                           region counts through training
:mod:`.walks`              walks along segments, their Hamming path and running chi, CantorNet's region
:mod:`._common`            what they share: the plot contract and its checks, axes, the house colours,
                           the bit image
========================  ========================================================================
"""

from . import patterns, regions, walks
from ._common import BIT_COLORS, pattern_colors
from .patterns import (
    BitArtists,
    HammingHistogramArtists,
    ImageGridArtists,
    NeuronArtists,
    NullTestArtists,
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
    ArrangementArtists,
    GridMissesArtists,
    RegionCountArtists,
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
from .walks import (
    MAX_CANTOR_DEPTH,
    CantorRegionArtists,
    HammingPathArtists,
    WalkArtists,
    plot_cantor_region,
    plot_hamming_path,
    plot_running_chi,
    plot_walk,
    plot_walk_patterns,
)

__all__ = ["BIT_COLORS", "pattern_colors", *patterns.__all__, *regions.__all__, *walks.__all__]
