"""Widgets of activation patterns and their Hamming geometry (notebook 01)."""

from __future__ import annotations

import math

import numpy as np
import torch

from .. import plotting as flp
from .._validation import as_box, as_inputs, as_labels, as_points, check_int, check_seed, to_numpy
from ..adapter import NetSpec
from ..constellations import nearest_neighbors
from ..null_test import bernoulli_null_test
from ..pattern_stats import HammingHistograms, UnitActivity
from ..patterns import activation_patterns
from ..plotting._common import check_image_shape, check_instance, read_net_arg, set_box
from ..training import TrainHistory
from ._view import FigureView, slider

__all__ = ["neuron_widget", "pattern_pair_widget", "training_patterns_widget", "neighbors_widget"]


def _inputs(net, X) -> tuple[NetSpec, torch.Tensor]:
    """The net's snapshot and ``X`` as its inputs, at least two of them (a widget picks among them)."""
    spec = read_net_arg(net)
    X = as_inputs(X, spec.d_in, name="X")
    if X.shape[0] < 2:
        raise ValueError(f"expected X with at least 2 inputs to choose from, got shape {tuple(X.shape)}")
    return spec, X


def neuron_widget(*, box=(-2.0, 2.0, -2.0, 2.0), point=(0.5, 0.5)) -> FigureView:
    """One ReLU unit on a 2D input: turn its weight, shift its bias, move a point, watch its bit.

    Parameters
    ----------
    box : (xmin, xmax, ymin, ymax)
        The input square drawn; the point's sliders span it.
    point : (x, y)
        Where the point starts, inside the box.

    Returns
    -------
    FigureView
        ``.controls``: ``angle`` of the weight vector (degrees, 0 to 355), its ``length`` (0 to 2; at 0
        the unit is constant, dead or always on), the ``bias`` (-2 to 2), and the point's ``x`` and ``y``
        (the whole box). ``.label``: ``z`` and the bit. ``.result``: None.

    Examples
    --------
    >>> w = neuron_widget()
    >>> w.controls["bias"].value = 2.0
    >>> w.label.value
    'w = (0.71, 0.71), b = 2.00: z = w&middot;x + b = 2.71, relu(z) = 2.71, <b>bit = 1</b>'
    """
    box = as_box(box)
    start = as_points(point, "point", dim=2)
    if start.shape != (1, 2):
        raise ValueError(f"expected point=(x, y), one point, got shape {np.shape(point)}")
    x0, y0 = start[0].tolist()
    if not (box[0] <= x0 <= box[1] and box[2] <= y0 <= box[3]):
        raise ValueError(f"point={(x0, y0)} is outside box={box}: the point's sliders span the box")
    controls = {
        "angle": slider("angle (deg)", 45, 0, 355, 5),
        "length": slider("|w|", 1.0, 0.0, 2.0, 0.1),
        "bias": slider("bias b", 0.0, -2.0, 2.0, 0.1),
        "x": slider("x", x0, box[0], box[1], (box[1] - box[0]) / 40),
        "y": slider("y", y0, box[2], box[3], (box[3] - box[2]) / 40),
    }

    def draw(fig):
        c = {k: v.value for k, v in controls.items()}
        a = math.radians(c["angle"])
        w = c["length"] * np.array([math.cos(a), math.sin(a)])
        point = np.array([c["x"], c["y"]])
        flp.plot_neuron(w, fig.add_subplot(), bias=c["bias"], box=box, points=point)
        z = float(w @ point + c["bias"])
        label = (f"w = ({w[0]:.2f}, {w[1]:.2f}), b = {c['bias']:.2f}: z = w&middot;x + b = {z:.2f}, "
                 f"relu(z) = {max(z, 0.0):.2f}, <b>bit = {int(z > 0)}</b>")
        return label, None

    return FigureView(draw, controls, figsize=(4.2, 4.2))


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


def pattern_pair_widget(net, X, *, image_shape=None, layers=None, first: int = 0, second: int = 1) -> FigureView:
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
    '<b>d_H(a, b) = 3</b> of 16 bits (layer 0: 3, layer 1: 0)'
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
                flp.plot_image_grid([Xn[[i, j]]], top, image_shape=image_shape, row_labels=[""],
                                    titles=[[f"a = input {i}", f"b = input {j}"]])
            else:
                _draw_pair_in_plane(top, spec, Xn, i, j)
        else:
            bottom = fig.add_subplot()
        flp.plot_pattern_bits(P[[i, j]], bottom, widths=widths, layers=chosen, labels=["a", "b"])
        differ = P[i] != P[j]
        d = int(differ.sum())
        parts = ", ".join(f"layer {layer}: {int(x.sum())}" for layer, x in zip(chosen, differ.split(widths)))
        label = (f"<b>d_H(a, b) = {d}</b> of {P.shape[1]} bits ({parts}); the interval I(a, b) holds "
                 f"2<sup>{d}</sup> = {2 ** d:,} patterns")
        return label, P[[i, j]]

    return FigureView(draw, controls, figsize=(6.0, 5.0 if picture else 2.0))


def training_patterns_widget(history, X, *, layers=None, n_pairs: int = 2000, seed: int = 0) -> FigureView:
    """A slider over the epochs of a training run: per-layer Hamming histograms and activation probabilities.

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
    chosen = spec.layer_indices(layers)
    widths = [spec.widths[i] for i in chosen]
    cache: dict[int, tuple] = {}

    def statistics(epoch: int) -> tuple:
        if epoch not in cache:
            P = activation_patterns(history.snapshots[epoch], X, layers=chosen)
            hist = HammingHistograms.from_patterns(P, widths, n_pairs=n_pairs, seed=seed, layers=chosen)
            last = P[:, -widths[-1]:]
            cache[epoch] = (UnitActivity.from_patterns(P, widths, layers=chosen), hist,
                            bernoulli_null_test(last, pairs=hist.pairs))
        return cache[epoch]

    controls = {"epoch": slider("epoch", 0, 0, len(history.snapshots) - 1)}

    def draw(fig):
        epoch = controls["epoch"].value
        activity, hist, test = statistics(epoch)
        left, right = fig.subplots(1, 2)
        flp.plot_hamming_histograms(hist, left)
        flp.plot_activation_probability(activity, right)
        left.set_title(f"Hamming distances, epoch {epoch}")
        right.set_title(f"activation probabilities, epoch {epoch}")
        acc = history.test_accuracy[epoch] if epoch < len(history.test_accuracy) else float("nan")
        label = (f"epoch {epoch}: test accuracy {acc:.3f}; dead units per layer "
                 f"{[len(d) for d in activity.dead]}, always on {[len(a) for a in activity.always_on]}; "
                 f"Bernoulli(0.5) test on layer {chosen[-1]}: mean distance {test.mean_distance:.2f} "
                 f"vs {test.expected:.1f}, p = {test.p_value:.3g}")
        return label, hist

    return FigureView(draw, controls, figsize=(9.0, 3.6))


def neighbors_widget(net, X, *, y=None, image_shape=(8, 8), k: int = 8, layers=None) -> FigureView:
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
    layers : int or sequence of int, optional
        Hidden layers (0-based) whose patterns define the Hamming distance (default: all).

    Returns
    -------
    FigureView
        ``.controls["query"]`` (0 to n-1), ``.controls["k"]`` (1 to k); ``.label``: how many neighbours
        share the query's label, per metric; ``.result``: ``{"Hamming": indices, "Euclidean": indices}``,
        the neighbours shown, nearest first.

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
    k = check_int(k, "k", min=1, max=n - 1)
    image_shape = check_image_shape(image_shape, size=d_in)
    labels = None if y is None else as_labels(y, "y", n=n)
    P = activation_patterns(spec, X, layers=layers)
    controls = {"query": slider("image", 0, 0, n - 1), "k": slider("k", k, 1, k)}

    def draw(fig):
        q, kk = controls["query"].value, controls["k"].value
        found = {
            "Hamming": nearest_neighbors(P, P[q], k=kk, exclude=[q]).indices[0],
            "Euclidean": nearest_neighbors(X, X[q], k=kk, metric="euclidean", exclude=[q]).indices[0],
        }
        flp.plot_neighbors(X, fig.add_subplot(), query=q, neighbors=found, image_shape=image_shape, labels=labels)
        if labels is None:
            return f"image {q}: its {kk} nearest neighbours", found
        same = {name: int((labels[idx] == labels[q]).sum()) for name, idx in found.items()}
        label = f"image {q} (label {labels[q]}): " + "; ".join(
            f"{name}: {s} of {kk} neighbours share its label" for name, s in same.items()
        )
        return label, found

    return FigureView(draw, controls, figsize=(1.0 + 0.8 * (k + 1), 2.2))
