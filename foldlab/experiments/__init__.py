"""Experiments: seeded comparisons that report every run (one module per experiment).

Loaded on first use, so that ``python -m foldlab.experiments.regularizer`` runs its module once.
"""

__all__ = ["compare_regularizer", "read_comparison", "shipped_comparison"]


def __getattr__(name: str):
    if name in __all__:
        from . import regularizer

        return getattr(regularizer, name)
    raise AttributeError(f"module 'foldlab.experiments' has no attribute {name!r}")
