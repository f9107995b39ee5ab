"""What makes slow controls bearable: work that takes long says so while it runs (the view's status), and
results kept by their full setting are the results computed again (seeded), picture included."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import foldlab as fl
from foldlab import widgets as flw
from foldlab.widgets._render import _AxisBoxes


@pytest.fixture(autouse=True)
def one_thread():
    torch.set_num_threads(1)


def said(view) -> list[str]:
    """Every message the view's status shows from now on (empty strings: cleared)."""
    messages: list[str] = []
    view.status.observe(lambda change: messages.append(change["new"]), names="value")
    return messages


def test_the_regularizer_widget_keeps_runs_by_setting_and_says_when_it_trains():
    data = fl.toy_dataset("moons", n=80, seed=0)
    sizes = dict(widths=(2, 6, 1), epochs=2, phi_pairs=20)
    view = flw.regularizer_widget(data, weight=1.0, **sizes)
    first = view.result
    messages = said(view)
    view.controls["weight"].value = 2.0
    assert any("training with the regularizer (weight 2," in m for m in messages), messages
    assert not any("without" in m for m in messages), "the run without the regularizer was trained again"
    assert messages[-1] == "", "the status is cleared when the redraw ends"
    messages.clear()
    view.controls["weight"].value = 1.0  # kept: drawn, not trained
    assert not any("training" in m for m in messages), messages
    assert view.result["with"][1] is first["with"][1]
    fresh = flw.regularizer_widget(data, weight=1.0, **sizes)  # the same setting, trained again
    for arm in ("with", "without"):
        assert view.result[arm][0] == fresh.result[arm][0]
        np.testing.assert_array_equal(view.result[arm][1].chis, fresh.result[arm][1].chis)
    assert (view.pixels() == fresh.pixels()).all()
    assert view.label.value == fresh.label.value


def test_the_region_size_widget_says_when_it_explores():
    from foldlab.widgets.information import REGION_METHODS

    view = flw.region_size_widget(fl.mlp([2, 6, 6, 1], seed=0), np.random.default_rng(0).normal(size=(4, 2)),
                                  rounds=4, method=REGION_METHODS[0])
    messages = said(view)
    view.controls["method"].value = REGION_METHODS[1]
    assert any(f"exploring the region of input 0 ({REGION_METHODS[1]}, 4 rounds)" in m for m in messages), messages
    assert messages[-1] == "", "the status is cleared when the redraw ends"


def test_the_depth_widget_says_when_it_trains_and_keeps_each_net():
    view = flw.depth_widget(depth=1, max_depth=2, width=4, epochs=1, n_pairs=20)
    messages = said(view)
    view.controls["depth"].value = 2
    assert any(m.startswith("<i>") and "training 64-[4]x2-10 (seed 0, 1 epochs)" in m for m in messages), messages
    messages.clear()
    view.controls["depth"].value = 1
    view.controls["reduce"].value = "mean"
    assert not any("training" in m for m in messages), messages


def test_the_class_pair_widget_says_when_it_walks_a_new_pair(digits):
    net = fl.mlp([64, 8, 8, 10], seed=0)
    view = flw.class_pair_widget(net, digits.X_test, digits.y_test, first=1, second=4, n_paths=10, n_pairs=50)
    messages = said(view)
    view.controls["first"].value = 2
    assert any("walking 10 paths from class 2 to class 4" in m for m in messages), messages
    messages.clear()
    view.controls["first"].value = 1
    assert not any("walking" in m for m in messages), messages


def test_new_titles_redraw_only_the_titles_and_the_insides_pixel_for_pixel():
    """An epoch in a title (regions_in_training_widget): the frame is kept, the titles and the insides of the
    axes are drawn again, and the picture is the whole drawing of the same state."""
    view = flw.regions_in_training_widget(fl.toy_dataset("moons", n=60, seed=0), n_neurons=4, epochs=3,
                                          max_depth=2, n_lines=2)
    for epoch in (1, 2, 3, 0):
        view.controls["epoch"].value = epoch
        shown = view.pixels()
        assert (shown == view.pixels(fast=False)).all(), f"epoch {epoch}: the picture is not the whole drawing"
    assert view.renderer.counts["titles"] >= 3, view.renderer.counts


def test_the_normalisation_widget_keeps_one_scale_through_the_epochs():
    """The y axes fit every epoch of the run (no step is cut off) and stay while the epoch moves, so the frame
    is kept; the picture is the whole drawing."""
    study = fl.normalisation_statistics(fl.toy_dataset("moons", n=80, seed=0), ["none"], depths=[2], width=6,
                                        epochs=3, n_pairs=40, seed=0)
    view = flw.normalisation_widget(study)
    limits = [ax.get_ylim() for ax in view.figure.axes]
    for epoch in (1, 2, 3):
        view.controls["epoch"].value = epoch
        assert [ax.get_ylim() for ax in view.figure.axes] == limits
        for ax, (_, top) in zip(view.figure.axes, limits):
            heights = [p.get_data().values.max() for p in ax.patches] + [line.get_ydata().max() for line in ax.lines]
            assert max(heights) <= top
        assert (view.pixels() == view.pixels(fast=False)).all()
    assert view.renderer.counts["titles"] + view.renderer.counts["fast"] >= 2, view.renderer.counts


def test_the_axis_extents_kept_for_new_titles_are_those_computed_again():
    """The constrained layout run again for new titles takes each axis' extent from the whole drawing (the axes
    are the same): a kept extent is the extent computed afresh at the same place, and the picture is the whole
    drawing of the same state."""
    view = flw.regions_in_training_widget(fl.toy_dataset("moons", n=60, seed=0), n_neurons=4, epochs=3,
                                          max_depth=2, n_lines=2)
    boxes = view.renderer._boxes
    view.controls["epoch"].value = 1
    assert view.renderer.counts["titles"] == 1 and boxes.hits > 0, (view.renderer.counts, boxes.hits)
    kept = dict(boxes.boxes)
    fig = view.figure  # drawn again from the draw function, its layout run afresh, every extent computed
    fig.clear()
    view._draw(fig, progress=lambda message: None)
    fresh = _AxisBoxes()
    with fresh.record(fig):
        fig.get_layout_engine().execute(fig)
    assert len(fresh.boxes) >= 2 * len(fig.axes) and set(fresh.boxes) <= set(kept)
    for key, (box, *places) in fresh.boxes.items():
        old, *kept_places = kept[key]
        assert (box is None and old is None) or np.array_equal(box.get_points(), old.get_points()), key
        assert places == kept_places, key
    assert (view.pixels() == view.pixels(fast=False)).all()


def test_a_title_that_moves_the_layout_is_drawn_whole():
    """A title that grows to two lines moves the axes: the kept extents are not used where the layout asks
    elsewhere, and the picture is the whole drawing."""
    from ipywidgets import IntSlider

    from foldlab.widgets import FigureView

    lines = IntSlider(value=1, min=1, max=2)

    def draw(fig):
        ax = fig.add_subplot()
        ax.plot([0, 1], [0, 1])
        ax.set_title("\n".join(["new title"] * lines.value))
        return "", None

    view = FigureView(draw, {"lines": lines}, figsize=(3, 2))
    lines.value = 2
    assert view.renderer.counts["titles"] == 0
    assert (view.pixels() == view.pixels(fast=False)).all()


def test_moved_limits_draw_the_figure_whole_without_comparing_frames(monkeypatch):
    """Where an axes' limits moved, the frame moved too: the figure is drawn whole at once (its frame key is not
    computed); where they stayed, the frames are compared and the kept one is reused."""
    from ipywidgets import IntSlider

    from foldlab.widgets import FigureView, _render

    top, height = IntSlider(value=1, min=1, max=3), IntSlider(value=1, min=1, max=3)

    def draw(fig):
        ax = fig.add_subplot()
        ax.plot([0, 1], [0, height.value / 4])
        ax.set_ylim(0, top.value)
        return "", None

    view = FigureView(draw, {"top": top, "height": height}, figsize=(3, 2))
    compared = []
    frame = _render._frame
    monkeypatch.setattr(_render, "_frame", lambda figure: compared.append(1) or frame(figure))
    top.value = 2  # the frame is read once, from the whole drawing, to keep it
    assert len(compared) == 1 and view.renderer.counts == {"whole": 2, "fast": 0, "titles": 0}
    height.value = 2  # read once more, to compare it with the kept one
    assert len(compared) == 2 and view.renderer.counts["fast"] == 1
    assert (view.pixels() == view.pixels(fast=False)).all()


def test_kept_text_layouts_draw_every_kind_of_text_as_matplotlib_does():
    """Texts laid out from the kept layouts (the same string set the same way, on new Text objects of the next
    drawing) give matplotlib's own picture, pixel for pixel, for texts of every setting the key holds: sizes,
    rotations, alignments, several lines, line spacing, math, a text that wraps; and matplotlib's own layout is
    back after each drawing."""
    from ipywidgets import IntSlider
    from matplotlib.text import Text

    from foldlab.widgets import FigureView

    step = IntSlider(value=0, min=0, max=3)
    original = Text._get_layout

    def draw(fig):
        s = step.value
        ax = fig.add_subplot()
        ax.plot([0, 1], [0, 1 + s])
        ax.set_title("a title\non two lines" if s % 2 else "a title", fontsize=9 + s)
        ax.set_xlabel(r"$\alpha_i$ over $x$", fontsize=10)
        ax.set_ylabel("rotated label", rotation=90 - 30 * (s % 2))
        ax.text(0.1, 0.8, "left\nand longer", ha="left", va="top", linespacing=1 + s / 4, transform=ax.transAxes)
        ax.text(0.9, 0.2, "right", ha="right", va="baseline", rotation=15 * s, rotation_mode="anchor")
        ax.text(0.5, 0.5, "a long caption that wraps " * 3, wrap=True, fontsize=7, ha="center")
        fig.suptitle("the same" if s < 2 else "the same, bigger", fontsize=12 + 2 * (s // 2))
        return "", None

    view = FigureView(draw, {"step": step}, figsize=(4, 3))
    for value in (1, 2, 3, 0, 1):
        step.value = value
        assert Text._get_layout is original
        assert (view.pixels() == view.pixels(fast=False)).all(), f"step {value}"
    assert view.renderer._layouts.hits > 0


def test_kept_text_layouts_leave_a_matplotlib_without_the_private_layout_alone(monkeypatch):
    """The layouts are kept through matplotlib's private Text._get_layout: where a matplotlib lacks it, nothing is
    kept and nothing is added to Text (no AttributeError in every widget)."""
    from matplotlib.text import Text

    from foldlab.widgets._render import _TextLayouts

    monkeypatch.delattr(Text, "_get_layout")
    with _TextLayouts():
        assert not hasattr(Text, "_get_layout")
    assert not hasattr(Text, "_get_layout")
