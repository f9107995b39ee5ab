"""Presets, export and the pointer: a widget's state written as a call (or JSON, seed included) builds the
same picture again; the figure exports to PNG and SVG; hovering reports a region's pattern and Hamming
distance, checked against the net's own bits at that point (not the arrangement the widget drew), and a
click moves what it says it moves."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import foldlab as fl
from foldlab import widgets as flw
from foldlab.adapter import read_net
from foldlab.widgets._presets import parse_preset

from .widget_checks import PNG, catalogue, objects, settings_of

NAMES = list(catalogue(dict.fromkeys(("moons", "moons_X", "net2d", "digits_X", "digits_y", "digit_net", "history",
                                       "small_moons"))))


@pytest.fixture(scope="module")
def o():
    return objects()


def last_setting(view) -> None:
    """Move every enabled control to its last setting (what a teacher would have changed)."""
    for control in view.controls.values():
        if not control.disabled:
            control.value = settings_of(control)[-1]


@pytest.mark.parametrize("name", NAMES)
def test_a_preset_and_its_json_build_the_same_picture(o, name):
    build, objs = catalogue(o)[name]
    view = build(**objs)
    last_setting(view)
    preset = view.preset
    assert view.toolbar.preset == preset, "the toolbar copies a stale preset"
    assert preset.startswith(name.split("/")[0] + "(")
    for again in (flw.from_preset(preset, **objs), flw.from_preset("flw." + preset, **objs),
                  flw.from_preset(json.dumps(view.settings()), **objs), flw.from_preset(view.settings(), **objs)):
        assert again.preset == preset
        assert {k: c.value for k, c in again.controls.items()} == {k: c.value for k, c in view.controls.items()}
        assert bytes(again.image.value) == bytes(view.image.value), f"{name}: the preset draws another picture"


def test_the_seed_is_in_every_preset_of_a_seeded_widget():
    view = flw.arrangement_widget(width=4, depth=2, seed=3)
    assert "seed=3" in view.preset and view.settings()["arguments"]["seed"] == 3
    assert "seed=0" in flw.region_walk_widget(widths=(2, 4, 1)).preset  # the default seed is written out too


@pytest.fixture(scope="module")
def course_objects():
    """Objects of the sizes the notebooks pass (the named presets index into them): 300 moons, the digits'
    test set, a training run of 15 epochs (of a small net, to keep the test short)."""
    digits = fl.load_digits(seed=0)
    small = fl.mlp([64, 8, 10], seed=0)
    return {"net2d": fl.mlp([2, 6, 6, 1], seed=0), "moons_X": fl.toy_dataset("moons", n=300, seed=0).X,
            "digit_net": small, "digits_X": digits.X_test, "digits_y": digits.y_test,
            "history": fl.train(small, digits, epochs=15, seed=0, keep_snapshots=True, progress=False)}


@pytest.mark.parametrize("widget, name", [(w, n) for w, named in flw.PRESETS.items() for n in named
                                          if w != "training_regions_widget"])
def test_every_named_preset_opens(course_objects, widget, name):
    o = course_objects
    preset = flw.PRESETS[widget][name]
    given = {"net": o["net2d"], "X": o["moons_X"], "x1": [-1.0, -1.0], "x2": [1.0, 1.0], "history": o["history"]}
    if widget in ("neighbors_widget", "training_patterns_widget") or "image_shape" in preset:
        given.update(net=o["digit_net"], X=o["digits_X"], y=o["digits_y"])
    _, args, kwargs = parse_preset(preset)
    wanted = {v.name for v in [*args, *kwargs.values()] if hasattr(v, "name")}  # the objects it names
    view = flw.from_preset(preset, **{k: given[k] for k in wanted})
    assert bytes(view.image.value).startswith(PNG)
    assert view.preset.split("(")[0] == widget


def test_training_presets_name_the_epoch():
    """Built with the small data set (the named ones train 30 epochs on 300 points: too slow for a test)."""
    before = flw.PRESETS["training_regions_widget"]["before training"]
    assert "epoch=0" in before and "seed=0" in before
    view = flw.from_preset("training_regions_widget(data, widths=(2, 4, 1), epochs=2, seed=0, epoch=2, "
                           "progress=False)", data=fl.toy_dataset("moons", n=40, seed=0))
    assert view.controls["epoch"].value == 2 and "epoch=2" in view.preset


@pytest.mark.parametrize("preset, error, words", [
    ("arrangement_widget(width=", ValueError, "could not read the preset"),
    ("print('hi')", ValueError, "'print' is not a foldlab widget"),
    ("arrangement_widget(width=__import__('os'))", ValueError, "must be a Python literal"),
    ("arrangement_widget(width=2.0)", TypeError, "width"),
    ("arrangement_widget(width=-1)", ValueError, "width"),
    ("pattern_pair_widget(net, X)", TypeError, "pass them, from_preset(preset, net=..., X=...)"),
    ('{"widget": "arrangement_widget"}', ValueError, "preset settings are"),
    ("{not json", ValueError, "could not read the preset's JSON"),
    (3, TypeError, "a preset is a str"),
])
def test_bad_presets_are_refused_by_name(preset, error, words):
    with pytest.raises(error) as caught:
        flw.from_preset(preset)
    assert words in str(caught.value)


def test_objects_not_named_by_the_preset_are_refused():
    with pytest.raises(TypeError, match="does not name"):
        flw.from_preset("arrangement_widget(width=3)", net=fl.mlp([2, 3, 1]))


def test_export_png_and_svg(tmp_path):
    view = flw.cantor_walk_widget(depth=2)
    png, svg = view.export("png"), view.export("svg")
    assert png.startswith(PNG) and b"<svg" in svg[:400]
    assert view.save(tmp_path / "walk.svg").read_bytes().startswith(b"<?xml")
    message = view.toolbar.download("png")
    assert message["download"] == "cantor_walk.png" and message["mime"] == "image/png" and message["bytes"] > 1000
    with pytest.raises(ValueError, match="format"):
        view.export("jpg")
    with pytest.raises(ValueError, match=r"\.png or \.svg"):
        view.save(tmp_path / "walk.pdf")


def hidden_bits(net, point) -> np.ndarray:
    """The hidden layers' bits at a point, from the net itself (not from the widget's arrangement)."""
    return read_net(net).bits(torch.as_tensor(np.asarray([point], dtype=float)))[0].numpy().astype(bool)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hovering_in_the_arrangement_reports_the_pattern_and_distance_at_that_point(seed):
    view = flw.arrangement_widget(width=5, depth=2, seed=seed, color_by="hamming")
    net = fl.mlp([2, 5, 5, 1], seed=seed)
    reference = (0.0, 0.0)  # the star starts at the box's centre
    rng = np.random.default_rng(seed)
    for point in rng.uniform(-0.95, 0.95, size=(8, 2)):
        text = view.hover_at(*point)
        bits = hidden_bits(net, point)
        pattern = " | ".join("".join("1" if b else "0" for b in bits[i * 5:(i + 1) * 5]) for i in range(2))
        assert f"pattern <code>{pattern}</code>" in text
        assert f"<b>d_H = {int((bits != hidden_bits(net, reference)).sum())}</b>" in text
        assert len(view.image.highlight) >= 3  # the region under the pointer is outlined
    view.image._receive(view.image, {"event": "leave"}, [])
    assert view.image.highlight == [] and "hover over a region" in view.hover.value


def test_a_click_in_the_arrangement_moves_the_reference():
    view = flw.arrangement_widget(width=5, depth=2, seed=0, color_by="hamming")
    view.click(0.5, -0.25)
    assert "reference=(0.5, -0.25)" in view.preset
    net = fl.mlp([2, 5, 5, 1], seed=0)
    text = view.hover_at(-0.6, 0.7)
    d = int((hidden_bits(net, (-0.6, 0.7)) != hidden_bits(net, (0.5, -0.25))).sum())
    assert f"<b>d_H = {d}</b>" in text


def test_clicks_place_the_ends_of_the_walk_and_hovering_measures_from_a():
    view = flw.region_walk_widget(widths=(2, 6, 6, 1), seed=0)
    net = fl.mlp([2, 6, 6, 1], seed=0)
    view.click(-0.7, 0.3)
    view.click(0.6, -0.4)
    np.testing.assert_array_equal(view.result.x1, [-0.7, 0.3])
    np.testing.assert_array_equal(view.result.x2, [0.6, -0.4])
    expected = fl.walk(net, [-0.7, 0.3], [0.6, -0.4])
    assert view.result.chi == expected.chi and len(view.result) == len(expected)
    for point in [(0.1, 0.1), (-0.9, -0.9), (0.8, 0.5)]:
        d = int((hidden_bits(net, point) != hidden_bits(net, (-0.7, 0.3))).sum())
        assert f"<b>d_H = {d}</b> to A's region" in view.hover_at(*point)
    assert flw.from_preset(view.preset).result.chi == view.result.chi


def test_a_click_outside_the_axes_changes_nothing():
    view = flw.region_walk_widget(widths=(2, 4, 1), seed=0)
    before = view.preset
    view.image._receive(view.image, {"event": "click", "x": 1.0, "y": 1.0}, [])  # the figure's corner
    view.image._receive(view.image, {"event": "click", "x": "nan?"}, [])  # a malformed message
    assert view.preset == before
