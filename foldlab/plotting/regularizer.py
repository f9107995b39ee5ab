"""Plots of the folding regularizer's experiment (notebook 09): paired runs over seeds, with against without.

:func:`plot_paired_runs` draws one metric of a :class:`foldlab.experiments.regularizer.RegularizerComparison`
as one line per seed from its run without the regularizer to its run with it, so that every seed is seen
(nothing averaged away), coloured by the sign of its difference, with the two means on top.
:func:`regularizer_figure` puts test accuracy and ``Phi_N`` of several comparisons side by side: the
shipped ``benchmarks/results/regularizer.png``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .._validation import check_choice
from ..experiments.regularizer import METRICS, RegularizerComparison
from ._common import axes, check_instance, plot_function

__all__ = ["plot_paired_runs", "regularizer_figure", "PairedRunsArtists", "METRIC_LABELS"]

#: Axis labels of the metrics of a comparison.
METRIC_LABELS = {
    "test_accuracy": "test accuracy",
    "train_accuracy": "train accuracy",
    "phi": "exact Phi_N (median of non-zero chi)",
    "phi_mean": "exact Phi_N, mean chi",
    "fraction_folding": "fraction of segments that fold",
    "seconds": "training time (s)",
}
#: Colours of a seed's line: raised by the regularizer, lowered, unchanged.
UP, DOWN, SAME = "#2a9d8f", "#d62728", "#999999"


class PairedRunsArtists(NamedTuple):
    """What :func:`plot_paired_runs` draws."""

    #: One line per seed, from "without" (x = 0) to "with" (x = 1).
    seeds: LineCollection
    #: The two arms' means, joined.
    means: Line2D


def _comparison(value) -> RegularizerComparison:
    return check_instance(value, "comparison", RegularizerComparison,
                          "from foldlab.experiments.compare_regularizer or read_comparison")


@plot_function
def plot_paired_runs(comparison: RegularizerComparison, ax: Axes | None = None, *, metric: str = "test_accuracy",
                     title: bool = True) -> PairedRunsArtists:
    """One metric of a comparison: a line per seed from its run without to its run with the regularizer.

    Parameters
    ----------
    comparison : RegularizerComparison
    %(ax)s
    metric : {"test_accuracy", "train_accuracy", "phi", "phi_mean", "fraction_folding", "seconds"}
    title : bool
        Title the axes with the data set, seeds and how many seeds went up and down.

    Returns
    -------
    PairedRunsArtists
        ``.seeds`` (a LineCollection, one segment per seed, in seed order) and ``.means``.

    Examples
    --------
    >>> from foldlab.experiments import compare_regularizer
    >>> result = compare_regularizer("moons", seeds=2, epochs=2, n=80, phi_pairs=20)
    >>> drawn = plot_paired_runs(result, metric="phi")
    >>> len(drawn.seeds.get_segments()), drawn.means.get_xdata().tolist()
    (2, [0.0, 1.0])
    """
    comparison = _comparison(comparison)
    metric = check_choice(metric, "metric", METRICS)
    if not isinstance(title, bool):
        raise TypeError(f"title must be True or False, got {title!r}")
    ax = axes(ax)
    before, after = comparison.column(metric, "without"), comparison.column(metric, "with")
    colors = [UP if b > a else DOWN if b < a else SAME for a, b in zip(before, after)]
    seeds = LineCollection([[(0.0, a), (1.0, b)] for a, b in zip(before, after)], colors=colors, linewidths=1.2,
                           alpha=0.8)
    ax.add_collection(seeds)
    ax.scatter(np.zeros(len(before)), before, s=12, color="k", zorder=3)
    ax.scatter(np.ones(len(after)), after, s=12, color="k", zorder=3)
    (means,) = ax.plot([0.0, 1.0], [before.mean(), after.mean()], color="k", linewidth=3, marker="D",
                       label="mean")
    ax.set_xlim(-0.3, 1.3)
    lo, hi = min(before.min(), after.min()), max(before.max(), after.max())
    pad = 0.08 * (hi - lo) if hi > lo else 0.05 * max(abs(hi), 1.0)
    ax.set_ylim(lo - pad, hi + pad)
    ax.set_xticks([0, 1], ["without", "with"])
    ax.set_ylabel(METRIC_LABELS[metric])
    if title:
        up, down = colors.count(UP), colors.count(DOWN)
        ax.set_title(f"{comparison.settings.get('dataset', '')}: {len(before)} seeds, {up} up, {down} down",
                     fontsize=10)
    return PairedRunsArtists(seeds, means)


def regularizer_figure(comparisons: Sequence[RegularizerComparison], *,
                       metrics: Sequence[str] = ("test_accuracy", "phi"), figure: Figure | None = None) -> Figure:
    """A grid of :func:`plot_paired_runs`: one row per comparison, one column per metric.

    Parameters
    ----------
    comparisons : sequence of RegularizerComparison
    metrics : sequence of str
        Columns, as ``metric`` of :func:`plot_paired_runs`.
    figure : matplotlib Figure, optional
        Drawn on (cleared first); default: a new Figure without pyplot (for a file or a widget).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from foldlab.experiments import compare_regularizer
    >>> result = compare_regularizer("moons", seeds=2, epochs=2, n=80, phi_pairs=20)
    >>> len(regularizer_figure([result]).axes)
    2
    """
    if isinstance(comparisons, RegularizerComparison):
        comparisons = [comparisons]
    if isinstance(comparisons, (str, bytes)) or not isinstance(comparisons, Sequence) or not comparisons:
        raise TypeError(f"comparisons must be a non-empty sequence of RegularizerComparison, got {comparisons!r}")
    comparisons = [_comparison(c) for c in comparisons]
    if isinstance(metrics, str) or not isinstance(metrics, Sequence) or not metrics:
        raise TypeError(f"metrics must be a non-empty sequence of metric names, got {metrics!r}")
    metrics = [check_choice(m, "metrics", METRICS) for m in metrics]
    if figure is None:
        figure = Figure(figsize=(3.6 * len(metrics), 3.2 * len(comparisons)), layout="constrained")
        FigureCanvasAgg(figure)
    else:
        check_instance(figure, "figure", Figure, "a matplotlib Figure")
        figure.clear()
    grid = figure.subplots(len(comparisons), len(metrics), squeeze=False)
    for row, comparison in zip(grid, comparisons):
        for ax, metric in zip(row, metrics):
            plot_paired_runs(comparison, ax, metric=metric)
    return figure
