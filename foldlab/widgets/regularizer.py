"""A widget of the folding regularizer (notebook 09): the same net trained with and without it, side by side."""

from __future__ import annotations

import functools
from collections.abc import Sequence

import ipywidgets as widgets

from .. import plotting as flp
from .._typing import Box
from .._validation import check_float, check_int, check_seed
from ..arrangement import arrangement
from ..data import Dataset, toy_dataset
from ..folding import global_folding
from ..nets import mlp
from ..plotting._common import check_instance
from ..regularizer import SCHEDULES, FoldingRegularizer
from ..training import train
from ._view import FigureView, slider
from .regions import planar_data

__all__ = ["regularizer_widget"]

_WIDE = {"description_width": "initial"}

#: Runs a :func:`regularizer_widget` keeps, by their full setting (a run takes about a second; its arrangement
#: and its folding are a few hundred kB).
KEPT_RUNS = 16


def regularizer_widget(data: Dataset | None = None, widths: Sequence[int] = (2, 12, 12, 1), epochs: int = 25, *,
                       weight: float = 1.0, schedule: str = "linear", temperature: float = 0.1, seed: int = 0,
                       max_weight: float = 4.0, max_seed: int = 9, phi_pairs: int = 200,
                       box: Box | None = None) -> FigureView:
    """Regions after training without and with a :class:`foldlab.FoldingRegularizer`, the exact ``Phi_N`` and
    test accuracy of both.

    Both nets start from the same weights (``mlp(widths, seed=seed)``) and see the same batches
    (``train(seed=seed)``); only the penalty differs, computed on every batch (``every=1``: a small 2D set has
    few batches, see :class:`~foldlab.FoldingRegularizer`). The run without it depends on the seed alone and is
    kept while the other controls move; the last :data:`KEPT_RUNS` runs with it are kept by their full setting
    (seeded: a kept run is the run trained again), so going back to a setting only draws. While a run trains the
    view says so.

    Parameters
    ----------
    data : Dataset, optional
        With 2 features. Default: 200 points of two moons (``seed=0``).
    widths : sequence of int
        Units per layer, ``[2, ..., d_out]``.
    epochs : int
    weight, schedule, temperature, seed
        The initial values of the controls (the regularizer's weight, from 0 to ``max_weight``; its schedule;
        its temperature, from 0.01 to 1 on a log scale; the seed of the net and the batches, 0 to
        ``max_seed``).
    phi_pairs : int
        Segments of the exact ``Phi_N`` (:func:`foldlab.global_folding` on the test set, the run's seed).
    box : (xmin, xmax, ymin, ymax), optional
        Default: the data's bounding box, padded.

    Returns
    -------
    FigureView
        ``.controls``: ``weight``, ``schedule``, ``temperature``, ``seed``. ``.label``: test accuracy and
        ``Phi_N`` of both runs. ``.result``: ``{"without": (accuracy, GlobalFolding), "with": (...)}``.

    Examples
    --------
    >>> from foldlab import toy_dataset
    >>> w = regularizer_widget(toy_dataset("moons", n=80, seed=0), widths=(2, 6, 1), epochs=2, phi_pairs=20)
    >>> list(w.controls)
    ['weight', 'schedule', 'temperature', 'seed']
    >>> sorted(w.result)
    ['with', 'without']
    """
    if data is not None:
        check_instance(data, "data", Dataset, "from foldlab.toy_dataset")
    epochs = check_int(epochs, "epochs", min=1)
    max_weight = check_float(max_weight, "max_weight", min=0, include_min=False)
    weight = check_float(weight, "weight", min=0, max=max_weight)
    schedule = FoldingRegularizer(weight=weight, schedule=schedule, epochs=epochs).schedule  # checks it
    temperature = check_float(temperature, "temperature", min=0.01, max=1.0)
    max_seed = check_seed(max_seed, "max_seed")
    seed = check_int(seed, "seed", min=0, max=max_seed)
    phi_pairs = check_int(phi_pairs, "phi_pairs", min=1)
    mlp(list(widths))  # checks widths
    data = toy_dataset("moons", n=200, seed=0) if data is None else data
    X, y, box = planar_data(data, widths, box, "regularizer_widget")
    controls = {
        "weight": slider("weight", weight, 0.0, max_weight, step=0.25, style=_WIDE),
        "schedule": widgets.Dropdown(options=list(SCHEDULES), value=schedule, description="schedule"),
        "temperature": widgets.FloatLogSlider(value=temperature, base=10, min=-2, max=0, step=0.25,
                                              description="temperature", continuous_update=False, style=_WIDE),
        "seed": slider("seed", seed, 0, max_seed, style=_WIDE),
    }
    say = [lambda message: None]  # the view's progress, set by each draw

    # keyed by the full setting: (seed, None) is the run without the regularizer; all are seeded, so a kept run
    # is the one that would be trained again
    @functools.lru_cache(maxsize=KEPT_RUNS)
    def run(seed: int, setting: tuple | None) -> tuple:
        reg = None
        if setting is not None:
            weight, schedule, temperature = setting
            say[0](f"training with the regularizer (weight {weight:g}, {schedule}, temperature {temperature:.3g}, "
                   f"seed {seed}) ...")
            # every batch: a small 2D set has a few batches an epoch, and every 8th (the default) would leave
            # most epochs, and so most of the schedule, without a penalty
            reg = FoldingRegularizer(weight=weight, schedule=schedule, epochs=epochs, temperature=temperature,
                                     seed=seed, every=1)
        else:
            say[0](f"training without the regularizer (seed {seed}) ...")
        net = mlp(list(widths), seed=seed)
        history = train(net, data, epochs=epochs, seed=seed, regularizer=reg, progress=False)
        folding = global_folding(net, data.X_test, data.y_test, n_pairs=phi_pairs, seed=seed)
        return history.test_accuracy[-1], folding, arrangement(net, box=box)

    def draw(fig, progress):
        v = {name: control.value for name, control in controls.items()}
        say[0] = progress
        runs = {"without": run(v["seed"], None),
                "with": run(v["seed"], (v["weight"], v["schedule"], v["temperature"]))}
        panels = fig.subplots(1, 2)
        for ax, (arm, (acc, folding, arr)) in zip(panels, runs.items()):
            flp.plot_arrangement(arr, ax, color_by="pattern")
            ax.scatter(X[:, 0], X[:, 1], c=y, s=6, cmap="coolwarm", edgecolors="k", linewidths=0.2)
            ax.set_title(f"{arm} the regularizer: {len(arr)} regions\ntest accuracy {acc:.3f}, "
                         f"Phi_N {folding.phi:.3f}", fontsize=9)
        (a0, f0, _), (a1, f1, _) = runs["without"], runs["with"]
        label = (f"seed {v['seed']}, weight {v['weight']:g} ({v['schedule']}), temperature {v['temperature']:.3g}: "
                 f"test accuracy {a0:.3f} without, {a1:.3f} with; exact Phi_N {f0.phi:.3f} without, "
                 f"{f1.phi:.3f} with")
        return label, {arm: (acc, folding) for arm, (acc, folding, _) in runs.items()}

    return FigureView(draw, controls, figsize=(10.0, 4.8))
