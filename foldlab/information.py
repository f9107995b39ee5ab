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

Everything here differentiates the module itself (a float64 copy of its parameters through
``torch.func.functional_call``), so the net is left as it was. Expectations are empirical means over the given
inputs; "the empirical Fisher" uses the given labels.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, grad, jacrev, jvp, vmap
from torch.nn import functional as F

from ._typing import ArrayLike
from ._validation import DTYPE, as_inputs, as_labels, check_float, check_int
from .adapter import read_net
from .limits import check_memory

__all__ = [
    "tangent_sensitivity",
    "tangent_sensitivity_norm",
    "fisher_rao_norm",
    "FisherRaoIdentity",
    "fisher_rao_identity",
    "rescale",
    "parameter_count",
]


def parameter_count(net: nn.Module) -> int:
    """``N_theta``: the number of parameters, the rows of a tangent sample sensitivity (in the order of
    ``net.named_parameters()``, each flattened)."""
    return sum(p.numel() for p in net.parameters())


def _functional(net: nn.Module):
    """The net's parameters as a float64 tuple, and ``f(params, x)`` evaluating the module with them."""
    read_net(net)  # the same checks as everywhere: a net foldlab reads, in eval mode
    names = [name for name, _ in net.named_parameters()]
    params = tuple(p.detach().to(DTYPE) for _, p in net.named_parameters())
    buffers = {name: b.to(DTYPE) if b.is_floating_point() else b for name, b in net.named_buffers()}

    def f(values, x):
        return functional_call(net, {**dict(zip(names, values)), **buffers}, (x,))

    return params, f


def _scalar_output(net: nn.Module, d_out: int, output: int | None) -> int:
    if output is None:
        if d_out != 1:
            raise ValueError(
                f"tangent sensitivity is defined for a scalar output; this net has {d_out} outputs: pass output= "
                f"(0 to {d_out - 1}) to pick one"
            )
        return 0
    return check_int(output, "output", min=0, max=d_out - 1)


def tangent_sensitivity(net: nn.Module, x: ArrayLike, *, output: int | None = None) -> torch.Tensor:
    """Tangent sample sensitivity ``d^2 f / (d theta d x)`` at each input, shape ``(n, N_theta, d_in)``.

    Parameters
    ----------
    net : torch.nn.Module
    x : Tensor or array, shape (n, d_in) or (d_in,)
    output : int, optional
        Which output is ``f`` (needed when the net has several).

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

    References
    ----------
    Daróczy, "Information geometry and generalization in deep neural networks" (slides, 2020), Definition 3.1
    (tangent sample sensitivity) and Lemma 3.1 (identical within an activation region).
    """
    spec = read_net(net)
    output = _scalar_output(net, spec.d_out, output)
    inputs = as_inputs(x, spec.d_in, name="x")
    n_params = parameter_count(net)
    check_memory(
        8.0 * inputs.shape[0] * n_params * spec.d_in,
        "the tangent sample sensitivities",
        driver="pass fewer inputs, or use tangent_sensitivity_norm",
    )
    params, f = _functional(net)

    def df_dx(values, point):
        return grad(lambda p: f(values, p[None])[0, output])(point)  # (d_in,)

    per_input = vmap(jacrev(df_dx, argnums=0), in_dims=(None, 0))(params, inputs)  # tuple of (n, d_in, *shape)
    rows = [block.reshape(inputs.shape[0], spec.d_in, -1) for block in per_input]
    return torch.cat(rows, dim=2).transpose(1, 2).contiguous()


def tangent_sensitivity_norm(
    net: nn.Module, X: ArrayLike, *, output: int | None = None, batch_size: int = 256
) -> np.ndarray:
    """Frobenius norm ``||Sens(x; theta)||_F`` of the tangent sample sensitivity of each input, shape (n,).

    Computed in batches, so memory does not grow with ``n``; its mean over a data set is what notebook 08
    follows during training.

    Examples
    --------
    >>> import foldlab as fl
    >>> net = fl.mlp([2, 3, 1], seed=0)
    >>> norms = tangent_sensitivity_norm(net, torch.randn(5, 2, generator=torch.Generator().manual_seed(0)))
    >>> norms.shape
    (5,)
    """
    spec = read_net(net)
    inputs = as_inputs(X, spec.d_in, name="X")
    batch_size = check_int(batch_size, "batch_size", min=1)
    out = []
    for start in range(0, inputs.shape[0], batch_size):
        sens = tangent_sensitivity(net, inputs[start : start + batch_size], output=output)
        out.append(torch.linalg.matrix_norm(sens).numpy())
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
