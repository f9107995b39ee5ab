"""A small seeded training loop for the notebooks: full control of the randomness, a tqdm progress bar,
all or nothing (a run that fails leaves the net as it was), and the folding regularizer's numbers (task loss,
penalty, weight, exact Phi_N) recorded epoch by epoch."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F
from tqdm.auto import tqdm

from ._docs import shared_docs
from ._typing import ArrayLike
from ._validation import as_labels, as_points, check_bool, check_float, check_int, check_seed, describe
from .data import Dataset
from .folding import global_folding
from .regularizer import FoldingRegularizer

__all__ = ["TrainHistory", "train", "accuracy"]

#: Segments of the exact ``Phi_N`` that :func:`train` measures every ``phi_every`` epochs on the training set
#: (:func:`foldlab.global_folding`, seeded with train's ``seed``, so the same segments every time it is
#: measured in a run): a few hundred exact walks take tens of milliseconds for the nets the course trains, and
#: fixing the segments makes the curve over epochs show the net changing, not the sample.
PHI_PAIRS = 256


@dataclass(frozen=True, eq=False)
class TrainHistory:
    """Per-epoch record of a training run (index 0 is before the first epoch).

    Attributes
    ----------
    loss : list of float
        Mean training loss of each epoch, the quantity minimised: ``task_loss + weight * penalty`` (``nan`` at
        index 0). The means are over the epoch's samples (each batch weighted by its size).
    train_accuracy, test_accuracy : list of float
    snapshots : list of nn.Module
        Copies of the net after each epoch when ``keep_snapshots=True`` (index 0: the initial net).
    task_loss : list of float
        Mean task loss (cross-entropy or logistic) of each epoch (``nan`` at index 0); equal to ``loss``
        without a penalty.
    penalty : list of float
        Mean unweighted penalty of each epoch: the regularizer's :func:`~foldlab.folding_penalty` as its loss used
        it (``every`` times the penalty on the batches it is computed on, 0 on the others, so that the epoch's
        mean estimates the penalty; 0 in an epoch whose weight is 0: not computed then), the value of a
        ``penalty=`` callable, 0 without either (``nan`` at index 0).
    weight : list of float
        The regularizer's weight in each epoch (its schedule's ``weight_at``); 1 for a ``penalty=`` callable
        (which weighs itself), 0 without either (``nan`` at index 0).
    phi : list of float
        Exact ``Phi_N`` on the training set (:func:`foldlab.global_folding`, :data:`PHI_PAIRS` segments) after the
        epochs that are multiples of ``phi_every`` (index 0 included: the initial net); ``nan`` elsewhere.
    """

    loss: list[float]
    train_accuracy: list[float]
    test_accuracy: list[float]
    snapshots: list[nn.Module] = field(default_factory=list, repr=False)
    task_loss: list[float] = field(default_factory=list)
    penalty: list[float] = field(default_factory=list)
    weight: list[float] = field(default_factory=list)
    phi: list[float] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        return len(self.loss) - 1

    @property
    def last_phi(self) -> float:
        """The last ``Phi_N`` measured (``nan`` if none was)."""
        return next((p for p in reversed(self.phi) if not math.isnan(p)), float("nan"))

    def __repr__(self) -> str:
        extra = ""
        if any(w != 0 for w in self.weight[1:]):  # a penalty took part: show its share of the loss
            extra += f", task_loss={self.task_loss[-1]:.4f}, penalty={self.penalty[-1]:.4f}, weight={self.weight[-1]:g}"
        if not math.isnan(self.last_phi):
            extra += f", phi={self.last_phi:.4f}"
        return (
            f"TrainHistory(epochs={self.epochs}, loss={self.loss[-1]:.4f}{extra}, "
            f"train_accuracy={self.train_accuracy[-1]:.3f}, test_accuracy={self.test_accuracy[-1]:.3f})"
        )


def _loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    if logits.shape[1] == 1:  # one output: its sign is the class
        return F.binary_cross_entropy_with_logits(logits[:, 0], y.to(logits.dtype))
    return F.cross_entropy(logits, y)


def _check_net(net: Any, *, trainable: bool = True) -> torch.nn.Parameter:
    """The net's first parameter (where its inputs go), after checking that it is a module (one that can be
    trained, with ``trainable``)."""
    if not isinstance(net, nn.Module):
        raise TypeError(f"net must be a torch.nn.Module, got {describe(net)}")
    params = list(net.parameters())
    if not params:
        raise ValueError(
            f"net has no parameters ({type(net).__name__}): foldlab trains and evaluates nets with weights"
        )
    if not trainable:
        return params[0]
    if not any(p.requires_grad for p in params):
        raise ValueError(
            "net has no trainable parameters: every parameter has requires_grad=False "
            "(call net.requires_grad_(True) to train it)"
        )
    bad = next((name for name, p in net.named_parameters() if not bool(torch.isfinite(p).all())), None)
    if bad is not None:
        raise ValueError(f"net's parameter {bad!r} contains NaN or inf; training cannot start from it")
    return params[0]


def _outputs(net: nn.Module, X: torch.Tensor, what: str) -> torch.Tensor:
    """``net(X)`` as logits of shape (n, k), or a ValueError that says what the net cannot do."""
    try:
        out = net(X)
    except (RuntimeError, TypeError, ValueError, IndexError) as error:
        raise ValueError(f"the net cannot take {what}, which have {X.shape[1]} features: {error}") from None
    if not isinstance(out, torch.Tensor) or out.ndim != 2 or out.shape[0] != X.shape[0]:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else describe(out)
        raise ValueError(
            f"the net must map {what} of shape (n, {X.shape[1]}) to logits of shape (n, k); it returned {shape}"
        )
    return out


@torch.no_grad()
def accuracy(net: nn.Module, X: ArrayLike, y: ArrayLike) -> float:
    """Fraction of inputs classified correctly (sign of a single output, else argmax); nan if empty.

    The net is evaluated in eval mode, as :func:`train` does for its history, and put back in its own mode
    afterwards: a net in training mode would otherwise update its BatchNorm statistics or draw dropout
    masks from torch's global random state. The net and that state are left as they were.

    Parameters
    ----------
    net : nn.Module
    X : Tensor or array, shape (n, d)
        Finite inputs (moved to the device and dtype of the net's parameters).
    y : Tensor or array, shape (n,)
        Integer class labels.

    Examples
    --------
    >>> from foldlab import mlp
    >>> accuracy(mlp([2, 4, 1], seed=0), torch.zeros(3, 2), torch.tensor([0, 0, 1]))
    0.3333333333333333
    """
    param = _check_net(net, trainable=False)
    X = torch.from_numpy(as_points(X, "X", allow_empty=True)).to(param)
    y = torch.from_numpy(as_labels(y, "y", n=len(X))).to(param.device)
    was_training = net.training
    net.eval()
    try:
        if len(X):
            _outputs(net, X[:1], "X")  # a net that cannot take X says so here
        return _accuracy(net, X, y)
    finally:
        net.train(was_training)


@torch.no_grad()
def _accuracy(net: nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
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


@shared_docs
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
    regularizer: FoldingRegularizer | None = None,
    phi_every: int | None = None,
    target_accuracy: float | None = None,
) -> TrainHistory:
    """Train ``net`` in place with Adam on a :class:`~foldlab.data.Dataset`.

    All or nothing: every argument is checked before the first step, and if training fails part-way (the
    loss becomes NaN or infinite, which a too large ``lr`` does, or the penalty raises) the net's
    parameters, buffers (BatchNorm statistics) and train/eval mode, and torch's global random state
    (which dropout draws from), are restored to what they were before the call, and the error says so.

    Parameters
    ----------
    net : nn.Module
        Its output has one unit (binary, logistic loss) or one unit per class (cross-entropy).
    data : Dataset
    epochs : int
        Passes over the training set (>= 0).
    lr, weight_decay : float
        Adam's learning rate (finite, > 0) and weight decay (finite, >= 0).
    batch_size : int
        A last batch of a single sample is merged into the one before it.
    %(seed)s
        It shuffles the batches: the same net, data and seed give the same weights on the
        same number of torch threads. torch splits a float32 sum over its threads, and another split rounds
        differently, so another thread count can give other last bits (the notebooks run on one thread:
        ``torch.set_num_threads(1)``).
    penalty : callable, optional
        ``penalty(net, X_batch, y_batch, epoch) -> scalar tensor`` added to the loss (any penalty; recorded in
        ``history.penalty`` with weight 1).
    keep_snapshots : bool
        Keep a copy of the net after every epoch (``history.snapshots``), for sliders over training.
    progress : bool
        Show a tqdm progress bar over epochs, with the loss, the penalty, its weight, the training accuracy
        and the last ``Phi_N`` measured.
    regularizer : FoldingRegularizer, optional
        The folding regularizer: each batch's loss is ``task loss + weight_at(epoch) * penalty``, from one
        forward pass over the batch and the penalty's segment points (:meth:`FoldingRegularizer.fused_loss`),
        the penalty computed on every ``regularizer.every``-th batch of the run (lazy regularisation, weighted
        ``every`` times there). Its seed stream and its batch count restart at every call
        (``regularizer.calls = regularizer.batches = 0``), so that the same ``seed`` and regularizer give the
        same run. Not together with ``penalty``.
    phi_every : int, optional
        Measure the exact ``Phi_N`` of the net on the training set (:func:`foldlab.global_folding` with the
        batched walk, :data:`PHI_PAIRS` segments drawn with ``seed``) before training and after every
        ``phi_every``-th epoch (``history.phi``, nan elsewhere). None (default): never, which costs nothing.
    target_accuracy : float, optional
        Stop after the first epoch whose accuracy on ``data``'s test split reaches it (in (0, 1]); ``epochs``
        is then the budget. The history ends at that epoch, so ``history.epochs`` is how many were needed,
        and ``history.test_accuracy[-1] >= target_accuracy`` says whether the budget sufficed. The net is the
        one that epoch gave, as if ``epochs`` had been that number. Keep the test set for the end by making
        the Dataset's test split a validation split (as :func:`foldlab.experiments.run_experiments` does).

    Returns
    -------
    TrainHistory

    Raises
    ------
    TypeError, ValueError
        A bad argument (named in the message), a net that cannot take the data's inputs, labels the net's
        outputs cannot express, or a loss that stopped being finite (the net is then restored).

    Examples
    --------
    >>> from foldlab import mlp, toy_dataset
    >>> data = toy_dataset("moons", n=200, seed=0)
    >>> net = mlp([2, 16, 16, 1], seed=0)
    >>> history = train(net, data, epochs=30, progress=False)
    >>> history.train_accuracy[-1] > 0.8
    True

    With the folding regularizer, and the exact ``Phi_N`` every 10 epochs:

    >>> from foldlab import FoldingRegularizer
    >>> net = mlp([2, 16, 16, 1], seed=0)
    >>> reg = FoldingRegularizer(weight=0.5, schedule="linear", epochs=30)
    >>> history = train(net, data, epochs=30, regularizer=reg, phi_every=10, progress=False)
    >>> [e for e, phi in enumerate(history.phi) if phi == phi]  # the epochs where Phi_N was measured
    [0, 10, 20, 30]
    >>> abs(history.task_loss[1] + history.weight[1] * history.penalty[1] - history.loss[1]) < 1e-6
    True

    References
    ----------
    Lewandowski et al., "The Space Between: On Folding, Symmetries and Sampling" (arXiv 2503.08502): the global
    folding measure Phi_N and the folding-based regularization scheme it outlines.
    """
    param = _check_net(net)
    if not isinstance(data, Dataset):
        raise TypeError(f"data must be a foldlab Dataset (fl.toy_dataset, fl.load_digits, ...), got {describe(data)}")
    epochs = check_int(epochs, "epochs", min=0)
    batch_size = check_int(batch_size, "batch_size", min=1)
    lr = check_float(lr, "lr", min=0, include_min=False)
    weight_decay = check_float(weight_decay, "weight_decay", min=0)
    seed = check_seed(seed)
    if penalty is not None and not callable(penalty):
        raise TypeError(f"penalty must be None or a callable penalty(net, X, y, epoch), got {describe(penalty)}")
    if regularizer is not None and not isinstance(regularizer, FoldingRegularizer):
        raise TypeError(
            f"regularizer must be None or a foldlab FoldingRegularizer (use penalty= for any other callable), "
            f"got {describe(regularizer)}"
        )
    if regularizer is not None and penalty is not None:
        raise ValueError("pass either penalty= or regularizer=, not both (a FoldingRegularizer goes in regularizer=)")
    if phi_every is not None:
        phi_every = check_int(phi_every, "phi_every", min=1)
    keep_snapshots = check_bool(keep_snapshots, "keep_snapshots")
    progress = check_bool(progress, "progress")
    if target_accuracy is not None:
        target_accuracy = check_float(target_accuracy, "target_accuracy", min=0.0, max=1.0, include_min=False)
        if len(data.y_test) == 0:
            raise ValueError(f"target_accuracy={target_accuracy} is measured on data's test split, but "
                             f"{data.name!r} has none (test_fraction=0)")
    X, y = data.X.to(param), data.y.to(param.device)
    X_test, y_test = data.X_test.to(param), data.y_test.to(param.device)
    was_training = net.training
    net.eval()  # a one-sample probe: BatchNorm refuses it in training mode
    try:
        with torch.no_grad():
            out_dim = _outputs(net, X[:1], f"the inputs of {data.name!r}").shape[1]
    finally:
        net.train(was_training)
    if out_dim == 1 and int(y.max()) > 1:
        raise ValueError(f"a net with one output trains on two classes, but the labels go up to {int(y.max())}")
    if out_dim > 1 and int(y.max()) >= out_dim:
        raise ValueError(f"labels go up to {int(y.max())} but the net has only {out_dim} outputs")
    if len(y_test) and int(y_test.max()) >= max(out_dim, 2):
        raise ValueError(f"test labels go up to {int(y_test.max())} but the net has only {out_dim} outputs")
    if phi_every is not None and len(torch.unique(y)) < 2:
        raise ValueError("phi_every needs a training set of at least two classes: Phi_N walks between classes")

    # what a failure restores: weights and buffers, the mode, and the global RNG dropout draws from
    saved_state = copy.deepcopy(net.state_dict())
    saved_rng = torch.random.get_rng_state()
    saved_cuda_rng = torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else None
    saved_counts = None if regularizer is None else (regularizer.calls, regularizer.batches)
    try:
        if regularizer is not None:
            regularizer.calls = regularizer.batches = 0
        return _train(net, X, y, X_test, y_test, epochs, lr, batch_size, seed, weight_decay, penalty,
                      keep_snapshots, progress, was_training, regularizer, phi_every, target_accuracy)
    except BaseException as error:
        with torch.no_grad():
            net.load_state_dict(saved_state)
        net.train(was_training)
        if regularizer is not None:
            regularizer.calls, regularizer.batches = saved_counts
        torch.random.set_rng_state(saved_rng)
        if saved_cuda_rng is not None:
            torch.cuda.set_rng_state_all(saved_cuda_rng)
        if isinstance(error, _Diverged):
            raise ValueError(f"{error}; the net's parameters and buffers were restored to what they were "
                             f"before the call") from None
        raise


class _Diverged(Exception):
    """The loss stopped being finite (turned into a ValueError once the net is restored)."""


def _phi(net: nn.Module, X: torch.Tensor, y: torch.Tensor, seed: int) -> float:
    """Exact ``Phi_N`` of the net (in eval mode) on ``X``: the batched walk on :data:`PHI_PAIRS` seeded segments."""
    return float(global_folding(net, X, y, n_pairs=PHI_PAIRS, seed=seed, progress=False).phi)


def _train(net, X, y, X_test, y_test, epochs, lr, batch_size, seed, weight_decay, penalty, keep_snapshots,
           progress, was_training, regularizer, phi_every, target_accuracy) -> TrainHistory:
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(net.parameters(), lr=lr, weight_decay=weight_decay)
    net.eval()  # the accuracies before training, as after every epoch (no BatchNorm update, no dropout)
    nan = float("nan")
    losses, task_losses, penalties, weights = [nan], [nan], [nan], [nan]
    train_acc, test_acc = [_accuracy(net, X, y)], [_accuracy(net, X_test, y_test)]
    phis = [_phi(net, X, y, seed) if phi_every is not None else nan]
    snapshots = [copy.deepcopy(net)] if keep_snapshots else []
    bar = tqdm(range(1, epochs + 1), desc="training", disable=not progress, leave=False)
    for epoch in bar:
        net.train()
        order = torch.randperm(len(X), generator=generator).to(X.device)
        total = total_task = total_penalty = 0.0
        weight = 0.0 if penalty is None and regularizer is None else 1.0
        for number, idx in enumerate(_batches(order, batch_size), start=1):
            if regularizer is not None:
                task, pen, weight = regularizer.fused_loss(net, X[idx], y[idx], epoch, _loss)
                loss = task + weight * pen if weight else task
            else:
                task = loss = _loss(net(X[idx]), y[idx])
                pen = None
                if penalty is not None:
                    pen = penalty(net, X[idx], y[idx], epoch)
                    loss = loss + pen
            value = float(loss.detach())
            if not math.isfinite(value):
                raise _Diverged(
                    f"the training loss became {value} at epoch {epoch}, batch {number} (lr={lr}): the step "
                    f"size is too large for this net and data, or the penalty is not finite"
                )
            optimizer.zero_grad()
            loss.backward()
            try:
                optimizer.step()
            except RuntimeError as error:  # an update beyond the parameters' float range (lr of 1e38)
                raise _Diverged(f"Adam's step failed at epoch {epoch}, batch {number} (lr={lr}): {error}") from None
            total += value * len(idx)
            total_task += float(task.detach()) * len(idx)
            if pen is not None:
                total_penalty += float(pen.detach() if isinstance(pen, torch.Tensor) else pen) * len(idx)
        net.eval()
        bad = next((name for name, p in net.named_parameters() if not bool(torch.isfinite(p).all())), None)
        if bad is not None:
            raise _Diverged(f"the parameter {bad!r} became NaN or infinite in epoch {epoch} (lr={lr})")
        losses.append(total / len(X))
        task_losses.append(total_task / len(X))
        penalties.append(total_penalty / len(X))
        weights.append(float(weight))
        train_acc.append(_accuracy(net, X, y))
        test_acc.append(_accuracy(net, X_test, y_test))
        phis.append(_phi(net, X, y, seed) if phi_every is not None and epoch % phi_every == 0 else nan)
        if keep_snapshots:
            snapshots.append(copy.deepcopy(net))
        if progress:
            last_phi = next((p for p in reversed(phis) if not math.isnan(p)), nan)
            bar.set_postfix(loss=f"{losses[-1]:.4f}", penalty=f"{penalties[-1]:.4f}", weight=f"{weight:g}",
                            train_acc=f"{train_acc[-1]:.3f}", phi=f"{last_phi:.3f}")
        if target_accuracy is not None and test_acc[-1] >= target_accuracy:
            break
    bar.close()
    net.train(was_training)
    return TrainHistory(losses, train_acc, test_acc, snapshots, task_losses, penalties, weights, phis)
