"""Nearest neighbours against a brute-force sort; constellation curves against a naive complete-linkage
clustering, scipy's fcluster, and sets whose clusters are known."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import foldlab as fl
import foldlab.constellations as constellations_module


def brute_neighbors(points, query, k, distance, skip=-1):
    """Sort all rows by (distance, index): ties go to the lower index."""
    order = sorted((distance(query, p), j) for j, p in enumerate(points) if j != skip)
    return [j for _, j in order[:k]], [d for d, _ in order[:k]]


def bit_distance(a, b):
    return sum(int(x) != int(y) for x, y in zip(a, b))


@pytest.mark.parametrize("block_rows", [1024, 3])
def test_hamming_neighbors_against_brute_force(monkeypatch, block_rows):
    monkeypatch.setattr(constellations_module, "_BLOCK_ROWS", block_rows)
    rng = np.random.default_rng(0)
    P = rng.random((60, 6)) < 0.5  # 6 bits for 60 points: many ties and duplicates
    nb = fl.nearest_neighbors(P, P[:10], k=7, exclude=np.arange(10))
    for r in range(10):
        idx, dist = brute_neighbors(P, P[r], 7, bit_distance, skip=r)
        assert nb.indices[r].tolist() == idx and nb.distances[r].tolist() == dist
    assert nb.distances.dtype == np.int64
    plain = fl.nearest_neighbors(P, P[3], k=60)
    assert plain.indices[0, 0] == min(j for j in range(60) if (P[j] == P[3]).all())  # itself, or an earlier twin
    assert sorted(plain.indices[0].tolist()) == list(range(60))


def test_euclidean_neighbors_against_brute_force_with_exact_ties():
    rng = np.random.default_rng(1)
    X = rng.integers(-2, 3, (80, 3)).astype(float)  # integer points: many exactly equal distances
    queries = rng.integers(-2, 3, (6, 3)).astype(float)
    nb = fl.nearest_neighbors(X, queries, k=9, metric="euclidean")
    for r in range(6):
        idx, dist = brute_neighbors(X, queries[r], 9, math.dist)
        assert nb.indices[r].tolist() == idx and nb.distances[r].tolist() == pytest.approx(dist)
    with_tensor = fl.nearest_neighbors(torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(queries), k=9,
                                       metric="euclidean")
    assert np.array_equal(with_tensor.indices, nb.indices)
    assert "metric='euclidean', queries=6, k=9" in repr(nb)


def test_neighbors_errors():
    P = np.zeros((5, 3), dtype=bool)
    with pytest.raises(ValueError, match="k must be an int from 1 to 4"):
        fl.nearest_neighbors(P, P[:2], k=5, exclude=[0, 1])
    with pytest.raises(ValueError, match="metric must be one of"):
        fl.nearest_neighbors(P, P[0], metric="cosine")
    with pytest.raises(ValueError, match="points have 3 coordinates but queries have 4"):
        fl.nearest_neighbors(P, np.zeros(4), k=2)
    with pytest.raises(ValueError, match="exclude must hold one row index"):
        fl.nearest_neighbors(P, P[:2], k=2, exclude=[0])
    with pytest.raises(ValueError, match="points contains NaN"):
        fl.nearest_neighbors(np.array([[0.0, np.nan]]), np.zeros(2), k=1, metric="euclidean")
    with pytest.raises(ValueError, match="bits"):
        fl.nearest_neighbors(np.array([[0.0, 0.5]]), np.zeros(2), k=1)


# --- constellations -----------------------------------------------------------------------------------------

def naive_complete_linkage_counts(D: np.ndarray, thresholds) -> list[int]:
    """Agglomerate by hand: always merge the two clusters with the smallest largest-inner distance."""
    clusters = [[i] for i in range(len(D))]
    heights = []
    while len(clusters) > 1:
        best = min(
            (max(D[i, j] for i in a for j in b), x, y)
            for x, a in enumerate(clusters) for y, b in enumerate(clusters) if x < y
        )
        h, x, y = best
        heights.append(h)
        clusters = [c for z, c in enumerate(clusters) if z not in (x, y)] + [clusters[x] + clusters[y]]
    return [len(D) - sum(h <= t for h in heights) for t in thresholds]


def tie_free_patterns(n, m, start_seed):
    """Random patterns whose pairwise distances are all different (complete linkage is then unique)."""
    for seed in range(start_seed, start_seed + 10_000):
        rng = np.random.default_rng(seed)
        P = rng.random((n, m)) < rng.uniform(0.02, 0.98, (n, 1))
        D = fl.hamming_matrix(P).numpy()
        upper = D[np.triu_indices(n, 1)]
        if len(set(upper.tolist())) == len(upper):
            return P, D
    raise AssertionError("no tie-free set found")


@pytest.mark.parametrize("start_seed", [0, 100, 200])
def test_constellation_curve_against_naive_clustering(start_seed):
    P, D = tie_free_patterns(6, 60, start_seed)
    c = fl.constellation_curve(P)
    assert c.n_clusters.tolist() == naive_complete_linkage_counts(D, range(1, 61))
    assert c.thresholds.tolist() == list(range(1, 61))


def test_constellation_curve_on_known_groups():
    # three groups: within a group patterns differ in at most 4 bits, across groups in at least 20
    rng = np.random.default_rng(2)
    centers = np.zeros((3, 60), dtype=bool)
    centers[1, :30] = True
    centers[2, 30:] = True
    rows = []
    for c in centers:
        for _ in range(15):
            p = c.copy()
            p[rng.choice(60, size=2, replace=False)] ^= True  # at most 2 flips: inner distances <= 4
            rows.append(p)
    P = np.array(rows)
    D = fl.hamming_matrix(P).numpy()
    groups = np.repeat(np.arange(3), 15)
    assert D[groups[:, None] == groups].max() <= 4 and D[groups[:, None] != groups].min() >= 20
    c = fl.constellation_curve(P)
    assert (c.n_clusters[3:19] == 3).all()  # thresholds 4..19: exactly the three groups
    labels = c.clusters(10)
    assert len(set(labels)) == 3 and all(len(set(labels[groups == g])) == 1 for g in range(3))
    assert c.n_clusters[-1] == 1
    random = fl.constellation_curve(np.random.default_rng(3).random((45, 60)) < 0.5)
    assert c.score < 0.25 < random.score  # constellations score low, random Bernoulli vectors high


@settings(max_examples=60, deadline=None)
@given(st.tuples(st.integers(2, 25), st.integers(1, 12)).flatmap(lambda shape: arrays(np.bool_, shape)))
def test_constellation_properties(P):
    c = fl.constellation_curve(P)
    n, m = P.shape
    D = fl.hamming_matrix(P).numpy()
    assert (np.diff(c.n_clusters) <= 0).all() and c.n_clusters[-1] == 1 and (c.n_clusters >= 1).all()
    assert 0 <= c.score < 1 and c.area == c.n_clusters.sum()
    assert c.score == pytest.approx(np.mean((c.n_clusters - 1) / (n - 1)))
    n_distinct = len(np.unique(P, axis=0))
    for t in c.thresholds:
        labels = c.clusters(t)
        assert len(set(labels)) == c.n_clusters[t - 1]  # the count formula agrees with scipy's fcluster
        for label in set(labels):  # every cluster has diameter <= t
            members = np.flatnonzero(labels == label)
            assert D[np.ix_(members, members)].max() <= t
        assert c.n_clusters[t - 1] <= n_distinct


def test_constellation_errors():
    with pytest.raises(ValueError, match="at least two patterns"):
        fl.constellation_curve(np.zeros((1, 4)))
    with pytest.raises(ValueError, match="30 patterns exceed max_points=20"):
        fl.constellation_curve(np.zeros((30, 4)), max_points=20)
    with pytest.raises(ValueError, match="bits"):
        fl.constellation_curve(np.full((3, 4), 0.5))


def test_neighbors_refuse_floats_complex_and_empty_sets():
    """Before, exclude=[0.5] was truncated to row 0 and complex points lost their imaginary part."""
    P = np.zeros((5, 3), dtype=bool)
    P[1:, 0] = True
    cases = [
        ((P, P[:1]), dict(k=2, exclude=[0.5]), TypeError, "exclude must hold int row indices, got an array of float64"),
        ((P, P[:1]), dict(k=2.0), TypeError, "k must be an int, got 2.0"),
        ((np.ones((3, 2)) * 1j, np.ones(2)), dict(k=1, metric="euclidean"), TypeError, "points must hold real numbers"),
        (("abc", "a"), dict(k=1, metric="euclidean"), TypeError, "points must be numbers"),
        ((np.zeros((0, 3)), np.zeros(3)), dict(k=1), ValueError, "empty batch: points has shape"),
        ((P, np.zeros((0, 3))), dict(k=1), ValueError, "empty batch: no queries"),
        ((P, P[0]), dict(metric=["hamming"]), ValueError, "metric must be one of"),
    ]
    for args, kwargs, error, match in cases:
        with pytest.raises(error, match=match):
            fl.nearest_neighbors(*args, **kwargs)
    nb = fl.nearest_neighbors(P, P[:2], k=np.int64(2), exclude=np.array([0, 1], dtype=np.int32))
    assert nb.indices.tolist() == [[1, 2], [2, 3]] and nb.distances.tolist() == [[1, 1], [0, 0]]


def test_neighbors_bound_their_blocks_by_the_number_of_points(monkeypatch):
    monkeypatch.setattr(constellations_module, "_BLOCK_ENTRIES", 50)  # 50 distances per block: 2 query rows
    rng = np.random.default_rng(3)
    P = rng.random((25, 6)) < 0.5
    blocked = fl.nearest_neighbors(P, P, k=4, exclude=np.arange(25))
    monkeypatch.setattr(constellations_module, "_BLOCK_ENTRIES", 2**23)
    whole = fl.nearest_neighbors(P, P, k=4, exclude=np.arange(25))
    assert np.array_equal(blocked.indices, whole.indices) and np.array_equal(blocked.distances, whole.distances)
    with fl.limits.memory_budget(2**20), pytest.raises(fl.OverBudget, match="the nearest 1 of 100000 points"):
        fl.nearest_neighbors(np.zeros((100_000, 2)), np.zeros((100, 2)), k=1, metric="euclidean")


def test_constellation_curve_estimates_memory_and_checks_arguments():
    P = np.zeros((30_000, 4), dtype=bool)
    with pytest.raises(fl.OverBudget, match="the 449985000 distances of 30000 patterns"):
        fl.constellation_curve(P, max_points=10**6)
    with pytest.raises(TypeError, match="max_points must be an int, got 50.0"):
        fl.constellation_curve(P[:10], max_points=50.0)
    c = fl.constellation_curve(np.eye(6, dtype=bool), max_points=np.int64(10))
    assert c.n_points == 6 and c.clusters(2).tolist() == [1] * 6
    for threshold, error in [("a", TypeError), (float("nan"), ValueError), (-1, ValueError)]:
        with pytest.raises(error, match="threshold must be"):
            c.clusters(threshold)
