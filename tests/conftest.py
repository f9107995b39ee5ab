"""Fixtures shared by the test modules (helpers they share are in tests/common.py)."""

from __future__ import annotations

import pytest

import foldlab as fl


@pytest.fixture(scope="session")
def digits():
    """scikit-learn's digits, foldlab's seeded split (seed 0)."""
    return fl.load_digits(seed=0)


@pytest.fixture(scope="session")
def digits_net(digits):
    """One trained digits net for the whole suite: 64-[32]x2-10, 5 epochs, seed 0, in eval mode.

    Tests read it and never train it further (a test that trains makes its own net).
    """
    net = fl.mlp([64, 32, 32, 10], seed=0)
    fl.train(net, digits, epochs=5, progress=False)
    net.requires_grad_(False)
    return net.eval()
