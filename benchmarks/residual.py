"""Walks of nets with residual blocks (``fl.Residual``) against the same nets without their skips, in one run.

Each residual net is timed beside its peer, the same layers with the same weights but plain (``x + f(x)``
replaced by ``f(x)``): the difference is what carrying the skips costs (their extra units in every layer of a
block, and the stages rebuilt per batch with the skips shifted). For the small MLP a third line walks the
residual net with the skips carried as ``relu(x), relu(-x)`` as the snapshot holds them (not shifted): every
segment crossing a skip's zero then goes to exact arithmetic, which is why the walks shift them.

Run: ``.venv/bin/python benchmarks/residual.py [--pairs-only]``. Each time is the best of three calls after a warm-up.
"""

from __future__ import annotations

import importlib
import sys

import numpy as np
import torch
from hamming import best_of  # benchmarks/hamming.py: this script's folder is on sys.path
from torch import nn

import foldlab as fl

walk_module = importlib.import_module("foldlab.walk")  # fl.walk is the function


def without_skips(net: nn.Sequential) -> nn.Sequential:
    return nn.Sequential(*(nn.Sequential(*m.inner) if isinstance(m, fl.Residual) else m for m in net))


def nets():
    torch.manual_seed(0)
    mlp = nn.Sequential(nn.Linear(8, 16), nn.ReLU(),
                        fl.Residual(nn.Sequential(nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 16))), nn.ReLU(),
                        nn.Linear(16, 1))
    wide = nn.Sequential(nn.Linear(64, 64), nn.ReLU(),
                         fl.Residual(nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 64))), nn.ReLU(),
                         fl.Residual(nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 64))), nn.ReLU(),
                         nn.Linear(64, 10))
    conv = nn.Sequential(nn.Unflatten(1, (1, 8, 8)), nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(),
                         fl.Residual(nn.Sequential(nn.Conv2d(4, 4, 3, padding=1), nn.ReLU(),
                                                   nn.Conv2d(4, 4, 3, padding=1))), nn.ReLU(), nn.Flatten(),
                         nn.Linear(256, 10))
    return {"mlp 8-16-[16]-16-1": mlp, "mlp 64-64-[64]x2-10": wide, "conv 1x8x8-4-[4]-10": conv}


def main(table: bool = True) -> None:
    g = torch.Generator().manual_seed(0)
    print(f"{'net':22s} {'method':8s} {'segments':>8s} {'residual s':>11s} {'plain s':>9s} {'ratio':>6s} "
          f"{'regions res/plain':>18s}")
    for name, net in nets().items() if table else ():
        d = fl.read_net(net).d_in
        X1, X2 = torch.randn(16, d, generator=g), torch.randn(16, d, generator=g)
        res, plain = fl.read_net(net), fl.read_net(without_skips(net))
        for method in ("layered", "step"):
            n = 16 if method == "layered" else 4
            t_res = best_of(lambda: fl.walks(res, X1[:n], X2[:n], method=method))
            t_plain = best_of(lambda: fl.walks(plain, X1[:n], X2[:n], method=method))
            regions = (fl.walks(res, X1[:n], X2[:n], method=method).n_regions.sum(),
                       fl.walks(plain, X1[:n], X2[:n], method=method).n_regions.sum())
            print(f"{name:22s} {method:8s} {n:8d} {t_res:11.4f} {t_plain:9.4f} {t_res / t_plain:6.2f} "
                  f"{regions[0]:>8d}/{regions[1]:<9d}")
    # the small MLP with the skips as the snapshot holds them (relu(x), relu(-x)): exact arithmetic decides
    net = nets()["mlp 8-16-[16]-16-1"]
    spec = fl.read_net(net)
    X1, X2 = torch.randn(16, 8, generator=g), torch.randn(16, 8, generator=g)
    shifted = walk_module._shifted
    t_shift = best_of(lambda: fl.walks(spec, X1, X2))
    by_shift = fl.walks(spec, X1, X2)
    walk_module._shifted = lambda stages, a, b: stages  # the pairs as they are
    try:
        t_pairs = best_of(lambda: fl.walks(spec, X1, X2))
        by_pairs = fl.walks(spec, X1, X2)
    finally:
        walk_module._shifted = shifted
    same = all(torch.equal(a.patterns, b.patterns) and np.allclose(a.ts, b.ts, rtol=0, atol=1e-12)
               for a, b in zip(by_shift, by_pairs))
    print(f"\nmlp 8-16-[16]-16-1, 16 segments, layered: skips shifted {t_shift:.4f} s "
          f"({int(by_shift.settled_exactly.sum())} of 16 settled in exact arithmetic); carried as relu(x), relu(-x) "
          f"{t_pairs:.4f} s ({int(by_pairs.settled_exactly.sum())} of 16 settled); ratio {t_pairs / t_shift:.1f}; "
          f"the same walks: {same}")


if __name__ == "__main__":
    main(table="--pairs-only" not in sys.argv[1:])
