"""Checks of the arguments at foldlab's public boundary, shared by every module.

The model is scikit-learn's ``sklearn.utils.validation.check_scalar``: each check takes the value and the
argument's name, returns the value in the type foldlab computes with, and otherwise raises ``TypeError``
(wrong kind of value) or ``ValueError`` (right kind, wrong range) with a message that names the
argument, the value and what was expected. Nothing is truncated, clamped or coerced silently: a float is
not an int (``2.5`` and ``2.0`` are refused where a count is expected), a string is not a number, a bool
is not an int, and complex numbers, NaN and inf are refused unless a check says otherwise.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

__all__ = [
    "DTYPE",
    "MAX_SEED",
    "check_int",
    "check_float",
    "check_bool",
    "check_choice",
    "check_seed",
    "to_numpy",
    "as_inputs",
    "check_batch_shape",
    "as_points",
    "as_labels",
    "as_box",
    "as_device",
    "describe",
]

#: foldlab computes in float64 everywhere exactness matters.
DTYPE = torch.float64
#: Seeds are ints from 0 to MAX_SEED (scikit-learn's range for ``random_state``).
MAX_SEED = 2**32 - 1


def describe(value: Any) -> str:
    """``repr`` of a value, shortened, with its type: for error messages."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def _range_text(low, high, include_low: bool = True, include_high: bool = True) -> str:
    if low is not None and high is not None:
        return f"in {'[' if include_low else '('}{low}, {high}{']' if include_high else ')'}"
    if low is not None:
        return f"{'>=' if include_low else '>'} {low}"
    if high is not None:
        return f"{'<=' if include_high else '<'} {high}"
    return ""


def check_int(value: Any, name: str, *, min: int | None = None, max: int | None = None) -> int:
    """``value`` as a Python int, refusing bools, floats, strings and values out of ``[min, max]``.

    numpy integers are accepted (``np.int64(3)`` is a valid width).

    Examples
    --------
    >>> check_int(np.int64(3), "width", min=1)
    3
    >>> check_int(2.0, "width")
    Traceback (most recent call last):
    ...
    TypeError: width must be an int, got 2.0 (float)
    >>> check_int(0, "width", min=1)
    Traceback (most recent call last):
    ...
    ValueError: width must be an int >= 1, got 0
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {describe(value)}")
    value = int(value)
    if (min is not None and value < min) or (max is not None and value > max):
        raise ValueError(f"{name} must be an int {_range_text(min, max)}, got {value}")
    return value


def check_float(
    value: Any,
    name: str,
    *,
    min: float | None = None,
    max: float | None = None,
    include_min: bool = True,
    include_max: bool = True,
    finite: bool = True,
) -> float:
    """``value`` as a Python float: a real number (int or float, numpy scalars too), not NaN, in range.

    ``finite=False`` lets ``inf`` through (NaN never). Bools, strings and complex numbers are refused.

    Examples
    --------
    >>> check_float(1, "lr", min=0, include_min=False)
    1.0
    >>> check_float(float("nan"), "noise")
    Traceback (most recent call last):
    ...
    ValueError: noise must be a finite number, got nan
    >>> check_float("0.1", "noise")
    Traceback (most recent call last):
    ...
    TypeError: noise must be a real number, got '0.1' (str)
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {describe(value)}")
    value = float(value)
    if np.isnan(value) or (finite and np.isinf(value)):
        raise ValueError(f"{name} must be a finite number, got {value}")
    low_bad = min is not None and (value < min or (not include_min and value == min))
    high_bad = max is not None and (value > max or (not include_max and value == max))
    if low_bad or high_bad:
        raise ValueError(f"{name} must be a number {_range_text(min, max, include_min, include_max)}, got {value}")
    return value


def check_bool(value: Any, name: str) -> bool:
    """``value`` as a bool; only ``True``/``False`` (and numpy bools) are accepted.

    Examples
    --------
    >>> check_bool(np.True_, "progress")
    True
    >>> check_bool(1, "progress")
    Traceback (most recent call last):
    ...
    TypeError: progress must be True or False, got 1 (int)
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {describe(value)}")
    return bool(value)


def check_choice(value: Any, name: str, choices: Sequence[Any]) -> Any:
    """``value`` if it is one of ``choices``.

    Examples
    --------
    >>> check_choice("mean", "reduce", ("mean", "median"))
    'mean'
    >>> check_choice("avg", "reduce", ("mean", "median"))
    Traceback (most recent call last):
    ...
    ValueError: reduce must be one of ('mean', 'median'), got 'avg'
    """
    try:
        ok = value in choices
    except TypeError:  # an unhashable value against a set or dict of choices
        ok = False
    if not ok:
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}")
    return value


def check_seed(value: Any, name: str = "seed") -> int:
    """A seed: an int from 0 to ``2**32 - 1`` (the range scikit-learn and numpy share).

    Examples
    --------
    >>> check_seed(7)
    7
    >>> check_seed(-1)
    Traceback (most recent call last):
    ...
    ValueError: seed must be an int in [0, 4294967295], got -1
    """
    return check_int(value, name, min=0, max=MAX_SEED)


def to_numpy(values: Any, dtype=None) -> np.ndarray:
    """A tensor (on any device, with or without grad), array or sequence as a numpy array.

    Examples
    --------
    >>> to_numpy(torch.tensor([1.0, 2.0], requires_grad=True))
    array([1., 2.], dtype=float32)
    """
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    return np.asarray(values, dtype=dtype)


def _real_array(values: Any, name: str) -> np.ndarray:
    """``values`` as a float64 array, refusing strings, objects, complex numbers and non-numbers."""
    if isinstance(values, torch.Tensor):
        if values.is_complex():
            raise TypeError(f"{name} must hold real numbers, got a complex tensor ({values.dtype})")
        values = values.detach().cpu()
        if values.dtype == torch.bfloat16:  # numpy has no bfloat16
            values = values.float()
        values = values.numpy()
    elif isinstance(values, (str, bytes)):
        raise TypeError(f"{name} must be numbers, got {describe(values)}")
    try:
        array = np.asarray(values)
    except (TypeError, ValueError) as error:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array of numbers: {error}") from None
    if array.dtype.kind == "c":
        raise TypeError(f"{name} must hold real numbers, got complex values ({array.dtype})")
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold numbers, got an array of {array.dtype} ({describe(values)})")
    return array.astype(np.float64, copy=True)


def _check_finite(array: np.ndarray, name: str) -> None:
    if not np.isfinite(array).all():
        bad = "NaN" if np.isnan(array).any() else "inf"
        where = np.argwhere(~np.isfinite(array))[0].tolist()
        raise ValueError(f"{name} contains {bad} (first at index {tuple(where)}); expected finite numbers")


def as_points(values: Any, name: str = "X", *, dim: int | None = None, allow_empty: bool = False) -> np.ndarray:
    """Points as a float64 numpy array of shape ``(n, d)``; one point of shape ``(d,)`` becomes ``(1, d)``.

    Examples
    --------
    >>> as_points([[0, 1], [2, 3]], dim=2).dtype
    dtype('float64')
    >>> as_points([[0, 1j]])
    Traceback (most recent call last):
    ...
    TypeError: X must hold real numbers, got complex values (complex128)
    """
    array = _real_array(values, name)
    if array.ndim == 1:
        array = array[None, :]
    expected = f"(n, {dim}) or ({dim},)" if dim is not None else "(n, d)"
    if array.ndim != 2:
        raise ValueError(f"expected {name} of shape {expected}, got shape {array.shape}")
    if array.shape[0] == 0 and not allow_empty:
        raise ValueError(f"empty batch: {name} has shape {array.shape}, expected at least one point")
    if dim is not None and array.shape[1] != dim:
        raise ValueError(f"expected {name} with {dim} features, got shape {array.shape}")
    _check_finite(array, name)
    return array


def as_inputs(values: Any, d_in: int, *, name: str = "x", device: Any = None) -> torch.Tensor:
    """Inputs of a net as a new float64 tensor of shape ``(n, d_in)`` (never a view of the caller's data).

    Accepts a tensor, a numpy array or nested lists of shape ``(d_in,)`` (one input) or ``(n, d_in)``;
    refuses complex numbers, strings, NaN and inf, an empty batch and the wrong number of features.

    Examples
    --------
    >>> as_inputs([1, 2], 2)
    tensor([[1., 2.]], dtype=torch.float64)
    >>> as_inputs([1, 2, 3], 2, name="x1")
    Traceback (most recent call last):
    ...
    ValueError: expected x1 with 2 features (the net's input dimension), got shape (1, 3)
    """
    target = as_device(device) if device is not None else None
    if isinstance(values, torch.Tensor) and not values.is_complex() and values.dtype != torch.bool:
        # stay on the tensor's device (no round trip through numpy), but always copy
        t = values.detach().to(device=target if target is not None else values.device, dtype=DTYPE, copy=True)
    else:
        t = torch.from_numpy(_real_array(values, name))
        if target is not None:
            t = t.to(target)
    if t.ndim == 1:
        t = t.unsqueeze(0)
    check_batch_shape(tuple(t.shape), name, d_in)
    if not bool(torch.isfinite(t).all()):
        bad = "NaN" if bool(torch.isnan(t).any()) else "inf"
        raise ValueError(f"{name} contains {bad}; expected finite inputs")
    return t


def check_batch_shape(shape: tuple[int, ...], name: str, d_in: int) -> None:
    """A batch of inputs has shape ``(n, d_in)`` with ``n >= 1`` (a single input already made a row), else a
    ValueError naming ``name``.

    Examples
    --------
    >>> check_batch_shape((0, 2), "X", 2)
    Traceback (most recent call last):
    ...
    ValueError: empty batch: X has shape (0, 2), expected at least one input
    """
    if len(shape) != 2:
        raise ValueError(f"expected {name} of shape (n, {d_in}) or ({d_in},), got shape {shape}")
    if shape[0] == 0:
        raise ValueError(f"empty batch: {name} has shape {shape}, expected at least one input")
    if shape[1] != d_in:
        raise ValueError(f"expected {name} with {d_in} features (the net's input dimension), got shape {shape}")


def as_labels(values: Any, name: str = "y", *, n: int | None = None) -> np.ndarray:
    """Class labels as an int64 numpy array of shape ``(n,)``.

    Integer (or bool) labels are taken as they are; float labels only when every one is a whole number
    (``1.0``), never NaN, inf or ``0.5``.

    Examples
    --------
    >>> as_labels([0, 1, 1.0])
    array([0, 1, 1])
    >>> as_labels([0, float("nan")])
    Traceback (most recent call last):
    ...
    ValueError: y contains NaN (first at index (1,)); expected finite numbers
    """
    if isinstance(values, torch.Tensor) and not values.is_floating_point() and not values.is_complex():
        array = values.detach().cpu().numpy()
    elif isinstance(values, np.ndarray) and values.dtype.kind in "biu":
        array = values
    else:
        array = _real_array(values, name)
    if array.ndim == 2 and 1 in array.shape:  # a column or row of labels
        array = array.reshape(-1)
    if array.ndim != 1:
        raise ValueError(f"expected {name} of shape (n,), one label per point, got shape {array.shape}")
    if array.dtype.kind == "f":
        _check_finite(array, name)
        if not np.all(array == np.round(array)):
            bad = array[array != np.round(array)][0]
            raise ValueError(f"{name} must hold whole-number class labels, got {bad}")
    if n is not None and len(array) != n:
        raise ValueError(f"expected {name} with one label per point ({n}), got {len(array)} labels")
    return array.astype(np.int64)


def as_box(box: Any, name: str = "box") -> tuple[float, float, float, float]:
    """A window ``(xmin, xmax, ymin, ymax)`` of finite numbers with ``xmin < xmax`` and ``ymin < ymax``.

    Examples
    --------
    >>> as_box((0, 1, -1, 1))
    (0.0, 1.0, -1.0, 1.0)
    >>> as_box((1, 0, 0, 1))
    Traceback (most recent call last):
    ...
    ValueError: box=(xmin, xmax, ymin, ymax) must have xmin < xmax and ymin < ymax (a box of positive ...
    """
    try:
        values = _real_array(box, name)
    except TypeError:
        raise TypeError(f"expected {name}=(xmin, xmax, ymin, ymax) of numbers, got {describe(box)}") from None
    if values.shape != (4,):
        raise ValueError(f"expected {name}=(xmin, xmax, ymin, ymax), 4 numbers, got shape {values.shape}")
    if not np.isfinite(values).all():
        raise ValueError(f"{name} must be finite, got {tuple(values.tolist())}")
    xmin, xmax, ymin, ymax = values.tolist()
    if not (xmin < xmax and ymin < ymax):
        raise ValueError(
            f"{name}=(xmin, xmax, ymin, ymax) must have xmin < xmax and ymin < ymax (a box of positive "
            f"area), got {(xmin, xmax, ymin, ymax)}"
        )
    return xmin, xmax, ymin, ymax


def as_device(device: Any) -> torch.device:
    """A ``torch.device`` that exists on this machine ("cuda" without CUDA is refused here, not deep in torch).

    Examples
    --------
    >>> as_device("cpu")
    device(type='cpu')
    """
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise ValueError(f"device must be 'cpu', 'cuda', 'cuda:N' or a torch.device, got {device!r}") from error
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device={str(device)!r} asks for CUDA, but torch finds no CUDA device on this machine")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise ValueError(
                f"device={str(device)!r}: this machine has {torch.cuda.device_count()} CUDA device(s)"
            )
    elif device.type not in ("cpu", "mps"):
        raise ValueError(f"device must be a CPU or CUDA device, got {device!r}")
    return device
