"""Network builders: seeded MLPs for every supported activation, and the SwiGLU block.

CantorNet, whose weights are set by hand, is in :mod:`foldlab.cantornet`.

All randomness comes in through ``seed=``; nothing here touches torch's global generator.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils.parametrizations import weight_norm

from . import limits
from ._typing import Device
from ._validation import as_points, check_bool, check_choice, check_float, check_int, check_seed, describe

__all__ = ["ACTIVATIONS", "SwiGLU", "Residual", "mlp", "linear_layer", "conv_net"]

#: Names that moved to :mod:`foldlab.cantornet` in 0.2 (``fl.CantorNet`` itself did not move).
_MOVED = ("CantorNet", "cantor_step", "cantor_boundary", "cantor_vertices", "cantor_dnf_layers")


def __getattr__(name: str):
    if name in _MOVED:
        raise AttributeError(f"foldlab.nets.{name} moved: use `from foldlab.cantornet import {name}`")
    raise AttributeError(f"module 'foldlab.nets' has no attribute {name!r}")

#: Activation names accepted by :func:`mlp`; ``"swish"`` is an alias of ``"silu"``.
ACTIVATIONS = ("relu", "leaky_relu", "gelu", "silu", "swish", "tanh", "selu", "swiglu")


class SwiGLU(nn.Module):
    """Gated hidden layer ``Swish(u) * v`` with ``u = gate(x)`` and ``v = value(x)``.

    One SwiGLU layer of width ``out_features`` has two affine maps; its activation bit per unit is
    ``[u * v > 0]``, since ``Swish(u) > 0`` exactly when ``u > 0``; see foldlab's maths page (docs/maths.md),
    section 'Activation patterns and Hamming geometry'.

    Examples
    --------
    >>> layer = SwiGLU(2, 3)
    >>> layer(torch.zeros(4, 2)).shape
    torch.Size([4, 3])

    References
    ----------
    Shazeer, "GLU Variants Improve Transformer" (arXiv:2002.05202, 2020): SwiGLU, here with biases and without the
    output map; Lewandowski et al., "The Space Between: On Folding, Symmetries and Sampling" (arXiv:2503.08502, 2025),
    for folding measured on SwiGLU nets.
    """

    def __init__(self, in_features: int, out_features: int, device: Device = None,
                 dtype: torch.dtype | None = None) -> None:
        in_features = check_int(in_features, "in_features", min=1)
        out_features = check_int(out_features, "out_features", min=1)
        super().__init__()
        self.gate = nn.Linear(in_features, out_features, device=device, dtype=dtype)
        self.value = nn.Linear(in_features, out_features, device=device, dtype=dtype)

    @property
    def in_features(self) -> int:
        return self.gate.in_features

    @property
    def out_features(self) -> int:
        return self.gate.out_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.silu(self.gate(x)) * self.value(x)


class Residual(nn.Module):
    """A residual block ``x + inner(x)``, which foldlab reads exactly.

    ``inner`` is a chain foldlab reads (``nn.Sequential(nn.Linear, nn.ReLU, nn.Linear)``, or convolutions that
    keep the image's shape) whose output has the shape of its input. Its ReLU or LeakyReLU layers are hidden
    layers of the net like any other (they count in ``layers=``); the skip adds no layer and no bits. foldlab
    carries the skip through the block's hidden layers as pairs of extra units ``relu(x), relu(-x)``
    (``x = relu(x) - relu(-x)``), which are part of the snapshot's layers but never of a pattern; see
    foldlab's maths page (docs/maths.md), section 'Residual blocks'. A user's own module returning
    ``x + f(x)`` is refused by name: its forward could compute anything, this one's is known.

    Parameters
    ----------
    inner : torch.nn.Module
        The residual branch ``f``.

    Examples
    --------
    >>> import foldlab as fl
    >>> block = Residual(nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 3)))
    >>> net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), block, nn.ReLU(), nn.Linear(3, 1))
    >>> fl.read_net(net)
    NetSpec(d_in=2, hidden=[relu:3, relu:5, relu:3], d_out=1)

    References
    ----------
    He, Zhang, Ren and Sun, "Deep Residual Learning for Image Recognition" (CVPR 2016), section 3.2.
    """

    def __init__(self, inner: nn.Module) -> None:
        if not isinstance(inner, nn.Module):
            raise TypeError(f"inner must be a torch.nn.Module (the residual branch), got {describe(inner)}")
        super().__init__()
        self.inner = inner

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.inner(x)


def _activation_module(name: str, negative_slope: float) -> nn.Module:
    if name == "relu":
        return nn.ReLU()
    if name == "leaky_relu":
        return nn.LeakyReLU(negative_slope)
    if name == "gelu":
        return nn.GELU()
    if name in ("silu", "swish"):
        return nn.SiLU()
    if name == "tanh":
        return nn.Tanh()
    if name == "selu":
        return nn.SELU()
    raise AssertionError(name)  # validated by the caller


def skip_init(module_cls: type[nn.Module], *args, **kwargs) -> nn.Module:
    """Build a layer without using up torch's global generator: the caller draws its weights from its own.

    ``torch.nn.utils.skip_init`` does this through meta tensors, but their first ``to_empty`` imports sympy
    (0.6 s to 2 s on a busy machine, before a notebook's first net); building the layer normally under a forked
    generator leaves the global state as it was at the cost of one default init, microseconds for these sizes.
    """
    with torch.random.fork_rng(devices=[]):
        return module_cls(*args, **kwargs)


def _init_linear(layer: nn.Linear, init: str, generator: torch.Generator) -> None:
    fan_in = layer.in_features
    with torch.no_grad():
        if init == "uniform":
            # PyTorch's default nn.Linear init, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), drawn from our generator
            bound = 1.0 / math.sqrt(fan_in)
            layer.weight.uniform_(-bound, bound, generator=generator)
            layer.bias.uniform_(-bound, bound, generator=generator)
        else:  # "he": Kaiming normal weights, small random biases (zero biases put every line through 0)
            layer.weight.normal_(0.0, math.sqrt(2.0 / fan_in), generator=generator)
            layer.bias.normal_(0.0, 0.1, generator=generator)


def mlp(
    widths: Sequence[int],
    activation: str = "relu",
    seed: int = 0,
    *,
    init: str = "uniform",
    negative_slope: float = 0.01,
    norm: str | None = None,
) -> nn.Sequential:
    """A seeded fully connected network ``Linear, activation, ..., Linear`` (affine output layer).

    Parameters
    ----------
    widths : sequence of int
        ``[d_in, h_1, ..., h_L, d_out]``, positive, with at least one hidden layer (numpy ints are fine).
    activation : str
        One of ``"relu"``, ``"leaky_relu"``, ``"gelu"``, ``"silu"`` (alias ``"swish"``), ``"tanh"``,
        ``"selu"`` (not piecewise linear: a unit's bit is the sign of its pre-activation, as for GELU),
        ``"swiglu"`` (each hidden layer is then a :class:`SwiGLU` block).
    seed : int
        Seeds a private ``torch.Generator``; the same seed gives the same weights (0 to 2**32 - 1).
    init : {"uniform", "he"}
        ``"uniform"`` is PyTorch's default Linear init, ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))`` on weights
        and biases; ``"he"`` draws weights from ``N(0, 2/fan_in)`` and biases from ``N(0, 0.1^2)``.
    negative_slope : float
        Slope of LeakyReLU for negative inputs (a finite number).
    norm : {None, "batch", "layer", "weight"}
        Put ``nn.BatchNorm1d`` or ``nn.LayerNorm`` between each hidden Linear layer and its activation
        (not with SwiGLU). Patterns of a net with BatchNorm are defined in eval mode (``net.eval()``);
        LayerNorm makes the pre-activations non-affine in the input, so exact arrangements refuse it.
        ``"weight"``: weight normalisation of every Linear layer, the output layer included
        (``torch.nn.utils.parametrizations.weight_norm``, ``W = g V / ||V||`` row by row), started at the drawn
        weights (``g = ||V||``), without the paper's data-dependent initialisation; the net computes the same
        function as without it until it trains.

    Returns
    -------
    torch.nn.Sequential
        In float32, in training mode as any fresh module.

    References
    ----------
    Swiniarski, Bruna and Cho, "Study on Activation Patterns", section 3 (normalisation and activation
    statistics).

    Examples
    --------
    >>> net = mlp([2, 8, 8, 1], seed=0)
    >>> net
    Sequential(
      (0): Linear(in_features=2, out_features=8, bias=True)
      (1): ReLU()
      (2): Linear(in_features=8, out_features=8, bias=True)
      (3): ReLU()
      (4): Linear(in_features=8, out_features=1, bias=True)
    )
    >>> torch.equal(net[0].weight, mlp([2, 8, 8, 1], seed=0)[0].weight)
    True
    """
    if isinstance(widths, (str, bytes)) or not isinstance(widths, (Sequence, np.ndarray, torch.Tensor)):
        raise TypeError(f"widths must be a sequence of ints [d_in, h_1, ..., d_out], got {describe(widths)}")
    widths = [check_int(w, f"widths[{i}]", min=1) for i, w in enumerate(np.asarray(widths, dtype=object).reshape(-1))]
    if len(widths) < 3:
        raise ValueError(
            f"widths must be [d_in, h_1, ..., d_out] with at least one hidden layer, got {widths}"
        )
    activation = check_choice(activation, "activation", ACTIVATIONS)
    seed = check_seed(seed)
    init = check_choice(init, "init", ("uniform", "he"))
    norm = check_choice(norm, "norm", (None, "batch", "layer", "weight"))
    negative_slope = check_float(negative_slope, "negative_slope")
    if norm is not None and activation == "swiglu":
        raise ValueError("norm= is not available with activation='swiglu'")
    n_weights = sum((a + 1) * b for a, b in zip(widths[:-1], widths[1:])) * (2 if activation == "swiglu" else 1)
    limits.check_memory(4.0 * n_weights, f"the weights of mlp({widths})", driver="pass smaller widths")
    generator = torch.Generator().manual_seed(seed)
    layers: list[nn.Module] = []
    for d_prev, d_next in zip(widths[:-2], widths[1:-1]):
        if activation == "swiglu":
            block = skip_init(SwiGLU, d_prev, d_next)
            _init_linear(block.gate, init, generator)
            _init_linear(block.value, init, generator)
            layers.append(block)
        else:
            linear = skip_init(nn.Linear, d_prev, d_next)
            _init_linear(linear, init, generator)
            layers.append(linear)
            if norm == "batch":
                layers.append(nn.BatchNorm1d(d_next))
            elif norm == "layer":
                layers.append(nn.LayerNorm(d_next))
            layers.append(_activation_module(activation, negative_slope))
    head = skip_init(nn.Linear, widths[-2], widths[-1])
    _init_linear(head, init, generator)
    layers.append(head)
    if norm == "weight":
        for layer in layers:
            if isinstance(layer, nn.Linear):
                weight_norm(layer)  # g = ||V|| row by row: the same weights, now trained as direction and length
    return nn.Sequential(*layers)


def _shape(values) -> tuple[int, ...] | str:
    """The shape of an array-like, or "ragged" for nested sequences of unequal lengths."""
    if isinstance(values, torch.Tensor):
        return tuple(values.shape)
    try:
        return np.shape(values)
    except ValueError:
        return "ragged"


def linear_layer(weight: Sequence[Sequence[float]], bias: Sequence[float]) -> nn.Linear:
    """An ``nn.Linear`` (float32) with the given weight ``(d_out, d_in)`` and bias, drawing no random numbers.

    Parameters
    ----------
    weight : array-like, shape (d_out, d_in)
        Finite real numbers.
    bias : array-like, shape (d_out,)

    Examples
    --------
    >>> linear_layer([[1, 2]], [0.5])
    Linear(in_features=2, out_features=1, bias=True)
    >>> linear_layer([[1, 2]], [0.5, 1])
    Traceback (most recent call last):
    ...
    ValueError: expected bias of shape (1,), one per row of weight, got shape (2,)
    """
    w = as_points(weight, "weight")
    if len(_shape(weight)) != 2:
        raise ValueError(f"expected weight of shape (d_out, d_in), got shape {_shape(weight)}")
    if _shape(bias) != (w.shape[0],):
        raise ValueError(f"expected bias of shape ({w.shape[0]},), one per row of weight, got shape {_shape(bias)}")
    b = as_points(bias, "bias")
    layer = skip_init(nn.Linear, w.shape[1], w.shape[0])
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(w))
        layer.bias.copy_(torch.from_numpy(b[0]))
    return layer


def conv_net(
    image_shape: Sequence[int] = (1, 8, 8),
    channels: Sequence[int] = (4, 8),
    n_classes: int = 10,
    seed: int = 0,
    *,
    kernel_size: int = 3,
    pool: bool = True,
    max_pool: bool = False,
) -> nn.Sequential:
    """A seeded small convolutional net on flat inputs: ``Unflatten``, then ``Conv2d, ReLU[, pooling]`` per
    entry of ``channels``, then ``Flatten`` and a ``Linear`` output layer.

    It takes flat vectors of ``C * H * W`` entries (the first layer is ``nn.Unflatten(1, image_shape)``), as
    every foldlab function does: the default is sized for scikit-learn's 8x8 digits (``fl.load_digits``).
    Each convolution keeps the image size (``padding=kernel_size // 2``); with ``pool`` an
    ``nn.AvgPool2d(2)`` (or ``nn.MaxPool2d(2)``) halves it after each block while it is at least 2 wide.
    foldlab reads all of it exactly: a unit is one channel at one position, and a max pool's bits are the
    argmax of each window.

    Parameters
    ----------
    image_shape : sequence of int
        ``(C, H, W)``, positive.
    channels : sequence of int
        Output channels of each convolution (at least one), positive.
    n_classes : int
        Width of the output layer.
    seed : int
        Seeds a private ``torch.Generator`` (0 to 2**32 - 1): PyTorch's default init,
        ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))`` on weights and biases, drawn from it.
    kernel_size : int
        Odd, positive.
    pool : bool
        Put a pooling layer after each block's ReLU: ``nn.AvgPool2d(2)``, or ``nn.MaxPool2d(2)`` with
        ``max_pool``.
    max_pool : bool
        Max pooling instead of average pooling (its bits are each window's argmax).

    Returns
    -------
    torch.nn.Sequential
        In float32, in training mode as any fresh module.

    References
    ----------
    Swiniarski, Bruna and Cho, "Study on Activation Patterns", section 5 (Hamming geodesics of a convolutional
    net: AlexNet on CIFAR-10, three convolutions with max pooling and one linear layer); LeCun et al.,
    "Gradient-based learning applied to document recognition" (1998), for convolutional nets on digits.

    Examples
    --------
    >>> net = conv_net(seed=0)
    >>> net
    Sequential(
      (0): Unflatten(dim=1, unflattened_size=(1, 8, 8))
      (1): Conv2d(1, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
      (2): ReLU()
      (3): AvgPool2d(kernel_size=2, stride=2, padding=0)
      (4): Conv2d(4, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
      (5): ReLU()
      (6): AvgPool2d(kernel_size=2, stride=2, padding=0)
      (7): Flatten(start_dim=1, end_dim=-1)
      (8): Linear(in_features=32, out_features=10, bias=True)
    )
    >>> net(torch.zeros(3, 64)).shape
    torch.Size([3, 10])
    """
    shape = _positive_ints(image_shape, "image_shape")
    if len(shape) != 3:
        raise ValueError(f"image_shape must be (C, H, W), got {shape}")
    widths = _positive_ints(channels, "channels")
    if not widths:
        raise ValueError("channels is empty: give the output channels of at least one convolution")
    n_classes = check_int(n_classes, "n_classes", min=1)
    seed = check_seed(seed)
    kernel_size = check_int(kernel_size, "kernel_size", min=1)
    if kernel_size % 2 == 0:
        raise ValueError(f"kernel_size must be odd (the convolutions keep the image size), got {kernel_size}")
    pool = check_bool(pool, "pool")
    pooling = nn.MaxPool2d if check_bool(max_pool, "max_pool") else nn.AvgPool2d
    c, h, w = shape
    n_weights = sum((a * kernel_size**2 + 1) * b for a, b in zip((c, *widths[:-1]), widths))
    limits.check_memory(4.0 * (n_weights + (widths[-1] * h * w + 1) * n_classes),
                        f"the weights of conv_net({shape}, {widths})", driver="pass fewer channels")
    generator = torch.Generator().manual_seed(seed)
    layers: list[nn.Module] = [nn.Unflatten(1, shape)]
    for width in widths:
        conv = skip_init(nn.Conv2d, c, width, kernel_size, padding=kernel_size // 2)
        _init_uniform(conv, c * kernel_size**2, generator)
        layers += [conv, nn.ReLU()]
        c = width
        if pool and min(h, w) >= 2:
            layers.append(pooling(2))
            h, w = h // 2, w // 2
    head = skip_init(nn.Linear, c * h * w, n_classes)
    _init_uniform(head, c * h * w, generator)
    layers += [nn.Flatten(), head]
    return nn.Sequential(*layers)


def _positive_ints(values, name: str) -> tuple[int, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray, torch.Tensor)):
        raise TypeError(f"{name} must be a sequence of ints, got {describe(values)}")
    # a flat sequence: [[2]] is not [2]
    values = values.tolist() if isinstance(values, (np.ndarray, torch.Tensor)) else list(values)
    return tuple(check_int(v, f"{name}[{i}]", min=1) for i, v in enumerate(values))


def _init_uniform(layer: nn.Module, fan_in: int, generator: torch.Generator) -> None:
    """PyTorch's default init, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), drawn from ``generator``."""
    bound = 1.0 / math.sqrt(fan_in)
    with torch.no_grad():
        layer.weight.uniform_(-bound, bound, generator=generator)
        layer.bias.uniform_(-bound, bound, generator=generator)
