"""The errors foldlab raises, in one place (the model is scikit-learn's ``sklearn.exceptions``).

Each is a subclass of the builtin a user would catch anyway, so ``except ValueError`` keeps working;
catch the foldlab class to single out one cause. Bad arguments (a wrong type, shape or range) raise the
builtin ``TypeError`` or ``ValueError`` themselves, with a message that names the argument, its value and
what was expected.

============================  ==================  ============================================================
error                         subclass of         raised when
============================  ==================  ============================================================
:class:`TooManyRegions`       ``ValueError``      an arrangement or a walk passes its ``max_regions=``
:class:`OverBudget`           ``ValueError``      a call would allocate more than :data:`foldlab.limits.MEMORY_BUDGET`
:class:`UnsupportedNet`       ``TypeError``       a net has a layer or a structure foldlab cannot read
:class:`NotPiecewiseLinear`   ``ValueError``      an exact 2D algorithm gets a net that is not piecewise linear
:class:`ReadingMismatch`      ``ValueError``      the net's own forward pass disagrees with foldlab's reading of it
:class:`NumericalRange`       ``ValueError``      inputs or weights so large (or small) that float64 cannot
                                                  resolve the regions exactly
============================  ==================  ============================================================
"""

from __future__ import annotations

__all__ = [
    "TooManyRegions",
    "OverBudget",
    "UnsupportedNet",
    "NotPiecewiseLinear",
    "ReadingMismatch",
    "NumericalRange",
]


class TooManyRegions(ValueError):
    """An arrangement or a walk would have more regions than its ``max_regions=``.

    Raised by :func:`foldlab.arrangement`, :func:`foldlab.walk` and :func:`foldlab.walks` (and everything
    built on them) as soon as a running count passes the limit, before memory grows with it.

    Examples
    --------
    >>> import foldlab as fl
    >>> try:
    ...     fl.arrangement(fl.mlp([2, 32, 32, 1], seed=0), max_regions=10)
    ... except fl.TooManyRegions as error:
    ...     print("stopped:", str(error)[:44])
    stopped: the arrangement has more than max_regions=10
    """


class OverBudget(ValueError):
    """A call would allocate more memory than :data:`foldlab.limits.MEMORY_BUDGET` allows.

    The estimate is made before any work starts; the message says how much the call needs, which
    argument drives it, and how to raise the budget (``foldlab.limits.MEMORY_BUDGET = ...`` or the
    ``with foldlab.limits.memory_budget(...)`` context).
    """


class UnsupportedNet(TypeError):
    """The net has a layer or a structure foldlab cannot read exactly; the message names the layer."""


class NotPiecewiseLinear(ValueError):
    """An exact 2D algorithm got a net that is not piecewise linear (GELU, Tanh, LayerNorm, ...)."""


class ReadingMismatch(ValueError):
    """The net's own forward pass disagrees with foldlab's reading of it.

    foldlab reads a net into a snapshot of affine maps and activations (:func:`foldlab.read_net`) and
    checks the reading against the module itself, on probe inputs and along walks. A module whose forward
    does something the reading cannot see (a clamp inside a wrapper, a functional call, a hook) fails
    that check instead of giving answers about a different function.
    """


class NumericalRange(ValueError):
    """Inputs or weights are out of the range where float64 resolves the regions exactly.

    For example a segment whose ends are ``1e155`` times larger than the net's biases: the biases then
    vanish below the rounding of ``W x``, and no float64 computation can place the regions. Rescale the
    inputs (the regions of ``x -> N(s x)`` are those of ``N`` scaled by ``1 / s``).
    """
