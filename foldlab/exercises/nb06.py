"""Exercises of notebook 06 (normalisation and activation statistics); foldlab computes every answer."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..data import load_digits
from ..nets import mlp
from ..normalisation import NormalisationStudy
from ..null_test import bernoulli_null_test
from ..pattern_stats import activation_probability, random_pairs
from ..patterns import activation_patterns
from ..trained import pretrained
from . import Exercise, register

#: The notebook's untrained deep net (section 1) and its study of five normalisations (sections 2 and 3).
DEEP = [64] + [16] * 10 + [10]
STUDY = dict(depths=[2, 6], width=16, epochs=5, seed=0, n_pairs=1000)


@lru_cache(maxsize=1)
def study() -> NormalisationStudy:
    """The study of sections 2 and 3: the shipped result of ``normalisation_statistics(load_digits(seed=0),
    **STUDY)`` on one thread (``pretrained("normalisation-digits")``; tests/test_trained.py runs it again and
    compares every array)."""
    return pretrained("normalisation-digits")


def _undecided_units_of_last_layer() -> int:
    activity = activation_probability(mlp(DEEP, seed=0), load_digits(seed=0).X_test, layers=9)
    return int(activity.widths[0] - len(activity.dead[0]) - len(activity.always_on[0]))


def _batchnorm_equals_plain_at_epoch_0() -> bool:
    plain, batch = study().run("none", 6), study().run("batch", 6)
    return all(np.array_equal(a[0], b[0]) for a, b in zip(plain.probability, batch.probability))


def _wide_layer_random_at_epoch_0() -> bool:
    digits = load_digits(seed=0)
    patterns = activation_patterns(mlp([64, 256, 10], seed=0), digits.X_test)
    pairs = random_pairs(len(digits.X_test), STUDY["n_pairs"], 0)
    return bernoulli_null_test(patterns, pairs=pairs).p_value >= 0.05


def _best_at_depth_6() -> str:
    runs = [study().run(norm, 6) for norm in study().norms]
    return max(runs, key=lambda r: r.test_accuracy[-1]).norm


register(Exercise(
    "06.1", "How many units of layer 9 of the untrained 64-[16]x10-10 net are neither dead nor always on?",
    _undecided_units_of_last_layer,
    hint="count the units whose activation probability is strictly between 0 and 1 in the last hidden layer; "
         "the report saw every unit saturate after the third layer.",
))
register(Exercise(
    "06.2", "At epoch 0, are the activation probabilities of the BatchNorm net those of the plain net?",
    _batchnorm_equals_plain_at_epoch_0,
    hint="patterns are read in eval mode; what are a fresh BatchNorm1d's running mean and variance? Answer True or "
         "False.",
    compare="bool",
))
register(Exercise(
    "06.3", "Which normalisation gives the best test accuracy at depth 6 after 5 epochs?",
    _best_at_depth_6,
    hint="one of 'none', 'batch', 'layer', 'weight', 'selu': which one leaves no unit dead or always on?",
))
register(Exercise(
    "06.4", "Does layer 0 of the untrained 64-256-10 net look random (p >= 0.05) on the test digits?",
    _wide_layer_random_at_epoch_0,
    hint="the pixels of the digits are non-negative and the initial hyperplanes pass near the origin: are the "
         "bits fair coins? Answer True or False.",
    compare="bool",
))
