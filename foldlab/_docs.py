"""Shared numpydoc parameter descriptions, filled into docstrings when a module is imported.

Sibling functions take the same parameters (``net``, ``X``, ``ax``, ...) and should describe them the same
way. The description lives once, in :data:`PARAMS`; a docstring names it by a line holding only
``%(name)s``, and :func:`shared_docs` puts the entry there, each of its lines at that line's indentation, so
that ``help()``, doctests and numpydoc read the docstring as if it were written out. This is the shape of
matplotlib's ``_docstring.interpd`` (``%(name)s``) and pandas' ``util._decorators.doc``; unlike them a
placeholder must stand on a line of its own (a ``%`` elsewhere is left alone) and an unknown name is an
error at import, not a docstring that says ``%(nmae)s``.
"""

from __future__ import annotations

import re
import textwrap
from typing import TypeVar

__all__ = ["PARAMS", "register_docs", "shared_docs"]

T = TypeVar("T")

#: name -> a numpydoc parameter entry: its ``name : type`` line, then its description indented by 4.
PARAMS: dict[str, str] = {
    "net": """net : torch.nn.Module or NetSpec
    Any net foldlab reads (:func:`foldlab.read_net`), or its snapshot.""",
    "piecewise_linear_net": """net : torch.nn.Module or NetSpec
    A piecewise-linear feed-forward net (ReLU or LeakyReLU hidden layers, affine maps between them,
    BatchNorm in eval mode allowed); other activations raise :class:`foldlab.NotPiecewiseLinear`.""",
    "window": """box : (xmin, xmax, ymin, ymax), optional
    The window, in input coordinates for a net with 2 inputs (default ``(-1, 1, -1, 1)``), or in
    plane coordinates ``(u, v)`` with ``plane=`` (default: the three points with a 25% margin).
plane : (p0, p1, p2), optional
    Three inputs of any dimension spanning the plane to analyse. Plane coordinates are
    orthonormal, with ``p0`` at the origin and ``p1`` on the positive u axis (see :class:`foldlab.Plane`),
    so areas and densities are in the units of the input space.""",
    "max_regions": """max_regions : int
    Raise :class:`foldlab.TooManyRegions` (a ValueError) as soon as the partition has more regions.""",
    "X": """X : Tensor or array, shape (n, d_in)
    Finite real inputs, one per row.""",
    "seed": """seed : int
    From 0 to 2**32 - 1, for a private generator: the same seed draws the same numbers, whatever ran before.""",
    "layers": """layers : int or sequence of int, optional
    0-based indices of the hidden layers whose bits count (negative ones count from the end);
    None: all, in forward order.""",
    "pairs": """pairs : int array, shape (p, 2), optional
    Pairs of rows of ``X`` to use instead of drawn ones: ints (not floats) in ``0..n-1``; pair ``k`` runs
    from ``X[pairs[k, 0]]`` to ``X[pairs[k, 1]]``.""",
    "ax": """ax : Axes, optional
    Where to draw; None draws on a new pyplot figure.""",
}

#: A line holding only a placeholder: its indentation, then its name.
PLACEHOLDER = re.compile(r"^([ \t]*)%\((\w+)\)s[ \t]*$", re.MULTILINE)


def register_docs(**entries: str) -> None:
    """Add entries to :data:`PARAMS`; a name may not be given another text (two modules would disagree)."""
    for name, text in entries.items():
        if PARAMS.setdefault(name, text) != text:
            raise ValueError(f"the shared docs already describe {name!r} otherwise: {PARAMS[name]!r}")


def shared_docs(obj: T) -> T:
    """Fill each ``%(name)s`` line of ``obj.__doc__`` with ``PARAMS[name]``; an unknown name raises at once.

    Examples
    --------
    >>> @shared_docs
    ... def f(ax=None):
    ...     '''Draw.
    ...
    ...     Parameters
    ...     ----------
    ...     %(ax)s
    ...     '''
    >>> print(f.__doc__.splitlines()[4:])
    ['    ax : Axes, optional', '        Where to draw; None draws on a new pyplot figure.', '    ']
    """
    if obj.__doc__ is None:  # python -OO strips docstrings
        return obj

    def fill(match: re.Match) -> str:
        indent, name = match.groups()
        if name not in PARAMS:
            raise ValueError(f"{obj.__qualname__}'s docstring names %({name})s, which is not one of the shared "
                             f"parameter docs: {sorted(PARAMS)}")
        return textwrap.indent(PARAMS[name], indent)

    obj.__doc__ = PLACEHOLDER.sub(fill, obj.__doc__)
    if "%(" in obj.__doc__:
        raise ValueError(f"{obj.__qualname__}'s docstring has a %(...)s placeholder that is not on a line of its own")
    return obj
