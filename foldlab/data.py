"""Data sets, all seeded: 2D toy sets, scikit-learn's digits (the embedded default), MNIST from IDX files."""

from __future__ import annotations

import gzip
import math
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

__all__ = ["Dataset", "TOY_SETS", "toy_dataset", "load_digits", "MNIST_URL", "read_idx", "load_mnist"]

#: Names accepted by :func:`toy_dataset`.
TOY_SETS = ("moons", "circles", "xor", "spirals", "cantor")


@dataclass(frozen=True, eq=False)
class Dataset:
    """Inputs and integer labels, with a train/test split.

    Attributes
    ----------
    X : Tensor, shape (n, d), float32
    y : Tensor, shape (n,), int64
    X_test, y_test : Tensors of the held-out part (may be empty)
    name : str
    """

    X: torch.Tensor
    y: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor
    name: str

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


def _split(X: np.ndarray, y: np.ndarray, test_fraction: float, rng: np.random.Generator, name: str) -> Dataset:
    if not 0 <= test_fraction < 1:
        raise ValueError(f"test_fraction must be in [0, 1), got {test_fraction!r}")
    order = rng.permutation(len(X))
    n_test = int(round(test_fraction * len(X)))
    test, train = order[:n_test], order[n_test:]
    as_x = lambda a: torch.as_tensor(a, dtype=torch.float32)  # noqa: E731
    as_y = lambda a: torch.as_tensor(a, dtype=torch.int64)  # noqa: E731
    return Dataset(as_x(X[train]), as_y(y[train]), as_x(X[test]), as_y(y[test]), name)


def toy_dataset(
    name: str = "moons",
    n: int = 400,
    *,
    noise: float = 0.1,
    seed: int = 0,
    test_fraction: float = 0.25,
    depth: int = 2,
) -> Dataset:
    """A seeded 2D classification set.

    Parameters
    ----------
    name : {"moons", "circles", "xor", "spirals", "cantor"}
        ``moons`` and ``circles`` are scikit-learn's; ``xor`` has four Gaussian blobs with XOR labels;
        ``spirals`` two interleaved spirals; ``cantor`` uniform points in [0, 1]^2 labelled 1 inside the
        CantorNet region ``R_depth`` (below ``(A^depth(x) + 1) / 2``, see foldlab's maths page, docs/maths.md,
        section 'CantorNet'). Noise is
        added to the inputs of the first four, not to ``cantor``, whose labels are exact.
    n : int
        Number of points (train and test together).
    noise : float
        Standard deviation of Gaussian input noise.
    seed : int
        The same seed gives the same points, labels and split.
    test_fraction : float
        Fraction held out as the test set.
    depth : int
        Recursion depth of the ``cantor`` set.

    Examples
    --------
    >>> ds = toy_dataset("xor", n=100, seed=0)
    >>> ds
    Dataset('xor', train=(75, 2), test=(25, 2), classes=2)
    >>> bool(torch.equal(ds.X, toy_dataset("xor", n=100, seed=0).X))
    True
    """
    if name not in TOY_SETS:
        raise ValueError(f"name must be one of {TOY_SETS}, got {name!r}")
    if isinstance(n, bool) or not isinstance(n, int) or n < 4:
        raise ValueError(f"n must be an int >= 4, got {n!r}")
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")
    rng = np.random.default_rng(seed)
    if name == "moons":
        from sklearn.datasets import make_moons

        X, y = make_moons(n, noise=noise, random_state=seed)
    elif name == "circles":
        from sklearn.datasets import make_circles

        X, y = make_circles(n, noise=noise, factor=0.5, random_state=seed)
    elif name == "xor":
        centers = np.array([[-1, -1], [1, 1], [-1, 1], [1, -1]], dtype=float) * 0.5
        which = rng.integers(0, 4, n)
        X = centers[which] + rng.normal(0, max(noise, 1e-12) * 1.5 + 0.1, (n, 2))
        y = (which >= 2).astype(np.int64)
    elif name == "spirals":
        half = n // 2
        t = np.sqrt(rng.uniform(0.05, 1, n)) * 3 * math.pi
        arm = np.r_[np.zeros(half, int), np.ones(n - half, int)]
        angle = t + arm * math.pi
        X = np.c_[t * np.cos(angle), t * np.sin(angle)] / (3 * math.pi) + rng.normal(0, noise * 0.5, (n, 2))
        y = arm
    else:  # cantor
        from .cantornet import cantor_boundary

        X = rng.uniform(0, 1, (n, 2))
        boundary = cantor_boundary(torch.as_tensor(X[:, 0]), depth).numpy()
        y = (X[:, 1] <= boundary).astype(np.int64)
    return _split(np.asarray(X, float), np.asarray(y, np.int64), test_fraction, rng, name)


def load_digits(*, seed: int = 0, test_fraction: float = 0.25, scale: bool = True) -> Dataset:
    """scikit-learn's 8x8 digits (1797 images, shipped inside scikit-learn, works offline).

    Parameters
    ----------
    seed : int
        Seeds the train/test split.
    test_fraction : float
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
    from sklearn.datasets import load_digits as sk_load_digits

    bunch = sk_load_digits()
    X = bunch.data / 16.0 if scale else bunch.data
    return _split(X, bunch.target.astype(np.int64), test_fraction, np.random.default_rng(seed), "digits")


# --- MNIST from IDX files ------------------------------------------------------------------------------

#: Default download location of the four MNIST files: the public mirror that torchvision also uses first
#: (yann.lecun.com often refuses downloads). Any folder holding the ``*.gz`` files over HTTP(S) works.
MNIST_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"
MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
# IDX type codes (third byte of the magic number) and their big-endian numpy types
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path) -> np.ndarray:
    """Read one IDX file (plain or gzip-compressed), the format of the MNIST files.

    The header is a magic number ``0x0000TTDD`` (``TT`` the element type, ``DD`` the number of dimensions),
    then ``DD`` big-endian uint32 sizes, then the data in row-major order.

    Raises
    ------
    ValueError
        For a bad magic number, an unknown type, or a data size that does not match the header (a
        truncated or corrupted file); the message names the file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "labels-idx1-ubyte"
    >>> _ = path.write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1]))
    >>> read_idx(path)
    array([7, 2, 1], dtype=uint8)
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as error:
        raise ValueError(f"cannot read {path}: {error} (is the file complete?)") from error
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES or raw[3] == 0:
        raise ValueError(
            f"{path} is not an IDX file: its magic number is {raw[:4].hex() or 'missing'}, expected 0000TTDD "
            f"(TT a type code such as 08, DD the number of dimensions)"
        )
    dtype, ndim = np.dtype(_IDX_TYPES[raw[2]]), raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path} is truncated: its header needs {header} bytes, the file has {len(raw)}")
    shape = tuple(int(s) for s in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    expected = header + int(np.prod(shape)) * dtype.itemsize
    if len(raw) != expected:
        raise ValueError(
            f"{path} holds {len(raw)} bytes but its header announces shape {shape}, i.e. {expected} bytes "
            f"(truncated or corrupted)"
        )
    return np.frombuffer(raw, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def _find(root: Path, stem: str) -> Path | None:
    for candidate in (root / stem, root / (stem + ".gz")):
        if candidate.is_file():
            return candidate
    return None


def _download(url: str, target: Path, timeout: float) -> None:
    part = target.with_name(target.name + ".part")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(part, "wb") as out:
            while chunk := response.read(1 << 20):
                out.write(chunk)
    except (urllib.error.URLError, OSError, ValueError) as error:
        part.unlink(missing_ok=True)
        if isinstance(error, urllib.error.HTTPError):
            reason = f"HTTP {error.code} {error.reason}"
        else:
            reason = getattr(error, "reason", None) or error
        raise OSError(
            f"could not download MNIST file {url}: {reason}. Check the address (base_url=...), or put the four "
            f"files {sorted(MNIST_FILES.values())} (plain or .gz) into {target.parent} by hand"
        ) from error
    part.replace(target)


def load_mnist(
    root="~/.cache/foldlab/mnist",
    *,
    download: bool = False,
    base_url: str = MNIST_URL,
    train_size: int | None = None,
    test_size: int | None = None,
    seed: int = 0,
    timeout: float = 60.0,
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
    seed : int
        Seeds the subsets.
    timeout : float
        Seconds before a download gives up.

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
        A file that is not a valid IDX file of the expected shape (names the file).

    References
    ----------
    LeCun, Cortes and Burges, "The MNIST database of handwritten digits" (the IDX format is described
    there).
    """
    root = Path(root).expanduser()
    found = {key: _find(root, stem) for key, stem in MNIST_FILES.items()}
    missing = [MNIST_FILES[key] for key, path in found.items() if path is None]
    if missing and not download:
        raise FileNotFoundError(
            f"MNIST files missing in {root}: {missing}; pass download=True (from {base_url}) or copy them there"
        )
    if missing:
        root.mkdir(parents=True, exist_ok=True)
        for key, path in found.items():
            if path is None:
                target = root / (MNIST_FILES[key] + ".gz")
                _download(base_url.rstrip("/") + "/" + target.name, target, timeout)
                found[key] = target
    arrays = {key: read_idx(path) for key, path in found.items()}
    parts = []
    for split, size in (("train", train_size), ("test", test_size)):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        image_file, label_file = found[f"{split}_images"], found[f"{split}_labels"]
        if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
            raise ValueError(
                f"{image_file} should hold uint8 images of shape (n, 28, 28), got {images.dtype} {images.shape}"
            )
        if labels.ndim != 1 or labels.dtype != np.uint8 or labels.shape[0] != images.shape[0]:
            raise ValueError(
                f"{label_file} should hold {images.shape[0]} uint8 labels (one per image of {image_file.name}), "
                f"got {labels.dtype} {labels.shape}"
            )
        if labels.size and labels.max() > 9:
            raise ValueError(f"{label_file} holds label {labels.max()}, expected digits 0 to 9")
        keep = np.arange(len(images))
        if size is not None:
            if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= len(images):
                raise ValueError(f"{split}_size must be an int from 1 to {len(images)}, got {size!r}")
            keep = np.sort(np.random.default_rng([seed, len(parts)]).choice(len(images), size, replace=False))
        X = torch.as_tensor(images[keep].reshape(len(keep), 784), dtype=torch.float32) / 255.0
        parts += [X, torch.as_tensor(labels[keep], dtype=torch.int64)]
    return Dataset(*parts, "mnist")
