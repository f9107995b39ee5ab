"""Widgets of information geometry and of the region around an input (notebook 08): the tangent sensitivity
along a segment, the local linear maps of two neighbouring regions, and the polytope exploration."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from torch import nn

from .._typing import ArrayLike, Net
from .._validation import as_inputs, as_labels, check_choice, check_float, check_int, check_seed
from ..information import sensitivity_along, tangent_sensitivity_norm
from ..local import RegionSize, local_linear_map, neighbor_maps, region_size
from ..plotting._common import check_image_shape, check_instance, read_net_arg
from ..plotting.information import plot_local_maps, plot_region_size, plot_sensitivity_profile
from ..plotting.patterns import plot_image_grid
from ._view import FigureView, slider

__all__ = ["sensitivity_widget", "local_map_widget", "region_size_widget", "REGION_METHODS"]

#: The methods of :func:`region_size_widget`'s toggle (:func:`foldlab.region_size`).
REGION_METHODS = ("explore", "anchored")


def sensitivity_widget(net: nn.Module, x1: ArrayLike, x2: ArrayLike, *, t: float = 0.5, output: int | str | None = None,
                       n: int = 200) -> FigureView:
    """Move a point along a segment and read its tangent sensitivity: the same everywhere in one region.

    The picture is :func:`foldlab.plotting.information.plot_sensitivity_profile` (``n`` samples over the exact
    walk's regions) with the point at ``t`` marked; the label gives its region and its norm.

    Parameters
    ----------
    net : torch.nn.Module
    x1, x2 : Tensor or array, shape (d_in,)
        The segment's ends.
    t : float
        Where the point starts, 0 to 1.
    output : int or "all", optional
        As in :func:`foldlab.information.tangent_sensitivity_norm` (needed when the net has several outputs).
    n : int
        Samples drawn along the segment, at least 2.

    Returns
    -------
    FigureView
        ``.controls["t"]`` (0 to 1, in steps of 0.005); ``.label``: the point's region and norm;
        ``.result``: ``||Sens(x(t))||_F`` at the point, computed afresh at each move.

    References
    ----------
    Daróczy, "Information geometry and generalization in deep neural networks" (slides, 2020), Lemma 3.1.

    Examples
    --------
    >>> import foldlab as fl
    >>> net = fl.mlp([2, 8, 8, 1], seed=0)
    >>> w = sensitivity_widget(net, [-1.0, -1.0], [1.0, 1.0], t=0.0)
    >>> w.controls["t"].value = 0.01
    >>> "region 1 of" in w.label.value
    True
    """
    check_instance(net, "net", nn.Module, "a torch net: the sensitivity differentiates its parameters")
    t = check_float(t, "t", min=0.0, max=1.0)
    profile = sensitivity_along(net, x1, x2, n=n, output=output)
    walk = profile.walk
    controls = {"t": slider("t", t, 0.0, 1.0, 0.005, readout_format=".3f")}

    def draw(fig):
        where = controls["t"].value
        point = walk.points([where])
        value = float(tangent_sensitivity_norm(net, point, output=profile.output)[0])
        region = int(np.clip(np.searchsorted(walk.ts, where, side="right") - 1, 0, len(walk) - 1))
        ax = fig.add_subplot()
        plot_sensitivity_profile(profile, ax)
        ax.plot([where], [value], marker="*", markersize=14, color="tab:red", zorder=5)
        label = (f"t = {where:.3f}: region {region + 1} of {len(walk)}, <b>||Sens||_F = {value:.6g}</b> "
                 f"(its region's value: {profile.region_norms[region]:.6g}); all {len(profile.t)} samples equal "
                 f"their region's value (largest difference {profile.deviation:.1g})")
        return label, value

    return FigureView(draw, controls, figsize=(9.0, 3.2))


def local_map_widget(net: Net, X: ArrayLike, *, y: ArrayLike | None = None,
                     image_shape: tuple[int, int] = (8, 8), image: int = 0, toward: int = 1,
                     output: int = 0) -> FigureView:
    """The local linear map ``W_{a,x}`` of an image's region beside the map of the next region toward another.

    Left: the two images. Right: ``W_{a,x}`` of output ``a`` on the region of the first image, the same map on
    the next region of the segment toward the second (:func:`foldlab.local.neighbor_maps`), and their
    difference, in one colour scale (red raises output ``a``, blue lowers it).

    Parameters
    ----------
    net : torch.nn.Module or NetSpec
    X : Tensor or array, shape (n, h * w)
        Images (flattened), at least 2.
    y : array, shape (n,), optional
        Labels, for the captions.
    image_shape : (h, w)
    image, toward : int
        The images the sliders start at (0 to n - 1).
    output : int
        The output ``a`` shown first (0 to d_out - 1).

    Returns
    -------
    FigureView
        ``.controls``: ``image`` and ``toward`` (0 to n - 1), ``output`` (0 to d_out - 1). ``.label``: the angle
        between the two maps of output ``a``, the bits that flip and where. ``.result``: the
        :class:`foldlab.local.NeighborMaps` shown, or None when both images are in one region.

    References
    ----------
    Swiniarski, Bruna and Cho, "Study on Activation Patterns", sections 6.1 and 6.4.

    Examples
    --------
    >>> import foldlab as fl
    >>> data = fl.load_digits(seed=0)
    >>> w = local_map_widget(fl.mlp([64, 16, 10], seed=0), data.X_test[:20], y=data.y_test[:20])
    >>> w.controls["output"].value = 9
    >>> w.result.maps.shape
    (2, 10, 64)
    """
    spec = read_net_arg(net)
    X = as_inputs(X, spec.d_in, name="X")
    n = X.shape[0]
    if n < 2:
        raise ValueError(f"expected X with at least 2 images to choose from, got shape {tuple(X.shape)}")
    h, w = check_image_shape(image_shape, size=spec.d_in)
    labels = None if y is None else as_labels(y, "y", n=n)
    image = check_int(image, "image", min=0, max=n - 1)
    toward = check_int(toward, "toward", min=0, max=n - 1)
    output = check_int(output, "output", min=0, max=spec.d_out - 1)
    controls = {
        "image": slider("image", image, 0, n - 1),
        "toward": slider("toward", toward, 0, n - 1),
        "output": slider("output a", output, 0, spec.d_out - 1),
    }

    def caption(i):
        return f"image {i}" + ("" if labels is None else f" ({labels[i]})")

    def draw(fig):
        i, j, a = controls["image"].value, controls["toward"].value, controls["output"].value
        left, right = fig.subplots(1, 2, width_ratios=[2, 3])
        plot_image_grid([X[[i, j]].numpy()], left, image_shape=(h, w), titles=[[caption(i), caption(j)]])
        left.set_title("x and the image it walks toward", fontsize="small")
        try:
            near = neighbor_maps(spec, X[i], X[j])
        except ValueError:  # the same image, or two images of one region: no boundary between them
            own = local_linear_map(spec, X[i])[0, a].numpy()[None]
            plot_local_maps(own, right, image_shape=(h, w), titles=[f"W_(a={a}, x)"])
            return f"{caption(i)} and {caption(j)} lie in one region: no boundary between them", None
        maps = near.maps[:, a]
        plot_local_maps(np.stack([maps[0], maps[1], maps[1] - maps[0]]), right, image_shape=(h, w),
                        titles=[f"W_(a={a}, x)", "next region", "difference"])
        rank = int(np.sum(near.singular_values[0] > 1e-10 * near.singular_values[0, 0]))
        label = (f"output {a}: <b>{near.angles[a]:.2f} degrees</b> between the maps of the region of {caption(i)} "
                 f"and the next region toward {caption(j)} ({len(near.flipped)} bits flip, at distance "
                 f"{near.boundary:.3g}); the map of x has rank {rank}")
        return label, near

    return FigureView(draw, controls, figsize=(10.0, 2.8))


def region_size_widget(net: Net, X: ArrayLike, *, image: int = 0, layers: str = "all", method: str = "explore",
                       rounds: int = 60, seed: int = 0, reference: float | None = None) -> FigureView:
    """Explore the region of an input with noise (the source's section 6.5), for one layer's bits or all.

    Parameters
    ----------
    net : torch.nn.Module or NetSpec
    X : Tensor or array, shape (n, d_in)
        Inputs to choose from, at least 2.
    image : int
        The input the slider starts at.
    layers : str
        ``"all"`` or the 0-based index of one hidden layer, as a string (``"0"``): whose bits must stay.
    method : {"explore", "anchored"}
        As in :func:`foldlab.region_size`.
    rounds : int
        Rounds of the exploration.
    seed : int
    reference : float, optional
        A reported ``log10(sigma)`` drawn for comparison.

    Returns
    -------
    FigureView
        ``.controls``: ``image`` (0 to n - 1), ``layers`` (``"all"``, ``"0"``, ...), ``method`` (explore,
        anchored). ``.label``: the final noise scale. ``.result``: the :class:`foldlab.RegionSize`.

    References
    ----------
    Swiniarski, Bruna and Cho, "Study on Activation Patterns", section 6.5 (exploring polytopes).

    Examples
    --------
    >>> import foldlab as fl
    >>> w = region_size_widget(fl.mlp([2, 8, 8, 1], seed=0), [[0.3, -0.2], [0.5, 0.5]], rounds=20)
    >>> w.controls["layers"].value = "0"
    >>> len(w.result.history)
    20
    """
    spec = read_net_arg(net)
    X = as_inputs(X, spec.d_in, name="X")
    n = X.shape[0]
    if n < 2:
        raise ValueError(f"expected X with at least 2 inputs to choose from, got shape {tuple(X.shape)}")
    image = check_int(image, "image", min=0, max=n - 1)
    choices = ("all", *(str(i) for i in range(len(spec.layers))))
    layers = check_choice(layers, "layers", choices)
    method = check_choice(method, "method", REGION_METHODS)
    rounds = check_int(rounds, "rounds", min=1)
    seed = check_seed(seed)
    if reference is not None:
        reference = check_float(reference, "reference")
    controls = {
        "image": slider("input", image, 0, n - 1),
        "layers": widgets.Dropdown(options=list(choices), value=layers, description="bits of"),
        "method": widgets.ToggleButtons(options=list(REGION_METHODS), value=method, description="method"),
    }

    def draw(fig, progress):
        i, chosen, how = controls["image"].value, controls["layers"].value, controls["method"].value
        progress(f"exploring the region of input {i} ({how}, {rounds} rounds) ...")
        size: RegionSize = region_size(spec, X[i], layers=None if chosen == "all" else int(chosen), method=how,
                                       rounds=rounds, seed=seed)
        plot_region_size(size, fig.add_subplot(), reference=reference)
        which = "all hidden layers" if chosen == "all" else f"layer {chosen}"
        label = (f"input {i}, bits of {which}, {how}: <b>final sigma = 10<sup>{size.log10:.2f}</sup></b> "
                 f"({size.noise:.3g}) after {rounds} rounds")
        return label, size

    return FigureView(draw, controls, figsize=(8.0, 3.0))
