"""The global folding measure (foldlab.folding): pairs, chis, reductions, class pair matrices, running chi,
chunks and executors (a process pool and a Dask LocalCluster give the serial chis exactly), bad input."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Executor, Future, ProcessPoolExecutor

import matplotlib
import numpy as np
import pytest
import torch

import foldlab as fl
from foldlab import folding
from foldlab.folding import class_pairs, class_paths, reduce_chis, running_folding, sample_pairs

matplotlib.use("Agg")

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


# --- the global measure checks its arguments (the same checks as on the branch that added them) -------------

@pytest.fixture(scope="module")
def small_problem():
    net = fl.mlp([2, 6, 6, 1], seed=0)
    X = torch.randn(20, 2, generator=torch.Generator().manual_seed(0))
    return net, X, torch.arange(20) % 2


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(y="nan labels"), ValueError, r"y contains NaN \(first at index \(0,\)\)"),
        (dict(y="half labels"), ValueError, "y must hold whole-number class labels, got 0.5"),
        (dict(pairs=[[0.5, 1.7]]), TypeError, "pairs must hold int row indices, got an array of float64"),
        (dict(pairs=[[0.0, 1.0]]), TypeError, "pairs must hold int row indices, got an array of float64"),
        (dict(centroids=2.5), TypeError, "centroids must be an int, got 2.5"),
        (dict(X="complex"), TypeError, r"X must hold real numbers, got a complex tensor"),
        (dict(centroids=0), ValueError, "centroids must be an int >= 1, got 0"),
        (dict(centroids=-1), ValueError, "centroids must be an int >= 1, got -1"),
        (dict(seed=-1), ValueError, r"seed must be an int in \[0, 4294967295\], got -1"),
        (dict(seed=1.5), TypeError, "seed must be an int, got 1.5"),
        (dict(seed=None), TypeError, "seed must be an int, got None"),
        (dict(seed=2**70), ValueError, "seed must be an int in"),
        (dict(centroids=2, seed=-1), ValueError, "seed must be an int in"),
        (dict(y="short"), ValueError, r"expected y with one label per point \(20\), got 5 labels"),
        (dict(y="one class"), ValueError, "y has a single class"),
        (dict(y="strings"), TypeError, "y must hold numbers"),
        (dict(pairs=[[0, 20]]), ValueError, "pairs index rows 0 to 19, got indices from 0 to 20"),
        (dict(pairs=[[0, 2]]), ValueError, r"pairs\[0\] = \[0, 2\] joins two points of class 0"),
        (dict(pairs=[[0, 1]], centroids=2), ValueError, "pass either pairs= or centroids=, not both"),
        (dict(n_pairs=5.0), TypeError, "n_pairs must be an int, got 5.0"),
        (dict(n_pairs=0), ValueError, "n_pairs must be an int >= 1, got 0"),
        (dict(reduce=["mean"]), ValueError, "reduce must be one of"),
        (dict(reduce="max"), ValueError, "reduce must be one of"),
        (dict(X="three features"), ValueError, r"expected X with 2 features, got shape \(20, 3\)"),
        (dict(layers=5), ValueError, "layer index 5 is out of range"),
        (dict(batch_size=0), ValueError, "batch_size must be an int >= 1, got 0"),
        (dict(include_output="yes"), TypeError, "include_output must be True or False"),
        # the options of scale
        (dict(chunk_size=0), ValueError, "chunk_size must be an int >= 1, got 0"),
        (dict(chunk_size=2.0), TypeError, "chunk_size must be an int, got 2.0"),
        (dict(progress=1), TypeError, "progress must be True or False"),
        (dict(executor="pool"), TypeError, "executor must be a concurrent.futures.Executor"),
    ],
)
def test_global_folding_arguments_are_checked(small_problem, kwargs, error, match):
    net, X, y = small_problem
    ys = {"nan labels": y.double().masked_fill(y == 0, float("nan")), "half labels": y + 0.5, "short": y[:5],
          "one class": torch.zeros(20), "strings": ["a", "b"] * 10}
    Xs = {"complex": X.to(torch.complex64), "three features": torch.zeros(20, 3)}
    kwargs = dict(kwargs)
    args = (Xs.get(kwargs.pop("X", None), X), ys.get(kwargs.pop("y", None), y))
    with pytest.raises(error, match=match):
        fl.global_folding(net, *args, **{"n_pairs": 5, **kwargs})


def test_global_folding_numpy_ints_and_budget(small_problem):
    net, X, y = small_problem
    a = fl.global_folding(net, X, y, n_pairs=np.int64(7), seed=np.uint32(2), centroids=np.int8(3))
    b = fl.global_folding(net, X, y, n_pairs=7, seed=2, centroids=3)
    np.testing.assert_array_equal(a.pairs, b.pairs)
    given = fl.global_folding(net, X, y, pairs=np.array([[0, 1]], dtype=np.int32))
    assert given.pairs.tolist() == [[0, 1]]
    big = torch.randn(100_000, 2, generator=torch.Generator().manual_seed(1))
    with pytest.raises(fl.OverBudget, match="the segments of 1000000000000 pairs"):
        fl.global_folding(net, big, torch.arange(100_000) % 2, n_pairs=10**12)


def test_sample_pairs_checks_its_arguments():
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        sample_pairs(np.array([0, 1, 0, 1]), 1, 0)
    with pytest.raises(TypeError, match="n_pairs must be an int, got 1.5"):
        sample_pairs(np.array([0, 1, 0, 1]), 1.5, np.random.default_rng(0))
    with pytest.raises(ValueError, match="labels contains NaN"):
        sample_pairs(np.array([0, np.nan]), 1, np.random.default_rng(0))
    with pytest.raises(fl.OverBudget, match="pairs across the classes of 100000 points"):
        sample_pairs(np.arange(100_000), 10, np.random.default_rng(0))  # every point its own class


# --- walks, readings, class pairs ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def three_classes():
    net = fl.mlp([2, 8, 8, 8, 3], seed=0)
    X = torch.randn(30, 2, generator=torch.Generator().manual_seed(0))
    return net, X, (torch.arange(30) % 3)


def test_explicit_pairs_give_the_chi_of_each_walk_exactly(three_classes):
    net, X, y = three_classes
    g = fl.global_folding(net, X, y, n_pairs=60, seed=1, chunk_size=7)
    assert len(g.chis) == 60 and np.any(g.chis > 0)  # a net that folds somewhere, else the test is empty
    walked = [fl.walk(net, X[i], X[j]) for i, j in g.pairs]
    np.testing.assert_array_equal(g.chis, [w.chi for w in walked])
    np.testing.assert_array_equal(g.n_regions, [len(w) for w in walked])
    np.testing.assert_array_equal(g.r1, [w.r1 for w in walked])
    np.testing.assert_array_equal(g.r2, [w.r2 for w in walked])
    again = fl.global_folding(net, X, y, pairs=g.pairs[::-1].copy())
    np.testing.assert_array_equal(again.chis, g.chis[::-1])


def test_chunks_do_not_change_a_single_chi(three_classes):
    net, X, y = three_classes
    whole = fl.global_folding(net, X, y, n_pairs=300, seed=0)
    for chunk_size in (1, 7, 64, 299, 300, 10_000):
        chunked = fl.global_folding(net, X, y, n_pairs=300, seed=0, chunk_size=chunk_size, progress=False)
        np.testing.assert_array_equal(chunked.chis, whole.chis)
        np.testing.assert_array_equal(chunked.n_regions, whole.n_regions)
    spec = fl.global_folding(fl.read_net(net), X, y, n_pairs=300, seed=0, chunk_size=50)
    np.testing.assert_array_equal(spec.chis, whole.chis)
    on_cpu = fl.global_folding(net, X, y, n_pairs=300, seed=0, chunk_size=50, device="cpu")
    np.testing.assert_array_equal(on_cpu.chis, whole.chis)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_chunks_on_the_gpu_give_the_cpu_chis(three_classes):
    net, X, y = three_classes
    cpu = fl.global_folding(net, X, y, n_pairs=300, seed=0, chunk_size=64)
    gpu = fl.global_folding(net, X, y, n_pairs=300, seed=0, chunk_size=64, device="cuda")
    np.testing.assert_array_equal(gpu.chis, cpu.chis)


def test_readings_and_the_other_reading_by_brute_force(three_classes):
    net, X, y = three_classes
    g = fl.global_folding(net, X, y, n_pairs=10_000)
    labels = y.numpy()
    readings = g.readings()
    assert readings["median_nonzero"] == g.phi and readings["fraction_folding"] == g.fraction_folding
    assert readings["mean"] == pytest.approx(g.chis.mean())
    ordered = {}
    for (i, j), value in zip(g.pairs, g.chis):
        if value > 0:
            key = (labels[i], labels[j])
            ordered[key] = max(ordered.get(key, 0.0), value)
    assert len(ordered) > 3  # both directions occur: the ordered reading has more class pairs than the other
    assert readings["tmlr_nonzero_ordered"] == pytest.approx(np.median(list(ordered.values())))
    other = fl.global_folding(net, X, y, n_pairs=10_000, reduce="tmlr_nonzero_ordered")
    assert other.phi == readings["tmlr_nonzero_ordered"] and other.reduce == "tmlr_nonzero_ordered"
    assert reduce_chis([0.0, 0.0], [[0, 1], [1, 0]], [0, 1], "tmlr_nonzero_ordered") == 0.0
    with pytest.raises(ValueError, match="one chi per pair"):
        reduce_chis([0.1], [[0, 1], [1, 0]], [0, 1])


@pytest.mark.parametrize("ordered", [False, True])
def test_class_pair_matrix_by_brute_force(three_classes, ordered):
    net, X, y = three_classes
    g = fl.global_folding(net, X, y, n_pairs=200, seed=2)
    m = class_pairs(g, ordered=ordered)
    labels = y.numpy()
    assert m.classes.tolist() == [0, 1, 2]
    for a in range(3):
        for b in range(3):
            if ordered:
                here = (labels[g.pairs[:, 0]] == a) & (labels[g.pairs[:, 1]] == b)
            else:
                here = (((labels[g.pairs[:, 0]] == a) & (labels[g.pairs[:, 1]] == b))
                        | ((labels[g.pairs[:, 0]] == b) & (labels[g.pairs[:, 1]] == a)))
            values = g.chis[here]
            assert m.count[a, b] == len(values)
            if not len(values):
                assert np.isnan(m.median[a, b]) and np.isnan(m.max[a, b])
                continue
            assert m.median[a, b] == np.median(values) and m.max[a, b] == values.max()
            assert m.fraction_folding[a, b] == np.mean(values > 0)
            nonzero = values[values > 0]
            assert (np.isnan(m.max_nonzero[a, b]) if not len(nonzero) else m.max_nonzero[a, b] == nonzero.max())
    if not ordered:
        np.testing.assert_array_equal(m.count, m.count.T)
        upper = m.max[np.triu_indices(3, 1)]
        assert np.median(upper) == pytest.approx(fl.global_folding(net, X, y, n_pairs=200, seed=2, reduce="tmlr").phi)
    assert repr(m).startswith("ClassPairs(classes=3")
    with pytest.raises(TypeError, match="g must be a GlobalFolding"):
        class_pairs(g.chis)


# --- running chi over many paths -------------------------------------------------------------------------

def test_running_folding_is_chi_of_the_walk_to_each_point(three_classes):
    net, X, y = three_classes
    i, j = class_paths(X, y, 1, 2, n_paths=12, seed=0)
    assert np.all(y.numpy()[i] == 1) and np.all(y.numpy()[j] == 2) and len(set(zip(i, j))) == 12
    rf = running_folding(net, X[i], X[j], batch_size=5, progress=False)
    assert rf.curves.shape == (12, 11) and rf.ts.tolist() == pytest.approx(np.linspace(0, 1, 11).tolist())
    X64 = X.double()
    for path, (a, b) in enumerate(zip(i, j)):
        for k, t in enumerate(rf.ts[1:], start=1):
            end = X64[a] + float(t) * (X64[b] - X64[a])
            assert rf.curves[path, k] == pytest.approx(fl.walk(net, X64[a], end).chi, abs=1e-12)
    assert np.all(rf.curves[:, 0] == 0)
    np.testing.assert_allclose(rf.mean, rf.curves.mean(0))
    np.testing.assert_allclose(rf.std, rf.curves.std(0))
    assert rf.quantiles().shape == (3, 11)
    assert repr(rf).startswith("RunningFolding(paths=12, points=11, final_mean=")


def test_running_folding_sampled_is_the_running_chi_of_the_sampled_patterns(three_classes):
    net, X, y = three_classes
    i, j = class_paths(X, y, 0, 1, n_paths=5, seed=3)
    rf = running_folding(net, X[i], X[j], n_points=7, sampled=True)
    X64 = X.double()
    for path, (a, b) in enumerate(zip(i, j)):
        t = torch.linspace(0, 1, 7, dtype=torch.float64)[:, None]
        points = X64[a] * (1 - t) + X64[b] * t
        expected = fl.measures.running_chi(fl.activation_patterns(net, points))
        np.testing.assert_allclose(rf.curves[path], expected)


def test_running_folding_and_class_paths_check_their_arguments(three_classes):
    net, X, y = three_classes
    with pytest.raises(ValueError, match="n_points must be an int >= 2"):
        running_folding(net, X[:2], X[2:4], n_points=1)
    with pytest.raises(ValueError, match="same number of path ends"):
        running_folding(net, X[:2], X[:3])
    with pytest.raises(ValueError, match="start=7 is not a class of y"):
        class_paths(X, y, 7, 1, 3)
    with pytest.raises(ValueError, match="different classes"):
        class_paths(X, y, 1, 1, 3)
    with pytest.raises(TypeError, match="start must be an int class label"):
        class_paths(X, y, 1.0, 2, 3)


# --- executors ------------------------------------------------------------------------------------------

class FailingExecutor(Executor):
    """Runs chunks here, but the chunk numbered ``fail`` raises (or comes back short with ``short=True``)."""

    def __init__(self, fail: int, short: bool = False):
        self.fail, self.short, self.submitted = fail, short, 0

    def submit(self, fn, *args, **kwargs):
        future: Future = Future()
        k, self.submitted = self.submitted, self.submitted + 1
        if k == self.fail and not self.short:
            future.set_exception(OSError("worker lost"))
        else:
            out = fn(*args, **kwargs)
            future.set_result(out[:3] if k == self.fail else out)
        return future


def test_an_executor_that_fails_mid_run_names_the_chunk(three_classes):
    net, X, y = three_classes
    with pytest.raises(RuntimeError, match=r"chunk 2 of 5 \(pairs 120 to 179\) failed on the executor: "
                                           r"OSError: worker lost") as info:
        fl.global_folding(net, X, y, n_pairs=300, chunk_size=60, executor=FailingExecutor(2), progress=False)
    assert isinstance(info.value.__cause__, OSError)
    with pytest.raises(RuntimeError, match=r"chunk 4 of 5 \(pairs 240 to 299\) came back with \[60, 60, 60\]"):
        fl.global_folding(net, X, y, n_pairs=300, chunk_size=60, executor=FailingExecutor(4, short=True))
    good = fl.global_folding(net, X, y, n_pairs=300, chunk_size=60, executor=FailingExecutor(-1))
    np.testing.assert_array_equal(good.chis, fl.global_folding(net, X, y, n_pairs=300).chis)


def test_a_process_pool_gives_the_serial_chis(three_classes):
    net, X, y = three_classes
    serial = fl.global_folding(net, X, y, n_pairs=300, seed=4)
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        pooled = fl.global_folding(net, X, y, n_pairs=300, seed=4, chunk_size=25, executor=pool, progress=False)
    np.testing.assert_array_equal(pooled.chis, serial.chis)
    np.testing.assert_array_equal(pooled.r1, serial.r1)
    np.testing.assert_array_equal(pooled.n_regions, serial.n_regions)
    assert pooled.phi == serial.phi


@pytest.mark.slow
def test_a_dask_cluster_gives_the_serial_chis(three_classes):
    distributed = pytest.importorskip("distributed")
    net, X, y = three_classes
    serial = fl.global_folding(net, X, y, n_pairs=300, seed=5)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  host="127.0.0.1") as cluster, distributed.Client(cluster) as client:
        clustered = fl.global_folding(net, X, y, n_pairs=300, seed=5, chunk_size=40,
                                      executor=client.get_executor(), progress=False)
    np.testing.assert_array_equal(clustered.chis, serial.chis)
    np.testing.assert_array_equal(clustered.n_regions, serial.n_regions)


def test_chunks_get_the_snapshot_never_the_module(three_classes):
    net, X, y = three_classes
    seen = []

    class Recording(FailingExecutor):
        def submit(self, fn, *args, **kwargs):
            seen.append(args[0])
            return super().submit(fn, *args, **kwargs)

    fl.global_folding(net, X, y, n_pairs=100, chunk_size=30, executor=Recording(-1))
    assert len(seen) == 4 and all(isinstance(s, fl.adapter.NetSpec) for s in seen)


def test_progress_bar_on_many_chunks_only(three_classes, capsys):
    net, X, y = three_classes
    fl.global_folding(net, X, y, n_pairs=100, chunk_size=30)
    assert "global folding" in capsys.readouterr().err
    fl.global_folding(net, X, y, n_pairs=100, chunk_size=30, progress=False)
    fl.global_folding(net, X, y, n_pairs=100)  # one chunk: no bar
    assert capsys.readouterr().err == ""
    assert folding.MAX_IN_FLIGHT >= 2


# --- plots ----------------------------------------------------------------------------------------------

def test_folding_plots(three_classes):
    import matplotlib.pyplot as plt

    from foldlab import plotting as flp

    net, X, y = three_classes
    g = fl.global_folding(net, X, y, n_pairs=200, seed=2)
    fig, axs = plt.subplots(1, 4)
    art = flp.plot_class_pairs(g, axs[0], value="fraction_folding")
    m = g.class_pairs()
    np.testing.assert_array_equal(art.image.get_array().filled(np.nan), m.fraction_folding)
    assert len(art.texts) == 6  # the off-diagonal cells of 3 classes
    dist = flp.plot_chi_distribution(g, axs[1])
    assert dist.phi.get_xdata()[0] == g.phi and "fraction folding" in dist.mean.get_label()
    i, j = class_paths(X, y, 0, 2, 6)
    rf = running_folding(net, X[i], X[j])
    run = flp.plot_running_folding(rf, axs[2], spread="quartiles")
    np.testing.assert_allclose(run.line.get_ydata(), rf.mean)
    bars = flp.plot_folding_sweep([{"depth": 1, "chi": 0.1, "w": 4}, {"depth": 2, "chi": 0.3, "w": 4}], axs[3],
                                  y="chi", group="w")
    assert bars[0].get_ydata().tolist() == [0.1, 0.3]
    with pytest.raises(ValueError, match="value must be one of"):
        flp.plot_class_pairs(g, value="phi")
    with pytest.raises(TypeError, match="pairs must be a ClassPairs"):
        flp.plot_class_pairs(g.chis)
    with pytest.raises(ValueError, match="y='phi' is not a column"):
        flp.plot_folding_sweep({"depth": [1]}, y="phi")
    for bad in (lambda: flp.plot_chi_distribution(g.chis), lambda: flp.plot_chi_distribution(g, bins=0),
                lambda: flp.plot_running_folding(g), lambda: flp.plot_running_folding(rf, spread="iqr")):
        with pytest.raises((TypeError, ValueError)) as raised:
            bad()
        assert raised.value.__traceback__ is not None and any(
            word in str(raised.value) for word in ("g must", "bins", "result", "spread", "RunningFolding",
                                                   "GlobalFolding"))
    plt.close(fig)
