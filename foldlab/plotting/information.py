"""Plots of information geometry and of the region around an input (notebook 08).

The tangent sensitivity along a segment and through training, the Hamming geodesic against the straight walk,
the polytope exploration of a region, the local linear maps as images, their singular values, and how their
angles grow with noise. Every function is ``plot_x(obj, ax=None, *, options)`` and returns one artist or a
named tuple of artists.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator

from .._typing import ArrayLike
from .._validation import check_bool, check_float, check_int, describe, to_numpy
from ..geodesic import Geodesic
from ..information import InformationTrace, SensitivityProfile
from ..local import NoiseAngles, RegionSize
from ._common import (
    Cmap,
    Color,
    axes,
    check_cmap,
    check_color,
    check_image_shape,
    check_instance,
    check_text,
    check_texts,
    cycle_colors,
    plot_function,
    twin_line,
)

__all__ = [
    "plot_sensitivity_profile",
    "plot_information_trace",
    "plot_geodesic",
    "plot_region_size",
    "plot_local_maps",
    "plot_singular_values",
    "plot_noise_angles",
    "SensitivityProfileArtists",
    "InformationTraceArtists",
    "GeodesicArtists",
    "RegionSizeArtists",
    "LocalMapArtists",
    "NoiseAngleArtists",
]


class SensitivityProfileArtists(NamedTuple):
    """What :func:`plot_sensitivity_profile` draws."""

    #: The norm at each sampled ``t``.
    samples: PathCollection
    #: One horizontal piece per region of the exact walk, at the norm of its middle, in the region's colour.
    regions: LineCollection
    #: The walk's boundaries, dashed, across the axes' height.
    boundaries: LineCollection


@plot_function
def plot_sensitivity_profile(profile: SensitivityProfile, ax: Axes | None = None, *, cmap: Cmap = "tab10",
                             color: Color = "black",
                             size: float = 6.0) -> SensitivityProfileArtists:
    """The tangent sensitivity along a segment: samples over the exact walk's regions (Lemma 3.1 as a picture).

    Parameters
    ----------
    profile : SensitivityProfile
        From :func:`foldlab.information.sensitivity_along`.
    %(ax)s
    cmap : str or Colormap
        Region ``i`` gets colour ``i`` (cycling), as in :func:`plot_walk`.
    color : colour
        Of the samples.
    size : float
        Of the sample dots (points squared).

    Returns
    -------
    SensitivityProfileArtists
        ``samples`` (PathCollection), ``regions`` (LineCollection, one piece per region) and ``boundaries``
        (LineCollection, one dashed line per boundary).

    References
    ----------
    Daróczy, "Information geometry and generalization in deep neural networks" (slides, 2020), Definition 3.1
    and Lemma 3.1.

    Examples
    --------
    >>> import foldlab as fl
    >>> profile = fl.information.sensitivity_along(fl.mlp([2, 8, 8, 1], seed=0), [-1, -1], [1, 1], n=20)
    >>> samples, regions, boundaries = plot_sensitivity_profile(profile)
    >>> len(samples.get_offsets()), len(regions.get_segments()) == len(profile.walk)
    (20, True)
    """
    profile = check_instance(profile, "profile", SensitivityProfile,
                             "from foldlab.information.sensitivity_along(net, x1, x2)")
    colors = cycle_colors(len(profile.walk), cmap)
    color = check_color(color, "color")
    size = check_float(size, "size", min=0.0)
    ax = axes(ax)
    walk = profile.walk
    pieces = [[(start, value), (end, value)] for start, end, value in zip(walk.ts, walk.ends, profile.region_norms)]
    regions = LineCollection(pieces, colors=colors, linewidths=4, alpha=0.6, capstyle="butt", zorder=2)
    ax.add_collection(regions)
    boundaries = LineCollection([[(t, 0.0), (t, 1.0)] for t in walk.ts[1:]], colors="gray", linestyles="dashed",
                                linewidths=0.6, transform=ax.get_xaxis_transform(), zorder=1)
    ax.add_collection(boundaries, autolim=False)
    samples = ax.scatter(profile.t, profile.norms, s=size, c=color, zorder=3)
    which = "all outputs" if profile.output == "all" else f"output {profile.output}"
    ax.set_xlabel("t along the segment")
    ax.set_ylabel(f"||Sens(x(t))||_F ({which})")
    ax.set_xlim(-0.02, 1.02)
    ax.autoscale_view()
    return SensitivityProfileArtists(samples, regions, boundaries)


class InformationTraceArtists(NamedTuple):
    """What :func:`plot_information_trace` draws."""

    #: The mean Frobenius norm of the tangent sample sensitivity, per snapshot (left axis).
    sensitivity: Line2D
    #: The Fisher-Rao norm, per snapshot (on a twin axis on the right).
    fisher_rao: Line2D


@plot_function
def plot_information_trace(trace: InformationTrace, ax: Axes | None = None) -> InformationTraceArtists:
    """The mean tangent sensitivity (left axis) and the Fisher-Rao norm (right axis) through training.

    Parameters
    ----------
    trace : InformationTrace
        From :func:`foldlab.information.information_trace`.
    %(ax)s
        The Fisher-Rao norm goes on ``ax.twinx()``.

    Returns
    -------
    InformationTraceArtists
        ``sensitivity`` and ``fisher_rao`` (Line2D).

    References
    ----------
    Daróczy, "Information geometry and generalization in deep neural networks" (slides, 2020), Definition 3.1;
    Liang, Poggio, Rakhlin and Stokes, "Fisher-Rao Metric, Geometry, and Complexity of Neural Networks"
    (AISTATS 2019), Definition 2.

    Examples
    --------
    >>> import foldlab as fl
    >>> data = fl.toy_dataset("moons", n=60, seed=0)
    >>> history = fl.train(fl.mlp([2, 8, 1], seed=0), data, epochs=2, keep_snapshots=True, progress=False)
    >>> lines = plot_information_trace(fl.information.information_trace(history.snapshots, data.X, data.y))
    >>> lines.sensitivity.get_xdata().tolist()
    [0, 1, 2]
    """
    trace = check_instance(trace, "trace", InformationTrace,
                           "from foldlab.information.information_trace(history.snapshots, X, y)")
    ax = axes(ax)
    which = "all outputs" if trace.output == "all" else f"output {trace.output}"
    sensitivity = ax.plot(trace.epochs, trace.sensitivity, marker="o", markersize=3, color="tab:blue",
                          label=f"mean ||Sens(x)||_F ({which})")[0]
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean ||Sens(x)||_F", color="tab:blue")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fisher_rao = twin_line(ax, trace.epochs, trace.fisher_rao, ylabel="Fisher-Rao norm", color="tab:orange",
                           marker="s", markersize=3, label="Fisher-Rao norm")
    ax.legend(handles=[sensitivity, fisher_rao], loc="best")
    return InformationTraceArtists(sensitivity, fisher_rao)


class GeodesicArtists(NamedTuple):
    """What :func:`plot_geodesic` draws."""

    #: Cumulative exact flips along the straight path, after each piece.
    straight: Line2D
    #: Cumulative exact flips along the optimised path.
    path: Line2D
    #: ``d_H(x1, x2)``, which no path goes below (dashed).
    floor: Line2D


@plot_function
def plot_geodesic(geodesic: Geodesic, ax: Axes | None = None) -> GeodesicArtists:
    """Cumulative exact bit flips along the straight path and along the conditional geodesic, piece by piece.

    Parameters
    ----------
    geodesic : Geodesic
        From :func:`foldlab.hamming_geodesic`.
    %(ax)s

    Returns
    -------
    GeodesicArtists
        ``straight``, ``path`` and ``floor`` (Line2D).

    References
    ----------
    Swiniarski, Bruna and Cho, "Study on Activation Patterns", section 5.1 (Figures 28 and 29).

    Examples
    --------
    >>> import foldlab as fl
    >>> g = fl.hamming_geodesic(fl.mlp([2, 16, 16, 1], seed=0), [-1.0, -1.0], [1.0, 1.0], iterations=3)
    >>> straight, path, floor = plot_geodesic(g)
    >>> int(straight.get_ydata()[-1]) == g.straight, int(path.get_ydata()[-1]) == g.flips
    (True, True)
    """
    geodesic = check_instance(geodesic, "geodesic", Geodesic, "from foldlab.hamming_geodesic(net, x1, x2)")
    ax = axes(ax)
    steps = np.arange(len(geodesic.pieces) + 1)
    straight = ax.plot(steps, np.concatenate([[0], np.cumsum(geodesic.straight_pieces)]), marker="o", markersize=3,
                       label=f"straight path: {geodesic.straight} flips")[0]
    path = ax.plot(steps, np.concatenate([[0], np.cumsum(geodesic.pieces)]), marker="o", markersize=3,
                   label=f"conditional geodesic: {geodesic.flips} flips")[0]
    floor = ax.axhline(geodesic.distance, color="gray", linestyle="dashed", linewidth=1,
                       label=f"d_H(x1, x2) = {geodesic.distance}")
    ax.set_xlabel("point of the path")
    ax.set_ylabel("bits flipped so far (exact)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="upper left")
    return GeodesicArtists(straight, path, floor)


class RegionSizeArtists(NamedTuple):
    """What :func:`plot_region_size` draws."""

    #: ``log10(sigma)`` at each round.
    noise: Line2D
    #: The fraction of copies that kept the pattern at each round (on a twin axis on the right).
    survivors: Line2D
    #: A reported value of ``log10(sigma)`` (dotted), or None.
    reference: Line2D | None


@plot_function
def plot_region_size(size: RegionSize, ax: Axes | None = None, *, reference: float | None = None,
                     reference_label: str | None = None) -> RegionSizeArtists:
    """The polytope exploration round by round: the noise scale and the copies that kept the pattern.

    Parameters
    ----------
    size : RegionSize
        From :func:`foldlab.region_size`.
    %(ax)s
        The survivors go on ``ax.twinx()``.
    reference : float, optional
        A ``log10(sigma)`` to draw for comparison (the source reports -4.00 for its first layer).
    reference_label : str, optional
        Its legend entry.

    Returns
    -------
    RegionSizeArtists
        ``noise``, ``survivors`` (Line2D) and ``reference`` (Line2D or None).

    References
    ----------
    Swiniarski, Bruna and Cho, "Study on Activation Patterns", section 6.5 (exploring polytopes).

    Examples
    --------
    >>> import foldlab as fl
    >>> size = fl.region_size(fl.mlp([2, 8, 8, 1], seed=0), [0.3, -0.2], rounds=10)
    >>> noise, survivors, reference = plot_region_size(size, reference=-1.0)
    >>> len(noise.get_xdata()), reference.get_ydata()[0]
    (10, -1.0)
    """
    size = check_instance(size, "size", RegionSize, "from foldlab.region_size(net, x)")
    if reference is not None:
        reference = check_float(reference, "reference")
    reference_label = check_text(reference_label, "reference_label")
    ax = axes(ax)
    rounds = np.arange(1, len(size.history) + 1)
    noise = ax.plot(rounds, np.log10(size.history), drawstyle="steps-post", color="tab:blue",
                    label=f"log10 sigma (final {size.log10:.2f})")[0]
    handles = [noise]
    line = None
    if reference is not None:
        line = ax.axhline(reference, color="tab:red", linestyle="dotted",
                          label=reference_label or f"reported: {reference:.2f}")
        handles.append(line)
    ax.set_xlabel("round")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # rounds, never 2.5
    ax.set_ylabel("log10 sigma", color="tab:blue")
    survivors = twin_line(ax, rounds, size.survivors, ylabel="fraction of copies kept",
                          color="tab:gray", fraction=True, linewidth=0.8, label="copies kept")
    handles.append(survivors)
    ax.legend(handles=handles, loc="upper right")
    return RegionSizeArtists(noise, survivors, line)


class LocalMapArtists(NamedTuple):
    """What :func:`plot_local_maps` draws."""

    #: The mosaic of maps (one ``imshow``), colours symmetric about 0.
    image: AxesImage
    #: The captions above the images of the first row.
    texts: tuple[Text, ...]


def _map_rows(maps) -> np.ndarray:
    try:
        values = to_numpy(maps, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"maps must be numbers (a Tensor or array of shape (k, h * w) or (rows, k, h * w)), got "
                        f"{describe(maps)}") from None
    if values.ndim == 2:
        values = values[None]
    if values.ndim != 3 or 0 in values.shape:
        raise ValueError(f"expected maps of shape (k, h * w) or (rows, k, h * w), got shape {values.shape}")
    if not np.isfinite(values).all():
        raise ValueError("maps contains NaN or inf")
    return values


@plot_function
def plot_local_maps(maps: ArrayLike, ax: Axes | None = None, *, image_shape: tuple[int, int],
                    titles: Sequence[str] | None = None, row_labels: Sequence[str] | None = None,
                    cmap: Cmap = "RdBu_r", gap: int = 1) -> LocalMapArtists:
    """Local linear maps ``W_{a,x}`` drawn as images: red where a pixel raises unit ``a``, blue where it lowers it.

    Parameters
    ----------
    maps : Tensor or array, shape (k, h * w) or (rows, k, h * w)
        Rows of :func:`foldlab.local_linear_map` (one image per output or unit), or several such stacks.
    %(ax)s
    image_shape : (h, w)
    titles : sequence of str, optional
        One caption per image of a row (``k``), shown above the first row.
    row_labels : sequence of str, optional
        One per row.
    cmap : str or Colormap
        A diverging colormap; the colour limits are ``+-max |W|``, so white is 0.
    gap : int
        Blank pixels between images.

    Returns
    -------
    LocalMapArtists
        ``image`` (AxesImage of the mosaic) and ``texts`` (the captions).

    References
    ----------
    Swiniarski, Bruna and Cho, "Study on Activation Patterns", section 6.1 (plotting W_{a,x}).

    Examples
    --------
    >>> import numpy as np
    >>> image, texts = plot_local_maps(np.arange(8.0).reshape(2, 4) - 4, image_shape=(2, 2), titles=["a", "b"])
    >>> image.get_array().shape, image.get_clim(), len(texts)
    ((2, 5), (-4.0, 4.0), 2)
    """
    values = _map_rows(maps)
    rows, k, size = values.shape
    h, w = check_image_shape(image_shape, size=size)
    titles = check_texts(titles, "titles", k, per="image")
    row_labels = check_texts(row_labels, "row_labels", rows)
    colormap = check_cmap(cmap)
    gap = check_int(gap, "gap", min=0)
    ax = axes(ax)
    mosaic = np.full((rows * (h + gap) - gap, k * (w + gap) - gap), np.nan)
    for i in range(rows):
        for j in range(k):
            mosaic[i * (h + gap) : i * (h + gap) + h, j * (w + gap) : j * (w + gap) + w] = values[i, j].reshape(h, w)
    limit = float(np.abs(values).max()) or 1.0
    image = ax.imshow(mosaic, cmap=colormap, vmin=-limit, vmax=limit, interpolation="nearest")
    texts = tuple(ax.text(j * (w + gap) + w / 2 - 0.5, -0.6, title, ha="center", va="bottom", fontsize="small")
                  for j, title in enumerate(titles or []))
    ax.set_xticks([])
    ax.tick_params(length=0)
    ax.set_yticks([i * (h + gap) + h / 2 - 0.5 for i in range(rows)], row_labels or [""] * rows)
    for side in ax.spines.values():
        side.set_visible(False)
    return LocalMapArtists(image, texts)


@plot_function
def plot_singular_values(values: ArrayLike, ax: Axes | None = None, *, label: str | None = None,
                         relative: bool = False) -> Line2D:
    """Singular values against their rank, on a log scale.

    Parameters
    ----------
    values : array, shape (r,)
        Non-negative, largest first (``NeighborMaps.singular_values[0]``,
        :func:`foldlab.local.stacked_singular_values`).
    %(ax)s
    label : str, optional
        The curve's legend entry.
    relative : bool
        Divide by the largest value.

    Returns
    -------
    Line2D

    References
    ----------
    Swiniarski, Bruna and Cho, "Study on Activation Patterns", section 6.2 (Figures 32 and 33).

    Examples
    --------
    >>> plot_singular_values([4.0, 2.0, 1.0], relative=True).get_ydata().tolist()
    [1.0, 0.5, 0.25]
    """
    try:
        s = to_numpy(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"values must be numbers, got {describe(values)}") from None
    if s.ndim != 1 or len(s) == 0:
        raise ValueError(f"expected values of shape (r,), one singular value each, got shape {s.shape}")
    if not np.isfinite(s).all() or (s < 0).any():
        raise ValueError("values must be finite and >= 0 (singular values)")
    label = check_text(label, "label")
    relative = check_bool(relative, "relative")
    ax = axes(ax)
    shown = s / s.max() if relative and s.max() > 0 else s
    line = ax.plot(np.arange(1, len(s) + 1), shown, marker="o", markersize=3, label=label)[0]
    ax.set_yscale("log")
    ax.set_xlabel("rank")
    ax.set_ylabel("singular value" + (" / largest" if relative else ""))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return line


class NoiseAngleArtists(NamedTuple):
    """What :func:`plot_noise_angles` draws."""

    #: The mean angle between the maps of ``x`` and ``x + eps``, per noise scale.
    angles: Line2D
    #: The fraction of ``x + eps`` still in the region of ``x`` (on a twin axis on the right).
    same_region: Line2D


@plot_function
def plot_noise_angles(noise: NoiseAngles, ax: Axes | None = None) -> NoiseAngleArtists:
    """The angle between ``W_{a,x}`` and ``W_{a,x+eps}`` against the noise scale, beside the inputs that stayed.

    Parameters
    ----------
    noise : NoiseAngles
        From :func:`foldlab.local.angles_under_noise`.
    %(ax)s
        The fraction in the same region goes on ``ax.twinx()``.

    Returns
    -------
    NoiseAngleArtists
        ``angles`` and ``same_region`` (Line2D).

    References
    ----------
    Swiniarski, Bruna and Cho, "Study on Activation Patterns", section 6.4 (Figures 38 and 39).

    Examples
    --------
    >>> import foldlab as fl
    >>> noise = fl.local.angles_under_noise(fl.mlp([2, 8, 8, 1], seed=0), [[0.3, -0.2]], [0.01, 1.0])
    >>> angles, same = plot_noise_angles(noise)
    >>> angles.get_xdata().tolist()
    [0.01, 1.0]
    """
    noise = check_instance(noise, "noise", NoiseAngles, "from foldlab.local.angles_under_noise(net, X, sigmas)")
    ax = axes(ax)
    angles = ax.plot(noise.sigmas, noise.mean, marker="o", markersize=3, color="tab:blue",
                     label="mean angle (degrees)")[0]
    ax.set_xscale("log")
    ax.set_xlabel("noise sigma")
    ax.set_ylabel("angle between W_{a,x} and W_{a,x+eps} (degrees)", color="tab:blue")
    same = twin_line(ax, noise.sigmas, noise.same_region, ylabel="fraction in the same region", color="tab:gray",
                     fraction=True, marker="s", markersize=3, label="x + eps in the region of x")
    ax.legend(handles=[angles, same], loc="center left")
    return NoiseAngleArtists(angles, same)
