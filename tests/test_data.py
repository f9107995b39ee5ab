"""Data sets are seeded, shaped as documented, and labelled as their definitions say."""

import pytest
import torch

import foldlab as fl
from foldlab.nets import cantor_boundary


@pytest.mark.parametrize("name", fl.TOY_SETS)
def test_toy_sets_seeded_and_shaped(name):
    a = fl.toy_dataset(name, n=200, seed=3)
    b = fl.toy_dataset(name, n=200, seed=3)
    c = fl.toy_dataset(name, n=200, seed=4)
    assert torch.equal(a.X, b.X) and torch.equal(a.y, b.y)
    assert not torch.equal(a.X, c.X)
    assert a.X.shape == (150, 2) and a.X_test.shape == (50, 2) and a.X.dtype == torch.float32
    assert set(torch.cat([a.y, a.y_test]).tolist()) == {0, 1}


def test_cantor_labels_follow_the_region():
    ds = fl.toy_dataset("cantor", n=500, seed=1, depth=3, test_fraction=0.0)
    inside = ds.X[:, 1].double() <= cantor_boundary(ds.X[:, 0].double(), 3)
    # float32 storage can move a point across the boundary only within float32 rounding of it
    near = (ds.X[:, 1].double() - cantor_boundary(ds.X[:, 0].double(), 3)).abs() < 1e-6
    assert torch.equal(inside[~near].long(), ds.y[~near])


def test_digits_split_and_scale():
    ds = fl.load_digits(seed=0)
    assert ds.X.shape == (1348, 64) and ds.X_test.shape == (449, 64)
    assert float(ds.X.min()) == 0.0 and float(ds.X.max()) == 1.0
    assert ds.n_classes == 10
    assert not torch.equal(ds.y, fl.load_digits(seed=1).y)


@pytest.mark.parametrize(
    "kwargs, match",
    [(dict(name="swirl"), "name must be one of"), (dict(n=2), "n must be an int"), (dict(noise=-1.0), "noise")],
)
def test_toy_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        fl.toy_dataset(**kwargs)
