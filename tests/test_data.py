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
    check_matches(fl.load_mnist(tmp_path), arrays)
    assert np.array_equal(fl.read_idx(tmp_path / "train-images-idx3-ubyte"), arrays[STEMS[0]])


def test_mnist_download_from_local_server(server, tmp_path):
    base_url, served, requests = server
    arrays = tiny_mnist(2)
    write_files(served / "mnist", arrays)
    root = tmp_path / "cache" / "mnist"
    ds = fl.load_mnist(root, download=True, base_url=base_url + "mnist")  # no trailing slash: added
    check_matches(ds, arrays)
    assert sorted(p.name for p in root.iterdir()) == sorted(s + ".gz" for s in STEMS)
    assert len(requests) == 4
    fl.load_mnist(root, download=True, base_url=base_url + "mnist")  # present: nothing downloaded again
    assert len(requests) == 4


def test_mnist_download_404_and_refused(server, tmp_path):
    base_url, served, _ = server
    arrays = tiny_mnist(3)
    write_files(served, {k: v for k, v in arrays.items() if k != STEMS[2]})  # the test images are missing
    root = tmp_path / "dl"
    with pytest.raises(OSError, match=r"could not download MNIST file .*t10k-images-idx3-ubyte.gz: HTTP 404"):
        fl.load_mnist(root, download=True, base_url=base_url)
    assert not list(root.glob("t10k-images*")), "no partial file is left behind"
    # after the server gets the file, a second call fetches only it
    write_files(served, {STEMS[2]: arrays[STEMS[2]]})
    check_matches(fl.load_mnist(root, download=True, base_url=base_url), arrays)
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
            fl.load_mnist(tmp_path / name, download=True, base_url=base_url)
        assert "train-images-idx3-ubyte.gz" in str(info.value)


def test_mnist_shape_and_label_checks(tmp_path):
    arrays = tiny_mnist(5)
    write_files(tmp_path / "a", {**arrays, STEMS[0]: arrays[STEMS[0]][:, :27, :27]})
    with pytest.raises(ValueError, match=r"uint8 images of shape \(n, 28, 28\)"):
        fl.load_mnist(tmp_path / "a")
    write_files(tmp_path / "b", {**arrays, STEMS[3]: arrays[STEMS[3]][:5]})
    with pytest.raises(ValueError, match="should hold 12 uint8 labels"):
        fl.load_mnist(tmp_path / "b")
    write_files(tmp_path / "c", {**arrays, STEMS[1]: arrays[STEMS[1]] + 10})
    with pytest.raises(ValueError, match="expected digits 0 to 9"):
        fl.load_mnist(tmp_path / "c")
    with pytest.raises(FileNotFoundError, match="MNIST files missing in .*t10k-images-idx3-ubyte"):
        fl.load_mnist(tmp_path / "nothing")


def test_mnist_subsets_are_seeded(tmp_path):
    arrays = tiny_mnist(6)
    write_files(tmp_path, arrays)
    full = fl.load_mnist(tmp_path)
    a = fl.load_mnist(tmp_path, train_size=10, test_size=4, seed=1)
    assert a.X.shape == (10, 784) and a.X_test.shape == (4, 784)
    assert torch.equal(a.X, fl.load_mnist(tmp_path, train_size=10, test_size=4, seed=1).X)
    assert not torch.equal(a.X, fl.load_mnist(tmp_path, train_size=10, test_size=4, seed=2).X)
    rows = [int(np.flatnonzero((full.X == row).all(1).numpy())[0]) for row in a.X]
    assert rows == sorted(rows) and torch.equal(full.y[rows], a.y)
    with pytest.raises(ValueError, match="train_size must be an int from 1 to 30"):
        fl.load_mnist(tmp_path, train_size=31)
