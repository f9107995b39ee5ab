"""foldlab: see how neural networks cut and fold their input space.

Activation patterns and their Hamming geometry, exact 2D region arrangements, exact walks along segments
and the space-folding measures of Lewandowski et al. Plotting and widgets live in the subpackages
``foldlab.plotting`` and ``foldlab.widgets`` (imported on demand, so the core runs without matplotlib's
start-up cost).

>>> import foldlab as fl
>>> net = fl.mlp([2, 16, 16, 1], seed=0)
>>> len(fl.walk(net, [-1.0, -1.0], [1.0, 1.0])) >= 1
True
"""

from .adapter import NetSpec, read_net
from . import limits
from .arrangement import Arrangement, LinearRegion, Plane, Region, arrangement
from .constellations import Constellations, Neighbors, constellation_curve, nearest_neighbors
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
from .errors import NotPiecewiseLinear, NumericalRange, OverBudget, ReadingMismatch, TooManyRegions, UnsupportedNet
from .data import MNIST_URL, TOY_SETS, Dataset, load_digits, load_mnist, read_idx, toy_dataset
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
from .nets import ACTIVATIONS, CantorNet, SwiGLU, mlp
from .null_test import NullTest, bernoulli_null_test
from .pattern_stats import HammingHistograms, UnitActivity, activation_probability, hamming_histograms, random_pairs
from .patterns import (
    activation_patterns,
    hamming_distance,
    hamming_matrix,
    in_interval,
    interval_patterns,
    interval_size,
)
from .training import TrainHistory, accuracy, train
from .walk import Walk, Walks, sample_walk, walk, walks

__version__ = "0.1.0"

__all__ = [
    "__version__",
    # networks and how foldlab reads them
    "ACTIVATIONS",
    "CantorNet",
    "SwiGLU",
    "mlp",
    "NetSpec",
    "read_net",
    # activation patterns and Hamming geometry
    "activation_patterns",
    "hamming_distance",
    "hamming_matrix",
    "in_interval",
    "interval_patterns",
    "interval_size",
    "UnitActivity",
    "activation_probability",
    "HammingHistograms",
    "hamming_histograms",
    "random_pairs",
    "NullTest",
    "bernoulli_null_test",
    "Neighbors",
    "nearest_neighbors",
    "Constellations",
    "constellation_curve",
    # exact 2D arrangements and region counting
    "Arrangement",
    "Region",
    "LinearRegion",
    "Plane",
    "arrangement",
    "RegionCounts",
    "n_regions",
    "n_regions_along",
    "region_density",
    "one_layer_regions",
    "first_layer_box",
    "grid_region_count",
    "hanin_rolnick_density",
    "regions_over_training",
    # walks along segments and the folding measures
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
    # data and training
    "Dataset",
    "TOY_SETS",
    "toy_dataset",
    "load_digits",
    "MNIST_URL",
    "load_mnist",
    "read_idx",
    "TrainHistory",
    "accuracy",
    "train",
    # errors and limits
    "TooManyRegions",
    "OverBudget",
    "UnsupportedNet",
    "NotPiecewiseLinear",
    "ReadingMismatch",
    "NumericalRange",
    "limits",
]
