"""Loaders for the datasets of the paper: MNIST and the 12-bit IB dataset.

The files are read from a local directory and are never downloaded: see
:func:`get_data_home` for where they are looked up. For demos that must run
anywhere, :func:`sklearn.datasets.load_digits` is bundled with scikit-learn.
"""

import gzip
import os
import zlib
from os import PathLike
from pathlib import Path

import numpy as np
import scipy.io
from sklearn.utils import Bunch
from sklearn.utils._param_validation import StrOptions, validate_params

__all__ = ["get_data_home", "load_ib12", "load_mnist"]

DATA_ENV_VAR = "SKNC_DATA"
DEFAULT_DATA_HOME = "~/sknc_data"

MNIST_URL = "http://yann.lecun.com/exdb/mnist/"
IB12_URL = "https://github.com/ravidziv/IDNNs"

# IDX magic numbers: two zero bytes, the type code 0x08 (unsigned byte), then
# the number of dimensions (3 for images, 1 for labels).
_IDX_IMAGES_MAGIC = 0x00000803
_IDX_LABELS_MAGIC = 0x00000801
_GZIP_MAGIC = b"\x1f\x8b"

_MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
_MNIST_SUBSETS = {
    "train": ("train",),
    "test": ("test",),
    "t10k": ("test",),
    "all": ("train", "test"),
}
_MNIST_SHAPE = (28, 28)

_MNIST_DESCR = """\
MNIST handwritten digits
------------------------

=================   ==============================================
Classes                                                         10
Samples total               70000 (train: 60000, test/t10k: 10000)
Dimensionality                                       784 (28 x 28)
Features            float32 in [0, 1] (pixels / 255), or uint8
=================   ==============================================

The original MNIST database of Yann LeCun, Corinna Cortes and Christopher
J.C. Burges (CC BY-SA 3.0), read from its IDX files. Pixel values are the
grey levels 0 (background) to 255 (ink); ``as_float=True`` divides them by
255. The first 60000 images form the training set and the last 10000 the test
set, written by disjoint sets of writers.

Y. LeCun, L. Bottou, Y. Bengio and P. Haffner. "Gradient-based learning
applied to document recognition." Proceedings of the IEEE, 86(11), 1998.
"""

_IB12_DESCR = """\
12-bit information bottleneck dataset
-------------------------------------

=================   =========================
Classes                                     2
Samples total                            4096
Dimensionality                             12
Features            binary {0, 1}, as float32
=================   =========================

Every 12-bit pattern exactly once, with a binary label (p(y=1) = 0.517)
given by a spherically symmetric rule, as used by Shwartz-Ziv and Tishby to
study deep networks in the information plane. Read from ``var_u.mat`` of
their IDNNs repository.

R. Shwartz-Ziv and N. Tishby. "Opening the black box of deep neural networks
via information." arXiv:1703.00810, 2017.
"""


@validate_params(
    {"data_home": [str, PathLike, None]},
    prefer_skip_nested_validation=True,
)
def get_data_home(data_home=None):
    """Return the directory where sknc looks for its datasets.

    The directory is, in order of precedence, ``data_home`` when given, the
    ``SKNC_DATA`` environment variable when set and not empty, else
    ``~/sknc_data``. A leading ``~`` is expanded. The directory is neither
    created nor required to exist: sknc never downloads data.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The directory to use. By default, the ``SKNC_DATA`` environment
        variable, else ``~/sknc_data``.

    Returns
    -------
    data_home : pathlib.Path
        The resolved directory.

    Examples
    --------
    >>> from pathlib import Path
    >>> from sknc.datasets import get_data_home
    >>> get_data_home("/srv/data") == Path("/srv/data")
    True
    >>> get_data_home("~/data") == Path.home() / "data"
    True
    """
    if data_home is None:
        data_home = os.environ.get(DATA_ENV_VAR) or DEFAULT_DATA_HOME
    return Path(data_home).expanduser()


def _find_file(root, subdir, names, *, dataset, how_to_get):
    """Return the first of ``names`` found in ``root / subdir`` or ``root``.

    Raise a FileNotFoundError listing every path tried, followed by
    ``how_to_get`` formatted with the expected directory, when none exists.
    """
    tried = []
    for directory in (root / subdir, root):
        for name in names:
            path = directory / name
            if path.is_file():
                return path
            tried.append(path)
    looked_in = "\n".join(f"  {path}" for path in tried)
    wanted = " or ".join(repr(name) for name in names)
    raise FileNotFoundError(
        f"{dataset} file {wanted} not found. Looked in:\n{looked_in}\n"
        f"{how_to_get.format(directory=root / subdir)} Or pass data_home, or "
        f"set the {DATA_ENV_VAR} environment variable, to the directory that "
        "holds the data. sknc never downloads data."
    )


def _read_idx(path, *, magic, ndim):
    """Read an IDX file of unsigned bytes, gzipped or not, as a uint8 array."""
    raw = path.read_bytes()
    # Sniff the content rather than trust the suffix: some browsers decompress
    # the MNIST files on download but keep the .gz name.
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise ValueError(f"Could not decompress {path}: {exc}") from exc
    # Check the magic number first: it says more than any size mismatch.
    found = int.from_bytes(raw[:4], "big") if len(raw) >= 4 else None
    if found is not None and found != magic:
        raise ValueError(
            f"{path} has IDX magic number 0x{found:08X}, expected "
            f"0x{magic:08X}; the file is corrupted or is not the right MNIST "
            "file."
        )
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise ValueError(
            f"{path} is too short for an IDX header: expected at least "
            f"{header_size} bytes, got {len(raw)}."
        )
    shape = tuple(np.frombuffer(raw, dtype=">u4", count=ndim, offset=4).tolist())
    expected = header_size + int(np.prod(shape))
    if len(raw) != expected:
        raise ValueError(
            f"{path} has {len(raw)} bytes, expected {expected} from its IDX "
            f"header (dimensions {shape}); the file is truncated or corrupted."
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(shape)


def _load_mnist_subset(root, subset):
    """Return the uint8 images (n, 28, 28) and labels (n,) of one subset."""
    how_to_get = (
        "Download the original files train-images-idx3-ubyte.gz, "
        "train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and "
        f"t10k-labels-idx1-ubyte.gz from Yann LeCun's MNIST page ({MNIST_URL}) "
        "and put them in {directory}."
    )
    images_name, labels_name = _MNIST_FILES[subset]
    paths = [
        _find_file(
            root,
            "mnist",
            [f"{name}.gz", name],
            dataset="MNIST",
            how_to_get=how_to_get,
        )
        for name in (images_name, labels_name)
    ]
    images = _read_idx(paths[0], magic=_IDX_IMAGES_MAGIC, ndim=3)
    labels = _read_idx(paths[1], magic=_IDX_LABELS_MAGIC, ndim=1)
    if images.shape[1:] != _MNIST_SHAPE:
        raise ValueError(
            f"{paths[0]} holds images of shape {images.shape[1:]}, expected "
            f"{_MNIST_SHAPE}."
        )
    if images.shape[0] != labels.shape[0]:
        raise ValueError(
            f"{paths[0]} holds {images.shape[0]} images but {paths[1]} holds "
            f"{labels.shape[0]} labels."
        )
    if labels.size and labels.max() > 9:
        raise ValueError(
            f"{paths[1]} holds label {labels.max()}, expected digits 0 to 9."
        )
    return images, labels


@validate_params(
    {
        "data_home": [str, PathLike, None],
        "subset": [StrOptions(set(_MNIST_SUBSETS))],
        "return_X_y": ["boolean"],
        "as_float": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def load_mnist(data_home=None, *, subset="train", return_X_y=False, as_float=True):
    """Load the MNIST handwritten digits from the original IDX files.

    The four files ``{train,t10k}-{images-idx3,labels-idx1}-ubyte``, gzipped
    (``.gz``) or not, are looked up in ``<data_home>/mnist`` then in
    ``<data_home>`` itself; see :func:`get_data_home` for ``data_home``.
    Nothing is downloaded.

    =================   ==============================================
    Classes                                                         10
    Samples total               70000 (train: 60000, test/t10k: 10000)
    Dimensionality                                       784 (28 x 28)
    Features            float32 in [0, 1] (pixels / 255), or uint8
    =================   ==============================================

    Parameters
    ----------
    data_home : str or path-like, default=None
        The directory holding the files, directly or in a ``mnist``
        subdirectory. By default, the ``SKNC_DATA`` environment variable,
        else ``~/sknc_data``.

    subset : {"train", "test", "t10k", "all"}, default="train"
        The subset to load: the 60000 training images, the 10000 test images
        (``"t10k"`` is an alias of ``"test"``), or all 70000 with the
        training images first.

    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch object.

    as_float : bool, default=True
        If True, return the pixels as float32 scaled to [0, 1] (divided by
        255). If False, return the raw uint8 grey levels 0 to 255.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object, with the following attributes.

        data : ndarray of shape (n_samples, 784)
            The flattened images, float32 or uint8 according to ``as_float``.
        target : ndarray of shape (n_samples,), dtype=int64
            The digit of each image.
        images : ndarray of shape (n_samples, 28, 28)
            The images, a view of ``data``.
        feature_names : list of str
            ``"pixel_<row>_<column>"`` for each of the 784 pixels.
        target_names : ndarray of shape (10,)
            The digits 0 to 9.
        DESCR : str
            The full description of the dataset.

    (data, target) : tuple if ``return_X_y`` is True
        The data of shape (n_samples, 784) and the target of shape
        (n_samples,).

    Raises
    ------
    FileNotFoundError
        If a file is missing; the message lists every path looked in.

    ValueError
        If a file is not a valid MNIST IDX file (wrong magic number, size or
        image shape).

    See Also
    --------
    load_ib12 : Load the 12-bit dataset of Shwartz-Ziv and Tishby.
    sklearn.datasets.load_digits : The bundled 8 x 8 digits, for demos.

    Examples
    --------
    With the files in ``~/sknc_data/mnist`` or ``$SKNC_DATA/mnist``:

    >>> from sknc.datasets import load_mnist
    >>> X, y = load_mnist(subset="test", return_X_y=True)  # doctest: +SKIP
    >>> X.shape, X.dtype, y.shape  # doctest: +SKIP
    ((10000, 784), dtype('float32'), (10000,))

    Without them, the error says where it looked and how to get them:

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as empty:
    ...     load_mnist(empty)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    FileNotFoundError: MNIST file 'train-images-idx3-ubyte.gz' or ... Looked in:...
    """
    root = get_data_home(data_home)
    parts = [_load_mnist_subset(root, part) for part in _MNIST_SUBSETS[subset]]
    if len(parts) == 1:
        images, labels = parts[0]
    else:
        images = np.concatenate([part[0] for part in parts])
        labels = np.concatenate([part[1] for part in parts])

    data = images.reshape(images.shape[0], -1)
    if as_float:
        data = data.astype(np.float32)
        data /= 255
    else:
        # np.frombuffer returns a read-only view of the file's bytes.
        data = data.copy()
    target = labels.astype(np.int64)

    if return_X_y:
        return data, target
    n_rows, n_cols = _MNIST_SHAPE
    return Bunch(
        data=data,
        target=target,
        images=data.reshape(-1, n_rows, n_cols),
        feature_names=[
            f"pixel_{row}_{col}" for row in range(n_rows) for col in range(n_cols)
        ],
        target_names=np.arange(10),
        DESCR=_MNIST_DESCR,
    )


@validate_params(
    {"data_home": [str, PathLike, None], "return_X_y": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def load_ib12(data_home=None, *, return_X_y=False):
    """Load the 12-bit dataset of Shwartz-Ziv and Tishby (2017).

    The MATLAB file ``var_u.mat`` (with ``F``, 4096 x 12, and ``y``,
    1 x 4096) is looked up in ``<data_home>/ib12`` then in ``<data_home>``
    itself; see :func:`get_data_home` for ``data_home``. Nothing is
    downloaded.

    =================   =========================
    Classes                                     2
    Samples total                            4096
    Dimensionality                             12
    Features            binary {0, 1}, as float32
    =================   =========================

    Parameters
    ----------
    data_home : str or path-like, default=None
        The directory holding ``var_u.mat``, directly or in an ``ib12``
        subdirectory. By default, the ``SKNC_DATA`` environment variable,
        else ``~/sknc_data``.

    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch object.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object, with the following attributes.

        data : ndarray of shape (4096, 12), dtype=float32
            Every 12-bit pattern once, as zeros and ones.
        target : ndarray of shape (4096,), dtype=int64
            The binary label of each pattern.
        feature_names : list of str
            ``"bit_0"`` to ``"bit_11"``.
        target_names : ndarray of shape (2,)
            The labels 0 and 1.
        DESCR : str
            The full description of the dataset.

    (data, target) : tuple if ``return_X_y`` is True
        The data of shape (4096, 12) and the target of shape (4096,).

    Raises
    ------
    FileNotFoundError
        If ``var_u.mat`` is missing; the message lists every path looked in.

    ValueError
        If the file cannot be read as a MATLAB file (damaged, truncated), or
        lacks ``F`` or ``y``, or their shapes do not match.

    See Also
    --------
    load_mnist : Load the MNIST handwritten digits.

    Examples
    --------
    With the file in ``~/sknc_data/ib12`` or ``$SKNC_DATA/ib12``:

    >>> from sknc.datasets import load_ib12
    >>> X, y = load_ib12(return_X_y=True)  # doctest: +SKIP
    >>> X.shape, X.dtype, int(y.sum())  # doctest: +SKIP
    ((4096, 12), dtype('float32'), 2118)
    """
    root = get_data_home(data_home)
    path = _find_file(
        root,
        "ib12",
        ["var_u.mat"],
        dataset="IB12",
        how_to_get=f"Get var_u.mat from the data folder of the IDNNs repository "
        f"of Shwartz-Ziv ({IB12_URL}) and put it in {{directory}}.",
    )
    try:
        mat = scipy.io.loadmat(path)
    except Exception as exc:
        # scipy reports a damaged file in many ways (MatReadError, OSError,
        # IndexError, ValueError...), none naming the file.
        raise ValueError(
            f"Could not read {path} as a MATLAB file ({type(exc).__name__}: "
            f"{exc}); the file is damaged or is not var_u.mat."
        ) from exc
    missing = [key for key in ("F", "y") if key not in mat]
    if missing:
        raise ValueError(
            f"{path} lacks the variable(s) {missing}; expected 'F' and 'y'."
        )
    features, labels = mat["F"], mat["y"].ravel()
    if features.ndim != 2 or features.shape[0] != labels.shape[0]:
        raise ValueError(
            f"{path} holds 'F' of shape {features.shape} and 'y' of shape "
            f"{mat['y'].shape}; expected (n, d) and (1, n)."
        )
    data = features.astype(np.float32)
    target = labels.astype(np.int64)

    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        feature_names=[f"bit_{i}" for i in range(data.shape[1])],
        target_names=np.arange(2),
        DESCR=_IB12_DESCR,
    )
