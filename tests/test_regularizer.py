"""The folding surrogate: gradients (gradcheck), its link to exact chi, what optimising it does, its errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import foldlab as fl
from foldlab.adapter import activation_calls, read_net, recording_preactivations
from foldlab.regularizer import soft_chi_of_points

from .common import DEGENERATE, net_from

ACTS = ["relu", "leaky_relu", "gelu", "silu", "tanh", "swiglu"]


def moons_batch(n=48, seed=0):
    data = fl.toy_dataset("moons", n=n, seed=seed, test_fraction=0.0)
    return data.X, data.y


# --- the surrogate of one path ------------------------------------------------------------------------

def test_hard_bits_give_chi_exactly():
    rng = np.random.default_rng(0)
    for _ in range(50):
        path = torch.as_tensor(rng.random((rng.integers(1, 12), rng.integers(1, 6))) < 0.5)
        soft = soft_chi_of_points(path.double(), max_temperature=1e-4, eps=0.0)
        expected = fl.chi(path)
        assert float(soft) == pytest.approx(expected, abs=1e-9)


def test_soft_chi_lies_in_the_unit_interval():
    g = torch.Generator().manual_seed(1)
    bits = torch.rand(200, 10, 7, generator=g, dtype=torch.float64)
    chi = soft_chi_of_points(bits)
    assert bool(((chi >= 0) & (chi < 1)).all())


# --- gradients ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("activation", ["relu", "gelu", "swiglu"])
def test_gradcheck_in_the_parameters_and_the_inputs(activation):
    net = fl.mlp([2, 5, 5, 1], activation=activation, seed=0).double()
    X, y = moons_batch(12)
    X = X.double()
    names = [name for name, _ in net.named_parameters()]
    params = tuple(p.detach().clone().requires_grad_(True) for p in net.parameters())

    def penalty_of(*values):
        state = dict(zip(names, values))
        # the penalty's forward passes go through the module with these parameters
        with torch.nn.utils.stateless._reparametrize_module(net, state):
            return fl.folding_penalty(net, X, y, temperature=0.5, n_points=6, n_pairs=4, seed=1)

    assert torch.autograd.gradcheck(penalty_of, params, eps=1e-6, atol=1e-5)
    Xg = X[:8].clone().requires_grad_(True)
    assert torch.autograd.gradcheck(
        lambda x: fl.folding_penalty(net, x, y[:8], temperature=0.5, n_points=6, n_pairs=4, seed=1), (Xg,),
        eps=1e-6, atol=1e-5,
    )


@pytest.mark.parametrize("activation", ACTS)
def test_every_activation_gives_a_finite_penalty_and_gradient(activation):
    net = fl.mlp([2, 6, 6, 1], activation=activation, seed=2)
    X, y = moons_batch()
    penalty = fl.folding_penalty(net, X, y)
    penalty.backward()
    assert 0 <= penalty.item() <= 1
    # hidden bits only: every parameter before the last activation gets a gradient, the output layer none
    grads = [p.grad for p in net.parameters()]
    assert all(g is not None and bool(torch.isfinite(g).all()) for g in grads[:-2])
    assert grads[-1] is None and any(float(g.abs().sum()) > 0 for g in grads[:-2])


# --- the link to exact chi ---------------------------------------------------------------------------------

def exact_chi_at_points(net, x1, x2, n_points):
    t = (torch.arange(n_points, dtype=torch.float64) + 0.5) / n_points
    x1, x2 = torch.as_tensor(x1, dtype=torch.float64), torch.as_tensor(x2, dtype=torch.float64)
    points = (1 - t)[:, None] * x1 + t[:, None] * x2
    return fl.chi(fl.activation_patterns(net, points))


CASES = [
    ("cantor1", lambda: fl.CantorNet(depth=1), [0.0, 0.25], [1.0, 0.25]),
    ("cantor2", lambda: fl.CantorNet(depth=2), [0.0, 0.8], [1.0, 0.8]),
    ("cantor3", lambda: fl.CantorNet(depth=3), [0.05, 0.3], [0.95, 0.9]),
    ("mlp_a", lambda: fl.mlp([2, 8, 8, 8, 1], seed=3), [-1.5, -1.0], [1.5, 1.2]),
    ("mlp_b", lambda: fl.mlp([3, 10, 10, 1], seed=4), [-1.0, 0.5, -0.3], [1.2, -0.4, 0.9]),
]


@pytest.mark.parametrize("name,make,x1,x2", CASES, ids=[c[0] for c in CASES])
def test_the_gap_to_exact_chi_shrinks_as_the_temperature_falls(name, make, x1, x2):
    net = make()
    n_points = 2048
    exact = fl.walk(net, x1, x2).chi
    sampled = exact_chi_at_points(net, x1, x2, n_points)
    assert sampled == pytest.approx(exact, abs=1e-12), "the points hit every region of these segments"
    gaps = []
    for temperature in (1.0, 0.1, 1e-2, 1e-3, 1e-4):
        soft = fl.soft_chi(net, x1, x2, temperature=temperature, n_points=n_points,
                           max_temperature=temperature, eps=temperature * 1e-3)
        gaps.append(abs(soft.item() - exact))
    # the gap need not fall at every step (bits near boundaries soften and harden unevenly), but from 1e-2 down
    # it does, and it ends within rounding of the points' chi
    assert gaps[-1] < 2e-3 and gaps[-1] <= gaps[0], gaps
    assert gaps[-1] <= gaps[-2] <= gaps[-3] + 1e-9, gaps


def test_narrow_regions_are_what_the_points_miss():
    # a segment whose walk crosses regions narrower than the spacing of few points: the soft chi follows the
    # points (the sampled path), not the walk; more points close the gap
    net = fl.CantorNet(depth=3)
    x1, x2 = [0.0, 0.97], [1.0, 0.97]
    exact = fl.walk(net, x1, x2).chi
    few = exact_chi_at_points(net, x1, x2, 9)
    soft_few = fl.soft_chi(net, x1, x2, temperature=1e-4, n_points=9, max_temperature=1e-4, eps=0)
    assert float(soft_few) == pytest.approx(few, abs=1e-6) and few != pytest.approx(exact)
    soft_many = fl.soft_chi(net, x1, x2, temperature=1e-4, n_points=4096, max_temperature=1e-4, eps=0)
    assert float(soft_many) == pytest.approx(exact, abs=1e-3)


# --- what optimising it does -------------------------------------------------------------------------------

def test_optimising_the_penalty_alone_raises_exact_folding():
    X, y = moons_batch(40, seed=1)
    net = fl.mlp([2, 12, 12, 12, 1], seed=5)
    pairs = fl.folding.sample_pairs(y.numpy(), 30, np.random.default_rng(0))

    def exact_mean_chi():
        return float(fl.walks(net, X[pairs[:, 0]], X[pairs[:, 1]], keep_patterns=False).chis.mean())

    before = exact_mean_chi()
    optimizer = torch.optim.Adam(net.parameters(), lr=0.02)
    for _ in range(150):
        optimizer.zero_grad()
        penalty = fl.folding_penalty(net, X, y, pairs=pairs, n_points=24, temperature=0.05)
        penalty.backward()
        optimizer.step()
    after = exact_mean_chi()
    assert after > before + 0.05, (before, after)


# --- the module, its schedule, reproducibility -----------------------------------------------------------------

def test_the_module_and_the_function_agree():
    X, y = moons_batch()
    net = fl.mlp([2, 8, 8, 1], seed=0)
    reg = fl.FoldingRegularizer(weight=0.3, schedule="cosine", epochs=4, seed=7, n_pairs=10, n_points=12)
    for call, epoch in enumerate([1, 2, 3]):
        seed = int(np.random.SeedSequence([7, call]).generate_state(1)[0])
        expected = reg.weight_at(epoch) * fl.folding_penalty(net, X, y, seed=seed, n_pairs=10, n_points=12)
        assert reg(net, X, y, epoch).item() == pytest.approx(expected.item(), rel=1e-12)
    assert float(reg(net, X, y, 4)) == 0.0  # the cosine schedule ends at 0


def test_one_fused_pass_gives_the_two_passes_numbers():
    X, y = moons_batch()
    for net in (fl.mlp([2, 8, 8, 1], seed=0), fl.mlp([2, 8, 8, 1], seed=0, activation="leaky_relu")):
        fused, apart = (fl.FoldingRegularizer(weight=0.5, seed=2, n_pairs=6, n_points=5, every=1) for _ in range(2))
        loss = lambda out, labels: torch.nn.functional.softplus(-(2 * labels - 1) * out[:, 0]).mean()
        for epoch in (1, 2):
            task, penalty, weight = fused.fused_loss(net, X, y, epoch, loss)
            assert weight == 0.5
            assert task.item() == pytest.approx(loss(net(X), y).item(), rel=1e-12)
            assert penalty.item() == pytest.approx(apart.penalty(net, X, y).item(), rel=1e-12)
        task.backward()  # both parts carry gradients
        assert net[0].weight.grad is not None


def test_batch_norm_and_dropout_run_the_two_passes_apart():
    X, y = moons_batch()
    net = torch.nn.Sequential(torch.nn.Linear(2, 6), torch.nn.BatchNorm1d(6), torch.nn.ReLU(), torch.nn.Linear(6, 1))
    net.eval()
    fused, apart = fl.FoldingRegularizer(seed=4, every=1), fl.FoldingRegularizer(seed=4)
    loss = lambda out, labels: out.mean()
    task, penalty, _ = fused.fused_loss(net, X, y, 1, loss)
    assert task.item() == pytest.approx(net(X).mean().item(), rel=1e-12)
    assert penalty.item() == pytest.approx(apart.penalty(net, X, y).item(), rel=1e-12)


def test_a_zero_weight_draws_nothing():
    X, y = moons_batch()
    net = fl.mlp([2, 8, 8, 1], seed=0)
    reg = fl.FoldingRegularizer(weight=1.0, schedule="step", epochs=4, step_at=0.5)
    _, penalty, weight = reg.fused_loss(net, X, y, 4, lambda out, labels: out.sum())
    assert weight == 0 and penalty.item() == 0 and reg.calls == 0


@pytest.mark.parametrize("n", [5, 40, 3000])
def test_batch_pairs_are_distinct_cross_class_and_uniform(n):
    from foldlab.regularizer import _batch_pairs

    y = torch.as_tensor(np.random.default_rng(n).integers(0, 3, n))
    pairs = _batch_pairs(y, n, 50, seed=1).numpy()
    assert (pairs[:, 0] < pairs[:, 1]).all() and (y[pairs[:, 0]] != y[pairs[:, 1]]).all().item()
    assert len({tuple(p) for p in pairs.tolist()}) == len(pairs) == min(50, int((y[:, None] != y[None]).sum()) // 2)
    np.testing.assert_array_equal(pairs, _batch_pairs(y, n, 50, seed=1).numpy())
    if n == 5:  # every cross-class pair of a small batch, each about equally often over seeds
        counts = {}
        for seed in range(400):
            for p in _batch_pairs(y, n, 2, seed=seed).tolist():
                counts[tuple(p)] = counts.get(tuple(p), 0) + 1
        total = int((y[:, None] != y[None]).sum()) // 2
        assert len(counts) == total
        expected = 400 * 2 / total
        assert all(abs(c - expected) < 5 * expected**0.5 for c in counts.values()), counts


@pytest.mark.parametrize(
    "schedule, expected",
    [("constant", [2, 2, 2, 2, 2]), ("linear", [2, 1.5, 1, 0.5, 0]), ("step", [2, 2, 0, 0, 0]),
     ("cosine", [2, 1 + math.cos(math.pi / 4), 1, 1 - math.cos(math.pi / 4), 0])],
)
def test_schedules(schedule, expected):
    reg = fl.FoldingRegularizer(weight=2.0, schedule=schedule, epochs=5)
    np.testing.assert_allclose([reg.weight_at(e) for e in range(1, 6)], expected, atol=1e-12)


def test_same_seed_same_penalties():
    X, y = moons_batch()
    net = fl.mlp([2, 8, 8, 1], seed=0)
    a = [float(fl.FoldingRegularizer(seed=3)(net, X, y).detach()) for _ in range(1)]
    r1, r2 = fl.FoldingRegularizer(seed=3), fl.FoldingRegularizer(seed=3)
    assert [float(r1(net, X, y).detach()) for _ in range(3)] == [float(r2(net, X, y).detach()) for _ in range(3)]
    assert a[0] == float(fl.FoldingRegularizer(seed=3)(net, X, y).detach())
    penalty = [float(fl.folding_penalty(net, X, y, seed=1).detach()) for _ in range(2)]
    assert penalty[0] == penalty[1]


# --- bad input ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"weight": -1.0}, ValueError, "weight"),
        ({"weight": float("nan")}, ValueError, "weight"),
        ({"temperature": 0.0}, ValueError, "temperature"),
        ({"temperature": -0.1}, ValueError, "temperature"),
        ({"schedule": "exponential", "epochs": 3}, ValueError, "schedule"),
        ({"schedule": "linear"}, ValueError, "epochs"),
        ({"n_points": 1}, ValueError, "n_points"),
        ({"n_pairs": 2.0}, TypeError, "n_pairs"),
        ({"seed": -1}, ValueError, "seed"),
        ({"every": 0}, ValueError, "every must be an int >= 1, got 0"),
        ({"every": 2.0}, TypeError, "every must be an int, got 2.0"),
        ({"every": True}, TypeError, "every must be an int"),
        ({"every": "4"}, TypeError, "every must be an int"),
    ],
)
def test_bad_settings_are_refused(kwargs, error, match):
    with pytest.raises(error, match=match):
        fl.FoldingRegularizer(**kwargs)


def test_bad_batches_are_refused():
    net = fl.mlp([2, 4, 1], seed=0)
    X, y = moons_batch()
    with pytest.raises(ValueError, match="single class"):
        fl.folding_penalty(net, X, torch.zeros(len(X), dtype=torch.long))
    with pytest.raises(ValueError, match="one label per point"):
        fl.folding_penalty(net, X, y[:-1])
    with pytest.raises(ValueError, match="temperature"):
        fl.folding_penalty(net, X, y, temperature=0)
    with pytest.raises(ValueError, match="features"):
        fl.folding_penalty(net, X[:, :1], y)
    with pytest.raises(ValueError, match="NaN"):
        fl.folding_penalty(net, X * float("nan"), y)
    with pytest.raises(ValueError, match="pairs"):
        fl.folding_penalty(net, X, y, pairs=[[0, 1000]])


def test_the_expected_disagreement_distance_can_be_gamed():
    """Why "l1" is the default: with the expected number of differing bits, equal soft patterns are at a
    positive distance, and optimising the penalty alone puts each segment into a single region."""
    X, y = moons_batch(40, seed=1)
    net = fl.mlp([2, 12, 12, 12, 1], seed=5)
    pairs = fl.folding.sample_pairs(y.numpy(), 30, np.random.default_rng(0))
    still = torch.full((5, 3), 0.9, dtype=torch.float64)  # a path that never moves
    assert float(soft_chi_of_points(still, distance="l1")) == 0.0
    assert float(soft_chi_of_points(still, distance="expected")) > 0.5  # no flip at all, yet "folding"
    before = fl.walks(net, X[pairs[:, 0]], X[pairs[:, 1]], keep_patterns=False)
    optimizer = torch.optim.Adam(net.parameters(), lr=0.02)
    for _ in range(150):
        optimizer.zero_grad()
        penalty = fl.folding_penalty(net, X, y, pairs=pairs, n_points=24, temperature=0.05, distance="expected")
        penalty.backward()
        optimizer.step()
    after = fl.walks(net, X[pairs[:, 0]], X[pairs[:, 1]], keep_patterns=False)
    assert penalty.item() < 0.2  # the surrogate says "folds a lot" ...
    assert after.chis.mean() < before.chis.mean() and after.n_regions.mean() < 2  # ... while nothing folds


# --- lazy regularisation ------------------------------------------------------------------------------------------


def test_lazy_batches_compute_every_kth_penalty_times_k():
    """Calls 0, k, 2k, ... give k times the penalty of the same seed stream (a regularizer with every=1 called
    on those batches only), the others 0 with nothing drawn; the weight is the schedule's either way."""
    X, y = moons_batch()
    net = fl.mlp([2, 8, 8, 1], seed=0)
    lazy = fl.FoldingRegularizer(weight=0.5, seed=3, n_pairs=6, n_points=5, every=3)
    eager = fl.FoldingRegularizer(weight=0.5, seed=3, n_pairs=6, n_points=5, every=1)
    loss = lambda out, labels: out.mean()
    for call in range(8):
        task, penalty, weight = lazy.fused_loss(net, X, y, 1, loss)
        assert weight == 0.5 and task.item() == pytest.approx(net(X).mean().item(), rel=1e-12)
        if call % 3 == 0:
            assert penalty.item() == pytest.approx(3 * eager.penalty(net, X, y).item(), rel=1e-6)
        else:
            assert penalty.item() == 0.0
    assert (lazy.batches, lazy.calls, eager.calls) == (8, 3, 3)


def test_training_with_lazy_batches_counts_them_across_epochs():
    data = fl.toy_dataset("moons", n=120, seed=0)  # 90 training points: 3 batches of 32 per epoch
    reg = fl.FoldingRegularizer(weight=0.5, seed=1, n_pairs=6, n_points=8, every=4)
    history = fl.train(fl.mlp([2, 8, 8, 1], seed=3), data, epochs=4, batch_size=32, seed=2, regularizer=reg,
                       progress=False)
    assert (reg.batches, reg.calls) == (12, 3)  # batches 0, 4 and 8: epochs 1, 2 and 3
    assert [p > 0 for p in history.penalty[1:]] == [True, True, True, False]
    for e in range(1, 5):  # the loss is what was minimised: task + weight * (every * penalty, or 0)
        assert history.task_loss[e] + history.weight[e] * history.penalty[e] == pytest.approx(history.loss[e],
                                                                                              rel=1e-6)
    again = fl.train(fl.mlp([2, 8, 8, 1], seed=3), data, epochs=4, batch_size=32, seed=2, regularizer=reg,
                     progress=False)
    np.testing.assert_array_equal(again.loss, history.loss)  # the batch count restarts with the run


# --- the fast paths against a plain computation ------------------------------------------------------------

ELEMENTWISE_MODULES = {"relu": torch.nn.ReLU, "leaky_relu": lambda: torch.nn.LeakyReLU(0.1), "gelu": torch.nn.GELU,
                       "silu": torch.nn.SiLU, "tanh": torch.nn.Tanh}


def plain_penalty(net, X, pairs, n_points, temperature=0.1, max_temperature=0.05, eps=1e-3):
    """The penalty written out: the segment points one by one, a pass of the net over them alone, the soft
    bits layer by layer (SwiGLU's by its formula), and r1, r2 and chi_soft with loops over points."""
    spec = read_net(net)
    points = torch.stack([X[i] + (j + 0.5) / n_points * (X[k] - X[i]) for i, k in pairs for j in range(n_points)])
    with recording_preactivations(activation_calls(net)) as records:
        net(points)
    parts = []
    for layer, z in zip(spec.layers, records):
        soft = lambda t: torch.sigmoid(t / temperature) * (t != 0)
        if layer.activation.gated:
            u, v = z[:, : layer.width], z[:, layer.width :]
            parts.append(soft(u) * soft(v) + soft(-u) * soft(-v))
        else:
            parts.append(soft(z))
    bits = torch.cat(parts, dim=1)
    chis = []
    for s in range(len(pairs)):
        path = bits[s * n_points : (s + 1) * n_points]
        r2 = sum((path[j + 1] - path[j]).abs().sum() for j in range(n_points - 1))
        from_start = torch.stack([(path[j] - path[0]).abs().sum() for j in range(n_points)])
        r1 = (torch.softmax(from_start / max_temperature, dim=0) * from_start).sum()
        chis.append((r2 - r1) / (r2 + eps))
    return 1 - torch.stack(chis).mean()


def nets_for(activation):
    """A random net and the degenerate nets of tests/common.py (dead units, zero weights, coincident and
    concurrent boundaries), float64, with ``activation`` in every hidden layer."""
    yield "random", fl.mlp([2, 6, 5, 2], activation=activation, seed=4).double()
    if activation == "swiglu":  # a SwiGLU net with a dead gate layer: every u exactly 0 -> bits exactly 0
        net = fl.mlp([2, 6, 5, 2], activation=activation, seed=5).double()
        first = next(m for m in net.modules() if isinstance(m, torch.nn.Linear))
        with torch.no_grad():
            first.weight.zero_()
            first.bias.zero_()
        yield "zero_first_linear", net
        return
    for name, layers in DEGENERATE.items():
        net = net_from(layers).double()
        for i, module in enumerate(net):
            if isinstance(module, torch.nn.ReLU):
                net[i] = ELEMENTWISE_MODULES[activation]()
        yield name, net


@pytest.mark.parametrize("activation", ACTS)
def test_fast_paths_equal_the_plain_computation_values_and_gradients(activation):
    """folding_penalty (all layers' soft bits at once, broadcast segment points) and fused_loss (one pass over
    the batch and the segment points together) give the plain computation's value and parameter gradients."""
    g = torch.Generator().manual_seed(0)
    X = torch.rand(6, 2, generator=g, dtype=torch.float64) * 4 - 2
    y = torch.tensor([0, 0, 0, 1, 1, 1])
    pairs = [(i, k) for i in range(6) for k in range(i + 1, 6) if y[i] != y[k]]  # 9 pairs: all of them drawn

    def grads(value, params):
        found = torch.autograd.grad(value, params, allow_unused=True)
        return [torch.zeros_like(p) if d is None else d for p, d in zip(params, found)]

    for name, net in nets_for(activation):
        params = list(net.parameters())
        plain = plain_penalty(net, X, pairs, n_points=7)
        expected = grads(plain, params)
        function = fl.folding_penalty(net, X, y, n_pairs=9, n_points=7)
        reg = fl.FoldingRegularizer(weight=0.5, n_pairs=9, n_points=7, every=1)
        _, fused, _ = reg.fused_loss(net, X, y, 1, lambda out, labels: out.sum())
        for got in (function, fused):
            assert got.dtype == torch.float64
            assert got.item() == pytest.approx(plain.item(), rel=1e-12, abs=1e-14), name
            for a, b in zip(grads(got, params), expected):
                torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12, msg=name)
