"""Input checks shared by the initializers and the estimators."""

import contextlib
import os
import sys
from numbers import Real

import numpy as np
import torch
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight

#: The largest float32: parameters that torch stores as float32 (learning
#: rates, biases, gains) must not exceed it, or torch fails with an overflow
#: error that names no parameter.
FLOAT32_MAX = float(np.finfo(np.float32).max)


def float32_interval(low, high=FLOAT32_MAX, closed="both"):
    """sklearn's Interval constraint for a float that torch keeps as float32:
    finite, and within ``[-FLOAT32_MAX, FLOAT32_MAX]``."""
    low = -FLOAT32_MAX if low is None else low
    return Interval(Real, low, high, closed=closed)


def check_device(device, owner):
    """Return ``torch.device(device)``, or raise a ValueError naming ``device``.

    A CUDA device on a machine or torch build without one is refused at
    the start of ``fit``, with what is available, instead of torch's error
    in the middle of it. MPS is refused everywhere: it has no float64, in
    which sknc keeps the campaign's statistics, weighted targets and
    predictions.
    """
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"{owner}: device={device!r} is not a torch device: {exc}")
    if dev.type == "mps":
        raise ValueError(
            f"{owner}: device={device!r} is not supported: MPS has no float64, "
            "in which sknc computes the campaign's statistics and the "
            "predictions; use device='cpu'"
        )
    available = ["cpu"]
    if torch.cuda.is_available():
        available += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    usable = dev.type == "cpu" or (
        dev.type == "cuda"
        and torch.cuda.is_available()
        and (dev.index is None or dev.index < torch.cuda.device_count())
    )
    if not usable:
        raise ValueError(
            f"{owner}: device={device!r} is not available here; available: {available}"
        )
    return dev


def _is_missing(value):
    """None, NaN or pandas' NA (a missing label in an object array)."""
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return True
    return isinstance(value, float | np.floating) and value != value


def check_label_values(y, owner, name="y"):
    """Raise a ValueError naming the problem for labels that are no classes.

    ``None`` (missing labels), a mix of strings and numbers, NaN, and
    non-integer floats (a continuous target) are refused with what to do;
    the continuous case keeps scikit-learn's "Unknown label type" wording.
    """
    y = np.asarray(y)
    values = y.ravel()
    if y.dtype == object:
        missing = sum(_is_missing(v) for v in values)
        if missing:
            raise ValueError(
                f"{owner}: {name} contains None, NaN or NA (missing labels) in "
                f"{missing} row(s); drop those rows or give them a class"
            )
        kinds = {"str" if isinstance(v, str) else "number" for v in values}
        if len(kinds) > 1:
            examples = sorted({repr(v) for v in values[:1000]})[:4]
            raise ValueError(
                f"{owner}: {name} mixes strings and numbers ({', '.join(examples)}"
                "...); give every label one type, e.g. y.astype(str)"
            )
        floats = [v for v in values if isinstance(v, float | np.floating)]
        values = np.asarray(floats, dtype=float) if floats else values[:0]
    if values.dtype.kind == "f" and len(values):
        if np.isnan(values).any():
            raise ValueError(
                f"{owner}: {name} contains NaN (missing labels); drop those rows"
            )
        if not np.all(values == np.round(values)):
            raise ValueError(
                f"{owner}: Unknown label type: continuous. {name} has non-integer "
                f"values such as {float(values[values != np.round(values)][0])!r}, "
                "but a classifier needs classes; bin the target or use integer "
                "class codes"
            )


def check_sample_weight(sample_weight, X, owner):
    """Return ``sample_weight`` as a float64 array of one weight per row of X.

    scikit-learn's check, with its messages: finite, 1-D, one per row,
    non-negative, not all zero. ``owner`` names the estimator in a message
    about the length.
    """
    try:
        return _check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=True
        )
    except ValueError as exc:
        if "sample_weight.shape" in str(exc):
            raise ValueError(f"{owner}: {exc}") from None
        raise


def check_real_targets(y, owner, *, spread=True):
    """Return real-valued targets as a float64 array (rows x outputs), or
    raise a ValueError naming the problem: not numbers, NaN or infinite
    values, more than 2 dimensions, or (with ``spread``, for a fit or an
    initialization) fewer than 2 rows or a constant target."""
    try:
        Y = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"{owner}: y must be real numbers for a regression; got values "
            f"such as {np.asarray(y, dtype=object).ravel()[:3].tolist()}"
        ) from None
    if Y.ndim == 1:
        Y = Y[:, None]
    if Y.ndim != 2:
        raise ValueError(f"{owner}: y must be 1-D or 2-D; got shape {Y.shape}")
    if not np.isfinite(Y).all():
        raise ValueError(
            f"{owner}: y contains NaN or infinite values; drop or impute those rows"
        )
    if not spread:
        return Y
    advice = "initializer='xavier' or 'he' initializes without y"
    if len(Y) < 2:
        raise ValueError(
            f"{owner}: a regression needs at least 2 samples to score neurons "
            f"against y; got n_samples = {len(Y)} ({advice})"
        )
    if np.all(Y == Y[0]):
        raise ValueError(
            f"{owner}: y is constant: there is no correlation with it to score "
            f"(check the target column; for a batch of equal targets, {advice})"
        )
    return Y


def encode_labels(y, owner):
    """Check classification labels and encode them as ``0 .. n_classes - 1``.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
    owner : str
        Name used in error messages.

    Returns
    -------
    classes : ndarray
        The sorted distinct labels.
    codes : ndarray of int64
    """
    check_label_values(y, owner)
    check_classification_targets(y)
    encoder = LabelEncoder().fit(y)
    if len(encoder.classes_) < 2:
        raise ValueError(
            f"y has only one class ({encoder.classes_.tolist()}); {owner} needs "
            "at least 2 classes"
        )
    return encoder.classes_, encoder.transform(y).astype(np.int64)


#: The attributes the input check of a fit sets on an estimator:
#: ``validate_data(..., reset=True)``'s, and NCCNNClassifier's ``input_shape_``.
INPUT_ATTRS = ("n_features_in_", "feature_names_in_", "input_shape_")


@contextlib.contextmanager
def input_attrs_kept_on_error(estimator):
    """Put back the estimator's input attributes (:data:`INPUT_ATTRS`) as
    they were, present or absent, if the block raises.

    ``validate_data`` resets them before the rest of a fit can fail; a
    failed refit must leave the previous fit usable.
    """
    saved = {a: vars(estimator)[a] for a in INPUT_ATTRS if a in vars(estimator)}
    try:
        yield
    except BaseException:
        for a in INPUT_ATTRS:
            vars(estimator).pop(a, None)
        vars(estimator).update(saved)
        raise


def draw_seed(random_state):
    """Draw a 31-bit seed from ``random_state`` (int, RandomState or None)."""
    return int(check_random_state(random_state).randint(0, 2**31 - 1))


def user_stacklevel():
    """The ``stacklevel`` that makes a warning raised by the caller of this
    function point at the first frame outside sknc (the user's ``fit``
    call, or scikit-learn's, for a meta-estimator), however deep in sknc
    the warning is raised."""
    package = os.path.dirname(os.path.abspath(__file__))
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(
        package + os.sep
    ):
        frame, level = frame.f_back, level + 1
    return level


def own_generators(iterator):
    """Give a skorch iterator that is a torch ``DataLoader`` (and its random
    sampler) a generator of its own where it has none; return it.

    A DataLoader draws a seed from torch's global generator every time it
    is iterated, unless it has a generator: code that only reads rows (an
    initializer's callback, a measurement) would otherwise move the global
    state, and with it a training that shuffles or drops out from it. The
    generators are unseeded: the order of an unshuffled iterator does not
    depend on them.
    """
    if isinstance(iterator, torch.utils.data.DataLoader):
        if iterator.generator is None:
            iterator.generator = torch.Generator()
        sampler = iterator.sampler
        if isinstance(sampler, torch.utils.data.RandomSampler):
            if sampler.generator is None:
                sampler.generator = torch.Generator()
    return iterator


def writable(X):
    """Return ``X``, copied if read-only (torch cannot wrap read-only memory).

    joblib hands large arrays to workers as read-only memory maps.
    """
    if hasattr(X, "flags"):
        return X if X.flags.writeable else X.copy()
    return X  # a scipy sparse matrix: its arrays are only read
