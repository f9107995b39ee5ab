"""Exercises of notebook 09 (the folding regularizer); the expected answers are computed with foldlab."""

from __future__ import annotations

from . import Exercise, register

#: The net and segment of the notebook's first section.
WIDTHS, SEED, X1, X2 = [2, 12, 12, 12, 1], 0, [-1.0, -0.8], [1.0, 0.9]


def _gap_shrinks() -> bool:
    """Is the surrogate closer to exact chi at temperature 0.001 than at 1 (400 points, as in the notebook)?"""
    from ..nets import mlp
    from ..regularizer import soft_chi
    from ..walk import walk

    net = mlp(WIDTHS, seed=SEED)
    exact = walk(net, X1, X2).chi

    def gap(t: float) -> float:
        return abs(float(soft_chi(net, X1, X2, temperature=t, n_points=400, max_temperature=t, eps=0).detach()) - exact)

    return gap(1e-3) < gap(1.0)


def _cosine_weight() -> float:
    from ..regularizer import FoldingRegularizer

    return FoldingRegularizer(weight=2.0, schedule="cosine", epochs=11).weight_at(6)


def _digits():
    from ..experiments.regularizer import shipped_comparison

    return shipped_comparison("digits")


register(Exercise("09.1", "Is the surrogate closer to exact chi at temperature 0.001 than at 1?", _gap_shrinks,
                  hint="compare |soft - exact| at both ends of the table above; the soft bits harden as the "
                       "temperature falls.", compare="bool"))
register(Exercise("09.2", "Weight of a cosine schedule (weight 2, 11 epochs) at epoch 6?", _cosine_weight,
                  hint="progress p = (6 - 1) / (11 - 1); cosine gives weight * (1 + cos(pi p)) / 2.",
                  compare="close"))
register(Exercise("09.3", "On how many digits seeds did the regularizer raise exact Phi_N?",
                  lambda: _digits().paired("phi").wins,
                  hint="count the seeds whose line goes up in the Phi_N panel of the digits row (or use "
                       ".paired(...) on the comparison)."))
register(Exercise("09.4", "Is the Wilcoxon p-value of the digits test-accuracy difference below 0.05?",
                  lambda: bool(_digits().paired("test_accuracy").wilcoxon_p < 0.05),
                  hint="read the p wilcoxon column of test_accuracy in the digits summary.", compare="bool"))
