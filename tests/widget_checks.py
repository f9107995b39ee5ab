"""Driving a FigureView's controls as a user would, and what every widget test asserts about it."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import matplotlib.pyplot as plt
import pytest
from ipywidgets import Widget

import foldlab
from foldlab.widgets import FigureView

FOLDLAB = Path(foldlab.__file__).resolve().parent

PNG = b"\x89PNG\r\n\x1a\n"


class Shown(NamedTuple):
    """What the widget shows after a change: the label's text, its result and its picture's bytes."""

    label: str
    result: object
    png: bytes


def shown(widget: FigureView) -> Shown:
    return Shown(widget.label.value, widget.result, bytes(widget.image.value))


def ends(control) -> tuple:
    """The two ends of a control's range: (min, max) of a slider, the first and last option of a choice."""
    if hasattr(control, "options"):
        return control.options[0], control.options[-1]
    return control.min, control.max


def drive(widget: FigureView, name: str, values=None) -> list[Shown]:
    """Set one control to each of ``values`` (default: its two ends); what is shown after each.

    Checks on the way: the control takes the value, the picture is a PNG redrawn from a figure that is
    not pyplot's, and the picture changes between the first and the last value.
    """
    control = widget.controls[name]
    values = ends(control) if values is None else values
    states = []
    for value in values:
        control.value = value
        assert control.value == value, f"{name} did not take {value!r}"
        states.append(shown(widget))
    assert all(s.png.startswith(PNG) for s in states)
    assert states[0].png != states[-1].png, f"the picture did not change: {name} {values[0]!r} -> {values[-1]!r}"
    assert plt.get_fignums() == [], "a widget opened a pyplot figure"
    return states


def assert_is_a_view(widget, names) -> None:
    """A FigureView with exactly these controls, its label, image and figure shown in the box."""
    assert isinstance(widget, FigureView) and isinstance(widget, Widget)
    assert list(widget.controls) == list(names)
    assert widget.label in widget.children and widget.image in widget.children
    assert list(widget.children[0].children) == list(widget.controls.values())
    assert widget.figure.axes, "nothing was drawn"


# -- every widget, built small, with the objects its preset names ---------------------------------------

def objects():
    """Small nets, data and a training run, for the catalogue (deterministic: everything is seeded).

    Every entry is a plain value that :func:`catalogue` only looks up, so that the catalogue's names can be
    listed (for parametrize) with ``None`` for every object.
    """
    import foldlab as fl

    moons = fl.toy_dataset("moons", n=80, noise=0.1, seed=0)
    digits = fl.load_digits(seed=0)
    digit_net = fl.mlp([64, 16, 16, 10], seed=0)
    return {
        "moons": moons,
        "moons_X": moons.X,
        "net2d": fl.mlp([2, 6, 6, 1], seed=0),
        "digits_X": digits.X_test[:60],
        "digits_y": digits.y_test[:60],
        "digit_net": digit_net,
        "history": fl.train(digit_net, digits, epochs=2, seed=0, keep_snapshots=True, progress=False),
        "small_moons": fl.toy_dataset("moons", n=60, seed=0),
    }


def catalogue(o) -> dict:
    """name -> (build(**objects) -> FigureView, objects): every widget of foldlab, small enough for a test.

    ``objects`` are the arguments a preset names instead of writing them out.
    """
    from foldlab import widgets as flw

    return {
        "neuron_widget": (lambda: flw.neuron_widget(), {}),
        "pattern_pair_widget": (lambda net, X: flw.pattern_pair_widget(net, X, first=0, second=3),
                                {"net": o["net2d"], "X": o["moons_X"]}),
        "pattern_pair_widget/images": (
            lambda net, X: flw.pattern_pair_widget(net, X, image_shape=(8, 8), first=0, second=4),
            {"net": o["digit_net"], "X": o["digits_X"]}),
        "training_patterns_widget": (lambda history, X: flw.training_patterns_widget(history, X, n_pairs=300),
                                     {"history": o["history"], "X": o["digits_X"]}),
        "neighbors_widget": (lambda net, X, y: flw.neighbors_widget(net, X, y=y, k=4),
                             {"net": o["digit_net"], "X": o["digits_X"], "y": o["digits_y"]}),
        "arrangement_widget": (lambda: flw.arrangement_widget(width=6, depth=2, max_width=12, max_depth=3,
                                                              max_seed=5), {}),
        "training_regions_widget": (lambda data: flw.training_regions_widget(data, widths=(2, 6, 6, 1), epochs=3,
                                                                             progress=False),
                                    {"data": o["small_moons"]}),
        "grid_misses_widget": (lambda net: flw.grid_misses_widget(net, max_resolution=40), {"net": o["net2d"]}),
        "cantor_walk_widget": (lambda: flw.cantor_walk_widget(depth=2), {}),
        "sampling_widget": (lambda net: flw.sampling_widget(net, [-1.0, -1.0], [1.0, 1.0], max_n=200),
                            {"net": o["net2d"]}),
        "region_walk_widget": (lambda: flw.region_walk_widget(widths=(2, 6, 6, 1)), {}),
    }


def settings_of(control) -> list:
    """The settings a test visits: both ends of a slider, every option of a choice."""
    if hasattr(control, "options"):
        return list(control.options)
    return [control.min, control.max]


def disabled_with_reason(control) -> bool:
    return bool(control.disabled) and bool((control.tooltip or "").strip())


# -- a real browser: Voila or JupyterLab served on 127.0.0.1, Debian's Chromium driven by Playwright -----------

#: Chromium's arguments on these machines (no sandbox as root, no GPU, nothing fetched in the background).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]

#: JupyterLab user settings for a test: every cell kept in the page (the default windowing drops cells that
#: are scrolled away, which a test cannot read), no news.
LAB_USER_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                         "checkForUpdates": False},
}

#: Fetches that fail on a machine without internet and do not matter (web fonts from public CDNs).
HARMLESS = ("fonts.googleapis", "fonts.gstatic", "cdn.jsdelivr", "unpkg.com", "favicon")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chromium_path() -> str:
    import shutil

    path = shutil.which("chromium")
    if path is None:
        raise RuntimeError("chromium not found: `make test` installs it (apt-get install chromium)")
    return path


@contextmanager
def serve(kind: str, folder, notebook: str | None = None, timeout: float = 90.0):
    """Serve ``folder`` with ``kind`` ("voila": one notebook as an app, or "lab": JupyterLab) on 127.0.0.1;
    yields the base URL. JupyterLab gets its own user settings (:data:`LAB_USER_SETTINGS`) and no token;
    its app settings are the installed ones (binder/overrides.json: widget state saved)."""
    import json
    import os
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request
    from pathlib import Path

    folder = Path(folder)
    port = free_port()
    bindir = Path(sys.executable).parent
    env = {**os.environ, "MPLBACKEND": "Agg"}
    if kind == "voila":
        command = [str(bindir / "voila"), notebook, "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
                   "--show_tracebacks=True"]
        ready = f"http://127.0.0.1:{port}/api"
    elif kind == "lab":
        settings = folder.parent / f"{folder.name}-lab-settings"
        for name, value in LAB_USER_SETTINGS.items():
            path = settings / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(value))
        env.update(JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(settings / "workspaces"))
        command = [str(bindir / "jupyter"), "lab", "--no-browser", "--allow-root", f"--port={port}",
                   "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0", "--IdentityProvider.token=",
                   "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True", f"--notebook-dir={folder}"]
        ready = f"http://127.0.0.1:{port}/api/status"
    else:
        raise ValueError(f"kind must be 'voila' or 'lab', got {kind!r}")
    log = open(folder.parent / f"{folder.name}-{kind}.log", "wb")
    proc = subprocess.Popen(command, cwd=folder, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                            env=env)
    deadline = time.time() + timeout
    try:
        while True:
            try:
                urllib.request.urlopen(ready, timeout=2)
                break
            except urllib.error.HTTPError:
                break  # the server answers
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"{kind} did not start: {Path(log.name).read_text()[-3000:]}") from None
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def control_kind(page, view, name: str) -> str:
    """"slider", "dropdown", "toggle" or "disabled": how the control named ``name`` of a view is moved."""
    box = view.locator(f".foldlab-control-{name}")
    if box.locator(".noUi-handle").count():
        return "disabled" if box.locator("[disabled]").count() else "slider"
    if box.locator("select").count():
        return "disabled" if box.locator("select").is_disabled() else "dropdown"
    if box.locator("button").count():
        return "disabled" if box.locator("button").first.is_disabled() else "toggle"
    raise ValueError(f"no control named {name} in this view")


def move_control(page, view, name: str, step: int = 0) -> str:
    """Move control ``name`` of ``view`` (a ``.foldlab-view`` locator) as a user does: a slider one key step
    (right, or left from its maximum), a dropdown or toggle to another option. Returns what was done."""
    box = view.locator(f".foldlab-control-{name}")
    handle = box.locator(".noUi-handle")
    if handle.count():
        now, top = handle.get_attribute("aria-valuenow"), handle.get_attribute("aria-valuemax")
        key = "ArrowLeft" if now is not None and top is not None and float(now) >= float(top) else "ArrowRight"
        handle.focus()
        page.keyboard.press(key)
        return key
    select = box.locator("select")
    if select.count():
        options = select.locator("option").all_inner_texts()
        current = select.input_value()
        values = select.locator("option").evaluate_all("os => os.map(o => o.value)")
        index = (values.index(current) + 1) % len(options) if current in values else step % len(options)
        select.select_option(value=values[index])
        return options[index]
    buttons = box.locator("button")
    for i in range(buttons.count()):
        button = buttons.nth(i)
        if "mod-active" not in (button.get_attribute("class") or ""):
            button.click()
            return button.inner_text()
    raise ValueError(f"could not move {name}")


def figure_src(view) -> str:
    """The src of a view's picture (a new blob URL at every redraw)."""
    return view.locator("img").first.get_attribute("src") or ""


def wait_for_new_figure(page, view, old: str, timeout_ms: float = 30_000) -> None:
    """Wait until the view's picture is a new one (``element_handle`` waits for the img to be attached;
    "attached" is not a state ``wait_for_element_state`` accepts)."""
    page.wait_for_function("([img, old]) => img.src && img.src !== old",
                           arg=[view.locator("img").first.element_handle(timeout=timeout_ms), old],
                           timeout=timeout_ms)


def control_names(view) -> list[str]:
    """The names of a ``.foldlab-view``'s controls, in the order shown (their ``foldlab-control-NAME`` class)."""
    return view.locator('[class*="foldlab-control-"]').evaluate_all(
        "els => els.map(e => [...e.classList].find(c => c.startsWith('foldlab-control-')).slice(16))")


def assert_refused(call, arg, error: type[Exception], message: str) -> None:
    """``call(arg)`` raises ``error`` matching ``message`` from foldlab's own checks, and opens no figure."""
    figures = plt.get_fignums()
    with pytest.raises(error, match=message) as info:
        call(arg)
    raised_in = Path(info.traceback[-1].path).resolve()
    assert FOLDLAB in raised_in.parents, f"raised in {raised_in}, not by foldlab's own checks"
    assert plt.get_fignums() == figures


def widgets_without_bad_cases(test_file: str, module) -> list[str]:
    """The ``*_widget`` functions of ``module`` that the ``BAD = [...]`` list of ``test_file`` never calls."""
    source = Path(test_file).read_text().split("BAD = [")[1]
    return [name for name in module.__all__ if name.endswith("_widget") and f".{name}(" not in source]
