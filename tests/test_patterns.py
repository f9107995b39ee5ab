"""Activation patterns against a naive per-layer forward loop; Hamming distances against double loops."""

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F

import foldlab as fl

ACTS = ["relu", "leaky_relu", "gelu", "silu", "tanh", "swiglu"]


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
        else:
            h = module(h)
            bits.append(h > 0)
    return torch.cat(bits, dim=1)


@pytest.mark.parametrize("activation", ACTS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_patterns_match_naive_loop(activation, seed):
    net = fl.mlp([6, 9, 7, 5, 2], activation=activation, seed=seed)
    x = torch.randn(300, 6, generator=torch.Generator().manual_seed(seed))
    assert torch.equal(fl.activation_patterns(net, x), naive_patterns(net, x))


def test_zero_preactivation_gives_zero_bit():
    net = fl.mlp([2, 2, 1], seed=0)
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 0.0]]))
        net[0].bias.zero_()
    p = fl.activation_patterns(net, torch.tensor([[0.0, 5.0], [1.0, 1.0]]))
    assert p.tolist() == [[False, False], [True, False]]  # z = 0 -> 0; dead unit (zero row) -> 0


def test_layers_and_include_output_select_columns():
    net = fl.mlp([3, 4, 5, 6, 2], seed=0)
    x = torch.randn(20, 3)
    full = fl.activation_patterns(net, x)
    assert full.shape == (20, 15)
    assert torch.equal(fl.activation_patterns(net, x, layers=[1]), full[:, 4:9])
    assert torch.equal(fl.activation_patterns(net, x, layers=[0, 2]), torch.cat([full[:, :4], full[:, 9:]], 1))
    assert torch.equal(fl.activation_patterns(net, x, layers=-1), full[:, 9:])
    with_out = fl.activation_patterns(net, x, include_output=True)
    assert torch.equal(with_out[:, 15:], (net.double()(x.double()) > 0))


def test_patterns_batching_and_float32_net_untouched():
    net = fl.mlp([4, 16, 16, 3], seed=4)
    before = [p.clone() for p in net.parameters()]
    x = torch.randn(1000, 4)
    assert torch.equal(fl.activation_patterns(net, x, batch_size=7), fl.activation_patterns(net, x))
    assert all(p.dtype == torch.float32 and torch.equal(p, q) for p, q in zip(net.parameters(), before))
    assert not net[0]._forward_hooks and not net[1]._forward_hooks


def test_hooks_removed_even_when_forward_fails():
    net = fl.mlp([2, 3, 1], seed=0)
    with pytest.raises(ValueError):
        fl.activation_patterns(net, torch.zeros(4, 5))
    assert all(not m._forward_hooks for m in net.modules())


def test_patterns_agree_with_spec_forward_for_user_module():
    from tests.test_adapter import OwnMLP

    net = OwnMLP().eval()
    x = torch.randn(200, 3)
    spec = fl.read_net(net)
    assert torch.equal(fl.activation_patterns(net, x), spec.bits(x.double()))


@pytest.mark.parametrize(
    "x, match",
    [
        (torch.zeros(3, 5), "expected x with 2 features"),
        (torch.zeros(0, 2), "empty batch"),
        (torch.tensor([[0.0, float("nan")]]), "NaN"),
    ],
)
def test_bad_inputs(x, match):
    with pytest.raises(ValueError, match=match):
        fl.activation_patterns(fl.mlp([2, 3, 1]), x)


def test_bad_layers_argument():
    net = fl.mlp([2, 3, 3, 1])
    with pytest.raises(ValueError, match="layer index 2 is out of range"):
        fl.activation_patterns(net, torch.zeros(1, 2), layers=[2])
    with pytest.raises(ValueError, match="layers is empty"):
        fl.activation_patterns(net, torch.zeros(1, 2), layers=[])


def test_hamming_distance_and_matrix_against_double_loop():
    rng = np.random.default_rng(0)
    P = rng.random((40, 33)) < 0.5
    Q = rng.random((25, 33)) < 0.3
    D = fl.hamming_matrix(P, Q)
    assert D.shape == (40, 25) and D.dtype == torch.int64
    for i in range(40):
        for j in range(25):
            assert D[i, j] == sum(P[i, k] != Q[j, k] for k in range(33)) == fl.hamming_distance(P[i], Q[j])
    S = fl.hamming_matrix(P)
    assert torch.equal(S, S.T) and (S.diagonal() == 0).all()


def test_hamming_errors():
    with pytest.raises(ValueError, match="same shape"):
        fl.hamming_distance([1, 0], [1, 0, 1])
    with pytest.raises(ValueError, match="bits"):
        fl.hamming_distance([1, 2], [1, 0])
    with pytest.raises(ValueError, match="different lengths"):
        fl.hamming_matrix(np.zeros((2, 3)), np.zeros((2, 4)))
