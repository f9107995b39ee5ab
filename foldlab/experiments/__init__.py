"""Experiments that reproduce the papers' folding results: a grid of trained nets, one CSV row each.

``foldlab.experiments.run_experiments(Grid(...), "results.csv")`` from Python, or from a shell::

    python -m foldlab.experiments --depths 3 4 5 6 --widths 10 14 18 --seeds 0 1 2 3 4 --out results.csv
    foldlab experiments --help          # the same, through the console script

The runner trains each net with :func:`foldlab.train` (seeded), measures it with
:func:`foldlab.global_folding` (every reading, beside mean chi and the fraction folding) and
:func:`foldlab.folding.running_folding`, writes a row as soon as a net is done and skips finished rows when
run again. :func:`plot_results` draws folding against depth, width and test error. :func:`run_all_pairs` walks
paths between every pair of classes (the TMLR reduction over all class pairs), and :func:`shipped_results`
reads the results that ship in ``benchmarks/results/``.
"""

from .all_pairs import (
    ALL_PAIRS_COLUMNS,
    all_pairs_rows,
    class_pair_paths,
    format_summary,
    net_readings,
    run_all_pairs,
    summarise_all_pairs,
)
from .cli import main
from .runner import (
    COLUMNS,
    DEFAULT_GRID,
    KEY,
    RESULTS,
    Grid,
    noisy_labels,
    plot_results,
    read_results,
    run_experiments,
    shipped_results,
)

#: The regularizer's comparison (:mod:`.regularizer`), loaded on first use so that
#: ``python -m foldlab.experiments.regularizer`` runs its module once.
_REGULARIZER = ("compare_regularizer", "read_comparison", "shipped_comparison")

__all__ = ["Grid", "DEFAULT_GRID", "COLUMNS", "KEY", "run_experiments", "read_results", "plot_results",
           "noisy_labels", "RESULTS", "shipped_results", "ALL_PAIRS_COLUMNS", "class_pair_paths", "all_pairs_rows",
           "run_all_pairs", "net_readings", "summarise_all_pairs", "format_summary", "main", *_REGULARIZER]


def __getattr__(name: str):
    if name in _REGULARIZER:
        from . import regularizer

        return getattr(regularizer, name)
    raise AttributeError(f"module 'foldlab.experiments' has no attribute {name!r}")
