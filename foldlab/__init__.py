"""foldlab: see how neural networks cut and fold their input space.

Activation patterns and their Hamming geometry, exact 2D region arrangements, exact walks along segments
and the space-folding measures of Lewandowski et al.

>>> import foldlab as fl
>>> net = fl.mlp([2, 16, 16, 1], seed=0)
"""

from .adapter import NetSpec, read_net
from .nets import ACTIVATIONS, CantorNet, SwiGLU, mlp
from .patterns import activation_patterns, hamming_distance, hamming_matrix

from .data import TOY_SETS, Dataset, load_digits, toy_dataset
from .training import TrainHistory, accuracy, train

# === patterns and Hamming geometry, data, training (issue 1) === imports
from .patterns import in_interval, interval_patterns, interval_size
from .pattern_stats import HammingHistograms, UnitActivity, activation_probability, hamming_histograms, random_pairs
from .null_test import NullTest, bernoulli_null_test
from .data import MNIST_URL, load_mnist, read_idx
from .constellations import Constellations, Neighbors, constellation_curve, nearest_neighbors


# === arrangements and regions (issue 2) === imports
from .arrangement import Arrangement, LinearRegion, Plane, Region, TooManyRegions, arrangement
from .counting import (
    RegionCounts,
    first_layer_box,
    grid_region_count,
    hanin_rolnick_density,
    n_regions,
    n_regions_along,
    one_layer_regions,
    region_density,
    regions_over_training,
)


# === walks and folding (issue 3) === imports
from .measures import (
    GlobalFolding,
    chi,
    chi_bounds,
    global_folding,
    interaction_coefficient,
    range_metrics,
    running_chi,
    symmetric_chi,
)
from .walk import Walk, Walks, sample_walk, walk, walks


__version__ = "0.1.0"

__all__ = [
    "__version__",
    # nets
    "ACTIVATIONS",
    "CantorNet",
    "SwiGLU",
    "mlp",
    # adapter
    "NetSpec",
    "read_net",
    # patterns
    "activation_patterns",
    "hamming_distance",
    "hamming_matrix",
    # data and training
    "Dataset",
    "TOY_SETS",
    "load_digits",
    "toy_dataset",
    "TrainHistory",
    "accuracy",
    "train",
    # === patterns and Hamming geometry, data, training (issue 1) === names
    "in_interval",
    "interval_patterns",
    "interval_size",
    "HammingHistograms",
    "NullTest",
    "UnitActivity",
    "activation_probability",
    "bernoulli_null_test",
    "hamming_histograms",
    "random_pairs",
    "Constellations",
    "Neighbors",
    "constellation_curve",
    "nearest_neighbors",
    "MNIST_URL",
    "load_mnist",
    "read_idx",

    # === arrangements and regions (issue 2) === names
    "Arrangement",
    "LinearRegion",
    "Plane",
    "Region",
    "RegionCounts",
    "TooManyRegions",
    "arrangement",
    "first_layer_box",
    "grid_region_count",
    "hanin_rolnick_density",
    "n_regions",
    "n_regions_along",
    "one_layer_regions",
    "region_density",
    "regions_over_training",

    # === walks and folding (issue 3) === names
    "Walk",
    "Walks",
    "walk",
    "walks",
    "sample_walk",
    "range_metrics",
    "chi",
    "running_chi",
    "symmetric_chi",
    "interaction_coefficient",
    "chi_bounds",
    "GlobalFolding",
    "global_folding",

]
