"""The course's exercises: well formed, and an nbgrader round trip on every notebook that has them.

An exercise is three cells: a markdown question ("predict, then run"), a solution cell whose answer sits
between nbgrader's ``### BEGIN SOLUTION`` / ``### END SOLUTION`` markers (cell metadata ``solution: true``),
and a locked, graded check cell calling ``ex.check("NN.k", answer)``. The round trip runs nbgrader itself:
``generate_assignment`` must strip every solution, the student version must run to its first TODO without an
error, and ``autograde`` must give the solved notebook full marks. The harness is first shown to catch a
solution left in a student version and a notebook that does not grade to full marks.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
NBGRADER = Path(sys.executable).parent / "nbgrader"
CHECK = re.compile(r"""ex\.check\(\s*["'](?P<key>[\w.]+)["']\s*,""")


def nbgrader_cells(nb):
    return [c for c in nb.cells if c.get("metadata", {}).get("nbgrader")]


def with_exercises():
    return [p for p in NOTEBOOKS if nbgrader_cells(nbformat.read(p, as_version=4))]


def exercise_keys(nb) -> list[str]:
    keys = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade"):
            found = CHECK.search(cell.source)
            assert found, f"graded cell {meta.get('grade_id')} does not call ex.check"
            keys.append(found["key"])
    return keys


# --- well formed ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", with_exercises(), ids=lambda p: p.name)
def test_exercises_are_well_formed(path):
    from foldlab import exercises as ex

    nb = nbformat.read(path, as_version=4)
    number = path.name[:2]
    keys = exercise_keys(nb)
    assert 3 <= len(keys) <= 6, f"{path.name}: {len(keys)} exercises, the course asks for 3 to 6"
    assert len(set(keys)) == len(keys) and all(k.split(".")[0] == number for k in keys), keys
    registered = {e.key for e in ex.exercises(number)}
    assert set(keys) == registered, f"checks in the notebook {sorted(keys)} vs registered {sorted(registered)}"
    ids = [c.metadata["nbgrader"]["grade_id"] for c in nbgrader_cells(nb)]
    assert len(set(ids)) == len(ids), "grade_id values must be unique"
    for cell in nbgrader_cells(nb):
        meta = cell.metadata["nbgrader"]
        if meta.get("solution"):
            assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source, meta["grade_id"]
            assert not meta.get("grade"), "a solution cell is not a graded cell"
        if meta.get("grade"):
            assert meta.get("locked") and meta.get("points", 0) > 0, meta["grade_id"]


# --- the nbgrader round trip ---------------------------------------------------------------------------

ASSIGNMENT = "course"


def course_directory(tmp_path: Path, notebooks: list[Path]) -> Path:
    """An nbgrader course with one assignment holding the notebooks (one generate and one autograde run for
    all of them: nbgrader's start-up dominates small notebooks)."""
    root = tmp_path / "course"
    (root / "source" / ASSIGNMENT).mkdir(parents=True)
    for path in notebooks:
        shutil.copy(path, root / "source" / ASSIGNMENT / path.name)
    (root / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(root)!r}\n"
        "c.CourseDirectory.course_id = 'foldlab'\n"
        "c.ExecutePreprocessor.timeout = 600\n"
    )
    nbgrader(root, "db", "student", "add", "solver")
    return root


def nbgrader(root: Path, *args: str) -> str:
    # nbgrader runs alembic, a script beside it: the environment's bin directory goes first on the PATH
    env = {**os.environ, "PATH": f"{NBGRADER.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run([str(NBGRADER), *args], cwd=root, capture_output=True, text=True, timeout=1200, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


def run_to_first_todo(path: Path) -> int:
    """Execute a student notebook cell by cell; return the index of the TODO cell that stopped it."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    resources = {"metadata": {"path": str(ROOT / "notebooks")}}
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources=resources)
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            try:
                client.execute_cell(cell, index)
            except CellExecutionError as error:
                assert "NotImplementedError" in str(error) and "raise NotImplementedError()" in cell.source, (
                    f"{path.name}: cell {index} fails before the first TODO:\n{str(error)[-2000:]}"
                )
                return index
    raise AssertionError(f"{path.name}: the student version has no TODO left to do")


def leaked_solutions(source: Path, student: Path) -> list[str]:
    """Lines of the source's solutions that are still in the student version."""
    text = student.read_text()
    leaks = []
    if "BEGIN SOLUTION" in text or "END SOLUTION" in text:
        leaks.append("solution markers")
    for cell in nbgrader_cells(nbformat.read(source, as_version=4)):
        if cell.metadata["nbgrader"].get("solution") and "### BEGIN SOLUTION" in cell.source:
            inside = cell.source.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
            leaks += [line.strip() for line in inside.splitlines()
                      if line.strip() and not line.strip().startswith("#") and line.strip() in text]
    return leaks


def round_trip(tmp_path: Path, notebooks: list[Path], *, check_students: bool = True):
    """Generate the student versions, run each to its first TODO, autograde the solved notebooks.

    Returns ``(scores, leaks)``: per notebook (stem) its ``(score, max_score)``, and the solution lines each
    student version still holds.
    """
    from nbgrader.api import Gradebook

    root = course_directory(tmp_path, notebooks)
    nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")
    leaks = {}
    for path in notebooks:
        student = root / "release" / ASSIGNMENT / path.name
        leaks[path.stem] = leaked_solutions(path, student)
        if check_students and not leaks[path.stem]:
            run_to_first_todo(student)
    (root / "submitted" / "solver" / ASSIGNMENT).mkdir(parents=True)
    for path in notebooks:
        shutil.copy(path, root / "submitted" / "solver" / ASSIGNMENT / path.name)
    nbgrader(root, "autograde", ASSIGNMENT, "--force")
    scores = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "foldlab") as gradebook:
        for path in notebooks:
            graded = gradebook.find_submission_notebook(path.stem, ASSIGNMENT, "solver")
            scores[path.stem] = (float(graded.score), float(graded.max_score))
    return scores, leaks


def demo_notebook(path: Path, *, wrong: bool = False) -> Path:
    """A small course notebook with one exercise (the package's demo exercise)."""
    nb = nbformat.v4.new_notebook()
    solution = {"grade": False, "solution": True, "grade_id": "demo-1-answer", "locked": False,
                "schema_version": 3, "task": False}
    graded = {"grade": True, "solution": False, "grade_id": "demo-1-check", "locked": True, "points": 1,
              "schema_version": 3, "task": False}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Demo\n\n**Predict, then run.** What is 2 + 2?"),
        nbformat.v4.new_code_cell("from foldlab import exercises as ex"),
        nbformat.v4.new_code_cell(f"### BEGIN SOLUTION\nanswer = {5 if wrong else 2 + 2}\n### END SOLUTION",
                                  metadata={"nbgrader": solution}),
        nbformat.v4.new_code_cell('ex.check("demo.1", answer)', metadata={"nbgrader": graded}),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_the_harness_grades_and_catches_mistakes(tmp_path):
    good = demo_notebook(tmp_path / "90_good.ipynb")
    wrong = demo_notebook(tmp_path / "91_wrong.ipynb", wrong=True)
    leaky = nbformat.read(good, as_version=4)
    leaky.cells[2].source = "answer = 4  # the solution, outside the markers\n" + leaky.cells[2].source
    nbformat.write(leaky, tmp_path / "92_leaky.ipynb")
    scores, leaks = round_trip(tmp_path / "run", [good, wrong, tmp_path / "92_leaky.ipynb"])
    assert scores["90_good"] == (1.0, 1.0)
    assert scores["91_wrong"] == (0.0, 1.0)  # a wrong answer does not grade to full marks: caught
    assert leaks["90_good"] == [] and leaks["91_wrong"] == [] and leaks["92_leaky"] == ["answer = 4"]


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory):
    """The round trip over every notebook with exercises, once: ``(course root, scores, leaks)``. The graded
    notebooks (under ``autograded/``) are executed, with their figures: the book is built from them."""
    notebooks = with_exercises()
    if not notebooks:
        pytest.skip("no notebook has exercises yet")
    tmp = tmp_path_factory.mktemp("graded")
    scores, leaks = round_trip(tmp, notebooks)
    return tmp / "course", scores, leaks


@pytest.mark.slow
def test_every_notebook_round_trips_through_nbgrader_to_full_marks(graded_course):
    _, scores, leaks = graded_course
    for path in with_exercises():
        assert leaks[path.stem] == [], (path.name, leaks[path.stem])
        expected = len(exercise_keys(nbformat.read(path, as_version=4)))
        assert scores[path.stem] == (expected, expected), path.name


# --- the book -------------------------------------------------------------------------------------------

BINDER = "https://mybinder.org/v2/gh/foldlab/foldlab/main?urlpath=lab/tree/notebooks/{}"


def image_outputs(nb) -> int:
    return sum(1 for cell in nb.cells if cell.cell_type == "code" for output in cell.get("outputs", [])
               if "image/png" in output.get("data", {}))


@pytest.mark.slow
def test_the_book_builds_without_warnings_from_the_graded_notebooks(graded_course, tmp_path):
    """``make docs`` builds the same book with every notebook executed again; here the notebooks the round trip
    has just run stand in for that (``FOLDLAB_BOOK_EXECUTE=off``), so that the suite runs each notebook once
    for grading and the book shows the figures of that run."""
    course, _, _ = graded_course
    source = tmp_path / "repo"
    shutil.copytree(ROOT / "docs", source / "docs", ignore=shutil.ignore_patterns("_build"))
    (source / "notebooks").mkdir()
    executed, images = {}, 0
    for path in NOTEBOOKS:
        graded = course / "autograded" / "solver" / ASSIGNMENT / path.name
        shutil.copy(graded if graded.exists() else path, source / "notebooks" / path.name)
        executed[path.name] = graded.exists()
    out = tmp_path / "html"
    env = {**os.environ, "FOLDLAB_BOOK_EXECUTE": "off"}
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", "-c", "docs",
         "-d", str(tmp_path / "doctrees"), ".", str(out)],
        cwd=source, capture_output=True, text=True, timeout=900, env=env,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    assert (out / "index.html").exists() and (out / "docs" / "index.html").exists()
    assert (out / "docs" / "maths.html").exists() and (out / "docs" / "glossary.html").exists()
    for path in NOTEBOOKS:
        page = (out / "notebooks" / path.name).with_suffix(".html").read_text()
        assert BINDER.format(path.name) in page, f"{path.name}: no Binder launch button"
        if executed[path.name]:
            shown = image_outputs(nbformat.read(source / "notebooks" / path.name, as_version=4))
            assert page.count("<img") >= shown, (path.name, page.count("<img"), shown)
            images += shown
    # the API page documents every function and class of the top level, in its module
    import foldlab as fl

    api = (out / "docs" / "api.html").read_text()
    for name in fl.__all__:
        obj = getattr(fl, name)
        if callable(obj) and hasattr(obj, "__module__") and obj.__module__.startswith("foldlab"):
            assert f'id="{obj.__module__}.{obj.__qualname__}"' in api, f"fl.{name} is not in the API reference"
    assert sum(executed.values()) == len(with_exercises()) and images > 0  # the book shows the run's figures


# --- the course's outline and each notebook's first and last cells --------------------------------------

def _plain(text: str) -> str:
    """Markdown maths made plain, so that a goal reads the same in the notebook and in foldlab.course."""
    for old, new in (("$", ""), ("\\chi", "chi"), ("\\Phi", "Phi"), ("r_1", "r1"), ("r_2", "r2"), ("_N", "_N")):
        text = text.replace(old, new)
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_opens_and_closes_as_the_course_says(path):
    from foldlab.course import NOTEBOOKS as OUTLINE

    entry = {nb.file: nb for nb in OUTLINE}.get(path.name)
    assert entry is not None, f"{path.name} is not in foldlab.course.NOTEBOOKS"
    nb = nbformat.read(path, as_version=4)
    first, last = nb.cells[0], nb.cells[-1]
    assert first.cell_type == "markdown" and first.source.startswith(f"# {entry.number}. {entry.title}\n")
    head = _plain(first.source)
    for part in ("**Learning goals.** After this notebook you can", "**Follows.**", "**Before this:**",
                 f"**Time.** About {entry.minutes} minutes."):
        assert part in head, (path.name, part)
    for goal in entry.goals:
        assert _plain(goal) in head, (path.name, goal)
    assert last.cell_type == "markdown" and last.source.startswith("## Summary"), path.name


def test_the_start_notebook_lists_the_course_and_links_only_to_what_exists():
    from foldlab.course import NOTEBOOKS as OUTLINE

    start = ROOT / "notebooks" / "00_start_here.ipynb"
    text = "\n".join(cell.source for cell in nbformat.read(start, as_version=4).cells)
    for entry in OUTLINE[1:]:
        assert f"{entry.number}. {entry.title}" in text, entry.title
    allowed_missing: set[str] = set()
    for target in re.findall(r"\]\(([^)#\s]+)\)", text):
        if target.startswith("http"):
            continue
        assert (start.parent / target).exists() or target in allowed_missing, f"broken link {target}"
    for path in NOTEBOOKS:
        for target in re.findall(r"\]\(([^)#\s]+\.(?:ipynb|md))\)",
                                 "\n".join(c.source for c in nbformat.read(path, as_version=4).cells
                                           if c.cell_type == "markdown")):
            assert (path.parent / target).exists() or target in allowed_missing, f"{path.name}: broken {target}"


def test_the_environment_check_says_when_torch_would_give_other_digits(monkeypatch, capsys):
    from foldlab import course

    report = course.check_environment(quiet=True)  # the tests run torch's AVX2 kernels (conftest.py)
    assert report.get("same_digits", True) is True
    monkeypatch.setattr(course, "_torch_kernels", lambda: "AVX512")
    report = course.check_environment()
    assert report["same_digits"] is False
    assert "ATEN_CPU_CAPABILITY=avx2" in capsys.readouterr().out
    monkeypatch.setattr(course, "_torch_kernels", lambda: None)  # a torch that does not say: no line
    assert "same_digits" not in course.check_environment(quiet=True)
