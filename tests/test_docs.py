"""The documentation cannot rot: no file users get points at the team's notes, every citation of the maths page
names a section that exists, and the examples on the maths page run."""

import doctest
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MATHS = ROOT / "docs" / "maths.md"

#: The sections of docs/maths.md that code cites by title (fixed for the whole team: do not rename them).
SECTIONS = (
    "Activation patterns and Hamming geometry",
    "Exact 2D arrangements",
    "Walks along a segment",
    "Folding measures",
    "The global folding measure",
    "CantorNet",
    "Counting regions",
    "Floating point and exactness",
    "Choices foldlab made where the papers are open",
)

#: What users do not have: the team's design notes and the shared folder beside the repository.
FORBIDDEN = re.compile(r"DESIGN\.md|\.\./shared|/work/shared", re.IGNORECASE)

#: Files owned by other developers that still mention the team's notes on this branch, each being cleaned
#: on its own branch. An entry that no longer mentions them fails the test below, so the list only shrinks:
#: delete the entry when the file is clean.
PENDING = {
    "foldlab/walk.py",
    "foldlab/_walk_engines.py",
}

#: "docs/maths.md, section 'X'" or "(docs/maths.md), sections 'X' and 'Y'"; titles in single or double quotes.
_QUOTED = r"(?:'[^'\n]+'|\"[^\"\n]+\")"
CITATION = re.compile(rf"docs/maths\.md\)?,?\s+sections?\s+({_QUOTED}(?:\s*(?:,|and|, and)\s*{_QUOTED})*)")
UNQUOTED = re.compile(r"docs/maths\.md\)?,?\s+sections?\s+(?![\"'])")


def user_files() -> list[Path]:
    """Every file a user gets with foldlab's library, notebooks, README and docs."""
    files = [ROOT / "README.md"]
    for folder, pattern in (("foldlab", "*.py"), ("notebooks", "*.ipynb"), ("docs", "*")):
        files += [p for p in sorted((ROOT / folder).rglob(pattern)) if p.is_file() and "__pycache__" not in p.parts]
    return files


def text_of(path: Path) -> str:
    """The file's text, with a notebook's cells joined (so a citation reads as it does in the notebook) and
    all runs of whitespace made one space (so a title may wrap across lines of a docstring)."""
    raw = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":
        raw = "\n\n".join("".join(cell["source"]) for cell in json.loads(raw)["cells"])
    return re.sub(r"\s+", " ", raw)


def text_of_string(s: str) -> str:
    return re.sub(r"\s+", " ", s)


def headings() -> list[tuple[int, str]]:
    """(level, title) of every Markdown heading of the maths page, outside code blocks."""
    out, fenced = [], False
    for line in MATHS.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (match := re.match(r"(#+)\s+(.*?)\s*$", line)):
            out.append((len(match.group(1)), match.group(2)))
    return out


def cited_sections(text: str) -> list[str]:
    titles = []
    for match in CITATION.finditer(text):
        titles += [a or b for a, b in re.findall(r"'([^']+)'|\"([^\"]+)\"", match.group(1))]
    return titles


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# --- the team's notes stay out -------------------------------------------------------------------------

def test_no_user_file_mentions_the_team_notes():
    offenders = {}
    for path in user_files():
        name = relative(path)
        found = FORBIDDEN.findall(path.read_text(encoding="utf-8"))
        if name in PENDING:
            assert found, f"{name} no longer mentions the team's notes: delete it from PENDING in {__file__}"
        elif found:
            offenders[name] = sorted(set(found))
    assert not offenders, (
        f"cite the papers or foldlab's maths page (docs/maths.md) instead of the team's notes: {offenders}"
    )


def test_the_scan_sees_what_it_should():
    """The checks would catch a mention or a wrong title written the ways people write them."""
    assert FORBIDDEN.search("see design.md, section 3") and FORBIDDEN.search("../shared/papers")
    text = text_of_string("""References: foldlab's maths page (docs/maths.md), sections 'Walks along a
        segment' and "Folding measures"; also docs/maths.md, section 'CantorNet', and docs/maths.md""")
    assert cited_sections(text) == ["Walks along a segment", "Folding measures", "CantorNet"]
    assert UNQUOTED.search(text_of_string("docs/maths.md, section Folding measures"))
    assert not UNQUOTED.search(text)


# --- citations of the maths page ------------------------------------------------------------------------

def test_the_maths_page_has_the_sections_code_cites():
    level_two = [title for level, title in headings() if level == 2]
    assert level_two == list(SECTIONS)


def test_every_citation_of_the_maths_page_names_one_of_its_sections():
    titles = {title for _, title in headings()}
    unknown, unquoted, count = [], [], 0
    for path in user_files():
        text = text_of(path)
        for title in cited_sections(text):
            count += 1
            if title not in titles:
                unknown.append(f"{relative(path)}: {title!r}")
        unquoted += [f"{relative(path)}: ...{text[m.start():m.start() + 60]}" for m in UNQUOTED.finditer(text)]
    assert not unknown, f"citations of sections docs/maths.md does not have: {unknown}"
    assert not unquoted, f"quote the section title after 'docs/maths.md, section': {unquoted}"
    assert count >= 20  # the library cites the page throughout; none found means the pattern broke


@pytest.mark.parametrize("title", SECTIONS)
def test_each_section_is_cited_as_the_team_cites_it(title):
    """The section list of the team notes is the maths page's: a citation written from it resolves."""
    assert cited_sections(text_of_string(f"foldlab's maths page (docs/maths.md), section '{title}'")) == [title]
    assert title in {t for _, t in headings()}


# --- the maths page's own examples ------------------------------------------------------------------------

def test_the_examples_on_the_maths_page_run():
    result = doctest.testfile(
        str(MATHS), module_relative=False, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    assert result.attempted >= 8
    assert result.failed == 0


def test_the_docs_folder_says_what_is_in_it_and_readme_links_the_maths_page():
    index = (ROOT / "docs" / "README.md").read_text(encoding="utf-8")
    assert "maths.md" in index
    assert "docs/maths.md" in (ROOT / "README.md").read_text(encoding="utf-8")
    import foldlab

    assert "docs/maths.md" in foldlab.__doc__
