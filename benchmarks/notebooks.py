"""Per notebook of the course: total time, time to the first widget, and the kernel's peak memory.

Each notebook runs top to bottom in a fresh kernel (nbclient, as nbval and Voila run it); its outputs
are kept in memory only. Both times count from the kernel's start (as a student's "Run All" does): the
total to the last cell, the first widget to the end of the first cell that displays one. Peak memory is
the kernel process's peak resident set (``ru_maxrss``), read by one cell added at the end. Targets
(course conventions): the first widget within 10 s on 2 busy cores, each notebook under 3 minutes and
1.5 GB, 2 GB in all for a Binder-sized machine (the notebooks run one after another, so "in all" is the
largest peak plus the server).

Run: ``python benchmarks/notebooks.py [notebooks/01_*.ipynb ...]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
WIDGET = "application/vnd.jupyter.widget-view+json"
PEAK = "import resource as _r; print('PEAK_KIB', _r.getrusage(_r.RUSAGE_SELF).ru_maxrss)"


def run(path: Path, timeout: int) -> dict:
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PEAK))
    seen: dict[str, float] = {}
    started = time.perf_counter()

    def executed(cell, cell_index, execute_reply):
        if "first_widget" not in seen and any(WIDGET in out.get("data", {}) for out in cell.get("outputs", [])):
            seen["first_widget"] = time.perf_counter() - started

    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}}, on_cell_executed=executed)
    client.execute()
    total = time.perf_counter() - started
    text = "".join(out.get("text", "") for out in nb.cells[-1].outputs)
    peak = int(text.split("PEAK_KIB")[1].split()[0]) * 1024
    return {"total": total, "first_widget": seen.get("first_widget"), "peak": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args()
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    print(f"{'notebook':<32}{'total s':>9}{'first widget s':>16}{'peak MiB':>10}  targets: <180 s, <10 s, <1536 MiB")
    rows = []
    for path in paths:
        r = run(path, args.timeout)
        rows.append(r)
        first = f"{r['first_widget']:16.1f}" if r["first_widget"] is not None else f"{'no widget':>16}"
        flags = [what for what, bad in (("total", r["total"] > 180),
                                        ("first widget", (r["first_widget"] or 0) > 10),
                                        ("memory", r["peak"] > 1.5 * 2**30)) if bad]
        print(f"{path.name:<32}{r['total']:9.1f}{first}{r['peak'] / 2**20:10.0f}"
              + (f"  over: {', '.join(flags)}" if flags else ""), flush=True)
    print(f"{'all, one after another':<32}{sum(r['total'] for r in rows):9.1f}{'':>16}"
          f"{max(r['peak'] for r in rows) / 2**20:10.0f}  (largest peak: the kernels do not overlap)")


if __name__ == "__main__":
    sys.exit(main())
