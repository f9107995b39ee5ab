"""The shipped nets (foldlab/weights/*.pt) are what their seeded recipes train, and they travel with the package."""

from __future__ import annotations

import zipfile

import pytest
import torch

import foldlab as fl
from foldlab.normalisation import NormalisationStudy
from foldlab.trained import PRETRAINED, WEIGHTS, Recipe, StudyRecipe, pretrained, write

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib


NETS = [name for name, recipe in PRETRAINED.items() if isinstance(recipe, Recipe)]
STUDIES = [name for name, recipe in PRETRAINED.items() if isinstance(recipe, StudyRecipe)]


@pytest.mark.parametrize("name", NETS)
def test_shipped_weights_are_the_recipe_retrained(name):
    """Loading the file gives the weights a fresh run of the recipe (its fl.train call, one thread) gives: equal
    bit for bit on this torch build, so every number a notebook prints from the shipped net is the trained one."""
    threads = torch.get_num_threads()
    shipped, trained = pretrained(name), pretrained(name, retrain=True)
    assert torch.get_num_threads() == threads  # the recipe's one thread is given back
    shipped_state, trained_state = shipped.state_dict(), trained.state_dict()
    assert list(shipped_state) == list(trained_state)
    for key, value in trained_state.items():
        assert torch.equal(shipped_state[key], value), (name, key, float((shipped_state[key] - value).abs().max()))
    data = PRETRAINED[name].dataset()
    assert fl.accuracy(shipped, data.X_test, data.y_test) == fl.accuracy(trained, data.X_test, data.y_test)
    # and training changed the net: the file is not the untrained init
    untrained = PRETRAINED[name].untrained().state_dict()
    assert not all(torch.equal(untrained[k], v) for k, v in trained_state.items())


def test_recipe_code_is_what_retrain_runs():
    """The recipe's code, the lines a notebook shows, run by hand gives the shipped net."""
    recipe = PRETRAINED["moons-small"]
    scope = {"fl": fl}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        exec(recipe.code, scope)
    finally:
        torch.set_num_threads(threads)
    shipped = pretrained("moons-small").state_dict()
    for key, value in scope["net"].state_dict().items():
        assert torch.equal(shipped[key], value)


@pytest.mark.slow  # ten trainings of the study
@pytest.mark.parametrize("name", STUDIES)
def test_shipped_study_is_the_recipe_run_again(name):
    """Every array and number of the shipped study equals a fresh run of normalisation_statistics (one thread),
    with the same dtypes, so its table and the widget on it are the computed ones."""
    import numpy as np

    shipped, computed = pretrained(name), pretrained(name, retrain=True)
    assert isinstance(shipped, NormalisationStudy) and repr(shipped) == repr(computed)
    assert shipped.table() == computed.table()
    assert len(shipped.runs) == len(computed.runs) == len(shipped.norms) * len(shipped.depths)
    for a, b in zip(shipped.runs, computed.runs):
        assert (a.norm, a.depth, a.alpha, a.test_accuracy) == (b.norm, b.depth, b.alpha, b.test_accuracy)
        assert len(a.probability) == len(b.probability)
        for x, y in [*zip(a.probability, b.probability), (a.dead, b.dead), (a.always_on, b.always_on),
                     (a.distances, b.distances), (a.p_values, b.p_values)]:
            assert x.dtype == y.dtype and np.array_equal(x, y, equal_nan=True), (a.norm, a.depth)


def test_files_are_weights_only_state_dicts():
    for name, recipe in PRETRAINED.items():
        assert recipe.path.parent == WEIGHTS and recipe.path.is_file(), name
        state = torch.load(recipe.path, map_location="cpu", weights_only=True)
        if isinstance(recipe, StudyRecipe):
            assert recipe.path.stat().st_size < 512 * 1024, "the shipped study stays small"
            assert state["n_pairs"] == recipe.study["n_pairs"] and len(state["runs"]) == 10
            continue
        assert recipe.path.stat().st_size < 64 * 1024, "shipped nets stay small"
        assert set(state) == set(recipe.untrained().state_dict())
        assert all(isinstance(v, torch.Tensor) for v in state.values())


def test_each_call_is_a_new_net():
    a = pretrained("moons-walk")
    with torch.no_grad():
        a[0].weight.zero_()
    b = pretrained("moons-walk")
    assert not torch.equal(a[0].weight, b[0].weight)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="name must be one of"):
        pretrained("digits")
    with pytest.raises(TypeError, match="retrain"):
        pretrained("moons-walk", retrain=1)
    with pytest.raises(ValueError, match="name must be one of"):
        write("nope")


def test_a_broken_file_says_how_to_write_it_again(tmp_path, monkeypatch):
    import foldlab.trained as module

    (tmp_path / "moons-walk.pt").write_bytes(b"not a torch file")
    monkeypatch.setattr(module, "WEIGHTS", tmp_path)
    with pytest.raises(ValueError, match="make_pretrained.py"):
        pretrained("moons-walk")
    # write() puts a loadable file there
    path = write("moons-small", tmp_path)
    assert path == tmp_path / "moons-small.pt"
    assert torch.equal(torch.load(path, weights_only=True)["0.weight"],
                       torch.load(PRETRAINED["moons-small"].path, weights_only=True)["0.weight"])


def test_weights_are_package_data():
    """A wheel carries the files: pyproject's package-data names them (a fresh clone has them in git)."""
    config = tomllib.loads((WEIGHTS.parents[1] / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["foldlab"]
    assert "weights/*.pt" in patterns
    assert all(zipfile.is_zipfile(r.path) for r in PRETRAINED.values())  # torch.save's zip format


def test_exercise_checkers_use_the_recipes_the_notebooks_name():
    from foldlab.exercises import nb05, nb06

    assert PRETRAINED["normalisation-digits"].study == nb06.STUDY
    recipe = PRETRAINED["digits-folding"]
    assert list(recipe.widths) == nb05.WIDTHS and recipe.fit == dict(epochs=nb05.EPOCHS, seed=nb05.SEED)


@pytest.mark.parametrize("start", [1, 2])
def test_one_torch_thread_sets_one_thread_and_restores_the_count_even_after_an_error(start):
    """The shipped nets, the exercise checkers and the reading of a net all train or compute in
    fl.limits.one_torch_thread(): one thread inside, the caller's count after, also when the block raises."""
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(start)
        with fl.limits.one_torch_thread():
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == start
        with pytest.raises(RuntimeError, match="inside"):
            with fl.limits.one_torch_thread():
                raise RuntimeError("inside")
        assert torch.get_num_threads() == start
    finally:
        torch.set_num_threads(before)
