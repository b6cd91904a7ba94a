"""Tests of the pure campaign math (sknc._campaign)."""

import numpy as np
import pytest
import torch

from sknc._campaign import (
    assign_groups,
    balanced_quota,
    campaign_scores,
    n_candidates,
    positive_scores,
    resolve_alpha,
    response_stats,
    select_neurons,
)


def _direct_scores(A, y, alpha):
    """The DESIGN §2 formulas computed on the whole response matrix at once."""
    classes = np.unique(y)
    s_in = A.std(axis=0)
    means = np.stack([A[y == c].mean(axis=0) for c in classes])
    stds = np.stack([A[y == c].std(axis=0) for c in classes])
    inter = means.std(axis=0)
    intra = stds.mean(axis=0)
    s_tie = inter / np.linalg.norm(inter) - intra / np.linalg.norm(intra)
    s_tie /= np.linalg.norm(s_tie)
    s_in /= np.linalg.norm(s_in)
    return alpha * s_in + (1 - alpha) * s_tie, s_in, s_tie, means


@pytest.fixture
def layer_data():
    rng = np.random.RandomState(0)
    n, d, m, c = 301, 12, 40, 4
    y = rng.randint(0, c, size=n)
    H = rng.normal(size=(n, d)) + y[:, None] * 0.3 + 5.0
    W = rng.normal(size=(m, d)) / np.sqrt(d)
    return torch.from_numpy(H), torch.from_numpy(W), torch.from_numpy(y), c


@pytest.mark.parametrize("alpha", [0.0, 0.3, 1.0])
@pytest.mark.parametrize("chunk_size", [None, 1, 17, 300])
def test_scores_match_direct_computation(layer_data, alpha, chunk_size):
    """Check that streamed scores equal the non-streaming DESIGN formulas."""
    H, W, y, c = layer_data
    stats = response_stats(
        H, W, y, c, activation=torch.relu, bias=0.1, chunk_size=chunk_size
    )
    got = campaign_scores(stats, alpha)
    A = torch.relu(H @ W.T + 0.1).numpy()
    score, s_in, s_tie, means = _direct_scores(A, y.numpy(), alpha)
    np.testing.assert_allclose(got["score"].numpy(), score, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got["input"].numpy(), s_in, rtol=1e-9)
    np.testing.assert_allclose(got["target"].numpy(), s_tie, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got["class_means"].numpy(), means, rtol=1e-9)


def test_scores_stable_with_large_offset():
    """Check that a response mean far above its spread keeps its variance."""
    rng = np.random.RandomState(1)
    y = np.arange(1000) % 2
    A = 1e4 + rng.normal(size=(1000, 3)) * 1e-3
    H = torch.from_numpy(A)
    stats = response_stats(H, torch.eye(3, dtype=torch.float64), torch.from_numpy(y), 2)
    np.testing.assert_allclose(stats.overall_std().numpy(), A.std(axis=0), rtol=1e-6)


def test_dead_candidates_score_zero_input():
    """Check that candidates silent on every row get zero input score, not NaN."""
    H = torch.ones(10, 2, dtype=torch.float64)
    W = torch.tensor([[-1.0, -1.0], [1.0, 0.0], [0.0, 2.0]], dtype=torch.float64)
    y = torch.tensor([0, 1] * 5)
    scores = campaign_scores(response_stats(H, W, y, 2, activation=torch.relu), 0.5)
    assert torch.isfinite(scores["score"]).all()
    assert scores["input"][0] == 0.0


def test_balanced_quota_uniform_and_exhausted_groups():
    """Check that picks are split evenly and exhausted groups give way."""
    assert balanced_quota([10, 10, 10], 6).tolist() == [2, 2, 2]
    assert balanced_quota([1, 10, 0, 10], 9).tolist() == [1, 4, 0, 4]
    assert balanced_quota([3, 2, 9], 14).tolist() == [3, 2, 9]
    with pytest.raises(ValueError, match="cannot pick k=15"):
        balanced_quota([3, 2, 9], 15)


def test_select_top_k_without_orthogonality_or_balance():
    """Check that without orthogonality and balancing the top-k scores win."""
    rng = np.random.RandomState(0)
    W = torch.from_numpy(rng.normal(size=(50, 5)))
    score = torch.from_numpy(rng.normal(size=50))
    chosen, _ = select_neurons(W, score, 7, class_balanced=False, orthogonal=False)
    expected = np.argsort(-score.numpy())[:7]
    assert chosen.tolist() == expected.tolist()


@pytest.mark.parametrize("class_balanced", [False, True])
def test_select_distinct_and_independent_with_negative_scores(class_balanced):
    """Check that all-negative scores never re-pick or pick collinear neurons."""
    rng = np.random.RandomState(0)
    base = rng.normal(size=(6, 10))
    # Many near-copies of a few directions, with the copies scored best.
    W = np.concatenate([base, base[[0] * 20] + 1e-9 * rng.normal(size=(20, 10))])
    score = -np.abs(rng.normal(size=len(W))) - 1.0
    score[6:] = -0.5
    groups = torch.from_numpy(np.arange(len(W)) % 2)
    chosen, _ = select_neurons(
        torch.from_numpy(W),
        torch.from_numpy(score),
        6,
        groups=groups,
        class_balanced=class_balanced,
    )
    assert len(set(chosen.tolist())) == 6
    assert np.linalg.matrix_rank(W[chosen], tol=1e-6) == 6


def test_select_more_picks_than_dimensions_falls_back_to_score():
    """Check that past the fan-in the picks stay distinct and follow the score."""
    rng = np.random.RandomState(0)
    W = torch.from_numpy(rng.normal(size=(20, 3)))
    score = torch.arange(20, dtype=torch.float64)
    chosen, _ = select_neurons(W, score, 8, class_balanced=False)
    assert len(set(chosen.tolist())) == 8
    assert np.linalg.matrix_rank(W.numpy()[chosen[:3]]) == 3
    # After 3 independent picks the residuals vanish: the rest is by score.
    rest = [j for j in range(19, -1, -1) if j not in chosen[:3]][:5]
    assert chosen[3:].tolist() == rest


def test_select_respects_class_quota():
    """Check that each group contributes its balanced share of the picks."""
    rng = np.random.RandomState(0)
    W = torch.from_numpy(rng.normal(size=(30, 20)))
    groups = torch.from_numpy(np.array([0] * 20 + [1] * 8 + [2] * 2))
    chosen, chosen_groups = select_neurons(
        W, torch.from_numpy(rng.normal(size=30)), 12, groups=groups
    )
    assert np.bincount(chosen_groups).tolist() == [5, 5, 2]
    assert (groups.numpy()[chosen] == chosen_groups).all()


def test_select_rejects_more_neurons_than_candidates():
    """Check that asking more neurons than candidates is an error."""
    with pytest.raises(ValueError, match="k=5 neurons from 4 candidates"):
        select_neurons(torch.eye(4), torch.zeros(4), 5)


def test_positive_scores_monotone_and_positive():
    """Check that the score map is increasing and lands in [1, 2]."""
    s = torch.tensor([-0.5, -0.1, 0.0, 0.3])
    p = positive_scores(s)
    assert p.min() == 1.0 and p.max() == 2.0
    assert (p.diff() > 0).all()
    assert (positive_scores(torch.full((3,), -2.0)) == 1.0).all()


def test_assign_groups_argmax_of_class_means():
    """Check that a candidate belongs to the class of its largest mean."""
    means = torch.tensor([[0.0, 5.0, 1.0], [2.0, 1.0, 0.5], [1.0, 0.0, 3.0]])
    assert assign_groups(means).tolist() == [1, 0, 2]


def test_resolve_alpha_linear_and_errors():
    """Check the 'linear' schedule and the errors for bad sequences."""
    assert resolve_alpha("linear", 5) == [1.0, 0.75, 0.5, 0.25, 0.0]
    assert resolve_alpha("linear", 1) == [0.0]
    assert resolve_alpha(0.3, 2) == [0.3, 0.3]
    with pytest.raises(ValueError, match="alpha has 2 values but the module has 3"):
        resolve_alpha([0.1, 0.2], 3)
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]; got 1.5"):
        resolve_alpha([0.1, 1.5], 2)
    with pytest.raises(ValueError, match="'quadratic'"):
        resolve_alpha("quadratic", 2)


def test_n_candidates_bounds():
    """Check the candidate count formula and its floor at k."""
    assert n_candidates(10, 2.5, 4096) == 25
    assert n_candidates(10, 2.5, 12) == 12
    assert n_candidates(10, 1.0, 4096) == 10
