"""Data sets are seeded, shaped as documented, and labelled as their definitions say."""

import pytest
import torch

import foldlab as fl
from foldlab.cantornet import cantor_boundary


@pytest.mark.parametrize("name", fl.data.TOY_SETS)
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


# --- MNIST from IDX files, served by a real HTTP server on 127.0.0.1 --------------------------------------

import functools  # noqa: E402
import gzip  # noqa: E402
import http.server  # noqa: E402
import threading  # noqa: E402

import numpy as np  # noqa: E402

STEMS = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


def idx_bytes(array: np.ndarray) -> bytes:
    """Encode a uint8 array in the IDX format (magic 0x0000 08 ndim, big-endian sizes, data)."""
    header = bytes([0, 0, 0x08, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    return header + array.astype(np.uint8).tobytes()


def tiny_mnist(seed: int = 0, n_train: int = 30, n_test: int = 12) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        STEMS[0]: rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        STEMS[1]: rng.integers(0, 10, n_train, dtype=np.uint8),
        STEMS[2]: rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        STEMS[3]: rng.integers(0, 10, n_test, dtype=np.uint8),
    }


def write_files(folder, arrays, gz=(True, True, True, True)):
    folder.mkdir(parents=True, exist_ok=True)
    for (stem, array), zipped in zip(arrays.items(), gz):
        data = idx_bytes(array)
        (folder / (stem + ".gz" if zipped else stem)).write_bytes(gzip.compress(data) if zipped else data)


def check_matches(ds, arrays):
    assert ds.name == "mnist" and ds.X.dtype == torch.float32 and ds.y.dtype == torch.int64
    assert ds.X.shape == (len(arrays[STEMS[1]]), 784) and ds.X_test.shape == (len(arrays[STEMS[3]]), 784)
    assert torch.equal(ds.X, torch.as_tensor(arrays[STEMS[0]].reshape(-1, 784) / 255.0, dtype=torch.float32))
    assert torch.equal(ds.y, torch.as_tensor(arrays[STEMS[1]], dtype=torch.int64))
    assert torch.equal(ds.X_test * 255, torch.as_tensor(arrays[STEMS[2]].reshape(-1, 784), dtype=torch.float32))
    assert torch.equal(ds.y_test, torch.as_tensor(arrays[STEMS[3]], dtype=torch.int64))
    assert float(ds.X.min()) >= 0 and float(ds.X.max()) <= 1


@pytest.fixture
def server(tmp_path):
    """A real HTTP server on 127.0.0.1 serving tmp_path/served; yields (base_url, requested paths)."""
    served = tmp_path / "served"
    served.mkdir()
    requests = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            requests.append(self.path)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(served)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/", served, requests
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_mnist_reads_plain_and_gz_files(tmp_path):
    arrays = tiny_mnist(1)
    write_files(tmp_path, arrays, gz=(False, True, True, False))
    check_matches(fl.load_mnist(tmp_path, verify=False), arrays)
    assert np.array_equal(fl.read_idx(tmp_path / "train-images-idx3-ubyte"), arrays[STEMS[0]])


def test_mnist_download_from_local_server(server, tmp_path):
    base_url, served, requests = server
    arrays = tiny_mnist(2)
    write_files(served / "mnist", arrays)
    root = tmp_path / "cache" / "mnist"
    ds = fl.load_mnist(root, download=True, base_url=base_url + "mnist", verify=False)  # no trailing slash: added
    check_matches(ds, arrays)
    assert sorted(p.name for p in root.iterdir()) == sorted(s + ".gz" for s in STEMS)
    assert len(requests) == 4
    fl.load_mnist(root, download=True, base_url=base_url + "mnist", verify=False)  # present: nothing downloaded again
    assert len(requests) == 4


def test_mnist_download_404_and_refused(server, tmp_path):
    base_url, served, _ = server
    arrays = tiny_mnist(3)
    write_files(served, {k: v for k, v in arrays.items() if k != STEMS[2]})  # the test images are missing
    root = tmp_path / "dl"
    with pytest.raises(OSError, match=r"could not download MNIST file .*t10k-images-idx3-ubyte.gz: HTTP 404"):
        fl.load_mnist(root, download=True, base_url=base_url, verify=False)
    assert not list(root.glob("t10k-images*")), "no partial file is left behind"
    # after the server gets the file, a second call fetches only it
    write_files(served, {STEMS[2]: arrays[STEMS[2]]})
    check_matches(fl.load_mnist(root, download=True, base_url=base_url, verify=False), arrays)
    with pytest.raises(OSError, match="could not download MNIST file http://127.0.0.1:9/"):
        fl.load_mnist(tmp_path / "other", download=True, base_url="http://127.0.0.1:9/", timeout=5)


def test_mnist_corrupted_downloads_are_named(server, tmp_path):
    base_url, served, _ = server
    arrays = tiny_mnist(4)
    write_files(served, arrays)
    good = (served / (STEMS[0] + ".gz")).read_bytes()
    cases = {
        "bad_magic": (gzip.compress(b"\x08\x03\x00\x00" + bytes(100)), "not an IDX file: its magic number is 08030000"),
        "truncated_gz": (good[: len(good) // 2], "cannot read .*is the file complete"),
        "short_data": (gzip.compress(idx_bytes(arrays[STEMS[0]])[:-5]), "truncated or corrupted"),
    }
    for name, (payload, match) in cases.items():
        (served / (STEMS[0] + ".gz")).write_bytes(payload)
        with pytest.raises(ValueError, match=match) as info:
            fl.load_mnist(tmp_path / name, download=True, base_url=base_url, verify=False)
        assert "train-images-idx3-ubyte.gz" in str(info.value)


def test_mnist_shape_and_label_checks(tmp_path):
    arrays = tiny_mnist(5)
    write_files(tmp_path / "a", {**arrays, STEMS[0]: arrays[STEMS[0]][:, :27, :27]})
    with pytest.raises(ValueError, match=r"uint8 images of shape \(n, 28, 28\)"):
        fl.load_mnist(tmp_path / "a", verify=False)
    write_files(tmp_path / "b", {**arrays, STEMS[3]: arrays[STEMS[3]][:5]})
    with pytest.raises(ValueError, match="should hold 12 uint8 labels"):
        fl.load_mnist(tmp_path / "b", verify=False)
    write_files(tmp_path / "c", {**arrays, STEMS[1]: arrays[STEMS[1]] + 10})
    with pytest.raises(ValueError, match="expected digits 0 to 9"):
        fl.load_mnist(tmp_path / "c", verify=False)
    with pytest.raises(FileNotFoundError, match="MNIST files missing in .*t10k-images-idx3-ubyte"):
        fl.load_mnist(tmp_path / "nothing")


def test_mnist_subsets_are_seeded(tmp_path):
    arrays = tiny_mnist(6)
    write_files(tmp_path, arrays)
    full = fl.load_mnist(tmp_path, verify=False)
    a = fl.load_mnist(tmp_path, train_size=10, test_size=4, seed=1, verify=False)
    assert a.X.shape == (10, 784) and a.X_test.shape == (4, 784)
    assert torch.equal(a.X, fl.load_mnist(tmp_path, train_size=10, test_size=4, seed=1, verify=False).X)
    assert not torch.equal(a.X, fl.load_mnist(tmp_path, train_size=10, test_size=4, seed=2, verify=False).X)
    rows = [int(np.flatnonzero((full.X == row).all(1).numpy())[0]) for row in a.X]
    assert rows == sorted(rows) and torch.equal(full.y[rows], a.y)
    with pytest.raises(ValueError, match="train_size must be an int from 1 to 30"):
        fl.load_mnist(tmp_path, train_size=31, verify=False)


# --- toy sets: one meaning of noise, exact cantor labels, arguments checked --------------------------------

from fractions import Fraction  # noqa: E402

from scipy import stats  # noqa: E402


@pytest.mark.parametrize("name", fl.data.TOY_SETS)
def test_noise_is_gaussian_input_noise_of_that_std_for_every_set(name):
    """``noise`` is the standard deviation of Gaussian noise added to the clean points, for every set: the
    same seed gives the same clean points, labels and split whatever the noise."""
    clean = fl.toy_dataset(name, n=4000, seed=2, noise=0)
    for noise in (0.05, 0.3):
        noisy = fl.toy_dataset(name, n=4000, seed=2, noise=noise)
        assert torch.equal(noisy.y, clean.y) and torch.equal(noisy.y_test, clean.y_test)
        added = (noisy.X.double() - clean.X.double()).flatten().numpy()
        assert abs(added.std() / noise - 1) < 0.05 and abs(added.mean()) < 0.05 * noise
        assert stats.kstest(added / noise, "norm").pvalue > 1e-3


def test_noise_zero_gives_the_clean_sets():
    def both(name):
        ds = fl.toy_dataset(name, n=600, seed=5, noise=0, test_fraction=0.0)
        return ds.X.double(), ds.y
    X, y = both("xor")  # the four corners, XOR-labelled (before: blobs of standard deviation 0.1 at noise=0)
    assert set(X.abs().flatten().tolist()) == {0.5} and torch.equal(y, (X[:, 0] * X[:, 1] < 0).long())
    X, y = both("moons")  # unit half circles centred at (0, 0) and (1, 0.5)
    centre = torch.where(y[:, None] == 0, torch.tensor([0.0, 0.0]), torch.tensor([1.0, 0.5]))
    torch.testing.assert_close((X - centre).norm(dim=1), torch.ones(len(X), dtype=torch.float64), atol=1e-6, rtol=0)
    X, y = both("circles")  # radius 1 and 0.5
    torch.testing.assert_close(X.norm(dim=1), 1 - 0.5 * y.double(), atol=1e-6, rtol=0)
    X, y = both("spirals")  # on the arm: radius r at angle 3 pi r + pi * arm
    r = X.norm(dim=1)
    angle = 3 * np.pi * r + np.pi * y.double()
    torch.testing.assert_close(X, r[:, None] * torch.stack([angle.cos(), angle.sin()], 1), atol=1e-5, rtol=0)
    assert torch.equal(both("cantor")[0], fl.toy_dataset("cantor", n=600, seed=5, test_fraction=0.0).X.double())


def exact_cantor_label(x: float, y: float, depth: int) -> int:
    """The label of the point (x, y) (exact binary fractions) by exact rational arithmetic."""
    x, y = Fraction(x), Fraction(y)
    for _ in range(depth):
        x = max(-3 * x + 1, Fraction(0), 3 * x - 2)
    return int(y <= (x + 1) / 2)


@pytest.mark.parametrize("depth", [1, 3, 8, 14, fl.data.MAX_CANTOR_DEPTH])
def test_cantor_labels_are_exact_for_the_stored_points(depth):
    """Every stored (float32) point carries the exact label of its own coordinates, checked in rationals.
    Before, labels came from the float64 coordinates before storage: at depth 8 and above the boundary's
    slope (3^depth / 2) moved points across it by the float32 rounding."""
    ds = fl.toy_dataset("cantor", n=3000, seed=depth, depth=depth, test_fraction=0.0)
    expected = [exact_cantor_label(float(x), float(y), depth) for x, y in ds.X.tolist()]
    assert ds.y.tolist() == expected
    assert 0 < sum(expected) < len(expected)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(seed=1.5), TypeError, "seed must be an int, got 1.5"),
        (dict(seed=-1), ValueError, r"seed must be an int in \[0, 4294967295\], got -1"),
        (dict(seed=None), TypeError, "seed must be an int, got None"),
        (dict(seed=2**70), ValueError, "seed must be an int in"),
        (dict(n=40.0), TypeError, "n must be an int, got 40.0"),
        (dict(n="40"), TypeError, "n must be an int, got '40'"),
        (dict(noise=float("nan")), ValueError, "noise must be a finite number, got nan"),
        (dict(noise=float("inf")), ValueError, "noise must be a finite number, got inf"),
        (dict(noise="0.1"), TypeError, "noise must be a real number, got '0.1'"),
        (dict(noise=0.1 + 1j), TypeError, "noise must be a real number"),
        (dict(test_fraction=0.999), ValueError, "test_fraction=0.999 holds out all 400 points"),
        (dict(test_fraction="0.2"), TypeError, "test_fraction must be a real number"),
        (dict(name="cantor", depth=-1), ValueError, r"depth must be an int in \[1, 20\], got -1"),
        (dict(name="moons", depth=0), ValueError, r"depth must be an int in \[1, 20\], got 0"),
        (dict(name="cantor", depth=10**8), ValueError, r"depth must be an int in \[1, 20\], got 100000000"),
        (dict(name="cantor", depth=2.5), TypeError, "depth must be an int, got 2.5"),
    ],
)
def test_toy_arguments_are_checked(kwargs, error, match):
    with pytest.raises(error, match=match):
        fl.toy_dataset(**kwargs)


def test_toy_sizes_and_noise_beyond_float32_are_refused_and_numpy_ints_accepted():
    with pytest.raises(fl.OverBudget, match="a toy data set of n=1000000000000 points"):
        fl.toy_dataset(n=10**12)
    with pytest.raises(fl.NumericalRange, match="noise=1e"):
        fl.toy_dataset("xor", noise=1e300)
    assert torch.equal(fl.toy_dataset(n=np.int64(40), seed=np.uint32(3)).X, fl.toy_dataset(n=40, seed=3).X)


def test_digits_arguments_are_checked():
    with pytest.raises(ValueError, match=r"seed must be an int in \[0, 4294967295\], got -1"):
        fl.load_digits(seed=-1)
    with pytest.raises(TypeError, match="scale must be True or False, got 'yes'"):
        fl.load_digits(scale="yes")
    with pytest.raises(ValueError, match=r"test_fraction must be a number in \[0, 1\), got 1.0"):
        fl.load_digits(test_fraction=1)


def test_dataset_checks_its_fields():
    X, y = torch.zeros(4, 2), torch.tensor([0, 1, 0, 1])
    empty_X, empty_y = torch.zeros(0, 2), torch.zeros(0, dtype=torch.int64)
    assert fl.data.Dataset(X.numpy(), y.numpy(), empty_X, empty_y, "ok").X.dtype == torch.float32
    cases = [
        ((X * float("nan"), y, empty_X, empty_y, "n"), ValueError, "Dataset.X contains NaN"),
        ((X, y.double(), empty_X, empty_y, "n"), TypeError, "Dataset.y must hold integer class labels"),
        ((X, y[:3], empty_X, empty_y, "n"), ValueError, "Dataset.y has 3 labels for 4 inputs"),
        ((X, -y, empty_X, empty_y, "n"), ValueError, "Dataset.y holds the label -1"),
        ((X[:0], y[:0], X, y, "n"), ValueError, "Dataset.X is empty"),
        ((X, y, torch.zeros(2, 3), y[:2], "n"), ValueError, "Dataset.X_test has 3 features but Dataset.X has 2"),
        ((X, y, empty_X, empty_y, 5), TypeError, "Dataset.name must be a str"),
        (([[0, 1]], y, empty_X, empty_y, "n"), TypeError, "Dataset.X must be a tensor or a numpy array"),
    ]
    for args, error, match in cases:
        with pytest.raises(error, match=match):
            fl.data.Dataset(*args)


# --- MNIST files: checksums, streaming, bad downloads removed ---------------------------------------------

import hashlib  # noqa: E402
import tracemalloc  # noqa: E402
import zlib  # noqa: E402

KEYS = ["train_images", "train_labels", "test_images", "test_labels"]


def fake_standard(monkeypatch, arrays):
    """Make the tiny files of ``arrays`` the 'standard' ones: their sizes and SHA-256 replace the real ones."""
    table = {}
    for key, (stem, array) in zip(KEYS, arrays.items()):
        plain = idx_bytes(array)
        zipped = gzip.compress(plain, mtime=0)
        table[key] = {
            "stem": stem, "shape": array.shape,
            "gz": (len(zipped), hashlib.sha256(zipped).hexdigest()),
            "plain": (len(plain), hashlib.sha256(plain).hexdigest()),
        }
    monkeypatch.setattr(fl.data, "MNIST_FILES", table)


def write_exact(folder, arrays, gz=(True, True, True, True)):
    """Like write_files, with reproducible gzip bytes (mtime 0), so that checksums can be known."""
    folder.mkdir(parents=True, exist_ok=True)
    for (stem, array), zipped in zip(arrays.items(), gz):
        data = idx_bytes(array)
        (folder / (stem + ".gz" if zipped else stem)).write_bytes(gzip.compress(data, mtime=0) if zipped else data)


def test_mnist_constants_are_the_standard_files():
    assert [fl.data.MNIST_FILES[k]["stem"] for k in KEYS] == STEMS
    assert fl.data.MNIST_FILES["train_images"]["gz"] == (
        9912422, "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"
    )
    for spec in fl.data.MNIST_FILES.values():  # the plain file: the IDX header and one byte per value
        assert spec["plain"][0] == 4 + 4 * len(spec["shape"]) + int(np.prod(spec["shape"]))


def test_mnist_files_are_checked_against_their_checksums(monkeypatch, tmp_path):
    arrays = tiny_mnist(7)
    write_exact(tmp_path, arrays, gz=(True, False, True, False))
    with pytest.raises(ValueError, match=r"is not the standard MNIST file train-images-idx3-ubyte.gz: it holds \d+ "
                                         r"bytes \(a gzip file\), the standard file 9912422 \(delete .*verify=False"):
        fl.load_mnist(tmp_path)  # the real checksums: these tiny files are not MNIST
    fake_standard(monkeypatch, arrays)
    check_matches(fl.load_mnist(tmp_path), arrays)  # plain and gz files pass their checks
    plain = tmp_path / STEMS[1]
    changed = bytearray(plain.read_bytes())
    changed[-1] = (changed[-1] + 1) % 10  # one label changed, same size: only the SHA-256 sees it
    plain.write_bytes(bytes(changed))
    with pytest.raises(ValueError, match=f"{STEMS[1]}: its SHA-256 is .*, the standard file's .*delete {plain}"):
        fl.load_mnist(tmp_path)
    assert plain.exists(), "a file the user put there is named, not deleted"
    assert fl.load_mnist(tmp_path, verify=False).y[-1] == int(changed[-1])


def test_an_html_page_downloaded_as_the_files_is_removed_and_named(monkeypatch, server, tmp_path):
    """Before, the HTML saved as the four .gz files stayed in the cache: every later call failed the same
    way and nothing said to delete them."""
    base_url, served, _ = server
    page = b"<!DOCTYPE html><html><body>Please log in to the proxy</body></html>"
    for stem in STEMS:
        (served / (stem + ".gz")).write_bytes(page)
    root = tmp_path / "cache"
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte.gz: it holds 67 bytes \(an HTML page, not the "
                                         r"file.*downloaded from http://127.0.0.1:\d+/train-images-idx3-ubyte.gz; "
                                         r"the bad file was removed"):
        fl.load_mnist(root, download=True, base_url=base_url)
    assert not [p for p in root.iterdir() if p.name.startswith("train-images")]
    with pytest.raises(ValueError, match="not an IDX file.*the bad file was removed"):
        fl.load_mnist(tmp_path / "lax", download=True, base_url=base_url, verify=False)
    assert not [p for p in (tmp_path / "lax").iterdir() if p.name.startswith("train-images")]
    # the server is fixed: the next call downloads what is missing and succeeds, nobody had to clean up
    arrays = tiny_mnist(8)
    write_exact(served, arrays)
    fake_standard(monkeypatch, arrays)
    check_matches(fl.load_mnist(root, download=True, base_url=base_url), arrays)


def test_a_download_larger_than_the_standard_file_is_cut_off(server, tmp_path):
    base_url, served, _ = server
    write_files(tmp_path, {STEMS[0]: tiny_mnist(0)[STEMS[0]]})  # in the cache: only the labels are fetched
    (served / (STEMS[1] + ".gz")).write_bytes(bytes(30_000))  # the train labels have 28881 bytes
    with pytest.raises(OSError, match="train-labels-idx1-ubyte.gz: the server sent more than 28881 bytes"):
        fl.load_mnist(tmp_path, download=True, base_url=base_url)
    assert not list(tmp_path.glob("train-labels*"))


def gzip_stream(header: bytes, n_zeros: int) -> bytes:
    """A gzip file of the header followed by ``n_zeros`` zero bytes, compressed chunk by chunk."""
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [z.compress(header)]
    chunk = bytes(1 << 20)
    for start in range(0, n_zeros, len(chunk)):
        parts.append(z.compress(chunk[: min(len(chunk), n_zeros - start)]))
    return b"".join(parts) + z.flush()


def test_a_gzip_is_read_header_first_and_never_decompressed_past_the_budget(tmp_path):
    """A 80 kB gzip of zeros whose header announces 100000 x 28 x 28 images (78 MB): over a 32 MiB budget it
    is refused from its header, before anything is decompressed (before, ``gzip.decompress`` inflated it
    whole, and its 1 GiB twin took 2.4 GB of memory)."""
    shape = (100_000, 28, 28)
    header = bytes([0, 0, 8, 3]) + np.asarray(shape, ">u4").tobytes()
    bomb = tmp_path / "train-images-idx3-ubyte.gz"
    bomb.write_bytes(gzip_stream(header, int(np.prod(shape))))
    assert bomb.stat().st_size < 200_000
    tracemalloc.start()
    try:
        with fl.limits.memory_budget(32 * 2**20), pytest.raises(fl.OverBudget, match="whose header announces shape"):
            fl.read_idx(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * 2**20
    with pytest.raises(ValueError, match=r"announces shape \(100000, 28, 28\), expected \(10, 28, 28\)"):
        fl.read_idx(bomb, shape=(10, 28, 28))
    with pytest.raises(ValueError, match="holds uint8 values, expected float64"):
        fl.read_idx(bomb, dtype=np.float64)
    # through load_mnist: the same refusal, and the file is named for deletion
    arrays = tiny_mnist(9)
    write_files(tmp_path, {k: v for k, v in arrays.items() if k != STEMS[0]})
    with fl.limits.memory_budget(32 * 2**20), pytest.raises(fl.OverBudget, match=f"delete {bomb}"):
        fl.load_mnist(tmp_path, verify=False)


def test_idx_files_with_more_data_than_announced_or_odd_paths(tmp_path):
    path = tmp_path / "labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1, 9])))
    with pytest.raises(ValueError, match="holds more than the 11 bytes its header announces"):
        fl.read_idx(path)
    with pytest.raises(FileNotFoundError, match="no IDX file at"):
        fl.read_idx(tmp_path / "missing")
    with pytest.raises(ValueError, match="is not a file"):
        fl.read_idx(tmp_path)
    with pytest.raises(TypeError, match="path must be a path"):
        fl.read_idx(None)
    big_endian = tmp_path / "shorts-idx1"
    big_endian.write_bytes(bytes([0, 0, 0x0B, 1, 0, 0, 0, 2]) + np.array([1, -2], ">i2").tobytes())
    values = fl.read_idx(big_endian)
    assert values.tolist() == [1, -2] and values.dtype == np.int16 and values.dtype.isnative


@pytest.mark.parametrize("name", ["moons", "circles"])
@pytest.mark.parametrize("n", [4, 5, 301])
@pytest.mark.parametrize("noise", [0.0, 0.1, 0.37])
@pytest.mark.parametrize("seed", [0, 7, 2**32 - 1])
def test_moons_and_circles_are_scikit_learns(name, n, noise, seed):
    """foldlab draws moons and circles without importing scikit-learn: the same numbers as its functions."""
    import numpy as np
    from sklearn.datasets import make_circles, make_moons

    X, y = fl.data._moons_or_circles(name, n, noise, seed)
    X_sk, y_sk = (make_moons(n, noise=noise, random_state=seed) if name == "moons"
                  else make_circles(n, noise=noise, factor=0.5, random_state=seed))
    assert np.array_equal(X, X_sk) and np.array_equal(y, y_sk)


def test_digits_are_scikit_learns_and_need_no_sklearn_import():
    """The digits come from the file scikit-learn ships, read as its loader reads it, without importing it."""
    import subprocess
    import sys

    import numpy as np
    from sklearn.datasets import load_digits

    X, y = fl.data._digits()
    bunch = load_digits()
    assert np.array_equal(X, bunch.data) and np.array_equal(y, bunch.target)
    code = ("import sys, foldlab as fl; fl.load_digits(seed=0); fl.toy_dataset('moons', n=50, seed=0); "
            "fl.toy_dataset('circles', n=50, seed=0); print('sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
