"""foldlab: see how neural networks cut and fold their input space.

Activation patterns and their Hamming geometry, exact 2D region arrangements, exact walks along segments
and the space-folding measures of Lewandowski et al. The top level holds the verbs, the nets, the data
and the errors; the result classes and constants live in their modules (``foldlab.walk.Walk``,
``foldlab.arrangement.Arrangement``, ...). Plotting and widgets are the subpackages ``foldlab.plotting``
and ``foldlab.widgets``, imported on demand, so that the core runs without matplotlib or ipywidgets.

>>> import foldlab as fl
>>> net = fl.mlp([2, 16, 16, 1], seed=0)
>>> len(fl.walk(net, [-1.0, -1.0], [1.0, 1.0])) >= 1
True

The maths foldlab implements, and the choices it makes where the papers leave them open, are in the
project's documentation: ``docs/maths.md``.
"""

from . import errors, limits, measures
from .adapter import read_net
from .arrangement import arrangement
from .cantornet import CantorNet
from .constellations import constellation_curve, nearest_neighbors
from .counting import (
    first_layer_box,
    grid_region_count,
    hanin_rolnick_density,
    n_regions,
    n_regions_along,
    one_layer_regions,
    region_density,
    regions_along_over_training,
    regions_over_training,
)
from .data import load_digits, load_mnist, read_idx, toy_dataset, with_label_noise
from .errors import NotPiecewiseLinear, NumericalRange, OverBudget, ReadingMismatch, TooManyRegions, UnsupportedNet
from .folding import global_folding
from .geodesic import hamming_geodesic, hamming_midpoint
from .information import fisher_rao_norm, tangent_sensitivity
from .local import distance_to_boundary, local_linear_map, region_size
from .measures import chi, chi_bounds, interaction_coefficient, range_metrics, running_chi, symmetric_chi
from .nets import Residual, SwiGLU, conv_net, mlp
from .normalisation import normalisation_statistics
from .null_test import bernoulli_null_test
from .pattern_stats import activation_probability, hamming_histograms, random_pairs
from .patterns import (
    activation_patterns,
    hamming_distance,
    hamming_matrix,
    in_interval,
    interval_patterns,
    interval_size,
)
from .regions_training import depth_sweep, regions_run
from .regularizer import FoldingRegularizer, folding_penalty, soft_chi
from .trained import pretrained
from .training import accuracy, train
from .walk import sample_walk, walk, walks

__version__ = "0.2.0.dev0"

__all__ = [
    "__version__",
    # nets, and how foldlab reads them
    "mlp",
    "conv_net",
    "SwiGLU",
    "Residual",
    "CantorNet",
    "read_net",
    # activation patterns and Hamming geometry
    "activation_patterns",
    "hamming_distance",
    "hamming_matrix",
    "in_interval",
    "interval_patterns",
    "interval_size",
    "activation_probability",
    "hamming_histograms",
    "random_pairs",
    "bernoulli_null_test",
    "normalisation_statistics",
    "nearest_neighbors",
    "constellation_curve",
    # exact 2D arrangements and region counting
    "arrangement",
    "n_regions",
    "n_regions_along",
    "region_density",
    "one_layer_regions",
    "first_layer_box",
    "grid_region_count",
    "hanin_rolnick_density",
    "regions_over_training",
    "regions_along_over_training",
    # walks along segments and the folding measures
    "walk",
    "walks",
    "sample_walk",
    *measures.__all__,  # chi, r1 and r2, running chi, ...
    "global_folding",
    # the region around an input, and paths between inputs
    "local_linear_map",
    "region_size",
    "distance_to_boundary",
    "hamming_geodesic",
    "hamming_midpoint",
    # information geometry
    "tangent_sensitivity",
    "fisher_rao_norm",
    # the folding regularizer
    "soft_chi",
    "folding_penalty",
    "FoldingRegularizer",
    # data and training
    "toy_dataset",
    "load_digits",
    "load_mnist",
    "read_idx",
    "with_label_noise",
    "accuracy",
    "train",
    "pretrained",
    "regions_run",
    "depth_sweep",
    # errors and limits
    *errors.__all__,
    "limits",
]

#: Names that left the top level in 0.2: result classes and constants live in their modules.
_MOVED = {
    "NetSpec": "adapter",
    "ACTIVATIONS": "nets",
    "Arrangement": "arrangement",
    "Region": "arrangement",
    "LinearRegion": "arrangement",
    "Plane": "arrangement",
    "RegionCounts": "counting",
    "Walk": "walk",
    "Walks": "walk",
    "GlobalFolding": "folding",
    "Constellations": "constellations",
    "Neighbors": "constellations",
    "UnitActivity": "pattern_stats",
    "HammingHistograms": "pattern_stats",
    "NullTest": "null_test",
    "TrainHistory": "training",
    "Dataset": "data",
    "TOY_SETS": "data",
    "MNIST_URL": "data",
}


def __getattr__(name: str):
    """``fl.Walk`` and the other names that moved still work for one release, with a warning."""
    if name in _MOVED:
        import importlib
        import warnings

        module = _MOVED[name]
        warnings.warn(
            f"fl.{name} moved: use `from foldlab.{module} import {name}` "
            f"(the top level keeps verbs, nets, data and errors)",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(f"{__name__}.{module}"), name)
    raise AttributeError(f"module 'foldlab' has no attribute {name!r}")
