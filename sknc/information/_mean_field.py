"""Mean-field signal propagation at initialization (Poole et al.; Ughi & Tanner).

Pure functions of the weight and bias variances. The expectations over
``z ~ N(0, 1)`` use adaptive quadrature (QUADPACK, through
``scipy.integrate.quad``), accurate for any pre-activation variance.
"""

import math
from numbers import Integral, Real

import numpy as np
import torch
from scipy.integrate import quad
from scipy.optimize import brentq
from sklearn.utils import Bunch, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import check_array

from sknc._activations import ACTIVATIONS as REGISTRY
from sknc.information._kde import KDEEstimator

# Accuracy asked of QUADPACK on each piece of the line.
_EPSREL, _EPSABS = 1e-11, 1e-15


# Activations of the registry whose fixed point can be bracketed: positively
# homogeneous (the length map is affine in q) or bounded.
ACTIVATIONS = {
    name: act
    for name, act in REGISTRY.items()
    if act.homogeneous or act.sup_sq is not None
}


def _expect_one(f, q):
    """``E[f(sqrt(q) z)]`` for one ``q >= 0``, by adaptive quadrature."""
    if q == 0.0:
        return float(f(0.0))
    s = math.sqrt(q)
    # f varies on the activation's own scale, |sqrt(q) z| ~ 1, that is
    # |z| ~ 1/s: a narrow peak when q is large (tanh'(x)^2 has width 1, so
    # width 1/s in z). Break the line at 0 (ReLU's kink) and at +-b so that
    # QUADPACK's first panels see that scale; the tails are smooth.
    b = min(8.0, 10.0 / s)

    def integrand(z):
        return f(s * z) * math.exp(-0.5 * z * z)

    total = 0.0
    for a, c in ((-np.inf, -b), (-b, 0.0), (0.0, b), (b, np.inf)):
        value, _ = quad(integrand, a, c, epsabs=_EPSABS, epsrel=_EPSREL, limit=200)
        total += value
    return total / math.sqrt(2.0 * math.pi)


def _gauss_expectation(f, q):
    """``E[f(sqrt(q) z)]`` for ``z ~ N(0, 1)``, elementwise over ``q``.

    Adaptive quadrature (``scipy.integrate.quad``) on four pieces of the
    line, split at 0 and at ``+-min(8, 10 / sqrt(q))``, asked for a relative
    error of 1e-11 (absolute 1e-15) on each piece. A fixed Gauss-Hermite rule cannot
    resolve ``tanh'(sqrt(q) z)^2`` once ``sqrt(q)`` is large (its width is
    ``1 / sqrt(q)``): 100 nodes were 88 % off at ``q = 100``.
    """
    q = np.asarray(q, dtype=float)
    out = np.empty(q.shape)
    for index, value in np.ndenumerate(q):
        out[index] = _expect_one(f, float(value))
    return out


_COMMON = {
    "sigma_w2": [Interval(Real, 0, None, closed="neither")],
    "sigma_b2": [Interval(Real, 0, None, closed="left")],
    "activation": [StrOptions(set(ACTIVATIONS))],
}


@validate_params(
    {"q": ["array-like", Interval(Real, 0, None, closed="left")], **_COMMON},
    prefer_skip_nested_validation=True,
)
def length_map(q, sigma_w2, sigma_b2=0.0, activation="tanh"):
    """Mean-field length map of a random layer.

    ``q_l = sigma_w2 * E[phi(sqrt(q_{l-1}) z)^2] + sigma_b2`` with
    ``z ~ N(0, 1)``: the mean squared pre-activation of layer ``l`` of a wide
    network with weights ``N(0, sigma_w2 / fan_in)`` and biases
    ``N(0, sigma_b2)``, given that of layer ``l - 1``.

    Parameters
    ----------
    q : float or array-like of float
        Pre-activation variance(s) ``q_{l-1}``, non-negative.

    sigma_w2 : float
        Weight variance times fan-in, positive.

    sigma_b2 : float, default=0.0
        Bias variance, non-negative.

    activation : {"tanh", "relu", "identity", "logistic", "leaky_relu"}, default="tanh"
        The nonlinearity ``phi``.

    Returns
    -------
    q_next : float or ndarray
        ``q_l``, of the shape of ``q``.

    Examples
    --------
    >>> from sknc.information import length_map
    >>> round(float(length_map(3.0, sigma_w2=2.0, activation="relu")), 12)
    3.0
    """
    q = np.asarray(q, dtype=float)
    if np.any(q < 0) or not np.all(np.isfinite(q)):
        raise ValueError(f"q must be finite and non-negative; got {q!r}")
    act = ACTIVATIONS[activation]
    out = sigma_w2 * _gauss_expectation(lambda x: act.phi(x) ** 2, q) + sigma_b2
    return out[()] if out.ndim == 0 else out


@validate_params(
    {**_COMMON, "q0": [Interval(Real, 0, None, closed="left")]},
    prefer_skip_nested_validation=True,
)
def fixed_point_q(sigma_w2, sigma_b2=0.0, activation="tanh", *, q0=1.0):
    """Fixed point ``q*`` of the mean-field length map.

    Parameters
    ----------
    sigma_w2 : float
        Weight variance times fan-in, positive.

    sigma_b2 : float, default=0.0
        Bias variance, non-negative.

    activation : {"tanh", "relu", "identity", "logistic", "leaky_relu"}, default="tanh"
        The nonlinearity ``phi``.

    q0 : float, default=1.0
        Returned when every ``q`` is a fixed point (ReLU at
        ``sigma_w2 = 2``, linear at ``sigma_w2 = 1``, both with
        ``sigma_b2 = 0``): the length of the input is then kept at every
        depth.

    Returns
    -------
    q_star : float
        The attracting fixed point, or ``numpy.inf`` when there is no finite
        one: for ReLU and linear layers the map is affine,
        ``q -> c q + sigma_b2`` with ``c = sigma_w2 / 2`` (ReLU) or
        ``sigma_w2`` (linear), and lengths grow without bound when ``c > 1``,
        or ``c = 1`` with ``sigma_b2 > 0``. For tanh the map is bounded by
        ``sigma_w2 + sigma_b2`` and ``q*`` is found by Brent's method;
        with ``sigma_b2 = 0`` and ``sigma_w2 <= 1`` it is 0.

    See Also
    --------
    length_map : The map whose fixed point this is.
    chi1 : The slope of the correlation map at ``q*``.

    Examples
    --------
    >>> from sknc.information import fixed_point_q
    >>> round(fixed_point_q(1.0, 0.5, activation="relu"), 12)
    1.0
    >>> fixed_point_q(3.0, 0.0, activation="relu")
    inf
    """
    act = ACTIVATIONS[activation]
    if act.homogeneous:
        slope = float(length_map(1.0, sigma_w2, 0.0, activation))
        if abs(slope - 1.0) <= 1e-12:
            # Rounding of the quadrature must not turn q -> q + sigma_b2
            # into a contraction with a huge fixed point.
            return float(q0) if sigma_b2 == 0 else float("inf")
        if slope < 1.0:
            return float(sigma_b2 / (1.0 - slope))
        return float("inf")

    def gap(q):
        return float(length_map(q, sigma_w2, sigma_b2, activation)) - q

    hi = sigma_w2 * act.sup_sq + sigma_b2
    lo = 0.0
    if gap(0.0) <= 0.0:
        # q = 0 is fixed; a positive fixed point exists only if the map
        # rises above the diagonal just after 0.
        lo = 1e-10 * hi
        if gap(lo) <= 0.0:
            return 0.0
    if gap(hi) >= 0.0:
        return float(hi)
    return float(brentq(gap, lo, hi, xtol=1e-15, rtol=1e-13))


@validate_params(
    {**_COMMON, "q": [Interval(Real, 0, None, closed="left"), None]},
    prefer_skip_nested_validation=True,
)
def chi1(sigma_w2, sigma_b2=0.0, activation="tanh", q=None):
    """Slope ``chi_1`` of the mean-field correlation map at its fixed point.

    ``chi_1 = sigma_w2 * E[phi'(sqrt(q*) z)^2]``; ``chi_1 < 1`` is the ordered
    phase (nearby inputs converge with depth), ``chi_1 > 1`` the chaotic
    phase, ``chi_1 = 1`` the edge of chaos.

    Parameters
    ----------
    sigma_w2 : float
        Weight variance times fan-in, positive.

    sigma_b2 : float, default=0.0
        Bias variance, non-negative.

    activation : {"tanh", "relu", "identity", "logistic", "leaky_relu"}, default="tanh"
        The nonlinearity ``phi``.

    q : float, default=None
        Pre-activation variance at which to evaluate; by default the fixed
        point :func:`fixed_point_q`. For ReLU and linear layers ``phi'`` does
        not depend on the scale, so ``chi_1`` is ``sigma_w2 / 2`` (ReLU) or
        ``sigma_w2`` (linear) for every ``q``, even when ``q* = inf``.

    Returns
    -------
    chi_1 : float
        The slope at ``q`` (or ``q*``).

    Examples
    --------
    >>> from sknc.information import chi1
    >>> round(chi1(2.0, 0.0, activation="relu"), 12)
    1.0
    >>> round(chi1(0.5, 0.0, activation="tanh"), 12)
    0.5
    """
    act = ACTIVATIONS[activation]
    if act.homogeneous:
        q = 1.0
    elif q is None:
        q = fixed_point_q(sigma_w2, sigma_b2, activation)
    return float(sigma_w2 * _gauss_expectation(lambda x: act.dphi(x) ** 2, q))


@validate_params(
    {
        "sigma_b2": [Interval(Real, 0, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
    },
    prefer_skip_nested_validation=True,
)
def critical_sigma_w2(sigma_b2=0.0, activation="tanh"):
    """The edge of chaos: the weight variance where ``chi_1 = 1``.

    For a bias variance ``sigma_b2``, the ``sigma_w2`` at which the slope
    :func:`chi1` at the fixed point :func:`fixed_point_q` crosses 1: below
    it the ordered phase (``chi_1 < 1``), above it the chaotic phase. Found
    by Brent's method on ``chi1(sigma_w2) - 1``, bracketed by doubling from
    ``sigma_w2 = 1`` (``xtol=1e-12``, ``rtol=1e-12``).

    Parameters
    ----------
    sigma_b2 : float, default=0.0
        Bias variance, non-negative.
    activation : {"tanh", "relu", "identity", "logistic", "leaky_relu"}, \
default="tanh"
        The network's activation, by scikit-learn's name.

    Returns
    -------
    sigma_w2 : float
        ``inf`` if ``chi_1`` stays below 1 up to ``sigma_w2 = 1e6``, 0 if
        it is above 1 from ``sigma_w2 = 1e-12`` on.

    Examples
    --------
    >>> from sknc.information import critical_sigma_w2
    >>> round(critical_sigma_w2(0.0, "relu"), 12), round(critical_sigma_w2(0.0), 6)
    (2.0, 1.0)
    >>> round(critical_sigma_w2(0.05, "tanh"), 4)
    1.761
    """

    def gap(sw2):
        return chi1(sw2, sigma_b2, activation) - 1.0

    lo, hi = 0.5, 1.0
    while gap(lo) > 0.0:
        lo /= 2.0
        if lo < 1e-12:
            return 0.0
    while gap(hi) < 0.0:
        lo, hi = hi, 2.0 * hi
        if hi > 1e6:
            return float("inf")
    return float(brentq(gap, lo, hi, xtol=1e-12, rtol=1e-12))


@validate_params(
    {
        "sigma_w2_values": ["array-like"],
        "sigma_b2": [Interval(Real, 0, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "X": ["array-like"],
        "depth": [Interval(Integral, 1, None, closed="left")],
        "width": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "noise_variance": [Interval(Real, 0, None, closed="neither")],
        "max_samples": [Interval(Integral, 1, None, closed="left"), None],
    },
    prefer_skip_nested_validation=True,
)
def mean_field_sweep(
    sigma_w2_values,
    sigma_b2,
    activation,
    X,
    depth,
    width,
    random_state=None,
    *,
    noise_variance=1e-3,
    max_samples=2000,
):
    """Pair mean-field quantities with KDE estimates of I(X;T) at init.

    For every weight variance, the fixed point ``q*`` and slope ``chi_1`` of
    the mean-field maps are computed, and a random MLP of ``depth`` hidden
    layers of ``width`` units (weights ``N(0, sigma_w2 / fan_in)``, biases
    ``N(0, sigma_b2)``) is applied to ``X`` to estimate ``I(X;T_l)`` of each
    layer with the KDE upper bound. No closed-form bound on the mutual
    information is used.

    The same standard-normal draws (from a local :class:`torch.Generator`
    seeded from ``random_state``; the global torch RNG is untouched) are
    scaled for every variance, so differences between variances are not
    sampling noise.

    Parameters
    ----------
    sigma_w2_values : array-like of float
        Weight variances times fan-in to sweep, positive.

    sigma_b2 : float
        Bias variance, non-negative.

    activation : {"tanh", "relu", "identity", "logistic", "leaky_relu"}
        The nonlinearity of the hidden layers.

    X : array-like of shape (n_samples, n_features)
        Inputs (distinct rows), finite.

    depth : int
        Number of hidden layers.

    width : int
        Units per hidden layer.

    random_state : int, RandomState instance or None, default=None
        Seeds the weights and the rows kept by ``max_samples``.

    noise_variance : float, default=1e-3
        Noise variance of :class:`KDEEstimator`.

    max_samples : int or None, default=2000
        Row cap of :class:`KDEEstimator`.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        With ``sigma_w2`` (n_values,), ``q_star`` (n_values,; ``inf`` where
        there is no finite fixed point), ``chi1`` (n_values,),
        ``q_layers`` (n_values, depth), the measured mean squared
        pre-activation of each layer, ``mi_xt`` (n_values, depth),
        the KDE upper bound on I(X;T_l) in bits, and ``sigma_b2``,
        ``activation`` and ``critical_sigma_w2`` (the edge of chaos at this
        bias variance, :func:`critical_sigma_w2`). Plot it with
        :class:`sknc.plotting.MeanFieldDisplay`.

    Examples
    --------
    >>> import numpy as np
    >>> from sknc.information import mean_field_sweep
    >>> X = np.random.RandomState(0).normal(size=(50, 4))
    >>> res = mean_field_sweep([1.0, 2.0], 0.0, "relu", X, depth=2, width=8,
    ...                        random_state=0)
    >>> res.chi1.round(6).tolist(), res.mi_xt.shape
    ([0.5, 1.0], (2, 2))
    """
    sigma_w2_values = np.asarray(sigma_w2_values, dtype=float).ravel()
    if sigma_w2_values.size == 0 or not np.all(
        (sigma_w2_values > 0) & np.isfinite(sigma_w2_values)
    ):
        raise ValueError(
            "sigma_w2_values must be a non-empty list of positive finite "
            f"numbers; got {sigma_w2_values.tolist()}"
        )
    X = check_array(X, dtype=np.float64, input_name="X")
    rng = check_random_state(random_state)
    gen = torch.Generator().manual_seed(int(rng.randint(0, 2**31 - 1)))
    fan_ins = [X.shape[1]] + [width] * (depth - 1)
    weights = [
        torch.randn(width, d, generator=gen, dtype=torch.float64) for d in fan_ins
    ]
    biases = [torch.randn(width, generator=gen, dtype=torch.float64) for _ in fan_ins]
    kde = KDEEstimator(
        noise_variance=noise_variance,
        max_samples=max_samples,
        random_state=int(rng.randint(0, 2**31 - 1)),
    )
    phi = ACTIVATIONS[activation].module()
    n_values = sigma_w2_values.size
    q_layers = np.empty((n_values, depth))
    mi_xt = np.empty((n_values, depth))
    for i, sw2 in enumerate(sigma_w2_values):
        h = torch.from_numpy(X)
        for layer, (z_w, z_b) in enumerate(zip(weights, biases)):
            pre = h @ (z_w * np.sqrt(sw2 / z_w.shape[1])).T + z_b * np.sqrt(sigma_b2)
            h = phi(pre)
            q_layers[i, layer] = float(pre.pow(2).mean())
            mi_xt[i, layer] = kde.estimate(h.numpy())[0]
    return Bunch(
        sigma_w2=sigma_w2_values,
        q_star=np.array(
            [fixed_point_q(s, sigma_b2, activation) for s in sigma_w2_values]
        ),
        chi1=np.array([chi1(s, sigma_b2, activation) for s in sigma_w2_values]),
        q_layers=q_layers,
        mi_xt=mi_xt,
        sigma_b2=float(sigma_b2),
        activation=activation,
        critical_sigma_w2=critical_sigma_w2(sigma_b2, activation),
    )
