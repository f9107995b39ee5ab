"""Exercises of notebook 00 (start here): a first try of the check cells; foldlab computes every answer."""

from __future__ import annotations

import torch

from ..counting import one_layer_regions
from ..nets import mlp
from ..patterns import activation_patterns, hamming_distance
from . import Exercise, register


def _bits_of_a_small_net() -> int:
    return int(activation_patterns(mlp([2, 6, 6, 1], seed=0), torch.zeros(1, 2)).shape[1])


register(Exercise(
    "00.1", "How many bits has an activation pattern of fl.mlp([2, 6, 6, 1])?", _bits_of_a_small_net,
    hint="one bit per hidden unit; the input and the output layer have none.",
))
register(Exercise(
    "00.2", "The Hamming distance between the patterns 0110 and 0011",
    lambda: hamming_distance(torch.tensor([0, 1, 1, 0]), torch.tensor([0, 0, 1, 1])),
    hint="compare the two patterns position by position and count the positions where they differ.",
))
register(Exercise(
    "00.3", "Into how many regions do 3 lines in general position cut the plane?", lambda: one_layer_regions(3, 2),
    hint="draw them: no two parallel, no three through one point. Each new line is cut by the earlier ones into "
         "pieces, and each piece splits a region in two.",
))
