"""Widgets of activation patterns and their Hamming geometry (notebook 01)."""

from __future__ import annotations

import math

import numpy as np
import torch

from .. import plotting as flp
from .._typing import ArrayLike, Box, Layers, Net
from .._validation import as_box, as_inputs, as_labels, as_points, check_float, check_int, check_seed, to_numpy
from ..adapter import NetSpec
from ..constellations import nearest_neighbors
from ..null_test import bernoulli_null_test
from ..pattern_stats import HammingHistograms, UnitActivity
from ..patterns import activation_patterns
from ..plotting._common import check_image_shape, check_instance, read_net_arg, set_box
from ..training import TrainHistory
from ._presets import preset_widget
from ._view import FigureView, slider

__all__ = ["neuron_widget", "pattern_pair_widget", "training_patterns_widget", "neighbors_widget", "PRESETS"]

#: Named presets of these widgets (see :func:`foldlab.widgets.from_preset`); ``net``, ``X``, ``history``
#: and ``y`` are passed again, as the notebooks make them.
PRESETS = {
    "neuron_widget": {
        "a point on the line": "neuron_widget(angle=45, length=1.0, bias=-0.7, point=(0.5, 0.5))",
        "a dead unit": "neuron_widget(angle=45, length=0.0, bias=-0.5, point=(0.5, 0.5))",
        "a steep unit": "neuron_widget(angle=120, length=2.0, bias=0.3, point=(-1.0, 1.5))",
    },
    "pattern_pair_widget": {
        "neighbours": "pattern_pair_widget(net, X, first=0, second=1)",
        "far apart": "pattern_pair_widget(net, X, first=0, second=150)",
    },
    "training_patterns_widget": {
        "at initialisation": "training_patterns_widget(history, X, epoch=0)",
        "after training": "training_patterns_widget(history, X, epoch=15)",
    },
    "neighbors_widget": {
        "one neighbour": "neighbors_widget(net, X, y=y, k=1, max_k=8, query=0)",
        "eight neighbours": "neighbors_widget(net, X, y=y, k=8, query=10)",
    },
}


#: Bins of the activation probabilities in :func:`training_patterns_widget`.
_ACTIVITY_BINS = 20


def _inputs(net, X) -> tuple[NetSpec, torch.Tensor]:
    """The net's snapshot and ``X`` as its inputs, at least two of them (a widget picks among them)."""
    spec = read_net_arg(net)
    X = as_inputs(X, spec.d_in, name="X")
    if X.shape[0] < 2:
        raise ValueError(f"expected X with at least 2 inputs to choose from, got shape {tuple(X.shape)}")
    return spec, X


@preset_widget
def neuron_widget(*, angle: int = 45, length: float = 1.0, bias: float = 0.0, point: ArrayLike = (0.5, 0.5),
                  box: Box = (-2.0, 2.0, -2.0, 2.0)) -> FigureView:
    """One ReLU unit on a 2D input: turn its weight, shift its bias, move a point, watch its bit.

    Parameters
    ----------
    angle : int
        Initial direction of the weight vector, in degrees: a multiple of 5 from 0 to 355.
    length : float
        Initial length of the weight vector, 0 to 2.
    bias : float
        Initial bias, -2 to 2.
    point : (x, y)
        Where the point starts, inside the box.
    box : (xmin, xmax, ymin, ymax)
        The input square drawn; the point's sliders span it.

    Returns
    -------
    FigureView
        ``.controls``: ``angle`` of the weight vector (degrees, 0 to 355; disabled while ``|w| = 0``,
        when the direction changes nothing), its ``length`` (0 to 2; at 0 the unit is constant, dead or
        always on), the ``bias`` (-2 to 2), and the point's ``x`` and ``y`` (the whole box). ``.label``:
        ``z`` and the bit. ``.result``: None.

    Examples
    --------
    >>> w = neuron_widget()
    >>> w.controls["bias"].value = 2.0
    >>> w.label.value
    'w = (0.71, 0.71), b = 2.00: z = w&middot;x + b = 2.71, relu(z) = 2.71, <b>bit = 1</b>'
    >>> w.preset
    'neuron_widget(angle=45, length=1.0, bias=2.0, point=(0.5, 0.5))'
    """
    box = as_box(box)
    angle = check_int(angle, "angle", min=0, max=355)
    if angle % 5:
        raise ValueError(f"angle must be a multiple of 5 degrees (the slider's step), got {angle}")
    length = check_float(length, "length", min=0.0, max=2.0)
    bias = check_float(bias, "bias", min=-2.0, max=2.0)
    start = as_points(point, "point", dim=2)
    if start.shape != (1, 2):
        raise ValueError(f"expected point=(x, y), one point, got shape {np.shape(point)}")
    x0, y0 = start[0].tolist()
    if not (box[0] <= x0 <= box[1] and box[2] <= y0 <= box[3]):
        raise ValueError(f"point={(x0, y0)} is outside box={box}: the point's sliders span the box")
    controls = {
        "angle": slider("angle (deg)", angle, 0, 355, 5),
        "length": slider("|w|", length, 0.0, 2.0, 0.1),
        "bias": slider("bias b", bias, -2.0, 2.0, 0.1),
        "x": slider("x", x0, box[0], box[1], (box[1] - box[0]) / 40),
        "y": slider("y", y0, box[2], box[3], (box[3] - box[2]) / 40),
    }

    def draw(fig):
        c = {k: v.value for k, v in controls.items()}
        still = c["length"] == 0
        controls["angle"].disabled = still
        controls["angle"].tooltip = ("with |w| = 0 the unit is the constant relu(b): its direction changes nothing"
                                     if still else "the direction of the weight vector w")
        a = math.radians(c["angle"])
        w = c["length"] * np.array([math.cos(a), math.sin(a)])
        point = np.array([c["x"], c["y"]])
        flp.plot_neuron(w, fig.add_subplot(), bias=c["bias"], box=box, points=point, legend=True)
        z = float(w @ point + c["bias"])
        label = (f"w = ({w[0]:.2f}, {w[1]:.2f}), b = {c['bias']:.2f}: z = w&middot;x + b = {z:.2f}, "
                 f"relu(z) = {max(z, 0.0):.2f}, <b>bit = {int(z > 0)}</b>")
        return label, None

    def state():
        c = {k: v.value for k, v in controls.items()}
        return {"angle": c["angle"], "length": c["length"], "bias": c["bias"], "point": (c["x"], c["y"])}

    return FigureView(draw, controls, figsize=(4.2, 4.8), state=state)


def _draw_pair_in_plane(ax, net, X: np.ndarray, i: int, j: int) -> None:
    """The data set in grey, the first layer's lines, and inputs ``a = X[i]``, ``b = X[j]`` marked."""
    ax.scatter(X[:, 0], X[:, 1], s=6, color="0.75")
    lo, hi = X.min(0), X.max(0)
    pad = 0.1 * (hi - lo) + 1e-9
    bounds = (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])
    flp.plot_first_layer_lines(net, ax, box=bounds)
    ax.scatter(X[[i, j], 0], X[[i, j], 1], s=80, zorder=3, color=[flp.BIT_COLORS[1], flp.BIT_COLORS[2]])
    for name, k in (("a", i), ("b", j)):
        ax.annotate(name, X[k], xytext=(6, 6), textcoords="offset points", weight="bold")
    set_box(ax, bounds)


@preset_widget
def pattern_pair_widget(net: Net, X: ArrayLike, *, image_shape: tuple[int, int] | None = None,
                        layers: Layers = None, first: int = 0, second: int = 1) -> FigureView:
    """Pick two inputs of a data set with sliders; see their activation patterns and Hamming distance.

    For a net with 2 inputs the data set is drawn with the two points and the first layer's lines; with
    ``image_shape`` the two inputs are drawn as images. Below, the two patterns as bit images, layer by
    layer, with the differing bits marked.

    Parameters
    ----------
    net : torch.nn.Module
    X : Tensor or array, shape (n, d_in)
    image_shape : (h, w), optional
        Draw inputs as images of this shape (digits: (8, 8)); ``h * w`` is the net's input size.
    layers : int or sequence of int, optional
        Hidden layers (0-based) whose bits are compared (default: all).
    first, second : int
        Initial rows, 0 to n-1.

    Returns
    -------
    FigureView
        ``.controls["first"]``, ``.controls["second"]`` (sliders over ``0..n-1``); ``.label``: the
        distance, per layer, and the size of the interval between the two patterns; ``.result``: the two
        patterns, a bool tensor of shape (2, m).

    Examples
    --------
    >>> import foldlab as fl
    >>> data = fl.toy_dataset("moons", n=100, seed=0)
    >>> w = pattern_pair_widget(fl.mlp([2, 8, 8, 1], seed=0), data.X)
    >>> w.controls["second"].value = 50
    >>> w.label.value.split(";")[0]
    'a = input 0, b = input 50: <b>d_H(a, b) = 3</b> of 16 bits (layer 0: 3, layer 1: 0)'
    >>> w.preset
    'pattern_pair_widget(net, X, first=0, second=50)'
    """
    spec, X = _inputs(net, X)
    n, d_in = X.shape
    first = check_int(first, "first", min=0, max=n - 1)
    second = check_int(second, "second", min=0, max=n - 1)
    image_shape = None if image_shape is None else check_image_shape(image_shape, size=d_in)
    chosen = spec.layer_indices(layers)
    widths = [spec.widths[i] for i in chosen]
    P = activation_patterns(spec, X, layers=chosen)
    controls = {"first": slider("input a", first, 0, n - 1), "second": slider("input b", second, 0, n - 1)}
    picture = spec.d_in == 2 or image_shape is not None
    Xn = to_numpy(X, dtype=float)

    def draw(fig):
        i, j = controls["first"].value, controls["second"].value
        if picture:
            top, bottom = fig.subplots(2, 1, height_ratios=[1.4 if image_shape is not None else 2.2, 1])
            if image_shape is not None:
                flp.plot_image_grid([Xn[[i, j]]], top, image_shape=image_shape, row_labels=[""], titles=[["a", "b"]])
            else:
                _draw_pair_in_plane(top, spec, Xn, i, j)
        else:
            bottom = fig.add_subplot()
        flp.plot_pattern_bits(P[[i, j]], bottom, widths=widths, layers=chosen, labels=["a", "b"], legend=True)
        differ = P[i] != P[j]
        d = int(differ.sum())
        parts = ", ".join(f"layer {layer}: {int(x.sum())}" for layer, x in zip(chosen, differ.split(widths)))
        label = (f"a = input {i}, b = input {j}: <b>d_H(a, b) = {d}</b> of {P.shape[1]} bits ({parts}); "
                 f"the interval I(a, b) holds 2<sup>{d}</sup> = {2 ** d:,} patterns")
        return label, P[[i, j]]

    return FigureView(draw, controls, figsize=(6.6, 5.0 if picture else 2.0))


@preset_widget
def training_patterns_widget(history: TrainHistory, X: ArrayLike, *, layers: Layers = None, n_pairs: int = 2000,
                             seed: int = 0, epoch: int = 0) -> FigureView:
    """A slider over the epochs of a training run: per-layer Hamming histograms and activation probabilities.

    The statistics of every epoch are computed when the widget is built, so that the axes keep one
    scale through training (a change of shape is a change of the net, not of the axes).

    Parameters
    ----------
    history : TrainHistory
        From ``train(..., keep_snapshots=True)``.
    X : Tensor or array, shape (n, d_in)
        Inputs on which the statistics are measured.
    layers : int or sequence of int, optional
        Hidden layers (0-based) to show.
    n_pairs, seed : int
        Pairs for the histograms (the same pairs at every epoch).
    epoch : int
        The epoch shown first.

    Returns
    -------
    FigureView
        ``.controls["epoch"]`` (0 to the last epoch); ``.label``: accuracies, dead units, the null test's
        p-value of the last shown layer; ``.result``: the epoch's :class:`foldlab.HammingHistograms`.

    Examples
    --------
    >>> import foldlab as fl
    >>> data = fl.toy_dataset("moons", n=100, seed=0)
    >>> history = fl.train(fl.mlp([2, 8, 8, 1], seed=0), data, epochs=2, keep_snapshots=True, progress=False)
    >>> w = training_patterns_widget(history, data.X, n_pairs=200)
    >>> w.controls["epoch"].value = 2
    >>> w.label.value.split(";")[0], w.result.n_pairs
    ('epoch 2: test accuracy 0.440', 200)
    """
    check_instance(history, "history", TrainHistory, "from foldlab.train(net, data, keep_snapshots=True)")
    if not history.snapshots:
        raise ValueError("history has no snapshots: train with keep_snapshots=True")
    spec, X = _inputs(history.snapshots[0], X)
    n_pairs = check_int(n_pairs, "n_pairs", min=1)
    seed = check_seed(seed)
    epoch = check_int(epoch, "epoch", min=0, max=len(history.snapshots) - 1)
    chosen = spec.layer_indices(layers)
    widths = [spec.widths[i] for i in chosen]
    bins = np.linspace(0, 1, _ACTIVITY_BINS + 1)
    epochs = []
    for net in history.snapshots:
        P = activation_patterns(net, X, layers=chosen)
        hist = HammingHistograms.from_patterns(P, widths, n_pairs=n_pairs, seed=seed, layers=chosen)
        epochs.append((UnitActivity.from_patterns(P, widths, layers=chosen), hist,
                       bernoulli_null_test(P[:, -widths[-1]:], pairs=hist.pairs)))
    # one scale for every epoch: the highest bar of any epoch (and of the Bernoulli laws)
    from scipy import stats  # on first use: scipy.stats takes a second to import

    laws = max(float(stats.binom.pmf(np.arange(w + 1), w, 0.5).max()) for w in widths)
    hist_top = max([laws] + [float(c.max()) / h.n_pairs for _, h, _ in epochs for c in h.counts])
    activity_top = max(float(np.histogram(p, bins=bins)[0].max()) / len(p)
                       for a, _, _ in epochs for p in a.probability)
    controls = {"epoch": slider("epoch", epoch, 0, len(history.snapshots) - 1)}

    def draw(fig):
        epoch = controls["epoch"].value
        activity, hist, test = epochs[epoch]
        left, right = fig.subplots(1, 2)
        flp.plot_hamming_histograms(hist, left)
        flp.plot_activation_probability(activity, right, bins=_ACTIVITY_BINS)
        left.set_ylim(0, 1.25 * hist_top)  # room for the legend
        right.set_ylim(0, 1.25 * activity_top)
        left.set_title("Hamming distances between patterns")
        right.set_title("activation probabilities of the units")
        acc = history.test_accuracy[epoch] if epoch < len(history.test_accuracy) else float("nan")
        label = (f"epoch {epoch}: test accuracy {acc:.3f}; dead units per layer "
                 f"{[len(d) for d in activity.dead]}, always on {[len(a) for a in activity.always_on]}; "
                 f"Bernoulli(0.5) test on layer {chosen[-1]}: mean distance {test.mean_distance:.2f} "
                 f"vs {test.expected:.1f}, p = {test.p_value:.3g}")
        return label, hist

    return FigureView(draw, controls, figsize=(9.0, 3.6))


@preset_widget
def neighbors_widget(net: Net, X: ArrayLike, *, y: ArrayLike | None = None, image_shape: tuple[int, int] = (8, 8),
                     k: int = 8, max_k: int | None = None, layers: Layers = None,
                     query: int = 0) -> FigureView:
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
        Neighbours shown first, 1 to ``max_k``.
    max_k : int, optional
        The ``k`` slider's upper end (default: ``k``), at most n - 1.
    layers : int or sequence of int, optional
        Hidden layers (0-based) whose patterns define the Hamming distance (default: all).
    query : int
        The image shown first, 0 to n - 1.

    Returns
    -------
    FigureView
        ``.controls["query"]`` (0 to n-1), ``.controls["k"]`` (1 to ``max_k``); ``.label``: how many
        neighbours share the query's label, per metric; ``.result``: ``{"Hamming": indices,
        "Euclidean": indices}``, the neighbours shown, nearest first.

    Examples
    --------
    >>> import foldlab as fl
    >>> data = fl.load_digits(seed=0)
    >>> w = neighbors_widget(fl.mlp([64, 32, 10], seed=0), data.X_test[:100], y=data.y_test[:100], k=4)
    >>> w.controls["query"].value = 99
    >>> {name: len(found) for name, found in w.result.items()}
    {'Hamming': 4, 'Euclidean': 4}
    """
    spec, X = _inputs(net, X)
    n, d_in = X.shape
    max_k = check_int(k if max_k is None else max_k, "max_k", min=1, max=n - 1)
    k = check_int(k, "k", min=1, max=max_k)
    query = check_int(query, "query", min=0, max=n - 1)
    image_shape = check_image_shape(image_shape, size=d_in)
    labels = None if y is None else as_labels(y, "y", n=n)
    P = activation_patterns(spec, X, layers=layers)
    controls = {"query": slider("image", query, 0, n - 1), "k": slider("k", k, 1, max_k)}

    def draw(fig):
        q, kk = controls["query"].value, controls["k"].value
        found = {
            "Hamming": nearest_neighbors(P, P[q], k=kk, exclude=[q]).indices[0],
            "Euclidean": nearest_neighbors(X, X[q], k=kk, metric="euclidean", exclude=[q]).indices[0],
        }
        ax = fig.add_subplot()
        flp.plot_neighbors(X, ax, query=q, neighbors=found, image_shape=image_shape, labels=labels)
        h, w = image_shape
        ax.set_xlim(-0.5, (max_k + 1) * (w + 1) - 1.5)  # room for max_k neighbours: the frame stays put
        if labels is None:
            return f"image {q}: its {kk} nearest neighbours", found
        same = {name: int((labels[idx] == labels[q]).sum()) for name, idx in found.items()}
        label = f"image {q} (label {labels[q]}): " + "; ".join(
            f"{name}: {s} of {kk} neighbours share its label" for name, s in same.items()
        )
        return label, found

    return FigureView(draw, controls, figsize=(1.0 + 0.8 * (max_k + 1), 2.4))
