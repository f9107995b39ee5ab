"""Mean +- std over seeds of a runner CSV, per depth x width x noise: ``python benchmarks/results/summarise.py CSV``."""

from __future__ import annotations

import sys

import numpy as np

from foldlab.experiments import read_results

COLUMNS = ("test_accuracy", "phi_median_nonzero", "phi_tmlr", "mean_chi", "fraction_folding", "path_chi_mean",
           "path_chi_sampled_mean")


def main(path: str) -> None:
    rows = read_results(path)
    head = f"{'depth':>5} {'width':>5} {'noise':>5} {'seeds':>5} {'reached':>7} {'epochs':>6}"
    head += "".join(f" {c:>22}" for c in COLUMNS)
    print(head)
    for key in sorted({(r["depth"], r["width"], r["noise"]) for r in rows}):
        part = [r for r in rows if (r["depth"], r["width"], r["noise"]) == key]
        reached = sum(str(r["reached_target"]) == "True" for r in part)
        reached = "n/a" if all(r["reached_target"] == "n/a" for r in part) else f"{reached}/{len(part)}"
        line = f"{key[0]:>5} {key[1]:>5} {key[2]:>5} {len(part):>5} {reached:>7} "
        line += f"{np.mean([r['epochs'] for r in part]):>6.1f}"
        for c in COLUMNS:
            values = [r[c] for r in part]
            line += f" {f'{np.mean(values):.3f} +- {np.std(values):.3f}':>22}"
        print(line)
    print(f"{len(rows)} nets, {sum(r['seconds'] for r in rows):.0f} s of measured work in the rows")


if __name__ == "__main__":
    main(sys.argv[1])
