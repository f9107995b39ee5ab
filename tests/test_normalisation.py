"""Normalised nets (weight normalisation, SELU) read exactly, and normalisation_statistics against a naive
recomputation with loops on a tiny net."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import stats
from torch import nn

import foldlab as fl
from foldlab.normalisation import NORMALISATIONS, NormalisationStudy, normalised_mlp

from .common import reference_patterns


def test_weight_norm_is_read_exactly_from_the_weight_it_computes():
    net = fl.mlp([3, 5, 4, 2], seed=0, norm="weight")
    with torch.no_grad():  # move g and V away from their start, so that W = g V / ||V|| is not V
        for layer in (net[0], net[2], net[4]):
            layer.parametrizations.weight.original0.mul_(torch.linspace(0.5, 2.0, layer.out_features)[:, None])
            layer.parametrizations.weight.original1.add_(0.1)
    spec = fl.read_net(net)
    linears = [net[0], net[2]]
    for layer, module in zip(spec.layers, linears):
        V = module.parametrizations.weight.original1.detach().double()
        g = module.parametrizations.weight.original0.detach().double()
        W = module.weight.detach().double()
        assert torch.equal(layer.affine.weight, W)  # the float32 weight the module uses, copied exactly
        assert torch.allclose(W, g * V / V.norm(dim=1, keepdim=True), atol=1e-6)
    x = torch.randn(200, 3, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    assert torch.allclose(spec(x), net(x.float()).double(), atol=1e-5)
    assert torch.equal(fl.activation_patterns(net, x), reference_patterns(net, x))
    assert spec.piecewise_linear


def test_weight_norm_starts_at_the_plain_weights():
    plain, normed = fl.mlp([3, 6, 2], seed=4), fl.mlp([3, 6, 2], seed=4, norm="weight")
    assert torch.allclose(plain[0].weight, normed[0].weight, rtol=1e-6, atol=1e-7)
    assert torch.equal(plain[0].bias, normed[0].bias)


def test_selu_bits_are_the_sign_of_the_preactivation():
    net = fl.mlp([2, 7, 5, 1], "selu", seed=2)
    assert isinstance(net[1], nn.SELU)
    x = torch.randn(300, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    spec = fl.read_net(net)
    assert torch.equal(fl.activation_patterns(net, x), reference_patterns(net, x))
    z0 = x @ net[0].weight.double().T + net[0].bias.double()  # layer 0 by hand
    assert torch.equal(fl.activation_patterns(net, x, layers=0), z0 > 0)
    assert not spec.piecewise_linear
    with pytest.raises(fl.NotPiecewiseLinear, match="hidden layer 0"):
        spec.check_piecewise_linear("an exact arrangement")


@pytest.fixture(scope="module")
def tiny():
    data = fl.toy_dataset("moons", n=60, seed=0)
    study = fl.normalisation_statistics(data, ["none", "batch", "selu"], depths=[1, 2], width=4, epochs=2, seed=3,
                                        n_pairs=40, batch_size=16)
    return data, study


def test_statistics_match_a_naive_recomputation(tiny):
    data, study = tiny
    X = data.X_test.double()
    pairs = fl.random_pairs(len(X), 40, 3)
    assert study.n_pairs == 40 and len(study.runs) == 6
    for run in study.runs:
        net = normalised_mlp([2] + [4] * run.depth + [1], run.norm, seed=3)
        history = fl.train(net, data, epochs=2, seed=3, batch_size=16, keep_snapshots=True, progress=False)
        assert list(run.test_accuracy) == history.test_accuracy
        for epoch, snapshot in enumerate(history.snapshots):
            P = reference_patterns(snapshot.eval(), X).numpy()
            for layer in range(run.depth):
                bits = P[:, 4 * layer: 4 * layer + 4]
                counts = [sum(int(bits[i, u]) for i in range(len(X))) for u in range(4)]
                assert run.probability[layer][epoch].tolist() == [c / len(X) for c in counts]
                assert run.dead[epoch, layer] == sum(c == 0 for c in counts) / 4
                assert run.always_on[epoch, layer] == sum(c == len(X) for c in counts) / 4
                d = [sum(int(bits[a, u] != bits[b, u]) for u in range(4)) for a, b in pairs]
                assert run.distances[epoch, layer].tolist() == d
                s, N = sum(d), 4 * len(d)
                p = 1.0 if 2 * s == N else min(1.0, 2 * stats.binom.cdf(min(s, N - s), N, 0.5))
                assert run.p_values[epoch, layer] == pytest.approx(p, rel=1e-12, abs=1e-300)
        assert run.random_fraction.tolist() == [np.mean([p >= 0.05 for p in row]) for row in run.p_values]


def test_the_same_seed_gives_the_same_numbers(tiny):
    data, study = tiny
    again = fl.normalisation_statistics(data, ["none", "batch", "selu"], depths=[1, 2], width=4, epochs=2, seed=3,
                                        n_pairs=40, batch_size=16)
    for a, b in zip(study.runs, again.runs):
        assert (a.norm, a.depth) == (b.norm, b.depth)
        for name in ("dead", "always_on", "distances", "p_values"):
            assert np.array_equal(getattr(a, name), getattr(b, name))
        assert all(np.array_equal(x, y) for x, y in zip(a.probability, b.probability))
        assert a.test_accuracy == b.test_accuracy
    other = fl.normalisation_statistics(data, ["none"], depths=2, width=4, epochs=2, seed=4, n_pairs=40, batch_size=16)
    assert not np.array_equal(other.runs[0].distances, study.run("none", 2).distances)


def test_batchnorm_is_the_plain_net_at_epoch_0(tiny):
    _, study = tiny
    for depth in study.depths:
        plain, batch = study.run("none", depth), study.run("batch", depth)
        assert np.array_equal(plain.distances[0], batch.distances[0])
        assert all(np.array_equal(a[0], b[0]) for a, b in zip(plain.probability, batch.probability))


def test_study_lookup_table_and_repr(tiny):
    _, study = tiny
    assert isinstance(study, NormalisationStudy)
    assert study.norms == ("none", "batch", "selu") and study.depths == (1, 2)
    assert study.run("selu", 2).depth == 2 and study.run("none").depth == 1
    lines = study.table().splitlines()
    assert len(lines) == 7 and lines[1].split()[:2] == ["none", "1"]
    assert "NormalisationRun(norm='batch', depth=1, epochs=2" in repr(study.run("batch", 1))
    with pytest.raises(ValueError, match="norm must be one of"):
        study.run("layer")
    with pytest.raises(ValueError, match="depth must be one of"):
        study.run("none", 3)


def test_every_normalisation_builds_and_reads():
    for norm in NORMALISATIONS:
        net = normalised_mlp([3, 4, 4, 2], norm, seed=0).eval()
        x = torch.randn(20, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
        assert torch.equal(fl.activation_patterns(net, x), reference_patterns(net, x)), norm
        assert fl.read_net(net).piecewise_linear == (norm in ("none", "batch", "weight")), norm


@pytest.mark.parametrize("call, error, message", [
    (lambda d: fl.normalisation_statistics("digits"), TypeError, "data must be a foldlab Dataset"),
    (lambda d: fl.normalisation_statistics(d, "batch"), TypeError, "norms must be a sequence"),
    (lambda d: fl.normalisation_statistics(d, ["group"]), ValueError, r"norms\[0\] must be one of"),
    (lambda d: fl.normalisation_statistics(d, []), ValueError, "at least one normalisation"),
    (lambda d: fl.normalisation_statistics(d, ["none", "none"]), ValueError, "each once"),
    (lambda d: fl.normalisation_statistics(d, depths=0), ValueError, "depths must be an int >= 1"),
    (lambda d: fl.normalisation_statistics(d, depths=[2, 2]), ValueError, "each once"),
    (lambda d: fl.normalisation_statistics(d, depths=2.0), TypeError, "depths"),
    (lambda d: fl.normalisation_statistics(d, width=0), ValueError, "width"),
    (lambda d: fl.normalisation_statistics(d, epochs=-1), ValueError, "epochs"),
    (lambda d: fl.normalisation_statistics(d, n_pairs=0), ValueError, "n_pairs"),
    (lambda d: fl.normalisation_statistics(d, alpha=1.0), ValueError, "alpha"),
    (lambda d: fl.normalisation_statistics(d, seed=-1), ValueError, "seed"),
    (lambda d: normalised_mlp([2, 3, 1], "group"), ValueError, "norm must be one of"),
    (lambda d: fl.mlp([2, 3, 1], "swiglu", norm="weight"), ValueError, "norm= is not available"),
])
def test_bad_inputs_are_refused_naming_the_argument(call, error, message):
    data = fl.toy_dataset("moons", n=40, seed=0)
    with pytest.raises(error, match=message):
        call(data)
