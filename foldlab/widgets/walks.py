"""Widgets of walks and folding: CantorNet's walks, sampling against the exact walk (notebooks 03 and 04)."""

from __future__ import annotations

import html
from collections.abc import Sequence

import ipywidgets as widgets
import numpy as np
from matplotlib.colors import Normalize

from .. import plotting as flp
from .._typing import ArrayLike, Box, Layers, Net
from .._validation import as_box, check_bool, check_choice, check_float, check_int, check_seed
from ..arrangement import arrangement
from ..cantornet import CantorNet
from ..nets import mlp
from ..plotting._common import check_cmap, hash_colors, read_net_arg
from ..plotting.regions import RegionScale, add_scale
from ..walk import sample_walk, walk
from ._presets import preset_widget
from ._view import FigureView, Pointer, slider
from .regions import RegionFinder, box_point, rounded_click

__all__ = ["CANTOR_BITS", "MAX_WALK_DEPTH", "cantor_walk_widget", "sampling_widget", "region_walk_widget", "PRESETS"]

#: Named presets of these widgets (see :func:`foldlab.widgets.from_preset`); ``net`` is passed again.
PRESETS = {
    "cantor_walk_widget": {
        "first layer is flat": "cantor_walk_widget(depth=1, height=0.25, bits='first layer')",
        "all layers fold": "cantor_walk_widget(depth=1, height=0.25, bits='all hidden layers')",
        "deep and folded": "cantor_walk_widget(depth=4, height=0.25, representation='recursive')",
        "another representation": "cantor_walk_widget(depth=2, height=0.25, representation='foldlab_dnf')",
    },
    "sampling_widget": {
        "too few samples": "sampling_widget(net, x1, x2, n=10)",
        "many samples": "sampling_widget(net, x1, x2, n=500, max_n=1000)",
    },
    "region_walk_widget": {
        "a walk across the box": "region_walk_widget(start=(-0.8, -0.5), end=(0.8, 0.6), seed=0)",
        "coloured by distance": "region_walk_widget(start=(-0.9, 0.0), end=(0.9, 0.0), seed=1, color_by='hamming')",
        "first layer only": "region_walk_widget(start=(-0.8, -0.5), end=(0.8, 0.6), seed=0, bits='layer 0')",
    },
}

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


@preset_widget
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
    >>> w.preset
    "cantor_walk_widget(depth=1, height=0.25, representation='recursive', bits='first layer')"
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
        left.set_title("the decision region and the walk")
        flp.plot_running_chi(result, right, x="t")
        right.set_xlim(0, 1)  # the same axes at every depth: only the curve changes
        right.set_title("running chi along the segment")
        label = (f"CantorNet k = {k} ({name}): {len(result)} regions along y = {h:.2f}; "
                 f"<b>chi = {result.chi:.4f}</b> ({chosen})")
        return label, result

    return FigureView(draw, controls, figsize=(10.0, 3.6))


@preset_widget
def sampling_widget(net: Net, x1: ArrayLike, x2: ArrayLike, n: int = 20, max_n: int = 1000, layers: Layers = None,
                    include_output: bool = False) -> FigureView:
    """Equidistant sampling against the exact walk on one segment: which regions do ``n`` samples see?

    The plot shows the exact regions along ``t`` (top row) and the regions the samples found (bottom
    row, samples as dots); the label counts the regions missed and compares chi.

    Parameters
    ----------
    net : torch.nn.Module or NetSpec
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
        ax.set_yticks([0, 1], ["sampled", "exact"])
        ax.set_ylim(-0.5, 1.5)
        label = (f"exact: {len(exact)} regions, chi = {exact.chi:.3f}; {k} samples: {len(sampled)} regions "
                 f"({len(exact) - len(sampled)} missed), chi = {sampled.chi:.3f}")
        return label, sampled

    return FigureView(draw, controls, figsize=(10.0, 2.2))


#: Colourings of :func:`region_walk_widget`'s regions.
WALK_COLORS = ("pattern", "hamming")


def _walk_bits(spec) -> dict[str, tuple[list[int], bool]]:
    """The bit choices of a net: label -> (hidden layers, include_output)."""
    every = list(range(len(spec.layers)))
    choices = {"all hidden layers": (every, False)}
    if spec.output is not None:
        choices["hidden + output"] = (every, True)
    choices.update({f"layer {i}": ([i], False) for i in every})
    return choices


@preset_widget
def region_walk_widget(net: Net | None = None, *, start: ArrayLike = (-0.8, -0.5), end: ArrayLike = (0.8, 0.6),
                       widths: Sequence[int] = (2, 16, 16, 16, 1), seed: int = 0, box: Box = (-1.0, 1.0, -1.0, 1.0),
                       bits: str = "all hidden layers", color_by: str = "pattern",
                       place: str = "start") -> FigureView:
    """Click in the regions of a 2D net to place the ends A and B of a walk; hover to read a region's pattern.

    On the left, the net's exact activation regions with the walk from A to B; on the right, the walk's
    path in Hamming space (distance from A's region, distance travelled), whose ratio is chi. A click
    moves the end that ``place`` names (ringed in the picture), then ``place`` turns to the other end,
    so two clicks place a new walk. Hovering over a region shows its pattern and its Hamming distance to
    A's region, counted on the bits the walk counts.

    Parameters
    ----------
    net : torch.nn.Module, optional
        A piecewise-linear net with 2 inputs. Default: ``mlp(widths, seed=seed)``.
    start, end : (x, y)
        A and B, inside the box.
    widths : sequence of int
        Of the default net (only without ``net``).
    seed : int
        Of the default net (only without ``net``).
    box : (xmin, xmax, ymin, ymax)
    bits : str
        The bits that count: ``"all hidden layers"``, ``"hidden + output"`` or ``"layer i"``.
    color_by : {"pattern", "hamming"}
        Colour the regions by a hash of the pattern, or by the Hamming distance to A's region.
    place : {"start", "end"}
        The end the next click moves.

    Returns
    -------
    FigureView
        ``.controls``: ``place``, ``bits`` and ``color_by``; ``.label``: the ends, the regions on the
        segment, r1, r2 and chi; ``.result``: the :class:`foldlab.Walk`; ``.hover``: what the pointer is
        over. ``click(x, y)`` clicks at a point, as the browser does.

    References
    ----------
    Lewandowski et al., "On Space Folds of ReLU Neural Networks" (TMLR 2025, arXiv:2502.09954): walks along
    segments and the range metrics r1, r2; foldlab's maths page (docs/maths.md), section 'Folding measures'.

    Examples
    --------
    >>> w = region_walk_widget(widths=(2, 8, 8, 1), seed=0)
    >>> w.click(-0.5, 0.5)       # moves A, then B is next
    >>> w.click(0.5, -0.5)
    >>> w.result.x1.tolist(), w.result.x2.tolist(), w.controls["place"].value
    ([-0.5, 0.5], [0.5, -0.5], 'start')
    >>> w.preset
    "region_walk_widget(start=(-0.5, 0.5), end=(0.5, -0.5), widths=(2, 8, 8, 1), seed=0, bits='all hidden layers', \
color_by='pattern', place='start')"
    """
    box = as_box(box)
    seed = check_seed(seed)
    if net is None:
        net = mlp(list(widths), seed=seed)  # checks widths
    elif tuple(widths) != (2, 16, 16, 16, 1) or seed != 0:
        raise ValueError(f"widths and seed build the default net: pass them without net, got net with "
                         f"widths={tuple(widths)}, seed={seed}")
    spec = read_net_arg(net)
    if spec.d_in != 2:
        raise ValueError(f"region_walk_widget draws nets with 2 inputs, got {spec.d_in}")
    spec.check_piecewise_linear("region_walk_widget")
    ends = {"start": box_point(start, box, "start"), "end": box_point(end, box, "end")}
    choices = _walk_bits(spec)
    check_choice(bits, "bits", tuple(choices))
    check_choice(color_by, "color_by", WALK_COLORS)
    check_choice(place, "place", ("start", "end"))
    arr = arrangement(spec, box=box)
    finder = RegionFinder(arr)
    columns = np.cumsum([0, *spec.widths])
    controls = {
        "place": widgets.ToggleButtons(options=["start", "end"], value=place, description="click moves",
                                       tooltips=["the next click moves A, the start",
                                                 "the next click moves B, the end"]),
        "bits": widgets.Dropdown(options=list(choices), value=bits, description="bits"),
        "color_by": widgets.Dropdown(options=list(WALK_COLORS), value=color_by, description="colour"),
    }

    def hidden(layers) -> np.ndarray:
        """The region patterns' columns of these hidden layers."""
        return arr.patterns[:, np.concatenate([np.arange(columns[i], columns[i + 1]) for i in layers])]

    def draw(fig):
        layers, include_output = choices[controls["bits"].value]
        a, b = ends["start"], ends["end"]
        result = walk(spec, a, b, layers=layers, include_output=include_output)
        left, right = fig.subplots(1, 2, width_ratios=[1.25, 1])
        if controls["color_by"].value == "hamming":
            bits_of = hidden(layers)
            distance = (bits_of != bits_of[finder(*a)]).sum(axis=1)
            scale = RegionScale(Normalize(0, max(int(distance.max()), 1)), check_cmap("magma_r"),
                                "d_H to A's region (hidden bits)")
            colors = scale.cmap(scale.norm(distance))
        else:
            scale, colors = None, hash_colors(arr.patterns)
        flp.plot_regions(arr, left, color_by="pattern", alpha=0.9)
        left.collections[-1].set_facecolors(colors)
        add_scale(scale, left)
        flp.plot_walk(result, left, linewidth=3)
        for name, (x, y) in (("A", a), ("B", b)):
            left.annotate(name, (x, y), xytext=(5, 5), textcoords="offset points", weight="bold")
        ring = ends[controls["place"].value]
        left.plot(*ring, marker="o", markersize=16, markerfacecolor="none", markeredgecolor="black",
                  markeredgewidth=2, zorder=6)
        left.set_title("click: move the ringed end")
        flp.plot_hamming_path(result, right, x="t")
        right.set_xlim(0, 1)
        # the bits counted are named in the picture: where the output bit never flips on the segment the
        # path is the same as without it, and the title is what says that this is the answer
        right.set_title(f"the walk in Hamming space ({controls['bits'].value})")
        label = (f"A = ({a[0]:.3g}, {a[1]:.3g}), B = ({b[0]:.3g}, {b[1]:.3g}): {len(result)} regions on the "
                 f"segment, r1 = {result.r1}, r2 = {result.r2}, <b>chi = {result.chi:.3f}</b> "
                 f"({html.escape(controls['bits'].value)})")
        return label, result

    def on_click(axes, x, y):
        which = controls["place"].value
        ends[which] = (rounded_click(x), rounded_click(y))
        controls["place"].value = "end" if which == "start" else "start"

    def on_hover(axes, x, y):
        index = finder(x, y)
        if index < 0:
            return "", None
        layers, _ = choices[controls["bits"].value]
        bits_of = hidden(layers)
        reference = finder(*ends["start"])
        d = int((bits_of[index] != bits_of[reference]).sum())
        pattern = " | ".join("".join("1" if v else "0" for v in arr.patterns[index, columns[i]:columns[i + 1]])
                             for i in layers)
        text = (f"region {index}: pattern <code>{pattern}</code> (layers {' | '.join(map(str, layers))}), "
                f"<b>d_H = {d}</b> to A's region")
        return text, arr.vertices(index)

    def state():
        return {"start": ends["start"], "end": ends["end"], "bits": controls["bits"].value,
                "color_by": controls["color_by"].value, "place": controls["place"].value}

    pointer = Pointer(on_click=on_click, on_hover=on_hover,
                      hint="click to move the ringed end; hover over a region: its pattern and d_H to A's region")
    return FigureView(draw, controls, figsize=(10.5, 4.6), state=state, pointer=pointer)
