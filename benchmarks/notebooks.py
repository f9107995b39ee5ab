"""Per notebook of the course: total time, time to the first widget, and the kernel's peak memory.

Each notebook runs top to bottom in a fresh kernel (nbclient, as nbval and Voila run it); its outputs
are kept in memory only. Both times count from the kernel's start (as a student's "Run All" does): the
total to the last cell, the first widget to the end of the first cell that displays one. Peak memory is
the kernel process's peak resident set (``ru_maxrss``), read by one cell added at the end. Targets
(course conventions): the first widget within 10 s on 2 busy cores, each notebook under 3 minutes and
1.5 GB, 2 GB in all for a Binder-sized machine (the notebooks run one after another, so "in all" is the
largest peak plus the server).

Run: ``python benchmarks/notebooks.py [notebooks/01_*.ipynb ...]``; ``--cells`` also prints the kernel's start
and every cell's time up to the first widget (where the time goes), ``--first-widget-only`` stops each notebook
there. ``--busy N`` makes the cores busy while it measures: N processes that spin a Python loop each, started
by this script in its own session (so that the scheduler shares the cores between them and the kernel as it
would with a student's other work), stopped at the end; each row then also prints the load average. "2 busy
cores" is ``--busy 2`` on a 2-core machine.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
WIDGET = "application/vnd.jupyter.widget-view+json"
PEAK = "import resource as _r; print('PEAK_KIB', _r.getrusage(_r.RUSAGE_SELF).ru_maxrss)"


@contextlib.contextmanager
def busy(n: int):
    """``n`` processes that keep a core each busy (a Python loop) while the block runs."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


class _FirstWidget(Exception):
    """Raised by the cell hook to stop a notebook at its first widget (``--first-widget-only``)."""


def run(path: Path, timeout: int, first_widget_only: bool = False) -> dict:
    """Run one notebook in a fresh kernel: its total time, first widget and peak memory, and the time of each
    cell up to the first widget (``cells``: (seconds, first line)) with the kernel's start (``kernel``)."""
    nb = nbformat.read(path, as_version=4)
    if not first_widget_only:
        nb.cells.append(nbformat.v4.new_code_cell(PEAK))
    seen: dict[str, float] = {}
    cells: list[tuple[float, str]] = []
    started = time.perf_counter()

    def start(cell, cell_index):
        seen.setdefault("kernel", time.perf_counter() - started)
        seen["cell"] = time.perf_counter()

    def executed(cell, cell_index, execute_reply):
        if "first_widget" in seen:
            return
        first_line = next((line for line in cell.source.splitlines() if not line.startswith("#")), "")
        cells.append((time.perf_counter() - seen["cell"], first_line))
        if any(WIDGET in out.get("data", {}) for out in cell.get("outputs", [])):
            seen["first_widget"] = time.perf_counter() - started
            if first_widget_only:
                raise _FirstWidget

    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}}, on_cell_start=start,
                            on_cell_executed=executed)
    try:
        client.execute()
    except _FirstWidget:
        return {"total": None, "first_widget": seen["first_widget"], "peak": None, "cells": cells,
                "kernel": seen["kernel"]}
    total = time.perf_counter() - started
    if first_widget_only:  # a notebook without a widget: run to its end, no memory cell
        return {"total": total, "first_widget": None, "peak": None, "cells": cells, "kernel": seen["kernel"]}
    text = "".join(out.get("text", "") for out in nb.cells[-1].outputs)
    peak = int(text.split("PEAK_KIB")[1].split()[0]) * 1024
    return {"total": total, "first_widget": seen.get("first_widget"), "peak": peak, "cells": cells,
            "kernel": seen["kernel"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    parser.add_argument("--first-widget-only", action="store_true",
                        help="stop each notebook at its first widget (no total, no memory)")
    parser.add_argument("--cells", action="store_true",
                        help="also print the kernel's start and each cell's time up to the first widget")
    parser.add_argument("--busy", type=int, default=0, metavar="N",
                        help="keep N processes spinning a core each while measuring (2: '2 busy cores')")
    args = parser.parse_args()
    if args.busy:
        with busy(args.busy):
            measure(args)
    else:
        measure(args)


def measure(args) -> None:
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    print(f"{'notebook':<32}{'total s':>9}{'first widget s':>16}{'peak MiB':>10}  targets: <180 s, <10 s, <1536 MiB")
    rows = []
    for path in paths:
        r = run(path, args.timeout, args.first_widget_only)
        rows.append(r)
        first = f"{r['first_widget']:16.1f}" if r["first_widget"] is not None else f"{'no widget':>16}"
        flags = [what for what, bad in (("total", (r["total"] or 0) > 180),
                                        ("first widget", (r["first_widget"] or 0) > 10),
                                        ("memory", (r["peak"] or 0) > 1.5 * 2**30)) if bad]
        total = f"{r['total']:9.1f}" if r["total"] is not None else f"{'-':>9}"
        peak = f"{r['peak'] / 2**20:10.0f}" if r["peak"] is not None else f"{'-':>10}"
        load = f"  load {os.getloadavg()[0]:.1f}" if args.busy else ""
        print(f"{path.name:<32}{total}{first}{peak}{load}" + (f"  over: {', '.join(flags)}" if flags else ""),
              flush=True)
        if args.cells:
            print(f"    {r['kernel']:6.1f} s  kernel start")
            for seconds, line in r["cells"]:
                print(f"    {seconds:6.1f} s  {line[:90]}")
    if not args.first_widget_only:
        print(f"{'all, one after another':<32}{sum(r['total'] for r in rows):9.1f}{'':>16}"
              f"{max(r['peak'] for r in rows) / 2**20:10.0f}  (largest peak: the kernels do not overlap)")


if __name__ == "__main__":
    sys.exit(main())
