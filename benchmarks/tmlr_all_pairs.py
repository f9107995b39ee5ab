"""The TMLR reduction over all 45 digit class pairs, on digits nets of depth 3 to 6, over 5 seeds.

For every net (``64-[32]xD-10``, ``D`` = 3, 4, 5, 6, seeds 0-4, 30 epochs of ``fl.train`` on the digits training
split), 500 seeded paths from class a to class b (test images) for each of the 45 class pairs ``a < b`` are
walked exactly (``fl.global_folding(..., pairs=...)``, 22,500 walks per net); each pair's largest chi is read
on its first 10, 50, 100 and 500 paths (a random subset each), because the largest chi of a pair grows with
the number of paths it sees. The TMLR reading is the median of the 45 maxima (``reduce="tmlr"``), beside the
median over the pairs that fold at all, the mean chi and the fraction of folding paths.

Run (about 4 minutes on a busy 2-core machine)::

    nice .venv/bin/python benchmarks/tmlr_all_pairs.py --out benchmarks/results/tmlr_all_pairs.csv \\
        --figure benchmarks/results/tmlr_all_pairs.png

``--quick`` runs one depth and two seeds with 50 paths per pair, to try the script.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from matplotlib.figure import Figure

from foldlab.experiments import format_summary, net_readings, run_all_pairs, summarise_all_pairs
from foldlab.folding import ClassPairs
from foldlab.plotting import plot_class_pairs, plot_folding_sweep


def mean_matrix(rows: list[dict], depth: int, paths: int) -> ClassPairs:
    """Each class pair's largest chi at ``depth`` and ``paths``, averaged over the seeds, as ClassPairs."""
    part = [r for r in rows if r["depth"] == depth and r["paths"] == paths]
    classes = np.unique([r["class_a"] for r in part] + [r["class_b"] for r in part])
    k = len(classes)
    total, count = np.zeros((k, k)), np.zeros((k, k), dtype=np.int64)
    for r in part:
        for i, j in ((r["class_a"], r["class_b"]), (r["class_b"], r["class_a"])):
            total[i, j] += r["max_chi"]
            count[i, j] += 1
    best = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    nan = np.full((k, k), np.nan)
    return ClassPairs(classes, nan, nan, best, nan, count, ordered=False)


def figure(rows: list[dict]) -> Figure:
    fig = Figure(figsize=(14, 4.2), layout="constrained")
    axs = fig.subplots(1, 3)
    nets = net_readings(rows)
    plot_folding_sweep(nets, axs[0], x="paths", y="phi_tmlr", group="depth")
    axs[0].set_xlabel("paths per class pair")
    axs[0].set_xscale("log")
    axs[0].set_title("TMLR reading against paths per class pair")
    most = max(r["paths"] for r in rows)
    at_most = [n for n in nets if n["paths"] == most]
    plot_folding_sweep(at_most, axs[1], x="depth", y="phi_tmlr", label=f"phi tmlr, {most} paths per pair")
    summary = [s for s in summarise_all_pairs(rows) if s["paths"] == most]
    depths = [s["depth"] for s in summary]
    axs[1].errorbar(depths, [s["mean_chi_mean"] for s in summary], yerr=[s["mean_chi_std"] for s in summary],
                    marker="s", capsize=3, label="mean chi")
    axs[1].errorbar(depths, [s["fraction_folding_mean"] for s in summary],
                    yerr=[s["fraction_folding_std"] for s in summary], marker="^", capsize=3,
                    label="fraction folding")
    axs[1].set_ylabel("mean +- std over seeds")
    axs[1].set_title("against depth")
    axs[1].legend(fontsize="small")
    deepest = max(r["depth"] for r in rows)
    plot_class_pairs(mean_matrix(rows, deepest, most), axs[2], value="max")
    axs[2].set_title(f"largest chi per class pair, depth {deepest}, {most} paths (mean over seeds)", fontsize=9)
    fig.suptitle("digits, 64-[32]xD-10: the TMLR reduction over all 45 class pairs (5 seeds)")
    return fig


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="tmlr_all_pairs.csv")
    p.add_argument("--figure", default=None)
    p.add_argument("--quick", action="store_true")
    args = p.parse_args()
    start = time.perf_counter()
    if args.quick:
        rows = run_all_pairs((3,), (0, 1), args.out, n_paths=50, prefixes=(10, 50))
    else:
        rows = run_all_pairs((3, 4, 5, 6), (0, 1, 2, 3, 4), args.out, width=32, epochs=30, n_paths=500,
                             prefixes=(10, 50, 100, 500))
    print(format_summary(summarise_all_pairs(rows)))
    print(f"{len(rows)} rows in {args.out}; {time.perf_counter() - start:.0f} s wall")
    if args.figure:
        figure(rows).savefig(args.figure, dpi=110)
        print(f"figure in {args.figure}")


if __name__ == "__main__":
    main()
