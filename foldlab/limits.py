"""Limits on what one call may cost, and how to raise them.

Every call whose memory grows with a number the user chooses (a grid resolution, a number of samples, of
pairs or of regions) estimates that memory before it starts and raises :class:`foldlab.OverBudget` above
:data:`MEMORY_BUDGET`, instead of filling the machine. Raise the budget for one call with the context
manager, or for the session by assignment::

    import foldlab as fl
    with fl.limits.memory_budget(8 * 2**30):      # 8 GiB for what runs inside
        counts = fl.hamming_matrix(P)
    fl.limits.MEMORY_BUDGET = 8 * 2**30            # from now on

The estimates count the large arrays a call holds at once, not Python's own overhead.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from .errors import OverBudget

__all__ = ["MEMORY_BUDGET", "memory_budget", "check_memory", "format_bytes", "one_torch_thread"]

#: Largest memory, in bytes, one call may plan to hold (default 1 GiB).
MEMORY_BUDGET: int = 1 << 30


def format_bytes(n: float) -> str:
    """``1536 -> '1.5 KiB'``.

    Examples
    --------
    >>> format_bytes(3 * 2**30), format_bytes(100)
    ('3.0 GiB', '100 B')
    """
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError  # pragma: no cover


def check_memory(nbytes: float, what: str, *, driver: str) -> None:
    """Raise :class:`OverBudget` when ``nbytes`` exceeds :data:`MEMORY_BUDGET`.

    Parameters
    ----------
    nbytes : float
        The estimate (a float, so that huge products do not overflow).
    what : str
        What would be allocated ("the 20000 x 20000 distance matrix").
    driver : str
        The argument that drives the size and how to shrink it ("pass fewer patterns").

    Examples
    --------
    >>> check_memory(1e3, "a small array", driver="n")
    >>> check_memory(1e15, "the grid", driver="lower resolution=")
    Traceback (most recent call last):
    ...
    foldlab.errors.OverBudget: the grid would need about 909.5 TiB, over foldlab.limits.MEMORY_BUDGET = 1.0 GiB; ...
    """
    if nbytes > MEMORY_BUDGET:
        raise OverBudget(
            f"{what} would need about {format_bytes(nbytes)}, over foldlab.limits.MEMORY_BUDGET = "
            f"{format_bytes(MEMORY_BUDGET)}; {driver}, or raise the budget "
            f"(with foldlab.limits.memory_budget(nbytes): ...)"
        )


@contextlib.contextmanager
def memory_budget(nbytes: int) -> Iterator[None]:
    """Set :data:`MEMORY_BUDGET` to ``nbytes`` inside the block, and restore it after.

    Examples
    --------
    >>> import foldlab as fl
    >>> with fl.limits.memory_budget(2**40):
    ...     fl.limits.MEMORY_BUDGET == 2**40
    True
    >>> fl.limits.MEMORY_BUDGET
    1073741824
    """
    global MEMORY_BUDGET
    if isinstance(nbytes, bool) or not isinstance(nbytes, int) or nbytes < 1:
        raise ValueError(f"nbytes must be a positive int (a number of bytes), got {nbytes!r}")
    previous, MEMORY_BUDGET = MEMORY_BUDGET, nbytes
    try:
        yield
    finally:
        MEMORY_BUDGET = previous


@contextlib.contextmanager
def one_torch_thread() -> Iterator[None]:
    """Torch on one CPU thread inside the block, the thread count restored after it.

    Small products (a reading's dozen probe points, a small net's training step) are quicker in one thread:
    waking torch's thread pool costs more on a busy machine than they do. And torch splits a float32 sum over
    its threads, so a training's last bits depend on the count: the shipped nets and the exercise checkers
    train on one thread, as the notebooks do.
    """
    import torch  # here: this module is imported before anything heavy

    threads = torch.get_num_threads()
    if threads == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
