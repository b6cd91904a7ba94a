"""Discrete entropies and input checks shared by the estimators.

numpy, and torch only to accept tensors as input.
"""

import numpy as np
import torch

from sknc._validation import check_label_values


def check_activations(T, *, name="T"):
    """Return ``T`` as a finite float64 array of shape (n_samples, n_units).

    A 1-D ``T`` is read as one unit. Torch tensors are detached and moved to
    the CPU.
    """
    if isinstance(T, torch.Tensor):
        T = T.detach().cpu().numpy()
    T = np.asarray(T)
    if T.ndim == 1:
        T = T[:, None]
    if T.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D of shape (n_samples, n_units); "
            f"got an array of shape {T.shape}"
        )
    if T.shape[0] == 0 or T.shape[1] == 0:
        raise ValueError(
            f"{name} is empty: got shape {T.shape}, need at least one row "
            "and one column"
        )
    if not np.issubdtype(T.dtype, np.number) or np.iscomplexobj(T):
        raise ValueError(f"{name} must hold real numbers; got dtype {T.dtype}")
    T = T.astype(np.float64, copy=False)
    finite = np.isfinite(T)
    if not finite.all():
        raise ValueError(
            f"{name} contains {int((~finite).sum())} NaN or infinite value(s); "
            "activations must be finite"
        )
    return T


def check_labels(y, n_samples, *, name="y"):
    """Return integer codes 0..C-1 for ``y`` (or None), checked against T's rows."""
    if y is None:
        return None
    if isinstance(y, torch.Tensor):
        y = y.detach().cpu().numpy()
    if not isinstance(y, np.ndarray):
        # A list [1, "1"] would become the strings ["1", "1"]: check the
        # labels as given, so that a mix is refused rather than merged.
        check_label_values(np.asarray(y, dtype=object), "I(T;Y)", name)
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one label per row); got shape {y.shape}")
    if y.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {y.shape[0]} labels but T has {n_samples} rows; "
            "they must have the same length"
        )
    check_label_values(y, "I(T;Y)", name)
    return np.unique(y, return_inverse=True)[1].ravel()


def row_symbols(codes):
    """Map each row of an integer array to one symbol id (0..n_distinct-1)."""
    codes = np.ascontiguousarray(codes)
    if codes.ndim == 1:
        return np.unique(codes, return_inverse=True)[1].ravel()
    # A row is one symbol: view its bytes as a single void scalar.
    rows = codes.view(np.dtype((np.void, codes.dtype.itemsize * codes.shape[1])))
    return np.unique(rows.ravel(), return_inverse=True)[1].ravel()


def _entropy_from_symbols(symbols):
    counts = np.bincount(symbols)
    p = counts[counts > 0] / symbols.shape[0]
    # max(0, .) removes the -0.0 of a single symbol.
    return max(0.0, float(-np.sum(p * np.log2(p))))


def discrete_entropy(labels):
    """Shannon entropy, in bits, of the empirical distribution of labels.

    Parameters
    ----------
    labels : array-like of shape (n_samples,) or (n_samples, n_features)
        Observed symbols. A 2-D array is read row-wise: each distinct row is
        one symbol.

    Returns
    -------
    entropy : float
        ``-sum_k p_k log2 p_k`` with ``p_k`` the frequency of symbol ``k``.

    Raises
    ------
    ValueError
        If ``labels`` is empty or more than 2-D.

    See Also
    --------
    mutual_information : I(X;T) and I(T;Y) of a layer's activations.

    Examples
    --------
    >>> from sknc.information import discrete_entropy
    >>> discrete_entropy([0, 1, 2, 3, 4, 5, 6, 7])
    3.0
    >>> round(discrete_entropy(["a", "a", "a", "b"]), 4)
    0.8113
    """
    if isinstance(labels, torch.Tensor):
        labels = labels.detach().cpu().numpy()
    labels = np.asarray(labels)
    if labels.ndim == 0 or labels.ndim > 2:
        raise ValueError(
            f"labels must be 1-D or 2-D; got an array of shape {labels.shape}"
        )
    if labels.shape[0] == 0:
        raise ValueError("labels is empty: need at least one observation")
    if labels.ndim == 2:
        symbols = row_symbols(
            np.unique(labels, return_inverse=True)[1].reshape(labels.shape)
        )
    else:
        symbols = np.unique(labels, return_inverse=True)[1].ravel()
    return _entropy_from_symbols(symbols)


def discrete_mutual_information(t_symbols, y_codes):
    """Return ``(H(T), I(T;Y))`` in bits for symbol ids of T and label codes.

    ``I(X;T) = H(T)`` for a deterministic map of distinct inputs;
    ``I(T;Y) = H(T) - sum_y p(y) H(T|y) = H(T) + H(Y) - H(T, Y)``.
    ``I(T;Y)`` is NaN when ``y_codes`` is None.
    """
    h_t = _entropy_from_symbols(t_symbols)
    if y_codes is None:
        return h_t, float("nan")
    n_y = int(y_codes.max()) + 1
    joint = t_symbols.astype(np.int64) * n_y + y_codes
    h_y = _entropy_from_symbols(y_codes)
    h_ty = _entropy_from_symbols(np.unique(joint, return_inverse=True)[1].ravel())
    # The plug-in I(T;Y) is >= 0; clip the rounding error of the sum.
    return h_t, max(0.0, h_t + h_y - h_ty)
