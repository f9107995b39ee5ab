"""The exercise of the package's own docstring (a worked example of the mechanism)."""

from . import Exercise, register

register(Exercise("demo.1", "What is 2 + 2?", lambda: 4, hint="2 + 2, as Python computes it."))
