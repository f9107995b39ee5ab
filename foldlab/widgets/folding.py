"""Widgets of folding over a data set (notebook 05): the paths between two classes beside the class pair matrix,
and the folding of a digits net of a chosen depth, each under a chosen reduction of ``Phi_N``."""

from __future__ import annotations

import dataclasses

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Rectangle

from .._typing import ArrayLike, Net
from .._validation import as_labels, as_points, check_choice, check_int, check_seed
from ..data import Dataset, load_digits
from ..folding import CLASS_PAIR_VALUES, REDUCTIONS, GlobalFolding, class_paths, global_folding, reduce_chis
from ..nets import mlp
from ..plotting._common import check_instance, read_net_arg
from ..plotting.folding import plot_chi_distribution, plot_class_pairs
from ..training import train
from ._view import FigureView, slider

__all__ = ["class_pair_widget", "depth_widget"]

_WIDE = {"description_width": "initial"}


def _reduced(g: GlobalFolding, reduce: str) -> GlobalFolding:
    """The same segments read under another reduction (no walk again)."""
    return dataclasses.replace(g, phi=reduce_chis(g.chis, g.pairs, g.labels, reduce), reduce=reduce)


def class_pair_widget(net: Net, X: ArrayLike, y: ArrayLike, *, first: int = 1, second: int = 4,
                      n_paths: int = 200, n_pairs: int = 2000, reduce: str = "median_nonzero", value: str = "max",
                      seed: int = 0) -> FigureView:
    """Pick two classes: the chi of the paths between them beside the class pair matrix of all segments.

    Left: the chi of ``n_paths`` seeded paths from points of class ``first`` to points of class ``second``
    (:func:`foldlab.folding.class_paths`, exact walks), with ``Phi_N`` under the chosen reduction, the mean and
    the fraction folding (:func:`foldlab.plotting.plot_chi_distribution`). Right: the class x class matrix of
    ``n_pairs`` segments between all classes (:func:`foldlab.global_folding`, computed once), with the chosen
    pair outlined. The paths of a class pair are walked once and kept (the view says so while it walks them); the
    reduction reads them again.

    Parameters
    ----------
    net : torch.nn.Module or NetSpec
    X : Tensor or array, shape (n, d_in)
    y : array of int, shape (n,)
        At least two classes.
    first, second : int
        The classes the dropdowns start at (different classes of ``y``).
    n_paths : int
        Paths between the two classes (all if there are fewer).
    n_pairs : int
        Segments of the matrix.
    reduce : str
        One of :data:`foldlab.folding.REDUCTIONS`.
    value : str
        The matrix shown, one of :data:`foldlab.folding.CLASS_PAIR_VALUES`.
    seed : int
        Seeds the paths and the segments.

    Returns
    -------
    FigureView
        ``.controls``: ``first`` and ``second`` (the classes), ``reduce``, ``value``. ``.label``: the pair's
        ``Phi_N``, mean and fraction folding, and ``Phi_N`` of all segments under the same reduction.
        ``.result``: the pair's :class:`foldlab.GlobalFolding` (under the chosen reduction), or None when both
        dropdowns name the same class.

    References
    ----------
    Lewandowski et al., "On Space Folds of ReLU Neural Networks" (TMLR 2025), the global measure over pairs
    of classes; foldlab's maths page (docs/maths.md), section 'The global folding measure'.

    Examples
    --------
    >>> import foldlab as fl
    >>> d = fl.load_digits(seed=0)
    >>> w = class_pair_widget(fl.mlp([64, 16, 16, 10], seed=0), d.X_test, d.y_test, n_paths=20, n_pairs=200)
    >>> list(w.controls), len(w.result.chis)
    (['first', 'second', 'reduce', 'value'], 20)
    """
    spec = read_net_arg(net)
    points = as_points(X, "X", dim=spec.d_in)
    labels = as_labels(y, "y", n=len(points))
    classes = np.unique(labels).tolist()
    if len(classes) < 2:
        raise ValueError(f"y has a single class ({classes[0]}): the widget needs paths between two classes")
    for name, c in (("first", first), ("second", second)):
        check_int(c, name)
        if c not in classes:
            raise ValueError(f"{name}={c} is not a class of y (classes: {classes})")
    if first == second:
        raise ValueError(f"first and second must be different classes, got {first} twice")
    n_paths = check_int(n_paths, "n_paths", min=1)
    n_pairs = check_int(n_pairs, "n_pairs", min=1)
    reduce = check_choice(reduce, "reduce", REDUCTIONS)
    value = check_choice(value, "value", CLASS_PAIR_VALUES)
    seed = check_seed(seed)
    every = global_folding(spec, points, labels, n_pairs=n_pairs, seed=seed, progress=False)
    matrix = every.class_pairs()
    controls = {
        "first": widgets.Dropdown(options=classes, value=first, description="from class", style=_WIDE),
        "second": widgets.Dropdown(options=classes, value=second, description="to class", style=_WIDE),
        "reduce": widgets.Dropdown(options=list(REDUCTIONS), value=reduce, description="reduce", style=_WIDE),
        "value": widgets.Dropdown(options=list(CLASS_PAIR_VALUES), value=value, description="matrix",
                                  style=_WIDE),
    }
    walked: dict[tuple[int, int], GlobalFolding] = {}

    def draw(fig, progress):
        a, b, how, shown = (controls[k].value for k in ("first", "second", "reduce", "value"))
        left, right = fig.subplots(1, 2, width_ratios=[1.3, 1])
        plot_class_pairs(matrix, right, value=shown)
        overall = reduce_chis(every.chis, every.pairs, every.labels, how)
        whole = f"all classes ({len(every.chis)} segments): Phi_N ({how}) = {overall:.4f}"
        if a == b:
            left.text(0.5, 0.5, f"pick two different classes\n(both are {a})", ha="center", va="center",
                      transform=left.transAxes)
            left.set_axis_off()
            return f"pick two different classes (both are {a}); {whole}", None
        if (a, b) not in walked:
            progress(f"walking {n_paths} paths from class {a} to class {b} (exact walks, once per pair) ...")
            i, j = class_paths(points, labels, a, b, n_paths, seed=seed)
            walked[(a, b)] = global_folding(spec, points, labels, pairs=np.stack([i, j], axis=1), progress=False)
        g = _reduced(walked[(a, b)], how)
        plot_chi_distribution(g, left)
        left.set_title(f"{len(g.chis)} paths from class {a} to class {b}", fontsize=10)
        k = classes.index(a), classes.index(b)
        right.add_patch(Rectangle((k[1] - 0.5, k[0] - 0.5), 1, 1, fill=False, edgecolor="tab:red", lw=2.5))
        label = (f"class {a} -> class {b}: {len(g.chis)} paths, <b>Phi_N ({how}) = {g.phi:.4f}</b>, mean chi "
                 f"{g.mean:.4f}, fraction folding {g.fraction_folding:.3f}; {whole}")
        return label, g

    return FigureView(draw, controls, figsize=(11.0, 4.4))


def depth_widget(data: Dataset | None = None, *, depth: int = 3, max_depth: int = 6, width: int = 32,
                 epochs: int = 20, seed: int = 0, max_seed: int = 4, reduce: str = "median_nonzero",
                 n_pairs: int = 500) -> FigureView:
    """Train a net of the chosen depth and see how it folds: the class pair matrix and the chi of its segments.

    The net is ``fl.mlp([d_in] + [width] * depth + [classes], seed=seed)`` trained with :func:`foldlab.train`
    for ``epochs`` epochs (shuffling seeded by ``seed``); its folding is :func:`foldlab.global_folding` on
    ``n_pairs`` seeded segments of the test split. Left: the fraction of folding segments per class pair.
    Right: the chi of the segments with ``Phi_N`` under the chosen reduction. Each depth and seed is trained
    once and kept (the view says so while it trains: a few seconds). With one hidden layer no straight segment
    folds: chi is 0 everywhere.

    Parameters
    ----------
    data : Dataset, optional
        Default: scikit-learn's digits (``fl.load_digits(seed=0)``).
    depth : int
        Hidden layers the slider starts at, 1 to ``max_depth``.
    max_depth : int
    width : int
        Units per hidden layer.
    epochs : int
    seed : int
        Seed the slider starts at, 0 to ``max_seed``.
    max_seed : int
    reduce : str
        One of :data:`foldlab.folding.REDUCTIONS`.
    n_pairs : int

    Returns
    -------
    FigureView
        ``.controls``: ``depth``, ``seed``, ``reduce``. ``.label``: the net, its test accuracy and ``Phi_N``,
        mean and fraction folding. ``.result``: ``(test_accuracy, GlobalFolding)`` of the net shown.

    References
    ----------
    Lewandowski et al., "On Space Folds of ReLU Neural Networks" (TMLR 2025): folding grows with depth;
    foldlab's maths page (docs/maths.md), section 'The global folding measure'.

    Examples
    --------
    >>> w = depth_widget(depth=2, max_depth=3, width=8, epochs=1, n_pairs=50)
    >>> list(w.controls), w.result[1].chis.shape
    (['depth', 'seed', 'reduce'], (50,))
    """
    if data is not None:
        check_instance(data, "data", Dataset, "from foldlab.load_digits or foldlab.toy_dataset")
    max_depth = check_int(max_depth, "max_depth", min=1)
    depth = check_int(depth, "depth", min=1, max=max_depth)
    width = check_int(width, "width", min=1)
    epochs = check_int(epochs, "epochs", min=1)
    max_seed = check_seed(max_seed, "max_seed")
    seed = check_int(seed, "seed", min=0, max=max_seed)
    reduce = check_choice(reduce, "reduce", REDUCTIONS)
    n_pairs = check_int(n_pairs, "n_pairs", min=1)
    data = load_digits(seed=0) if data is None else data
    if data.n_classes < 2:
        raise ValueError("data has a single class: the global measure needs segments between classes")
    controls = {
        "depth": slider("hidden layers", depth, 1, max_depth, style=_WIDE),
        "seed": slider("seed", seed, 0, max_seed, style=_WIDE),
        "reduce": widgets.Dropdown(options=list(REDUCTIONS), value=reduce, description="reduce", style=_WIDE),
    }
    trained: dict[tuple[int, int], tuple[float, GlobalFolding, str]] = {}

    def run(layers: int, s: int) -> tuple[float, GlobalFolding, str]:
        widths = [data.dim] + [width] * layers + [data.n_classes]
        net = mlp(widths, seed=s)
        history = train(net, data, epochs=epochs, seed=s, progress=False)
        net.requires_grad_(False).eval()
        g = global_folding(net, data.X_test, data.y_test, n_pairs=n_pairs, seed=s, progress=False)
        return history.test_accuracy[-1], g, f"{widths[0]}-[{width}]x{layers}-{widths[-1]}"

    def draw(fig, progress):
        layers, s, how = (controls[k].value for k in ("depth", "seed", "reduce"))
        if (layers, s) not in trained:
            progress(f"training {data.dim}-[{width}]x{layers}-{data.n_classes} (seed {s}, {epochs} epochs) and "
                     f"walking {n_pairs} test segments, once per depth and seed ...")
            trained[(layers, s)] = run(layers, s)
        accuracy, g, name = trained[(layers, s)]
        g = _reduced(g, how)
        left, right = fig.subplots(1, 2, width_ratios=[1, 1.3])
        plot_class_pairs(g.class_pairs(), left, value="fraction_folding")
        plot_chi_distribution(g, right)
        right.set_title(f"{name}, seed {s}: {len(g.chis)} test segments", fontsize=10)
        note = " (one hidden layer: no straight segment folds)" if layers == 1 else ""
        label = (f"{name}, seed {s}, {epochs} epochs: test accuracy {accuracy:.3f}; <b>Phi_N ({how}) = "
                 f"{g.phi:.4f}</b>, mean chi {g.mean:.4f}, fraction folding {g.fraction_folding:.3f}{note}")
        return label, (accuracy, g)

    return FigureView(draw, controls, figsize=(11.0, 4.4))
