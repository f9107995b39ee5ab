"""The small trained nets (and the normalisation study) the notebooks start from, shipped with the package so
that a widget opens in seconds.

Each net has a :class:`Recipe`: the data set, the net and the :func:`foldlab.train` call that make it, all
seeded. The package ships the result of that recipe as a small ``weights_only`` file (a state dict saved
with ``torch.save``, in ``foldlab/weights/``), and :func:`pretrained` loads it into the recipe's untrained
net. ``pretrained(name, retrain=True)`` runs the recipe instead, on one torch thread as the notebooks do, and
gives the same weights: the test suite retrains every recipe and compares (bit for bit on the torch build
the files were made with, with its AVX2 kernels; another build, or its AVX-512 kernels, may round the last bits
of a float32 sum differently: ``ATEN_CPU_CAPABILITY=avx2``, which ``make`` and Binder set, selects the AVX2
kernels on any x86-64 CPU, see the README's "Same digits"). A
:class:`StudyRecipe` does the same for a :func:`foldlab.normalisation_statistics` study (its arrays, saved as
tensors). The files are written by ``python tools/make_pretrained.py``.

>>> import foldlab as fl
>>> net = fl.pretrained("moons-walk")
>>> net
Sequential(
  (0): Linear(in_features=2, out_features=16, bias=True)
  (1): ReLU()
  (2): Linear(in_features=16, out_features=16, bias=True)
  (3): ReLU()
  (4): Linear(in_features=16, out_features=16, bias=True)
  (5): ReLU()
  (6): Linear(in_features=16, out_features=1, bias=True)
)
>>> print(PRETRAINED["moons-walk"].code)
data = fl.toy_dataset("moons", n=400, noise=0.1, seed=0)
net = fl.mlp([2, 16, 16, 16, 1], seed=0)
fl.train(net, data, epochs=30, lr=0.01, seed=0, progress=False)
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from ._validation import check_bool, check_choice, describe
from .data import Dataset, load_digits, toy_dataset
from .limits import one_torch_thread
from .nets import mlp
from .normalisation import NormalisationRun, NormalisationStudy, normalisation_statistics
from .training import train

__all__ = ["Recipe", "StudyRecipe", "PRETRAINED", "WEIGHTS", "pretrained"]

#: The folder of the shipped files, ``<name>.pt`` each (package data: it travels in the wheel).
WEIGHTS = Path(__file__).resolve().parent / "weights"


def _data_code(data: tuple[str, dict[str, Any]]) -> str:
    kind, kwargs = data
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    return f'fl.toy_dataset("{kind}", {args})' if kind != "digits" else f"fl.load_digits({args})"


@dataclass(frozen=True)
class Recipe:
    """How one shipped net is made: ``mlp(widths, seed=net_seed)`` trained by ``train(net, data, **fit)``.

    Attributes
    ----------
    name : str
    notebook : str
        The notebook that starts from it.
    data : tuple
        ``("moons", {toy_dataset's keywords})`` or ``("digits", {load_digits' keywords})``.
    widths : tuple of int
    net_seed : int
    fit : dict
        The keywords of :func:`foldlab.train` (``progress=False`` is added).
    """

    name: str
    notebook: str
    data: tuple[str, dict[str, Any]]
    widths: tuple[int, ...]
    net_seed: int
    fit: dict[str, Any]

    def dataset(self) -> Dataset:
        """The recipe's data set (seeded: the same every time)."""
        kind, kwargs = self.data
        return toy_dataset(kind, **kwargs) if kind != "digits" else load_digits(**kwargs)

    def untrained(self) -> nn.Module:
        """The recipe's net before training."""
        return mlp(list(self.widths), seed=self.net_seed)

    @property
    def code(self) -> str:
        """The recipe as the lines a notebook would run (``import foldlab as fl``)."""
        data = _data_code(self.data)
        fit = "".join(f", {k}={v!r}" for k, v in self.fit.items())
        return (f"data = {data}\nnet = fl.mlp({list(self.widths)}, seed={self.net_seed})\n"
                f"fl.train(net, data{fit}, progress=False)")

    def train(self) -> nn.Module:
        """Run the recipe on one torch thread (as the notebooks do) and return the trained net."""
        net = self.untrained()
        with one_torch_thread():
            train(net, self.dataset(), **self.fit, progress=False)
        return net

    @property
    def path(self) -> Path:
        return WEIGHTS / f"{self.name}.pt"


@dataclass(frozen=True)
class StudyRecipe:
    """How one shipped study is made: ``normalisation_statistics(data, **study)`` on the recipe's data set.

    Attributes
    ----------
    name, notebook : str
    data : tuple
        As in :class:`Recipe`.
    study : dict
        The keywords of :func:`foldlab.normalisation_statistics`.
    """

    name: str
    notebook: str
    data: tuple[str, dict[str, Any]]
    study: dict[str, Any]

    dataset = Recipe.dataset

    @property
    def code(self) -> str:
        """The study as the lines a notebook would run (``import foldlab as fl``)."""
        data = _data_code(self.data)
        study = ", ".join(f"{k}={v!r}" for k, v in self.study.items())
        return f"data = {data}\nstudy = fl.normalisation_statistics(data, {study})"

    def train(self) -> NormalisationStudy:
        """Run the study on one torch thread (as the notebooks do)."""
        with one_torch_thread():
            return normalisation_statistics(self.dataset(), **self.study)

    path = Recipe.path


#: The shipped nets and studies, by name.
PRETRAINED: dict[str, Recipe | StudyRecipe] = {
    recipe.name: recipe
    for recipe in (
        Recipe("moons-walk", "04_walks_and_folding", ("moons", dict(n=400, noise=0.1, seed=0)),
               (2, 16, 16, 16, 1), 0, dict(epochs=30, lr=0.01, seed=0)),
        Recipe("digits-folding", "05_folding_over_data", ("digits", dict(seed=0)),
               (64, 32, 32, 32, 10), 0, dict(epochs=30, seed=0)),
        Recipe("moons-small", "08_information_geometry", ("moons", dict(n=300, noise=0.1, seed=0)),
               (2, 16, 16, 1), 0, dict(epochs=40)),
        StudyRecipe("normalisation-digits", "06_normalisation", ("digits", dict(seed=0)),
                    dict(depths=[2, 6], width=16, epochs=5, seed=0, n_pairs=1000)),
    )
}

#: The fields of a NormalisationRun stored as arrays (the others are a str, an int, floats).
_RUN_ARRAYS = ("dead", "always_on", "distances", "p_values")


def _study_to_state(study: NormalisationStudy) -> dict[str, Any]:
    """A NormalisationStudy as tensors, ints, floats and strs (what ``torch.load(weights_only=True)`` reads).
    Hamming distances of one layer are at most its width, so they are stored in 8 or 16 bits."""
    runs = []
    for r in study.runs:
        small = np.uint8 if r.distances.max(initial=0) <= np.iinfo(np.uint8).max else np.int16
        runs.append({
            "norm": r.norm, "depth": r.depth, "alpha": r.alpha, "test_accuracy": list(r.test_accuracy),
            "probability": [torch.from_numpy(np.ascontiguousarray(p)) for p in r.probability],
            "dead": torch.from_numpy(r.dead), "always_on": torch.from_numpy(r.always_on),
            "distances": torch.from_numpy(r.distances.astype(small)), "distances_dtype": str(r.distances.dtype),
            "p_values": torch.from_numpy(r.p_values),
        })
    return {"runs": runs, "width": study.width, "epochs": study.epochs, "n_pairs": study.n_pairs,
            "seed": study.seed, "alpha": study.alpha}


def _study_from_state(state: dict[str, Any]) -> NormalisationStudy:
    runs = tuple(
        NormalisationRun(
            norm=r["norm"], depth=r["depth"], alpha=r["alpha"], test_accuracy=tuple(r["test_accuracy"]),
            probability=tuple(p.numpy() for p in r["probability"]),
            dead=r["dead"].numpy(), always_on=r["always_on"].numpy(),
            distances=r["distances"].numpy().astype(r["distances_dtype"]), p_values=r["p_values"].numpy(),
        )
        for r in state["runs"]
    )
    return NormalisationStudy(runs, state["width"], state["epochs"], state["n_pairs"], state["seed"], state["alpha"])


def pretrained(name: str, *, retrain: bool = False) -> nn.Module | NormalisationStudy:
    """A trained net of the course: the shipped weights of recipe ``name``, or the recipe run again; for a
    study recipe (``"normalisation-digits"``), the :class:`~foldlab.normalisation.NormalisationStudy`.

    Parameters
    ----------
    name : str
        One of :data:`PRETRAINED` (the nets ``"moons-walk"``, ``"digits-folding"``, ``"moons-small"``, the study
        ``"normalisation-digits"``); its ``code`` says how it is trained.
    retrain : bool
        False (default): load the shipped file (``torch.load(weights_only=True)``, milliseconds). True: train
        the net with :func:`foldlab.train` as the recipe says, on one torch thread, which gives the same
        weights (seconds; the first call also imports what training needs).

    Returns
    -------
    nn.Module or NormalisationStudy
        A new net on every call (changing it changes no later call), in the mode ``train`` leaves it in; for
        a study recipe, the study (new arrays on every call).

    Raises
    ------
    ValueError
        An unknown name, or a shipped file that is missing or does not fit the recipe's net (the message says
        how to write it again).

    Examples
    --------
    >>> import torch
    >>> a, b = pretrained("moons-small"), pretrained("moons-small")
    >>> a is b, torch.equal(a[0].weight, b[0].weight)
    (False, True)
    >>> pretrained("moons")
    Traceback (most recent call last):
    ...
    ValueError: name must be one of ('moons-walk', 'digits-folding', 'moons-small', 'normalisation-digits'), got 'moons'

    References
    ----------
    Lewandowski et al., "On Space Folds of ReLU Neural Networks" (TMLR 2025, arXiv:2502.09954), section 4: the
    walks and the folding measure the notebooks compute on these nets.
    """
    name = check_choice(name, "name", tuple(PRETRAINED))
    retrain = check_bool(retrain, "retrain")
    recipe = PRETRAINED[name]
    if retrain:
        return recipe.train()
    try:
        state = torch.load(recipe.path, map_location="cpu", weights_only=True)
        if isinstance(recipe, StudyRecipe):
            return _study_from_state(state)
        net = recipe.untrained()
        net.load_state_dict(state)
    except (OSError, RuntimeError, KeyError, TypeError, pickle.UnpicklingError) as error:  # missing or not its file
        raise ValueError(
            f"the shipped weights of {name!r} ({recipe.path}) cannot be read into its net: {error}; "
            f"write them again with `python tools/make_pretrained.py`, or pass retrain=True"
        ) from None
    return net


def write(name: str, folder: Path | None = None) -> Path:
    """Run recipe ``name`` and save its state dict (or its study's arrays) to ``folder`` (default
    :data:`WEIGHTS`) as ``<name>.pt``."""
    recipe = PRETRAINED[check_choice(name, "name", tuple(PRETRAINED))]
    if folder is not None and not isinstance(folder, (str, Path)):
        raise TypeError(f"folder must be a path, got {describe(folder)}")
    path = (Path(folder) if folder is not None else WEIGHTS) / f"{name}.pt"
    path.parent.mkdir(parents=True, exist_ok=True)
    trained = recipe.train()
    if isinstance(recipe, StudyRecipe):
        state = _study_to_state(trained)
    else:
        state = {k: v.detach().clone().contiguous() for k, v in trained.state_dict().items()}
    torch.save(state, path)
    return path
