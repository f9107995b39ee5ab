"""The with/without comparison of the folding regularizer: every run reported, paired, seeded, and checked.

The numbers of a tiny comparison are checked against an independent re-run of its runs with the library's
own pieces (mlp, train, FoldingRegularizer, global_folding), and the summary's statistics against scipy
called on the table's columns by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import stats

import foldlab as fl
from foldlab.experiments import compare_regularizer
from foldlab.experiments.regularizer import COLUMNS, RegularizerComparison, main, read_comparison

TINY = dict(seeds=2, epochs=2, n=80, phi_pairs=20, widths=(6, 6))


@pytest.fixture(scope="module")
def tiny():
    return compare_regularizer("moons", **TINY)


def test_every_seed_and_arm_is_a_row_in_the_order_run(tiny):
    assert [(r["seed"], r["arm"]) for r in tiny.rows] == [(0, "without"), (0, "with"), (1, "without"), (1, "with")]
    assert all(tuple(r) == COLUMNS for r in tiny.rows)
    assert [r["weight"] for r in tiny.rows] == [0.0, 1.0, 0.0, 1.0]
    for r in tiny.rows:
        assert 0 <= r["test_accuracy"] <= 1 and 0 <= r["train_accuracy"] <= 1
        assert 0 <= r["phi_mean"] <= 1 and 0 <= r["fraction_folding"] <= 1 and r["seconds"] > 0


def test_the_rows_are_the_runs_an_independent_rerun_gives(tiny):
    """Re-run seed 1 by hand: same init, same batches, the regularizer only in one arm."""
    data = fl.toy_dataset("moons", n=80, seed=0)
    for arm in ("without", "with"):
        net = fl.mlp([2, 6, 6, 1], seed=1)
        reg = fl.FoldingRegularizer(weight=1.0, schedule="linear", epochs=2, seed=1) if arm == "with" else None
        history = fl.train(net, data, epochs=2, seed=1, regularizer=reg, progress=False)
        g = fl.global_folding(net, data.X_test, data.y_test, n_pairs=20, seed=1)
        row = next(r for r in tiny.rows if r["seed"] == 1 and r["arm"] == arm)
        assert row["test_accuracy"] == history.test_accuracy[-1]
        assert row["train_accuracy"] == history.train_accuracy[-1]
        assert (row["phi"], row["phi_mean"], row["fraction_folding"]) == (g.phi, g.mean, g.fraction_folding)


def test_the_two_arms_differ_only_by_the_penalty():
    """With weight > 0 the arms' trained weights differ; the plain arm equals a run without any penalty."""
    data = fl.toy_dataset("moons", n=80, seed=0)
    a, b = fl.mlp([2, 6, 1], seed=0), fl.mlp([2, 6, 1], seed=0)
    fl.train(a, data, epochs=2, seed=0, progress=False)
    fl.train(b, data, epochs=2, seed=0, progress=False,
             penalty=fl.FoldingRegularizer(weight=1.0, schedule="linear", epochs=2, seed=0))
    assert not torch.equal(a[0].weight, b[0].weight)


def test_same_seed_same_numbers(tiny):
    again = compare_regularizer("moons", **TINY)
    strip = [{k: v for k, v in r.items() if k != "seconds"} for r in again.rows]
    assert strip == [{k: v for k, v in r.items() if k != "seconds"} for r in tiny.rows]
    other = compare_regularizer("moons", **{**TINY, "seeds": [5, 6]})
    assert [r["test_accuracy"] for r in other.rows] != [r["test_accuracy"] for r in tiny.rows] or [
        r["phi_mean"] for r in other.rows] != [r["phi_mean"] for r in tiny.rows]


def test_summary_statistics_match_scipy_on_the_columns():
    # a table made by hand, so that the differences are known: with - without = [0.1, 0.2, -0.05, 0.3, 0.15]
    base = [0.5, 0.6, 0.7, 0.55, 0.65]
    diff = [0.1, 0.2, -0.05, 0.3, 0.15]
    rows = []
    for seed, (b, d) in enumerate(zip(base, diff)):
        for arm, value in (("without", b), ("with", b + d)):
            rows.append({c: 0.0 for c in COLUMNS} | {"dataset": "x", "seed": seed, "arm": arm, "schedule": "linear",
                                                     "epochs": 1, "test_accuracy": value})
    result = RegularizerComparison(tuple(rows), {"dataset": "x", "epochs": 1})
    t = result.paired("test_accuracy")
    d = np.array(base) + np.array(diff) - np.array(base)
    assert t.n == 5 and (t.wins, t.losses, t.ties) == (4, 1, 0)
    assert t.mean_difference == pytest.approx(d.mean()) and t.std_difference == pytest.approx(d.std(ddof=1))
    assert t.wilcoxon_p == pytest.approx(stats.wilcoxon(d).pvalue)
    assert t.ttest_p == pytest.approx(stats.ttest_rel(np.array(base) + d, base).pvalue)
    s = result.arm_summary("test_accuracy", "without")
    assert (s.mean, s.std, s.min, s.max) == pytest.approx((np.mean(base), np.std(base, ddof=1), 0.5, 0.7))
    # all ties: both tests undefined, said as nan rather than a p-value of 1
    tie = result.paired("phi")
    assert (tie.ties, math.isnan(tie.wilcoxon_p), math.isnan(tie.ttest_p)) == (5, True, True)
    assert "p wilcoxon" in result.summary() and "test_accuracy" in result.summary()


def test_csv_round_trip(tiny, tmp_path):
    path = tmp_path / "r.csv"
    text = tiny.to_csv(path)
    assert text.startswith("# dataset: moons\n") and path.read_text() == text
    back = read_comparison(path)
    assert back.rows == tiny.rows  # floats written with repr: exact
    assert back.settings["epochs"] == "2"
    with pytest.raises(FileNotFoundError, match="path"):
        read_comparison(tmp_path / "missing.csv")
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="expected the columns"):
        read_comparison(tmp_path / "bad.csv")


def test_digits_end_to_end_tiny():
    result = compare_regularizer("digits", seeds=[3], epochs=1, widths=(8,), phi_pairs=5)
    assert [r["arm"] for r in result.rows] == ["without", "with"]
    assert "ReLU mlp [64, 8, 10]" in result.settings["net"]
    assert math.isnan(result.arm_summary("test_accuracy", "with").std)  # one seed: no spread, not 0


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(dataset="mnist"), ValueError, "dataset"),
        (dict(seeds=0), ValueError, "seeds"),
        (dict(seeds=2.0), TypeError, "seeds"),
        (dict(seeds=[]), ValueError, "seeds must not be empty"),
        (dict(seeds=[1, 1]), ValueError, "seeds must be distinct"),
        (dict(seeds=[-1]), ValueError, "seeds"),
        (dict(epochs=0), ValueError, "epochs"),
        (dict(epochs=True), TypeError, "epochs"),
        (dict(widths=()), ValueError, "widths"),
        (dict(widths=(4, 0)), ValueError, "widths"),
        (dict(weight=0.0), ValueError, "weight"),
        (dict(weight=-1.0), ValueError, "weight"),
        (dict(weight=float("nan")), ValueError, "weight"),
        (dict(schedule="exp"), ValueError, "schedule"),
        (dict(temperature=0.0), ValueError, "temperature"),
        (dict(temperature="0.1"), TypeError, "temperature"),
        (dict(n_points=1), ValueError, "n_points"),
        (dict(n_pairs=0), ValueError, "n_pairs"),
        (dict(lr=0.0), ValueError, "lr"),
        (dict(batch_size=0), ValueError, "batch_size"),
        (dict(n=3), ValueError, "n"),
        (dict(phi_pairs=0), ValueError, "phi_pairs"),
        (dict(progress=1), TypeError, "progress"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, error, match):
    with pytest.raises(error, match=match):
        compare_regularizer(**{**TINY, **kwargs})


def test_the_command_writes_the_csvs_and_the_figure(tmp_path, capsys, monkeypatch):
    from foldlab.experiments import regularizer as module

    small = {"2d": dict(dataset="moons", seeds=2, epochs=1, widths=(4,), n=40, phi_pairs=10),
             "digits": dict(dataset="digits", seeds=2, epochs=1, widths=(8,), phi_pairs=5)}
    monkeypatch.setattr(module, "SHIPPED", small)
    main(["--out", str(tmp_path)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["regularizer.png", "regularizer_2d.csv",
                                                          "regularizer_digits.csv"]
    assert (tmp_path / "regularizer.png").read_bytes()[:4] == b"\x89PNG"
    back = read_comparison(tmp_path / "regularizer_digits.csv")
    assert back.settings["command"].startswith("python -m foldlab.experiments.regularizer --out")
    assert len(back.rows) == 4
    assert "p wilcoxon" in capsys.readouterr().out


def test_paired_plot_draws_one_line_per_seed(tiny):
    import matplotlib.pyplot as plt

    from foldlab import plotting as flp

    fig, ax = plt.subplots()
    drawn = flp.plot_paired_runs(tiny, ax, metric="test_accuracy")
    segments = drawn.seeds.get_segments()
    assert [tuple(s[:, 1]) for s in segments] == [
        (tiny.column("test_accuracy", "without")[i], tiny.column("test_accuracy", "with")[i]) for i in range(2)]
    assert drawn.means.get_ydata()[1] == pytest.approx(tiny.arm_summary("test_accuracy", "with").mean)
    with pytest.raises(ValueError, match="metric"):
        flp.plot_paired_runs(tiny, ax, metric="loss")
    with pytest.raises(TypeError, match="comparison must be a RegularizerComparison"):
        flp.plot_paired_runs(tiny.rows, ax)
    plt.close(fig)
    figure = flp.regularizer_figure([tiny, tiny], metrics=("test_accuracy", "phi", "phi_mean"))
    assert len(figure.axes) == 6 and plt.get_fignums() == []


def test_regularizer_widget_every_control_at_both_ends():
    from foldlab import widgets as flw

    from .widget_checks import assert_is_a_view, drive

    data = fl.toy_dataset("moons", n=80, seed=0)
    w = flw.regularizer_widget(data, widths=(2, 6, 6, 1), epochs=3, phi_pairs=20, max_weight=4.0, max_seed=3)
    assert_is_a_view(w, ["weight", "schedule", "temperature", "seed"])
    low, high = drive(w, "weight")
    # weight 0: the two runs are the same run
    assert low.result["with"][0] == low.result["without"][0]
    assert low.result["with"][1].mean == low.result["without"][1].mean
    assert "weight 4" in high.label
    drive(w, "schedule")
    drive(w, "temperature", (0.01, 1.0))  # a log slider: its ends are 10**min and 10**max
    first, last = drive(w, "seed")
    assert "seed 0" in first.label and "seed 3" in last.label
    with pytest.raises(ValueError, match="weight"):
        flw.regularizer_widget(data, weight=5.0, max_weight=4.0)
    with pytest.raises(ValueError, match="schedule"):
        flw.regularizer_widget(data, schedule="exp")
    with pytest.raises(ValueError, match="temperature"):
        flw.regularizer_widget(data, temperature=0.0)
    with pytest.raises(ValueError, match="2 features"):
        flw.regularizer_widget(fl.load_digits(), widths=(64, 4, 10))


@pytest.mark.parametrize("which", ["2d", "digits"])
def test_the_shipped_results_are_what_this_code_gives(which):
    """Seed 0 of each shipped comparison, run again with the shipped settings on one torch thread (as the command
    runs them), gives the shipped rows exactly: the CSVs are not left behind when the code under them changes."""
    from foldlab.experiments import shipped_comparison
    from foldlab.experiments.regularizer import SHIPPED

    shipped = shipped_comparison(which)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        again = compare_regularizer(**dict(SHIPPED[which], seeds=[0]))
    finally:
        torch.set_num_threads(threads)
    assert again.settings["regularizer"] == shipped.settings["regularizer"]
    for row in again.rows:
        kept = next(r for r in shipped.rows if r["seed"] == 0 and r["arm"] == row["arm"])
        for key in ("test_accuracy", "train_accuracy", "phi", "phi_mean", "fraction_folding"):
            assert row[key] == pytest.approx(kept[key], rel=1e-9, abs=1e-12), (row["arm"], key)
