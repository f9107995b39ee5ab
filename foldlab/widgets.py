"""Widgets: each ``*_widget(...)`` builds and returns an ``ipywidgets.Widget`` without displaying it.

Tests set a control's ``value`` and assert on what changed, with no browser; the notebooks display them.
Every control's range works at both of its ends.
"""

from __future__ import annotations

import ipywidgets as widgets

__all__: list[str] = []


# === patterns and Hamming geometry (notebook 01) ===================================================

import io as _io  # noqa: E402
import math as _math  # noqa: E402

import numpy as _np  # noqa: E402
import torch as _torch  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg as _FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure as _Figure  # noqa: E402

from . import plotting as _plotting  # noqa: E402
from .adapter import read_net as _read_net  # noqa: E402
from .constellations import nearest_neighbors as _nearest_neighbors  # noqa: E402
from .pattern_stats import HammingHistograms as _HammingHistograms  # noqa: E402
from .pattern_stats import UnitActivity as _UnitActivity  # noqa: E402
from .null_test import bernoulli_null_test as _bernoulli_null_test  # noqa: E402
from .patterns import activation_patterns as _activation_patterns  # noqa: E402

__all__ += ["neuron_widget", "pattern_pair_widget", "training_patterns_widget", "neighbors_widget"]


def _figure_view(draw, controls: dict, *, figsize, label: bool = True) -> widgets.VBox:
    """A VBox of controls, an HTML label and a PNG of a matplotlib figure redrawn on every change.

    ``draw(fig) -> str`` draws on the cleared figure and returns the label's HTML. The figure is a plain
    ``matplotlib.figure.Figure`` rendered to PNG (no pyplot, no display), so the widget works the same in
    JupyterLab, Voila and a test without a kernel. The box exposes ``.controls``, ``.label``, ``.image``
    and ``.figure`` for tests.
    """
    fig = _Figure(figsize=figsize, layout="constrained")
    _FigureCanvasAgg(fig)
    image = widgets.Image(format="png", layout=widgets.Layout(width=f"{int(figsize[0] * 100)}px"))
    html = widgets.HTML()

    def update(change=None) -> None:
        fig.clear()
        html.value = draw(fig)
        buffer = _io.BytesIO()
        fig.savefig(buffer, format="png", dpi=100)
        image.value = buffer.getvalue()

    for control in controls.values():
        control.observe(update, names="value")
    update()
    box = widgets.VBox([widgets.HBox(list(controls.values())), *([html] if label else []), image])
    box.controls, box.label, box.image, box.figure = controls, html, image, fig
    return box


def _slider(description: str, value, lo, hi, step=None, **kwargs):
    integer = isinstance(lo, int) and isinstance(hi, int) and step in (None, 1)
    cls = widgets.IntSlider if integer else widgets.FloatSlider
    extra = {} if step is None else {"step": step}
    return cls(value=value, min=lo, max=hi, description=description, continuous_update=False, **extra, **kwargs)


def _as_tensor(X, name: str = "X") -> _torch.Tensor:
    t = X if isinstance(X, _torch.Tensor) else _torch.as_tensor(_np.asarray(X, dtype=_np.float64))
    if t.ndim != 2 or t.shape[0] < 2:
        raise ValueError(f"expected {name} of shape (n, d) with n >= 2, got {tuple(t.shape)}")
    return t


def neuron_widget(*, box=(-2.0, 2.0, -2.0, 2.0)) -> widgets.VBox:
    """One ReLU unit on a 2D input: turn its weight, shift its bias, move a point, watch its bit.

    Controls: ``angle`` of the weight vector (degrees, 0 to 355), its ``length`` (0 to 2; at 0 the unit is
    constant, dead or always on), the ``bias``, and the point's ``x`` and ``y`` (the whole box).

    Returns
    -------
    ipywidgets.VBox
        With ``.controls`` (dict of sliders), ``.label`` (HTML: ``z`` and the bit) and ``.image``.

    Examples
    --------
    >>> w = neuron_widget()
    >>> w.controls["bias"].value = 1.0
    >>> "bit" in w.label.value
    True
    """
    box = _plotting._common.check_box(box)
    controls = {
        "angle": _slider("angle (deg)", 45, 0, 355, 5),
        "length": _slider("|w|", 1.0, 0.0, 2.0, 0.1),
        "bias": _slider("bias b", 0.0, -2.0, 2.0, 0.1),
        "x": _slider("x", 0.5, box[0], box[1], (box[1] - box[0]) / 40),
        "y": _slider("y", 0.5, box[2], box[3], (box[3] - box[2]) / 40),
    }

    def draw(fig) -> str:
        c = {k: v.value for k, v in controls.items()}
        a = _math.radians(c["angle"])
        w = c["length"] * _np.array([_math.cos(a), _math.sin(a)])
        point = _np.array([c["x"], c["y"]])
        _plotting.plot_neuron(w, c["bias"], box=box, points=point[None], ax=fig.add_subplot())
        z = float(w @ point + c["bias"])
        return (f"w = ({w[0]:.2f}, {w[1]:.2f}), b = {c['bias']:.2f}: z = w&middot;x + b = {z:.2f}, "
                f"relu(z) = {max(z, 0.0):.2f}, <b>bit = {int(z > 0)}</b>")

    return _figure_view(draw, controls, figsize=(4.2, 4.2))


def pattern_pair_widget(net, X, *, image_shape=None, layers=None, first: int = 0, second: int = 1) -> widgets.VBox:
    """Pick two inputs of a data set with sliders; see their activation patterns and Hamming distance.

    For a net with 2 inputs the data set is drawn with the two points and the first layer's lines; with
    ``image_shape`` the two inputs are drawn as images. Below, the two patterns as bit images, layer by
    layer, with the differing bits marked.

    Parameters
    ----------
    net : torch.nn.Module
    X : Tensor or array, shape (n, d_in)
    image_shape : (h, w), optional
        Draw inputs as images of this shape (digits: (8, 8)).
    layers : int or sequence of int, optional
        Hidden layers whose bits are compared (default: all).
    first, second : int
        Initial rows.

    Returns
    -------
    ipywidgets.VBox
        ``.controls["first"]``, ``.controls["second"]`` (sliders over ``0..n-1``), ``.label`` (the distance,
        per layer, and the size of the interval between the two patterns), ``.image``.

    Examples
    --------
    >>> import foldlab as fl
    >>> data = fl.toy_dataset("moons", n=100, seed=0)
    >>> w = pattern_pair_widget(fl.mlp([2, 8, 8, 1], seed=0), data.X)
    >>> w.controls["second"].value = 5
    >>> "d_H" in w.label.value
    True
    """
    X = _as_tensor(X)
    spec = _read_net(net)
    chosen = spec.layer_indices(layers)
    widths = [spec.widths[i] for i in chosen]
    P = _activation_patterns(net, X, layers=chosen)
    n = X.shape[0]
    if not (0 <= first < n and 0 <= second < n):
        raise ValueError(f"first and second must be rows 0 to {n - 1}, got {first} and {second}")
    controls = {"first": _slider("input a", first, 0, n - 1), "second": _slider("input b", second, 0, n - 1)}
    picture = spec.d_in == 2 or image_shape is not None
    Xn = X.detach().cpu().numpy()

    def draw(fig) -> str:
        i, j = controls["first"].value, controls["second"].value
        if picture:
            top, bottom = fig.subplots(2, 1, height_ratios=[1.4 if image_shape is not None else 2.2, 1])
            if image_shape is not None:
                _plotting.plot_image_grid([Xn[[i, j]]], image_shape=image_shape, row_labels=[""],
                                          titles=[[f"a = input {i}", f"b = input {j}"]], ax=top)
            else:
                top.scatter(Xn[:, 0], Xn[:, 1], s=6, color="0.75")
                lo, hi = Xn.min(0), Xn.max(0)
                pad = 0.1 * (hi - lo) + 1e-9
                bounds = (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])
                _plotting.plot_first_layer_lines(net, box=bounds, ax=top)
                top.scatter(Xn[[i, j], 0], Xn[[i, j], 1], s=80, zorder=3,
                            color=[_plotting.BIT_COLORS[1], _plotting.BIT_COLORS[2]])
                for name, k in (("a", i), ("b", j)):
                    top.annotate(name, Xn[k], xytext=(6, 6), textcoords="offset points", weight="bold")
                top.set_xlim(*bounds[:2])
                top.set_ylim(*bounds[2:])
                top.set_aspect("equal")
        else:
            bottom = fig.add_subplot()
        _plotting.plot_pattern_bits(P[[i, j]], widths, labels=["a", "b"], ax=bottom)
        per_layer = (P[i] != P[j]).split(widths)
        d = int((P[i] != P[j]).sum())
        parts = ", ".join(f"layer {layer}: {int(x.sum())}" for layer, x in zip(chosen, per_layer))
        return (f"<b>d_H(a, b) = {d}</b> of {P.shape[1]} bits ({parts}); the interval I(a, b) holds "
                f"2<sup>{d}</sup> = {2 ** d:,} patterns")

    return _figure_view(draw, controls, figsize=(6.0, 5.0 if picture else 2.0))


def training_patterns_widget(history, X, *, layers=None, n_pairs: int = 2000, seed: int = 0) -> widgets.VBox:
    """A slider over the epochs of a training run: per-layer Hamming histograms and activation probabilities.

    Parameters
    ----------
    history : TrainHistory
        From ``train(..., keep_snapshots=True)``.
    X : Tensor or array, shape (n, d_in)
        Inputs on which the statistics are measured.
    layers : optional
        Hidden layers to show.
    n_pairs, seed : int
        Pairs for the histograms (the same pairs at every epoch).

    Returns
    -------
    ipywidgets.VBox
        ``.controls["epoch"]`` (0 to the last epoch), ``.label`` (accuracies, dead units, the null test's
        p-value of the last shown layer), ``.image``.

    Examples
    --------
    >>> import foldlab as fl
    >>> data = fl.toy_dataset("moons", n=100, seed=0)
    >>> history = fl.train(fl.mlp([2, 8, 8, 1], seed=0), data, epochs=2, keep_snapshots=True, progress=False)
    >>> w = training_patterns_widget(history, data.X, n_pairs=200)
    >>> w.controls["epoch"].value = 2
    >>> "epoch 2" in w.label.value
    True
    """
    if not getattr(history, "snapshots", None):
        raise ValueError("history has no snapshots: train with keep_snapshots=True")
    X = _as_tensor(X)
    spec = _read_net(history.snapshots[0])
    chosen = spec.layer_indices(layers)
    widths = [spec.widths[i] for i in chosen]
    cache: dict[int, tuple] = {}

    def statistics(epoch: int) -> tuple:
        if epoch not in cache:
            P = _activation_patterns(history.snapshots[epoch], X, layers=chosen)
            hist = _HammingHistograms.from_patterns(P, widths, n_pairs=n_pairs, seed=seed, layers=chosen)
            last = P[:, -widths[-1]:]
            cache[epoch] = (_UnitActivity.from_patterns(P, widths, layers=chosen), hist,
                            _bernoulli_null_test(last, pairs=hist.pairs))
        return cache[epoch]

    controls = {"epoch": _slider("epoch", 0, 0, len(history.snapshots) - 1)}

    def draw(fig) -> str:
        epoch = controls["epoch"].value
        activity, hist, test = statistics(epoch)
        left, right = fig.subplots(1, 2)
        _plotting.plot_hamming_histograms(hist, ax=left)
        _plotting.plot_activation_probability(activity, ax=right)
        left.set_title(f"Hamming distances, epoch {epoch}")
        right.set_title(f"activation probabilities, epoch {epoch}")
        acc = history.test_accuracy[epoch] if epoch < len(history.test_accuracy) else float("nan")
        return (f"epoch {epoch}: test accuracy {acc:.3f}; dead units per layer "
                f"{[len(d) for d in activity.dead]}, always on {[len(a) for a in activity.always_on]}; "
                f"Bernoulli(0.5) test on layer {chosen[-1]}: mean distance {test.mean_distance:.2f} "
                f"vs {test.expected:.1f}, p = {test.p_value:.3g}")

    return _figure_view(draw, controls, figsize=(9.0, 3.6))


def neighbors_widget(net, X, *, y=None, image_shape=(8, 8), k: int = 8, layers=None) -> widgets.VBox:
    """Nearest neighbours of an image in Hamming distance of activation patterns and in pixel distance.

    Parameters
    ----------
    net : torch.nn.Module
    X : Tensor or array, shape (n, h * w)
        Images (flattened), the net's inputs.
    y : array, shape (n,), optional
        Labels: captions, and the label's agreement counts.
    image_shape : (h, w)
    k : int
        Largest number of neighbours (the ``k`` slider goes from 1 to it).
    layers : optional
        Hidden layers whose patterns define the Hamming distance.

    Returns
    -------
    ipywidgets.VBox
        ``.controls["query"]`` (0 to n-1), ``.controls["k"]`` (1 to k), ``.label``, ``.image``.

    Examples
    --------
    >>> import foldlab as fl
    >>> data = fl.load_digits(seed=0)
    >>> w = neighbors_widget(fl.mlp([64, 32, 10], seed=0), data.X_test[:100], y=data.y_test[:100], k=4)
    >>> w.controls["query"].value = 99
    >>> "Hamming" in w.label.value
    True
    """
    X = _as_tensor(X)
    n = X.shape[0]
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= n - 1:
        raise ValueError(f"k must be an int from 1 to {n - 1}, got {k!r}")
    P = _activation_patterns(net, X, layers=layers)
    labels = None if y is None else _np.asarray(y.cpu() if hasattr(y, "cpu") else y)
    controls = {"query": _slider("image", 0, 0, n - 1), "k": _slider("k", k, 1, k)}

    def draw(fig) -> str:
        q, kk = controls["query"].value, controls["k"].value
        found = {
            "Hamming": _nearest_neighbors(P, P[q], k=kk, exclude=[q]).indices[0],
            "Euclidean": _nearest_neighbors(X, X[q], k=kk, metric="euclidean", exclude=[q]).indices[0],
        }
        _plotting.plot_neighbors(X, q, found, image_shape=image_shape, labels=labels, ax=fig.add_subplot())
        if labels is None:
            return f"image {q}: its {kk} nearest neighbours"
        same = {name: int((labels[idx] == labels[q]).sum()) for name, idx in found.items()}
        return f"image {q} (label {labels[q]}): " + "; ".join(
            f"{name}: {s} of {kk} neighbours share its label" for name, s in same.items()
        )

    return _figure_view(draw, controls, figsize=(1.0 + 0.8 * (k + 1), 2.2))


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
# (this section's imports are here, so that the sections merge independently)
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

__all__ += ["cantor_walk_widget", "sampling_widget"]

#: Bit choices of :func:`cantor_walk_widget`: label -> (layers, include_output)
CANTOR_BITS = {
    "first layer": ([0], False),
    "all hidden layers": (None, False),
    "hidden + output": (None, True),
}


def cantor_walk_widget(depth: int = 1, height: float = 0.25, representation: str = "recursive",
                       bits: str = "all hidden layers") -> widgets.interactive:
    """Walk CantorNet along a horizontal segment ``(0, h) -> (1, h)``: the walk over the decision region,
    the running chi, and chi for the chosen bits.

    Controls: ``depth`` (1 to 6), ``height`` (0 to 1), ``representation`` (recursive, dnf) and ``bits``
    (first layer, all hidden layers, hidden + output). The returned widget's ``.result`` is the current
    :class:`foldlab.Walk`.

    Examples
    --------
    >>> import contextlib, io
    >>> with contextlib.redirect_stdout(io.StringIO()):  # outside a notebook the output area prints escapes
    ...     w = cantor_walk_widget(depth=1, height=0.25)
    ...     all_layers = w.result.chi
    ...     w.children[3].value = "first layer"
    >>> all_layers, w.result.chi
    (0.5, 0.0)
    """
    from . import plotting
    from .nets import CantorNet
    from .walk import walk

    def show(depth, height, representation, bits):
        layers, include_output = CANTOR_BITS[bits]
        net = CantorNet(depth, representation=representation)
        result = walk(net, [0.0, height], [1.0, height], layers=layers, include_output=include_output)
        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
        plotting.plot_cantor_region(depth, ax=left)
        plotting.plot_walk(result, ax=left)
        left.set_title(f"CantorNet k={depth} ({representation}): {len(result)} regions")
        plotting.plot_running_chi(result, ax=right)
        right.set_title(f"chi = {result.chi:.4f} ({bits})")
        fig.tight_layout()
        plt.show()  # inside the widget's output: displayed in a notebook, nothing printed elsewhere
        plt.close(fig)
        return result

    return widgets.interactive(
        show,
        depth=widgets.IntSlider(value=depth, min=1, max=6, description="depth k"),
        height=widgets.FloatSlider(value=height, min=0.0, max=1.0, step=0.01, description="height y"),
        representation=widgets.Dropdown(options=["recursive", "dnf"], value=representation,
                                        description="weights"),
        bits=widgets.ToggleButtons(options=list(CANTOR_BITS), value=bits, description="bits"),
    )


def sampling_widget(net, x1, x2, n: int = 20, max_n: int = 1000, layers=None,
                    include_output: bool = False) -> widgets.interactive:
    """Equidistant sampling against the exact walk on one segment: which regions do ``n`` samples see?

    Controls: ``n`` (2 to ``max_n``). The plot shows the exact regions along ``t`` (top row) and the
    regions the samples found (bottom row, samples as dots); the title counts the regions missed and
    compares chi. The returned widget's ``.result`` is the sampled :class:`foldlab.Walk`.

    Examples
    --------
    >>> import contextlib, io, foldlab as fl
    >>> with contextlib.redirect_stdout(io.StringIO()):  # outside a notebook the output area prints escapes
    ...     w = sampling_widget(fl.CantorNet(depth=3), [0.0, 0.3], [1.0, 0.3], n=2)
    >>> len(w.result), len(fl.walk(fl.CantorNet(depth=3), [0.0, 0.3], [1.0, 0.3]))
    (2, 15)
    """
    from . import plotting
    from .walk import sample_walk, walk

    exact = walk(net, x1, x2, layers=layers, include_output=include_output)

    def show(n):
        sampled = sample_walk(net, x1, x2, n, layers=layers, include_output=include_output)
        fig, ax = plt.subplots(figsize=(10, 2.2))
        plotting.plot_walk(exact, ax=ax, space="t", y=1.0)
        plotting.plot_walk(sampled, ax=ax, space="t", y=0.0, breakpoints=False)
        ax.scatter(np.linspace(0, 1, n), np.zeros(n), s=8, c="black", zorder=5)
        ax.set_yticks([0, 1], [f"sampled (n={n})", "exact"])
        ax.set_ylim(-0.5, 1.5)
        ax.set_title(
            f"exact: {len(exact)} regions, chi = {exact.chi:.3f};   sampled: {len(sampled)} regions "
            f"({len(exact) - len(sampled)} missed), chi = {sampled.chi:.3f}"
        )
        fig.tight_layout()
        plt.show()  # inside the widget's output: displayed in a notebook, nothing printed elsewhere
        plt.close(fig)
        return sampled

    return widgets.interactive(show, n=widgets.IntSlider(value=n, min=2, max=max_n, description="samples n"))
