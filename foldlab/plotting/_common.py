"""What every plot shares: the contract of a ``plot_*`` function, its checks, the axes to draw on, the house
colours and the bit image.

Each helper lives here once; the topic modules (:mod:`.patterns`, :mod:`.regions`, :mod:`.walks`)
import them, so a bit, a region or a box looks the same in every notebook, and every plot refuses a bad
argument with the same kind of message. ``matplotlib.pyplot`` is imported in one place only,
:func:`axes`, when a plot is called without ``ax`` and a new figure has to be made: a widget draws on its
own :class:`~matplotlib.figure.Figure` and never loads pyplot.
"""

from __future__ import annotations

import functools
import inspect
import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.cbook import normalize_kwargs
from matplotlib.collections import Collection, LineCollection, QuadMesh
from matplotlib.colors import Colormap, ListedColormap, hsv_to_rgb, is_color_like
from matplotlib.lines import Line2D
from torch import nn

from .._docs import shared_docs
from .._typing import ArrayLike, Box
from .._validation import check_float, check_int, describe
from ..adapter import NetSpec, read_net
from ..patterns import as_patterns

__all__ = [
    "BIT_COLORS",
    "Cmap",
    "Color",
    "axes",
    "bit_mesh",
    "call_form",
    "check_cmap",
    "check_color",
    "check_image_shape",
    "check_instance",
    "check_style",
    "check_text",
    "check_texts",
    "check_widths",
    "twin_line",
    "cycle_colors",
    "hash_colors",
    "pattern_colors",
    "plot_function",
    "read_net_arg",
    "set_box",
]

#: Colours of bits: off, on, and a bit where two patterns differ.
BIT_COLORS = ("#f2f2f2", "#27408b", "#d62728")

Function = TypeVar("Function", bound=Callable[..., Any])
#: A matplotlib colour: a name (``"black"``, ``"tab:red"``), ``"#rrggbb"``, or RGB(A) numbers in [0, 1].
Color = str | Sequence[float]
#: A colormap: the name of a matplotlib colormap (``"viridis"``) or a Colormap.
Cmap = str | Colormap


# -- the contract of a plot_* function ------------------------------------------------------------------

def call_form(function: Callable) -> str:
    """How a function is called, without annotations: ``plot_x(arr, ax=None, *, layer, **style)``.

    Examples
    --------
    >>> def plot_x(arr, ax=None, *, layer, linewidth=1.0, **style): ...
    >>> call_form(plot_x)
    'plot_x(arr, ax=None, *, layer, linewidth=1.0, **style)'
    """
    parts: list[str] = []
    starred = False
    for p in inspect.signature(function).parameters.values():
        if p.kind is p.VAR_POSITIONAL:
            parts.append(f"*{p.name}")
            starred = True
        elif p.kind is p.VAR_KEYWORD:
            parts.append(f"**{p.name}")
        else:
            if p.kind is p.KEYWORD_ONLY and not starred:
                parts.append("*")
                starred = True
            parts.append(p.name if p.default is p.empty else f"{p.name}={p.default!r}")
    return f"{function.__name__}({', '.join(parts)})"


def plot_function(function: Function) -> Function:
    """Make ``function`` a house plot: ``plot_x(obj, ax=None, *, options, **style)``.

    A call that does not fit the signature, and an ``ax`` that is neither None nor an Axes, raise a
    TypeError that names the argument and shows the call form. That is what an older call such as
    ``plot_layer_lines(arr, 1, ax)`` meets: everything after ``ax`` is now a keyword
    (``plot_layer_lines(arr, ax, layer=1)``), and the message says so rather than matplotlib failing on
    an int used as axes. Its docstring's placeholder lines are filled from the shared parameter docs
    (``foldlab._docs``).

    Examples
    --------
    >>> @plot_function
    ... def plot_x(arr, ax=None, *, layer): ...
    >>> plot_x("arr", 1)
    Traceback (most recent call last):
    ...
    TypeError: plot_x(): ax must be a matplotlib Axes or None, got 1 (int); call it as plot_x(arr, ax=None, ...)
    """
    function = shared_docs(function)
    signature = inspect.signature(function)
    form = call_form(function)
    name = function.__name__

    def check_ax(ax: Any) -> None:
        if ax is not None and not isinstance(ax, Axes):
            raise TypeError(
                f"{name}(): ax must be a matplotlib Axes or None, got {describe(ax)}; call it as {form} "
                f"(the object first, then ax, every other argument by keyword)"
            )

    @functools.wraps(function)
    def checked(*args, **kwargs):
        # ax is the second parameter of every plot: an old positional call puts something else there, and
        # saying so comes before any other complaint about the call
        check_ax(args[1] if len(args) > 1 else kwargs.get("ax"))
        try:
            signature.bind(*args, **kwargs)
        except TypeError as error:
            raise TypeError(f"{name}(): {error}; call it as {form}") from None
        return function(*args, **kwargs)

    return checked  # type: ignore[return-value]


def axes(ax: Axes | None) -> Axes:
    """The given axes, or the axes of a new pyplot figure (so that ``plot_*(...)`` alone shows something)."""
    if ax is None:
        import matplotlib.pyplot as plt  # only here: plotting on given axes (a widget's figure) needs no pyplot

        _, ax = plt.subplots()
    return ax


def twin_line(ax: Axes, x: ArrayLike, y: ArrayLike, *, ylabel: str, color: Color, fraction: bool = False,
              **line: Any) -> Line2D:
    """Draw ``y`` against ``x`` on a new right-hand axis sharing ``ax``'s x, its label in the line's colour.

    For a second quantity in other units beside the main one; ``fraction=True`` fixes the axis to [0, 1]
    (with a little margin so that 0 and 1 stay visible). Returns the Line2D, for the caller's legend.
    """
    right = ax.twinx()
    drawn = right.plot(x, y, color=color, **line)[0]
    right.set_ylabel(ylabel, color=color)
    if fraction:
        right.set_ylim(-0.02, 1.02)
    return drawn


# -- checks of plotting arguments (the core's checks are in foldlab._validation) ----------------------

def check_instance(value: Any, name: str, kind: type | tuple[type, ...], made_by: str) -> Any:
    """``value`` if it is a ``kind``, else a TypeError naming the argument and where such a value comes from.

    Examples
    --------
    >>> check_instance(3, "arr", str, "from foldlab.arrangement(net)")
    Traceback (most recent call last):
    ...
    TypeError: arr must be a str (from foldlab.arrangement(net)), got 3 (int)
    """
    if not isinstance(value, kind):
        names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
        article = "an" if names[0] in "AEIO" else "a"  # "a UnitActivity", "an Arrangement"
        raise TypeError(f"{name} must be {article} {names} ({made_by}), got {describe(value)}")
    return value


def read_net_arg(net: Any, name: str = "net") -> NetSpec:
    """The snapshot of the net passed as ``name`` (a torch module or a NetSpec), or a TypeError naming it.

    Examples
    --------
    >>> read_net_arg("moons")
    Traceback (most recent call last):
    ...
    TypeError: net must be a torch.nn.Module or a NetSpec (from foldlab.read_net(module)), got 'moons' (str)
    """
    if not isinstance(net, (nn.Module, NetSpec)):
        raise TypeError(f"{name} must be a torch.nn.Module or a NetSpec (from foldlab.read_net(module)), got "
                        f"{describe(net)}")
    return read_net(net)


def check_color(value: Any, name: str, *, face: bool = False) -> Any:
    """A matplotlib colour (``face=True`` also allows ``"face"``, an edge coloured as its face).

    Examples
    --------
    >>> check_color("tab:red", "color")
    'tab:red'
    >>> check_color("reddish", "color")
    Traceback (most recent call last):
    ...
    ValueError: color must be a matplotlib colour (a name such as 'black', '#rrggbb' or an RGB(A) tuple ...
    """
    if (face and isinstance(value, str) and value == "face") or is_color_like(value):
        return value
    extra = ", or 'face'" if face else ""
    raise ValueError(
        f"{name} must be a matplotlib colour (a name such as 'black', '#rrggbb' or an RGB(A) tuple of numbers "
        f"in [0, 1]{extra}), got {describe(value)}"
    )


def check_cmap(value: Any, name: str = "cmap") -> Colormap:
    """A colormap from its name or a Colormap.

    Examples
    --------
    >>> check_cmap("viridis").name
    'viridis'
    >>> check_cmap("viridiss")
    Traceback (most recent call last):
    ...
    ValueError: cmap must be the name of a matplotlib colormap (such as 'viridis' or 'tab10') or a Colormap, ...
    """
    if isinstance(value, Colormap):
        return value
    if isinstance(value, str) and value in colormaps:
        return colormaps[value]
    error = ValueError if isinstance(value, str) else TypeError
    raise error(
        f"{name} must be the name of a matplotlib colormap (such as 'viridis' or 'tab10') or a Colormap, "
        f"got {describe(value)}"
    )


def check_text(value: Any, name: str, *, optional: bool = True) -> str | None:
    """A label: a str (or None where ``optional``)."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str{' or None' if optional else ''}, got {describe(value)}")
    return value


def check_texts(values: Any, name: str, n: int, *, per: str = "row") -> list[str] | None:
    """``n`` labels, one per row (or per image, ...): a sequence of str (or None)."""
    if values is None:
        return None
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(f"{name} must be a sequence of {n} str, got {describe(values)}")
    if len(values) != n:
        raise ValueError(f"{name} must have one label per {per} ({n}), got {len(values)}: {list(values)!r}")
    for i, value in enumerate(values):
        check_text(value, f"{name}[{i}]", optional=False)
    return list(values)


def check_image_shape(value: Any, name: str = "image_shape", *, size: int | None = None) -> tuple[int, int]:
    """``(h, w)``, two positive ints, with ``h * w == size`` when ``size`` (the pixels per image) is given."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) != 2:
        raise TypeError(f"{name} must be (h, w), two ints, got {describe(value)}")
    h, w = (check_int(v, f"{name}[{i}]", min=1) for i, v in enumerate(value))
    if size is not None and h * w != size:
        raise ValueError(f"{name}={(h, w)} holds {h * w} pixels, but each image has {size} values")
    return h, w


def check_widths(widths: Any, m: int, name: str = "widths") -> list[int]:
    """Units per layer: positive ints that add up to ``m``, the number of bits.

    Examples
    --------
    >>> check_widths([2, 3], 5)
    [2, 3]
    >>> check_widths([2, 2], 5)
    Traceback (most recent call last):
    ...
    ValueError: widths [2, 2] add up to 4, but the patterns have 5 bits
    """
    if isinstance(widths, (str, bytes)) or not isinstance(widths, Sequence):
        raise TypeError(f"{name} must be a sequence of ints (units per layer), got {describe(widths)}")
    widths = [check_int(w, f"{name}[{i}]", min=1) for i, w in enumerate(widths)]
    if sum(widths) != m:
        raise ValueError(f"{name} {widths} add up to {sum(widths)}, but the patterns have {m} bits")
    return widths


_NUMBER_STYLES = ("alpha", "linewidth", "linewidths", "lw", "markersize", "ms", "zorder", "s")


def check_style(style: Mapping[str, Any], kind: type[Collection], function: str, *,
                defaults: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Style keywords of the collection a plot draws, merged over its defaults and checked before drawing.

    Aliases are resolved first (``lw`` is ``linewidth``, so ``lw=2`` replaces a default ``linewidth``);
    then each keyword is set on a throwaway collection of the same kind, so an unknown property or a bad
    value is refused here, naming the keyword, not later when the figure is rendered.

    Examples
    --------
    >>> from matplotlib.collections import LineCollection
    >>> check_style({"lw": 2}, LineCollection, "plot_x", defaults={"linewidth": 1})
    {'linewidth': 2}
    >>> check_style({"colour": "red"}, LineCollection, "plot_x")
    Traceback (most recent call last):
    ...
    TypeError: plot_x() got an unknown style keyword colour='red': not a property of a LineCollection
    """
    probe = kind([])
    name = kind.__name__
    style = {**normalize_kwargs(dict(defaults or {}), probe), **normalize_kwargs(dict(style), probe)}
    for key, value in style.items():
        if key in _NUMBER_STYLES and value is not None and np.ndim(value) == 0:
            check_float(value, key, min=None if key == "zorder" else 0.0, max=1.0 if key == "alpha" else None)
            continue
        try:
            probe.set(**{key: value})
        except AttributeError:
            raise TypeError(
                f"{function}() got an unknown style keyword {key}={value!r}: not a property of a {name}"
            ) from None
        except (TypeError, ValueError) as error:
            raise ValueError(f"{function}(): style keyword {key}={describe(value)} is not valid for a {name}: "
                             f"{error}") from None
    return style


# -- what the plots look like ------------------------------------------------------------------------

def set_box(ax: Axes, box: Box) -> None:
    """Show exactly the box, with equal scales on both axes (a region's shape is not distorted)."""
    xmin, xmax, ymin, ymax = box
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal")


def hash_colors(bits: np.ndarray) -> np.ndarray:
    """:func:`pattern_colors` of a bool array of shape (R, m) already checked (regions' patterns)."""
    packed = np.packbits(bits, axis=1)
    width = bits.shape[1].to_bytes(4, "little")
    h = np.array([zlib.crc32(row.tobytes() + width) for row in packed], dtype=np.uint64)
    hsv = np.stack(
        [(h & 0xFFFF) / 65536.0, 0.35 + 0.35 * ((h >> 16) & 0xFF) / 255.0, 0.80 + 0.18 * ((h >> 24) & 0xFF) / 255.0],
        axis=1,
    )
    rgb = hsv_to_rgb(hsv.reshape(-1, 1, 3)).reshape(-1, 3)
    return np.concatenate([rgb, np.ones((len(rgb), 1))], axis=1)


def pattern_colors(patterns: ArrayLike) -> np.ndarray:
    """One RGBA colour per activation pattern, from a stable hash of its bits.

    The same pattern always gets the same colour (across redraws, sessions and machines): the hue,
    saturation and brightness come from the CRC-32 of the packed bits and the pattern's length.

    Parameters
    ----------
    patterns : array or Tensor of bits (bool or 0/1), shape (R, m)

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
    bits = as_patterns(patterns, "patterns").numpy()
    if bits.ndim != 2:
        raise ValueError(f"expected patterns of shape (R, m), one row per pattern, got shape {bits.shape}")
    return hash_colors(bits)


def cycle_colors(n: int, cmap: Cmap) -> list[tuple[float, float, float, float]]:
    """``n`` colours of a colormap: its own colours in turn for a qualitative map (tab10), else spread."""
    colormap = check_cmap(cmap)
    size = getattr(colormap, "N", 256)
    return [colormap(i % size if size < 256 else i / max(n - 1, 1)) for i in range(n)]


def bit_mesh(ax: Axes, rows: np.ndarray, *, blocks: Sequence[tuple[str, int]] | None = None,
             cmap: Cmap | None = None) -> tuple[QuadMesh, LineCollection]:
    """Bits as a mesh of cells, one row per pattern, with a line and a name per block of columns.

    A mesh of cells rather than an image: no resampling can smear a one-bit difference at any figure
    size. Without ``cmap`` the cells take :data:`BIT_COLORS` (0 off, 1 on, 2 differs); a colormap
    spans 0 (off) to 1 (on). Returns the mesh and the blocks' separating lines (one LineCollection,
    empty without blocks), which span the axes' height whatever its limits.
    """
    rows = np.asarray(rows)
    k, m = rows.shape
    colormap, vmax = (ListedColormap(BIT_COLORS), 2) if cmap is None else (check_cmap(cmap), 1)
    mesh = ax.pcolormesh(np.arange(m + 1) - 0.5, np.arange(k + 1) - 0.5, rows, cmap=colormap, vmin=0, vmax=vmax)
    ax.set_ylim(k - 0.5, -0.5)  # the first pattern on top
    edges = np.cumsum([0, *(width for _, width in blocks)]) if blocks is not None else np.zeros(0)
    if blocks is not None and edges[-1] != m:  # callers check what users pass; this guards foldlab itself
        raise AssertionError(f"blocks {list(blocks)} add up to {edges[-1]} bits, the patterns have {m}")
    separators = LineCollection([[(edge - 0.5, 0.0), (edge - 0.5, 1.0)] for edge in edges[1:-1]], colors="black",
                                linewidths=1.5, transform=ax.get_xaxis_transform())
    ax.add_collection(separators, autolim=False)
    if blocks is None:
        ax.set_xlabel("unit")
    else:
        ax.set_xticks((edges[:-1] + edges[1:]) / 2 - 0.5, [name for name, _ in blocks])
    return mesh, separators

