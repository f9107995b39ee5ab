"""The experiment runner (foldlab.experiments): a tiny grid end to end, resuming, the command line, MNIST from
IDX files, the target accuracy, label noise and bad input; the TMLR reduction over every class pair
(foldlab.experiments.all_pairs) against single walks and global_folding's own reading."""

from __future__ import annotations

import csv
import subprocess
import sys

import numpy as np
import pytest
import torch

import foldlab as fl
from foldlab.experiments import (
    ALL_PAIRS_COLUMNS,
    COLUMNS,
    Grid,
    all_pairs_rows,
    class_pair_paths,
    format_summary,
    main,
    net_readings,
    noisy_labels,
    read_results,
    run_all_pairs,
    run_experiments,
    shipped_results,
    summarise_all_pairs,
)

TINY = dict(max_epochs=3, n_pairs=30, n_paths=4, progress=False)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runner") / "results.csv"
    grid = Grid(depths=(1, 2), widths=(8,), seeds=(0, 1), noise=(0.0, 0.25))
    rows = run_experiments(grid, out, figure=out.with_suffix(".png"), **TINY)
    return grid, out, rows


def test_a_tiny_grid_end_to_end(tiny_run):
    grid, out, rows = tiny_run
    assert len(rows) == len(grid) == 8 and list(rows[0]) == list(COLUMNS)
    assert {(r["depth"], r["seed"], r["noise"]) for r in rows} == {
        (d, s, n) for d in (1, 2) for s in (0, 1) for n in (0.0, 0.25)}
    assert out.with_suffix(".png").stat().st_size > 10_000
    for r in rows:
        assert r["architecture"] == f"64-[8]x{r['depth']}-10" and r["n_pairs"] == 30 and r["n_paths"] == 4
        assert r["test_error"] == pytest.approx(1 - r["test_accuracy"])
        assert r["generalisation_gap"] == pytest.approx(r["train_accuracy"] - r["test_accuracy"])
        assert 0 <= r["fraction_folding"] <= 1 and r["regions_mean"] >= 1
        if r["depth"] == 1:  # one hidden ReLU layer never folds a straight segment
            assert r["mean_chi"] == r["phi_median_nonzero"] == r["fraction_folding"] == r["path_chi_mean"] == 0
        if r["noise"] == 0:
            assert r["train_accuracy"] == r["train_accuracy_clean"]
        assert r["epochs"] == 3 and r["reached_target"] in (True, False, "True", "False")


def test_a_row_is_the_measurement_of_its_net(tiny_run):
    """Recompute one row from scratch with the public functions: the same net, the same numbers."""
    _, _, rows = tiny_run
    row = next(r for r in rows if r["depth"] == 2 and r["seed"] == 1 and r["noise"] == 0.25)
    d = fl.load_digits(seed=0)
    order = torch.as_tensor(np.random.default_rng(0).permutation(len(d.X)))
    val, tr = order[: round(0.2 * len(d.X))], order[round(0.2 * len(d.X)) :]
    y = noisy_labels(d.y[tr], 0.25, 10, seed=1)
    net = fl.mlp([64, 8, 8, 10], seed=1)
    torch.set_num_threads(1)
    fl.train(net, fl.data.Dataset(d.X[tr], y, d.X[val], d.y[val], "part"), epochs=3, seed=1, progress=False)
    g = fl.global_folding(net.eval(), d.X_test, d.y_test, n_pairs=30, seed=1)
    assert row["mean_chi"] == pytest.approx(g.mean, abs=1e-12)
    assert row["phi_median_nonzero"] == pytest.approx(g.phi, abs=1e-12)
    assert row["phi_tmlr"] == pytest.approx(g.readings()["tmlr"], abs=1e-12)
    assert row["train_accuracy"] == pytest.approx(float((net(d.X[tr]).argmax(1) == y).double().mean()))


def test_an_interrupted_run_resumes_and_gives_the_same_rows(tiny_run, tmp_path, capsys):
    grid, out, rows = tiny_run
    lines = out.read_text().splitlines()
    cut = tmp_path / "cut.csv"
    cut.write_text("\n".join(lines[:6]) + "\n")  # header and 5 rows: as if stopped after the fifth net
    resumed = run_experiments(grid, cut, max_epochs=3, n_pairs=30, n_paths=4, progress=True)
    assert capsys.readouterr().out.count("\n") == 3  # only the 3 missing nets were trained
    drop = lambda r: {k: v for k, v in r.items() if k != "seconds"}  # noqa: E731
    assert [drop(r) for r in resumed] == [drop(r) for r in rows]  # seeded: the same numbers again
    again = run_experiments(grid, cut, **TINY)  # everything done: nothing runs, nothing is added
    assert len(again) == 8


def test_the_target_accuracy_stops_at_the_first_epoch_that_reaches_it(tmp_path):
    rows = run_experiments(Grid((1,), (16,), (0,), (0.0,)), tmp_path / "t.csv", target_accuracy=0.8,
                           max_epochs=10, n_pairs=10, n_paths=2, progress=False)
    (row,) = rows
    assert row["reached_target"] is True or row["reached_target"] == "True"
    assert row["val_accuracy"] >= 0.8 and 1 <= row["epochs"] < 10
    # the oracle: trained one epoch less from scratch, the net is still under the target
    d = fl.load_digits(seed=0)
    order = torch.as_tensor(np.random.default_rng(0).permutation(len(d.X)))
    val, tr = order[: round(0.2 * len(d.X))], order[round(0.2 * len(d.X)) :]
    net = fl.mlp([64, 16, 10], seed=0)
    history = fl.train(net, fl.data.Dataset(d.X[tr], d.y[tr], d.X[val], d.y[val], "part"),
                       epochs=row["epochs"], seed=0, progress=False)
    assert history.test_accuracy[-2] < 0.8 <= history.test_accuracy[-1]
    assert history.test_accuracy[-1] == pytest.approx(row["val_accuracy"])


def test_label_noise_is_seeded_and_always_another_class():
    y = torch.arange(1000) % 10
    a, b = noisy_labels(y, 0.2, 10, seed=3), noisy_labels(y, 0.2, 10, seed=3)
    assert torch.equal(a, b) and not torch.equal(a, noisy_labels(y, 0.2, 10, seed=4))
    assert int((a != y).sum()) == 200 and int(a.max()) <= 9 and int(a.min()) >= 0
    assert torch.equal(noisy_labels(y, 0.0, 10, seed=3), y)


def test_mnist_from_idx_files(tmp_path):
    from tests.test_data import idx_bytes, tiny_mnist

    for stem, array in tiny_mnist(0, n_train=60, n_test=20).items():
        (tmp_path / stem).write_bytes(idx_bytes(array))
    rows = run_experiments(Grid((2,), (8,), (0,), (0.0,)), tmp_path / "m.csv", data="mnist", mnist_root=tmp_path,
                           mnist_sizes=(60, 20), mnist_verify=False, path_classes=(1, 2), **TINY)
    assert rows[0]["data"] == "mnist" and rows[0]["architecture"] == "784-[8]x2-10"


def test_the_command_line(tmp_path):
    out = tmp_path / "cli.csv"
    assert main(["experiments", "--depths", "2", "--widths", "6", "--seeds", "0", "--noise", "0", "--pairs", "10",
                 "--paths", "2", "--max-epochs", "2", "--target", "none", "--out", str(out), "--quiet"]) == 0
    (row,) = read_results(out)
    assert row["target_accuracy"] == "none" and row["epochs"] == 2 and row["reached_target"] == "n/a"
    help_text = subprocess.run([sys.executable, "-m", "foldlab.experiments", "--help"], capture_output=True,
                               text=True, check=True).stdout
    assert "--depths" in help_text and "--mnist-root" in help_text
    with open(out, newline="") as f:
        assert next(csv.reader(f)) == list(COLUMNS)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(grid="big"), TypeError, "grid must be a foldlab.experiments.Grid"),
    (dict(data="cifar"), ValueError, "data must be one of"),
    (dict(data="mnist"), ValueError, "needs mnist_root"),
    (dict(data="mnist", mnist_root="/nonexistent/mnist"), FileNotFoundError, "nonexistent"),
    (dict(path_classes=(1, 1)), ValueError, "two different classes"),
    (dict(path_classes=(1, 12)), ValueError, r"path_classes \(1, 12\) are not classes of digits's test split"),
    (dict(target_accuracy=0.0), ValueError, "target_accuracy"),
    (dict(max_epochs=0), ValueError, "max_epochs must be an int >= 1"),
    (dict(n_pairs=2.0), TypeError, "n_pairs must be an int"),
])
def test_bad_arguments(tmp_path, kwargs, error, match):
    kwargs = {"grid": Grid((1,), (4,), (0,), (0.0,)), **kwargs}
    with pytest.raises(error, match=match):
        run_experiments(kwargs.pop("grid"), tmp_path / "x.csv", **kwargs)
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(depths=(0,)), ValueError, "depths must be an int >= 1"),
    (dict(widths=(2.5,)), TypeError, "widths must be an int"),
    (dict(noise=(1.0,)), ValueError, "noise must be"),
    (dict(seeds=()), ValueError, "seeds must not be empty"),
    (dict(seeds=3), TypeError, "seeds must be a sequence"),
])
def test_bad_grids(kwargs, error, match):
    with pytest.raises(error, match=match):
        Grid(**kwargs)


# --- the TMLR reduction over every class pair (foldlab.experiments.all_pairs) -------------------------------

def test_class_pair_paths_every_pair_in_a_seeded_random_order():
    from foldlab.folding import class_paths

    d = fl.load_digits(seed=0)
    X, y = d.X_test, d.y_test
    pairs = class_pair_paths(X, y, 30, seed=4)
    assert np.array_equal(pairs, class_pair_paths(X, y, 30, seed=4))
    assert not np.array_equal(pairs, class_pair_paths(X, y, 30, seed=5))
    ya, yb = y.numpy()[pairs[:, 0]], y.numpy()[pairs[:, 1]]
    assert (ya < yb).all()  # every path runs from the smaller class to the larger
    keys = list(zip(ya.tolist(), yb.tolist()))
    assert sorted(set(keys)) == [(a, b) for a in range(10) for b in range(a + 1, 10)]
    for a, b in ((0, 1), (3, 8), (8, 9)):
        here = pairs[(ya == a) & (yb == b)]
        i, j = class_paths(X, y, a, b, 30, seed=4)
        # the same paths as class_paths draws, no longer sorted: a prefix is a random subset
        assert sorted(map(tuple, here.tolist())) == sorted(zip(i.tolist(), j.tolist()))
        assert here.tolist() != np.stack([i, j], axis=1).tolist()
    few = class_pair_paths([[0.0], [1.0], [2.0]], [0, 1, 1], 10)  # fewer than asked: all of them
    assert sorted(map(tuple, few.tolist())) == [(0, 1), (0, 2)]


def test_all_pairs_rows_against_single_walks():
    net = fl.mlp([2, 6, 6, 6, 3], seed=1)
    X = np.random.default_rng(0).normal(size=(36, 2))
    y = np.arange(36) % 3
    pairs = class_pair_paths(X, y, 8, seed=2)
    g = fl.global_folding(net, X, y, pairs=pairs)
    rows = all_pairs_rows(g, [3, 8])
    assert [(r["class_a"], r["class_b"], r["paths"]) for r in rows] == [
        (a, b, k) for a, b in ((0, 1), (0, 2), (1, 2)) for k in (3, 8)]
    for r in rows:
        here = pairs[(y[pairs[:, 0]] == r["class_a"]) & (y[pairs[:, 1]] == r["class_b"])][: r["paths"]]
        chis = np.array([fl.walk(net, X[i], X[j]).chi for i, j in here])
        assert r["paths_used"] == len(chis) == r["paths"] and r["paths_available"] == 8
        assert r["max_chi"] == chis.max() and r["mean_chi"] == pytest.approx(chis.mean(), abs=1e-15)
        assert r["median_chi"] == np.median(chis) and r["fraction_folding"] == np.mean(chis > 0)


def test_run_all_pairs_end_to_end_and_its_summary(tmp_path):
    out = tmp_path / "pairs.csv"
    rows = run_all_pairs((1, 2), (0, 1), out, width=6, epochs=1, n_paths=6, prefixes=(2, 6), progress=False)
    assert len(rows) == 2 * 2 * 45 * 2 and list(rows[0]) == list(ALL_PAIRS_COLUMNS)
    assert read_results(out) == rows
    assert all(r["max_chi"] == 0 for r in rows if r["depth"] == 1)  # one hidden layer never folds
    summary = summarise_all_pairs(rows)
    assert [(s["depth"], s["paths"], s["seeds"], s["class_pairs"]) for s in summary] == [
        (1, 2, 2, 45), (1, 6, 2, 45), (2, 2, 2, 45), (2, 6, 2, 45)]
    # the oracle: the same net trained and walked afresh, reduced by global_folding's own "tmlr" reading
    d = fl.load_digits(seed=0)
    readings = []
    for seed in (0, 1):
        torch.set_num_threads(1)
        net = fl.mlp([64, 6, 6, 10], seed=seed)
        fl.train(net, d, epochs=1, seed=seed, progress=False)
        pairs = class_pair_paths(d.X_test, d.y_test, 6, seed=seed)
        g = fl.global_folding(net.eval(), d.X_test, d.y_test, pairs=pairs)
        readings.append((g.readings()["tmlr"], g.readings()["tmlr_nonzero_ordered"], g.mean, g.fraction_folding))
    full = summary[3]
    expected = np.array(readings)
    assert full["phi_tmlr_mean"] == pytest.approx(expected[:, 0].mean(), abs=1e-12)
    assert full["phi_tmlr_nonzero_mean"] == pytest.approx(expected[:, 1].mean(), abs=1e-12)
    assert full["mean_chi_mean"] == pytest.approx(expected[:, 2].mean(), abs=1e-12)
    assert full["fraction_folding_std"] == pytest.approx(expected[:, 3].std(), abs=1e-12)
    nets = net_readings(rows)
    assert len(nets) == 8 and [n["phi_tmlr"] for n in nets if (n["depth"], n["paths"]) == (2, 6)] == pytest.approx(
        expected[:, 0].tolist(), abs=1e-12)
    table = format_summary(summary)
    assert table.splitlines()[0].split()[:3] == ["depth", "paths/pair", "seeds"] and len(table.splitlines()) == 5


def test_the_shipped_tmlr_results_are_those_of_the_benchmark():
    rows = shipped_results("tmlr_all_pairs")
    assert len(rows) == 4 * 5 * 45 * 4
    assert {r["depth"] for r in rows} == {3, 4, 5, 6} and {r["seed"] for r in rows} == {0, 1, 2, 3, 4}
    assert {r["paths"] for r in rows} == {10, 50, 100, 500} and all(r["paths_used"] == r["paths"] for r in rows)
    assert len(shipped_results("memorisation")) == 15


@pytest.mark.parametrize("call, error, match", [
    (lambda: class_pair_paths([[0.0], [1.0]], [0, 0], 3), ValueError, "single class"),
    (lambda: class_pair_paths([[0.0], [1.0]], [0, 1], 0), ValueError, "n_paths must be an int >= 1"),
    (lambda: class_pair_paths([[0.0], [1.0]], [0, 1, 1], 2), ValueError, "y"),
    (lambda: all_pairs_rows("g", [1]), TypeError, "g must be a GlobalFolding"),
    (lambda: run_all_pairs(n_paths=10, prefixes=(5, 20)), ValueError, "prefixes must be at most n_paths=10"),
    (lambda: run_all_pairs(depths=3), TypeError, "depths must be a non-empty sequence"),
    (lambda: run_all_pairs(seeds=(-1,)), ValueError, "seeds must be an int >= 0"),
    (lambda: summarise_all_pairs([]), ValueError, "rows must be a non-empty list"),
    (lambda: shipped_results("../README"), ValueError, "name must be the name of a CSV"),
    (lambda: shipped_results("nothing_here"), FileNotFoundError, "no shipped results"),
])
def test_bad_all_pairs_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()
