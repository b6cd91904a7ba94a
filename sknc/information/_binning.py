"""Binning estimators: uniform bins (Shwartz-Ziv & Tishby) and adaptive bins."""

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from sknc.information._base import BaseMIEstimator
from sknc.information._entropy import discrete_mutual_information, row_symbols

NUMPY_BIN_RULES = ("auto", "fd", "doane", "scott", "stone", "rice", "sturges", "sqrt")


def _check_value_range(value_range):
    if value_range is None:
        return None
    try:
        lo, hi = (float(v) for v in value_range)
    except (TypeError, ValueError):
        raise ValueError(
            f"value_range must be None or a pair (lo, hi); got {value_range!r}"
        ) from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(
            "value_range must be a pair of finite numbers with lo < hi; "
            f"got {value_range!r}"
        )
    return lo, hi


def uniform_bin_codes(T, n_bins, value_range=None):
    """Bin index (0..n_bins-1) of every entry of ``T`` on equal-width bins.

    Values outside ``value_range`` fall in the first or last bin. A constant
    ``T`` with ``value_range=None`` falls in a single bin.
    """
    lo, hi = (T.min(), T.max()) if value_range is None else value_range
    if hi <= lo:
        return np.zeros(T.shape, dtype=np.int64)
    codes = np.floor((T - lo) * (n_bins / (hi - lo)))
    return np.clip(codes, 0, n_bins - 1).astype(np.int64)


def adaptive_bin_codes(T, rule, n_bins):
    """Bin index of every entry of ``T`` on per-unit edges.

    ``rule`` is a :func:`numpy.histogram_bin_edges` rule or ``"quantile"``
    (``n_bins`` equal-mass bins, ties merged).
    """
    codes = np.empty(T.shape, dtype=np.int64)
    quantiles = np.linspace(0.0, 1.0, n_bins + 1)
    # One loop over units (few), never over samples.
    for j in range(T.shape[1]):
        col = T[:, j]
        if rule == "quantile":
            edges = np.unique(np.quantile(col, quantiles))
        else:
            edges = np.histogram_bin_edges(col, bins=rule)
        codes[:, j] = np.searchsorted(edges[1:-1], col, side="right")
    return codes


class BinningEstimator(BaseMIEstimator):
    """Uniform-binning estimate of I(X;T) and I(T;Y) (Shwartz-Ziv & Tishby).

    Every unit's activation is cut into ``n_bins`` equal-width bins on
    ``value_range``; a row's vector of bin indices is one symbol of the
    discrete variable T. For a deterministic network on distinct inputs,
    ``I(X;T) = H(T)`` and ``I(T;Y) = H(T) - sum_y p(y) H(T|y)``, plug-in
    estimates in bits. Both are at most ``log2(n_samples)``.

    Parameters
    ----------
    n_bins : int, default=30
        Number of equal-width bins per unit (at least 2).

    value_range : tuple of (float, float), default=None
        The interval ``(lo, hi)`` that is cut; values outside fall in the end
        bins. If None, the minimum and maximum of ``T`` (over all units). Use
        ``(-1, 1)`` for tanh layers as Shwartz-Ziv & Tishby did.

    See Also
    --------
    AdaptiveBinningEstimator : Per-unit edges from data-driven rules.
    KDEEstimator : Pairwise-distance bounds on noisy activations.
    KMeansEstimator : Clusters of activations as the discrete T.

    References
    ----------
    R. Shwartz-Ziv and N. Tishby, "Opening the black box of deep neural
    networks via information", arXiv:1703.00810, 2017.

    Examples
    --------
    >>> import numpy as np
    >>> from sknc.information import BinningEstimator
    >>> T = np.array([[-0.9], [-0.3], [0.3], [0.9]])
    >>> BinningEstimator(n_bins=2, value_range=(-1, 1)).estimate(T, [0, 0, 1, 1])
    (1.0, 1.0)
    """

    _parameter_constraints: dict = {
        "n_bins": [Interval(Integral, 2, None, closed="left")],
        "value_range": ["array-like", None],
    }

    def __init__(self, n_bins=30, value_range=None):
        self.n_bins = n_bins
        self.value_range = value_range

    def _estimate(self, T, y_codes):
        value_range = _check_value_range(self.value_range)
        codes = uniform_bin_codes(T, self.n_bins, value_range)
        return discrete_mutual_information(row_symbols(codes), y_codes)


class AdaptiveBinningEstimator(BaseMIEstimator):
    """Adaptive-binning estimate of I(X;T) and I(T;Y).

    Like :class:`BinningEstimator`, but each unit gets its own edges, from a
    :func:`numpy.histogram_bin_edges` rule on that unit's values or from
    equal-mass quantiles. Suits unbounded activations such as ReLU.

    Parameters
    ----------
    rule : {"scott", "fd", "auto", "doane", "stone", "rice", "sturges", \
"sqrt", "quantile"}, default="scott"
        How edges are chosen per unit: a rule of
        :func:`numpy.histogram_bin_edges`, or ``"quantile"`` for ``n_bins``
        bins holding equal numbers of rows (tied edges are merged).

    n_bins : int, default=30
        Number of bins per unit for ``rule="quantile"``; ignored otherwise.

    See Also
    --------
    BinningEstimator : Equal-width bins on a fixed range.

    Examples
    --------
    >>> import numpy as np
    >>> from sknc.information import AdaptiveBinningEstimator
    >>> T = np.repeat(np.arange(4.0), 25)[:, None]
    >>> est = AdaptiveBinningEstimator(rule="quantile", n_bins=4)
    >>> est.estimate(T, np.repeat([0, 1], 50))
    (2.0, 1.0)
    """

    _parameter_constraints: dict = {
        "rule": [StrOptions({*NUMPY_BIN_RULES, "quantile"})],
        "n_bins": [Interval(Integral, 2, None, closed="left")],
    }

    def __init__(self, rule="scott", n_bins=30):
        self.rule = rule
        self.n_bins = n_bins

    def _estimate(self, T, y_codes):
        codes = adaptive_bin_codes(T, self.rule, self.n_bins)
        return discrete_mutual_information(row_symbols(codes), y_codes)
