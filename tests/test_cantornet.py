"""CantorNet: the four representations, their exact functions and decision regions, and the published numbers.

The representations B and C are checked against an oracle written here from the mathematics of the first
author's repository (https://github.com/michalmariuszlewandowski/CantorNet, commit 9967c61): the boundary's
lines in general form, the first layer's terms (three lines and the dents' maxima) and the two ``min``
identities, evaluated in exact rationals. It shares nothing with foldlab's construction of the weights. The
11-point curves follow the procedure of the ESANN 2023 code (https://github.com/michalmariuszlewandowski/ESANN23,
``measure_range``): 11 points ``(1 - w) x1 + w x2`` with ``w = 0, 0.1, ..., 1`` computed in floats, the
pattern of every point with the output bit, ``r1`` the running maximum of the distance from the first
pattern, ``r2`` the running sum of the steps.
"""

from __future__ import annotations

import warnings
import weakref
from fractions import Fraction

import numpy as np
import pytest
import torch
from torch import nn

import foldlab as fl
from foldlab.cantornet import cantor_boundary, cantor_dnf_layers, cantor_min_tree_layers, cantor_vertices

REPRESENTATIONS = ("recursive", "B", "C", "foldlab_dnf")


# --- oracles -------------------------------------------------------------------------------------------------

def relu(v: Fraction) -> Fraction:
    return v if v > 0 else Fraction(0)


def repository_terms(depth: int):
    """The lines ``a x + b y + c`` through consecutive vertices as the repository writes them
    (``a = y1 - y2``, ``b = x2 - x1``, ``c = x1 y2 - x2 y1``) and the first layer's terms, each a tuple of
    line indices whose maximum the unit takes: every line for k = 1; else the first line, the first bottom
    flat, the last line, and ``(4j-2, 4j-1, 4j)`` for each top flat."""
    v = cantor_vertices(depth)
    lines = [(y1 - y2, x2 - x1, x1 * y2 - x2 * y1) for (x1, y1), (x2, y2) in zip(v[:-1], v[1:])]
    n = len(lines)
    if depth == 1:
        return lines, [(0,), (1,), (2,)]
    return lines, [(0,), (1,), (n - 1,)] + [(4 * j - 2, 4 * j - 1, 4 * j) for j in range(1, n // 4 + 1)]


_TERMS: dict[int, tuple] = {}


def repository_preactivations(depth: int, representation: str, x: Fraction, y: Fraction) -> list[list[Fraction]]:
    """Pre-activations of the repository's representation B or C at ``(x, y)``, exactly: the first layer,
    every stage of the min-tree (pairs ``(v0, v1), (v2, v3), ...``, an odd last value carried by
    ``relu(v), relu(-v)``), then the output ``min`` of the first layer's values."""
    if depth not in _TERMS:
        _TERMS[depth] = repository_terms(depth)
    lines, terms = _TERMS[depth]
    h = [a * x + b * y + c for a, b, c in lines]
    first = [max(h[i] for i in term) for term in terms]
    layers, values = [first], [relu(z) for z in first]
    while len(values) > 1:
        pre, mins = [], []
        for p in range(0, len(values) - 1, 2):
            a, b = values[p], values[p + 1]
            if representation == "B":  # min(a, b) = b - relu(b - a)
                pre += [b, -b, b - a]
                mins.append(relu(b) - relu(-b) - relu(b - a))
            else:  # min(a, b) = (a + b - |a - b|) / 2
                pre += [a + b, -a - b, b - a, a - b]
                mins.append((relu(a + b) - relu(-a - b) - relu(b - a) - relu(a - b)) / 2)
        if len(values) % 2:
            v = values[-1]
            pre += [v, -v]
            mins.append(relu(v) - relu(-v))
        layers.append(pre)
        values = mins
    return layers + [[values[0]]]


def recursive_preactivations(depth: int, x: Fraction, y: Fraction) -> list[list[Fraction]]:
    """Representation A (the recursive net), exactly: per recursion ``(3x-2, 1-3x, y)`` then
    ``(A(x), y)``, then the output ``y - (A^k(x) + 1) / 2``."""
    layers = []
    for _ in range(depth):
        a = [3 * x - 2, 1 - 3 * x, y]
        b = [relu(a[0]) + relu(a[1]), relu(a[2])]
        layers += [a, b]
        x, y = relu(b[0]), relu(b[1])
    return layers + [[y - x / 2 - Fraction(1, 2)]]


def bits(preactivations: list[list[Fraction]], include_output: bool = True) -> tuple[bool, ...]:
    chosen = preactivations if include_output else preactivations[:-1]
    return tuple(z > 0 for layer in chosen for z in layer)


_SPARSE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # net -> its nonzero weights as Fractions


def exact_forward(net: nn.Module, x, y) -> list[list[Fraction]]:
    """Pre-activations of every Linear layer of ``net`` (the last one is the output) in exact rationals,
    from the module's own weights: no float rounding, no foldlab snapshot."""
    if net not in _SPARSE:  # the nonzero weights of each row, as Fractions (exact copies of the floats)
        _SPARSE[net] = [
            None if not isinstance(m, nn.Linear) else [
                ([(j, Fraction(w)) for j, w in enumerate(row) if w != 0], Fraction(b))
                for row, b in zip(m.weight.double().tolist(), m.bias.double().tolist())
            ]
            for m in net
        ]
    h, out = [Fraction(x), Fraction(y)], []
    for module, rows in zip(net, _SPARSE[net]):
        if isinstance(module, nn.Linear):
            h = [sum((w * h[j] for j, w in row), b) for row, b in rows]
            out.append(h)
        elif isinstance(module, nn.ReLU):
            h = [relu(v) for v in h]
        else:
            raise AssertionError(type(module))
    return out


def oracle_walk(depth: int, representation: str, height: Fraction, include_output: bool = True):
    """The exact regions of the repository's units along ``(0, h) -> (1, h)``: ``[(start, bits), ...]``.

    Breakpoints grow layer by layer: the first layer is piecewise linear in ``x`` with kinks where a dent's
    maximum switches; each later layer is affine between the zeros found in the layers before it, so its
    own zeros come from sign changes between consecutive breakpoints, by exact interpolation.
    """
    y = Fraction(height)
    lines, terms = repository_terms(depth)
    xs = {Fraction(0), Fraction(1)}
    for term in terms:
        for i in term:
            for j in term:
                (a1, b1, c1), (a2, b2, c2) = lines[i], lines[j]
                if a1 != a2:
                    x = -((b1 - b2) * y + c1 - c2) / (a1 - a2)
                    if 0 < x < 1:
                        xs.add(x)
    cache: dict[Fraction, list] = {}

    def pre(x):
        if x not in cache:
            cache[x] = repository_preactivations(depth, representation, x, y)
        return cache[x]

    n_layers = len(pre(Fraction(0)))
    for layer in range(n_layers if include_output else n_layers - 1):
        points = sorted(xs)
        for x0, x1 in zip(points[:-1], points[1:]):
            for z0, z1 in zip(pre(x0)[layer], pre(x1)[layer]):
                if (z0 < 0 < z1) or (z1 < 0 < z0):
                    xs.add(x0 + (x1 - x0) * z0 / (z0 - z1))
    points = sorted(xs)
    regions: list[tuple[Fraction, tuple]] = []
    for x0, x1 in zip(points[:-1], points[1:]):
        b = bits(pre((x0 + x1) / 2), include_output)
        if not regions or regions[-1][1] != b:
            regions.append((x0, b))
    return regions


def eleven_points(x1, x2) -> list[tuple[Fraction, Fraction]]:
    """The ESANN 2023 code's sample points: ``(1 - w) x1 + w x2``, ``w = arange(0, 11) / 10``, in floats."""
    w = np.arange(0, 11, 1) / 10
    a, b = np.asarray(x1, dtype=float), np.asarray(x2, dtype=float)
    p = np.expand_dims(1 - w, axis=1) * a + np.expand_dims(w, axis=1) * b
    return [(Fraction(float(a)), Fraction(float(b))) for a, b in p]


def running_chi(patterns) -> list[Fraction]:
    """chi after steps 1..n-1 of a sampled path: ``1 - max_{j<=i} d(p_0, p_j) / sum_{j<=i} d(p_{j-1}, p_j)``
    (0 while nothing changed)."""
    def d(p, q):
        return sum(a != b for a, b in zip(p, q))

    out, r1, r2 = [], 0, 0
    for i in range(1, len(patterns)):
        r1, r2 = max(r1, d(patterns[0], patterns[i])), r2 + d(patterns[i - 1], patterns[i])
        out.append(Fraction(0) if r2 == 0 else 1 - Fraction(r1, r2))
    return out


def exact_chi(walk) -> Fraction:
    return Fraction(0) if walk.r2 == 0 else 1 - Fraction(walk.r1, walk.r2)


# --- the recursive net and foldlab's own DNF-style net ---------------------------------------------------------

@pytest.mark.parametrize("depth", range(1, 9))
def test_cantornet_computes_its_formula(depth):
    net = fl.CantorNet(depth=depth)
    g = torch.Generator().manual_seed(depth)
    xy = torch.rand(2000, 2, generator=g, dtype=torch.float64)
    expected = xy[:, 1] - cantor_boundary(xy[:, 0], depth)
    torch.testing.assert_close(net.double()(xy).squeeze(1), expected)
    assert len(fl.read_net(net).layers) == 2 * depth


def test_cantornet_bad_arguments():
    with pytest.raises(ValueError, match="depth must be an int from 1 to 8"):
        fl.CantorNet(depth=9)
    for depth in (True, 2.0, "2", 0):
        with pytest.raises(ValueError, match=f"depth must be an int from 1 to 8, got {depth!r}"):
            fl.CantorNet(depth=depth)
    for representation in ("nope", "A", "b", None):
        with pytest.raises(ValueError, match="representation must be one of .'recursive', 'B', 'C', 'foldlab_dnf'."):
            fl.CantorNet(depth=1, representation=representation)
    with pytest.raises(ValueError, match="representation must be one of .'B', 'C'., got 'recursive'"):
        cantor_min_tree_layers(2, "recursive")


def test_dnf_is_now_foldlab_dnf_with_a_warning():
    with pytest.warns(DeprecationWarning, match="representation='foldlab_dnf'"):
        old = fl.CantorNet(depth=2, representation="dnf")
    assert old.representation == "foldlab_dnf" and "foldlab_dnf" in repr(old)
    new = fl.CantorNet(depth=2, representation="foldlab_dnf")
    assert all(torch.equal(p, q) for p, q in zip(old.state_dict().values(), new.state_dict().values()))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the new names warn about nothing
        for representation in REPRESENTATIONS:
            fl.CantorNet(depth=2, representation=representation)


@pytest.mark.parametrize("depth", range(1, 9))
def test_foldlab_dnf_computes_the_same_function(depth):
    recursive = fl.CantorNet(depth=depth).double()
    dnf = fl.CantorNet(depth=depth, representation="foldlab_dnf").double()
    g = torch.Generator().manual_seed(100 + depth)
    xy = torch.rand(5000, 2, generator=g, dtype=torch.float64)
    # plus points on the boundary's vertices and on the grid lines of the Cantor construction
    xs = torch.tensor([float(x) for x, _ in cantor_vertices(depth)], dtype=torch.float64)
    xy = torch.cat([xy, torch.stack([xs, torch.rand(len(xs), generator=g, dtype=torch.float64)], 1)])
    torch.testing.assert_close(dnf(xy), recursive(xy), atol=1e-12 * 3**depth, rtol=0)
    spec = fl.read_net(dnf)
    assert set(spec.kinds) == {"relu"} and spec.piecewise_linear
    assert [m.out_features for m in dnf if isinstance(m, nn.Linear)] == [
        m.out_features for m in cantor_dnf_layers(depth) if isinstance(m, nn.Linear)
    ]


@pytest.mark.parametrize("depth", range(1, 9))
def test_cantor_vertices_lie_on_the_boundary(depth):
    vertices = cantor_vertices(depth)
    assert len(vertices) == 2 ** (depth + 1)  # so 2^(k+1) - 1 lines between consecutive vertices
    xs = torch.tensor([float(x) for x, _ in vertices], dtype=torch.float64)
    ys = torch.tensor([float(y) for _, y in vertices], dtype=torch.float64)
    torch.testing.assert_close(cantor_boundary(xs, depth), ys)
    assert xs[0] == 0 and xs[-1] == 1 and bool((xs[1:] > xs[:-1]).all())


def test_tmlr_example_first_layer_bits_and_all_layers():
    """TMLR paper, appendix on CantorNet (Fig. 5): the segment (0, 1/4) -> (1, 1/4) at k = 1 crosses the three
    regions under the boundary; chi = 0 with the first layer's bits, 1/2 with all layers."""
    net = fl.CantorNet(depth=1)
    a, b = [0.0, 0.25], [1.0, 0.25]
    first, every = fl.walk(net, a, b, layers=[0]), fl.walk(net, a, b)
    assert len(every) == 3 and first.chi == 0.0 and every.chi == 0.5
    assert (every.r1, every.r2) == (2, 4)


def test_foldlab_dnf_and_recursive_fold_differently():
    """Same function, same decision region, different weights: the walk along y = 1/4 folds with the
    recursive weights (chi = 1/2 for k = 1) and not at all with foldlab's DNF-style weights, whose hidden
    units are functions of x only and whose lines each bound one piece of the region."""
    a, b = torch.tensor([0.0, 0.25]), torch.tensor([1.0, 0.25])
    recursive = fl.walk(fl.CantorNet(depth=1), a, b)
    dnf = fl.walk(fl.CantorNet(depth=1, representation="foldlab_dnf"), a, b)
    np.testing.assert_allclose(dnf.ts, recursive.ts, atol=1e-15)  # the same three regions
    assert recursive.chi == 0.5 and dnf.chi == 0.0
    deeper = [fl.walk(fl.CantorNet(depth=2, representation=r), a, b).chi for r in ("recursive", "foldlab_dnf")]
    assert deeper[0] == pytest.approx(2 / 3) and deeper[1] == pytest.approx(2 / 13)


# --- the repository's representations B and C -------------------------------------------------------------

@pytest.mark.parametrize("representation", ["B", "C"])
@pytest.mark.parametrize("depth", range(1, 9))
def test_min_tree_output_is_the_repositorys_minimum(depth, representation):
    """On dense points of [0, 1]^2 the net is ``2 * 3^k`` times the repository's output, the minimum over the
    first layer's terms of ``relu(max of their lines)`` (evaluated here in float64 from the vertices)."""
    net = fl.CantorNet(depth, representation)
    g = torch.Generator().manual_seed(depth)
    xy = torch.rand(3000, 2, generator=g, dtype=torch.float64)
    lines, terms = repository_terms(depth)
    a, b, c = (np.array([float(line[i]) for line in lines]) for i in range(3))
    h = np.outer(xy[:, 0].numpy(), a) + np.outer(xy[:, 1].numpy(), b) + c
    expected = np.stack([h[:, list(term)].max(1) for term in terms], 1).clip(min=0).min(1) * 2 * 3**depth
    np.testing.assert_allclose(net(xy).squeeze(1).numpy(), expected, rtol=1e-12, atol=1e-12 * 3**depth)
    assert net(xy.float()).dtype == torch.float64  # float32 inputs are taken, losslessly
    spec = fl.read_net(net)
    assert set(spec.kinds) == {"relu"} and spec.piecewise_linear


@pytest.mark.parametrize("representation", ["B", "C"])
@pytest.mark.parametrize("depth", range(1, 9))
def test_min_tree_decision_region_is_R_k(depth, representation):
    """B and C are 0 on R_k and positive above it: their decision region ``{N <= 0}`` is the recursive
    net's, on dense points and on the grid lines of the Cantor construction."""
    net = fl.CantorNet(depth, representation)
    recursive = fl.CantorNet(depth).double()
    g = torch.Generator().manual_seed(50 + depth)
    xy = torch.rand(5000, 2, generator=g, dtype=torch.float64)
    xs = torch.tensor([float(x) for x, _ in cantor_vertices(depth)], dtype=torch.float64)
    xy = torch.cat([xy, torch.stack([xs, torch.rand(len(xs), generator=g, dtype=torch.float64)], 1)])
    gap = xy[:, 1] - cantor_boundary(xy[:, 0], depth)
    xy, gap = xy[gap.abs() > 1e-9], gap[gap.abs() > 1e-9]
    out, n = net(xy).squeeze(1), recursive(xy).squeeze(1)
    assert torch.equal(out > 1e-9, gap > 0) and torch.equal(n > 0, gap > 0)
    assert bool((out[gap < 0].abs() < 1e-9).all())  # exactly 0 up to rounding below the boundary


@pytest.mark.parametrize("depth", range(1, 6))
@pytest.mark.parametrize("representation", REPRESENTATIONS)
def test_decision_boundary_vertices_exactly(depth, representation):
    """In exact rationals, from the module's own weights: every vertex of ``cantor_vertices(k)`` and every
    point between two consecutive ones lies on the decision boundary, N = 0 there and N > 0 just above; B and
    C are ``2 * 3^k`` times the repository's output and 0 just below, the other two are ``y - (A^k(x) + 1) / 2``."""
    net = fl.CantorNet(depth, representation)
    eps = Fraction(1, 3 ** (depth + 3))
    vertices = cantor_vertices(depth)
    midpoints = [((x1 + x2) / 2, (y1 + y2) / 2) for (x1, y1), (x2, y2) in zip(vertices[:-1], vertices[1:])]
    for x, y in vertices + midpoints:
        assert exact_forward(net, x, y)[-1] == [0], (x, y)
        assert exact_forward(net, x, y + eps)[-1][0] > 0
        below = exact_forward(net, x, y - eps)[-1][0]
        if representation in ("B", "C"):
            assert below == 0
            expected = repository_preactivations(depth, representation, x, y + eps)[-1][0] * 2 * 3**depth
            assert exact_forward(net, x, y + eps)[-1][0] == expected
        else:
            assert below == -eps


@pytest.mark.parametrize("representation", ["B", "C"])
@pytest.mark.parametrize("depth", range(1, 5))
def test_min_tree_bits_are_the_repositorys(depth, representation):
    """The layers in ``repository_layers`` have the repository's units: in exact rationals, their
    pre-activations are ``2 * 3^k`` times the oracle's (same signs, same bits), at random rational points,
    the vertices, and points where a dent's maximum switches; the helper layers come first."""
    net = fl.CantorNet(depth, representation)
    linear = [m for m in net if isinstance(m, nn.Linear)]
    helpers = 0 if depth == 1 else 2
    assert net.repository_layers == tuple(range(helpers, len(linear) - 1))
    rng = np.random.default_rng(depth)
    points = [(Fraction(int(a), 997), Fraction(int(b), 991)) for a, b in rng.integers(0, 997, size=(60, 2))]
    points += cantor_vertices(depth) + [(Fraction(1, 2), Fraction(3, 4)), (Fraction(1, 2), Fraction(1))]
    scale = 2 * 3**depth
    for x, y in points:
        ours = exact_forward(net, x, y)[helpers:]
        theirs = repository_preactivations(depth, representation, x, y)
        assert ours == [[scale * z for z in layer] for layer in theirs], (x, y)


@pytest.mark.parametrize("representation, widths, helpers", [
    ("B", (6, 9, 5, 3), (7, 7)),
    ("C", (6, 12, 6, 4), (7, 7)),
])
def test_hidden_widths_as_the_repository_has_them(representation, widths, helpers):
    """k = 3: the repository's hidden layers have 23 units (B) and 28 (C), foldlab's own DNF-style net 59;
    B and C have two helper layers before them, which build the dents' maxima."""
    net = fl.CantorNet(3, representation)
    all_widths = fl.read_net(net).widths
    assert tuple(all_widths[i] for i in net.repository_layers) == widths
    assert sum(widths) == {"B": 23, "C": 28}[representation]
    assert all_widths == helpers + widths
    assert sum(fl.read_net(fl.CantorNet(3, "foldlab_dnf")).widths) == 59


@pytest.mark.parametrize("depth", range(1, 9))
def test_min_tree_widths_follow_the_pairing(depth):
    """Widths for every depth from the construction's counting: ``2^(k-1) + 2`` first-layer terms (3 for
    k = 1), then per stage 3 (B) or 4 (C) units a pair plus 2 for an odd last value, halving (rounded up)."""
    for representation, per_pair in (("B", 3), ("C", 4)):
        net = fl.CantorNet(depth, representation)
        widths = fl.read_net(net).widths
        n = 3 if depth == 1 else 2 ** (depth - 1) + 2
        expected = [n]
        while n > 1:
            expected.append(per_pair * (n // 2) + 2 * (n % 2))
            n = (n + 1) // 2
        assert [widths[i] for i in net.repository_layers] == expected
        if depth >= 2:
            m = 2 ** (depth - 1) - 1  # dents
            assert widths[:2] == (4 + m, 4 + m)


# --- the published numbers ---------------------------------------------------------------------------------------

#: chi after the last of the 11 points along (0, 3/4) -> (1, 3/4), output bit included, for k = 1..5, as
#: printed (ESANN 2023 code, CantorNet space foldings; reproduced by the first author's code to these digits).
PUBLISHED_CURVE_ENDS = {
    "B": (0.25, 0.6667, 0.7429, 0.7381, 0.6415),
    "C": (0.2222, 0.5556, 0.6562, 0.6190, 0.4231),
}


@pytest.mark.parametrize("representation", ["recursive", "B", "C"])
def test_eleven_point_curves(representation):
    """The ESANN 2023 procedure with foldlab's nets: the 11 sample points as that code computes them, the
    pattern of each point over the repository's layers and the output bit (``fl.walk`` from the point to
    itself: the pattern with foldlab's rounding tolerance, so an exact 0 is bit 0), r1 and r2 as prefixes.
    Every step of every curve equals the exact oracle's, and B's and C's last values the printed ones."""
    x1, x2 = [0.0, 0.75], [1.0, 0.75]
    ends = []
    for depth in range(1, 6):
        net = fl.CantorNet(depth, representation)
        points = eleven_points(x1, x2)
        ours = []
        for x, y in points:
            p = torch.tensor([float(x), float(y)], dtype=torch.float64)
            at_p = fl.walk(net, p, p, layers=net.repository_layers, include_output=True)
            ours.append(tuple(at_p.patterns[0].tolist()))
        if representation == "recursive":
            theirs = [bits(recursive_preactivations(depth, x, y)) for x, y in points]
        else:
            theirs = [bits(repository_preactivations(depth, representation, x, y)) for x, y in points]
        assert ours == theirs
        curve = running_chi(ours)
        assert len(curve) == 10
        ends.append(round(float(curve[-1]), 4))
    if representation in PUBLISHED_CURVE_ENDS:
        assert tuple(ends) == PUBLISHED_CURVE_ENDS[representation]
    else:  # representation A: the same procedure, with the recursive net's bits
        assert ends == [0.5, 0.6875, 0.75, 0.8125, 0.825]


@pytest.mark.parametrize("representation", ["B", "C"])
@pytest.mark.parametrize("depth", range(1, 5))
def test_min_tree_walks_match_the_exact_oracle(depth, representation):
    """fl.walk over the repository's layers with the output bit, layered and step engines, against the exact
    walk of the oracle: the same regions, starting at the same x."""
    net = fl.CantorNet(depth, representation)
    for height in (Fraction(1, 4), Fraction(3, 10), Fraction(3, 4), Fraction(9, 10), Fraction(1, 2)):
        expected = oracle_walk(depth, representation, height)
        a, b = [0.0, float(height)], [1.0, float(height)]
        for method in ("layered", "step"):
            w = fl.walk(net, a, b, layers=net.repository_layers, include_output=True, method=method)
            assert [tuple(p) for p in w.patterns.tolist()] == [p for _, p in expected], (height, method)
            np.testing.assert_allclose(w.ts, [float(x) for x, _ in expected], atol=1e-12)


@pytest.mark.slow
def test_chi_at_three_quarters_depth_six():
    """k = 6, the segment (0, 3/4) -> (1, 3/4), exact fractions from r1 and r2 of fl.walk: hidden bits of the
    repository's layers, B 297/334 and C 99/131; foldlab's own DNF-style net 181/407 (all its layers). With
    the output bit B 361/398 and C 131/163, as the exact oracle finds."""
    a, b = [0.0, 0.75], [1.0, 0.75]
    expected = {"B": Fraction(297, 334), "C": Fraction(99, 131), "foldlab_dnf": Fraction(181, 407)}
    for representation, chi in expected.items():
        net = fl.CantorNet(6, representation)
        for method in ("layered", "step"):
            assert exact_chi(fl.walk(net, a, b, layers=net.repository_layers, method=method)) == chi
    for representation, chi in (("B", Fraction(361, 398)), ("C", Fraction(131, 163))):
        net = fl.CantorNet(6, representation)
        w = fl.walk(net, a, b, layers=net.repository_layers, include_output=True)
        regions = oracle_walk(6, representation, Fraction(3, 4))
        assert [tuple(p) for p in w.patterns.tolist()] == [p for _, p in regions]
        assert exact_chi(w) == chi
