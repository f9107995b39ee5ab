"""Plots of activation patterns and their Hamming geometry (notebook 01).

One unit and its half-plane, a net's first-layer lines, patterns as bits, the distributions of Hamming
distances and activation probabilities, the Bernoulli null test, constellations, and images with their
nearest neighbours.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import QuadMesh
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon, StepPatch
from scipy import stats

from .._convex_polygons import halfplane_in_box, line_in_box
from ..adapter import read_net
from ..patterns import as_patterns
from ._common import BIT_COLORS, axes, bit_mesh, check_box, set_box, to_numpy

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
]


def _halfplane_polygon(w, b: float, box) -> np.ndarray:
    """Vertices of ``{x in box : w . x + b >= 0}``, shape (k, 2): the arrangement engine's clipping."""
    return halfplane_in_box(w, b, box)


def _line_in_box(w, b: float, box) -> np.ndarray | None:
    """The segment of the line ``w . x + b = 0`` inside the box, shape (2, 2), or None if it misses."""
    return line_in_box(w, b, box)


def plot_neuron(weight, bias: float, *, box=(-2.0, 2.0, -2.0, 2.0), points=None, ax: Axes | None = None) -> dict:
    """One unit ``relu(w . x + b)`` on a 2D input: its line, its active half-plane, and the bits of points.

    Parameters
    ----------
    weight : array, shape (2,)
    bias : float
    box : (xmin, xmax, ymin, ymax)
    points : array, shape (k, 2), optional
        Drawn filled where the unit is active (bit 1), hollow where it is not.
    ax : Axes, optional

    Returns
    -------
    dict of artists
        ``"active"`` (the shaded half-plane, a Polygon), ``"line"`` (Line2D, or None when the line misses
        the box), ``"normal"`` (the arrow along ``w``, or None), ``"points"`` (PathCollection or None).

    Examples
    --------
    >>> artists = plot_neuron([1.0, 1.0], -0.5, points=[[1.0, 1.0], [-1.0, 0.0]])
    >>> artists["points"].get_facecolors().shape[0], artists["line"].get_xydata().shape
    (2, (2, 2))
    """
    ax = axes(ax)
    box = check_box(box)
    w = np.asarray(weight, dtype=float).reshape(-1)
    if w.shape != (2,) or not np.isfinite(w).all() or not np.isfinite(bias):
        raise ValueError(f"expected a finite weight of shape (2,) and a finite bias, got {w} and {bias}")
    poly = _halfplane_polygon(w, float(bias), box) if w.any() or bias > 0 else np.zeros((0, 2))
    active = ax.add_patch(Polygon(poly if len(poly) else np.zeros((1, 2)), closed=True,
                                  facecolor=BIT_COLORS[1], alpha=0.18, edgecolor="none", label="active: bit 1"))
    artists = {"active": active, "line": None, "normal": None, "points": None}
    segment = _line_in_box(w, float(bias), box)
    if segment is not None:
        (artists["line"],) = ax.plot(segment[:, 0], segment[:, 1], color=BIT_COLORS[1], lw=2, label="w . x + b = 0")
        middle, unit = segment.mean(0), w / np.linalg.norm(w)
        size = 0.12 * min(box[1] - box[0], box[3] - box[2])
        artists["normal"] = ax.annotate("", xy=middle + size * unit, xytext=middle,
                                        arrowprops=dict(arrowstyle="->", color=BIT_COLORS[1]))
    if points is not None:
        pts = np.asarray(points, dtype=float).reshape(-1, 2)
        on = pts @ w + bias > 0
        colors = [BIT_COLORS[1] if o else "white" for o in on]
        artists["points"] = ax.scatter(pts[:, 0], pts[:, 1], c=colors, edgecolors=BIT_COLORS[1], s=60, zorder=3)
    set_box(ax, box)
    return artists


def plot_first_layer_lines(net, *, box=None, ax: Axes | None = None, **line_kwargs) -> list[Line2D]:
    """The lines ``w_i . x + b_i = 0`` of a 2D-input net's first layer, where its first-layer bits flip.

    Deeper layers bend at these lines (their boundaries are not straight); an exact picture of all
    regions is :func:`foldlab.arrangement`'s job. For SwiGLU both the gate and the value lines are drawn.

    Parameters
    ----------
    net : torch.nn.Module
        A net with 2 inputs and an affine first layer.
    box : (xmin, xmax, ymin, ymax), optional
        Where to draw (default: the axes' current limits).
    ax : Axes, optional
    **line_kwargs
        Passed to ``ax.plot`` (default: thin grey lines).

    Returns
    -------
    list of Line2D
        One per unit whose line crosses the box (lines that miss it are skipped).

    Examples
    --------
    >>> from foldlab import mlp
    >>> len(plot_first_layer_lines(mlp([2, 5, 1], seed=0), box=(-1, 1, -1, 1)))  # two lines miss the box
    3
    """
    ax = axes(ax)
    spec = read_net(net)
    affine = spec.layers[0].affine
    if spec.d_in != 2 or affine is None:
        raise ValueError(f"plot_first_layer_lines needs a net with 2 inputs and an affine first layer, got {spec!r}")
    box = check_box(box if box is not None else (*ax.get_xlim(), *ax.get_ylim()))
    style = dict(color="0.45", lw=0.8, alpha=0.8) | line_kwargs
    lines = []
    for w, b in zip(to_numpy(affine.weight), to_numpy(affine.bias)):
        segment = _line_in_box(w, float(b), box)
        if segment is not None:
            lines += ax.plot(segment[:, 0], segment[:, 1], **style)
    return lines


def plot_pattern_bits(patterns, widths: Sequence[int] | None = None, *, labels: Sequence[str] | None = None,
                      show_difference: bool = True, ax: Axes | None = None) -> QuadMesh:
    """Activation patterns as a bit image: one row per pattern, one column per unit, layers separated.

    Parameters
    ----------
    patterns : Tensor or array of bits, shape (k, m) or (m,)
    widths : sequence of int, optional
        Units per layer (``read_net(net).widths``); draws a separator and a label per layer.
    labels : sequence of str, optional
        Row labels.
    show_difference : bool
        With exactly two patterns, add a row marking the bits where they differ (red).
    ax : Axes, optional

    Returns
    -------
    QuadMesh
        One cell per bit; its array holds 0 (off), 1 (on) and 2 (differs).

    Examples
    --------
    >>> mesh = plot_pattern_bits([[1, 0, 1, 1], [1, 1, 1, 0]], widths=[2, 2])
    >>> mesh.get_array().tolist()
    [[1, 0, 1, 1], [1, 1, 1, 0], [0, 2, 0, 2]]
    """
    ax = axes(ax)
    P = as_patterns(patterns, "patterns")
    P = P[None] if P.ndim == 1 else P
    if P.ndim != 2:
        raise ValueError(f"expected patterns of shape (k, m) or (m,), got {tuple(P.shape)}")
    rows = P.int().numpy()
    names = list(labels) if labels is not None else [f"pattern {i}" for i in range(len(rows))]
    if show_difference and len(rows) == 2:
        rows = np.vstack([rows, 2 * (rows[0] != rows[1])])
        names.append("differs")
    blocks = None if widths is None else [(f"layer {i}", w) for i, w in enumerate(widths)]
    mesh, _ = bit_mesh(ax, rows, blocks=blocks)
    ax.set_yticks(range(len(names)), names)
    ax.tick_params(length=0)
    return mesh


def plot_hamming_histograms(histograms, *, null: bool = True, ax: Axes | None = None) -> dict:
    """Per-layer histograms of the Hamming distances of :func:`foldlab.hamming_histograms`.

    Distances are shown as a fraction of the layer's width (so layers of different widths compare) and
    the counts as a fraction of the pairs. With ``null=True`` a dotted line per layer shows the law of
    the distance between two random Bernoulli(0.5) vectors of that width, Binomial(m, 1/2).

    Parameters
    ----------
    histograms : HammingHistograms
    null : bool
        Draw the Binomial(m, 1/2) law of each layer.
    ax : Axes, optional

    Returns
    -------
    dict
        ``"histograms"`` (list of StepPatch, one per layer), ``"null"`` (list of Line2D).

    References
    ----------
    Swiniarski, Bruna and Cho, "Study on Activation Patterns", section 3 (distance histograms).

    Examples
    --------
    >>> import numpy as np, foldlab as fl
    >>> h = fl.pattern_stats.HammingHistograms.from_patterns(np.random.default_rng(0).random((50, 30)) < 0.5, [10, 20])
    >>> len(plot_hamming_histograms(h)["histograms"])
    2
    """
    ax = axes(ax)
    out = {"histograms": [], "null": []}
    for layer, counts, width, mean in zip(histograms.layers, histograms.counts, histograms.widths, histograms.mean):
        edges = (np.arange(width + 2) - 0.5) / width
        step = ax.stairs(counts / histograms.n_pairs, edges, lw=1.8,
                         label=f"layer {layer} ({width} bits), mean {mean:.1f}")
        out["histograms"].append(step)
        if null:
            d = np.arange(width + 1)
            (line,) = ax.plot(d / width, stats.binom.pmf(d, width, 0.5), ls=":", color=step.get_edgecolor())
            out["null"].append(line)
    ax.set_xlabel("Hamming distance / width")
    ax.set_ylabel("fraction of pairs")
    ax.legend(fontsize="small")
    return out


def plot_activation_probability(activity, *, bins: int = 20, ax: Axes | None = None) -> list[StepPatch]:
    """Distribution over units of the activation probability ``p_{l,i}``, one step curve per layer.

    Units with ``p = 0`` (dead) fall in the first bin, always-on units (``p = 1``) in the last; the legend
    counts both.

    Parameters
    ----------
    activity : UnitActivity
    bins : int
        Bins over [0, 1].
    ax : Axes, optional

    Returns
    -------
    list of StepPatch
        One per layer.

    Examples
    --------
    >>> import numpy as np, foldlab as fl
    >>> a = fl.pattern_stats.UnitActivity.from_patterns(np.array([[1, 0, 1], [1, 0, 0]]), widths=[1, 2])
    >>> [s.get_data().values.tolist() for s in plot_activation_probability(a, bins=2)]
    [[0.0, 1.0], [0.5, 0.5]]
    """
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
    return steps


def plot_null_test(result, *, ax: Axes | None = None) -> dict:
    """The null law of the mean distance (random Bernoulli(0.5) vectors) and the observed mean.

    Parameters
    ----------
    result : NullTest
        From :func:`foldlab.bernoulli_null_test`.
    ax : Axes, optional

    Returns
    -------
    dict
        ``"null"`` (Line2D of the exact binomial law), ``"observed"`` (the vertical line, labelled with
        the p-value and ``z``).

    Examples
    --------
    >>> import numpy as np, foldlab as fl
    >>> r = fl.bernoulli_null_test(np.random.default_rng(0).random((100, 16)) < 0.5, n_pairs=500)
    >>> plot_null_test(r)["observed"].get_xdata()[0] == r.mean_distance
    True
    """
    ax = axes(ax)
    values, prob = result.null_distribution()
    (null,) = ax.plot(values, prob * result.n_pairs, color="0.3", label="random Bernoulli(0.5) vectors")
    observed = ax.axvline(result.mean_distance, color=BIT_COLORS[2], lw=2,
                          label=f"these patterns: p = {result.p_value:.3g}, z = {result.z:.3g}")
    ax.set_xlabel(f"mean d_H over {result.n_pairs} pairs ({result.width} bits)")
    ax.set_ylabel("density")
    ax.set_ylim(0, 1.35 * ax.get_ylim()[1])  # room for the legend above the curve
    ax.legend(fontsize="small", loc="upper center")
    return {"null": null, "observed": observed}


def plot_constellation_curve(result, *, label: str | None = None, ax: Axes | None = None) -> Line2D:
    """Number of complete-linkage clusters against the threshold (:func:`foldlab.constellation_curve`).

    Parameters
    ----------
    result : Constellations
    label : str, optional
        Prefix of the legend entry (which shows the score).
    ax : Axes, optional

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
    ax = axes(ax)
    name = f"{label}: " if label else ""
    (line,) = ax.step(result.thresholds, result.n_clusters, where="post", label=f"{name}score {result.score:.3f}")
    ax.set_xlabel("threshold (largest Hamming distance inside a cluster)")
    ax.set_ylabel("number of clusters")
    ax.legend(fontsize="small")
    return line


def plot_image_grid(rows, *, image_shape: tuple[int, int], row_labels: Sequence[str] | None = None,
                    titles: Sequence[Sequence[str]] | None = None, gap: int = 1, ax: Axes | None = None) -> dict:
    """Images laid out in a grid on one axes (one ``imshow`` of a mosaic).

    Parameters
    ----------
    rows : sequence of arrays, each of shape (k_r, h * w)
        Flattened images, one array per grid row (rows may differ in length).
    image_shape : (h, w)
    row_labels : sequence of str, optional
    titles : sequence of sequences of str, optional
        A caption above each image.
    gap : int
        Blank pixels between images.
    ax : Axes, optional

    Returns
    -------
    dict
        ``"image"`` (AxesImage of the mosaic; blank cells are NaN) and ``"texts"`` (the captions).

    Examples
    --------
    >>> import numpy as np
    >>> out = plot_image_grid([np.ones((2, 4)), np.zeros((1, 4))], image_shape=(2, 2))
    >>> out["image"].get_array().shape
    (5, 5)
    """
    ax = axes(ax)
    h, w = image_shape
    rows = [to_numpy(r, dtype=float).reshape(len(r), h * w) for r in rows]
    ncols = max(len(r) for r in rows)
    mosaic = np.full((len(rows) * (h + gap) - gap, ncols * (w + gap) - gap), np.nan)
    texts = []
    for i, row in enumerate(rows):
        for j, img in enumerate(row):
            top, left = i * (h + gap), j * (w + gap)
            mosaic[top : top + h, left : left + w] = img.reshape(h, w)
            if titles is not None and j < len(titles[i]) and titles[i][j]:
                texts.append(ax.text(left + w / 2 - 0.5, top - 0.6, titles[i][j], ha="center", va="bottom",
                                     fontsize="small"))
    image = ax.imshow(mosaic, cmap="gray_r", interpolation="nearest")
    ax.set_xticks([])
    ax.tick_params(length=0)
    ax.set_yticks([i * (h + gap) + h / 2 - 0.5 for i in range(len(rows))], row_labels or [""] * len(rows))
    for side in ax.spines.values():
        side.set_visible(False)
    return {"image": image, "texts": texts}


def plot_neighbors(images, query: int, neighbors: Mapping[str, Sequence[int]], *, image_shape: tuple[int, int],
                   labels=None, ax: Axes | None = None) -> dict:
    """A query image and its nearest neighbours, one row per metric (e.g. Hamming and Euclidean).

    Parameters
    ----------
    images : Tensor or array, shape (n, h * w)
    query : int
        Row of the query image.
    neighbors : dict of str to index sequence
        ``{"Hamming": indices, "Euclidean": indices}``, indices of ``images`` nearest first.
    image_shape : (h, w)
    labels : Tensor or array, shape (n,), optional
        Class labels: each neighbour is captioned with its label, the query with its own.
    ax : Axes, optional

    Returns
    -------
    dict
        As :func:`plot_image_grid`.

    Examples
    --------
    >>> import numpy as np
    >>> out = plot_neighbors(np.eye(4), 0, {"a": [1, 2]}, image_shape=(2, 2), labels=[0, 1, 1, 0])
    >>> [t.get_text() for t in out["texts"]]
    ['query: 0', '1', '1']
    """
    images = to_numpy(images, dtype=float)
    labels = None if labels is None else to_numpy(labels)
    rows, titles = [], []
    for idx in neighbors.values():
        idx = [int(i) for i in np.asarray(idx).reshape(-1)]
        rows.append(images[[query] + idx])
        if labels is not None:
            titles.append([f"query: {labels[query]}"] + [str(labels[i]) for i in idx])
    return plot_image_grid(rows, image_shape=image_shape, row_labels=list(neighbors),
                           titles=titles if labels is not None else None, ax=ax)
