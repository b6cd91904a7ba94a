"""KDE pairwise-distance bounds on I(X;T) and I(T;Y) (Kolchinsky & Tracey)."""

import sys
import time
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from sknc.information._base import BaseMIEstimator
from sknc.information._entropy import discrete_entropy

# Entries of one distance tile: 8 million float64 (64 MB).
_BLOCK_ENTRIES = 8_000_000


def log_mean_kernel(T, scale, *, verbose=0):
    """``log mean_j exp(-||T_i - T_j||^2 / scale)`` for every row ``i``.

    The distances are computed tile by tile in float64 with torch
    (``|a|^2 + |b|^2 - 2 a.b`` on centred rows, clamped at 0, each row's
    distance to itself set to exactly 0), each tile once for both of its
    row blocks (the distances are symmetric), and the kernel values summed
    per row in float64; memory stays about 64 MB whatever the rows. Since
    a row's kernel with itself is 1, the largest term, the sums need no
    running maximum, and each value is at least ``-log(n)``. ``verbose > 0``
    prints the progress on stderr every 5 s.
    """
    T = torch.from_numpy(np.ascontiguousarray(T, dtype=np.float64))
    # Centring shrinks the cancellation in |a|^2 + |b|^2 - 2 a.b.
    T = T - T.mean(dim=0)
    n = T.shape[0]
    sq = torch.einsum("ij,ij->i", T, T)
    # Every |a - b|^2 and 2 |a.b| is at most 4 max |a|^2: if that is finite,
    # no term of a tile overflows.
    if n and not bool(torch.isfinite(4 * sq.max())):
        peak = T.abs().max()  # scaled, so that the norm itself is finite
        norm = float(peak) * float(torch.linalg.vector_norm(T / peak, dim=1).max())
        raise ValueError(
            "KDE: squared distances between rows of T overflow float64 (rows "
            f"up to {norm:.3g} from their mean, in Euclidean norm; the limit "
            "is about 6.7e153): scale T, and noise_variance with its square"
        )
    tile = max(1, min(n, int(np.sqrt(_BLOCK_ENTRIES))))
    starts = list(range(0, n, tile))
    sums = torch.zeros(n, dtype=torch.float64)
    t0 = last = time.perf_counter()
    done, total = 0, len(starts) * (len(starts) + 1) // 2
    for a in starts:
        Ta, sa = T[a : a + tile], sq[a : a + tile]
        for b in starts[starts.index(a) :]:
            K = torch.addmm(
                sq[b : b + tile][None, :], Ta, T[b : b + tile].T, alpha=-2.0
            )
            K += sa[:, None]
            K.clamp_(min=0.0)
            if a == b:
                K.fill_diagonal_(0.0)
            K.div_(-scale).exp_()
            sums[a : a + tile] += K.sum(dim=1)
            if a != b:
                sums[b : b + tile] += K.sum(dim=0)
            done += 1
            if verbose and time.perf_counter() - last > 5.0:
                last = time.perf_counter()
                print(
                    f"KDE: {done}/{total} tiles of {n} rows, {last - t0:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )
    return (sums.log() - np.log(n)).numpy()


def kde_information(T, noise_variance, bound="upper", *, verbose=0):
    """Pairwise bound on I(X;T), in bits, of ``T + N(0, noise_variance I)``.

    ``upper`` (KL): ``-mean_i log mean_j exp(-D_ij / (2 s2))``; ``lower``
    (Bhattacharyya): the same with ``8 s2``. The dimension-dependent
    constants of the entropy bounds cancel against ``H(T|X)``. The result
    lies in ``[0, log2(n)]`` by construction (every row counts itself, and
    the mean's rounding is clamped).
    """
    n = T.shape[0]
    factor = 2.0 if bound == "upper" else 8.0
    nats = float(-np.mean(log_mean_kernel(T, factor * noise_variance, verbose=verbose)))
    if not np.isfinite(nats):
        # max(0.0, nan) is 0.0: a NaN must not pass for "no information".
        raise ValueError(f"KDE: the {bound} bound is not finite ({nats})")
    return min(max(0.0, nats) / np.log(2.0), float(np.log2(n)))


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
        without replacement. The cost grows as the square of the rows
        (60 000 rows of 100 units: 85 s on one thread here,
        ``python benchmarks/kde_cost.py``), and the
        cap also caps the estimate: it is at most ``log2(max_samples)``
        bits, 12.3 for 5000, so estimates on sets of different sizes
        compare only under the same cap. None uses every row.

    random_state : int, RandomState instance or None, default=None
        Draws the rows kept when ``max_samples`` applies.

    verbose : int, default=0
        ``> 0`` prints the progress of long estimates on stderr (every 5 s).

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
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        noise_variance=1e-3,
        bound="upper",
        max_samples=5000,
        random_state=None,
        verbose=0,
    ):
        self.noise_variance = noise_variance
        self.bound = bound
        self.max_samples = max_samples
        self.random_state = random_state
        self.verbose = verbose

    def _estimate(self, T, y_codes):
        n = T.shape[0]
        if self.max_samples is not None and n > self.max_samples:
            rng = check_random_state(self.random_state)
            rows = np.sort(rng.choice(n, size=self.max_samples, replace=False))
            T = T[rows]
            y_codes = None if y_codes is None else y_codes[rows]
        i_xt = kde_information(T, self.noise_variance, self.bound, verbose=self.verbose)
        if y_codes is None:
            return i_xt, float("nan")
        counts = np.bincount(y_codes)
        h_cond = sum(
            (counts[c] / len(y_codes))
            * kde_information(T[y_codes == c], self.noise_variance, self.bound)
            for c in np.flatnonzero(counts)
        )
        # I(T;Y) <= H(Y) holds for the bounds (a row's mean over all rows is
        # at least p_c times its mean over its class); clamp the rounding.
        return i_xt, min(i_xt - h_cond, discrete_entropy(y_codes))
