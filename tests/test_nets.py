"""Network builders: shapes, seeding, arguments (CantorNet is in tests/test_cantornet.py)."""

import numpy as np
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
        (dict(widths=[2, 0, 1]), r"widths\[1\] must be an int >= 1, got 0"),
        (dict(widths=[2, 3, 1], activation="sigmoid"), "activation must be one of"),
        (dict(widths=[2, 3, 1], init="xavier"), "init must be"),
        (dict(widths=[2, 3, 1], norm="group"),
         r"norm must be one of \(None, 'batch', 'layer', 'weight'\), got 'group'"),
        (dict(widths=[2, 3, 1], norm="batch", activation="swiglu"), "not available with activation='swiglu'"),
    ],
)
def test_mlp_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        fl.mlp(**kwargs)


# --- mlp, SwiGLU and linear_layer check their arguments -----------------------------------------------------

def test_mlp_accepts_numpy_ints_and_refuses_floats_for_widths_and_seeds():
    """numpy ints are valid widths and seeds (before: refused); 3.5 and 2.0 are not ints (before: a ValueError
    for the width, and a float seed was truncated silently)."""
    a = fl.mlp(np.array([2, 3, 1]), seed=np.int64(4))
    b = fl.mlp([2, np.int32(3), 1], seed=4)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    for widths in ([2, 3.5, 1], [2, 3.0, 1], [2, "3", 1], [2, True, 1]):
        with pytest.raises(TypeError, match=r"widths\[1\] must be an int"):
            fl.mlp(widths)
    for seed, error, match in [
        (1.5, TypeError, "seed must be an int, got 1.5"),
        (-1, ValueError, r"seed must be an int in \[0, 4294967295\], got -1"),
        (None, TypeError, "seed must be an int, got None"),
        (2**70, ValueError, "seed must be an int in"),
    ]:
        with pytest.raises(error, match=match):
            fl.mlp([2, 3, 1], seed=seed)


def test_mlp_refuses_odd_arguments():
    cases = [
        (dict(widths=None), TypeError, "widths must be a sequence of ints"),
        (dict(widths="231"), TypeError, "widths must be a sequence of ints"),
        (dict(widths=[2, 3, 1], activation="leaky_relu", negative_slope=float("nan")), ValueError,
         "negative_slope must be a finite number, got nan"),
        (dict(widths=[2, 3, 1], activation="leaky_relu", negative_slope="0.1"), TypeError,
         "negative_slope must be a real number"),
        (dict(widths=[2, 3, 1], activation=["relu"]), ValueError, "activation must be one of"),
        (dict(widths=[2, 10**6, 10**6, 1]), fl.OverBudget, r"the weights of mlp\(\[2, 1000000, 1000000, 1\]\)"),
    ]
    for kwargs, error, match in cases:
        with pytest.raises(error, match=match):
            fl.mlp(**kwargs)


def test_swiglu_and_linear_layer_check_their_arguments():
    from foldlab.nets import linear_layer

    for args, error, match in [
        ((2.5, 3), TypeError, "in_features must be an int, got 2.5"),
        ((2, 0), ValueError, "out_features must be an int >= 1, got 0"),
    ]:
        with pytest.raises(error, match=match):
            fl.SwiGLU(*args)
    assert fl.SwiGLU(np.int64(2), 3).in_features == 2
    for args, error, match in [
        (([[1, float("nan")]], [0]), ValueError, "weight contains NaN"),
        (([[1, 2j]], [0]), TypeError, "weight must hold real numbers"),
        (([[1, 2], [3]], [0, 0]), ValueError, "weight must be a rectangular array"),
        (([1, 2], [0]), ValueError, r"expected weight of shape \(d_out, d_in\), got shape \(2,\)"),
        (([[1, 2]], [0, 1]), ValueError, r"expected bias of shape \(1,\), one per row of weight, got shape \(2,\)"),
        (([[1, 2]], 0.5), ValueError, r"expected bias of shape \(1,\)"),
        (("ab", [0]), TypeError, "weight must be numbers"),
    ]:
        with pytest.raises(error, match=match):
            linear_layer(*args)
    layer = linear_layer(np.array([[1, 2]]), torch.tensor([0.5]))
    assert layer.weight.tolist() == [[1.0, 2.0]] and layer.bias.tolist() == [0.5]
