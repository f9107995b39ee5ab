"""Exercises of notebook 05 (folding over data); the expected answers are computed with foldlab."""

from __future__ import annotations

import functools
from typing import Any

from . import Exercise, register

#: The notebook's net: 64-[32]x3-10 trained 30 epochs on digits (seed 0), ``pretrained("digits-folding")``.
WIDTHS, EPOCHS, SEED = [64, 32, 32, 32, 10], 30, 0
#: The paths of section 1 and the segments of section 2.
PATH_CLASSES, N_PATHS, N_PAIRS = (1, 4), 500, 2000


@functools.cache
def _net_and_data() -> tuple[Any, Any]:
    from ..data import load_digits
    from ..trained import pretrained

    # the shipped weights of that training, equal to a fresh run (tests/test_trained.py retrains and compares)
    return pretrained("digits-folding").requires_grad_(False).eval(), load_digits(seed=0)


def _folding_paths() -> int:
    import numpy as np

    from ..folding import class_paths, global_folding

    net, data = _net_and_data()
    i, j = class_paths(data.X_test, data.y_test, *PATH_CLASSES, N_PATHS, seed=SEED)
    g = global_folding(net, data.X_test, data.y_test, pairs=np.stack([i, j], axis=1), progress=False)
    return int((g.chis > 0).sum())


def _largest_reduction() -> str:
    from ..folding import REDUCTIONS, global_folding

    net, data = _net_and_data()
    readings = global_folding(net, data.X_test, data.y_test, n_pairs=N_PAIRS, seed=SEED, progress=False).readings()
    return max(REDUCTIONS, key=lambda how: readings[how])


def _few_paths_deep_beat_many_paths_shallow() -> bool:
    from ..experiments import shipped_results, summarise_all_pairs

    rows = summarise_all_pairs(shipped_results("tmlr_all_pairs"))
    summary = {(s["depth"], s["paths"]): s["phi_tmlr_mean"] for s in rows}
    return summary[(6, 10)] > summary[(3, 500)]


def _noisiest_folds_most() -> float:
    import numpy as np

    from ..experiments import shipped_results

    rows = shipped_results("memorisation")
    levels = sorted({r["noise"] for r in rows})
    return max(levels, key=lambda noise: np.mean([r["mean_chi"] for r in rows if r["noise"] == noise]))


def _centroid_segments() -> int:
    from ..folding import global_folding

    net, data = _net_and_data()
    return len(global_folding(net, data.X_test, data.y_test, centroids=3, n_pairs=10**6, seed=SEED,
                              progress=False).chis)


register(Exercise("05.1", "How many of the 500 paths from a 1 to a 4 fold (chi > 0)?", _folding_paths,
                  hint="a path folds when its chi is above 0: count them in g14.chis (or use its fraction_folding)."))
register(Exercise("05.2", "Which reduction of Phi_N gives the largest value for the digits net?", _largest_reduction,
                  hint="compare the values printed by g.readings() (leave fraction_folding out: it is not a "
                       "reduction); write the name as a string."))
register(Exercise("05.3", "Is the TMLR reading at depth 6 with 10 paths per pair above the one at depth 3 with 500?",
                  _few_paths_deep_beat_many_paths_shallow,
                  hint="read the phi tmlr column of the table for (depth 6, 10 paths) and (depth 3, 500 paths).",
                  compare="bool"))
register(Exercise("05.4", "At which label noise does the mean chi of the shipped nets peak?", _noisiest_folds_most,
                  hint="read the mean chi column of the memorisation table, one row per noise level; answer with "
                       "the noise as a number (0.0, 0.2 or 0.4).", compare="close"))
register(Exercise("05.5", "How many segments join 3 centroids per class of 10 classes, all pairs taken?",
                  _centroid_segments,
                  hint="every centroid of one class is joined to every centroid of every other class: count the "
                       "pairs of classes, then the pairs of centroids in each."))
