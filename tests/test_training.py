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


# --- all or nothing: bad arguments refused, a failed run restores the net ------------------------------------

import copy  # noqa: E402

import numpy as np  # noqa: E402
from torch import nn  # noqa: E402


def state_of(net):
    return {k: v.clone() for k, v in net.state_dict().items()}


def same_state(net, state):
    now = net.state_dict()
    return now.keys() == state.keys() and all(torch.equal(now[k], state[k]) for k in state)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(lr=float("inf")), ValueError, "lr must be a finite number, got inf"),
        (dict(lr=float("nan")), ValueError, "lr must be a finite number, got nan"),
        (dict(lr="0.1"), TypeError, "lr must be a real number, got '0.1'"),
        (dict(lr=0), ValueError, "lr must be a number > 0"),
        (dict(seed=-1), ValueError, r"seed must be an int in \[0, 4294967295\], got -1"),
        (dict(seed=1.5), TypeError, "seed must be an int, got 1.5"),
        (dict(seed=None), TypeError, "seed must be an int, got None"),
        (dict(epochs=1.0), TypeError, "epochs must be an int, got 1.0"),
        (dict(batch_size=0), ValueError, "batch_size must be an int >= 1, got 0"),
        (dict(weight_decay=float("nan")), ValueError, "weight_decay must be a finite number"),
        (dict(weight_decay=-1), ValueError, "weight_decay must be a number >= 0"),
        (dict(penalty=5), TypeError, "penalty must be None or a callable"),
        (dict(progress=1), TypeError, "progress must be True or False, got 1"),
        (dict(keep_snapshots="yes"), TypeError, "keep_snapshots must be True or False"),
    ],
)
def test_train_arguments_are_checked_before_anything_runs(kwargs, error, match):
    data = fl.toy_dataset("moons", n=40, seed=0)
    net = fl.mlp([2, 4, 1], seed=0)
    before, rng = state_of(net), torch.get_rng_state()
    with pytest.raises(error, match=match):
        fl.train(net, data, **{"epochs": 1, "progress": False, **kwargs})
    assert same_state(net, before) and torch.equal(rng, torch.get_rng_state())


def test_train_accepts_numpy_ints():
    data = fl.toy_dataset("moons", n=40, seed=0)
    a, b = fl.mlp([2, 4, 1], seed=0), fl.mlp([2, 4, 1], seed=0)
    fl.train(a, data, epochs=np.int64(2), batch_size=np.int32(8), seed=np.uint8(3), progress=False)
    fl.train(b, data, epochs=2, batch_size=8, seed=3, progress=False)
    assert same_state(a, state_of(b))


def test_train_refuses_odd_nets_and_data():
    data = fl.toy_dataset("moons", n=40, seed=0)
    frozen = fl.mlp([2, 4, 1], seed=0).requires_grad_(False)
    flat = nn.Sequential(nn.Linear(2, 1), nn.Flatten(0))  # logits of shape (n,), not (n, 1)
    cases = [
        ((None, data), TypeError, "net must be a torch.nn.Module, got None"),
        ((nn.ReLU(), data), ValueError, r"net has no parameters \(ReLU\)"),
        ((frozen, data), ValueError, "net has no trainable parameters"),
        ((flat, data), ValueError, r"logits of shape \(n, k\); it returned \(1,\)"),
        ((fl.mlp([2, 4, 1]), None), TypeError, "data must be a foldlab Dataset"),
        ((fl.mlp([2, 4, 1]), (data.X, data.y)), TypeError, "data must be a foldlab Dataset"),
    ]
    for (net, d), error, match in cases:
        with pytest.raises(error, match=match):
            fl.train(net, d, epochs=1, progress=False)
    # NaN inputs cannot even make a Dataset (before, train ran on them and reported a NaN loss)
    with pytest.raises(ValueError, match="Dataset.X contains NaN"):
        fl.data.Dataset(data.X * float("nan"), data.y, data.X_test, data.y_test, "nan")


def dropout_batchnorm_net():
    with torch.random.fork_rng():  # seeded layers, and the global RNG left as it was
        torch.manual_seed(0)
        return nn.Sequential(nn.Linear(2, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 1))


@pytest.mark.parametrize("cause", ["nan penalty at epoch 2", "lr=1e30", "lr=1e38", "penalty raises"])
def test_a_failed_run_restores_the_net_its_buffers_mode_and_the_global_rng(cause):
    """Before, a NaN loss went on silently (history.loss full of nan, the weights NaN); now train raises
    and leaves the parameters, the BatchNorm statistics, the mode and torch's RNG as they were."""
    data = fl.toy_dataset("moons", n=120, seed=0)
    net = dropout_batchnorm_net().eval()

    def penalty(net, X, y, epoch):
        if cause == "penalty raises" and epoch == 2:
            raise KeyError("the penalty's own bug")
        bad = cause == "nan penalty at epoch 2" and epoch == 2
        return net[0].weight.sum() * 0 + (float("nan") if bad else 0.0)

    lr = {"lr=1e30": 1e30, "lr=1e38": 1e38}.get(cause, 1e-2)
    before, rng = state_of(net), torch.get_rng_state()
    error = KeyError if cause == "penalty raises" else ValueError
    with pytest.raises(error) as info:
        fl.train(net, data, epochs=3, lr=lr, penalty=penalty, progress=False)
    if error is ValueError:
        assert "were restored to what they were before the call" in str(info.value)
        assert f"lr={lr}" in str(info.value)
    assert same_state(net, before)  # weights, running_mean/var, num_batches_tracked
    assert not net.training and torch.equal(rng, torch.get_rng_state())
    # and the restored net trains as a fresh copy of it would
    twin = copy.deepcopy(net)
    fl.train(net, data, epochs=1, progress=False)
    torch.set_rng_state(rng)
    fl.train(twin, data, epochs=1, progress=False)
    assert same_state(net, state_of(twin))


def test_accuracy_checks_its_inputs(digits, digits_net):
    assert fl.accuracy(digits_net, digits.X_test, digits.y_test) > 0.8  # a frozen net is fine to evaluate
    assert np.isnan(fl.accuracy(digits_net, torch.zeros(0, 64), torch.zeros(0, dtype=torch.int64)))
    with pytest.raises(ValueError, match=r"expected y with one label per point \(449\), got 3 labels"):
        fl.accuracy(digits_net, digits.X_test, digits.y_test[:3])
    with pytest.raises(TypeError, match="X must hold numbers"):
        fl.accuracy(digits_net, None, digits.y_test)
    with pytest.raises(ValueError, match="X contains NaN"):
        fl.accuracy(digits_net, digits.X_test * float("nan"), digits.y_test)
    with pytest.raises(ValueError, match="the net cannot take X, which have 3 features"):
        fl.accuracy(digits_net, torch.zeros(2, 3), [0, 1])


# --- training with the folding regularizer ---------------------------------------------------------------------

from foldlab.training import PHI_PAIRS  # noqa: E402


def moons_run(phi_every=2, keep_snapshots=False, **reg_options):
    data = fl.toy_dataset("moons", n=120, seed=0)
    net = fl.mlp([2, 8, 8, 1], seed=3)
    reg = fl.FoldingRegularizer(**{"weight": 0.5, "schedule": "linear", "epochs": 4, "seed": 1, "n_pairs": 6,
                                   "n_points": 8, "every": 1, **reg_options})
    history = fl.train(net, data, epochs=4, batch_size=32, seed=2, regularizer=reg, phi_every=phi_every,
                       keep_snapshots=keep_snapshots, progress=False)
    return data, net, reg, history


def test_regularized_history_fields():
    data, net, reg, history = moons_run(phi_every=2, keep_snapshots=True)
    assert history.weight[1:] == [reg.weight_at(e) for e in range(1, 5)] == pytest.approx([0.5, 1 / 3, 1 / 6, 0.0])
    for e in range(1, 5):
        assert history.task_loss[e] + history.weight[e] * history.penalty[e] == pytest.approx(history.loss[e],
                                                                                              rel=1e-6)
    assert all(0 < p <= 1 for p in history.penalty[1:4]) and history.penalty[4] == 0  # weight 0: not computed
    # Phi_N at epochs 0, 2, 4, and each equals a direct global_folding call on that epoch's snapshot
    assert [e for e, p in enumerate(history.phi) if not np.isnan(p)] == [0, 2, 4]
    for e in (0, 2, 4):
        direct = fl.global_folding(history.snapshots[e], data.X, data.y, n_pairs=PHI_PAIRS, seed=2, progress=False)
        assert history.phi[e] == float(direct.phi)
    assert history.last_phi == history.phi[4]
    text = repr(history)
    assert "penalty=" in text and "weight=" in text and f"phi={history.phi[4]:.4f}" in text


def test_plain_history_records_zero_penalty_and_the_task_loss():
    data = fl.toy_dataset("moons", n=120, seed=0)
    history = fl.train(fl.mlp([2, 8, 1], seed=0), data, epochs=3, progress=False)
    assert history.task_loss[1:] == history.loss[1:]
    assert history.penalty[1:] == history.weight[1:] == [0.0] * 3
    assert all(np.isnan(p) for p in history.phi)
    assert "penalty" not in repr(history) and "phi" not in repr(history)


def test_a_penalty_callable_is_recorded_with_weight_one():
    data = fl.toy_dataset("moons", n=120, seed=0)
    history = fl.train(fl.mlp([2, 8, 1], seed=0), data, epochs=2, progress=False,
                       penalty=lambda net, X, y, epoch: 0.25 + 0 * net[0].weight.sum())
    assert history.weight[1:] == [1.0, 1.0] and history.penalty[1:] == pytest.approx([0.25, 0.25])
    assert history.loss[1:] == pytest.approx([t + 0.25 for t in history.task_loss[1:]])


def test_same_seed_same_regularized_history_including_phi():
    _, net_a, reg, a = moons_run(phi_every=1)
    _, net_b, _, b = moons_run(phi_every=1)
    for field_ in ("loss", "task_loss", "penalty", "weight", "phi", "train_accuracy", "test_accuracy"):
        np.testing.assert_array_equal(getattr(a, field_), getattr(b, field_), err_msg=field_)
    assert same_state(net_a, state_of(net_b))
    # the same regularizer object used again restarts its seed stream: the same run once more
    data = fl.toy_dataset("moons", n=120, seed=0)
    c = fl.train(fl.mlp([2, 8, 8, 1], seed=3), data, epochs=4, batch_size=32, seed=2, regularizer=reg,
                 phi_every=1, progress=False)
    np.testing.assert_array_equal(c.loss, a.loss)
    np.testing.assert_array_equal(c.phi, a.phi)


def test_the_fused_loss_is_task_loss_plus_a_separate_penalty():
    """In float64 the one-pass loss of train is the task loss of net(X) plus the weighted penalty of a second
    pass with the same segments, to 1e-12."""
    from foldlab.training import _loss

    data = fl.toy_dataset("moons", n=120, seed=0)
    net = fl.mlp([2, 8, 8, 1], seed=0).double()
    X, y = data.X.double()[:40], data.y[:40]
    fused, apart = (fl.FoldingRegularizer(weight=0.7, seed=4, n_pairs=9, n_points=7, every=1) for _ in range(2))
    for epoch in (1, 2):
        task, pen, weight = fused.fused_loss(net, X, y, epoch, _loss)
        expected = _loss(net(X), y) + apart(net, X, y, epoch)
        assert abs((task + weight * pen).item() - expected.item()) < 1e-12


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(phi_every=0), ValueError, "phi_every must be an int >= 1, got 0"),
        (dict(phi_every=1.5), TypeError, "phi_every must be an int, got 1.5"),
        (dict(phi_every=True), TypeError, "phi_every must be an int"),
        (dict(regularizer=lambda net, X, y, epoch: 0), TypeError, "regularizer must be None or a foldlab "
                                                                  "FoldingRegularizer"),
        (dict(regularizer=fl.FoldingRegularizer(), penalty=lambda net, X, y, epoch: 0), ValueError,
         "pass either penalty= or regularizer=, not both"),
    ],
)
def test_regularizer_arguments_are_checked(kwargs, error, match):
    data = fl.toy_dataset("moons", n=40, seed=0)
    net = fl.mlp([2, 4, 1], seed=0)
    before = state_of(net)
    with pytest.raises(error, match=match):
        fl.train(net, data, epochs=1, progress=False, **kwargs)
    assert same_state(net, before)


class RaisesAtEpoch2(fl.FoldingRegularizer):
    def fused_loss(self, net, X, y, epoch, task_loss):
        if epoch == 2:
            raise KeyError("the regularizer's own bug")
        return super().fused_loss(net, X, y, epoch, task_loss)


def test_a_regularizer_that_raises_mid_run_restores_everything():
    data = fl.toy_dataset("moons", n=120, seed=0)
    net = fl.mlp([2, 8, 1], seed=0)
    reg = RaisesAtEpoch2(weight=0.5, n_pairs=4, n_points=4)
    reg.calls = 17
    before, rng = state_of(net), torch.get_rng_state()
    with pytest.raises(KeyError, match="the regularizer's own bug"):
        fl.train(net, data, epochs=3, regularizer=reg, phi_every=1, progress=False)
    assert same_state(net, before) and torch.equal(rng, torch.get_rng_state()) and reg.calls == 17
    assert net.training  # the mode it came in with


def test_the_progress_bar_shows_the_regularizer(capsys):
    data = fl.toy_dataset("moons", n=60, seed=0)
    reg = fl.FoldingRegularizer(weight=0.5, n_pairs=4, n_points=4)
    fl.train(fl.mlp([2, 4, 1], seed=0), data, epochs=2, regularizer=reg, phi_every=1, progress=True)
    err = capsys.readouterr().err
    for key in ("loss=", "penalty=", "weight=0.5", "train_acc=", "phi="):
        assert key in err, (key, err)


# --- training until a target accuracy -------------------------------------------------------------------

def test_training_stops_at_the_first_epoch_that_reaches_the_target():
    """The net trained until the target is the net after that epoch of the same run for the whole budget."""
    data = fl.toy_dataset("moons", n=200, seed=1)
    full_net = fl.mlp([2, 12, 12, 1], seed=3)
    full = fl.train(full_net, data, epochs=25, seed=2, keep_snapshots=True, progress=False)
    target = 0.85
    hit = next(e for e, acc in enumerate(full.test_accuracy) if e > 0 and acc >= target)
    assert 0 < hit < 25  # the case tests something
    net = fl.mlp([2, 12, 12, 1], seed=3)
    history = fl.train(net, data, epochs=25, seed=2, target_accuracy=target, progress=False)
    assert history.epochs == hit
    assert history.test_accuracy == full.test_accuracy[: hit + 1] and history.loss[1:] == full.loss[1 : hit + 1]
    for a, b in zip(net.state_dict().values(), full.snapshots[hit].state_dict().values()):
        assert torch.equal(a, b)


def test_an_unreachable_target_trains_the_whole_budget():
    data = fl.toy_dataset("moons", n=120, noise=0.4, seed=0)
    history = fl.train(fl.mlp([2, 4, 1], seed=0), data, epochs=4, target_accuracy=1.0, progress=False)
    assert history.epochs == 4 and history.test_accuracy[-1] < 1.0


@pytest.mark.parametrize("target,error", [(0.0, ValueError), (1.5, ValueError), (float("nan"), ValueError),
                                          ("0.9", TypeError), (True, TypeError)])
def test_a_bad_target_accuracy_is_refused(target, error):
    data = fl.toy_dataset("moons", n=60, seed=0)
    with pytest.raises(error, match="target_accuracy"):
        fl.train(fl.mlp([2, 4, 1], seed=0), data, epochs=2, target_accuracy=target, progress=False)


def test_a_target_needs_a_test_split():
    data = fl.toy_dataset("moons", n=60, seed=0, test_fraction=0.0)
    with pytest.raises(ValueError, match="target_accuracy=0.9 is measured on data's test split"):
        fl.train(fl.mlp([2, 4, 1], seed=0), data, epochs=2, target_accuracy=0.9, progress=False)
