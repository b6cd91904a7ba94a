"""KDE pairwise-distance bounds on I(X;T) and I(T;Y) (Kolchinsky & Tracey)."""

from numbers import Integral, Real

import numpy as np
from scipy.special import logsumexp
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from sknc.information._base import BaseMIEstimator

# Rows of the distance block: keeps a block near 4 million float64 (32 MB).
_BLOCK_ENTRIES = 4_000_000


def log_mean_kernel(T, scale):
    """``log mean_j exp(-||T_i - T_j||^2 / scale)`` for every row ``i``.

    Distances are computed one block of rows at a time (no loop over
    samples) and reduced with ``logsumexp``.
    """
    # Centring shrinks the cancellation in |a|^2 + |b|^2 - 2 a.b.
    T = T - T.mean(axis=0)
    n = T.shape[0]
    sq = np.einsum("ij,ij->i", T, T)
    block = max(1, _BLOCK_ENTRIES // n)
    out = np.empty(n)
    for start in range(0, n, block):
        stop = min(start + block, n)
        dist = sq[start:stop, None] + sq[None, :] - 2.0 * (T[start:stop] @ T.T)
        np.maximum(dist, 0.0, out=dist)
        out[start:stop] = logsumexp(dist / -scale, axis=1)
    return out - np.log(n)


def kde_information(T, noise_variance, bound="upper"):
    """Pairwise bound on I(X;T), in bits, of ``T + N(0, noise_variance I)``.

    ``upper`` (KL): ``-mean_i log mean_j exp(-D_ij / (2 s2))``; ``lower``
    (Bhattacharyya): the same with ``8 s2``. The dimension-dependent
    constants of the entropy bounds cancel against ``H(T|X)``.
    """
    factor = 2.0 if bound == "upper" else 8.0
    nats = -np.mean(log_mean_kernel(T, factor * noise_variance))
    return max(0.0, float(nats)) / np.log(2.0)


class KDEEstimator(BaseMIEstimator):
    """Kernel (pairwise-distance) bounds on I(X;T) and I(T;Y), in bits.

    The layer is read as ``T + eps`` with Gaussian noise
    ``eps ~ N(0, noise_variance I)``, so that ``T`` given ``X`` has a finite
    entropy and the activations form a mixture of ``n`` Gaussians. The
    pairwise bounds of Kolchinsky & Tracey (2017), used by Saxe et al.
    (2018), give, with ``D_ij = ||h_i - h_j||^2`` and ``s2`` the noise
    variance::

        I_upper(X;T) = -mean_i log mean_j exp(-D_ij / (2 s2))
        I_lower(X;T) = -mean_i log mean_j exp(-D_ij / (8 s2))

    converted from nats to bits. The dimension-dependent constants in the
    lower bound on the entropy, ``d/2 log(4)`` from the ``4 s2`` kernel and
    ``d/2 log(1/4)`` of the Bhattacharyya correction, cancel in
    ``H(T) - H(T|X)``. ``I(T;Y) = H(T) - sum_c p_c H(T|c)`` uses the same
    bound inside each class. Both estimates are at most ``log2(n)``, and
    ``I(T;Y)`` at most the label entropy; unlike the plug-in estimates,
    ``I(T;Y)`` can come out slightly negative when T ignores Y.

    Parameters
    ----------
    noise_variance : float, default=1e-3
        Variance ``s2`` of the added Gaussian noise, in squared activation
        units (Saxe et al. used ``1e-3``). Must be positive.

    bound : {"upper", "lower"}, default="upper"
        The KL-based upper bound or the Bhattacharyya-based lower bound.

    max_samples : int or None, default=5000
        If ``T`` has more rows, estimate on ``max_samples`` rows drawn
        without replacement (cost grows as the square of the rows). None
        uses every row.

    random_state : int, RandomState instance or None, default=None
        Draws the rows kept when ``max_samples`` applies.

    See Also
    --------
    BinningEstimator : Plug-in estimate on equal-width bins.

    References
    ----------
    A. Kolchinsky and B. D. Tracey, "Estimating mixture entropy with pairwise
    distances", Entropy 19(7), 2017.

    A. M. Saxe et al., "On the information bottleneck theory of deep
    learning", ICLR 2018.

    Examples
    --------
    Eight far-apart points: the noise hides nothing, I(X;T) = log2(8).

    >>> import numpy as np
    >>> from sknc.information import KDEEstimator
    >>> T = np.arange(8.0)[:, None]
    >>> i_xt, i_ty = KDEEstimator(noise_variance=1e-3).estimate(T, np.arange(8) % 2)
    >>> round(i_xt, 6), round(i_ty, 6)
    (3.0, 1.0)
    """

    _parameter_constraints: dict = {
        "noise_variance": [Interval(Real, 0, None, closed="neither")],
        "bound": [StrOptions({"upper", "lower"})],
        "max_samples": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
    }

    def __init__(
        self, noise_variance=1e-3, bound="upper", max_samples=5000, random_state=None
    ):
        self.noise_variance = noise_variance
        self.bound = bound
        self.max_samples = max_samples
        self.random_state = random_state

    def _estimate(self, T, y_codes):
        n = T.shape[0]
        if self.max_samples is not None and n > self.max_samples:
            rng = check_random_state(self.random_state)
            rows = np.sort(rng.choice(n, size=self.max_samples, replace=False))
            T = T[rows]
            y_codes = None if y_codes is None else y_codes[rows]
        i_xt = kde_information(T, self.noise_variance, self.bound)
        if y_codes is None:
            return i_xt, float("nan")
        counts = np.bincount(y_codes)
        h_cond = sum(
            (counts[c] / len(y_codes))
            * kde_information(T[y_codes == c], self.noise_variance, self.bound)
            for c in np.flatnonzero(counts)
        )
        return i_xt, i_xt - h_cond
