"""Shared by the tests and the doctests: a headless matplotlib, no pyplot figure left open after a test,
and reproducible property tests."""

import os
import sys

import pytest
from hypothesis import settings

# Property tests draw the same examples on every run ("same seed, same numbers"), so CI cannot flake.
# HYPOTHESIS_PROFILE=explore draws new random examples on every run instead; a failure prints the seed.
settings.register_profile("reproducible", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "reproducible"))

os.environ.setdefault("MPLBACKEND", "Agg")  # before anything imports matplotlib
# torch's AVX2 kernels on every x86-64 CPU, before anything imports torch: its AVX-512 kernels round float32
# sums differently, so seeded training gives other last digits, and the shipped weights, experiments and the
# numbers the notebooks state (all made with the AVX2 kernels) would not be reproduced (README, "Same digits")
os.environ.setdefault("ATEN_CPU_CAPABILITY", "avx2")


@pytest.fixture(autouse=True)
def _close_pyplot_figures():
    yield
    if "matplotlib.pyplot" in sys.modules:  # never import pyplot for a test that did not
        sys.modules["matplotlib.pyplot"].close("all")
