"""Tests of the KDE pairwise-distance bounds (Kolchinsky & Tracey)."""

import numpy as np
import pytest

import sknc.information._kde as _kde
from sknc.information import KDEEstimator, discrete_entropy

LN2 = np.log(2.0)


@pytest.mark.parametrize("bound", ["upper", "lower"])
def test_kde_far_apart_points_give_log2_n(bound):
    """Check that points much farther apart than the noise give log2(n) bits.

    Neighbours are 1 apart with s2 = 1e-3: the cross terms are at most
    exp(-1 / (8e-3)) = e^-125, so the result is log2(8) to rounding.
    """
    T = np.arange(8.0)[:, None] * [1.0, 0.0]
    i_xt, i_ty = KDEEstimator(noise_variance=1e-3, bound=bound).estimate(
        T, np.arange(8) % 2
    )
    assert i_xt == pytest.approx(3.0, abs=1e-9)
    assert i_ty == pytest.approx(1.0, abs=1e-9)


def test_kde_identical_rows_give_zero():
    """Check that a constant layer carries no information."""
    i_xt, i_ty = KDEEstimator().estimate(np.ones((30, 4)), np.arange(30) % 3)
    assert i_xt == pytest.approx(0.0, abs=1e-12)
    assert i_ty == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("snr", [1.0, 4.0])
def test_kde_bounds_bracket_gaussian_channel(snr):
    """Check the bounds on a Gaussian channel T = X + N(0, s2 I), X ~ N(0, I_2).

    The true I(X;T) is 2 * 0.5 log2(1 + snr) with snr = 1 / s2. As n grows
    the bounds tend to 2 * [0.5 ln(1 + snr) + snr / (2 (1 + snr))] / ln 2
    (upper) and 2 * [0.5 ln(1 + snr / 4) + snr / (2 (snr + 4))] / ln 2
    (lower). With n = 2000 the upper bound's standard deviation over seeds
    is 0.03-0.04 bits and its mean sits 0.014-0.027 bits below the limit
    (measured over 10 seeds), hence a tolerance of 0.12 bits; the lower
    bound fluctuates less. The bracket itself holds with margin > 0.5 bits.
    """
    X = np.random.RandomState(0).normal(size=(2000, 2))
    s2 = 1.0 / snr
    upper = KDEEstimator(noise_variance=s2, bound="upper").estimate(X)[0]
    lower = KDEEstimator(noise_variance=s2, bound="lower").estimate(X)[0]
    true = np.log2(1.0 + snr)
    upper_limit = 2 * (0.5 * np.log(1 + snr) + snr / (2 * (1 + snr))) / LN2
    lower_limit = 2 * (0.5 * np.log(1 + snr / 4) + snr / (2 * (snr + 4))) / LN2
    assert lower < true < upper
    assert upper == pytest.approx(upper_limit, abs=0.12)
    assert lower == pytest.approx(lower_limit, abs=0.12)


def test_kde_label_copy_gives_label_entropy():
    """Check that classes far apart give I(T;Y) = H(Y) exactly.

    For a row of class c, the kernel mean over all rows is p_c times the
    mean over its class (others contribute e^-1250), so the class terms
    sum to H(Y).
    """
    rng = np.random.RandomState(0)
    y = np.repeat([0, 1, 2], [10, 20, 30])
    T = 100.0 * y[:, None] + rng.normal(size=(60, 2))
    i_xt, i_ty = KDEEstimator(noise_variance=0.5).estimate(T, y)
    assert i_ty == pytest.approx(discrete_entropy(y), abs=1e-9)
    assert i_ty <= i_xt


def test_kde_independent_labels_give_near_zero():
    """Check that I(T;Y) is ~0 when labels ignore T.

    n = 1000, s2 = 1, two random classes: over 20 seeds the estimate had
    mean 0.004 and std 0.001 bits (a small positive O(1/n) bias from the
    self term in the within-class means), so 0.02 bits is a safe bound.
    """
    rng = np.random.RandomState(0)
    T = rng.normal(size=(1000, 2))
    y = rng.randint(0, 2, size=1000)
    _, i_ty = KDEEstimator(noise_variance=1.0).estimate(T, y)
    assert abs(i_ty) < 0.02


def test_kde_bounds_are_ordered_and_capped():
    """Check that 0 <= lower <= upper <= log2(n), and I(T;Y) <= H(Y)."""
    rng = np.random.RandomState(1)
    T = np.tanh(rng.normal(size=(200, 5)))
    y = rng.randint(0, 3, size=200)
    lo_xt, lo_ty = KDEEstimator(noise_variance=0.01, bound="lower").estimate(T, y)
    up_xt, up_ty = KDEEstimator(noise_variance=0.01, bound="upper").estimate(T, y)
    assert 0.0 <= lo_xt <= up_xt <= np.log2(200)
    assert max(lo_ty, up_ty) <= discrete_entropy(y) + 1e-12


def test_kde_blocked_distances_match_one_block(monkeypatch):
    """Check that computing distances in row blocks changes nothing."""
    rng = np.random.RandomState(0)
    T = rng.normal(size=(150, 3))
    y = rng.randint(0, 2, size=150)
    whole = KDEEstimator(noise_variance=0.3).estimate(T, y)
    # Tiles of 32 rows: 150 is not a multiple, so the last tiles are partial.
    monkeypatch.setattr(_kde, "_BLOCK_ENTRIES", 32 * 32)
    blocked = KDEEstimator(noise_variance=0.3).estimate(T, y)
    assert blocked == pytest.approx(whole, abs=1e-12)


def test_kde_max_samples_subsamples_reproducibly():
    """Check that max_samples caps the rows, with the same rows per random_state."""
    rng = np.random.RandomState(0)
    T = rng.normal(size=(500, 2))
    est = KDEEstimator(noise_variance=1e-8, max_samples=64, random_state=0)
    first = est.estimate(T)
    assert first[0] == est.estimate(T)[0]
    # With s2 = 1e-8 every kept row is its own symbol: log2(64) bits.
    assert first[0] == pytest.approx(6.0, abs=1e-6)
    full = KDEEstimator(noise_variance=1e-8, max_samples=None).estimate(T)[0]
    assert full == pytest.approx(np.log2(500), abs=1e-3)


@pytest.mark.parametrize("scale", [1.0, 1e100])
@pytest.mark.parametrize("noise_variance", [1e-3, 1e-20])
@pytest.mark.parametrize("bound", ["upper", "lower"])
def test_kde_bounds_clamped_by_construction(scale, noise_variance, bound):
    """Check that on distinct, far-apart points I(X;T) <= log2(n) and
    I(T;Y) <= H(Y) hold exactly (no tolerance), also with a tiny noise
    variance or huge activations, where the rounding of the self-distances
    used to give thousands of bits."""
    from sknc.information import discrete_entropy

    rng = np.random.RandomState(0)
    T = rng.normal(size=(100, 5)) * scale
    y = np.arange(100) % 3
    i_xt, i_ty = KDEEstimator(noise_variance=noise_variance, bound=bound).estimate(T, y)
    assert i_xt <= np.log2(100)
    assert i_ty <= discrete_entropy(y)
    if scale > 1 or noise_variance < 1e-10:
        # Far apart relative to the noise: the ceiling, to rounding.
        assert i_xt == pytest.approx(np.log2(100), abs=1e-12)
        assert i_ty == pytest.approx(discrete_entropy(y), abs=1e-12)


def test_kde_log_mean_kernel_is_the_formula():
    """Check the tiled, symmetric kernel sums against the formula computed
    on the whole distance matrix: log mean_j exp(-D_ij / scale)."""
    rng = np.random.RandomState(1)
    T = rng.normal(size=(203, 4))
    D = ((T[:, None, :] - T[None, :, :]) ** 2).sum(-1)
    direct = np.log(np.exp(-D / 2.0).mean(axis=1))
    np.testing.assert_allclose(
        _kde.log_mean_kernel(T, 2.0), direct, rtol=1e-12, atol=1e-12
    )


def test_kde_refuses_rows_whose_squared_distances_overflow():
    """Check that activations beyond about 1e154 (whose squared norms are
    not finite in float64) are refused with what to do, instead of a NaN
    that came out as 0 bits and a negative I(T;Y); 1e150 still works, and
    gives log2(3) for three far-apart points."""
    y = [0, 1, 0]
    with pytest.raises(ValueError, match="overflow float64.*scale T"):
        KDEEstimator().estimate(np.array([[1e160], [2e160], [-3e160]]), y)
    # Below 1.34e154 the squares are finite but 2 a.b is not (from about
    # 9.5e153): refused too, not two rows taken for one.
    rows = np.array([[1.1], [1.0], [-1.05], [-1.05]])
    with pytest.raises(ValueError, match="overflow float64"):
        KDEEstimator().estimate(rows * 1e154, [0, 1, 0, 1])
    assert KDEEstimator().estimate(rows * 1e153, [0, 1, 0, 1]) == (1.5, 0.5)
    # Wide rows: the message gives the rows' norm, not one entry.
    wide = np.full((2, 100), 1e153) * np.array([[1.0], [-1.0]])
    with pytest.raises(ValueError, match=r"rows up to 1e\+154 from their mean"):
        _kde.kde_information(wide, 1e-3)
    i_xt, _ = KDEEstimator().estimate(np.array([[1e150], [2e150], [-3e150]]), y)
    assert i_xt == pytest.approx(np.log2(3), abs=1e-12)


def test_kde_information_refuses_a_nan_bound(monkeypatch):
    """Check that a non-finite mean kernel raises instead of being clamped
    to 0 bits by max(0, nan)."""

    def nan_kernel(T, scale, verbose=0):
        return np.full(len(T), np.nan)

    monkeypatch.setattr(_kde, "log_mean_kernel", nan_kernel)
    with pytest.raises(ValueError, match="upper bound is not finite"):
        _kde.kde_information(np.zeros((3, 1)), 1e-3)
