"""k-means estimator: cluster labels of the activations are the discrete T."""

import warnings
from numbers import Integral

import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval

from sknc.information._base import BaseMIEstimator
from sknc.information._entropy import discrete_mutual_information, row_symbols

#: Past this many rows, :class:`~sklearn.cluster.MiniBatchKMeans` replaces
#: :class:`~sklearn.cluster.KMeans` (full Lloyd iterations cost O(n k d)
#: per pass; mini-batches keep a measurement on MNIST-sized layers short).
MINIBATCH_ROWS = 20_000


class KMeansEstimator(BaseMIEstimator):
    """k-means estimate of I(X;T) and I(T;Y), in bits.

    The rows of ``T`` are clustered; the cluster label of a row is the
    discrete symbol of T, so that ``I(X;T) = H(T) <= log2(n_clusters)`` and
    ``I(T;Y) = H(T) - sum_y p(y) H(T|y)``. Unlike fixed bins, the partition
    follows the geometry of the activations.

    When ``T`` has at most ``n_clusters`` distinct rows, each distinct row is
    its own cluster (what k-means converges to) and no clustering is run,
    so the estimate is exact. Past ``MINIBATCH_ROWS`` (20 000) rows,
    :class:`~sklearn.cluster.MiniBatchKMeans` is used instead of
    :class:`~sklearn.cluster.KMeans`.

    Parameters
    ----------
    n_clusters : int, default=50
        Number of clusters, at least 1 and at most the number of rows.

    random_state : int, RandomState instance or None, default=None
        Seeds the k-means++ initialization. The same value gives the same
        estimate.

    See Also
    --------
    BinningEstimator : Equal-width bins instead of clusters.

    Examples
    --------
    >>> import numpy as np
    >>> from sknc.information import KMeansEstimator
    >>> T = np.repeat([[0.0, 0.0], [5.0, 5.0]], 10, axis=0)
    >>> KMeansEstimator(n_clusters=4, random_state=0).estimate(T, [0] * 10 + [1] * 10)
    (1.0, 1.0)
    """

    _parameter_constraints: dict = {
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, n_clusters=50, random_state=None):
        self.n_clusters = n_clusters
        self.random_state = random_state

    def _estimate(self, T, y_codes):
        n = T.shape[0]
        if self.n_clusters > n:
            raise ValueError(
                f"n_clusters={self.n_clusters} is more than the {n} rows of T; "
                "need n_clusters <= n_samples"
            )
        # + 0.0 turns -0.0 into 0.0, whose bytes differ.
        distinct = row_symbols(T + 0.0)
        if distinct.max() + 1 <= self.n_clusters:
            return discrete_mutual_information(distinct, y_codes)
        if n > MINIBATCH_ROWS:
            model = MiniBatchKMeans(
                n_clusters=self.n_clusters,
                n_init="auto",
                random_state=self.random_state,
            )
        else:
            model = KMeans(
                n_clusters=self.n_clusters,
                n_init="auto",
                random_state=self.random_state,
            )
        with warnings.catch_warnings():
            # Many tied rows can leave fewer distinct centres than asked;
            # the entropy of the labels is still the estimate wanted.
            warnings.simplefilter("ignore", ConvergenceWarning)
            labels = model.fit_predict(T)
        return discrete_mutual_information(labels.astype(np.int64), y_codes)
