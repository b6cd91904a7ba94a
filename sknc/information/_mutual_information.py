"""One calling convention for every estimator, selected by name."""

from sklearn.base import clone

from sknc.information._base import BaseMIEstimator
from sknc.information._binning import AdaptiveBinningEstimator, BinningEstimator
from sknc.information._kde import KDEEstimator
from sknc.information._kmeans import KMeansEstimator

ESTIMATORS = {
    "bin": BinningEstimator,
    "adaptive": AdaptiveBinningEstimator,
    "kde": KDEEstimator,
    "kmeans": KMeansEstimator,
}


def get_estimator(estimator="bin", **params):
    """Build an information-plane estimator from its name or an instance.

    Parameters
    ----------
    estimator : {"bin", "adaptive", "kde", "kmeans"} or estimator, \
default="bin"
        The estimator's name, or an instance (which is cloned, never
        modified).

    **params : dict
        Parameters of the estimator, e.g. ``n_bins=30`` for ``"bin"``.

    Returns
    -------
    estimator : estimator instance
        A new estimator with ``.estimate(T, y) -> (i_xt, i_ty)``.

    Raises
    ------
    ValueError
        If the name is unknown or a parameter does not belong to it.

    Examples
    --------
    >>> from sknc.information import get_estimator
    >>> get_estimator("kde", noise_variance=0.1)
    KDEEstimator(noise_variance=0.1)
    """
    if isinstance(estimator, BaseMIEstimator):
        est = clone(estimator)
    elif isinstance(estimator, str) and estimator in ESTIMATORS:
        est = ESTIMATORS[estimator]()
    else:
        raise ValueError(
            f"estimator must be one of {sorted(ESTIMATORS)} or an estimator "
            f"instance; got {estimator!r}"
        )
    valid = est.get_params(deep=False)
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise ValueError(
            f"unknown parameter(s) {unknown} for {type(est).__name__}; "
            f"valid parameters are {sorted(valid)}"
        )
    return est.set_params(**params)


def mutual_information(T, y=None, *, estimator="bin", **params):
    """Estimate I(X;T) and I(T;Y), in bits, for a layer's activations.

    Parameters
    ----------
    T : array-like or torch.Tensor of shape (n_samples, n_units)
        Activations of one layer, one row per (distinct) input.

    y : array-like of shape (n_samples,), default=None
        Labels of the rows. If None, I(T;Y) is NaN.

    estimator : {"bin", "adaptive", "kde", "kmeans"} or estimator, \
default="bin"
        ``"bin"``: :class:`BinningEstimator`; ``"adaptive"``:
        :class:`AdaptiveBinningEstimator`; ``"kde"``: :class:`KDEEstimator`;
        ``"kmeans"``: :class:`KMeansEstimator`; or an instance of one.

    **params : dict
        Parameters of the estimator, e.g. ``n_bins=30`` or
        ``noise_variance=1e-3``.

    Returns
    -------
    i_xt : float
        Estimate of I(X;T) in bits.

    i_ty : float
        Estimate of I(T;Y) in bits (NaN without ``y``).

    Examples
    --------
    >>> import numpy as np
    >>> from sknc.information import mutual_information
    >>> T = np.array([[0.1], [0.35], [0.6], [0.85]])
    >>> mutual_information(T, [0, 0, 1, 1], n_bins=4, value_range=(0, 1))
    (2.0, 1.0)
    """
    return get_estimator(estimator, **params).estimate(T, y)
