"""Activation statistics of deep MLPs under normalisation, at initialisation and over training (Swiniarski,
Bruna and Cho, section 3).

:func:`normalisation_statistics` trains the same MLP (same seed, same data, same batches) once per
normalisation and, at every epoch, records on the data's test split: each unit's activation probability,
the fraction of dead and always-on units per layer, the Hamming distances of seeded random pairs per layer,
and the Bernoulli(0.5) null test's p-value per layer. It trains with :func:`foldlab.train`
(``keep_snapshots=True``) and measures the snapshots: no second training loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from torch import nn

from ._validation import check_choice, check_float, check_int, check_seed, describe
from .data import Dataset
from .nets import mlp
from .null_test import bernoulli_null_test
from .pattern_stats import HammingHistograms, UnitActivity, random_pairs
from .patterns import activation_patterns
from .training import train

__all__ = ["NORMALISATIONS", "NormalisationRun", "NormalisationStudy", "normalisation_statistics", "normalised_mlp"]

#: The variants of section 3: plain ReLU (PyTorch's default init), BatchNorm, LayerNorm and weight normalisation
#: before each ReLU, and SELU without normalisation.
NORMALISATIONS = ("none", "batch", "layer", "weight", "selu")


@dataclass(frozen=True, eq=False)
class NormalisationRun:
    """One net of a :class:`NormalisationStudy`, measured after each epoch (index 0: at initialisation).

    Attributes
    ----------
    norm : str
        One of :data:`NORMALISATIONS`.
    depth : int
        Hidden layers.
    probability : tuple of ndarray, shape (epochs + 1, width), one per layer
        Activation probability of every unit of the layer, epoch by epoch.
    dead, always_on : ndarray, shape (epochs + 1, depth)
        Fraction of each layer's units active on no input / on every input.
    distances : ndarray of int, shape (epochs + 1, depth, n_pairs)
        Hamming distance of each seeded pair of inputs in each layer.
    p_values : ndarray, shape (epochs + 1, depth)
        The exact two-sided Bernoulli(0.5) null test on the same pairs, layer by layer.
    test_accuracy : tuple of float, one per epoch (index 0 included)
    """

    norm: str
    depth: int
    probability: tuple[np.ndarray, ...]
    dead: np.ndarray
    always_on: np.ndarray
    distances: np.ndarray
    p_values: np.ndarray
    test_accuracy: tuple[float, ...]
    alpha: float = 0.05

    @property
    def epochs(self) -> int:
        return len(self.test_accuracy) - 1

    @property
    def random_fraction(self) -> np.ndarray:
        """Per epoch, the fraction of layers whose patterns the null test does not reject (p >= alpha)."""
        return (self.p_values >= self.alpha).mean(axis=1)

    def __repr__(self) -> str:
        return (
            f"NormalisationRun(norm={self.norm!r}, depth={self.depth}, epochs={self.epochs}, "
            f"test_accuracy={self.test_accuracy[0]:.3f}->{self.test_accuracy[-1]:.3f}, "
            f"dead={self.dead[0].mean():.3f}->{self.dead[-1].mean():.3f}, "
            f"always_on={self.always_on[0].mean():.3f}->{self.always_on[-1].mean():.3f}, "
            f"random_layers={self.random_fraction[0]:.3f}->{self.random_fraction[-1]:.3f})"
        )


@dataclass(frozen=True, eq=False)
class NormalisationStudy:
    """Runs of :func:`normalisation_statistics`, one per (normalisation, depth).

    Attributes
    ----------
    runs : tuple of NormalisationRun
    width, epochs, n_pairs, seed : int
    alpha : float
        The null test's level: a layer "looks random" when its p-value is at least alpha.
    """

    runs: tuple[NormalisationRun, ...]
    width: int
    epochs: int
    n_pairs: int
    seed: int
    alpha: float

    @property
    def norms(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.norm for r in self.runs))

    @property
    def depths(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(r.depth for r in self.runs))

    def run(self, norm: str, depth: int | None = None) -> NormalisationRun:
        """The run of one normalisation (and depth; default: the only or the first one)."""
        norm = check_choice(norm, "norm", self.norms)
        depth = self.depths[0] if depth is None else check_choice(depth, "depth", self.depths)
        return next(r for r in self.runs if r.norm == norm and r.depth == depth)

    def table(self) -> str:
        """One line per run: accuracy, dead and always-on units, and the layers that look random, at epoch 0
        and at the last epoch."""
        head = (f"{'norm':6} {'depth':>5}  {'accuracy':>13}  {'dead units':>13}  {'always on':>13}  "
                f"{'random layers':>13}")
        lines = [head]
        for r in self.runs:
            pair = lambda a, b: f"{a:.2f} -> {b:.2f}"  # noqa: E731
            lines.append(f"{r.norm:6} {r.depth:5d}  {pair(r.test_accuracy[0], r.test_accuracy[-1]):>13}  "
                         f"{pair(r.dead[0].mean(), r.dead[-1].mean()):>13}  "
                         f"{pair(r.always_on[0].mean(), r.always_on[-1].mean()):>13}  "
                         f"{pair(r.random_fraction[0], r.random_fraction[-1]):>13}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"NormalisationStudy(norms={list(self.norms)}, depths={list(self.depths)}, width={self.width}, "
                f"epochs={self.epochs}, n_pairs={self.n_pairs}, seed={self.seed}, alpha={self.alpha:g})")


def normalised_mlp(widths: Sequence[int], norm: str, seed: int = 0) -> nn.Sequential:
    """The net :func:`normalisation_statistics` trains for ``norm``: ``mlp(widths, seed=seed)`` with ReLU and
    ``norm=`` BatchNorm, LayerNorm or weight normalisation (``"none"``: plain), or with SELU (``"selu"``).

    Examples
    --------
    >>> normalised_mlp([2, 3, 1], "selu")[1]
    SELU()
    >>> normalised_mlp([2, 3, 1], "batch")[1]
    BatchNorm1d(3, ...)
    """
    norm = check_choice(norm, "norm", NORMALISATIONS)
    if norm == "selu":
        return mlp(widths, "selu", seed=seed)
    return mlp(widths, seed=seed, norm=None if norm == "none" else norm)


def normalisation_statistics(
    data: Dataset,
    norms: Sequence[str] = NORMALISATIONS,
    depths: int | Sequence[int] = 6,
    *,
    width: int = 16,
    epochs: int = 5,
    seed: int = 0,
    lr: float = 1e-2,
    batch_size: int = 64,
    n_pairs: int = 1000,
    alpha: float = 0.05,
) -> NormalisationStudy:
    """Train one MLP per normalisation (and depth) on ``data`` and record its activation statistics per epoch.

    Every net is ``mlp([d_in] + [width] * depth + [n_out], seed=seed)`` (one output for two classes, else one
    per class) with ReLU and ``norm=`` (``"none"``,
    ``"batch"``, ``"layer"``, ``"weight"``) or with SELU and no normalisation (``"selu"``), trained by
    :func:`foldlab.train` with the same ``seed`` (the same batches); the statistics are measured on the test
    split of ``data`` after each epoch, on the snapshots train keeps (in eval mode: BatchNorm with its running
    statistics). The pairs of the Hamming distances and of the null test are ``random_pairs(n_test, n_pairs,
    seed)``, the same for every layer, epoch and net.

    Parameters
    ----------
    data : Dataset
        With a test split of at least two inputs.
    norms : sequence of str
        From :data:`NORMALISATIONS`, each at most once.
    depths : int or sequence of int
        Hidden layers (>= 1), each at most once.
    width : int
        Units per hidden layer.
    epochs, seed, lr, batch_size
        As in :func:`foldlab.train` (``seed`` also seeds the nets and the pairs).
    n_pairs : int
        Pairs of test inputs (at most all of them).
    alpha : float
        Level of the null test, in (0, 1).

    Returns
    -------
    NormalisationStudy

    Examples
    --------
    >>> import foldlab as fl
    >>> data = fl.toy_dataset("moons", n=120, seed=0)
    >>> study = fl.normalisation_statistics(data, ["none", "batch"], depths=3, width=6, epochs=2, n_pairs=200)
    >>> study
    NormalisationStudy(norms=['none', 'batch'], depths=[3], width=6, epochs=2, n_pairs=200, seed=0, alpha=0.05)
    >>> study.run("batch").p_values.shape
    (3, 3)

    References
    ----------
    Swiniarski, Bruna and Cho, "Study on Activation Patterns", sections 2.1, 2.3.1 and 3.
    """
    if not isinstance(data, Dataset):
        raise TypeError(f"data must be a foldlab Dataset (fl.load_digits, fl.toy_dataset, ...), got {describe(data)}")
    if isinstance(norms, str) or not isinstance(norms, Sequence):
        raise TypeError(f"norms must be a sequence of names from {NORMALISATIONS}, got {describe(norms)}")
    norms = [check_choice(n, f"norms[{i}]", NORMALISATIONS) for i, n in enumerate(norms)]
    if not norms or len(set(norms)) != len(norms):
        raise ValueError(f"norms must name at least one normalisation, each once, got {norms}")
    if isinstance(depths, Sequence) and not isinstance(depths, str):
        depths = [check_int(d, f"depths[{i}]", min=1) for i, d in enumerate(depths)]
    else:
        depths = [check_int(depths, "depths", min=1)]
    if not depths or len(set(depths)) != len(depths):
        raise ValueError(f"depths must hold at least one depth, each once, got {depths}")
    width = check_int(width, "width", min=1)
    epochs = check_int(epochs, "epochs", min=0)
    seed = check_seed(seed)
    n_pairs = check_int(n_pairs, "n_pairs", min=1)
    alpha = check_float(alpha, "alpha", min=0, max=1, include_min=False, include_max=False)
    X = data.X_test
    if len(X) < 2:
        raise ValueError(f"data's test split has {len(X)} input(s); the statistics need at least two")
    n_out = 1 if data.n_classes == 2 else data.n_classes
    pairs = random_pairs(len(X), n_pairs, seed)
    runs = []
    for depth in depths:
        hidden = [width] * depth
        widths = [X.shape[1], *hidden, n_out]
        for norm in norms:
            net = normalised_mlp(widths, norm, seed)
            history = train(net, data, epochs=epochs, seed=seed, lr=lr, batch_size=batch_size, keep_snapshots=True,
                            progress=False)
            probability, dead, on, distances, p_values = [], [], [], [], []
            for net in history.snapshots:
                # the patterns once per snapshot; the unit activity, the distances and the tests read them
                P = activation_patterns(net, X).numpy()
                activity = UnitActivity.from_patterns(P, hidden)
                probability.append(activity.probability)
                dead.append([len(d) / width for d in activity.dead])
                on.append([len(a) / width for a in activity.always_on])
                distances.append(HammingHistograms.from_patterns(P, hidden, pairs=pairs).distances)
                p_values.append([bernoulli_null_test(P[:, layer * width:(layer + 1) * width], pairs=pairs).p_value
                                 for layer in range(depth)])
            runs.append(NormalisationRun(
                norm, depth, tuple(np.array([p[layer] for p in probability]) for layer in range(depth)),
                np.array(dead), np.array(on), np.array(distances, dtype=np.int64), np.array(p_values),
                tuple(history.test_accuracy), alpha))
    return NormalisationStudy(tuple(runs), width, epochs, len(pairs), seed, alpha)
