"""Every public function of the data, training, nets, patterns, pattern statistics, null test, constellations,
global folding and measures modules, driven with bad inputs as a careful user would send them.

Each case must end in a clear ``TypeError`` or ``ValueError`` (or one of foldlab's subclasses, such as
:class:`foldlab.OverBudget`) raised by foldlab itself, never by torch, numpy, scipy or scikit-learn from deep
inside them (:func:`assert_clear` checks the frame that raised), whose message names the argument. The
families: floats, strings, bools, None and complex numbers for ints and numbers; NaN and inf; negative, zero,
empty and huge sizes; wrong shapes and dtypes; odd nets; corrupt files. Large cases also run in a
subprocess whose peak resident memory must stay under 1 GiB.
"""

from __future__ import annotations

import gzip
import random
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import foldlab as fl
from foldlab import constellations, data, folding, nets, null_test, pattern_stats, patterns
from tests.large_cases import LARGE, SCRIPT_ONLY, measure_here

PACKAGE = Path(fl.__file__).resolve().parent
NAN, INF = float("nan"), float("inf")


def raising_file(error: BaseException) -> Path:
    """The file of the innermost frame of the traceback: where the exception was raised."""
    tb = error.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    return Path(tb.tb_frame.f_code.co_filename).resolve()


def assert_clear(call, errors, *names: str) -> BaseException:
    """``call()`` raises one of ``errors`` from a frame inside foldlab, and the message names ``names``."""
    with pytest.raises(errors) as info:
        call()
    where = raising_file(info.value)
    assert PACKAGE in where.parents, f"raised inside {where}, not in foldlab: {info.value!r}"
    message = str(info.value)
    for name in names:
        assert name in message, f"{name!r} is not named in {message!r}"
    return info.value


def test_the_helper_rejects_errors_raised_inside_numpy_torch_and_sklearn():
    """The check can fail: an error raised by numpy (or by torch) is refused even though it is a ValueError."""
    with pytest.raises(AssertionError, match="not in foldlab"):
        assert_clear(lambda: np.random.default_rng(-1), ValueError)
    with pytest.raises(AssertionError, match="not in foldlab"):
        assert_clear(lambda: torch.zeros(2) + torch.zeros(3), RuntimeError)
    with pytest.raises(AssertionError, match="is not named"):
        assert_clear(lambda: fl.mlp([2, 0, 1]), ValueError, "seed")


# --- families of bad values ------------------------------------------------------------------------------------

def int_family(name: str, call, *, low: int | None = None, none_ok: bool = False):
    """Bad values for an int argument (``low``: the smallest valid value)."""
    cases = [(2.0, TypeError), (2.5, TypeError), ("2", TypeError), (True, TypeError), (2 + 0j, TypeError),
             (np.float64(2.0), TypeError), (NAN, TypeError), ([2], TypeError)]
    if not none_ok:
        cases.append((None, TypeError))
    if low is not None:
        cases.append((low - 1, ValueError))
    return [(f"{name}={value!r}", lambda v=value: call(v), error, name) for value, error in cases]


def seed_family(name: str, call):
    cases = [(-1, ValueError), (2**32, ValueError), (2**70, ValueError), (1.5, TypeError), (1.0, TypeError),
             (None, TypeError), ("1", TypeError), (True, TypeError), (np.float32(1), TypeError)]
    return [(f"{name}={value!r}", lambda v=value: call(v), error, name) for value, error in cases]


def float_family(name: str, call, *, nonnegative: bool = False, positive: bool = False, none_ok: bool = False):
    cases = [(NAN, ValueError), (INF, ValueError), (-INF, ValueError), ("0.1", TypeError), (0.1 + 1j, TypeError),
             (True, TypeError), ([0.1], TypeError), (np.complex64(1), TypeError)]
    if not none_ok:
        cases.append((None, TypeError))
    if nonnegative or positive:
        cases.append((-0.5, ValueError))
    if positive:
        cases.append((0.0, ValueError))
    return [(f"{name}={value!r}", lambda v=value: call(v), error, name) for value, error in cases]


def bool_family(name: str, call):
    return [(f"{name}={value!r}", lambda v=value: call(v), TypeError, name) for value in (1, 0, "yes", None, 1.0)]


def array_family(name: str, call, good: np.ndarray):
    """Bad arrays where ``good`` (float, shape (n, d)) would do."""
    nan, inf = good.copy(), good.copy()
    nan[0, 0], inf[-1, -1] = NAN, INF
    cases = [
        ("NaN", nan, ValueError, "NaN"),
        ("inf", inf, ValueError, "inf"),
        ("complex", good.astype(complex), TypeError, "complex"),
        ("complex tensor", torch.as_tensor(good).to(torch.complex64), TypeError, "complex"),
        ("strings", good.astype(str), TypeError, name),
        ("a string", "0.5, 0.5", TypeError, name),
        ("None", None, TypeError, name),
        ("objects", np.array([[object()] * good.shape[1]] * len(good)), TypeError, name),
        ("ragged", [[0.0] * good.shape[1], [0.0]], ValueError, name),
        ("3-D", good[None], ValueError, name),
        ("empty", good[:0], ValueError, "empty"),
        ("wrong width", np.zeros((len(good), good.shape[1] + 1)), ValueError, name),
    ]
    return [(f"{name} {label}", lambda v=value: call(v), error, word) for label, value, error, word in cases]


def bits_family(name: str, call, good: np.ndarray):
    """Bad pattern arguments where ``good`` (0/1 of shape (n, m)) would do."""
    def with_first(value):
        bad = good.astype(type(value))
        bad.flat[0] = value
        return bad

    cases = [
        ("a 2", with_first(2), ValueError, name),
        ("NaN", with_first(NAN), ValueError, "nan"),
        ("0.5", with_first(0.5), ValueError, name),
        ("complex", good.astype(complex), TypeError, "complex"),
        ("strings", good.astype(str), TypeError, name),
        ("a string", "0101", TypeError, name),
        ("None", None, TypeError, name),
        ("objects", np.full(good.shape, object()), TypeError, name),
        ("ragged", [[0, 1], [0]], ValueError, name),
    ]
    return [(f"{name} {label}", lambda v=value: call(v), error, word) for label, value, error, word in cases]


# --- the cases -------------------------------------------------------------------------------------------------

NET = fl.mlp([2, 5, 4, 1], seed=0)
X = np.random.default_rng(0).normal(size=(12, 2))
Y = np.arange(12) % 2
P = np.random.default_rng(1).random((12, 6)) < 0.5
DS = fl.toy_dataset("moons", n=40, seed=0)


def train(**kwargs):
    arguments = dict(net=fl.mlp([2, 4, 1], seed=0), data=DS, epochs=1, progress=False)
    arguments.update(kwargs)
    return fl.train(**arguments)


def gf(**kwargs):
    arguments = dict(net=NET, X=X, y=Y, n_pairs=4)
    arguments.update(kwargs)
    return fl.global_folding(**arguments)


def odd_nets():
    flat = nn.Sequential(nn.Linear(2, 1), nn.Flatten(0))

    class Tuple(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(2, 2)

        def forward(self, x):
            return self.linear(x), x

    tuple_net = Tuple()
    conv = nn.Sequential(nn.Conv1d(1, 1, 1))
    dropout = nn.Sequential(nn.Linear(2, 3), nn.Dropout(), nn.ReLU(), nn.Linear(3, 1))  # training mode
    return [
        ("patterns net=None", lambda: fl.activation_patterns(None, X), TypeError, "None"),
        ("patterns net='net'", lambda: fl.activation_patterns("net", X), TypeError, "'net'"),
        ("patterns net=ReLU", lambda: fl.activation_patterns(nn.ReLU(), X), TypeError, "ReLU"),
        ("patterns net=Conv1d", lambda: fl.activation_patterns(conv, X), TypeError, "Conv1d"),
        ("patterns dropout in training mode", lambda: fl.activation_patterns(dropout, X), ValueError, "Dropout"),
        ("probability net=None", lambda: fl.activation_probability(None, X), TypeError, "None"),
        ("histograms net=Conv1d", lambda: fl.hamming_histograms(conv, X), TypeError, "Conv1d"),
        ("global_folding net='net'", lambda: gf(net="net"), TypeError, "'net'"),
        ("global_folding net=ReLU", lambda: gf(net=nn.ReLU()), TypeError, "ReLU"),
        ("train net=None", lambda: train(net=None), TypeError, "net"),
        ("train net=ReLU", lambda: train(net=nn.ReLU()), ValueError, "net"),
        ("train frozen net", lambda: train(net=fl.mlp([2, 4, 1]).requires_grad_(False)), ValueError, "net"),
        ("train logits of shape (n,)", lambda: train(net=flat), ValueError, "net"),
        ("train a tuple out", lambda: train(net=tuple_net), ValueError, "net"),
        ("train too few outputs", lambda: train(data=fl.load_digits(), net=fl.mlp([64, 4, 2])), ValueError, "labels"),
        ("train wrong input width", lambda: train(net=fl.mlp([3, 4, 1])), ValueError, "net"),
        ("train NaN weights", lambda: train(net=fl.mlp([2, 4, 1]).apply(
            lambda m: m.weight.data.fill_(NAN) if isinstance(m, nn.Linear) else None)), ValueError, "NaN"),
        ("accuracy net=None", lambda: fl.accuracy(None, X, Y), TypeError, "net"),
        ("accuracy net wrong width", lambda: fl.accuracy(fl.mlp([3, 4, 1]), X, Y), ValueError, "X"),
    ]


def data_cases():
    cases = []
    cases += int_family("n", lambda v: fl.toy_dataset(n=v), low=4)
    cases += seed_family("seed", lambda v: fl.toy_dataset(seed=v))
    cases += int_family("depth", lambda v: fl.toy_dataset("cantor", depth=v), low=1)
    cases += float_family("noise", lambda v: fl.toy_dataset(noise=v), nonnegative=True, none_ok=True)
    cases += float_family("test_fraction", lambda v: fl.toy_dataset(test_fraction=v), nonnegative=True)
    cases += [
        ("name=5", lambda: fl.toy_dataset(5), ValueError, "name"),
        ("name=['moons']", lambda: fl.toy_dataset(["moons"]), ValueError, "name"),
        ("name='Moons'", lambda: fl.toy_dataset("Moons"), ValueError, "name"),
        ("depth=10**8 (hung before)", lambda: fl.toy_dataset("cantor", depth=10**8), ValueError, "depth"),
        ("depth=21", lambda: fl.toy_dataset("cantor", depth=21), ValueError, "depth"),
        ("test_fraction=1", lambda: fl.toy_dataset(test_fraction=1), ValueError, "test_fraction"),
        ("test_fraction=0.999 (empty training set)", lambda: fl.toy_dataset(test_fraction=0.999), ValueError,
         "test_fraction"),
        ("n=10**12", lambda: fl.toy_dataset(n=10**12), fl.OverBudget, "n="),
        ("noise=1e300", lambda: fl.toy_dataset(noise=1e300), fl.NumericalRange, "noise"),
    ]
    cases += float_family("fraction", lambda v: fl.with_label_noise(DS, v), nonnegative=True)
    cases += seed_family("seed", lambda v: fl.with_label_noise(DS, 0.1, seed=v))
    cases += [
        ("with_label_noise fraction=1.5", lambda: fl.with_label_noise(DS, 1.5), ValueError, "fraction"),
        ("with_label_noise data=(X, y)", lambda: fl.with_label_noise((DS.X, DS.y), 0.1), TypeError, "Dataset"),
    ]
    cases += seed_family("seed", lambda v: fl.load_digits(seed=v))
    cases += float_family("test_fraction", lambda v: fl.load_digits(test_fraction=v), nonnegative=True)
    cases += bool_family("scale", lambda v: fl.load_digits(scale=v))
    # Dataset made by hand
    X_, y_ = torch.zeros(4, 2), torch.tensor([0, 1, 0, 1])
    e_X, e_y = torch.zeros(0, 2), torch.zeros(0, dtype=torch.int64)
    cases += [
        ("Dataset NaN X", lambda: data.Dataset(X_ * NAN, y_, e_X, e_y, "d"), ValueError, "Dataset.X"),
        ("Dataset inf X_test", lambda: data.Dataset(X_, y_, X_ + INF, y_, "d"), ValueError, "Dataset.X_test"),
        ("Dataset float y", lambda: data.Dataset(X_, y_.double(), e_X, e_y, "d"), TypeError, "Dataset.y"),
        ("Dataset complex X", lambda: data.Dataset(X_.to(torch.complex64), y_, e_X, e_y, "d"), TypeError,
         "Dataset.X"),
        ("Dataset int X", lambda: data.Dataset(y_[:, None].expand(4, 2), y_, e_X, e_y, "d"), TypeError, "Dataset.X"),
        ("Dataset list X", lambda: data.Dataset([[0.0, 0.0]], y_, e_X, e_y, "d"), TypeError, "Dataset.X"),
        ("Dataset short y", lambda: data.Dataset(X_, y_[:2], e_X, e_y, "d"), ValueError, "Dataset.y"),
        ("Dataset 2-D y", lambda: data.Dataset(X_, y_[:, None], e_X, e_y, "d"), ValueError, "Dataset.y"),
        ("Dataset negative y", lambda: data.Dataset(X_, -y_, e_X, e_y, "d"), ValueError, "Dataset.y"),
        ("Dataset empty X", lambda: data.Dataset(e_X, e_y, X_, y_, "d"), ValueError, "Dataset.X"),
        ("Dataset 1-D X", lambda: data.Dataset(X_[:, 0], y_, e_X, e_y, "d"), ValueError, "Dataset.X"),
        ("Dataset X_test width", lambda: data.Dataset(X_, y_, torch.zeros(1, 3), y_[:1], "d"), ValueError,
         "Dataset.X_test"),
        ("Dataset name=None", lambda: data.Dataset(X_, y_, e_X, e_y, None), TypeError, "Dataset.name"),
    ]
    return cases


def file_cases(tmp: Path):
    """Corrupt, truncated and odd IDX and MNIST files."""
    good = bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1])
    files = {
        "empty": b"",
        "html": b"<!DOCTYPE html><html><body>Not found</body></html>",
        "bad magic": b"\x08\x03\x00\x00" + bytes(20),
        "unknown type": bytes([0, 0, 0x07, 1, 0, 0, 0, 1, 5]),
        "no dimensions": bytes([0, 0, 8, 0]),
        "short header": bytes([0, 0, 8, 3, 0, 0]),
        "short data": good[:-1],
        "long data": good + b"\x00",
        "truncated gz": gzip.compress(good)[:-6],
        "bad crc gz": gzip.compress(good)[:-8] + b"\x00\x00\x00\x00" + gzip.compress(good)[-4:],
        "gz of html": gzip.compress(b"<html></html>"),
        "gz with more data": gzip.compress(good + b"\x01\x02"),
    }
    cases = []
    for label, payload in files.items():
        path = tmp / f"{label.replace(' ', '_')}-idx1-ubyte"
        path.write_bytes(payload)
        cases.append((f"read_idx {label}", lambda p=path: fl.read_idx(p), ValueError, str(path)))
    good_path = tmp / "good-idx1-ubyte"
    good_path.write_bytes(good)
    cases += [
        ("read_idx path=None", lambda: fl.read_idx(None), TypeError, "path"),
        ("read_idx path=5", lambda: fl.read_idx(5), TypeError, "path"),
        ("read_idx path=b'bytes'", lambda: fl.read_idx(str(good_path).encode()), TypeError, "path"),
        ("read_idx a directory", lambda: fl.read_idx(tmp), ValueError, str(tmp)),
        ("read_idx missing", lambda: fl.read_idx(tmp / "missing"), FileNotFoundError, "missing"),
        ("read_idx shape=(4,)", lambda: fl.read_idx(good_path, shape=(4,)), ValueError, "shape"),
        ("read_idx shape='3'", lambda: fl.read_idx(good_path, shape="3"), TypeError, "shape"),
        ("read_idx shape=(3.0,)", lambda: fl.read_idx(good_path, shape=(3.0,)), TypeError, "shape"),
        ("read_idx dtype=float", lambda: fl.read_idx(good_path, dtype=np.float64), ValueError, "float64"),
        ("read_idx dtype='nonsense'", lambda: fl.read_idx(good_path, dtype="nonsense"), TypeError, "dtype"),
    ]
    # MNIST folders with one bad file each (the others fine); the error names the file to delete
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, 6, dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, 3, dtype=np.uint8),
    }

    def idx(array):
        return bytes([0, 0, 8, array.ndim]) + np.asarray(array.shape, ">u4").tobytes() + array.tobytes()

    bad_files = {
        "html images": ("train-images-idx3-ubyte.gz", b"<html>log in</html>"),
        "labels of 11": ("train-labels-idx1-ubyte", idx(arrays["train-labels-idx1-ubyte"] + 10)),
        "images of 27 x 27": ("t10k-images-idx3-ubyte", idx(arrays["t10k-images-idx3-ubyte"][:, :27, :27])),
        "too few labels": ("t10k-labels-idx1-ubyte", idx(arrays["t10k-labels-idx1-ubyte"][:2])),
        "no images": ("train-images-idx3-ubyte", idx(np.zeros((0, 28, 28), np.uint8))),
        "int16 labels": ("train-labels-idx1-ubyte",
                         bytes([0, 0, 0x0B, 1, 0, 0, 0, 6]) + np.zeros(6, ">i2").tobytes()),
    }
    for label, (name, payload) in bad_files.items():
        folder = tmp / label.replace(" ", "_")
        folder.mkdir()
        for stem, array in arrays.items():
            if not name.startswith(stem):
                (folder / stem).write_bytes(idx(array))
        (folder / name).write_bytes(payload)
        cases.append((f"load_mnist {label}", lambda f=folder: fl.load_mnist(f, verify=False), ValueError, name))
        cases.append((f"load_mnist verify {label}", lambda f=folder: fl.load_mnist(f), ValueError, "delete"))
    ok = tmp / "good"
    ok.mkdir()
    for stem, array in arrays.items():
        (ok / stem).write_bytes(idx(array))
    cases += [
        ("load_mnist root=None", lambda: fl.load_mnist(None), TypeError, "root"),
        ("load_mnist root=5", lambda: fl.load_mnist(5), TypeError, "root"),
        ("load_mnist base_url=5", lambda: fl.load_mnist(tmp / "x", download=True, base_url=5), TypeError,
         "base_url"),
        ("load_mnist train_size=10**6", lambda: fl.load_mnist(ok, train_size=10**6, verify=False), ValueError,
         "train_size"),
        ("load_mnist test_size=4", lambda: fl.load_mnist(ok, test_size=4, verify=False), ValueError, "test_size"),
    ]
    cases += bool_family("download", lambda v: fl.load_mnist(tmp / "x", download=v))
    cases += bool_family("verify", lambda v: fl.load_mnist(tmp / "x", verify=v))
    cases += seed_family("seed", lambda v: fl.load_mnist(tmp / "x", seed=v))
    cases += float_family("timeout", lambda v: fl.load_mnist(tmp / "x", download=True, timeout=v), positive=True)
    cases += int_family("train_size", lambda v: fl.load_mnist(tmp / "x", train_size=v), low=1, none_ok=True)
    cases += int_family("test_size", lambda v: fl.load_mnist(tmp / "x", test_size=v), low=1, none_ok=True)
    return cases


def training_cases():
    cases = odd_nets()
    cases += int_family("epochs", lambda v: train(epochs=v), low=0)
    cases += int_family("batch_size", lambda v: train(batch_size=v), low=1)
    cases += seed_family("seed", lambda v: train(seed=v))
    cases += float_family("lr", lambda v: train(lr=v), positive=True)
    cases += float_family("weight_decay", lambda v: train(weight_decay=v), nonnegative=True)
    cases += bool_family("keep_snapshots", lambda v: train(keep_snapshots=v))
    cases += bool_family("progress", lambda v: train(progress=v))
    cases += [
        ("train data=None", lambda: train(data=None), TypeError, "data"),
        ("train data=(X, y)", lambda: train(data=(DS.X, DS.y)), TypeError, "data"),
        ("train penalty=5", lambda: train(penalty=5), TypeError, "penalty"),
        ("train penalty -> nan", lambda: train(penalty=lambda net, X, y, e: torch.tensor(NAN)), ValueError, "loss"),
        ("train lr=1e38", lambda: train(lr=1e38), ValueError, "lr"),
    ]
    # (an empty X is fine for accuracy: nan, as documented)
    cases += [case for case in array_family("X", lambda v: fl.accuracy(NET, v, Y[: len(v)] if hasattr(v, "__len__")
                                                                        else Y), X) if case[0] != "X empty"]
    cases += [
        ("accuracy y short", lambda: fl.accuracy(NET, X, Y[:3]), ValueError, "y"),
        ("accuracy y NaN", lambda: fl.accuracy(NET, X, np.where(Y == 0, NAN, 1.0)), ValueError, "y"),
        ("accuracy y 0.5", lambda: fl.accuracy(NET, X, Y + 0.5), ValueError, "y"),
        ("accuracy y strings", lambda: fl.accuracy(NET, X, Y.astype(str)), TypeError, "y"),
    ]
    return cases


def nets_cases():
    cases = int_family("widths[1]", lambda v: fl.mlp([2, v, 1]), low=1)
    cases += seed_family("seed", lambda v: fl.mlp([2, 3, 1], seed=v))
    cases += float_family("negative_slope", lambda v: fl.mlp([2, 3, 1], "leaky_relu", negative_slope=v))
    cases += int_family("in_features", lambda v: fl.SwiGLU(v, 3), low=1)
    cases += int_family("out_features", lambda v: fl.SwiGLU(3, v), low=1)
    cases += int_family("image_shape[1]", lambda v: fl.conv_net(image_shape=(1, v, 8)), low=1)
    cases += int_family("channels[0]", lambda v: fl.conv_net(channels=[v]), low=1)
    cases += int_family("n_classes", lambda v: fl.conv_net(n_classes=v), low=1)
    cases += int_family("kernel_size", lambda v: fl.conv_net(kernel_size=v), low=1)
    cases += seed_family("seed", lambda v: fl.conv_net(seed=v))
    cases += bool_family("pool", lambda v: fl.conv_net(pool=v))
    cases += [
        ("Residual inner=a function", lambda: fl.Residual(lambda x: x), TypeError, "inner"),
        ("Residual inner=None", lambda: fl.Residual(None), TypeError, "inner"),
        ("conv_net image_shape=(8, 8)", lambda: fl.conv_net(image_shape=(8, 8)), ValueError, "image_shape"),
        ("conv_net image_shape=64", lambda: fl.conv_net(image_shape=64), TypeError, "image_shape"),
        ("conv_net channels=()", lambda: fl.conv_net(channels=()), ValueError, "channels"),
        ("conv_net channels='48'", lambda: fl.conv_net(channels="48"), TypeError, "channels"),
        ("conv_net kernel_size=2", lambda: fl.conv_net(kernel_size=2), ValueError, "kernel_size"),
        ("conv_net channels huge", lambda: fl.conv_net(channels=[10**5, 10**5]), fl.OverBudget, "channels"),
    ]
    cases += [
        ("widths=None", lambda: fl.mlp(None), TypeError, "widths"),
        ("widths='231'", lambda: fl.mlp("231"), TypeError, "widths"),
        ("widths=5", lambda: fl.mlp(5), TypeError, "widths"),
        ("widths=[2, 1]", lambda: fl.mlp([2, 1]), ValueError, "widths"),
        ("widths huge", lambda: fl.mlp([2, 10**6, 10**6, 1]), fl.OverBudget, "widths"),
        ("activation=5", lambda: fl.mlp([2, 3, 1], activation=5), ValueError, "activation"),
        ("activation='ReLU'", lambda: fl.mlp([2, 3, 1], activation="ReLU"), ValueError, "activation"),
        ("init='xavier'", lambda: fl.mlp([2, 3, 1], init="xavier"), ValueError, "init"),
        ("norm='group'", lambda: fl.mlp([2, 3, 1], norm="group"), ValueError, "norm"),
        ("norm=True", lambda: fl.mlp([2, 3, 1], norm=True), ValueError, "norm"),
    ]
    cases += array_family("weight", lambda v: nets.linear_layer(v, [0.0] * 2), np.ones((2, 2)))[:9]
    cases += [
        ("linear_layer weight 1-D", lambda: nets.linear_layer([1.0, 2.0], [0.0]), ValueError, "weight"),
        ("linear_layer bias of 2", lambda: nets.linear_layer([[1.0, 2.0]], [0.0, 1.0]), ValueError, "bias"),
        ("linear_layer bias scalar", lambda: nets.linear_layer([[1.0, 2.0]], 0.5), ValueError, "bias"),
        ("linear_layer bias NaN", lambda: nets.linear_layer([[1.0, 2.0]], [NAN]), ValueError, "bias"),
        ("linear_layer bias complex", lambda: nets.linear_layer([[1.0, 2.0]], [1j]), TypeError, "bias"),
        ("linear_layer bias ragged", lambda: nets.linear_layer([[1.0, 2.0]], [[0.0], [1.0, 2.0]]), ValueError,
         "bias"),
    ]
    return cases


def patterns_cases():
    cases = array_family("x", lambda v: fl.activation_patterns(NET, v), X)
    cases += int_family("batch_size", lambda v: fl.activation_patterns(NET, X, batch_size=v), low=1)
    cases += bool_family("include_output", lambda v: fl.activation_patterns(NET, X, include_output=v))
    cases += [
        ("layers='01'", lambda: fl.activation_patterns(NET, X, layers="01"), TypeError, "layers"),
        ("layers=1.0", lambda: fl.activation_patterns(NET, X, layers=1.0), TypeError, "layers"),
        ("layers=[5]", lambda: fl.activation_patterns(NET, X, layers=[5]), ValueError, "layer"),
        ("layers=[]", lambda: fl.activation_patterns(NET, X, layers=[]), ValueError, "layers"),
        ("x huge", lambda: fl.activation_patterns(fl.mlp([1, 256, 256, 1]), torch.zeros(2_000_000, 1)),
         fl.OverBudget, "x"),
    ]
    cases += bits_family("p", lambda v: fl.hamming_distance(v, P), P)
    cases += bits_family("P", lambda v: fl.hamming_matrix(v), P)
    cases += [case for case in bits_family("Q", lambda v: fl.hamming_matrix(P, v), P) if case[0] != "Q None"]
    cases += bits_family("patterns", lambda v: patterns.as_patterns(v), P)
    cases += bits_family("patterns", lambda v: fl.in_interval(v, P[0], P[1]), P)
    cases += bits_family("p1", lambda v: fl.interval_size(v, P[1]), P[:1])
    cases += bits_family("p2", lambda v: fl.interval_patterns(P[0], v), P[:1])
    cases += int_family("limit", lambda v: fl.interval_patterns(P[0], P[1], limit=v), low=1)
    cases += int_family("m", lambda v: fl.patterns.hamming_dtype(v), low=0)
    cases += [
        ("hamming_distance shapes", lambda: fl.hamming_distance(P[0], P[0, :3]), ValueError, "shape"),
        ("hamming_distance 3-D", lambda: fl.hamming_distance(P[None], P[None]), ValueError, "shape"),
        ("hamming_matrix 1-D", lambda: fl.hamming_matrix(P[0]), ValueError, "shape"),
        ("hamming_matrix lengths", lambda: fl.hamming_matrix(P, P[:, :3]), ValueError, "lengths"),
        ("hamming_matrix huge", lambda: fl.hamming_matrix(np.zeros((200_000, 8), bool)), fl.OverBudget, "P"),
        ("in_interval lengths", lambda: fl.in_interval(P, P[0, :3], P[1, :3]), ValueError, "shape"),
        ("interval_size 2-D", lambda: fl.interval_size(P, P), ValueError, "p1"),
        ("interval too large", lambda: fl.interval_patterns(np.zeros(30), np.ones(30)), ValueError, "limit"),
        ("interval over budget", lambda: fl.interval_patterns(np.zeros(40), np.ones(40), limit=2**45), fl.OverBudget,
         "limit"),
    ]
    return cases


def pattern_stats_cases():
    cases = array_family("X", lambda v: fl.activation_probability(NET, v), X)
    cases += int_family("batch_size", lambda v: fl.activation_probability(NET, X, batch_size=v), low=1)
    cases += array_family("X", lambda v: fl.hamming_histograms(NET, v), X)
    cases += int_family("n_pairs", lambda v: fl.hamming_histograms(NET, X, n_pairs=v), low=1)
    cases += seed_family("seed", lambda v: fl.hamming_histograms(NET, X, seed=v))
    cases += int_family("n", lambda v: fl.random_pairs(v, 3), low=2)
    cases += int_family("n_pairs", lambda v: fl.random_pairs(10, v), low=1)
    cases += seed_family("seed", lambda v: fl.random_pairs(10, 3, v))
    UnitActivity, HammingHistograms = pattern_stats.UnitActivity, pattern_stats.HammingHistograms
    cases += bits_family("patterns", lambda v: UnitActivity.from_patterns(v), P)
    cases += bits_family("patterns", lambda v: HammingHistograms.from_patterns(v), P)
    cases += int_family("n_pairs", lambda v: HammingHistograms.from_patterns(P, n_pairs=v), low=1)
    cases += seed_family("seed", lambda v: HammingHistograms.from_patterns(P, seed=v))
    cases += [
        ("X with 3 features", lambda: fl.hamming_histograms(NET, np.zeros((5, 3))), ValueError, "X"),
        ("layers=[7]", lambda: fl.activation_probability(NET, X, layers=[7]), ValueError, "layer"),
        ("pairs floats", lambda: fl.hamming_histograms(NET, X, pairs=[[0.0, 1.0]]), TypeError, "pairs"),
        ("pairs bools", lambda: fl.hamming_histograms(NET, X, pairs=[[True, False]]), TypeError, "pairs"),
        ("pairs strings", lambda: fl.hamming_histograms(NET, X, pairs=[["0", "1"]]), TypeError, "pairs"),
        ("pairs None-like", lambda: fl.hamming_histograms(NET, X, pairs="01"), TypeError, "pairs"),
        ("pairs (k,)", lambda: fl.hamming_histograms(NET, X, pairs=[0, 1]), ValueError, "pairs"),
        ("pairs empty", lambda: fl.hamming_histograms(NET, X, pairs=np.zeros((0, 2), int)), ValueError, "pairs"),
        ("pairs out of range", lambda: fl.hamming_histograms(NET, X, pairs=[[0, 12]]), ValueError, "pairs"),
        ("pairs negative", lambda: fl.hamming_histograms(NET, X, pairs=[[-1, 2]]), ValueError, "pairs"),
        ("one input", lambda: fl.hamming_histograms(NET, X[:1]), ValueError, "n="),
        ("n_pairs=10**9 of 100000 rows", lambda: fl.hamming_histograms(NET, np.zeros((100_000, 2)), n_pairs=10**9),
         fl.OverBudget, "n_pairs"),
        ("random_pairs 10**9 of 10**6", lambda: fl.random_pairs(10**6, 10**9), fl.OverBudget, "n_pairs"),
        ("random_pairs n=2**40", lambda: fl.random_pairs(2**40, 3), ValueError, "n"),
        ("widths='44'", lambda: UnitActivity.from_patterns(P, widths="33"), TypeError, "widths"),
        ("widths=[1.5, 4.5]", lambda: UnitActivity.from_patterns(P, widths=[1.5, 4.5]), TypeError, "widths"),
        ("widths=[0, 6]", lambda: UnitActivity.from_patterns(P, widths=[0, 6]), ValueError, "widths"),
        ("widths=[3, 4]", lambda: UnitActivity.from_patterns(P, widths=[3, 4]), ValueError, "widths"),
        ("layers='01'", lambda: UnitActivity.from_patterns(P, widths=[3, 3], layers="01"), TypeError, "layers"),
        ("layers=[0]", lambda: UnitActivity.from_patterns(P, widths=[3, 3], layers=[0]), ValueError, "layers"),
        ("layers=[0.0, 1.0]", lambda: HammingHistograms.from_patterns(P, widths=[3, 3], layers=[0.0, 1.0]),
         TypeError, "layers"),
        ("empty patterns", lambda: UnitActivity.from_patterns(np.zeros((0, 6))), ValueError, "empty"),
        ("1-D patterns", lambda: UnitActivity.from_patterns(P[0]), ValueError, "patterns"),
    ]
    return cases


def null_test_cases():
    def bnt(**kwargs):
        return fl.bernoulli_null_test(P, **kwargs)

    cases = bits_family("patterns", lambda v: fl.bernoulli_null_test(v), P)
    cases += int_family("n_pairs", lambda v: bnt(n_pairs=v), low=1)
    cases += seed_family("seed", lambda v: bnt(seed=v))
    cases += seed_family("seed", lambda v: bnt(seed=v, method="monte_carlo"))
    cases += int_family("n_draws", lambda v: bnt(method="monte_carlo", n_draws=v), low=1)
    result = bnt()
    cases += float_family("n_std", lambda v: result.null_distribution(v), positive=True)
    cases += [
        ("method=5", lambda: bnt(method=5), ValueError, "method"),
        ("method=['exact']", lambda: bnt(method=["exact"]), ValueError, "method"),
        ("alternative='smaller'", lambda: bnt(alternative="smaller"), ValueError, "alternative"),
        ("no bits", lambda: fl.bernoulli_null_test(np.zeros((5, 0))), ValueError, "bits"),
        ("one pattern", lambda: fl.bernoulli_null_test(P[:1]), ValueError, "n="),
        ("1-D patterns", lambda: fl.bernoulli_null_test(P[0]), ValueError, "patterns"),
        ("pairs floats", lambda: bnt(pairs=[[0.5, 1.2]]), TypeError, "pairs"),
        ("pairs self", lambda: bnt(pairs=[[3, 3]]), ValueError, "pairs"),
        ("pairs twice", lambda: bnt(pairs=[[0, 1], [1, 0]]), ValueError, "pairs"),
        ("pairs out of range", lambda: bnt(pairs=[[0, 99]]), ValueError, "pairs"),
        ("n_draws=10**12", lambda: bnt(method="monte_carlo", n_draws=10**12), fl.OverBudget, "n_draws"),
    ]
    return cases


def constellations_cases():
    cases = bits_family("points", lambda v: fl.nearest_neighbors(v, P[0], k=1), P)
    cases += bits_family("queries", lambda v: fl.nearest_neighbors(P, v, k=1), P)
    cases += array_family("points", lambda v: fl.nearest_neighbors(v, X[0], k=1, metric="euclidean"), X)
    cases += array_family("queries", lambda v: fl.nearest_neighbors(X, v, k=1, metric="euclidean"), X)
    cases += int_family("k", lambda v: fl.nearest_neighbors(P, P[0], k=v), low=1)
    cases += bits_family("patterns", lambda v: fl.constellation_curve(v), P)
    cases += int_family("max_points", lambda v: fl.constellation_curve(P, max_points=v), low=2)
    curve = fl.constellation_curve(P)
    cases += float_family("threshold", lambda v: curve.clusters(v), nonnegative=True)
    cases += [
        ("k=13", lambda: fl.nearest_neighbors(P, P[0], k=13), ValueError, "k"),
        ("metric='cosine'", lambda: fl.nearest_neighbors(P, P[0], metric="cosine"), ValueError, "metric"),
        ("widths differ", lambda: fl.nearest_neighbors(P, P[0, :3], k=1), ValueError, "queries"),
        ("exclude floats", lambda: fl.nearest_neighbors(P, P[:1], k=1, exclude=[0.5]), TypeError, "exclude"),
        ("exclude NaN", lambda: fl.nearest_neighbors(P, P[:1], k=1, exclude=[NAN]), TypeError, "exclude"),
        ("exclude strings", lambda: fl.nearest_neighbors(P, P[:1], k=1, exclude=["0"]), TypeError, "exclude"),
        ("exclude too many", lambda: fl.nearest_neighbors(P, P[:1], k=1, exclude=[0, 1]), ValueError, "exclude"),
        ("exclude out of range", lambda: fl.nearest_neighbors(P, P[:1], k=1, exclude=[12]), ValueError, "exclude"),
        ("empty points", lambda: fl.nearest_neighbors(P[:0], P[0], k=1), ValueError, "points"),
        ("empty queries", lambda: fl.nearest_neighbors(P, P[:0], k=1), ValueError, "queries"),
        ("points huge", lambda: fl.nearest_neighbors(np.zeros((10**6, 1)), np.zeros((10**4, 1)), k=10**5,
                                                     metric="euclidean"), fl.OverBudget, "k"),
        ("one pattern", lambda: fl.constellation_curve(P[:1]), ValueError, "patterns"),
        ("over max_points", lambda: fl.constellation_curve(P, max_points=5), ValueError, "max_points"),
        ("30000 patterns", lambda: fl.constellation_curve(np.zeros((30_000, 4), bool), max_points=10**6),
         fl.OverBudget, "patterns"),
    ]
    return cases


def folding_cases():
    cases = array_family("X", lambda v: gf(X=v, y=np.arange(len(v)) % 2 if hasattr(v, "__len__") else Y), X)
    cases += int_family("n_pairs", lambda v: gf(n_pairs=v), low=1)
    cases += seed_family("seed", lambda v: gf(seed=v))
    cases += seed_family("seed", lambda v: gf(seed=v, centroids=2))
    cases += int_family("centroids", lambda v: gf(centroids=v), low=1, none_ok=True)
    cases += int_family("batch_size", lambda v: gf(batch_size=v), low=1)
    cases += bool_family("include_output", lambda v: gf(include_output=v))
    cases += [
        ("y NaN", lambda: gf(y=np.where(Y == 0, NAN, 1.0)), ValueError, "y"),
        ("y inf", lambda: gf(y=np.where(Y == 0, INF, 1.0)), ValueError, "y"),
        ("y 0.5", lambda: gf(y=Y + 0.5), ValueError, "y"),
        ("y complex", lambda: gf(y=Y + 0j), TypeError, "y"),
        ("y strings", lambda: gf(y=Y.astype(str)), TypeError, "y"),
        ("y None", lambda: gf(y=None), TypeError, "y"),
        ("y short", lambda: gf(y=Y[:3]), ValueError, "y"),
        ("y 2-D", lambda: gf(y=np.stack([Y, Y], 1)), ValueError, "y"),
        ("y one class", lambda: gf(y=np.zeros(12)), ValueError, "y"),
        ("pairs floats", lambda: gf(pairs=[[0.5, 1.7]]), TypeError, "pairs"),
        ("pairs whole floats", lambda: gf(pairs=[[0.0, 1.0]]), TypeError, "pairs"),
        ("pairs NaN", lambda: gf(pairs=[[NAN, 1]]), TypeError, "pairs"),
        ("pairs out of range", lambda: gf(pairs=[[0, 12]]), ValueError, "pairs"),
        ("pairs same class", lambda: gf(pairs=[[0, 2]]), ValueError, "pairs"),
        ("pairs (k,)", lambda: gf(pairs=[0, 1]), ValueError, "pairs"),
        ("pairs and centroids", lambda: gf(pairs=[[0, 1]], centroids=2), ValueError, "centroids"),
        ("reduce='max'", lambda: gf(reduce="max"), ValueError, "reduce"),
        ("reduce=5", lambda: gf(reduce=5), ValueError, "reduce"),
        ("layers=[9]", lambda: gf(layers=[9]), ValueError, "layer"),
        ("device='gpu'", lambda: gf(device="gpu"), ValueError, "device"),
        ("n_pairs=10**12", lambda: gf(X=np.zeros((100_000, 2)), y=np.arange(100_000) % 2, n_pairs=10**12),
         fl.OverBudget, "n_pairs"),
        ("sample_pairs rng=0", lambda: folding.sample_pairs(Y, 3, 0), TypeError, "rng"),
        ("sample_pairs n_pairs=1.5", lambda: folding.sample_pairs(Y, 1.5, np.random.default_rng(0)), TypeError,
         "n_pairs"),
        ("sample_pairs labels NaN", lambda: folding.sample_pairs([0.0, NAN], 1, np.random.default_rng(0)),
         ValueError, "labels"),
        ("sample_pairs every point a class", lambda: folding.sample_pairs(np.arange(100_000), 3,
                                                                          np.random.default_rng(0)),
         fl.OverBudget, "n_pairs"),
    ]
    # the pieces of the global measure: readings, class pair matrices, paths between two classes, running chi
    g = gf(n_pairs=10)
    cases += [
        ("reduce_chis reduce='max'", lambda: folding.reduce_chis(g.chis, g.pairs, Y, reduce="max"), ValueError,
         "reduce"),
        ("reduce_chis labels short", lambda: folding.reduce_chis(g.chis, g.pairs, Y[:3]), ValueError, "labels"),
        ("reduce_chis chis NaN", lambda: folding.reduce_chis(np.full(len(g.chis), NAN), g.pairs, Y), ValueError,
         "chis"),
        ("class_pairs of a list", lambda: folding.class_pairs([0.1, 0.2]), TypeError, "GlobalFolding"),
        ("class_pairs ordered=1", lambda: folding.class_pairs(g, ordered=1), TypeError, "ordered"),
        ("class_paths unknown class", lambda: folding.class_paths(X, Y, 0, 7, 3), ValueError, "7"),
        ("class_paths n_paths=0", lambda: folding.class_paths(X, Y, 0, 1, 0), ValueError, "n_paths"),
        ("class_paths n_paths=2.0", lambda: folding.class_paths(X, Y, 0, 1, 2.0), TypeError, "n_paths"),
        ("class_paths y short", lambda: folding.class_paths(X, Y[:3], 0, 1, 2), ValueError, "y"),
        ("running_folding n_points=1", lambda: folding.running_folding(NET, X[:2], X[2:4], n_points=1), ValueError,
         "n_points"),
        ("running_folding ends of other shapes", lambda: folding.running_folding(NET, X[:2], X[:3]), ValueError,
         "X2"),
        ("running_folding X1 NaN", lambda: folding.running_folding(NET, np.full((2, 2), NAN), X[:2]), ValueError,
         "X1"),
        ("running_folding net='net'", lambda: folding.running_folding("net", X[:2], X[2:4]), TypeError, "net"),
    ]
    return cases


def measures_cases():
    path = np.array([[0, 0, 0], [1, 0, 0], [0, 0, 0], [0, 0, 1]])
    cases = []
    for name, f in [("range_metrics", fl.range_metrics), ("chi", fl.chi), ("running_chi", fl.running_chi),
                    ("symmetric_chi", fl.symmetric_chi), ("chi_bounds", fl.chi_bounds)]:
        cases += [(f"{name} {label}", call, error, word) for label, call, error, word in
                  bits_family("patterns", f, path)]
        cases += [
            (f"{name} 1-D", lambda f=f: f(path[0]), ValueError, "shape"),
            (f"{name} 3-D", lambda f=f: f(path[None]), ValueError, "shape"),
            (f"{name} empty", lambda f=f: f(path[:0]), ValueError, "empty"),
            (f"{name} a dict", lambda f=f: f({"a": 1}), TypeError, "patterns"),
            (f"{name} walks", lambda f=f: f(fl.walks(NET, X[:2], -X[:2])), TypeError, "walks"),
        ]
    cases += bits_family("patterns", lambda v: fl.interaction_coefficient(v, path), path)
    cases += [("interaction lengths", lambda: fl.interaction_coefficient(path, path[:, :2]), ValueError, "lengths")]
    return cases


GROUPS = {
    "data": data_cases, "training": training_cases, "nets": nets_cases, "patterns": patterns_cases,
    "pattern_stats": pattern_stats_cases, "null_test": null_test_cases, "constellations": constellations_cases,
    "folding": folding_cases, "measures": measures_cases,
}


def snapshot() -> dict:
    """What a failed call must leave as it was: the shared net (weights, buffers, mode), the shared inputs,
    and the global random states of torch, numpy and Python."""
    return {
        "NET": {k: v.clone() for k, v in NET.state_dict().items()}, "NET.training": NET.training,
        "X": X.copy(), "Y": Y.copy(), "P": P.copy(),
        "DS": [t.clone() for t in (DS.X, DS.y, DS.X_test, DS.y_test)],
        "torch": torch.random.get_rng_state(), "numpy": np.random.get_state()[1].copy(), "random": random.getstate(),  # noqa: NPY002 (the legacy global state is what is checked)
    }


def changed(before: dict, after: dict) -> list[str]:
    def same(a, b):
        if isinstance(a, dict):
            return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
        if isinstance(a, list):
            return len(a) == len(b) and all(same(x, z) for x, z in zip(a, b))
        if isinstance(a, torch.Tensor):
            return torch.equal(a, b)
        if isinstance(a, np.ndarray):
            return np.array_equal(a, b)
        return a == b

    return [name for name in before if not same(before[name], after[name])]


def run_cases(cases) -> list[str]:
    """Every case through :func:`assert_clear`, and the state of :func:`snapshot` unchanged by each."""
    failures = []
    for label, call, error, word in cases:
        before = snapshot()
        try:
            assert_clear(call, error, word)
        except BaseException as failure:  # noqa: BLE001 (collect every case, report them together)
            if isinstance(failure, KeyboardInterrupt):
                raise
            failures.append(f"{label}: {type(failure).__name__}: {str(failure)[:300]}")
        moved = changed(before, snapshot())
        if moved:
            failures.append(f"{label}: changed {moved}")
    return failures


def test_the_state_check_can_fail():
    before = snapshot()
    torch.rand(1)
    np.random.random()  # noqa: NPY002
    assert changed(before, snapshot()) == ["torch", "numpy"]
    saved = NET[0].bias.detach().clone()
    with torch.no_grad():
        NET[0].bias[0] += 1
    try:
        assert changed(before, snapshot()) == ["NET", "torch", "numpy"]
    finally:
        with torch.no_grad():
            NET[0].bias.copy_(saved)
    assert changed(before, snapshot()) == ["torch", "numpy"]


@pytest.mark.parametrize("group", list(GROUPS))
def test_bad_inputs_end_in_a_clear_error_from_foldlab(group):
    cases = GROUPS[group]()
    failures = run_cases(cases)
    assert not failures, f"{len(failures)} of {len(cases)} cases:\n" + "\n".join(failures)
    assert len(cases) >= 40


def test_bad_files_end_in_a_clear_error_that_names_the_file(tmp_path):
    cases = file_cases(tmp_path)
    failures = run_cases(cases)
    assert not failures, f"{len(failures)} of {len(cases)} cases:\n" + "\n".join(failures)


def test_modules_have_no_untested_public_function():
    """Every name in the __all__ of these modules is a case above (by name), so a new public function
    without bad-input cases fails here."""
    covered = {
        "toy_dataset", "with_label_noise", "load_digits", "read_idx", "load_mnist", "Dataset", "train", "accuracy",
        "mlp", "SwiGLU", "Residual",
        "linear_layer", "activation_patterns", "hamming_distance", "hamming_matrix", "hamming_dtype", "as_patterns",
        "in_interval", "interval_size", "interval_patterns", "activation_probability", "hamming_histograms",
        "random_pairs", "UnitActivity", "HammingHistograms", "bernoulli_null_test", "NullTest", "nearest_neighbors",
        "constellation_curve", "Constellations", "Neighbors", "global_folding", "sample_pairs", "GlobalFolding",
        "range_metrics", "chi", "running_chi", "symmetric_chi", "interaction_coefficient", "chi_bounds",
        "TrainHistory", "reduce_chis", "class_pairs", "ClassPairs", "class_paths", "running_folding",
        "RunningFolding", "conv_net",
    }
    constants = {"TOY_SETS", "MAX_CANTOR_DEPTH", "MNIST_URL", "MNIST_FILES", "ACTIVATIONS", "REDUCTIONS"}
    # walk_chunk is the executors' unit of work: global_folding checks its arguments before calling it
    constants |= {"walk_chunk"}
    from foldlab import measures, training

    names = set()
    for module in (data, training, nets, patterns, pattern_stats, null_test, constellations, folding, measures):
        names |= set(module.__all__)
    assert names - constants <= covered, names - constants - covered




# --- the examples of issue 13 in these modules, each failing before the change -------------------------------

def walks_of_two():
    return fl.walks(NET, X[:2], -X[:2])


def seeded(build):
    """``build()`` with torch's global random state seeded and then put back (so that building a net in a case
    does not count as a change of that state)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return build()


CONV2D = seeded(lambda: nn.Sequential(nn.Conv2d(1, 1, 1)))

ISSUE_EXAMPLES = {
    # silently accepted before
    "NaN LeakyReLU slope": (lambda: fl.mlp([2, 3, 1], "leaky_relu", negative_slope=NAN), ValueError, "negative_slope"),
    "string LeakyReLU slope": (lambda: fl.mlp([2, 3, 1], "leaky_relu", negative_slope="0.1"), TypeError,
                               "negative_slope"),
    "float seed (mlp)": (lambda: fl.mlp([2, 3, 1], seed=1.5), TypeError, "seed"),
    "float seed (toy_dataset)": (lambda: fl.toy_dataset(seed=1.5), TypeError, "seed"),
    "float seed (random_pairs)": (lambda: fl.random_pairs(10, 3, seed=2.0), TypeError, "seed"),
    "float seed (global_folding)": (lambda: gf(seed=0.5), TypeError, "seed"),
    "float layer index": (lambda: fl.activation_patterns(NET, X, layers=[1.0]), TypeError, "layers"),
    "layers='01'": (lambda: fl.activation_patterns(NET, X, layers="01"), TypeError, "layers"),
    "string as a number (noise)": (lambda: fl.toy_dataset(noise="0.1"), TypeError, "noise"),
    "string as a number (n)": (lambda: fl.toy_dataset(n="100"), TypeError, "n"),
    "string as a number (lr)": (lambda: train(lr="0.01"), TypeError, "lr"),
    "complex inputs (patterns)": (lambda: fl.activation_patterns(NET, X + 1j), TypeError, "complex"),
    "complex inputs (global_folding)": (lambda: gf(X=X + 1j), TypeError, "complex"),
    "complex patterns (hamming_matrix)": (lambda: fl.hamming_matrix(P + 0j), TypeError, "complex"),
    "NaN labels in global_folding": (lambda: gf(y=np.where(Y == 0, NAN, 1.0)), ValueError, "y"),
    "float pair indices (global_folding)": (lambda: gf(pairs=[[0.7, 1.2]]), TypeError, "pairs"),
    "float pair indices (hamming_histograms)": (lambda: fl.hamming_histograms(NET, X, pairs=[[0.7, 1.2]]), TypeError,
                                                "pairs"),
    "centroids=2.5": (lambda: gf(centroids=2.5), TypeError, "centroids"),
    "NaN noise": (lambda: fl.toy_dataset(noise=NAN), ValueError, "noise"),
    "inf noise": (lambda: fl.toy_dataset(noise=INF), ValueError, "noise"),
    "empty training set (test_fraction=0.999)": (lambda: fl.toy_dataset(n=100, test_fraction=0.999), ValueError,
                                                 "test_fraction"),
    "negative depth": (lambda: fl.toy_dataset("cantor", depth=-1), ValueError, "depth"),
    "chi of a multi-segment Walks": (lambda: fl.chi(walks_of_two()), TypeError, "walks"),
    "train lr=inf": (lambda: train(lr=INF), ValueError, "lr"),
    "train on NaN data": (lambda: train(data=fl.data.Dataset(DS.X * NAN, DS.y, DS.X_test, DS.y_test, "nan")),
                          ValueError, "NaN"),
    # hangs before
    "toy_dataset('cantor', depth=10**8)": (lambda: fl.toy_dataset("cantor", depth=10**8), ValueError, "depth"),
    # torch, numpy or scikit-learn messages before
    "seed=-1": (lambda: fl.toy_dataset(seed=-1), ValueError, "seed"),
    "seed=None": (lambda: fl.random_pairs(10, 3, seed=None), TypeError, "seed"),
    "seed=2**70": (lambda: fl.mlp([2, 3, 1], seed=2**70), ValueError, "seed"),
    "seed=1.5 (null test)": (lambda: fl.bernoulli_null_test(P, seed=1.5), TypeError, "seed"),
    "centroids=0": (lambda: gf(centroids=0), ValueError, "centroids"),
    "chi(None)": (lambda: fl.chi(None), TypeError, "patterns"),
    "a Conv2d net (patterns)": (lambda: fl.activation_patterns(CONV2D, X), TypeError,
                                "Conv2d"),
    "a Conv2d net (global_folding)": (lambda: gf(net=CONV2D), TypeError, "Conv2d"),
    "a Conv2d net (train)": (lambda: train(net=CONV2D), ValueError, "net"),
    # memory before
    "hamming_histograms(n_pairs=10**9)": (lambda: fl.hamming_histograms(NET, np.zeros((100_000, 2)), n_pairs=10**9),
                                          fl.OverBudget, "n_pairs"),
}
if not torch.cuda.is_available():
    ISSUE_EXAMPLES["device='cuda' without CUDA"] = (lambda: gf(device="cuda"), ValueError, "device")


@pytest.mark.parametrize("example", list(ISSUE_EXAMPLES))
def test_issue_examples_end_in_a_clear_error(example):
    call, error, word = ISSUE_EXAMPLES[example]
    failures = run_cases([(example, call, error, word)])
    assert not failures, failures


def test_issue_examples_numpy_ints_are_valid_widths_and_sizes():
    """numpy int64 widths and sizes were refused although they are valid."""
    assert fl.read_net(fl.mlp(np.array([2, 3, 1], dtype=np.int64), seed=np.int64(0))).widths == (3,)
    data_ = fl.toy_dataset(n=np.int64(40), seed=np.uint32(1), depth=np.int8(2))
    assert len(data_.X) + len(data_.X_test) == 40
    assert fl.random_pairs(np.int64(10), np.int32(3), seed=np.int64(0)).shape == (3, 2)
    assert fl.hamming_histograms(NET, X, n_pairs=np.int64(5)).pairs.shape == (5, 2)
    assert fl.global_folding(NET, X, Y, n_pairs=np.int64(3), centroids=np.int64(2)).pairs.shape == (3, 2)


def test_issue_example_hamming_matrix_uses_the_smallest_int_type():
    """20000 patterns took 3.2 GB as int64; the smallest signed type that holds the length is used (the
    20000-pattern case itself, 400 MB, runs in tests/large_cases.py)."""
    rng = np.random.default_rng(0)
    for m, dtype in [(64, torch.int8), (127, torch.int8), (128, torch.int16), (300, torch.int16)]:
        Q = rng.random((50, m)) < 0.5
        D = fl.hamming_matrix(Q)
        assert D.dtype == dtype
        assert torch.equal(D.long(), (torch.as_tensor(Q)[:, None] != torch.as_tensor(Q)[None]).sum(-1))
    all_on = np.ones((2, 127), bool)
    all_on[1] = False
    assert fl.hamming_matrix(all_on).tolist() == [[0, 127], [127, 0]]  # the largest distance of int8


def test_issue_example_global_folding_with_fewer_cross_class_pairs_than_asked():
    """More than 3000 points and fewer cross-class pairs than asked hung (a rejection loop): every
    cross-class pair is used, once."""
    y = np.zeros(3500, dtype=np.int64)
    y[[7, 2000]] = 1  # 2 x 3498 = 6996 cross-class pairs
    pairs = folding.sample_pairs(y, 10_000, np.random.default_rng(0))
    assert len(pairs) == 6996 and len(np.unique(pairs, axis=0)) == 6996
    assert (y[pairs[:, 0]] != y[pairs[:, 1]]).all()
    y = np.zeros(3001, dtype=np.int64)
    y[0] = 1
    points = np.random.default_rng(0).normal(size=(3001, 2))
    result = fl.global_folding(fl.mlp([2, 3, 1], seed=0), points, y, n_pairs=5000)
    assert len(result.pairs) == len(result.chis) == 3000


def batchnorm_net(training: bool) -> nn.Module:
    net = seeded(lambda: nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3), nn.ReLU(), nn.Linear(3, 1), nn.Dropout()))
    with torch.no_grad():
        net[1].running_mean.copy_(torch.tensor([0.3, -0.2, 0.1]))
        net[1].running_var.copy_(torch.tensor([2.0, 0.5, 1.5]))
    return net.train(training)


def test_issue_example_batchnorm_in_train_mode_is_refused_and_left_as_it_was():
    """activation_patterns on a BatchNorm net in train mode refused only after it had changed the running
    statistics; every call of these modules that refuses it leaves the weights, the buffers, the mode and
    torch's random state as they were (a dropout layer would draw from it)."""
    calls = {
        "activation_patterns": lambda net: fl.activation_patterns(net, X),
        "activation_probability": lambda net: fl.activation_probability(net, X),
        "hamming_histograms": lambda net: fl.hamming_histograms(net, X),
        "global_folding": lambda net: gf(net=net),
        "global_folding centroids": lambda net: gf(net=net, centroids=2),
        "train lr=1e38": lambda net: train(net=net, lr=1e38),
        "train penalty NaN": lambda net: train(net=net, penalty=lambda *a: torch.tensor(NAN)),
    }
    for name, call in calls.items():
        net = batchnorm_net(training=True)
        before = {k: v.clone() for k, v in net.state_dict().items()}
        rng = torch.random.get_rng_state()
        with pytest.raises(ValueError) as info:
            call(net)
        assert "BatchNorm" in str(info.value) or "restored" in str(info.value), (name, info.value)
        after = net.state_dict()
        assert [k for k in before if not torch.equal(before[k], after[k])] == [], name
        assert net.training and all(m.training for m in net.modules()), name
        assert torch.equal(rng, torch.random.get_rng_state()), name


def test_accuracy_leaves_a_net_in_train_mode_as_it_was():
    """accuracy evaluates in eval mode and restores the mode: in train mode it updated the BatchNorm
    statistics, drew dropout masks from torch's global random state, and refused one-sample X after
    counting a batch in num_batches_tracked."""
    net = batchnorm_net(training=True)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    rng = torch.random.get_rng_state()
    first = fl.accuracy(net, X, Y)
    assert fl.accuracy(net, X, Y) == first == fl.accuracy(batchnorm_net(training=False), X, Y)
    assert fl.accuracy(net, X[:1], Y[:1]) in (0.0, 1.0)
    after = net.state_dict()
    assert [k for k in before if not torch.equal(before[k], after[k])] == []
    assert net.training and torch.equal(rng, torch.random.get_rng_state())


# --- large cases: refused (or done) in little memory --------------------------------------------------------

@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="reads the peak resident memory from /proc")
def test_large_cases_refuse_without_growing_resident_memory(tmp_path):
    """Each large case of tests/large_cases.py ends as expected (OverBudget or ValueError before allocating,
    or a success in little memory), and the peak resident memory during the call exceeds what the process
    held before it by under 700 MiB, so that a fresh process (Python, torch and foldlab take about 300 MiB)
    stays under 1 GiB; ``python tests/large_cases.py`` measures each case in a fresh process under
    /usr/bin/time -v, the 20000 x 20000 Hamming matrix (int8, 400 MB) included. The seconds are printed for
    the record, not asserted (speed is for benchmarks)."""
    cases = {label: code for label, (code, _) in LARGE.items() if label not in SCRIPT_ONLY}
    results = measure_here(cases, tmp_path / "bomb.gz")
    print("\n".join(f"{r['label']:48s} {r['outcome']:14s} {r['seconds']:7.3f} s "
                    f"{r['max_rss_mib'] - r['rss_before_mib']:+7.0f} MiB" for r in results))
    for r in results:
        assert r["outcome"] == LARGE[r["label"]][1], r
        assert r["max_rss_mib"] - r["rss_before_mib"] < 700, r


def test_the_memory_measure_sees_an_allocation(tmp_path):
    """The peak is reset before each case and sees what a case allocates (and touches): 300 MB here."""
    results = measure_here({"300 MB": "np.ones(300 * 2**20 // 8).sum() > 0", "nothing": "1 + 1"},
                           tmp_path / "bomb.gz")
    grew = [r["max_rss_mib"] - r["rss_before_mib"] for r in results]
    assert grew[0] > 280 and grew[1] < 50, results
