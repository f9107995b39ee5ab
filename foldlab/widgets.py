"""Widgets: each ``*_widget(...)`` builds and returns an ``ipywidgets.Widget`` without displaying it.

Tests set a control's ``value`` and assert on what changed, with no browser; the notebooks display them.
Every control's range works at both of its ends.
"""

from __future__ import annotations

import ipywidgets as widgets

__all__: list[str] = []


# === patterns and Hamming geometry (notebook 01) ===================================================


# === arrangements and regions (notebook 02) ========================================================


# === walks and folding (notebooks 03 and 04) =======================================================
# (this section's imports are here, so that the sections merge independently)
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

__all__ += ["cantor_walk_widget", "sampling_widget"]

#: Bit choices of :func:`cantor_walk_widget`: label -> (layers, include_output)
CANTOR_BITS = {
    "first layer": ([0], False),
    "all hidden layers": (None, False),
    "hidden + output": (None, True),
}


def cantor_walk_widget(depth: int = 1, height: float = 0.25, representation: str = "recursive",
                       bits: str = "all hidden layers") -> widgets.interactive:
    """Walk CantorNet along a horizontal segment ``(0, h) -> (1, h)``: the walk over the decision region,
    the running chi, and chi for the chosen bits.

    Controls: ``depth`` (1 to 6), ``height`` (0 to 1), ``representation`` (recursive, dnf) and ``bits``
    (first layer, all hidden layers, hidden + output). The returned widget's ``.result`` is the current
    :class:`foldlab.Walk`.

    Examples
    --------
    >>> import contextlib, io
    >>> with contextlib.redirect_stdout(io.StringIO()):  # outside a notebook the output area prints escapes
    ...     w = cantor_walk_widget(depth=1, height=0.25)
    ...     all_layers = w.result.chi
    ...     w.children[3].value = "first layer"
    >>> all_layers, w.result.chi
    (0.5, 0.0)
    """
    from . import plotting
    from .nets import CantorNet
    from .walk import walk

    def show(depth, height, representation, bits):
        layers, include_output = CANTOR_BITS[bits]
        net = CantorNet(depth, representation=representation)
        result = walk(net, [0.0, height], [1.0, height], layers=layers, include_output=include_output)
        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
        plotting.plot_cantor_region(depth, ax=left)
        plotting.plot_walk(result, ax=left)
        left.set_title(f"CantorNet k={depth} ({representation}): {len(result)} regions")
        plotting.plot_running_chi(result, ax=right)
        right.set_title(f"chi = {result.chi:.4f} ({bits})")
        fig.tight_layout()
        plt.show()  # inside the widget's output: displayed in a notebook, nothing printed elsewhere
        plt.close(fig)
        return result

    return widgets.interactive(
        show,
        depth=widgets.IntSlider(value=depth, min=1, max=6, description="depth k"),
        height=widgets.FloatSlider(value=height, min=0.0, max=1.0, step=0.01, description="height y"),
        representation=widgets.Dropdown(options=["recursive", "dnf"], value=representation,
                                        description="weights"),
        bits=widgets.ToggleButtons(options=list(CANTOR_BITS), value=bits, description="bits"),
    )


def sampling_widget(net, x1, x2, n: int = 20, max_n: int = 1000, layers=None,
                    include_output: bool = False) -> widgets.interactive:
    """Equidistant sampling against the exact walk on one segment: which regions do ``n`` samples see?

    Controls: ``n`` (2 to ``max_n``). The plot shows the exact regions along ``t`` (top row) and the
    regions the samples found (bottom row, samples as dots); the title counts the regions missed and
    compares chi. The returned widget's ``.result`` is the sampled :class:`foldlab.Walk`.

    Examples
    --------
    >>> import contextlib, io, foldlab as fl
    >>> with contextlib.redirect_stdout(io.StringIO()):  # outside a notebook the output area prints escapes
    ...     w = sampling_widget(fl.CantorNet(depth=3), [0.0, 0.3], [1.0, 0.3], n=2)
    >>> len(w.result), len(fl.walk(fl.CantorNet(depth=3), [0.0, 0.3], [1.0, 0.3]))
    (2, 15)
    """
    from . import plotting
    from .walk import sample_walk, walk

    exact = walk(net, x1, x2, layers=layers, include_output=include_output)

    def show(n):
        sampled = sample_walk(net, x1, x2, n, layers=layers, include_output=include_output)
        fig, ax = plt.subplots(figsize=(10, 2.2))
        plotting.plot_walk(exact, ax=ax, space="t", y=1.0)
        plotting.plot_walk(sampled, ax=ax, space="t", y=0.0, breakpoints=False)
        ax.scatter(np.linspace(0, 1, n), np.zeros(n), s=8, c="black", zorder=5)
        ax.set_yticks([0, 1], [f"sampled (n={n})", "exact"])
        ax.set_ylim(-0.5, 1.5)
        ax.set_title(
            f"exact: {len(exact)} regions, chi = {exact.chi:.3f};   sampled: {len(sampled)} regions "
            f"({len(exact) - len(sampled)} missed), chi = {sampled.chi:.3f}"
        )
        fig.tight_layout()
        plt.show()  # inside the widget's output: displayed in a notebook, nothing printed elsewhere
        plt.close(fig)
        return sampled

    return widgets.interactive(show, n=widgets.IntSlider(value=n, min=2, max=max_n, description="samples n"))
