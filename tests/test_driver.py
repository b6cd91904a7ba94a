"""Tests of the layer walker (sknc._driver)."""

import numpy as np
import pytest
import torch
from torch import nn

from sknc._campaign import campaign_scores
from sknc._distributions import he_normal, make_generator
from sknc._driver import _ChainInputs, layer_inputs, layer_stats, run_campaign
from sknc._trace import trace, trace_chain, trace_layers


def _chain_net():
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(12, 9),
        nn.Dropout(0.2),
        nn.LeakyReLU(0.1),
        nn.Linear(9, 7),
        nn.Tanh(),
        nn.Linear(7, 3),
    )


def _params(**overrides):
    """run_campaign's keyword arguments, small defaults."""
    params = dict(
        candidate_ratio=2,
        max_candidates=100,
        draw=he_normal,
        generator=make_generator(0),
        class_balanced=True,
        orthogonal=True,
        rescale=None,
        bias=0.0,
        chunk_size=None,
    )
    return {**params, **overrides}


def _conv_chain_net():
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(4, 6, 3, padding=1),
        nn.Tanh(),
        nn.Flatten(),
        nn.Linear(6 * 3 * 3, 3),
    )


@pytest.mark.parametrize("chunk_size", [None, 16, 37])
@pytest.mark.parametrize("rescale", [None, "lsuv"])
@pytest.mark.parametrize(
    ("make_net", "shape", "spatial"),
    [(_chain_net, (3, 4), "mean"), (_conv_chain_net, (1, 6, 6), "positions")],
    ids=["mlp", "cnn"],
)
def test_chain_path_selects_like_hook_path(
    chunk_size, rescale, make_net, shape, spatial
):
    """Check that the cached chain path gives the hook path's neurons and weights."""
    rng = np.random.RandomState(0)
    y = torch.from_numpy(rng.randint(0, 3, size=150))
    X = torch.from_numpy(rng.normal(size=(150, *shape)).astype(np.float32))
    X += y.float().view(-1, *[1] * len(shape))
    results = []
    for chain in (True, False):
        net = make_net().eval()
        traced = trace(net, X[:2])
        specs = traced.specs
        if chain:
            assert trace_chain(net, X[:2], [s.layer for s in specs]) is not None
        reports = run_campaign(
            net,
            X,
            y,
            3,
            traced,
            [1.0, 0.5, 0.0],
            chain=chain,
            **_params(
                candidate_ratio=4,
                rescale=rescale,
                chunk_size=chunk_size,
                spatial=spatial,
            ),
        )
        weights = [s.layer.weight.detach().clone() for s in specs]
        results.append(([r["chosen"].tolist() for r in reports], weights))
    (picks_chain, w_chain), (picks_hook, w_hook) = results
    assert picks_chain == picks_hook
    for a, b in zip(w_chain, w_hook):
        assert torch.equal(a, b)


def test_chain_path_used_only_within_memory_of_X(monkeypatch):
    """Check that 'auto' caches a chain's inputs only when they fit in X's size."""
    import sknc._driver as driver

    built = []
    original = driver._ChainInputs

    def spy(*args, **kwargs):
        built.append(True)
        return original(*args, **kwargs)

    monkeypatch.setattr(driver, "_ChainInputs", spy)
    monkeypatch.setattr(driver, "CHAIN_CACHE_FLOOR", 0)
    rng = np.random.RandomState(0)
    y = torch.from_numpy(np.arange(60) % 2)
    X = torch.from_numpy(rng.normal(size=(60, 4)).astype(np.float32))
    params = _params(chunk_size=32)
    for width, expected in ((3, [True]), (40, [])):
        built.clear()
        net = nn.Sequential(
            nn.Linear(4, width),
            nn.ReLU(),
            nn.Linear(width, 3),
            nn.ReLU(),
            nn.Linear(3, 2),
        )
        run_campaign(net, X, y, 2, trace(net, X[:2]), [0.5] * 3, **params)
        assert built == expected


def test_conv_chunks_hold_about_batch_size_positions():
    """Check that a conv layer's chunk is cut into pieces of at most
    batch_size positions (at least one image), covering every row in order."""
    from sknc._driver import _image_chunks

    net = nn.Sequential(nn.Conv2d(3, 4, 3, stride=2, padding=1), nn.ReLU())
    (spec,) = trace_layers(net, torch.zeros(2, 3, 10, 10))
    assert spec.input_shape == (2, 3, 10, 10)
    positions = spec.positions
    assert positions == 5 * 5
    H = torch.randn(23, 3, 10, 10)
    for chunk_size, per in [(100, 4), (24, 1), (10**6, 23)]:
        pieces = list(_image_chunks(spec, H, slice(40, 63), chunk_size, positions))
        assert [p.start for p, _ in pieces] == list(range(40, 63, per))
        assert pieces[-1][0].stop == 63
        assert all(len(h) <= per for _, h in pieces)
        assert torch.equal(torch.cat([h for _, h in pieces]), H)


class _FoldRows(nn.Module):
    """(n, 8) -> (2n, 4): two rows per row of X, along the batch axis."""

    def forward(self, x):
        return x.reshape(-1, 4)


def test_rows_folded_into_the_batch_are_refused():
    """Check that a layer fed more rows than X has is an error, not
    responses paired with the wrong labels."""
    net = nn.Sequential(_FoldRows(), nn.Linear(4, 3))
    X = torch.randn(20, 8)
    traced = trace(net, X)
    specs = traced.specs
    assert specs[0].input_shape == (40, 4) and specs[0].traced_rows == 20
    with pytest.raises(ValueError, match="receives 40 rows for 20 rows of X"):
        run_campaign(net, X, torch.arange(20) % 2, 2, traced, [0.5], **_params())


def _direct_scores(A, y, alpha):
    """The campaign's formulas (user guide) on the whole response matrix at once."""
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


@pytest.mark.parametrize("alpha", [0.0, 0.3, 1.0])
@pytest.mark.parametrize("chunk_size", [None, 1, 17, 300])
@pytest.mark.parametrize("chain", [True, False])
def test_scores_match_direct_computation(layer_data, alpha, chunk_size, chain):
    """Check that the scores streamed by production's path (layer_inputs,
    then layer_stats, chunk by chunk, rows sorted by class) equal the
    formulas computed on the whole response matrix."""
    H, W, y, c = layer_data
    net = nn.Sequential(nn.Linear(H.shape[1], 5), nn.ReLU()).double()
    traced = trace(net, H[:2])
    order = torch.argsort(y, stable=True)
    inputs = layer_inputs(net, traced, H, order, chunk_size=chunk_size, chain=chain)
    assert isinstance(inputs, _ChainInputs) is chain
    stats = layer_stats(
        inputs,
        0,
        traced.specs[0],
        y[order],
        c,
        W,
        bias=0.1,
        chunk_size=chunk_size,
        spatial="mean",
    )
    got = campaign_scores(stats, alpha)
    A = torch.relu(H @ W.T + 0.1).numpy()
    score, s_in, s_tie, means = _direct_scores(A, y.numpy(), alpha)
    np.testing.assert_allclose(got["score"].numpy(), score, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got["input"].numpy(), s_in, rtol=1e-9)
    np.testing.assert_allclose(got["target"].numpy(), s_tie, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got["class_means"].numpy(), means, rtol=1e-9)
