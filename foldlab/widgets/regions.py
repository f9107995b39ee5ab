"""Widgets of exact 2D arrangements: layer by layer, through training, against a grid (notebook 02)."""

from __future__ import annotations

import ipywidgets as widgets

from .. import plotting as flp
from ..arrangement import arrangement
from ..counting import regions_over_training
from ..data import toy_dataset
from ..nets import mlp
from ..plotting._common import to_numpy
from ..plotting.regions import COLOR_BY
from ..training import train
from ._view import FigureView, slider

__all__ = ["arrangement_widget", "training_regions_widget", "grid_misses_widget"]

_WIDE = {"description_width": "initial"}


def _follow(control: widgets.IntSlider, maximum: int) -> None:
    """Give a slider a new maximum; a value at the old maximum (or past the new one) moves to the new one."""
    at_end = control.value >= control.max
    control.max = maximum  # clamps the value when it is past the new maximum
    if at_end:
        control.value = maximum


def arrangement_widget(width: int = 8, depth: int = 2, seed: int = 0, *, box=(-1.0, 1.0, -1.0, 1.0),
                       activation: str = "relu", max_width: int = 32, max_depth: int = 4,
                       max_seed: int = 20) -> FigureView:
    """Regions of a random ``2 - [width] x depth - 1`` MLP, stepping through its layers.

    Parameters
    ----------
    width, depth, seed : int
        The initial net.
    box : (xmin, xmax, ymin, ymax)
    activation : str
        Of the hidden layers (see :func:`foldlab.mlp`).
    max_width, max_depth, max_seed : int
        The sliders' upper ends.

    Returns
    -------
    FigureView
        ``.controls``: ``width`` (1 to ``max_width``), ``depth`` (1 to ``max_depth``), ``seed`` (0 to
        ``max_seed``), ``view`` (activation regions, or linear regions: maps merged), ``layer`` (show the
        partition after hidden layers 1..layer, with the next layer's lines on top; its range follows
        ``depth``) and ``color_by``. ``.label``: the net and its counts. ``.result``: the
        :class:`foldlab.Arrangement` shown (``upto`` the chosen layer).

    Examples
    --------
    >>> w = arrangement_widget(width=4, depth=2)
    >>> w.label.value
    '2-[4]x2-1, seed 0, after layer 2: 21 activation regions'
    >>> [c.description for c in w.controls.values()]
    ['width', 'depth', 'seed', 'regions', 'after layer', 'colour']
    """
    controls = {
        "width": slider("width", width, 1, max_width, style=_WIDE),
        "depth": slider("depth", depth, 1, max_depth, style=_WIDE),
        "seed": slider("seed", seed, 0, max_seed, style=_WIDE),
        "view": widgets.ToggleButtons(options=["activation", "linear"], value="activation", description="regions"),
        "layer": slider("after layer", depth, 1, depth, style=_WIDE),
        "color_by": widgets.Dropdown(options=list(COLOR_BY), value="pattern", description="colour"),
    }

    def draw(fig):
        v = {name: control.value for name, control in controls.items()}
        _follow(controls["layer"], v["depth"])  # folded into this redraw
        layer = controls["layer"].value
        full = arrangement(mlp([2] + [v["width"]] * v["depth"] + [1], activation=activation, seed=v["seed"]), box=box)
        shown = full.upto(layer - 1)
        ax = fig.add_subplot()
        flp.plot_arrangement(shown, ax, color_by=v["color_by"], linear=v["view"] == "linear", boundary=shown.complete)
        if shown.depth < v["depth"]:
            flp.plot_layer_lines(shown, shown.depth, ax)
        counts = f"{len(shown)} activation regions"
        if v["view"] == "linear":
            counts += f", {len(shown.linear_regions())} linear regions"
        following = f"; lines: layer {shown.depth + 1}" if shown.depth < v["depth"] else ""
        net = f"2-[{v['width']}]x{v['depth']}-1, seed {v['seed']}"
        return f"{net}, after layer {shown.depth}: {counts}{following}", shown

    return FigureView(draw, controls, figsize=(5.5, 5.0))


def training_regions_widget(data=None, widths=(2, 16, 16, 1), epochs: int = 30, *, seed: int = 0, box=None,
                            lr: float = 1e-2) -> FigureView:
    """Regions and decision boundary of a net through training, with the exact counts per epoch.

    Trains once (``keep_snapshots=True``); the ``epoch`` slider (0 to ``epochs``) shows the snapshot's
    regions, decision boundary and data on the left, and the density of regions per epoch (with
    Hanin and Rolnick's ``#neurons^2 / 2``) on the right, the current epoch marked.

    Parameters
    ----------
    data : Dataset, optional
        Default: 300 points of two moons.
    widths : sequence of int
        Of the net, ``[2, ..., d_out]``.
    epochs, seed, lr
        Of the training run.
    box : (xmin, xmax, ymin, ymax), optional
        Default: the data's bounding box, padded.

    Returns
    -------
    FigureView
        ``.controls["epoch"]``; ``.label``: the epoch's region count and train accuracy; ``.result``: the
        epoch's :class:`foldlab.Arrangement`.

    Examples
    --------
    >>> from foldlab import toy_dataset
    >>> w = training_regions_widget(toy_dataset("moons", n=100, seed=0), widths=(2, 6, 1), epochs=2)
    >>> w.label.value, len(w.result)
    ('epoch 0: 11 regions, train accuracy 0.32', 11)
    """
    data = toy_dataset("moons", n=300, seed=seed) if data is None else data
    X, y = to_numpy(data.X), to_numpy(data.y)
    if box is None:
        lo, hi = X.min(axis=0), X.max(axis=0)
        pad = 0.15 * (hi - lo).max()
        box = (lo[0] - pad, hi[0] + pad, lo[1] - pad, hi[1] + pad)
    net = mlp(list(widths), seed=seed)
    history = train(net, data, epochs=epochs, lr=lr, seed=seed, keep_snapshots=True, progress=False)
    counts = regions_over_training(history, box=box)
    controls = {"epoch": slider("epoch", 0, 0, epochs)}

    def draw(fig):
        epoch = controls["epoch"].value
        arr = arrangement(history.snapshots[epoch], box=box)
        left, right = fig.subplots(1, 2)
        flp.plot_arrangement(arr, left, color_by="pattern")
        left.scatter(X[:, 0], X[:, 1], c=y, s=6, cmap="coolwarm", edgecolors="k", linewidths=0.2)
        flp.plot_region_counts(counts, right)
        right.axvline(epoch, color="crimson")
        return f"epoch {epoch}: {len(arr)} regions, train accuracy {history.train_accuracy[epoch]:.2f}", arr

    return FigureView(draw, controls, figsize=(10.0, 4.5))


def grid_misses_widget(net=None, box=(-1.0, 1.0, -1.0, 1.0), *, max_resolution: int = 100) -> FigureView:
    """Exact regions against a grid of samples: which regions a ``resolution x resolution`` grid misses.

    Parameters
    ----------
    net : torch.nn.Module, optional
        With 2 inputs (default: ``mlp([2, 16, 16, 16, 1], seed=0)``).
    box : (xmin, xmax, ymin, ymax)
    max_resolution : int
        The slider's upper end.

    Returns
    -------
    FigureView
        ``.controls["resolution"]`` (2 to ``max_resolution``); ``.label``: regions found and missed;
        ``.result``: the (fixed) exact :class:`foldlab.Arrangement`.

    Examples
    --------
    >>> from foldlab import mlp
    >>> grid_misses_widget(mlp([2, 8, 8, 1], seed=0)).label.value
    '10x10 grid: finds 18 of 22 regions, misses 4'
    """
    net = mlp([2, 16, 16, 16, 1], seed=0) if net is None else net
    arr = arrangement(net, box=box)
    controls = {"resolution": slider("resolution", 10, 2, max_resolution)}

    def draw(fig):
        resolution = controls["resolution"].value
        ax = fig.add_subplot()
        flp.plot_regions(arr, ax, alpha=0.35)
        missed, _ = flp.plot_grid_misses(arr, resolution, ax)
        n_missed = len(missed.get_paths())
        grid = f"{resolution}x{resolution} grid"
        return f"{grid}: finds {len(arr) - n_missed} of {len(arr)} regions, misses {n_missed}", arr

    return FigureView(draw, controls, figsize=(5.5, 5.0))
