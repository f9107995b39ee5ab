"""CantorNet: a ReLU net with hand-set weights whose decision region has a Cantor-like boundary.

``N(x, y) = y - (A^k(x) + 1) / 2`` with ``A(x) = max(-3x + 1, 0, 3x - 2)``: the decision region
``{N <= 0}`` inside ``[0, 1]^2`` is ``R_k``, whose upper edge is self-similar. The same function has
several ReLU representations, which fold the input space differently; see :class:`CantorNet`.
"""

from __future__ import annotations

import heapq
from fractions import Fraction

import numpy as np
import torch
from torch import nn

from .nets import linear_layer

__all__ = ["CantorNet", "cantor_step", "cantor_boundary", "cantor_vertices", "cantor_dnf_layers"]


def cantor_step(x: torch.Tensor) -> torch.Tensor:
    """The tent-like map ``A(x) = max(-3x + 1, 0, 3x - 2)`` on [0, 1] (DESIGN.md section 5).

    Examples
    --------
    >>> cantor_step(torch.tensor([0.0, 1 / 6, 0.5, 1.0]))
    tensor([1.0000, 0.5000, 0.0000, 1.0000])
    """
    return torch.clamp(torch.maximum(-3 * x + 1, 3 * x - 2), min=0)


def cantor_boundary(x: torch.Tensor, depth: int) -> torch.Tensor:
    """The upper edge ``(A^k(x) + 1) / 2`` of the CantorNet decision region ``R_k``.

    Examples
    --------
    >>> cantor_boundary(torch.tensor([0.0, 0.5]), depth=1)
    tensor([1.0000, 0.5000])
    """
    for _ in range(depth):
        x = cantor_step(x)
    return (x + 1) / 2


class CantorNet(nn.Sequential):
    """CantorNet: ``N(x, y) = y - (A^k(x) + 1) / 2`` with hand-set exact weights.

    The decision region ``{N <= 0}`` inside ``[0, 1]^2`` is ``R_k``, whose upper edge has a Cantor-like
    structure. Each recursion is two ReLU layers (DESIGN.md section 5)::

        layer a: W = [[3, 0], [-3, 0], [0, 1]], b = [-2, 1, 0]     ReLU -> (3x-2)+, (1-3x)+, y+
        layer b: W = [[1, 1, 0], [0, 0, 1]],    b = [0, 0]         ReLU -> (A(x), y)
        output:  W = [[-1/2, 1]],               b = [-1/2]

    Parameters
    ----------
    depth : int
        Number of recursions ``k``, 1 to 8.
    representation : {"recursive", "dnf"}
        Which weights realise the function. ``"recursive"`` (default) is the two-layers-per-recursion net
        above. ``"dnf"`` is the disjunctive-normal-form style net of the CantorNet paper: one line through
        each pair of consecutive boundary vertices (``2^(k+1) - 1`` lines), the region below the boundary
        written as a union (max) of half-planes and of "caps" (min of three lines), min and max built
        from ReLUs; see :func:`cantor_dnf_layers`. Both compute the same function on ``[0, 1]^2`` with
        different weights, so the same decision region folds differently.

    Examples
    --------
    >>> net = CantorNet(depth=1)
    >>> net(torch.tensor([[0.5, 0.5], [0.0, 0.25]])).squeeze(1)
    tensor([ 0.0000, -0.7500])
    >>> CantorNet(depth=1, representation="dnf")(torch.tensor([[0.5, 0.5], [0.0, 0.25]])).squeeze(1)
    tensor([ 0.0000, -0.7500])

    References
    ----------
    Lewandowski et al., "On Space Folds of ReLU Neural Networks" (TMLR 2025), appendix on CantorNet;
    Lewandowski et al., "CantorNet: A Sandbox for Testing Topological and Geometrical Measures" (2024).
    """

    REPRESENTATIONS = ("recursive", "dnf")

    def __init__(self, depth: int = 1, representation: str = "recursive") -> None:
        if isinstance(depth, bool) or not isinstance(depth, int) or not 1 <= depth <= 8:
            raise ValueError(f"depth must be an int from 1 to 8, got {depth!r}")
        if representation not in self.REPRESENTATIONS:
            raise ValueError(
                f"representation must be one of {self.REPRESENTATIONS}, got {representation!r}"
            )
        layers = _recursive_layers(depth) if representation == "recursive" else cantor_dnf_layers(depth)
        super().__init__(*layers)
        self.depth = depth
        self.representation = representation
        self.requires_grad_(False)
        self.eval()

    def boundary(self, x: torch.Tensor) -> torch.Tensor:
        """Height ``(A^k(x) + 1) / 2`` of the decision boundary above ``x``."""
        return cantor_boundary(torch.as_tensor(np.ascontiguousarray(x, dtype=np.float64)), self.depth)

    def extra_repr(self) -> str:
        return f"depth={self.depth}, representation={self.representation!r}"


def _recursive_layers(depth: int) -> list[nn.Module]:
    layers: list[nn.Module] = []
    for _ in range(depth):
        layers += [
            linear_layer([[3, 0], [-3, 0], [0, 1]], [-2, 1, 0]),
            nn.ReLU(),
            linear_layer([[1, 1, 0], [0, 0, 1]], [0, 0]),
            nn.ReLU(),
        ]
    layers.append(linear_layer([[-0.5, 1]], [-0.5]))
    return layers


# --- CantorNet, DNF-style representation ----------------------------------------------------------------

def _cantor_step_exact(x: Fraction) -> Fraction:
    return max(1 - 3 * x, Fraction(0), 3 * x - 2)


def cantor_vertices(depth: int) -> list[tuple[Fraction, Fraction]]:
    """The ``2^(k+1)`` vertices of the CantorNet boundary ``y = (A^k(x) + 1) / 2`` on [0, 1], exactly.

    Their x are the ends of the ``2^k`` intervals left after ``k`` steps of the Cantor construction; the
    boundary is linear between consecutive vertices (ramps on the intervals, flats on the gaps).

    Examples
    --------
    >>> [(str(x), str(y)) for x, y in cantor_vertices(1)]
    [('0', '1'), ('1/3', '1/2'), ('2/3', '1/2'), ('1', '1')]
    """
    intervals = [(Fraction(0), Fraction(1))]
    for _ in range(depth):
        intervals = [piece for a, b in intervals for piece in ((a, a + (b - a) / 3), (b - (b - a) / 3, b))]
    xs = [x for interval in intervals for x in interval]
    vertices = []
    for x in xs:
        a = x
        for _ in range(depth):
            a = _cantor_step_exact(a)
        vertices.append((x, (a + 1) / 2))
    return vertices


class _Node:
    """A node of the min/max expression of the boundary: a line (leaf) or ``op(left, right)``."""

    def __init__(self, op=None, left=None, right=None, line=None):
        self.op, self.left, self.right, self.line = op, left, right, line
        self.height = 0 if line is not None else 1 + max(left.height, right.height)


def _boundary_expression(depth: int) -> _Node:
    """The boundary ``g`` as ``max`` over: the first ramp, every bottom flat, the last ramp, and for every
    top flat the cap ``min(ramp up, top, ramp down)``. Each line is a pair ``(slope, intercept)``."""
    vertices = cantor_vertices(depth)
    lines = []
    for (x1, y1), (x2, y2) in zip(vertices[:-1], vertices[1:]):
        slope = (y2 - y1) / (x2 - x1)
        lines.append(_Node(line=(slope, y1 - slope * x1)))
    # the pieces go ramp down, bottom, ramp up, top, ramp down, ..., ramp up: tops sit at i = 3 (mod 4)
    terms = [lines[0]]
    for i in range(1, len(lines) - 1):
        if i % 4 == 1:
            terms.append(lines[i])
        elif i % 4 == 3:
            terms.append(_Node("min", _Node("min", lines[i - 1], lines[i]), lines[i + 1]))
    terms.append(lines[-1])
    # a max tree of least height (Huffman on heights); lower items are carried until their parent's layer
    heap = [(node.height, order, node) for order, node in enumerate(terms)]
    heapq.heapify(heap)
    order = len(terms)
    while len(heap) > 1:
        _, _, left = heapq.heappop(heap)
        _, _, right = heapq.heappop(heap)
        node = _Node("max", left, right)
        heapq.heappush(heap, (node.height, order, node))
        order += 1
    terms = [heap[0][2]]
    return terms[0]


def cantor_dnf_layers(depth: int) -> list[nn.Module]:
    """Linear/ReLU layers computing ``N(x, y) = y - (A^k(x) + 1) / 2`` on [0, 1]^2 from the boundary's lines.

    Layer ``r`` evaluates every min/max of height ``r`` in the expression of :func:`_boundary_expression`
    with ReLUs, ``min(a, b) = relu(b) - relu(-b) - relu(b - a)`` and
    ``max(a, b) = relu(b) - relu(-b) + relu(a - b)``, and carries every value still needed later as
    ``v = relu(v) - relu(-v)``; ``y >= 0`` is carried as ``relu(y)``. Every weight is a small rational
    (slopes ``±3^k / 2``, half-integer intercepts), exact in float32 for ``k <= 8``.

    Examples
    --------
    >>> [m.out_features for m in cantor_dnf_layers(1) if isinstance(m, nn.Linear)]
    [6, 4, 1]

    References
    ----------
    Lewandowski, Eghbalzadeh and Moser, "CantorNet: A Sandbox for Testing Geometrical and Topological
    Complexity Measures" (NeurIPS workshop 2024), the disjunctive-normal-form representation.
    """
    root = _boundary_expression(depth)
    height = root.height

    # each value is an affine function of the previous layer's outputs: (coefficients dict, constant)
    def leaf(node):
        slope, intercept = node.line
        return ({0: slope}, intercept)  # input 0 is x, input 1 is y

    nodes_by_height: dict[int, list[_Node]] = {}
    stack, seen = [root], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        nodes_by_height.setdefault(node.height, []).append(node)
        if node.line is None:
            stack += [node.left, node.right]
    last_use = {}  # the height of the latest parent of each node
    for h, nodes in nodes_by_height.items():
        for node in nodes:
            if node.line is None:
                for child in (node.left, node.right):
                    last_use[id(child)] = max(last_use.get(id(child), 0), h)

    values = {id(n): leaf(n) for n in nodes_by_height.get(0, [])}
    y_value = ({1: Fraction(1)}, Fraction(0))
    n_inputs = 2
    layers: list[nn.Module] = []
    for r in range(1, height + 1):
        rows, bias = [], []  # each neuron: relu(sum_k c_k h_k + c0)

        def neuron(coeffs, const, sign=1):
            rows.append({k: sign * v for k, v in coeffs.items()})  # noqa: B023 (rows and bias of this layer)
            bias.append(sign * const)  # noqa: B023
            return len(rows) - 1  # noqa: B023

        def diff(a, b):  # the affine function a - b
            ca, ka = a
            cb, kb = b
            keys = set(ca) | set(cb)
            return ({k: ca.get(k, 0) - cb.get(k, 0) for k in keys}, ka - kb)

        new_values = {}
        for node in nodes_by_height.get(r, []):
            a, b = values[id(node.left)], values[id(node.right)]
            pos, neg = neuron(*b), neuron(*b, sign=-1)
            if node.op == "min":
                third = neuron(*diff(b, a))
                new_values[id(node)] = ({pos: Fraction(1), neg: Fraction(-1), third: Fraction(-1)}, Fraction(0))
            else:
                third = neuron(*diff(a, b))
                new_values[id(node)] = ({pos: Fraction(1), neg: Fraction(-1), third: Fraction(1)}, Fraction(0))
        for key, value in values.items():
            if last_use.get(key, 0) > r:  # still needed later: carry it
                pos, neg = neuron(*value), neuron(*value, sign=-1)
                new_values[key] = ({pos: Fraction(1), neg: Fraction(-1)}, Fraction(0))
        y_index = neuron(*y_value)
        y_value = ({y_index: Fraction(1)}, Fraction(0))
        weight = [[float(row.get(k, 0)) for k in range(n_inputs)] for row in rows]
        layers += [linear_layer(weight, [float(b) for b in bias]), nn.ReLU()]
        values, n_inputs = new_values, len(rows)
    g_coeffs, g_const = values[id(root)]
    out = [float(y_value[0].get(k, 0) - g_coeffs.get(k, 0)) for k in range(n_inputs)]
    layers.append(linear_layer([out], [float(-g_const)]))
    return layers
