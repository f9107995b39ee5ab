"""Exact walks against equidistant sampling, and batched walks (DESIGN.md section 3).

1. One segment at a time, on a 784-[256]x3-10 net (``fl.mlp``, PyTorch's uniform init, seed 0), between
   random inputs: three segments with both ends drawn from U[0, 1]^784 (the pixel range of MNIST) and
   three with both ends from N(0, I_784). For each: the exact walk (``method="layered"``, the default,
   and ``method="step"``) against ``fl.sample_walk`` with n = 10^3, 10^4, 10^5 samples, all timed in this
   run; regions found, regions the sampler missed, and the speed-up over n = 10^5. Every sampled region
   sequence is checked to be a subsequence of the exact one, and every exact region's midpoint pattern
   is checked with ``fl.activation_patterns``.
2. Batched: ``fl.walks`` over 1024 segments (ends from N(0, I)), regions per second, on the CPU for
   784-[256]x3-10 (and 128 segments of 784-[512]x4-10), both engines (they must agree), and on CUDA
   when there is a GPU (1024 segments; target: 5 M regions/s for 784-[512]x4-10 in float64).

Run: ``python benchmarks/walk.py [--threads N] [--quick]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
import torch

import foldlab as fl


def timed(fn, repeat=1):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def is_subsequence(sampled: torch.Tensor, exact: torch.Tensor) -> bool:
    j = 0
    for row in sampled:
        while j < len(exact) and not torch.equal(exact[j], row):
            j += 1
        if j == len(exact):
            return False
        j += 1
    return True


def single_segments(net, quick: bool) -> None:
    g = torch.Generator().manual_seed(2024)
    segments = [("U[0,1]", torch.rand(784, generator=g), torch.rand(784, generator=g)) for _ in range(3)]
    segments += [("N(0,I)", torch.randn(784, generator=g), torch.randn(784, generator=g)) for _ in range(3)]
    if quick:
        segments = segments[:1] + segments[3:4]
    ns = (10**3, 10**4) if quick else (10**3, 10**4, 10**5)
    head = f"{'inputs':<7} {'exact':>6} {'layered':>9} {'step':>9}"
    for n in ns:
        head += f" | n={n:<6} {'found':>5} {'missed':>6}"
    head += f" | {'speed-up vs n=' + str(ns[-1]):>19}"
    print(head)
    print("-" * len(head))
    for name, x1, x2 in segments:
        t_layered, exact = timed(lambda: fl.walk(net, x1, x2), repeat=5)
        t_step, step = timed(lambda: fl.walk(net, x1, x2, method="step"), repeat=3)
        assert torch.equal(exact.patterns, step.patterns), "the two exact engines disagree"
        mids = torch.as_tensor(exact.points(exact.midpoints))
        assert torch.equal(fl.activation_patterns(net, mids), exact.patterns), "a midpoint check failed"
        row = f"{name:<7} {len(exact):>6} {t_layered * 1e3:>7.1f}ms {t_step * 1e3:>7.1f}ms"
        t_last = None
        for n in ns:
            t_n, sampled = timed(lambda: fl.sample_walk(net, x1, x2, n))
            assert is_subsequence(sampled.patterns, exact.patterns), f"n={n} saw a region the walk lacks"
            row += f" | {t_n * 1e3:>7.0f}ms {len(sampled):>5} {len(exact) - len(sampled):>6}"
            t_last = t_n
        row += f" | {t_last / t_layered:>18.0f}x"
        print(row)


def batched(widths, n_segments: int, device: str, methods=("layered", "step")) -> None:
    net = fl.mlp(widths, seed=0).to(device)
    g = torch.Generator().manual_seed(7)
    X1, X2 = torch.randn(n_segments, 784, generator=g), torch.randn(n_segments, 784, generator=g)
    arch = f"784-[{widths[1]}]x{len(widths) - 2}-10"
    results = {}
    for method in methods:
        batch = 64 if device == "cpu" else 1024

        def run():
            out = fl.walks(net, X1, X2, method=method, device=device, batch_size=batch, keep_patterns=False)
            if device != "cpu":
                torch.cuda.synchronize()
            return out

        if device != "cpu":
            run()  # warm-up
        seconds, walks = timed(run)
        results[method] = walks
        regions = int(walks.offsets[-1])
        print(
            f"{device:<5} {arch:<16} {method:<8} {n_segments:>8} {regions:>9} {seconds:>8.2f}s "
            f"{regions / seconds / 1e3:>10.1f}k"
        )
    if len(results) == 2:
        a, b = results.values()
        agree = np.array_equal(a.n_regions, b.n_regions) and np.allclose(a.chis, b.chis)
        print(f"{'':<5} {arch:<16} engines agree on every segment: {'yes' if agree else 'NO'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    parser.add_argument("--quick", action="store_true", help="fewer segments and no n = 10^5 (a smoke run)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"foldlab {fl.__version__}, torch {torch.__version__}, {args.threads} CPU thread(s), "
          f"load average {load:.2f}, float64")
    print()
    print("1. One segment: exact walk vs equidistant sampling, 784-[256]x3-10 (fl.mlp seed 0, uniform init)")
    single_segments(fl.mlp([784, 256, 256, 256, 10], seed=0), args.quick)
    print()
    n_segments = 128 if args.quick else 1024
    print(f"2. Batched walks, {n_segments} segments, ends from N(0, I_784)")
    print(f"{'device':<5} {'net':<16} {'method':<8} {'segments':>8} {'regions':>9} {'time':>9} {'regions/s':>11}")
    batched([784, 256, 256, 256, 10], n_segments, "cpu")
    batched([784, 512, 512, 512, 512, 10], n_segments // 8, "cpu")  # 1/8 of the segments: minutes on a CPU
    if torch.cuda.is_available():
        batched([784, 512, 512, 512, 512, 10], 1024, "cuda")
        print("      (target on CUDA: 5000k regions/s for 784-[512]x4-10)")
    else:
        print("CUDA: not available (target there: 5 M regions/s for 784-[512]x4-10 in float64)")


if __name__ == "__main__":
    main()
