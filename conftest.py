"""Shared by the tests and the doctests: a headless matplotlib, and no pyplot figure left open after a test."""

import os
import sys

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")  # before anything imports matplotlib


@pytest.fixture(autouse=True)
def _close_pyplot_figures():
    yield
    if "matplotlib.pyplot" in sys.modules:  # never import pyplot for a test that did not
        sys.modules["matplotlib.pyplot"].close("all")
