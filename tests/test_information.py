"""Tangent sensitivity against autograd of autograd and finite differences; the Fisher-Rao identity."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
import torch
from torch import nn

import foldlab as fl
from foldlab.information import fisher_rao_identity, parameter_count, rescale, tangent_sensitivity_norm


def bias_free(widths, activation=nn.ReLU, seed=0):
    g = torch.Generator().manual_seed(seed)
    layers = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        linear = nn.Linear(a, b, bias=False)
        with torch.no_grad():
            linear.weight.copy_(torch.randn(b, a, generator=g) / a**0.5)
        layers.append(linear)
        if i < len(widths) - 2:
            layers.append(activation())
    return nn.Sequential(*layers).double()


def double_backward(net, x, output=0):
    """d^2 f / (d theta d x) by autograd twice, one parameter entry at a time (an independent second method)."""
    x = x.clone().requires_grad_(True)
    f = net(x[None])[0, output]
    (dfdx,) = torch.autograd.grad(f, x, create_graph=True)
    rows = []
    for j in range(x.numel()):
        grads = torch.autograd.grad(dfdx[j], list(net.parameters()), retain_graph=True, allow_unused=True)
        rows.append(torch.cat([(g if g is not None else torch.zeros_like(p)).reshape(-1)
                               for g, p in zip(grads, net.parameters())]))
    return torch.stack(rows, dim=1)  # (n_params, d_in)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "tanh"])
def test_tangent_sensitivity_against_autograd_twice(seed, activation):
    net = fl.mlp([3, 5, 4, 1], activation=activation, seed=seed).double()
    x = torch.randn(4, 3, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    sens = fl.tangent_sensitivity(net, x)
    assert sens.shape == (4, parameter_count(net), 3)
    for i in range(4):
        torch.testing.assert_close(sens[i], double_backward(net, x[i]), rtol=1e-10, atol=1e-12)


def test_tangent_sensitivity_against_finite_differences():
    net = fl.mlp([2, 6, 6, 1], seed=1).double()
    x = torch.tensor([[0.3, -0.2]], dtype=torch.float64)
    sens = fl.tangent_sensitivity(net, x)[0]
    flat = torch.nn.utils.parameters_to_vector(net.parameters()).detach()
    eps = 1e-6

    def dfdx(vector):
        torch.nn.utils.vector_to_parameters(vector, net.parameters())
        point = x[0].clone().requires_grad_(True)
        (g,) = torch.autograd.grad(net(point[None])[0, 0], point)
        return g

    rng = np.random.default_rng(0)
    for k in rng.choice(len(flat), 12, replace=False):
        step = torch.zeros_like(flat)
        step[k] = eps
        fd = (dfdx(flat + step) - dfdx(flat - step)) / (2 * eps)  # masks fixed: the region does not move this far
        torch.testing.assert_close(sens[k], fd, rtol=1e-6, atol=1e-8)
    torch.nn.utils.vector_to_parameters(flat, net.parameters())


def test_constant_inside_a_region_and_different_across_a_boundary():
    net = fl.mlp([2, 8, 8, 1], seed=2).double()
    arr = fl.arrangement(net)
    big = np.argsort(arr.areas)[::-1][:6]
    rng = np.random.default_rng(0)
    per_region = []
    for r in big:
        polygon = arr.regions[r].polygon
        points = []
        while len(points) < 3:  # random points inside the region
            p = rng.uniform(polygon.bounds[:2], polygon.bounds[2:])
            if polygon.contains(shapely.Point(p)):
                points.append(p)
        x = torch.as_tensor(np.array(points))
        assert np.all(arr.locate(np.array(points)) == r)
        sens = fl.tangent_sensitivity(net, x)
        for other in sens[1:]:
            torch.testing.assert_close(other, sens[0], rtol=0, atol=1e-10)
        per_region.append(sens[0])
    for a in range(len(per_region)):
        for b in range(a + 1, len(per_region)):
            assert float((per_region[a] - per_region[b]).abs().max()) > 1e-3


def test_the_norms_are_the_frobenius_norms():
    net = fl.mlp([3, 5, 1], seed=0)
    x = torch.randn(7, 3, generator=torch.Generator().manual_seed(0))
    norms = tangent_sensitivity_norm(net, x, batch_size=3)
    expected = torch.linalg.matrix_norm(fl.tangent_sensitivity(net, x)).numpy()
    np.testing.assert_allclose(norms, expected, rtol=1e-12)


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
@pytest.mark.parametrize("activation", [nn.ReLU, lambda: nn.LeakyReLU(0.2)])
def test_the_fisher_rao_identity_holds_without_biases(depth, activation):
    net = bias_free([3] + [7] * depth + [4], activation, seed=depth)
    X = torch.randn(30, 3, generator=torch.Generator().manual_seed(depth), dtype=torch.float64)
    y = torch.arange(30) % 4
    check = fisher_rao_identity(net, X, y)
    assert check.degree == depth + 1
    np.testing.assert_allclose(check.lhs, check.rhs, rtol=1e-6, atol=1e-12)
    assert check.relative_gap < 1e-6
    norm = fl.fisher_rao_norm(net, X, y)
    assert norm == pytest.approx(np.sqrt(np.mean(check.rhs**2)), rel=1e-9)


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_the_identity_fails_once_biases_are_added(depth):
    net = fl.mlp([3] + [7] * depth + [4], seed=depth).double()
    X = torch.randn(30, 3, generator=torch.Generator().manual_seed(depth), dtype=torch.float64)
    check = fisher_rao_identity(net, X, torch.arange(30) % 4)
    assert check.relative_gap > 1e-2


def test_a_rescaled_net_has_the_same_function_and_norm_but_other_weights_and_sensitivity():
    net = fl.mlp([2, 6, 6, 1], seed=3).double()
    data = fl.toy_dataset("moons", n=60, seed=0)
    X, y = data.X.double(), data.y
    other = rescale(net, 0, 3.7)
    torch.testing.assert_close(other(X), net(X), rtol=1e-12, atol=1e-12)
    assert torch.equal(fl.activation_patterns(other, X), fl.activation_patterns(net, X))
    assert fl.fisher_rao_norm(other, X, y) == pytest.approx(fl.fisher_rao_norm(net, X, y), rel=1e-10)
    assert float(other[0].weight.norm()) == pytest.approx(3.7 * float(net[0].weight.norm()))
    ratio = tangent_sensitivity_norm(other, X) / tangent_sensitivity_norm(net, X)
    assert np.all(np.abs(ratio - 1) > 0.05)  # the tangent sensitivity is not invariant


def test_the_net_is_left_as_it_was():
    net = fl.mlp([2, 4, 1], seed=0)
    before = [p.detach().clone() for p in net.parameters()]
    fl.tangent_sensitivity(net, torch.zeros(2, 2))
    fl.fisher_rao_norm(net, torch.zeros(2, 2), [0, 1])
    assert all(torch.equal(a, b) for a, b in zip(before, net.parameters()))
    assert all(p.grad is None for p in net.parameters())


def test_bad_inputs():
    net = fl.mlp([2, 4, 3], seed=0)
    with pytest.raises(ValueError, match="output="):
        fl.tangent_sensitivity(net, torch.zeros(1, 2))
    with pytest.raises(ValueError, match="output"):
        fl.tangent_sensitivity(net, torch.zeros(1, 2), output=3)
    with pytest.raises(TypeError, match="output"):
        fl.tangent_sensitivity(net, torch.zeros(1, 2), output=1.0)
    with pytest.raises(ValueError, match="features"):
        fl.tangent_sensitivity(net, torch.zeros(1, 3), output=0)
    with pytest.raises(ValueError, match="y must hold class labels"):
        fl.fisher_rao_norm(net, torch.zeros(2, 2), [0, 5])
    with pytest.raises(ValueError, match="one label per point"):
        fl.fisher_rao_norm(net, torch.zeros(2, 2), [0])
    with pytest.raises(ValueError, match="alpha"):
        rescale(fl.mlp([2, 3, 1]), 0, 0.0)
    with pytest.raises(ValueError, match="ReLU"):
        rescale(fl.mlp([2, 3, 1], activation="tanh"), 0, 2.0)
    with pytest.raises(ValueError, match="layer"):
        rescale(fl.mlp([2, 3, 1]), 1, 2.0)
    with fl.limits.memory_budget(1000), pytest.raises(fl.OverBudget, match="tangent sample sensitivities"):
        fl.tangent_sensitivity(net, torch.zeros(100, 2), output=0)
