"""Equal-mass bins that never split ties (pure numpy).

One owner for quantile binning: the information estimators bin hidden
units with it, the campaign bins real-valued targets with it.
"""

import numpy as np


def quantile_bin_codes(col, n_bins, weights=None):
    """Equal-mass bins of one unit's values, ties never split.

    The cuts fall between consecutive distinct values, at the cumulative
    counts nearest to ``j * n / n_bins`` (``j = 1 .. n_bins - 1``; a cut
    chosen twice is kept once), and a value's bin is the number of cuts
    below it, computed on the ranks of the distinct values, so equal values
    always share a bin and no rounding of an edge can move one. With at
    most ``n_bins`` distinct values every value gets a bin of its own; with
    continuous data the bins hold ``n / n_bins`` rows each, to one row.
    With ``weights`` the mass of a row is its weight: integer weights give
    the bins of the rows repeated. More bins do not always separate more:
    the cuts of ``n_bins + 1`` bins are not those of ``n_bins`` plus one,
    so on tied values an estimate made on these bins can fall when a bin is
    added (9 rows at 5 levels, counts 1, 2, 3, 1, 2: 3 bins of 3 rows, then
    bins of 3, 4 and 2 rows for 4 bins).

    Parameters
    ----------
    col : ndarray of shape (n_samples,)
    n_bins : int
    weights : ndarray of shape (n_samples,), default=None
        Non-negative row weights (None: every row weighs 1).

    Returns
    -------
    codes : ndarray of int64 of shape (n_samples,)

    Examples
    --------
    >>> import numpy as np
    >>> from sknc._quantiles import quantile_bin_codes
    >>> col = np.repeat([0.0, 1.0, 2.0, 3.0], 3)
    >>> quantile_bin_codes(col, 5).tolist()
    [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    >>> quantile_bin_codes(col, 2).tolist()
    [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]
    >>> quantile_bin_codes(np.arange(4.0), 2).tolist()
    [0, 0, 1, 1]
    >>> quantile_bin_codes(np.arange(4.0), 2, weights=np.array([3, 1, 1, 1])).tolist()
    [0, 1, 1, 1]
    """
    values, rank, counts = np.unique(col, return_inverse=True, return_counts=True)
    if len(values) <= n_bins:
        return rank.astype(np.int64).ravel()
    total = len(col)
    if weights is not None:
        counts = np.bincount(rank.ravel(), weights=weights, minlength=len(values))
        total = counts.sum()
    # cum[i]: rows with a value <= values[i]; a cut after i separates them.
    cum = np.cumsum(counts)[:-1]
    targets = np.arange(1, n_bins) * (total / n_bins)
    right = np.clip(np.searchsorted(cum, targets), 0, len(cum) - 1)
    left = np.clip(right - 1, 0, len(cum) - 1)
    nearer_left = np.abs(cum[left] - targets) <= np.abs(cum[right] - targets)
    cuts = np.unique(np.where(nearer_left, left, right))
    return np.searchsorted(cuts, rank.ravel(), side="left").astype(np.int64)
