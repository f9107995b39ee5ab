"""Activation patterns and the Hamming geometry between them.

The activation pattern of an input is the bit vector ``pi(x)`` with bit ``j`` set when hidden unit ``j``'s output is
strictly positive; hidden layers are concatenated in forward order. The definitions, and why they hold for activations
other than ReLU, are in foldlab's maths page (docs/maths.md), section 'Activation patterns and Hamming geometry'.
"""

from __future__ import annotations

import numpy as np
import torch

from . import limits
from ._typing import ArrayLike, Layers, Net
from ._validation import as_inputs, check_bool, check_int, describe
from .adapter import read_net

__all__ = [
    "activation_patterns",
    "hamming_distance",
    "hamming_matrix",
    "hamming_dtype",
    "as_patterns",
    "in_interval",
    "interval_size",
    "interval_patterns",
]

#: Float32 entries per block of :func:`hamming_matrix` (64 MB): bounds its temporary memory.
_BLOCK_ENTRIES = 2**24


def activation_patterns(
    net: Net,
    x: ArrayLike,
    layers: Layers = None,
    include_output: bool = False,
    *,
    batch_size: int = 8192,
) -> torch.Tensor:
    """Activation patterns of a batch of inputs.

    The net is read once into its float64 snapshot (:func:`foldlab.read_net`), whose forward pass gives
    every hidden layer's pre-activations; the module itself is left untouched.

    Parameters
    ----------
    net : torch.nn.Module or NetSpec
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
    Swiniarski, Bruna and Cho, "Study on Activation Patterns", eq. 5; Lewandowski et al., "On Space Folds of ReLU
    Neural Networks" (TMLR 2025, arXiv:2502.09954), Figure 1 (patterns in the Hamming activation space); Lewandowski
    et al., "The Space Between: On Folding, Symmetries and Sampling" (arXiv:2503.08502, 2025), for the binarised
    classes of other activations; foldlab's maths page (docs/maths.md), section 'Activation patterns and Hamming
    geometry'.
    """
    spec = read_net(net)
    chosen = spec.layer_indices(layers)
    include_output = check_bool(include_output, "include_output")
    if include_output and spec.output is None:
        raise ValueError("include_output=True needs an output layer after the last activation; this net has none")
    batch_size = check_int(batch_size, "batch_size", min=1)
    inputs = as_inputs(x, spec.d_in, device=spec.device)
    n, m = inputs.shape[0], sum(spec.widths[i] for i in chosen) + (spec.output.width if include_output else 0)
    # the bool result (kept twice while the chunks are joined) and one batch's float64 layers
    limits.check_memory(
        2.0 * n * m + 8.0 * 3 * min(n, batch_size) * (sum(spec.units) + spec.d_in),
        f"the patterns of {n} inputs x ({m} bits each)", driver="pass fewer inputs or a smaller batch_size",
    )
    chunks = []
    with torch.no_grad():
        for start in range(0, inputs.shape[0], batch_size):
            chunks.append(spec.bits(inputs[start : start + batch_size], chosen, include_output).cpu())
    return torch.cat(chunks)


def as_patterns(p: ArrayLike, name: str = "patterns") -> torch.Tensor:
    """Validate patterns (bool, or 0/1 numbers) and return them as a bool tensor (never a view of ``p``).

    Examples
    --------
    >>> as_patterns(np.array([[1, 0, 1], [0, 0, 1]])[::-1])
    tensor([[False, False,  True],
            [ True, False,  True]])
    """
    if isinstance(p, torch.Tensor):
        if p.is_complex():
            raise TypeError(f"{name} must be bits (bool or 0/1), got a complex tensor ({p.dtype})")
        t = p.detach().cpu()
    else:
        if p is None or isinstance(p, (str, bytes)):
            raise TypeError(f"{name} must be bits (bool or 0/1) in a tensor or array, got {describe(p)}")
        try:
            array = np.array(p, copy=True)  # a copy also drops negative strides, which torch refuses
        except (TypeError, ValueError) as error:
            raise ValueError(f"{name} must be a rectangular array of bits: {error}") from None
        if array.dtype.kind not in "biuf":
            what = "complex values" if array.dtype.kind == "c" else f"an array of {array.dtype}"
            raise TypeError(f"{name} must be bits (bool or 0/1), got {what}")
        t = torch.from_numpy(array)
    if t.dtype != torch.bool:
        outside = ~((t == 0) | (t == 1))
        if bool(outside.any()):
            bad = t[outside][0].item()
            raise ValueError(f"{name} must hold bits (bool or 0/1), got values outside {{0, 1}} such as {bad}")
        t = t != 0
    return t


def hamming_distance(p: ArrayLike, q: ArrayLike) -> int | torch.Tensor:
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

    References
    ----------
    Swiniarski, Bruna and Cho, "Study on Activation Patterns", eq. 7.
    """
    p, q = as_patterns(p, "p"), as_patterns(q, "q")
    if p.shape != q.shape:
        raise ValueError(f"patterns must have the same shape, got {tuple(p.shape)} and {tuple(q.shape)}")
    if p.ndim == 1:
        return int((p != q).sum())
    if p.ndim == 2:
        return (p != q).sum(dim=1)
    raise ValueError(f"expected patterns of shape (m,) or (n, m), got {tuple(p.shape)}")


def hamming_dtype(m: int) -> torch.dtype:
    """The smallest signed int type that holds every distance between patterns of ``m`` bits.

    Examples
    --------
    >>> hamming_dtype(64), hamming_dtype(128), hamming_dtype(40_000)
    (torch.int8, torch.int16, torch.int32)
    """
    m = check_int(m, "m", min=0)
    for dtype in (torch.int8, torch.int16, torch.int32):
        if m <= torch.iinfo(dtype).max:
            return dtype
    return torch.int64


def hamming_matrix(P: ArrayLike, Q: ArrayLike | None = None) -> torch.Tensor:
    """All pairwise Hamming distances between two sets of patterns.

    Computed as ``|p| + |q| - 2 <p, q>`` with one float32 matrix product per block of rows. This is exact:
    every partial sum and intermediate is an integer of magnitude at most ``2 m`` (even above ``m``), and
    ``m < 2^24``, so float32 represents all of them exactly. Rows are processed in blocks of about 2^24
    entries, so the temporary memory stays near 64 MB however large the result.

    The result has the smallest signed int type that holds ``m`` (:func:`hamming_dtype`): int8 up to 127
    bits, int16 up to 32767, else int32, so 20000 patterns of a few hundred bits take 800 MB, not the
    3.2 GB of int64. Sums of many distances can overflow that type: widen first (``D.sum(dtype=torch.int64)``
    or ``D.long()``). The memory (result and blocks) is estimated before anything is allocated.

    Parameters
    ----------
    P : Tensor or array, shape (n, m)
    Q : Tensor or array, shape (k, m), optional
        Defaults to ``P``.

    Returns
    -------
    Tensor, shape (n, k), int8, int16 or int32 (see above)

    Raises
    ------
    foldlab.OverBudget
        The result would not fit in :data:`foldlab.limits.MEMORY_BUDGET` (pass fewer patterns).

    Examples
    --------
    >>> hamming_matrix(torch.tensor([[1, 0, 1], [0, 0, 0]]))
    tensor([[0, 2],
            [2, 0]], dtype=torch.int8)
    """
    names = "P" if Q is None else "P and Q"
    P = as_patterns(P, "P")
    Q = P if Q is None else as_patterns(Q, "Q")
    if P.ndim != 2 or Q.ndim != 2:
        raise ValueError(f"expected pattern matrices of shape (n, m), got {tuple(P.shape)} and {tuple(Q.shape)}")
    if P.shape[1] != Q.shape[1]:
        raise ValueError(f"patterns have different lengths: {P.shape[1]} and {Q.shape[1]} bits")
    if P.shape[1] >= 2**24:
        raise ValueError(f"patterns of {P.shape[1]} bits exceed the exact float32 range of hamming_matrix")
    (n, m), k = P.shape, Q.shape[0]
    dtype = hamming_dtype(m)
    rows = max(1, _BLOCK_ENTRIES // max(k, 1))
    itemsize = torch.tensor([], dtype=dtype).element_size()
    limits.check_memory(
        float(n) * k * itemsize + 4.0 * (k * m + min(n, rows) * (m + 1) + min(n, rows) * k),
        f"the {n} x {k} distance matrix ({dtype}) of {names}", driver=f"pass fewer patterns in {names}",
    )
    out = torch.empty((n, k), dtype=dtype)
    if n == 0 or k == 0:
        return out
    Qf = Q.to(torch.float32)
    q_counts = Qf.sum(1)
    for start in range(0, n, rows):
        Pf = P[start : start + rows].to(torch.float32)
        block = Pf @ Qf.T
        # |p| - 2<p, q> lies in [-m, m] and the result in [0, m]: integers float32 holds exactly
        block.mul_(-2).add_(Pf.sum(1, keepdim=True)).add_(q_counts)
        out[start : start + rows].copy_(block)
    return out


# --- intervals ---------------------------------------------------------------------------------------

def _pattern_pair(p1, p2) -> tuple[torch.Tensor, torch.Tensor]:
    p1, p2 = as_patterns(p1, "p1"), as_patterns(p2, "p2")
    if p1.ndim != 1 or p2.ndim != 1:
        raise ValueError(
            f"p1 and p2 must be single patterns of shape (m,), got {tuple(p1.shape)} and {tuple(p2.shape)}"
        )
    if p1.shape != p2.shape:
        raise ValueError(f"p1 and p2 have different lengths: {p1.shape[0]} and {p2.shape[0]} bits")
    return p1, p2


def in_interval(patterns: ArrayLike, p1: ArrayLike, p2: ArrayLike) -> bool | torch.Tensor:
    """Whether patterns lie in the Hamming interval ``I(p1, p2)``.

    ``I(p1, p2) = {pi : d_H(p1, pi) + d_H(pi, p2) = d_H(p1, p2)}`` is the set of patterns on some shortest
    Hamming path from ``p1`` to ``p2``. A pattern is in it exactly when it agrees with ``p1`` (hence with
    ``p2``) on every bit where ``p1`` and ``p2`` agree; the bits where they differ are free. That is the
    test used here, one comparison per bit, vectorised over many candidates.

    Parameters
    ----------
    patterns : Tensor or array of bits, shape (k, m) or (m,)
        Candidate patterns.
    p1, p2 : Tensor or array of bits, shape (m,)
        The ends of the interval.

    Returns
    -------
    bool for one candidate; bool Tensor of shape (k,) for a batch.

    Examples
    --------
    >>> p1, p2 = torch.tensor([0, 0, 1, 1]), torch.tensor([0, 1, 1, 0])
    >>> in_interval(torch.tensor([[0, 1, 1, 1], [1, 0, 1, 1], [0, 0, 1, 0]]), p1, p2)
    tensor([ True, False,  True])
    >>> in_interval(p1, p1, p2)
    True

    References
    ----------
    Swiniarski, Bruna and Cho, "Study on Activation Patterns", section 5.2, eq. 48 (a pattern between two others);
    Lewandowski et al., "On Space Folds of ReLU Neural Networks" (TMLR 2025, arXiv:2502.09954), Figure 1 (shortest
    Hamming paths are not unique); foldlab's maths page (docs/maths.md), section 'Activation patterns and Hamming
    geometry' (the proof of the test).
    """
    p1, p2 = _pattern_pair(p1, p2)
    candidates = as_patterns(patterns, "patterns")
    if candidates.ndim not in (1, 2) or candidates.shape[-1] != p1.shape[0]:
        raise ValueError(
            f"expected candidate patterns of shape (k, {p1.shape[0]}) or ({p1.shape[0]},) to match p1 and p2, "
            f"got shape {tuple(candidates.shape)}"
        )
    agree = p1 == p2
    inside = ((candidates == p1) | ~agree).all(dim=-1)
    return bool(inside) if candidates.ndim == 1 else inside


def interval_size(p1: ArrayLike, p2: ArrayLike) -> int:
    """Number of patterns in the interval ``I(p1, p2)``: ``2 ** d_H(p1, p2)`` (an exact Python int).

    Examples
    --------
    >>> interval_size([0, 0, 1, 1], [0, 1, 1, 0])
    4
    >>> interval_size([0] * 100, [1] * 100)
    1267650600228229401496703205376

    References
    ----------
    foldlab's maths page (docs/maths.md), section 'Activation patterns and Hamming geometry'.
    """
    p1, p2 = _pattern_pair(p1, p2)
    return 2 ** int((p1 != p2).sum())


def interval_patterns(p1: ArrayLike, p2: ArrayLike, *, limit: int = 2**16) -> torch.Tensor:
    """All patterns of the interval ``I(p1, p2)``, in order of their distance from ``p1``.

    Row 0 is ``p1``, the last row is ``p2``; rows at distance ``r`` from ``p1`` come before those at
    distance ``r + 1`` (the levels of the interval), and within a level in the order of the binary number
    formed by the flipped bits (lowest bit index least significant).

    Parameters
    ----------
    p1, p2 : Tensor or array of bits, shape (m,)
    limit : int
        Largest number of patterns to build. The interval has ``2 ** d_H(p1, p2)`` patterns; past the
        limit this raises instead of filling the memory (use :func:`in_interval` to test membership).
        Under the limit the memory is still checked against :data:`foldlab.limits.MEMORY_BUDGET`.

    Returns
    -------
    Tensor, shape (2 ** d_H(p1, p2), m), bool

    Examples
    --------
    >>> interval_patterns(torch.tensor([0, 0, 1]), torch.tensor([1, 0, 0])).int()
    tensor([[0, 0, 1],
            [1, 0, 1],
            [0, 0, 0],
            [1, 0, 0]], dtype=torch.int32)

    References
    ----------
    foldlab's maths page (docs/maths.md), section 'Activation patterns and Hamming geometry'.
    """
    p1, p2 = _pattern_pair(p1, p2)
    limit = check_int(limit, "limit", min=1)
    free = torch.nonzero(p1 != p2).flatten()
    d = free.numel()
    size = 2**d
    if size > limit:
        raise ValueError(
            f"the interval has 2**{d} = {size} patterns, more than limit={limit}; raise the limit or test "
            f"membership with in_interval"
        )
    # the result, the codes, the flips and their sort
    limits.check_memory(
        float(size) * (p1.shape[0] + 3 * d + 8 * 4), f"the {size} patterns of the interval",
        driver="pass a lower limit= and test membership with in_interval",
    )
    codes = torch.arange(size, dtype=torch.int64)
    flips = (codes.unsqueeze(1) >> torch.arange(d, dtype=torch.int64)) & 1 == 1  # (size, d)
    order = torch.sort(flips.sum(1), stable=True).indices
    out = p1.repeat(size, 1)
    out[:, free] = out[:, free] ^ flips[order]
    return out
