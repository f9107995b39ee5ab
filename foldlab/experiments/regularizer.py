"""With and without the folding regularizer: seeded paired runs, every run reported, a paired test across seeds.

The papers end with an idea they do not test (Lewandowski et al., "The Space Between: On Folding, Symmetries
and Sampling", arXiv 2503.08502, the closing section on a folding-based regularization scheme): push a net to
fold more early in training and see whether it generalises better. :func:`compare_regularizer` trains the
same net twice per seed, once plain and once with a :class:`foldlab.FoldingRegularizer`, on the same data,
for the same epochs, from the same initial weights and the same batch order, and measures both: test and
train accuracy, the exact global folding measure ``Phi_N`` on the test set (:func:`foldlab.global_folding`,
its default reduction, with its ``.mean`` and fraction of folding segments) and the time. Every seed's run
is in the table; nothing is selected after the fact. The summary gives mean and spread per arm and two paired
tests on the per-seed differences (with minus without): the Wilcoxon signed-rank test (primary: it assumes
no normality, and 5 to 10 seeds are too few to check normality) and the paired t-test (for reference).

Run as a command, it writes the shipped results (see ``--help``)::

    python -m foldlab.experiments.regularizer --out benchmarks/results/
"""

from __future__ import annotations

import argparse
import csv
import io
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .._validation import check_choice, check_float, check_int, check_seed
from ..data import TOY_SETS, Dataset, load_digits, toy_dataset
from ..folding import global_folding
from ..nets import mlp
from ..regularizer import EVERY, SCHEDULES, FoldingRegularizer
from ..training import train

__all__ = ["COLUMNS", "METRICS", "RESULTS", "RegularizerComparison", "ArmSummary", "PairedTest",
           "compare_regularizer", "read_comparison", "shipped_comparison", "main"]

#: Columns of a comparison's table, in order.
COLUMNS = ("dataset", "seed", "arm", "weight", "schedule", "temperature", "epochs", "test_accuracy",
           "train_accuracy", "phi", "phi_mean", "fraction_folding", "seconds")
#: The measured columns the summary describes.
METRICS = ("test_accuracy", "train_accuracy", "phi", "phi_mean", "fraction_folding", "seconds")
#: The two arms, in the order they are run for each seed.
ARMS = ("without", "with")


@dataclass(frozen=True)
class ArmSummary:
    """Mean, sample standard deviation (ddof=1; nan for one seed), minimum and maximum of one metric of one arm."""

    metric: str
    arm: str
    n: int
    mean: float
    std: float
    min: float
    max: float


@dataclass(frozen=True)
class PairedTest:
    """Per-seed differences ``with - without`` of one metric and two paired tests on them.

    ``wilcoxon_p`` (primary) is the two-sided Wilcoxon signed-rank p-value (nan when every difference is 0,
    where the test is undefined); ``ttest_p`` the two-sided paired t-test's (nan then as well).
    """

    metric: str
    n: int
    mean_difference: float
    std_difference: float
    wins: int
    losses: int
    ties: int
    wilcoxon_p: float
    ttest_p: float


@dataclass(frozen=True, eq=False)
class RegularizerComparison:
    """The tidy table of a comparison (one row per seed and arm) and its summary.

    Attributes
    ----------
    rows : tuple of dict
        One per run, keys :data:`COLUMNS`, in the order run (seed by seed, "without" then "with").
    settings : dict
        What was run (dataset, net widths, epochs, regularizer options, ...), written as the CSV's header.
    """

    rows: tuple[dict, ...]
    settings: dict

    @property
    def seeds(self) -> list[int]:
        return sorted({row["seed"] for row in self.rows})

    def column(self, metric: str, arm: str) -> np.ndarray:
        """One metric of one arm, in seed order: shape (seeds,)."""
        check_choice(metric, "metric", METRICS)
        check_choice(arm, "arm", ARMS)
        by_seed = {row["seed"]: row[metric] for row in self.rows if row["arm"] == arm}
        return np.array([by_seed[s] for s in self.seeds], dtype=float)

    def arm_summary(self, metric: str, arm: str) -> ArmSummary:
        values = self.column(metric, arm)
        std = float(values.std(ddof=1)) if len(values) > 1 else float("nan")
        return ArmSummary(metric, arm, len(values), float(values.mean()), std, float(values.min()),
                          float(values.max()))

    def paired(self, metric: str) -> PairedTest:
        """The paired tests of one metric across seeds (differences ``with - without``)."""
        from scipy import stats  # scipy comes with scikit-learn; loaded only when a test is asked for

        diff = self.column(metric, "with") - self.column(metric, "without")
        n = len(diff)
        std = float(diff.std(ddof=1)) if n > 1 else float("nan")
        if n > 1 and np.any(diff != 0):
            wilcoxon_p = float(stats.wilcoxon(diff, zero_method="wilcox", alternative="two-sided").pvalue)
        else:
            wilcoxon_p = float("nan")
        ttest_p = float(stats.ttest_1samp(diff, 0.0).pvalue) if n > 1 and std > 0 else float("nan")
        return PairedTest(metric, n, float(diff.mean()), std, int((diff > 0).sum()), int((diff < 0).sum()),
                          int((diff == 0).sum()), wilcoxon_p, ttest_p)

    def summary(self, metrics: Sequence[str] = ("test_accuracy", "phi", "phi_mean", "fraction_folding",
                                              "train_accuracy")) -> str:
        """A fixed-width table: per metric, each arm's mean +- std, the mean difference and both p-values."""
        name = self.settings.get("dataset", "?")
        lines = [f"{name}: {len(self.seeds)} seeds, {self.settings.get('epochs')} epochs; "
                 f"difference = with - without; p: Wilcoxon signed-rank (primary), paired t-test",
                 f"{'metric':<16} {'without':>17} {'with':>17} {'difference':>17} {'w/l/t':>8} "
                 f"{'p wilcoxon':>10} {'p t-test':>9}"]
        for metric in metrics:
            a, b, t = self.arm_summary(metric, "without"), self.arm_summary(metric, "with"), self.paired(metric)
            lines.append(
                f"{metric:<16} {a.mean:>8.4f} ± {a.std:<6.4f} {b.mean:>8.4f} ± {b.std:<6.4f} "
                f"{t.mean_difference:>+8.4f} ± {t.std_difference:<6.4f} {f'{t.wins}/{t.losses}/{t.ties}':>8} "
                f"{t.wilcoxon_p:>10.4g} {t.ttest_p:>9.3g}"
            )
        return "\n".join(lines)

    def to_csv(self, path: str | Path | None = None) -> str:
        """The table as CSV, preceded by ``# key: value`` lines of the settings; written to ``path`` if given."""
        out = io.StringIO()
        for key, value in self.settings.items():
            out.write(f"# {key}: {value}\n")
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in self.rows:
            writer.writerow({k: (repr(v) if isinstance(v, float) else v) for k, v in row.items()})
        text = out.getvalue()
        if path is not None:
            Path(path).write_text(text)
        return text

    def __repr__(self) -> str:
        return (f"RegularizerComparison(dataset={self.settings.get('dataset')!r}, seeds={len(self.seeds)}, "
                f"runs={len(self.rows)})")


#: Where the shipped results are, in a clone of foldlab's repository (``benchmarks/results/``).
RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"

_INT_COLUMNS = ("seed", "epochs")
_TEXT_COLUMNS = ("dataset", "arm", "schedule")


def read_comparison(path: str | Path) -> RegularizerComparison:
    """A comparison written by :meth:`RegularizerComparison.to_csv` (the settings come back as strings)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"path {str(path)!r}: no such file (the comparison CSV)")
    settings, body = {}, []
    for line in path.read_text().splitlines():
        if line.startswith("# "):
            key, _, value = line[2:].partition(": ")
            settings[key] = value
        else:
            body.append(line)
    reader = csv.DictReader(body)
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise ValueError(f"path {str(path)!r}: expected the columns {COLUMNS}, got {reader.fieldnames}")
    rows = []
    for raw in reader:
        row = {}
        for key, value in raw.items():
            row[key] = value if key in _TEXT_COLUMNS else int(value) if key in _INT_COLUMNS else float(value)
        rows.append(row)
    return RegularizerComparison(tuple(rows), settings)


def shipped_comparison(which: str) -> RegularizerComparison:
    """The shipped comparison ``which`` ("2d" or "digits"), read from ``benchmarks/results/regularizer_*.csv``.

    Examples
    --------
    >>> shipped_comparison("digits")
    RegularizerComparison(dataset='digits', seeds=5, runs=10)
    """
    which = check_choice(which, "which", ("2d", "digits"))
    path = RESULTS / f"regularizer_{which}.csv"
    if not path.is_file():
        raise FileNotFoundError(
            f"which={which!r}: no shipped results at {path}; they come with a clone of foldlab's repository, or run "
            f"python -m foldlab.experiments.regularizer --out {RESULTS}"
        )
    return read_comparison(path)


def _dataset(name: str, data_seed: int, n: int) -> Dataset:
    return load_digits(seed=data_seed) if name == "digits" else toy_dataset(name, n=n, seed=data_seed)


def compare_regularizer(
    dataset: str = "spirals",
    seeds: Sequence[int] | int = 10,
    *,
    epochs: int = 60,
    widths: Sequence[int] = (16, 16),
    weight: float = 1.0,
    schedule: str = "linear",
    temperature: float = 0.1,
    n_points: int = 16,
    n_pairs: int = 16,
    every: int = EVERY,
    lr: float = 1e-2,
    batch_size: int = 64,
    n: int = 400,
    data_seed: int = 0,
    phi_pairs: int = 1000,
    progress: bool = False,
) -> RegularizerComparison:
    """Train with and without a :class:`~foldlab.FoldingRegularizer` on each seed; measure both runs.

    For each seed ``s`` the two runs share everything but the penalty: the data set (drawn once with
    ``data_seed``), the net's initial weights (``mlp(..., seed=s)``), the batch order (``train(seed=s)``), the
    epochs and the optimiser. The regularizer draws its segments with ``seed=s``.

    Parameters
    ----------
    dataset : {"moons", "circles", "xor", "spirals", "cantor", "digits"}
        A 2D set of :func:`foldlab.toy_dataset` (``n`` points) or :func:`foldlab.load_digits`.
    seeds : int or sequence of int
        The seeds, or how many (``range(seeds)``); distinct.
    epochs : int
    widths : sequence of int
        Hidden widths of the ReLU MLP (input and output sizes follow the data: one output for two classes).
    weight, schedule, temperature, n_points, n_pairs, every
        Of the regularizer (:class:`~foldlab.FoldingRegularizer`, passed to :func:`foldlab.train` as
        ``regularizer=``: one forward pass per batch, the penalty on every ``every``-th batch); ``weight`` > 0.
    lr, batch_size
        Of :func:`foldlab.train`.
    n, data_seed
        Size (2D sets) and seed of the data set.
    phi_pairs : int
        Segments of the exact ``Phi_N`` on the test set (:func:`foldlab.global_folding`, ``seed=s``; the same
        segments for both arms of a seed).
    progress : bool
        Print one line per run.

    Returns
    -------
    RegularizerComparison
        ``.rows`` (one per seed and arm), ``.summary()``, ``.paired(metric)``, ``.to_csv(path)``.

    Examples
    --------
    >>> from foldlab.experiments import compare_regularizer
    >>> result = compare_regularizer("moons", seeds=2, epochs=2, n=80, phi_pairs=20)
    >>> result
    RegularizerComparison(dataset='moons', seeds=2, runs=4)
    >>> [(row["seed"], row["arm"]) for row in result.rows]
    [(0, 'without'), (0, 'with'), (1, 'without'), (1, 'with')]

    References
    ----------
    Lewandowski et al., "The Space Between: On Folding, Symmetries and Sampling" (arXiv 2503.08502), the
    folding-based regularization scheme it outlines and the global folding measure; foldlab's maths page
    (docs/maths.md), section 'Choices foldlab made where the papers are open'.
    """
    dataset = check_choice(dataset, "dataset", (*TOY_SETS, "digits"))
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        seeds = list(range(check_int(seeds, "seeds", min=1)))
    elif isinstance(seeds, (str, bytes)) or not isinstance(seeds, Sequence):
        raise TypeError(f"seeds must be an int (how many) or a sequence of ints, got {seeds!r}")
    else:
        seeds = [check_seed(s, "seeds") for s in seeds]
        if not seeds:
            raise ValueError("seeds must not be empty: expected at least one seed")
        if len(set(seeds)) != len(seeds):
            raise ValueError(f"seeds must be distinct (a repeated seed would count one run twice), got {seeds}")
    epochs = check_int(epochs, "epochs", min=1)
    if isinstance(widths, (str, bytes)) or not isinstance(widths, Sequence) or len(widths) == 0:
        raise ValueError(f"widths must be a non-empty sequence of positive ints, got {widths!r}")
    widths = [check_int(w, "widths", min=1) for w in widths]
    weight = check_float(weight, "weight", min=0, include_min=False)
    schedule = check_choice(schedule, "schedule", SCHEDULES)
    temperature = check_float(temperature, "temperature", min=0, include_min=False)
    n_points = check_int(n_points, "n_points", min=2)
    n_pairs = check_int(n_pairs, "n_pairs", min=1)
    every = check_int(every, "every", min=1)
    lr = check_float(lr, "lr", min=0, include_min=False)
    batch_size = check_int(batch_size, "batch_size", min=1)
    n = check_int(n, "n", min=8)
    data_seed = check_seed(data_seed, "data_seed")
    phi_pairs = check_int(phi_pairs, "phi_pairs", min=1)
    if not isinstance(progress, bool):
        raise TypeError(f"progress must be True or False, got {progress!r}")

    data = _dataset(dataset, data_seed, n)
    n_out = 1 if data.n_classes == 2 else data.n_classes
    settings = {
        "dataset": dataset, "data": repr(data), "data_seed": data_seed, "seeds": " ".join(map(str, seeds)),
        "net": f"ReLU mlp {[data.dim, *widths, n_out]}, init seed = run seed", "epochs": epochs, "lr": lr,
        "batch_size": batch_size, "optimizer": "Adam (foldlab.train, batch order seed = run seed)",
        "regularizer": f"FoldingRegularizer(weight={weight}, schedule={schedule!r}, epochs={epochs}, "
                       f"temperature={temperature}, n_points={n_points}, n_pairs={n_pairs}, every={every}, "
                       f"seed=run seed), as train(regularizer=)",
        "phi": f"foldlab.global_folding on the test set, n_pairs={phi_pairs}, seed=run seed, "
               f"reduce='median_nonzero'",
        "torch_threads": torch.get_num_threads(),
    }
    rows = []
    for seed in seeds:
        for arm in ARMS:
            net = mlp([data.dim, *widths, n_out], seed=seed)
            reg = None
            if arm == "with":
                reg = FoldingRegularizer(weight=weight, schedule=schedule, epochs=epochs, temperature=temperature,
                                         n_points=n_points, n_pairs=n_pairs, every=every, seed=seed)
            start = time.perf_counter()
            history = train(net, data, epochs=epochs, seed=seed, lr=lr, batch_size=batch_size, regularizer=reg,
                            progress=False)
            seconds = time.perf_counter() - start
            folding = global_folding(net, data.X_test, data.y_test, n_pairs=phi_pairs, seed=seed)
            row = {
                "dataset": dataset, "seed": seed, "arm": arm, "weight": weight if reg else 0.0,
                "schedule": schedule, "temperature": temperature, "epochs": epochs,
                "test_accuracy": history.test_accuracy[-1], "train_accuracy": history.train_accuracy[-1],
                "phi": float(folding.phi), "phi_mean": float(folding.mean),
                "fraction_folding": float(folding.fraction_folding), "seconds": seconds,
            }
            rows.append(row)
            if progress:
                print(f"{dataset} seed {seed} {arm:>7}: test {row['test_accuracy']:.4f} phi {row['phi']:.4f} "
                      f"({seconds:.1f} s)", flush=True)
    return RegularizerComparison(tuple(rows), settings)


#: The shipped settings (``python -m foldlab.experiments.regularizer``): chosen to run in a few minutes on a
#: busy two-core machine.
SHIPPED = {
    "2d": dict(dataset="spirals", seeds=10, epochs=60, widths=(16, 16), n=400),
    "digits": dict(dataset="digits", seeds=5, epochs=15, widths=(64, 64)),
}


def main(argv: Sequence[str] | None = None) -> None:
    """Write regularizer_2d.csv, regularizer_digits.csv and regularizer.png into ``--out``; print the summaries."""
    parser = argparse.ArgumentParser(prog="python -m foldlab.experiments.regularizer",
                                     description="With and without the folding regularizer, paired over seeds.")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"), help="folder for the results")
    parser.add_argument("--weight", type=float, default=1.0)
    parser.add_argument("--schedule", default="linear", choices=SCHEDULES)
    parser.add_argument("--quick", action="store_true", help="2 seeds, 2 epochs (a smoke test)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # small nets: one thread is faster on a busy machine, and timings are comparable
    args.out.mkdir(parents=True, exist_ok=True)
    results = {}
    for key, options in SHIPPED.items():
        options = dict(options, weight=args.weight, schedule=args.schedule)
        if args.quick:
            options.update(seeds=2, epochs=2)
        start = time.perf_counter()
        result = compare_regularizer(**options, progress=True)
        result.settings["command"] = "python -m foldlab.experiments.regularizer " + " ".join(
            argv if argv is not None else __import__("sys").argv[1:])
        result.settings["wall_seconds"] = f"{time.perf_counter() - start:.1f}"
        result.to_csv(args.out / f"regularizer_{key}.csv")
        print(result.summary(), flush=True)
        results[key] = result
    # the figure: drawing lives in foldlab.plotting (the one import allowed to go up a rank, see tests/test_layers)
    from ..plotting.regularizer import regularizer_figure

    figure = regularizer_figure(list(results.values()))
    figure.savefig(args.out / "regularizer.png", dpi=110, bbox_inches="tight")
    print(f"wrote {', '.join(f'regularizer_{k}.csv' for k in results)} and regularizer.png to {args.out}")


if __name__ == "__main__":  # pragma: no cover - the command line
    # run the package's copy of this module (not this __main__ copy), so that its results are the classes
    # foldlab.plotting knows
    from foldlab.experiments.regularizer import main as package_main

    package_main()
