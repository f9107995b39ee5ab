"""Network builders: shapes, seeding, arguments (CantorNet is in tests/test_cantornet.py)."""

import pytest
import torch

import foldlab as fl


@pytest.mark.parametrize("activation", fl.nets.ACTIVATIONS)
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
        (dict(widths=[2, 3, 1], norm="group"), "norm must be None, 'batch' or 'layer', got 'group'"),
        (dict(widths=[2, 3, 1], norm="batch", activation="swiglu"), "not available with activation='swiglu'"),
    ],
)
def test_mlp_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        fl.mlp(**kwargs)
