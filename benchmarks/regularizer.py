"""What the folding penalty costs a training epoch (the regularizer issue's target: at most 1.5x a plain epoch).

The baseline is a plain epoch of :func:`foldlab.train` on the embedded digits set (1,347 training images, batch 64,
Adam, 22 batches) for a 64-[64]x3-10 and a 64-[128]x3-10 net, timed in this run beside the same epoch with
:class:`foldlab.FoldingRegularizer` passed as ``train(..., regularizer=reg)`` (one fused forward pass per batch,
what users run), for a few sizes of the penalty (segments per batch x points per segment) and how often it is
computed (``every``: on every k-th batch with k times the weight, lazy regularisation; 1 is every batch, the
penalty's full cost per batch); ``fl.FoldingRegularizer()``'s defaults are marked. The runs alternate in pairs
(plain, then penalty) of ``--epochs`` epochs, ``--runs`` pairs; the times are each column's minimum, and the ratio
is the median of the pairs' ratios, with their range: on a machine whose speed drifts from minute to minute (a
shared one; this project's moved plain epochs by half), the two runs of a pair see about the same machine. Torch
runs on one thread (``--threads``). The load average is printed with the table.
Each run trains a new net, so the regularizer reads it once per run, as ``train`` does (a few milliseconds).

Run: ``python benchmarks/regularizer.py [--runs 5] [--epochs 3] [--threads 1]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import torch

import foldlab as fl

NETS = ([64, 64, 64, 64, 10], [64, 128, 128, 128, 10])
#: (segments per batch, points per segment, every k-th batch); the first is the regularizer's default.
SIZES = ((16, 16, 8), (16, 16, 4), (16, 16, 1), (8, 8, 1), (32, 16, 8))


def epoch_seconds(widths, data, regularizer, epochs: int) -> float:
    net = fl.mlp(widths, seed=0)
    start = time.perf_counter()
    fl.train(net, data, epochs=epochs, seed=0, regularizer=regularizer, progress=False)
    return (time.perf_counter() - start) / epochs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", "--runs", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    data = fl.load_digits(seed=0)
    default = fl.FoldingRegularizer()
    print(f"digits: {len(data.X)} training images, batch 64; torch threads {args.threads}; "
          f"{args.repeats} pairs of runs (plain, then penalty) of {args.epochs} epochs; times: the minimum; ratio: "
          f"the median of the pairs' ratios (min-max), which a machine whose speed drifts moves least")
    header = (f"{'net':<16} {'segments x points':>18} {'every':>6} {'plain ms/epoch':>15} {'penalty ms/epoch':>17} "
              f"{'ratio':>7} {'(min-max)':>12}")
    print(header)
    print("-" * len(header))
    for widths in NETS:
        name = f"64-[{widths[1]}]x3-10"
        epoch_seconds(widths, data, None, 1)  # warm-up
        for n_pairs, n_points, every in SIZES:
            plain, with_penalty = [], []
            for _ in range(args.repeats):
                plain.append(epoch_seconds(widths, data, None, args.epochs))
                reg = fl.FoldingRegularizer(weight=0.1, n_pairs=n_pairs, n_points=n_points, every=every)
                with_penalty.append(epoch_seconds(widths, data, reg, args.epochs))
            p, q = min(plain) * 1e3, min(with_penalty) * 1e3
            ratios = sorted(b / a for a, b in zip(plain, with_penalty))
            is_default = (n_pairs, n_points, every) == (default.n_pairs, default.n_points, default.every)
            mark = " (default)" if is_default else ""
            print(f"{name:<16} {f'{n_pairs} x {n_points}{mark}':>18} {every:>6} {p:>15.1f} {q:>17.1f} "
                  f"{statistics.median(ratios):>6.2f}x {f'({ratios[0]:.2f}-{ratios[-1]:.2f})':>12}")
    print(f"\nload average now {os.getloadavg()[0]:.2f}; target: penalty at most 1.5x a plain epoch")


if __name__ == "__main__":
    main()
