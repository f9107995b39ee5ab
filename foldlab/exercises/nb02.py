"""Exercises of notebook 02 (exact arrangements); foldlab computes every answer."""

from __future__ import annotations

import torch

from ..adapter import read_net
from ..arrangement import arrangement
from ..cantornet import CantorNet
from ..counting import first_layer_box, grid_region_count, region_density
from ..nets import mlp
from . import Exercise, register


def _regions_of_eight_lines() -> int:
    net = mlp([2, 8, 1], seed=3)
    return len(arrangement(net, box=first_layer_box(net)))


def unit_cut_off() -> torch.nn.Module:
    """The 2-3-1 net of section 4 with hidden unit 1's outgoing weight set to 0."""
    net = mlp([2, 3, 1], seed=0)
    with torch.no_grad():
        net[2].weight[0, 1] = 0.0
    return net


def _linear_regions_with_unit_cut_off() -> int:
    return len(arrangement(unit_cut_off()).linear_regions())


def _cantor_boundary_along_region_edges() -> bool:
    """True when no activation region of CantorNet (k = 3) has outputs of both signs at its vertices."""
    net = CantorNet(depth=3)
    arr, spec = arrangement(net, box=(0, 1, 0, 1)), read_net(net)
    for r in range(len(arr)):
        out = spec(torch.as_tensor(arr.vertices(r)))
        if bool(out.max() > 0) and bool(out.min() < 0):
            return False
    return True


def _grid_finds_every_region() -> bool:
    net = mlp([2, 16, 16, 16, 1], seed=0)
    return grid_region_count(net, resolution=200) == len(arrangement(net))


def _density_ratio_when_depth_doubles() -> float:
    box = (-0.5, 0.5, -0.5, 0.5)
    shallow = region_density(mlp([2, 16, 16, 1], seed=0, init="he"), box=box)
    deep = region_density(mlp([2, 16, 16, 16, 16, 1], seed=0, init="he"), box=box)
    return deep / shallow


register(Exercise(
    "02.1", "How many regions do the 8 lines of one layer cut the whole plane into?", _regions_of_eight_lines,
    hint="Zaslavsky: n lines in general position cut the plane into 1 + n + n (n - 1) / 2 regions.",
))
register(Exercise(
    "02.2", "How many linear regions has the 2-3-1 net whose unit 1 no longer reaches the output?",
    _linear_regions_with_unit_cut_off,
    hint="flipping unit 1's bit does not change the affine map, so two activation regions that differ only in "
         "that bit are one linear region: remove unit 1's line from the picture and count.",
))
register(Exercise(
    "02.3", "Does CantorNet's decision boundary run along the edges of its activation regions?",
    _cantor_boundary_along_region_edges,
    hint="the decision boundary is where the output N crosses 0, and the output is not a hidden unit: do the "
         "hidden bits of the recursive CantorNet depend on y? Answer True or False.",
    compare="bool",
))
register(Exercise(
    "02.4", "Does a 200 x 200 grid find every region of the 2-[16]x3-1 net?", _grid_finds_every_region,
    hint="a region between two neighbouring grid points, or a thin sliver, contains no grid point. "
         "Answer True or False.",
    compare="bool",
))
register(Exercise(
    "02.5", "By what factor does the region density grow when the depth doubles from 2 to 4 layers of 16?",
    _density_ratio_when_depth_doubles,
    hint="the density goes like #neurons^2 / 2 (times a constant), not like 2^#neurons: 32 neurons become 64. "
         "The check accepts an answer within 25%.",
    compare="close", tolerance=0.25,
))
