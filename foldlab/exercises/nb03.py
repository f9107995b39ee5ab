"""Exercises of notebook 03 (CantorNet); foldlab computes every answer."""

from __future__ import annotations

from ..cantornet import CantorNet
from ..walk import walk
from . import Exercise, register


def _along(depth: int, height: float = 0.25, **options):
    return walk(CantorNet(depth=depth, representation=options.pop("representation", "recursive")),
                [0.0, height], [1.0, height], **options)


register(Exercise(
    "03.1", "chi of the walk along y = 1/4 through CantorNet k = 1, all hidden layers", lambda: _along(1).chi,
    hint="r1 is the largest d_H from the first pattern, r2 the sum of d_H between consecutive patterns; "
         "chi = 1 - r1 / r2.",
    compare="close",
))
register(Exercise(
    "03.2", "chi of the walk along y = 1/4 through CantorNet k = 3 with layer 0's bits only",
    lambda: _along(3, layers=[0]).chi,
    hint="each unit of layer 0 is a straight line, and a straight segment crosses a line at most once.",
    compare="close",
))
register(Exercise(
    "03.3", "How many regions does the walk along y = 1/4 cross for k = 4?", lambda: len(_along(4)),
    hint="each recursion copies the picture into the two outer thirds and keeps the middle: from k to k + 1 the "
         "count goes from R to 2 R + 1 (3 regions for k = 1, 7 for k = 2).",
))
register(Exercise(
    "03.4", "chi along y = 3/4 through CantorNet k = 2, all hidden layers", lambda: _along(2, height=0.75).chi,
    hint="which hidden unit of the recursive CantorNet looks at y, and what is its bit for every y > 0?",
    compare="close",
))
def _b_depends_on_height() -> bool:
    net = CantorNet(depth=2, representation="B")
    chis = [walk(net, [0.0, y], [1.0, y], layers=net.repository_layers).chi for y in (0.25, 0.75)]
    return chis[0] != chis[1]


register(Exercise(
    "03.5", "Does chi of representation B (k = 2, the repository's layers) change between y = 1/4 and y = 3/4?",
    _b_depends_on_height,
    hint="B's first layer holds units of lines through the boundary's vertices, lines in the (x, y) plane: do "
         "their bits depend on y? Answer True or False.",
    compare="bool",
))
