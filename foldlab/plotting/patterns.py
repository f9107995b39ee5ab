"""Plots of activation patterns and their Hamming geometry (notebook 01).

One unit and its half-plane, a net's first-layer lines, patterns as bits, the distributions of Hamming
distances and activation probabilities, the Bernoulli null test, constellations, and images with their
nearest neighbours. Every function is ``plot_x(obj, ax=None, *, options)`` and returns one artist or a
named tuple of artists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PathCollection, QuadMesh
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Polygon, StepPatch
from matplotlib.text import Annotation, Text

from .._convex_polygons import halfplane_in_box, line_in_box
from .._typing import ArrayLike, Box, Net
from .._validation import as_box, as_labels, as_points, check_bool, check_float, check_int, describe, to_numpy
from ..constellations import Constellations
from ..null_test import NullTest
from ..pattern_stats import HammingHistograms, UnitActivity
from ..patterns import as_patterns
from ._common import (
    BIT_COLORS,
    axes,
    bit_mesh,
    check_image_shape,
    check_instance,
    check_style,
    check_text,
    check_texts,
    check_widths,
    plot_function,
    read_net_arg,
    set_box,
)

__all__ = [
    "plot_neuron",
    "plot_first_layer_lines",
    "plot_pattern_bits",
    "plot_hamming_histograms",
    "plot_activation_probability",
    "plot_null_test",
    "plot_constellation_curve",
    "plot_image_grid",
    "plot_neighbors",
    "NeuronArtists",
    "BitArtists",
    "HammingHistogramArtists",
    "NullTestArtists",
    "ImageGridArtists",
]


def _halfplane_polygon(w, b: float, box) -> np.ndarray:
    """Vertices of ``{x in box : w . x + b >= 0}``, shape (k, 2): the arrangement engine's clipping."""
    return halfplane_in_box(w, b, box)


def _line_in_box(w, b: float, box) -> np.ndarray | None:
    """The segment of the line ``w . x + b = 0`` inside the box, shape (2, 2), or None if it misses."""
    return line_in_box(w, b, box)


class NeuronArtists(NamedTuple):
    """What :func:`plot_neuron` draws."""

    #: The active half-plane inside the box (bit 1), shaded; an empty patch when the unit is never active.
    active: Polygon
    #: The line ``w . x + b = 0`` inside the box, or None when it misses the box.
    line: Line2D | None
    #: The arrow along ``w`` from the middle of the line, or None with the line.
    normal: Annotation | None
    #: The points, filled where the unit is active, or None without ``points``.
    points: PathCollection | None


@plot_function
def plot_neuron(weight: ArrayLike, ax: Axes | None = None, *, bias: float = 0.0, box: Box = (-2.0, 2.0, -2.0, 2.0),
                points: ArrayLike | None = None, legend: bool = False) -> NeuronArtists:
    """One unit ``relu(w . x + b)`` on a 2D input: its line, its active half-plane, and the bits of points.

    Parameters
    ----------
    weight : array, shape (2,)
        The unit's weights ``w``.
    %(ax)s
    bias : float
        The unit's bias ``b``.
    box : (xmin, xmax, ymin, ymax)
    points : array, shape (k, 2) or (2,), optional
        Drawn filled where the unit is active (bit 1), hollow where it is not.
    legend : bool
        Say what the shading, the line and the points mean, in a legend under the axes.

    Returns
    -------
    NeuronArtists
        ``active`` (Polygon), ``line`` (Line2D or None), ``normal`` (the arrow of ``w``, at the line's middle,
        0.12 of the box's side per unit of ``|w|``, clipped to 0.25..3 units; or None), ``points``
        (PathCollection or None).

    Examples
    --------
    >>> artists = plot_neuron([1.0, 1.0], bias=-0.5, points=[[1.0, 1.0], [-1.0, 0.0]])
    >>> artists.points.get_facecolors().shape[0], artists.line.get_xydata().shape
    (2, (2, 2))
    """
    w = as_points(weight, "weight")
    if w.shape != (1, 2):
        raise ValueError(f"expected weight of shape (2,), the weights of one unit with 2 inputs, got shape "
                         f"{np.shape(weight)}")
    w = w[0]
    bias = check_float(bias, "bias")
    box = as_box(box)
    pts = None if points is None else as_points(points, "points", dim=2)
    legend = check_bool(legend, "legend")
    ax = axes(ax)
    poly = _halfplane_polygon(w, bias, box) if w.any() or bias > 0 else np.zeros((0, 2))
    active = ax.add_patch(Polygon(poly if len(poly) else np.zeros((1, 2)), closed=True,
                                  facecolor=BIT_COLORS[1], alpha=0.18, edgecolor="none", label="active: bit 1"))
    line = normal = dots = None
    segment = _line_in_box(w, bias, box)
    if segment is not None:
        (line,) = ax.plot(segment[:, 0], segment[:, 1], color=BIT_COLORS[1], lw=2, label="w . x + b = 0")
        middle, unit = segment.mean(0), w / np.linalg.norm(w)
        # the arrow is w: its length grows with |w| (clipped so that it stays a readable arrow in the box), so
        # that scaling w, which moves neither the line nor the half-plane, still shows in the picture
        size = 0.12 * min(box[1] - box[0], box[3] - box[2]) * float(np.clip(np.linalg.norm(w), 0.25, 3.0))
        normal = ax.annotate("", xy=middle + size * unit, xytext=middle,
                             arrowprops=dict(arrowstyle="->", color=BIT_COLORS[1]))
    if pts is not None:
        on = pts @ w + bias > 0
        colors = [BIT_COLORS[1] if o else "white" for o in on]
        dots = ax.scatter(pts[:, 0], pts[:, 1], c=colors, edgecolors=BIT_COLORS[1], s=60, zorder=3)
    set_box(ax, box)
    if legend:  # the same entries whatever is drawn, so that the legend explains every state
        point = dict(marker="o", linestyle="none", markersize=8, markeredgecolor=BIT_COLORS[1])
        handles = [Patch(facecolor=BIT_COLORS[1], alpha=0.18, label="active half-plane (bit 1)"),
                   Line2D([], [], color=BIT_COLORS[1], lw=2, label="w . x + b = 0"),
                   Line2D([], [], markerfacecolor=BIT_COLORS[1], label="point with bit 1", **point),
                   Line2D([], [], markerfacecolor="white", label="point with bit 0", **point)]
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.07), ncols=2, fontsize="small",
                  frameon=False)
    return NeuronArtists(active, line, normal, dots)


@plot_function
def plot_first_layer_lines(net: Net, ax: Axes | None = None, *, box: Box | None = None, **style: Any) -> LineCollection:
    """The lines ``w_i . x + b_i = 0`` of a 2D-input net's first layer, where its first-layer bits flip.

    Deeper layers bend at these lines (their boundaries are not straight); an exact picture of all
    regions is :func:`foldlab.arrangement`'s job. For SwiGLU both the gate and the value lines are drawn.

    Parameters
    ----------
    net : torch.nn.Module or NetSpec
        A net with 2 inputs and an affine first layer.
    %(ax)s
    box : (xmin, xmax, ymin, ymax), optional
        Where to draw (default: the axes' current limits).
    **style
        Of the LineCollection (default: thin grey lines, ``color="0.45", linewidth=0.8, alpha=0.8``).

    Returns
    -------
    LineCollection
        One segment per unit whose line crosses the box (lines that miss it are skipped).

    Examples
    --------
    >>> from foldlab import mlp
    >>> len(plot_first_layer_lines(mlp([2, 5, 1], seed=0), box=(-1, 1, -1, 1)).get_segments())  # two miss
    3
    """
    spec = read_net_arg(net)
    affine = spec.layers[0].affine
    if spec.d_in != 2 or affine is None:
        raise ValueError(f"plot_first_layer_lines needs a net with 2 inputs and an affine first layer, got {spec!r}")
    box = None if box is None else as_box(box)
    style = check_style(style, LineCollection, "plot_first_layer_lines",
                        defaults=dict(color="0.45", linewidth=0.8, alpha=0.8))
    ax = axes(ax)
    box = box if box is not None else as_box((*ax.get_xlim(), *ax.get_ylim()), "the axes' limits")
    segments = [_line_in_box(w, float(b), box) for w, b in zip(to_numpy(affine.weight), to_numpy(affine.bias))]
    lines = LineCollection([s for s in segments if s is not None], **style)
    ax.add_collection(lines)
    ax.autoscale_view()
    return lines


class BitArtists(NamedTuple):
    """What :func:`plot_pattern_bits` and :func:`plot_walk_patterns` draw."""

    #: One cell per bit; its array holds 0 (off), 1 (on) and, for a pair of patterns, 2 (differs).
    mesh: QuadMesh
    #: A vertical line between two layers (blocks) of bits; empty without layers.
    separators: LineCollection


@plot_function
def plot_pattern_bits(patterns: ArrayLike, ax: Axes | None = None, *, widths: Sequence[int] | None = None,
                      layers: Sequence[int] | None = None, labels: Sequence[str] | None = None,
                      show_difference: bool = True, legend: bool = False) -> BitArtists:
    """Activation patterns as a bit image: one row per pattern, one column per unit, layers separated.

    Parameters
    ----------
    patterns : Tensor or array of bits, shape (k, m) or (m,)
    %(ax)s
    widths : sequence of int, optional
        Units per layer (``read_net(net).widths``), adding up to ``m``; draws a separator and a label
        per layer.
    layers : sequence of int, optional
        The (0-based) numbers of those layers, for their labels: ``spec.layer_indices(layers)`` when the
        patterns hold some layers only (default: 0, 1, ...).
    labels : sequence of str, optional
        Row labels, one per pattern.
    show_difference : bool
        With exactly two patterns, add a row marking the bits where they differ (red).
    legend : bool
        Say what the colours mean (1, 0, differs) in a legend beside the axes.

    Returns
    -------
    BitArtists
        ``mesh`` (QuadMesh: 0 off, 1 on, 2 differs) and ``separators`` (LineCollection, one line between
        two layers).

    Examples
    --------
    >>> mesh, separators = plot_pattern_bits([[1, 0, 1, 1], [1, 1, 1, 0]], widths=[2, 2])
    >>> mesh.get_array().tolist(), len(separators.get_segments())
    ([[1, 0, 1, 1], [1, 1, 1, 0], [0, 2, 0, 2]], 1)
    """
    P = as_patterns(patterns, "patterns")
    P = P[None] if P.ndim == 1 else P
    if P.ndim != 2 or P.shape[0] == 0 or P.shape[1] == 0:
        raise ValueError(f"expected patterns of shape (k, m) or (m,) with k, m >= 1, got shape {tuple(P.shape)}")
    widths = None if widths is None else check_widths(widths, P.shape[1])
    if layers is not None:
        if widths is None:
            raise ValueError("layers numbers the blocks of widths: pass widths too")
        layers = _layer_numbers(layers, len(widths))
    labels = check_texts(labels, "labels", P.shape[0])
    show_difference = check_bool(show_difference, "show_difference")
    legend = check_bool(legend, "legend")
    ax = axes(ax)
    rows = P.int().numpy()
    names = labels if labels is not None else [f"pattern {i}" for i in range(len(rows))]
    if show_difference and len(rows) == 2:
        rows = np.vstack([rows, 2 * (rows[0] != rows[1])])
        names.append("differs")
    numbers = layers if layers is not None else range(len(widths or ()))
    blocks = None if widths is None else [(f"layer {i}", w) for i, w in zip(numbers, widths)]
    mesh, separators = bit_mesh(ax, rows, blocks=blocks)
    ax.set_yticks(range(len(names)), names)
    ax.tick_params(length=0)
    if legend:
        meaning = [("1: active", BIT_COLORS[1]), ("0: inactive", BIT_COLORS[0])]
        if show_difference and len(P) == 2:
            meaning.append(("differs", BIT_COLORS[2]))
        ax.legend(handles=[Patch(facecolor=c, edgecolor="0.6", label=t) for t, c in meaning], loc="upper left",
                  bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False, title="bit", title_fontsize="small")
    return BitArtists(mesh, separators)


def _layer_numbers(layers, n: int) -> list[int]:
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence):
        raise TypeError(f"layers must be a sequence of ints (layer numbers), got {describe(layers)}")
    if len(layers) != n:
        raise ValueError(f"layers must number each of the {n} blocks of widths, got {len(layers)}: {list(layers)!r}")
    return [check_int(v, f"layers[{i}]", min=0) for i, v in enumerate(layers)]


class HammingHistogramArtists(NamedTuple):
    """What :func:`plot_hamming_histograms` draws, one artist per layer in each field."""

    #: The histogram of each layer (StepPatch), in the order of ``histograms.layers``.
    histograms: tuple[StepPatch, ...]
    #: The Binomial(m, 1/2) law of each layer (Line2D); empty with ``null=False``.
    null: tuple[Line2D, ...]


@plot_function
def plot_hamming_histograms(histograms: HammingHistograms, ax: Axes | None = None, *,
                            null: bool = True) -> HammingHistogramArtists:
    """Per-layer histograms of the Hamming distances of :func:`foldlab.hamming_histograms`.

    Distances are shown as a fraction of the layer's width (so layers of different widths compare) and
    the counts as a fraction of the pairs. With ``null=True`` a dotted line per layer shows the law of
    the distance between two random Bernoulli(0.5) vectors of that width, Binomial(m, 1/2).

    Parameters
    ----------
    histograms : HammingHistograms
    %(ax)s
    null : bool
        Draw the Binomial(m, 1/2) law of each layer.

    Returns
    -------
    HammingHistogramArtists
        ``histograms`` (a StepPatch per layer) and ``null`` (a Line2D per layer).

    References
    ----------
    Swiniarski, Bruna and Cho, "Study on Activation Patterns", section 2.2 and Figure 2 (histograms of
    Hamming distances per layer), section 2.3.1 (the random Bernoulli reference).

    Examples
    --------
    >>> import numpy as np, foldlab as fl
    >>> h = fl.pattern_stats.HammingHistograms.from_patterns(np.random.default_rng(0).random((50, 30)) < 0.5, [10, 20])
    >>> len(plot_hamming_histograms(h).histograms)
    2
    """
    check_instance(histograms, "histograms", HammingHistograms, "from foldlab.hamming_histograms(net, X)")
    null = check_bool(null, "null")
    ax = axes(ax)
    steps, laws = [], []
    for layer, counts, width, mean in zip(histograms.layers, histograms.counts, histograms.widths, histograms.mean):
        edges = (np.arange(width + 2) - 0.5) / width
        step = ax.stairs(counts / histograms.n_pairs, edges, lw=1.8,
                         label=f"layer {layer} ({width} bits), mean {mean:.1f}")
        steps.append(step)
        if null:
            from scipy import stats  # on first use: scipy.stats takes a second to import

            d = np.arange(width + 1)
            (line,) = ax.plot(d / width, stats.binom.pmf(d, width, 0.5), ls=":", color=step.get_edgecolor())
            laws.append(line)
    ax.set_xlabel("Hamming distance / width")
    ax.set_ylabel("fraction of pairs")
    ax.legend(fontsize="small")
    return HammingHistogramArtists(tuple(steps), tuple(laws))


@plot_function
def plot_activation_probability(activity: UnitActivity, ax: Axes | None = None, *,
                                bins: int = 20) -> tuple[StepPatch, ...]:
    """Distribution over units of the activation probability ``p_{l,i}``, one step curve per layer.

    Units with ``p = 0`` (dead) fall in the first bin, always-on units (``p = 1``) in the last; the legend
    counts both.

    Parameters
    ----------
    activity : UnitActivity
        From :func:`foldlab.activation_probability`.
    %(ax)s
    bins : int
        Bins over [0, 1].

    Returns
    -------
    tuple of StepPatch
        One per layer, in the order of ``activity.layers``.

    Examples
    --------
    >>> import numpy as np, foldlab as fl
    >>> a = fl.pattern_stats.UnitActivity.from_patterns(np.array([[1, 0, 1], [1, 0, 0]]), widths=[1, 2])
    >>> [s.get_data().values.tolist() for s in plot_activation_probability(a, bins=2)]
    [[0.0, 1.0], [0.5, 0.5]]
    """
    check_instance(activity, "activity", UnitActivity, "from foldlab.activation_probability(net, X)")
    bins = check_int(bins, "bins", min=1)
    ax = axes(ax)
    edges = np.linspace(0, 1, bins + 1)
    steps = []
    for layer, p, dead, on in zip(activity.layers, activity.probability, activity.dead, activity.always_on):
        counts, _ = np.histogram(p, bins=edges)
        steps.append(ax.stairs(counts / len(p), edges, lw=1.8,
                               label=f"layer {layer}: {len(dead)} dead, {len(on)} always on"))
    ax.set_xlabel("activation probability p")
    ax.set_ylabel("fraction of units")
    ax.set_xlim(0, 1)
    ax.legend(fontsize="small")
    return tuple(steps)


class NullTestArtists(NamedTuple):
    """What :func:`plot_null_test` draws."""

    #: The exact law of the mean distance between random Bernoulli(0.5) vectors.
    null: Line2D
    #: The observed mean distance, a vertical line labelled with the p-value and ``z``.
    observed: Line2D


@plot_function
def plot_null_test(result: NullTest, ax: Axes | None = None) -> NullTestArtists:
    """The null law of the mean distance (random Bernoulli(0.5) vectors) and the observed mean.

    Parameters
    ----------
    result : NullTest
        From :func:`foldlab.bernoulli_null_test`.
    %(ax)s

    Returns
    -------
    NullTestArtists
        ``null`` (Line2D of the exact binomial law) and ``observed`` (the vertical line, labelled with the
        p-value and ``z``).

    References
    ----------
    Swiniarski, Bruna and Cho, "Study on Activation Patterns", section 2 (the mean distance against random
    Bernoulli vectors, its p-value).

    Examples
    --------
    >>> import numpy as np, foldlab as fl
    >>> r = fl.bernoulli_null_test(np.random.default_rng(0).random((100, 16)) < 0.5, n_pairs=500)
    >>> plot_null_test(r).observed.get_xdata()[0] == r.mean_distance
    True
    """
    check_instance(result, "result", NullTest, "from foldlab.bernoulli_null_test(patterns)")
    ax = axes(ax)
    values, prob = result.null_distribution()
    (null,) = ax.plot(values, prob * result.n_pairs, color="0.3", label="random Bernoulli(0.5) vectors")
    observed = ax.axvline(result.mean_distance, color=BIT_COLORS[2], lw=2,
                          label=f"these patterns: p = {result.p_value:.3g}, z = {result.z:.3g}")
    ax.set_xlabel(f"mean d_H over {result.n_pairs} pairs ({result.width} bits)")
    ax.set_ylabel("density")
    ax.set_ylim(0, 1.35 * ax.get_ylim()[1])  # room for the legend above the curve
    ax.legend(fontsize="small", loc="upper center")
    return NullTestArtists(null, observed)


@plot_function
def plot_constellation_curve(result: Constellations, ax: Axes | None = None, *, label: str | None = None) -> Line2D:
    """Number of complete-linkage clusters against the threshold (:func:`foldlab.constellation_curve`).

    Parameters
    ----------
    result : Constellations
    %(ax)s
    label : str, optional
        Prefix of the legend entry (which shows the score).

    Returns
    -------
    Line2D
        A step curve.

    Examples
    --------
    >>> import numpy as np, foldlab as fl
    >>> c = fl.constellation_curve(np.random.default_rng(0).random((20, 8)) < 0.5)
    >>> plot_constellation_curve(c).get_ydata().tolist() == c.n_clusters.tolist()
    True
    """
    check_instance(result, "result", Constellations, "from foldlab.constellation_curve(patterns)")
    label = check_text(label, "label")
    ax = axes(ax)
    name = f"{label}: " if label else ""
    (line,) = ax.step(result.thresholds, result.n_clusters, where="post", label=f"{name}score {result.score:.3f}")
    ax.set_xlabel("threshold (largest Hamming distance inside a cluster)")
    ax.set_ylabel("number of clusters")
    ax.legend(fontsize="small")
    return line


class ImageGridArtists(NamedTuple):
    """What :func:`plot_image_grid` and :func:`plot_neighbors` draw."""

    #: The mosaic of all images (blank cells are NaN).
    image: AxesImage
    #: The captions above the images, in row order (empty captions are not drawn).
    texts: tuple[Text, ...]


def _image_rows(rows, name: str) -> list[np.ndarray]:
    if isinstance(rows, (str, bytes, np.ndarray)) or hasattr(rows, "detach") or not isinstance(rows, Sequence):
        raise TypeError(f"{name} must be a list of arrays, one per row of the grid (for one row: [images]), "
                        f"got {describe(rows)}")
    if len(rows) == 0:
        raise ValueError(f"{name} is empty: expected at least one row of images")
    return [as_points(row, f"{name}[{i}]") for i, row in enumerate(rows)]


@plot_function
def plot_image_grid(rows: Sequence[ArrayLike], ax: Axes | None = None, *, image_shape: tuple[int, int],
                    row_labels: Sequence[str] | None = None, titles: Sequence[Sequence[str]] | None = None,
                    gap: int = 1) -> ImageGridArtists:
    """Images laid out in a grid on one axes (one ``imshow`` of a mosaic).

    Parameters
    ----------
    rows : list of arrays, each of shape (k_r, h * w)
        Flattened images, one array per grid row (rows may differ in length).
    %(ax)s
    image_shape : (h, w)
    row_labels : sequence of str, optional
        One per row.
    titles : sequence of sequences of str, optional
        A caption above each image (``""`` for none), one sequence per row with one caption per image.
    gap : int
        Blank pixels between images.

    Returns
    -------
    ImageGridArtists
        ``image`` (AxesImage of the mosaic) and ``texts`` (the captions).

    Examples
    --------
    >>> import numpy as np
    >>> image, texts = plot_image_grid([np.ones((2, 4)), np.zeros((1, 4))], image_shape=(2, 2))
    >>> image.get_array().shape, texts
    ((5, 5), ())
    """
    rows = _image_rows(rows, "rows")
    h, w = check_image_shape(image_shape, size=rows[0].shape[1])
    for i, row in enumerate(rows[1:], start=1):
        if row.shape[1] != h * w:
            raise ValueError(f"rows[{i}] has images of {row.shape[1]} values, expected h * w = {h * w}")
    row_labels = check_texts(row_labels, "row_labels", len(rows))
    if titles is not None:
        if isinstance(titles, (str, bytes)) or not isinstance(titles, Sequence):
            raise TypeError(f"titles must be a sequence of sequences of str, got {describe(titles)}")
        if len(titles) != len(rows):
            raise ValueError(f"titles must hold one sequence of captions per row ({len(rows)}), got {len(titles)}")
        titles = [check_texts(t, f"titles[{i}]", len(row), per="image") for i, (t, row) in enumerate(zip(titles, rows))]
    gap = check_int(gap, "gap", min=0)
    ax = axes(ax)
    ncols = max(len(r) for r in rows)
    mosaic = np.full((len(rows) * (h + gap) - gap, ncols * (w + gap) - gap), np.nan)
    texts = []
    for i, row in enumerate(rows):
        for j, img in enumerate(row):
            top, left = i * (h + gap), j * (w + gap)
            mosaic[top : top + h, left : left + w] = img.reshape(h, w)
            if titles is not None and titles[i][j]:
                texts.append(ax.text(left + w / 2 - 0.5, top - 0.6, titles[i][j], ha="center", va="bottom",
                                     fontsize="small"))
    image = ax.imshow(mosaic, cmap="gray_r", interpolation="nearest")
    if texts:  # room for the first row's captions inside the axes, so that they are drawn with the images
        ax.set_ylim(mosaic.shape[0] - 0.5, -0.5 - min(h, 2.5))
    ax.set_xticks([])
    ax.tick_params(length=0)
    ax.set_yticks([i * (h + gap) + h / 2 - 0.5 for i in range(len(rows))], row_labels or [""] * len(rows))
    for side in ax.spines.values():
        side.set_visible(False)
    return ImageGridArtists(image, tuple(texts))


@plot_function
def plot_neighbors(images: ArrayLike, ax: Axes | None = None, *, query: int, neighbors: Mapping[str, Sequence[int]],
                   image_shape: tuple[int, int], labels: ArrayLike | None = None) -> ImageGridArtists:
    """A query image and its nearest neighbours, one row per metric (e.g. Hamming and Euclidean).

    Parameters
    ----------
    images : Tensor or array, shape (n, h * w)
    %(ax)s
    query : int
        Row of the query image.
    neighbors : dict of str to index sequence
        ``{"Hamming": indices, "Euclidean": indices}``, rows of ``images``, nearest first.
    image_shape : (h, w)
    labels : Tensor or array, shape (n,), optional
        Class labels: each neighbour is captioned with its label, the query with its own.

    Returns
    -------
    ImageGridArtists
        As :func:`plot_image_grid`.

    Examples
    --------
    >>> import numpy as np
    >>> out = plot_neighbors(np.eye(4), query=0, neighbors={"a": [1, 2]}, image_shape=(2, 2), labels=[0, 1, 1, 0])
    >>> [t.get_text() for t in out.texts]
    ['query: 0', '1', '1']
    """
    images = as_points(images, "images")
    n = len(images)
    query = check_int(query, "query", min=0, max=n - 1)
    if not isinstance(neighbors, Mapping) or not neighbors:
        raise TypeError(f"neighbors must be a non-empty dict of name -> indices of images, got {describe(neighbors)}")
    found = {}
    for name, idx in neighbors.items():
        check_text(name, "a key of neighbors", optional=False)
        idx = np.asarray(idx.detach().cpu() if hasattr(idx, "detach") else idx).reshape(-1)
        if idx.dtype.kind not in "iu" or (len(idx) and not (0 <= idx.min() and idx.max() < n)):
            raise ValueError(f"neighbors[{name!r}] must hold row indices of images (ints from 0 to {n - 1}), "
                             f"got {idx.tolist()!r}")
        found[name] = idx.tolist()
    check_image_shape(image_shape, size=images.shape[1])
    labels = None if labels is None else as_labels(labels, "labels", n=n)
    rows = [images[[query] + idx] for idx in found.values()]
    titles = None
    if labels is not None:
        titles = [[f"query: {labels[query]}"] + [str(labels[i]) for i in idx] for idx in found.values()]
    return plot_image_grid(rows, ax, image_shape=image_shape, row_labels=list(found), titles=titles)
