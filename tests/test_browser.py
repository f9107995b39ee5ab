"""A real browser renders foldlab's widgets and a keyboard step on a slider changes what they show.

Voila serves a small notebook that builds product widgets (nothing in it but library calls); Debian's
Chromium, driven by Playwright, loads the page. `make test` installs chromium; the test never downloads a
browser.
"""

from __future__ import annotations

import contextlib
import re

import nbformat
import pytest

from .widget_checks import CHROMIUM_ARGS, chromium_path, serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CELLS = [
    "import foldlab as fl\nfrom foldlab import widgets as flw",
    "data = fl.toy_dataset('moons', n=60, seed=0)\n"
    "flw.pattern_pair_widget(fl.mlp([2, 8, 8, 1], seed=0), data.X, first=0, second=1)",
]


@contextlib.contextmanager
def voila_notebook(tmp_path_factory, name: str, cells: list[str]):
    """A notebook of ``cells`` served by Voila: yields its url, the chromium to open it with and its folder."""
    try:
        chromium = chromium_path()
    except RuntimeError as error:
        pytest.fail(str(error))
    folder = tmp_path_factory.mktemp(f"voila-{name}")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / f"{name}.ipynb")
    with serve("voila", folder, f"{name}.ipynb", timeout=60) as url:
        yield url, chromium, folder


@pytest.fixture(scope="module")
def voila_page(tmp_path_factory):
    with voila_notebook(tmp_path_factory, "widgets", CELLS) as (url, chromium, _):
        yield url, chromium


def _expected_distance(first: int, second: int) -> int:
    """d_H between two inputs of the notebook's data, computed with the library (not the widget)."""
    import foldlab as fl

    data = fl.toy_dataset("moons", n=60, seed=0)
    P = fl.activation_patterns(fl.mlp([2, 8, 8, 1], seed=0), data.X)
    return fl.hamming_distance(P[first], P[second])


def test_pattern_pair_widget_reacts_to_the_keyboard_in_chromium(voila_page):
    from playwright.sync_api import sync_playwright

    url, chromium = voila_page
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(url, timeout=90_000)
            label = page.locator(".widget-html", has_text="d_H(a, b) =")
            label.wait_for(timeout=90_000)
            assert f"d_H(a, b) = {_expected_distance(0, 1)} " in label.inner_text()
            image = page.locator(".widget-image").first
            before_image = image.get_attribute("src")
            assert before_image, "the widget's figure did not render"

            # the second slider is input b: one keyboard step moves it from 1 to 2
            readouts = page.locator(".widget-readout")
            assert readouts.nth(1).inner_text().strip() == "1"
            page.locator(".noUi-handle").nth(1).focus()
            page.keyboard.press("ArrowRight")
            page.wait_for_function(
                "([old]) => { const i = document.querySelector('.widget-image'); return i && i.src !== old; }",
                arg=[before_image],
                timeout=30_000,
            )
            assert readouts.nth(1).inner_text().strip() == "2"
            assert f"d_H(a, b) = {_expected_distance(0, 2)} " in label.inner_text()
        finally:
            browser.close()
    assert not errors, errors


WALK_CELLS = ["from foldlab import widgets as flw\nflw.region_walk_widget(widths=(2, 8, 8, 1), seed=0)"]
ENDS = re.compile(r"A = \(([-\d.e]+), ([-\d.e]+)\), B = \(([-\d.e]+), ([-\d.e]+)\)")


@pytest.fixture(scope="module")
def walk_page(tmp_path_factory):
    with voila_notebook(tmp_path_factory, "walk", WALK_CELLS) as page:
        yield page


def ends(label) -> tuple[float, ...]:
    return tuple(float(v) for v in ENDS.search(label.inner_text()).groups())


def test_clicks_place_the_walk_hovering_reads_the_region_and_the_figure_downloads_in_chromium(walk_page):
    """Real pointer events on the picture: two clicks in the region plot move A then B (the signs of their
    coordinates follow where the page was clicked: the pixel-to-data mapping is not flipped), hovering shows
    the region's pattern and its Hamming distance to A's region with the region outlined, and the PNG and SVG
    buttons download the figure."""
    from playwright.sync_api import sync_playwright

    url, chromium, folder = walk_page
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900}, accept_downloads=True)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(url, timeout=90_000)
            label = page.locator(".widget-html", has_text="regions on the segment")
            label.wait_for(timeout=90_000)
            assert ends(label) == (-0.8, -0.5, 0.8, 0.6)
            img = page.locator(".foldlab-figure img").first
            img.wait_for(timeout=30_000)
            box = img.bounding_box()
            # the left axes (the regions) span about 7-52 % of the picture's width, 10-88 % of its height
            at = {"A": (0.2, 0.35), "B": (0.42, 0.7)}
            for step, (fx, fy) in enumerate(at.values()):
                before = label.inner_text()
                page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
                page.wait_for_function("([old]) => [...document.querySelectorAll('.widget-html')].some("
                                       "e => e.innerText.includes('regions on the segment') && e.innerText !== old)",
                                       arg=[before], timeout=30_000)
                if step == 0:
                    ax, ay, bx, by = ends(label)
                    assert ax < 0 < ay and (bx, by) == (0.8, 0.6), label.inner_text()
            ax, ay, bx, by = ends(label)
            assert ax < 0 < ay and by < 0 < bx, label.inner_text()

            page.mouse.move(box["x"] + 0.3 * box["width"], box["y"] + 0.5 * box["height"])
            hover = page.locator(".widget-html", has_text="to A's region").filter(has_text="d_H =")
            hover.wait_for(timeout=30_000)
            assert re.search(r"pattern [01]{8} \| [01]{8}", hover.inner_text()), hover.inner_text()
            page.wait_for_function("() => (document.querySelector('.foldlab-figure polygon')"
                                   ".getAttribute('points') || '').split(' ').length >= 3", timeout=30_000)

            for kind, magic in (("PNG", b"\x89PNG"), ("SVG", b"<?xml")):
                with page.expect_download(timeout=30_000) as download:
                    page.locator(".foldlab-toolbar button", has_text=kind).click()
                assert download.value.suggested_filename.endswith(f".{kind.lower()}")
                path = folder / download.value.suggested_filename
                download.value.save_as(path)
                assert path.read_bytes().startswith(magic)
        finally:
            browser.close()
    assert not errors, errors
