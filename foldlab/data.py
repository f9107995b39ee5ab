"""Data sets, all seeded: 2D toy sets, scikit-learn's digits (the embedded default), MNIST from IDX files.

Every argument is checked where it comes in (a float is not a seed, ``"0.1"`` is not a noise level, NaN
is nothing), and every size a user picks is priced against :data:`foldlab.limits.MEMORY_BUDGET` before
anything is allocated. MNIST files are checked against the known sizes and SHA-256 sums of the standard
files (:data:`MNIST_FILES`), read as a stream (a gzip file is never decompressed whole before its header
is read), and a bad download is removed instead of being left in the cache.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import math
import os
import urllib.error
import urllib.request
import zlib
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from . import limits
from ._docs import shared_docs
from ._validation import check_bool, check_choice, check_float, check_int, check_seed, describe
from .errors import NumericalRange

__all__ = [
    "Dataset",
    "TOY_SETS",
    "MAX_CANTOR_DEPTH",
    "toy_dataset",
    "with_label_noise",
    "load_digits",
    "MNIST_URL",
    "MNIST_FILES",
    "read_idx",
    "load_mnist",
]

#: Names accepted by :func:`toy_dataset`.
TOY_SETS = ("moons", "circles", "xor", "spirals", "cantor")
#: Deepest ``cantor`` set: labels come from ``A^depth`` in float64, whose rounding grows by 3 per step;
#: at depth 20 it is still below 1e-6 (``3^20 * 2^-53``), far below the float32 spacing of the points.
MAX_CANTOR_DEPTH = 20
#: Standard deviation of the input noise when ``noise=None`` (the cantor set's default is 0).
DEFAULT_NOISE = 0.1
#: Bytes :func:`toy_dataset` holds per point at most (coordinates, noise, labels, the split, float32 copies).
_TOY_BYTES_PER_POINT = 128


def _as_tensor(value: Any, name: str, *, labels: bool) -> torch.Tensor:
    if isinstance(value, np.ndarray):
        value = torch.from_numpy(np.array(value))  # a copy, also of negative-stride views
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"Dataset.{name} must be a tensor or a numpy array, got {describe(value)}")
    value = value.detach()
    if labels:
        if value.is_floating_point() or value.is_complex() or value.dtype == torch.bool:
            raise TypeError(f"Dataset.{name} must hold integer class labels, got a {value.dtype} tensor")
        if value.ndim != 1:
            raise ValueError(f"expected Dataset.{name} of shape (n,), one label per point, got {tuple(value.shape)}")
        if value.numel() and int(value.min()) < 0:
            raise ValueError(f"Dataset.{name} holds the label {int(value.min())}; class labels are 0, 1, 2, ...")
        return value.to(torch.int64)
    if not value.is_floating_point():
        raise TypeError(f"Dataset.{name} must hold real numbers in a floating-point tensor, got {value.dtype}")
    if value.ndim != 2:
        raise ValueError(f"expected Dataset.{name} of shape (n, d), got {tuple(value.shape)}")
    if not bool(torch.isfinite(value).all()):
        bad = "NaN" if bool(torch.isnan(value).any()) else "inf"
        raise ValueError(f"Dataset.{name} contains {bad}; expected finite inputs")
    return value


@dataclass(frozen=True, eq=False)
class Dataset:
    """Inputs and integer labels, with a train/test split.

    The fields are checked when the data set is made: finite floating-point inputs of shape (n, d), one
    integer label ``>= 0`` per input, the same ``d`` in both parts, and at least one training point.

    Attributes
    ----------
    X : Tensor, shape (n, d), float32
    y : Tensor, shape (n,), int64
    X_test, y_test : Tensors of the held-out part (may be empty)
    name : str

    Examples
    --------
    >>> Dataset(torch.zeros(2, 2), torch.tensor([0, 1]), torch.zeros(0, 2), torch.zeros(0, dtype=torch.int64), "two")
    Dataset('two', train=(2, 2), test=(0, 2), classes=2)
    >>> Dataset(torch.zeros(2, 2), torch.tensor([0.0, 1.0]), torch.zeros(0, 2), torch.zeros(0), "two")
    Traceback (most recent call last):
    ...
    TypeError: Dataset.y must hold integer class labels, got a torch.float32 tensor
    """

    X: torch.Tensor
    y: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor
    name: str

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise TypeError(f"Dataset.name must be a str, got {describe(self.name)}")
        X, X_test = _as_tensor(self.X, "X", labels=False), _as_tensor(self.X_test, "X_test", labels=False)
        y, y_test = _as_tensor(self.y, "y", labels=True), _as_tensor(self.y_test, "y_test", labels=True)
        if len(X) == 0:
            raise ValueError(
                f"Dataset.X is empty (shape {tuple(X.shape)}): a data set needs at least one training point"
            )
        if X_test.shape[1] != X.shape[1]:
            raise ValueError(
                f"Dataset.X_test has {X_test.shape[1]} features but Dataset.X has {X.shape[1]}"
            )
        for inputs, labels, part in ((X, y, ""), (X_test, y_test, "_test")):
            if len(inputs) != len(labels):
                raise ValueError(
                    f"Dataset.y{part} has {len(labels)} labels for {len(inputs)} inputs in Dataset.X{part}"
                )
        for field_name, value in (("X", X), ("y", y), ("X_test", X_test), ("y_test", y_test)):
            object.__setattr__(self, field_name, value)

    @property
    def n_classes(self) -> int:
        return int(torch.cat([self.y, self.y_test]).max()) + 1

    @property
    def dim(self) -> int:
        return self.X.shape[1]

    def __repr__(self) -> str:
        return (
            f"Dataset({self.name!r}, train={tuple(self.X.shape)}, test={tuple(self.X_test.shape)}, "
            f"classes={self.n_classes})"
        )


def _check_fraction(test_fraction: Any) -> float:
    return check_float(test_fraction, "test_fraction", min=0, max=1, include_max=False)


def _split(X: np.ndarray, y: np.ndarray, test_fraction: float, rng: np.random.Generator, name: str) -> Dataset:
    order = rng.permutation(len(X))
    n_test = int(round(test_fraction * len(X)))
    if n_test >= len(X):
        raise ValueError(
            f"test_fraction={test_fraction} holds out all {len(X)} points and leaves no training set; "
            f"pass a smaller test_fraction or more points"
        )
    test, train = order[:n_test], order[n_test:]
    as_x = lambda a: torch.as_tensor(a, dtype=torch.float32)  # noqa: E731
    as_y = lambda a: torch.as_tensor(a, dtype=torch.int64)  # noqa: E731
    return Dataset(as_x(X[train]), as_y(y[train]), as_x(X[test]), as_y(y[test]), name)


@shared_docs
def toy_dataset(
    name: str = "moons",
    n: int = 400,
    *,
    noise: float | None = None,
    seed: int = 0,
    test_fraction: float = 0.25,
    depth: int = 2,
) -> Dataset:
    """A seeded 2D classification set.

    Every set is made the same way: clean points are drawn and labelled, then Gaussian noise of standard
    deviation ``noise`` (in input units) is added to each coordinate; ``noise=0`` gives the clean points.
    The same seed gives the same clean points, labels and split whatever the noise.

    Parameters
    ----------
    name : {"moons", "circles", "xor", "spirals", "cantor"}
        ``moons`` and ``circles`` are scikit-learn's (two half circles of radius 1; two circles of radius
        1 and 0.5); ``xor`` the four corners ``(+-0.5, +-0.5)`` of a square, labelled 1 where the signs
        of the two coordinates differ (at ``noise=0`` every point sits on a corner); ``spirals`` two
        interleaved spiral arms inside the unit disc; ``cantor`` uniform points in [0, 1]^2 labelled 1
        inside the CantorNet region ``R_depth``, below ``(A^depth(x) + 1) / 2`` (see foldlab's maths page,
        docs/maths.md, section 'CantorNet'). The cantor labels are computed on the float32 coordinates
        that are stored, so each clean point carries the label of its own coordinates.
    n : int
        Number of points (train and test together), at least 4.
    noise : float, optional
        Standard deviation of the Gaussian noise added to the inputs (>= 0). None: 0.1 for every set but
        ``cantor``, whose default is 0 (its labels are exact).
    %(seed)s
        It fixes the points, the labels and the split.
    test_fraction : float
        Fraction held out as the test set, in [0, 1); at least one point is left for training.
    depth : int
        Recursion depth of the ``cantor`` set, 1 to :data:`MAX_CANTOR_DEPTH` (checked for every set).

    Raises
    ------
    TypeError, ValueError
        An argument of the wrong type or out of range (the message names it).
    foldlab.OverBudget
        ``n`` so large that the points would not fit in :data:`foldlab.limits.MEMORY_BUDGET`.
    foldlab.NumericalRange
        ``noise`` so large that the noisy points overflow float32.

    Examples
    --------
    >>> ds = toy_dataset("xor", n=100, seed=0)
    >>> ds
    Dataset('xor', train=(75, 2), test=(25, 2), classes=2)
    >>> bool(torch.equal(ds.X, toy_dataset("xor", n=100, seed=0).X))
    True
    >>> sorted(set(toy_dataset("xor", n=100, seed=0, noise=0).X.abs().flatten().tolist()))
    [0.5]

    References
    ----------
    Lewandowski et al., "On Space Folds of ReLU Neural Networks" (TMLR 2025), section on CantorNet
    (the region ``R_k``).
    """
    name = check_choice(name, "name", TOY_SETS)
    n = check_int(n, "n", min=4)
    seed = check_seed(seed)
    test_fraction = _check_fraction(test_fraction)
    depth = check_int(depth, "depth", min=1, max=MAX_CANTOR_DEPTH)
    if noise is None:
        noise = 0.0 if name == "cantor" else DEFAULT_NOISE
    noise = check_float(noise, "noise", min=0)
    limits.check_memory(float(n) * _TOY_BYTES_PER_POINT, f"a toy data set of n={n} points", driver="pass a smaller n")
    rng = np.random.default_rng(seed)
    if name in ("moons", "circles"):
        X, y = _moons_or_circles(name, n, noise, seed)
    elif name == "xor":
        centers = np.array([[-1, -1], [1, 1], [-1, 1], [1, -1]], dtype=float) * 0.5
        which = rng.integers(0, 4, n)
        X = centers[which] + noise * rng.standard_normal((n, 2))
        y = (which >= 2).astype(np.int64)
    elif name == "spirals":
        half = n // 2
        t = np.sqrt(rng.uniform(0.05, 1, n)) * 3 * math.pi
        arm = np.r_[np.zeros(half, int), np.ones(n - half, int)]
        angle = t + arm * math.pi
        X = np.c_[t * np.cos(angle), t * np.sin(angle)] / (3 * math.pi) + noise * rng.standard_normal((n, 2))
        y = arm
    else:  # cantor
        from .cantornet import cantor_boundary

        # labels of the coordinates as stored (float32), so that no point sits on the wrong side of the
        # boundary by the rounding of its own storage (the boundary's slope is 3^depth / 2)
        X = rng.uniform(0, 1, (n, 2)).astype(np.float32).astype(np.float64)
        boundary = cantor_boundary(torch.as_tensor(X[:, 0]), depth).numpy()
        y = (X[:, 1] <= boundary).astype(np.int64)
        if noise > 0:  # from a stream of its own: the points, labels and split are those of noise=0
            noise_rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
            X = X + noise * noise_rng.standard_normal((n, 2))
    X = np.asarray(X, float)
    if not np.isfinite(X).all() or np.abs(X).max() > np.finfo(np.float32).max:
        raise NumericalRange(
            f"noise={noise} moves the points beyond the float32 range the data set is stored in; pass a "
            f"smaller noise (the sets live in a box of a few units)"
        )
    return _split(X, np.asarray(y, np.int64), test_fraction, rng, name)


@shared_docs
def with_label_noise(data: Dataset, fraction: float, *, seed: int = 0) -> Dataset:
    """The data set with a seeded ``fraction`` of its training labels replaced by another class.

    ``round(fraction * n_train)`` training points, drawn without replacement, each get a label drawn
    uniformly from the other classes (with two classes: the other one). The test split is left clean, so
    that test accuracy says how much the net generalises while the train accuracy says how much it
    memorises. The same data, fraction and seed give the same labels; ``fraction=0`` gives the data back
    unchanged (a new Dataset with the same tensors).

    Parameters
    ----------
    data : Dataset
        With at least two classes.
    fraction : float
        From 0 to 1.
    %(seed)s
        It picks the points relabelled and their new labels.

    Returns
    -------
    Dataset
        Named ``"<name>+noise<fraction>"``; ``X``, ``X_test`` and ``y_test`` are the input's.

    Examples
    --------
    >>> data = toy_dataset("moons", n=100, seed=0)
    >>> noisy = with_label_noise(data, 0.2, seed=0)
    >>> int((noisy.y != data.y).sum()), len(data.y)
    (15, 75)
    >>> bool((noisy.y_test == data.y_test).all())
    True

    References
    ----------
    Hanin and Rolnick, "Deep ReLU Networks Have Surprisingly Few Activation Patterns" (NeurIPS 2019),
    section on memorisation (training with a fraction of the labels randomised).
    """
    if not isinstance(data, Dataset):
        raise TypeError(f"data must be a foldlab Dataset (toy_dataset, load_digits), got {describe(data)}")
    fraction = check_float(fraction, "fraction", min=0, max=1)
    seed = check_seed(seed)
    n_classes = data.n_classes
    if n_classes < 2:
        raise ValueError(f"with_label_noise needs at least two classes to flip between, data {data.name!r} has "
                         f"{n_classes}")
    rng = np.random.default_rng(seed)
    n = len(data.y)
    chosen = rng.choice(n, size=int(round(fraction * n)), replace=False)
    # a shift of 1 to n_classes - 1 (mod n_classes) is a uniform draw among the other classes
    shift = rng.integers(1, n_classes, size=len(chosen))
    y = data.y.clone()
    y[torch.from_numpy(chosen)] = (y[torch.from_numpy(chosen)] + torch.from_numpy(shift)) % n_classes
    return Dataset(data.X, y, data.X_test, data.y_test, f"{data.name}+noise{fraction:g}")


@shared_docs
def load_digits(*, seed: int = 0, test_fraction: float = 0.25, scale: bool = True) -> Dataset:
    """scikit-learn's 8x8 digits (1797 images, shipped inside scikit-learn, works offline).

    Parameters
    ----------
    %(seed)s
        It draws the train/test split.
    test_fraction : float
        In [0, 1), leaving at least one training image.
    scale : bool
        Divide pixel values (0 to 16) by 16, into [0, 1].

    Examples
    --------
    >>> ds = load_digits(seed=0)
    >>> ds
    Dataset('digits', train=(1348, 64), test=(449, 64), classes=10)
    >>> float(ds.X.max())
    1.0
    """
    seed = check_seed(seed)
    test_fraction = _check_fraction(test_fraction)
    scale = check_bool(scale, "scale")
    data, target = _digits()
    X = data / 16.0 if scale else data
    return _split(X, target.astype(np.int64), test_fraction, np.random.default_rng(seed), "digits")


# scikit-learn's data sets, read without importing scikit-learn: its import (2 s to 4 s on a busy machine)
# came before a notebook's first figure. tests/test_data.py checks both against scikit-learn's own functions.


def _moons_or_circles(name: str, n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's ``make_moons(n, noise=noise, random_state=seed)`` or ``make_circles(..., factor=0.5)``:
    the same points in the same order (its ``RandomState`` shuffles the indices, then draws the noise)."""
    n_out, n_in = n // 2, n - n // 2
    generator = np.random.RandomState(seed)
    if name == "moons":
        out, inner = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
        xs = np.append(np.cos(out), 1 - np.cos(inner))
        ys = np.append(np.sin(out), 1 - np.sin(inner) - 0.5)
    else:
        out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
        inner = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
        xs = np.append(np.cos(out), np.cos(inner) * 0.5)
        ys = np.append(np.sin(out), np.sin(inner) * 0.5)
    X = np.vstack([xs, ys]).T
    y = np.hstack([np.zeros(n_out, dtype=np.intp), np.ones(n_in, dtype=np.intp)])
    order = np.arange(n)
    generator.shuffle(order)
    X, y = X[order], y[order]
    X += generator.normal(scale=noise, size=X.shape)
    return X, y


def _digits() -> tuple[np.ndarray, np.ndarray]:
    """The pixels (1797, 64) and labels of scikit-learn's digits, read from the file scikit-learn ships
    (``sklearn/datasets/data/digits.csv.gz``) as its ``load_digits`` reads it; its loader where that file is
    not found."""
    spec = importlib.util.find_spec("sklearn")  # finds the package without importing it
    path = Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "digits.csv.gz" if spec else None
    if path is None or not path.is_file():
        from sklearn.datasets import load_digits as sk_load_digits

        bunch = sk_load_digits()
        return bunch.data, bunch.target
    with gzip.open(path, mode="rt", encoding="utf-8") as file:
        data = np.loadtxt(file, delimiter=",")
    return data[:, :-1], data[:, -1].astype(int)


# --- MNIST from IDX files ------------------------------------------------------------------------------

#: Default download location of the four MNIST files: the public mirror that torchvision also uses first
#: (yann.lecun.com often refuses downloads). Any folder holding the ``*.gz`` files over HTTP(S) works.
MNIST_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"
#: The four standard MNIST files: their stem, the shape they hold, and the size in bytes and SHA-256 of
#: the ``.gz`` file as distributed and of the plain IDX file inside it. :func:`load_mnist` checks every
#: file against these after a download and whenever it reads one (``verify=True``).
MNIST_FILES = {
    "train_images": {
        "stem": "train-images-idx3-ubyte",
        "shape": (60000, 28, 28),
        "gz": (9912422, "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
        "plain": (47040016, "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
    },
    "train_labels": {
        "stem": "train-labels-idx1-ubyte",
        "shape": (60000,),
        "gz": (28881, "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
        "plain": (60008, "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
    },
    "test_images": {
        "stem": "t10k-images-idx3-ubyte",
        "shape": (10000, 28, 28),
        "gz": (1648877, "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
        "plain": (7840016, "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
    },
    "test_labels": {
        "stem": "t10k-labels-idx1-ubyte",
        "shape": (10000,),
        "gz": (4542, "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
        "plain": (10008, "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
    },
}
# IDX type codes (third byte of the magic number) and their big-endian numpy types
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
#: Bytes read (or decompressed) at a time.
_CHUNK = 1 << 22


def _as_path(value: Any, name: str) -> Path:
    if isinstance(value, (str, os.PathLike)) and not isinstance(value, bytes):
        return Path(value).expanduser()
    raise TypeError(f"{name} must be a path (a str or a pathlib.Path), got {describe(value)}")


def _read_exactly(stream, n: int, path: Path, what: str) -> bytes:
    data = stream.read(n)
    if len(data) != n:
        raise ValueError(f"{path} is truncated: its {what} needs {n} bytes, the file has only {len(data)}")
    return data


def read_idx(path: str | os.PathLike, *, shape: tuple[int | None, ...] | None = None, dtype: Any = None) -> np.ndarray:
    """Read one IDX file (plain or gzip-compressed), the format of the MNIST files.

    The header is a magic number ``0x0000TTDD`` (``TT`` the element type, ``DD`` the number of dimensions),
    then ``DD`` big-endian uint32 sizes, then the data in row-major order. The file is read as a stream:
    the header comes first, and the size it announces is checked against ``shape``, ``dtype`` and
    :data:`foldlab.limits.MEMORY_BUDGET` before the data is read (or decompressed) into one array of
    exactly that size; a file that holds less or more data than announced is refused.

    Parameters
    ----------
    path : str or Path
    shape : tuple of int or None, optional
        The shape the file must announce; ``None`` entries match any size (``(None, 28, 28)``).
    dtype : numpy dtype, optional
        The element type the file must announce (``np.uint8``).

    Returns
    -------
    ndarray of the announced shape, in native byte order.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ValueError
        A bad magic number, an unknown type, a shape or type other than expected, or a data size that does
        not match the header (a truncated or corrupted file); the message names the file.
    foldlab.OverBudget
        The announced data would not fit in :data:`foldlab.limits.MEMORY_BUDGET`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "labels-idx1-ubyte"
    >>> _ = path.write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1]))
    >>> read_idx(path)
    array([7, 2, 1], dtype=uint8)
    >>> read_idx(path, shape=(4,))
    Traceback (most recent call last):
    ...
    ValueError: .../labels-idx1-ubyte announces shape (3,), expected (4,)

    References
    ----------
    LeCun, Cortes and Burges, "The MNIST database of handwritten digits" (the IDX format is described
    there).
    """
    path = _as_path(path, "path")
    if shape is not None:
        if isinstance(shape, (str, bytes)) or not isinstance(shape, (tuple, list)):
            raise TypeError(f"shape must be a tuple of ints or None, got {describe(shape)}")
        shape = tuple(None if s is None else check_int(s, "shape", min=0) for s in shape)
    if dtype is not None:
        try:
            dtype = np.dtype(dtype)
        except TypeError as error:
            raise TypeError(f"dtype must be a numpy dtype, got {describe(dtype)}") from error
    if not path.exists():
        raise FileNotFoundError(f"no IDX file at {path}")
    if not path.is_file():
        raise ValueError(f"{path} is not a file (a directory?); expected an IDX file")
    try:
        with ExitStack() as stack:
            stream = stack.enter_context(open(path, "rb"))
            gzipped = stream.read(2) == b"\x1f\x8b"
            stream.seek(0)
            if gzipped:
                stream = stack.enter_context(gzip.GzipFile(fileobj=stream, mode="rb"))
            return _read_idx_stream(stream, path, gzipped, shape, dtype)
    except (OSError, EOFError, zlib.error) as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise ValueError(f"cannot read {path}: {error} (is the file complete?)") from error


def _read_idx_stream(stream, path: Path, gzipped: bool, shape, dtype) -> np.ndarray:
    magic = stream.read(4)
    if len(magic) < 4 or magic[0] != 0 or magic[1] != 0 or magic[2] not in _IDX_TYPES or magic[3] == 0:
        raise ValueError(
            f"{path} is not an IDX file: its magic number is {magic.hex() or 'missing'}, expected 0000TTDD "
            f"(TT a type code such as 08, DD the number of dimensions)"
        )
    file_dtype, ndim = np.dtype(_IDX_TYPES[magic[2]]), magic[3]
    header = 4 + 4 * ndim
    sizes = _read_exactly(stream, 4 * ndim, path, f"header ({ndim} dimensions)")
    announced = tuple(int(s) for s in np.frombuffer(sizes, ">u4"))
    if shape is not None and (
        len(shape) != len(announced) or any(s is not None and s != a for s, a in zip(shape, announced))
    ):
        expected = "(" + ", ".join("n" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
        raise ValueError(f"{path} announces shape {announced}, expected {expected}")
    if dtype is not None and file_dtype.newbyteorder("=") != dtype:
        raise ValueError(f"{path} holds {file_dtype.newbyteorder('=')} values, expected {dtype}")
    count = math.prod(announced)
    nbytes = count * file_dtype.itemsize
    limits.check_memory(
        float(nbytes), f"{path.name}, whose header announces shape {announced} ({file_dtype.newbyteorder('=')}),",
        driver="check that it is the file you meant",
    )
    if not gzipped:
        size = path.stat().st_size
        if size != header + nbytes:
            raise ValueError(
                f"{path} holds {size} bytes but its header announces shape {announced}, i.e. {header + nbytes} "
                f"bytes (truncated or corrupted)"
            )
    data = np.empty(count, dtype=file_dtype)
    view = memoryview(data.view(np.uint8))
    filled = 0
    while filled < nbytes:
        got = stream.readinto(view[filled : filled + _CHUNK])
        if not got:
            raise ValueError(
                f"{path} holds {header + filled} bytes but its header announces shape {announced}, i.e. "
                f"{header + nbytes} bytes (truncated or corrupted)"
            )
        filled += got
    if stream.read(1):
        raise ValueError(
            f"{path} holds more than the {header + nbytes} bytes its header announces (shape {announced}): "
            f"truncated or corrupted"
        )
    if file_dtype.itemsize > 1:  # big-endian on disk: swap in place, no second copy
        data = data.byteswap(inplace=True).view(file_dtype.newbyteorder("="))
    else:
        data = data.view(file_dtype.newbyteorder("="))
    return data.reshape(announced)


def _find(root: Path, stem: str) -> Path | None:
    for candidate in (root / stem, root / (stem + ".gz")):
        if candidate.is_file():
            return candidate
    return None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _looks_like(path: Path) -> str:
    """A few words on what a file that is not the expected one holds (for error messages)."""
    with open(path, "rb") as stream:
        start = stream.read(512)
    if start[:2] == b"\x1f\x8b":
        return "a gzip file"
    if b"<html" in start.lower() or b"<!doctype html" in start.lower():
        return "an HTML page, not the file (a proxy, a login or an error page answered instead)"
    if start[:1] in (b"<", b"{"):
        return f"text starting with {start[:40]!r}, not the file"
    return f"bytes starting with {start[:8].hex()}"


def _verify(path: Path, key: str) -> str | None:
    """None if ``path`` is the standard MNIST file, else what is wrong with it."""
    size, sha = MNIST_FILES[key]["gz" if path.suffix == ".gz" else "plain"]
    actual = path.stat().st_size
    if actual != size:
        return f"it holds {actual} bytes ({_looks_like(path)}), the standard file {size}"
    digest = _sha256(path)
    if digest != sha:
        return f"its SHA-256 is {digest}, the standard file's {sha}"
    return None


def _download(url: str, target: Path, timeout: float, max_bytes: int) -> None:
    part = target.with_name(target.name + ".part")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(part, "wb") as out:
            received = 0
            while chunk := response.read(1 << 20):
                received += len(chunk)
                if received > max_bytes:
                    raise ValueError(f"the server sent more than {max_bytes} bytes, more than the file can hold")
                out.write(chunk)
    except (urllib.error.URLError, OSError, ValueError) as error:
        part.unlink(missing_ok=True)
        if isinstance(error, urllib.error.HTTPError):
            reason = f"HTTP {error.code} {error.reason}"
        else:
            reason = getattr(error, "reason", None) or error
        raise OSError(
            f"could not download MNIST file {url}: {reason}. Check the address (base_url=...), or put the four "
            f"files {sorted(f['stem'] for f in MNIST_FILES.values())} (plain or .gz) into {target.parent} by hand"
        ) from error
    part.replace(target)


@shared_docs
def load_mnist(
    root: str | os.PathLike = "~/.cache/foldlab/mnist",
    *,
    download: bool = False,
    base_url: str = MNIST_URL,
    train_size: int | None = None,
    test_size: int | None = None,
    seed: int = 0,
    timeout: float = 60.0,
    verify: bool = True,
) -> Dataset:
    """MNIST from the four standard IDX files in a local folder, optionally downloading missing ones.

    Parameters
    ----------
    root : str or Path
        Folder with ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``,
        ``t10k-labels-idx1-ubyte``, each plain or with ``.gz``.
    download : bool
        Download the missing files as ``<base_url><name>.gz`` into ``root`` (only those missing).
    base_url : str
        Where to download from; the default :data:`MNIST_URL` is the public mirror
        ``https://ossci-datasets.s3.amazonaws.com/mnist/`` (the first one torchvision tries).
    train_size, test_size : int, optional
        Keep a seeded random subset of this many training / test images (default: all 60000 / 10000).
    %(seed)s
        It draws the subsets.
    timeout : float
        Seconds before a download gives up (> 0).
    verify : bool
        Check every file against the size and SHA-256 of the standard MNIST file (:data:`MNIST_FILES`),
        after a download and each time it is read. ``False`` reads any IDX files of the MNIST layout
        (uint8 images of 28 x 28 and uint8 labels), such as Fashion-MNIST, which uses the same file names;
        their format, shapes and sizes are still checked.

    Returns
    -------
    Dataset
        ``X`` of shape (n, 784), float32 in [0, 1] (pixel / 255), ``y`` int64 digits, the official test set
        as ``X_test``/``y_test``, name ``"mnist"``.

    Raises
    ------
    FileNotFoundError
        Files missing and ``download=False``.
    OSError
        A download failed (names the address and the reason).
    ValueError
        A file that is not the standard one (``verify=True``) or not a valid IDX file of the expected
        shape; the message names the file. A file downloaded by this call is removed first; a file that
        was already in ``root`` is named, to be deleted (the next ``download=True`` fetches it again).

    References
    ----------
    LeCun, Cortes and Burges, "The MNIST database of handwritten digits" (the IDX format is described
    there).
    """
    root = _as_path(root, "root")
    download = check_bool(download, "download")
    if not isinstance(base_url, str):
        raise TypeError(f"base_url must be a str (an http(s) address), got {describe(base_url)}")
    seed = check_seed(seed)
    timeout = check_float(timeout, "timeout", min=0, include_min=False)
    verify = check_bool(verify, "verify")
    sizes = {"train": train_size, "test": test_size}
    for split, size in sizes.items():
        if size is not None:
            sizes[split] = check_int(size, f"{split}_size", min=1)
    found = {key: _find(root, spec["stem"]) for key, spec in MNIST_FILES.items()}
    missing = [MNIST_FILES[key]["stem"] for key, path in found.items() if path is None]
    if missing and not download:
        raise FileNotFoundError(
            f"MNIST files missing in {root}: {missing}; pass download=True (from {base_url}) or copy them there"
        )
    arrays = {}
    if missing:
        root.mkdir(parents=True, exist_ok=True)
        for key, path in found.items():
            if path is None:
                target = root / (MNIST_FILES[key]["stem"] + ".gz")
                url = base_url.rstrip("/") + "/" + target.name
                max_bytes = MNIST_FILES[key]["gz"][0] if verify else limits.MEMORY_BUDGET
                _download(url, target, timeout, max_bytes)
                # checked at once: a bad download is removed before the next one, so none stays behind
                arrays[key], found[key] = _read_mnist_file(key, target, url, verify), target
    for key, path in found.items():
        if key not in arrays:
            arrays[key] = _read_mnist_file(key, path, None, verify)
    parts = []
    for split in ("train", "test"):
        size = sizes[split]
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        image_file, label_file = found[f"{split}_images"], found[f"{split}_labels"]
        if labels.shape[0] != images.shape[0]:
            raise ValueError(
                f"{label_file} should hold {images.shape[0]} uint8 labels (one per image of {image_file.name}), "
                f"got {labels.dtype} {labels.shape}"
            )
        if labels.size and labels.max() > 9:
            raise ValueError(f"{label_file} holds label {labels.max()}, expected digits 0 to 9")
        keep = np.arange(len(images))
        if size is not None:
            if size > len(images):
                raise ValueError(f"{split}_size must be an int from 1 to {len(images)}, got {size!r}")
            keep = np.sort(np.random.default_rng([seed, len(parts)]).choice(len(images), size, replace=False))
        limits.check_memory(
            float(len(keep)) * 784 * 5, f"the {split} images as float32 ({len(keep)} x 784)",
            driver=f"pass a smaller {split}_size",
        )
        X = torch.as_tensor(images[keep].reshape(len(keep), 784), dtype=torch.float32) / 255.0
        parts += [X, torch.as_tensor(labels[keep], dtype=torch.int64)]
    return Dataset(*parts, "mnist")


def _read_mnist_file(key: str, path: Path, url: str | None, verify: bool) -> np.ndarray:
    """Check (``verify``) and read one MNIST file; a bad file this call downloaded is removed."""
    spec = MNIST_FILES[key]
    count = spec["shape"][0] if verify else "n"
    layout = f"({count}, 28, 28)" if len(spec["shape"]) == 3 else f"({count},)"
    kind = "images" if len(spec["shape"]) == 3 else "labels"
    try:
        if verify and (problem := _verify(path, key)):
            raise ValueError(f"{path} is not the standard MNIST file {path.name}: {problem}")
        try:
            array = read_idx(path, shape=spec["shape"] if verify else (None, *spec["shape"][1:]), dtype=np.uint8)
        except ValueError as error:
            raise type(error)(f"{error}; it should hold uint8 {kind} of shape {layout}") from None
        if kind == "images" and array.shape[0] == 0:
            raise ValueError(f"{path} holds no images; it should hold uint8 images of shape {layout}")
        return array
    except ValueError as error:
        if url is not None:
            path.unlink(missing_ok=True)
            advice = f"downloaded from {url}; the bad file was removed, check base_url= and try again"
        else:
            advice = (
                f"delete {path} and call load_mnist(..., download=True) to fetch it again"
                + (", or pass verify=False for other data in the MNIST layout" if verify else "")
            )
        raise type(error)(f"{error} ({advice})") from None  # OverBudget stays OverBudget
