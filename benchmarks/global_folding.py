"""The global folding measure at scale: pairs per second, and peak memory for 10^6 pairs.

1. Pairs per second of ``fl.global_folding`` (chunks of walks with ``keep_patterns=False``) on
   - a 64-[128]x3-10 net trained on digits (``fl.train``, 20 epochs, seed 0), pairs of digits (train and
     test) of different classes;
   - a 784-[256]x3-10 net (``fl.mlp``, PyTorch's uniform init, seed 0, untrained: MNIST itself is not on
     these machines) between 1000 inputs drawn from U[0, 1]^784 (the pixel range of MNIST) with labels
     ``i % 10``;
   in this process (1 worker, no executor), on a ``ProcessPoolExecutor`` of 1 and of 2 spawned workers
   (one torch thread each; the pool is started and warmed before the clock starts; chunks of ``pairs / 8``),
   and on CUDA when there is a GPU; beside the same pairs one ``fl.walk`` at a time (the peer, timed in the
   same run). Every mode must give the chis of the serial run exactly (checked).
2. Peak memory (the process's peak resident set, ``VmHWM``, reset after the set-up through
   ``/proc/self/clear_refs``; each run in a fresh Python process, no executor, so that every byte is in
   that one process; the baseline is the resident set before the call) of ``fl.global_folding`` with 10^4, 10^5 and 10^6
   pairs of digits on a 64-[32]x2-10 digits net (20 epochs, seed 0), beside the resident set after the imports
   and the data (the baseline) and what keeping the patterns (``keep_patterns=True``) would have held. The
   10^6 run walks on the smaller net because the 64-[128]x3-10 net walks about 400 pairs/s on one busy core
   (40 minutes for 10^6); the memory per pair that stays (chi, r1, r2, the region count, the pair) does not
   depend on the net, and the walk's working memory is per batch of 64 segments: the 64-[128]x3-10 net's
   peak is measured on 2 x 10^4 pairs.

Run: ``python benchmarks/global_folding.py [--quick] [--skip-memory]``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import torch

import foldlab as fl


def digits_problem(widths):
    d = fl.load_digits(seed=0)
    net = fl.mlp(widths, seed=0)
    fl.train(net, d, epochs=20, seed=0, progress=False)
    net.requires_grad_(False)
    return net.eval(), torch.cat([d.X, d.X_test]), torch.cat([d.y, d.y_test])


def mnist_shaped_problem():
    g = torch.Generator().manual_seed(0)
    net = fl.mlp([784, 256, 256, 256, 10], seed=0)
    net.requires_grad_(False)
    return net.eval(), torch.rand(1000, 784, generator=g), torch.arange(1000) % 10


def pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=torch.set_num_threads, initargs=(1,))


def throughput(name, net, X, y, n_pairs: int, n_walks: int) -> None:
    serial_start = time.perf_counter()
    serial = fl.global_folding(net, X, y, n_pairs=n_pairs, seed=0, progress=False)
    serial_s = time.perf_counter() - serial_start
    rows = [("this process (1 worker)", serial_s, True)]
    chunk = max(1, n_pairs // 8)
    for workers in (1, 2):
        with pool(workers) as executor:
            # start the workers and import foldlab there before the clock starts
            fl.global_folding(net, X, y, n_pairs=4 * workers, seed=1, chunk_size=1, executor=executor,
                              progress=False)
            start = time.perf_counter()
            out = fl.global_folding(net, X, y, n_pairs=n_pairs, seed=0, chunk_size=chunk, executor=executor,
                                    progress=False)
            rows.append((f"process pool, {workers} worker{'s' * (workers > 1)}", time.perf_counter() - start,
                         np.array_equal(out.chis, serial.chis)))
    if torch.cuda.is_available():
        fl.global_folding(net, X, y, n_pairs=8, seed=1, device="cuda", progress=False)  # warm up
        start = time.perf_counter()
        out = fl.global_folding(net, X, y, n_pairs=n_pairs, seed=0, device="cuda", batch_size=1024, progress=False)
        torch.cuda.synchronize()
        rows.append(("cuda", time.perf_counter() - start, np.array_equal(out.chis, serial.chis)))
    X64 = X.double()
    start = time.perf_counter()
    walked = [fl.walk(net, X64[i], X64[j]).chi for i, j in serial.pairs[:n_walks]]
    walk_rate = n_walks / (time.perf_counter() - start)
    assert np.array_equal(walked, serial.chis[:n_walks]), "one walk at a time gave other chis"
    print(f"\n{name}: {n_pairs} pairs ({serial.n_regions.mean():.1f} regions per segment; phi={serial.phi:.4g}, "
          f"mean={serial.mean:.4g}, fraction folding={serial.fraction_folding:.3g})")
    print(f"{'mode':<26} {'seconds':>8} {'pairs/s':>9} {'vs walk':>8}  same chis")
    for mode, seconds, same in rows:
        rate = n_pairs / seconds
        print(f"{mode:<26} {seconds:8.2f} {rate:9.1f} {rate / walk_rate:7.1f}x  {same}")
    print(f"{'fl.walk one at a time':<26} {n_walks / walk_rate:8.2f} {walk_rate:9.1f} {1.0:7.1f}x  True "
          f"({n_walks} of the pairs)")


MEMORY_RUN = r"""
import json, resource, sys, time, torch, numpy as np
import foldlab as fl
torch.set_num_threads(1)
widths, n_pairs = json.loads(sys.argv[1]), int(sys.argv[2])
d = fl.load_digits(seed=0)
net = fl.mlp(widths, seed=0)
fl.train(net, d, epochs=20, seed=0, progress=False)
net.requires_grad_(False).eval()
X, y = torch.cat([d.X, d.X_test]), torch.cat([d.y, d.y_test])
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
import gc; gc.collect()
base = status("VmRSS")
try:  # reset the high-water mark, so that the peak is the one of this call (Linux >= 4.0)
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    reset = True
except OSError:
    reset = False
start = time.perf_counter()
g = fl.global_folding(net, X, y, n_pairs=n_pairs, seed=0, progress=False)
seconds = time.perf_counter() - start
peak = status("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
bits = sum(widths[1:-1])
kept = int(g.n_regions.sum()) * (bits + 8 + 8)  # one bool per bit, its t, and torch.cat's copy per region
print(json.dumps(dict(pairs=len(g.chis), base=base, peak=peak, reset=reset, seconds=seconds, kept=kept,
                      regions=float(g.n_regions.mean()))))
"""


def memory(widths, n_pairs: int) -> dict:
    out = subprocess.run([sys.executable, "-c", MEMORY_RUN, json.dumps(widths), str(n_pairs)],
                         capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    if out.returncode:
        raise RuntimeError(f"the memory run of {widths} with {n_pairs} pairs failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def memory_table(quick: bool) -> None:
    runs = [([64, 32, 32, 10], n) for n in ((10**4, 10**5) if quick else (10**4, 10**5, 10**6))]
    runs.append(([64, 128, 128, 128, 10], 2 * 10**3 if quick else 2 * 10**4))
    print("\npeak memory of fl.global_folding, each in a fresh process (no executor; MEMORY_BUDGET is 1 GiB)")
    print(f"{'net':<18} {'pairs':>8} {'regions/seg':>11} {'seconds':>8} {'baseline MB':>11} {'peak MB':>8} "
          f"{'added MB':>9} {'patterns kept would be MB':>26}")
    for widths, n in runs:
        r = memory(widths, n)
        name = f"{widths[0]}-[{widths[1]}]x{len(widths) - 2}-{widths[-1]}"
        print(f"{name:<18} {r['pairs']:>8} {r['regions']:>11.1f} {r['seconds']:>8.1f} {r['base'] / 2**20:>11.0f} "
              f"{r['peak'] / 2**20:>8.0f} {(r['peak'] - r['base']) / 2**20:>9.0f} {r['kept'] / 2**20:>26.0f}")
        if not r["reset"]:
            print("  (the peak could not be reset after the set-up: it is the whole process's high-water mark)")
        assert r["peak"] < 2**30, f"{name}, {n} pairs: peak {r['peak'] / 2**20:.0f} MB is over 1 GB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer pairs (a smoke run)")
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}, "
          f"GPU: {torch.cuda.get_device_name() if torch.cuda.is_available() else 'none'}")
    throughput("64-[128]x3-10 on digits (trained)", *digits_problem([64, 128, 128, 128, 10]),
               n_pairs=400 if args.quick else 2000, n_walks=50 if args.quick else 200)
    throughput("784-[256]x3-10, U[0,1]^784 inputs (untrained)", *mnist_shaped_problem(),
               n_pairs=80 if args.quick else 400, n_walks=20 if args.quick else 50)
    if not args.skip_memory:
        memory_table(args.quick)
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
