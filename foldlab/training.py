"""A small seeded training loop for the notebooks: full control of the randomness, a tqdm progress bar."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.nn import functional as F
from tqdm.auto import tqdm

from .data import Dataset

__all__ = ["TrainHistory", "train", "accuracy"]


@dataclass(frozen=True, eq=False)
class TrainHistory:
    """Per-epoch record of a training run (index 0 is before the first epoch).

    Attributes
    ----------
    loss : list of float
        Mean training loss of each epoch (``nan`` at index 0).
    train_accuracy, test_accuracy : list of float
    snapshots : list of nn.Module
        Copies of the net after each epoch when ``keep_snapshots=True`` (index 0: the initial net).
    """

    loss: list[float]
    train_accuracy: list[float]
    test_accuracy: list[float]
    snapshots: list[nn.Module] = field(default_factory=list, repr=False)

    @property
    def epochs(self) -> int:
        return len(self.loss) - 1

    def __repr__(self) -> str:
        return (
            f"TrainHistory(epochs={self.epochs}, loss={self.loss[-1]:.4f}, "
            f"train_accuracy={self.train_accuracy[-1]:.3f}, test_accuracy={self.test_accuracy[-1]:.3f})"
        )


def _loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    if logits.shape[1] == 1:  # one output: its sign is the class
        return F.binary_cross_entropy_with_logits(logits[:, 0], y.to(logits.dtype))
    return F.cross_entropy(logits, y)


@torch.no_grad()
def accuracy(net: nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of inputs classified correctly (sign of a single output, else argmax); nan if empty."""
    if len(X) == 0:
        return float("nan")
    logits = net(X)
    pred = (logits[:, 0] > 0).long() if logits.shape[1] == 1 else logits.argmax(1)
    return float((pred == y).double().mean())


def _batches(order: torch.Tensor, batch_size: int) -> list[torch.Tensor]:
    """Consecutive batches of ``order``; a last batch of one sample joins the one before (BatchNorm
    cannot normalise a single sample in training mode)."""
    batches = list(order.split(batch_size))
    if len(batches) > 1 and len(batches[-1]) == 1:
        batches[-2:] = [torch.cat(batches[-2:])]
    return batches


def train(
    net: nn.Module,
    data: Dataset,
    epochs: int = 20,
    *,
    lr: float = 1e-2,
    batch_size: int = 64,
    seed: int = 0,
    weight_decay: float = 0.0,
    penalty: Callable[[nn.Module, torch.Tensor, torch.Tensor, int], torch.Tensor] | None = None,
    keep_snapshots: bool = False,
    progress: bool = True,
) -> TrainHistory:
    """Train ``net`` in place with Adam on a :class:`~foldlab.data.Dataset`.

    Parameters
    ----------
    net : nn.Module
        Its output has one unit (binary, logistic loss) or one unit per class (cross-entropy).
    data : Dataset
    epochs : int
    lr, weight_decay : float
        Adam's learning rate and weight decay.
    batch_size : int
        A last batch of a single sample is merged into the one before it.
    seed : int
        Seeds the shuffling (a private generator): the same net, data and seed give the same weights.
    penalty : callable, optional
        ``penalty(net, X_batch, y_batch, epoch) -> scalar tensor`` added to the loss (e.g. a regularizer).
    keep_snapshots : bool
        Keep a copy of the net after every epoch (``history.snapshots``), for sliders over training.
    progress : bool
        Show a tqdm progress bar over epochs.

    Returns
    -------
    TrainHistory

    Examples
    --------
    >>> from foldlab import mlp, toy_dataset
    >>> data = toy_dataset("moons", n=200, seed=0)
    >>> net = mlp([2, 16, 16, 1], seed=0)
    >>> history = train(net, data, epochs=30, progress=False)
    >>> history.train_accuracy[-1] > 0.8
    True
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"epochs must be an int >= 0, got {epochs!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr!r}")
    param = next(net.parameters())
    X, y = data.X.to(param), data.y.to(param.device)
    X_test, y_test = data.X_test.to(param), data.y_test.to(param.device)
    was_training = net.training
    net.eval()  # a one-sample probe: BatchNorm refuses it in training mode
    with torch.no_grad():
        try:
            out_dim = net(X[:1]).shape[1]
        except RuntimeError as error:
            net.train(was_training)
            raise ValueError(
                f"the net cannot take the inputs of {data.name!r}, which have {X.shape[1]} features: {error}"
            ) from None
    if out_dim == 1 and int(y.max()) > 1:
        raise ValueError(f"a net with one output trains on two classes, but the labels go up to {int(y.max())}")
    if out_dim > 1 and int(y.max()) >= out_dim:
        raise ValueError(f"labels go up to {int(y.max())} but the net has only {out_dim} outputs")

    generator = torch.Generator().manual_seed(int(seed))
    optimizer = torch.optim.Adam(net.parameters(), lr=lr, weight_decay=weight_decay)
    losses, train_acc, test_acc = [float("nan")], [accuracy(net, X, y)], [accuracy(net, X_test, y_test)]
    snapshots = [copy.deepcopy(net)] if keep_snapshots else []
    for epoch in tqdm(range(1, epochs + 1), desc="training", disable=not progress, leave=False):
        net.train()
        order = torch.randperm(len(X), generator=generator).to(X.device)
        total = 0.0
        for idx in _batches(order, batch_size):
            loss = _loss(net(X[idx]), y[idx])
            if penalty is not None:
                loss = loss + penalty(net, X[idx], y[idx], epoch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += float(loss.detach()) * len(idx)
        net.eval()
        losses.append(total / len(X))
        train_acc.append(accuracy(net, X, y))
        test_acc.append(accuracy(net, X_test, y_test))
        if keep_snapshots:
            snapshots.append(copy.deepcopy(net))
    net.train(was_training)
    return TrainHistory(losses, train_acc, test_acc, snapshots)
