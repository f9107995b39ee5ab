"""Data sets, all seeded: 2D toy sets, scikit-learn's digits (the embedded default), MNIST from IDX files."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["Dataset", "TOY_SETS", "toy_dataset", "load_digits"]

#: Names accepted by :func:`toy_dataset`.
TOY_SETS = ("moons", "circles", "xor", "spirals", "cantor")


@dataclass(frozen=True, eq=False)
class Dataset:
    """Inputs and integer labels, with a train/test split.

    Attributes
    ----------
    X : Tensor, shape (n, d), float32
    y : Tensor, shape (n,), int64
    X_test, y_test : Tensors of the held-out part (may be empty)
    name : str
    """

    X: torch.Tensor
    y: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor
    name: str

    @property
    def n_classes(self) -> int:
        return int(torch.cat([self.y, self.y_test]).max()) + 1

    @property
    def dim(self) -> int:
        return self.X.shape[1]

    def __repr__(self) -> str:
        return (
            f"Dataset({self.name!r}, train={tuple(self.X.shape)}, test={tuple(self.X_test.shape)}, "
            f"classes={self.n_classes})"
        )


def _split(X: np.ndarray, y: np.ndarray, test_fraction: float, rng: np.random.Generator, name: str) -> Dataset:
    if not 0 <= test_fraction < 1:
        raise ValueError(f"test_fraction must be in [0, 1), got {test_fraction!r}")
    order = rng.permutation(len(X))
    n_test = int(round(test_fraction * len(X)))
    test, train = order[:n_test], order[n_test:]
    as_x = lambda a: torch.as_tensor(a, dtype=torch.float32)  # noqa: E731
    as_y = lambda a: torch.as_tensor(a, dtype=torch.int64)  # noqa: E731
    return Dataset(as_x(X[train]), as_y(y[train]), as_x(X[test]), as_y(y[test]), name)


def toy_dataset(
    name: str = "moons",
    n: int = 400,
    *,
    noise: float = 0.1,
    seed: int = 0,
    test_fraction: float = 0.25,
    depth: int = 2,
) -> Dataset:
    """A seeded 2D classification set.

    Parameters
    ----------
    name : {"moons", "circles", "xor", "spirals", "cantor"}
        ``moons`` and ``circles`` are scikit-learn's; ``xor`` has four Gaussian blobs with XOR labels;
        ``spirals`` two interleaved spirals; ``cantor`` uniform points in [0, 1]^2 labelled 1 inside the
        CantorNet region ``R_depth`` (below ``(A^depth(x) + 1) / 2``, DESIGN.md section 5). Noise is
        added to the inputs of the first four, not to ``cantor``, whose labels are exact.
    n : int
        Number of points (train and test together).
    noise : float
        Standard deviation of Gaussian input noise.
    seed : int
        The same seed gives the same points, labels and split.
    test_fraction : float
        Fraction held out as the test set.
    depth : int
        Recursion depth of the ``cantor`` set.

    Examples
    --------
    >>> ds = toy_dataset("xor", n=100, seed=0)
    >>> ds
    Dataset('xor', train=(75, 2), test=(25, 2), classes=2)
    >>> bool(torch.equal(ds.X, toy_dataset("xor", n=100, seed=0).X))
    True
    """
    if name not in TOY_SETS:
        raise ValueError(f"name must be one of {TOY_SETS}, got {name!r}")
    if isinstance(n, bool) or not isinstance(n, int) or n < 4:
        raise ValueError(f"n must be an int >= 4, got {n!r}")
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")
    rng = np.random.default_rng(seed)
    if name == "moons":
        from sklearn.datasets import make_moons

        X, y = make_moons(n, noise=noise, random_state=seed)
    elif name == "circles":
        from sklearn.datasets import make_circles

        X, y = make_circles(n, noise=noise, factor=0.5, random_state=seed)
    elif name == "xor":
        centers = np.array([[-1, -1], [1, 1], [-1, 1], [1, -1]], dtype=float) * 0.5
        which = rng.integers(0, 4, n)
        X = centers[which] + rng.normal(0, max(noise, 1e-12) * 1.5 + 0.1, (n, 2))
        y = (which >= 2).astype(np.int64)
    elif name == "spirals":
        half = n // 2
        t = np.sqrt(rng.uniform(0.05, 1, n)) * 3 * math.pi
        arm = np.r_[np.zeros(half, int), np.ones(n - half, int)]
        angle = t + arm * math.pi
        X = np.c_[t * np.cos(angle), t * np.sin(angle)] / (3 * math.pi) + rng.normal(0, noise * 0.5, (n, 2))
        y = arm
    else:  # cantor
        from .nets import cantor_boundary

        X = rng.uniform(0, 1, (n, 2))
        boundary = cantor_boundary(torch.as_tensor(X[:, 0]), depth).numpy()
        y = (X[:, 1] <= boundary).astype(np.int64)
    return _split(np.asarray(X, float), np.asarray(y, np.int64), test_fraction, rng, name)


def load_digits(*, seed: int = 0, test_fraction: float = 0.25, scale: bool = True) -> Dataset:
    """scikit-learn's 8x8 digits (1797 images, shipped inside scikit-learn, works offline).

    Parameters
    ----------
    seed : int
        Seeds the train/test split.
    test_fraction : float
    scale : bool
        Divide pixel values (0 to 16) by 16, into [0, 1].

    Examples
    --------
    >>> ds = load_digits(seed=0)
    >>> ds
    Dataset('digits', train=(1348, 64), test=(449, 64), classes=10)
    >>> float(ds.X.max())
    1.0
    """
    from sklearn.datasets import load_digits as sk_load_digits

    bunch = sk_load_digits()
    X = bunch.data / 16.0 if scale else bunch.data
    return _split(X, bunch.target.astype(np.int64), test_fraction, np.random.default_rng(seed), "digits")
