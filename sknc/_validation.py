"""Input checks shared by the initializers and the estimators."""

import numpy as np
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets


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
    check_classification_targets(y)
    encoder = LabelEncoder().fit(y)
    if len(encoder.classes_) < 2:
        raise ValueError(
            f"y has only one class ({encoder.classes_.tolist()}); {owner} needs "
            "at least 2 classes"
        )
    return encoder.classes_, encoder.transform(y).astype(np.int64)


def draw_seed(random_state):
    """Draw a 31-bit seed from ``random_state`` (int, RandomState or None)."""
    return int(check_random_state(random_state).randint(0, 2**31 - 1))


def writable(X):
    """Return ``X``, copied if read-only (torch cannot wrap read-only memory).

    joblib hands large arrays to workers as read-only memory maps.
    """
    return X if X.flags.writeable else X.copy()
