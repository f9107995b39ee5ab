"""Regions in training: label noise, exact counts along segments over epochs, runs and depth sweeps, each
checked against an independent oracle (the exact 2D arrangement for segments, a fine grid as a lower bound,
an independently trained net)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
import torch

import foldlab as fl
from foldlab.data import Dataset
from foldlab.regions_training import data_box, data_segments


def crossed_polygons(arr, a, b) -> int:
    """Oracle from the 2D arrangement: regions the segment meets along a positive length."""
    line = shapely.LineString([a, b])
    return int((shapely.length(shapely.intersection(arr.polygons, line)) > 1e-12).sum())


@pytest.fixture(scope="module")
def moons():
    return fl.toy_dataset("moons", n=120, seed=0)


# --- label noise ------------------------------------------------------------------------------------

@pytest.mark.parametrize("fraction", [0.0, 0.1, 0.25, 0.5, 1.0])
def test_label_noise_flips_that_many_training_labels_and_no_test_label(moons, fraction):
    noisy = fl.with_label_noise(moons, fraction, seed=3)
    flipped = int((noisy.y != moons.y).sum())
    assert flipped == round(fraction * len(moons.y))
    assert set(noisy.y.tolist()) <= {0, 1}
    assert torch.equal(noisy.y_test, moons.y_test) and torch.equal(noisy.X, moons.X)
    again = fl.with_label_noise(moons, fraction, seed=3)
    assert torch.equal(noisy.y, again.y)  # same seed, same labels
    if 0 < fraction < 1:
        other = fl.with_label_noise(moons, fraction, seed=4)
        assert not torch.equal(noisy.y, other.y)


def test_label_noise_with_many_classes_draws_another_class_uniformly():
    n = 30000
    data = Dataset(torch.zeros(n, 2), torch.zeros(n, dtype=torch.int64), torch.zeros(1, 2),
                   torch.tensor([3]), "four classes")
    noisy = fl.with_label_noise(data, 1.0, seed=0)
    counts = np.bincount(noisy.y.numpy(), minlength=4)
    assert counts[0] == 0  # never the same class
    assert np.all(np.abs(counts[1:] / n - 1 / 3) < 0.02)


@pytest.mark.parametrize("fraction, error, match", [
    (-0.1, ValueError, "fraction"), (1.5, ValueError, "fraction"), (float("nan"), ValueError, "fraction"),
    ("0.1", TypeError, "fraction"), (True, TypeError, "fraction"),
])
def test_label_noise_refuses_bad_fractions(moons, fraction, error, match):
    with pytest.raises(error, match=match):
        fl.with_label_noise(moons, fraction)


def test_label_noise_refuses_bad_data_and_seeds(moons):
    with pytest.raises(TypeError, match="Dataset"):
        fl.with_label_noise((moons.X, moons.y), 0.1)
    with pytest.raises(TypeError, match="seed"):
        fl.with_label_noise(moons, 0.1, seed=1.0)
    one_class = Dataset(torch.zeros(3, 2), torch.zeros(3, dtype=torch.int64), torch.zeros(0, 2),
                        torch.zeros(0, dtype=torch.int64), "one")
    with pytest.raises(ValueError, match="two classes"):
        fl.with_label_noise(one_class, 0.1)


# --- along segments over training --------------------------------------------------------------------

def test_counts_along_segments_over_training_match_the_arrangement_and_sampling(moons):
    history = fl.train(fl.mlp([2, 8, 8, 1], seed=1), moons, epochs=3, keep_snapshots=True, progress=False)
    starts, ends = data_segments(moons, 5, seed=0)
    lines = fl.regions_along_over_training(history, starts, ends)
    assert lines.epochs.tolist() == [0, 1, 2, 3] and lines.counts.shape == (4, 5)
    box = data_box(moons)
    rng = np.random.default_rng(0)
    for i, net in enumerate(history.snapshots):
        arr = fl.arrangement(net, box=box)  # independent of the walk: polygons cut by the segment
        for j, (a, b) in enumerate(zip(starts, ends)):
            assert lines.counts[i, j] == crossed_polygons(arr, a, b)
            t = np.sort(rng.uniform(0, 1, 3000))[:, None]
            bits = fl.activation_patterns(net, torch.as_tensor((1 - t) * a + t * b)).numpy()
            assert int((bits[1:] != bits[:-1]).any(axis=1).sum()) + 1 <= lines.counts[i, j]
    np.testing.assert_allclose(lines.lengths, np.linalg.norm(ends - starts, axis=1))
    np.testing.assert_allclose(lines.density, lines.counts.sum(axis=1) / lines.lengths.sum())
    np.testing.assert_allclose(lines.mean, lines.counts.mean(axis=1))
    assert "LineCounts(epochs=4, segments=5" in repr(lines)
    picked = fl.regions_along_over_training(history.snapshots[::3], starts, ends, epochs=[0, 3])
    assert picked.counts.tolist() == lines.counts[::3].tolist()


def test_counts_along_segments_refuse_bad_segments(moons):
    net = fl.mlp([2, 4, 1], seed=0)
    with pytest.raises(ValueError, match="length 0"):
        fl.regions_along_over_training([net], [[0.0, 0.0]], [[0.0, 0.0]])
    with pytest.raises(ValueError, match="one end per start"):
        fl.regions_along_over_training([net], [[0.0, 0.0], [1.0, 0.0]], [[1.0, 1.0]])
    with pytest.raises(ValueError, match="2 features"):
        fl.regions_along_over_training([net], [[0.0, 0.0, 0.0]], [[1.0, 1.0, 1.0]])
    with pytest.raises(ValueError, match="snapshots"):
        fl.regions_along_over_training([], [[0.0, 0.0]], [[1.0, 1.0]])
    with pytest.raises(ValueError, match="finite|NaN|nan"):
        fl.regions_along_over_training([net], [[np.nan, 0.0]], [[1.0, 1.0]])


def test_data_segments_join_points_of_different_classes(moons):
    starts, ends = data_segments(moons, 6, seed=2)
    X, y = moons.X.numpy(), moons.y.numpy()
    for a, b in zip(starts, ends):
        i = int(np.flatnonzero((X == a).all(axis=1))[0])
        j = int(np.flatnonzero((X == b).all(axis=1))[0])
        assert y[i] != y[j]
    again = data_segments(moons, 6, seed=2)
    assert np.array_equal(again[0], starts) and np.array_equal(again[1], ends)


# --- a run, and a sweep over depth -------------------------------------------------------------------

def test_a_run_counts_what_an_independent_run_counts(moons):
    run = fl.regions_run(moons, n_neurons=12, depth=2, init="he", label_noise=0.2, epochs=3, seed=5, n_lines=4)
    assert run.widths == (2, 6, 6, 1) and run.n_neurons == 12 and run.depth == 2
    # the same run built by hand
    noisy = fl.with_label_noise(moons, 0.2, seed=5)
    net = fl.mlp([2, 6, 6, 1], seed=5, init="he")
    history = fl.train(net, noisy, epochs=3, seed=5, keep_snapshots=True, progress=False)
    box = data_box(moons)
    assert run.box == box
    for i, snapshot in enumerate(history.snapshots):
        exact = fl.n_regions(snapshot, box=box)
        assert run.regions.counts[i] == exact
        assert fl.grid_region_count(snapshot, box, resolution=300) <= exact  # sampling: a lower bound
        for j, (a, b) in enumerate(zip(run.starts, run.ends)):
            assert run.lines.counts[i, j] == fl.n_regions_along(snapshot, a, b)
    assert run.history.train_accuracy == history.train_accuracy
    again = fl.regions_run(moons, n_neurons=12, depth=2, init="he", label_noise=0.2, epochs=3, seed=5, n_lines=4)
    assert again.regions.counts.tolist() == run.regions.counts.tolist()
    assert again.lines.counts.tolist() == run.lines.counts.tolist()
    assert "RegionsRun(widths=(2, 6, 6, 1), init='he'" in repr(run)


def test_a_fine_grid_finds_most_regions_of_a_small_run(moons):
    """On a 1-layer net regions are big: a fine grid finds every one (the exact count is not too high)."""
    run = fl.regions_run(moons, n_neurons=4, depth=1, epochs=1, n_lines=1)
    for snapshot, exact in zip(run.history.snapshots, run.regions.counts):
        assert fl.grid_region_count(snapshot, run.box, resolution=400) == exact


@pytest.mark.parametrize("kwargs, error, match", [
    ({"n_neurons": 10, "depth": 3}, ValueError, "divides"),
    ({"init": "xavier"}, ValueError, "init"),
    ({"label_noise": 2.0}, ValueError, "label_noise"),
    ({"epochs": 0}, ValueError, "epochs"),
    ({"depth": 2.0}, TypeError, "depth"),
    ({"n_lines": 0}, ValueError, "n_lines"),
])
def test_a_run_refuses_bad_arguments(moons, kwargs, error, match):
    with pytest.raises(error, match=match):
        fl.regions_run(moons, **kwargs)


def test_a_run_needs_2d_data():
    with pytest.raises(ValueError, match="2 features"):
        fl.regions_run(fl.load_digits(seed=0))


def test_depth_sweep_is_a_run_per_depth(moons):
    sweep = fl.depth_sweep(moons, n_neurons=12, depths=(1, 3), epochs=2, seed=1, n_lines=3, label_noise=0.1)
    for k, depth in enumerate((1, 3)):
        run = fl.regions_run(moons, n_neurons=12, depth=depth, epochs=2, seed=1, n_lines=3, label_noise=0.1)
        assert sweep.initial[k] == run.regions.counts[0] and sweep.final[k] == run.regions.counts[-1]
        assert sweep.initial_lines[k] == run.lines.mean[0] and sweep.final_lines[k] == run.lines.mean[-1]
        assert sweep.train_accuracy[k] == run.history.train_accuracy[-1]
    assert sweep.reference == 72.0 and sweep.n_neurons == 12
    assert "depth" in sweep.table() and len(sweep.table().splitlines()) == 4
    assert "DepthSweep(depths=[1, 3]" in repr(sweep)
    with pytest.raises(TypeError, match="depths"):
        fl.depth_sweep(moons, depths=[])
    with pytest.raises(TypeError, match="depths"):
        fl.depth_sweep(moons, depths=2)
