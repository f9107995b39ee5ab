"""Activation patterns and the Hamming geometry between them (DESIGN.md sections 1 and 7).

The activation pattern of an input is the bit vector ``pi(x)`` with bit ``j`` set when hidden unit ``j``'s
output is strictly positive; hidden layers are concatenated in forward order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from .adapter import as_inputs, read_net, record_preactivations

__all__ = ["activation_patterns", "hamming_distance", "hamming_matrix", "as_patterns"]


def _float64_state(net: nn.Module) -> dict[str, torch.Tensor]:
    state = {}
    for name, tensor in list(net.named_parameters()) + list(net.named_buffers()):
        state[name] = tensor.detach().to(torch.float64) if tensor.is_floating_point() else tensor
    return state


def activation_patterns(
    net: nn.Module,
    x,
    layers: int | Sequence[int] | None = None,
    include_output: bool = False,
    *,
    batch_size: int = 8192,
) -> torch.Tensor:
    """Activation patterns of a batch of inputs.

    The net runs in float64 (its float32 weights are converted, the module itself is left untouched);
    forward hooks record every hidden layer's pre-activation and are always removed afterwards.

    Parameters
    ----------
    net : torch.nn.Module
        A feed-forward net of Linear layers and elementwise activations (see :mod:`foldlab.adapter`).
    x : Tensor or array, shape (n, d_in) or (d_in,)
        Inputs.
    layers : int or sequence of int, optional
        0-based indices of the hidden layers to keep (negative indices count from the end);
        None keeps all, in forward order.
    include_output : bool
        Append the output bits ``[N(x)_k > 0]`` after the hidden bits.
    batch_size : int
        Inputs per forward pass, to bound memory on large sets.

    Returns
    -------
    Tensor, shape (n, m), bool
        Bit ``j`` is 1 when hidden unit ``j``'s pre-activation is strictly positive, which for every
        supported activation is when its output is (a pre-activation of exactly 0 gives 0). For a SwiGLU
        unit ``Swish(u) * v`` the bit is ``[u * v > 0]``.

    Examples
    --------
    >>> import foldlab as fl
    >>> net = fl.mlp([2, 3, 2, 1], seed=0)
    >>> fl.activation_patterns(net, torch.tensor([[-1.0, 1.0], [1.0, 1.0]]))
    tensor([[ True,  True,  True, False, False],
            [ True, False, False,  True,  True]])
    >>> fl.activation_patterns(net, torch.tensor([0.0, 0.0]), layers=[1], include_output=True)
    tensor([[False,  True, False]])

    References
    ----------
    Lewandowski et al., "On Space Folds of ReLU Neural Networks" (TMLR 2025), section 2;
    Swiniarski, Bruna and Cho, "Study on Activation Patterns", eq. 5.
    """
    spec = read_net(net)
    chosen = spec.layer_indices(layers)
    if include_output and not spec.output_ops:
        raise ValueError("include_output=True needs an output layer after the last activation; this net has none")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    device = next(net.parameters()).device
    inputs = as_inputs(x, spec.d_in, device=device)
    state = _float64_state(net)
    chunks = []
    with torch.no_grad(), record_preactivations(spec) as records:
        for start in range(0, inputs.shape[0], batch_size):
            for r in records:
                r.clear()
            out = torch.func.functional_call(net, state, (inputs[start : start + batch_size],))
            parts = [spec.layers[i].bits(records[i][-1]) for i in chosen]
            if include_output:
                parts.append(out > 0)
            chunks.append(torch.cat(parts, dim=1).cpu())
    return torch.cat(chunks)


def as_patterns(p, name: str = "patterns") -> torch.Tensor:
    """Validate patterns (bool, or 0/1 numbers) and return them as a bool tensor."""
    t = p if isinstance(p, torch.Tensor) else torch.as_tensor(np.asarray(p))
    if t.dtype != torch.bool:
        if t.is_complex() or not bool(((t == 0) | (t == 1)).all()):
            raise ValueError(f"{name} must hold bits (bool or 0/1), got values outside {{0, 1}}")
        t = t != 0
    return t


def hamming_distance(p, q) -> int | torch.Tensor:
    """Number of differing bits between two activation patterns.

    Parameters
    ----------
    p, q : Tensor or array of bool / 0-1, shape (m,) or (n, m)

    Returns
    -------
    int for two patterns; an int64 tensor of shape (n,) for row-wise distances of two (n, m) batches.

    Examples
    --------
    >>> hamming_distance(torch.tensor([1, 0, 1, 1]), torch.tensor([0, 0, 1, 0]))
    2
    """
    p, q = as_patterns(p, "p"), as_patterns(q, "q")
    if p.shape != q.shape:
        raise ValueError(f"patterns must have the same shape, got {tuple(p.shape)} and {tuple(q.shape)}")
    if p.ndim == 1:
        return int((p != q).sum())
    if p.ndim == 2:
        return (p != q).sum(dim=1)
    raise ValueError(f"expected patterns of shape (m,) or (n, m), got {tuple(p.shape)}")


def hamming_matrix(P, Q=None) -> torch.Tensor:
    """All pairwise Hamming distances between two sets of patterns.

    Computed as ``|p| + |q| - 2 <p, q>`` with one matrix product (exact: the counts are small integers,
    far below float32's 2^24).

    Parameters
    ----------
    P : Tensor or array, shape (n, m)
    Q : Tensor or array, shape (k, m), optional
        Defaults to ``P``.

    Returns
    -------
    Tensor, shape (n, k), int64

    Examples
    --------
    >>> hamming_matrix(torch.tensor([[1, 0, 1], [0, 0, 0]]))
    tensor([[0, 2],
            [2, 0]])
    """
    P = as_patterns(P, "P")
    Q = P if Q is None else as_patterns(Q, "Q")
    if P.ndim != 2 or Q.ndim != 2:
        raise ValueError(f"expected pattern matrices of shape (n, m), got {tuple(P.shape)} and {tuple(Q.shape)}")
    if P.shape[1] != Q.shape[1]:
        raise ValueError(f"patterns have different lengths: {P.shape[1]} and {Q.shape[1]} bits")
    if P.shape[1] >= 2**24:
        raise ValueError(f"patterns of {P.shape[1]} bits exceed the exact float32 range of hamming_matrix")
    Pf, Qf = P.to(torch.float32), Q.to(torch.float32)
    d = Pf.sum(1, keepdim=True) + Qf.sum(1) - 2 * (Pf @ Qf.T)
    return d.round().to(torch.int64)
