"""Self-checks for the notebooks' exercises: ``check(key, answer)`` says whether an answer is right.

Every exercise of the course has a key (``"02.3"``: notebook 02, exercise 3) and a checker registered in
the module of its notebook (``foldlab.exercises.nb02``). A checker computes the expected answer with the
library itself, so the notebooks hold no answers in plain sight, and the check cell of an exercise reads::

    ex.check("02.3", answer)

It prints ``✓`` with a short confirmation when the answer is right, and otherwise raises :class:`NotYet`, an
``AssertionError`` that Jupyter shows as one line with a hint instead of a traceback. nbgrader grades the same
cell (a cell that raises scores 0), so one notebook serves students, self-study and grading.

>>> from foldlab import exercises as ex
>>> ex.check("demo.1", 4)
✓ demo.1: right.
True
>>> try:
...     ex.check("demo.1", 5)
... except ex.NotYet as error:
...     print(error)
demo.1: not yet. Hint: 2 + 2, as Python computes it.
"""

from __future__ import annotations

import contextlib
import importlib
import math
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..limits import one_torch_thread as one_thread  # the checkers train as the notebooks do

__all__ = ["Exercise", "NotYet", "register", "check", "exercises", "one_thread", "REGISTRY"]


class NotYet(AssertionError):
    """An answer that is not (yet) right; its message carries the hint."""

    def _render_traceback_(self) -> list[str]:  # IPython shows this instead of a traceback
        return [f"\x1b[31m✗ {self}\x1b[0m"]


@dataclass(frozen=True)
class Exercise:
    """One exercise: how to compute its answer, how to compare, and what to say when an answer is off.

    Attributes
    ----------
    key : str
        ``"NN.k"``: notebook and number.
    question : str
        One line, for listings (the notebook states it in full).
    expected : callable
        ``expected() -> value``, computed with foldlab when the check runs.
    hint : str
        Said when the answer is not right.
    compare : {"equal", "close", "set", "bool"}
        How answers are compared: exactly, within ``tolerance`` (relative), as sets, or as a yes/no answer.
    tolerance : float
    """

    key: str
    question: str
    expected: Callable[[], Any]
    hint: str
    compare: str = "equal"
    tolerance: float = 1e-6

    def is_right(self, answer: Any) -> bool:
        want = self.expected()
        try:
            if self.compare == "close":
                return bool(np.allclose(np.asarray(answer, dtype=float), np.asarray(want, dtype=float),
                                        rtol=self.tolerance, atol=self.tolerance))
            if self.compare == "set":
                return set(np.asarray(answer).ravel().tolist()) == set(np.asarray(want).ravel().tolist())
            if self.compare == "bool":
                return isinstance(answer, (bool, np.bool_)) and bool(answer) == bool(want)
            if isinstance(want, float) and math.isnan(want):
                return False
            return bool(np.array_equal(np.asarray(answer), np.asarray(want)))
        except (TypeError, ValueError):
            return False


#: Every registered exercise, by key (filled by the notebook modules on first use).
REGISTRY: dict[str, Exercise] = {}


def register(exercise: Exercise) -> Exercise:
    """Add an exercise to the registry (the notebook modules call this at import)."""
    if exercise.key in REGISTRY:
        raise ValueError(f"exercise {exercise.key!r} is registered twice")
    REGISTRY[exercise.key] = exercise
    return exercise


def _load_all() -> None:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


def exercises(notebook: str | None = None) -> list[Exercise]:
    """The registered exercises (of one notebook, ``"02"``), in order of their keys."""
    _load_all()
    chosen = [e for key, e in REGISTRY.items() if notebook is None or key.split(".")[0] == notebook]
    return sorted(chosen, key=lambda e: [int(p) if p.isdigit() else p for p in e.key.split(".")])


def check(key: str, answer: Any) -> bool:
    """Check an answer: print ``✓`` and return True when right, else raise :class:`NotYet` with the hint."""
    _load_all()
    if key not in REGISTRY:
        raise KeyError(f"no exercise {key!r}; the course has {sorted(REGISTRY)}")
    exercise = REGISTRY[key]
    if answer is ... or answer is None:
        raise NotYet(f"{key}: replace the ... in the cell above with your answer, then run it and this cell.")
    if not exercise.is_right(answer):
        raise NotYet(f"{key}: not yet. Hint: {exercise.hint}")
    print(f"✓ {key}: right.")
    return True
