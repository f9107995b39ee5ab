"""Widgets of walks and folding: CantorNet's walks, sampling against the exact walk (notebooks 03 and 04)."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .. import plotting as flp
from .._validation import check_bool, check_choice, check_float, check_int
from ..cantornet import CantorNet
from ..plotting._common import read_net_arg
from ..walk import sample_walk, walk
from ._view import FigureView, slider

__all__ = ["CANTOR_BITS", "MAX_WALK_DEPTH", "cantor_walk_widget", "sampling_widget"]

#: The deepest CantorNet of :func:`cantor_walk_widget` (2^7 - 1 = 127 regions along the segment at y = 1/4).
MAX_WALK_DEPTH = 6

#: Bit choices of :func:`cantor_walk_widget`: label -> (which of the net's own layers, include_output). The
#: layers are those of :attr:`foldlab.CantorNet.repository_layers`: every hidden layer of the recursive and
#: foldlab_dnf nets, and for B and C the repository's layers without the two helper layers in front.
CANTOR_BITS = {
    "first layer": ("first", False),
    "all hidden layers": ("all", False),
    "hidden + output": ("all", True),
}


def cantor_walk_widget(depth: int = 1, height: float = 0.25, representation: str = "recursive",
                       bits: str = "all hidden layers") -> FigureView:
    """Walk CantorNet along a horizontal segment ``(0, h) -> (1, h)``: the walk over the decision region,
    the running chi, and chi for the chosen bits.

    Parameters
    ----------
    depth : int
        Initial recursion depth ``k``, 1 to :data:`MAX_WALK_DEPTH` (6).
    height : float
        Initial height ``h`` of the segment, 0 to 1.
    representation : {"recursive", "B", "C", "foldlab_dnf"}
        Initial weights (:class:`foldlab.CantorNet`).
    bits : str
        Initial bits that count, a key of :data:`CANTOR_BITS`.

    Returns
    -------
    FigureView
        ``.controls``: ``depth`` (1 to 6), ``height`` (0 to 1), ``representation`` (recursive, B, C, foldlab_dnf) and
        ``bits`` (first layer, all hidden layers, hidden + output). ``.label``: regions and chi.
        ``.result``: the :class:`foldlab.Walk` shown.

    References
    ----------
    Lewandowski et al., "On Space Folds of ReLU Neural Networks" (TMLR 2025, arXiv:2502.09954), Figure 5: chi on
    CantorNet with the first layer's bits and with all layers; foldlab's maths page (docs/maths.md), section
    'CantorNet'.

    Examples
    --------
    >>> w = cantor_walk_widget(depth=1, height=0.25)
    >>> all_layers = w.result.chi
    >>> w.controls["bits"].value = "first layer"
    >>> all_layers, w.result.chi
    (0.5, 0.0)
    """
    depth = check_int(depth, "depth", min=1, max=MAX_WALK_DEPTH)
    height = check_float(height, "height", min=0.0, max=1.0)
    check_choice(representation, "representation", CantorNet.REPRESENTATIONS)
    check_choice(bits, "bits", tuple(CANTOR_BITS))
    controls = {
        "depth": slider("depth k", depth, 1, MAX_WALK_DEPTH),
        "height": slider("height y", height, 0.0, 1.0, 0.01),
        "representation": widgets.Dropdown(options=list(CantorNet.REPRESENTATIONS), value=representation,
                                           description="weights"),
        "bits": widgets.ToggleButtons(options=list(CANTOR_BITS), value=bits, description="bits"),
    }

    def draw(fig):
        k, h = controls["depth"].value, controls["height"].value
        name, chosen = controls["representation"].value, controls["bits"].value
        which, include_output = CANTOR_BITS[chosen]
        net = CantorNet(k, representation=name)
        own = list(net.repository_layers)
        layers = own[:1] if which == "first" else own
        result = walk(net, [0.0, h], [1.0, h], layers=layers, include_output=include_output)
        left, right = fig.subplots(1, 2)
        flp.plot_cantor_region(k, left)
        flp.plot_walk(result, left)
        left.set_title(f"CantorNet k={k} ({name})")
        flp.plot_running_chi(result, right)
        right.set_title(f"running chi ({chosen})")
        return f"{len(result)} regions along y = {h:.2f}; <b>chi = {result.chi:.4f}</b> ({chosen})", result

    return FigureView(draw, controls, figsize=(10.0, 3.6))


def sampling_widget(net, x1, x2, n: int = 20, max_n: int = 1000, layers=None,
                    include_output: bool = False) -> FigureView:
    """Equidistant sampling against the exact walk on one segment: which regions do ``n`` samples see?

    The plot shows the exact regions along ``t`` (top row) and the regions the samples found (bottom
    row, samples as dots); the label counts the regions missed and compares chi.

    Parameters
    ----------
    net : torch.nn.Module
    x1, x2 : Tensor or array, shape (d,)
        The segment's ends.
    n : int
        Initial number of samples, 2 to ``max_n``.
    max_n : int
        The slider's upper end (its lower end is 2).
    layers, include_output
        The bits that count, as in :func:`foldlab.walk`.

    Returns
    -------
    FigureView
        ``.controls["n"]`` (2 to ``max_n``); ``.label``: regions and chi, exact and sampled; ``.result``:
        the sampled :class:`foldlab.Walk`.

    Examples
    --------
    >>> import foldlab as fl
    >>> w = sampling_widget(fl.CantorNet(depth=3), [0.0, 0.3], [1.0, 0.3], n=2)
    >>> len(w.result), len(fl.walk(fl.CantorNet(depth=3), [0.0, 0.3], [1.0, 0.3]))
    (2, 15)
    """
    max_n = check_int(max_n, "max_n", min=2)
    n = check_int(n, "n", min=2, max=max_n)
    include_output = check_bool(include_output, "include_output")
    spec = read_net_arg(net)  # read once: every redraw samples the same snapshot
    exact = walk(spec, x1, x2, layers=layers, include_output=include_output)
    controls = {"n": slider("samples n", n, 2, max_n)}

    def draw(fig):
        k = controls["n"].value
        sampled = sample_walk(spec, x1, x2, k, layers=layers, include_output=include_output)
        ax = fig.add_subplot()
        flp.plot_walk(exact, ax, space="t", y=1.0)
        flp.plot_walk(sampled, ax, space="t", y=0.0, breakpoints=False)
        ax.scatter(np.linspace(0, 1, k), np.zeros(k), s=8, c="black", zorder=5)
        ax.set_yticks([0, 1], [f"sampled (n={k})", "exact"])
        ax.set_ylim(-0.5, 1.5)
        label = (f"exact: {len(exact)} regions, chi = {exact.chi:.3f}; sampled: {len(sampled)} regions "
                 f"({len(exact) - len(sampled)} missed), chi = {sampled.chi:.3f}")
        return label, sampled

    return FigureView(draw, controls, figsize=(10.0, 2.2))
