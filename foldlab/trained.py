"""The small trained nets the notebooks start from, shipped with the package so that a widget opens in seconds.

Each net has a :class:`Recipe`: the data set, the net and the :func:`foldlab.train` call that make it, all
seeded. The package ships the result of that recipe as a small ``weights_only`` file (a state dict saved
with ``torch.save``, in ``foldlab/weights/``), and :func:`pretrained` loads it into the recipe's untrained
net. ``pretrained(name, retrain=True)`` runs the recipe instead, on one torch thread as the notebooks do, and
gives the same weights: the test suite retrains every recipe and compares (bit for bit on the torch build
the files were made with; another build or CPU may round the last bits of a float32 sum differently). The
files are written by ``python tools/make_pretrained.py``.

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

import contextlib
import pickle
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ._validation import check_bool, check_choice, describe
from .data import Dataset, load_digits, toy_dataset
from .nets import mlp
from .training import train

__all__ = ["Recipe", "PRETRAINED", "WEIGHTS", "pretrained"]

#: The folder of the shipped files, ``<name>.pt`` each (package data: it travels in the wheel).
WEIGHTS = Path(__file__).resolve().parent / "weights"


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
        kind, kwargs = self.data
        args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
        data = f'fl.toy_dataset("{kind}", {args})' if kind != "digits" else f"fl.load_digits({args})"
        fit = "".join(f", {k}={v!r}" for k, v in self.fit.items())
        return (f"data = {data}\nnet = fl.mlp({list(self.widths)}, seed={self.net_seed})\n"
                f"fl.train(net, data{fit}, progress=False)")

    def train(self) -> nn.Module:
        """Run the recipe on one torch thread (as the notebooks do) and return the trained net."""
        net = self.untrained()
        with _one_thread():
            train(net, self.dataset(), **self.fit, progress=False)
        return net

    @property
    def path(self) -> Path:
        return WEIGHTS / f"{self.name}.pt"


#: The shipped nets, by name.
PRETRAINED: dict[str, Recipe] = {
    recipe.name: recipe
    for recipe in (
        Recipe("moons-walk", "04_walks_and_folding", ("moons", dict(n=400, noise=0.1, seed=0)),
               (2, 16, 16, 16, 1), 0, dict(epochs=30, lr=0.01, seed=0)),
        Recipe("digits-folding", "05_folding_over_data", ("digits", dict(seed=0)),
               (64, 32, 32, 32, 10), 0, dict(epochs=30, seed=0)),
        Recipe("moons-small", "08_information_geometry", ("moons", dict(n=300, noise=0.1, seed=0)),
               (2, 16, 16, 1), 0, dict(epochs=40)),
    )
}


@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
    # torch splits a float32 sum over its threads, so the thread count is part of the recipe
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def pretrained(name: str, *, retrain: bool = False) -> nn.Module:
    """A trained net of the course: the shipped weights of recipe ``name``, or the recipe run again.

    Parameters
    ----------
    name : str
        One of :data:`PRETRAINED` (``"moons-walk"``, ``"digits-folding"``, ``"moons-small"``); its
        :attr:`Recipe.code` says how it is trained.
    retrain : bool
        False (default): load the shipped file (``torch.load(weights_only=True)``, milliseconds). True: train
        the net with :func:`foldlab.train` as the recipe says, on one torch thread, which gives the same
        weights (seconds; the first call also imports what training needs).

    Returns
    -------
    nn.Module
        A new net on every call (changing it changes no later call), in the mode ``train`` leaves it in.

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
    ValueError: name must be one of ('moons-walk', 'digits-folding', 'moons-small'), got 'moons'

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
    net = recipe.untrained()
    try:
        state = torch.load(recipe.path, map_location="cpu", weights_only=True)
        net.load_state_dict(state)
    except (OSError, RuntimeError, KeyError, pickle.UnpicklingError) as error:  # missing, not a zip, not a state
        raise ValueError(
            f"the shipped weights of {name!r} ({recipe.path}) cannot be read into its net: {error}; "
            f"write them again with `python tools/make_pretrained.py`, or pass retrain=True"
        ) from None
    return net


def write(name: str, folder: Path | None = None) -> Path:
    """Train recipe ``name`` and save its state dict to ``folder`` (default :data:`WEIGHTS`) as ``<name>.pt``."""
    recipe = PRETRAINED[check_choice(name, "name", tuple(PRETRAINED))]
    if folder is not None and not isinstance(folder, (str, Path)):
        raise TypeError(f"folder must be a path, got {describe(folder)}")
    path = (Path(folder) if folder is not None else WEIGHTS) / f"{name}.pt"
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().clone().contiguous() for k, v in recipe.train().state_dict().items()}
    torch.save(state, path)
    return path
