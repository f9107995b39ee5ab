"""Widgets of exact 2D arrangements: layer by layer, through training, against a grid (notebook 02)."""

from __future__ import annotations

import html
from collections.abc import Sequence

import ipywidgets as widgets
import numpy as np
import shapely
from tqdm.auto import tqdm

from .. import plotting as flp
from .._typing import ArrayLike, Box, Net
from .._validation import as_box, as_points, check_bool, check_choice, check_float, check_int, check_seed, to_numpy
from ..adapter import read_net
from ..arrangement import arrangement
from ..counting import RegionCounts
from ..data import Dataset, toy_dataset
from ..limits import check_memory
from ..nets import mlp
from ..plotting._common import check_instance, cycle_colors, read_net_arg
from ..plotting.regions import COLOR_BY, GRID_POINT_BYTES
from ..training import train
from ._presets import preset_widget
from ._view import FigureView, Pointer, slider

__all__ = ["arrangement_widget", "training_regions_widget", "grid_misses_widget", "PRESETS"]

#: Named presets of these widgets (see :func:`foldlab.widgets.from_preset`).
PRESETS = {
    "arrangement_widget": {
        "one layer of lines": "arrangement_widget(width=8, depth=1, seed=0)",
        "lines bent by the first layer": "arrangement_widget(width=8, depth=3, seed=0, layer=0)",
        "distance to the centre": "arrangement_widget(width=8, depth=3, seed=0, color_by='hamming')",
        "linear regions by output": "arrangement_widget(width=8, depth=3, seed=3, view='linear', color_by='output')",
    },
    "training_regions_widget": {
        "before training": "training_regions_widget(epochs=30, seed=0, epoch=0)",
        "after training": "training_regions_widget(epochs=30, seed=0, epoch=30)",
    },
    "grid_misses_widget": {
        "a coarse grid": "grid_misses_widget(resolution=5)",
        "a fine grid": "grid_misses_widget(resolution=60)",
    },
}

_WIDE = {"description_width": "initial"}


class RegionFinder:
    """The region of an arrangement under a point, fast enough for a hovering pointer (an STRtree)."""

    def __init__(self, arr):
        self.arr = arr
        self._tree = shapely.STRtree(arr.polygons)

    def __call__(self, x: float, y: float) -> int:
        """Index of the region containing (or, on a line, touching) the point; -1 outside the box."""
        found = self._tree.query(shapely.points(x, y), predicate="intersects")
        return int(found.min()) if len(found) else -1


def _bits_by_layer(pattern: np.ndarray, widths) -> str:
    cuts = np.cumsum([0, *widths])
    return " | ".join("".join("1" if b else "0" for b in pattern[a:b]) for a, b in zip(cuts[:-1], cuts[1:]))


def region_report(arr, index: int, reference: int, *, reference_name: str = "the reference region") -> str:
    """HTML: region ``index``'s pattern, layer by layer, and its Hamming distance to region ``reference``.

    Examples
    --------
    >>> import foldlab as fl
    >>> arr = fl.arrangement(fl.mlp([2, 3, 2, 1], seed=0))
    >>> region_report(arr, 0, 0)
    'region 0: pattern <code>000 | 11</code> (layers 0 | 1), <b>d_H = 0</b> to the reference region'
    """
    widths = arr.spec.widths[: arr.depth]
    pattern, other = arr.patterns[index], arr.patterns[reference]
    layers = " | ".join(str(i) for i in range(arr.depth))
    d = int((pattern != other).sum())
    return (f"region {index}: pattern <code>{_bits_by_layer(pattern, widths)}</code> (layers {layers}), "
            f"<b>d_H = {d}</b> to {html.escape(reference_name)}")


def rounded_click(value: float) -> float:
    """A clicked coordinate, to 4 significant digits: a pixel is coarser, and presets stay short."""
    return float(f"{value:.4g}")


def _follow(control: widgets.IntSlider, maximum: int) -> None:
    """Give a slider a new maximum; a value at the old maximum (or past the new one) moves to the new one."""
    at_end = control.value >= control.max
    control.max = maximum  # a value past the new maximum moves to it: the range follows another control
    if at_end:
        control.value = maximum


@preset_widget
def arrangement_widget(width: int = 8, depth: int = 2, seed: int = 0, *, view: str = "activation",
                       layer: int | None = None, color_by: str = "pattern", reference: ArrayLike | None = None,
                       box: Box = (-1.0, 1.0, -1.0, 1.0), activation: str = "relu", max_width: int = 32,
                       max_depth: int = 4, max_seed: int = 20) -> FigureView:
    """Regions of a random ``2 - [width] x depth - 1`` MLP, stepping through its layers.

    Hovering over a region shows its activation pattern and its Hamming distance to the reference
    region (marked with a star, at the box's centre until a click moves it); with ``color_by="hamming"``
    the regions are coloured by that distance.

    Parameters
    ----------
    width, depth, seed : int
        The initial net: ``width`` from 1 to ``max_width``, ``depth`` from 1 to ``max_depth``, ``seed``
        from 0 to ``max_seed``.
    view : {"activation", "linear"}
        Activation regions, or linear regions (maps merged).
    layer : int, optional
        Show the partition after hidden layers 0 to ``layer`` (default: the last, ``depth - 1``).
    color_by : {"pattern", "active", "hamming", "output"}
        See :func:`foldlab.plotting.region_colors`; every colouring but the pattern hash gets a colorbar.
    reference : (x, y), optional
        A point of the box whose region is the reference (default: the box's centre).
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
        next layer's lines on top; its range, 0 to ``depth - 1``, follows ``depth``; disabled at the last
        layer while the colour is ``"output"``, which needs every layer) and ``color_by``. ``.label``:
        the net and its counts. ``.result``: the :class:`foldlab.Arrangement` shown (``upto`` the chosen
        layer). A click moves the reference; ``.hover`` says what the pointer is over.

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
    >>> w.preset
    "arrangement_widget(width=4, depth=2, seed=0, view='activation', layer=0, color_by='pattern', reference=None)"
    """
    max_width = check_int(max_width, "max_width", min=1)
    max_depth = check_int(max_depth, "max_depth", min=1)
    max_seed = check_seed(max_seed, "max_seed")
    width = check_int(width, "width", min=1, max=max_width)
    depth = check_int(depth, "depth", min=1, max=max_depth)
    seed = check_int(seed, "seed", min=0, max=max_seed)
    check_choice(view, "view", ("activation", "linear"))
    layer = depth - 1 if layer is None else check_int(layer, "layer", min=0, max=depth - 1)
    check_choice(color_by, "color_by", COLOR_BY)
    if color_by == "output" and layer != depth - 1:
        raise ValueError(f"color_by='output' needs every layer: layer must be {depth - 1} (the last), got {layer}")
    box = as_box(box)
    where = {"point": None if reference is None else box_point(reference, box, "reference")}
    read_net(mlp([2, 1, 1], activation=activation)).check_piecewise_linear(f"arrangement_widget(activation="
                                                                           f"{activation!r})")
    controls = {
        "width": slider("width", width, 1, max_width, style=_WIDE),
        "depth": slider("depth", depth, 1, max_depth, style=_WIDE),
        "seed": slider("seed", seed, 0, max_seed, style=_WIDE),
        "view": widgets.ToggleButtons(options=["activation", "linear"], value=view, description="regions"),
        "layer": slider("after layer", layer, 0, depth - 1, style=_WIDE),
        "color_by": widgets.Dropdown(options=list(COLOR_BY), value=color_by, description="colour"),
    }
    built: dict[tuple[int, int, int], object] = {}  # the last net's arrangement: a layer or colour redraws fast
    finder: dict[int, RegionFinder] = {}
    centre = ((box[0] + box[1]) / 2, (box[2] + box[3]) / 2)

    def draw(fig, progress):
        v = {name: control.value for name, control in controls.items()}
        _follow(controls["layer"], v["depth"] - 1)  # folded into this redraw
        output = v["color_by"] == "output"
        if output:  # the output is the net's only after its last layer
            controls["layer"].value = controls["layer"].max
        controls["layer"].disabled = output
        controls["layer"].tooltip = ("colour by output needs every layer: choose another colour to step through "
                                     "the layers" if output else "show the regions after hidden layers 0 to this one")
        layer = controls["layer"].value
        key = (v["width"], v["depth"], v["seed"])
        if key not in built:
            if v["width"] * v["depth"] >= 48:
                progress(f"computing the exact regions of 2-[{v['width']}]x{v['depth']}-1")
            built.clear()
            net = mlp([2] + [v["width"]] * v["depth"] + [1], activation=activation, seed=v["seed"])
            built[key] = arrangement(net, box=box)
        shown = built[key].upto(layer)
        finder.clear()
        finder[0] = RegionFinder(shown)
        point = where["point"] if where["point"] is not None else centre
        ax = fig.add_subplot()
        flp.plot_arrangement(shown, ax, color_by=v["color_by"], linear=v["view"] == "linear",
                             boundary=shown.complete, reference=point if v["color_by"] == "hamming" else None)
        following = ""
        if not shown.complete:
            flp.plot_layer_lines(shown, ax, layer=layer + 1)
            following = f"; lines: layer {layer + 1}"
        ax.plot(*point, marker="*", markersize=14, color="white", markeredgecolor="black", zorder=5)
        counts = f"{len(shown)} activation regions"
        if v["view"] == "linear":
            counts += f", {len(shown.linear_regions())} linear regions"
        net = f"2-[{v['width']}]x{v['depth']}-1, seed {v['seed']}"
        return f"{net}, after layer {layer}: {counts}{following}", shown

    def on_click(axes, x, y):
        where["point"] = (rounded_click(x), rounded_click(y))

    def on_hover(axes, x, y):
        shown = finder[0].arr
        index = finder[0](x, y)
        if index < 0:
            return "", None
        reference = flp.reference_region(shown, where["point"] if where["point"] is not None else centre)
        return region_report(shown, index, reference, reference_name="the reference region (star)"), \
            shown.vertices(index)

    def state():
        v = {name: control.value for name, control in controls.items()}
        return {**v, "reference": where["point"]}

    pointer = Pointer(on_click=on_click, on_hover=on_hover,
                      hint="hover over a region: its pattern and d_H to the star's region; click to move the star")
    return FigureView(draw, controls, figsize=(6.4, 5.0), state=state, pointer=pointer)


def planar_data(data: Dataset, widths: Sequence[int], box: Box | None, what: str
                ) -> tuple[np.ndarray, np.ndarray, Box]:
    """The data's inputs and labels as arrays, checked to be 2D as the net's first width says, and the box:
    ``box``, or by default the data's bounding box padded by 15 % of its longer side."""
    X, y = to_numpy(data.X), to_numpy(data.y)
    if X.shape[1] != 2 or list(widths)[0] != 2:
        raise ValueError(f"{what} draws 2D inputs: expected data with 2 features and widths starting with 2, "
                         f"got {X.shape[1]} features and widths={tuple(widths)}")
    if box is None:
        lo, hi = X.min(axis=0), X.max(axis=0)
        pad = 0.15 * (hi - lo).max()
        box = (lo[0] - pad, hi[0] + pad, lo[1] - pad, hi[1] + pad)
    return X, y, as_box(box)


def box_point(point, box, name: str) -> tuple[float, float]:
    """A point (x, y) inside the box, as a tuple of floats."""
    p = as_points(point, name, dim=2)
    if p.shape != (1, 2):
        raise ValueError(f"expected {name}=(x, y), one point, got shape {np.shape(point)}")
    x, y = (float(v) for v in p[0])
    if not (box[0] <= x <= box[1] and box[2] <= y <= box[3]):
        raise ValueError(f"{name}={(x, y)} is outside box={box}")
    return x, y


@preset_widget
def training_regions_widget(data: Dataset | None = None, widths: Sequence[int] = (2, 16, 16, 1), epochs: int = 30,
                            *, seed: int = 0, box: Box | None = None,
                            lr: float = 1e-2, epoch: int = 0, progress: bool = True) -> FigureView:
    """Regions and decision boundary of a net through training, with the exact counts per epoch.

    Trains once (``keep_snapshots=True``) and computes every epoch's regions while it is built (with a
    progress bar); the ``epoch`` slider (0 to ``epochs``) shows the snapshot's regions, decision
    boundary and data on the left, and the density of regions per epoch (with Hanin and Rolnick's
    ``#neurons^2 / 2``) on the right, the current epoch marked.

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
    epoch : int
        The epoch shown first.
    progress : bool
        Show progress bars while training and counting.

    Returns
    -------
    FigureView
        ``.controls["epoch"]``; ``.label``: the epoch's region count and train accuracy; ``.result``: the
        epoch's :class:`foldlab.Arrangement`; ``.counts``: the :class:`foldlab.RegionCounts`.

    Examples
    --------
    >>> from foldlab import toy_dataset
    >>> w = training_regions_widget(toy_dataset("moons", n=100, seed=0), widths=(2, 6, 1), epochs=2, progress=False)
    >>> w.label.value, len(w.result)
    ('epoch 0: 11 regions, train accuracy 0.32', 11)
    """
    seed = check_seed(seed)
    if data is not None:
        check_instance(data, "data", Dataset, "from foldlab.toy_dataset or foldlab.load_digits")
    epochs = check_int(epochs, "epochs", min=1)
    epoch = check_int(epoch, "epoch", min=0, max=epochs)
    lr = check_float(lr, "lr", min=0.0, include_min=False)
    progress = check_bool(progress, "progress")
    box = None if box is None else as_box(box)
    net = mlp(list(widths), seed=seed)  # checks widths
    data = toy_dataset("moons", n=300, seed=seed) if data is None else data
    X, y, box = planar_data(data, widths, box, "training_regions_widget")
    history = train(net, data, epochs=epochs, lr=lr, seed=seed, keep_snapshots=True, progress=progress)
    # every epoch's regions once: they give the counts, and the slider only draws them
    arrangements = [arrangement(snapshot, box=box) for snapshot in
                    tqdm(history.snapshots, desc="exact regions per epoch", disable=not progress, leave=False)]
    counts = RegionCounts(np.arange(len(arrangements)), np.array([len(a) for a in arrangements]),
                          float(arrangements[0].area), read_net(net).n_hidden)
    classes = np.unique(y)
    colors = cycle_colors(len(classes), "coolwarm") if len(classes) > 1 else ["tab:blue"]
    controls = {"epoch": slider("epoch", epoch, 0, epochs)}

    def draw(fig):
        epoch = controls["epoch"].value
        arr = arrangements[epoch]
        left, right = fig.subplots(1, 2)
        flp.plot_arrangement(arr, left, color_by="pattern")
        for k, color in zip(classes, colors):
            mine = y == k
            left.scatter(X[mine, 0], X[mine, 1], color=color, s=6, edgecolors="k", linewidths=0.2, label=f"class {k}")
        left.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncols=len(classes), fontsize="small",
                    frameon=False, markerscale=2)
        left.set_title("regions and decision boundary")
        flp.plot_region_counts(counts, right)
        right.axvline(epoch, color="crimson")
        right.set_title("exact regions through training")
        return f"epoch {epoch}: {len(arr)} regions, train accuracy {history.train_accuracy[epoch]:.2f}", arr

    view = FigureView(draw, controls, figsize=(10.0, 4.8))
    view.counts = counts
    return view


@preset_widget
def grid_misses_widget(net: Net | None = None, box: Box = (-1.0, 1.0, -1.0, 1.0), *, resolution: int = 10,
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
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.06), ncols=2, fontsize="small", frameon=False)
        n_missed = len(missed.get_paths())
        grid = f"{resolution}x{resolution} grid"
        return f"{grid}: finds {len(arr) - n_missed} of {len(arr)} regions, misses {n_missed}", arr

    return FigureView(draw, controls, figsize=(5.5, 5.4))
