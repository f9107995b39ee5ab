"""A real browser renders foldlab's widgets and a keyboard step on a slider changes what they show.

Voila serves a small notebook that builds product widgets (nothing in it but library calls); Debian's
Chromium, driven by Playwright, loads the page. `make test` installs chromium; the test never downloads a
browser.
"""

from __future__ import annotations

import nbformat
import pytest

from .widget_checks import CHROMIUM_ARGS, chromium_path, serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CELLS = [
    "import foldlab as fl\nfrom foldlab import widgets as flw",
    "data = fl.toy_dataset('moons', n=60, seed=0)\n"
    "flw.pattern_pair_widget(fl.mlp([2, 8, 8, 1], seed=0), data.X, first=0, second=1)",
]


@pytest.fixture(scope="module")
def voila_page(tmp_path_factory):
    try:
        chromium = chromium_path()
    except RuntimeError as error:
        pytest.fail(str(error))
    folder = tmp_path_factory.mktemp("voila")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / "widgets.ipynb")
    with serve("voila", folder, "widgets.ipynb", timeout=60) as url:
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
