"""Every notebook of the course in a real JupyterLab, in Chromium: run all cells, move a control of every
widget, and see the picture change, with no page error, no kernel error and no widget that failed to draw;
then save, close and reopen one notebook and see its widgets come back (the lab setting that saves widget
state). Screenshots go to ``$FOLDLAB_SCREENSHOTS`` (default: pytest's temporary folder).

The notebooks run from a copy (JupyterLab autosaves). `make test` installs chromium; nothing is downloaded.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import urllib.request
from pathlib import Path

import pytest

from .widget_checks import (
    CHROMIUM_ARGS,
    HARMLESS,
    chromium_path,
    control_kind,
    control_names,
    figure_src,
    move_control,
    serve,
    wait_for_new_figure,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    # Every notebook run again in a real JupyterLab: 11 min 8 s for this file on 2 busy cores (load 6), far over
    # the ~3 min the whole suite's 20-minute budget leaves, so `make test` leaves it out;
    # `make test-browser-notebooks` runs it (FOLDLAB_BROWSER_NOTEBOOKS=1).
    pytest.mark.skipif(os.environ.get("FOLDLAB_BROWSER_NOTEBOOKS") != "1",
                       reason="all notebooks in JupyterLab: run `make test-browser-notebooks`"),
]

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
#: What a page shows when a kernel or a widget failed.
FAILURES = ("Traceback (most recent call last)", "could not draw", "Error displaying widget", "model not found",
            "Kernel Restarting", "The kernel has died")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    folder = tmp_path_factory.mktemp("course")
    for name in NOTEBOOKS:
        shutil.copy(ROOT / "notebooks" / name, folder / name)
    shots = Path(os.environ.get("FOLDLAB_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with serve("lab", folder) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        try:
            yield url, browser, shots
        finally:
            browser.close()


def builds_widgets(name: str) -> bool:
    """Whether a notebook's code calls a foldlab widget (``..._widget(``); one that does not (00, the start) is
    checked for errors only."""
    nb = json.loads((ROOT / "notebooks" / name).read_text())
    return any(re.search(r"\b\w+_widget\(", "".join(cell["source"]))
               for cell in nb["cells"] if cell["cell_type"] == "code")


def run_all(page) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()


def wait_until_idle(page, timeout_s: float) -> None:
    """Every code cell has run (a number in its prompt, none waiting or running)."""
    page.wait_for_function(
        """() => { const ps = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];
                   return ps.length > 0 && ps.every(p => /\\[\\d+\\]/.test(p.textContent)); }""",
        timeout=timeout_s * 1000, polling=500)


def page_failures(page) -> list[str]:
    text = page.locator(".jp-NotebookPanel:visible").inner_text()
    return [f for f in FAILURES if f in text]


def wait_for_first_widget(page, name: str) -> None:
    """The first widget, or a traceback that stops Run All before it (fail at once, naming it). Attached, not
    visible: JupyterLab skips rendering cells scrolled away (content-visibility)."""
    page.wait_for_function(
        """() => !!document.querySelector('.jp-NotebookPanel .foldlab-view')
                 || document.querySelector('.jp-NotebookPanel').innerText.includes('Traceback (most recent')""",
        timeout=400_000, polling=500)  # a busy 2-core machine: 01 trains first
    assert not page_failures(page), f"{name}: {page_failures(page)}: {error_text(page)}"


def error_text(page) -> str:
    """The text of the first error output (its exception and message), for the failure's message."""
    errors = page.locator(".jp-OutputArea-output", has_text="Traceback (most recent call last)")
    return errors.first.inner_text()[-1500:] if errors.count() else ""


def open_notebook(page, url: str, name: str, workspace: str | None = None) -> None:
    """Open ``name`` in a workspace of its own (nothing of the previous notebook's layout is restored: no second
    panel, no second kernel) and wait until its kernel is really there.

    The toolbar's execution indicator says "idle" for a few seconds before the kernel starts, while the kernel
    name still reads "No Kernel"; "Run All" pressed then opens JupyterLab's "Select Kernel" dialog and runs
    nothing (the hang this test had). So: the server has a session for this notebook with an idle kernel, and
    the page shows that kernel, idle.
    """
    space = f"workspaces/{workspace}/" if workspace else ""
    page.goto(f"{url}lab/{space}tree/{name}", timeout=90_000)
    page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(timeout=90_000)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if kernel_state(url, name) == "idle" and page.evaluate(
                """() => { const s = document.querySelector('.jp-NotebookPanel .jp-Notebook-ExecutionIndicator');
                           const k = document.querySelector('.jp-NotebookPanel .jp-Toolbar-kernelName');
                           return !!s && s.dataset.status === 'idle' && !!k
                                  && !['', 'No Kernel', 'Kernel'].includes(k.innerText.trim()); }"""):
            return
        page.wait_for_timeout(300)
    raise AssertionError(f"{name}: no idle kernel after 120 s (server: {kernel_state(url, name)}; "
                         f"page: {page.locator('.jp-NotebookPanel .jp-Toolbar-kernelName').inner_text()!r})")


def sessions(url: str, name: str) -> list[dict]:
    """The server's sessions (notebook and kernel) for notebook ``name``."""
    return [s for s in json.load(urllib.request.urlopen(f"{url}api/sessions", timeout=10)) if s["path"] == name]


def kernel_state(url: str, name: str) -> str | None:
    """The execution state of the kernel the server runs for ``name`` ("idle", "busy", ...), None without one."""
    found = sessions(url, name)
    return found[0]["kernel"]["execution_state"] if found and found[0].get("kernel") else None


def shut_down(url: str, name: str) -> None:
    """End the notebook's session and kernel, so that it uses no core or memory while the next notebook runs."""
    for session in sessions(url, name):
        urllib.request.urlopen(urllib.request.Request(f"{url}api/sessions/{session['id']}", method="DELETE"),
                               timeout=30)


def wait_until_running(page, name: str, shots: Path) -> None:
    """Run All started: some code cell is queued, running or done. A dialog instead (a kernel to select, an
    error) fails at once with its text and a screenshot, instead of waiting minutes for a widget."""
    page.wait_for_function(
        """() => !!document.querySelector('.jp-Dialog')
                 || [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputArea-prompt')]
                      .some(p => /\\[(\\*|\\d+)\\]/.test(p.textContent))""", timeout=60_000, polling=200)
    dialog = page.locator(".jp-Dialog")
    if dialog.count():
        page.screenshot(path=str(shots / f"{name.removesuffix('.ipynb')}-dialog.png"))
        raise AssertionError(f"{name}: a dialog instead of running the cells: {dialog.first.inner_text()!r}")


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_notebook_runs_and_its_widgets_respond_in_jupyterlab(lab, name):
    url, browser, shots = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" and not any(
        h in m.text for h in HARMLESS) and "Failed to load resource" not in m.text else None)
    stem = name.removesuffix(".ipynb")
    try:
        open_notebook(page, url, name, workspace=stem)
        page.screenshot(path=str(shots / f"{stem}-0-opened.png"))
        started = time.perf_counter()
        run_all(page)
        wait_until_running(page, name, shots)
        views = page.locator(".jp-NotebookPanel .foldlab-view")
        if not builds_widgets(name):
            # no widget to wait for: every cell runs, with no error and no widget
            wait_until_idle(page, 500)
            assert not page_failures(page), f"{name}: {page_failures(page)}: {error_text(page)}"
            assert views.count() == 0
            page.screenshot(path=str(shots / f"{stem}.png"), full_page=False)
            print(f"{name}: no widget; every cell ran in {time.perf_counter() - started:.1f} s")
            return
        wait_for_first_widget(page, name)
        first_widget = time.perf_counter() - started
        wait_until_idle(page, 500)
        page.screenshot(path=str(shots / f"{stem}-1-ran.png"))
        assert not page_failures(page), f"{name}: {page_failures(page)}: {error_text(page)}"
        assert views.count() >= 1
        moved = []
        for i in range(views.count()):
            view = views.nth(i)
            view.scroll_into_view_if_needed()
            assert view.is_visible(), f"{name}: widget {i} is not shown"
            names = [n for n in control_names(view) if control_kind(page, view, n) != "disabled"]
            assert names, f"{name}: widget {i} has no control to move"
            # its first enabled control, and its last one as well when it has several
            for control in dict.fromkeys([names[0], names[-1]]):
                before = figure_src(view)
                label_before = view.locator(".widget-html").first.inner_text()
                done = move_control(page, view, control)
                wait_for_new_figure(page, view, before)
                moved.append((i, control, done, label_before != view.locator(".widget-html").first.inner_text()))
            view.screenshot(path=str(shots / f"{stem}-widget{i}.png"))
        page.wait_for_timeout(300)
        assert not page_failures(page), f"{name} after moving controls: {page_failures(page)}"
        page.screenshot(path=str(shots / f"{stem}.png"), full_page=False)
        print(f"{name}: first widget {first_widget:.1f} s after Run All; moved {moved}")
    finally:
        page.close()
        shut_down(url, name)
    assert not errors, errors


def test_widget_state_survives_save_and_reopen(lab):
    """With the installed lab settings (saveState), a saved and reopened notebook shows its widgets again."""
    url, browser, shots = lab
    name = "03_cantornet.ipynb" if "03_cantornet.ipynb" in NOTEBOOKS else NOTEBOOKS[0]
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        open_notebook(page, url, name)
        run_all(page)
        wait_for_first_widget(page, name)
        wait_until_idle(page, 500)
        page.locator(".jp-NotebookPanel .jp-Notebook").first.click()
        page.keyboard.press("Control+s")
        page.wait_for_function("() => !document.querySelector('.jp-mod-dirty')", timeout=30_000, polling=300)
        page.close()
        # the kernel goes away (as after closing the lab): the widgets can only come back from the saved state
        for session in json.load(urllib.request.urlopen(f"{url}api/sessions")):
            urllib.request.urlopen(urllib.request.Request(f"{url}api/sessions/{session['id']}", method="DELETE"))
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{url}lab/tree/{name}", timeout=90_000)
        page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(timeout=90_000)
        view = page.locator(".jp-NotebookPanel .foldlab-view").first
        view.wait_for(state="attached", timeout=120_000)
        view.scroll_into_view_if_needed()
        assert figure_src(view), "the reopened widget shows no picture"
        page.wait_for_timeout(1000)
        assert not page_failures(page), page_failures(page)
        page.screenshot(path=str(shots / "reopened.png"))
    finally:
        page.close()
    assert not errors, errors
