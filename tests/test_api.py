"""The public API is fully annotated, and its annotations resolve.

Every name in the ``__all__`` of foldlab and of each public module below it (foldlab.plotting,
foldlab.widgets, foldlab.experiments and their submodules) that is a function, and every public method of
such a class, annotates each parameter and its return. In foldlab.plotting and foldlab.widgets, which may
import matplotlib and ipywidgets, ``typing.get_type_hints`` resolves every annotation as it stands; the core
names matplotlib (and the plotting module's artists) only under ``TYPE_CHECKING``, so that ``import foldlab``
stays light, and its annotations resolve once those names are supplied.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import typing
from collections.abc import Callable, Iterator

import matplotlib.axes
import matplotlib.figure
import pytest

import foldlab

#: Public functions that may still lack an annotation, each with the reason. Every entry must still be
#: missing one (test_known_gaps_are_still_gaps), so the list only shrinks.
KNOWN_GAPS: dict[str, list[str]] = {}


def public_modules() -> list[str]:
    """foldlab and every module below it whose dotted name has no ``_private`` part."""
    found = pkgutil.walk_packages(foldlab.__path__, "foldlab.")
    names = [m.name for m in found if not any(part.startswith("_") for part in m.name.split(".")[1:])]
    return ["foldlab", *sorted(names)]


def public_functions() -> Iterator[tuple[str, Callable]]:
    """(qualified name, function) of each function in a public ``__all__`` defined in that module, and of each
    public method (and ``__init__``) of each class there."""
    for name in public_modules():
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", []):
            obj = getattr(module, attr)
            if getattr(obj, "__module__", None) != name:
                continue  # a re-export: checked where it is defined
            if inspect.isfunction(obj):
                yield f"{name}.{attr}", obj
            elif inspect.isclass(obj):
                for key, value in vars(obj).items():
                    if isinstance(value, (staticmethod, classmethod)):
                        value = value.__func__
                    if inspect.isfunction(value) and (not key.startswith("_") or key == "__init__"):
                        yield f"{name}.{attr}.{key}", value


def missing_annotations(function: Callable) -> list[str]:
    """The parameters of ``function`` without an annotation, and ``"return"`` if it has none
    (``self``, ``cls`` and ``__init__``'s return are exempt)."""
    signature = inspect.signature(function)
    missing = [name for name, p in signature.parameters.items()
               if name not in ("self", "cls") and p.annotation is inspect.Parameter.empty]
    if signature.return_annotation is inspect.Signature.empty and function.__name__ != "__init__":
        missing.append("return")
    return missing


def unannotated() -> dict[str, list[str]]:
    return {name: gaps for name, f in public_functions() if (gaps := missing_annotations(f))}


def test_the_walk_finds_the_public_api():
    names = {name for name, _ in public_functions()}
    # one function of each public layer, a method, a widget and the experiments: the walk reaches them all
    for expected in ("foldlab.arrangement.arrangement", "foldlab.walk.walk", "foldlab.arrangement.Arrangement.locate",
                     "foldlab.plotting.regions.plot_regions", "foldlab.widgets.walks.region_walk_widget",
                     "foldlab.experiments.runner.run_experiments", "foldlab.nets.SwiGLU.__init__"):
        assert expected in names
    assert len(names) > 200


def test_every_public_function_is_annotated():
    gaps = {name: found for name, found in unannotated().items() if KNOWN_GAPS.get(name) != found}
    assert not gaps, "missing annotations:\n" + "\n".join(f"{name}: {found}" for name, found in sorted(gaps.items()))


def test_known_gaps_are_still_gaps():
    found = unannotated()
    fixed = {name: gaps for name, gaps in KNOWN_GAPS.items() if found.get(name) != gaps}
    assert not fixed, f"these are annotated now (or changed): remove them from KNOWN_GAPS: {fixed}"


def test_the_check_fails_on_a_planted_unannotated_function():
    def planted(net, x: int, *args, scale: float = 1.0, **style):
        return net

    def annotated(net: object, x: int, *args: int, scale: float = 1.0, **style: str) -> object:
        return net

    class Result:
        def __init__(self, value) -> None: ...

        def plot(self, ax=None) -> None: ...

    assert missing_annotations(planted) == ["net", "args", "style", "return"]
    assert missing_annotations(annotated) == []
    assert missing_annotations(Result.__init__) == ["value"]  # __init__'s return is exempt, its parameters are not
    assert missing_annotations(Result.plot) == ["ax"]


def _hinted(prefixes: tuple[str, ...]) -> list[tuple[str, Callable]]:
    return [(name, f) for name, f in public_functions() if name.startswith(prefixes)]


@pytest.mark.parametrize("package", ["foldlab.plotting", "foldlab.widgets"])
def test_annotations_resolve_at_runtime_in_plotting_and_widgets(package):
    functions = _hinted((package + ".",))
    assert len(functions) > 10
    failures = []
    for name, function in functions:
        try:
            typing.get_type_hints(function)
        except Exception as error:  # noqa: BLE001 - every failure is reported, by name
            failures.append(f"{name}: {type(error).__name__}: {error}")
    assert not failures, "\n".join(failures)


def test_core_annotations_resolve_with_the_matplotlib_names():
    """The core's ``.plot()`` methods name Axes, Figure and plotting's artists under TYPE_CHECKING only."""
    import foldlab.plotting as flp

    supplied = {"Axes": matplotlib.axes.Axes, "Figure": matplotlib.figure.Figure,
                **{name: getattr(flp, name) for name in flp.__all__ if name.endswith("Artists")}}
    prefixes = ("foldlab.plotting.", "foldlab.widgets.")
    failures = []
    for name, function in public_functions():
        if name.startswith(prefixes):
            continue
        try:
            typing.get_type_hints(function, localns=supplied)
        except Exception as error:  # noqa: BLE001 - every failure is reported, by name
            failures.append(f"{name}: {type(error).__name__}: {error}")
    assert not failures, "\n".join(failures)


def test_the_resolve_check_fails_on_a_name_imported_only_for_type_checking():
    namespace: dict = {}
    exec("from __future__ import annotations\ndef plot(ax: Axes) -> None: ...", namespace)  # Axes never imported
    with pytest.raises(NameError, match="Axes"):
        typing.get_type_hints(namespace["plot"])
    hints = typing.get_type_hints(namespace["plot"], localns={"Axes": matplotlib.axes.Axes})
    assert hints["ax"] is matplotlib.axes.Axes
