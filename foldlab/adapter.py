"""The one place where a torch network is read: a snapshot of its affine maps and activations.

:func:`read_net` turns a feed-forward torch module into a :class:`NetSpec`: its hidden layers in forward
order, each a :class:`Layer` with the maps that produce its pre-activations (float64 copies of the
weights) and its :class:`Activation`, then the output layer. The snapshot holds no reference to the
module: training the net afterwards changes nothing already computed from it. Patterns, arrangements,
walks and everything built on them work from this form, so a new layer type or activation is taught to
foldlab here, once (the table :data:`ACTIVATION_MODULES` and :func:`_as_map`).

What is read
------------
The module is run once on probe inputs with forward hooks. Every leaf module that runs must be one of

- ``nn.Linear``, ``nn.BatchNorm1d`` (eval mode), ``nn.Dropout`` (eval mode), ``nn.Identity``,
  ``nn.Flatten``, ``nn.Unflatten``: affine, folded into the next pre-activation map;
- ``nn.Conv2d`` (any stride, padding, dilation and groups, with or without bias; ``padding_mode="zeros"``
  only) and ``nn.AvgPool2d``: linear in their input, so they are read as affine maps of the flattened
  image, unrolled into dense float64 matrices (see :func:`unrolled_map`);
- ``nn.LayerNorm``: accepted, but the pre-activations after it are no longer affine in the input;
- an activation: ``nn.ReLU``, ``nn.LeakyReLU``, ``nn.GELU``, ``nn.SiLU``, ``nn.Tanh``, ``nn.ELU``,
  ``nn.SELU``, or :class:`foldlab.nets.SwiGLU`;
- ``nn.MaxPool2d`` (any kernel, stride, padding, dilation, ``ceil_mode``; not ``return_indices=True``): a
  stage of its own, :class:`MaxPool`, whose pattern is each window's argmax (see below);
- :class:`foldlab.Residual` ``(inner)``: a residual block ``x + inner(x)`` (see below);

and the modules must form a plain chain (each one receives the previous one's output). Anything else,
such as attention, other max pools (``nn.AdaptiveMaxPool2d``, ``nn.MaxPool1d``), a user's own residual
module or a functional ``torch.relu`` call in ``forward``, gets a clear error naming the layer or the module.

Convolutional nets
------------------
Every foldlab function takes inputs as flat vectors ``(n, d_in)``: segments, planes and boxes live in
``R^d_in``. A conv net says the shape of its images with a first layer ``nn.Unflatten(1, (C, H, W))``
(``fl.conv_net`` builds such nets), and ``d_in = C * H * W``. This keeps the shape inside the module,
where it belongs to the net and travels with it, so nothing else in foldlab needs to know about images and
no function grows a shape argument; a conv net that does not start with it cannot be given the flat inputs
foldlab works with, and is refused with an error saying so. Inside the net, the shape every layer receives is read from
the traced probe run, so each ``Conv2d`` and ``AvgPool2d`` is unrolled for the exact shape it sees. A
unit of a convolutional layer is one channel at one position: its bits are the flattened
``(C, H, W)`` pre-activations, in torch's (row-major) order.

Max pooling is piecewise linear: where the argmax of every window is fixed, the pool passes one entry per
window. An ``nn.MaxPool2d`` becomes a :class:`Layer` whose activation is a :class:`MaxPool`: its maps lead to
the values the pool receives (the identity, a dense ``eye``, when it follows an activation directly; an
activation right after a pool gets the identity too), its output is each window's max, and its bits are the
argmax of every window, one-hot, one bit per (window, entry) pair: so a changed argmax is a Hamming
distance of 2. Ties go to the entry with the lowest flat index. Patterns, Hamming distances and walks (the
step engine, with exact settling) read it exactly; the 2D arrangement and the differentiable tools (geodesics,
the folding regularizer) refuse it, naming the layer. A net may not end with a pool (its output would be
the windows' maxima). Definitions and the tie rule: foldlab's maths page (docs/maths.md), section
'Max pooling'.

Residual blocks
---------------
``fl.Residual(inner)`` computes ``x + inner(x)``, where ``inner`` is a chain of the layers above with ReLU or
LeakyReLU activations, whose output has the shape of its input. Its activations are hidden layers like any
other; the skip adds none. The layered form reads each layer from the previous one's output only, so the skip
``x`` is carried through the block's hidden layers by extra units after the layer's own: ``sigma(x)`` and
``sigma(-x)``, from which the map after the block recovers ``x = (sigma(x) - sigma(-x)) / (1 + a)``
(``a``: the negative slope). These units are :attr:`Layer.n_carried`; they are never bits of a pattern
(:attr:`NetSpec.widths` and :meth:`NetSpec.bits` leave them out, :attr:`NetSpec.units` counts them), and
``x_i = 0``, where they switch, is no boundary (the net is the same affine map on both sides). A user's own
module returning ``x + f(x)`` is refused, naming it and ``fl.Residual``; so are a block whose inner branch
changes the shape, has a max pool, a LayerNorm or a smooth activation, or holds another block. Patterns,
Hamming distances, walks and local linear maps read blocks exactly; the 2D arrangement and the
differentiable tools refuse them, naming the layer. Definitions: foldlab's maths page (docs/maths.md),
section 'Residual blocks'.

The reading is verified: the snapshot's pre-activations and output must equal the module's own on the
probe inputs (spread over scales from 0.1 to 1000), and :func:`check_reading` repeats the check at any
points (the walks call it at region midpoints). A module whose forward does something the hooks cannot
see (a clamp inside a wrapper module, a hook that changes an output) raises
:class:`foldlab.ReadingMismatch` instead of giving answers about another function. Reading changes
nothing: buffers (BatchNorm's running statistics) and torch's random state are as they were. Why float64,
and what the verification does and does not promise: foldlab's maths page (docs/maths.md), section 'Floating point and
exactness'.
"""

from __future__ import annotations

import contextlib
import functools
import math
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils import parametrize

from . import limits
from ._typing import Device, Layers, Net
from ._validation import DTYPE, check_int, describe
from .cantornet import CantorNet
from .errors import NotPiecewiseLinear, ReadingMismatch, UnsupportedNet
from .nets import Residual, SwiGLU

__all__ = [
    "DTYPE",
    "Activation",
    "Affine",
    "LayerNormMap",
    "Layer",
    "NetSpec",
    "ACTIVATION_MODULES",
    "read_net",
    "check_reading",
    "activation_calls",
    "recording_preactivations",
    "unrolled_map",
]

#: The activations foldlab reads, by their ``kind``: a bit is ``[z > 0]`` (``[u v > 0]`` for SwiGLU).
KINDS = ("relu", "leaky_relu", "gelu", "silu", "tanh", "elu", "selu", "swiglu")
#: Activations whose layers are affine between kinks at z = 0: nets of these are piecewise linear.
PIECEWISE_LINEAR_KINDS = frozenset({"relu", "leaky_relu"})


# --- activations ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Activation:
    """An activation function with its settings, read from its module (a frozen copy).

    Attributes
    ----------
    kind : str
        One of :data:`KINDS`.
    negative_slope : float
        LeakyReLU's slope for negative inputs (0 for every other kind).
    alpha : float
        ELU's ``alpha`` (1 for every other kind).
    approximate : str
        GELU's ``approximate`` (``"none"`` or ``"tanh"``).

    Examples
    --------
    >>> Activation("leaky_relu", negative_slope=0.1)(torch.tensor([-1.0, 2.0]))
    tensor([-0.1000,  2.0000])
    """

    kind: str
    negative_slope: float = 0.0
    alpha: float = 1.0
    approximate: str = "none"

    @property
    def piecewise_linear(self) -> bool:
        """True for ReLU and LeakyReLU: affine on each side of ``z = 0``."""
        return self.kind in PIECEWISE_LINEAR_KINDS

    @property
    def gated(self) -> bool:
        """True for SwiGLU, whose pre-activation ``[u, v]`` has two entries per unit."""
        return self.kind == "swiglu"

    def __call__(self, z: torch.Tensor) -> torch.Tensor:
        """The layer's output from its pre-activations."""
        kind = self.kind
        if kind == "relu":
            return torch.relu(z)
        if kind == "leaky_relu":
            return F.leaky_relu(z, self.negative_slope)
        if kind == "gelu":
            return F.gelu(z, approximate=self.approximate)
        if kind == "silu":
            return F.silu(z)
        if kind == "tanh":
            return torch.tanh(z)
        if kind == "elu":
            return F.elu(z, self.alpha)
        if kind == "selu":
            return F.selu(z)
        if kind == "swiglu":
            half = z.shape[-1] // 2
            return F.silu(z[..., :half]) * z[..., half:]
        raise AssertionError(kind)

    def bits(self, z: torch.Tensor) -> torch.Tensor:
        """Activation bits ``[sigma(z) > 0]`` from the pre-activations ``z``.

        Every supported activation is sign-preserving (``sigma(z) > 0`` exactly when ``z > 0``), so the bit
        is ``z > 0``: a pre-activation of exactly 0 gives 0. Working on ``z`` rather than on ``sigma(z)``
        keeps bits exact where ``sigma(z)`` underflows (GELU of a tiny positive ``z``). For SwiGLU,
        ``z = [u, v]`` and the bit is ``[u v > 0]``, evaluated on signs so that it cannot underflow either.
        """
        if self.gated:
            half = z.shape[-1] // 2
            u, v = z[..., :half], z[..., half:]
            return ((u > 0) & (v > 0)) | ((u < 0) & (v < 0))
        return z > 0

    def __repr__(self) -> str:
        extra = {"leaky_relu": f"({self.negative_slope:g})", "elu": f"(alpha={self.alpha:g})",
                 "gelu": "(tanh)" if self.approximate == "tanh" else ""}.get(self.kind, "")
        return f"{self.kind}{extra}"


def _finite_setting(name: str, module: nn.Module, attribute: str) -> float:
    """A setting of an activation module that keeps it sign-preserving: a finite number >= 0 (a negative
    LeakyReLU slope or ELU alpha makes ``sigma(z) > 0`` for ``z < 0``, so the bit ``[z > 0]`` would not be
    ``[sigma(z) > 0]``)."""
    value = getattr(module, attribute)
    number = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
    if not number or not math.isfinite(value):
        raise ValueError(
            f"layer {name!r} ({type(module).__name__}) has {attribute}={describe(value)}; expected a finite number"
        )
    if value < 0:
        raise ValueError(
            f"layer {name!r} ({type(module).__name__}) has {attribute}={value}; foldlab reads sign-preserving "
            f"activations (sigma(z) > 0 exactly when z > 0), which needs {attribute} >= 0"
        )
    return float(value)


def _gelu(name: str, module: nn.GELU) -> Activation:
    if module.approximate not in ("none", "tanh"):
        raise ValueError(
            f"layer {name!r} (GELU) has approximate={module.approximate!r}; expected 'none' or 'tanh'"
        )
    return Activation("gelu", approximate=module.approximate)


#: How each activation module becomes an :class:`Activation`: the one table to extend for a new one.
ACTIVATION_MODULES: dict[type, Any] = {
    nn.ReLU: lambda name, m: Activation("relu"),
    nn.LeakyReLU: lambda name, m: Activation("leaky_relu", negative_slope=_finite_setting(name, m, "negative_slope")),
    nn.GELU: _gelu,
    nn.SiLU: lambda name, m: Activation("silu"),
    nn.Tanh: lambda name, m: Activation("tanh"),
    nn.ELU: lambda name, m: Activation("elu", alpha=_finite_setting(name, m, "alpha")),
    nn.SELU: lambda name, m: Activation("selu"),
    SwiGLU: lambda name, m: Activation("swiglu"),
}

@dataclass(frozen=True, eq=False)
class MaxPool:
    """``nn.MaxPool2d`` read as a stage of its own: the max of each window of its input's values.

    Its "pre-activations" are the values the pool receives (flattened ``(C, H, W)``, reached by an affine map
    from the previous stage, the identity when the pool follows an activation directly), its output is one
    value per window, and its pattern is the argmax of every window as one-hot bits: one bit per
    (window, entry) pair, 1 for the entry that is the window's max. Ties go to the entry with the lowest flat
    index (on a piece of a walk: the entry that is largest just after the start of the piece, then the lowest
    index among entries equal on the whole piece). When the argmax of a window changes, two bits flip.

    Attributes
    ----------
    windows : Tensor, shape (n_windows, k), int64
        Flat indices (into the pool's input) of each window's entries, increasing, padded with -1 where the
        window reaches into the padding (``-inf`` for torch, so never the max).
    n_in : int
        Number of values the pool receives, ``C * H * W``.
    label : str
        The pool's settings, for the repr.

    Examples
    --------
    >>> pool = MaxPool(torch.tensor([[0, 1], [2, 3]]), 4, "2")
    >>> z = torch.tensor([[1.0, 3.0, -1.0, -1.0]])
    >>> pool(z), pool.bits(z)
    (tensor([[ 3., -1.]]), tensor([[False,  True,  True, False]]))
    """

    windows: torch.Tensor
    n_in: int
    label: str = ""
    kind: str = "max_pool"
    negative_slope: float = 0.0  # what the engines lift an error by (1) and a LeakyReLU's off side (none)
    piecewise_linear: bool = False  # piecewise linear, but not elementwise: only the engines that know pools
    gated: bool = False

    @property
    def valid(self) -> torch.Tensor:
        """Which slots of :attr:`windows` are entries (not padding), shape (n_windows, k)."""
        return self.windows >= 0

    @property
    def n_out(self) -> int:
        """Number of windows: the size of the pool's output."""
        return int(self.windows.shape[0])

    @property
    def width(self) -> int:
        """Number of pattern bits: (window, entry) pairs."""
        return int(self.valid.sum())

    @property
    def pairs(self) -> torch.Tensor:
        """Column of each (window, entry) pair in the flattened (n_windows * k) slots, shape (width,)."""
        return torch.nonzero(self.valid.flatten()).flatten()

    @property
    def multiplicity(self) -> int:
        """The most windows any entry belongs to (1 unless the windows overlap)."""
        used = self.windows[self.valid]
        return int(torch.bincount(used).max()) if used.numel() else 1

    def entries(self, z: torch.Tensor) -> torch.Tensor:
        """The windows' entries, shape ``(n, n_windows, k)``, with ``-inf`` in the padding slots."""
        values = z[..., self.windows.clamp(min=0)]
        return values.masked_fill(~self.valid, -math.inf)

    def argmax(self, z: torch.Tensor) -> torch.Tensor:
        """Slot of each window's max, shape ``(n, n_windows)``: the first (lowest flat index) among ties."""
        return self.entries(z).argmax(dim=-1)  # torch.argmax returns the first maximal value's index

    def __call__(self, z: torch.Tensor) -> torch.Tensor:
        """Each window's max, shape ``(n, n_windows)`` (a gather, so autograd's derivative is the one-hot
        argmax of :meth:`argmax`)."""
        values = self.entries(z)
        return values.gather(-1, values.argmax(dim=-1, keepdim=True)).squeeze(-1)

    def bits(self, z: torch.Tensor) -> torch.Tensor:
        """One-hot argmax bits, shape ``(n, width)``: pairs in window order, entries by flat index."""
        slots = torch.arange(self.windows.shape[1], device=z.device)
        onehot = self.argmax(z)[..., None] == slots
        return onehot.flatten(-2)[..., self.pairs.to(z.device)]

    def to(self, device: Device) -> MaxPool:
        return replace(self, windows=self.windows.to(device))

    def __repr__(self) -> str:
        return f"max_pool({self.label})" if self.label else "max_pool"


def pool_windows(shape: Sequence[int], kernel, stride, padding, dilation, out_hw: Sequence[int]) -> torch.Tensor:
    """Flat input indices of every window of a 2D max pool on images of ``shape = (C, H, W)``, shape
    ``(C * H' * W', kh * kw)``, -1 where the window covers padding; windows in torch's (row-major) output
    order, each window's entries in increasing flat index. ``out_hw = (H', W')`` is torch's output size
    (which decides what ``ceil_mode`` adds)."""
    c, h, w = (int(k) for k in shape)
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = (_pair(v) for v in (kernel, stride, padding, dilation))
    ho, wo = (int(k) for k in out_hw)
    rows = np.arange(ho)[:, None] * sh - ph + np.arange(kh)[None, :] * dh  # (H', kh)
    cols = np.arange(wo)[:, None] * sw - pw + np.arange(kw)[None, :] * dw  # (W', kw)
    ok = ((rows >= 0) & (rows < h))[:, None, :, None] & ((cols >= 0) & (cols < w))[None, :, None, :]
    flat = rows[:, None, :, None] * w + cols[None, :, None, :]  # (H', W', kh, kw)
    flat = np.where(ok, flat, -1)[None] + np.where(ok, np.arange(c)[:, None, None, None, None] * h * w, 0)
    return torch.from_numpy(flat.reshape(c * ho * wo, kh * kw).astype(np.int64))


def _pair(value) -> tuple[int, int]:
    return (int(value), int(value)) if isinstance(value, int) else (int(value[0]), int(value[1]))


def _max_pool(name: str, module: nn.MaxPool2d, shape: tuple) -> MaxPool:
    """The :class:`MaxPool` of a traced ``nn.MaxPool2d`` that receives images of ``shape`` (C, H, W)."""
    if module.return_indices:
        raise UnsupportedNet(
            f"foldlab cannot analyse layer {name!r} (MaxPool2d) with return_indices=True: its forward returns a "
            f"pair, not a tensor; use return_indices=False"
        )
    with torch.no_grad():
        out = module(torch.zeros((1, *shape), dtype=DTYPE))
    limits.check_memory(8.0 * out.numel() * math.prod(_pair(module.kernel_size)) * 3,
                        f"the windows of layer {name!r} (MaxPool2d)", driver="use a smaller image or fewer channels")
    windows = pool_windows(shape, module.kernel_size, module.stride, module.padding, module.dilation, out.shape[2:])
    if not bool((windows >= 0).any(dim=1).all()):  # pragma: no cover - torch refuses such settings itself
        raise UnsupportedNet(f"layer {name!r} (MaxPool2d) has a window that covers only padding")
    k = _pair(module.kernel_size)
    label = f"{k[0]}x{k[1]}" + (f", stride={_pair(module.stride)[0]}" if _pair(module.stride) != k else "")
    return MaxPool(windows, math.prod(shape), label)


_PASS_THROUGH = (nn.Identity, nn.Flatten, nn.Dropout, nn.Unflatten)
#: Layers read as affine maps of the flattened image (unrolled): their input must be ``(n, C, H, W)``.
_IMAGE_MODULES = (nn.Conv2d, nn.AvgPool2d)
#: The modules that end a stage (a :class:`Layer`): the activations, and max pooling (see :class:`MaxPool`).
_STAGE_MODULES = frozenset((*ACTIVATION_MODULES, nn.MaxPool2d))
_AFFINE_MODULES = (nn.Linear, nn.BatchNorm1d, nn.LayerNorm, *_IMAGE_MODULES)
#: Layers that act on the last dimension only: read as maps of flat vectors, so their input must be ``(n, d)``.
_FLAT_MODULES = (nn.Linear, nn.BatchNorm1d, nn.LayerNorm, SwiGLU)
_SUPPORTED_NAMES = (
    "Linear, BatchNorm1d (eval), LayerNorm, Dropout (eval), Identity, Flatten, Unflatten, Conv2d, AvgPool2d, "
    "MaxPool2d, ReLU, LeakyReLU, GELU, SiLU, Tanh, ELU, SELU, foldlab.SwiGLU"
)
#: Torch layers refused with a reason of their own (the others: "supported layers are ...").
_REFUSED_BECAUSE: dict[type, str] = {
    nn.MaxPool1d: "foldlab reads 2D max pooling (nn.MaxPool2d) on images only",
    nn.MaxPool3d: "foldlab reads 2D max pooling (nn.MaxPool2d) on images only",
    nn.AdaptiveMaxPool2d: "foldlab reads nn.MaxPool2d, whose windows are fixed; use it with the kernel and "
                          "stride that give the size wanted",
    nn.FractionalMaxPool2d: "its windows are random",
    nn.LPPool2d: "it is not piecewise linear; nn.MaxPool2d and nn.AvgPool2d are read exactly",
}


def _unsupported(name: str, module: nn.Module) -> UnsupportedNet:
    """The error for a layer foldlab cannot read, naming it and saying why or what is supported."""
    reason = next((r for kind, r in _REFUSED_BECAUSE.items() if isinstance(module, kind)), None)
    if reason is None:
        reason = f"supported layers are {_SUPPORTED_NAMES}"
    return UnsupportedNet(f"foldlab cannot analyse layer {name!r} ({type(module).__name__}); {reason}")


# --- maps -----------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Affine:
    """An affine map ``h -> h @ weight.T + bias`` in float64.

    Attributes
    ----------
    weight : Tensor, shape (d_out, d_in)
    bias : Tensor, shape (d_out,)
    """

    weight: torch.Tensor
    bias: torch.Tensor

    @property
    def d_out(self) -> int:
        return int(self.weight.shape[0])

    def __call__(self, h: torch.Tensor) -> torch.Tensor:
        return torch.addmm(self.bias, h, self.weight.T) if h.ndim == 2 else h @ self.weight.T + self.bias

    @functools.cached_property
    def is_identity(self) -> bool:
        """Whether the map is exactly the identity: square, no bias, ones on the diagonal and no other nonzero
        (a max pool's input right after an activation). Found once per map, without building an n x n eye;
        the walk engines pass such values through as they are."""
        n = self.d_out
        weight = self.weight
        return (n == weight.shape[1] and not bool(self.bias.any()) and int(torch.count_nonzero(weight)) == n
                and bool((weight.diagonal() == 1).all()))

    def then(self, other: Affine) -> Affine:
        """The composition ``other(self(h))``."""
        return Affine(other.weight @ self.weight, other.weight @ self.bias + other.bias)

    def to(self, device: Device) -> Affine:
        return Affine(self.weight.to(device), self.bias.to(device))

    def __repr__(self) -> str:
        return f"Affine({self.weight.shape[1]} -> {self.weight.shape[0]})"


@dataclass(frozen=True, eq=False)
class LayerNormMap:
    """``nn.LayerNorm`` over the last dimension, with copies of its weight and bias (float64)."""

    shape: tuple[int, ...]
    weight: torch.Tensor | None
    bias: torch.Tensor | None
    eps: float

    @property
    def d_out(self) -> int:
        return int(self.shape[-1])

    def __call__(self, h: torch.Tensor) -> torch.Tensor:
        return F.layer_norm(h, self.shape, self.weight, self.bias, self.eps)

    def to(self, device: Device) -> LayerNormMap:
        move = lambda t: None if t is None else t.to(device)  # noqa: E731
        return replace(self, weight=move(self.weight), bias=move(self.bias))

    def __repr__(self) -> str:
        return f"LayerNorm({self.shape[-1]})"


Map = Affine | LayerNormMap


# --- layers and nets ------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Layer:
    """One layer as foldlab sees it: the maps to its pre-activations, then its activation.

    The output layer is a Layer too, with ``activation=None``: its bits are ``[N(x)_k > 0]``.

    Attributes
    ----------
    name : str
        Qualified name of the activation module (``"3"`` in a Sequential, ``"blocks.0.act"`` ...), or
        ``"output"``.
    activation : Activation or None
    width : int
        Number of units, hence of pattern bits.
    maps : tuple of Affine or LayerNormMap
        From the previous layer's output (or the input) to the pre-activation, consecutive affine maps
        already composed. For SwiGLU the pre-activation is ``[u, v]``, of size ``2 * width``.
    n_carried : int
        How many of the last units carry the skip of a :class:`foldlab.Residual` block through this layer:
        ``relu(x)`` then ``relu(-x)`` for the block's input ``x`` (``n_carried = 2 * len(x)``). They are
        units of the snapshot (the engines walk them), never bits of a pattern: :attr:`n_bits` units are
        the net's own. 0 outside residual blocks.
    """

    name: str
    activation: Activation | MaxPool | None
    width: int
    maps: tuple[Map, ...]
    n_carried: int = 0

    @property
    def n_bits(self) -> int:
        """Number of the layer's own units, whose bits make up its part of a pattern: ``width - n_carried``."""
        return self.width - self.n_carried

    @property
    def is_pool(self) -> bool:
        """A max pool (:class:`MaxPool`): bits are each window's one-hot argmax, not signs."""
        return isinstance(self.activation, MaxPool)

    @property
    def kind(self) -> str:
        """The activation's kind, or ``"output"``."""
        return "output" if self.activation is None else self.activation.kind

    @property
    def is_output(self) -> bool:
        return self.activation is None

    @property
    def negative_slope(self) -> float:
        """Slope below 0: LeakyReLU's, 0 for ReLU (the output layer: 1, it is not rectified)."""
        return 1.0 if self.activation is None else self.activation.negative_slope

    @property
    def affine(self) -> Affine | None:
        """The pre-activation as one affine map of the previous output, or None (LayerNorm between)."""
        if len(self.maps) == 1 and isinstance(self.maps[0], Affine):
            return self.maps[0]
        return None

    @property
    def piecewise_linear(self) -> bool:
        """ReLU or LeakyReLU after one affine map (the output layer: one affine map)."""
        linear = self.activation is None or self.activation.piecewise_linear
        return linear and self.affine is not None

    def preactivation(self, h: torch.Tensor) -> torch.Tensor:
        """Pre-activations, shape ``(n, width)`` (``(n, 2 * width)`` for SwiGLU: ``[u, v]``)."""
        for op in self.maps:
            h = op(h)
        return h

    def activate(self, z: torch.Tensor) -> torch.Tensor:
        """The layer's output from its pre-activations (the output layer: ``z`` itself)."""
        return z if self.activation is None else self.activation(z)

    def bits(self, z: torch.Tensor) -> torch.Tensor:
        """Activation bits from pre-activations (see :meth:`Activation.bits`)."""
        return z > 0 if self.activation is None else self.activation.bits(z)

    def to(self, device: Device) -> Layer:
        activation = self.activation.to(device) if self.is_pool else self.activation
        return replace(self, maps=tuple(op.to(device) for op in self.maps), activation=activation)

    def __repr__(self) -> str:
        carried = f", carried={self.n_carried}" if self.n_carried else ""
        return (
            f"Layer({self.name!r}, {self.kind if self.activation is None else self.activation!r}, "
            f"width={self.width}{carried})"
        )


@dataclass(frozen=True, eq=False)
class NetSpec:
    """A snapshot of a feed-forward net, made by :func:`read_net`: hidden layers in order, then the output.

    It holds float64 copies of the weights and no reference to the module. Every foldlab function that
    takes a net also takes its NetSpec, so a net read once can be analysed many times.

    Attributes
    ----------
    d_in : int
        Input dimension.
    layers : tuple of Layer
        The hidden layers.
    output : Layer or None
        The maps after the last activation (None when the net ends with an activation).
    source : str
        The module's class name, for messages.
    """

    d_in: int
    layers: tuple[Layer, ...]
    output: Layer | None
    source: str = "Module"

    @property
    def widths(self) -> tuple[int, ...]:
        """Number of units in each hidden layer: its bits in a pattern (units that carry a residual block's
        skip are not counted, see :attr:`Layer.n_carried`)."""
        return tuple(layer.n_bits for layer in self.layers)

    @property
    def units(self) -> tuple[int, ...]:
        """Number of values each hidden layer computes, carried units included (what memory grows with)."""
        return tuple(layer.width for layer in self.layers)

    @property
    def n_hidden(self) -> int:
        """Total number of hidden units, i.e. pattern bits without the output."""
        return sum(self.widths)

    @property
    def residual(self) -> bool:
        """True when a layer carries the skip of a :class:`foldlab.Residual` block (extra units, no bits)."""
        return any(layer.n_carried for layer in self.layers)

    @property
    def d_out(self) -> int:
        return self.layers[-1].width if self.output is None else self.output.width

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(layer.kind for layer in self.layers)

    @property
    def device(self) -> torch.device:
        """Where the snapshot's tensors are."""
        for op in self.layers[0].maps:
            if isinstance(op, Affine):
                return op.weight.device
        return torch.device("cpu")

    @property
    def piecewise_linear(self) -> bool:
        """True when every layer is ReLU/LeakyReLU with affine pre-activations (exact algorithms apply)."""
        return all(layer.piecewise_linear for layer in self.layers) and (
            self.output is None or self.output.affine is not None
        )

    def check_piecewise_linear(self, what: str) -> None:
        """Raise :class:`foldlab.NotPiecewiseLinear`, naming the first layer that is not, for ``what``.

        A max pool is piecewise linear, but only the patterns, Hamming distances and walks read it (its
        pieces are cut by comparisons of its entries, not by signs): :class:`foldlab.UnsupportedNet` here.
        """
        for i, layer in enumerate(self.layers):
            if layer.n_carried:
                raise UnsupportedNet(
                    f"{what} does not handle residual blocks: hidden layer {i} ({layer.name!r}) is inside one "
                    f"(fl.Residual). Its patterns and walks are exact: use fl.activation_patterns, and fl.walk "
                    f"or fl.walks along segments"
                )
            if layer.is_pool:
                raise UnsupportedNet(
                    f"{what} does not handle max pooling: hidden layer {i} ({layer.name!r}) is a max pool "
                    f"({layer.activation.label}). Its walks are exact: use fl.walk or fl.walks along segments, and "
                    f"fl.activation_patterns for its patterns"
                )
            if not layer.activation.piecewise_linear:
                raise NotPiecewiseLinear(
                    f"{what} needs a piecewise-linear net (ReLU or LeakyReLU); hidden layer {i} "
                    f"({layer.name!r}) is {layer.kind}, on whose regions the net is not affine"
                )
            if layer.affine is None:
                raise NotPiecewiseLinear(
                    f"{what} needs affine maps between activations; hidden layer {i} ({layer.name!r}) has a "
                    f"LayerNorm before it, which is not piecewise linear"
                )
        if self.output is not None and self.output.affine is None:
            raise NotPiecewiseLinear(
                f"{what} needs an affine output layer; this net has a LayerNorm after its last activation"
            )

    def to(self, device: Device) -> NetSpec:
        """The same snapshot with its tensors on ``device``."""
        output = None if self.output is None else self.output.to(device)
        return replace(self, layers=tuple(layer.to(device) for layer in self.layers), output=output)

    def forward(self, x: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
        """Pre-activations of every hidden layer and the output, from the snapshot.

        Parameters
        ----------
        x : Tensor, shape (n, d_in), float64

        Returns
        -------
        preactivations : list of Tensor, shapes (n, width) ((n, 2 width) for SwiGLU)
        output : Tensor, shape (n, d_out)
        """
        zs = []
        h = x
        for layer in self.layers:
            z = layer.preactivation(h)
            zs.append(z)
            h = layer.activate(z)
        if self.output is not None:
            h = self.output.preactivation(h)
        return zs, h

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """The net's output at ``x`` (float64), from the snapshot."""
        return self.forward(x)[1]

    def bits(self, x: torch.Tensor, layers: Layers = None, include_output: bool = False) -> torch.Tensor:
        """Activation patterns at ``x`` from the snapshot, shape ``(n, m)``, bool."""
        zs, out = self.forward(x)
        parts = [self.layers[i].bits(zs[i]) for i in self.layer_indices(layers)]
        if self.residual:  # drop the units that carry a skip (the last of their layer)
            parts = [bits[:, : self.layers[i].n_bits] for i, bits in zip(self.layer_indices(layers), parts)]
        if include_output:
            parts.append(out > 0)
        return torch.cat(parts, dim=1)

    def layer_indices(self, layers: Layers) -> list[int]:
        """Validate a ``layers=`` argument: None (all), an int, or a sequence of 0-based indices.

        Negative indices count from the end; the result is sorted. Strings, floats and bools are refused
        (``"01"`` is not ``[0, 1]``).

        Examples
        --------
        >>> spec = read_net(nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 3), nn.ReLU()))
        >>> spec.layer_indices(None), spec.layer_indices(-1), spec.layer_indices([1, 0])
        ([0, 1], [1], [0, 1])
        """
        n = len(self.layers)
        if layers is None:
            return list(range(n))
        if isinstance(layers, (str, bytes)):
            raise TypeError(f"layers must be None, an int or a sequence of ints, got {describe(layers)}")
        if not isinstance(layers, (Sequence, np.ndarray, range)):
            layers = [layers]
        chosen = [check_int(i, "layers") for i in np.asarray(layers, dtype=object).reshape(-1)]
        if not chosen:
            raise ValueError("layers is empty: select at least one hidden layer, or pass None for all")
        for i in chosen:
            if not -n <= i < n:
                raise ValueError(
                    f"layer index {i} is out of range: this net has {n} hidden layers (0 to {n - 1})"
                )
        normalized = [i % n for i in chosen]
        if len(set(normalized)) != len(normalized):
            raise ValueError(f"layers lists a layer twice: {chosen}")
        return sorted(normalized)

    def __repr__(self) -> str:
        body = ", ".join(f"{layer.kind}:{layer.n_bits}" for layer in self.layers)
        return f"NetSpec(d_in={self.d_in}, hidden=[{body}], d_out={self.d_out})"


# --- reading ---------------------------------------------------------------------------------------

def _leaves(net: nn.Module) -> dict[nn.Module, str]:
    """Leaf modules by identity, with SwiGLU blocks and parametrized layers (weight normalisation: their
    children compute the weight, which is read from ``module.weight``) treated as leaves."""
    names: dict[nn.Module, str] = {}

    def visit(module: nn.Module, prefix: str) -> None:
        children = list(module.named_children())
        if isinstance(module, SwiGLU) or parametrize.is_parametrized(module) or not children:
            names.setdefault(module, prefix or type(module).__name__)
            return
        for child_name, child in children:
            visit(child, f"{prefix}.{child_name}" if prefix else child_name)

    visit(net, "")
    return names


def _unsupported_torch_layer(module: nn.Module) -> bool:
    kind = type(module)
    known = (*_AFFINE_MODULES, *_PASS_THROUGH, *_STAGE_MODULES, nn.Sequential, nn.ModuleList, nn.ModuleDict)
    # torch.nn.utils.parametrize(-ations): what computes a parametrized layer's weight (weight_norm), not a layer
    weight_maker = kind.__module__.startswith("torch.nn.utils.parametriz")
    return kind.__module__.startswith("torch.nn") and not weight_maker and not isinstance(module, known)


def _finite(t: torch.Tensor) -> bool:
    if t.device.type == "cpu" and t.dtype in (torch.float32, torch.float64):
        return bool(np.isfinite(t.detach().numpy()).all())  # several times quicker than torch on the CPU
    return bool(torch.isfinite(t).all())


def _check_parameters(net: nn.Module, tensors: list[tuple[str, torch.Tensor]] | None = None) -> None:
    """Refuse complex parameters or buffers, and NaN or inf in them (named)."""
    if tensors is None:
        tensors = [*net.named_parameters(), *net.named_buffers()]
    on_cpu = []  # float32/64 tensors on the CPU, checked together in numpy (one call, not one per tensor)
    for name, tensor in tensors:
        if tensor.is_complex():
            raise UnsupportedNet(f"parameter {name!r} of the net is complex; foldlab reads real-valued nets")
        if tensor.is_floating_point():
            if tensor.is_cpu and tensor.dtype in (torch.float32, torch.float64):
                on_cpu.append((name, tensor))
            elif not _finite(tensor):
                _refuse_non_finite(name, tensor)
    if on_cpu and not np.isfinite(np.concatenate([t.detach().numpy().reshape(-1) for _, t in on_cpu])).all():
        name, tensor = next((name, t) for name, t in on_cpu if not _finite(t))
        _refuse_non_finite(name, tensor)


def _refuse_non_finite(name: str, tensor: torch.Tensor) -> None:
    bad = "NaN" if bool(torch.isnan(tensor).any()) else "inf"
    raise ValueError(f"parameter {name!r} of the net contains {bad}; foldlab needs finite weights")


def _check_modules(modules: list[tuple[str, nn.Module]]) -> None:
    """Before anything runs: refuse layers whose output depends on the batch or on chance, and
    activations with settings that are not numbers (a LeakyReLU slope of NaN)."""
    for name, module in modules:
        if isinstance(module, nn.BatchNorm1d) and (module.training or module.running_mean is None):
            raise ValueError(
                f"layer {name!r} (BatchNorm1d) is in training mode or keeps no running statistics, so the "
                f"pattern of an input depends on its batch; call net.eval() first"
            )
        if isinstance(module, nn.Dropout) and module.training and module.p > 0:
            raise ValueError(
                f"layer {name!r} (Dropout) is in training mode, so patterns would be random; call net.eval() first"
            )
        if type(module) in ACTIVATION_MODULES:
            ACTIVATION_MODULES[type(module)](name, module)
        if isinstance(module, nn.MaxPool2d) and module.return_indices:
            _max_pool(name, module, ())


def _first_in_features(net: nn.Module, modules: Sequence[nn.Module] | None = None) -> int:
    for module in net.modules() if modules is None else modules:
        if isinstance(module, nn.Unflatten):
            return _unflattened_features(net, module)
        if isinstance(module, (*_IMAGE_MODULES, nn.MaxPool2d)):
            name = next(n for n, m in net.named_modules() if m is module)
            raise UnsupportedNet(
                f"layer {name!r} ({type(module).__name__}) takes images, and {type(net).__name__} does not start "
                f"with nn.Unflatten(1, (C, H, W)): foldlab's inputs are flat vectors (n, d_in), so a conv net "
                f"must say the shape of its images with an nn.Unflatten before its first layer (fl.conv_net "
                f"builds such nets)"
            )
        if isinstance(module, (nn.Linear, SwiGLU)):
            return module.in_features
        if isinstance(module, nn.BatchNorm1d):
            return module.num_features
        if isinstance(module, nn.LayerNorm) and len(module.normalized_shape) == 1:
            return module.normalized_shape[0]
    unsupported = [(name, m) for name, m in net.named_modules() if _unsupported_torch_layer(m)]
    if unsupported:
        raise _unsupported(*unsupported[0])
    raise UnsupportedNet(
        f"cannot find an input dimension: {type(net).__name__} has no Linear layer; foldlab reads "
        f"feed-forward nets of Linear layers and elementwise activations"
    )


@contextlib.contextmanager
def _unchanged(net: nn.Module, buffers: Sequence[torch.Tensor] | None = None) -> Iterator[None]:
    """Run the block, then put back the net's buffers and torch's random state as they were."""
    buffers = [(b, b.detach().clone()) for b in (net.buffers() if buffers is None else buffers)]
    devices = sorted({b.device.index for b, _ in buffers if b.is_cuda}) if torch.cuda.is_available() else []
    try:
        with torch.random.fork_rng(devices=devices), torch.no_grad():
            yield
    finally:
        with torch.no_grad():
            for buffer, saved in buffers:
                buffer.copy_(saved)


@dataclass
class _Trace:
    """What one traced forward pass saw."""

    calls: list  # (module, input, output) of every module, in call order
    preactivations: dict  # activation module -> list of its (cloned) inputs, in call order
    result: Any
    dtype: torch.dtype  # what the module ran in


def _run(
    net: nn.Module,
    x: torch.Tensor,
    modules: Sequence[nn.Module],
    buffers: Sequence[torch.Tensor] | None = None,
    param: torch.Tensor | None = None,
) -> _Trace:
    """Run ``net`` on ``x`` (in its own dtype, as it runs) with hooks on ``modules``.

    ``buffers`` (all of the net's) and ``param`` (its first parameter) are found when not given.
    """
    calls: list = []
    pre: dict = {}
    # an activation's input is its pre-activation: kept (cloned) by the forward hook, or by a pre-hook for
    # an in-place activation, which overwrites it
    activations = {m for m in modules if type(m) in _STAGE_MODULES}
    in_place = {m for m in activations if getattr(m, "inplace", False)}

    def forward_hook(module, inputs, output):
        first = inputs[0] if inputs else None
        calls.append((module, first, output))
        if module in activations and module not in in_place and isinstance(first, torch.Tensor):
            pre.setdefault(module, []).append(first.detach().clone())

    def pre_hook(module, inputs):
        if inputs and isinstance(inputs[0], torch.Tensor):
            pre.setdefault(module, []).append(inputs[0].detach().clone())

    if param is None:
        param = next(iter(net.parameters()), None)
    dtype = param.dtype if param is not None and param.is_floating_point() else torch.float32
    handles = []
    try:
        for module in modules:
            handles.append(module.register_forward_hook(forward_hook))
            if module in in_place:
                handles.append(module.register_forward_pre_hook(pre_hook))
        with _unchanged(net, buffers):
            result = net(x.to(dtype))
    finally:
        for handle in handles:
            handle.remove()
    return _Trace(calls, pre, result, dtype)


@functools.lru_cache(maxsize=16)
def _probe(d_in: int) -> torch.Tensor:
    """Probe inputs at scales 0.1 to 1000 (a random probe: with zeros, ``x + f(x)`` would pass for ``f(x)``)."""
    g = torch.Generator().manual_seed(0)
    scales = torch.tensor([0.1, 1.0, 1.0, 10.0, 100.0, 1000.0], dtype=DTYPE).repeat_interleave(2)
    return torch.randn(len(scales), d_in, generator=g, dtype=DTYPE) * scales[:, None]


def _chain(net: nn.Module, trace: _Trace, probe: torch.Tensor, modules=None) -> list[tuple[str, nn.Module, tuple]]:
    """The leaf modules in call order, each with the shape of its input (without the batch dimension),
    checking that each receives the previous one's output, in a shape it is read for."""
    names = {module: name or type(module).__name__ for name, module in (modules or net.named_modules())}
    leaves = _leaves(net)
    # torch layers that foldlab does not know (convolutions, attention, ...) are named before anything else
    for module, _, _ in trace.calls:
        if _unsupported_torch_layer(module):
            raise _unsupported(names[module], module)
    previous: Any = probe.to(trace.dtype)
    chain: list = []
    block_of = _residual_blocks(net, names)
    open_block: Any = None  # the Residual whose inner is running: (module, its input)
    for module, inp, out in trace.calls:
        if isinstance(module, Residual) and module in names:
            previous = _residual_end(names[module], module, inp, out, previous, open_block, chain)
            open_block = None
            continue
        if module not in leaves:
            continue
        name = leaves[module]
        block = block_of.get(module)
        if block is not None and (open_block is None or open_block[0] is not block):
            if open_block is not None:  # pragma: no cover - torch runs one block at a time
                raise UnsupportedNet(f"residual block {names[open_block[0]]!r} did not end before {name!r} ran")
            open_block = (block, inp)  # the block's input, which its first layer receives (checked below)
            chain.append((names[block], block, "start"))
        if inp is not previous and not (
            isinstance(inp, torch.Tensor) and isinstance(previous, torch.Tensor) and inp.shape == previous.shape
            and inp.equal(previous)
        ):
            block = _maker(net, trace, leaves, inp)
            if block is not None:
                raise _not_a_chain(
                    names[block], block,
                    f"layer {name!r} ({type(module).__name__}) does not receive the previous layer's output",
                )
            raise UnsupportedNet(
                f"layer {name!r} ({type(module).__name__}) does not receive the previous layer's output; "
                f"foldlab reads plain feed-forward chains (no residual connections, no functional "
                f"activations such as torch.relu inside forward: use nn.ReLU modules)"
            )
        _check_shapes(name, module, inp, out)
        chain.append((name, module, tuple(inp.shape[1:])))
        previous = out
    result = trace.result
    if not isinstance(result, torch.Tensor) or not (
        result is previous
        or (isinstance(previous, torch.Tensor) and result.shape == previous.shape and result.equal(previous))
    ):
        block = _maker(net, trace, leaves, result)
        if block is not None:
            what = f"{type(net).__name__}.forward returns something other than its last layer's output"
            raise _not_a_chain(names[block], block, what)
        raise UnsupportedNet(
            f"{type(net).__name__}.forward returns something other than its last layer's output; "
            f"foldlab reads plain feed-forward chains"
        )
    return chain


def _residual_blocks(net: nn.Module, names: dict) -> dict:
    """Each leaf inside a :class:`foldlab.Residual` block, with its block (a block inside another's inner
    branch is refused, naming it)."""
    block_of: dict = {}
    for module in names:
        if not isinstance(module, Residual):
            continue
        nested = next((m for m in module.inner.modules() if isinstance(m, Residual)), None)
        if nested is not None:
            raise UnsupportedNet(
                f"residual block {names[nested]!r} (Residual) is inside the inner branch of residual block "
                f"{names[module]!r}: foldlab reads residual blocks one after another, not one inside another"
            )
        for leaf in _leaves(module.inner):
            block_of[leaf] = module
    return block_of


def _residual_end(name: str, block: nn.Module, inp: Any, out: Any, previous: Any, open_block: Any, chain: list):
    """Close a residual block in the chain: its inner branch ran on the block's input and returned a value
    of that shape. Returns what the next layer must receive (the block's output)."""
    if open_block is None or open_block[0] is not block:
        raise UnsupportedNet(
            f"residual block {name!r} (Residual) has an inner branch with no layer foldlab reads; its inner must "
            f"be a chain of the supported layers"
        )
    if inp is not open_block[1]:  # pragma: no cover - its inner's first layer received the same tensor
        raise UnsupportedNet(f"residual block {name!r} (Residual) does not receive the previous layer's output")
    if not isinstance(previous, torch.Tensor) or not isinstance(inp, torch.Tensor) or previous.shape != inp.shape:
        got = tuple(previous.shape[1:]) if isinstance(previous, torch.Tensor) else type(previous).__name__
        raise UnsupportedNet(
            f"residual block {name!r} (Residual) has an inner branch that turns inputs of shape "
            f"{tuple(inp.shape[1:])} into {got}; x + inner(x) needs the shape of x (foldlab reads no broadcasting "
            f"skip): make the inner branch end with the size it starts with"
        )
    if not isinstance(out, torch.Tensor) or out.shape != inp.shape or not out.equal(inp + previous):
        raise UnsupportedNet(
            f"residual block {name!r} (Residual): its inner branch ({type(block.inner).__name__}) returns "
            f"something other than its last layer's output (a function applied to it in forward, such as "
            f"torch.relu); foldlab reads an inner branch that is a plain chain of the supported layers"
        )
    chain.append((name, block, "end"))
    return out


def _maker(net: nn.Module, trace: _Trace, leaves: dict, value: Any) -> nn.Module | None:
    """The innermost module, not a leaf nor ``net`` itself, whose forward returned ``value``: the one that
    computed it between the leaves foldlab sees (a residual block ``x + f(x)``), or None."""
    for module, _, out in trace.calls:  # in the order the calls ended: inner modules first
        if out is value and module not in leaves and module is not net:
            return module
    return None


def _not_a_chain(name: str, module: nn.Module, what: str) -> UnsupportedNet:
    return UnsupportedNet(
        f"{what}: it comes from module {name!r} ({type(module).__name__}), whose forward returns something other "
        f"than its last layer's output (a residual connection such as x + f(x), or a function applied to it); "
        f"foldlab reads plain feed-forward chains, and residual blocks written as fl.Residual(inner), whose "
        f"forward x + inner(x) it knows: use fl.Residual for a residual connection"
    )


def _check_shapes(name: str, module: nn.Module, inp: Any, out: Any) -> None:
    """Refuse a leaf that receives a shape it is not read for: a Linear acting on the last axis of an
    image (not on the flattened features), a Conv2d on an unbatched input, a reshape of the batch axis."""
    if not isinstance(inp, torch.Tensor):
        return
    kind = type(module).__name__
    if isinstance(module, _FLAT_MODULES) and inp.ndim != 2:
        raise UnsupportedNet(
            f"layer {name!r} ({kind}) receives an input of shape {tuple(inp.shape)}; foldlab reads {kind} on "
            f"flat features (n, d), where it acts on all of them: put an nn.Flatten() before it"
        )
    if isinstance(module, (*_IMAGE_MODULES, nn.MaxPool2d)) and inp.ndim != 4:
        raise UnsupportedNet(
            f"layer {name!r} ({kind}) receives an input of shape {tuple(inp.shape)}; foldlab reads {kind} on "
            f"batches of images (n, C, H, W)"
        )
    if isinstance(module, (nn.Flatten, nn.Unflatten)) and not (
        isinstance(out, torch.Tensor) and out.ndim >= 2 and out.shape[0] == inp.shape[0]
    ):
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise UnsupportedNet(
            f"layer {name!r} ({kind}) turns inputs of shape {tuple(inp.shape)} into {shape}; foldlab reads "
            f"reshapes that keep the batch axis first (nn.Flatten(), nn.Unflatten(1, (C, H, W)))"
        )


def _copy(t: torch.Tensor) -> torch.Tensor:
    """A float64 copy that shares nothing with the module."""
    return t.detach().to(DTYPE, copy=True)


def _as_map(name: str, module: nn.Module, shape: tuple = (), device: Device = None) -> Map | None:
    """The float64 map of a non-activation leaf: Affine, LayerNormMap, or None (identity).

    ``shape`` is the leaf's input shape without the batch axis (what a convolution is unrolled for), on
    ``device`` (the net's)."""
    if isinstance(module, _IMAGE_MODULES):
        return unrolled_map(module, shape, name=name, device=device)
    if isinstance(module, nn.Linear):
        w = _copy(module.weight)
        b = _copy(module.bias) if module.bias is not None else torch.zeros(w.shape[0], dtype=DTYPE, device=w.device)
        return Affine(w, b)
    if isinstance(module, nn.BatchNorm1d):
        scale = 1.0 / torch.sqrt(_copy(module.running_var) + module.eps)
        shift = -_copy(module.running_mean) * scale
        if module.affine:
            scale = scale * _copy(module.weight)
            shift = shift * _copy(module.weight) + _copy(module.bias)
        return Affine(torch.diag(scale), shift)
    if isinstance(module, nn.LayerNorm):
        if len(module.normalized_shape) != 1:
            raise UnsupportedNet(
                f"layer {name!r} (LayerNorm) normalises over {tuple(module.normalized_shape)}; foldlab reads "
                f"LayerNorm over the last dimension of flat features"
            )
        w = _copy(module.weight) if module.weight is not None else None
        b = _copy(module.bias) if getattr(module, "bias", None) is not None else None
        return LayerNormMap(tuple(module.normalized_shape), w, b, float(module.eps))
    if isinstance(module, _PASS_THROUGH):
        return None
    raise _unsupported(name, module)


def _unflattened_features(net: nn.Module, module: nn.Unflatten) -> int:
    """``C * H * W`` of a conv net's first layer ``nn.Unflatten(1, (C, H, W))``: the net's input dimension."""
    sizes = tuple(module.unflattened_size)
    if module.dim not in (1, -1) or not sizes or not all(isinstance(k, int) and k >= 1 for k in sizes):
        name = next(n for n, m in net.named_modules() if m is module)
        raise UnsupportedNet(
            f"layer {name!r} (Unflatten) has dim={module.dim}, unflattened_size={sizes}; foldlab reads a net "
            f"that starts with nn.Unflatten(1, (C, H, W)) with positive sizes, which says its input is a "
            f"flat vector of C * H * W entries"
        )
    return math.prod(sizes)


def unrolled_map(module: nn.Module, shape: Sequence[int], *, name: str = "layer", device: Device = None) -> Affine:
    """A ``Conv2d`` or ``AvgPool2d`` as an :class:`Affine` map of the flattened image, in float64.

    The dense matrix is made by pushing the basis vectors of the input, reshaped to ``shape``, through
    torch's own operation in float64 (with a float64 copy of the kernel, without its bias): column ``i`` is
    the image of basis vector ``i``. Each entry is a kernel weight times 1 plus zeros, so the matrix holds
    the kernel's weights exactly, and the bias is the channel's bias at every output position.

    Parameters
    ----------
    module : nn.Conv2d or nn.AvgPool2d
        A Conv2d with ``padding_mode="zeros"`` (any stride, padding, dilation, groups, with or without bias).
    shape : sequence of int
        ``(C, H, W)``: the shape of one input image.
    name : str
        The layer's name, for messages.
    device : torch.device, str or None
        Where the matrix is made; None: where the module's parameters are (the CPU for a pooling layer).

    Returns
    -------
    Affine
        ``weight`` of shape ``(C' H' W', C H W)``, ``bias`` of shape ``(C' H' W',)``: inputs and outputs
        flattened in torch's row-major order.

    Raises
    ------
    foldlab.OverBudget
        When the dense matrix (and the basis it is made from) would need more than
        ``foldlab.limits.MEMORY_BUDGET``.
    foldlab.UnsupportedNet
        For another padding mode than zeros.

    Examples
    --------
    >>> conv = nn.Conv2d(1, 2, kernel_size=3, padding=1)
    >>> affine = unrolled_map(conv, (1, 4, 4))
    >>> affine
    Affine(16 -> 32)
    >>> x = torch.randn(5, 1, 4, 4, dtype=torch.float64)
    >>> torch.allclose(affine(x.flatten(1)), conv.double()(x).flatten(1))
    True
    """
    shape = tuple(int(k) for k in shape)
    kind = type(module).__name__
    if isinstance(module, nn.Conv2d):
        if module.padding_mode != "zeros":
            raise UnsupportedNet(
                f"layer {name!r} (Conv2d) has padding_mode={module.padding_mode!r}; foldlab reads convolutions "
                f"with padding_mode='zeros' only"
            )
        kernel = _copy(module.weight)
        settings = (module.stride, module.padding, module.dilation, module.groups)
        apply = lambda images: F.conv2d(images, kernel, None, *settings)  # noqa: E731
    elif isinstance(module, nn.AvgPool2d):
        kernel = None
        apply = module  # no parameters: it runs in the dtype of its input
    else:
        raise _unsupported(name, module)
    d_in = math.prod(shape)
    device = _device_of(module) if device is None else torch.device(device)
    kernel = None if kernel is None else kernel.to(device)
    with torch.no_grad():
        out_shape = tuple(apply(torch.zeros((1, *shape), dtype=DTYPE, device=device)).shape[1:])
        d_out = math.prod(out_shape)
        limits.check_memory(
            8.0 * d_in * (d_in + 2 * d_out), f"the dense matrix of layer {name!r} ({kind}, {shape} -> {out_shape})",
            driver="use a smaller image or fewer channels",
        )
        basis = torch.eye(d_in, dtype=DTYPE, device=device).reshape(d_in, *shape)
        weight = apply(basis).reshape(d_in, d_out).T.contiguous()
    bias = torch.zeros(d_out, dtype=DTYPE, device=weight.device)
    if kernel is not None and module.bias is not None:
        bias = _copy(module.bias).to(device).repeat_interleave(d_out // out_shape[0])
    return Affine(weight, bias)


def _device_of(module: nn.Module) -> torch.device:
    first = next(iter(module.parameters()), None)
    return torch.device("cpu") if first is None else first.device


def _push(maps: list, op: Map | None) -> None:
    """Append ``op`` to a list of maps, composing it with a preceding affine map."""
    if op is None:
        return
    if isinstance(op, Affine) and maps and isinstance(maps[-1], Affine):
        maps[-1] = maps[-1].then(op)
    else:
        maps.append(op)


def _spec_from_chain(
    net: nn.Module, d_in: int, chain: list[tuple[str, nn.Module, tuple]], device: Device = None
) -> NetSpec:
    """The snapshot of a traced chain of leaf modules: affine maps composed, one Layer per activation (and
    per max pool)."""
    layers: list[Layer] = []
    maps: list = []
    block: _Block | None = None  # the residual block being read
    for name, module, shape in chain:
        if isinstance(module, Residual):
            if shape == "start":
                block = _Block(name, _skip_map(name, maps, _output_size(layers, d_in), device))
            else:
                maps, block = [_block_output(block, maps, None if block.carry is None else layers[-1])], None
            continue
        if block is not None and block.carry is not None and not maps:  # from a layer carrying the skip:
            maps = [_own_units(layers[-1])]  # the inner branch reads its own units only
        if block is not None and (isinstance(module, nn.MaxPool2d) or module.__class__ in ACTIVATION_MODULES):
            layers.append(_carrying_layer(block, name, module, maps, layers, d_in, device))
            maps = []
            continue
        if isinstance(module, nn.MaxPool2d):
            pool = _max_pool(name, module, shape)
            if not maps:  # right after an activation (or the input): its values, through the identity
                maps = [_identity(pool.n_in, name, device)]
            layers.append(Layer(name, pool.to(maps[-1].weight.device), pool.width, tuple(maps)))
            maps = []
            continue
        make = ACTIVATION_MODULES.get(type(module))
        if make is None:
            _push(maps, _as_map(name, module, shape, device))
            continue
        activation = make(name, module)
        if not maps and layers and layers[-1].is_pool:  # an activation right after a max pool
            maps = [_identity(layers[-1].activation.n_out, name, device)]
        if isinstance(module, SwiGLU):
            gate, value = _as_map(name + ".gate", module.gate), _as_map(name + ".value", module.value)
            _push(maps, Affine(torch.cat([gate.weight, value.weight]), torch.cat([gate.bias, value.bias])))
            width = module.out_features
        else:
            if not maps:
                raise UnsupportedNet(
                    f"activation {name!r} ({type(module).__name__}) has no Linear layer before it; "
                    f"foldlab reads chains of Linear layers and activations"
                )
            width = maps[-1].d_out
        layers.append(Layer(name, activation, width, tuple(maps)))
        maps = []
    if not layers:
        raise ValueError(
            f"{type(net).__name__} has no activation layers, so it has no activation pattern; supported "
            f"activations are ReLU, LeakyReLU, GELU, SiLU, Tanh, ELU, SELU and foldlab.SwiGLU"
        )
    output = Layer("output", None, maps[-1].d_out, tuple(maps)) if maps else None
    if output is None and layers[-1].is_pool:
        raise UnsupportedNet(
            f"{type(net).__name__} ends with the max pool {layers[-1].name!r}; foldlab reads a max pool followed "
            f"by more layers (its output would be the windows' maxima, not units with bits of their own): "
            f"put a Linear layer after it"
        )
    return NetSpec(d_in, tuple(layers), output, type(net).__name__)


@dataclass
class _Block:
    """A residual block while its inner branch is read: its name, the skip ``x`` as an affine map of the
    output of the stage before the block, and (once a layer inside carries it) that layer's slope."""

    name: str
    skip: Affine
    carry: float | None = None  # the negative slope of the last layer carrying x, None before the first


def _output_size(layers: list[Layer], d_in: int) -> int:
    """Size of what the last stage outputs (the input, when there is none)."""
    if not layers:
        return d_in
    last = layers[-1]
    return last.activation.n_out if last.is_pool else last.width


def _single_affine(name: str, maps: list, what: str) -> Affine:
    if len(maps) != 1 or not isinstance(maps[0], Affine):
        raise UnsupportedNet(
            f"residual block {name!r} (Residual): {what} goes through a LayerNorm, which is not affine; foldlab "
            f"reads residual blocks of piecewise-linear layers (Linear, Conv2d, AvgPool2d, ReLU, LeakyReLU ...)"
        )
    return maps[0]


def _skip_map(name: str, maps: list, size: int, device: Device) -> Affine:
    """The block's input ``x`` as one affine map of the previous stage's output (the identity when the block
    follows a stage directly)."""
    if not maps:
        return _identity(size, name, device)
    return _single_affine(name, maps, "its input")


def _own_units(layer: Layer) -> Affine:
    """The projection of a carrying layer's output on its own units (the inner branch's values)."""
    r, w = layer.n_bits, layer.width
    weight = layer.affine.weight
    limits.check_memory(8.0 * r * w, f"the maps after layer {layer.name!r}", driver="use a smaller net")
    eye = torch.eye(r, w, dtype=DTYPE, device=weight.device)
    return Affine(eye, torch.zeros(r, dtype=DTYPE, device=weight.device))


def _skip_from(layer: Layer, slope: float) -> Affine:
    """``x`` from the output of a layer carrying it: ``(sigma(x) - sigma(-x)) / (1 + a)``, for ReLU (``a = 0``)
    and LeakyReLU of negative slope ``a >= 0`` (exact for ReLU: one of the two is 0)."""
    r, w, d = layer.n_bits, layer.width, layer.n_carried // 2
    device = layer.affine.weight.device
    limits.check_memory(8.0 * d * w, f"the skip after layer {layer.name!r}", driver="use a smaller net")
    weight = torch.zeros(d, w, dtype=DTYPE, device=device)
    eye = torch.eye(d, dtype=DTYPE, device=device) / (1.0 + slope)
    weight[:, r : r + d] = eye
    weight[:, r + d :] = -eye
    return Affine(weight, torch.zeros(d, dtype=DTYPE, device=device))


def _carrying_layer(block: _Block, name: str, module: nn.Module, maps: list, layers: list, d_in: int,
                    device: Device) -> Layer:
    """A hidden layer inside a residual block: its own units, then ``x`` and ``-x`` for the skip."""
    kind = type(module).__name__
    if isinstance(module, nn.MaxPool2d) or not ACTIVATION_MODULES[type(module)](name, module).piecewise_linear:
        raise UnsupportedNet(
            f"foldlab cannot analyse layer {name!r} ({kind}) inside residual block {block.name!r}: the skip is "
            f"carried through the block's layers as relu(x) and relu(-x), which needs ReLU or LeakyReLU layers "
            f"there (no max pool, no smooth activation)"
        )
    activation = ACTIVATION_MODULES[type(module)](name, module)
    if block.carry is None:  # the first layer in the block: its own maps, and the skip, from the stage before
        own = _skip_map(block.name, maps, _output_size(layers, d_in), device)
        skip = block.skip
    else:
        own = _single_affine(block.name, maps, f"the input of layer {name!r}")
        skip = _skip_from(layers[-1], block.carry)
    d = skip.d_out
    limits.check_memory(8.0 * (own.d_out + 2 * d) * own.weight.shape[1], f"the maps of layer {name!r}",
                        driver="use a smaller net")
    weight = torch.cat([own.weight, skip.weight, -skip.weight])  # -W h - b is exactly -(W h + b)
    bias = torch.cat([own.bias, skip.bias, -skip.bias])
    block.carry = activation.negative_slope
    return Layer(name, activation, own.d_out + 2 * d, (Affine(weight, bias),), n_carried=2 * d)


def _block_output(block: _Block, maps: list, last: Layer | None) -> Affine:
    """``x + inner(x)`` as one affine map of the last stage's output: from the stage before the block when no
    layer inside carried ``x`` (an affine inner branch), else from the last layer that did."""
    if last is None:
        inner = _single_affine(block.name, maps, "its inner branch") if maps else block.skip
        skip = block.skip
    else:
        inner = _single_affine(block.name, maps, "its inner branch") if maps else _own_units(last)
        skip = _skip_from(last, block.carry)
    if inner.d_out != skip.d_out:  # pragma: no cover - the traced shapes were checked
        raise UnsupportedNet(f"residual block {block.name!r} (Residual) changes the size of its input")
    return Affine(inner.weight + skip.weight, inner.bias + skip.bias)


def _identity(n: int, name: str, device: Device = None) -> Affine:
    """The identity map of ``n`` values (between a max pool and the activation next to it), in float64."""
    limits.check_memory(8.0 * n * n, f"the identity map before layer {name!r} ({n} values)",
                        driver="use a smaller image or fewer channels")
    return Affine(torch.eye(n, dtype=DTYPE, device=device), torch.zeros(n, dtype=DTYPE, device=device))


#: Agreement asked of the module's own pre-activations, relative to their rounding scale
#: ``|W| |h| + |b|``: the module runs in float64 (then 1e-9), or in its own lower precision.
READING_RTOL = {torch.float64: 1e-9, torch.float32: 1e-3}
_READING_RTOL_LOW = 3e-2  # float16, bfloat16


def _compare(spec: NetSpec, trace: _Trace, x: torch.Tensor, where: str) -> None:
    """Raise ReadingMismatch where the module's own values differ from the snapshot's at ``x``.

    Each hidden layer's pre-activations (a SwiGLU block's output) and the net's output are compared,
    within ``READING_RTOL`` of their rounding scale.
    """
    rtol = READING_RTOL.get(trace.dtype, _READING_RTOL_LOW)
    activations = [module for module, _, _ in trace.calls if type(module) in _STAGE_MODULES]
    if len(activations) != len(spec.layers):
        raise ReadingMismatch(
            f"{spec.source} ran {len(activations)} activation layers on {where}, where foldlab read "
            f"{len(spec.layers)}; its forward takes another path for these inputs"
        )
    if spec.device.type == "cpu" and x.device.type == "cpu" and all(
        layer.affine is not None and not (layer.activation is not None and layer.activation.gated)
        for layer in (*spec.layers, *((spec.output,) if spec.output is not None else ()))
    ):
        return _compare_in_numpy(spec, trace, x, where, rtol, activations)
    uses: dict[nn.Module, int] = {}
    h = x.to(DTYPE)
    carried = torch.zeros((h.shape[0], 1), dtype=DTYPE, device=h.device)  # as in _compare_in_numpy
    for layer, module in zip(spec.layers, activations):
        use = uses[module] = uses.get(module, -1) + 1  # a module used in several layers records once per use
        z = layer.preactivation(h)
        tol = rtol * _rounding_scale(layer, h, z) + carried * _row_norms(layer, z)
        h = layer.activate(z)
        if layer.activation.gated:  # a SwiGLU block is a leaf: compare its output
            theirs = [out for m, _, out in trace.calls if m is module][use]
            mine, tol = h, tol[:, : layer.width] * (1 + z[:, layer.width :].abs())
        else:
            theirs, mine = trace.preactivations[module][use], z[:, : z.shape[1] - layer.n_carried]  # its own
        _agree(spec, layer.name, theirs, mine, tol[:, : mine.shape[-1]], where)
        carried = _lipschitz(layer.activation) * tol.norm(dim=1, keepdim=True)
    if spec.output is not None:
        out = spec.output.preactivation(h)
        tol = rtol * _rounding_scale(spec.output, h, out) + carried * _row_norms(spec.output, out)
        _agree(spec, "output", trace.result, out, tol, where)


def _row_norms(layer: Layer, z: torch.Tensor) -> torch.Tensor:
    """``||W_j||`` per unit of an affine layer (how an error in its input reaches unit j); 1 otherwise."""
    if layer.affine is not None:
        return layer.affine.weight.norm(dim=1)
    return torch.ones(z.shape[-1], dtype=z.dtype, device=z.device)


def _compare_in_numpy(spec: NetSpec, trace: _Trace, x: torch.Tensor, where: str, rtol: float, activations) -> None:
    """:func:`_compare` for affine layers on the CPU, in numpy: the same check, a few times quicker on
    the probes (a torch call costs more than the arithmetic on a dozen points)."""
    uses: dict[nn.Module, int] = {}
    h = x.detach().numpy().astype(np.float64, copy=False)
    carried = np.zeros((h.shape[0], 1))  # a bound on ||their h - my h|| per row, from the layers before
    with np.errstate(over="ignore", invalid="ignore"):
        for layer, module in zip(spec.layers, activations):
            use = uses[module] = uses.get(module, -1) + 1  # a module used in several layers records once per use
            z, tol = _affine_in_numpy(layer.affine, h, rtol, carried)
            own = z.shape[1] - layer.n_carried  # the module computes the layer's own values, not the carried ones
            _agree_in_numpy(spec, layer.name, trace.preactivations[module][use], z[:, :own], tol[:, :own], where)
            kind = layer.activation.kind
            if kind == "relu":
                h = np.maximum(z, 0.0)
            elif kind == "leaky_relu":
                h = np.where(z > 0, z, layer.activation.negative_slope * z)
            else:
                h = layer.activation(torch.from_numpy(z)).numpy()
            carried = _lipschitz(layer.activation) * np.sqrt(np.einsum("ij,ij->i", tol, tol))[:, None]
        if spec.output is not None:
            out, tol = _affine_in_numpy(spec.output.affine, h, rtol, carried)
            _agree_in_numpy(spec, "output", trace.result, out, tol, where)


def _lipschitz(activation: Activation) -> float:
    """A Lipschitz bound of the activation: how far apart two inputs' errors can carry to the next layer."""
    if isinstance(activation, MaxPool):  # each window's max moves by at most its entries' largest error
        return math.sqrt(activation.multiplicity)
    if activation.kind == "leaky_relu":
        return max(1.0, abs(activation.negative_slope))
    if activation.kind == "elu":
        return max(1.0, activation.alpha)
    return 1.0 if activation.kind == "relu" else 1.2  # GELU and SiLU have slopes up to about 1.13 and 1.1


def _affine_in_numpy(
    affine: Affine, h: np.ndarray, rtol: float, carried: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``h W^T + b`` and its tolerance: ``rtol`` times its rounding scale (see :func:`_rounding_scale`) plus
    ``||W_j||`` times ``carried``, the bound on how far the module's own input to this layer may already be
    from the snapshot's (rounding in the layers before: a unit exactly 0 in the snapshot can be 1e-16 in the
    module, and a zero row after it then sees that, not 0)."""
    weight, bias = affine.weight.numpy(), affine.bias.numpy()
    z = h @ weight.T
    z += bias
    scale = np.sqrt(np.einsum("ij,ij->i", h, h))[:, None] * np.sqrt(np.einsum("ij,ij->i", weight, weight))
    scale += np.abs(bias)
    scale *= rtol
    scale += carried * np.sqrt(np.einsum("ij,ij->i", weight, weight))
    return z, scale


def _agree_in_numpy(spec: NetSpec, name: str, theirs, mine: np.ndarray, tol: np.ndarray, where: str) -> None:
    if not isinstance(theirs, torch.Tensor) or theirs.numel() != mine.size:
        raise ReadingMismatch(f"layer {name!r} of {spec.source} gave values of another shape on {where}")
    theirs = theirs.detach()
    if theirs.dtype in (torch.bfloat16, torch.float16):  # numpy has no bfloat16
        theirs = theirs.to(DTYPE)
    values = theirs.cpu().numpy()
    if values.shape != mine.shape:
        values = values.reshape(mine.shape)
    gap = np.abs(values - mine)  # in float64 (a float32 module's values are promoted)
    gap -= tol
    if (gap > 0).any():
        worst = int(gap.argmax())
        raise ReadingMismatch(_mismatch(spec, name, where, float(values.flat[worst]), float(mine.flat[worst])))


def _mismatch(spec: NetSpec, name: str, where: str, theirs: float, mine: float) -> str:
    return (
        f"{spec.source}'s own forward pass disagrees with foldlab's reading of it at layer {name!r}, on "
        f"{where}: {theirs:.6g} against {mine:.6g}. Its forward does something between the layers foldlab "
        f"sees (a clamp or another function inside a wrapper module, a hook that changes an output), so "
        f"foldlab cannot analyse it exactly"
    )


def _agree(spec: NetSpec, name: str, theirs: torch.Tensor, mine: torch.Tensor, tol: torch.Tensor, where: str) -> None:
    if not isinstance(theirs, torch.Tensor) or theirs.numel() != mine.numel():
        raise ReadingMismatch(f"layer {name!r} of {spec.source} gave values of another shape on {where}")
    gap = (theirs.detach().to(DTYPE).reshape(mine.shape) - mine).abs() - tol
    if bool((gap > 0).any()):
        worst = int(gap.flatten().argmax())
        raise ReadingMismatch(
            _mismatch(spec, name, where, float(theirs.flatten()[worst]), float(mine.flatten()[worst]))
        )


def _rounding_scale(layer: Layer, h: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """A bound on what rounding errors of the layer's pre-activations scale with: ``||W_j|| ||h|| + |b_j|``
    (which bounds ``sum_k |W_jk h_k| + |b_j|``) when the maps are affine, else the layer's largest ``|z|``
    plus 1."""
    affine = layer.affine
    if affine is not None:
        return torch.outer(h.norm(dim=1), affine.weight.norm(dim=1)) + affine.bias.abs()
    return z.abs().amax(dim=-1, keepdim=True).expand_as(z) + 1.0


def read_net(net: Net, *, verify: bool = True) -> NetSpec:
    """Read a feed-forward torch net into a snapshot: its hidden layers and output map, in float64.

    Parameters
    ----------
    net : torch.nn.Module or NetSpec
        ``nn.Sequential`` or a user's own module whose forward is a plain chain of the supported layers
        (see the module docstring). A NetSpec is returned as it is.
    verify : bool
        Check the snapshot against the module's own forward pass on probe inputs (default). Only turn it
        off for a net already verified.

    Notes
    -----
    Every function of foldlab reads the net it is given. For a net made only of torch's layers and
    foldlab's own (``nn.Sequential``, ``fl.mlp``, CantorNet), with no hooks, a second read while nothing that
    decides its function has changed (every parameter's and buffer's values, each module's type, mode and
    settings) returns the same verified snapshot instead of tracing the net again. A user's own module is
    read every time: its forward may depend on anything.

    Returns
    -------
    NetSpec
        Holds copies of the weights, no reference to ``net``.

    Raises
    ------
    foldlab.UnsupportedNet
        (a TypeError) For a layer foldlab cannot analyse (named), or a forward that is not a plain chain.
    foldlab.ReadingMismatch
        (a ValueError) When the module's forward computes something else than the layers it is made of.
    ValueError
        For non-finite weights, a net with no activations, BatchNorm or Dropout in training mode, or an
        activation with a non-finite setting (a LeakyReLU slope of NaN).

    Examples
    --------
    >>> from foldlab import mlp
    >>> net = mlp([2, 4, 3, 1], seed=0)
    >>> spec = read_net(net)
    >>> spec
    NetSpec(d_in=2, hidden=[relu:4, relu:3], d_out=1)
    >>> with torch.no_grad():
    ...     _ = net[0].weight.mul_(2)          # training the net afterwards ...
    >>> torch.equal(spec.layers[0].affine.weight, net[0].weight.double())  # ... leaves the snapshot as it was
    False
    """
    if isinstance(net, NetSpec):
        return net
    if not isinstance(net, nn.Module):
        raise TypeError(f"expected a torch.nn.Module (or a NetSpec from fl.read_net), got {describe(net)}")
    # the module tree is walked once, here
    modules = list(net.named_modules())
    parameters = list(net.named_parameters())
    buffers = list(net.named_buffers())
    tensors = parameters + buffers
    fingerprint = _fingerprint(modules, tensors)
    cached = _READ_CACHE.get(net) if fingerprint is not None else None
    if cached is not None and cached[0] == fingerprint and _same_values(cached[1], tensors):
        return cached[2]
    _check_parameters(net, tensors)
    _check_modules(modules)
    leaves = [module for _, module in modules]
    d_in = _first_in_features(net, leaves)
    param = parameters[0][1] if parameters else None
    probe = _probe(d_in) if param is None else _probe(d_in).to(param.device)
    with limits.one_torch_thread():  # a dozen probe points: one thread is quicker
        spec = _read(net, modules, d_in, probe, verify, [b for _, b in buffers], param)
    if fingerprint is not None and verify:
        _READ_CACHE[net] = (fingerprint, [t.detach().clone() for _, t in tensors], spec)
    return spec


#: Verified snapshots of nets made only of modules whose forward foldlab knows, with what they were read
#: from: reading a net again (every call of the library does) returns the snapshot while nothing that decides
#: the net's function has changed. Entries go with their nets.
_READ_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: Modules whose forward is torch's or foldlab's own (exact types: a subclass may override forward).
_KNOWN_FORWARD = frozenset((nn.Sequential, CantorNet, Residual, *_AFFINE_MODULES, *_PASS_THROUGH, *_STAGE_MODULES))


def _fingerprint(modules: list, tensors: list) -> tuple | None:
    """What, besides the values of its parameters and buffers, decides a net's function: every module's type,
    mode and settings, and the identity, shape, dtype and device of every tensor. None for a net that cannot be
    cached: a module foldlab does not know (its forward may read anything), a hook, a forward replaced on an
    instance."""
    from torch.nn.modules import module as torch_module

    if torch_module._global_forward_hooks or torch_module._global_forward_pre_hooks:
        return None
    key: list = []
    for name, m in modules:
        if type(m) not in _KNOWN_FORWARD or "forward" in vars(m):
            return None
        if m._forward_hooks or m._forward_pre_hooks:
            return None
        scalars = (bool, int, float, str, tuple)
        settings = tuple((k, v) for k, v in vars(m).items() if not k.startswith("_") and isinstance(v, scalars))
        key.append((name, type(m), settings))
    for name, t in tensors:
        key.append((name, id(t), t.data_ptr(), t.dtype, t.device, tuple(t.shape), t.requires_grad))
    return tuple(key)


def _same_values(saved: list, tensors: list) -> bool:
    """Whether every parameter and buffer holds the values it was read with (an in-place change through
    ``.data`` leaves torch's version counter as it was, so the values themselves are compared)."""
    return all(torch.equal(a, b) for a, (_, b) in zip(saved, tensors))


def _read(net: nn.Module, modules: list, d_in: int, probe: torch.Tensor, verify: bool, buffers, param) -> NetSpec:
    """Trace ``net`` on the probe inputs, build the snapshot from what ran, and check it."""
    try:
        trace = _run(net, probe, [module for _, module in modules], buffers, param)
    except Exception as error:  # the user's forward fails on a (k, d_in) input
        unsupported = [(n, m) for n, m in modules if _unsupported_torch_layer(m)]
        if unsupported:
            raise _unsupported(*unsupported[0]) from error
        raise UnsupportedNet(
            f"could not run {type(net).__name__} on probe inputs of shape (n, {d_in}) (the first Linear "
            f"layer's input size): {type(error).__name__}: {error}"
        ) from error
    chain = _chain(net, trace, probe, modules)
    spec = _spec_from_chain(net, d_in, chain, None if param is None else param.device)
    if verify:
        _compare(spec, trace, probe, "probe inputs")
    return spec


def check_reading(net: nn.Module, spec: NetSpec, x: torch.Tensor, *, where: str = "the given points") -> None:
    """Check the snapshot ``spec`` against the module's own forward pass at inputs ``x`` (n, d_in).

    Raises :class:`foldlab.ReadingMismatch` where their pre-activations or outputs differ by more than
    rounding. The walks call this at region midpoints, where the probes of :func:`read_net` may not reach.
    """
    param = next(iter(net.parameters()), None)
    trace = _run(net, x if param is None else x.to(param.device), list(net.modules()))
    _compare(spec, trace, x, where)


# --- the module's own pre-activations, with autograd ------------------------------------------------

def activation_calls(net: nn.Module) -> tuple[nn.Module, ...]:
    """The activation modules of ``net`` in the order its forward calls them: one per hidden layer.

    A module used in several layers appears once per use. The net is read (and verified) first, so the
    calls are those of a net foldlab reads exactly.
    """
    spec = read_net(net)
    param = next(iter(net.parameters()), None)
    probe = _probe(spec.d_in)[:2]
    trace = _run(net, probe if param is None else probe.to(param.device), list(net.modules()))
    carrying = [layer.name for layer in spec.layers if layer.n_carried]
    if carrying:
        raise UnsupportedNet(
            f"{spec.source} has a residual block (fl.Residual; hidden layer {carrying[0]!r} is inside it): the "
            f"differentiable tools (geodesics, the folding regularizer) read plain chains only; patterns, Hamming "
            f"distances and walks read it exactly"
        )
    pools = [layer.name for layer in spec.layers if layer.is_pool]
    if pools:
        raise UnsupportedNet(
            f"{spec.source} has the max pool {pools[0]!r}: the differentiable tools (geodesics, the folding "
            f"regularizer) read nets of activations only; patterns, Hamming distances and walks read it exactly"
        )
    calls = tuple(module for module, _, _ in trace.calls if type(module) in ACTIVATION_MODULES)
    if len(calls) != len(spec.layers):  # pragma: no cover - read_net checks the same on its probes
        raise ReadingMismatch(f"{spec.source} ran {len(calls)} activation layers, foldlab read {len(spec.layers)}")
    return calls


@contextlib.contextmanager
def recording_preactivations(calls: Sequence[nn.Module]) -> Iterator[list[torch.Tensor]]:
    """Hooks that record each hidden layer's pre-activations while the block runs the module, with autograd.

    ``calls`` comes from :func:`activation_calls`. Yields a list that each forward pass extends with one
    tensor per hidden layer, in order: ``(n, width)`` (SwiGLU: ``(n, 2 width)``, ``[u, v]``, computed from the
    block's input by its own gate and value layers). The hooks are removed on exit, also when the block raises.
    Unlike the snapshot (:func:`read_net`), these values carry gradients to the module's parameters, which is
    what a training penalty needs.
    """
    records: list[torch.Tensor] = []

    def record(module, inputs):
        h = inputs[0]
        # a clone (differentiable): an in-place activation would overwrite its own input
        z = torch.cat([module.gate(h), module.value(h)], dim=-1) if isinstance(module, SwiGLU) else h.clone()
        records.append(z)

    handles = [module.register_forward_pre_hook(record) for module in dict.fromkeys(calls)]
    try:
        yield records
    finally:
        for handle in handles:
            handle.remove()
