"""The large cases of issue 13 for the data, nets, patterns, pattern statistics, null test, constellations and
global folding modules: calls whose sizes would allocate gigabytes (or hang) unless foldlab refuses them
first, and two that must succeed in little memory (a 20000 x 20000 Hamming matrix in int8; every pair of
1000 rows when a billion are asked).

Each case is one Python expression. ``measure_here`` runs them in the current process, one after the other,
and reads the peak resident memory during each from ``/proc/self/status`` (VmHWM, reset before every case
through ``/proc/self/clear_refs``); tests/test_bad_inputs.py uses it, since a fresh process per case would
import torch each time. Run as a script, this file runs every case in its own process under ``/usr/bin/time -v``
and prints the wall time, the seconds of the call itself and the maximum resident set size, which is the
number the issue asks for (Python, numpy, torch and foldlab included)::

    python tests/large_cases.py
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

#: label -> (expression, expected outcome): an exception's class name, or "ok <dtype or rows>" for a success
LARGE = {
    "toy_dataset(n=10**12)": ("fl.toy_dataset(n=10**12)", "OverBudget"),
    "toy_dataset('cantor', depth=10**8)": ("fl.toy_dataset('cantor', depth=10**8)", "ValueError"),
    "hamming_matrix(20000 patterns of 64 bits)":
        ("fl.hamming_matrix(np.random.default_rng(0).random((20_000, 64)) < 0.5).dtype", "ok torch.int8"),
    "hamming_matrix(200000 patterns)": ("fl.hamming_matrix(np.zeros((200_000, 8), bool))", "OverBudget"),
    "hamming_matrix(50000 patterns of 300 bits)": ("fl.hamming_matrix(np.zeros((50_000, 300), bool))", "OverBudget"),
    "random_pairs(10**6, 10**9)": ("fl.random_pairs(10**6, 10**9)", "OverBudget"),
    "hamming_histograms(100000 rows, n_pairs=10**9)":
        ("fl.hamming_histograms(NET, np.zeros((100_000, 2)), n_pairs=10**9)", "OverBudget"),
    "hamming_histograms(1000 rows, n_pairs=10**9)":
        ("fl.hamming_histograms(NET, np.random.default_rng(0).normal(size=(1000, 2)),"
         " n_pairs=10**9).pairs.shape[0]", "ok 499500"),
    "bernoulli_null_test(n_draws=10**12)":
        ("fl.bernoulli_null_test(np.eye(8, dtype=bool), method='monte_carlo', n_draws=10**12)", "OverBudget"),
    "constellation_curve(30000 patterns)":
        ("fl.constellation_curve(np.zeros((30_000, 4), bool), max_points=10**6)", "OverBudget"),
    "nearest_neighbors(10**6 points, k=10**5)":
        ("fl.nearest_neighbors(np.zeros((10**6, 1)), np.zeros((10**4, 1)), k=10**5, metric='euclidean')",
         "OverBudget"),
    "global_folding(100000 points, n_pairs=10**12)":
        ("fl.global_folding(NET, np.zeros((100_000, 2)), np.arange(100_000) % 2, n_pairs=10**12)",
         "OverBudget"),
    "interval_patterns(40 bits, limit=2**45)": ("fl.interval_patterns([0] * 40, [1] * 40, limit=2**45)",
                                                "OverBudget"),
    "mlp([2, 10**6, 10**6, 1])": ("fl.mlp([2, 10**6, 10**6, 1])", "OverBudget"),
    "read_idx(gzip announcing 1.5 GB)": ("fl.read_idx(BOMB)", "OverBudget"),
}

#: too slow for the test suite (a 20000 x 20000 matrix product: seconds of CPU); measured by the script only
SCRIPT_ONLY = {"hamming_matrix(20000 patterns of 64 bits)"}

def write_bomb(path: Path) -> None:
    """A gzip whose IDX header announces 2000000 x 28 x 28 bytes (1.57 GB), followed by 64 MB of zeros."""
    import zlib

    import numpy as np

    z = zlib.compressobj(1, zlib.DEFLATED, 31)
    parts = [z.compress(bytes([0, 0, 8, 3]) + np.asarray((2_000_000, 28, 28), ">u4").tobytes())]
    parts += [z.compress(bytes(1 << 24)) for _ in range(4)] + [z.flush()]
    Path(path).write_bytes(b"".join(parts))


def _status_mib(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(key)


def measure_here(cases: dict[str, str], bomb: Path) -> list[dict]:
    """Run ``{label: expression}`` in this process, one after the other. Per case: its outcome, the seconds
    of the call, the resident memory before it and the peak during it (VmHWM, reset through
    ``/proc/self/clear_refs`` before each case), in MiB."""
    import numpy as np

    import foldlab as fl

    if any("BOMB" in code for code in cases.values()):
        write_bomb(bomb)
    # built and warmed before any case is timed: torch's first calls take seconds on a busy machine
    namespace = {"np": np, "fl": fl, "BOMB": str(bomb), "NET": fl.mlp([2, 8, 1], seed=0)}
    fl.activation_patterns(namespace["NET"], np.zeros((2, 2)))
    results = []
    for label, code in cases.items():
        rss_before = _status_mib("VmRSS")
        Path("/proc/self/clear_refs").write_text("5")  # the peak restarts from the current resident size
        start = time.perf_counter()
        try:
            outcome = "ok " + str(eval(code, dict(namespace)))
        except Exception as error:  # noqa: BLE001 (the outcome is recorded and compared by the caller)
            outcome = type(error).__name__
        seconds = time.perf_counter() - start
        results.append({"label": label, "outcome": outcome, "seconds": seconds, "rss_before_mib": rss_before,
                        "max_rss_mib": _status_mib("VmHWM")})
    return results


RUNNER = """
import json, sys
sys.path.insert(0, sys.argv[3])
from tests.large_cases import measure_here
for result in measure_here(json.loads(sys.argv[1]), sys.argv[2]):
    print(json.dumps(result), flush=True)
"""


def main() -> None:
    import tempfile

    print(f"{'case':48s} {'expected':14s} {'outcome':14s} {'call s':>7s} {'wall s':>7s} {'max RSS MiB':>12s}")
    with tempfile.TemporaryDirectory() as tmp:
        for label, (code, expected) in LARGE.items():
            run = subprocess.run(
                ["/usr/bin/time", "-v", sys.executable, "-c", RUNNER, json.dumps({label: code}),
                 str(Path(tmp) / "bomb.gz"), str(Path(__file__).resolve().parent.parent)],
                capture_output=True, text=True, timeout=600, env={**os.environ, "OMP_NUM_THREADS": "1"},
            )
            result = json.loads([line for line in run.stdout.splitlines() if line.startswith("{")][-1])
            rss_kib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr).group(1))
            wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", run.stderr).group(1)
            wall_s = sum(float(part) * 60**i for i, part in enumerate(reversed(wall.split(":"))))
            print(f"{label:48s} {expected:14s} {result['outcome']:14s} {result['seconds']:7.3f} {wall_s:7.2f} "
                  f"{rss_kib / 1024:12.0f}")


if __name__ == "__main__":
    main()
