"""What several test modules share: independent references, the nets of the degenerate cases, a user module.

``reference_patterns`` is the oracle for patterns: it runs the torch module itself in float64 with hooks on
its activation modules, and shares nothing with foldlab's snapshot of the net (:func:`foldlab.read_net`),
which every foldlab engine computes from.
"""

from __future__ import annotations

import contextlib
import copy

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

import foldlab as fl

ELEMENTWISE = (nn.ReLU, nn.LeakyReLU, nn.GELU, nn.SiLU, nn.Tanh, nn.ELU, nn.SELU)


def reference_patterns(net: nn.Module, x, layers=None, include_output: bool = False) -> torch.Tensor:
    """Patterns by running ``net`` itself (a float64 copy of its state) with hooks on its activations.

    Bit = [pre-activation > 0] (for SwiGLU [u v > 0]); hidden layers in the order their activations run;
    ``layers`` picks 0-based hidden layers; the output bits come last with ``include_output``.
    """
    x = torch.as_tensor(np.ascontiguousarray(x), dtype=torch.float64)
    x = x.reshape(1, -1) if x.ndim == 1 else x
    records = []

    def swiglu(module, inputs, output):
        h = inputs[0]
        u, v = module.gate(h), module.value(h)
        records.append(((u > 0) & (v > 0)) | ((u < 0) & (v < 0)))

    state = {name: t.detach().to(torch.float64) if t.is_floating_point() else t
             for name, t in (*net.named_parameters(), *net.named_buffers())}
    handles = []
    with contextlib.ExitStack() as stack:
        for module in {id(m): m for m in net.modules()}.values():
            if isinstance(module, fl.SwiGLU):
                handles.append(module.register_forward_hook(swiglu))
            elif type(module) in ELEMENTWISE:
                # flattened: a convolutional layer's units are its (C, H, W) pre-activations in row-major order
                handles.append(module.register_forward_pre_hook(lambda m, i: records.append((i[0] > 0).flatten(1))))
            elif isinstance(module, nn.MaxPool2d):
                # the one-hot argmax of each window, by loops over the windows
                record = lambda m, i: records.append(naive_max_pool_bits(m, i[0]))  # noqa: E731
                handles.append(module.register_forward_pre_hook(record))
        stack.callback(lambda: [h.remove() for h in handles])
        with torch.no_grad():
            out = torch.func.functional_call(net, state, (x,))
    chosen = range(len(records)) if layers is None else ([layers] if isinstance(layers, int) else layers)
    parts = [records[i] for i in sorted(i % len(records) for i in chosen)]
    if include_output:
        parts.append(out > 0)
    return torch.cat(parts, dim=1)


def _pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def naive_max_pool_windows(pool: nn.MaxPool2d, shape):
    """The windows of a max pool on images of ``shape`` (C, H, W), by loops over torch's own output size: for
    each output position in row-major order, the flat input indices its window covers (padding left out)."""
    c, h, w = shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = (_pair(v) for v in (pool.kernel_size, pool.stride, pool.padding,
                                                                   pool.dilation))
    _, _, ho, wo = F.max_pool2d(torch.zeros(1, c, h, w), pool.kernel_size, pool.stride, pool.padding,
                                pool.dilation, pool.ceil_mode).shape
    windows = []
    for channel in range(c):
        for i in range(ho):
            for j in range(wo):
                entries = []
                for a in range(kh):
                    for b in range(kw):
                        row, col = i * sh - ph + a * dh, j * sw - pw + b * dw
                        if 0 <= row < h and 0 <= col < w:
                            entries.append(channel * h * w + row * w + col)
                windows.append(sorted(entries))
    return windows


def naive_max_pool_bits(pool: nn.MaxPool2d, images: torch.Tensor) -> torch.Tensor:
    """One-hot argmax bits of every window of a max pool, by loops: per window, one bit per entry, 1 for the
    entry whose value is the largest, the first (lowest flat index) among equal ones."""
    flat = images.flatten(1)
    bits = []
    for entries in naive_max_pool_windows(pool, tuple(images.shape[1:])):
        values = flat[:, entries]
        best = torch.zeros(flat.shape[0], dtype=torch.long)
        for k in range(1, len(entries)):
            best = torch.where(values[:, k] > values[torch.arange(flat.shape[0]), best], k, best)
        bits.append(torch.arange(len(entries))[None, :] == best[:, None])
    return torch.cat(bits, dim=1)


def naive_patterns(net: nn.Sequential, x: torch.Tensor) -> torch.Tensor:
    """Walk the Sequential by hand in float64 and binarise each activation's output: [sigma(z) > 0]."""
    h = x.double()
    bits = []
    for module in net:
        if isinstance(module, nn.Linear):
            h = h @ module.weight.double().T + module.bias.double()
        elif isinstance(module, fl.SwiGLU):
            u = h @ module.gate.weight.double().T + module.gate.bias.double()
            v = h @ module.value.weight.double().T + module.value.bias.double()
            h = F.silu(u) * v
            bits.append(h > 0)
        elif isinstance(module, (nn.BatchNorm1d, nn.LayerNorm)):
            h = copy.deepcopy(module).double()(h)  # a float64 copy: the net itself stays as it is
        else:
            h = module(h)
            bits.append(h > 0)
    return torch.cat(bits, dim=1)


def net_from(layers, activation: str = "relu", slope: float = 0.1) -> nn.Sequential:
    """A Sequential with exactly the given ``[(W, b), ...]`` (last pair = output layer)."""
    mods: list[nn.Module] = []
    for i, (W, b) in enumerate(layers):
        W = torch.as_tensor(np.asarray(W, dtype=np.float32))
        lin = nn.Linear(W.shape[1], W.shape[0])
        with torch.no_grad():
            lin.weight.copy_(W)
            lin.bias.copy_(torch.as_tensor(np.asarray(b, dtype=np.float32)))
        mods.append(lin)
        if i < len(layers) - 1:
            mods.append(nn.ReLU() if activation == "relu" else nn.LeakyReLU(slope))
    return nn.Sequential(*mods)


DEGENERATE = {
    # x = 0 four times (twice scaled, once reversed) and a parallel line x = 0.5
    "parallel_and_coincident": [
        ([[1, 0], [1, 0], [2, 0], [-1, 0], [1, 0]], [0, 0, 0, 0, -0.5]),
        ([[1, 1, 1, 1, 1]], [0]),
    ],
    "three_lines_through_a_point": [([[1, 0], [0, 1], [1, 1], [1, -1]], [0, 0, 0, 0]), ([[1, -1, 1, 1]], [0])],
    "three_lines_through_an_off_centre_point": [
        ([[1, 0], [0, 1], [1, 1], [2, -1]], [-0.25, -0.5, -0.75, 0]),
        ([[1, 2, 0, 1], [-1, 1, 1, 0], [0.5, 0.5, -1, 1]], [0.1, -0.2, 0.0]),
        ([[1, 1, 1]], [0]),
    ],
    "dead_units": [([[0, 0], [0, 0], [0, 0], [1, 0.5]], [0, -1, 1, 0.2]), ([[1, 1, 1, 1]], [0])],
    "never_active_second_layer": [([[1, 0], [0, 1]], [0.1, 0.2]), ([[-1, -1], [1, 1]], [-5, 0.3]), ([[1, 1]], [0])],
    "lines_through_corners_and_along_edges": [
        ([[1, 1], [1, -1], [1, 0], [0, 1]], [-2, 0, -1, 1]),
        ([[1, 1, 1, 1]], [0]),
    ],
    "first_layer_all_zero": [([[0, 0], [0, 0]], [0, 0]), ([[1, 1], [1, -1]], [0.5, -0.5]), ([[1, 1]], [0])],
    "zero_weights_second_layer": [([[1, 0], [0, 1]], [0.1, 0.2]), ([[0, 0], [0, 0]], [0, 0]), ([[1, 1]], [0])],
    "identical_neurons_in_layer_two": [
        ([[1, 0], [0, 1], [1, 1]], [0.1, 0.2, -0.3]),
        ([[1, -1, 0.5], [1, -1, 0.5], [2, -2, 1]], [0.1, 0.1, 0.2]),
        ([[1, 1, 1]], [0]),
    ],
}


class OwnMLP(nn.Module):
    """A user's own module (not nn.Sequential) with BatchNorm and Dropout."""

    def __init__(self):
        super().__init__()
        g = torch.Generator().manual_seed(3)
        self.fc1 = nn.Linear(3, 5)
        self.bn = nn.BatchNorm1d(5)
        self.act1 = nn.ReLU()
        self.drop = nn.Dropout(0.5)
        self.fc2 = nn.Linear(5, 4)
        self.act2 = nn.LeakyReLU(0.1)
        self.head = nn.Linear(4, 2)
        with torch.no_grad():
            for p in self.parameters():
                p.copy_(torch.randn(p.shape, generator=g))
            self.bn.running_mean.copy_(torch.randn(5, generator=g))
            self.bn.running_var.copy_(torch.rand(5, generator=g) + 0.5)

    def forward(self, x):
        x = self.drop(self.act1(self.bn(self.fc1(x))))
        return self.head(self.act2(self.fc2(x)))
