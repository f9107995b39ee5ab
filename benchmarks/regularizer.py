"""What the folding penalty costs a training epoch (the regularizer issue's target: at most 1.5x a plain epoch).

The baseline is a plain epoch of :func:`foldlab.train` on the embedded digits set (1,347 training images, batch 64,
Adam, 22 batches) for a 64-[64]x3-10 and a 64-[128]x3-10 net, timed in this run beside the same epoch with
:class:`foldlab.FoldingRegularizer` passed as ``train(..., regularizer=reg)`` (one fused forward pass per batch,
what users run), for a few sizes of the penalty (segments per batch x points per segment;
``fl.FoldingRegularizer()``'s defaults are marked). The runs alternate (plain, penalty, plain, ...) and each
column is the minimum over ``--runs`` runs of ``--epochs`` epochs, so that a busy machine slows both alike;
torch runs on one thread (``--threads``). The load average is printed with the table.

Run: ``python benchmarks/regularizer.py [--runs 5] [--epochs 3] [--threads 1]``.
"""

from __future__ import annotations

import argparse
import os
import time

import torch

import foldlab as fl

NETS = ([64, 64, 64, 64, 10], [64, 128, 128, 128, 10])
#: (segments per batch, points per segment); the first is the regularizer's default.
SIZES = ((16, 16), (8, 8), (4, 8), (32, 16))


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
          f"min over {args.repeats} alternating runs of {args.epochs} epochs")
    header = f"{'net':<16} {'segments x points':>18} {'plain ms/epoch':>15} {'penalty ms/epoch':>17} {'ratio':>7}"
    print(header)
    print("-" * len(header))
    for widths in NETS:
        name = f"64-[{widths[1]}]x3-10"
        epoch_seconds(widths, data, None, 1)  # warm-up
        for n_pairs, n_points in SIZES:
            plain, with_penalty = [], []
            for _ in range(args.repeats):
                plain.append(epoch_seconds(widths, data, None, args.epochs))
                reg = fl.FoldingRegularizer(weight=0.1, n_pairs=n_pairs, n_points=n_points)
                with_penalty.append(epoch_seconds(widths, data, reg, args.epochs))
            p, q = min(plain) * 1e3, min(with_penalty) * 1e3
            mark = " (default)" if (n_pairs, n_points) == (default.n_pairs, default.n_points) else ""
            print(f"{name:<16} {f'{n_pairs} x {n_points}{mark}':>18} {p:>15.1f} {q:>17.1f} {q / p:>6.2f}x")
    print(f"\nload average now {os.getloadavg()[0]:.2f}; target: penalty at most 1.5x a plain epoch")


if __name__ == "__main__":
    main()
