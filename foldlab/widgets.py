"""Widgets: each ``*_widget(...)`` builds and returns an ``ipywidgets.Widget`` without displaying it.

Tests set a control's ``value`` and assert on what changed, with no browser; the notebooks display them.
Every control's range works at both of its ends.
"""

from __future__ import annotations

import ipywidgets as widgets

__all__: list[str] = []


# === patterns and Hamming geometry (notebook 01) ===================================================


# === arrangements and regions (notebook 02) ========================================================

# Each widget is an ipywidgets ``interactive``: its controls are ``w.children[:-1]``, its output the
# last child, and ``w.result`` the :class:`ArrangementView` of the last redraw (what tests assert on).
import dataclasses  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402


@dataclasses.dataclass(frozen=True, eq=False)
class ArrangementView:
    """What an arrangement widget drew last: the arrangement, the figure, and a one-line summary."""

    arrangement: object
    figure: object = dataclasses.field(repr=False)
    summary: str = ""

    def __repr__(self) -> str:
        return f"ArrangementView({self.summary!r})"


def _interactive(draw, **controls) -> widgets.Widget:
    """``widgets.interactive``, clearing the output between redraws only inside a kernel (outside one,
    ``clear_output`` has nothing to clear and would print terminal escape codes)."""
    try:
        from IPython import get_ipython

        in_kernel = get_ipython() is not None and hasattr(get_ipython(), "kernel")
    except ImportError:  # pragma: no cover
        in_kernel = False
    return widgets.interactive(draw, clear_output=in_kernel, **controls)


def _redraw(state: dict, figsize=(5.5, 5.0), ncols: int = 1):
    """A fresh figure for the next drawing (the previous one is closed, so nothing piles up)."""
    if state.get("figure") is not None:
        plt.close(state["figure"])
    fig, axes = plt.subplots(1, ncols, figsize=figsize, squeeze=False)
    state["figure"] = fig
    return fig, axes[0]


def arrangement_widget(
    width: int = 8,
    depth: int = 2,
    seed: int = 0,
    *,
    box=(-1.0, 1.0, -1.0, 1.0),
    activation: str = "relu",
    max_width: int = 32,
    max_depth: int = 4,
    max_seed: int = 20,
) -> widgets.Widget:
    """Regions of a random ``2 - [width] x depth - 1`` MLP, stepping through its layers.

    Controls: ``width`` (1 to ``max_width``), ``depth`` (1 to ``max_depth``), ``seed`` (0 to
    ``max_seed``), ``view`` (activation regions, or linear regions: maps merged), ``layer`` (show the
    partition after hidden layers 1..layer, with the next layer's lines on top; its range follows
    ``depth``) and ``color_by``.

    Returns
    -------
    ipywidgets.interactive
        ``.result`` is an :class:`ArrangementView`.

    Examples
    --------
    >>> w = arrangement_widget(width=4, depth=2)
    >>> w.result.summary
    '2-[4]x2-1, seed 0, after layer 2: 21 activation regions'
    >>> [c.description for c in w.children[:-1]]
    ['width', 'depth', 'seed', 'regions', 'after layer', 'colour']
    """
    from .arrangement import arrangement
    from .nets import mlp
    from .plotting import plot_arrangement, plot_layer_lines

    state: dict = {}
    style = {"description_width": "initial"}
    controls = {
        "width": widgets.IntSlider(value=width, min=1, max=max_width, description="width", style=style),
        "depth": widgets.IntSlider(value=depth, min=1, max=max_depth, description="depth", style=style),
        "seed": widgets.IntSlider(value=seed, min=0, max=max_seed, description="seed", style=style),
        "view": widgets.ToggleButtons(options=["activation", "linear"], value="activation", description="regions"),
        "layer": widgets.IntSlider(value=depth, min=1, max=depth, description="after layer", style=style),
        "color_by": widgets.Dropdown(options=["pattern", "active", "hamming", "output"], value="pattern", description="colour"),
    }

    def follow_depth(change):
        layer = controls["layer"]
        at_end = layer.value == layer.max
        layer.max = change["new"]
        if at_end or layer.value > change["new"]:
            layer.value = change["new"]

    controls["depth"].observe(follow_depth, names="value")

    def draw(width, depth, seed, view, layer, color_by):
        net = mlp([2] + [width] * depth + [1], activation=activation, seed=seed)
        full = arrangement(net, box=box)
        shown = full.upto(min(layer, depth) - 1)
        fig, (ax,) = _redraw(state)
        plot_arrangement(shown, ax, color_by=color_by, linear=view == "linear", boundary=shown.complete)
        if shown.depth < depth:
            plot_layer_lines(shown, shown.depth, ax)
        counts = f"{len(shown)} activation regions"
        if view == "linear":
            counts += f", {len(shown.linear_regions())} linear regions"
        nxt = f"; lines: layer {shown.depth + 1}" if shown.depth < depth else ""
        summary = f"2-[{width}]x{depth}-1, seed {seed}, after layer {shown.depth}: {counts}{nxt}"
        ax.set_title(summary, fontsize="small")
        return ArrangementView(shown, fig, summary)

    return _interactive(draw, **controls)


def training_regions_widget(
    data=None,
    widths=(2, 16, 16, 1),
    epochs: int = 30,
    *,
    seed: int = 0,
    box=None,
    lr: float = 1e-2,
) -> widgets.Widget:
    """Regions and decision boundary of a net through training, with the exact counts per epoch.

    Trains once (``keep_snapshots=True``); the ``epoch`` slider (0 to ``epochs``) shows the snapshot's
    regions, decision boundary and data on the left, and the density of regions per epoch (with
    Hanin and Rolnick's ``#neurons^2 / 2``) on the right, the current epoch marked.

    Returns
    -------
    ipywidgets.interactive
        ``.result`` is an :class:`ArrangementView`.

    Examples
    --------
    >>> from foldlab import toy_dataset
    >>> w = training_regions_widget(toy_dataset("moons", n=100, seed=0), widths=(2, 6, 1), epochs=2)
    >>> w.result.summary
    'epoch 0: 11 regions, train accuracy 0.32'
    """
    from .arrangement import arrangement
    from .counting import regions_over_training
    from .data import toy_dataset
    from .nets import mlp
    from .plotting import plot_arrangement, plot_region_counts
    from .training import train

    data = toy_dataset("moons", n=300, seed=seed) if data is None else data
    if box is None:
        X = data.X.numpy()
        lo, hi = X.min(axis=0), X.max(axis=0)
        pad = 0.15 * (hi - lo).max()
        box = (lo[0] - pad, hi[0] + pad, lo[1] - pad, hi[1] + pad)
    net = mlp(list(widths), seed=seed)
    history = train(net, data, epochs=epochs, lr=lr, seed=seed, keep_snapshots=True, progress=False)
    counts = regions_over_training(history, box=box)
    state: dict = {}
    slider = widgets.IntSlider(value=0, min=0, max=epochs, description="epoch")

    def draw(epoch):
        arr = arrangement(history.snapshots[epoch], box=box)
        fig, (left, right) = _redraw(state, figsize=(10, 4.5), ncols=2)
        plot_arrangement(arr, left, color_by="pattern")
        X, y = data.X.numpy(), data.y.numpy()
        left.scatter(X[:, 0], X[:, 1], c=y, s=6, cmap="coolwarm", edgecolors="k", linewidths=0.2)
        plot_region_counts(counts, right)
        right.axvline(epoch, color="crimson")
        summary = (
            f"epoch {epoch}: {len(arr)} regions, train accuracy {history.train_accuracy[epoch]:.2f}"
        )
        left.set_title(summary, fontsize="small")
        return ArrangementView(arr, fig, summary)

    return _interactive(draw, epoch=slider)


def grid_misses_widget(net=None, box=(-1.0, 1.0, -1.0, 1.0), *, max_resolution: int = 100) -> widgets.Widget:
    """Exact regions against a grid of samples: which regions a ``resolution x resolution`` grid misses.

    The ``resolution`` slider runs from 2 to ``max_resolution``.

    Returns
    -------
    ipywidgets.interactive
        ``.result`` is an :class:`ArrangementView` whose arrangement is the (fixed) exact one.

    Examples
    --------
    >>> from foldlab import mlp
    >>> grid_misses_widget(mlp([2, 8, 8, 1], seed=0)).result.summary
    '10x10 grid: finds 18 of 22 regions, misses 4'
    """
    from .arrangement import arrangement
    from .nets import mlp
    from .plotting import plot_grid_misses, plot_regions

    net = mlp([2, 16, 16, 16, 1], seed=0) if net is None else net
    arr = arrangement(net, box=box)
    state: dict = {}
    slider = widgets.IntSlider(value=10, min=2, max=max_resolution, description="resolution")

    def draw(resolution):
        fig, (ax,) = _redraw(state)
        plot_regions(arr, ax, alpha=0.35)
        plot_grid_misses(arr, resolution, ax)
        missed = int(arr.missed_by_grid(resolution).sum())
        summary = f"{resolution}x{resolution} grid: finds {len(arr) - missed} of {len(arr)} regions, misses {missed}"
        ax.set_title(summary, fontsize="small")
        return ArrangementView(arr, fig, summary)

    return _interactive(draw, resolution=slider)


__all__ += ["ArrangementView", "arrangement_widget", "training_regions_widget", "grid_misses_widget"]



# === walks and folding (notebooks 03 and 04) =======================================================
