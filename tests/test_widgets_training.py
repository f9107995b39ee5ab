"""The regions-in-training widget: every control driven to both ends of its range, asserting on what changed,
and its bad inputs refused."""

import pytest

import foldlab as fl
from foldlab import plotting as flp
from foldlab import widgets as flw
from foldlab.widgets import training as views

from .widget_checks import assert_is_a_view, assert_refused, drive, widgets_without_bad_cases


@pytest.fixture(scope="module")
def small():
    return fl.toy_dataset("moons", n=60, seed=0)


def build(data, **kwargs):
    return flw.regions_in_training_widget(data, n_neurons=4, epochs=2, n_lines=2, max_depth=2, **kwargs)


def test_the_widget_is_importable_from_the_package():
    for name in views.__all__:
        if name != "PRESETS":
            assert getattr(flw, name) is getattr(views, name)
    assert flw.PRESETS["regions_in_training_widget"] == views.PRESETS["regions_in_training_widget"]


def test_the_run_plot_counts_epochs_in_whole_numbers(small):
    run = fl.regions_run(small, n_neurons=4, depth=1, epochs=3, n_lines=2)
    artists = flp.plot_regions_run(run, epoch=1)
    for curve in (artists.box.measured, artists.lines):
        assert curve.get_xdata().tolist() == [0, 1, 2, 3]
        assert all(float(tick).is_integer() for tick in curve.axes.get_xticks())  # no epoch 0.5


def test_every_control_at_both_ends(small):
    w = build(small)
    assert_is_a_view(w, ["epoch", "depth", "init", "label_noise"])
    c = w.controls
    assert (c["epoch"].min, c["epoch"].max, c["depth"].min, c["depth"].max) == (0, 2, 1, 2)
    assert (c["label_noise"].min, c["label_noise"].max) == (0.0, 0.4)
    # epoch: the region map of that snapshot, counted exactly, and the same run (no retraining)
    first, last = drive(w, "epoch")
    assert first.result is last.result and len(w.runs) == 1
    run = last.result
    assert f"<b>{run.regions.counts[0]} regions</b>" in first.label and "epoch 0:" in first.label
    assert f"<b>{run.regions.counts[2]} regions</b>" in last.label and "epoch 2:" in last.label
    assert run.regions.counts[2] == fl.n_regions(run.history.snapshots[2], box=run.box)
    # depth: 1 to 2 layers of the same 4 neurons
    shallow, deep = drive(w, "depth")
    assert shallow.result.widths == (2, 4, 1) and deep.result.widths == (2, 2, 2, 1)
    assert shallow.label.startswith("2-4-1,") and deep.label.startswith("2-2-2-1,")
    # init: PyTorch's default and He's, a different net
    uniform, he = drive(w, "init")
    assert uniform.result.init == "uniform" and he.result.init == "he"
    assert uniform.result.regions.counts.tolist() != he.result.regions.counts.tolist() or \
        uniform.result.history.train_accuracy != he.result.history.train_accuracy
    # label noise: 0 to 0.4 of the training labels flipped
    clean, noisy = drive(w, "label_noise")
    assert clean.result.label_noise == 0.0 and noisy.result.label_noise == 0.4
    assert "label noise 0.4" in noisy.label
    expected = fl.regions_run(small, 4, 2, init="he", label_noise=0.4, epochs=2, n_lines=2)
    assert noisy.result.regions.counts.tolist() == expected.regions.counts.tolist()
    assert noisy.result.lines.counts.tolist() == expected.lines.counts.tolist()
    # every run computed once and kept: going back redraws without training
    runs = len(w.runs)
    c["label_noise"].value = 0.0
    assert len(w.runs) == runs
    assert "label_noise=0.0" in w.preset and "init='he'" in w.preset


def test_the_figure_shows_the_counts(small):
    w = build(small, epoch=1)
    left, middle, right = w.figure.axes[:3]
    run = w.result
    assert list(middle.lines[0].get_ydata()) == list(run.regions.density)
    assert list(right.lines[0].get_ydata()) == list(run.lines.mean)
    assert len(left.collections[0].get_paths()) == run.regions.counts[1]


def test_a_preset_opens_again(small):
    w = build(small, depth=2, init="he", label_noise=0.2, epoch=2)
    assert w.preset.startswith("regions_in_training_widget(data=data, n_neurons=4, epochs=2, depth=2, init='he', "
                               "label_noise=0.2, epoch=2")
    again = flw.from_preset(w.preset, data=small)
    assert again.label.value == w.label.value


C = pytest.param
BAD = [
    C(lambda d: flw.regions_in_training_widget("moons"), TypeError, r"data must be a Dataset", id="data"),
    C(lambda d: flw.regions_in_training_widget(d, n_neurons=10, max_depth=4), ValueError,
      r"n_neurons=10 does not split equally into depth 3", id="neurons"),
    C(lambda d: flw.regions_in_training_widget(d, epochs=0), ValueError, r"epochs must be", id="epochs"),
    C(lambda d: flw.regions_in_training_widget(d, depth=5), ValueError, r"depth must be", id="depth"),
    C(lambda d: flw.regions_in_training_widget(d, init="xavier"), ValueError, r"init", id="init"),
    C(lambda d: flw.regions_in_training_widget(d, label_noise=0.5), ValueError, r"label_noise must be", id="noise"),
    C(lambda d: flw.regions_in_training_widget(d, label_noise=0.15), ValueError, r"multiple of 0.1",
      id="noise-step"),
    C(lambda d: flw.regions_in_training_widget(d, max_noise=0.25), ValueError, r"multiple of 0.1", id="max-noise"),
    C(lambda d: flw.regions_in_training_widget(d, epoch=99), ValueError, r"epoch must be", id="epoch"),
    C(lambda d: flw.regions_in_training_widget(d, seed=1.0), TypeError, r"seed", id="seed"),
    C(lambda d: flw.regions_in_training_widget(fl.load_digits(seed=0)), ValueError, r"2 features", id="2d"),
    C(lambda d: flp.plot_regions_run("run"), TypeError, r"run must be", id="plot-run"),
    C(lambda d: flp.plot_regions_run(fl.regions_run(d, n_neurons=4, depth=1, epochs=1, n_lines=2), ax="ax"),
      TypeError, r"ax must be three matplotlib Axes", id="plot-ax"),
]


@pytest.mark.parametrize("call, error, message", BAD)
def test_bad_inputs_are_refused_naming_the_argument(small, call, error, message):
    assert_refused(call, small, error, message)


def test_every_widget_has_bad_input_cases():
    assert not widgets_without_bad_cases(__file__, views)
