"""The estimator protocol shared by every I(X;T), I(T;Y) estimator."""

from sklearn.base import BaseEstimator

from sknc.information._entropy import check_activations, check_labels


class BaseMIEstimator(BaseEstimator):
    """Base class of the information-plane estimators (not for direct use).

    Subclasses set ``_parameter_constraints`` and implement
    ``_estimate(T, y_codes)`` on checked inputs: ``T`` a finite float64 array
    of shape (n_samples, n_units), ``y_codes`` integer labels 0..C-1 or None.

    Examples
    --------
    A toy estimator that reads each row's sign pattern as the symbol of T:

    >>> import numpy as np
    >>> from sknc.information import BaseMIEstimator, discrete_entropy
    >>> class SignEstimator(BaseMIEstimator):
    ...     def _estimate(self, T, y_codes):
    ...         symbols = (T > 0) @ (2 ** np.arange(T.shape[1]))
    ...         h_t = discrete_entropy(symbols)
    ...         h_t_given_y = sum(
    ...             np.mean(y_codes == c) * discrete_entropy(symbols[y_codes == c])
    ...             for c in np.unique(y_codes)
    ...         )
    ...         return h_t, h_t - h_t_given_y
    >>> T = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])
    >>> SignEstimator().estimate(T, ["a", "a", "b", "b"])
    (2.0, 1.0)
    """

    _parameter_constraints: dict = {}

    def estimate(self, T, y=None):
        """Estimate I(X;T) and I(T;Y), in bits, from a layer's activations.

        Parameters
        ----------
        T : array-like or torch.Tensor of shape (n_samples, n_units)
            Activations of one layer, one row per input. A 1-D array is one
            unit.

        y : array-like of shape (n_samples,), default=None
            Labels of the rows. If None, I(T;Y) is NaN.

        Returns
        -------
        i_xt : float
            Estimate of I(X;T) in bits.

        i_ty : float
            Estimate of I(T;Y) in bits (NaN without ``y``).
        """
        self._validate_params()
        T = check_activations(T)
        y_codes = check_labels(y, T.shape[0])
        i_xt, i_ty = self._estimate(T, y_codes)
        return float(i_xt), float(i_ty)

    def _estimate(self, T, y_codes):  # pragma: no cover - abstract
        raise NotImplementedError
