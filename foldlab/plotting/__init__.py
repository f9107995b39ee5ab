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
:mod:`.information`        tangent sensitivity, Fisher-Rao norm through training, Hamming geodesics, region
                           sizes, local linear maps as images, their singular values and angles
:mod:`.folding`            folding over a data set: the class pair matrix, the chi distribution, the
                           running chi of many paths, folding against depth, width or test error
:mod:`.normalisation`      activation statistics under normalisation, layer by layer and over training
:mod:`.regularizer`        the folding regularizer's experiment: paired runs over seeds, with against without
:mod:`.training`           regions in training: one run's regions at an epoch, its exact counts per epoch
:mod:`._common`            what they share: the plot contract and its checks, axes, the house colours,
                           the bit image
========================  ========================================================================
"""

from . import folding, information, normalisation, patterns, regions, regularizer, training, walks
from ._common import BIT_COLORS, pattern_colors
from .folding import (
    ChiDistributionArtists,
    ClassPairArtists,
    RunningFoldingArtists,
    plot_chi_distribution,
    plot_class_pairs,
    plot_folding_sweep,
    plot_running_folding,
)
from .information import (
    GeodesicArtists,
    InformationTraceArtists,
    LocalMapArtists,
    NoiseAngleArtists,
    RegionSizeArtists,
    SensitivityProfileArtists,
    plot_geodesic,
    plot_information_trace,
    plot_local_maps,
    plot_noise_angles,
    plot_region_size,
    plot_sensitivity_profile,
    plot_singular_values,
)
from .normalisation import plot_normalisation_run, plot_random_layers
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
    RegionScale,
    add_scale,
    plot_arrangement,
    plot_decision_boundary,
    plot_grid_misses,
    plot_layer_lines,
    plot_linear_regions,
    plot_region_counts,
    plot_regions,
    reference_region,
    region_colors,
    region_scale,
)
from .regularizer import METRIC_LABELS, PairedRunsArtists, plot_paired_runs, regularizer_figure
from .training import RegionsRunArtists, plot_regions_run
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

__all__ = [
    "BIT_COLORS",
    "pattern_colors",
    *folding.__all__,
    *information.__all__,
    *normalisation.__all__,
    *patterns.__all__,
    *regions.__all__,
    *regularizer.__all__,
    *training.__all__,
    *walks.__all__,
]
