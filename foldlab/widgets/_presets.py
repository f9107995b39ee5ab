"""Presets: a widget's state as a short call, ``arrangement_widget(width=8, depth=3, seed=0, ...)``, and back.

Every ``*_widget`` of foldlab is registered here by :func:`preset_widget`. Its view then knows how it was
built and what its controls show, and writes both as the call that builds the same view
(:attr:`FigureView.preset`) or as JSON (:meth:`FigureView.settings`); :func:`from_preset` builds the
view again from either. Objects that do not fit in a line (a net, a data set, a training run) appear
by their parameter's name, ``pattern_pair_widget(net, X, first=0, second=3)``, and are passed again to
:func:`from_preset` (``net=..., X=...``); everything else, the seed included, is written out.

The call is parsed, never run: only the registered widgets can be named and every value must be a
Python literal (numbers, strings, tuples, lists, None, True, False).
"""

from __future__ import annotations

import ast
import functools
import inspect
import json
import math
import numbers
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch

from .._validation import describe

__all__ = ["WIDGETS", "preset_widget", "from_preset", "format_preset", "parse_preset", "literal", "as_tuples"]

#: name -> the registered widget builder (what :func:`from_preset` may build).
WIDGETS: dict[str, Callable] = {}

#: A tensor or array of at most this many numbers is written out (a segment's ends); larger ones are
#: objects, named in the preset and passed again.
MAX_LITERAL_NUMBERS = 16

_PREFIXES = ("flw.", "fl.widgets.", "foldlab.widgets.", "widgets.")


class _Object:
    """Marks an argument written by its name in a preset: an object that is passed again."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


def literal(value: Any) -> Any:
    """``value`` as a Python literal for a preset, or ``NotImplemented`` when it is not one.

    Numbers, strings, bools and None are literals; so are tuples and lists of literals, and tensors
    or arrays of at most :data:`MAX_LITERAL_NUMBERS` numbers (written as lists). Anything else (a net, a
    data set) is an object, written by its parameter's name.

    Examples
    --------
    >>> literal((0.5, np.float64(0.25))), literal(torch.tensor([1.0, 2.0])), literal(torch.zeros(100))
    ((0.5, 0.25), [1.0, 2.0], NotImplemented)
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        return value if math.isfinite(value) else NotImplemented
    if isinstance(value, (torch.Tensor, np.ndarray)):
        array = value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else value
        if array.size > MAX_LITERAL_NUMBERS or array.dtype.kind not in "biuf":
            return NotImplemented
        return literal(array.tolist())
    if isinstance(value, (tuple, list)):
        items = [literal(v) for v in value]
        if any(item is NotImplemented for item in items):
            return NotImplemented
        return type(value)(items)
    return NotImplemented


def as_tuples(value: Any) -> Any:
    """Lists as tuples, all the way down: JSON has no tuples, and a preset read back from JSON is the same call.

    Examples
    --------
    >>> as_tuples([1, [2.0, 3.0]]), as_tuples("ab")
    ((1, (2.0, 3.0)), 'ab')
    """
    return tuple(map(as_tuples, value)) if isinstance(value, (list, tuple)) else value


def format_preset(name: str, arguments: Mapping[str, Any], signature: inspect.Signature) -> str:
    """The call ``name(...)`` for ``arguments``: objects by their parameter's name, the rest as literals.

    Required parameters come first, by position (``net, X``); the others by keyword.

    Examples
    --------
    >>> def pair(net, X, *, first=0, second=1): ...
    >>> format_preset("pair", {"net": object(), "X": object(), "first": 3, "second": 1}, inspect.signature(pair))
    'pair(net, X, first=3, second=1)'
    """
    parts = []
    for parameter in signature.parameters.values():
        if parameter.name not in arguments:
            continue
        value = as_tuples(literal(arguments[parameter.name]))  # one spelling, whether built from a call or JSON
        positional = parameter.default is parameter.empty and parameter.kind is parameter.POSITIONAL_OR_KEYWORD
        if value is NotImplemented:
            parts.append(parameter.name if positional else f"{parameter.name}={parameter.name}")
        else:
            parts.append(repr(value) if positional else f"{parameter.name}={value!r}")
    return f"{name}({', '.join(parts)})"


def parse_preset(text: str) -> tuple[str, list, dict]:
    """``(name, args, kwargs)`` of a preset call; objects come back as their names (:class:`_Object`).

    Examples
    --------
    >>> parse_preset("flw.pattern_pair_widget(net, X, first=3)")
    ('pattern_pair_widget', [net, X], {'first': 3})
    """
    if not isinstance(text, str):
        raise TypeError(f"a preset is a str such as \"arrangement_widget(width=8, seed=0)\", its JSON, or a dict, "
                        f"got {describe(text)}")
    source = text.strip()
    for prefix in _PREFIXES:
        if source.startswith(prefix):
            source = source[len(prefix):]
            break
    try:
        tree = ast.parse(source, mode="eval").body
    except SyntaxError as error:
        raise ValueError(f"could not read the preset {text!r}: {error.msg}; expected a call such as "
                         f"\"arrangement_widget(width=8, seed=0)\"") from None
    if not isinstance(tree, ast.Call) or not isinstance(tree.func, ast.Name):
        raise ValueError(f"a preset is one call of a foldlab widget, such as \"arrangement_widget(width=8, seed=0)\", "
                         f"got {text!r}")

    def value(node, where: str):
        if isinstance(node, ast.Name):
            return _Object(node.id)
        try:
            return ast.literal_eval(node)
        except ValueError:
            raise ValueError(f"{where} in the preset {text!r} must be a Python literal or an object's name, got "
                             f"{ast.unparse(node)!r}") from None

    args = [value(node, f"argument {i}") for i, node in enumerate(tree.args)]
    if any(isinstance(node, ast.Starred) for node in tree.args) or any(k.arg is None for k in tree.keywords):
        raise ValueError(f"a preset names its arguments one by one, without * or **: {text!r}")
    kwargs = {k.arg: value(k.value, k.arg) for k in tree.keywords}
    return tree.func.id, args, kwargs


def _from_settings(settings: Mapping) -> tuple[str, list, dict]:
    unknown = set(settings) - {"widget", "arguments", "objects"}
    if "widget" not in settings or "arguments" not in settings or unknown:
        raise ValueError(f"preset settings are {{'widget': name, 'arguments': {{...}}, 'objects': [...]}}, got keys "
                         f"{sorted(settings)}")
    objects = settings.get("objects", [])
    kwargs = dict(settings["arguments"])
    for name in objects:
        kwargs[name] = _Object(name)
    return settings["widget"], [], kwargs


def from_preset(preset: str | Mapping, **objects: Any):
    """Build a widget again from its preset (a call, its JSON, or the dict of :meth:`FigureView.settings`).

    Parameters
    ----------
    preset : str or dict
        ``"arrangement_widget(width=8, depth=3, seed=0, view='linear')"`` as a view's ``.preset`` or its
        toolbar's "copy settings" gives it (``flw.`` in front is fine), one of :data:`PRESETS`, the JSON
        of :meth:`FigureView.settings`, or that dict.
    **objects
        The objects the preset names instead of writing them out (``net=..., X=...``): exactly those.

    Returns
    -------
    FigureView
        The widget, built as the preset says (its ``.preset`` is the same call).

    Examples
    --------
    >>> from foldlab import widgets as flw
    >>> view = flw.from_preset("cantor_walk_widget(depth=2, height=0.25, bits='first layer')")
    >>> view.result.chi, view.preset
    (0.0, "cantor_walk_widget(depth=2, height=0.25, representation='recursive', bits='first layer')")
    >>> flw.from_preset("pattern_pair_widget(net, X, first=0, second=3)")
    Traceback (most recent call last):
    ...
    TypeError: the preset names net and X instead of writing them out: pass them, from_preset(preset, net=..., X=...)
    """
    if isinstance(preset, Mapping):
        name, args, kwargs = _from_settings(preset)
    elif isinstance(preset, str) and preset.lstrip().startswith("{"):
        try:
            settings = json.loads(preset)
        except json.JSONDecodeError as error:
            raise ValueError(f"could not read the preset's JSON: {error}") from None
        if not isinstance(settings, dict):
            raise ValueError(f"preset JSON must be an object, got {describe(settings)}")
        name, args, kwargs = _from_settings(settings)
    else:
        name, args, kwargs = parse_preset(preset)
    if name not in WIDGETS:
        raise ValueError(f"{name!r} is not a foldlab widget; a preset builds one of {sorted(WIDGETS)}")
    named = [v.name for v in [*args, *kwargs.values()] if isinstance(v, _Object)]
    missing = [n for n in named if n not in objects]
    if missing:
        listed = " and ".join(missing) if len(missing) <= 2 else ", ".join(missing[:-1]) + " and " + missing[-1]
        raise TypeError(f"the preset names {listed} instead of writing them out: pass them, from_preset(preset, "
                        + ", ".join(f"{n}=..." for n in missing) + ")")
    unused = sorted(set(objects) - set(named))
    if unused:
        raise TypeError(f"from_preset got {', '.join(unused)}, which the preset {name}(...) does not name (it names "
                        f"{', '.join(named) or 'no objects'})")
    resolve = lambda v: objects[v.name] if isinstance(v, _Object) else v
    return WIDGETS[name](*map(resolve, args), **{k: resolve(v) for k, v in kwargs.items()})


def preset_widget(builder: Callable) -> Callable:
    """Register a widget builder: its view learns the arguments it was built with, for its preset."""
    signature = inspect.signature(builder)

    @functools.wraps(builder)
    def build(*args, **kwargs):
        view = builder(*args, **kwargs)
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        view.set_recipe(builder.__name__, signature, dict(bound.arguments))
        return view

    WIDGETS[builder.__name__] = build
    return build
