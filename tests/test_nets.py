"""Network builders: shapes, seeding, CantorNet's exact function."""

import pytest
import torch

import foldlab as fl
from foldlab.nets import cantor_boundary


@pytest.mark.parametrize("activation", fl.ACTIVATIONS)
def test_mlp_shapes_for_every_activation(activation):
    net = fl.mlp([5, 7, 6, 3], activation=activation, seed=2)
    assert net(torch.zeros(4, 5)).shape == (4, 3)
    assert fl.read_net(net).widths == (7, 6)


def test_mlp_same_seed_same_weights_other_seed_other_weights():
    a, b, c = (fl.mlp([3, 8, 2], seed=s) for s in (5, 5, 6))
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not torch.equal(a[0].weight, c[0].weight)


def test_mlp_does_not_touch_global_rng():
    state = torch.get_rng_state()
    fl.mlp([3, 8, 2], seed=1)
    assert torch.equal(state, torch.get_rng_state())


def test_mlp_uniform_init_bounds():
    net = fl.mlp([100, 50, 1], seed=0)
    assert net[0].weight.abs().max() <= 0.1 and net[0].weight.abs().max() > 0.09


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(widths=[2, 1]), "at least one hidden layer"),
        (dict(widths=[2, 0, 1]), "positive int"),
        (dict(widths=[2, 3.5, 1]), "positive int"),
        (dict(widths=[2, 3, 1], activation="sigmoid"), "activation must be one of"),
        (dict(widths=[2, 3, 1], init="xavier"), "init must be"),
    ],
)
def test_mlp_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        fl.mlp(**kwargs)


@pytest.mark.parametrize("depth", range(1, 9))
def test_cantornet_computes_its_formula(depth):
    net = fl.CantorNet(depth=depth)
    g = torch.Generator().manual_seed(depth)
    xy = torch.rand(2000, 2, generator=g, dtype=torch.float64)
    expected = xy[:, 1] - cantor_boundary(xy[:, 0], depth)
    torch.testing.assert_close(net.double()(xy).squeeze(1), expected)
    assert len(fl.read_net(net).layers) == 2 * depth


def test_cantornet_bad_depth():
    with pytest.raises(ValueError, match="depth must be an int from 1 to 8"):
        fl.CantorNet(depth=9)
    with pytest.raises(ValueError, match="representation must be one of"):
        fl.CantorNet(depth=1, representation="nope")
