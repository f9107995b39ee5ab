"""The TMLR reduction over every pair of classes: seeded paths between all class pairs of a data set.

"On Space Folds of ReLU Neural Networks" reduces the chi of many paths between images of two classes to one
number per class pair (the largest), then takes the median over the class pairs (one reading of its phrase;
foldlab's maths page, docs/maths.md, section 'The global folding measure'). :func:`class_pair_paths`
draws the same number of paths for every unordered class pair, in a seeded random order within each pair, so
that the first ``k`` paths of a pair are a random subset of its paths: the largest chi of a pair grows with
the number of paths it looks at, and :func:`all_pairs_rows` reports it for several ``k`` from one set of walks.
:func:`run_all_pairs` trains digits nets of several depths and seeds and writes one CSV row per net, class
pair and ``k``; :func:`net_readings` gives the TMLR reading of each net and ``k``, and
:func:`summarise_all_pairs` its mean and spread over seeds per depth and ``k``. ``benchmarks/tmlr_all_pairs.py``
made the shipped ``benchmarks/results/tmlr_all_pairs.csv`` (read it with ``shipped_results("tmlr_all_pairs")``).
"""

from __future__ import annotations

import csv
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .._docs import shared_docs
from .._typing import ArrayLike
from .._validation import as_labels, as_points, check_bool, check_int, check_seed, describe
from ..data import load_digits
from ..folding import GlobalFolding, class_paths, global_folding
from ..nets import mlp
from ..training import train
from .runner import read_results

__all__ = ["ALL_PAIRS_COLUMNS", "class_pair_paths", "all_pairs_rows", "run_all_pairs", "net_readings",
           "summarise_all_pairs", "format_summary"]

#: The columns of :func:`run_all_pairs`'s CSV, in order: one row per net, class pair and number of paths.
ALL_PAIRS_COLUMNS = (
    "data", "depth", "width", "architecture", "seed", "epochs", "test_accuracy", "class_a", "class_b", "paths",
    "paths_used", "paths_available", "max_chi", "median_chi", "mean_chi", "fraction_folding", "regions_mean",
)


def _ints(values: Any, name: str, low: int) -> tuple[int, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
        raise TypeError(f"{name} must be a non-empty sequence of ints, got {describe(values)}")
    return tuple(check_int(v, name, min=low) for v in values)


@shared_docs
def class_pair_paths(X: ArrayLike, y: ArrayLike, n_paths: int, seed: int = 0) -> np.ndarray:
    """Up to ``n_paths`` seeded paths for every unordered pair of classes ``a < b``, from class a to class b.

    For each class pair, :func:`foldlab.folding.class_paths` draws the paths (distinct pairs of points, all of
    them if there are fewer), and a seeded permutation puts them in random order, so that the first ``k``
    rows of a class pair are a uniform random subset of its paths.

    Parameters
    ----------
    X : Tensor or array, shape (n, d)
    y : array of int, shape (n,)
    n_paths : int
        Paths per class pair, at least 1.
    %(seed)s
        It draws the paths and their order.

    Returns
    -------
    ndarray, shape (p, 2), int64
        Indices into ``X`` of each path's start (class a) and end (class b); class pairs in the order
        (0, 1), (0, 2), ..., paths of one pair together.

    Examples
    --------
    >>> pairs = class_pair_paths([[0.0], [1.0], [2.0], [3.0]], [0, 1, 2, 0], 5)
    >>> sorted(map(tuple, pairs.tolist()))
    [(0, 1), (0, 2), (1, 2), (3, 1), (3, 2)]

    References
    ----------
    Lewandowski et al., "On Space Folds of ReLU Neural Networks" (TMLR 2025): paths between images of two
    classes, for every pair of classes; foldlab's maths page (docs/maths.md), section 'The global folding
    measure'.
    """
    points = as_points(X, "X")
    labels = as_labels(y, "y", n=len(points))
    n_paths = check_int(n_paths, "n_paths", min=1)
    seed = check_seed(seed)
    classes = np.unique(labels).tolist()
    if len(classes) < 2:
        raise ValueError(f"y has a single class ({classes[0]}): paths between classes need at least two")
    out = []
    for a_index, a in enumerate(classes):
        for b_index in range(a_index + 1, len(classes)):
            b = classes[b_index]
            i, j = class_paths(points, labels, a, b, n_paths, seed=seed)
            order = np.random.default_rng([seed, a_index, b_index]).permutation(len(i))
            out.append(np.stack([i[order], j[order]], axis=1))
    return np.concatenate(out).astype(np.int64)


def all_pairs_rows(g: GlobalFolding, prefixes: Sequence[int]) -> list[dict]:
    """Per class pair and per ``k`` of ``prefixes``: chi of the first ``k`` paths of the pair, summarised.

    Parameters
    ----------
    g : GlobalFolding
        Of the paths of :func:`class_pair_paths` (``pairs=`` of :func:`foldlab.global_folding`): the paths of
        each class pair together, in random order.
    prefixes : sequence of int
        Numbers of paths per class pair (a pair with fewer paths uses all of them).

    Returns
    -------
    list of dict
        Keys ``class_a``, ``class_b``, ``paths`` (the ``k`` asked), ``paths_used`` (``k``, or all the pair's
        paths if it has fewer), ``paths_available``, ``max_chi``, ``median_chi``,
        ``mean_chi``, ``fraction_folding``, ``regions_mean``.

    Examples
    --------
    >>> import foldlab as fl
    >>> data = fl.toy_dataset("cantor", n=40, seed=0)
    >>> pairs = class_pair_paths(data.X, data.y, 12, seed=0)
    >>> rows = all_pairs_rows(fl.global_folding(fl.CantorNet(depth=2), data.X, data.y, pairs=pairs), [4, 12])
    >>> [(r["class_a"], r["class_b"], r["paths"]) for r in rows]
    [(0, 1, 4), (0, 1, 12)]
    """
    if not isinstance(g, GlobalFolding):
        raise TypeError(f"g must be a GlobalFolding (from foldlab.global_folding), got {describe(g)}")
    prefixes = _ints(prefixes, "prefixes", 1)
    a, b = g.labels[g.pairs[:, 0]], g.labels[g.pairs[:, 1]]
    counts = g.n_regions if g.n_regions is not None else np.ones(len(g.chis), dtype=np.int64)
    rows = []
    seen = set()
    for k in range(len(g.chis)):
        key = (int(a[k]), int(b[k]))
        if key in seen:
            continue
        seen.add(key)
        here = np.flatnonzero((a == key[0]) & (b == key[1]))
        for n in prefixes:
            part = here[:n]
            chis = g.chis[part]
            rows.append({
                "class_a": key[0], "class_b": key[1], "paths": n, "paths_used": len(part),
                "paths_available": len(here),
                "max_chi": float(chis.max()), "median_chi": float(np.median(chis)), "mean_chi": float(chis.mean()),
                "fraction_folding": float(np.mean(chis > 0)), "regions_mean": float(counts[part].mean()),
            })
    return rows


def run_all_pairs(
    depths: Sequence[int] = (3, 4, 5, 6),
    seeds: Sequence[int] = (0, 1, 2, 3, 4),
    out: str | os.PathLike = "tmlr_all_pairs.csv",
    *,
    width: int = 32,
    epochs: int = 30,
    n_paths: int = 500,
    prefixes: Sequence[int] = (10, 50, 100, 500),
    progress: bool = True,
) -> list[dict]:
    """Digits nets of every depth and seed, each walked on ``n_paths`` paths of every class pair; a CSV row per
    net, class pair and number of paths (``prefixes``).

    Each net is ``fl.mlp([64] + [width] * depth + [10], seed=seed)`` trained with :func:`foldlab.train` for
    ``epochs`` epochs (Adam, lr 1e-2, batch 64, shuffling seeded by ``seed``) on the training split of
    ``fl.load_digits(seed=0)`` (1348 images); the paths join test images (449, about 45 per class, so about
    2000 paths are available per class pair), drawn by :func:`class_pair_paths` with the net's seed. The CSV
    is written anew.

    Parameters
    ----------
    depths, seeds : sequence of int
    out : str or Path
    width, epochs, n_paths : int
    prefixes : sequence of int
        Numbers of paths per class pair to report (each at most ``n_paths``).
    progress : bool
        One line per net.

    Returns
    -------
    list of dict
        The rows of the CSV (:data:`ALL_PAIRS_COLUMNS`).

    References
    ----------
    Lewandowski et al., "On Space Folds of ReLU Neural Networks" (TMLR 2025): the global measure over class
    pairs, and folding against depth; foldlab's maths page (docs/maths.md), section 'The global folding
    measure'.
    """
    depths = _ints(depths, "depths", 1)
    seeds = tuple(check_seed(s, "seeds") for s in _ints(seeds, "seeds", 0))
    width = check_int(width, "width", min=1)
    epochs = check_int(epochs, "epochs", min=1)
    n_paths = check_int(n_paths, "n_paths", min=1)
    prefixes = _ints(prefixes, "prefixes", 1)
    if max(prefixes) > n_paths:
        raise ValueError(f"prefixes must be at most n_paths={n_paths}, got {max(prefixes)}")
    progress = check_bool(progress, "progress")
    d = load_digits(seed=0)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small nets: one thread is faster, and results do not depend on it
    rows: list[dict] = []
    try:
        with open(out, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=ALL_PAIRS_COLUMNS)
            writer.writeheader()
            for depth in depths:
                for seed in seeds:
                    start = time.perf_counter()
                    widths = [d.dim] + [width] * depth + [d.n_classes]
                    net = mlp(widths, seed=seed)
                    history = train(net, d, epochs=epochs, seed=seed, progress=False)
                    net.requires_grad_(False).eval()
                    pairs = class_pair_paths(d.X_test, d.y_test, n_paths, seed=seed)
                    g = global_folding(net, d.X_test, d.y_test, pairs=pairs, progress=False)
                    head = {"data": "digits", "depth": depth, "width": width,
                            "architecture": f"{widths[0]}-[{width}]x{depth}-{widths[-1]}", "seed": seed,
                            "epochs": epochs, "test_accuracy": history.test_accuracy[-1]}
                    here = [{**head, **row} for row in all_pairs_rows(g, prefixes)]
                    writer.writerows(here)
                    f.flush()
                    rows += here
                    if progress:
                        full = [r for r in here if r["paths"] == max(prefixes)]
                        print(f"{head['architecture']} seed={seed}: test acc {head['test_accuracy']:.3f}, "
                              f"{len(pairs)} paths, TMLR phi {np.median([r['max_chi'] for r in full]):.3f} "
                              f"({time.perf_counter() - start:.1f} s)", flush=True)
    finally:
        torch.set_num_threads(threads)
    return read_results(out)


def net_readings(rows: Sequence[dict]) -> list[dict]:
    """The TMLR readings of every net and number of paths per class pair, from the rows of :func:`run_all_pairs`.

    ``phi_tmlr``: the median over the class pairs of each pair's largest chi (0 for a pair none of whose paths
    fold; foldlab's ``reduce="tmlr"``); ``phi_tmlr_nonzero``: the same median over the class pairs that fold at
    all (0 if none does); ``mean_chi`` and ``fraction_folding`` over every path of every pair.

    Parameters
    ----------
    rows : sequence of dict
        Rows of :func:`run_all_pairs` (or ``read_results`` of its CSV).

    Returns
    -------
    list of dict
        One per (depth, paths, seed), sorted: ``depth``, ``paths``, ``seed``, ``class_pairs``,
        ``test_accuracy``, ``test_error``, ``phi_tmlr``, ``phi_tmlr_nonzero``, ``mean_chi``, ``fraction_folding``.

    Examples
    --------
    >>> rows = [dict(depth=3, seed=0, paths=10, test_accuracy=0.9, class_a=0, class_b=b, max_chi=m,
    ...              mean_chi=m / 4, fraction_folding=0.5 if m else 0.0, paths_used=10)
    ...         for b, m in ((1, 0.0), (2, 0.2), (3, 0.4))]
    >>> n = net_readings(rows)[0]
    >>> n["phi_tmlr"], n["phi_tmlr_nonzero"], n["class_pairs"]
    (0.2, 0.3..., 3)
    """
    if isinstance(rows, (str, bytes)) or not isinstance(rows, Sequence) or not rows:
        raise ValueError(f"rows must be a non-empty list of rows of run_all_pairs, got {describe(rows)}")
    nets: dict[tuple, list[dict]] = {}
    for row in rows:
        nets.setdefault((row["depth"], row["paths"], row["seed"]), []).append(row)
    out = []
    for (depth, paths, seed), part in sorted(nets.items()):
        maxima = np.array([r["max_chi"] for r in part])
        weights = np.array([r["paths_used"] for r in part])
        out.append({
            "depth": depth, "paths": paths, "seed": seed, "class_pairs": len(part),
            "test_accuracy": part[0]["test_accuracy"], "test_error": 1 - part[0]["test_accuracy"],
            "phi_tmlr": float(np.median(maxima)),
            "phi_tmlr_nonzero": float(np.median(maxima[maxima > 0])) if (maxima > 0).any() else 0.0,
            "mean_chi": float(np.average([r["mean_chi"] for r in part], weights=weights)),
            "fraction_folding": float(np.average([r["fraction_folding"] for r in part], weights=weights)),
        })
    return out


def summarise_all_pairs(rows: Sequence[dict]) -> list[dict]:
    """The TMLR readings per depth and number of paths per class pair: mean and std over seeds.

    The readings of each net are those of :func:`net_readings`; then mean and population std (ddof=0) of each
    over the seeds.

    Parameters
    ----------
    rows : sequence of dict
        As in :func:`net_readings`.

    Returns
    -------
    list of dict
        One per (depth, paths), sorted: ``depth``, ``paths``, ``seeds``, ``class_pairs``, and
        ``<reading>_mean`` / ``<reading>_std`` for ``test_accuracy``, ``phi_tmlr``, ``phi_tmlr_nonzero``,
        ``mean_chi``, ``fraction_folding``.

    Examples
    --------
    >>> rows = [dict(depth=3, seed=s, paths=10, test_accuracy=0.9, class_a=0, class_b=b, max_chi=m,
    ...              mean_chi=m / 4, fraction_folding=0.5 if m else 0.0, paths_used=10)
    ...         for s in (0, 1) for b, m in ((1, 0.0), (2, 0.2), (3, 0.4))]
    >>> s = summarise_all_pairs(rows)[0]
    >>> s["phi_tmlr_mean"], s["phi_tmlr_nonzero_mean"], s["seeds"], s["class_pairs"]
    (0.2, 0.3..., 2, 3)
    """
    per_net: dict[tuple, list[dict]] = {}
    for n in net_readings(rows):
        per_net.setdefault((n["depth"], n["paths"]), []).append(n)
    out = []
    for (depth, paths), nets_here in sorted(per_net.items()):
        row = {"depth": depth, "paths": paths, "seeds": len(nets_here),
               "class_pairs": min(n["class_pairs"] for n in nets_here)}
        for name in ("test_accuracy", "phi_tmlr", "phi_tmlr_nonzero", "mean_chi", "fraction_folding"):
            values = np.array([n[name] for n in nets_here])
            row[f"{name}_mean"], row[f"{name}_std"] = float(values.mean()), float(values.std())
        out.append(row)
    return out


def format_summary(summary: Sequence[dict]) -> str:
    """:func:`summarise_all_pairs` as a text table, mean +- std over seeds, 3 decimals.

    Examples
    --------
    >>> print(format_summary([dict(depth=3, paths=10, seeds=2, class_pairs=45, test_accuracy_mean=0.9,
    ...     test_accuracy_std=0.0, phi_tmlr_mean=0.2, phi_tmlr_std=0.01, phi_tmlr_nonzero_mean=0.2,
    ...     phi_tmlr_nonzero_std=0.01, mean_chi_mean=0.05, mean_chi_std=0.0, fraction_folding_mean=0.3,
    ...     fraction_folding_std=0.02)]))  # doctest: +NORMALIZE_WHITESPACE
    depth paths/pair seeds  test accuracy       phi tmlr phi tmlr nonzero       mean chi fraction folding
        3         10     2  0.900 +- 0.000  0.200 +- 0.010  0.200 +- 0.010  0.050 +- 0.000  0.300 +- 0.020
    """
    names = ("test_accuracy", "phi_tmlr", "phi_tmlr_nonzero", "mean_chi", "fraction_folding")
    lines = [f"{'depth':>5} {'paths/pair':>10} {'seeds':>5}" + "".join(f" {n.replace('_', ' '):>14}" for n in names)]
    for row in summary:
        line = f"{row['depth']:>5} {row['paths']:>10} {row['seeds']:>5}"
        line += "".join(f" {row[n + '_mean']:.3f} +- {row[n + '_std']:.3f}" for n in names)
        lines.append(line)
    return "\n".join(lines)
