"""Tests of the mean-field helpers (length map, q*, chi_1, sweep)."""

import numpy as np
import pytest
import torch

from sknc.information import (
    chi1,
    critical_sigma_w2,
    fixed_point_q,
    length_map,
    mean_field_sweep,
)


def test_chi1_relu_edge_of_chaos_at_sigma_w2_two():
    """Check that ReLU with sigma_w2 = 2, sigma_b2 = 0 has chi_1 = 1 (within 1e-6)."""
    assert chi1(2.0, 0.0, "relu") == pytest.approx(1.0, abs=1e-6)
    for sigma_w2 in (0.5, 1.0, 3.0):
        assert chi1(sigma_w2, 0.1, "relu") == pytest.approx(sigma_w2 / 2, abs=1e-12)


def test_length_map_relu_halves_sigma_w2():
    """Check that ReLU's length map is q -> sigma_w2 / 2 q + sigma_b2."""
    q = np.array([0.0, 0.3, 1.0, 7.0])
    assert length_map(q, 1.5, 0.2, "relu") == pytest.approx(0.75 * q + 0.2, abs=1e-12)
    assert length_map(q, 2.0, 0.0, "relu") == pytest.approx(q, abs=1e-12)


def test_fixed_point_relu_cases():
    """Check ReLU's q*: degenerate at sigma_w2 = 2, finite below, inf above."""
    assert fixed_point_q(2.0, 0.0, "relu", q0=3.7) == 3.7
    assert fixed_point_q(1.0, 0.5, "relu") == pytest.approx(1.0, abs=1e-12)
    assert fixed_point_q(1.0, 0.0, "relu") == 0.0
    assert fixed_point_q(2.0, 0.05, "relu") == np.inf
    assert fixed_point_q(3.0, 0.0, "relu") == np.inf


def test_fixed_point_identity_matches_geometric_series():
    """Check that linear layers have q* = sigma_b2 / (1 - sigma_w2), chi_1 = s_w2."""
    assert fixed_point_q(0.5, 0.2, "identity") == pytest.approx(0.4, abs=1e-12)
    assert fixed_point_q(1.2, 0.2, "identity") == np.inf
    assert chi1(0.5, 0.2, "identity") == pytest.approx(0.5, abs=1e-12)


def test_leaky_relu_and_logistic_closed_forms():
    """Check the registry's other activations against closed forms: leaky
    ReLU is homogeneous, E[phi(z)^2] = (1 + a^2) / 2, so its edge of chaos is
    sigma_w2 = 2 / (1 + a^2); the logistic function at q = 0 has
    phi(0)^2 = 1/4 and phi'(0)^2 = 1/16."""
    a = torch.nn.LeakyReLU().negative_slope
    edge = 2.0 / (1.0 + a * a)
    assert chi1(edge, 0.0, "leaky_relu") == pytest.approx(1.0, abs=1e-12)
    assert length_map(3.0, 1.0, 0.0, "leaky_relu") == pytest.approx(
        3.0 * (1 + a * a) / 2, abs=1e-12
    )
    assert length_map(0.0, 2.0, 0.1, "logistic") == pytest.approx(0.6, abs=1e-12)
    assert chi1(2.0, 0.0, "logistic", q=0.0) == pytest.approx(2 / 16, abs=1e-12)


@pytest.mark.parametrize("sigma_w2", [0.3, 0.8, 1.0])
def test_tanh_ordered_phase_without_bias_has_q_zero(sigma_w2):
    """Check that tanh with sigma_b2 = 0, sigma_w2 <= 1 has q* = 0, chi_1 = sigma_w2.

    tanh(x)^2 < x^2, so the map lies below the diagonal; at q = 0,
    tanh'(0) = 1 makes chi_1 = sigma_w2 exactly (tolerance 1e-12: rounding).
    """
    assert fixed_point_q(sigma_w2, 0.0, "tanh") == 0.0
    assert chi1(sigma_w2, 0.0, "tanh") == pytest.approx(sigma_w2, abs=1e-12)


def test_tanh_fixed_point_and_chi1_match_monte_carlo():
    """Check tanh's q* and chi_1 against a Monte Carlo average over 10^6 normals.

    The Monte Carlo standard errors are below 1.3e-3 (tanh^2 and tanh'^2 lie
    in [0, 1], times sigma_w2 = 2.5, over sqrt(10^6)); tolerance 5e-3.
    """
    sigma_w2, sigma_b2 = 2.5, 0.1
    q_star = fixed_point_q(sigma_w2, sigma_b2, "tanh")
    assert length_map(q_star, sigma_w2, sigma_b2, "tanh") == pytest.approx(
        q_star, abs=1e-10
    )
    z = np.random.RandomState(0).normal(size=1_000_000)
    t = np.tanh(np.sqrt(q_star) * z)
    assert sigma_w2 * np.mean(t**2) + sigma_b2 == pytest.approx(q_star, abs=5e-3)
    expected = sigma_w2 * np.mean((1 - t**2) ** 2)
    assert chi1(sigma_w2, sigma_b2, "tanh") == pytest.approx(expected, abs=5e-3)


def test_tanh_chaotic_phase_has_chi1_above_one():
    """Check that chi_1 crosses 1 once as sigma_w2 grows (tanh, sigma_b2 = 0.05)."""
    values = [chi1(s, 0.05, "tanh") for s in (1.0, 1.5, 2.0, 3.0, 4.0)]
    assert values[0] < values[1] < 1.0 < values[2] < values[3] < values[4]


def test_mean_field_sweep_pairs_theory_with_kde():
    """Check the sweep's shapes, its chi_1 column and the log2(n) cap of I(X;T)."""
    X = np.random.RandomState(0).normal(size=(64, 5))
    res = mean_field_sweep(
        [0.5, 2.0, 4.0], 0.0, "relu", X, depth=3, width=16, random_state=0
    )
    assert res.mi_xt.shape == res.q_layers.shape == (3, 3)
    assert res.chi1 == pytest.approx([0.25, 1.0, 2.0], abs=1e-12)
    assert res.q_star[0] == 0.0 and res.q_star[2] == np.inf
    assert np.all((res.mi_xt >= 0) & (res.mi_xt <= np.log2(64) + 1e-9))
    # Ordered phase: signals shrink with depth; chaotic: they grow.
    assert res.q_layers[0, -1] < res.q_layers[0, 0]
    assert res.q_layers[2, -1] > res.q_layers[2, 0]


def test_mean_field_sweep_is_reproducible_and_leaves_global_rng():
    """Check that a random_state fixes the sweep and leaves the global torch RNG."""
    X = np.random.RandomState(1).normal(size=(40, 3))
    state = torch.get_rng_state()
    a = mean_field_sweep([1.0, 1.5], 0.05, "tanh", X, 2, 8, random_state=3)
    b = mean_field_sweep([1.0, 1.5], 0.05, "tanh", X, 2, 8, random_state=3)
    assert torch.equal(state, torch.get_rng_state())
    np.testing.assert_array_equal(a.mi_xt, b.mi_xt)
    np.testing.assert_array_equal(a.q_layers, b.q_layers)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: chi1(0.0), "'sigma_w2' parameter.*Got 0.0"),
        (lambda: fixed_point_q(1.0, -0.1), "'sigma_b2' parameter.*Got -0.1"),
        (lambda: length_map(1.0, 1.0, activation="gelu"), "'activation'.*gelu"),
        (lambda: length_map([-1.0], 1.0), "q must be finite and non-negative"),
        (
            lambda: mean_field_sweep([1.0, -2.0], 0.0, "tanh", np.ones((4, 2)), 1, 2),
            "sigma_w2_values must be .* positive",
        ),
        (
            lambda: mean_field_sweep([np.inf], 0.0, "tanh", np.ones((4, 2)), 1, 2),
            "sigma_w2_values must be .* positive finite",
        ),
        (
            lambda: mean_field_sweep([1.0], 0.0, "tanh", np.ones((4, 2)), 0, 2),
            "'depth' parameter.*Got 0",
        ),
    ],
)
def test_mean_field_rejects_bad_parameters(call, match):
    """Check that bad variances, activations or sizes raise a named ValueError."""
    with pytest.raises(ValueError, match=match):
        call()


def _quad_reference(f, q):
    """E[f(sqrt(q) z)] by scipy's quad in the activation's own variable
    u = sqrt(q) z (an independent parametrization from sknc's)."""
    from scipy.integrate import quad

    s = np.sqrt(q)

    def g(u):
        return f(u) * np.exp(-0.5 * (u / s) ** 2) / (s * np.sqrt(2 * np.pi))

    pieces = [(-np.inf, -50.0), (-50.0, 0.0), (0.0, 50.0), (50.0, np.inf)]
    return sum(quad(g, a, b, epsabs=0.0, epsrel=1e-13, limit=500)[0] for a, b in pieces)


@pytest.mark.parametrize("q", np.logspace(-3, 4, 15))
def test_expectations_match_quad_at_any_variance(q):
    """Check the length map and chi_1 integrands of tanh and ReLU against
    scipy's quad for q from 1e-3 to 1e4 (relative error <= 1e-6; a fixed
    100-node Gauss-Hermite rule was 88 % off for tanh' at q = 100)."""
    from sknc.information._mean_field import _gauss_expectation

    cases = [
        lambda u: np.tanh(u) ** 2,
        lambda u: (1 - np.tanh(u) ** 2) ** 2,
        lambda u: np.maximum(u, 0.0) ** 2,
        lambda u: 1.0 if u > 0 else 0.0,
    ]
    for f in cases:
        got = float(_gauss_expectation(f, q))
        assert got == pytest.approx(_quad_reference(f, q), rel=1e-6)


def test_chi1_at_large_variance_is_chaotic():
    """Check the issue's case: tanh at sigma_w2 = 100, sigma_b2 = 0.05 is
    chaotic, chi_1 about 5.54 (the fixed rule gave 0.713, ordered)."""
    q = fixed_point_q(100.0, 0.05, "tanh")
    expected = 100.0 * _quad_reference(lambda u: (1 - np.tanh(u) ** 2) ** 2, q)
    assert chi1(100.0, 0.05, "tanh") == pytest.approx(expected, rel=1e-9)
    assert 5.5 < expected < 5.6


def test_critical_sigma_w2_tanh_and_relu():
    """Check the edge of chaos: ReLU at exactly 2 (1 for the identity), and
    tanh at sigma_b2 = 0.05 against an independent root finding on quad's
    expectations (to 1e-6)."""
    from scipy.optimize import brentq

    assert critical_sigma_w2(0.0, "relu") == pytest.approx(2.0, abs=1e-12)
    assert critical_sigma_w2(0.3, "identity") == pytest.approx(1.0, abs=1e-12)

    def chi1_reference(sw2, sb2=0.05):
        def gap(q):
            return sw2 * _quad_reference(lambda u: np.tanh(u) ** 2, q) + sb2 - q

        q_star = brentq(gap, 1e-9, sw2 + sb2, xtol=1e-14)
        dphi2 = _quad_reference(lambda u: (1 - np.tanh(u) ** 2) ** 2, q_star)
        return sw2 * dphi2 - 1.0

    expected = brentq(chi1_reference, 1.2, 3.0, xtol=1e-12)
    assert critical_sigma_w2(0.05, "tanh") == pytest.approx(expected, abs=1e-6)
    assert round(expected, 3) == 1.761
    # chi_1 crosses 1 there: ordered just below, chaotic just above.
    assert chi1(expected * 0.99, 0.05) < 1.0 < chi1(expected * 1.01, 0.05)


def test_sweep_reports_its_edge_of_chaos():
    """Check that mean_field_sweep carries its bias variance, activation and
    edge of chaos, and that chi_1 is above 1 exactly past that edge."""
    X = np.random.RandomState(0).normal(size=(30, 3))
    res = mean_field_sweep(
        [0.5, 1.5, 2.0, 4.0], 0.05, "tanh", X, depth=2, width=6, random_state=0
    )
    assert res.sigma_b2 == 0.05 and res.activation == "tanh"
    assert res.critical_sigma_w2 == critical_sigma_w2(0.05, "tanh")
    np.testing.assert_array_equal(res.chi1 > 1.0, res.sigma_w2 > res.critical_sigma_w2)
