"""The adapter reads torch nets into float64 affine maps; errors name the offending layer."""

import pytest
import torch
from torch import nn

import foldlab as fl
from foldlab.adapter import as_inputs, read_net


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


def test_read_sequential_widths_and_kinds():
    spec = read_net(fl.mlp([4, 6, 5, 3], activation="leaky_relu", seed=1, negative_slope=0.2))
    assert spec.d_in == 4 and spec.widths == (6, 5) and spec.d_out == 3
    assert spec.kinds == ("leaky_relu", "leaky_relu")
    assert spec.layers[0].negative_slope == pytest.approx(0.2)
    assert spec.piecewise_linear


def test_read_own_module_folds_batchnorm_and_matches_forward():
    net = OwnMLP().eval()
    spec = read_net(net)
    assert spec.widths == (5, 4) and spec.piecewise_linear
    x = torch.randn(50, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    _, out = spec.forward(x)
    torch.testing.assert_close(out, net.double()(x))


def test_layernorm_is_read_but_not_affine():
    net = nn.Sequential(nn.Linear(2, 4), nn.LayerNorm(4), nn.GELU(), nn.Linear(4, 1))
    spec = read_net(net)
    assert spec.layers[0].affine is None and not spec.piecewise_linear
    x = torch.randn(7, 2, dtype=torch.float64)
    torch.testing.assert_close(spec.forward(x)[1], net.double()(x))


def test_swiglu_preactivation_is_gate_and_value():
    net = fl.mlp([3, 4, 2], activation="swiglu", seed=0)
    spec = read_net(net)
    assert spec.kinds == ("swiglu",) and spec.widths == (4,)
    x = torch.randn(5, 3, dtype=torch.float64)
    z = spec.forward(x)[0][0]
    assert z.shape == (5, 8)
    block = net[0].double()
    torch.testing.assert_close(z, torch.cat([block.gate(x), block.value(x)], 1))


@pytest.mark.parametrize(
    "layer, name",
    [
        (nn.Conv1d(1, 1, 1), "Conv1d"),
        (nn.Conv2d(1, 1, 1), "Conv2d"),
        (nn.MultiheadAttention(4, 1), "MultiheadAttention"),
        (nn.Sigmoid(), "Sigmoid"),
    ],
)
def test_unsupported_layer_is_named(layer, name):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 4)
            self.odd = layer
            self.act = nn.ReLU()

        def forward(self, x):
            h = self.fc(x)
            if isinstance(self.odd, nn.MultiheadAttention):
                h = self.odd(h, h, h)[0]
            elif isinstance(self.odd, nn.Conv1d):
                h = self.odd(h.unsqueeze(1)).squeeze(1)
            elif isinstance(self.odd, nn.Conv2d):
                h = self.odd(h.view(-1, 1, 2, 2)).flatten(1)
            else:
                h = self.odd(h)
            return self.act(h)

    with pytest.raises(TypeError, match=rf"'odd' \({name}\)"):
        read_net(Net())


def test_net_without_activations():
    with pytest.raises(ValueError, match="no activation layers"):
        read_net(nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1)))


def test_residual_and_functional_activation_are_refused():
    class Residual(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.act, self.fc2 = nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2)

        def forward(self, x):
            return self.fc2(self.act(self.fc1(x)) + x)

    class Functional(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.act, self.fc2 = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)

        def forward(self, x):
            return self.fc2(self.act(torch.tanh(self.fc1(x))))

    with pytest.raises(TypeError, match="plain feed-forward"):
        read_net(Residual())
    with pytest.raises(TypeError, match="'act'.*plain feed-forward"):
        read_net(Functional())


def test_nan_weights_named():
    net = fl.mlp([2, 3, 1], seed=0)
    with torch.no_grad():
        net[2].weight[0, 1] = float("nan")
    with pytest.raises(ValueError, match=r"'2.weight'.*NaN"):
        read_net(net)


def test_training_mode_batchnorm_refused():
    net = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3), nn.ReLU(), nn.Linear(3, 1))
    with pytest.raises(ValueError, match=r"'1' \(BatchNorm1d\).*net.eval\(\)"):
        read_net(net)
    read_net(net.eval())


def test_as_inputs_errors():
    with pytest.raises(ValueError, match=r"expected x with 3 features.*\(4, 2\)"):
        as_inputs(torch.zeros(4, 2), 3)
    with pytest.raises(ValueError, match="empty batch"):
        as_inputs(torch.zeros(0, 3), 3)
    with pytest.raises(ValueError, match="NaN"):
        as_inputs([[0.0, float("nan"), 1.0]], 3)
    with pytest.raises(ValueError, match=r"shape \(n, 3\)"):
        as_inputs(torch.zeros(2, 2, 3), 3)
    with pytest.raises(TypeError, match="tensor or array"):
        as_inputs("abc", 3)
    assert as_inputs([1, 2, 3], 3).shape == (1, 3)


# --- the untraced reading of plain nn.Sequential nets ------------------------------------------------

def _traced(net):
    """read_net's traced path, which the plain-Sequential fast path must match exactly."""
    from foldlab import adapter

    adapter._check_finite_parameters(net)
    d_in = adapter._first_in_features(net)
    return adapter._spec_from_chain(net, d_in, adapter._trace(net, d_in))


def _assert_same_spec(fast, slow):
    assert (fast.d_in, fast.module, repr(fast)) == (slow.d_in, slow.module, repr(slow))
    assert len(fast.layers) == len(slow.layers) and len(fast.output_ops) == len(slow.output_ops)
    for a, b in zip(fast.layers, slow.layers):
        assert (a.name, a.kind, a.width, a.negative_slope, a._module) == (b.name, b.kind, b.width, b.negative_slope, b._module)
        assert len(a.ops) == len(b.ops) == 1
    for a, b in zip([layer.ops[0] for layer in fast.layers] + list(fast.output_ops),
                    [layer.ops[0] for layer in slow.layers] + list(slow.output_ops)):
        for x, y in ((a.weight, b.weight), (a.bias, b.bias)):
            assert x.dtype == y.dtype == torch.float64 and x.shape == y.shape and torch.equal(x, y)


def _plain_nets():
    for activation in ["relu", "leaky_relu", "gelu", "silu", "tanh"]:
        yield activation, fl.mlp([3, 5, 4, 2], activation=activation, seed=1)
    yield "elu_selu", nn.Sequential(nn.Linear(2, 3), nn.ELU(0.5), nn.Linear(3, 3), nn.SELU(), nn.Linear(3, 1))
    yield "float64", fl.mlp([2, 4, 4, 1], seed=2).double()
    yield "linear_linear", nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2), nn.Linear(2, 1))
    yield "no_bias", nn.Sequential(nn.Linear(2, 3, bias=False), nn.ReLU(), nn.Linear(3, 1, bias=False))
    yield "inplace_and_ends_with_activation", nn.Sequential(nn.Linear(2, 3), nn.ReLU(inplace=True), nn.Linear(3, 2), nn.GELU("tanh"))


@pytest.mark.parametrize("name,net", list(_plain_nets()), ids=[n for n, _ in _plain_nets()])
def test_plain_sequential_is_read_as_tracing_reads_it(name, net):
    from foldlab import adapter

    fast = adapter._read_plain_sequential(net)
    assert fast is not None  # the fast path applies
    _assert_same_spec(fast, _traced(net))
    _assert_same_spec(read_net(net), _traced(net))
    if name == "float64":  # float64 weights are used as they are (shared storage), as Tensor.to does
        assert fast.layers[0].affine.weight.data_ptr() == net[0].weight.data_ptr()


def _odd_nets():
    hooked = fl.mlp([2, 3, 1], seed=0)
    hooked[1].register_forward_hook(lambda module, inputs, output: None)
    shared_relu = nn.ReLU()

    class MySequential(nn.Sequential):
        pass

    nan = fl.mlp([2, 3, 1], seed=0)
    with torch.no_grad():
        nan[0].bias[1] = float("inf")
    with_none = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    with_none.add_module("3", None)
    reordered = nn.Linear(2, 3)
    weight = reordered.weight
    del reordered.weight
    reordered.weight = weight  # now registered after the bias
    yield "hook", hooked
    yield "module_used_twice", nn.Sequential(nn.Linear(2, 2), shared_relu, nn.Linear(2, 2), shared_relu, nn.Linear(2, 1))
    yield "subclass", MySequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    yield "dropout", nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Dropout(0.5), nn.Linear(3, 1)).eval()
    yield "non_finite", nan
    yield "sizes_do_not_chain", nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(4, 1))
    yield "two_activations", nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.ReLU(), nn.Linear(3, 1))
    yield "no_activation", nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    yield "activation_first", nn.Sequential(nn.ReLU(), nn.Linear(2, 1))
    yield "none_entry", with_none
    yield "half", fl.mlp([2, 3, 1], seed=0).half()
    yield "mixed_dtypes", nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1).double())
    yield "reordered_parameters", nn.Sequential(reordered, nn.ReLU(), nn.Linear(3, 1))


@pytest.mark.parametrize("name,net", list(_odd_nets()), ids=[n for n, _ in _odd_nets()])
def test_other_nets_are_traced_with_the_same_result_or_error(name, net):
    from foldlab import adapter

    fast = adapter._read_plain_sequential(net)
    if name == "reordered_parameters":  # taken, and the weight is still the weight
        _assert_same_spec(fast, _traced(net))
        return
    assert fast is None
    try:
        expected = _traced(net)
    except Exception as error:  # the same error, from read_net
        with pytest.raises(type(error)) as raised:
            read_net(net)
        assert str(raised.value) == str(error)
    else:
        _assert_same_spec(read_net(net), expected)


def test_global_hooks_send_plain_nets_to_tracing():
    from foldlab import adapter

    net = fl.mlp([2, 4, 1], seed=0)
    handle = torch.nn.modules.module.register_module_forward_hook(lambda module, inputs, output: None)
    try:
        assert adapter._read_plain_sequential(net) is None
        _assert_same_spec(read_net(net), _traced(net))
    finally:
        handle.remove()
    assert adapter._read_plain_sequential(net) is not None
