"""The notebooks as files: outputs committed only where nbval compares them, and nothing else left in them.

Every number the text of a notebook states is printed by a code cell marked ``# NBVAL_CHECK_OUTPUT``, whose
committed output nbval (run with ``--nbval-lax`` by ``make test``) compares with a fresh run. All other
outputs stay stripped, so the files stay small and diffs stay readable. nbval runs the notebooks themselves.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MARK = "# NBVAL_CHECK_OUTPUT"


def check_output_split(nb) -> list[str]:
    """What is wrong with a notebook's committed outputs (empty when nothing)."""
    problems = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        marked = MARK in cell.source
        if cell.outputs and not marked:
            problems.append(f"cell {index} has outputs but is not marked {MARK}: strip them")
        if marked and not cell.outputs:
            problems.append(f"cell {index} is marked {MARK} but has no committed output to compare")
        if marked and any(o.get("output_type") == "error" for o in cell.outputs):
            problems.append(f"cell {index} has an error committed as its output")
        if cell.get("execution_count") is not None and not marked:
            problems.append(f"cell {index} keeps an execution count")
    if nb.metadata.get("widgets"):
        problems.append("the notebook keeps widget state in its metadata: strip it")
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_outputs_only_where_nbval_compares_them(path):
    assert check_output_split(nbformat.read(path, as_version=4)) == []


def test_the_check_finds_stray_and_missing_outputs():
    nb = nbformat.v4.new_notebook()
    stray = nbformat.v4.new_code_cell("print(1)")
    stray.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    empty = nbformat.v4.new_code_cell(f"{MARK}\nprint(2)")
    good = nbformat.v4.new_code_cell(f"{MARK}\nprint(3)")
    good.outputs = [nbformat.v4.new_output("stream", name="stdout", text="3\n")]
    good.execution_count = 3
    nb.cells = [stray, empty, good]
    problems = check_output_split(nb)
    assert len(problems) == 2 and "cell 0 has outputs" in problems[0] and "cell 1 is marked" in problems[1]
