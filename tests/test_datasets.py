"""Tests for sknc.datasets."""

import gzip
import re
import shutil

import numpy as np
import pytest
import scipy.io
from sklearn.utils import Bunch

from sknc.datasets import get_data_home, load_ib12, load_mnist

MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
MNIST_NAMES = [
    f"{subset}-{kind}-ubyte"
    for subset in ("train", "t10k")
    for kind in ("images-idx3", "labels-idx1")
]


@pytest.fixture(scope="module")
def _mnist_cache():
    """Hold parsed MNIST subsets for the module, freed at its end."""
    cache = {}
    yield cache
    cache.clear()


@pytest.fixture
def mnist_train(shared_data, _mnist_cache):
    """The MNIST training Bunch from the shared data, parsed once per module."""
    if "train" not in _mnist_cache:
        _mnist_cache["train"] = load_mnist(shared_data, subset="train")
    return _mnist_cache["train"]


def _write_idx(path, array, *, magic=None, compress=False):
    """Write a uint8 array as an IDX file, with the right magic by default."""
    array = np.asarray(array, dtype=np.uint8)
    if magic is None:
        magic = 0x00000800 + array.ndim
    raw = magic.to_bytes(4, "big")
    raw += np.asarray(array.shape, dtype=">u4").tobytes() + array.tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(raw) if compress else raw)
    return path


def _write_tiny_mnist(root, *, compress=True, n_train=5, n_test=3):
    """Write a tiny MNIST with the real file names and IDX layout to root."""
    rng = np.random.RandomState(0)
    arrays = {}
    for subset, n in (("train", n_train), ("t10k", n_test)):
        arrays[subset] = (
            rng.randint(0, 256, size=(n, 28, 28)),
            rng.randint(0, 10, size=n),
        )
    suffix = ".gz" if compress else ""
    for subset, (images, labels) in arrays.items():
        _write_idx(
            root / f"{subset}-images-idx3-ubyte{suffix}", images, compress=compress
        )
        _write_idx(
            root / f"{subset}-labels-idx1-ubyte{suffix}", labels, compress=compress
        )
    return arrays


def test_load_mnist_train_shape_dtype_range(mnist_train):
    """Check that the training set has 60000 float32 rows in [0, 1]."""
    X, y = mnist_train.data, mnist_train.target
    assert X.shape == (60000, 784)
    assert X.dtype == np.float32
    assert X.min() == 0.0
    assert X.max() == 1.0
    assert y.shape == (60000,)
    assert y.dtype == np.int64


def test_load_mnist_train_label_counts(mnist_train):
    """Check that the training labels have the well-known MNIST counts."""
    assert np.bincount(mnist_train.target).tolist() == MNIST_TRAIN_COUNTS


def test_load_mnist_bunch_fields(mnist_train):
    """Check that the Bunch holds images, feature and target names and DESCR."""
    assert isinstance(mnist_train, Bunch)
    assert mnist_train.images.shape == (60000, 28, 28)
    assert np.shares_memory(mnist_train.images, mnist_train.data)
    assert len(mnist_train.feature_names) == 784
    assert mnist_train.feature_names[29] == "pixel_1_1"
    assert mnist_train.target_names.tolist() == list(range(10))
    assert "MNIST" in mnist_train.DESCR


@pytest.mark.parametrize("subset", ["test", "t10k"])
def test_load_mnist_test_subset(shared_data, subset):
    """Check that the test set (alias t10k) has 10000 rows and known counts."""
    X, y = load_mnist(shared_data, subset=subset, return_X_y=True)
    assert X.shape == (10000, 784)
    assert X.dtype == np.float32
    assert y.dtype == np.int64
    assert np.bincount(y).tolist() == MNIST_TEST_COUNTS


def test_load_mnist_uint8_is_scaled_float(shared_data):
    """Check that as_float=False gives the raw grey levels, 255 * the floats."""
    X_float, y_float = load_mnist(shared_data, subset="test", return_X_y=True)
    X_raw, y_raw = load_mnist(
        shared_data, subset="test", return_X_y=True, as_float=False
    )
    assert X_raw.dtype == np.uint8
    assert X_raw.flags.writeable
    assert X_raw.max() == 255
    np.testing.assert_array_equal(X_float, X_raw.astype(np.float32) / 255)
    np.testing.assert_array_equal(y_float, y_raw)


def test_load_mnist_all_concatenates_train_then_test(shared_data):
    """Check that subset='all' is the training set followed by the test set."""
    X, y = load_mnist(shared_data, subset="all", return_X_y=True, as_float=False)
    assert X.shape == (70000, 784)
    counts = np.add(MNIST_TRAIN_COUNTS, MNIST_TEST_COUNTS)
    assert np.bincount(y).tolist() == counts.tolist()
    assert np.bincount(y[:60000]).tolist() == MNIST_TRAIN_COUNTS


def test_load_mnist_uncompressed_matches_gzipped(shared_data, tmp_path):
    """Check that decompressed IDX files give arrays identical to the .gz ones."""
    for name in MNIST_NAMES:
        if name.startswith("t10k"):
            with gzip.open(shared_data / "mnist" / f"{name}.gz", "rb") as src:
                (tmp_path / name).write_bytes(src.read())
    X_gz, y_gz = load_mnist(shared_data, subset="test", return_X_y=True)
    X_raw, y_raw = load_mnist(tmp_path, subset="test", return_X_y=True)
    np.testing.assert_array_equal(X_raw, X_gz)
    np.testing.assert_array_equal(y_raw, y_gz)


def test_load_mnist_env_var_shared_data(shared_data, monkeypatch):
    """Check that SKNC_DATA locates the shared data when data_home is None."""
    monkeypatch.setenv("SKNC_DATA", str(shared_data))
    y = load_mnist(subset="test").target
    assert np.bincount(y).tolist() == MNIST_TEST_COUNTS


@pytest.mark.parametrize("layout", ["root", "mnist_subdir"])
@pytest.mark.parametrize("compress", [True, False])
def test_load_mnist_layouts(tmp_path, layout, compress):
    """Check that files in <root> and in <root>/mnist, gzipped or not, load."""
    directory = tmp_path / "mnist" if layout == "mnist_subdir" else tmp_path
    arrays = _write_tiny_mnist(directory, compress=compress)
    for subset, key in (("train", "train"), ("test", "t10k")):
        images, labels = arrays[key]
        X, y = load_mnist(tmp_path, subset=subset, return_X_y=True, as_float=False)
        np.testing.assert_array_equal(X, images.reshape(len(images), -1))
        np.testing.assert_array_equal(y, labels)


def test_load_mnist_env_var(tmp_path, monkeypatch):
    """Check that SKNC_DATA is used when data_home is None, and not otherwise."""
    arrays = _write_tiny_mnist(tmp_path / "mnist")
    monkeypatch.setenv("SKNC_DATA", str(tmp_path))
    X, y = load_mnist(subset="train", return_X_y=True)
    assert X.shape == (5, 784)
    np.testing.assert_array_equal(y, arrays["train"][1])
    with pytest.raises(FileNotFoundError, match=re.escape(str(tmp_path / "none"))):
        load_mnist(tmp_path / "none")


def test_load_mnist_gzip_sniffed_not_suffix(tmp_path):
    """Check that a decompressed file still named .gz is read correctly."""
    arrays = _write_tiny_mnist(tmp_path, compress=False)
    for name in MNIST_NAMES:
        (tmp_path / name).rename(tmp_path / f"{name}.gz")
    y = load_mnist(tmp_path, subset="test").target
    np.testing.assert_array_equal(y, arrays["t10k"][1])


def test_load_mnist_missing_file_error(tmp_path):
    """Check that a missing file names every path looked in and how to get it."""
    with pytest.raises(FileNotFoundError) as excinfo:
        load_mnist(tmp_path)
    message = str(excinfo.value)
    for path in (
        tmp_path / "mnist" / "train-images-idx3-ubyte.gz",
        tmp_path / "mnist" / "train-images-idx3-ubyte",
        tmp_path / "train-images-idx3-ubyte.gz",
        tmp_path / "train-images-idx3-ubyte",
    ):
        assert str(path) in message
    assert "LeCun" in message
    assert "SKNC_DATA" in message


def test_load_mnist_missing_labels_error(tmp_path):
    """Check that a missing labels file is reported even if images exist."""
    _write_tiny_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    load_mnist(tmp_path, subset="train")
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte"):
        load_mnist(tmp_path, subset="test")


@pytest.mark.parametrize("compress", [True, False])
def test_load_mnist_bad_magic_error(tmp_path, compress):
    """Check that a corrupted magic number raises naming the file and magic."""
    _write_tiny_mnist(tmp_path)
    suffix = ".gz" if compress else ""
    (tmp_path / "train-labels-idx1-ubyte.gz").unlink()
    bad = _write_idx(
        tmp_path / f"train-labels-idx1-ubyte{suffix}",
        np.zeros(5),
        magic=0x00000802,
        compress=compress,
    )
    with pytest.raises(ValueError, match=re.escape(str(bad))) as excinfo:
        load_mnist(tmp_path)
    assert "0x00000802" in str(excinfo.value)
    assert "0x00000801" in str(excinfo.value)


def test_load_mnist_labels_as_images_error(tmp_path):
    """Check that swapping an images file for a labels file is caught."""
    _write_tiny_mnist(tmp_path)
    shutil.copy(
        tmp_path / "train-labels-idx1-ubyte.gz",
        tmp_path / "train-images-idx3-ubyte.gz",
    )
    with pytest.raises(ValueError, match="magic number 0x00000801, expected"):
        load_mnist(tmp_path)


def test_load_mnist_truncated_error(tmp_path):
    """Check that a file shorter than its header declares raises ValueError."""
    _write_tiny_mnist(tmp_path, compress=False)
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(ValueError, match="truncated"):
        load_mnist(tmp_path)
    path.write_bytes(b"\x00\x00\x08")
    with pytest.raises(ValueError, match="too short for an IDX header"):
        load_mnist(tmp_path)


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_load_mnist_corrupt_gzip_error(tmp_path, damage):
    """Check that a broken gzip stream, cut short or with damaged compressed
    bytes (zlib's own error), raises ValueError naming the file."""
    _write_tiny_mnist(tmp_path)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    raw = bytearray(path.read_bytes())
    if damage == "truncate":
        raw = raw[:30]
    else:
        raw[10:14] = bytes(b ^ 0xFF for b in raw[10:14])  # the deflate header
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="Could not decompress .*train-images"):
        load_mnist(tmp_path)


def test_load_mnist_inconsistent_files_error(tmp_path):
    """Check that mismatched counts or image sizes raise ValueError."""
    _write_tiny_mnist(tmp_path, n_train=5)
    _write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.zeros(4), compress=True)
    with pytest.raises(ValueError, match="holds 5 images but .* holds 4 labels"):
        load_mnist(tmp_path)
    _write_idx(
        tmp_path / "train-images-idx3-ubyte.gz", np.zeros((4, 8, 8)), compress=True
    )
    with pytest.raises(ValueError, match=r"shape \(8, 8\), expected \(28, 28\)"):
        load_mnist(tmp_path)
    _write_idx(
        tmp_path / "train-images-idx3-ubyte.gz", np.zeros((4, 28, 28)), compress=True
    )
    _write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.full(4, 10), compress=True)
    with pytest.raises(ValueError, match="label 10, expected digits 0 to 9"):
        load_mnist(tmp_path)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"subset": "val"}, "'subset' parameter"),
        ({"as_float": "yes"}, "'as_float' parameter"),
        ({"return_X_y": 1.5}, "'return_X_y' parameter"),
    ],
)
def test_load_mnist_invalid_params(tmp_path, params, match):
    """Check that invalid parameters raise a ValueError naming them."""
    with pytest.raises(ValueError, match=match):
        load_mnist(tmp_path, **params)


def test_get_data_home_precedence(tmp_path, monkeypatch):
    """Check that the argument beats SKNC_DATA, which beats ~/sknc_data."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SKNC_DATA", raising=False)
    assert get_data_home() == tmp_path / "home" / "sknc_data"
    monkeypatch.setenv("SKNC_DATA", "")
    assert get_data_home() == tmp_path / "home" / "sknc_data"
    monkeypatch.setenv("SKNC_DATA", str(tmp_path / "env"))
    assert get_data_home() == tmp_path / "env"
    assert get_data_home(tmp_path / "arg") == tmp_path / "arg"
    assert get_data_home("~/arg") == tmp_path / "home" / "arg"
    assert not (tmp_path / "home").exists()


def test_load_ib12(shared_data):
    """Check the shapes, dtypes and content of the 12-bit dataset."""
    bunch = load_ib12(shared_data)
    X, y = bunch.data, bunch.target
    assert X.shape == (4096, 12)
    assert X.dtype == np.float32
    assert y.shape == (4096,)
    assert y.dtype == np.int64
    assert set(np.unique(X).tolist()) == {0.0, 1.0}
    assert len(np.unique(X, axis=0)) == 4096
    assert y.sum() == 2118
    assert bunch.feature_names == [f"bit_{i}" for i in range(12)]
    assert "Shwartz-Ziv" in bunch.DESCR


def test_load_ib12_return_X_y_and_layouts(shared_data, tmp_path, monkeypatch):
    """Check return_X_y, the root layout and SKNC_DATA for the 12-bit data."""
    X, y = load_ib12(shared_data, return_X_y=True)
    shutil.copy(shared_data / "ib12" / "var_u.mat", tmp_path / "var_u.mat")
    monkeypatch.setenv("SKNC_DATA", str(tmp_path))
    X_env, y_env = load_ib12(return_X_y=True)
    np.testing.assert_array_equal(X_env, X)
    np.testing.assert_array_equal(y_env, y)


def test_load_ib12_missing_file_error(tmp_path):
    """Check that a missing var_u.mat names the paths looked in."""
    with pytest.raises(FileNotFoundError) as excinfo:
        load_ib12(tmp_path)
    message = str(excinfo.value)
    assert str(tmp_path / "ib12" / "var_u.mat") in message
    assert str(tmp_path / "var_u.mat") in message
    assert "IDNNs" in message


def test_load_ib12_bad_contents_error(tmp_path):
    """Check that a .mat file without F and y, or with mismatched ones, raises."""
    path = tmp_path / "ib12" / "var_u.mat"
    path.parent.mkdir()
    scipy.io.savemat(path, {"F": np.zeros((4, 3), dtype=np.uint8)})
    with pytest.raises(ValueError, match=r"lacks the variable\(s\) \['y'\]"):
        load_ib12(tmp_path)
    scipy.io.savemat(
        path, {"F": np.zeros((4, 3), dtype=np.uint8), "y": np.zeros((1, 5))}
    )
    with pytest.raises(ValueError, match="expected"):
        load_ib12(tmp_path)
    scipy.io.savemat(path, {"F": np.eye(3, dtype=np.uint8), "y": np.array([[0, 1, 1]])})
    X, y = load_ib12(tmp_path, return_X_y=True)
    assert X.shape == (3, 3) and y.tolist() == [0, 1, 1]


@pytest.mark.parametrize("damage", ["random", "truncated", "empty"])
def test_load_ib12_damaged_file_names_it(shared_data, tmp_path, damage):
    """Check that a damaged var_u.mat gives a ValueError naming the file
    (before: scipy's IndexError, OSError or MatReadError, none naming it;
    and a traceback from `sknc infoplane`)."""
    from sknc.cli import main

    good = (shared_data / "ib12" / "var_u.mat").read_bytes()
    content = {
        "random": np.random.RandomState(0).bytes(100),
        "truncated": good[:300],
        "empty": b"",
    }[damage]
    (tmp_path / "ib12").mkdir()
    path = tmp_path / "ib12" / "var_u.mat"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="Could not read .*var_u.mat"):
        load_ib12(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(["infoplane", "--data-home", str(tmp_path), "--epochs", "1"])
    assert exc.value.code == 1
