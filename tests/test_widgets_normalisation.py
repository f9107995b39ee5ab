"""The widget and plots of notebook 06: every control driven to both ends, asserting on what is shown; bad inputs."""

import numpy as np
import pytest
from matplotlib.figure import Figure

import foldlab as fl
from foldlab import plotting as flp
from foldlab import widgets as flw
from foldlab.widgets import normalisation as views

from .widget_checks import assert_is_a_view, assert_refused, drive, widgets_without_bad_cases


@pytest.fixture(scope="module")
def study():
    data = fl.toy_dataset("moons", n=80, seed=0)
    return fl.normalisation_statistics(data, ["none", "batch", "selu"], depths=[1, 3], width=6, epochs=3,
                                       n_pairs=60, batch_size=16)


def test_the_widgets_are_importable_from_the_package():
    for name in views.__all__:
        assert getattr(flw, name) is getattr(views, name)


def test_normalisation_widget_every_control_at_both_ends(study):
    w = flw.normalisation_widget(study)
    assert_is_a_view(w, ["norm", "depth", "epoch"])
    assert (w.controls["epoch"].min, w.controls["epoch"].max) == (0, 3)
    first, last = drive(w, "norm")
    assert first.result is study.run("none", 1) and last.result is study.run("selu", 1)
    assert "norm=selu, depth 1, epoch 0" in last.label
    first, last = drive(w, "depth")
    assert first.result is study.run("selu", 1) and last.result is study.run("selu", 3)
    start, end = drive(w, "epoch")
    run = study.run("selu", 3)
    assert f"test accuracy {run.test_accuracy[0]:.3f}" in start.label
    assert f"test accuracy {run.test_accuracy[3]:.3f}" in end.label
    random = int(round(run.random_fraction[3] * 3))
    assert f"{random} of 3 layers look random" in end.label
    # both panels: one step curve per layer, drawn from the run at that epoch
    left, right = w.figure.axes[:2]
    assert len(left.patches) == 3 and len(right.patches) == 3
    heights = left.patches[0].get_data().values
    assert np.allclose(heights, np.histogram(run.probability[0][3], bins=np.linspace(0, 1, 21))[0] / 6)


def test_one_depth_and_one_norm_are_disabled_with_a_reason():
    data = fl.toy_dataset("moons", n=60, seed=0)
    study = fl.normalisation_statistics(data, ["layer"], depths=2, width=4, epochs=0, n_pairs=30)
    w = flw.normalisation_widget(study)
    for name in ("norm", "depth", "epoch"):
        assert w.controls[name].disabled and w.controls[name].tooltip


def test_plot_normalisation_run_draws_the_run(study):
    run = study.run("batch", 3)
    fig = Figure()
    ax = fig.subplots()
    steps = flp.plot_normalisation_run(run, ax, epoch=2, what="hamming")
    assert len(steps) == 3
    for layer, step in enumerate(steps):
        counts = np.bincount(run.distances[2, layer], minlength=7)
        assert np.allclose(step.get_data().values, counts / run.distances.shape[2])
    lines = flp.plot_random_layers(study, fig.subplots(), depth=3)
    assert [line.get_label() for line in lines] == ["none", "batch", "selu"]
    assert np.array_equal(lines[1].get_ydata(), run.random_fraction)
    assert all(float(tick).is_integer() for tick in lines[0].axes.get_xticks())  # epochs: no 0.5


BAD = [
    (lambda s: flw.normalisation_widget("study"), TypeError, r"study must be a NormalisationStudy"),
    (lambda s: flw.normalisation_widget(s, norm="layer"), ValueError, r"norm must be one of"),
    (lambda s: flw.normalisation_widget(s, depth=2), ValueError, r"depth must be one of"),
    (lambda s: flw.normalisation_widget(s, epoch=4), ValueError, r"epoch must be an int"),
    (lambda s: flp.plot_normalisation_run(s.runs[0], epoch=9), ValueError, r"epoch must be an int"),
    (lambda s: flp.plot_normalisation_run(s.runs[0], what="bits"), ValueError, r"what must be one of"),
    (lambda s: flp.plot_normalisation_run(s), TypeError, r"run must be a NormalisationRun"),
    (lambda s: flp.plot_random_layers(s, depth=5), ValueError, r"depth must be one of"),
]


@pytest.mark.parametrize("call, error, message", BAD)
def test_bad_inputs_are_refused_naming_the_argument(study, call, error, message):
    assert_refused(call, study, error, message)


def test_every_widget_has_bad_input_cases():
    assert not widgets_without_bad_cases(__file__, views)
