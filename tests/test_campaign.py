"""Tests of the pure campaign math (sknc._campaign)."""

from fractions import Fraction

import numpy as np
import pytest
import torch
from torch import nn

from sknc._campaign import (
    ResponseStats,
    assign_groups,
    balanced_quota,
    base_scale,
    campaign_scores,
    candidate_responses,
    feature_map_rows,
    n_candidates,
    pooled_std,
    positive_scores,
    resolve_alpha,
    select_neurons,
)


def _stats(A, y, n_classes):
    """Per-class statistics of responses ``A`` (one chunk)."""
    return ResponseStats.empty(n_classes, A.shape[1]).update(A, y)


def test_scores_stable_with_large_offset():
    """Check that a response mean far above its spread keeps its variance."""
    rng = np.random.RandomState(1)
    y = np.arange(1000) % 2
    A = 1e4 + rng.normal(size=(1000, 3)) * 1e-3
    stats = _stats(torch.from_numpy(A), torch.from_numpy(y), 2)
    np.testing.assert_allclose(stats.overall_std().numpy(), A.std(axis=0), rtol=1e-6)


def test_dead_candidates_score_zero_input():
    """Check that candidates silent on every row get zero input score, not NaN."""
    H = torch.ones(10, 2, dtype=torch.float64)
    W = torch.tensor([[-1.0, -1.0], [1.0, 0.0], [0.0, 2.0]], dtype=torch.float64)
    y = torch.tensor([0, 1] * 5)
    scores = campaign_scores(_stats(torch.relu(H @ W.T), y, 2), 0.5)
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


def test_n_candidates_takes_the_ratio_as_written():
    """Check ceil(ratio * k) on the decimal ratio, not its binary float:
    1.1 * 100 is 110.00000000000001 in floats, which gave 111 candidates;
    every ratio of two decimals times k below 300 gives the exact ceiling."""

    assert n_candidates(100, 1.1, None) == 110
    assert n_candidates(50, 1.1, None) == 55
    assert n_candidates(100, 1.09, None) == 109
    assert n_candidates(7, np.float32(2.0), None) == 14
    assert n_candidates(10, np.float32(1.1), None) == 11  # not float()'s 1.1000000238
    assert n_candidates(100, np.float64(1.1), None) == 110
    assert n_candidates(10, True, None) == 10  # a bool is the integer 1
    assert n_candidates(10, np.int64(3), None) == 30
    assert n_candidates(10, Fraction(11, 10), None) == 11
    for hundredths in range(100, 1001, 7):
        ratio = hundredths / 100
        for k in range(1, 300, 13):
            exact = -(-Fraction(hundredths, 100) * k // 1)
            assert n_candidates(k, ratio, None) == max(int(exact), k), (ratio, k)


def _plain_greedy(W, score, k, groups, tol=1e-6):
    """The selection rule of DESIGN §2.5, one rank-1 residual update per pick."""
    m = W.shape[0]
    group_of = groups.numpy() if groups is not None else np.zeros(m, dtype=np.int64)
    n_groups = int(group_of.max()) + 1
    quota = balanced_quota(np.bincount(group_of, minlength=n_groups), k)
    pos = positive_scores(score.double())
    R = W.double().T.clone()
    w_norm2 = (R * R).sum(dim=0)
    r_norm2 = w_norm2.clone()
    safe_w = torch.where(w_norm2 > 0, w_norm2, torch.ones_like(w_norm2))
    available = torch.ones(m, dtype=torch.bool)
    taken, chosen = np.zeros(n_groups, dtype=np.int64), []
    while len(chosen) < k:
        for g in range(n_groups):
            if taken[g] >= quota[g] or len(chosen) == k:
                continue
            open_ = available & torch.from_numpy(group_of == g)
            ratio = (r_norm2.clamp_min(0.0) / safe_w).sqrt()
            ratio = torch.where(ratio > tol, ratio, torch.zeros_like(ratio))
            key = torch.where(open_, pos * ratio, torch.full_like(pos, -1.0))
            j = int(torch.argmax(key))
            if key[j] <= 0:
                j = int(torch.argmax(torch.where(open_, pos, torch.zeros_like(pos))))
            else:
                q = R[:, j] / r_norm2[j].sqrt()
                R -= torch.outer(q, q @ R)
                r_norm2 = (R * R).sum(dim=0)
            available[j] = False
            taken[g] += 1
            chosen.append(j)
    return np.asarray(chosen)


@pytest.mark.parametrize("seed", range(40))
def test_select_equals_plain_greedy(seed):
    """Check that the blocked, lazy selection picks what the plain greedy rule picks."""
    rng = np.random.RandomState(seed)
    d, m = rng.randint(2, 30), rng.randint(5, 120)
    k = rng.randint(1, m + 1)
    W = rng.normal(size=(m, d))
    if seed % 4 == 0:  # exact duplicates and multiples: vanishing residuals
        W[rng.randint(0, m, m // 3)] = 2 * W[rng.randint(0, m, m // 3)]
    if seed % 5 == 0:  # zero candidates
        W[: m // 4] = 0.0
    score = rng.normal(size=m)
    if seed % 3 == 0:  # tied scores
        score = np.round(score, 1)
    if seed % 7 == 0:  # constant score: ties everywhere
        score[:] = 0.3
    groups = torch.from_numpy(rng.randint(0, rng.randint(1, 6), size=m))
    W, score = torch.from_numpy(W), torch.from_numpy(score)
    expected = _plain_greedy(W, score, k, groups)
    for block_size in (1, 4, 32):
        chosen, chosen_groups = select_neurons(
            W, score, k, groups=groups, block_size=block_size
        )
        assert chosen.tolist() == expected.tolist()
        assert (groups.numpy()[chosen] == chosen_groups).all()


def test_update_unsorted_rows_and_A_kept():
    """Check that chunk row order does not matter and A is left as it is."""
    rng = np.random.RandomState(0)
    A = torch.from_numpy(rng.normal(size=(50, 7)))
    y = torch.from_numpy(rng.randint(0, 3, size=50))
    order = torch.argsort(y, stable=True)
    kept = A.clone()
    unsorted = ResponseStats.empty(3, 7).update(A, y)
    assert torch.equal(A, kept)
    A_sorted = A[order].clone()
    kept_sorted = A_sorted.clone()
    stats = ResponseStats.empty(3, 7)
    sorted_ = stats.update(A_sorted, y[order])
    assert torch.equal(A_sorted, kept_sorted)
    for name in ("counts", "means", "m2"):
        torch.testing.assert_close(getattr(unsorted, name), getattr(sorted_, name))
    # The scratch buffer, left over from the 50-row chunk, is reused for a
    # smaller chunk: the same numbers as with a new buffer.
    stats.update(A_sorted[:9], y[order][:9])
    fresh = ResponseStats.empty(3, 7).update(A_sorted, y[order])
    fresh._scratch = None
    fresh.update(A_sorted[:9], y[order][:9])
    for name in ("counts", "means", "m2"):
        assert torch.equal(getattr(stats, name), getattr(fresh, name))
    # ... and a float32 chunk after float64 ones gets a float32 buffer.
    before = stats.means.clone()
    stats.update(A_sorted[:9].float(), y[order][:9])
    assert stats._scratch.dtype == torch.float32
    assert not torch.equal(stats.means, before)


def test_update_sums_in_float64_where_float32_squares_overflow():
    """Check that a block whose float32 squares overflow (about 3e38) gets
    the float64 statistics of its float32 values, and A is left as is."""
    A = torch.tensor([[1e20, 1.0], [-1e20, 3.0], [3e19, 2.0], [5.0, 2.0]])
    y = torch.tensor([0, 0, 0, 1])
    kept = A.clone()
    stats = ResponseStats.empty(2, 2).update(A, y)
    assert torch.equal(A, kept)
    exact = A[:3].double()
    np.testing.assert_allclose(stats.means[0].numpy(), exact.mean(0).numpy())
    np.testing.assert_allclose(
        stats.m2[0].numpy(), ((exact - exact.mean(0)) ** 2).sum(0).numpy(), rtol=1e-12
    )
    assert stats.m2[1].tolist() == [0.0, 0.0]
    # Float32 statistics elsewhere: the same numbers as the two passes.
    small = torch.tensor([[1.5, 2.0], [2.5, 4.0]])
    got = ResponseStats.empty(1, 2).update(small, torch.tensor([0, 0]))
    assert got.m2[0].tolist() == [0.5, 2.0]


def test_update_absent_class_and_constant_response():
    """Check that absent classes stay untouched and constants get zero spread."""
    stats = ResponseStats.empty(3, 2)
    stats.update(torch.tensor([[1.0, 2.0], [1.0, 4.0]]), torch.tensor([0, 0]))
    stats.update(torch.tensor([[1.0, 6.0]]), torch.tensor([2]))
    stats.update(torch.tensor([[1.0, 0.0]]), torch.tensor([0]))
    assert stats.counts.tolist() == [3.0, 0.0, 1.0]
    assert stats.means[1].tolist() == [0.0, 0.0]
    assert stats.m2[:, 0].tolist() == [0.0, 0.0, 0.0]
    np.testing.assert_allclose(stats.means[0].numpy(), [1.0, 2.0])
    np.testing.assert_allclose(stats.m2[0].numpy(), [0.0, 8.0])


@pytest.mark.parametrize(
    "activation",
    [
        None,
        torch.relu,
        nn.ReLU(),
        nn.Tanh(),
        nn.Sigmoid(),
        nn.LeakyReLU(0.2),
        nn.GELU(),
    ],
)
def test_candidate_responses_into_buffer(activation):
    """Check that responses written into a reused buffer equal phi(H W^T + b0)."""
    rng = np.random.RandomState(0)
    H = torch.from_numpy(rng.normal(size=(9, 4)).astype(np.float32))
    W = torch.from_numpy(rng.normal(size=(6, 4)).astype(np.float32))
    expected = H @ W.T + 0.5
    if activation is not None:
        expected = activation(expected)
    out = torch.full((12, 6), np.nan)
    A = candidate_responses(H, W, activation=activation, bias=0.5, out=out[:9])
    torch.testing.assert_close(A, expected)


def test_base_scale_restores_candidates_mean_square(layer_data):
    """Check that the base rescale gives the chosen ReLU neurons exactly the
    candidates' mean squared response (ReLU is positively homogeneous)."""
    H, W, y, c = layer_data
    A = torch.relu(H @ W.T)
    stats = _stats(A.clone(), y, c)
    chosen = torch.argsort(A.pow(2).mean(dim=0), descending=True)[:10].numpy()
    scale = base_scale(stats, chosen)
    assert scale < 1.0  # the strongest responders were picked
    scaled = torch.relu(H @ (scale * W[chosen]).T)
    torch.testing.assert_close(
        scaled.pow(2).mean(), A.pow(2).mean(), rtol=1e-10, atol=0
    )


def test_feature_map_rows_mean_and_positions():
    """Check both ways of turning feature maps into rows, element by element."""
    Z = torch.arange(2 * 3 * 2 * 4, dtype=torch.float64).reshape(2, 3, 2, 4)
    mean = feature_map_rows(Z, "mean")
    assert mean.shape == (2, 3)
    for i in range(2):
        for c in range(3):
            assert mean[i, c] == Z[i, c].sum() / 8
    rows = feature_map_rows(Z, "positions")
    assert rows.shape == (16, 3)
    for i in range(2):
        for h in range(2):
            for w in range(4):
                # Rows of one image are contiguous, positions in raster order.
                assert torch.equal(rows[i * 8 + h * 4 + w], Z[i, :, h, w])
    with pytest.raises(ValueError, match="spatial must be one of"):
        feature_map_rows(Z, "max")


def test_pooled_std_exact_over_chunks():
    """Check that the pooled std of chunks equals numpy's std of everything,
    also far from zero (where E[z^2] - E[z]^2 loses the digits), and is 0
    for a constant."""
    rng = np.random.RandomState(0)
    z = 1e6 + rng.normal(size=(257, 3))
    chunks = [torch.from_numpy(z[a:b]) for a, b in [(0, 1), (1, 100), (100, 257)]]
    # Two float64 passes at a mean of 1e6: rounding of about 1e-11; the
    # one-pass formula would be off by about 1e-4 here.
    assert pooled_std(chunks) == pytest.approx(z.std(), rel=1e-9)
    assert pooled_std([torch.full((5, 2), 3.0), torch.full((4,), 3.0)]) == 0.0
    with pytest.raises(ValueError, match="at least one number"):
        pooled_std([torch.empty(0)])
