"""Exercises of notebook 07 (regions in training).

Each checker rebuilds what the notebook builds (the same data, nets, seeds and epochs; training is seeded and
runs on one thread, as in the notebook) and computes the answer with foldlab, so the notebook holds no answer
in plain sight.
"""

from __future__ import annotations

import functools

import numpy as np

from ..counting import n_regions, region_density
from ..data import Dataset, toy_dataset
from ..nets import mlp
from ..regions_training import RegionsRun, data_box, regions_run
from . import Exercise, one_thread, register

#: The notebook's set-up: 200 moons (seed 0), 24 neurons, 20 epochs, seed 0.
N_NEURONS = 24
EPOCHS = 20
#: Section 2: the nets at initialisation, in the square [-1, 1]^2.
SQUARE = (-1.0, 1.0, -1.0, 1.0)
INIT_WIDTH = 16
INIT_SEEDS = (0, 1, 2)


@functools.lru_cache(maxsize=1)
def moons() -> Dataset:
    return toy_dataset("moons", n=200, seed=0)


@functools.cache
def run(label_noise: float = 0.0) -> RegionsRun:
    """Section 1's run (and section 4's, with label noise): 2-[12]x2-1, PyTorch's default init."""
    with one_thread():
        return regions_run(moons(), N_NEURONS, 2, label_noise=label_noise, epochs=EPOCHS, seed=0)


def _more_than_doubled() -> bool:
    counts = run().regions.counts
    return bool(counts[-1] > 2 * counts[0])


def _denser_init() -> str:
    mean = {init: np.mean([region_density(mlp([2, INIT_WIDTH, INIT_WIDTH, 1], seed=s, init=init), SQUARE)
                           for s in INIT_SEEDS]) for init in ("uniform", "he")}
    return max(mean, key=mean.get)


def _most_regions_depth() -> int:
    """The depth of section 3's sweep with the most regions at epoch 0: its initial nets, counted in its box
    (the sweep's own ``initial``, without training them)."""
    depths, box = (1, 2, 3, 4), data_box(moons())
    counts = [n_regions(mlp([2, *[N_NEURONS // d] * d, 1], seed=0), box=box) for d in depths]
    return depths[int(np.argmax(counts))]


def _noise_adds_regions() -> bool:
    return bool(run(0.4).regions.counts[-1] > run(0.0).regions.counts[-1])


register(Exercise(
    "07.1", "Did 20 epochs of training more than double the number of regions in the box?", _more_than_doubled,
    compare="bool", hint="Compare run.regions.counts at epoch 0 and at the last epoch.",
))
register(Exercise(
    "07.2", "Which init, 'uniform' (PyTorch's default) or 'he', gives more regions per unit area at initialisation?",
    _denser_init, hint="He's weights are N(0, 2/fan_in): larger than PyTorch's U(-1/sqrt(fan_in), 1/sqrt(fan_in)), "
                       "and its biases are small, so more lines cross the square.",
))
register(Exercise(
    "07.3", "Of depths 1, 2, 3, 4 at 24 neurons, which has the most regions in the box at initialisation?",
    _most_regions_depth, hint="The first layer's 24 / depth lines cut the whole plane; later layers' lines only "
                              "bend inside regions where their inputs vary.",
))
register(Exercise(
    "07.4", "After training with 40% of the labels flipped, are there more regions in the box than with clean "
            "labels?", _noise_adds_regions, compare="bool",
    hint="Read run.regions.counts[-1] for the two runs of section 4.",
))
