"""Hamming geometry timings against peers, in one run: prints a table with the ratios.

- ``fl.hamming_matrix`` (one float32 matrix product per block) against scipy's ``cdist(..., "hamming")``
  and a bit-packed numpy popcount (``np.bitwise_count`` on uint64 words).
- ``fl.in_interval`` (one comparison per bit) against the definition d(p1, c) + d(c, p2) = d(p1, p2).
- ``fl.constellation_curve`` (linkage heights) against ``fcluster`` called at every threshold.

Run: ``.venv/bin/python benchmarks/bench_hamming.py [threads]``. Each time is the best of several calls after a
warm-up. Torch runs on one thread by default, like the numpy and scipy peers (on a loaded machine two OpenMP
threads made the same 1000 x 256 matrix product vary from 3 to 67 ms); pass a thread count to change it.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np
import torch
from scipy.cluster import hierarchy
from scipy.spatial.distance import cdist, squareform

import foldlab as fl


def best_of(fn, repeat: int = 5) -> float:
    """Best wall time of ``repeat`` calls after one warm-up call (thread pools, allocator)."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def popcount_matrix(P: np.ndarray, Q: np.ndarray) -> np.ndarray:
    """Bit-packed baseline: pack 64 bits per word, xor every pair of rows, count the ones."""
    pack = lambda A: np.packbits(A, axis=1, bitorder="little").view(np.uint8)  # noqa: E731
    Pw, Qw = pack(P), pack(Q)
    pad = (-Pw.shape[1]) % 8
    Pw, Qw = (np.pad(A, ((0, 0), (0, pad))).view(np.uint64) for A in (Pw, Qw))
    out = np.empty((len(P), len(Q)), dtype=np.int64)
    for start in range(0, len(P), 256):
        out[start : start + 256] = np.bitwise_count(Pw[start : start + 256, None, :] ^ Qw[None]).sum(2)
    return out


def row(name, n, m, ours, peer_name, peer):
    print(f"{name:20} {n:>6} x {m:<5} {ours * 1e3:>10.1f} ms  {peer_name:22} {peer * 1e3:>10.1f} ms  "
          f"{peer / ours:>8.1f}x")


def main() -> None:
    torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, load average {os.getloadavg()[0]:.2f}")
    print(f"{'operation':20} {'size':>14} {'foldlab':>13}  {'peer':22} {'peer time':>13}  {'peer/ours':>9}")
    rng = np.random.default_rng(0)
    for n, m in [(1000, 256), (4000, 512), (8000, 256)]:
        P = rng.random((n, m)) < 0.5
        Pt = torch.as_tensor(P)
        ours = best_of(lambda: fl.hamming_matrix(Pt))
        expected = fl.hamming_matrix(Pt).numpy()
        assert np.array_equal(popcount_matrix(P, P), expected)
        row("hamming_matrix", n, m, ours, "bit-packed popcount", best_of(lambda: popcount_matrix(P, P), 1))
        if n <= 4000:
            assert np.array_equal(np.rint(cdist(P[:50], P, "hamming") * m), expected[:50])
            row("hamming_matrix", n, m, ours, "scipy cdist hamming", best_of(lambda: cdist(P, P, "hamming"), 1))

    n, m = 100_000, 512
    C = torch.as_tensor(rng.random((n, m)) < 0.5)
    p1, p2 = C[0], C[1]
    ours = best_of(lambda: fl.in_interval(C, p1, p2))
    by_definition = lambda: (fl.hamming_distance(C, p1.expand_as(C)) + fl.hamming_distance(C, p2.expand_as(C))  # noqa: E731
                             == fl.hamming_distance(p1, p2))
    assert torch.equal(fl.in_interval(C, p1, p2), by_definition())
    row("in_interval", n, m, ours, "definition via d_H", best_of(by_definition))

    n, m = 2000, 64
    P = torch.as_tensor(rng.random((n, m)) < rng.uniform(0.1, 0.9, (1, m)))
    ours = best_of(lambda: fl.constellation_curve(P), 1)

    def sweep():
        Z = hierarchy.linkage(squareform(fl.hamming_matrix(P).numpy().astype(float), checks=False), "complete")
        return [len(np.unique(hierarchy.fcluster(Z, t, "distance"))) for t in range(1, m + 1)]

    assert sweep() == fl.constellation_curve(P).n_clusters.tolist()
    row("constellation_curve", n, m, ours, "fcluster per threshold", best_of(sweep, 1))


if __name__ == "__main__":
    main()
