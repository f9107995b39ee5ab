"""Exact walks: foldlab against regioncam's exact 1D mode, against equidistant sampling, and batched.

1. Against regioncam (issue 11). regioncam (Rust, ``pip install regioncam``) has an exact 1D mode,
   ``Regioncam1D.through_points(p, size=2.0)`` (the whole segment between the two points). On the nets
   784-[200]x3-10 and 784-[256]x3-10 (``fl.mlp(..., seed=0)``, PyTorch's uniform init) and the same 64
   segments between random points of [0, 1]^784 (``np.random.default_rng(0)``), timed in this run:

   - regioncam: per segment, ``through_points`` then ``linear`` + ``relu`` for each hidden layer (float32
     weights in (in, out) layout, converted once outside the timing); its count is ``num_edges``, the
     pieces between the hidden layers' crossings;
   - ``fl.walks(spec, X1, X2)``: all 64 segments in one call, the net read once (``spec = fl.read_net(net)``);
     ``fl.walks(net, ...)`` on the module too, which reads it and checks the reading at up to 64 region
     midpoints on every call;
   - ``fl.walk(spec, a, b)`` for each segment, one by one (the net read once);
   - ``fl.read_net(net)`` alone.

   Counts are compared segment by segment: foldlab's regions with hidden bits only (the default) against
   regioncam's edges (it has no output bits in this mode). Times are the best of ``--repeats`` runs after
   a warm-up, the candidates interleaved so that a change of load hits all of them; ratios are foldlab
   over regioncam. Targets on 1 torch thread: ``fl.walks`` at most 1.0x, single walks at most 2x,
   identical counts on every segment. ``--baseline PATH`` runs the same timings with the foldlab at PATH
   (a ``git worktree`` of an older commit) in a subprocess and prints its table above this one.
1b. Single walks one at a time (``--per-walk ROUNDS``): on the same nets and segments, each segment walked by
   regioncam, by ``fl.walk(spec, a, b)`` and by its engine alone (``foldlab._walk_fast.walk_one``), in
   turn, ROUNDS times; each walk's least thread time, summed. Steadier than section 1 on a shared machine,
   and it shows what ``fl.walk`` spends around its engine.
2. One segment at a time, on 784-[256]x3-10, between inputs from U[0, 1]^784 and N(0, I): the exact walk
   (both engines) against ``fl.sample_walk`` with n = 10^3, 10^4, 10^5 samples; regions the sampler
   missed, and the speed-up over n = 10^5. Sampled regions must be a subsequence of the exact ones.
3. Batched: ``fl.walks`` over 1024 segments (ends from N(0, I)), regions per second, both engines (they
   must agree), on the CPU for 784-[256]x3-10 and 784-[512]x4-10 (128 segments), and on CUDA when there
   is a GPU (target: 5 M regions/s for 784-[512]x4-10 in float64).

4. Limits (``--limits``): requests too large to serve, each in a fresh interpreter: the time until the
   error (target: under 5 s) and the interpreter's peak resident memory, torch included (target: under
   1 GB).

Run: ``python benchmarks/walk.py [--threads N] [--quick] [--repeats R] [--runs N] [--clock wall|cpu|thread]
[--baseline PATH] [--only-regioncam] [--per-walk ROUNDS] [--limits]``. ``--clock cpu`` times section 1 in
this process's CPU seconds instead of wall-clock seconds (on a machine shared with other jobs, waiting for a
core then does not count); ``--clock thread`` in the calling thread's CPU seconds (idle BLAS threads do not
count either; every candidate computes in the calling thread). ``--runs N`` repeats section 1 N times and prints the
spread of the ratios (the machine may be shared; the verdicts below the tables are the last run's).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import torch

import foldlab as fl

NETS = ([784, 200, 200, 200, 10], [784, 256, 256, 256, 10])


def timed(fn, repeat=1):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def arch(widths) -> str:
    return f"{widths[0]}-[{widths[1]}]x{len(widths) - 2}-{widths[-1]}"


# --- 1. against regioncam ---------------------------------------------------------------------------------

def segments_01(n=64, d=784):
    points = np.random.default_rng(0).random((2 * n, d))
    return points[0::2].copy(), points[1::2].copy()


def regioncam_one(net):
    """A function of one segment's ends giving regioncam's exact 1D count (weights converted once, here)."""
    import regioncam

    linears = [m for m in net if isinstance(m, torch.nn.Linear)][:-1]  # the hidden layers
    weights = [
        (m.weight.detach().numpy().T.astype(np.float32).copy(), m.bias.detach().numpy().astype(np.float32).copy())
        for m in linears
    ]

    def count_one(a, b):
        rc = regioncam.Regioncam1D.through_points(np.stack([a, b]).astype(np.float32), size=2.0)
        for w, bias in weights:
            rc.linear(w, bias)
            rc.relu()
        return rc.num_edges

    return count_one


def regioncam_counter(net):
    """A function of the segments giving regioncam's exact 1D counts (weights converted once, here)."""
    count_one = regioncam_one(net)

    def count(X1, X2):
        return np.array([count_one(a, b) for a, b in zip(X1, X2)])

    return count


#: How section 1 reads time: "wall" (time.perf_counter) or "cpu" (time.process_time, the CPU seconds of this
#: process, all its threads: on a machine shared with other jobs, time spent waiting for a core does not
#: count, so the ratio moves less; everything timed runs on one thread, regioncam included), or "thread"
#: (time.thread_time, the CPU seconds of the calling thread alone: neither waiting for a core nor BLAS worker
#: threads spinning idle after a threaded product count; fair only because every candidate computes in the
#: calling thread: 1 torch thread, the walks' products limited to one BLAS thread, regioncam's Rust in the
#: caller's thread, measured: its process and thread CPU times are equal).
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time, "thread": time.thread_time}


def foldlab_timings(repeats: int, with_regioncam: bool, clock: str = "wall") -> list[dict]:
    """Best-of-``repeats`` times (after a warm-up) of every candidate on both nets, interleaved."""
    now = CLOCKS[clock]
    X1, X2 = segments_01()
    rows = []
    for widths in NETS:
        net = fl.mlp(widths, seed=0)
        spec = fl.read_net(net)
        try:
            fl.walk(spec, X1[0], X2[0])
            single_net, single_note = spec, "spec"
        except TypeError:  # an older foldlab: walks take modules only, and read them on every call
            single_net, single_note = net, "module (reads per call)"
        candidates = {
            "read_net": lambda: fl.read_net(net),
            "walks_spec": lambda: fl.walks(single_net, X1, X2).n_regions,
            "walks_module": lambda: fl.walks(net, X1, X2).n_regions,
            "walk_single": lambda: np.array([len(fl.walk(single_net, a, b)) for a, b in zip(X1, X2)]),
        }
        if with_regioncam:
            count = regioncam_counter(net)
            candidates["regioncam"] = lambda count=count: count(X1, X2)
        results = {name: fn() for name, fn in candidates.items()}  # the warm-up
        best = {name: float("inf") for name in candidates}
        for _ in range(repeats):
            for name, fn in candidates.items():
                start = now()
                fn()
                best[name] = min(best[name], now() - start)
        counts = {name: results[name].tolist() for name in ("walks_spec", "walks_module", "walk_single")}
        if with_regioncam:
            counts["regioncam"] = results["regioncam"].tolist()
        rows.append({"net": arch(widths), "best": best, "counts": counts, "single": single_note})
    return rows


def print_regioncam_table(rows: list[dict], title: str, reference: list[dict] | None = None) -> None:
    print(title)
    head = (
        f"{'net':<16} {'regions':>8} {'regioncam 1D':>13} {'fl.walks(spec)':>16} {'fl.walks(net)':>15} "
        f"{'fl.walk x64':>16} {'read_net':>9} {'counts equal':>13}"
    )
    print(head)
    print("-" * len(head))
    for i, row in enumerate(rows):
        best, counts = row["best"], row["counts"]
        rc = best.get("regioncam") or (reference[i]["best"]["regioncam"] if reference else None)
        rc_counts = counts.get("regioncam") or (reference[i]["counts"]["regioncam"] if reference else None)

        def cell(name, width):
            ms = best[name] * 1e3
            return f"{ms:>7.0f} ms ({best[name] / rc:.2f}x)".rjust(width) if rc else f"{ms:>7.0f} ms".rjust(width)

        kinds = ("walks_spec", "walks_module", "walk_single")
        equal = all(counts[k] == rc_counts for k in kinds) if rc_counts else None
        mismatches = sum(a != b for a, b in zip(counts["walks_spec"], rc_counts)) if rc_counts else 0
        verdict = "yes (64/64)" if equal else (f"NO ({mismatches} differ)" if rc_counts else "n/a")
        print(
            f"{row['net']:<16} {sum(counts['walks_spec']):>8,} {rc * 1e3 if rc else float('nan'):>10.0f} ms "
            f"{cell('walks_spec', 16)} {cell('walks_module', 15)} {cell('walk_single', 16)} "
            f"{best['read_net'] * 1e3:>6.1f} ms {verdict:>13}"
        )
        if row["single"] != "spec":
            print(f"{'':<16} (fl.walk one by one on the {row['single']}: this foldlab's walk takes no NetSpec)")
    print()


def regioncam_section(args) -> list[dict]:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"1. Against regioncam's exact 1D mode: 64 segments between random points of [0, 1]^784, "
          f"best of {args.repeats} after a warm-up, {args.clock} clock (load average {load:.2f})")
    print()
    reference = None
    if args.baseline:
        env = dict(os.environ, PYTHONPATH=os.path.abspath(args.baseline))
        command = [sys.executable, os.path.abspath(__file__), "--json", "--threads", str(args.threads),
                   "--repeats", str(args.repeats), "--clock", args.clock]
        out = subprocess.run(command, env=env, capture_output=True, text=True, check=True, cwd=args.baseline)
        reference = json.loads(out.stdout.strip().splitlines()[-1])
        print_regioncam_table(reference["rows"], f"before: foldlab {reference['version']} at {args.baseline}")
    runs = []
    for run in range(args.runs):
        rows = foldlab_timings(args.repeats, with_regioncam=True, clock=args.clock)
        where = f"foldlab {fl.__version__} ({os.path.dirname(fl.__file__)})"
        print_regioncam_table(rows, f"after: {where}" + (f", run {run + 1} of {args.runs}" if args.runs > 1 else ""))
        runs.append(rows)
    if args.runs > 1:  # the machine is shared: how far the ratios move from run to run
        print(f"ratios over regioncam across the {args.runs} runs (min / median / max):")
        for i, row in enumerate(runs[0]):
            cells = []
            for kind, label in (("walks_spec", "fl.walks(spec)"), ("walks_module", "fl.walks(net)"),
                                ("walk_single", "fl.walk x64")):
                ratios = sorted(r[i]["best"][kind] / r[i]["best"]["regioncam"] for r in runs)
                cells.append(f"{label} {ratios[0]:.2f} / {statistics.median(ratios):.2f} / {ratios[-1]:.2f}")
            print(f"  {row['net']:<16} " + ", ".join(cells))
        print()
    verdicts = []
    for row in rows:
        rc = row["best"]["regioncam"]
        kinds = ("walks_spec", "walks_module", "walk_single")
        same = all(row["counts"][k] == row["counts"]["regioncam"] for k in kinds)
        verdicts.append(
            f"{row['net']}: walks {row['best']['walks_spec'] / rc:.2f}x (target <= 1.0: "
            f"{'met' if row['best']['walks_spec'] <= rc else 'NOT met'}), walks on the module "
            f"{row['best']['walks_module'] / rc:.2f}x, single walks {row['best']['walk_single'] / rc:.2f}x "
            f"(target <= 2: {'met' if row['best']['walk_single'] <= 2 * rc else 'NOT met'}), counts "
            f"{'identical on every segment' if same else 'DIFFER'}"
        )
    print("\n".join(verdicts))
    return rows


def per_walk_section(rounds: int) -> None:
    """Single walks timed one at a time: every segment walked by each candidate in turn (the order reversed
    every other time), ``rounds`` times, each walk's thread time the least of its rounds, summed over the
    64 segments. A burst of load then costs a walk one round, not a candidate its total, so the sums move
    less than section 1's from run to run (two copies of one candidate differed by under 1% here). The
    candidates: regioncam's 1D mode, ``fl.walk(spec, a, b)`` and its engine alone
    (``foldlab._walk_fast.walk_one`` on the net's layers: what ``fl.walk`` runs on the CPU, without
    checking the ends, planning and building the result)."""
    from foldlab import _walk_fast

    X1, X2 = segments_01()
    print(f"1b. Single walks one at a time: each walk's least thread time over {rounds} interleaved rounds, summed "
          f"over the 64 segments (load average {os.getloadavg()[0]:.2f})")
    print()
    head = f"{'net':<16} {'regioncam 1D':>13} {'fl.walk x64':>18} {'engine alone':>18} {'fl.walk - engine':>17}"
    print(head)
    print("-" * len(head))
    for widths in NETS:
        net = fl.mlp(widths, seed=0)
        spec = fl.read_net(net)
        stages, selected = list(spec.layers), [True] * len(spec.layers)
        candidates = {
            "regioncam": regioncam_one(net),
            "walk": lambda a, b: len(fl.walk(spec, a, b)),
            "engine": lambda a, b: _walk_fast.walk_one(stages, selected, a, b, max_pieces=10**6),
        }
        names = list(candidates)
        best = {name: np.full(len(X1), np.inf) for name in names}
        for r in range(rounds):
            for i, (a, b) in enumerate(zip(X1, X2)):
                for name in names if (r + i) % 2 else names[::-1]:
                    start = time.thread_time()
                    candidates[name](a, b)
                    best[name][i] = min(best[name][i], time.thread_time() - start)
        total = {name: float(best[name].sum()) for name in names}
        rc = total["regioncam"]
        print(f"{arch(widths):<16} {rc * 1e3:>10.0f} ms {total['walk'] * 1e3:>9.0f} ms ({total['walk'] / rc:.2f}x) "
              f"{total['engine'] * 1e3:>9.0f} ms ({total['engine'] / rc:.2f}x) "
              f"{(total['walk'] - total['engine']) / len(X1) * 1e6:>11.0f} us/walk")
    print()


# --- 2. exact walks against sampling ------------------------------------------------------------------------

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
    spec = fl.read_net(net)
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
        t_layered, exact = timed(lambda: fl.walk(spec, x1, x2), repeat=5)
        t_step, step = timed(lambda: fl.walk(spec, x1, x2, method="step"), repeat=3)
        assert torch.equal(exact.patterns, step.patterns), "the two exact engines disagree"
        mids = torch.as_tensor(exact.points(exact.midpoints))
        assert torch.equal(fl.activation_patterns(net, mids), exact.patterns), "a midpoint check failed"
        row = f"{name:<7} {len(exact):>6} {t_layered * 1e3:>7.1f}ms {t_step * 1e3:>7.1f}ms"
        t_last = None
        for n in ns:
            t_n, sampled = timed(lambda: fl.sample_walk(spec, x1, x2, n))
            assert is_subsequence(sampled.patterns, exact.patterns), f"n={n} saw a region the walk lacks"
            row += f" | {t_n * 1e3:>7.0f}ms {len(sampled):>5} {len(exact) - len(sampled):>6}"
            t_last = t_n
        row += f" | {t_last / t_layered:>18.0f}x"
        print(row)


# --- 3. batched ---------------------------------------------------------------------------------------------

def batched(widths, n_segments: int, device: str, methods=("layered", "step")) -> None:
    net = fl.mlp(widths, seed=0).to(device)
    spec = fl.read_net(net)
    g = torch.Generator().manual_seed(7)
    X1, X2 = torch.randn(n_segments, 784, generator=g), torch.randn(n_segments, 784, generator=g)
    results = {}
    for method in methods:
        batch = 64 if device == "cpu" else 1024

        def run():
            out = fl.walks(spec, X1, X2, method=method, device=device, batch_size=batch, keep_patterns=False)
            if device != "cpu":
                torch.cuda.synchronize()
            return out

        if device != "cpu":
            run()  # warm-up
        seconds, walks = timed(run)
        results[method] = walks
        regions = int(walks.offsets[-1])
        print(
            f"{device:<5} {arch(widths):<16} {method:<8} {n_segments:>8} {regions:>9} {seconds:>8.2f}s "
            f"{regions / seconds / 1e3:>10.1f}k"
        )
    if len(results) == 2:
        a, b = results.values()
        agree = np.array_equal(a.n_regions, b.n_regions) and np.allclose(a.chis, b.chis)
        print(f"{'':<5} {arch(widths):<16} engines agree on every segment: {'yes' if agree else 'NO'}")


# --- 4. limits -------------------------------------------------------------------------------------------

LIMIT_SETUP = """
import resource, time, torch, foldlab as fl
from foldlab.adapter import Activation, Affine, Layer, NetSpec
torch.set_num_threads(1)

def comb_spec(n):  # n ReLU units with thresholds (k + 1/2) / n on [0, 1]: n + 1 regions, n bits each
    w, b = torch.ones(n, 1, dtype=torch.float64), -(torch.arange(n, dtype=torch.float64) + 0.5) / n
    ones, zero = torch.ones(1, n, dtype=torch.float64), torch.zeros(1, dtype=torch.float64)
    hidden, output = Layer("1", Activation("relu"), n, (Affine(w, b),)), Layer("output", None, 1, (Affine(ones, zero),))
    return NetSpec(1, (hidden,), output)
"""
LIMIT_CASES = {
    "fl.walk, 2^21 + 1 regions (max_regions=10**6)": "fl.walk(comb_spec(2**21), [0.0], [1.0])",
    "fl.walks, 8 x (2^21 + 1) regions": "fl.walks(comb_spec(2**21), [[0.0]] * 8, [[1.0]] * 8)",
    "fl.walks, breakpoints of 8 GiB a segment": "fl.walks(comb_spec(2**14), [[0.0]] * 8, [[1.0]] * 8)",
    "fl.walk, step, max_regions=50":
        "fl.walk(fl.CantorNet(depth=8), [0.0, 0.3], [1.0, 0.3], method='step', max_regions=50)",
    "fl.sample_walk, n=10**10":
        "fl.sample_walk(fl.mlp([784, 256, 256, 10], seed=0), [0.0] * 784, [1.0] * 784, n=10**10)",
    "fl.walks keeping 4 GB of patterns": "fl.walks(comb_spec(4000), [[0.0]] * 1024, [[1.0]] * 1024)",
}


def limits_section() -> None:
    print(f"{'request':<44} {'raised':<16} {'time':>7} {'peak RSS':>9}   targets: < 5 s, < 1 GB")
    for name, call in LIMIT_CASES.items():
        code = LIMIT_SETUP + f"""
start = time.perf_counter()
try:
    {call}
    outcome = "returned"
except Exception as error:
    outcome = type(error).__name__
print(outcome, time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
        outcome, seconds, peak_kib = out.stdout.split()
        seconds, peak = float(seconds), int(peak_kib) * 1024
        ok = "ok" if seconds < 5 and peak < 1e9 else "NOT met"
        print(f"{name:<44} {outcome:<16} {seconds:>6.2f}s {peak / 1e6:>6.0f} MB   {ok}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    parser.add_argument("--quick", action="store_true", help="fewer segments and no n = 10^5 (a smoke run)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per candidate in section 1 (default 3)")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall",
                        help="section 1's clock: wall (default), cpu (this process's CPU time) or thread (this "
                             "thread's CPU time; a shared machine)")
    parser.add_argument("--runs", type=int, default=1, help="section 1 this many times, with the ratios' spread")
    parser.add_argument("--baseline", help="a foldlab checkout to time in section 1 too (before/after)")
    parser.add_argument("--only-regioncam", action="store_true", help="section 1 only")
    parser.add_argument("--per-walk", type=int, default=0, metavar="ROUNDS",
                        help="section 1b too: single walks timed one at a time, each walk's least thread time over "
                             "ROUNDS interleaved rounds (with --only-regioncam: sections 1 and 1b)")
    parser.add_argument("--limits", action="store_true", help="section 4 only: requests too large to serve")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # section 1's timings, for --baseline
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.json:
        rows = foldlab_timings(args.repeats, with_regioncam=True, clock=args.clock)
        print(json.dumps({"version": fl.__version__, "rows": rows}))
        return
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"foldlab {fl.__version__}, torch {torch.__version__}, {args.threads} CPU thread(s), "
          f"load average {load:.2f}, float64")
    print()
    if args.limits:
        print("4. Limits: requests too large to serve, each in a fresh interpreter")
        limits_section()
        return
    regioncam_section(args)
    if args.per_walk:
        print()
        per_walk_section(args.per_walk)
    if args.only_regioncam:
        return
    print()
    print("2. One segment: exact walk vs equidistant sampling, 784-[256]x3-10 (fl.mlp seed 0, uniform init)")
    single_segments(fl.mlp([784, 256, 256, 256, 10], seed=0), args.quick)
    print()
    n_segments = 128 if args.quick else 1024
    print(f"3. Batched walks, {n_segments} segments, ends from N(0, I_784)")
    print(f"{'device':<5} {'net':<16} {'method':<8} {'segments':>8} {'regions':>9} {'time':>9} {'regions/s':>11}")
    batched([784, 256, 256, 256, 10], n_segments, "cpu")
    batched([784, 512, 512, 512, 512, 10], n_segments // 8, "cpu")  # 1/8 of the segments: minutes on a CPU
    if torch.cuda.is_available():
        batched([784, 512, 512, 512, 512, 10], 1024, "cuda")
        print("      (target on CUDA: 5000k regions/s for 784-[512]x4-10)")
    else:
        print("CUDA: not available (target there: 5 M regions/s for 784-[512]x4-10 in float64)")
    print()
    print("4. Limits: requests too large to serve, each in a fresh interpreter")
    limits_section()


if __name__ == "__main__":
    main()
