"""The shared parameter docs (foldlab._docs): every placeholder written in the source is filled at import, no
public docstring is left with one, and a placeholder the table does not know fails at import."""

from __future__ import annotations

import ast
import importlib
import inspect
import sys
import textwrap
from pathlib import Path

import pytest

from foldlab._docs import PARAMS, PLACEHOLDER, register_docs, shared_docs

from .test_api import public_modules

PACKAGE = Path(__file__).resolve().parents[1] / "foldlab"


def templated() -> list[tuple[str, str, list[str]]]:
    """(module, qualified name, placeholder names) of each def or class whose docstring, as written in the
    source, holds a placeholder line (read with ast, so a forgotten ``@shared_docs`` cannot hide it)."""
    found = []

    def visit(node: ast.AST, module: str, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                doc = ast.get_docstring(child, clean=False) or ""
                names = [m.group(2) for m in PLACEHOLDER.finditer(doc)]
                if names:
                    found.append((module, prefix + child.name, names))
                visit(child, module, f"{prefix}{child.name}.")

    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "_docs.py":
            continue  # its own docstrings show the placeholder syntax
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        visit(ast.parse(path.read_text(encoding="utf-8")), module, "")
    return found


def resolve(module: str, qualname: str) -> object:
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def test_the_source_uses_placeholders():
    # the scan below must see something, or it would pass for a package that never uses the table
    names = {name for _, _, names in templated() for name in names}
    assert set(PARAMS) <= names, set(PARAMS) - names  # no entry stands unused


@pytest.mark.parametrize("module, qualname, names", templated(), ids=lambda v: v if isinstance(v, str) else None)
def test_every_placeholder_in_the_source_is_filled(module, qualname, names):
    doc = inspect.getdoc(resolve(module, qualname))
    assert "%(" not in doc, f"{module}.{qualname}: a placeholder is left (is @shared_docs missing?)"
    for name in names:
        assert PARAMS[name] in doc


def test_no_public_docstring_holds_a_placeholder():
    checked = 0
    for name in public_modules():
        module = importlib.import_module(name)
        objects = [module] + [getattr(module, attr) for attr in getattr(module, "__all__", [])]
        for obj in objects:
            members = [obj] + ([v for k, v in vars(obj).items() if not k.startswith("_") or k == "__init__"]
                               if inspect.isclass(obj) else [])
            for member in members:
                doc = getattr(member, "__doc__", None)
                if isinstance(doc, str):
                    checked += 1
                    assert "%(" not in doc and not PLACEHOLDER.search(doc), f"{name}: {member!r}"
    assert checked > 200


def test_an_entry_keeps_the_indentation_of_its_line():
    @shared_docs
    def f():
        """Summary.

        Parameters
        ----------
        %(net)s
        """

    assert f.__doc__.splitlines()[4:6] == [
        "        net : torch.nn.Module or NetSpec",
        "            Any net foldlab reads (:func:`foldlab.read_net`), or its snapshot.",
    ]


def test_an_unknown_placeholder_fails():
    def f():
        """%(no_such_entry)s"""

    with pytest.raises(ValueError, match=r"f's docstring names %\(no_such_entry\)s, which is not one of"):
        shared_docs(f)


def test_a_placeholder_inside_a_line_fails_rather_than_being_left():
    def f():
        """Draw on %(ax)s here."""

    with pytest.raises(ValueError, match="not on a line of its own"):
        shared_docs(f)


def test_a_percent_sign_elsewhere_is_left_alone():
    def f():
        """A 25% margin; 100%."""

    assert shared_docs(f).__doc__ == "A 25% margin; 100%."


def test_no_docstring_is_left_alone():
    def f():
        pass

    assert shared_docs(f) is f and f.__doc__ is None  # python -OO strips docstrings; importing must still work


def test_an_entry_cannot_be_given_another_text():
    register_docs(ax=PARAMS["ax"])  # the same text again is fine
    with pytest.raises(ValueError, match="already describe 'ax' otherwise"):
        register_docs(ax="ax : Axes")


def test_an_unknown_placeholder_fails_at_import(tmp_path, monkeypatch):
    (tmp_path / "typo_module.py").write_text(textwrap.dedent('''
        from foldlab._docs import shared_docs

        @shared_docs
        def plot_x(ax=None):
            """Draw.

            Parameters
            ----------
            %(axx)s
            """
    '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ValueError, match=r"plot_x's docstring names %\(axx\)s"):
        importlib.import_module("typo_module")
    sys.modules.pop("typo_module", None)
