"""Convolutional nets: Conv2d, AvgPool2d, Flatten and Unflatten read exactly, against independent oracles.

Oracles: a naive unrolling of each layer by explicit loops over output positions and kernel taps (it shares
nothing with the adapter, which pushes basis vectors through torch's convolution), the module itself through
hooks (``tests.common.reference_patterns``), dense sampling plus bisection along segments
(``tests.walk_oracle``), and a dense grid of hook-path patterns on a plane through three digits. What foldlab
cannot read (residual blocks, a conv net without its image shape) must be refused by name.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
import torch
from torch import nn

import foldlab as fl
from foldlab.adapter import read_net, unrolled_map

from .common import reference_patterns
from .walk_oracle import assert_walk_matches

# --- the naive unrolling ---------------------------------------------------------------------------

def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def naive_conv_matrix(conv: nn.Conv2d, shape):
    """The dense (W, b) of a Conv2d, zeros padding, by loops over output positions and kernel taps."""
    c_in, h, w = shape
    weight = conv.weight.detach().double().numpy()
    c_out, per_group, kh, kw = weight.shape
    (sh, sw), (dh, dw) = _pair(conv.stride), _pair(conv.dilation)
    if conv.padding == "same":
        ph, pw = (dh * (kh - 1)) // 2, (dw * (kw - 1)) // 2  # odd kernels only in these tests: symmetric
    elif conv.padding == "valid":
        ph = pw = 0
    else:
        ph, pw = _pair(conv.padding)
    h_out = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    w_out = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out_per_group = c_out // conv.groups
    W = np.zeros((c_out * h_out * w_out, c_in * h * w))
    for o in range(c_out):
        group = o // out_per_group
        for i in range(h_out):
            for j in range(w_out):
                row = (o * h_out + i) * w_out + j
                for k in range(per_group):
                    c = group * per_group + k
                    for a in range(kh):
                        for b in range(kw):
                            y, x = i * sh - ph + a * dh, j * sw - pw + b * dw
                            if 0 <= y < h and 0 <= x < w:
                                W[row, (c * h + y) * w + x] += weight[o, k, a, b]
    bias = conv.bias.detach().double().numpy() if conv.bias is not None else np.zeros(c_out)
    return W, np.repeat(bias, h_out * w_out), (c_out, h_out, w_out)


def naive_avg_pool_matrix(pool: nn.AvgPool2d, shape):
    """AvgPool2d (no ceil mode) by loops: each window's mean, padded cells counted when count_include_pad."""
    c, h, w = shape
    (kh, kw), (sh, sw), (ph, pw) = _pair(pool.kernel_size), _pair(pool.stride), _pair(pool.padding)
    h_out, w_out = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    W = np.zeros((c * h_out * w_out, c * h * w))
    for ch in range(c):
        for i in range(h_out):
            for j in range(w_out):
                taps = [(i * sh - ph + a, j * sw - pw + b) for a in range(kh) for b in range(kw)]
                inside = [(y, x) for y, x in taps if 0 <= y < h and 0 <= x < w]
                divisor = len(taps) if pool.count_include_pad else len(inside)
                for y, x in inside:
                    W[(ch * h_out + i) * w_out + j, (ch * h + y) * w + x] = 1.0 / divisor
    return W, np.zeros(c * h_out * w_out), (c, h_out, w_out)


def seeded(build, seed=0):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build()


CONVS = {
    "plain": ((1, 6, 6), lambda: nn.Conv2d(1, 3, 3)),
    "padding": ((2, 5, 5), lambda: nn.Conv2d(2, 3, 3, padding=2)),
    "same": ((2, 5, 7), lambda: nn.Conv2d(2, 2, 3, padding="same")),
    "stride_over_kernel": ((1, 9, 9), lambda: nn.Conv2d(1, 2, 2, stride=3)),
    "stride_and_dilation": ((2, 9, 8), lambda: nn.Conv2d(2, 4, (3, 2), stride=(2, 1), dilation=(2, 3), padding=1)),
    "groups": ((4, 5, 5), lambda: nn.Conv2d(4, 6, 3, groups=2, padding=1)),
    "depthwise": ((3, 4, 4), lambda: nn.Conv2d(3, 3, 3, groups=3, padding=1, bias=False)),
    "no_bias": ((1, 4, 4), lambda: nn.Conv2d(1, 2, 3, bias=False)),
    "one_by_one": ((3, 3, 3), lambda: nn.Conv2d(3, 2, 1)),
}


@pytest.mark.parametrize("case", CONVS)
def test_conv_matrix_against_naive_loops(case):
    shape, build = CONVS[case]
    conv = seeded(build)
    net = nn.Sequential(nn.Unflatten(1, shape), conv, nn.ReLU(), nn.Flatten(), nn.LazyLinear(1))
    net(torch.zeros(1, int(np.prod(shape))))  # materialise the lazy head
    spec = read_net(net)
    W, b, out_shape = naive_conv_matrix(conv, shape)
    affine = spec.layers[0].affine
    # each entry is a kernel weight (or 0) exactly: compared for equality, not closeness
    assert torch.equal(affine.weight, torch.from_numpy(W))
    assert torch.equal(affine.bias, torch.from_numpy(b))
    assert spec.widths == (int(np.prod(out_shape)),) and spec.d_in == int(np.prod(shape))
    # the public helper gives the same map
    direct = unrolled_map(conv, shape)
    assert torch.equal(direct.weight, affine.weight) and torch.equal(direct.bias, affine.bias)


@pytest.mark.parametrize("settings", [
    dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1), dict(kernel_size=3, stride=1, padding=1),
    dict(kernel_size=(2, 3), stride=(2, 1), padding=(1, 1), count_include_pad=False), dict(kernel_size=2, stride=3),
])
def test_avg_pool_matrix_against_naive_loops(settings):
    shape = (2, 6, 7)
    pool = nn.AvgPool2d(**settings)
    W, b, _ = naive_avg_pool_matrix(pool, shape)
    affine = unrolled_map(pool, shape)
    np.testing.assert_allclose(affine.weight.numpy(), W, rtol=1e-15, atol=0)
    assert not affine.bias.any()


def test_conv_pool_conv_composed_as_the_naive_product():
    net = seeded(lambda: nn.Sequential(
        nn.Unflatten(1, (1, 8, 8)), nn.Conv2d(1, 3, 3, padding=1), nn.AvgPool2d(2), nn.ReLU(),
        nn.Conv2d(3, 2, 3, stride=2), nn.ReLU(), nn.Flatten(), nn.Linear(2, 3),
    ))
    spec = read_net(net)
    W1, b1, s1 = naive_conv_matrix(net[1], (1, 8, 8))
    P, _, s2 = naive_avg_pool_matrix(net[2], s1)
    W2, b2, s3 = naive_conv_matrix(net[4], s2)
    first, second = spec.layers[0].affine, spec.layers[1].affine
    np.testing.assert_allclose(first.weight.numpy(), P @ W1, rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(first.bias.numpy(), P @ b1, rtol=1e-14, atol=1e-16)
    assert torch.equal(second.weight, torch.from_numpy(W2)) and torch.equal(second.bias, torch.from_numpy(b2))
    assert spec.widths == (48, 2) and s3 == (2, 1, 1)


def test_reading_matches_the_module_in_float64():
    net = fl.conv_net(seed=3).double()
    spec = read_net(net)
    x = torch.randn(50, 64, dtype=torch.float64, generator=torch.Generator().manual_seed(0)) * 5
    torch.testing.assert_close(spec(x), net(x), rtol=1e-12, atol=1e-12)


# --- the builder ------------------------------------------------------------------------------------

def test_conv_net_is_seeded_and_sized_for_digits():
    a, b, c = fl.conv_net(seed=1), fl.conv_net(seed=1), fl.conv_net(seed=2)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not torch.equal(a[1].weight, c[1].weight)
    state = torch.random.get_rng_state()
    fl.conv_net(seed=5)
    assert torch.equal(state, torch.random.get_rng_state())  # torch's global generator untouched
    spec = read_net(a)
    assert spec.d_in == 64 and spec.widths == (4 * 8 * 8, 8 * 4 * 4) and spec.d_out == 10
    flat = fl.conv_net((3, 5, 6), channels=[2], n_classes=2, pool=False, kernel_size=5, seed=0)
    assert read_net(flat).widths == (2 * 5 * 6,) and flat(torch.zeros(1, 90)).shape == (1, 2)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(image_shape=(8, 8)), ValueError, "image_shape"),
    (dict(image_shape=(1, 0, 8)), ValueError, r"image_shape\[1\]"),
    (dict(channels=()), ValueError, "channels"),
    (dict(channels=(2.0,)), TypeError, r"channels\[0\]"),
    (dict(channels="4"), TypeError, "channels"),
    (dict(kernel_size=2), ValueError, "kernel_size"),
    (dict(n_classes=True), TypeError, "n_classes"),
    (dict(seed=1.5), TypeError, "seed"),
    (dict(pool=1), TypeError, "pool"),
])
def test_conv_net_refuses_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        fl.conv_net(**kwargs)


# --- patterns ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def trained_conv(digits):
    """fl.conv_net's default (1x8x8 -> 4x8x8 -> 8x4x4 -> 10), trained on the digits: 87% test accuracy."""
    net = fl.conv_net(seed=0)
    fl.train(net, digits, epochs=10, progress=False)
    net.requires_grad_(False)
    assert fl.accuracy(net, digits.X_test, digits.y_test) > 0.8
    return net.eval()


def degenerate_conv_nets():
    zero = fl.conv_net(channels=(3, 2), seed=0)
    with torch.no_grad():
        zero[1].weight.zero_()  # a zero kernel: every unit of the first layer is its bias, everywhere
        zero[1].bias.copy_(torch.tensor([0.5, -0.5, 0.0]))
    yield "zero_kernel", zero
    yield "stride_over_kernel", seeded(lambda: nn.Sequential(
        nn.Unflatten(1, (1, 8, 8)), nn.Conv2d(1, 3, 2, stride=3), nn.ReLU(), nn.Flatten(), nn.Linear(27, 2)))
    yield "wide_padding", seeded(lambda: nn.Sequential(
        nn.Unflatten(1, (1, 8, 8)), nn.Conv2d(1, 2, 3, padding=3, dilation=2), nn.LeakyReLU(0.1),
        nn.AvgPool2d(3, stride=2, padding=1), nn.Conv2d(2, 2, 3, groups=2), nn.ReLU(), nn.Flatten(),
        nn.LazyLinear(3)))


@pytest.mark.parametrize("name", ["random", "trained", *dict(degenerate_conv_nets())])
def test_patterns_against_hooks(name, digits, trained_conv):
    nets = {"random": fl.conv_net(seed=4), "trained": trained_conv, **dict(degenerate_conv_nets())}
    net = nets[name]
    net(torch.zeros(1, 64))
    x = torch.cat([digits.X[:40], torch.randn(20, 64, generator=torch.Generator().manual_seed(1)) * 3])
    for layers in (None, 0, [-1]):
        for include_output in (False, True):
            got = fl.activation_patterns(net, x, layers=layers, include_output=include_output)
            assert torch.equal(got, reference_patterns(net, x, layers, include_output))
    if name == "zero_kernel":
        first = fl.activation_patterns(net, x, layers=0)
        assert first[:, :64].all() and not first[:, 64:].any()  # bias 0.5: on; -0.5 and 0: off everywhere


# --- walks ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["layered", "step"])
@pytest.mark.parametrize("name", ["trained", "zero_kernel", "stride_over_kernel", "wide_padding"])
def test_walks_against_dense_sampling_and_bisection(name, method, digits, trained_conv):
    nets = {"trained": trained_conv, **dict(degenerate_conv_nets())}
    net = nets[name]
    net(torch.zeros(1, 64))
    for i, j in [(0, 1), (2, 7)]:
        x1, x2 = digits.X[i].double(), digits.X[j].double()
        w = fl.walk(net, x1, x2, include_output=True, method=method)
        assert assert_walk_matches(w, net, x1, x2, 4096, include_output=True) == 0
        assert len(w) > 1 or name == "zero_kernel"


def test_batched_walks_equal_single_walks(digits, trained_conv):
    X1, X2 = digits.X[:6].double(), digits.X[6:12].double()
    many = fl.walks(trained_conv, X1, X2)
    for i in range(6):
        one = fl.walk(trained_conv, X1[i], X2[i])
        assert torch.equal(many[i].patterns, one.patterns)
        np.testing.assert_allclose(many[i].ts, one.ts, rtol=0, atol=1e-12)  # as the MLP walk tests


# --- a plane through three digits -------------------------------------------------------------------

def test_plane_through_three_digits_against_a_dense_grid(digits, trained_conv):
    p = digits.X[:3]
    arr = fl.arrangement(trained_conv, plane=(p[0], p[1], p[2]))
    assert len(arr) > 1000
    polygons = arr.polygons
    assert abs(arr.areas.sum() - arr.area) <= 1e-9 * arr.area
    assert len(np.unique(np.packbits(arr.patterns, axis=1), axis=0)) == len(arr)
    # every region's representative point has its pattern (hooks)
    points = np.array([r.point for r in arr.regions])
    observed = reference_patterns(trained_conv, arr.to_input(points)).numpy()
    assert np.array_equal(observed, arr.patterns)
    # a dense grid: each point's hook-path pattern is that of the polygon containing it
    xmin, xmax, ymin, ymax = arr.box
    gx, gy = np.meshgrid(np.linspace(xmin, xmax, 181)[1:-1], np.linspace(ymin, ymax, 181)[1:-1])
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    bits = reference_patterns(trained_conv, arr.to_input(grid)).numpy()
    tree = shapely.STRtree(polygons)
    point_index, region_index = tree.query(shapely.points(grid), predicate="intersects")
    covered = np.zeros(len(grid), bool)
    covered[point_index] = True
    assert covered.all(), "a grid point lies in no region"
    agree = (bits[point_index] == arr.patterns[region_index]).all(axis=1)
    # a point on an edge touches two regions: one of them must carry its pattern
    assert np.bincount(point_index, weights=agree, minlength=len(grid)).min() >= 1
    # every pattern the grid sees is a region of the arrangement
    regions = {row.tobytes() for row in np.packbits(arr.patterns, axis=1)}
    assert {row.tobytes() for row in np.packbits(bits, axis=1)} <= regions
    # the grid cannot miss a region much larger than a cell
    cell = (xmax - xmin) * (ymax - ymin) / 180**2
    seen = np.unique(region_index[agree])
    large = np.flatnonzero(arr.areas > 50 * cell)
    assert np.isin(large, seen).all()


# --- what is refused ---------------------------------------------------------------------------------

def test_max_pooling_is_read_and_what_is_not_is_refused_by_name():
    """nn.MaxPool2d is read exactly (tests/test_pool.py); the arrangement and the other max pools are refused."""
    net = nn.Sequential(nn.Unflatten(1, (1, 4, 4)), nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(),
                        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8, 1))
    assert [layer.kind for layer in read_net(net).layers] == ["relu", "max_pool"]
    with pytest.raises(fl.UnsupportedNet, match=r"hidden layer 1 \('3'\) is a max pool.*fl\.walk"):
        fl.arrangement(net, plane=(torch.zeros(16), torch.ones(16), torch.eye(16)[0]))
    with pytest.raises(fl.UnsupportedNet, match=r"'3' \(MaxPool1d\).*nn\.MaxPool2d"):
        read_net(nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Unflatten(1, (1, 6)), nn.MaxPool1d(2), nn.Flatten(),
                               nn.Linear(3, 1)))
    with pytest.raises(fl.UnsupportedNet, match=r"'0' \(MaxPool2d\).*nn\.Unflatten\(1, \(C, H, W\)\)"):
        read_net(nn.Sequential(nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4, 2), nn.ReLU()))


def test_conv_net_without_its_image_shape_is_refused():
    with pytest.raises(fl.UnsupportedNet, match=r"'0' \(Conv2d\).*nn\.Unflatten\(1, \(C, H, W\)\)"):
        read_net(nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(2, 1)))
    with pytest.raises(fl.UnsupportedNet, match=r"Unflatten.*dim=0"):
        read_net(nn.Sequential(nn.Unflatten(0, (1, 1)), nn.Conv2d(1, 2, 3), nn.ReLU()))


def test_padding_modes_other_than_zeros_are_refused():
    for mode in ("reflect", "replicate", "circular"):
        net = nn.Sequential(nn.Unflatten(1, (1, 4, 4)), nn.Conv2d(1, 1, 3, padding=1, padding_mode=mode), nn.ReLU())
        with pytest.raises(fl.UnsupportedNet, match=rf"'1' \(Conv2d\).*padding_mode='{mode}'"):
            read_net(net)


def test_linear_on_an_image_is_refused():
    # Linear acts on the last axis of an image, not on the flattened features: never read as if flat
    net = nn.Sequential(nn.Unflatten(1, (1, 4, 4)), nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.Linear(4, 3),
                        nn.ReLU(), nn.Flatten(), nn.Linear(24, 1))
    with pytest.raises(fl.UnsupportedNet, match=r"'3' \(Linear\).*\(12, 2, 4, 4\).*nn\.Flatten"):
        read_net(net)


def test_reshapes_of_the_batch_axis_are_refused():
    net = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Flatten(0), nn.Unflatten(0, (12, 4)), nn.Linear(4, 1))
    with pytest.raises(fl.UnsupportedNet, match=r"'2' \(Flatten\).*batch axis"):
        read_net(net)


def test_an_unrolled_matrix_over_budget_is_refused_naming_the_layer():
    net = nn.Sequential(nn.Unflatten(1, (1, 64, 64)), nn.Conv2d(1, 8, 3, padding=1), nn.ReLU())
    with fl.limits.memory_budget(64 * 2**20):
        with pytest.raises(fl.OverBudget, match=r"layer '1' \(Conv2d, \(1, 64, 64\) -> \(8, 64, 64\)\)"):
            read_net(net)


def test_reading_is_cached_and_sees_changed_kernels():
    net = fl.conv_net(seed=0)
    spec = read_net(net)
    assert read_net(net) is spec
    with torch.no_grad():
        net[1].weight[0, 0, 1, 1] += 1.0
    again = read_net(net)
    assert again is not spec and not torch.equal(again.layers[0].affine.weight, spec.layers[0].affine.weight)


# --- residual blocks: refused, naming the module, never read as the chain of their leaves --------------

class ResidualBlock(nn.Module):
    """``x + f(x)`` with ``f = first, ReLU, second`` (Linear or Conv2d)."""

    def __init__(self, first, second):
        super().__init__()
        self.first, self.act, self.second = first, nn.ReLU(), second

    def forward(self, x):
        return x + self.second(self.act(self.first(x)))


def residual_nets():
    yield "dense", "2", seeded(lambda: nn.Sequential(
        nn.Linear(3, 4), nn.ReLU(), ResidualBlock(nn.Linear(4, 5), nn.Linear(5, 4)), nn.ReLU(), nn.Linear(4, 1)))
    yield "conv", "3", seeded(lambda: nn.Sequential(
        nn.Unflatten(1, (1, 6, 6)), nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(),
        ResidualBlock(nn.Conv2d(2, 3, 3, padding=1), nn.Conv2d(3, 2, 3, padding=1)), nn.ReLU(), nn.Flatten(),
        nn.Linear(72, 2)))
    yield "last", "2", seeded(lambda: nn.Sequential(
        nn.Linear(3, 4), nn.ReLU(), ResidualBlock(nn.Linear(4, 5), nn.Linear(5, 4))))
    zero = seeded(lambda: nn.Sequential(
        nn.Linear(3, 4), nn.ReLU(), ResidualBlock(nn.Linear(4, 5), nn.Linear(5, 4)), nn.ReLU(), nn.Linear(4, 1)))
    with torch.no_grad():  # f(x) = 0: the block is the identity, and its leaves' chain would be the zero map
        zero[2].second.weight.zero_()
        zero[2].second.bias.zero_()
    yield "zero_branch", "2", zero
    nested = seeded(lambda: nn.Sequential(
        nn.Linear(3, 4), nn.ReLU(),
        nn.Sequential(ResidualBlock(nn.Linear(4, 4), nn.Linear(4, 4)), nn.ReLU()), nn.Linear(4, 1)))
    yield "nested", "2.0", nested


@pytest.mark.parametrize("case", [case for case, _, _ in residual_nets()])
def test_residual_blocks_are_refused_naming_the_module(case):
    block, net = next(item[1:] for item in residual_nets() if item[0] == case)
    d_in = 36 if case == "conv" else 3
    pattern = rf"module '{block}' \(ResidualBlock\).*residual connection"
    x = torch.randn(4, d_in, generator=torch.Generator().manual_seed(0))
    for call in (lambda: read_net(net), lambda: fl.activation_patterns(net, x),
                 lambda: fl.walk(net, x[0], x[1]), lambda: fl.walks(net, x[:2], x[2:])):
        with pytest.raises(fl.UnsupportedNet, match=pattern):
            call()


def test_a_residual_block_whose_skip_is_zero_at_the_probes_is_caught_along_the_walk():
    # the block's input is a ReLU layer dead wherever the probes reach (|x| <= a few thousand), so there
    # x + f(x) = f(x) and the chain of leaves is what the net computes; beyond, the skip is not zero and
    # the walk's check at region midpoints must find the difference rather than report another function
    net = seeded(lambda: nn.Sequential(
        nn.Linear(2, 2), nn.ReLU(), ResidualBlock(nn.Linear(2, 3), nn.Linear(3, 2)), nn.ReLU(), nn.Linear(2, 1)))
    with torch.no_grad():
        net[0].weight.copy_(torch.eye(2))
        net[0].bias.fill_(-1e5)
    read_net(net)
    with pytest.raises(fl.ReadingMismatch, match="disagrees"):
        fl.walk(net, torch.tensor([0.0, 0.0]), torch.tensor([4e5, 3e5]))
