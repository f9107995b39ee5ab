"""Exercises of notebook 01 (activation patterns and their Hamming geometry); foldlab computes every answer."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

from ..constellations import nearest_neighbors
from ..data import load_digits, toy_dataset
from ..nets import mlp
from ..null_test import bernoulli_null_test
from ..patterns import activation_patterns, in_interval, interval_size
from ..training import train
from ..walk import walk
from . import Exercise, one_thread, register

#: The notebook's moons and its untrained 2D net (section 2 and 3), and its digits net (sections 4 to 7).
MOONS = dict(name="moons", n=300, noise=0.1, seed=0)
NET_2D = dict(widths=[2, 6, 6, 1], seed=0)
DIGITS_NET = dict(widths=[64, 32, 32, 10], seed=0)
EPOCHS = 5


def one_unit(weight, bias: float) -> torch.nn.Module:
    """A 2-1-1 net whose hidden unit is ``relu(w . x + b)`` (the output layer plays no part in the bit)."""
    net = mlp([2, 1, 1], seed=0)
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor([weight], dtype=net[0].weight.dtype))
        net[0].bias.fill_(bias)
    return net


def _active_points() -> list[int]:
    points = torch.tensor([[1.0, 1.0], [-1.0, 0.5], [0.2, 0.3]])
    bits = activation_patterns(one_unit([1.0, 0.5], -0.5), points)[:, 0]
    return bits.nonzero()[:, 0].tolist()


def _interval_of_inputs_0_and_3() -> int:
    P = activation_patterns(mlp(NET_2D["widths"], seed=NET_2D["seed"]), toy_dataset(**MOONS).X)
    return interval_size(P[0], P[3])


def _regions_outside_interval_one_layer() -> int:
    X = toy_dataset(**MOONS).X
    patterns = walk(mlp([2, 24, 1], seed=1), X[0], X[3]).patterns
    return int((~in_interval(patterns, patterns[0], patterns[-1])).sum())


@lru_cache(maxsize=1)
def trained_digits_net() -> torch.nn.Module:
    """The digits net of sections 4 to 7 after its 5 epochs (the same weights as in the notebook)."""
    net = mlp(DIGITS_NET["widths"], seed=DIGITS_NET["seed"])
    with one_thread():
        train(net, load_digits(seed=0), epochs=EPOCHS, seed=0, progress=False)
    return net.eval()


def _untrained_first_layer_like_coin_flips() -> bool:
    patterns = activation_patterns(mlp(DIGITS_NET["widths"], seed=DIGITS_NET["seed"]), load_digits(seed=0).X_test,
                                   layers=0)
    return bernoulli_null_test(patterns, n_pairs=5000, seed=0).p_value >= 0.05


def _hamming_neighbours_share_labels_more_often() -> bool:
    digits = load_digits(seed=0)
    X, y = digits.X_test, digits.y_test.numpy()
    own = np.arange(len(X))
    shares = {}
    for metric, points in (("hamming", activation_patterns(trained_digits_net(), X)), ("euclidean", X)):
        found = nearest_neighbors(points, points, k=8, metric=metric, exclude=own)
        shares[metric] = float(np.mean(y[found.indices] == y[:, None]))
    return shares["hamming"] > shares["euclidean"]


register(Exercise(
    "01.1", "Which of three points are active for relu(x + 0.5 y - 0.5)?", _active_points,
    hint="compute z = x + 0.5 y - 0.5 for each point; the bit is 1 only where z > 0 (0 itself counts as off).",
    compare="set",
))
register(Exercise(
    "01.2", "How many patterns lie in the interval between the patterns of inputs 0 and 3?",
    _interval_of_inputs_0_and_3,
    hint="a pattern of the interval agrees with both ends wherever they agree, and is free on each of the d_H bits "
         "where they differ: 2 choices per free bit.",
))
register(Exercise(
    "01.3", "How many regions of a straight walk through a one-hidden-layer net lie outside the interval of its ends?",
    _regions_outside_interval_one_layer,
    hint="each unit of the only hidden layer is one straight line, and a segment crosses a line at most once: "
         "can a bit flip and then flip back?",
))
register(Exercise(
    "01.4", "Are the first-layer patterns of the untrained digits net like fair coin flips?",
    _untrained_first_layer_like_coin_flips,
    hint="the pixels are non-negative and correlated, and the initial hyperplanes pass near the origin: do most "
         "units answer the same for most digits? Answer True or False.",
    compare="bool",
))
register(Exercise(
    "01.5", "Do the Hamming neighbours of the trained net share their query's label more often than pixel neighbours?",
    _hamming_neighbours_share_labels_more_often,
    hint="a unit sees a hyperplane in pixel space, not a digit: two digits far apart in pixels can share many bits. "
         "Answer True or False.",
    compare="bool",
))
