"""Regions in training: scrub through the epochs of a run, and change its depth, init and label noise."""

from __future__ import annotations

import ipywidgets as widgets

from .. import plotting as flp
from .._validation import check_choice, check_float, check_int, check_seed
from ..arrangement import arrangement
from ..data import Dataset, toy_dataset
from ..plotting._common import check_instance
from ..regions_training import INITS, regions_run
from ._presets import preset_widget
from ._view import FigureView, slider

__all__ = ["regions_in_training_widget", "PRESETS"]

#: Named presets of these widgets (see :func:`foldlab.widgets.from_preset`).
PRESETS = {
    "regions_in_training_widget": {
        "PyTorch's default init, before training": "regions_in_training_widget(depth=2, init='uniform', epoch=0)",
        "He init, after training": "regions_in_training_widget(depth=2, init='he', epoch=8)",
        "memorising noisy labels": "regions_in_training_widget(depth=2, label_noise=0.4, epoch=8)",
    },
}

_WIDE = {"description_width": "initial"}


@preset_widget
def regions_in_training_widget(data: Dataset | None = None, n_neurons: int = 24, epochs: int = 8, *,
                               depth: int = 2, init: str = "uniform", label_noise: float = 0.0, epoch: int = 0,
                               seed: int = 0, n_lines: int = 6, max_depth: int = 4,
                               max_noise: float = 0.4) -> FigureView:
    """Exact regions of a net through training: the region map at an epoch, and the counts per epoch in the box
    (against Hanin and Rolnick's ``#neurons^2 / 2``) and along segments between data points.

    A run (:func:`foldlab.regions_run`) is trained and counted once per depth, init and label noise, when first
    shown, and kept; the epoch slider only draws (each epoch's arrangement is kept once drawn).

    Parameters
    ----------
    data : Dataset, optional
        With 2 features. Default: 200 points of two moons (seed 0).
    n_neurons : int
        Hidden units in all, split equally over the layers: every depth from 1 to ``max_depth`` must divide it.
    epochs : int
        Of each run, at least 1.
    depth : int
        Hidden layers shown first, 1 to ``max_depth``.
    init : {"uniform", "he"}
        PyTorch's default init or He's.
    label_noise : float
        Fraction of flipped training labels shown first, 0 to ``max_noise`` in steps of 0.1.
    epoch : int
        Shown first, 0 to ``epochs``.
    seed, n_lines
        Of every run (:func:`foldlab.regions_run`).
    max_depth : int
    max_noise : float
        The sliders' upper ends (``max_noise`` a multiple of 0.1, at most 1).

    Returns
    -------
    FigureView
        ``.controls``: ``epoch``, ``depth``, ``init``, ``label_noise``. ``.label``: the epoch's counts and
        accuracy. ``.result``: the :class:`foldlab.regions_training.RegionsRun` shown. ``.runs``: the runs
        computed so far, by (depth, init, label_noise).

    Examples
    --------
    >>> from foldlab import toy_dataset
    >>> w = regions_in_training_widget(toy_dataset("moons", n=60, seed=0), n_neurons=4, epochs=1, max_depth=2,
    ...                                n_lines=2)
    >>> [c for c in w.controls], w.result.widths
    (['epoch', 'depth', 'init', 'label_noise'], (2, 2, 2, 1))
    """
    if data is not None:
        check_instance(data, "data", Dataset, "from foldlab.toy_dataset")
    max_depth = check_int(max_depth, "max_depth", min=1)
    n_neurons = check_int(n_neurons, "n_neurons", min=1)
    bad = [d for d in range(1, max_depth + 1) if n_neurons % d]
    if bad:
        raise ValueError(f"n_neurons={n_neurons} does not split equally into depth {bad[0]}; expected n_neurons "
                         f"divisible by every depth from 1 to max_depth={max_depth}")
    epochs = check_int(epochs, "epochs", min=1)
    depth = check_int(depth, "depth", min=1, max=max_depth)
    check_choice(init, "init", INITS)
    max_noise = check_float(max_noise, "max_noise", min=0.1, max=1.0)
    steps = round(max_noise * 10)
    if abs(steps / 10 - max_noise) > 1e-12:
        raise ValueError(f"max_noise must be a multiple of 0.1, got {max_noise}")
    label_noise = check_float(label_noise, "label_noise", min=0.0, max=max_noise)
    if abs(round(label_noise * 10) / 10 - label_noise) > 1e-12:
        raise ValueError(f"label_noise must be a multiple of 0.1 (the slider's step), got {label_noise}")
    epoch = check_int(epoch, "epoch", min=0, max=epochs)
    seed = check_seed(seed)
    n_lines = check_int(n_lines, "n_lines", min=1)
    data = toy_dataset("moons", n=200, seed=0) if data is None else data
    if data.dim != 2:
        raise ValueError(f"regions_in_training_widget draws 2D inputs: expected data with 2 features, "
                         f"{data.name!r} has {data.dim}")
    controls = {
        "epoch": slider("epoch", epoch, 0, epochs, style=_WIDE),
        "depth": slider("depth", depth, 1, max_depth, style=_WIDE),
        "init": widgets.ToggleButtons(options=list(INITS), value=init, description="init"),
        "label_noise": slider("label noise", round(label_noise, 1), 0.0, round(steps / 10, 1), step=0.1,
                              readout_format=".1f", style=_WIDE),
    }
    runs: dict[tuple, object] = {}
    drawn: dict[tuple, object] = {}  # (run key, epoch) -> the arrangement drawn

    def draw(fig, progress):
        c = controls
        key = (c["depth"].value, c["init"].value, round(c["label_noise"].value, 1))
        if key not in runs:
            progress(f"training and counting: depth {key[0]}, init {key[1]}, label noise {key[2]:g} ...")
            runs[key] = regions_run(data, n_neurons, key[0], init=key[1], label_noise=key[2], epochs=epochs,
                                    seed=seed, n_lines=n_lines)
        run = runs[key]
        epoch = c["epoch"].value
        if (key, epoch) not in drawn:
            drawn[(key, epoch)] = arrangement(run.history.snapshots[epoch], box=run.box)
        arr = drawn[(key, epoch)]
        flp.plot_regions_run(run, fig.subplots(1, 3), epoch=epoch, arr=arr)
        label = (f"{'-'.join(map(str, run.widths))}, init {key[1]}, label noise {key[2]:g}, epoch {epoch}: "
                 f"<b>{len(arr)} regions</b> in the box, {run.lines.mean[epoch]:.1f} per segment, "
                 f"train accuracy {run.history.train_accuracy[epoch]:.2f}, test accuracy "
                 f"{run.history.test_accuracy[epoch]:.2f}")
        return label, run

    view = FigureView(draw, controls, figsize=(13.0, 4.4))
    view.runs = runs
    return view
