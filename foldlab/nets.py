"""Network builders: seeded MLPs for every supported activation, the SwiGLU block, and CantorNet.

All randomness comes in through ``seed=``; nothing here touches torch's global generator.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils import skip_init  # builds layers without drawing from torch's global generator

__all__ = ["ACTIVATIONS", "SwiGLU", "mlp", "CantorNet", "cantor_step", "cantor_boundary"]

#: Activation names accepted by :func:`mlp`; ``"swish"`` is an alias of ``"silu"``.
ACTIVATIONS = ("relu", "leaky_relu", "gelu", "silu", "swish", "tanh", "swiglu")


class SwiGLU(nn.Module):
    """Gated hidden layer ``Swish(u) * v`` with ``u = gate(x)`` and ``v = value(x)``.

    One SwiGLU layer of width ``out_features`` has two affine maps; its activation bit per unit is
    ``[u * v > 0]`` (DESIGN.md section 1), since ``Swish(u) > 0`` exactly when ``u > 0``.

    Examples
    --------
    >>> layer = SwiGLU(2, 3)
    >>> layer(torch.zeros(4, 2)).shape
    torch.Size([4, 3])

    References
    ----------
    Shazeer, "GLU Variants Improve Transformer" (2020), eq. 6 (FFN_SwiGLU without the output map).
    """

    def __init__(self, in_features: int, out_features: int, device=None, dtype=None) -> None:
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
    raise AssertionError(name)  # validated by the caller


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
) -> nn.Sequential:
    """A seeded fully connected network ``Linear, activation, ..., Linear`` (affine output layer).

    Parameters
    ----------
    widths : sequence of int
        ``[d_in, h_1, ..., h_L, d_out]``, with at least one hidden layer.
    activation : str
        One of ``"relu"``, ``"leaky_relu"``, ``"gelu"``, ``"silu"`` (alias ``"swish"``), ``"tanh"``,
        ``"swiglu"`` (each hidden layer is then a :class:`SwiGLU` block).
    seed : int
        Seeds a private ``torch.Generator``; the same seed gives the same weights.
    init : {"uniform", "he"}
        ``"uniform"`` is PyTorch's default Linear init, ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))`` on weights
        and biases; ``"he"`` draws weights from ``N(0, 2/fan_in)`` and biases from ``N(0, 0.1^2)``.
    negative_slope : float
        Slope of LeakyReLU for negative inputs.

    Returns
    -------
    torch.nn.Sequential
        In float32, in training mode as any fresh module.

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
    widths = list(widths)
    if len(widths) < 3:
        raise ValueError(
            f"widths must be [d_in, h_1, ..., d_out] with at least one hidden layer, got {widths}"
        )
    for w in widths:
        if isinstance(w, bool) or not isinstance(w, int) or w < 1:
            raise ValueError(f"every width must be a positive int, got {w!r} in {widths}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    if init not in ("uniform", "he"):
        raise ValueError(f"init must be 'uniform' or 'he', got {init!r}")
    generator = torch.Generator().manual_seed(int(seed))
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
            layers += [linear, _activation_module(activation, negative_slope)]
    head = skip_init(nn.Linear, widths[-2], widths[-1])
    _init_linear(head, init, generator)
    layers.append(head)
    return nn.Sequential(*layers)


# --- CantorNet -------------------------------------------------------------------------------------

def cantor_step(x: torch.Tensor) -> torch.Tensor:
    """The tent-like map ``A(x) = max(-3x + 1, 0, 3x - 2)`` on [0, 1] (DESIGN.md section 5).

    Examples
    --------
    >>> cantor_step(torch.tensor([0.0, 1 / 6, 0.5, 1.0]))
    tensor([1.0000, 0.5000, 0.0000, 1.0000])
    """
    return torch.clamp(torch.maximum(-3 * x + 1, 3 * x - 2), min=0)


def cantor_boundary(x: torch.Tensor, depth: int) -> torch.Tensor:
    """The upper edge ``(A^k(x) + 1) / 2`` of the CantorNet decision region ``R_k``.

    Examples
    --------
    >>> cantor_boundary(torch.tensor([0.0, 0.5]), depth=1)
    tensor([1.0000, 0.5000])
    """
    for _ in range(depth):
        x = cantor_step(x)
    return (x + 1) / 2


class CantorNet(nn.Sequential):
    """CantorNet: ``N(x, y) = y - (A^k(x) + 1) / 2`` with hand-set exact weights.

    The decision region ``{N <= 0}`` inside ``[0, 1]^2`` is ``R_k``, whose upper edge has a Cantor-like
    structure. Each recursion is two ReLU layers (DESIGN.md section 5)::

        layer a: W = [[3, 0], [-3, 0], [0, 1]], b = [-2, 1, 0]     ReLU -> (3x-2)+, (1-3x)+, y+
        layer b: W = [[1, 1, 0], [0, 0, 1]],    b = [0, 0]         ReLU -> (A(x), y)
        output:  W = [[-1/2, 1]],               b = [-1/2]

    Parameters
    ----------
    depth : int
        Number of recursions ``k``, 1 to 8.
    representation : {"recursive"}
        Which weights realise the function. Other representations of the same function fold differently.

    Examples
    --------
    >>> net = CantorNet(depth=1)
    >>> net(torch.tensor([[0.5, 0.5], [0.0, 0.25]])).squeeze(1)
    tensor([ 0.0000, -0.7500])

    References
    ----------
    Lewandowski et al., "On Space Folds of ReLU Neural Networks" (TMLR 2025), appendix on CantorNet;
    Lewandowski et al., "CantorNet: A Sandbox for Testing Topological and Geometrical Measures" (2024).
    """

    REPRESENTATIONS = ("recursive",)

    def __init__(self, depth: int = 1, representation: str = "recursive") -> None:
        if isinstance(depth, bool) or not isinstance(depth, int) or not 1 <= depth <= 8:
            raise ValueError(f"depth must be an int from 1 to 8, got {depth!r}")
        if representation not in self.REPRESENTATIONS:
            raise ValueError(
                f"representation must be one of {self.REPRESENTATIONS}, got {representation!r}"
            )
        super().__init__(*_recursive_layers(depth))
        self.depth = depth
        self.representation = representation
        self.requires_grad_(False)
        self.eval()

    def boundary(self, x: torch.Tensor) -> torch.Tensor:
        """Height ``(A^k(x) + 1) / 2`` of the decision boundary above ``x``."""
        return cantor_boundary(torch.as_tensor(x, dtype=torch.float64), self.depth)

    def extra_repr(self) -> str:
        return f"depth={self.depth}, representation={self.representation!r}"


def _linear(weight: list, bias: list) -> nn.Linear:
    w = torch.tensor(weight, dtype=torch.float32)
    layer = skip_init(nn.Linear, w.shape[1], w.shape[0])
    with torch.no_grad():
        layer.weight.copy_(w)
        layer.bias.copy_(torch.tensor(bias, dtype=torch.float32))
    return layer


def _recursive_layers(depth: int) -> list[nn.Module]:
    layers: list[nn.Module] = []
    for _ in range(depth):
        layers += [
            _linear([[3, 0], [-3, 0], [0, 1]], [-2, 1, 0]),
            nn.ReLU(),
            _linear([[1, 1, 0], [0, 0, 1]], [0, 0]),
            nn.ReLU(),
        ]
    layers.append(_linear([[-0.5, 1]], [-0.5]))
    return layers
