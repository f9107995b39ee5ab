"""A widget of notebook 06: activation statistics of a study of normalisations, by normalisation, depth and epoch."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .. import plotting as flp
from .._validation import check_choice, check_int
from ..normalisation import NormalisationRun, NormalisationStudy
from ..plotting._common import check_instance
from ._view import FigureView, slider

__all__ = ["normalisation_widget"]


def normalisation_widget(study: NormalisationStudy, *, norm: str | None = None, depth: int | None = None,
                         epoch: int = 0) -> FigureView:
    """Histograms of activation probabilities (left) and of Hamming distances (right), layer by layer, for one
    net of ``study`` at one epoch.

    Parameters
    ----------
    study : NormalisationStudy
        From :func:`foldlab.normalisation_statistics` (nothing is trained here: moving a control only redraws).
    norm, depth, epoch
        Initial values of the controls (default: the study's first normalisation and depth, epoch 0).

    Returns
    -------
    FigureView
        ``.controls``: ``norm``, ``depth``, ``epoch``. ``.label``: test accuracy, dead and always-on units and
        the layers the null test does not reject. ``.result``: the :class:`NormalisationRun` shown.

    Examples
    --------
    >>> import foldlab as fl
    >>> study = fl.normalisation_statistics(fl.toy_dataset("moons", n=80, seed=0), ["none", "batch"],
    ...                                     depths=[1, 2], width=4, epochs=1, n_pairs=50)
    >>> w = normalisation_widget(study)
    >>> list(w.controls)
    ['norm', 'depth', 'epoch']
    """
    check_instance(study, "study", NormalisationStudy, "from foldlab.normalisation_statistics")
    norm = study.norms[0] if norm is None else check_choice(norm, "norm", study.norms)
    depth = study.depths[0] if depth is None else check_choice(depth, "depth", study.depths)
    epoch = check_int(epoch, "epoch", min=0, max=study.epochs)
    controls = {
        "norm": widgets.Dropdown(options=list(study.norms), value=norm, description="norm"),
        "depth": widgets.Dropdown(options=list(study.depths), value=depth, description="depth"),
        "epoch": slider("epoch", epoch, 0, max(study.epochs, 1)),
    }
    if study.epochs == 0:
        controls["epoch"].disabled = True
        controls["epoch"].tooltip = "the study trained for 0 epochs: only the initial nets"
    if len(study.depths) == 1:
        controls["depth"].disabled = True
        controls["depth"].tooltip = "the study has one depth: pass depths=[...] to normalisation_statistics"
    if len(study.norms) == 1:
        controls["norm"].disabled = True
        controls["norm"].tooltip = "the study has one normalisation: pass several norms to normalisation_statistics"

    tops: dict[tuple, tuple[float, float]] = {}

    def draw(fig):
        v = {name: control.value for name, control in controls.items()}
        run = study.run(v["norm"], v["depth"])
        e = min(v["epoch"], run.epochs)
        left, right = fig.subplots(1, 2)
        flp.plot_normalisation_run(run, left, epoch=e, what="probability")
        flp.plot_normalisation_run(run, right, epoch=e, what="hamming")
        # one scale for every epoch of the run: the curves are compared across epochs, and the frame stays
        # (a redraw then only draws the curves again)
        if (run.norm, run.depth) not in tops:
            tops[(run.norm, run.depth)] = _tops(run)
        for ax, top in zip((left, right), tops[(run.norm, run.depth)]):
            ax.set_ylim(0, top * 1.05)
        left.set_title(f"norm={run.norm}, {run.depth} hidden layers, epoch {e}", fontsize=9)
        right.set_title(f"Hamming distances of {study.n_pairs} pairs", fontsize=9)
        random = int(round(run.random_fraction[e] * run.depth))
        label = (f"norm={run.norm}, depth {run.depth}, epoch {e}: test accuracy {run.test_accuracy[e]:.3f}; "
                 f"dead units {run.dead[e].mean():.0%}, always on {run.always_on[e].mean():.0%}; "
                 f"{random} of {run.depth} layers look random (p >= {study.alpha:g})")
        return label, run

    return FigureView(draw, controls, figsize=(11.0, 3.8))


def _tops(run: NormalisationRun, bins: int = 20) -> tuple[float, float]:
    """The highest step of :func:`foldlab.plotting.plot_normalisation_run` over every epoch and layer of the run:
    of the activation probabilities (``bins`` bins over [0, 1]) and of the Hamming distances (with the law of
    random vectors drawn beside them)."""
    from scipy import stats  # on first use, as plot_normalisation_run does

    edges = np.linspace(0, 1, bins + 1)
    probability = max(np.histogram(p, bins=edges)[0].max() / len(p) for layer in run.probability for p in layer)
    hamming = 0.0
    for layer, units in enumerate(run.probability):
        width = units.shape[1]
        d = run.distances[:, layer]
        hamming = max(hamming, max(np.bincount(row, minlength=width + 1)[: width + 1].max() / len(row) for row in d),
                      float(stats.binom.pmf(np.arange(width + 1), width, 0.5).max()))
    return float(probability), float(hamming)
