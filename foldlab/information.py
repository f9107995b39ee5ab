"""Information geometry of ReLU nets: tangent sample sensitivity and the Fisher-Rao norm.

Daróczy's slides ("Information geometry and generalization in deep neural networks", SZTAKI and UCLouvain,
2020) tie linear regions to the geometry of the parameter space:

- the *tangent sample sensitivity* (slides, Definition 3.1) ``Sens(x; theta) = d^2 f(x; theta) / (d theta d x)``,
  an ``N_theta x d_in`` matrix per input, and its mean over data, the tangent sensitivity. For a ReLU net it is
  the same for every input of one activation region (slides, Lemma 3.1): there ``f`` is ``A(theta) x + c(theta)``
  with the region's masks fixed, so ``d f / d x = A(theta)`` does not depend on ``x``;
- the *Fisher-Rao norm* of Liang, Poggio, Rakhlin and Stokes ("Fisher-Rao Metric, Geometry, and Complexity of
  Neural Networks", AISTATS 2019, Definition 2): ``||theta||_fr^2 = <theta, I(theta) theta>`` with
  ``I(theta) = E[grad l grad l^T]``, i.e. ``E[<theta, grad_theta l>^2]``. For a net without biases whose
  activations satisfy ``sigma(z) = sigma'(z) z`` (ReLU, LeakyReLU), ``f`` is homogeneous of degree ``L + 1`` in
  its ``L + 1`` weight matrices, so ``<theta, grad_theta l> = (L + 1) <d l / d f, f>`` (their Theorem 3.1, eq.
  3.1). Two parameters that compute the same function have the same norm (their Corollary 3.1), for example
  the rescalings of Dinh, Pascanu, Bengio and Bengio ("Sharp Minima Can Generalize For Deep Nets", ICML 2017)
  that :func:`rescale` makes, which change the weights' size and the tangent sensitivity but not the function.

For a plain ReLU or LeakyReLU net (an ``nn.Sequential`` of Linear layers and activations) the tangent sample
sensitivity has a closed form, which :func:`tangent_sensitivity` uses by default: with the region's masks
``D_l`` fixed, ``d f / d x = W_{L+1} D_L W_L ... D_1 W_1``, and the rows of the weights of layer ``l`` are the
outer products of what comes after ``W_l`` and what comes before it. Otherwise it differentiates the module
itself (a float64 copy of its parameters through ``torch.func.functional_call``) with ``torch.func``; both
leave the net as it was. Expectations are empirical means over the given inputs; "the empirical Fisher" uses
the given labels. :func:`sensitivity_along` shows Lemma 3.1 on a segment (the sensitivity is a step function
whose steps are the exact walk's regions) and :func:`information_trace` follows the mean sensitivity, the
Fisher-Rao norm and the regions the data fall in through the snapshots of a training run.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, grad, jacrev, jvp, vmap
from torch.nn import functional as F

from ._docs import shared_docs
from ._typing import ArrayLike
from ._validation import DTYPE, as_inputs, as_labels, check_choice, check_float, check_int, describe
from .adapter import read_net
from .limits import check_memory
from .walk import Walk, walk

__all__ = [
    "tangent_sensitivity",
    "tangent_sensitivity_norm",
    "fisher_rao_norm",
    "FisherRaoIdentity",
    "fisher_rao_identity",
    "rescale",
    "parameter_count",
    "parameter_norm",
    "plain_linears",
    "drop_biases",
    "SensitivityProfile",
    "sensitivity_along",
    "InformationTrace",
    "information_trace",
    "METHODS",
]


def parameter_count(net: nn.Module) -> int:
    """``N_theta``: the number of parameters, the rows of a tangent sample sensitivity (in the order of
    ``net.named_parameters()``, each flattened)."""
    return sum(p.numel() for p in net.parameters())


def parameter_norm(net: nn.Module) -> float:
    """``||theta||_2``, the Euclidean norm of all parameters together: what Dinh et al.'s rescalings change.

    Examples
    --------
    >>> import foldlab as fl
    >>> net = fl.mlp([2, 4, 1], seed=0)
    >>> parameter_norm(rescale(net, 0, 10.0)) > 5 * parameter_norm(net)
    True
    """
    if not isinstance(net, nn.Module):
        raise TypeError(f"net must be a torch.nn.Module, got {describe(net)}")
    return float(torch.sqrt(sum((p.detach().to(DTYPE) ** 2).sum() for p in net.parameters())))


#: How :func:`tangent_sensitivity` computes: the closed form of a plain ReLU net, autograd, or the first that
#: applies.
METHODS = ("auto", "masks", "autograd")


def _functional(net: nn.Module):
    """The net's parameters as a float64 tuple, and ``f(params, x)`` evaluating the module with them."""
    read_net(net)  # the same checks as everywhere: a net foldlab reads, in eval mode
    names = [name for name, _ in net.named_parameters()]
    params = tuple(p.detach().to(DTYPE) for _, p in net.named_parameters())
    buffers = {name: b.to(DTYPE) if b.is_floating_point() else b for name, b in net.named_buffers()}

    def f(values, x):
        return functional_call(net, {**dict(zip(names, values)), **buffers}, (x,))

    return params, f


def plain_linears(net: nn.Module) -> list[nn.Linear] | None:
    """The Linear layers of ``Sequential(Linear, ReLU or LeakyReLU, Linear, ..., Linear)``, else None.

    Such a net holds no parameter but its Linear layers' weights and biases, in this order, which is what the
    closed form of :func:`tangent_sensitivity` needs.

    Examples
    --------
    >>> import foldlab as fl
    >>> len(plain_linears(fl.mlp([2, 4, 4, 1]))), plain_linears(fl.mlp([2, 4, 1], activation="tanh"))
    (3, None)
    """
    if not isinstance(net, nn.Sequential):
        return None
    modules = list(net)
    if len(modules) < 3 or len(modules) % 2 == 0:
        return None
    for i, module in enumerate(modules):
        kinds = (nn.Linear,) if i % 2 == 0 else (nn.ReLU, nn.LeakyReLU)
        if type(module) not in kinds:
            return None
    return modules[0::2]


def _method(net: nn.Module, method: str) -> str:
    method = check_choice(method, "method", METHODS)
    plain = plain_linears(net) is not None
    if method == "masks" and not plain:
        raise ValueError(
            "method='masks' needs an nn.Sequential of Linear layers with ReLU or LeakyReLU between them "
            f"(as fl.mlp builds); this net is a {type(net).__name__} that is not: use method='autograd'"
        )
    return "masks" if method == "auto" and plain else ("autograd" if method == "auto" else method)


def _scalar_output(d_out: int, output: int | None) -> int:
    if output is None:
        if d_out != 1:
            raise ValueError(
                f"tangent sensitivity is defined for a scalar output; this net has {d_out} outputs: pass output= "
                f"(0 to {d_out - 1}) to pick one"
            )
        return 0
    return check_int(output, "output", min=0, max=d_out - 1)


def _factors(spec, inputs: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor], list[torch.Tensor]]:
    """What surrounds each weight matrix in ``d N / d x = W_{L+1} D_L W_L ... D_1 W_1`` on the regions of
    ``inputs`` (n, d): the weights, ``after[l]`` (n, d_out, n_l), the derivative of the outputs in the values
    that Linear layer ``l`` computes, and ``before[l]`` (n, n_{l-1}, d), the derivative in ``x`` of what goes
    into it. The masks ``D_l`` hold 1 where a unit is on and the negative slope where it is off (0 for ReLU;
    a pre-activation of exactly 0 is off, as autograd's derivative of ReLU at 0)."""
    zs, _ = spec.forward(inputs)
    weights = [layer.affine.weight for layer in spec.layers] + [spec.output.affine.weight]
    masks = [torch.where(z > 0, torch.ones_like(z), torch.full_like(z, layer.negative_slope))
             for z, layer in zip(zs, spec.layers)]
    n = inputs.shape[0]
    before = [torch.eye(spec.d_in, dtype=DTYPE).expand(n, -1, -1), masks[0][:, :, None] * weights[0]]
    for weight, mask in zip(weights[1:-1], masks[1:]):
        before.append(mask[:, :, None] * (weight @ before[-1]))
    after = [torch.eye(spec.d_out, dtype=DTYPE).expand(n, -1, -1)]
    for weight, mask in zip(reversed(weights[1:]), reversed(masks)):
        after.insert(0, (after[0] @ weight) * mask[:, None, :])
    return weights, after, before


def tangent_sensitivity(
    net: nn.Module, x: ArrayLike, *, output: int | None = None, method: str = "auto"
) -> torch.Tensor:
    """Tangent sample sensitivity ``d^2 f / (d theta d x)`` at each input, shape ``(n, N_theta, d_in)``.

    Parameters
    ----------
    net : torch.nn.Module
    x : Tensor or array, shape (n, d_in) or (d_in,)
    output : int, optional
        Which output is ``f`` (needed when the net has several).
    method : {"auto", "masks", "autograd"}
        ``"masks"``: the closed form of a plain ReLU or LeakyReLU ``nn.Sequential`` (``fl.mlp``): on the
        region of ``x``, ``d f / d x = e_k^T W_{L+1} D_L W_L ... D_1 W_1`` with the masks ``D_l`` fixed, so the row
        of weight ``W_l[i, j]`` is ``a_l[i] b_l[j, :]``, with ``a_l`` the row of output ``k`` in what comes after
        ``W_l`` and ``b_l`` what comes before it; the rows of biases are 0. ``"autograd"``: ``torch.func``'s
        Jacobian of the input gradient, for any net. ``"auto"``: the first that applies.

    Returns
    -------
    Tensor, shape (n, N_theta, d_in), float64
        Row ``k`` is the derivative in ``x`` of ``d f / d theta_k``, the parameters in the order of
        ``net.named_parameters()``, each flattened. Rows of biases are 0 for a ReLU net (a bias moves the
        regions, not the slopes inside them).

    Examples
    --------
    >>> import foldlab as fl
    >>> net = fl.mlp([2, 3, 1], seed=0)
    >>> fl.tangent_sensitivity(net, torch.zeros(4, 2)).shape  # 3*2 + 3 + 3 + 1 = 13 parameters
    torch.Size([4, 13, 2])
    >>> x = torch.randn(3, 2, generator=torch.Generator().manual_seed(0))
    >>> exact = fl.tangent_sensitivity(net, x, method="masks")
    >>> bool(torch.allclose(exact, fl.tangent_sensitivity(net, x, method="autograd"), atol=1e-12))
    True

    References
    ----------
    Daróczy, "Information geometry and generalization in deep neural networks" (slides, 2020), Definition 3.1
    (tangent sample sensitivity) and Lemma 3.1 (identical within an activation region).
    """
    spec = read_net(net)
    output = _scalar_output(spec.d_out, output)
    method = _method(net, method)
    inputs = as_inputs(x, spec.d_in, name="x")
    n_params = parameter_count(net)
    check_memory(
        8.0 * inputs.shape[0] * n_params * spec.d_in * (1 if method == "masks" else 2),
        "the tangent sample sensitivities",
        driver="pass fewer inputs, or use tangent_sensitivity_norm",
    )
    if method == "masks":
        weights, after, before = _factors(spec, inputs)
        n, rows = inputs.shape[0], []
        for linear, a, b in zip(plain_linears(net), after, before):
            rows.append((a[:, output, :, None, None] * b[:, None, :, :]).reshape(n, -1, spec.d_in))
            if linear.bias is not None:
                rows.append(torch.zeros(n, linear.out_features, spec.d_in, dtype=DTYPE))
        return torch.cat(rows, dim=1)
    params, f = _functional(net)

    def df_dx(values, point):
        return grad(lambda p: f(values, p[None])[0, output])(point)  # (d_in,)

    per_input = vmap(jacrev(df_dx, argnums=0), in_dims=(None, 0))(params, inputs)  # tuple of (n, d_in, *shape)
    rows = [block.reshape(inputs.shape[0], spec.d_in, -1) for block in per_input]
    return torch.cat(rows, dim=2).transpose(1, 2).contiguous()


@shared_docs
def tangent_sensitivity_norm(
    net: nn.Module, X: ArrayLike, *, output: int | str | None = None, method: str = "auto", batch_size: int = 256
) -> np.ndarray:
    """Frobenius norm ``||Sens(x; theta)||_F`` of the tangent sample sensitivity of each input, shape (n,).

    With the closed form (``method="masks"``, see :func:`tangent_sensitivity`) the squared norm is
    ``sum_l ||a_l||^2 ||b_l||_F^2`` over the Linear layers, without building the ``N_theta x d_in`` matrix;
    otherwise the matrices are computed in batches, so memory does not grow with ``n``.

    Parameters
    ----------
    net : torch.nn.Module
    %(X)s
    output : int or "all", optional
        Which output is ``f`` (needed when the net has several); ``"all"``: the norm of the sensitivities of all
        outputs together, ``sqrt(sum_k ||Sens_k(x)||_F^2)`` (of the ``d_out x N_theta x d_in`` tensor).
    method : {"auto", "masks", "autograd"}
    batch_size : int

    Examples
    --------
    >>> import foldlab as fl
    >>> net = fl.mlp([2, 3, 1], seed=0)
    >>> norms = tangent_sensitivity_norm(net, torch.randn(5, 2, generator=torch.Generator().manual_seed(0)))
    >>> norms.shape
    (5,)
    >>> wide = fl.mlp([2, 4, 3], seed=0)
    >>> x = torch.randn(5, 2, generator=torch.Generator().manual_seed(0))
    >>> each = [tangent_sensitivity_norm(wide, x, output=k) for k in range(3)]
    >>> bool(np.allclose(tangent_sensitivity_norm(wide, x, output="all"), np.sqrt(sum(e**2 for e in each))))
    True
    """
    spec = read_net(net)
    if isinstance(output, str):
        check_choice(output, "output", ("all",))
        outputs = list(range(spec.d_out))
    else:
        outputs = [_scalar_output(spec.d_out, output)]
    method = _method(net, method)
    inputs = as_inputs(X, spec.d_in, name="X")
    batch_size = check_int(batch_size, "batch_size", min=1)
    out = []
    for start in range(0, inputs.shape[0], batch_size):
        batch = inputs[start : start + batch_size]
        if method == "masks":
            _, after, before = _factors(spec, batch)
            squared = sum((a[:, outputs, :] ** 2).sum(dim=(1, 2)) * (b**2).sum(dim=(1, 2))
                          for a, b in zip(after, before))
        else:
            squared = sum(torch.linalg.matrix_norm(tangent_sensitivity(net, batch, output=k, method=method)) ** 2
                          for k in outputs)
        out.append(torch.sqrt(squared).numpy())
    return np.concatenate(out)


def _losses(net: nn.Module, X: ArrayLike, y: ArrayLike):
    """Inputs, labels, the functional net and the per-sample loss of its outputs (logistic for one output,
    cross-entropy otherwise, as :func:`foldlab.train` trains)."""
    spec = read_net(net)
    inputs = as_inputs(X, spec.d_in, name="X")
    labels = torch.as_tensor(as_labels(y, "y", n=inputs.shape[0]))
    classes = max(spec.d_out, 2)
    if labels.min() < 0 or labels.max() >= classes:
        raise ValueError(
            f"y must hold class labels from 0 to {classes - 1} for this net, got {int(labels.min())} to "
            f"{int(labels.max())}"
        )
    params, f = _functional(net)

    def loss_of_outputs(out):
        if out.shape[1] == 1:
            return F.binary_cross_entropy_with_logits(out[:, 0], labels.to(DTYPE), reduction="none")
        return F.cross_entropy(out, labels, reduction="none")

    return inputs, params, f, loss_of_outputs


def fisher_rao_norm(net: nn.Module, X: ArrayLike, y: ArrayLike) -> float:
    """The empirical Fisher-Rao norm ``sqrt(mean_i <theta, grad_theta l(f(x_i), y_i)>^2)``.

    ``<theta, I(theta) theta>`` with the empirical Fisher information of the loss over the given samples
    (cross-entropy; the logistic loss for a one-output net). The inner products are directional derivatives
    of each sample's loss along ``theta`` itself, one forward-mode pass for all samples.

    Examples
    --------
    >>> import foldlab as fl
    >>> data = fl.toy_dataset("xor", n=40, seed=0)
    >>> net = fl.mlp([2, 8, 8, 1], seed=0)
    >>> value = fl.fisher_rao_norm(net, data.X, data.y)
    >>> rescaled = fl.fisher_rao_norm(rescale(net, 0, 4.0), data.X, data.y)  # the same function
    >>> value > 0, abs(rescaled - value) < 1e-12 * value
    (True, True)

    References
    ----------
    Liang, Poggio, Rakhlin and Stokes, "Fisher-Rao Metric, Geometry, and Complexity of Neural Networks"
    (AISTATS 2019), Definition 2, Theorem 3.1 and Corollary 3.1; Daróczy's slides (2020), the Fisher-Rao part.
    """
    inputs, params, f, loss_of_outputs = _losses(net, X, y)
    _, directional = jvp(lambda *values: loss_of_outputs(f(values, inputs)), params, params)
    return float(torch.sqrt((directional**2).mean()))


@dataclass(frozen=True, eq=False)
class FisherRaoIdentity:
    """Both sides of Liang et al.'s identity, per sample.

    Attributes
    ----------
    lhs : ndarray, shape (n,)
        ``<theta, grad_theta l_i>``.
    rhs : ndarray, shape (n,)
        ``(L + 1) <d l_i / d f, f(x_i)>``.
    degree : int
        ``L + 1``: the Linear layers of the net.
    """

    lhs: np.ndarray
    rhs: np.ndarray
    degree: int

    @property
    def relative_gap(self) -> float:
        """``max |lhs - rhs| / max |lhs|``: about 1e-15 for a bias-free ReLU net, far from 0 with biases."""
        return float(np.abs(self.lhs - self.rhs).max() / max(np.abs(self.lhs).max(), np.finfo(float).tiny))

    def __repr__(self) -> str:
        gap = self.relative_gap
        return f"FisherRaoIdentity(samples={len(self.lhs)}, degree={self.degree}, relative_gap={gap:.3g})"


def fisher_rao_identity(net: nn.Module, X: ArrayLike, y: ArrayLike) -> FisherRaoIdentity:
    """``<theta, grad_theta l>`` beside ``(L + 1) <d l / d f, f>`` for each sample.

    They are equal for nets without biases whose activations satisfy ``sigma(z) = sigma'(z) z`` (ReLU,
    LeakyReLU) and whose ``L + 1`` Linear layers hold all the parameters; a bias breaks the homogeneity and the
    identity with it.

    Examples
    --------
    >>> import foldlab as fl
    >>> from torch import nn
    >>> net = nn.Sequential(nn.Linear(2, 6, bias=False), nn.ReLU(), nn.Linear(6, 1, bias=False))
    >>> check = fisher_rao_identity(net, torch.randn(20, 2), torch.arange(20) % 2)
    >>> check.degree, check.relative_gap < 1e-12
    (2, True)

    References
    ----------
    Liang, Poggio, Rakhlin and Stokes (AISTATS 2019), Theorem 3.1, eq. (3.1).
    """
    inputs, params, f, loss_of_outputs = _losses(net, X, y)
    _, lhs = jvp(lambda *values: loss_of_outputs(f(values, inputs)), params, params)
    out = f(params, inputs).detach().requires_grad_(True)
    (dl_df,) = torch.autograd.grad(loss_of_outputs(out).sum(), out)
    degree = sum(1 for m in net.modules() if isinstance(m, nn.Linear))
    rhs = degree * (dl_df * out.detach()).sum(dim=1)
    return FisherRaoIdentity(lhs.detach().numpy(), rhs.numpy(), degree)


def rescale(net: nn.Module, layer: int, alpha: float) -> nn.Module:
    """A copy of ``net`` with hidden layer ``layer``'s incoming weights and bias times ``alpha`` and the next
    Linear layer's weights divided by ``alpha`` (Dinh et al.'s alpha-scaling).

    For ReLU and LeakyReLU (``sigma(alpha z) = alpha sigma(z)`` for ``alpha > 0``) the copy computes the same
    function with other weights: same regions, same patterns, same Fisher-Rao norm, different weight norms and
    tangent sensitivity.

    Parameters
    ----------
    net : nn.Sequential
        Linear layers and activations (``fl.mlp``).
    layer : int
        0-based hidden layer.
    alpha : float
        > 0.

    Examples
    --------
    >>> import foldlab as fl
    >>> net = fl.mlp([2, 4, 4, 1], seed=0)
    >>> other = rescale(net, 1, 10.0)
    >>> x = torch.randn(6, 2)
    >>> bool(torch.allclose(net(x), other(x), atol=1e-5)), (other[2].weight.norm() / net[2].weight.norm()).item()
    (True, 10.0)

    References
    ----------
    Dinh, Pascanu, Bengio and Bengio, "Sharp Minima Can Generalize For Deep Nets" (ICML 2017), section 4.
    """
    alpha = check_float(alpha, "alpha", min=0, include_min=False)
    if not isinstance(net, nn.Sequential):
        raise TypeError(
            f"rescale works on an nn.Sequential of Linear layers and activations, got {type(net).__name__}"
        )
    spec = read_net(net)
    layer = check_int(layer, "layer", min=0, max=len(spec.layers) - 1)
    linears = [i for i, m in enumerate(net) if isinstance(m, nn.Linear)]
    if len(linears) != len(spec.layers) + 1:
        raise ValueError("rescale needs one Linear layer before each activation and one output Linear layer")
    for kind in spec.kinds:
        if kind not in ("relu", "leaky_relu"):
            raise ValueError(f"rescale keeps the function only for ReLU and LeakyReLU layers; this net has {kind}")
    copied = copy.deepcopy(net)
    with torch.no_grad():
        incoming, outgoing = copied[linears[layer]], copied[linears[layer + 1]]
        incoming.weight.mul_(alpha)
        if incoming.bias is not None:
            incoming.bias.mul_(alpha)
        outgoing.weight.div_(alpha)
    return copied


def drop_biases(net: nn.Module) -> nn.Sequential:
    """A copy of a plain net (``Sequential(Linear, ReLU, ..., Linear)``, as ``fl.mlp`` builds) without biases.

    The weights are kept and every Linear layer loses its bias, so the copy is the kind of net of Liang et al.'s
    Theorem 3.1 (and stays one when it is trained).

    Examples
    --------
    >>> import foldlab as fl
    >>> net = drop_biases(fl.mlp([2, 4, 1], seed=0))
    >>> [name for name, _ in net.named_parameters()], fisher_rao_identity(net, torch.randn(8, 2), [0, 1] * 4).degree
    (['0.weight', '2.weight'], 2)

    References
    ----------
    Liang, Poggio, Rakhlin and Stokes (AISTATS 2019), Definition 1 (networks without biases) and Theorem 3.1.
    """
    if plain_linears(net) is None:
        raise ValueError(
            "drop_biases needs an nn.Sequential of Linear layers with ReLU or LeakyReLU between them (as fl.mlp "
            f"builds), got a {type(net).__name__} that is not"
        )
    modules = []
    for module in net:
        if isinstance(module, nn.Linear):
            copied = nn.Linear(module.in_features, module.out_features, bias=False, dtype=module.weight.dtype,
                               device=module.weight.device)
            with torch.no_grad():
                copied.weight.copy_(module.weight)
            module = copied
        else:
            module = copy.deepcopy(module)
        modules.append(module)
    return nn.Sequential(*modules).train(net.training)


@dataclass(frozen=True, eq=False)
class SensitivityProfile:
    """``||Sens(x(t))||_F`` along a segment ``x(t) = (1 - t) x1 + t x2``, beside the regions of its exact walk.

    Attributes
    ----------
    t : ndarray, shape (n,)
        Equally spaced on [0, 1].
    norms : ndarray, shape (n,)
        The norm at each ``x(t)``.
    walk : Walk
        The exact walk from ``x1`` to ``x2`` (all hidden layers: the activation regions).
    region_norms : ndarray, shape (k,)
        The norm at the middle of each region of the walk.
    region_of : ndarray of int, shape (n,)
        The region of the walk each ``t`` lies in.
    output : int or "all"
    """

    t: np.ndarray
    norms: np.ndarray
    walk: Walk
    region_norms: np.ndarray
    region_of: np.ndarray
    output: int | str

    @property
    def deviation(self) -> float:
        """``max_t |norm(t) - norm of its region| / max norm``: rounding (about 1e-16) when Lemma 3.1 holds."""
        gap = np.abs(self.norms - self.region_norms[self.region_of]).max()
        return float(gap / max(np.abs(self.region_norms).max(), np.finfo(float).tiny))

    @property
    def jumps(self) -> np.ndarray:
        """The change of the norm at each boundary of the walk, shape (k - 1,)."""
        return np.diff(self.region_norms)

    def __repr__(self) -> str:
        return (f"SensitivityProfile(points={len(self.t)}, regions={len(self.walk)}, output={self.output!r}, "
                f"deviation={self.deviation:.2g})")


def sensitivity_along(
    net: nn.Module, x1: ArrayLike, x2: ArrayLike, *, n: int = 200, output: int | str | None = None,
    method: str = "auto",
) -> SensitivityProfile:
    """The tangent sensitivity along a segment, sampled at ``n`` points and at the middle of each exact region.

    By Lemma 3.1 of Daróczy's slides the samples form a step function whose steps are the regions of the exact
    walk (:func:`foldlab.walk`): every sample equals the value of its region (``.deviation``), and the value
    changes only where the walk crosses a boundary.

    Parameters
    ----------
    net : torch.nn.Module
    x1, x2 : Tensor or array, shape (d_in,)
    n : int
        Samples, equally spaced in ``t`` (both ends included), at least 2.
    output, method
        As in :func:`tangent_sensitivity_norm`.

    Returns
    -------
    SensitivityProfile

    Examples
    --------
    >>> import foldlab as fl
    >>> profile = sensitivity_along(fl.mlp([2, 8, 8, 1], seed=0), [-1.0, -1.0], [1.0, 1.0], n=50)
    >>> len(profile.region_norms) == len(profile.walk), profile.deviation < 1e-12
    (True, True)

    References
    ----------
    Daróczy, "Information geometry and generalization in deep neural networks" (slides, 2020), Lemma 3.1.
    """
    spec = read_net(net)
    a, b = as_inputs(x1, spec.d_in, name="x1"), as_inputs(x2, spec.d_in, name="x2")
    if a.shape[0] != 1 or b.shape[0] != 1:
        raise ValueError(f"expected x1 and x2 to be single points of shape ({spec.d_in},)")
    n = check_int(n, "n", min=2)
    path = walk(spec, a[0], b[0])
    t = np.linspace(0.0, 1.0, n)
    norms = tangent_sensitivity_norm(net, path.points(t), output=output, method=method)
    region_norms = tangent_sensitivity_norm(net, path.points(path.midpoints), output=output, method=method)
    region_of = np.clip(np.searchsorted(path.ts, t, side="right") - 1, 0, len(path) - 1)
    return SensitivityProfile(t, norms, path, region_norms, region_of, "all" if output == "all" else
                              _scalar_output(spec.d_out, output))


@dataclass(frozen=True, eq=False)
class InformationTrace:
    """The tangent sensitivity and the Fisher-Rao norm of the nets of a training run, one value per snapshot.

    Attributes
    ----------
    sensitivity : ndarray, shape (snapshots,)
        Mean Frobenius norm ``mean_x ||Sens(x; theta)||_F`` over the inputs.
    fisher_rao : ndarray, shape (snapshots,)
        The empirical Fisher-Rao norm over the inputs and labels.
    regions : ndarray of int, shape (snapshots,)
        The number of distinct activation patterns among the inputs: the regions the mean runs over
        (Lemma 3.1 makes the mean over inputs a mean over these regions).
    output : int or "all"
    """

    sensitivity: np.ndarray
    fisher_rao: np.ndarray
    regions: np.ndarray
    output: int | str

    @property
    def epochs(self) -> np.ndarray:
        """``0, 1, ...``: snapshot 0 is the net before training (``fl.train(..., keep_snapshots=True)``)."""
        return np.arange(len(self.sensitivity))

    def __repr__(self) -> str:
        return (f"InformationTrace(snapshots={len(self.sensitivity)}, sensitivity {self.sensitivity[0]:.4g} -> "
                f"{self.sensitivity[-1]:.4g}, fisher_rao {self.fisher_rao[0]:.4g} -> {self.fisher_rao[-1]:.4g}, "
                f"regions {self.regions[0]} -> {self.regions[-1]})")


@shared_docs
def information_trace(
    nets: Sequence[nn.Module], X: ArrayLike, y: ArrayLike, *, output: int | str | None = "all"
) -> InformationTrace:
    """Mean tangent sensitivity, Fisher-Rao norm and regions hit by the data, for each net of a training run.

    Parameters
    ----------
    nets : sequence of torch.nn.Module
        Usually ``history.snapshots`` of ``fl.train(..., keep_snapshots=True)`` (index 0: before training).
    %(X)s
    y : array of int, shape (n,)
        Labels, for the Fisher-Rao norm.
    output : int or "all", optional
        As in :func:`tangent_sensitivity_norm` (default: all outputs together).

    Returns
    -------
    InformationTrace

    Examples
    --------
    >>> import foldlab as fl
    >>> data = fl.toy_dataset("moons", n=60, seed=0)
    >>> history = fl.train(fl.mlp([2, 8, 1], seed=0), data, epochs=3, keep_snapshots=True, progress=False)
    >>> trace = information_trace(history.snapshots, data.X, data.y)
    >>> trace.epochs.tolist(), bool((trace.sensitivity > 0).all())
    ([0, 1, 2, 3], True)

    References
    ----------
    Daróczy, "Information geometry and generalization in deep neural networks" (slides, 2020), Definition 3.1
    and Lemma 3.1; Liang, Poggio, Rakhlin and Stokes (AISTATS 2019), Definition 2.
    """
    if isinstance(nets, nn.Module) or not isinstance(nets, Sequence) or len(nets) == 0:
        raise TypeError(f"nets must be a non-empty sequence of nets (history.snapshots), got {describe(nets)}")
    for i, net in enumerate(nets):
        if not isinstance(net, nn.Module):
            raise TypeError(f"nets[{i}] must be a torch.nn.Module, got {describe(net)}")
    sensitivity, fisher_rao, regions = [], [], []
    for net in nets:
        spec = read_net(net)
        inputs = as_inputs(X, spec.d_in, name="X")
        sensitivity.append(float(tangent_sensitivity_norm(net, inputs, output=output).mean()))
        fisher_rao.append(fisher_rao_norm(net, inputs, y))
        regions.append(len(torch.unique(spec.bits(inputs), dim=0)))
    return InformationTrace(np.array(sensitivity), np.array(fisher_rao), np.array(regions),
                            "all" if output == "all" else _scalar_output(read_net(nets[0]).d_out, output))
