"""The BLAS thread limit the arrangement engine runs under.

The engine's matrix products are small and many: a BLAS thread pool costs more than it saves (10x on two
cores), so they run in one thread. Setting and restoring the limit costs about 50 us, more than a small
net's whole layer, so it is only set for products big enough that OpenBLAS would thread them.
"""

from __future__ import annotations

import contextlib
import functools

__all__ = ["BLAS_THREADED_FROM", "single_threaded_blas", "single_threaded_blas_for"]

#: OpenBLAS computes products with fewer multiply-adds than this in one thread anyway.
BLAS_THREADED_FROM = 1 << 18


@functools.lru_cache(maxsize=1)
def _thread_controller():
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return None
    return ThreadpoolController()


def single_threaded_blas():
    """A context in which BLAS runs in one thread."""
    controller = _thread_controller()
    if controller is None:  # pragma: no cover
        return contextlib.nullcontext()
    return controller.limit(limits=1, user_api="blas")


def single_threaded_blas_for(m: int, k: int, n: int):
    """:func:`single_threaded_blas` for an (m, k) @ (k, n) product big enough to be threaded, else nothing."""
    return single_threaded_blas() if m * k * n >= BLAS_THREADED_FROM else contextlib.nullcontext()
