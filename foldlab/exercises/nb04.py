"""Exercises of notebook 04 (walks and folding); foldlab computes every answer."""

from __future__ import annotations

from functools import lru_cache

import torch

from ..measures import chi
from ..nets import mlp
from ..trained import PRETRAINED, pretrained
from ..walk import sample_walk, walk, walks
from . import Exercise, register

#: The worked example of foldlab's maths page: out one bit, back, out another.
PATH = torch.tensor([[0, 0, 0], [1, 0, 0], [0, 0, 0], [0, 0, 1]])
#: The notebook's segment: test points 15 (class 0) and 96 (class 1) of the moons.
ENDS = (15, 96)


@lru_cache(maxsize=1)
def trained_moons_net():
    """The notebook's 2-[16]x3-1 net after 30 epochs on 400 moons, and the data: the shipped weights of that
    training (``pretrained("moons-walk")``, equal to a fresh run, which tests/test_trained.py checks)."""
    return pretrained("moons-walk").eval(), PRETRAINED["moons-walk"].dataset()


def _segment():
    net, data = trained_moons_net()
    return net, data.X_test[ENDS[0]], data.X_test[ENDS[1]]


def _thousand_samples_get_chi_right() -> bool:
    net, x1, x2 = _segment()
    return sample_walk(net, x1, x2, 1000).chi == walk(net, x1, x2).chi


def _sampling_finds_a_region_the_walk_does_not() -> bool:
    net, x1, x2 = _segment()
    exact = {tuple(p) for p in walk(net, x1, x2).patterns.tolist()}
    for n in (2, 10, 30, 100, 1000, 10_000):
        if any(tuple(p) not in exact for p in sample_walk(net, x1, x2, n).patterns.tolist()):
            return True
    return False


def _largest_chi_one_hidden_layer() -> float:
    ends = torch.randn(2, 200, 2, generator=torch.Generator().manual_seed(0)) * 3
    return float(walks(mlp([2, 64, 1], seed=1), ends[0], ends[1]).chis.max())


register(Exercise(
    "04.1", "Do 1000 evenly spaced samples give the exact chi of the notebook's segment?",
    _thousand_samples_get_chi_right,
    hint="how wide is the narrowest region of the exact walk, and how far apart are 1000 samples? "
         "Answer True or False.",
    compare="bool",
))
register(Exercise(
    "04.2", "Can equidistant sampling find a region that the exact walk does not list?",
    _sampling_finds_a_region_the_walk_does_not,
    hint="every sample lies on the segment, in some region of the segment, and the exact walk lists every region "
         "the segment crosses. Answer True or False.",
    compare="bool",
))
register(Exercise(
    "04.3", "chi of the worked example walked backwards, (001, 000, 100, 000)", lambda: chi(PATH.flip(0)),
    hint="the distances from the new start 001 are 0, 1, 2, 1: r1 is their maximum; r2 still sums three steps "
         "of one bit.",
    compare="close",
))
register(Exercise(
    "04.4", "chi of the worked example with its patterns repeated 3, 1, 2 and 5 times",
    lambda: chi(PATH.repeat_interleave(torch.tensor([3, 1, 2, 5]), dim=0)),
    hint="a repeated pattern adds d_H = 0 to r2 and nothing new to r1 (stability).",
    compare="close",
))
register(Exercise(
    "04.5", "The largest chi over 200 random segments through a net with one hidden layer of 64 units",
    _largest_chi_one_hidden_layer,
    hint="each hidden unit is one line, crossed at most once by a straight segment: can a bit flip twice?",
    compare="close",
))
