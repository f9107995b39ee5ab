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
    assert float(other[0].weight.detach().norm()) == pytest.approx(3.7 * float(net[0].weight.detach().norm()))
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


# --- the closed form of plain ReLU nets, against autograd -------------------------------------------------

from foldlab.information import (  # noqa: E402
    drop_biases,
    information_trace,
    plain_linears,
    sensitivity_along,
)

PLAIN = [
    ("relu", lambda: fl.mlp([3, 6, 5, 2], seed=0)),
    ("leaky", lambda: fl.mlp([3, 6, 5, 2], activation="leaky_relu", negative_slope=0.2, seed=1)),
    ("deep", lambda: fl.mlp([4, 5, 5, 5, 5, 3], seed=2)),
    ("bias-free", lambda: drop_biases(fl.mlp([3, 7, 7, 2], seed=3))),
    ("one-hidden", lambda: fl.mlp([2, 9, 1], seed=4)),
]


@pytest.mark.parametrize("name,make", PLAIN, ids=[n for n, _ in PLAIN])
def test_the_closed_form_is_autograds_jacobian(name, make):
    net = make()
    assert plain_linears(net) is not None
    spec = fl.read_net(net)
    x = torch.randn(7, spec.d_in, generator=torch.Generator().manual_seed(9), dtype=torch.float64)
    for k in range(spec.d_out):
        exact = fl.tangent_sensitivity(net, x, output=k, method="masks")
        torch.testing.assert_close(exact, fl.tangent_sensitivity(net, x, output=k, method="autograd"),
                                   rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(exact, fl.tangent_sensitivity(net, x, output=k), rtol=0, atol=0)  # auto: masks
        twice = net.double()  # the double backward of the module itself, an independent third computation
        for i in range(2):
            torch.testing.assert_close(exact[i], double_backward(twice, x[i], output=k), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name,make", PLAIN, ids=[n for n, _ in PLAIN])
def test_the_norms_of_the_closed_form_and_of_every_output(name, make):
    net = make()
    spec = fl.read_net(net)
    x = torch.randn(6, spec.d_in, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    per_output = []
    for k in range(spec.d_out):
        direct = torch.linalg.matrix_norm(fl.tangent_sensitivity(net, x, output=k, method="autograd")).numpy()
        np.testing.assert_allclose(tangent_sensitivity_norm(net, x, output=k, method="masks", batch_size=4), direct,
                                   rtol=1e-11)
        per_output.append(direct)
    together = np.sqrt(np.sum(np.square(per_output), axis=0))
    for method in ("masks", "autograd"):
        np.testing.assert_allclose(tangent_sensitivity_norm(net, x, output="all", method=method), together,
                                   rtol=1e-11)


def test_other_nets_use_autograd_and_refuse_the_closed_form():
    tanh = fl.mlp([2, 4, 1], activation="tanh", seed=0)
    normed = fl.mlp([2, 4, 4, 1], norm="batch", seed=0).eval()
    dropout = nn.Sequential(nn.Linear(2, 3), nn.Dropout(0.1), nn.ReLU(), nn.Linear(3, 1)).eval()
    for net in (tanh, normed, dropout):
        assert plain_linears(net) is None
        with pytest.raises(ValueError, match="method='masks' needs an nn.Sequential"):
            fl.tangent_sensitivity(net, torch.zeros(1, 2), method="masks")
    x = torch.randn(3, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    torch.testing.assert_close(fl.tangent_sensitivity(normed, x), fl.tangent_sensitivity(normed, x, method="autograd"))
    with pytest.raises(ValueError, match="method"):
        fl.tangent_sensitivity(tanh, x, method="exact")
    with pytest.raises(ValueError, match="output"):
        tangent_sensitivity_norm(tanh, x, output="every")


def test_drop_biases_keeps_the_weights_and_makes_the_identity_hold():
    net = fl.mlp([3, 6, 6, 4], activation="leaky_relu", seed=5)
    free = drop_biases(net)
    assert [n for n, _ in free.named_parameters()] == ["0.weight", "2.weight", "4.weight"]
    for a, b in zip(plain_linears(net), plain_linears(free)):
        assert torch.equal(a.weight, b.weight) and b.bias is None
    assert free[1].negative_slope == net[1].negative_slope and free[1] is not net[1]
    X = torch.randn(25, 3, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    y = torch.arange(25) % 4
    assert fisher_rao_identity(free, X, y).relative_gap < 1e-12
    assert fisher_rao_identity(net, X, y).relative_gap > 1e-3
    with pytest.raises(ValueError, match="drop_biases needs"):
        drop_biases(fl.mlp([2, 3, 1], activation="gelu"))


@pytest.mark.parametrize("seed", range(3))
def test_the_sensitivity_along_a_segment_is_constant_on_each_region(seed):
    net = fl.mlp([2, 10, 10, 1], seed=seed)
    g = torch.Generator().manual_seed(seed)
    x1, x2 = 2 * torch.randn(2, generator=g), 2 * torch.randn(2, generator=g)
    profile = sensitivity_along(net, x1, x2, n=300)
    assert profile.deviation < 1e-12 and len(profile.region_norms) == len(profile.walk) > 2
    # independently: group the samples by the pattern the net gives them; the full matrices agree in a group
    points = profile.walk.points(profile.t)
    patterns = fl.activation_patterns(net, points)
    sens = fl.tangent_sensitivity(net, points, method="autograd")
    groups = {}
    for i, p in enumerate(patterns):
        groups.setdefault(tuple(p.tolist()), []).append(i)
    for members in groups.values():
        for i in members[1:]:
            torch.testing.assert_close(sens[i], sens[members[0]], rtol=0, atol=1e-10)
    assert np.all(np.abs(profile.jumps) > 0)  # the norm changes at every boundary of these nets
    assert "regions=" in repr(profile)


def test_the_sensitivity_along_a_digits_segment(digits_net, digits):
    profile = sensitivity_along(digits_net, digits.X_test[0], digits.X_test[1], n=60, output="all")
    assert profile.deviation < 1e-12 and profile.output == "all"
    with pytest.raises(ValueError, match="single points"):
        sensitivity_along(digits_net, digits.X_test[:2], digits.X_test[1])
    with pytest.raises(ValueError, match="n must be"):
        sensitivity_along(digits_net, digits.X_test[0], digits.X_test[1], n=1)


def test_the_information_trace_is_the_direct_computation_per_snapshot():
    data = fl.toy_dataset("moons", n=50, seed=1)
    history = fl.train(fl.mlp([2, 6, 6, 1], seed=1), data, epochs=3, keep_snapshots=True, progress=False)
    trace = information_trace(history.snapshots, data.X_test, data.y_test, output=0)
    assert trace.epochs.tolist() == [0, 1, 2, 3] and trace.output == 0
    for i, net in enumerate(history.snapshots):
        assert trace.sensitivity[i] == pytest.approx(
            torch.linalg.matrix_norm(fl.tangent_sensitivity(net, data.X_test, method="autograd")).mean().item(),
            rel=1e-10)
        assert trace.fisher_rao[i] == fl.fisher_rao_norm(net, data.X_test, data.y_test)
        patterns = fl.activation_patterns(net, data.X_test)
        assert trace.regions[i] == len({tuple(p.tolist()) for p in patterns})
    assert "snapshots=4" in repr(trace)
    with pytest.raises(TypeError, match="nets must be a non-empty sequence"):
        information_trace(history.snapshots[0], data.X, data.y)
    with pytest.raises(TypeError, match=r"nets\[1\]"):
        information_trace([history.snapshots[0], "net"], data.X, data.y)


def test_parameter_norm_is_the_norm_of_all_parameters():
    net = fl.mlp([3, 5, 2], seed=0)
    flat = torch.nn.utils.parameters_to_vector(net.parameters()).detach().double()
    assert fl.information.parameter_norm(net) == pytest.approx(float(flat.norm()), rel=1e-12)
    with pytest.raises(TypeError, match="net must be"):
        fl.information.parameter_norm([1.0])
