"""Median redraw of every control of every widget, measured in a real browser (target: under 0.25 s).

Voila serves one notebook that builds every foldlab widget at the sizes the course notebooks use;
Debian's Chromium, driven by Playwright, moves each enabled control ``--repeat`` times as a user does
(a slider one key step, a dropdown or toggle to another option) and times, in the page, from the key
press or click to the new picture in the page (the kernel's redraw, the PNG's trip and its decoding).
Controls that are disabled (with a tooltip saying why) are listed as such.

Run: ``python benchmarks/widgets.py [--repeat 5]`` (needs chromium: ``make browser-deps``).

``--kernel`` times the same moves without a browser: the widgets are built in this process as the page builds
them, each control is set in Python as :func:`tests.widget_checks.move_control` moves it, and the time is the
view's own redraw (``FigureView.seconds``: the draw and the PNG). ``--only NAME`` keeps the widgets whose name
starts with NAME; ``--profile`` prints cProfile's top entries of each kernel-side control.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.widget_checks import (  # noqa: E402  (the browser helpers the tests use)
    CHROMIUM_ARGS,
    chromium_path,
    control_kind,
    control_names,
    figure_src,
    move_control,
    serve,
)

#: The objects of the course notebooks (01-09), then every widget as the notebooks build it; one torch thread,
#: as every course notebook sets.
SETUP = """import torch
import foldlab as fl
from foldlab import widgets as flw
torch.set_num_threads(1)
moons = fl.toy_dataset("moons", n=300, noise=0.1, seed=0)
net2d = fl.mlp([2, 6, 6, 1], seed=0)
digits = fl.load_digits(seed=0)
digit_net = fl.mlp([64, 64, 64, 10], seed=0)
history = fl.train(digit_net, digits, epochs=15, lr=1e-2, seed=0, keep_snapshots=True, progress=False)
data = fl.toy_dataset("moons", n=400, noise=0.1, seed=0)
net = fl.mlp([2, 16, 16, 16, 1], seed=0)
fl.train(net, data, epochs=80, lr=0.01, seed=0, progress=False)
x1, x2 = data.X_test[45], data.X_test[57]
net05 = fl.mlp([64, 32, 32, 32, 10], seed=0)
fl.train(net05, digits, epochs=30, seed=0, progress=False)
study = fl.normalisation_statistics(digits, depths=[2, 6], width=16, epochs=5, seed=0, n_pairs=1000)
small = fl.mlp([2, 16, 16, 1], seed=0)
fl.train(small, moons, epochs=40, progress=False)
wide = fl.mlp([64, 256, 256, 256, 10], seed=0)
fl.train(wide, digits, epochs=5, progress=False)"""

WIDGETS = [
    ("neuron_widget", "flw.neuron_widget()"),
    ("pattern_pair_widget", "flw.pattern_pair_widget(net2d, moons.X, first=0, second=3)"),
    ("pattern_pair_widget (8x8)", "flw.pattern_pair_widget(digit_net, digits.X_test, image_shape=(8, 8), first=0, "
                                  "second=4)"),
    ("training_patterns_widget", "flw.training_patterns_widget(history, digits.X_test, n_pairs=2000, seed=0)"),
    ("neighbors_widget", "flw.neighbors_widget(digit_net, digits.X_test, y=digits.y_test, k=8)"),
    ("arrangement_widget", "flw.arrangement_widget(width=8, depth=3, seed=0)"),
    ("grid_misses_widget", "flw.grid_misses_widget(fl.mlp([2, 16, 16, 16, 1], seed=0), max_resolution=100)"),
    ("training_regions_widget", "flw.training_regions_widget(fl.toy_dataset('moons', n=300, seed=0), "
                                "widths=(2, 16, 16, 1), epochs=30, progress=False)"),
    ("cantor_walk_widget", "flw.cantor_walk_widget(depth=2, height=0.25)"),
    ("sampling_widget", "flw.sampling_widget(net, x1, x2, n=20, max_n=500)"),
    ("region_walk_widget", "flw.region_walk_widget()"),
    ("class_pair_widget", "flw.class_pair_widget(net05, digits.X_test, digits.y_test, first=1, second=4)"),
    ("depth_widget", "flw.depth_widget(epochs=30)"),
    ("normalisation_widget", "flw.normalisation_widget(study, norm='none', depth=6, epoch=0)"),
    ("regions_in_training_widget", "flw.regions_in_training_widget(fl.toy_dataset('moons', n=200, seed=0))"),
    ("sensitivity_widget", "flw.sensitivity_widget(small, moons.X_test[0], moons.X_test[4])"),
    ("region_size_widget", "flw.region_size_widget(wide, digits.X_test[:50])"),
    ("local_map_widget", "flw.local_map_widget(wide, digits.X_test[:60], y=digits.y_test[:60])"),
    ("regularizer_widget", "flw.regularizer_widget(fl.toy_dataset('moons', n=200, seed=0), epochs=20)"),
]

#: Records, in the page, when the picture of a view gets its next src.
WATCH = """(img) => { window.__redrawn = null; const old = img.src;
  const o = new MutationObserver(() => {
    if (img.src !== old) { window.__redrawn = performance.now(); o.disconnect(); } });
  o.observe(img, {attributes: true, attributeFilter: ['src']}); return performance.now(); }"""


def measure(page, view, name: str, repeat: int, timeout_s: float) -> tuple[list[float], str]:
    times, what = [], ""
    for step in range(repeat):
        img = view.locator("img").first.element_handle()
        started = page.evaluate(WATCH, img)
        what = move_control(page, view, name, step)
        try:
            page.wait_for_function("() => window.__redrawn !== null", timeout=timeout_s * 1000, polling="raf")
        except Exception:  # noqa: BLE001  (no new picture: reported, not timed)
            return times, f"{what}: no new picture within {timeout_s:.0f} s"
        times.append((page.evaluate("window.__redrawn") - started) / 1000)
    return times, what


def kernel_move(control, step: int) -> str:
    """Move a control in Python as :func:`tests.widget_checks.move_control` does in the page: a slider one step
    (right, or left from its maximum), a dropdown to its next option, a toggle to the first other option."""
    import ipywidgets as widgets

    if isinstance(control, widgets.FloatLogSlider):
        exponent = math.log(control.value, control.base)
        right = exponent + control.step <= control.max + 1e-9
        control.value = control.base ** (exponent + (control.step if right else -control.step))
        return "ArrowRight" if right else "ArrowLeft"
    if isinstance(control, (widgets.IntSlider, widgets.FloatSlider)):
        right = control.value < control.max
        control.value = control.value + (control.step if right else -control.step)
        return "ArrowRight" if right else "ArrowLeft"
    if isinstance(control, widgets.ToggleButtons):
        control.value = next(v for v in (o[1] if isinstance(o, tuple) else o for o in control.options)
                             if v != control.value)
        return str(control.value)
    if isinstance(control, widgets.Dropdown):
        values = [o[1] if isinstance(o, tuple) else o for o in control.options]
        control.value = values[(values.index(control.value) + 1) % len(values)]
        return str(control.value)
    raise ValueError(f"cannot move {type(control).__name__}")


def kernel(args) -> list[tuple]:
    """The rows of the table, timed in this process (no browser)."""
    import cProfile
    import pstats

    namespace: dict = {}
    started = time.perf_counter()
    exec(SETUP, namespace)  # noqa: S102  (the benchmark's own set-up, as the page runs it)
    print(f"set-up in {time.perf_counter() - started:.1f} s", flush=True)
    rows = []
    for widget, code in WIDGETS:
        if args.only and not widget.startswith(args.only):
            continue
        started = time.perf_counter()
        view = eval(code, namespace)  # noqa: S307
        print(f"{widget}: built in {time.perf_counter() - started:.2f} s", flush=True)
        for name, control in view.controls.items():
            if control.disabled:
                rows.append((widget, name, None, None, 0, "disabled"))
                continue
            times, cpu, what = [], [], ""
            profile = cProfile.Profile() if args.profile else None
            for step in range(args.repeat):
                if profile is not None:
                    profile.enable()
                started = time.thread_time()
                what = kernel_move(control, step)
                cpu.append(time.thread_time() - started)
                if profile is not None:
                    profile.disable()
                times.append(view.seconds)
            rows.append((widget, name, statistics.median(times), max(times), len(times),
                         f"{what} (thread CPU: median {statistics.median(cpu):.3f} s)"))
            if profile is not None:
                print(f"--- {widget} {name}: median {statistics.median(times):.3f} s")
                pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    return rows


def table(rows: list[tuple], title: str) -> None:
    print(f"\n{title}; target: median under 0.25 s\n")
    print(f"{'widget':<27}{'control':<14}{'median s':>9}{'max s':>8}{'n':>3}  last move")
    for widget, name, med, top, n, what in rows:
        m = f"{med:9.3f}" if med is not None else f"{'-':>9}"
        t = f"{top:8.3f}" if top is not None else f"{'-':>8}"
        flag = "  > 0.25 s" if med is not None and med > 0.25 else ""
        print(f"{widget:<27}{name:<14}{m}{t}{n:>3}  {what}{flag}")
    timed = [r[2] for r in rows if r[2] is not None]
    print(f"\n{len(timed)} controls timed, {sum(t <= 0.25 for t in timed)} with a median under 0.25 s; "
          f"median of medians {statistics.median(timed):.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="moves per control (default 5)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for one redraw")
    parser.add_argument("--ready", type=float, default=600.0,
                        help="seconds to wait for the page with every widget (default 600; more on a busy machine)")
    parser.add_argument("--kernel", action="store_true", help="time the redraws in this process, without a browser")
    parser.add_argument("--only", default="", help="the widgets whose name starts with this (with --kernel)")
    parser.add_argument("--profile", action="store_true", help="cProfile each control (with --kernel)")
    args = parser.parse_args()
    if args.kernel:
        rows = kernel(args)
        table(rows, f"redraw in the kernel (FigureView.seconds, no browser), {args.repeat} moves per control")
        return
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="foldlab-bench-widgets-")) / "app"
    folder.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(SETUP)] + [nbformat.v4.new_code_cell(code) for _, code in WIDGETS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / "widgets.ipynb")
    rows = []
    started = time.perf_counter()
    with serve("voila", folder, "widgets.ipynb") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url, timeout=args.ready * 1000)
        views = page.locator(".foldlab-view")
        try:
            page.wait_for_function(f"() => document.querySelectorAll('.foldlab-view img[src]').length >= "
                                   f"{len(WIDGETS)}", timeout=args.ready * 1000, polling=500)
        except Exception:  # noqa: BLE001  (say what the page shows before giving up)
            shown = page.evaluate("() => [...document.querySelectorAll('.foldlab-view')].map("
                                  "v => v.querySelector('img[src]') !== null)")
            print(f"page not ready after {args.ready:.0f} s: {len(shown)} views of {len(WIDGETS)}, pictures in "
                  f"{sum(shown)}; page errors: {errors}; text: {page.inner_text('body')[-2000:]!r}", flush=True)
            raise
        print(f"page with {views.count()} widgets ready in {time.perf_counter() - started:.1f} s "
              f"(Voila: kernel start, training, every widget built)", flush=True)
        for i, (widget, _) in enumerate(WIDGETS):
            view = views.nth(i)
            view.scroll_into_view_if_needed()
            assert figure_src(view), f"{widget} shows no picture"
            for name in control_names(view):
                if control_kind(page, view, name) == "disabled":
                    rows.append((widget, name, None, None, 0, "disabled (tooltip)"))
                    continue
                times, what = measure(page, view, name, args.repeat, args.timeout)
                if times:
                    rows.append((widget, name, statistics.median(times), max(times), len(times), what))
                else:
                    rows.append((widget, name, None, None, 0, what))
        browser.close()
    table(rows, f"redraw in Chromium (Voila), {args.repeat} moves per control")
    print(f"page errors: {len(errors)}")
    for error in errors:
        print("  page error:", error)


if __name__ == "__main__":
    main()
