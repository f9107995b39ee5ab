"""Exact 2D arrangements: foldlab against regioncam (Rust), timed in the same run on [-1, 1]^2.

For each net (``fl.mlp``, PyTorch's default uniform init, seed 0) the two libraries run alternately,
``REPEATS`` times each, and the table shows median times:

- ``regioncam``: from the torch net's Linear layers to ``num_faces`` (weights converted to float32
  ``(in, out)`` arrays, ``linear`` + ``relu`` per layer);
- ``fl partition``: ``fl.arrangement(net, box=(-1, 1, -1, 1))``, which reads the torch net and returns
  every region's vertices, pattern bits and affine map data (polygons not yet built);
- ``fl + polygons``: the same followed by ``arr.polygons`` (shapely Polygons, built lazily);
- ``fl + all``: followed also by ``arr.patterns``, ``arr.A`` and ``arr.c``.

The ratios are foldlab's median over regioncam's. The counts must be identical. ``fl partition``
includes reading the net (:func:`foldlab.read_net`, which checks its snapshot against the net's own
forward pass); the last line gives that reading's median alone. The target (issue 3)
is foldlab at most 2x regioncam's time on each net; the last lines say where the slowest column,
``fl + all``, meets it.

Run: ``python benchmarks/arrangement.py`` (``make bench`` runs every benchmark).
"""

from __future__ import annotations

import os
import platform
import statistics
import time

import numpy as np
import torch

import foldlab as fl

NETS = [[2, 16, 16, 16, 1], [2, 32, 32, 32, 1], [2, 64, 64, 64, 1], [2, 32, 32, 32, 32, 32, 1]]
BOX = (-1.0, 1.0, -1.0, 1.0)
REPEATS = 21


def regioncam_faces(net: torch.nn.Module) -> int:
    import regioncam

    rc = regioncam.Regioncam(size=1.0)
    for module in net:
        if isinstance(module, torch.nn.Linear) and module is not net[-1]:
            rc.linear(
                module.weight.detach().numpy().T.astype(np.float32), module.bias.detach().numpy().astype(np.float32)
            )
        elif isinstance(module, torch.nn.ReLU):
            rc.relu()
    return rc.num_faces


def foldlab_partition(net):
    return fl.arrangement(net, box=BOX)


def foldlab_polygons(net):
    arr = fl.arrangement(net, box=BOX)
    arr.polygons
    return arr


def foldlab_all(net):
    arr = fl.arrangement(net, box=BOX)
    arr.polygons, arr.patterns, arr.A, arr.c
    return arr


def timed(f, net) -> tuple[float, object]:
    start = time.perf_counter()
    result = f(net)
    return time.perf_counter() - start, result


def main() -> None:
    print(
        f"foldlab {fl.__version__}, numpy {np.__version__}, torch {torch.__version__}, "
        f"{platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}"
    )
    print(f"medians of {REPEATS} alternating runs; ratio = foldlab / regioncam\n")
    header = (
        f"{'net':<22}{'regions fl':>11}{'regions rc':>11}{'regioncam':>11}{'fl partition':>14}{'ratio':>7}"
        f"{'fl + polygons':>15}{'ratio':>7}{'fl + all':>10}{'ratio':>7}"
    )
    print(header)
    print("-" * len(header))
    all_equal = True
    verdicts = []
    reads = []
    for widths in NETS:
        net = fl.mlp(widths, seed=0)
        name = f"2-[{widths[1]}]x{len(widths) - 2}-1"
        runs = {"rc": [], "partition": [], "polygons": [], "all": []}
        counts = {}
        for _ in range(2):  # warm up
            regioncam_faces(net), foldlab_all(net)
        for _ in range(REPEATS):
            t, counts["rc"] = timed(regioncam_faces, net)
            runs["rc"].append(t)
            t, arr = timed(foldlab_partition, net)
            runs["partition"].append(t)
            counts["fl"] = len(arr)
            runs["polygons"].append(timed(foldlab_polygons, net)[0])
            runs["all"].append(timed(foldlab_all, net)[0])
        reads.append(statistics.median(timed(fl.read_net, net)[0] for _ in range(REPEATS)) * 1e3)
        ms = {k: statistics.median(v) * 1e3 for k, v in runs.items()}
        all_equal &= counts["fl"] == counts["rc"]
        print(
            f"{name:<22}{counts['fl']:>11}{counts['rc']:>11}{ms['rc']:>9.2f}ms{ms['partition']:>12.2f}ms"
            f"{ms['partition'] / ms['rc']:>7.2f}{ms['polygons']:>13.2f}ms{ms['polygons'] / ms['rc']:>7.2f}"
            f"{ms['all']:>8.2f}ms{ms['all'] / ms['rc']:>7.2f}"
        )
        verdicts.append(
            f"{name} {ms['all'] / ms['rc']:.2f}x " + ("(met)" if ms["all"] <= 2 * ms["rc"] else "(NOT met)")
        )
    print(f"\ncounts identical: {all_equal}; load average now {os.getloadavg()[0]:.2f}")
    print("target fl + all <= 2x regioncam: " + ", ".join(verdicts))
    print("read_net alone (in fl partition): " + ", ".join(f"{r:.2f}ms" for r in reads))


if __name__ == "__main__":
    main()
