"""Binning estimators: uniform bins (Shwartz-Ziv & Tishby) and adaptive bins."""

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from sknc._quantiles import quantile_bin_codes
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


def _span_is_finite(lo, hi):
    """Whether ``hi - lo`` is a float64 (not beyond about 1.8e308)."""
    with np.errstate(over="ignore"):
        return bool(np.isfinite(np.float64(hi) - np.float64(lo)))


def uniform_bin_codes(T, n_bins, value_range=None):
    """Bin index (0..n_bins-1) of every entry of ``T`` on equal-width bins.

    ``n_bins`` intervals of equal width cover ``value_range``; a value on an
    edge goes to the bin above it (the last bin is closed), values outside
    the range fall in the first or last bin. A constant ``T`` with
    ``value_range=None`` falls in a single bin.
    """
    lo, hi = (T.min(), T.max()) if value_range is None else value_range
    if hi <= lo:
        return np.zeros(T.shape, dtype=np.int64)
    if not _span_is_finite(lo, hi):
        # A span beyond float64 (about 1.8e308): the same bins on halves.
        codes = np.floor((T / 2 - lo / 2) * (n_bins / (hi / 2 - lo / 2)))
    else:
        with np.errstate(over="ignore"):
            scale = n_bins / (hi - lo)
        if np.isfinite(scale):
            codes = np.floor((T - lo) * scale)
        else:
            # A span of a few subnormals: n_bins / span overflows.
            codes = np.floor((T - lo) / (hi - lo) * n_bins)
    return np.clip(codes, 0, n_bins - 1).astype(np.int64)


def reference_bin_codes(T, n_bins, value_range=None):
    """Cell of every entry of ``T`` as Shwartz-Ziv & Tishby's code bins it.

    Their code takes ``n_bins`` *edges*, ``np.linspace(lo, hi, n_bins)``
    (``n_bins - 1`` intervals), and ``np.digitize``: a value in
    ``[edge_i, edge_i+1)`` gets cell ``i + 1``, a value ``>= hi`` a cell of
    its own (``n_bins``). A value ``< lo`` gets index 0, which their
    ``bins[index - 1]`` lookup wraps onto the same cell as the values
    ``>= hi``; this is reproduced (it cannot happen for tanh or ReLU
    activations on ``[-1, 1]``).
    """
    lo, hi = (T.min(), T.max()) if value_range is None else value_range
    if _span_is_finite(lo, hi):
        edges = np.linspace(lo, hi, n_bins)
    else:
        # A span beyond float64: the same edges, from halves (exact).
        edges = 2 * np.linspace(lo / 2, hi / 2, n_bins)
    codes = np.digitize(T, edges)
    codes[codes == 0] = n_bins
    return codes.astype(np.int64)


def adaptive_bin_codes(T, rule, n_bins):
    """Bin index of every entry of ``T`` on per-unit edges.

    ``rule`` is a :func:`numpy.histogram_bin_edges` rule (a value on an
    interior edge goes to the bin above it, the last bin is closed, as in
    :func:`numpy.histogram`) or ``"quantile"``
    (``sknc._quantiles.quantile_bin_codes``).
    """
    codes = np.empty(T.shape, dtype=np.int64)
    # One loop over units (few), never over samples.
    for j in range(T.shape[1]):
        col = T[:, j]
        if rule == "quantile":
            codes[:, j] = quantile_bin_codes(col, n_bins)
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
        With ``convention="intervals"``, the number of equal-width bins per
        unit (at least 2); with ``"reference"``, the number of edges.

    value_range : tuple of (float, float), default=None
        The interval ``(lo, hi)`` that is cut. If None, the minimum and
        maximum of ``T`` (over all units). Use ``(-1, 1)`` for tanh layers,
        as Shwartz-Ziv & Tishby did.

    convention : {"intervals", "reference"}, default="intervals"
        ``"intervals"``: ``n_bins`` equal intervals on ``value_range``;
        values outside it are clipped into the end bins, so every value
        falls in one of ``n_bins`` bins. ``"reference"``: the binning of
        Shwartz-Ziv & Tishby's code, ``np.digitize`` on the ``n_bins``
        edges ``np.linspace(lo, hi, n_bins)``: ``n_bins - 1`` intervals
        (width 0.069 for 30 on ``[-1, 1]`` against 0.067) and one more cell
        for the values ``>= hi`` (ReLU units above 1, saturated float32
        tanh units at exactly 1), which ``"intervals"`` puts in the last
        bin. Use it to reproduce the published information planes number
        for number (``sknc.information._binning.reference_bin_codes``). On
        the 12-bit network of ``sknc infoplane`` trained 500 epochs the two
        differ by up to 0.25 bits on tanh layers and 0.68 on ReLU layers
        (``benchmarks/binning_conventions.py``).

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
        "convention": [StrOptions({"intervals", "reference"})],
    }

    def __init__(self, n_bins=30, value_range=None, convention="intervals"):
        self.n_bins = n_bins
        self.value_range = value_range
        self.convention = convention

    def _estimate(self, T, y_codes):
        value_range = _check_value_range(self.value_range)
        if self.convention == "reference":
            codes = reference_bin_codes(T, self.n_bins, value_range)
        else:
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
        bins holding equal numbers of rows, tied values never split (with
        at most ``n_bins`` distinct values, each gets a bin of its own; see
        ``sknc._quantiles.quantile_bin_codes``).

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
