"""The experiment runner: a grid of nets trained on digits (or MNIST), each measured for folding.

One row per net in a tidy CSV: architecture, seed, label noise, how it was trained, train, validation and
test accuracy, generalisation gap, ``Phi_N`` in every reading beside mean chi and the fraction folding,
the regions along the measured segments, the chi of paths between two classes (the papers' 11-point
paths) and the time. Rows already in the CSV are skipped, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import csv
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from .._validation import check_bool, check_choice, check_float, check_int, check_seed, describe
from ..data import Dataset, load_digits, load_mnist
from ..folding import class_paths, global_folding, running_folding
from ..nets import mlp
from ..training import train

if TYPE_CHECKING:  # for annotations only: matplotlib is imported when a figure is made
    from matplotlib.figure import Figure

__all__ = ["Grid", "DEFAULT_GRID", "COLUMNS", "KEY", "run_experiments", "read_results", "plot_results",
           "noisy_labels", "RESULTS", "shipped_results"]

#: Where the shipped results are (``benchmarks/results/`` of a clone of foldlab's repository).
RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"


@dataclass(frozen=True)
class Grid:
    """The nets of an experiment: every depth x width x seed x label noise.

    Attributes
    ----------
    depths : tuple of int
        Hidden layers.
    widths : tuple of int
        Units per hidden layer.
    seeds : tuple of int
        Seeds of the initialisation, the shuffling, the label noise and the measured pairs.
    noise : tuple of float
        Fractions of training labels replaced by another class (seeded), in [0, 1).
    """

    depths: tuple[int, ...] = (1, 2, 3)
    widths: tuple[int, ...] = (16, 32)
    seeds: tuple[int, ...] = (0, 1, 2)
    noise: tuple[float, ...] = (0.0, 0.2)

    def __post_init__(self) -> None:
        for name, low in (("depths", 1), ("widths", 1)):
            object.__setattr__(self, name, tuple(check_int(v, name, min=low) for v in _seq(getattr(self, name), name)))
        object.__setattr__(self, "seeds", tuple(check_seed(v, "seeds") for v in _seq(self.seeds, "seeds")))
        object.__setattr__(self, "noise", tuple(
            check_float(v, "noise", min=0.0, max=1.0, include_max=False) for v in _seq(self.noise, "noise")))

    def __len__(self) -> int:
        return len(self.depths) * len(self.widths) * len(self.seeds) * len(self.noise)

    def __iter__(self):
        for depth in self.depths:
            for width in self.widths:
                for noise in self.noise:
                    for seed in self.seeds:
                        yield depth, width, seed, noise


def _seq(values: Any, name: str) -> tuple:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise TypeError(f"{name} must be a sequence, got {describe(values)}")
    values = tuple(values)
    if not values:
        raise ValueError(f"{name} must not be empty")
    return values


#: The default grid: 3 depths x 2 widths x 3 seeds x 2 noise levels = 36 small digits nets (a few minutes).
DEFAULT_GRID = Grid()

#: The CSV's columns, in order.
COLUMNS = (
    "data", "depth", "width", "architecture", "seed", "noise", "target_accuracy", "max_epochs", "epochs",
    "reached_target", "train_accuracy", "train_accuracy_clean", "val_accuracy", "test_accuracy", "test_error",
    "generalisation_gap", "n_pairs", "phi_median_nonzero", "phi_tmlr", "phi_tmlr_nonzero_ordered", "mean_chi",
    "fraction_folding", "regions_mean", "regions_max", "path_classes", "n_paths", "path_chi_mean",
    "path_chi_std", "path_chi_sampled_mean", "path_chi_sampled_std", "seconds",
)
#: The columns that name a row: a row with the same values is not run again.
KEY = ("data", "depth", "width", "seed", "noise", "target_accuracy", "max_epochs", "n_pairs", "path_classes",
       "n_paths")


def noisy_labels(y: torch.Tensor, fraction: float, n_classes: int, seed: int) -> torch.Tensor:
    """``y`` with ``round(fraction * n)`` labels, drawn without replacement, replaced by another class
    (uniform among the other ``n_classes - 1``), seeded.

    Examples
    --------
    >>> y = torch.arange(10) % 2
    >>> noisy = noisy_labels(y, 0.3, 2, seed=0)
    >>> int((noisy != y).sum())
    3
    """
    fraction = check_float(fraction, "noise", min=0.0, max=1.0, include_max=False)
    rng = np.random.default_rng([check_seed(seed), 7])  # its own stream, apart from the pairs of this seed
    y = y.clone()
    which = rng.choice(len(y), int(round(fraction * len(y))), replace=False)
    shift = rng.integers(1, n_classes, size=len(which))
    y[which] = torch.as_tensor((y[which].numpy() + shift) % n_classes, dtype=y.dtype)
    return y


def _data(data: str, mnist_root, mnist_sizes: tuple[int, int], verify: bool = True) -> Dataset:
    if data == "digits":
        return load_digits(seed=0)
    if mnist_root is None:
        raise ValueError("data='mnist' needs mnist_root: a folder with the four MNIST IDX files")
    return load_mnist(mnist_root, train_size=mnist_sizes[0], test_size=mnist_sizes[1], seed=0, verify=verify)


def _split_validation(d: Dataset, fraction: float = 0.2) -> tuple[Dataset, torch.Tensor, torch.Tensor]:
    """The training set cut into a training and a validation part (seeded, the same for every net)."""
    order = torch.as_tensor(np.random.default_rng(0).permutation(len(d.X)))
    n_val = int(round(fraction * len(d.X)))
    val, tr = order[:n_val], order[n_val:]
    return Dataset(d.X[tr], d.y[tr], d.X[val], d.y[val], f"{d.name} (train part)"), d.X[val], d.y[val]


def _accuracy(net, X, y) -> float:
    with torch.no_grad():
        return float((net(X).argmax(1) == y).double().mean())


def _measure_one(d: Dataset, depth: int, width: int, seed: int, noise: float, *, data: str,
                 target: float | None, max_epochs: int, n_pairs: int, path_classes: tuple[int, int],
                 n_paths: int) -> dict:
    start = time.perf_counter()
    n_classes = d.n_classes
    fit, X_val, y_val = _split_validation(d)
    clean_y = fit.y
    if noise > 0:
        fit = Dataset(fit.X, noisy_labels(fit.y, noise, n_classes, seed), fit.X_test, fit.y_test, fit.name)
    widths = [d.dim] + [width] * depth + [n_classes]
    net = mlp(widths, seed=seed)
    # fit's test split is the validation set: training stops at the first epoch whose accuracy on it reaches
    # the target, or at the budget
    history = train(net, fit, epochs=max_epochs, seed=seed, target_accuracy=target, progress=False)
    epochs = history.epochs
    reached = None if target is None else bool(epochs > 0 and history.test_accuracy[-1] >= target)
    net.requires_grad_(False).eval()
    g = global_folding(net, d.X_test, d.y_test, n_pairs=n_pairs, seed=seed, progress=False)
    readings = g.readings()
    a, b = path_classes
    i, j = class_paths(d.X_test, d.y_test, a, b, n_paths, seed=seed)
    exact = running_folding(net, d.X_test[i], d.X_test[j], progress=False).final
    sampled = running_folding(net, d.X_test[i], d.X_test[j], sampled=True, progress=False).final
    train_acc = _accuracy(net, fit.X, fit.y)
    test_acc = _accuracy(net, d.X_test, d.y_test)
    return {
        "data": data, "depth": depth, "width": width,
        "architecture": f"{widths[0]}-[{width}]x{depth}-{widths[-1]}", "seed": seed, "noise": noise,
        "target_accuracy": "none" if target is None else target, "max_epochs": max_epochs, "epochs": epochs,
        "reached_target": "n/a" if reached is None else reached,
        "train_accuracy": train_acc, "train_accuracy_clean": _accuracy(net, fit.X, clean_y),
        "val_accuracy": _accuracy(net, X_val, y_val), "test_accuracy": test_acc, "test_error": 1 - test_acc,
        "generalisation_gap": train_acc - test_acc, "n_pairs": len(g.chis),
        "phi_median_nonzero": readings["median_nonzero"], "phi_tmlr": readings["tmlr"],
        "phi_tmlr_nonzero_ordered": readings["tmlr_nonzero_ordered"], "mean_chi": g.mean,
        "fraction_folding": g.fraction_folding, "regions_mean": float(g.n_regions.mean()),
        "regions_max": int(g.n_regions.max()), "path_classes": f"{a}->{b}", "n_paths": len(i),
        "path_chi_mean": float(exact.mean()), "path_chi_std": float(exact.std()),
        "path_chi_sampled_mean": float(sampled.mean()), "path_chi_sampled_std": float(sampled.std()),
        "seconds": round(time.perf_counter() - start, 3),
    }


def _key(row: dict) -> tuple[str, ...]:
    return tuple(_text(row[k]) for k in KEY)


def _text(value: Any) -> str:
    if isinstance(value, float):
        return repr(value)
    return str(value)


def read_results(path: str | os.PathLike) -> list[dict]:
    """The rows of a runner's CSV, numbers as numbers (``"none"``, ``"n/a"``, ``"True"`` kept as text).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "r.csv"
    >>> _ = p.write_text("depth,mean_chi,target_accuracy\\n3,0.25,none\\n")
    >>> read_results(p)
    [{'depth': 3, 'mean_chi': 0.25, 'target_accuracy': 'none'}]
    """
    with open(path, newline="") as f:
        return [{k: _number(v) for k, v in row.items()} for row in csv.DictReader(f)]


def shipped_results(name: str) -> list[dict]:
    """The rows of a shipped CSV, ``benchmarks/results/<name>.csv`` (read with :func:`read_results`).

    Examples
    --------
    >>> rows = shipped_results("memorisation")
    >>> len(rows), sorted({r["noise"] for r in rows})
    (15, [0.0, 0.2, 0.4])
    """
    if not isinstance(name, str) or not name or "/" in name or "\\" in name:
        raise ValueError(f"name must be the name of a CSV in benchmarks/results/ (without .csv), got {name!r}")
    path = RESULTS / f"{name}.csv"
    if not path.is_file():
        shipped = sorted(p.stem for p in RESULTS.glob("*.csv")) if RESULTS.is_dir() else []
        raise FileNotFoundError(f"name={name!r}: no shipped results at {path} (shipped: {shipped}); they come with "
                                "a clone of foldlab's repository, and benchmarks/results/README.md says how each "
                                "was made")
    return read_results(path)


def _number(text: str):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def run_experiments(
    grid: Grid = DEFAULT_GRID,
    out: str | os.PathLike = "folding_results.csv",
    *,
    data: str = "digits",
    mnist_root: str | os.PathLike | None = None,
    mnist_sizes: Sequence[int] = (10_000, 2_000),
    mnist_verify: bool = True,
    target_accuracy: float | None = 0.9,
    max_epochs: int = 30,
    n_pairs: int = 300,
    path_classes: Sequence[int] = (1, 4),
    n_paths: int = 50,
    figure: str | os.PathLike | None = None,
    progress: bool = True,
) -> list[dict]:
    """Train and measure every net of ``grid``; one CSV row per net, finished rows skipped on a rerun.

    Each net is ``fl.mlp([d_in] + [width] * depth + [classes], seed=seed)`` trained with :func:`foldlab.train`
    (Adam, lr 1e-2, batch 64, shuffling seeded by ``seed``) on 80 % of the training split, the other 20 %
    (the same for every net) being the validation set. With ``target_accuracy`` the net is the snapshot after
    the first epoch whose validation accuracy reaches it (``reached_target`` False and the last epoch's net if
    none does within ``max_epochs``); with ``target_accuracy=None`` it trains for ``max_epochs``. Label noise
    replaces a seeded fraction of the training part's labels by another class (validation and test labels stay
    clean; ``train_accuracy`` is on the noisy labels the net saw, ``train_accuracy_clean`` on the true ones).

    Folding is measured on the test split: ``global_folding`` on ``n_pairs`` seeded pairs (every reading, with
    mean chi and the fraction folding) and the chi of ``n_paths`` seeded paths from class ``path_classes[0]``
    to class ``path_classes[1]`` (exact walks, and the 11 sampled points of the papers' figures).

    Parameters
    ----------
    grid : Grid
    out : str or Path
        The CSV; rows are appended as each net finishes, and rows already there (same :data:`KEY`) are skipped.
    data : {"digits", "mnist"}
        scikit-learn's digits (in the package, offline), or MNIST from IDX files in ``mnist_root``.
    mnist_root : str or Path, optional
    mnist_sizes : (int, int)
        Seeded subsets of MNIST's training and test sets.
    mnist_verify : bool
        Check that the files are the standard MNIST files (sizes and checksums, :func:`foldlab.load_mnist`); False
        for other data in the MNIST layout.
    target_accuracy : float or None
    max_epochs : int
    n_pairs, n_paths : int
    path_classes : (int, int)
    figure : str or Path, optional
        Save :func:`plot_results` of the whole CSV there.
    progress : bool
        One line per net.

    Returns
    -------
    list of dict
        Every row of the CSV after the run (earlier ones included).

    References
    ----------
    Lewandowski et al., "On Space Folds of ReLU Neural Networks" (TMLR 2025): folding against depth and width
    on MNIST, and its link to generalisation; "The Space Between" (2025), section 5 (the global measure);
    foldlab's maths page (docs/maths.md), section 'The global folding measure'.
    """
    if not isinstance(grid, Grid):
        raise TypeError(f"grid must be a foldlab.experiments.Grid, got {describe(grid)}")
    data = check_choice(data, "data", ("digits", "mnist"))
    if target_accuracy is not None:
        target_accuracy = check_float(target_accuracy, "target_accuracy", min=0.0, max=1.0, include_min=False)
    max_epochs = check_int(max_epochs, "max_epochs", min=1)
    n_pairs = check_int(n_pairs, "n_pairs", min=1)
    n_paths = check_int(n_paths, "n_paths", min=1)
    progress = check_bool(progress, "progress")
    path_classes = tuple(check_int(c, "path_classes", min=0) for c in _seq(path_classes, "path_classes"))
    if len(path_classes) != 2 or path_classes[0] == path_classes[1]:
        raise ValueError(f"path_classes must be two different classes, got {path_classes}")
    mnist_sizes = tuple(check_int(s, "mnist_sizes", min=1) for s in _seq(mnist_sizes, "mnist_sizes"))
    out = Path(out)
    d = _data(data, mnist_root, mnist_sizes, check_bool(mnist_verify, "mnist_verify"))
    present = set(d.y_test.tolist())
    if not set(path_classes) <= present:
        raise ValueError(f"path_classes {path_classes} are not classes of {data}'s test split (classes: "
                         f"{sorted(present)})")
    done = {_key(row) for row in (read_results(out) if out.exists() else [])}
    fresh = not out.exists() or out.stat().st_size == 0
    out.parent.mkdir(parents=True, exist_ok=True)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small nets: one thread is faster, and results do not depend on it
    try:
        with open(out, "a", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=COLUMNS)
            if fresh:
                writer.writeheader()
            for k, (depth, width, seed, noise) in enumerate(grid, start=1):
                key = _key({"data": data, "depth": depth, "width": width, "seed": seed, "noise": noise,
                            "target_accuracy": "none" if target_accuracy is None else target_accuracy,
                            "max_epochs": max_epochs, "n_pairs": n_pairs,
                            "path_classes": f"{path_classes[0]}->{path_classes[1]}", "n_paths": n_paths})
                if key in done:
                    continue
                row = _measure_one(d, depth, width, seed, noise, data=data, target=target_accuracy,
                                   max_epochs=max_epochs, n_pairs=n_pairs, path_classes=path_classes,
                                   n_paths=n_paths)
                if row["n_pairs"] != n_pairs:  # fewer cross-class pairs than asked: the key says what was asked
                    row["n_pairs"] = n_pairs
                writer.writerow({c: row[c] for c in COLUMNS})
                f.flush()
                if progress:
                    print(f"[{k}/{len(grid)}] {row['architecture']} seed={seed} noise={noise}: "
                          f"test acc {row['test_accuracy']:.3f}, phi {row['phi_median_nonzero']:.3f}, "
                          f"mean chi {row['mean_chi']:.3f}, fraction folding {row['fraction_folding']:.3f} "
                          f"({row['seconds']:.1f} s)", flush=True)
    finally:
        torch.set_num_threads(threads)
    rows = read_results(out)
    if figure is not None:
        fig = plot_results(rows)
        fig.savefig(figure, dpi=120, bbox_inches="tight")
    return rows


def plot_results(rows: list[dict], *, readings: Sequence[str] = ("mean_chi", "phi_median_nonzero")) -> Figure:
    """Folding against depth, width and test error, mean +- std over seeds: one row of plots per reading.

    Returns a :class:`matplotlib.figure.Figure` (made without pyplot). ``mean_chi`` and the median of the
    non-zero chi are both shown by default: they can move in different directions with depth.

    Examples
    --------
    >>> rows = [dict(depth=d, width=8, seed=s, noise=0.0, test_error=0.1 * d, mean_chi=0.1 * d + 0.01 * s,
    ...              phi_median_nonzero=0.3, fraction_folding=0.5) for d in (1, 2) for s in (0, 1)]
    >>> fig = plot_results(rows)
    >>> len(fig.axes)
    6
    """
    from matplotlib.figure import Figure

    from ..plotting import plot_folding_sweep

    if not rows:
        raise ValueError("rows is empty: nothing to plot")
    readings = tuple(readings)
    fig = Figure(figsize=(13, 3.6 * len(readings)))
    axs = fig.subplots(len(readings), 3, squeeze=False)
    columns = {k: [r[k] for r in rows] for k in rows[0]}
    noise_levels = sorted(set(columns["noise"]))
    for r, reading in enumerate(readings):
        for noise in noise_levels:
            part = [row for row in rows if row["noise"] == noise]
            label = f"noise {noise}"
            plot_folding_sweep(part, axs[r, 0], x="depth", y=reading, group="width", label=label)
            plot_folding_sweep(part, axs[r, 1], x="width", y=reading, group="depth", label=label)
        _against_error(axs[r, 2], rows, reading)
    fig.suptitle("folding of the grid's nets (mean +- std over seeds); fraction folding beside each reading in "
                 "the CSV")
    fig.tight_layout()
    return fig


def _against_error(ax, rows: list[dict], reading: str) -> None:
    """One point per (depth, width, noise): mean test error against mean reading, std over seeds both ways."""
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault((row["depth"], row["width"], row["noise"]), []).append(row)
    for noise in sorted({k[2] for k in groups}):
        keys = [k for k in groups if k[2] == noise]
        x = [np.mean([r["test_error"] for r in groups[k]]) for k in keys]
        y = [np.mean([r[reading] for r in groups[k]]) for k in keys]
        xerr = [np.std([r["test_error"] for r in groups[k]]) for k in keys]
        yerr = [np.std([r[reading] for r in groups[k]]) for k in keys]
        ax.errorbar(x, y, xerr=xerr, yerr=yerr, ls="none", marker="o", capsize=2, label=f"noise {noise}")
    ax.set_xlabel("test error")
    ax.set_ylabel(f"{reading.replace('_', ' ')} (mean +- std over seeds)")
    ax.legend(fontsize="small")
