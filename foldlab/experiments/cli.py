"""The command line of the experiment runner (``python -m foldlab.experiments`` and ``foldlab experiments``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .runner import DEFAULT_GRID, Grid, run_experiments


def parser(prog: str = "python -m foldlab.experiments") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=prog,
        description="Train a grid of nets (depth x width x seed x label noise) on digits or MNIST and measure "
                    "their folding; one CSV row per net, finished rows skipped when run again.",
    )
    g = DEFAULT_GRID
    p.add_argument("--depths", type=int, nargs="+", default=list(g.depths), help="hidden layers")
    p.add_argument("--widths", type=int, nargs="+", default=list(g.widths), help="units per hidden layer")
    p.add_argument("--seeds", type=int, nargs="+", default=list(g.seeds))
    p.add_argument("--noise", type=float, nargs="+", default=list(g.noise), help="fractions of noisy labels")
    p.add_argument("--data", choices=("digits", "mnist"), default="digits")
    p.add_argument("--mnist-root", default=None, help="folder with the four MNIST IDX files")
    p.add_argument("--mnist-sizes", type=int, nargs=2, default=(10_000, 2_000), metavar=("TRAIN", "TEST"))
    p.add_argument("--target", default="0.9",
                   help="validation accuracy to train until ('none': train for --max-epochs)")
    p.add_argument("--max-epochs", type=int, default=30)
    p.add_argument("--pairs", type=int, default=300, help="segments of the global measure per net")
    p.add_argument("--paths", type=int, default=50, help="paths between the two --path-classes per net")
    p.add_argument("--path-classes", type=int, nargs=2, default=(1, 4), metavar=("FROM", "TO"))
    p.add_argument("--out", default="folding_results.csv")
    p.add_argument("--figure", default=None, help="save the plots of the whole CSV here (png, pdf, svg)")
    p.add_argument("--quiet", action="store_true", help="no line per net")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the grid given on the command line; the console script ``foldlab`` takes ``experiments`` first."""
    argv = list(sys.argv[1:] if argv is None else argv)
    prog = "python -m foldlab.experiments"
    if argv[:1] == ["experiments"]:
        argv, prog = argv[1:], "foldlab experiments"
    args = parser(prog).parse_args(argv)
    target = None if args.target.lower() == "none" else float(args.target)
    rows = run_experiments(
        Grid(args.depths, args.widths, args.seeds, args.noise), args.out, data=args.data,
        mnist_root=args.mnist_root, mnist_sizes=args.mnist_sizes, target_accuracy=target,
        max_epochs=args.max_epochs, n_pairs=args.pairs, path_classes=args.path_classes, n_paths=args.paths,
        figure=args.figure, progress=not args.quiet,
    )
    print(f"{len(rows)} rows in {args.out}" + (f"; figure in {args.figure}" if args.figure else ""))
    return 0
