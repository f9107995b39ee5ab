"""The training helper is seeded, learns, and refuses bad arguments."""

import pytest
import torch

import foldlab as fl


def test_same_seed_same_weights():
    data = fl.toy_dataset("moons", n=120, seed=0)
    a, b = fl.mlp([2, 8, 1], seed=1), fl.mlp([2, 8, 1], seed=1)
    fl.train(a, data, epochs=3, seed=5, progress=False)
    fl.train(b, data, epochs=3, seed=5, progress=False)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


def test_learns_digits_and_keeps_snapshots():
    data = fl.load_digits(seed=0)
    net = fl.mlp([64, 32, 10], seed=0)
    history = fl.train(net, data, epochs=5, keep_snapshots=True, progress=False)
    assert history.epochs == 5 and len(history.snapshots) == 6
    assert history.test_accuracy[-1] > 0.85 > history.test_accuracy[0]
    assert not torch.equal(history.snapshots[0][0].weight, history.snapshots[-1][0].weight)


def test_penalty_is_added():
    data = fl.toy_dataset("xor", n=80, seed=0)
    calls = []

    def penalty(net, X, y, epoch):
        calls.append(epoch)
        return 0.0 * net[0].weight.sum()

    fl.train(fl.mlp([2, 4, 1]), data, epochs=2, batch_size=40, penalty=penalty, progress=False)
    assert calls == [1, 1, 2, 2]


def test_bad_arguments():
    digits = fl.load_digits(seed=0)
    with pytest.raises(ValueError, match="labels go up to 9 but the net has only 2 outputs"):
        fl.train(fl.mlp([64, 8, 2]), digits, epochs=1, progress=False)
    with pytest.raises(ValueError, match="one output trains on two classes"):
        fl.train(fl.mlp([64, 8, 1]), digits, epochs=1, progress=False)
    with pytest.raises(ValueError, match="cannot take the inputs of 'digits', which have 64 features"):
        fl.train(fl.mlp([2, 8, 2]), digits, epochs=1, progress=False)
    with pytest.raises(ValueError, match="epochs must be an int >= 0, got -1"):
        fl.train(fl.mlp([2, 8, 1]), fl.toy_dataset("moons"), epochs=-1)


def test_batchnorm_net_trains_even_with_a_one_sample_last_batch():
    data = fl.toy_dataset("moons", n=88, seed=0)  # 66 training points: batches of 13 leave one over
    net = fl.mlp([2, 8, 1], seed=0, norm="batch")
    history = fl.train(net, data, epochs=2, batch_size=13, progress=False)
    assert history.epochs == 2 and net.training  # the mode it came in with
