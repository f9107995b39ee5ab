"""A differentiable surrogate of the folding measure chi, and a regularizer that rewards folding.

The papers end with an idea they do not implement (Lewandowski et al., "The Space Between: On Folding,
Symmetries and Sampling", arXiv 2503.08502, the closing section on a folding-based regularization scheme):
encourage a net to fold more early in training. chi itself is piecewise constant in the weights (it counts
bit flips), so it has no useful gradient. The surrogate replaces each step of its definition by a smooth one:

- soft bits ``s = sigmoid(z / temperature)`` of every hidden pre-activation ``z`` at ``n_points`` points along
  the segment (for SwiGLU, the probability that ``u`` and ``v`` have the same sign);
- soft Hamming distances between consecutive soft patterns. Two are offered (``distance=``), both of which
  obey the triangle inequality and tend to the Hamming distance as the bits harden:
  ``"l1"`` (default), ``d(s, s') = sum_k |s_k - s'_k|``; and ``"expected"``,
  ``d(s, s') = sum_k s_k (1 - s'_k) + s'_k (1 - s_k)``, the expected number of differing bits when each bit
  is drawn independently. The second counts the uncertainty of a soft bit as distance even between two equal
  soft patterns (``d(s, s) = sum 2 s (1 - s)``), so a path that never leaves its region still accumulates
  ``r2`` step after step while ``r1`` stays at one step's worth, and ``chi_soft`` nears 1 without a single
  flip. A net can exploit that: foldlab's tests found that optimising the penalty alone with ``"expected"``
  puts every segment into one region with bits short of saturation (exact chi 0), while with ``"l1"`` it
  raises exact chi (on a 2-[12]x3-1 net and 30 moons segments, from 0.07 to 0.74). Hence the default;
- ``r2`` the sum of consecutive soft distances; ``r1`` a smooth maximum of the distances from the first point:
  the average weighted by ``softmax(d / max_temperature)`` (the gradient of logsumexp), which never exceeds the
  maximum, so that ``0 <= r1 <= r2``;
- ``chi_soft = (r2 - r1) / (r2 + eps)``, in [0, 1); ``eps`` sends a segment that stays in one region to 0, as
  chi does.

What is guaranteed: as ``temperature`` and ``max_temperature`` go to 0 (``eps`` too), ``chi_soft`` tends to
chi of the path of exact patterns at the sampled points (points exactly on a boundary excepted), and that path
has the chi of the exact walk (:func:`foldlab.walk`) as soon as the points hit every region of the segment
(consecutive repeats do not change chi). What is not: regions narrower than the spacing of the points are
missed (the walk finds them; the surrogate cannot), the smooth maximum is biased low by up to
``max_temperature * log(n_points)`` bits, and at a positive temperature bits near a boundary count fractionally.
foldlab's tests show the gap to the exact walk shrinking as the temperature falls.

:func:`folding_penalty` is ``1 - mean chi_soft`` over segments between points of different classes in a batch:
the quantity a training loop *minimises* to raise folding. :class:`FoldingRegularizer` wraps it as an
``nn.Module`` with a schedule for its weight (the papers ask for the most pressure early in training).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

from ._docs import register_docs, shared_docs
from ._typing import ArrayLike, Layers
from ._validation import as_inputs, as_labels, check_choice, check_float, check_int, check_seed
from .adapter import Layer, activation_calls, read_net, recording_preactivations
from .folding import sample_pairs
from .pattern_stats import check_pairs

__all__ = ["SCHEDULES", "DISTANCES", "EVERY", "soft_chi", "soft_chi_of_points", "folding_penalty", "FoldingRegularizer"]

#: Weight schedules of :class:`FoldingRegularizer`.
SCHEDULES = ("constant", "linear", "step", "cosine")
#: Soft Hamming distances of :func:`soft_chi` (see the module docstring).
DISTANCES = ("l1", "expected")

#: Defaults: pre-activations of the nets foldlab trains are of order 1, so a temperature of 0.1 makes bits
#: that are soft within about a tenth of a unit of a boundary.
TEMPERATURE = 0.1
MAX_TEMPERATURE = 0.05
EPS = 1e-3
#: Lazy regularisation: :func:`foldlab.train` computes the penalty on every ``EVERY``-th batch, weighted
#: ``EVERY`` times (Karras et al., CVPR 2020, section 3.1). On digits a batch with the penalty costs about three
#: plain batches (its 256 segment points carry four times the batch's own rows through the net, and the soft
#: bits and distances several passes over them; ``benchmarks/regularizer.py``); every eighth batch keeps an epoch
#: within 1.5 plain epochs, every fourth did not on this project's machines.
EVERY = 8

# The surrogate's settings, described once for soft_chi, folding_penalty and FoldingRegularizer, which all take
# them (a reader of any one of the three sees them in full rather than a pointer to another function).
register_docs(
    net_trained="""net : torch.nn.Module
    Any net foldlab reads (:func:`foldlab.read_net`); its own parameters carry the gradient.""",
    surrogate="""temperature : float
    Of the soft bits ``sigmoid(z / temperature)``, in the units of the pre-activations.
n_points : int
    Points along each segment, at ``t = (j + 1/2) / n_points``.
max_temperature : float
    Of the smooth maximum that gives ``r1``, in bits.
eps : float
    Added to ``r2`` in the denominator: a segment that stays in one region gives 0.
distance : {"l1", "expected"}
    The soft Hamming distance (see :mod:`foldlab.regularizer` for why "l1" is the default).
layers, include_output
    Which bits, as in :func:`foldlab.walk`.""",
)


def _soft(z: torch.Tensor, temperature: float) -> torch.Tensor:
    """``sigmoid(z / temperature)``, and exactly 0 where ``z`` is exactly 0: the rule of the hard bits (a
    pre-activation of exactly 0 is off). Without it a unit that is exactly 0 on a whole interval (CantorNet's
    plateaus, a zero row) would stay at 1/2 at every temperature and add 1/2 to every soft distance."""
    return torch.sigmoid(z / temperature) * (z != 0)


def _soft_bits(layers: Sequence[Layer], zs: Sequence[torch.Tensor], temperature: float) -> torch.Tensor:
    """Soft bits of every selected layer, concatenated: shape (n, m)."""
    if not any(layer.activation is not None and layer.activation.gated for layer in layers):
        return _soft(torch.cat(list(zs), dim=-1), temperature)  # one pass over all layers: fewer autograd nodes
    parts = []
    for layer, z in zip(layers, zs):
        if layer.activation is not None and layer.activation.gated:  # SwiGLU: P(u and v have the same sign)
            u, v = z[..., : layer.width], z[..., layer.width :]
            su, sv = _soft(u, temperature), _soft(-u, temperature)
            tu, tv = _soft(v, temperature), _soft(-v, temperature)
            parts.append(su * tu + sv * tv)
        else:
            parts.append(_soft(z, temperature))
    return torch.cat(parts, dim=-1)


def soft_chi_of_points(
    soft_bits: torch.Tensor, *, max_temperature: float = MAX_TEMPERATURE, eps: float = EPS, distance: str = "l1"
) -> torch.Tensor:
    """``chi_soft`` of paths of soft patterns, shape (..., n, m) -> (...); ``distance`` as in :func:`soft_chi`.

    Examples
    --------
    >>> path = torch.tensor([[0.0, 0, 0], [1, 0, 0], [0, 0, 0], [0, 0, 1]])  # hard bits: chi = 2/3
    >>> round(float(soft_chi_of_points(path, max_temperature=1e-3, eps=0.0)), 6)
    0.666667
    """
    s = soft_bits
    if distance == "l1":
        step = (s[..., 1:, :] - s[..., :-1, :]).abs()
        from_start = (s - s[..., :1, :]).abs().sum(dim=-1)  # (..., n)
    else:
        step = s[..., 1:, :] + s[..., :-1, :] - 2 * s[..., 1:, :] * s[..., :-1, :]
        from_start = (s + s[..., :1, :] - 2 * s * s[..., :1, :]).sum(dim=-1)
    r2 = step.sum(dim=(-1, -2))
    weights = torch.softmax(from_start / max_temperature, dim=-1)
    r1 = (weights * from_start).sum(dim=-1)
    denominator = r2 + eps
    # a path that never moves (r2 = 0, eps = 0) has chi 0, as in foldlab.chi
    return torch.where(denominator > 0, (r2 - r1) / torch.where(denominator > 0, denominator, 1), 0)


def _selected(spec, layers: Layers, include_output: bool) -> tuple[list[int], list[Layer]]:
    chosen = spec.layer_indices(layers)
    if include_output and spec.output is None:
        raise ValueError("include_output=True needs an output layer after the last activation; this net has none")
    return chosen, [spec.layers[i] for i in chosen] + ([spec.output] if include_output else [])


def _check_temperatures(temperature, max_temperature, eps) -> tuple[float, float, float]:
    return (
        check_float(temperature, "temperature", min=0, include_min=False),
        check_float(max_temperature, "max_temperature", min=0, include_min=False),
        check_float(eps, "eps", min=0),
    )


def _inputs_like_the_net(net: nn.Module, x: ArrayLike, d_in: int, name: str) -> torch.Tensor:
    """Inputs in the net's dtype and device, keeping a tensor's autograd graph (a penalty is differentiated)."""
    param = next(iter(net.parameters()))
    if isinstance(x, torch.Tensor) and x.is_floating_point() and x.ndim in (1, 2):
        t = x.reshape(1, -1) if x.ndim == 1 else x
        if t.shape[-1] != d_in:
            raise ValueError(
                f"expected {name} with {d_in} features (the net's input dimension), got shape {tuple(x.shape)}"
            )
        if not bool(torch.isfinite(t.detach()).all()):
            raise ValueError(f"{name} contains NaN or inf; expected finite inputs")
        return t.to(dtype=param.dtype, device=param.device)
    return as_inputs(x, d_in, name=name).to(dtype=param.dtype, device=param.device)


@shared_docs
def soft_chi(
    net: nn.Module,
    x1: ArrayLike,
    x2: ArrayLike,
    *,
    temperature: float = TEMPERATURE,
    n_points: int = 64,
    max_temperature: float = MAX_TEMPERATURE,
    eps: float = EPS,
    distance: str = "l1",
    layers: Layers = None,
    include_output: bool = False,
) -> torch.Tensor:
    """The differentiable surrogate of chi on one segment ``x1 -> x2`` (a scalar tensor).

    Parameters
    ----------
    %(net_trained)s
    x1, x2 : Tensor or array, shape (d_in,)
    %(surrogate)s

    Returns
    -------
    Tensor, shape ()
        ``chi_soft`` in [0, 1); see the module docstring for what it does and does not guarantee.

    Examples
    --------
    >>> import foldlab as fl
    >>> net = fl.CantorNet(depth=1)
    >>> exact = fl.walk(net, [0.0, 0.25], [1.0, 0.25]).chi
    >>> soft = fl.soft_chi(net, [0.0, 0.25], [1.0, 0.25], temperature=1e-3, n_points=60, max_temperature=1e-3, eps=0)
    >>> exact, round(float(soft), 4)
    (0.5, 0.5)

    References
    ----------
    Lewandowski et al., "The Space Between: On Folding, Symmetries and Sampling" (arXiv 2503.08502), the
    folding-based regularization scheme it outlines; foldlab's maths page (docs/maths.md), section 'Choices
    foldlab made where the papers are open'.
    """
    temperature, max_temperature, eps = _check_temperatures(temperature, max_temperature, eps)
    n_points = check_int(n_points, "n_points", min=2)
    spec = read_net(net)
    chosen, selected = _selected(spec, layers, include_output)
    a = _inputs_like_the_net(net, x1, spec.d_in, "x1")
    b = _inputs_like_the_net(net, x2, spec.d_in, "x2")
    if a.shape[0] != 1 or b.shape[0] != 1:
        raise ValueError(
            f"expected x1 and x2 to be single points of shape ({spec.d_in},); use folding_penalty for many segments"
        )
    with recording_preactivations(activation_calls(net)) as records:
        out = net(_segment_points(torch.cat([a, b]), torch.tensor([[0, 1]]), n_points))
    zs = [records[i] for i in chosen] + ([out] if include_output else [])
    bits = _soft_bits(selected, zs, temperature).reshape(n_points, -1)
    return soft_chi_of_points(
        bits, max_temperature=max_temperature, eps=eps, distance=check_choice(distance, "distance", DISTANCES)
    )


#: Modules whose output for one row depends on the other rows of the batch, or on a random draw in training:
#: a net holding one runs the task's forward pass and the penalty's apart (:meth:`FoldingRegularizer.fused_loss`).
ROW_COUPLED = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm, nn.Dropout, nn.Dropout1d,
               nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout, nn.FeatureAlphaDropout)

#: Batches up to this size draw their segments from the table of cross-class pairs in torch (n^2 bools);
#: larger ones number the pairs block by block (:func:`foldlab.folding.sample_pairs`) instead.
TABLE_PAIRS_UP_TO = 2048


def _single_class(labels) -> ValueError:
    first = labels[0].item() if len(labels) else "empty"
    return ValueError(
        f"the batch has a single class ({first}): the folding penalty needs segments between points of "
        f"different classes"
    )


def _batch_pairs(y: ArrayLike, n: int, n_pairs: int, seed: int) -> torch.Tensor:
    """``min(n_pairs, all)`` distinct pairs ``i < j`` with ``y_i != y_j``, uniformly at random, seeded.

    A training loop calls this once per batch, so a batch of integer labels in a tensor takes a short path
    in torch (the whole table of cross-class pairs, one permutation); other labels are checked first."""
    if isinstance(y, torch.Tensor) and y.ndim == 1 and not y.is_floating_point() and not y.is_complex():
        labels = y.detach()
        if len(labels) != n:
            raise ValueError(f"expected y with one label per point ({n}), got {len(labels)} labels")
    else:
        labels = torch.from_numpy(as_labels(y, "y", n=n))
    if n > TABLE_PAIRS_UP_TO:
        return torch.from_numpy(sample_pairs(labels.cpu().numpy(), n_pairs, np.random.default_rng(seed)))
    labels = labels.cpu()
    table = torch.triu(labels[:, None] != labels[None, :], diagonal=1).nonzero()
    if len(table) == 0:
        raise _single_class(labels)
    if len(table) <= n_pairs:
        return table
    generator = torch.Generator().manual_seed(seed)
    chosen = torch.randperm(len(table), generator=generator)[:n_pairs].sort().values
    return table[chosen]


def _segment_points(X: torch.Tensor, index: torch.Tensor, n_points: int) -> torch.Tensor:
    """``n_points`` points of each segment at the middles of equal cells, ``t = (j + 1/2) / n_points``, so
    that the ends (often exactly on a boundary) are not taken; shape ``(pairs * n_points, d_in)``."""
    X1, X2 = X[index[:, 0]], X[index[:, 1]]
    t = (torch.arange(n_points, dtype=X.dtype, device=X.device) + 0.5) / n_points
    return (X1[:, None, :] + t[None, :, None] * (X2 - X1)[:, None, :]).reshape(-1, X.shape[1])


def _penalty_of(records, out, chosen, selected, n_segments, n_points, *, temperature, max_temperature, eps,
                distance, include_output) -> torch.Tensor:
    zs = [records[i] for i in chosen] + ([out] if include_output else [])
    bits = _soft_bits(selected, zs, temperature).reshape(n_segments, n_points, -1)
    return 1 - soft_chi_of_points(bits, max_temperature=max_temperature, eps=eps, distance=distance).mean()


def _penalty(net, calls, spec, X, y, *, temperature, max_temperature, eps, distance, n_points, n_pairs, pairs, seed,
             layers, include_output) -> torch.Tensor:
    chosen, selected = _selected(spec, layers, include_output)
    X = _inputs_like_the_net(net, X, spec.d_in, "X")
    if pairs is None:
        index = _batch_pairs(y, X.shape[0], n_pairs, seed)
    else:  # the same checks as every other function that takes pairs= (pattern_stats.check_pairs)
        index = torch.from_numpy(check_pairs(pairs, X.shape[0]))
    points = _segment_points(X, index.to(X.device), n_points)
    with recording_preactivations(calls) as records:
        out = net(points)
    return _penalty_of(records, out, chosen, selected, len(index), n_points, temperature=temperature,
                       max_temperature=max_temperature, eps=eps, distance=distance, include_output=include_output)


@shared_docs
def folding_penalty(
    net: nn.Module,
    X: ArrayLike,
    y: ArrayLike,
    *,
    temperature: float = TEMPERATURE,
    n_points: int = 16,
    n_pairs: int = 16,
    pairs: ArrayLike | None = None,
    seed: int = 0,
    max_temperature: float = MAX_TEMPERATURE,
    eps: float = EPS,
    distance: str = "l1",
    layers: Layers = None,
    include_output: bool = False,
) -> torch.Tensor:
    """``1 - mean chi_soft`` over segments between points of different classes of a batch: minimise it to fold.

    Parameters
    ----------
    %(net_trained)s
    X : Tensor, shape (n, d_in)
        The batch (a tensor keeps its autograd graph).
    y : Tensor or array, shape (n,)
        Its class labels (at least two classes).
    %(surrogate)s
    n_pairs : int
        Segments: distinct pairs ``i < j`` with ``y_i != y_j``, drawn with ``seed`` (all of them if fewer).
    %(pairs)s
        ``y`` is then not used.
    %(seed)s
        It draws the pairs: the same batch and seed give the same segments.

    Returns
    -------
    Tensor, shape ()
        Differentiable in the net's parameters (and in ``X``).

    Examples
    --------
    >>> import foldlab as fl
    >>> data = fl.toy_dataset("moons", n=64, seed=0)
    >>> net = fl.mlp([2, 16, 16, 1], seed=0)
    >>> penalty = fl.folding_penalty(net, data.X, data.y, seed=0)
    >>> penalty.backward()
    >>> 0 <= penalty.item() <= 1, net[0].weight.grad.shape
    (True, torch.Size([16, 2]))

    References
    ----------
    Lewandowski et al., "The Space Between: On Folding, Symmetries and Sampling" (arXiv 2503.08502), the
    folding-based regularization scheme it outlines.
    """
    temperature, max_temperature, eps = _check_temperatures(temperature, max_temperature, eps)
    spec = read_net(net)
    return _penalty(
        net,
        activation_calls(net),
        spec,
        X,
        y,
        temperature=temperature,
        max_temperature=max_temperature,
        eps=eps,
        distance=check_choice(distance, "distance", DISTANCES),
        n_points=check_int(n_points, "n_points", min=2),
        n_pairs=check_int(n_pairs, "n_pairs", min=1),
        pairs=pairs,
        seed=check_seed(seed),
        layers=layers,
        include_output=include_output,
    )


@shared_docs
class FoldingRegularizer(nn.Module):
    """:func:`folding_penalty` times a weight that follows a schedule over the epochs: ``reg(net, X, y, epoch)``.

    Parameters
    ----------
    weight : float
        The largest weight, ``lambda`` (>= 0).
    schedule : {"constant", "linear", "step", "cosine"}
        How the weight changes with the epoch ``e = 1..epochs`` (progress ``p = (e - 1) / (epochs - 1)``):
        constant ``lambda``; linear decay ``lambda (1 - p)``; step ``lambda`` while ``p < step_at``, then 0;
        cosine ``lambda (1 + cos(pi p)) / 2``. All but "constant" put the most pressure early, as the papers ask.
    epochs : int, optional
        Length of the schedule (needed for all but "constant").
    step_at : float
        Where the step schedule drops to 0, as a fraction of training.
    %(surrogate)s
    n_pairs : int
        Segments per batch, as in :func:`folding_penalty`.
    %(seed)s
        It draws the segments of each batch: call ``k`` of the regularizer uses seed ``(seed, k)``, so a
        training run with the same seed draws the same segments.
    every : int
        Lazy regularisation in :func:`foldlab.train`: the penalty is computed on every ``every``-th batch of the
        run (batches ``0, every, 2 every, ...``, counted across epochs) with ``every`` times its weight, and
        not at all on the others, so that its mean gradient is the same at ``1 / every`` of its cost
        (``benchmarks/regularizer.py`` measures both). With Adam the pressure is not quite the same: its
        second moment sees the larger, rarer gradients. ``1`` computes it on every batch: the choice for a run of
        few batches, where every ``every``-th one would leave most epochs (and most of the schedule) without a
        penalty. Calling the module yourself (``reg(net, X, y, epoch)``) computes the penalty on every call.

    Examples
    --------
    >>> import foldlab as fl
    >>> reg = fl.FoldingRegularizer(weight=0.5, schedule="linear", epochs=5)
    >>> [reg.weight_at(e) for e in range(1, 6)]
    [0.5, 0.375, 0.25, 0.125, 0.0]
    >>> reg
    FoldingRegularizer(weight=0.5, schedule='linear', epochs=5, temperature=0.1, n_points=16, n_pairs=16, every=8)

    References
    ----------
    Lewandowski et al., "The Space Between: On Folding, Symmetries and Sampling" (arXiv 2503.08502), the
    folding-based regularization scheme it outlines; Karras et al., "Analyzing and Improving the Image Quality
    of StyleGAN" (CVPR 2020, arXiv:1912.04958), section 3.1, lazy regularization.
    """

    def __init__(
        self,
        weight: float = 1.0,
        schedule: str = "constant",
        epochs: int | None = None,
        *,
        step_at: float = 0.5,
        temperature: float = TEMPERATURE,
        n_points: int = 16,
        n_pairs: int = 16,
        max_temperature: float = MAX_TEMPERATURE,
        eps: float = EPS,
        distance: str = "l1",
        layers: Layers = None,
        include_output: bool = False,
        seed: int = 0,
        every: int = EVERY,
    ) -> None:
        super().__init__()
        self.weight = check_float(weight, "weight", min=0)
        self.schedule = check_choice(schedule, "schedule", SCHEDULES)
        if schedule != "constant" and epochs is None:
            raise ValueError(f"schedule={schedule!r} needs epochs=, the length of training it spans")
        self.epochs = None if epochs is None else check_int(epochs, "epochs", min=1)
        self.step_at = check_float(step_at, "step_at", min=0, max=1)
        self.temperature, self.max_temperature, self.eps = _check_temperatures(temperature, max_temperature, eps)
        self.n_points = check_int(n_points, "n_points", min=2)
        self.n_pairs = check_int(n_pairs, "n_pairs", min=1)
        self.distance = check_choice(distance, "distance", DISTANCES)
        self.layers, self.include_output = layers, include_output
        self.seed = check_seed(seed)
        self.every = check_int(every, "every", min=1)
        self.calls = 0  # penalties computed: the seed stream
        self.batches = 0  # batches fused_loss has seen: the lazy schedule
        self._read: tuple | None = None  # (net, spec, activation calls, chosen layers): read once per net

    def weight_at(self, epoch: int | None) -> float:
        """The weight at ``epoch`` (1-based, as :func:`foldlab.train` counts); None gives the first epoch's."""
        if self.schedule == "constant":
            return self.weight
        e = 1 if epoch is None else check_int(epoch, "epoch", min=1)
        p = min(1.0, (e - 1) / max(self.epochs - 1, 1))
        if self.schedule == "linear":
            return self.weight * (1 - p)
        if self.schedule == "step":
            return self.weight if p < self.step_at else 0.0
        return self.weight * (1 + math.cos(math.pi * p)) / 2

    def _reading(self, net: nn.Module) -> tuple:
        if self._read is None or self._read[0] is not net:
            spec = read_net(net)
            self._read = (net, spec, activation_calls(net), _selected(spec, self.layers, self.include_output))
        return self._read

    def _next_seed(self) -> int:
        seed = int(np.random.SeedSequence([self.seed, self.calls]).generate_state(1)[0])
        self.calls += 1
        return seed

    def _options(self) -> dict:
        return dict(temperature=self.temperature, max_temperature=self.max_temperature, eps=self.eps,
                    distance=self.distance, include_output=self.include_output)

    def penalty(self, net: nn.Module, X: ArrayLike, y: ArrayLike) -> torch.Tensor:
        """The unweighted penalty of this call (advances the seed stream)."""
        _, spec, calls, _ = self._reading(net)
        return _penalty(net, calls, spec, X, y, n_points=self.n_points, n_pairs=self.n_pairs, pairs=None,
                        seed=self._next_seed(), layers=self.layers, **self._options())

    def fused_loss(
        self,
        net: nn.Module,
        X: torch.Tensor,
        y: torch.Tensor,
        epoch: int | None,
        task_loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    ) -> tuple[torch.Tensor, torch.Tensor, float]:
        """``(task loss, penalty, weight)`` of a training batch from ONE forward pass of the net over the batch and
        the penalty's segment points together (what :func:`foldlab.train` calls); the batch's loss is
        ``task loss + weight * penalty``.

        On the batches the lazy schedule computes (every ``every``-th call), the penalty is ``every`` times
        :meth:`penalty` with the same seed stream, and the task loss is ``task_loss(net(X), y)``, for a net
        whose rows do not interact; a net with batch normalisation or dropout (whose output for one row
        depends on the others, or on a draw) runs the two passes apart. On the other batches, and with
        weight 0, no segment is drawn and the penalty is 0 (not computed). The mean of the returned penalty
        over many batches therefore estimates the mean of :meth:`penalty`.
        """
        weight = self.weight_at(epoch)
        due = self.batches % self.every == 0
        self.batches += 1
        if weight == 0 or not due:
            return task_loss(net(X), y), torch.zeros((), dtype=X.dtype, device=X.device), weight
        if any(isinstance(module, ROW_COUPLED) for module in net.modules()):
            return task_loss(net(X), y), self.every * self.penalty(net, X, y), weight
        _, spec, calls, (chosen, selected) = self._reading(net)
        X = _inputs_like_the_net(net, X, spec.d_in, "X")
        index = _batch_pairs(y, X.shape[0], self.n_pairs, self._next_seed())
        points = _segment_points(X, index.to(X.device), self.n_points)
        n = X.shape[0]
        with recording_preactivations(calls) as records:
            out = net(torch.cat([X, points]))
        penalty = _penalty_of([z[n:] for z in records], out[n:], chosen, selected, len(index), self.n_points,
                              **self._options())
        return task_loss(out[:n], y), self.every * penalty, weight

    def forward(self, net: nn.Module, X: ArrayLike, y: ArrayLike, epoch: int | None = None) -> torch.Tensor:
        weight = self.weight_at(epoch)
        if weight == 0:
            return torch.zeros((), dtype=next(iter(net.parameters())).dtype)
        return weight * self.penalty(net, X, y)

    def extra_repr(self) -> str:
        epochs = "" if self.epochs is None else f", epochs={self.epochs}"
        return (
            f"weight={self.weight:g}, schedule={self.schedule!r}{epochs}, temperature={self.temperature:g}, "
            f"n_points={self.n_points}, n_pairs={self.n_pairs}, every={self.every}"
        )

    def __repr__(self) -> str:
        return f"FoldingRegularizer({self.extra_repr()})"
