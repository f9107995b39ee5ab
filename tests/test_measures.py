"""chi and its properties (DESIGN.md 4) as hypothesis tests over random paths and walks of random nets."""

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import foldlab as fl

SETTINGS = settings(max_examples=200, deadline=None)


@st.composite
def paths(draw, min_size=1, max_size=12):
    m = draw(st.integers(1, 6))
    rows = draw(st.lists(st.lists(st.booleans(), min_size=m, max_size=m), min_size=min_size, max_size=max_size))
    return torch.tensor(rows, dtype=torch.bool).reshape(len(rows), m)


@st.composite
def net_walks(draw):
    """Walks of small random ReLU nets between random points (hidden bits, sometimes the output too)."""
    seed = draw(st.integers(0, 10_000))
    d_in = draw(st.integers(1, 4))
    widths = [d_in] + [draw(st.integers(2, 10)) for _ in range(draw(st.integers(1, 3)))] + [1]
    net = fl.mlp(widths, seed=seed)
    g = torch.Generator().manual_seed(seed)
    x1, x2 = 3 * torch.randn(d_in, generator=g), 3 * torch.randn(d_in, generator=g)
    return fl.walk(net, x1, x2, include_output=draw(st.booleans())).patterns


any_path = st.one_of(paths(), net_walks())


def flips_per_bit(p):
    return (p[1:] != p[:-1]).sum(0)


def test_the_design_example():
    path = [[0, 0, 0], [1, 0, 0], [0, 0, 0], [0, 0, 1]]
    assert fl.range_metrics(path) == (1, 3)
    assert fl.chi(path) == pytest.approx(2 / 3)
    assert fl.chi(path[::-1]) == pytest.approx(1 / 3)
    assert fl.symmetric_chi(path) == pytest.approx(0.5)


def test_single_pattern_and_bad_paths():
    assert fl.chi([[1, 0, 1]]) == 0.0 and fl.range_metrics([[1, 0, 1]]) == (0, 0)
    assert fl.running_chi([[1, 0]]).tolist() == [0.0]
    # negative strides (a reversed numpy array, one row or several) are read like any other array
    assert fl.chi(np.array([[1, 0, 1]])[::-1]) == 0.0
    path = np.array([[0, 0, 0], [1, 0, 0], [0, 0, 0], [0, 0, 1]], dtype=bool)
    assert fl.chi(path[::-1]) == pytest.approx(1 / 3) and fl.chi(path[:, ::-1]) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="shape \\(n, m\\)"):
        fl.chi([1, 0, 1])
    with pytest.raises(ValueError, match="bits"):
        fl.chi([[0, 2]])
    with pytest.raises(ValueError, match="empty"):
        fl.chi(torch.zeros(0, 3, dtype=torch.bool))
    with pytest.raises(ValueError, match="different lengths"):
        fl.interaction_coefficient([[0, 1]], [[0, 1, 1]])


@SETTINGS
@given(any_path, st.data())
def test_stability_under_repeated_patterns(p, data):
    repeats = data.draw(st.lists(st.integers(1, 3), min_size=len(p), max_size=len(p)))
    stuttered = p.repeat_interleave(torch.tensor(repeats), dim=0)
    assert fl.range_metrics(stuttered) == fl.range_metrics(p)
    assert fl.chi(stuttered) == fl.chi(p)


@SETTINGS
@given(any_path)
def test_flatness_chi_is_zero_iff_no_bit_flips_twice(p):
    geodesic = bool((flips_per_bit(p) <= 1).all())
    assert (fl.chi(p) == 0) == geodesic


@SETTINGS
@given(any_path)
def test_flatness_invariance_under_reversal(p):
    assert (fl.chi(p) == 0) == (fl.chi(p.flip(0)) == 0)
    assert (fl.symmetric_chi(p) == 0) == (fl.chi(p) == 0)


@SETTINGS
@given(any_path)
def test_bounds(p):
    low, high = fl.chi_bounds(p)
    value = fl.chi(p)
    assert low - 1e-12 <= value <= high + 1e-12
    assert 0 <= value < 1


@SETTINGS
@given(paths(min_size=2))
def test_closed_paths_fold_at_least_half(p):
    closed = torch.cat([p, p[:1]])
    assume(fl.range_metrics(closed)[1] > 0)
    assert fl.chi(closed) >= 0.5


@SETTINGS
@given(paths(min_size=2), st.integers(1, 20))
def test_repeating_a_loop_drives_chi_to_one(p, k):
    loop = torch.cat([p, p[:1]])
    r1, r2 = fl.range_metrics(loop)
    assume(r2 > 0)
    repeated = torch.cat([loop] + [loop[1:]] * (k - 1))
    assert fl.range_metrics(repeated) == (r1, k * r2)
    assert fl.chi(repeated) == pytest.approx(1 - r1 / (k * r2))
    assert fl.chi(repeated) >= 1 - 1 / (2 * k)  # r1 <= r2 / 2 on a loop
    if k > 1:
        assert fl.chi(repeated) > fl.chi(torch.cat([loop] + [loop[1:]] * (k - 2)))


@SETTINGS
@given(any_path)
def test_running_chi_is_chi_of_prefixes(p):
    running = fl.running_chi(p)
    assert running.shape == (len(p),)
    np.testing.assert_allclose(running, [fl.chi(p[: i + 1]) for i in range(len(p))])


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), d_in=st.integers(1, 8), width=st.integers(1, 40))
def test_one_hidden_layer_relu_nets_never_fold(seed, d_in, width):
    """Each unit of a single layer is a hyperplane, which a straight segment crosses at most once."""
    net = fl.mlp([d_in, width, 3], seed=seed)
    g = torch.Generator().manual_seed(seed)
    x1, x2 = 5 * torch.randn(d_in, generator=g), 5 * torch.randn(d_in, generator=g)
    w = fl.walk(net, x1, x2)
    assert w.chi == 0.0 and w.r1 == w.r2 == len(w) - 1


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), split=st.floats(0.05, 0.95))
def test_interaction_of_two_halves_of_a_segment(seed, split):
    """Walking x1 -> m -> x2 in two pieces is the walk x1 -> x2: the joined path has the whole walk's chi."""
    net = fl.mlp([2, 8, 8, 1], seed=seed)
    g = torch.Generator().manual_seed(seed)
    x1, x2 = 3 * torch.randn(2, generator=g, dtype=torch.float64), 3 * torch.randn(2, generator=g, dtype=torch.float64)
    m = (1 - split) * x1 + split * x2
    first, second, whole = fl.walk(net, x1, m), fl.walk(net, m, x2), fl.walk(net, x1, x2)
    joined = torch.cat([first.patterns, second.patterns])
    keep = torch.ones(len(joined), dtype=torch.bool)
    keep[1:] = (joined[1:] != joined[:-1]).any(1)
    assert torch.equal(joined[keep], whole.patterns)
    expected = abs(whole.chi - first.chi - second.chi)
    assert fl.interaction_coefficient(first, second) == pytest.approx(expected)


def test_interaction_coefficient_by_hand():
    # G1 = (00, 10), G2 = (10, 00): each flat, joined they fold back: chi = 1 - 1/2
    assert fl.interaction_coefficient([[0, 0], [1, 0]], [[1, 0], [0, 0]]) == 0.5
    assert fl.interaction_coefficient([[0, 0], [1, 0]], [[1, 0], [1, 1]]) == 0.0


# --- the global measure -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cantor_data():
    return fl.toy_dataset("cantor", n=120, seed=1, depth=2)


def test_global_folding_pairs_and_chis(cantor_data):
    net = fl.CantorNet(depth=2)
    g = fl.global_folding(net, cantor_data.X, cantor_data.y, n_pairs=40, seed=3)
    X, y = cantor_data.X.double(), cantor_data.y.numpy()
    assert g.pairs.shape == (40, 2) and len(set(map(tuple, g.pairs))) == 40
    assert np.all(g.pairs[:, 0] < g.pairs[:, 1]) and np.all(y[g.pairs[:, 0]] != y[g.pairs[:, 1]])
    expected = [fl.walk(net, X[i], X[j]).chi for i, j in g.pairs]
    np.testing.assert_allclose(g.chis, expected)
    nonzero = g.chis[g.chis > 0]
    assert g.phi == pytest.approx(np.median(nonzero))
    assert g.fraction_folding == pytest.approx(len(nonzero) / 40) and g.mean == pytest.approx(np.mean(g.chis))
    assert repr(g).startswith("GlobalFolding(phi=")


def test_global_folding_is_seeded(cantor_data):
    net = fl.CantorNet(depth=2)
    a = fl.global_folding(net, cantor_data.X, cantor_data.y, n_pairs=30, seed=5)
    b = fl.global_folding(net, cantor_data.X, cantor_data.y, n_pairs=30, seed=5)
    c = fl.global_folding(net, cantor_data.X, cantor_data.y, n_pairs=30, seed=6)
    np.testing.assert_array_equal(a.pairs, b.pairs)
    np.testing.assert_array_equal(a.chis, b.chis)
    assert not np.array_equal(a.pairs, c.pairs)


def test_global_folding_reductions():
    net = fl.mlp([2, 8, 8, 8, 3], seed=0)
    g = torch.Generator().manual_seed(0)
    X = torch.randn(30, 2, generator=g)
    y = torch.arange(30) % 3
    base = fl.global_folding(net, X, y, n_pairs=10_000)
    assert len(base.chis) == 300  # all 3 * 100 pairs of different classes
    tmlr = fl.global_folding(net, X, y, n_pairs=10_000, reduce="tmlr")
    labels = y.numpy()
    best = {}
    for (i, j), value in zip(tmlr.pairs, tmlr.chis):
        key = tuple(sorted((labels[i], labels[j])))
        best[key] = max(best.get(key, 0.0), value)
    assert len(best) == 3 and tmlr.phi == pytest.approx(np.median(list(best.values())))
    assert fl.global_folding(net, X, y, n_pairs=10_000, reduce="mean").phi == pytest.approx(base.chis.mean())
    assert fl.global_folding(net, X, y, n_pairs=10_000, reduce="median").phi == pytest.approx(np.median(base.chis))


def test_global_folding_with_centroids_and_given_pairs(cantor_data):
    net = fl.CantorNet(depth=2)
    g = fl.global_folding(net, cantor_data.X, cantor_data.y, centroids=4, seed=0)
    assert g.points.shape == (8, 2) and len(g.chis) == 16  # 4 centroids per class, all 4 x 4 pairs
    assert np.all(g.labels[g.pairs[:, 0]] != g.labels[g.pairs[:, 1]])
    y = cantor_data.y.numpy()
    i, j = int(np.flatnonzero(y == 0)[0]), int(np.flatnonzero(y == 1)[0])
    given_pairs = fl.global_folding(net, cantor_data.X, cantor_data.y, pairs=[[i, j]])
    assert given_pairs.chis[0] == pytest.approx(fl.walk(net, cantor_data.X[i], cantor_data.X[j]).chi)
    same = int(np.flatnonzero(y == 0)[1])
    with pytest.raises(ValueError, match="different classes"):
        fl.global_folding(net, cantor_data.X, cantor_data.y, pairs=[[i, same]])
    with pytest.raises(ValueError, match="single class"):
        fl.global_folding(net, cantor_data.X, torch.zeros(len(y)))
    with pytest.raises(ValueError, match="reduce must be one of"):
        fl.global_folding(net, cantor_data.X, cantor_data.y, reduce="max")


def test_pair_sampling_on_a_large_set_is_seeded_distinct_and_across_classes():
    from foldlab.folding import sample_pairs

    labels = np.arange(5000) % 4
    a = sample_pairs(labels, 500, np.random.default_rng(1))
    b = sample_pairs(labels, 500, np.random.default_rng(1))
    np.testing.assert_array_equal(a, b)
    assert a.shape == (500, 2) and len(set(map(tuple, a))) == 500
    assert np.all(a[:, 0] < a[:, 1]) and np.all(labels[a[:, 0]] != labels[a[:, 1]])
    small = sample_pairs(np.array([0, 0, 1]), 10, np.random.default_rng(0))
    assert small.tolist() == [[0, 2], [1, 2]]  # fewer pairs than asked: all of them
