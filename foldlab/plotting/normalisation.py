"""Plots of activation statistics under normalisation (notebook 06): per-layer histograms of activation
probabilities or of Hamming distances at one epoch of a :class:`foldlab.normalisation.NormalisationRun`, and the
fraction of layers that look random over training for every run of a study."""

from __future__ import annotations

import numpy as np
from matplotlib import rcParams
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import StepPatch
from matplotlib.ticker import MaxNLocator

from .._validation import check_choice, check_int
from ..normalisation import NormalisationRun, NormalisationStudy
from ._common import axes, check_instance, plot_function

__all__ = ["plot_normalisation_run", "plot_random_layers"]


@plot_function
def plot_normalisation_run(run: NormalisationRun, ax: Axes | None = None, *, epoch: int = 0,
                           what: str = "probability", bins: int = 20) -> tuple[StepPatch, ...]:
    """One step curve per layer at one epoch: the distribution over units of the activation probability
    (``what="probability"``), or of the Hamming distance over the run's pairs as a fraction of the layer's width
    (``what="hamming"``, with the Binomial(width, 1/2) law of random Bernoulli(0.5) vectors dotted).

    Parameters
    ----------
    run : NormalisationRun
        From :func:`foldlab.normalisation_statistics` (``study.run(norm, depth)``).
    %(ax)s
    epoch : int
        0 (initialisation) to ``run.epochs``.
    what : {"probability", "hamming"}
    bins : int
        Bins over [0, 1] (probabilities only; distances are drawn one bin per value).

    Returns
    -------
    tuple of StepPatch
        One per layer, layer 0 first.

    Examples
    --------
    >>> import foldlab as fl
    >>> study = fl.normalisation_statistics(fl.toy_dataset("moons", n=80, seed=0), ["none"], depths=2, width=4,
    ...                                     epochs=1, n_pairs=50)
    >>> len(plot_normalisation_run(study.run("none"), epoch=1, what="hamming"))
    2
    """
    check_instance(run, "run", NormalisationRun, "from foldlab.normalisation_statistics(...).run(norm)")
    epoch = check_int(epoch, "epoch", min=0, max=run.epochs)
    what = check_choice(what, "what", ("probability", "hamming"))
    bins = check_int(bins, "bins", min=1)
    ax = axes(ax)
    cycle = rcParams["axes.prop_cycle"].by_key()["color"]
    colors = [cycle[layer % len(cycle)] for layer in range(run.depth)]
    steps = []
    for layer in range(run.depth):
        label = (f"layer {layer}: {run.dead[epoch, layer]:.0%} dead, {run.always_on[epoch, layer]:.0%} on"
                 if what == "probability" else f"layer {layer}: p = {run.p_values[epoch, layer]:.2g}")
        if what == "probability":
            p = run.probability[layer][epoch]
            edges = np.linspace(0, 1, bins + 1)
            counts, _ = np.histogram(p, bins=edges)
            steps.append(ax.stairs(counts / len(p), edges, lw=1.6, color=colors[layer], label=label))
        else:
            width = len(run.probability[layer][epoch])
            d = run.distances[epoch, layer]
            counts = np.bincount(d, minlength=width + 1)[: width + 1]
            edges = (np.arange(width + 2) - 0.5) / width
            steps.append(ax.stairs(counts / len(d), edges, lw=1.6, color=colors[layer], label=label))
    if what == "hamming":
        from scipy import stats  # on first use: scipy.stats takes a second to import

        width = len(run.probability[0][epoch])
        k = np.arange(width + 1)
        ax.plot(k / width, stats.binom.pmf(k, width, 0.5), ":", color="k", label="Bernoulli(0.5) vectors")
        ax.set_xlabel("Hamming distance / layer width")
        ax.set_ylabel("fraction of pairs")
        ax.set_xlim(-0.5 / width, 1 + 0.5 / width)
    else:
        ax.set_xlabel("activation probability p")
        ax.set_ylabel("fraction of units")
        ax.set_xlim(0, 1)
    ax.legend(fontsize="x-small")
    return tuple(steps)


@plot_function
def plot_random_layers(study: NormalisationStudy, ax: Axes | None = None, *, depth: int | None = None
                       ) -> tuple[Line2D, ...]:
    """Over epochs, the fraction of layers whose patterns the Bernoulli(0.5) null test does not reject, one line
    per normalisation (at one depth of the study; default: its first).

    Parameters
    ----------
    study : NormalisationStudy
        From :func:`foldlab.normalisation_statistics`.
    %(ax)s
    depth : int, optional
        One of ``study.depths``.

    Returns
    -------
    tuple of Line2D
        One per normalisation, in the study's order.

    Examples
    --------
    >>> import foldlab as fl
    >>> study = fl.normalisation_statistics(fl.toy_dataset("moons", n=80, seed=0), ["none", "batch"], depths=2,
    ...                                     width=4, epochs=1, n_pairs=50)
    >>> len(plot_random_layers(study))
    2
    """
    check_instance(study, "study", NormalisationStudy, "from foldlab.normalisation_statistics")
    depth = study.depths[0] if depth is None else check_choice(depth, "depth", study.depths)
    ax = axes(ax)
    lines = []
    for norm in study.norms:
        run = study.run(norm, depth)
        (line,) = ax.plot(np.arange(run.epochs + 1), run.random_fraction, "o-", label=norm)
        lines.append(line)
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs, never 2.5
    ax.set_ylabel(f"layers with p >= {study.alpha:g}")
    ax.set_ylim(-0.05, 1.05)
    ax.legend(fontsize="small")
    return tuple(lines)
