"""CantorNet: ReLU nets with hand-set weights whose decision region has a Cantor-like boundary.

``N(x, y) = y - (A^k(x) + 1) / 2`` with ``A(x) = max(-3x + 1, 0, 3x - 2)``: the decision region
``{N <= 0}`` inside ``[0, 1]^2`` is ``R_k``, whose upper edge is self-similar. The same region has several
ReLU representations, which fold the input space differently; :class:`CantorNet` builds four of them:

``"recursive"``
    Two ReLU layers per recursion (representation A of the first author's repository).
``"B"``, ``"C"``
    The repository's two DNF-like representations: the boundary's lines combined by a min-tree of ReLUs.
``"foldlab_dnf"``
    foldlab's own DNF-style construction of ``N`` itself (not the repository's B or C).

References
----------
Lewandowski, Eghbalzadeh and Moser, "CantorNet: A Sandbox for Testing Geometrical and Topological Complexity
Measures" (NeurIPS workshop on Symmetry and Geometry in Neural Representations, 2024); Lewandowski et al.,
"On Space Folds of ReLU Neural Networks" (TMLR 2025), appendix on CantorNet; the first author's repository
https://github.com/michalmariuszlewandowski/CantorNet (commit 9967c61); foldlab's maths page
(docs/maths.md), section "CantorNet".
"""

from __future__ import annotations

import heapq
import warnings
from fractions import Fraction

import numpy as np
import torch
from torch import nn

from .nets import linear_layer

__all__ = [
    "CantorNet",
    "cantor_step",
    "cantor_boundary",
    "cantor_vertices",
    "cantor_min_tree_layers",
    "cantor_dnf_layers",
]


def cantor_step(x: torch.Tensor) -> torch.Tensor:
    """The tent-like map ``A(x) = max(-3x + 1, 0, 3x - 2)`` on [0, 1].

    Examples
    --------
    >>> cantor_step(torch.tensor([0.0, 1 / 6, 0.5, 1.0]))
    tensor([1.0000, 0.5000, 0.0000, 1.0000])

    References
    ----------
    Lewandowski et al., "On Space Folds of ReLU Neural Networks" (TMLR 2025), appendix on CantorNet.
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
    """CantorNet with hand-set exact weights: the decision region ``{N <= 0}`` in ``[0, 1]^2`` is ``R_k``.

    ``R_k = {(x, y) in [0, 1]^2 : y <= (A^k(x) + 1) / 2}`` with ``A(x) = max(-3x + 1, 0, 3x - 2)``. Four
    representations realise it with different weights, so the same region folds differently:

    ``"recursive"`` (default), the recursion-based net of the TMLR paper's appendix and the CantorNet
    paper (representation A of the first author's repository, see References): two ReLU layers per
    recursion, ``N(x, y) = y - (A^k(x) + 1) / 2``::

        layer a: W = [[3, 0], [-3, 0], [0, 1]], b = [-2, 1, 0]     ReLU -> (3x-2)+, (1-3x)+, y+
        layer b: W = [[1, 1, 0], [0, 0, 1]],    b = [0, 0]         ReLU -> (A(x), y)
        output:  W = [[-1/2, 1]],               b = [-1/2]

    ``"B"`` and ``"C"``, the repository's DNF-like representations B and C (see
    :func:`cantor_min_tree_layers`): the first layer holds ``relu(h)`` of the first, the first bottom and
    the last boundary line and ``relu(max of three lines)`` of every dent under a top flat; a min-tree of
    ReLUs takes their minimum, with ``min(a, b) = relu(b) - relu(-b) - relu(b - a)`` (B) or
    ``(relu(a + b) - relu(-a - b) - relu(b - a) - relu(a - b)) / 2`` (C). The output is 0 on ``R_k`` and
    positive above it: the same decision region as ``N``, not the same function values (``2 * 3^k`` times
    the repository's output). Two helper layers before the repository's layers build the dents' maxima
    from ReLUs (``depth >= 2``); :attr:`repository_layers` names the layers whose bits the repository counts.

    ``"B"`` and ``"C"`` are float64 nets (their min-trees cancel equal terms; see
    :func:`cantor_min_tree_layers`), and convert a float32 input; the other two are float32.

    ``"foldlab_dnf"``, foldlab's own DNF-style construction of ``N`` itself (see :func:`cantor_dnf_layers`):
    the same function values as ``"recursive"``, with other weights; not the repository's B or C.
    ``"dnf"`` is its old name and still works, with a DeprecationWarning, until the next release.

    Parameters
    ----------
    depth : int
        Number of recursions ``k``, 1 to 8.
    representation : {"recursive", "B", "C", "foldlab_dnf"}
        Which weights realise the region.

    Attributes
    ----------
    depth : int
    representation : str
        One of :attr:`REPRESENTATIONS` (``"dnf"`` is stored as ``"foldlab_dnf"``).
    repository_layers : tuple of int
        The 0-based hidden layers that are the units of the representation's source: every layer, except
        the two helper layers of ``"B"`` and ``"C"`` (``depth >= 2``). Pass it as ``layers=`` to
        :func:`foldlab.walk` to count the bits the repository counts.

    Examples
    --------
    >>> net = CantorNet(depth=1)
    >>> net(torch.tensor([[0.5, 0.5], [0.0, 0.25]])).squeeze(1)
    tensor([ 0.0000, -0.7500])
    >>> CantorNet(depth=1, representation="foldlab_dnf")(torch.tensor([[0.5, 0.5], [0.0, 0.25]])).squeeze(1)
    tensor([ 0.0000, -0.7500])
    >>> CantorNet(depth=1, representation="B")(torch.tensor([[0.5, 0.25], [0.5, 0.75]])).squeeze(1)
    tensor([0.0000, 0.5000], dtype=torch.float64)
    >>> b = CantorNet(depth=3, representation="B")
    >>> b.repository_layers, [m.out_features for m in b if isinstance(m, nn.Linear)]
    ((2, 3, 4, 5), [7, 7, 6, 9, 5, 3, 1])

    References
    ----------
    Lewandowski et al., "On Space Folds of ReLU Neural Networks" (TMLR 2025), appendix on CantorNet;
    Lewandowski, Eghbalzadeh and Moser, "CantorNet: A Sandbox for Testing Geometrical and Topological
    Complexity Measures" (NeurIPS workshop 2024); representations A, B and C as built in the first
    author's repository https://github.com/michalmariuszlewandowski/CantorNet (commit 9967c61,
    ``cantornet.py``); foldlab's maths page (docs/maths.md), section "CantorNet".
    """

    REPRESENTATIONS = ("recursive", "B", "C", "foldlab_dnf")
    #: Old names that still work for one release, with a DeprecationWarning naming the new one.
    RENAMED = {"dnf": "foldlab_dnf"}

    def __init__(self, depth: int = 1, representation: str = "recursive") -> None:
        if isinstance(depth, (bool, np.bool_)) or not isinstance(depth, (int, np.integer)) or not 1 <= depth <= 8:
            raise ValueError(f"depth must be an int from 1 to 8, got {depth!r}")
        depth = int(depth)
        if isinstance(representation, str) and representation in self.RENAMED:
            new = self.RENAMED[representation]
            warnings.warn(
                f"CantorNet(representation={representation!r}) is now representation={new!r} (foldlab's own "
                f"DNF-style construction, not the repository's B or C); {representation!r} will be removed "
                f"in the next release",
                DeprecationWarning,
                stacklevel=2,
            )
            representation = new
        if not isinstance(representation, str) or representation not in self.REPRESENTATIONS:
            raise ValueError(
                f"representation must be one of {self.REPRESENTATIONS}, got {representation!r}"
            )
        if representation == "recursive":
            layers = _recursive_layers(depth)
        elif representation == "foldlab_dnf":
            layers = cantor_dnf_layers(depth)
        else:
            layers = cantor_min_tree_layers(depth, representation)
        super().__init__(*layers)
        self.depth = depth
        self.representation = representation
        n_hidden = sum(isinstance(m, nn.ReLU) for m in layers)
        helpers = _N_HELPER_LAYERS if representation in ("B", "C") and depth >= 2 else 0
        self.repository_layers = tuple(range(helpers, n_hidden))
        self.requires_grad_(False)
        self.eval()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # "B" and "C" are float64 nets (see cantor_min_tree_layers); a float32 input is converted, losslessly
        if x.dtype == torch.float32 and self[0].weight.dtype == torch.float64:
            x = x.to(torch.float64)
        return super().forward(x)

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


def _exact_layer(weight, bias) -> nn.Linear:
    """A float64 ``nn.Linear`` from exact rationals (lists of Fractions, or a float array of small halves),
    refusing any weight that float32 would round: the net is the same whatever dtype it is cast to."""
    w = np.array([[float(v) for v in row] for row in weight]) if isinstance(weight, list) else np.asarray(weight)
    b = np.array([float(v) for v in bias])
    exact = all(Fraction(float(v)) == v for row in weight for v in row) if isinstance(weight, list) else True
    exact = exact and all(Fraction(float(v)) == v for v in bias)
    if not (exact and np.array_equal(w.astype(np.float32), w) and np.array_equal(b.astype(np.float32), b)):
        raise AssertionError("a CantorNet weight is not exact in float32")  # a construction error, not a user's
    return linear_layer(w.tolist(), b.tolist()).double()


# --- representations B and C of the first author's repository ---------------------------------------

#: Hidden layers before the repository's first layer in "B" and "C" (depth >= 2): they build the dents.
_N_HELPER_LAYERS = 2

#: ``min(a, b)`` by ReLUs, as ``(A, S)``: ``min(a, b) = S relu(A [a, b])`` (the repository's ``DNFWeightBuilder``).
_MIN_BY_RELUS = {
    # min(a, b) = b - relu(b - a) = relu(b) - relu(-b) - relu(b - a)
    "B": ([[0, 1], [0, -1], [-1, 1]], [1, -1, -1]),
    # min(a, b) = (a + b - |a - b|) / 2 = (relu(a + b) - relu(-a - b) - relu(b - a) - relu(a - b)) / 2
    "C": ([[1, 1], [-1, -1], [-1, 1], [1, -1]], [Fraction(1, 2), Fraction(-1, 2), Fraction(-1, 2), Fraction(-1, 2)]),
}


def _repository_lines(depth: int) -> list[tuple[Fraction, Fraction, Fraction]]:
    """The boundary's lines ``h(x, y) = a x + b y + c`` through consecutive vertices, as the repository writes
    them (``a = y1 - y2``, ``b = x2 - x1``, ``c = x1 y2 - x2 y1``: ``h > 0`` above the line), times ``2 * 3^k``,
    which makes every coefficient an integer and changes no sign."""
    scale = 2 * 3**depth
    vertices = cantor_vertices(depth)
    return [(scale * (y1 - y2), scale * (x2 - x1), scale * (x1 * y2 - x2 * y1))
            for (x1, y1), (x2, y2) in zip(vertices[:-1], vertices[1:])]


def _min_stage(n: int, representation: str) -> tuple[np.ndarray, np.ndarray]:
    """One reduction of the min-tree on ``n`` values: ``(W, S)`` with ``S relu(W v)`` the ``ceil(n / 2)``
    minima of consecutive pairs; an odd last value is carried as ``relu(v) - relu(-v)`` (the CantorNet
    ESANN 2023 supplement's ``A''`` and ``S''``). Entries are 0, +-1 or +-1/2, exact in floats."""
    pair_rows, pair_signs = _MIN_BY_RELUS[representation]
    block, signs = np.array(pair_rows, dtype=float), np.array([float(s) for s in pair_signs])[None, :]
    n_pairs = n // 2
    W = np.kron(np.eye(n_pairs), block)
    S = np.kron(np.eye(n_pairs), signs)
    if n % 2:
        W = np.block([[W, np.zeros((len(W), 1))], [np.zeros((2, 2 * n_pairs)), np.array([[1.0], [-1.0]])]])
        S = np.block([[S, np.zeros((n_pairs, 2))], [np.zeros((1, S.shape[1])), np.array([[1.0, -1.0]])]])
    return W, S


def cantor_min_tree_layers(depth: int, representation: str = "B") -> list[nn.Module]:
    """Linear/ReLU layers of the repository's CantorNet representation B or C.

    Built as the first author's repository builds them (``boundary_hyperplane_coefficients`` and
    ``dnf_representation_weights`` in ``cantornet.py``), re-derived here from the paper's description:

    1. The ``2^(k+1) - 1`` lines ``h_0, ..., h_{n-1}`` through consecutive boundary vertices, in general form
       ``a x + b y + c`` with ``a = y1 - y2``, ``b = x2 - x1``, ``c = x1 y2 - x2 y1`` (positive above).
    2. The first layer: for ``k = 1`` ``relu(h_0), relu(h_1), relu(h_2)``; for ``k >= 2``
       ``relu(h_0), relu(h_1), relu(h_{n-1})`` and, for ``j = 1 .. 2^(k-1) - 1``, the dent under the j-th
       top flat ``relu(D_j)``, ``D_j = max(h_{4j-2}, h_{4j-1}, h_{4j})`` (ramp up, top, ramp down). Above
       the boundary every one of them is positive; on ``R_k`` at least one is 0.
    3. A min-tree over those values: each stage pairs consecutive values, ``(v_0, v_1), (v_2, v_3), ...``,
       and takes ``min`` of each pair by ReLUs, ``relu(b) - relu(-b) - relu(b - a)`` for B (3 units a pair)
       or ``(relu(a + b) - relu(-a - b) - relu(b - a) - relu(a - b)) / 2`` for C (4 units a pair); an odd
       last value is carried by ``relu(v)`` and ``relu(-v)``. The stage's signs ``S`` are folded into the
       next stage's weights (``W_i S_{i-1}``), and the last ``S`` is the output layer, without bias.

    The output is ``min`` of the first layer's values: 0 on ``R_k`` and positive above the boundary.

    Two choices are foldlab's, where the repository's code is not a chain of Linear and ReLU layers:

    - The repository evaluates each dent's ``max`` directly (``np.max``) before its first ReLU. Here two
      helper layers build it from ReLUs, ``max(r, t, d) = t + relu(d + relu(r - d) - t)``: the first holds
      ``relu(+-x), relu(+-y)`` and ``relu(h_r - h_d)`` per dent (``h_r - h_d`` depends on ``x`` only: the
      two ramps have the same run ``3^-k``), the second ``relu(+-x), relu(+-y)`` and
      ``relu(h_d + relu(h_r - h_d) - h_t)``. Their bits are not the repository's; the repository's layers
      follow them (``CantorNet.repository_layers``). ``depth = 1`` has no dents and no helper layers.
    - Every line is multiplied by ``2 * 3^k``, which makes every weight an integer or a half (exact in
      float32 for ``k <= 8``; the repository keeps exact fractions such as 1/3). The factor is positive and
      the min-tree has no biases, so every pre-activation keeps its sign: the bits and regions are the
      repository's, and the output is ``2 * 3^k`` times the repository's.
    - The layers are float64. A min-tree cancels equal terms (``min(0, b) = b - b``), and in float32 the
      cancellation leaves rounding noise of about ``1e-7`` where the exact value is 0, which would flip
      the output bit inside ``R_k`` and fail foldlab's check of a net against its float64 reading.

    The repository does not apply a ReLU to the output in the network, but its pattern includes a bit of
    ``relu(output)``; foldlab's output bit ``[N > 0]`` (``include_output=True``) is the same bit.

    Parameters
    ----------
    depth : int
        Number of recursions ``k``.
    representation : {"B", "C"}

    Returns
    -------
    list of nn.Module
        Linear (float64) and ReLU modules; hidden widths of the repository's layers ``(6, 9, 5, 3)`` for B and
        ``(6, 12, 6, 4)`` for C at ``k = 3``, after the helper layers ``(7, 7)``.

    Examples
    --------
    >>> [m.out_features for m in cantor_min_tree_layers(1, "B") if isinstance(m, nn.Linear)]
    [3, 5, 3, 1]
    >>> [m.out_features for m in cantor_min_tree_layers(3, "C") if isinstance(m, nn.Linear)]
    [7, 7, 6, 12, 6, 4, 1]

    References
    ----------
    Lewandowski, Eghbalzadeh and Moser, "CantorNet: A Sandbox for Testing Geometrical and Topological
    Complexity Measures" (NeurIPS workshop 2024), the DNF-like representations; Lewandowski and Moser,
    "CantorNet: ReLU Networks as a Sandbox for Studying Topological Properties via the Activation Space"
    (ESANN 2023), supplementary material, section A (min of ``n`` values by ReLUs, the matrices ``A'``,
    ``S'``, ``A''``, ``S''``); https://github.com/michalmariuszlewandowski/CantorNet (commit 9967c61).
    """
    if representation not in _MIN_BY_RELUS:
        raise ValueError(f"representation must be one of {tuple(_MIN_BY_RELUS)}, got {representation!r}")
    lines = _repository_lines(depth)
    n = len(lines)
    zero, one = Fraction(0), Fraction(1)
    layers: list[nn.Module] = []

    if depth == 1:
        first_rows = [[a, b] for a, b, _ in lines]
        first_bias = [c for _, _, c in lines]
    else:
        plain = [lines[0], lines[1], lines[n - 1]]
        dents = [(lines[4 * j - 2], lines[4 * j - 1], lines[4 * j]) for j in range(1, n // 4 + 1)]
        # helper layer 1, from (x, y): relu(+-x), relu(+-y), then relu(h_r - h_d) per dent
        carry = [[one, zero], [-one, zero], [zero, one], [zero, -one]]
        rows = carry + [[r[0] - d[0], r[1] - d[1]] for r, _, d in dents]
        bias = [zero] * 4 + [r[2] - d[2] for r, _, d in dents]
        layers += [_exact_layer(rows, bias), nn.ReLU()]

        def through_carry(a, b):  # a x + b y from relu(x), relu(-x), relu(y), relu(-y)
            return [a, -a, b, -b]

        # helper layer 2: relu(+-x), relu(+-y), then relu(h_d + relu(h_r - h_d) - h_t) per dent
        m = len(dents)
        rows, bias = [], []
        for a, b in ((one, zero), (-one, zero), (zero, one), (zero, -one)):
            rows.append(through_carry(a, b) + [zero] * m)
            bias.append(zero)
        for j, (_, t, d) in enumerate(dents):
            rows.append(through_carry(d[0] - t[0], d[1] - t[1]) + [one if i == j else zero for i in range(m)])
            bias.append(d[2] - t[2])
        layers += [_exact_layer(rows, bias), nn.ReLU()]
        # the repository's first layer: relu(h) of the plain lines, relu(D_j) = relu(h_t + that) per dent
        first_rows = [through_carry(a, b) + [zero] * m for a, b, _ in plain]
        first_bias = [c for _, _, c in plain]
        for j, (_, t, _) in enumerate(dents):
            first_rows.append(through_carry(t[0], t[1]) + [one if i == j else zero for i in range(m)])
            first_bias.append(t[2])
    layers += [_exact_layer(first_rows, first_bias), nn.ReLU()]

    width, signs = len(first_rows), None
    while width > 1:
        W, S = _min_stage(width, representation)
        rows = W if signs is None else W @ signs  # at most two products of halves per entry: exact
        layers += [_exact_layer(rows, [zero] * len(rows)), nn.ReLU()]
        width, signs = len(S), S
    layers.append(_exact_layer(signs, [zero]))
    return layers


# --- foldlab's own DNF-style construction ------------------------------------------------------------

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
    """foldlab's own DNF-style construction: Linear/ReLU layers computing ``N(x, y) = y - (A^k(x) + 1) / 2``
    on [0, 1]^2 from the boundary's lines (``CantorNet(representation="foldlab_dnf")``).

    The boundary is written as ``g = max`` over the first ramp, every bottom flat, the last ramp and, for
    every top flat, the cap ``min(ramp up, top, ramp down)``, each line as the function ``slope x +
    intercept`` of ``x`` (see :func:`_boundary_expression`); the output is ``y - g(x)``, the function of
    the recursive net itself. Layer ``r`` evaluates every min/max of height ``r`` in that expression with
    ReLUs, ``min(a, b) = relu(b) - relu(-b) - relu(b - a)`` and ``max(a, b) = relu(b) - relu(-b) +
    relu(a - b)``, and carries every value still needed later as ``v = relu(v) - relu(-v)``; ``y >= 0`` is
    carried as ``relu(y)``. Every weight is a small rational (slopes ``+-3^k / 2``, half-integer
    intercepts), exact in float32 for ``k <= 8``.

    It follows the idea of the CantorNet paper's disjunctive-normal-form representations, but it is not the
    repository's representation B or C (:func:`cantor_min_tree_layers`): those take the minimum of the
    ReLUs of the lines in general form (the region above the boundary as an intersection), keep only the
    first bottom flat, and are not ``N`` itself. Hidden widths at ``k = 3``: ``(25, 15, 9, 6, 4)``, 59 units,
    against B's 23 and C's 28.

    Examples
    --------
    >>> [m.out_features for m in cantor_dnf_layers(1) if isinstance(m, nn.Linear)]
    [6, 4, 1]

    References
    ----------
    foldlab's own construction, after the disjunctive-normal-form idea of Lewandowski, Eghbalzadeh and
    Moser, "CantorNet: A Sandbox for Testing Geometrical and Topological Complexity Measures" (NeurIPS
    workshop 2024).
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
