"""The layering of the package, enforced: every import in foldlab/ (inside functions too) goes down the ranks.

A module may import modules of lower rank, and modules of its own rank as long as that makes no circle.
Only the convenience ``.plot()`` methods listed in ``ALLOWED_UP`` may reach up (to foldlab.plotting, lazily).
No ``_private`` name is imported from another module: what several modules share is public inside the
package (a private *module*, such as ``_validation``, is fine). The core imports neither matplotlib,
ipywidgets nor scikit-learn when foldlab is imported.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "foldlab"

#: Rank of every module (a subpackage counts as one module). Lower ranks know nothing of higher ones.
RANKS = {
    # 0. what everything shares
    "errors": 0, "_typing": 0, "_docs": 0, "_validation": 0, "limits": 0,
    # 1. nets, and the one place a net is read
    "nets": 1, "cantornet": 1, "adapter": 1,
    # 2. activation patterns and the measures of a path of them
    "patterns": 2, "measures": 2,
    # 3. the exact engines: walks along segments, arrangements in the plane
    "walk": 3, "_walk_engines": 3, "_walk_fast": 3, "_walk_exact": 3,
    "arrangement": 3, "_partition_refine": 3, "_polygon_split": 3, "_convex_polygons": 3, "_plane": 3,
    "_blas": 3, "_tolerances": 3, "_linear_regions": 3, "_decision_boundary": 3,
    # 4. what is built on them
    "counting": 4, "folding": 4, "pattern_stats": 4, "null_test": 4, "constellations": 4, "information": 4,
    "local": 4, "geodesic": 4,
    # 5. data and training
    "data": 5, "training": 5, "normalisation": 5, "regions_training": 5, "regularizer": 5, "exercises": 5, "course": 5,
    "trained": 5,
    # 6. drawing, 7. widgets
    "plotting": 6,
    # the experiments train nets and measure them (the plots of their results import plotting lazily)
    "experiments": 5,
    "widgets": 7,
}
#: (module, function or method, imported module): the only imports allowed to go up a rank.
ALLOWED_UP = {
    ("arrangement", "plot", "plotting"),
    ("counting", "plot", "plotting"),
    ("folding", "plot", "plotting"),
    ("experiments", "main", "plotting"),  # the command that writes the shipped figure
    ("experiments", "plot_results", "plotting"),  # the runner's figure
}
#: Never imported by the core (ranks 0 to 5) when ``import foldlab`` runs.
HEAVY = ("matplotlib", "ipywidgets", "sklearn")


def module_of(path: Path, package: Path = PACKAGE) -> str:
    """``foldlab/plotting/regions.py`` -> ``plotting``; ``foldlab/walk.py`` -> ``walk``."""
    return path.relative_to(package).parts[0].removesuffix(".py")


def resolve(path: Path, node: ast.ImportFrom | ast.Import, package: Path) -> list[tuple[str, list[str]]]:
    """The foldlab modules an import statement names, each with the names it takes from it."""
    here = path.relative_to(package).with_suffix("").parts  # ("plotting", "regions") or ("walk",)
    found = []
    if isinstance(node, ast.Import):
        for alias in node.names:
            parts = alias.name.split(".")
            if parts[0] == "foldlab" and len(parts) > 1:
                found.append((parts[1], []))
        return found
    if node.level == 0:
        parts = (node.module or "").split(".")
        if parts[0] != "foldlab":
            return []
        target = parts[1:]
    else:
        package = list(here[:-1])  # the package this file is in, relative to foldlab
        up = node.level - 1
        if up > len(package):
            raise AssertionError(f"{path}: relative import above the package")
        target = package[: len(package) - up] + ((node.module or "").split(".") if node.module else [])
    names = [alias.name for alias in node.names]
    if not target:  # "from . import walk" at the top of the package, or "from .. import plotting"
        return [(name, []) for name in names]
    return [(target[0], names)]


def imports(path: Path, package: Path = PACKAGE):
    """Every foldlab import in a file: (imported module, names, enclosing function or None, line)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    out = []

    def visit(node, function):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue  # annotations only: never runs
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(child, child.name)
            elif isinstance(child, (ast.Import, ast.ImportFrom)):
                for module, names in resolve(path, child, package):
                    out.append((module, names, function, child.lineno))
            else:
                visit(child, function)

    visit(tree, None)
    return out


def all_files():
    return sorted(p for p in PACKAGE.rglob("*.py"))


def violations(files=None, ranks=RANKS, package: Path = PACKAGE) -> list[str]:
    problems = []
    edges: dict[str, set[str]] = {}
    for path in files or all_files():
        here = module_of(path, package)
        if here == "__init__":
            continue
        if here not in ranks:
            problems.append(f"{path.name}: module {here!r} has no rank in tests/test_layers.py RANKS")
            continue
        for target, names, function, line in imports(path, package):
            if target == here:
                continue  # inside a subpackage
            if target not in ranks:
                problems.append(f"{path.name}:{line}: imports {target!r}, which has no rank")
                continue
            if ranks[target] > ranks[here] and (here, function, target) not in ALLOWED_UP:
                problems.append(
                    f"{path.relative_to(package.parent)}:{line}: {here} (rank {ranks[here]}) imports {target} "
                    f"(rank {ranks[target]}), which is above it"
                )
            private = [n for n in names if n.startswith("_") and n not in ranks]
            if private:
                problems.append(
                    f"{path.relative_to(package.parent)}:{line}: imports private names {private} from {target}"
                )
            if ranks[target] == ranks[here]:
                edges.setdefault(here, set()).add(target)
    # circles among modules of one rank
    for start in edges:
        stack, seen = [(start, [start])], set()
        while stack:
            node, trail = stack.pop()
            for nxt in edges.get(node, ()):
                if nxt == start:
                    problems.append(f"import circle: {' -> '.join(trail + [start])}")
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, trail + [nxt]))
    return sorted(set(problems))


def test_every_import_goes_down_the_ranks():
    assert violations() == []


def test_the_check_fails_on_a_planted_upward_import(tmp_path):
    planted = PACKAGE / "patterns.py"
    source = planted.read_text()
    fake = tmp_path / "foldlab"
    fake.mkdir()
    # the same file, with an import of the walk module (rank 3) inside a function of patterns (rank 2)
    copy = fake / "patterns.py"
    copy.write_text(source + "\n\ndef _planted():\n    from .walk import walk\n    return walk\n")
    found = violations([copy], package=fake)
    assert violations([PACKAGE / "patterns.py"]) == []  # the real file passes
    assert any("patterns (rank 2) imports walk (rank 3)" in problem for problem in found), found


def test_the_check_fails_on_a_planted_circle_and_a_private_name(tmp_path):
    fake = tmp_path / "foldlab"
    fake.mkdir()
    (fake / "a.py").write_text("from .b import helper\n")
    (fake / "b.py").write_text("def helper():\n    from .a import _secret\n")
    found = violations([fake / "a.py", fake / "b.py"], ranks={"a": 3, "b": 3}, package=fake)
    assert any("import circle" in p for p in found) and any("private names ['_secret']" in p for p in found), found


def test_every_module_has_a_rank():
    modules = {module_of(p) for p in all_files()} - {"__init__"}
    assert modules <= set(RANKS), sorted(modules - set(RANKS))


@pytest.mark.parametrize("heavy", HEAVY)
def test_importing_foldlab_loads_no_heavy_library(heavy):
    code = f"import sys, foldlab; print({heavy!r} in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False", f"import foldlab loads {heavy}"
