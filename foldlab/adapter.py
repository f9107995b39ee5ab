"""The one place where a torch network is read.

:func:`read_net` turns a feed-forward torch module into a :class:`NetSpec`: its hidden layers in forward
order, each with the maps that produce its pre-activations (in float64) and its activation kind, plus the
output map. Patterns, arrangements and walks all work from this form, so a new layer type is taught to
foldlab here, once.

What is read
------------
The module is traced with forward hooks on one probe input. Every leaf module that runs must be one of

- ``nn.Linear``, ``nn.BatchNorm1d`` (eval mode), ``nn.Dropout`` (eval mode), ``nn.Identity``,
  ``nn.Flatten``: affine, folded into the next pre-activation map;
- ``nn.LayerNorm``: accepted, but the pre-activations after it are no longer affine in the input;
- an activation: ``nn.ReLU``, ``nn.LeakyReLU``, ``nn.GELU``, ``nn.SiLU``, ``nn.Tanh``, ``nn.ELU``,
  ``nn.SELU``, or :class:`foldlab.nets.SwiGLU`;

and the modules must form a plain chain (each one receives the previous one's output). Anything else,
such as a convolution, attention, a residual connection or a functional ``torch.relu`` call in
``forward``, gets a clear error naming the layer.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .nets import SwiGLU

__all__ = [
    "Affine",
    "HiddenLayer",
    "NetSpec",
    "read_net",
    "as_inputs",
    "record_preactivations",
    "binarize",
]

DTYPE = torch.float64

_ELEMENTWISE: dict[type, str] = {
    nn.ReLU: "relu",
    nn.LeakyReLU: "leaky_relu",
    nn.GELU: "gelu",
    nn.SiLU: "silu",
    nn.Tanh: "tanh",
    nn.ELU: "elu",
    nn.SELU: "selu",
}
#: Activations whose layers are affine between kinks at z = 0: nets of these are piecewise linear.
PIECEWISE_LINEAR_KINDS = frozenset({"relu", "leaky_relu"})
_PASS_THROUGH = (nn.Identity, nn.Flatten, nn.Dropout)
_SUPPORTED_NAMES = (
    "Linear, BatchNorm1d (eval), LayerNorm, Dropout (eval), Identity, Flatten, "
    "ReLU, LeakyReLU, GELU, SiLU, Tanh, ELU, SELU, foldlab.SwiGLU"
)


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

    def __call__(self, h: torch.Tensor) -> torch.Tensor:
        return torch.addmm(self.bias, h, self.weight.T) if h.ndim == 2 else h @ self.weight.T + self.bias

    def then(self, other: "Affine") -> "Affine":
        """The composition ``other(self(h))``."""
        return Affine(other.weight @ self.weight, other.weight @ self.bias + other.bias)

    def __repr__(self) -> str:
        return f"Affine({self.weight.shape[1]} -> {self.weight.shape[0]})"


@dataclass(frozen=True, eq=False)
class _LayerNormOp:
    shape: tuple[int, ...]
    weight: torch.Tensor | None
    bias: torch.Tensor | None
    eps: float

    def __call__(self, h: torch.Tensor) -> torch.Tensor:
        return F.layer_norm(h, self.shape, self.weight, self.bias, self.eps)

    def __repr__(self) -> str:
        return f"LayerNorm({self.shape[0]})"


@dataclass(frozen=True, eq=False)
class HiddenLayer:
    """One hidden layer as foldlab sees it.

    Attributes
    ----------
    name : str
        Qualified name of the activation module (``"3"`` in a Sequential, ``"blocks.0.act"`` ...).
    kind : str
        ``"relu"``, ``"leaky_relu"``, ``"gelu"``, ``"silu"``, ``"tanh"``, ``"elu"``, ``"selu"`` or ``"swiglu"``.
    width : int
        Number of units, hence of pattern bits.
    ops : tuple
        Maps from the previous layer's output (or the input) to the pre-activation, consecutive affine
        maps already composed. For SwiGLU the pre-activation is ``[u, v]``, of size ``2 * width``.
    negative_slope : float
        LeakyReLU's slope for negative inputs (0 for ReLU).
    """

    name: str
    kind: str
    width: int
    ops: tuple
    negative_slope: float = 0.0
    _module: nn.Module | None = field(default=None, repr=False)

    @property
    def affine(self) -> Affine | None:
        """The pre-activation as one affine map of the previous output, or None (LayerNorm between)."""
        if len(self.ops) == 1 and isinstance(self.ops[0], Affine):
            return self.ops[0]
        return None

    @property
    def piecewise_linear(self) -> bool:
        return self.kind in PIECEWISE_LINEAR_KINDS and self.affine is not None

    def preactivation(self, h: torch.Tensor) -> torch.Tensor:
        """Pre-activations, shape ``(n, width)`` (``(n, 2 * width)`` for SwiGLU: ``[u, v]``)."""
        for op in self.ops:
            h = op(h)
        return h

    def activate(self, z: torch.Tensor) -> torch.Tensor:
        """The layer's output from its pre-activations."""
        kind = self.kind
        if kind == "relu":
            return torch.relu(z)
        if kind == "leaky_relu":
            return F.leaky_relu(z, self.negative_slope)
        if kind == "gelu":
            approximate = getattr(self._module, "approximate", "none")
            return F.gelu(z, approximate=approximate)
        if kind == "silu":
            return F.silu(z)
        if kind == "tanh":
            return torch.tanh(z)
        if kind == "elu":
            return F.elu(z, getattr(self._module, "alpha", 1.0))
        if kind == "selu":
            return F.selu(z)
        if kind == "swiglu":
            return F.silu(z[..., : self.width]) * z[..., self.width :]
        raise AssertionError(kind)

    def bits(self, z: torch.Tensor) -> torch.Tensor:
        """Activation bits from pre-activations, see :func:`binarize`."""
        return binarize(z, self.kind, self.width)


def binarize(z: torch.Tensor, kind: str, width: int) -> torch.Tensor:
    """Activation bits ``[sigma(z) > 0]`` computed from the pre-activations ``z``.

    Every supported activation is sign-preserving (``sigma(z) > 0`` exactly when ``z > 0``), so the bit
    is ``z > 0``: a pre-activation of exactly 0 gives 0 (DESIGN.md section 1). Working on ``z`` rather than
    on ``sigma(z)`` keeps bits exact where ``sigma(z)`` underflows (GELU of a tiny positive ``z``).
    For SwiGLU, ``z = [u, v]`` and the bit is ``[u * v > 0]``, evaluated on signs so that it cannot
    underflow either.
    """
    if kind == "swiglu":
        u, v = z[..., :width], z[..., width:]
        return ((u > 0) & (v > 0)) | ((u < 0) & (v < 0))
    return z > 0


@dataclass(frozen=True, eq=False)
class NetSpec:
    """A feed-forward net read by :func:`read_net`: hidden layers in order, then the output maps.

    Attributes
    ----------
    d_in : int
        Input dimension.
    layers : tuple of HiddenLayer
    output_ops : tuple
        Maps from the last hidden layer's output to the net's output (empty if the net ends with an
        activation).
    module : nn.Module
        The module that was read (hooks for :func:`record_preactivations` go on its submodules).
    """

    d_in: int
    layers: tuple[HiddenLayer, ...]
    output_ops: tuple
    module: nn.Module = field(repr=False)

    @property
    def widths(self) -> tuple[int, ...]:
        """Number of units in each hidden layer."""
        return tuple(layer.width for layer in self.layers)

    @property
    def n_hidden(self) -> int:
        """Total number of hidden units, i.e. pattern bits without the output."""
        return sum(self.widths)

    @property
    def d_out(self) -> int:
        if not self.output_ops:
            return self.layers[-1].width
        last = self.output_ops[-1]
        return last.weight.shape[0] if isinstance(last, Affine) else last.shape[0]

    @property
    def output(self) -> Affine | None:
        """The output map as one affine map, or None (no output layer, or a LayerNorm in it)."""
        if len(self.output_ops) == 1 and isinstance(self.output_ops[0], Affine):
            return self.output_ops[0]
        return None

    @property
    def piecewise_linear(self) -> bool:
        """True when every layer is ReLU/LeakyReLU with affine pre-activations (exact algorithms apply)."""
        return all(layer.piecewise_linear for layer in self.layers) and (
            not self.output_ops or self.output is not None
        )

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(layer.kind for layer in self.layers)

    def forward(self, x: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
        """Pre-activations of every hidden layer and the output, in float64, from the read maps.

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
        for op in self.output_ops:
            h = op(h)
        return zs, h

    def bits(self, x: torch.Tensor, layers=None, include_output: bool = False) -> torch.Tensor:
        """Activation pattern from the read maps (no hooks), shape ``(n, m)``; see ``columns``."""
        zs, out = self.forward(x)
        parts = [self.layers[i].bits(zs[i]) for i in self.layer_indices(layers)]
        if include_output:
            parts.append(out > 0)
        return torch.cat(parts, dim=1)

    def layer_indices(self, layers: int | Sequence[int] | None) -> list[int]:
        """Validate a ``layers=`` argument: None (all), an int, or a sequence of 0-based indices."""
        n = len(self.layers)
        if layers is None:
            return list(range(n))
        if isinstance(layers, (int, np.integer)) and not isinstance(layers, bool):
            layers = [int(layers)]
        try:
            chosen = [int(i) for i in layers]
        except TypeError:
            raise TypeError(
                f"layers must be None, an int or a sequence of ints, got {layers!r}"
            ) from None
        if not chosen:
            raise ValueError("layers is empty: select at least one hidden layer, or pass None for all")
        normalized = []
        for i in chosen:
            if not -n <= i < n:
                raise ValueError(
                    f"layer index {i} is out of range: this net has {n} hidden layers (0 to {n - 1})"
                )
            normalized.append(i % n)
        if len(set(normalized)) != len(normalized):
            raise ValueError(f"layers lists a layer twice: {chosen}")
        return sorted(normalized)

    def __repr__(self) -> str:
        body = ", ".join(f"{layer.kind}:{layer.width}" for layer in self.layers)
        return f"NetSpec(d_in={self.d_in}, hidden=[{body}], d_out={self.d_out})"


# --- reading ---------------------------------------------------------------------------------------

def _first_in_features(net: nn.Module) -> int:
    for module in net.modules():
        if isinstance(module, nn.Linear):
            return module.in_features
        if isinstance(module, SwiGLU):
            return module.in_features
        if isinstance(module, nn.BatchNorm1d):
            return module.num_features
        if isinstance(module, nn.LayerNorm) and len(module.normalized_shape) == 1:
            return module.normalized_shape[0]
    raise ValueError(
        f"cannot find an input dimension: {type(net).__name__} has no Linear layer; foldlab reads "
        f"feed-forward nets of Linear layers and elementwise activations"
    )


def _leaves(net: nn.Module) -> dict[nn.Module, str]:
    """Leaf modules by identity, with SwiGLU blocks treated as leaves."""
    names: dict[nn.Module, str] = {}

    def visit(module: nn.Module, prefix: str) -> None:
        children = list(module.named_children())
        if isinstance(module, SwiGLU) or not children:
            names.setdefault(module, prefix or type(module).__name__)
            return
        for child_name, child in children:
            visit(child, f"{prefix}.{child_name}" if prefix else child_name)

    visit(net, "")
    return names


def _check_finite_parameters(net: nn.Module) -> None:
    for name, tensor in list(net.named_parameters()) + list(net.named_buffers()):
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            bad = "NaN" if bool(torch.isnan(tensor).any()) else "inf"
            raise ValueError(f"parameter {name!r} of the net contains {bad}; foldlab needs finite weights")


_SUPPORTED_TYPES = (nn.Linear, nn.BatchNorm1d, nn.LayerNorm, SwiGLU, *_PASS_THROUGH, *_ELEMENTWISE)
_CONTAINERS = (nn.Sequential, nn.ModuleList, nn.ModuleDict)


def _trace(net: nn.Module, d_in: int) -> list[tuple[str, nn.Module]]:
    """Run one probe through ``net`` and return the leaf modules in call order, checking the chain."""
    names: dict[nn.Module, str] = {}
    for name, module in net.named_modules():
        names.setdefault(module, name or type(module).__name__)
    leaves = _leaves(net)
    calls: list[tuple[nn.Module, object, object]] = []

    def hook(module, inputs, output):
        calls.append((module, inputs[0] if inputs else None, output))

    param = next(iter(net.parameters()), None)
    dtype = param.dtype if param is not None and param.is_floating_point() else torch.float32
    device = param.device if param is not None else torch.device("cpu")
    # a random probe: with zeros, a residual x + f(x) would pass for f(x)
    probe = torch.randn(2, d_in, generator=torch.Generator().manual_seed(0)).to(dtype=dtype, device=device)
    handles = []
    try:
        for module in names:
            handles.append(module.register_forward_hook(hook))
        with torch.no_grad():
            try:
                result = net(probe)
            except Exception as error:  # the user's forward fails on a (2, d_in) input
                raise ValueError(
                    f"could not run {type(net).__name__} on a probe of shape (2, {d_in}) "
                    f"(the first layer's input size): {error}"
                ) from error
    finally:
        for handle in handles:
            handle.remove()

    # torch layers that foldlab does not know (convolutions, attention, ...) are named before anything else
    for module, _, _ in calls:
        kind = type(module)
        if kind.__module__.startswith("torch.nn") and not isinstance(module, _SUPPORTED_TYPES + _CONTAINERS):
            raise TypeError(
                f"foldlab cannot analyse layer {names[module]!r} ({kind.__name__}); supported layers are "
                f"{_SUPPORTED_NAMES}"
            )

    previous = probe
    chain = []
    for module, inp, out in calls:
        if module not in leaves:
            continue
        name = leaves[module]
        if inp is not previous and not (
            isinstance(inp, torch.Tensor) and isinstance(previous, torch.Tensor) and inp.equal(previous)
        ):
            raise TypeError(
                f"layer {name!r} ({type(module).__name__}) does not receive the previous layer's output; "
                f"foldlab reads plain feed-forward chains (no residual connections, no functional "
                f"activations such as torch.relu inside forward: use nn.ReLU modules)"
            )
        chain.append((name, module))
        previous = out
    if not isinstance(result, torch.Tensor) or not (result is previous or result.equal(previous)):
        raise TypeError(
            f"{type(net).__name__}.forward returns something other than its last layer's output; "
            f"foldlab reads plain feed-forward chains"
        )
    return chain


def _as_op(name: str, module: nn.Module):
    """The float64 map of a non-activation leaf: Affine, _LayerNormOp, or None (identity)."""
    if isinstance(module, nn.Linear):
        w = module.weight.detach().to(DTYPE)
        b = module.bias.detach().to(DTYPE) if module.bias is not None else torch.zeros(w.shape[0], dtype=DTYPE, device=w.device)
        return Affine(w, b)
    if isinstance(module, nn.BatchNorm1d):
        if module.training or module.running_mean is None:
            raise ValueError(
                f"layer {name!r} (BatchNorm1d) is in training mode or keeps no running statistics, so the "
                f"pattern of an input depends on its batch; call net.eval() first"
            )
        scale = 1.0 / torch.sqrt(module.running_var.detach().to(DTYPE) + module.eps)
        shift = -module.running_mean.detach().to(DTYPE) * scale
        if module.affine:
            scale = scale * module.weight.detach().to(DTYPE)
            shift = shift * module.weight.detach().to(DTYPE) + module.bias.detach().to(DTYPE)
        return Affine(torch.diag(scale), shift)
    if isinstance(module, nn.LayerNorm):
        w = module.weight.detach().to(DTYPE) if module.weight is not None else None
        b = module.bias.detach().to(DTYPE) if getattr(module, "bias", None) is not None else None
        return _LayerNormOp(tuple(module.normalized_shape), w, b, module.eps)
    if isinstance(module, nn.Dropout):
        if module.training and module.p > 0:
            raise ValueError(
                f"layer {name!r} (Dropout) is in training mode, so patterns would be random; "
                f"call net.eval() first"
            )
        return None
    if isinstance(module, _PASS_THROUGH):
        return None
    raise TypeError(
        f"foldlab cannot analyse layer {name!r} ({type(module).__name__}); supported layers are "
        f"{_SUPPORTED_NAMES}"
    )


def _push(ops: list, op) -> None:
    """Append ``op`` to a list of maps, composing it with a preceding affine map."""
    if op is None:
        return
    if isinstance(op, Affine) and ops and isinstance(ops[-1], Affine):
        ops[-1] = ops[-1].then(op)
    else:
        ops.append(op)


def read_net(net: nn.Module) -> NetSpec:
    """Read a feed-forward torch net into its hidden layers and output map (float64).

    Parameters
    ----------
    net : torch.nn.Module
        ``nn.Sequential`` or a user's own module whose forward is a plain chain of the supported
        layers (see the module docstring).

    Returns
    -------
    NetSpec

    Raises
    ------
    TypeError
        For a layer foldlab cannot analyse (named), or a forward that is not a plain chain.
    ValueError
        For non-finite weights, a net with no activations, or BatchNorm/Dropout in training mode.

    Examples
    --------
    >>> from foldlab import mlp
    >>> read_net(mlp([2, 4, 3, 1], seed=0))
    NetSpec(d_in=2, hidden=[relu:4, relu:3], d_out=1)
    """
    if not isinstance(net, nn.Module):
        raise TypeError(f"expected a torch.nn.Module, got {type(net).__name__}")
    spec = _read_plain_sequential(net)
    if spec is not None:
        return spec
    _check_finite_parameters(net)
    d_in = _first_in_features(net)
    return _spec_from_chain(net, d_in, _trace(net, d_in))


def _spec_from_chain(net: nn.Module, d_in: int, chain: list[tuple[str, nn.Module]], as_op=None) -> NetSpec:
    """The NetSpec of a traced chain of leaf modules: affine maps composed, one HiddenLayer per activation.

    ``as_op(name, module)`` gives a non-activation module's float64 map (default :func:`_as_op`).
    """
    as_op = _as_op if as_op is None else as_op
    layers: list[HiddenLayer] = []
    ops: list = []
    for name, module in chain:
        if isinstance(module, SwiGLU):
            gate, value = _as_op(name + ".gate", module.gate), _as_op(name + ".value", module.value)
            _push(ops, Affine(torch.cat([gate.weight, value.weight]), torch.cat([gate.bias, value.bias])))
            layers.append(HiddenLayer(name, "swiglu", module.out_features, tuple(ops), 0.0, module))
            ops = []
        elif type(module) in _ELEMENTWISE:
            kind = _ELEMENTWISE[type(module)]
            if not ops:
                raise TypeError(
                    f"activation {name!r} ({type(module).__name__}) has no Linear layer before it; "
                    f"foldlab reads chains of Linear layers and activations"
                )
            width = ops[-1].weight.shape[0] if isinstance(ops[-1], Affine) else ops[-1].shape[0]
            slope = float(getattr(module, "negative_slope", 0.0)) if kind == "leaky_relu" else 0.0
            layers.append(HiddenLayer(name, kind, width, tuple(ops), slope, module))
            ops = []
        else:
            _push(ops, as_op(name, module))
    if not layers:
        raise ValueError(
            f"{type(net).__name__} has no activation layers, so it has no activation pattern; supported "
            f"activations are ReLU, LeakyReLU, GELU, SiLU, Tanh, ELU, SELU and foldlab.SwiGLU"
        )
    return NetSpec(d_in, tuple(layers), tuple(ops), net)


def _hooked(module: nn.Module) -> bool:
    return bool(module._forward_hooks or module._forward_pre_hooks)


def _read_plain_sequential(net: nn.Module) -> NetSpec | None:
    """The NetSpec of a plain ``nn.Sequential`` of Linear layers and elementwise activations, untraced.

    Such a net's forward is known without running it: each module receives the previous one's
    output, in order. This reads it without hooks or a probe (most of :func:`read_net`'s time on a
    small net) and returns exactly what tracing would. It returns None, and leaves the net to
    tracing (with its checks and error messages), for anything else: another container or module
    type, hooks, buffers, a module used twice, sizes that do not chain, weights not on the CPU or not
    all float32 or all float64, non-finite weights, or a chain that tracing would refuse.
    """
    if type(net) is not nn.Sequential or _hooked(net) or net._buffers or net._parameters:
        return None
    module_state = torch.nn.modules.module
    if getattr(module_state, "_global_forward_hooks", True) or getattr(module_state, "_global_forward_pre_hooks", True):
        return None  # global hooks (or a torch that keeps them elsewhere): trace
    chain = list(net._modules.items())
    if not chain or type(chain[0][1]) is not nn.Linear:
        return None
    first = chain[0][1]._parameters.get("weight")
    if type(first) is not nn.Parameter or first.dtype not in (torch.float32, torch.float64) or first.device.type != "cpu":
        return None
    seen: set[int] = set()
    width = chain[0][1].in_features
    tensors = []  # weight and bias (or None) of each Linear, in order
    for _, module in chain:
        kind = type(module)
        if kind is not nn.Linear and kind not in _ELEMENTWISE:
            return None
        if id(module) in seen or _hooked(module) or module._modules or module._buffers:
            return None
        seen.add(id(module))
        if kind is nn.Linear:
            weight, bias = module._parameters.get("weight"), module._parameters.get("bias")
            if (
                set(module._parameters) != {"weight", "bias"}
                or type(weight) is not nn.Parameter
                or module.in_features != width
                or tuple(weight.shape) != (module.out_features, width)
                or weight.dtype != first.dtype
                or weight.device != first.device
            ):
                return None
            if bias is not None and (
                type(bias) is not nn.Parameter
                or tuple(bias.shape) != (module.out_features,)
                or bias.dtype != first.dtype
                or bias.device != first.device
            ):
                return None
            width = module.out_features
            tensors += [weight.detach(), None if bias is None else bias.detach()]
        elif module._parameters:
            return None
    # every weight and bias in float64, checked and converted in one go (numpy is quicker than torch
    # for many small arrays); float64 tensors are used as they are, as Tensor.to does
    present = [t for t in tensors if t is not None]
    arrays = [t.numpy() for t in present]
    flat = np.concatenate([a.reshape(-1) for a in arrays])
    if not np.isfinite(flat).all():
        return None
    if first.dtype != DTYPE:
        flat = flat.astype(np.float64)
        ends = np.cumsum([a.size for a in arrays]).tolist()
        converted = iter([torch.from_numpy(flat[end - a.size : end].reshape(a.shape)) for a, end in zip(arrays, ends)])
        tensors = [None if t is None else next(converted) for t in tensors]
    maps = {}
    for module, w, b in zip((m for _, m in chain if type(m) is nn.Linear), tensors[::2], tensors[1::2]):
        maps[id(module)] = Affine(w, b if b is not None else torch.zeros(w.shape[0], dtype=DTYPE, device=w.device))
    try:
        return _spec_from_chain(net, chain[0][1].in_features, chain, lambda name, module: maps[id(module)])
    except (TypeError, ValueError):
        return None


# --- inputs ----------------------------------------------------------------------------------------

def as_inputs(x, d_in: int, *, name: str = "x", device=None) -> torch.Tensor:
    """Validate inputs and return them as a float64 tensor of shape ``(n, d_in)``.

    Accepts a tensor, a numpy array or nested lists, of shape ``(d_in,)`` (one input) or ``(n, d_in)``.

    Raises
    ------
    ValueError
        For an empty batch, a wrong input dimension, or NaN/inf values; the message names ``name``.
    """
    try:
        t = x if isinstance(x, torch.Tensor) else torch.as_tensor(np.ascontiguousarray(x, dtype=np.float64), device=device)
    except (TypeError, ValueError, RuntimeError) as error:
        raise TypeError(f"{name} must be a tensor or array of numbers, got {type(x).__name__}") from error
    if not (t.is_floating_point() or t.dtype in (torch.int32, torch.int64, torch.int16, torch.uint8, torch.bool)):
        raise TypeError(f"{name} must hold real numbers, got dtype {t.dtype}")
    t = t.to(dtype=DTYPE, device=device if device is not None else t.device)
    if t.ndim == 1:
        t = t.unsqueeze(0)
    if t.ndim != 2:
        raise ValueError(f"expected {name} of shape (n, {d_in}) or ({d_in},), got shape {tuple(t.shape)}")
    if t.shape[0] == 0:
        raise ValueError(f"empty batch: {name} has shape {tuple(t.shape)}, expected at least one input")
    if t.shape[1] != d_in:
        raise ValueError(
            f"expected {name} with {d_in} features (the net's input dimension), got shape {tuple(t.shape)}"
        )
    if not bool(torch.isfinite(t).all()):
        bad = "NaN" if bool(torch.isnan(t).any()) else "inf"
        raise ValueError(f"{name} contains {bad}; expected finite inputs")
    return t


# --- hooks -----------------------------------------------------------------------------------------

@contextlib.contextmanager
def record_preactivations(spec: NetSpec) -> Iterator[list[list[torch.Tensor]]]:
    """Forward hooks that record each hidden layer's pre-activations while the block runs.

    Yields a list with one list per hidden layer; each forward pass appends a tensor of shape
    ``(n, width)`` (SwiGLU: ``(n, 2 * width)``, ``[u, v]``). The hooks are removed on exit, also when the
    block raises.
    """
    records: list[list[torch.Tensor]] = [[] for _ in spec.layers]
    handles = []
    # One hook per module, and layers taken in call order: a forward pass of a plain chain calls the
    # activations in layer order, once each. (A module instance reused in several layers must not get
    # one hook per layer, or every hook would fire on every call.)
    calls = [0]

    def record(z):
        records[calls[0] % len(records)].append(z)
        calls[0] += 1

    def elementwise_hook(module, inputs, output):
        record(inputs[0])

    def swiglu_hook(module, inputs, output):
        h = inputs[0]
        record(torch.cat([module.gate(h), module.value(h)], dim=-1))

    try:
        hooked: set[int] = set()
        for layer in spec.layers:
            module = layer._module
            if id(module) in hooked:
                continue
            hooked.add(id(module))
            hook = swiglu_hook if layer.kind == "swiglu" else elementwise_hook
            handles.append(module.register_forward_hook(hook))
        yield records
    finally:
        for handle in handles:
            handle.remove()
