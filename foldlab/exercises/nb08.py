"""Exercises of notebook 08 (information geometry, Hamming geodesics, the local linear classifier).

Each checker rebuilds what the notebook builds (the same data split, nets, seeds and epochs; training is
seeded) and computes the answer with foldlab, so the notebook holds no answer in plain sight.
"""

from __future__ import annotations

import functools

import numpy as np
import torch

from ..data import Dataset, load_digits
from ..information import drop_biases, fisher_rao_identity, fisher_rao_norm, rescale, sensitivity_along
from ..local import local_linear_map
from ..nets import mlp
from ..patterns import activation_patterns, hamming_distance
from ..training import train
from . import Exercise, register

#: The notebook's nets: widths, and whether they have biases (all trained 5 epochs on digits with seed 0).
SMALL = (64, 32, 32, 10)
WIDE = (64, 256, 256, 256, 10)
#: The test images the notebook uses: x and the first test image of another class (section 1), the two ends
#: of the geodesic (section 4), and the image whose region section 6 looks at.
SECTION_1 = (0, 3)
SECTION_4 = (182, 190)
SECTION_6 = 0


@functools.lru_cache(maxsize=1)
def digits() -> Dataset:
    """scikit-learn's digits, split with seed 0 as in the notebook."""
    return load_digits(seed=0)


@functools.cache
def trained(widths: tuple[int, ...], biases: bool = True) -> torch.nn.Module:
    """``fl.mlp(widths, seed=0)`` (without biases when asked) trained 5 epochs on digits, as the notebook does."""
    net = mlp(list(widths), seed=0)
    if not biases:
        net = drop_biases(net)
    train(net, digits(), epochs=5, progress=False)
    return net


def _steps() -> int:
    """Pieces of constant ``||Sens||_F`` along the segment of section 1: one per region, unless two neighbouring
    regions had the same norm (a jump of 0)."""
    first, second = SECTION_1
    X = digits().X_test
    profile = sensitivity_along(trained(SMALL), X[first], X[second], n=2, output="all")
    jumps = np.abs(profile.jumps) > 1e-9 * np.abs(profile.region_norms).max()
    return int(1 + jumps.sum())


def _degree() -> int:
    data = digits()
    return fisher_rao_identity(trained(SMALL, biases=False), data.X_test, data.y_test).degree


def _rescaled_ratio() -> float:
    data, net = digits(), trained(SMALL)
    return fisher_rao_norm(rescale(net, 0, 10.0), data.X_test, data.y_test) / fisher_rao_norm(net, data.X_test,
                                                                                            data.y_test)


def _floor() -> int:
    ends = activation_patterns(trained(WIDE), digits().X_test[list(SECTION_4)])
    return hamming_distance(ends[0], ends[1])


def _rank() -> int:
    A = local_linear_map(trained(WIDE), digits().X_test[SECTION_6])[0]
    s = torch.linalg.svdvals(A)
    return int((s > 1e-10 * s[0]).sum())


register(Exercise(
    "08.1", "How many pieces of constant tangent sensitivity along the segment from x to other?", _steps,
    hint="Lemma 3.1: the sensitivity is one matrix per activation region, so count the regions the segment "
         "crosses (fl.walk finds them all).",
))
register(Exercise(
    "08.2", "For the bias-free net with two hidden layers, what factor multiplies <dl/df, f> in the identity?",
    _degree, hint="The net is homogeneous of degree L + 1 in its weights, L being the number of hidden layers.",
))
register(Exercise(
    "08.3", "Rescale layer 0 by alpha = 10: Fisher-Rao norm of the rescaled net / of the original?",
    _rescaled_ratio, compare="close", tolerance=1e-5,
    hint="The rescaled net computes the same function (Corollary 3.1 of Liang et al.).",
))
register(Exercise(
    "08.4", "The fewest bit flips any path from x1 to x2 can have?", _floor,
    hint="Every bit in which the two patterns differ must flip at least once: d_H(x1, x2).",
))
register(Exercise(
    "08.5", "How many non-zero singular values has the 10 x 64 map A of the region of x?", _rank,
    hint="A has 10 rows; it loses rank only if the masks leave fewer than 10 independent paths.",
))
