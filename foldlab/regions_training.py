"""Regions in training: one seeded run counted exactly in a 2D box and along segments, and a sweep over depth
at a fixed number of neurons.

Hanin and Rolnick count activation regions through training and against depth at a fixed number of neurons,
with and without label noise (memorisation); these functions do the same on 2D toy data, exactly: the box
counts come from :func:`foldlab.arrangement`, the segment counts from exact walks (:func:`foldlab.walks`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._typing import Box
from ._validation import as_box, check_choice, check_float, check_int, check_seed, describe, to_numpy
from .counting import (
    LineCounts,
    RegionCounts,
    hanin_rolnick_density,
    regions_along_over_training,
    regions_over_training,
)
from .data import Dataset, with_label_noise
from .nets import mlp
from .training import TrainHistory, train

__all__ = ["RegionsRun", "regions_run", "DepthSweep", "depth_sweep", "data_box", "data_segments", "INITS"]

#: The inits a run compares: PyTorch's default (``"uniform"``) and He's.
INITS = ("uniform", "he")


def data_box(data: Dataset, pad: float = 0.15) -> tuple[float, float, float, float]:
    """The bounding box of the data's training inputs (2 features), padded by ``pad`` times its longer side.

    Examples
    --------
    >>> from foldlab import toy_dataset
    >>> [round(v, 2) for v in data_box(toy_dataset("moons", n=100, seed=0))]
    [-1.57, 2.52, -1.11, 1.59]
    """
    if not isinstance(data, Dataset):
        raise TypeError(f"data must be a foldlab Dataset, got {describe(data)}")
    pad = check_float(pad, "pad", min=0)
    X = to_numpy(data.X)
    if X.shape[1] != 2:
        raise ValueError(f"data_box needs data with 2 features, {data.name!r} has {X.shape[1]}")
    lo, hi = X.min(axis=0), X.max(axis=0)
    margin = pad * float((hi - lo).max())
    return as_box((float(lo[0] - margin), float(hi[0] + margin), float(lo[1] - margin), float(hi[1] + margin)))


def data_segments(data: Dataset, n_lines: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n_lines`` seeded pairs of distinct training points of different classes: the segments' ends,
    each of shape (n_lines, d).

    Examples
    --------
    >>> from foldlab import toy_dataset
    >>> starts, ends = data_segments(toy_dataset("moons", n=100, seed=0), 4)
    >>> starts.shape, ends.shape
    ((4, 2), (4, 2))
    """
    if not isinstance(data, Dataset):
        raise TypeError(f"data must be a foldlab Dataset, got {describe(data)}")
    n_lines = check_int(n_lines, "n_lines", min=1)
    seed = check_seed(seed)
    X, y = to_numpy(data.X), to_numpy(data.y)
    rng = np.random.default_rng(seed)
    starts, ends = [], []
    for _ in range(100 * n_lines):  # rejection: pairs of equal labels or equal points are drawn again
        i, j = rng.choice(len(X), size=2, replace=False)
        if y[i] != y[j] and (X[i] != X[j]).any():
            starts.append(X[i])
            ends.append(X[j])
            if len(starts) == n_lines:
                return np.array(starts), np.array(ends)
    raise ValueError(f"data {data.name!r} has too few points of different classes for {n_lines} segments")


@dataclass(frozen=True, eq=False)
class RegionsRun:
    """One training run counted exactly at every epoch.

    Attributes
    ----------
    widths : tuple of int
        ``(2, h, ..., h, d_out)``.
    init : str
        ``"uniform"`` (PyTorch's default) or ``"he"``.
    label_noise : float
        The fraction of training labels flipped.
    history : TrainHistory
        With the snapshots (index 0: the initial net).
    box : (xmin, xmax, ymin, ymax)
    regions : RegionCounts
        Activation regions in the box at each epoch.
    lines : LineCounts
        Activation regions along the segments at each epoch.
    starts, ends : ndarray, shape (m, 2)
        The segments.
    """

    widths: tuple[int, ...]
    init: str
    label_noise: float
    history: TrainHistory
    box: Box
    regions: RegionCounts
    lines: LineCounts
    starts: np.ndarray
    ends: np.ndarray

    @property
    def n_neurons(self) -> int:
        return sum(self.widths[1:-1])

    @property
    def depth(self) -> int:
        return len(self.widths) - 2

    def __repr__(self) -> str:
        return (f"RegionsRun(widths={self.widths}, init={self.init!r}, label_noise={self.label_noise:g}, "
                f"regions {int(self.regions.counts[0])} -> {int(self.regions.counts[-1])}, "
                f"per segment {self.lines.mean[0]:.3g} -> {self.lines.mean[-1]:.3g}, "
                f"train accuracy {self.history.train_accuracy[-1]:.2f})")


def _widths(data: Dataset, n_neurons: int, depth: int) -> tuple[int, ...]:
    if n_neurons % depth:
        raise ValueError(f"n_neurons={n_neurons} does not split into depth={depth} equal layers; expected a depth "
                         f"that divides n_neurons")
    d_out = 1 if data.n_classes == 2 else data.n_classes
    return (data.dim, *([n_neurons // depth] * depth), d_out)


def regions_run(data: Dataset, n_neurons: int = 24, depth: int = 2, *, init: str = "uniform",
                label_noise: float = 0.0, epochs: int = 10, seed: int = 0, box: Box | None = None,
                n_lines: int = 8, lr: float = 1e-2) -> RegionsRun:
    """Train ``mlp([2, n_neurons/depth x depth, d_out], init=init, seed=seed)`` and count its regions exactly
    at every epoch: in the box (exact arrangement) and along ``n_lines`` segments between training points
    of different classes (exact walks).

    Parameters
    ----------
    data : Dataset
        With 2 features (use :func:`foldlab.toy_dataset`).
    n_neurons : int
        Hidden units in all, split equally over ``depth`` layers (``depth`` must divide it).
    depth : int
        Hidden layers, at least 1.
    init : {"uniform", "he"}
        See :func:`foldlab.mlp`; ``"uniform"`` is PyTorch's default.
    label_noise : float
        Fraction of training labels flipped (:func:`foldlab.with_label_noise`, seeded with ``seed``).
    epochs, seed, lr
        Of the training run (:func:`foldlab.train`); ``seed`` also seeds the net and the segments.
    box : (xmin, xmax, ymin, ymax), optional
        Default: :func:`data_box`.
    n_lines : int
        Segments counted along.

    Examples
    --------
    >>> from foldlab import toy_dataset
    >>> run = regions_run(toy_dataset("moons", n=100, seed=0), n_neurons=8, depth=2, epochs=2, n_lines=2)
    >>> run.regions.epochs.tolist(), run.lines.counts.shape
    ([0, 1, 2], (3, 2))

    References
    ----------
    Hanin and Rolnick, "Deep ReLU Networks Have Surprisingly Few Activation Patterns" (NeurIPS 2019),
    Theorem 5 and the experiments on training, depth and memorisation, as Daróczy's slides summarise them.
    """
    if not isinstance(data, Dataset):
        raise TypeError(f"data must be a foldlab Dataset, got {describe(data)}")
    if data.dim != 2:
        raise ValueError(f"regions_run counts regions in the plane: expected data with 2 features, "
                         f"{data.name!r} has {data.dim}")
    n_neurons = check_int(n_neurons, "n_neurons", min=1)
    depth = check_int(depth, "depth", min=1)
    check_choice(init, "init", INITS)
    label_noise = check_float(label_noise, "label_noise", min=0, max=1)
    epochs = check_int(epochs, "epochs", min=1)
    seed = check_seed(seed)
    n_lines = check_int(n_lines, "n_lines", min=1)
    box = data_box(data) if box is None else as_box(box)
    widths = _widths(data, n_neurons, depth)
    starts, ends = data_segments(data, n_lines, seed=seed)
    noisy = with_label_noise(data, label_noise, seed=seed)
    net = mlp(list(widths), seed=seed, init=init)
    history = train(net, noisy, epochs=epochs, lr=lr, seed=seed, keep_snapshots=True, progress=False)
    regions = regions_over_training(history, box=box)
    lines = regions_along_over_training(history, starts, ends)
    return RegionsRun(widths, init, label_noise, history, box, regions, lines, starts, ends)


@dataclass(frozen=True, eq=False)
class DepthSweep:
    """Exact region counts against depth at a fixed number of neurons, before and after training.

    Attributes
    ----------
    depths : ndarray of int, shape (k,)
    n_neurons : int
    init : str
    label_noise : float
    area : float
        Of the box.
    initial, final : ndarray of int, shape (k,)
        Regions in the box before and after training, one per depth.
    initial_lines, final_lines : ndarray, shape (k,)
        Mean regions per segment before and after training.
    train_accuracy, test_accuracy : ndarray, shape (k,)
        After training (train accuracy on the noisy labels).
    """

    depths: np.ndarray
    n_neurons: int
    init: str
    label_noise: float
    area: float
    initial: np.ndarray
    final: np.ndarray
    initial_lines: np.ndarray
    final_lines: np.ndarray
    train_accuracy: np.ndarray
    test_accuracy: np.ndarray

    @property
    def reference(self) -> float:
        """Hanin and Rolnick's ``#neurons^2 / 2`` regions per unit area."""
        return hanin_rolnick_density(self.n_neurons)

    def table(self) -> str:
        """One line per depth: regions before and after, per unit area, per segment, accuracies."""
        lines = [f"{self.n_neurons} neurons, init={self.init}, label noise {self.label_noise:g}; "
                 f"#neurons^2/2 = {self.reference:g} per unit area",
                 "depth  regions (start -> end)  per unit area (start -> end)  per segment (start -> end)  "
                 "train acc  test acc"]
        for i, d in enumerate(self.depths):
            lines.append(f"{d:5d}  {self.initial[i]:8d} -> {self.final[i]:<8d}  {self.initial[i] / self.area:10.1f} -> "
                         f"{self.final[i] / self.area:<10.1f}     {self.initial_lines[i]:8.2f} -> "
                         f"{self.final_lines[i]:<8.2f}    {self.train_accuracy[i]:9.2f}  {self.test_accuracy[i]:8.2f}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"DepthSweep(depths={self.depths.tolist()}, n_neurons={self.n_neurons}, init={self.init!r}, "
                f"initial={self.initial.tolist()}, final={self.final.tolist()})")


def depth_sweep(data: Dataset, n_neurons: int = 24, depths: Sequence[int] = (1, 2, 3), *, init: str = "uniform",
                label_noise: float = 0.0, epochs: int = 10, seed: int = 0, box: Box | None = None,
                n_lines: int = 8, lr: float = 1e-2) -> DepthSweep:
    """:func:`regions_run` at each depth, the same ``n_neurons`` split equally over the layers.

    Every depth gets the same data, labels, segments and seed; each must divide ``n_neurons``.

    Examples
    --------
    >>> from foldlab import toy_dataset
    >>> sweep = depth_sweep(toy_dataset("moons", n=100, seed=0), n_neurons=8, depths=(1, 2), epochs=1, n_lines=2)
    >>> sweep.depths.tolist(), sweep.initial.shape
    ([1, 2], (2,))

    References
    ----------
    Hanin and Rolnick, "Deep ReLU Networks Have Surprisingly Few Activation Patterns" (NeurIPS 2019): the
    number of regions depends mainly on the number of neurons, not on the depth.
    """
    if isinstance(depths, (str, bytes)) or np.ndim(depths) != 1 or len(depths) == 0:
        raise TypeError(f"depths must be a non-empty sequence of ints, got {describe(depths)}")
    depths = [check_int(d, "depths[i]", min=1) for d in depths]
    runs = [regions_run(data, n_neurons, d, init=init, label_noise=label_noise, epochs=epochs, seed=seed, box=box,
                        n_lines=n_lines, lr=lr) for d in depths]
    pick = lambda f: np.array([f(r) for r in runs])  # noqa: E731
    return DepthSweep(
        np.array(depths), runs[0].n_neurons, init, runs[0].label_noise, runs[0].regions.area,
        pick(lambda r: r.regions.counts[0]), pick(lambda r: r.regions.counts[-1]),
        pick(lambda r: r.lines.mean[0]), pick(lambda r: r.lines.mean[-1]),
        pick(lambda r: r.history.train_accuracy[-1]), pick(lambda r: r.history.test_accuracy[-1]),
    )
