"""Bad input at the walks' public boundary: fl.walk, fl.walks, fl.sample_walk and the Walk/Walks methods.

Every case must raise a ValueError or TypeError (or a foldlab subclass of one) whose message names the
argument, raised by foldlab itself: the innermost frame of the traceback is in the foldlab package, never
in torch or numpy.
"""

from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import foldlab as fl

PACKAGE = Path(fl.__file__).resolve().parent
NET = fl.mlp([3, 4, 4, 1], seed=0)
A, B = [0.0, 0.5, 1.0], [1.0, -0.5, 0.25]


def walk_of(**options):
    return lambda: fl.walk(NET, A, B, **options)


def walks_of(**options):
    return lambda: fl.walks(NET, [A, B], [B, A], **options)


def sample_of(**options):
    options.setdefault("n", 10)
    return lambda: fl.sample_walk(NET, A, B, **options)


def with_weights(fill):
    net = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
    with torch.no_grad():
        net[0].weight.fill_(fill)
    return net


CASES = {
    # wrong shapes
    "x1 with too few features": (lambda: fl.walk(NET, [0.0, 1.0], B), ValueError, r"expected x1 with 3 features"),
    "x2 with too many features": (lambda: fl.walk(NET, A, [0.0] * 4), ValueError, r"expected x2 with 3 features"),
    "x1 of three dimensions": (lambda: fl.walk(NET, np.zeros((1, 1, 3)), B), ValueError, r"x1 of shape"),
    "many points for one walk": (lambda: fl.walk(NET, np.zeros((2, 3)), B), ValueError, r"x1 to be one point"),
    "X1 and X2 of different lengths": (
        lambda: fl.walks(NET, np.zeros((2, 3)), np.ones((3, 3))), ValueError, r"X1 and X2 must hold the same number"
    ),
    "X2 with too few features": (lambda: fl.walks(NET, [A], [[0.0, 1.0]]), ValueError, r"expected X2 with 3"),
    "two points to sample": (lambda: fl.sample_walk(NET, A, np.zeros((2, 3)), n=10), ValueError, r"x2 to be one"),
    "t of two dimensions": (
        lambda: fl.walk(NET, A, B).points([[0.1, 0.2], [0.3, 0.4]]), ValueError, r"expected t as a number or"
    ),
    # dtypes
    "complex x1": (lambda: fl.walk(NET, np.array([1j, 0, 0]), B), TypeError, r"x1 must hold real numbers"),
    "complex tensor x2": (lambda: fl.walk(NET, A, torch.tensor([1j, 0, 0])), TypeError, r"x2 must hold real"),
    "complex X1": (lambda: fl.walks(NET, np.ones((2, 3)) * 1j, np.ones((2, 3))), TypeError, r"X1 must hold real"),
    "object array": (lambda: fl.walk(NET, np.array([object(), 1, 2]), B), TypeError, r"x1 must hold numbers"),
    "None for x2": (lambda: fl.walk(NET, A, None), TypeError, r"x2 must hold numbers"),
    "ragged X1": (lambda: fl.walks(NET, [[0, 1], [2]], [A, B]), ValueError, r"X1 must be a rectangular array"),
    "complex t": (lambda: fl.walk(NET, A, B).points([0.5j]), TypeError, r"t must hold real numbers"),
    # NaN and inf
    "NaN in x1": (lambda: fl.walk(NET, [0.0, np.nan, 1.0], B), ValueError, r"x1 contains NaN"),
    "inf in x2": (lambda: fl.walk(NET, A, [0.0, np.inf, 1.0]), ValueError, r"x2 contains inf"),
    "NaN in X2": (lambda: fl.walks(NET, [A], [[np.nan, 0, 0]]), ValueError, r"X2 contains NaN"),
    "-inf in X1 of a tensor": (
        lambda: fl.walks(NET, torch.tensor([[-np.inf, 0, 0]]), [B]), ValueError, r"X1 contains inf"
    ),
    "NaN in x1 to sample": (lambda: fl.sample_walk(NET, [np.nan, 0, 0], B, n=10), ValueError, r"x1 contains NaN"),
    "NaN t": (lambda: fl.walk(NET, A, B).points([np.nan]), ValueError, r"t contains NaN"),
    "inf rtol": (walk_of(rtol=np.inf), ValueError, r"rtol must be a finite number"),
    "NaN ttol": (walk_of(ttol=np.nan), ValueError, r"ttol must be a finite number"),
    # empty and huge sizes
    "empty X1": (lambda: fl.walks(NET, np.zeros((0, 3)), np.zeros((0, 3))), ValueError, r"empty batch: X1"),
    "empty x1": (lambda: fl.walk(NET, [], B), ValueError, r"x1 with 3 features"),
    "no layers": (walk_of(layers=[]), ValueError, r"layers is empty"),
    "no batch": (walks_of(batch_size=0), ValueError, r"batch_size must be an int >= 1"),
    "no regions allowed": (walk_of(max_regions=0), ValueError, r"max_regions must be an int >= 1"),
    "a grid of one point": (walk_of(n_grid=1), ValueError, r"n_grid must be an int >= 2"),
    "one sample": (sample_of(n=1), ValueError, r"n must be an int >= 2"),
    "10**10 samples": (sample_of(n=10**10), fl.OverBudget, r"sampling n=10000000000 points.*pass a smaller n"),
    "a grid of 10**9 points": (
        lambda: fl.walk(fl.mlp([3, 4, 4, 1], activation="gelu", seed=0), A, B, n_grid=10**9),
        fl.OverBudget,
        r"evaluation grid.*pass a smaller n_grid=",
    ),
    "rtol too large": (walk_of(rtol=0.5), ValueError, r"rtol must be a number in \[0, 0.001\)"),
    "negative ttol": (walk_of(ttol=-1e-12), ValueError, r"ttol must be a number in \(0, 0.001\)"),
    "segment index out of range": (lambda: fl.walks(NET, [A], [B])[3], IndexError, r"segment index 3 is out of range"),
    # floats (and bools) for ints
    "float max_regions": (walk_of(max_regions=10.0), TypeError, r"max_regions must be an int, got 10.0"),
    "float batch_size": (walks_of(batch_size=64.0), TypeError, r"batch_size must be an int, got 64.0"),
    "float n_grid": (walk_of(n_grid=1025.0), TypeError, r"n_grid must be an int"),
    "float n": (sample_of(n=10.0), TypeError, r"n must be an int, got 10.0"),
    "bool n": (sample_of(n=True), TypeError, r"n must be an int, got True"),
    "bool max_regions": (walk_of(max_regions=True), TypeError, r"max_regions must be an int, got True"),
    "float layer": (walk_of(layers=0.0), TypeError, r"layers must be an int"),
    "float segment index": (lambda: fl.walks(NET, [A], [B])[0.0], TypeError, r"indexed by an int.*0.0"),
    "int for include_output": (walk_of(include_output=1), TypeError, r"include_output must be True or False"),
    "int for keep_patterns": (walks_of(keep_patterns=1), TypeError, r"keep_patterns must be True or False"),
    "int for merge": (sample_of(merge=0), TypeError, r"merge must be True or False"),
    # strings
    "string x1": (lambda: fl.walk(NET, "0 0 0", B), TypeError, r"x1 must be numbers"),
    "strings in x2": (lambda: fl.walk(NET, A, ["0", "1", "2"]), TypeError, r"x2 must hold numbers"),
    "string method": (walk_of(method="fast"), ValueError, r"method must be one of \('layered', 'step'\)"),
    "string max_regions": (walk_of(max_regions="10"), TypeError, r"max_regions must be an int, got '10'"),
    "string rtol": (walk_of(rtol="0"), TypeError, r"rtol must be a real number"),
    "string layers": (walk_of(layers="01"), TypeError, r"layers must be None, an int or a sequence"),
    "string n": (sample_of(n="10"), TypeError, r"n must be an int"),
    "string t": (lambda: fl.walk(NET, A, B).points("a"), TypeError, r"t must hold numbers"),
    "string segment index": (lambda: fl.walks(NET, [A], [B])["0"], TypeError, r"indexed by an int"),
    "string device": (walk_of(device="tpu"), ValueError, r"device must be 'cpu', 'cuda'"),
    "float device": (walks_of(device=3.5), ValueError, r"device must be"),
    # odd nets
    "not a net": (lambda: fl.walk("net", A, B), TypeError, r"expected a torch.nn.Module"),
    "a function": (lambda: fl.walks(lambda x: x, [A], [B]), TypeError, r"expected a torch.nn.Module"),
    "a convolution": (lambda: fl.walk(nn.Sequential(nn.Conv1d(1, 1, 1)), A, B), fl.UnsupportedNet, r"Conv1d"),
    "no activation": (lambda: fl.walk(nn.Sequential(nn.Linear(3, 2)), A, B), ValueError, r"no activation layers"),
    "an activation first": (
        lambda: fl.walk(nn.Sequential(nn.ReLU(), nn.Linear(3, 2)), A, B), fl.UnsupportedNet, r"no Linear layer before"
    ),
    "a layer of no units": (
        lambda: fl.walk(nn.Sequential(nn.Linear(3, 0), nn.ReLU(), nn.Linear(0, 1)), A, B),
        ValueError,
        r"hidden layer 0 .* has no units",
    ),
    "NaN weights": (lambda: fl.walk(with_weights(np.nan), A, B), ValueError, r"parameter '0.weight'.*NaN"),
    "inf weights": (lambda: fl.walks(with_weights(np.inf), [A], [B]), ValueError, r"parameter '0.weight'.*inf"),
    "BatchNorm in training mode": (
        lambda: fl.walk(nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2), nn.ReLU()), A, B),
        ValueError,
        r"BatchNorm1d\) is in training mode",
    ),
    "NaN LeakyReLU slope": (
        lambda: fl.walk(nn.Sequential(nn.Linear(3, 2), nn.LeakyReLU(float("nan"))), A, B),
        ValueError,
        r"negative_slope=nan",
    ),
    "output bits of a headless net": (
        lambda: fl.walk(nn.Sequential(nn.Linear(3, 2), nn.ReLU()), A, B, include_output=True),
        ValueError,
        r"include_output=True needs an output layer",
    ),
    "output bits to sample on a headless net": (
        lambda: fl.sample_walk(nn.Sequential(nn.Linear(3, 2), nn.ReLU()), A, B, n=5, include_output=True),
        ValueError,
        r"include_output=True needs an output layer",
    ),
    "the step walk of a tanh net": (
        lambda: fl.walk(fl.mlp([3, 4, 1], activation="tanh", seed=0), A, B, method="step"),
        ValueError,
        r"method='step' needs a piecewise-linear net",
    ),
    "a layer index past the net": (walk_of(layers=[2]), ValueError, r"layer index 2 is out of range"),
    "a layer index past the net, sampled": (sample_of(layers=5), ValueError, r"layer index 5 is out of range"),
}


@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")
@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_refused_by_foldlab_with_a_message_naming_it(name):
    call, kind, message = CASES[name]
    assert issubclass(kind, (ValueError, TypeError, IndexError))
    with pytest.raises(kind, match=message) as info:
        call()
    innermost = Path(str(info.traceback[-1].path)).resolve()
    assert innermost.is_relative_to(PACKAGE), f"raised in {innermost}, not by foldlab"


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
@pytest.mark.parametrize("call", [walk_of(device="cuda"), walks_of(device="cuda:0")])
def test_cuda_without_cuda_is_a_clear_error(call):
    with pytest.raises(ValueError, match=r"device='cuda(:0)?' asks for CUDA, but torch finds no CUDA device"):
        call()


def test_the_same_inputs_pass_when_they_are_right():
    """The cases above fail for the reason they name: with that one thing right, each call works."""
    assert len(fl.walk(NET, A, B)) >= 1
    assert len(fl.walks(NET, [A, B], [B, A], batch_size=1, keep_patterns=False)) == 2
    assert fl.sample_walk(NET, A, B, n=10, merge=False).patterns.shape[0] == 10
    w = fl.walk(NET, np.array(A, dtype=np.float32), torch.tensor(B, dtype=torch.float16), max_regions=100)
    assert w.points(0.5).shape == (1, 3) and w.points([0, 1]).shape == (2, 3)
    assert fl.walks(NET, [A], [B])[np.int64(0)].chi == fl.walk(NET, A, B).chi
