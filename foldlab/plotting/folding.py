"""Plots of folding over a data set (notebook 05): the class pair matrix, the chi distribution of a global
measure, the running chi of many paths, and folding against a swept quantity (depth, width, test error).

Every function is ``plot_x(obj, ax=None, *, options)`` and returns one artist or a named tuple of artists.
Wherever a headline ``Phi_N`` is shown, ``mean`` and the fraction folding are shown beside it: the
reductions are interpretations (foldlab's maths page, docs/maths.md, section 'The global folding measure').
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from .._validation import check_bool, check_choice, check_int
from ..folding import CLASS_PAIR_VALUES, ClassPairs, GlobalFolding, RunningFolding
from ._common import Cmap, Color, axes, check_cmap, check_instance, check_text, plot_function

__all__ = [
    "plot_class_pairs",
    "plot_chi_distribution",
    "plot_running_folding",
    "plot_folding_sweep",
    "ClassPairArtists",
    "ChiDistributionArtists",
    "RunningFoldingArtists",
]


class ClassPairArtists(NamedTuple):
    """What :func:`plot_class_pairs` draws."""

    #: The matrix, one cell per class pair (blank where there is no segment).
    image: AxesImage
    #: The value written in each cell (empty with ``annotate=False``).
    texts: tuple[Text, ...]


@plot_function
def plot_class_pairs(pairs: ClassPairs | GlobalFolding, ax: Axes | None = None, *, value: str = "median",
                     cmap: Cmap = "viridis",
                     annotate: bool = True) -> ClassPairArtists:
    """The class x class matrix of a global measure (median chi, fraction folding or the largest chi).

    Parameters
    ----------
    pairs : ClassPairs or GlobalFolding
        From :func:`foldlab.folding.class_pairs` (a GlobalFolding is summarised with unordered pairs).
    %(ax)s
    value : {"median", "fraction_folding", "max", "max_nonzero", "count"}
    cmap : str or Colormap
    annotate : bool
        Write each cell's value.

    Returns
    -------
    ClassPairArtists
        ``image`` (its array is the matrix, masked where a pair has no segment) and ``texts``.

    References
    ----------
    Lewandowski et al., "On Space Folds of ReLU Neural Networks" (TMLR 2025), the global measure;
    foldlab's maths page (docs/maths.md), section 'The global folding measure'.

    Examples
    --------
    >>> import foldlab as fl
    >>> data = fl.toy_dataset("cantor", n=40, seed=0)
    >>> g = fl.global_folding(fl.CantorNet(depth=2), data.X, data.y, n_pairs=30)
    >>> art = plot_class_pairs(g, value="count")
    >>> art.image.get_array().filled(-1).tolist()
    [[-1.0, 30.0], [30.0, -1.0]]
    """
    if isinstance(pairs, GlobalFolding):
        pairs = pairs.class_pairs()
    check_instance(pairs, "pairs", ClassPairs, "from foldlab.folding.class_pairs(g) or g.class_pairs()")
    value = check_choice(value, "value", CLASS_PAIR_VALUES)
    cmap = check_cmap(cmap)
    annotate = check_bool(annotate, "annotate")
    matrix = pairs.value(value).astype(np.float64)
    masked = np.ma.masked_where((pairs.count == 0) | np.isnan(matrix), matrix)
    ax = axes(ax)
    vmax = None if value == "count" else 1.0
    image = ax.imshow(masked, cmap=cmap, vmin=0.0, vmax=vmax, origin="upper")
    k = len(pairs.classes)
    ax.set_xticks(range(k), [str(c) for c in pairs.classes])
    ax.set_yticks(range(k), [str(c) for c in pairs.classes])
    ax.set_xlabel("end class" if pairs.ordered else "class")
    ax.set_ylabel("start class" if pairs.ordered else "class")
    ax.set_title(f"{value.replace('_', ' ')} chi per class pair" if value != "count" else "segments per class pair")
    texts = []
    if annotate and k <= 12:
        hidden = np.ma.getmaskarray(masked)
        for i in range(k):
            for j in range(k):
                if not hidden[i, j]:
                    text = f"{int(matrix[i, j])}" if value == "count" else f"{matrix[i, j]:.2f}"
                    # clipped to the axes: a cell's text lies inside them, and the layout then skips it
                    texts.append(ax.text(j, i, text, ha="center", va="center", fontsize="x-small", color="w",
                                         clip_on=True))
    return ClassPairArtists(image, tuple(texts))


class ChiDistributionArtists(NamedTuple):
    """What :func:`plot_chi_distribution` draws."""

    #: The histogram of the non-zero chi values.
    bars: tuple[Rectangle, ...]
    #: Vertical lines at ``phi`` and at ``mean``.
    phi: Line2D
    mean: Line2D


@plot_function
def plot_chi_distribution(g: GlobalFolding, ax: Axes | None = None, *, bins: int = 20) -> ChiDistributionArtists:
    """The chi values of a global measure, with ``phi``, ``mean`` and the fraction folding.

    The histogram shows the non-zero values (the zeros are counted in the legend's fraction folding, so a
    tall bar at 0 does not hide the rest).

    Parameters
    ----------
    g : GlobalFolding
    %(ax)s
    bins : int

    Returns
    -------
    ChiDistributionArtists

    Examples
    --------
    >>> import foldlab as fl
    >>> data = fl.toy_dataset("cantor", n=40, seed=0)
    >>> g = fl.global_folding(fl.CantorNet(depth=2), data.X, data.y, n_pairs=30)
    >>> art = plot_chi_distribution(g)
    >>> art.mean.get_xdata()[0] == g.mean
    True
    """
    check_instance(g, "g", GlobalFolding, "from foldlab.global_folding(net, X, y)")
    bins = check_int(bins, "bins", min=1)
    ax = axes(ax)
    nonzero = g.chis[g.chis > 0]
    _, _, bars = ax.hist(nonzero, bins=bins, range=(0.0, 1.0), color="0.6")
    phi = ax.axvline(g.phi, color="tab:red", lw=2, label=f"phi ({g.reduce}) = {g.phi:.3g}")
    mean = ax.axvline(g.mean, color="tab:blue", lw=2, ls="--",
                      label=f"mean = {g.mean:.3g}; fraction folding = {g.fraction_folding:.3g}")
    ax.set_xlabel(f"chi of the folding segments ({len(nonzero)} of {len(g.chis)})")
    ax.set_ylabel("segments")
    ax.legend(fontsize="small")
    return ChiDistributionArtists(tuple(bars), phi, mean)


class RunningFoldingArtists(NamedTuple):
    """What :func:`plot_running_folding` draws."""

    #: The mean running chi per step.
    line: Line2D
    #: The spread (mean +- std, or the 25-75 % quantiles).
    band: PolyCollection


@plot_function
def plot_running_folding(result: RunningFolding, ax: Axes | None = None, *, spread: str = "std",
                         label: str | None = None, color: Color | None = None) -> RunningFoldingArtists:
    """Mean running chi per step over many paths, with its spread (the curves of the papers' figures).

    Parameters
    ----------
    result : RunningFolding
        From :func:`foldlab.folding.running_folding`.
    %(ax)s
    spread : {"std", "quartiles"}
        The band: mean +- one standard deviation, or the 25 % and 75 % quantiles.
    label : str, optional
    color : color, optional

    Returns
    -------
    RunningFoldingArtists

    Examples
    --------
    >>> from foldlab.folding import running_folding
    >>> import foldlab as fl
    >>> rf = running_folding(fl.CantorNet(depth=1), [[0.0, 0.25]], [[1.0, 0.25]], n_points=5)
    >>> plot_running_folding(rf).line.get_ydata().tolist()
    [0.0, 0.0, 0.0, 0.5, 0.5]
    """
    check_instance(result, "result", RunningFolding, "from foldlab.folding.running_folding(net, X1, X2)")
    spread = check_choice(spread, "spread", ("std", "quartiles"))
    label = check_text(label, "label")
    ax = axes(ax)
    mean = result.mean
    if spread == "std":
        low, high = mean - result.std, mean + result.std
    else:
        low, high = result.quantiles((0.25, 0.75))
    (line,) = ax.plot(result.ts, mean, marker="o", markersize=3, label=label, color=color)
    band = ax.fill_between(result.ts, low, high, alpha=0.25, color=line.get_color())
    ax.set_xlabel("t along the path")
    ax.set_ylabel(f"running chi (mean, {'+- std' if spread == 'std' else '25-75 %'}; {len(result.curves)} paths)")
    ax.set_ylim(-0.02, 1.02)
    return RunningFoldingArtists(line, band)


@plot_function
def plot_folding_sweep(table: dict[str, Sequence] | Sequence[dict[str, Any]], ax: Axes | None = None, *,
                       x: str = "depth", y: str = "mean_chi", group: str | None = None,
                       label: str | None = None) -> tuple[Line2D, ...]:
    """A folding column against a swept one (depth, width, test error), mean and spread over seeds.

    Parameters
    ----------
    table : mapping of str to sequence, or a list of dicts
        Rows of the experiment runner's CSV (:mod:`foldlab.experiments`), read into columns.
    %(ax)s
    x, y : str
        Column names.
    group : str, optional
        One curve per value of this column (e.g. ``"width"``).
    label : str, optional
        Prefix of the legend entries.

    Returns
    -------
    tuple of Line2D
        One per curve: the mean over the rows with the same ``x`` (and group); its error bars (std over them)
        are drawn with it.

    Examples
    --------
    >>> rows = {"depth": [1, 1, 2, 2], "mean_chi": [0.0, 0.1, 0.2, 0.4]}
    >>> bars = plot_folding_sweep(rows)
    >>> [round(float(v), 6) for v in bars[0].get_ydata()]
    [0.05, 0.3]
    """
    columns = _columns(table)
    for name, key in (("x", x), ("y", y)) + ((("group", group),) if group is not None else ()):
        if key not in columns:
            raise ValueError(f"{name}={key!r} is not a column of the table (columns: {sorted(columns)})")
    label = check_text(label, "label")
    ax = axes(ax)
    xs = np.asarray(columns[x], dtype=np.float64)
    ys = np.asarray(columns[y], dtype=np.float64)
    groups = np.asarray(columns[group]) if group is not None else np.zeros(len(xs))
    out: list[Line2D] = []
    for g in np.unique(groups):
        here = groups == g
        levels = np.unique(xs[here])
        means = [ys[here & (xs == v)].mean() for v in levels]
        stds = [ys[here & (xs == v)].std() for v in levels]
        name = None if group is None else f"{group} = {g}"
        if label is not None:
            name = label if name is None else f"{label}, {name}"
        out.append(ax.errorbar(levels, means, yerr=stds, marker="o", capsize=3, label=name).lines[0])
    ax.set_xlabel(x.replace("_", " "))
    ax.set_ylabel(f"{y.replace('_', ' ')} (mean +- std over seeds)")
    if group is not None or label is not None:
        ax.legend(fontsize="small")
    return tuple(out)


def _columns(table) -> dict[str, list]:
    if isinstance(table, dict):
        return {str(k): list(v) for k, v in table.items()}
    if isinstance(table, (list, tuple)) and table and all(isinstance(r, dict) for r in table):
        return {k: [r[k] for r in table] for k in table[0]}
    raise TypeError(f"table must be a dict of columns or a non-empty list of row dicts, got {type(table).__name__}")
