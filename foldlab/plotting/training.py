"""Regions in training: one run's regions at an epoch, beside its exact counts in the box and along segments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from .._validation import check_int
from ..arrangement import Arrangement, arrangement
from ..regions_training import RegionsRun
from ._common import check_instance, cycle_colors
from .regions import ArrangementArtists, RegionCountArtists, plot_arrangement, plot_region_counts

__all__ = ["RegionsRunArtists", "plot_regions_run"]


class RegionsRunArtists(NamedTuple):
    """What :func:`plot_regions_run` drew: the regions, the segments, the two count curves and the epoch marks."""

    regions: ArrangementArtists
    segments: LineCollection
    box: RegionCountArtists
    lines: Line2D
    marks: tuple[Line2D, ...]  # the epoch on both curves


def plot_regions_run(run: RegionsRun, ax: Sequence[Axes] | None = None, *, epoch: int | None = None,
                     arr: Arrangement | None = None) -> RegionsRunArtists:
    """Three panels: the regions at ``epoch`` with the data and the segments; regions per unit area in the
    box through training, with Hanin and Rolnick's ``#neurons^2 / 2``; mean regions per segment through
    training. The epoch is marked on both curves.

    Parameters
    ----------
    run : RegionsRun
        From :func:`foldlab.regions_run`.
    ax : three Axes, optional
        Default: a new pyplot figure with three panels.
    epoch : int, optional
        From 0 to the run's last epoch (default: the last).
    arr : Arrangement, optional
        The exact arrangement of the snapshot at ``epoch`` in the run's box, if already computed (a widget
        keeps them); computed otherwise.

    Returns
    -------
    RegionsRunArtists

    References
    ----------
    Hanin and Rolnick, "Deep ReLU Networks Have Surprisingly Few Activation Patterns" (NeurIPS 2019), Theorem 5
    and the counts through training, as Daróczy's slides (2020) present them.

    Examples
    --------
    >>> import foldlab as fl
    >>> from matplotlib.figure import Figure
    >>> run = fl.regions_run(fl.toy_dataset("moons", n=60, seed=0), n_neurons=4, depth=1, epochs=1, n_lines=2)
    >>> artists = plot_regions_run(run, Figure().subplots(1, 3), epoch=0)
    >>> len(artists.lines.get_ydata()), len(artists.segments.get_segments())
    (2, 2)
    """
    check_instance(run, "run", RegionsRun, "from foldlab.regions_run(data, ...)")
    last = len(run.regions.epochs) - 1
    index = last if epoch is None else check_int(epoch, "epoch", min=0, max=last)
    if arr is not None:
        check_instance(arr, "arr", Arrangement, "from foldlab.arrangement(net, box)")
    if ax is None:
        import matplotlib.pyplot as plt  # only here: a widget passes its own axes

        _, ax = plt.subplots(1, 3, figsize=(13, 4.2), layout="constrained")
    if isinstance(ax, (str, bytes)) or not isinstance(ax, (Sequence, np.ndarray)) or len(ax) != 3 or not all(
            isinstance(a, Axes) for a in ax):
        raise TypeError(f"ax must be three matplotlib Axes, got {ax!r}")
    left, middle, right = ax
    if arr is None:
        arr = arrangement(run.history.snapshots[index], box=run.box)
    regions = plot_arrangement(arr, left, color_by="pattern")
    segments = LineCollection(np.stack([run.starts, run.ends], axis=1), colors="k", linewidths=1.0,
                              label="segments (exact walks)")
    left.add_collection(segments)
    left.scatter(run.starts[:, 0], run.starts[:, 1], color="k", s=8, zorder=3)
    left.scatter(run.ends[:, 0], run.ends[:, 1], color="k", s=8, zorder=3)
    left.set_xlim(run.box[0], run.box[1])
    left.set_ylim(run.box[2], run.box[3])
    left.set_title(f"epoch {int(run.regions.epochs[index])}: {len(arr)} regions")
    left.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), fontsize="small", frameon=False)
    box = plot_region_counts(run.regions, middle)
    middle.set_title("in the box")
    color = cycle_colors(2, "tab10")[1]
    (lines,) = right.plot(run.lines.epochs, run.lines.mean, marker="o", ms=3, color=color,
                          label="mean over the segments")
    right.set_xlabel("epoch")
    right.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs, never 2.5
    right.set_ylabel("regions per segment")
    right.set_title("along segments between data points")
    right.legend(loc="best", fontsize="small")
    at = run.regions.epochs[index]
    marks = (middle.axvline(at, color="crimson"), right.axvline(at, color="crimson"))
    return RegionsRunArtists(regions, segments, box, lines, marks)
