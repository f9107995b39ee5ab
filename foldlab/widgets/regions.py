"""Widgets of exact 2D arrangements: layer by layer, through training, against a grid (notebook 02)."""

from __future__ import annotations

import ipywidgets as widgets

from .. import plotting as flp
from .._validation import as_box, check_float, check_int, check_seed, to_numpy
from ..adapter import read_net
from ..arrangement import arrangement
from ..counting import regions_over_training
from ..data import Dataset, toy_dataset
from ..limits import check_memory
from ..nets import mlp
from ..plotting._common import check_instance, read_net_arg
from ..plotting.regions import COLOR_BY, GRID_POINT_BYTES
from ..training import train
from ._view import FigureView, slider

__all__ = ["arrangement_widget", "training_regions_widget", "grid_misses_widget"]

_WIDE = {"description_width": "initial"}


def _follow(control: widgets.IntSlider, maximum: int) -> None:
    """Give a slider a new maximum; a value at the old maximum (or past the new one) moves to the new one."""
    at_end = control.value >= control.max
    control.max = maximum  # a value past the new maximum moves to it: the range follows another control
    if at_end:
        control.value = maximum


def arrangement_widget(width: int = 8, depth: int = 2, seed: int = 0, *, box=(-1.0, 1.0, -1.0, 1.0),
                       activation: str = "relu", max_width: int = 32, max_depth: int = 4,
                       max_seed: int = 20) -> FigureView:
    """Regions of a random ``2 - [width] x depth - 1`` MLP, stepping through its layers.

    Parameters
    ----------
    width, depth, seed : int
        The initial net: ``width`` from 1 to ``max_width``, ``depth`` from 1 to ``max_depth``, ``seed``
        from 0 to ``max_seed``.
    box : (xmin, xmax, ymin, ymax)
    activation : str
        Of the hidden layers (see :func:`foldlab.mlp`); a piecewise-linear one ("relu", "leaky_relu").
    max_width, max_depth, max_seed : int
        The sliders' upper ends.

    Returns
    -------
    FigureView
        ``.controls``: ``width`` (1 to ``max_width``), ``depth`` (1 to ``max_depth``), ``seed`` (0 to
        ``max_seed``), ``view`` (activation regions, or linear regions: maps merged), ``layer`` (show the
        partition after hidden layers 0 to ``layer``, counted from 0 as everywhere in foldlab, with the
        next layer's lines on top; its range, 0 to ``depth - 1``, follows ``depth``) and ``color_by``
        (``"output"`` needs every layer: before the last one the regions are coloured by pattern, and the
        label says so). ``.label``: the net and its counts. ``.result``: the :class:`foldlab.Arrangement`
        shown (``upto`` the chosen layer).

    Examples
    --------
    >>> w = arrangement_widget(width=4, depth=2)
    >>> w.label.value
    '2-[4]x2-1, seed 0, after layer 1: 21 activation regions'
    >>> w.controls["layer"].value = 0
    >>> w.label.value, len(w.result)
    ('2-[4]x2-1, seed 0, after layer 0: 10 activation regions; lines: layer 1', 10)
    >>> [c.description for c in w.controls.values()]
    ['width', 'depth', 'seed', 'regions', 'after layer', 'colour']
    """
    max_width = check_int(max_width, "max_width", min=1)
    max_depth = check_int(max_depth, "max_depth", min=1)
    max_seed = check_seed(max_seed, "max_seed")
    width = check_int(width, "width", min=1, max=max_width)
    depth = check_int(depth, "depth", min=1, max=max_depth)
    seed = check_int(seed, "seed", min=0, max=max_seed)
    box = as_box(box)
    read_net(mlp([2, 1, 1], activation=activation)).check_piecewise_linear(f"arrangement_widget(activation="
                                                                           f"{activation!r})")
    controls = {
        "width": slider("width", width, 1, max_width, style=_WIDE),
        "depth": slider("depth", depth, 1, max_depth, style=_WIDE),
        "seed": slider("seed", seed, 0, max_seed, style=_WIDE),
        "view": widgets.ToggleButtons(options=["activation", "linear"], value="activation", description="regions"),
        "layer": slider("after layer", depth - 1, 0, depth - 1, style=_WIDE),
        "color_by": widgets.Dropdown(options=list(COLOR_BY), value="pattern", description="colour"),
    }
    built: dict[tuple[int, int, int], object] = {}  # the last net's arrangement: a layer or colour redraws fast

    def draw(fig):
        v = {name: control.value for name, control in controls.items()}
        _follow(controls["layer"], v["depth"] - 1)  # folded into this redraw
        layer = controls["layer"].value
        key = (v["width"], v["depth"], v["seed"])
        if key not in built:
            built.clear()
            net = mlp([2] + [v["width"]] * v["depth"] + [1], activation=activation, seed=v["seed"])
            built[key] = arrangement(net, box=box)
        shown = built[key].upto(layer)
        color_by, note = v["color_by"], ""
        if color_by == "output" and not shown.complete:
            color_by, note = "pattern", " (colour by output needs every layer: coloured by pattern)"
        ax = fig.add_subplot()
        flp.plot_arrangement(shown, ax, color_by=color_by, linear=v["view"] == "linear", boundary=shown.complete)
        following = ""
        if not shown.complete:
            flp.plot_layer_lines(shown, ax, layer=layer + 1)
            following = f"; lines: layer {layer + 1}"
        counts = f"{len(shown)} activation regions"
        if v["view"] == "linear":
            counts += f", {len(shown.linear_regions())} linear regions"
        net = f"2-[{v['width']}]x{v['depth']}-1, seed {v['seed']}"
        return f"{net}, after layer {layer}: {counts}{following}{note}", shown

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
        With 2 features. Default: 300 points of two moons.
    widths : sequence of int
        Units per layer of the net, ``[2, ..., d_out]``.
    epochs : int
        Of the training run, at least 1.
    seed, lr
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
    seed = check_seed(seed)
    if data is not None:
        check_instance(data, "data", Dataset, "from foldlab.toy_dataset or foldlab.load_digits")
    epochs = check_int(epochs, "epochs", min=1)
    lr = check_float(lr, "lr", min=0.0, include_min=False)
    box = None if box is None else as_box(box)
    net = mlp(list(widths), seed=seed)  # checks widths
    data = toy_dataset("moons", n=300, seed=seed) if data is None else data
    X, y = to_numpy(data.X), to_numpy(data.y)
    if X.shape[1] != 2 or list(widths)[0] != 2:
        raise ValueError(f"training_regions_widget draws 2D inputs: expected data with 2 features and widths "
                         f"starting with 2, got {X.shape[1]} features and widths={tuple(widths)}")
    if box is None:
        lo, hi = X.min(axis=0), X.max(axis=0)
        pad = 0.15 * (hi - lo).max()
        box = (lo[0] - pad, hi[0] + pad, lo[1] - pad, hi[1] + pad)
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


def grid_misses_widget(net=None, box=(-1.0, 1.0, -1.0, 1.0), *, resolution: int = 10,
                       max_resolution: int = 100) -> FigureView:
    """Exact regions against a grid of samples: which regions a ``resolution x resolution`` grid misses.

    Parameters
    ----------
    net : torch.nn.Module, optional
        With 2 inputs (default: ``mlp([2, 16, 16, 16, 1], seed=0)``).
    box : (xmin, xmax, ymin, ymax)
    resolution : int
        The initial grid, 2 to ``max_resolution`` points per side.
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
    max_resolution = check_int(max_resolution, "max_resolution", min=2)
    check_memory(float(max_resolution) ** 2 * GRID_POINT_BYTES, f"a {max_resolution} x {max_resolution} grid drawn "
                 "point by point", driver="lower max_resolution=")
    resolution = check_int(resolution, "resolution", min=2, max=max_resolution)
    box = as_box(box)
    spec = read_net_arg(mlp([2, 16, 16, 16, 1], seed=0) if net is None else net)
    arr = arrangement(spec, box=box)
    controls = {"resolution": slider("resolution", resolution, 2, max_resolution)}

    def draw(fig):
        resolution = controls["resolution"].value
        ax = fig.add_subplot()
        flp.plot_regions(arr, ax, alpha=0.35)
        missed, _ = flp.plot_grid_misses(arr, ax, resolution=resolution)
        n_missed = len(missed.get_paths())
        grid = f"{resolution}x{resolution} grid"
        return f"{grid}: finds {len(arr) - n_missed} of {len(arr)} regions, misses {n_missed}", arr

    return FigureView(draw, controls, figsize=(5.5, 5.0))
