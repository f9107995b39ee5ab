"""The adapter reads torch nets into float64 affine maps; errors name the offending layer."""

import numpy as np
import pytest
import torch
from torch import nn

import foldlab as fl
from foldlab.adapter import read_net

from .common import OwnMLP


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


# --- the snapshot -----------------------------------------------------------------------------------

def _plain_nets():
    for activation in ["relu", "leaky_relu", "gelu", "silu", "tanh", "swiglu"]:
        yield activation, fl.mlp([3, 5, 4, 2], activation=activation, seed=1)
    yield "elu_selu", nn.Sequential(nn.Linear(2, 3), nn.ELU(0.5), nn.Linear(3, 3), nn.SELU(), nn.Linear(3, 1))
    yield "float64", fl.mlp([2, 4, 4, 1], seed=2).double()
    yield "linear_linear", nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2), nn.Linear(2, 1))
    yield "no_bias", nn.Sequential(nn.Linear(2, 3, bias=False), nn.ReLU(), nn.Linear(3, 1, bias=False))
    yield "inplace_and_ends_with_activation", nn.Sequential(
        nn.Linear(2, 3), nn.ReLU(inplace=True), nn.Linear(3, 2), nn.GELU("tanh"))
    yield "own_module", OwnMLP().eval()
    yield "layernorm", nn.Sequential(nn.Linear(2, 4), nn.LayerNorm(4), nn.GELU(), nn.Linear(4, 1))
    shared_relu = nn.ReLU()
    yield (
        "module_used_twice",
        nn.Sequential(nn.Linear(2, 2), shared_relu, nn.Linear(2, 2), shared_relu, nn.Linear(2, 1)),
    )
    yield "half", fl.mlp([2, 3, 1], seed=0).half()
    yield "dropout_eval", nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Dropout(0.5), nn.Linear(3, 1)).eval()
    quiet = fl.mlp([2, 3, 1], seed=0)
    quiet[1].register_forward_hook(lambda module, inputs, output: None)  # a hook that changes nothing
    yield "harmless_hook", quiet


def _float64_forward(net, x):
    """The module's own output in float64 (a copy of it, run as torch runs it)."""
    import copy

    return copy.deepcopy(net).double()(x)


@pytest.mark.parametrize("name,net", list(_plain_nets()), ids=[n for n, _ in _plain_nets()])
def test_snapshot_computes_what_the_net_computes(name, net):
    spec = read_net(net)
    x = torch.randn(40, spec.d_in, generator=torch.Generator().manual_seed(1), dtype=torch.float64) * 3
    torch.testing.assert_close(spec(x), _float64_forward(net, x), rtol=1e-9, atol=1e-9)
    assert spec.source == type(net).__name__


@pytest.mark.parametrize("name,net", list(_plain_nets()), ids=[n for n, _ in _plain_nets()])
def test_snapshot_shares_nothing_with_the_net(name, net):
    spec = read_net(net)
    x = torch.randn(20, spec.d_in, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    before = spec(x).clone()
    pointers = {p.data_ptr() for p in net.parameters()} | {b.data_ptr() for b in net.buffers()}
    tensors = [t for layer in (*spec.layers, spec.output) if layer is not None for op in layer.maps
               for t in vars(op).values() if isinstance(t, torch.Tensor)]
    assert tensors and not pointers & {t.data_ptr() for t in tensors}
    with torch.no_grad():  # "training" the net afterwards
        for p in net.parameters():
            p.add_(1.0)
    torch.testing.assert_close(spec(x), before, rtol=0, atol=0)


class Clamped(nn.Module):
    """A wrapper whose forward clamps what its Linear layer gives: hooks on the leaves cannot see it."""

    def __init__(self, bound):
        super().__init__()
        self.lin, self.bound = nn.Linear(2, 8), bound

    def forward(self, x):
        return self.lin(x).clamp(-self.bound, self.bound)


def test_a_clamp_the_probes_reach_is_refused_when_read():
    net = nn.Sequential(Clamped(5.0), nn.ReLU(), nn.Linear(8, 1))
    with pytest.raises(fl.UnsupportedNet, match="does not receive the previous layer's output"):
        read_net(net)


def test_a_clamp_beyond_the_probes_is_caught_along_the_walk():
    net = nn.Sequential(Clamped(1e5), nn.ReLU(), nn.Linear(8, 4), nn.ReLU(), nn.Linear(4, 1))
    read_net(net)  # the probes (up to about 1e3) stay inside the clamp
    fl.walk(net, [-10.0, 3.0], [10.0, -3.0])  # so does this walk
    with pytest.raises(fl.ReadingMismatch, match="midpoints of the walk"):
        fl.walk(net, [-1e7, 3e6], [1e7, -3e6])


def test_a_hook_that_changes_an_output_is_caught():
    net = fl.mlp([2, 3, 1], seed=0)
    net[0].register_forward_hook(lambda module, inputs, output: output * 2)
    with pytest.raises(fl.ReadingMismatch, match="at layer '1', on probe inputs"):
        read_net(net)
    net = fl.mlp([2, 3, 1], seed=0)
    net[2].register_forward_hook(lambda module, inputs, output: output + 1)  # the output layer
    with pytest.raises(fl.ReadingMismatch, match="layer 'output'"):
        read_net(net)


def test_reading_leaves_the_net_and_the_random_state_as_they_were():
    net = OwnMLP().eval()
    state = {k: v.clone() for k, v in net.state_dict().items()}
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    read_net(net)
    assert torch.equal(torch.rand(3), expected)
    for k, v in net.state_dict().items():
        assert torch.equal(v, state[k]), k
    assert not net.training


@pytest.mark.parametrize("slope", [float("nan"), float("inf"), "0.1", None, -0.5])
def test_bad_leaky_relu_slope_is_refused(slope):
    net = nn.Sequential(nn.Linear(2, 3), nn.LeakyReLU(), nn.Linear(3, 1))
    net[1].negative_slope = slope
    with pytest.raises(ValueError, match=r"'1' \(LeakyReLU\) has negative_slope="):
        read_net(net)
    elu = nn.Sequential(nn.Linear(2, 3), nn.ELU(alpha=-1.0), nn.Linear(3, 1))
    with pytest.raises(ValueError, match=r"alpha=-1.0; foldlab reads sign-preserving"):
        read_net(elu)


def test_activation_settings_are_read_at_read_time():
    net = nn.Sequential(nn.Linear(2, 3), nn.LeakyReLU(0.2), nn.Linear(3, 3), nn.ELU(0.7), nn.Linear(3, 3),
                        nn.GELU("tanh"), nn.Linear(3, 1))
    spec = read_net(net)
    net[1].negative_slope, net[3].alpha, net[5].approximate = 0.5, 2.0, "none"
    acts = [layer.activation for layer in spec.layers]
    assert (acts[0].negative_slope, acts[1].alpha, acts[2].approximate) == (0.2, 0.7, "tanh")


def test_read_net_returns_a_snapshot_as_it_is():
    spec = read_net(fl.mlp([2, 3, 1], seed=0))
    assert read_net(spec) is spec
    with pytest.raises(TypeError, match="torch.nn.Module"):
        read_net("net")


@pytest.mark.parametrize(
    "layers, error",
    [("01", TypeError), (1.0, TypeError), ([0, 1.5], TypeError), (True, TypeError), ([5], ValueError),
     ([], ValueError), ([0, 0], ValueError)],
)
def test_layers_argument_is_checked(layers, error):
    spec = read_net(fl.mlp([2, 3, 3, 1], seed=0))
    with pytest.raises(error, match="layer"):
        spec.layer_indices(layers)
    assert spec.layer_indices(np.int64(1)) == [1] and spec.layer_indices(np.array([1, 0])) == [0, 1]


def test_a_net_that_cannot_run_is_refused_with_torchs_reason():
    net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1).double())  # mixed dtypes
    with pytest.raises(fl.UnsupportedNet, match=r"could not run Sequential on probe inputs.*RuntimeError"):
        read_net(net)


def test_training_after_reading_leaves_every_earlier_result_unchanged():
    from foldlab.plotting import region_colors

    data = fl.toy_dataset("moons", n=120, seed=0)
    for net in (fl.mlp([2, 8, 8, 1], seed=0), fl.mlp([2, 8, 8, 1], seed=0).double()):
        arr = fl.arrangement(net, box=(-2, 3, -2, 2))
        walk = fl.walk(net, [-2.0, -1.0], [3.0, 1.5])
        points = np.random.default_rng(0).uniform(-2, 2, (50, 2))
        before = {
            "regions": len(arr), "A": arr.A.copy(), "locate": arr.locate(points), "missed": arr.missed_by_grid(7),
            "linear": len(arr.linear_regions()), "colors": region_colors(arr, "hamming"),
            "walk": walk.patterns.clone(), "ts": walk.ts.copy(),
        }
        fl.train(net, data, epochs=3, lr=0.05, progress=False)
        after = {
            "regions": len(arr), "A": arr.A, "locate": arr.locate(points), "missed": arr.missed_by_grid(7),
            "linear": len(arr.linear_regions()), "colors": region_colors(arr, "hamming"),
            "walk": walk.patterns, "ts": walk.ts,
        }
        for key, value in before.items():
            np.testing.assert_array_equal(np.asarray(after[key]), np.asarray(value), err_msg=key)
        assert len(fl.arrangement(net, box=(-2, 3, -2, 2))) != before["regions"] or not np.array_equal(
            fl.arrangement(net, box=(-2, 3, -2, 2)).A, before["A"])  # the net itself did change


@pytest.mark.parametrize("representation", ["recursive", "B", "C", "foldlab_dnf"])
def test_rounding_carried_from_earlier_layers_is_not_a_mismatch(representation):
    # CantorNet C at depth 2: a unit exactly 0 in the snapshot is -8.9e-16 in the module, and the output row
    # after it sees that; the tolerance carries each layer's bound into the next (the reading is still checked)
    for depth in (1, 2, 3, 4):
        spec = fl.read_net(fl.CantorNet(depth=depth, representation=representation))
        assert spec.d_in == 2


# --- reading the same net again: the snapshot is reused only while nothing that decides the net changed ---

def _fresh(net):
    """A read that cannot come from the cache (a copy is another module)."""
    import copy

    return read_net(copy.deepcopy(net))


def _same_function(a, b) -> bool:
    x = torch.randn(64, a.d_in, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 3
    return (
        len(a.layers) == len(b.layers)
        and all(la.activation == lb.activation for la, lb in zip(a.layers, b.layers))
        and torch.equal(a(x), b(x))
        and torch.equal(a.bits(x), b.bits(x))
    )


def _set_slope(net):
    net[1].negative_slope = 0.25


def _replace_parameter(net):
    net[0].weight = nn.Parameter(net[0].weight.detach() * 2)


def _replace_module(net):
    net[1] = nn.ReLU()


def _through_data(net):
    net[0].weight.data.mul_(-1)  # torch's version counter does not see a change made through .data


def _in_place(net):
    with torch.no_grad():
        net[2].bias.add_(0.5)


CHANGES = {
    "in place": _in_place,
    "through .data": _through_data,
    "parameter replaced": _replace_parameter,
    "module replaced": _replace_module,
    "activation setting": _set_slope,
    "to float64": lambda net: net.double(),
    "one bias zeroed": lambda net: nn.init.zeros_(net[0].bias),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_changed_net_is_read_again(change):
    net = fl.mlp([2, 6, 5, 1], activation="leaky_relu", seed=0)
    before = read_net(net)
    assert read_net(net) is before  # unchanged: the verified snapshot is reused
    CHANGES[change](net)
    after = read_net(net)
    assert after is not before
    assert _same_function(after, _fresh(net))
    if change != "to float64":  # float32 values are float64 values: the same function, read again
        assert not _same_function(after, before)


def test_a_changed_buffer_or_mode_is_read_again():
    net = fl.mlp([2, 6, 5, 1], norm="batch", seed=0).eval()
    before = read_net(net)
    bn = next(m for m in net.modules() if isinstance(m, nn.BatchNorm1d))
    bn.running_mean.data += 1.0  # not seen by the version counter either
    after = read_net(net)
    assert after is not before and _same_function(after, _fresh(net)) and not _same_function(after, before)
    net.train()
    with pytest.raises(ValueError, match="training mode"):
        read_net(net)


def test_a_hook_added_after_reading_is_caught():
    net = fl.mlp([2, 6, 5, 1], seed=0)
    read_net(net)
    net[0].register_forward_hook(lambda module, inputs, output: output * 2)
    with pytest.raises(fl.ReadingMismatch):
        read_net(net)


def test_a_forward_replaced_after_reading_is_caught():
    net = fl.mlp([2, 6, 5, 1], seed=0)
    read_net(net)
    original = net.forward
    net.forward = lambda x: original(x).clamp(max=0.0)
    with pytest.raises((fl.ReadingMismatch, fl.UnsupportedNet)):
        read_net(net)


def test_own_modules_are_read_every_time():
    """A module foldlab does not know may compute from anything (an attribute, a global): never reused."""
    net = OwnMLP().eval()
    first = read_net(net)
    assert read_net(net) is not first
    assert _same_function(read_net(net), first)


def test_an_affine_map_knows_whether_it_is_the_identity():
    """The walk engines pass a max pool's input through as it is when its map is exactly the identity;
    anything else (a bias, a permutation, a scaled or extra entry, a non-square map) is a product."""
    from foldlab.adapter import Affine

    eye = torch.eye(4, dtype=torch.float64)
    zero = torch.zeros(4, dtype=torch.float64)
    assert Affine(eye, zero).is_identity
    assert not Affine(eye, zero + torch.tensor([0, 0, 1e-300, 0], dtype=torch.float64)).is_identity
    assert not Affine(eye[[1, 0, 2, 3]], zero).is_identity
    assert not Affine(eye * torch.tensor([1, 1, 1, 1 + 2**-52], dtype=torch.float64), zero).is_identity
    extra = eye.clone()
    extra[0, 3] = 1e-300
    assert not Affine(extra, zero).is_identity
    assert not Affine(torch.eye(4, 5, dtype=torch.float64), zero).is_identity
