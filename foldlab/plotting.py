"""Plotting: every function takes ``ax=None`` and returns the artists it drew (like shapely.plotting).

Tests inspect the returned artists; nothing here calls ``plt.show()``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

__all__: list[str] = []


def _axes(ax: Axes | None) -> Axes:
    """The given axes, or the current ones of a new figure."""
    if ax is None:
        _, ax = plt.subplots()
    return ax


# === patterns and Hamming geometry (notebook 01) ===================================================

import numpy as _np  # noqa: E402
from matplotlib.colors import ListedColormap as _ListedColormap  # noqa: E402
from scipy import stats as _stats  # noqa: E402

__all__ += [
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

#: Colours of bit images: off, on, and a bit where two patterns differ.
BIT_COLORS = ("#f2f2f2", "#27408b", "#d62728")


def _check_box(box) -> tuple[float, float, float, float]:
    box = tuple(float(v) for v in _np.asarray(box, dtype=float).reshape(-1))
    if len(box) != 4 or not (box[0] < box[1] and box[2] < box[3]):
        raise ValueError(f"expected a 2-D input box (xmin, xmax, ymin, ymax) with min < max, got {box}")
    return box


def _halfplane_polygon(w, b: float, box) -> _np.ndarray:
    """Vertices of ``{x in box : w . x + b >= 0}`` (Sutherland-Hodgman against one line), shape (k, 2)."""
    xmin, xmax, ymin, ymax = box
    corners = [(xmin, ymin), (xmax, ymin), (xmax, ymax), (xmin, ymax)]
    out = []
    for p, q in zip(corners, corners[1:] + corners[:1]):
        zp, zq = w[0] * p[0] + w[1] * p[1] + b, w[0] * q[0] + w[1] * q[1] + b
        if zp >= 0:
            out.append(p)
        if (zp >= 0) != (zq >= 0):
            t = zp / (zp - zq)
            out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    return _np.array(out, dtype=float).reshape(-1, 2)


def _line_in_box(w, b: float, box) -> _np.ndarray | None:
    """The segment of the line ``w . x + b = 0`` inside the box, shape (2, 2), or None if it misses."""
    xmin, xmax, ymin, ymax = box
    points = []
    if w[1] != 0:
        points += [(x, -(b + w[0] * x) / w[1]) for x in (xmin, xmax)]
    if w[0] != 0:
        points += [(-(b + w[1] * y) / w[0], y) for y in (ymin, ymax)]
    inside = [p for p in points if xmin - 1e-12 <= p[0] <= xmax + 1e-12 and ymin - 1e-12 <= p[1] <= ymax + 1e-12]
    if len(inside) < 2:
        return None
    pts = _np.array(inside)
    far = _np.linalg.norm(pts[:, None] - pts[None], axis=2)
    i, j = _np.unravel_index(far.argmax(), far.shape)
    return pts[[i, j]] if far[i, j] > 0 else None


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
    dict of artists: ``"active"`` (the shaded half-plane, a Polygon), ``"line"`` (Line2D or None),
    ``"normal"`` (the arrow along ``w``, or None), ``"points"`` (PathCollection or None).

    Examples
    --------
    >>> artists = plot_neuron([1.0, 1.0], -0.5, points=[[1.0, 1.0], [-1.0, 0.0]])
    >>> artists["points"].get_facecolors().shape[0], artists["line"].get_xydata().shape
    (2, (2, 2))
    """
    ax = _axes(ax)
    box = _check_box(box)
    w = _np.asarray(weight, dtype=float).reshape(-1)
    if w.shape != (2,) or not _np.isfinite(w).all() or not _np.isfinite(bias):
        raise ValueError(f"expected a finite weight of shape (2,) and a finite bias, got {w} and {bias}")
    poly = _halfplane_polygon(w, float(bias), box) if w.any() or bias > 0 else _np.zeros((0, 2))
    from matplotlib.patches import Polygon

    active = ax.add_patch(Polygon(poly if len(poly) else _np.zeros((1, 2)), closed=True,
                                  facecolor=BIT_COLORS[1], alpha=0.18, edgecolor="none", label="active: bit 1"))
    artists = {"active": active, "line": None, "normal": None, "points": None}
    segment = _line_in_box(w, float(bias), box)
    if segment is not None:
        (artists["line"],) = ax.plot(segment[:, 0], segment[:, 1], color=BIT_COLORS[1], lw=2, label="w . x + b = 0")
        middle, unit = segment.mean(0), w / _np.linalg.norm(w)
        size = 0.12 * min(box[1] - box[0], box[3] - box[2])
        artists["normal"] = ax.annotate("", xy=middle + size * unit, xytext=middle,
                                        arrowprops=dict(arrowstyle="->", color=BIT_COLORS[1]))
    if points is not None:
        pts = _np.asarray(points, dtype=float).reshape(-1, 2)
        on = pts @ w + bias > 0
        colors = [BIT_COLORS[1] if o else "white" for o in on]
        artists["points"] = ax.scatter(pts[:, 0], pts[:, 1], c=colors, edgecolors=BIT_COLORS[1], s=60, zorder=3)
    ax.set_xlim(box[0], box[1])
    ax.set_ylim(box[2], box[3])
    ax.set_aspect("equal")
    return artists


def plot_first_layer_lines(net, *, box=None, ax: Axes | None = None, **line_kwargs) -> list:
    """The lines ``w_i . x + b_i = 0`` of a 2D-input net's first layer, where its first-layer bits flip.

    Deeper layers bend at these lines (their boundaries are not straight); an exact picture of all
    regions is :func:`foldlab.arrangement`'s job. For SwiGLU both the gate and the value lines are drawn.

    Returns
    -------
    list of Line2D (lines that miss the box are skipped)

    Examples
    --------
    >>> from foldlab import mlp
    >>> len(plot_first_layer_lines(mlp([2, 5, 1], seed=0), box=(-1, 1, -1, 1))) <= 5
    True
    """
    from .adapter import read_net

    ax = _axes(ax)
    spec = read_net(net)
    affine = spec.layers[0].affine
    if spec.d_in != 2 or affine is None:
        raise ValueError(f"plot_first_layer_lines needs a net with 2 inputs and an affine first layer, got {spec!r}")
    box = _check_box(box if box is not None else (*ax.get_xlim(), *ax.get_ylim()))
    style = dict(color="0.45", lw=0.8, alpha=0.8) | line_kwargs
    lines = []
    for w, b in zip(affine.weight.cpu().numpy(), affine.bias.cpu().numpy()):
        segment = _line_in_box(w, float(b), box)
        if segment is not None:
            lines += ax.plot(segment[:, 0], segment[:, 1], **style)
    return lines


def plot_pattern_bits(patterns, widths=None, *, labels=None, show_difference: bool = True,
                      ax: Axes | None = None):
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
    from .patterns import as_patterns

    ax = _axes(ax)
    P = as_patterns(patterns, "patterns")
    P = P[None] if P.ndim == 1 else P
    if P.ndim != 2:
        raise ValueError(f"expected patterns of shape (k, m) or (m,), got {tuple(P.shape)}")
    rows = P.int().numpy()
    names = list(labels) if labels is not None else [f"pattern {i}" for i in range(len(rows))]
    if show_difference and len(rows) == 2:
        rows = _np.vstack([rows, 2 * (rows[0] != rows[1])])
        names.append("differs")
    # a mesh of cells, not an image: no resampling can smear a one-bit difference at any figure size
    mesh = ax.pcolormesh(_np.arange(rows.shape[1] + 1) - 0.5, _np.arange(len(rows) + 1) - 0.5, rows,
                         cmap=_ListedColormap(BIT_COLORS), vmin=0, vmax=2)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_yticks(range(len(names)), names)
    ax.tick_params(length=0)
    m = P.shape[1]
    if widths is not None:
        widths = [int(w) for w in widths]
        if sum(widths) != m:
            raise ValueError(f"widths {widths} add up to {sum(widths)}, but the patterns have {m} bits")
        edges = _np.cumsum([0] + widths)
        for e in edges[1:-1]:
            ax.axvline(e - 0.5, color="black", lw=1.5)
        ax.set_xticks((edges[:-1] + edges[1:]) / 2 - 0.5, [f"layer {i}" for i in range(len(widths))])
    else:
        ax.set_xlabel("unit")
    return mesh


def plot_hamming_histograms(histograms, *, null: bool = True, ax: Axes | None = None) -> dict:
    """Per-layer histograms of the Hamming distances of :func:`foldlab.hamming_histograms`.

    Distances are shown as a fraction of the layer's width (so layers of different widths compare) and
    the counts as a fraction of the pairs. With ``null=True`` a dotted line per layer shows the law of
    the distance between two random Bernoulli(0.5) vectors of that width, Binomial(m, 1/2).

    Returns
    -------
    dict: ``"histograms"`` (list of StepPatch, one per layer), ``"null"`` (list of Line2D)

    Examples
    --------
    >>> import numpy as np, foldlab as fl
    >>> h = fl.HammingHistograms.from_patterns(np.random.default_rng(0).random((50, 30)) < 0.5, [10, 20])
    >>> len(plot_hamming_histograms(h)["histograms"])
    2
    """
    ax = _axes(ax)
    out = {"histograms": [], "null": []}
    for layer, counts, width, mean in zip(histograms.layers, histograms.counts, histograms.widths, histograms.mean):
        edges = (_np.arange(width + 2) - 0.5) / width
        step = ax.stairs(counts / histograms.n_pairs, edges, lw=1.8,
                         label=f"layer {layer} ({width} bits), mean {mean:.1f}")
        out["histograms"].append(step)
        if null:
            d = _np.arange(width + 1)
            (line,) = ax.plot(d / width, _stats.binom.pmf(d, width, 0.5), ls=":", color=step.get_edgecolor())
            out["null"].append(line)
    ax.set_xlabel("Hamming distance / width")
    ax.set_ylabel("fraction of pairs")
    ax.legend(fontsize="small")
    return out


def plot_activation_probability(activity, *, bins: int = 20, ax: Axes | None = None) -> list:
    """Distribution over units of the activation probability ``p_{l,i}``, one step curve per layer.

    Units with ``p = 0`` (dead) fall in the first bin, always-on units (``p = 1``) in the last; the legend
    counts both.

    Returns
    -------
    list of StepPatch, one per layer

    Examples
    --------
    >>> import numpy as np, foldlab as fl
    >>> a = fl.UnitActivity.from_patterns(np.array([[1, 0, 1], [1, 0, 0]]), widths=[1, 2])
    >>> [s.get_data().values.tolist() for s in plot_activation_probability(a, bins=2)]
    [[0.0, 1.0], [0.5, 0.5]]
    """
    ax = _axes(ax)
    edges = _np.linspace(0, 1, bins + 1)
    steps = []
    for layer, p, dead, on in zip(activity.layers, activity.probability, activity.dead, activity.always_on):
        counts, _ = _np.histogram(p, bins=edges)
        steps.append(ax.stairs(counts / len(p), edges, lw=1.8,
                               label=f"layer {layer}: {len(dead)} dead, {len(on)} always on"))
    ax.set_xlabel("activation probability p")
    ax.set_ylabel("fraction of units")
    ax.set_xlim(0, 1)
    ax.legend(fontsize="small")
    return steps


def plot_null_test(result, *, ax: Axes | None = None) -> dict:
    """The null law of the mean distance (random Bernoulli(0.5) vectors) and the observed mean.

    Returns
    -------
    dict: ``"null"`` (Line2D of the exact binomial law), ``"observed"`` (the vertical line, labelled with
    the p-value and ``z``)

    Examples
    --------
    >>> import numpy as np, foldlab as fl
    >>> r = fl.bernoulli_null_test(np.random.default_rng(0).random((100, 16)) < 0.5, n_pairs=500)
    >>> plot_null_test(r)["observed"].get_xdata()[0] == r.mean_distance
    True
    """
    ax = _axes(ax)
    values, prob = result.null_distribution()
    (null,) = ax.plot(values, prob * result.n_pairs, color="0.3", label="random Bernoulli(0.5) vectors")
    observed = ax.axvline(result.mean_distance, color=BIT_COLORS[2], lw=2,
                          label=f"these patterns: p = {result.p_value:.3g}, z = {result.z:.3g}")
    ax.set_xlabel(f"mean d_H over {result.n_pairs} pairs ({result.width} bits)")
    ax.set_ylabel("density")
    ax.set_ylim(0, 1.35 * ax.get_ylim()[1])  # room for the legend above the curve
    ax.legend(fontsize="small", loc="upper center")
    return {"null": null, "observed": observed}


def plot_constellation_curve(result, *, label: str | None = None, ax: Axes | None = None):
    """Number of complete-linkage clusters against the threshold (:func:`foldlab.constellation_curve`).

    Returns
    -------
    Line2D (a step curve; the legend shows the score)

    Examples
    --------
    >>> import numpy as np, foldlab as fl
    >>> c = fl.constellation_curve(np.random.default_rng(0).random((20, 8)) < 0.5)
    >>> plot_constellation_curve(c).get_ydata().tolist() == c.n_clusters.tolist()
    True
    """
    ax = _axes(ax)
    name = f"{label}: " if label else ""
    (line,) = ax.step(result.thresholds, result.n_clusters, where="post", label=f"{name}score {result.score:.3f}")
    ax.set_xlabel("threshold (largest Hamming distance inside a cluster)")
    ax.set_ylabel("number of clusters")
    ax.legend(fontsize="small")
    return line


def plot_image_grid(rows, *, image_shape, row_labels=None, titles=None, gap: int = 1,
                    ax: Axes | None = None) -> dict:
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

    Returns
    -------
    dict: ``"image"`` (AxesImage of the mosaic; blank cells are NaN) and ``"texts"`` (the captions)

    Examples
    --------
    >>> import numpy as np
    >>> out = plot_image_grid([np.ones((2, 4)), np.zeros((1, 4))], image_shape=(2, 2))
    >>> out["image"].get_array().shape
    (5, 5)
    """
    ax = _axes(ax)
    h, w = image_shape
    rows = [_np.asarray(r, dtype=float).reshape(len(r), h * w) for r in rows]
    ncols = max(len(r) for r in rows)
    mosaic = _np.full((len(rows) * (h + gap) - gap, ncols * (w + gap) - gap), _np.nan)
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


def plot_neighbors(images, query: int, neighbors: dict, *, image_shape, labels=None,
                   ax: Axes | None = None) -> dict:
    """A query image and its nearest neighbours, one row per metric (e.g. Hamming and Euclidean).

    Parameters
    ----------
    images : array, shape (n, h * w)
    query : int
        Row of the query image.
    neighbors : dict of str to index sequence
        ``{"Hamming": indices, "Euclidean": indices}``, indices of ``images`` nearest first.
    image_shape : (h, w)
    labels : array, shape (n,), optional
        Class labels: each neighbour is captioned with its label, the query with its own.

    Returns
    -------
    dict as :func:`plot_image_grid`

    Examples
    --------
    >>> import numpy as np
    >>> out = plot_neighbors(np.eye(4), 0, {"a": [1, 2]}, image_shape=(2, 2), labels=[0, 1, 1, 0])
    >>> [t.get_text() for t in out["texts"]]
    ['query: 0', '1', '1']
    """
    images = _np.asarray(images.detach().cpu() if hasattr(images, "detach") else images, dtype=float)
    rows, titles = [], []
    for name, idx in neighbors.items():
        idx = [int(i) for i in _np.asarray(idx).reshape(-1)]
        rows.append(images[[query] + idx])
        if labels is not None:
            lab = _np.asarray(labels.cpu() if hasattr(labels, "cpu") else labels)
            titles.append([f"query: {lab[query]}"] + [str(lab[i]) for i in idx])
    return plot_image_grid(rows, image_shape=image_shape, row_labels=list(neighbors),
                           titles=titles if labels is not None else None, ax=ax)


# === arrangements and regions (notebook 02) ========================================================

# Regions are drawn as one PolyCollection from the arrangement's flat vertex arrays (fast enough to
# redraw under a slider); colours come from the pattern through a stable hash, so a region keeps its
# colour when the figure is redrawn, as long as its pattern is the same.
# (Imports sit here, not at the top, so that each notebook's section merges on its own.)
import zlib  # noqa: E402

import numpy as np  # noqa: E402
import shapely  # noqa: E402
from matplotlib import colormaps  # noqa: E402
from matplotlib.collections import LineCollection, PathCollection, PolyCollection  # noqa: E402
from matplotlib.colors import Normalize, TwoSlopeNorm, hsv_to_rgb  # noqa: E402
from matplotlib.path import Path  # noqa: E402

_COLOR_BY = ("pattern", "active", "hamming", "output")


def pattern_colors(patterns) -> np.ndarray:
    """One RGBA colour per activation pattern, from a stable hash of its bits.

    The same pattern always gets the same colour (across redraws, sessions and machines): the hue,
    saturation and brightness come from the CRC-32 of the packed bits.

    Parameters
    ----------
    patterns : array of bool, shape (R, m)

    Returns
    -------
    ndarray, shape (R, 4)

    Examples
    --------
    >>> import numpy as np
    >>> c = pattern_colors(np.array([[1, 0, 1], [1, 0, 1], [0, 0, 1]], dtype=bool))
    >>> bool((c[0] == c[1]).all()), bool((c[0] == c[2]).all())
    (True, False)
    """

    patterns = np.asarray(patterns, dtype=bool)
    packed = np.packbits(patterns, axis=1)
    width = patterns.shape[1]
    h = np.array([zlib.crc32(row.tobytes() + width.to_bytes(4, "little")) for row in packed], dtype=np.uint64)
    hsv = np.stack(
        [(h & 0xFFFF) / 65536.0, 0.35 + 0.35 * ((h >> 16) & 0xFF) / 255.0, 0.80 + 0.18 * ((h >> 24) & 0xFF) / 255.0],
        axis=1,
    )
    rgb = hsv_to_rgb(hsv.reshape(-1, 1, 3)).reshape(-1, 3)
    return np.concatenate([rgb, np.ones((len(rgb), 1))], axis=1)


def region_colors(arr, color_by: str = "pattern", *, reference=None, cmap=None) -> np.ndarray:
    """RGBA colours of an arrangement's regions, shape (R, 4).

    Parameters
    ----------
    arr : Arrangement
    color_by : {"pattern", "active", "hamming", "output"}
        ``"pattern"``: a stable hash of the pattern (:func:`pattern_colors`); ``"active"``: the number
        of active neurons; ``"hamming"``: the Hamming distance to the region ``reference`` (a region
        index, or a point ``(x, y)`` whose region is used; default: the region at the box centre);
        ``"output"``: the net's output at the region's centre (one output, diverging around 0) or the
        class there (several outputs).
    cmap : str or Colormap, optional
    """

    if color_by not in _COLOR_BY:
        raise ValueError(f"color_by must be one of {_COLOR_BY}, got {color_by!r}")
    patterns = arr.patterns
    if color_by == "pattern":
        return pattern_colors(patterns)
    if color_by == "active":
        active = patterns.sum(axis=1)
        return colormaps[cmap or "viridis"](Normalize(0, max(patterns.shape[1], 1))(active))
    if color_by == "hamming":
        index = reference_region(arr, reference)
        distance = (patterns != patterns[index]).sum(axis=1)
        return colormaps[cmap or "magma_r"](Normalize(0, max(int(distance.max()), 1))(distance))
    centre = arr.levels[-1].centre
    out = np.einsum("rok,rk->ro", arr.A, centre) + arr.c
    if out.shape[1] == 1:
        v = out[:, 0]
        top = max(float(np.abs(v).max()), 1e-12)
        return colormaps[cmap or "RdBu_r"](TwoSlopeNorm(0.0, -top, top)(v))
    return colormaps[cmap or "tab10"](out.argmax(axis=1) % 10)


def reference_region(arr, reference=None) -> int:
    """A region index from an index, a point ``(x, y)`` in the box, or None (the box centre)."""

    if reference is None:
        xmin, xmax, ymin, ymax = arr.box
        reference = ((xmin + xmax) / 2, (ymin + ymax) / 2)
    if np.ndim(reference) == 0:
        index = int(reference)
        if not 0 <= index < len(arr):
            raise ValueError(f"reference region {index} is out of range: the arrangement has {len(arr)} regions")
        return index
    point = np.asarray(reference, dtype=float).reshape(1, 2)
    index = int(arr.locate(point)[0])
    if index < 0:  # on a line: take the nearest region
        index = int(np.argmin(shapely.distance(arr.polygons, shapely.points(point[0]))))
    return index


def _region_vertex_lists(arr) -> list:

    level = arr.levels[-1]
    return np.split(level.xy, level.start[1:-1])


def _frame(ax: Axes, arr) -> None:
    xmin, xmax, ymin, ymax = arr.box
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal")
    if arr.plane is not None:
        ax.set_xlabel("u")
        ax.set_ylabel("v")


def plot_regions(
    arr,
    ax: Axes | None = None,
    *,
    color_by: str = "pattern",
    reference=None,
    cmap=None,
    edgecolor="white",
    linewidth: float = 0.4,
    alpha: float = 1.0,
):
    """Fill every activation region of an arrangement; see :func:`region_colors` for ``color_by``.

    Returns
    -------
    matplotlib.collections.PolyCollection
        One polygon per region, in the order of ``arr.regions``.

    Examples
    --------
    >>> import foldlab as fl
    >>> arr = fl.arrangement(fl.mlp([2, 8, 8, 1], seed=0))
    >>> len(plot_regions(arr).get_paths()) == len(arr)
    True
    """
    ax = _axes(ax)
    colors = region_colors(arr, color_by, reference=reference, cmap=cmap)
    collection = PolyCollection(
        _region_vertex_lists(arr), facecolors=colors, edgecolors=edgecolor, linewidths=linewidth, alpha=alpha
    )
    ax.add_collection(collection)
    _frame(ax, arr)
    return collection


def _polygon_path(polygon):
    rings = [polygon.exterior, *polygon.interiors]
    return Path.make_compound_path(*[Path(np.asarray(r.coords)[:, :2], closed=True) for r in rings])


def plot_linear_regions(arr, ax: Axes | None = None, *, edgecolor="white", linewidth: float = 1.0, alpha: float = 1.0):
    """Fill the linear regions (activation regions with equal maps merged; maybe non-convex).

    Each is coloured by the stable colour of its largest activation region.

    Returns
    -------
    matplotlib.collections.PathCollection
    """
    ax = _axes(ax)
    linear = arr.linear_regions()
    areas = arr.areas
    biggest = [max(lr.members, key=lambda m: areas[m]) for lr in linear]
    colors = pattern_colors(arr.patterns[biggest])
    paths = [_polygon_path(lr.polygon) for lr in linear]
    collection = PathCollection(
        paths, facecolors=colors, edgecolors=edgecolor, linewidths=linewidth, alpha=alpha, offsets=None
    )
    collection.set_transform(ax.transData)
    ax.add_collection(collection)
    _frame(ax, arr)
    return collection


def plot_decision_boundary(arr, ax: Axes | None = None, *, color="black", linewidth: float = 2.0, **kwargs):
    """Draw the decision boundary (``arr.decision_boundary()``) as a LineCollection."""
    ax = _axes(ax)
    collection = LineCollection(arr.decision_boundary(), colors=color, linewidths=linewidth, **kwargs)
    ax.add_collection(collection)
    _frame(ax, arr)
    return collection


def plot_layer_lines(arr, layer: int, ax: Axes | None = None, *, linewidth: float = 1.2, cmap="tab20", **kwargs):
    """Draw the lines of hidden layer ``layer`` (where its neurons are 0), one colour per neuron.

    On ``arr.upto(layer - 1)`` this shows how the earlier layers bend the next layer's lines.

    Returns
    -------
    matplotlib.collections.LineCollection
    """
    ax = _axes(ax)
    segments, neuron = arr.lines(layer)
    colors = colormaps[cmap](neuron % 20)
    collection = LineCollection(segments, colors=colors, linewidths=linewidth, **kwargs)
    ax.add_collection(collection)
    _frame(ax, arr)
    return collection


def plot_grid_misses(arr, resolution: int, ax: Axes | None = None, *, color="crimson", point_size: float = 4.0):
    """Exact vs grid: the regions a ``resolution x resolution`` grid of samples misses, and the grid.

    Returns
    -------
    (PolyCollection, PathCollection)
        The missed regions (filled, hatched) and the grid points.
    """
    from .counting import grid_points

    ax = _axes(ax)
    missed = arr.missed_by_grid(resolution)
    vertices = [v for v, m in zip(_region_vertex_lists(arr), missed) if m]
    regions = PolyCollection(vertices, facecolors=color, edgecolors=color, linewidths=0.8, alpha=0.75, hatch="////")
    ax.add_collection(regions)
    points = grid_points(arr.box, resolution)
    dots = ax.scatter(points[:, 0], points[:, 1], s=point_size, c="black", linewidths=0)
    _frame(ax, arr)
    return regions, dots


def plot_arrangement(
    arr,
    ax: Axes | None = None,
    *,
    color_by: str = "pattern",
    boundary: bool = True,
    linear: bool = False,
    reference=None,
    mark_points: bool = True,
    **kwargs,
) -> list:
    """Regions (activation, or linear with ``linear=True``), the decision boundary, the plane's points.

    Returns
    -------
    list of artists
        The regions' collection, then the boundary's (when drawn and complete), then the marked points.
    """
    ax = _axes(ax)
    if linear:
        artists = [plot_linear_regions(arr, ax, **kwargs)]
    else:
        artists = [plot_regions(arr, ax, color_by=color_by, reference=reference, **kwargs)]
    if boundary and arr.complete:
        artists.append(plot_decision_boundary(arr, ax))
    if mark_points and arr.plane is not None:
        p = arr.plane.points
        artists.append(ax.scatter(p[:, 0], p[:, 1], s=40, c="black", marker="*", zorder=3))
        for i, (u, v) in enumerate(p):
            artists.append(ax.annotate(f"p{i}", (u, v), textcoords="offset points", xytext=(4, 4)))
    return artists


def plot_region_counts(counts, ax: Axes | None = None) -> list:
    """Regions per unit area through training, with Hanin and Rolnick's ``#neurons^2 / 2``.

    Returns
    -------
    list of Line2D
        The measured density, then the reference line.
    """
    ax = _axes(ax)
    (measured,) = ax.plot(counts.epochs, counts.density, marker="o", ms=3, label="exact count / area")
    reference = ax.axhline(counts.reference, color="grey", ls="--", label=r"$\#\mathrm{neurons}^2 / 2$")
    ax.set_xlabel("epoch")
    ax.set_ylabel("regions per unit area")
    ax.set_yscale("log")
    ax.legend(loc="best", fontsize="small")
    return [measured, reference]


__all__ += [
    "pattern_colors",
    "region_colors",
    "reference_region",
    "plot_regions",
    "plot_linear_regions",
    "plot_decision_boundary",
    "plot_layer_lines",
    "plot_grid_misses",
    "plot_arrangement",
    "plot_region_counts",
]



# === walks and folding (notebooks 03 and 04) =======================================================
# (this section's imports are here, so that the sections merge independently)
from typing import TYPE_CHECKING  # noqa: E402

import numpy as np  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

if TYPE_CHECKING:
    from .walk import Walk

__all__ += ["plot_walk", "plot_hamming_path", "plot_running_chi", "plot_walk_patterns", "plot_cantor_region"]

def _walk_colors(n: int, cmap: str):
    colormap = plt.get_cmap(cmap)
    size = getattr(colormap, "N", 256)
    return [colormap(i % size if size < 256 else i / max(n - 1, 1)) for i in range(n)]


def plot_walk(walk: Walk, ax: Axes | None = None, *, space: str | None = None, cmap: str = "tab10",
              linewidth: float = 3.0, breakpoints: bool = True, y: float = 0.0) -> list:
    """Draw a walk: each region's piece of the segment in its own colour, breakpoints as dots.

    Parameters
    ----------
    walk : Walk
        From :func:`foldlab.walk` or :func:`foldlab.sample_walk`.
    ax : matplotlib Axes, optional
    space : {"input", "t"}, optional
        ``"input"`` draws the segment in the input plane (2D inputs only, the default there);
        ``"t"`` draws it along the parameter axis ``t in [0, 1]`` at height ``y`` (any input dimension).
    cmap : str
        Region ``i`` gets colour ``i`` of this colormap (cycling).
    breakpoints : bool
        Mark where each region starts (and the end).

    Returns
    -------
    list of artists
        The ``LineCollection`` of pieces, then the breakpoints' ``PathCollection`` if drawn.

    Examples
    --------
    >>> import foldlab as fl, torch
    >>> w = fl.walk(fl.CantorNet(depth=1), [0.0, 0.25], [1.0, 0.25])
    >>> lines, dots = plot_walk(w)
    >>> len(lines.get_segments()), len(dots.get_offsets())
    (3, 4)
    """
    from matplotlib.collections import LineCollection

    ax = _axes(ax)
    d = len(walk.x1)
    space = space or ("input" if d == 2 else "t")
    if space not in ("input", "t"):
        raise ValueError(f"space must be 'input' or 't', got {space!r}")
    if space == "input" and d != 2:
        raise ValueError(f"space='input' draws 2-D inputs, this walk has {d}-D inputs; use space='t'")
    cuts = np.append(walk.ts, 1.0)
    if space == "input":
        points = walk.points(cuts)
    else:
        points = np.stack([cuts, np.full_like(cuts, y)], axis=1)
    pieces = np.stack([points[:-1], points[1:]], axis=1)
    lines = LineCollection(pieces, colors=_walk_colors(len(walk), cmap), linewidths=linewidth,
                           capstyle="butt", zorder=3)
    ax.add_collection(lines)
    artists = [lines]
    if breakpoints:
        artists.append(ax.scatter(points[:, 0], points[:, 1], s=12, c="black", zorder=4))
    if space == "t":
        ax.set_xlim(-0.02, 1.02)
        ax.set_xlabel("t")
    ax.autoscale_view()
    return artists


def plot_hamming_path(walk: Walk, ax: Axes | None = None, *, x: str = "region") -> list:
    """The walk's path in Hamming space: distance from the start and distance travelled, per region.

    ``r1`` is the highest point of the first curve and ``r2`` the end of the second; chi = 1 - r1 / r2
    measures how much the first falls short of the second.

    Parameters
    ----------
    walk : Walk
    x : {"region", "t"}
        Plot against the region's index, or against ``t`` (steps at the region starts).

    Returns
    -------
    list of Line2D
        ``[distance from start, cumulative distance]``.

    Examples
    --------
    >>> import foldlab as fl
    >>> w = fl.walk(fl.CantorNet(depth=1), [0.0, 0.25], [1.0, 0.25])
    >>> [line.get_ydata().tolist() for line in plot_hamming_path(w)]
    [[0, 2, 2], [0, 2, 4]]
    """
    if x not in ("region", "t"):
        raise ValueError(f"x must be 'region' or 't', got {x!r}")
    ax = _axes(ax)
    position = np.arange(len(walk)) if x == "region" else walk.ts
    style = dict(drawstyle="steps-post") if x == "t" else dict(marker="o", markersize=3)
    start = ax.plot(position, walk.distance_from_start, label="distance from start  d_H(π_1, π_i)", **style)[0]
    travelled = ax.plot(position, walk.cumulative_distance, label="distance travelled", **style)[0]
    ax.set_xlabel("region" if x == "region" else "t")
    ax.set_ylabel("Hamming distance")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(f"r1 = {walk.r1}, r2 = {walk.r2}, chi = {walk.chi:.3f}")
    ax.legend(loc="upper left")
    return [start, travelled]


def plot_running_chi(walk: Walk, ax: Axes | None = None, *, x: str = "region", label: str | None = None) -> list:
    """chi of every prefix of the walk (the curves plotted in the papers).

    Examples
    --------
    >>> import foldlab as fl
    >>> w = fl.walk(fl.CantorNet(depth=1), [0.0, 0.25], [1.0, 0.25])
    >>> plot_running_chi(w)[0].get_ydata().tolist()
    [0.0, 0.0, 0.5]
    """
    if x not in ("region", "t"):
        raise ValueError(f"x must be 'region' or 't', got {x!r}")
    ax = _axes(ax)
    position = np.arange(len(walk)) if x == "region" else walk.ts
    line = ax.plot(position, walk.running_chi, marker="o" if len(walk) < 60 else None, markersize=3,
                   drawstyle="steps-post" if x == "t" else "default", label=label)[0]
    ax.set_xlabel("region" if x == "region" else "t")
    ax.set_ylabel("running chi")
    ax.set_ylim(-0.02, 1.02)
    if x == "region":
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return [line]


def plot_walk_patterns(walk: Walk, ax: Axes | None = None, *, cmap: str = "Greys") -> list:
    """The walk's patterns as an image: one row per region, one column per bit, blocks separated.

    Returns
    -------
    list of artists
        The ``AxesImage``, then one vertical line per block boundary.

    Examples
    --------
    >>> import foldlab as fl
    >>> w = fl.walk(fl.CantorNet(depth=1), [0.0, 0.25], [1.0, 0.25], include_output=True)
    >>> image, *separators = plot_walk_patterns(w)
    >>> image.get_array().shape, len(separators)
    ((3, 6), 2)
    """
    ax = _axes(ax)
    image = ax.imshow(walk.patterns.numpy().astype(float), cmap=cmap, vmin=0, vmax=1, aspect="auto",
                      interpolation="nearest")
    artists = [image]
    stop = 0
    for name, width in walk.blocks[:-1]:
        stop += width
        artists.append(ax.axvline(stop - 0.5, color="tab:red", linewidth=1.5))
    ax.set_xlabel(" | ".join(name for name, _ in walk.blocks) + "  (bits, black = 1)")
    ax.set_ylabel("region")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return artists


def plot_cantor_region(depth: int, ax: Axes | None = None, *, color: str = "tab:gray", alpha: float = 0.25) -> list:
    """CantorNet's decision region ``R_k`` in [0, 1]^2 (filled, exact polygon) and its boundary.

    Returns
    -------
    list of artists
        ``[Polygon patch, boundary Line2D]``.

    Examples
    --------
    >>> patch, line = plot_cantor_region(2)
    >>> len(line.get_xdata())
    8
    """
    from matplotlib.patches import Polygon

    from .nets import cantor_vertices

    ax = _axes(ax)
    vertices = np.array([[float(x), float(y)] for x, y in cantor_vertices(depth)])
    outline = np.concatenate([[[0.0, 0.0]], vertices, [[1.0, 0.0]]])
    patch = ax.add_patch(Polygon(outline, closed=True, facecolor=color, alpha=alpha, edgecolor="none"))
    line = ax.plot(vertices[:, 0], vertices[:, 1], color=color, linewidth=1.5)[0]
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.05)
    ax.set_aspect("equal")
    return [patch, line]
