"""Tests of the layer walker (sknc._driver)."""

import warnings

import numpy as np
import pytest
import scipy.sparse
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


def _campaign_both_paths(make_net, shape, spatial, reuse, **overrides):
    """Run the campaign through the chain path (with or without response
    reuse) and the hook path; return (picks, weights, scores) of each."""
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
            reuse=reuse,
            **_params(candidate_ratio=4, spatial=spatial, **overrides),
        )
        weights = [s.layer.weight.detach().clone() for s in specs]
        results.append(
            (
                [r["chosen"].tolist() for r in reports],
                weights,
                [torch.from_numpy(r["scores"]) for r in reports],
                [r["passed_on"] for r in reports],
            )
        )
    return results


_NETS = pytest.mark.parametrize(
    ("make_net", "shape", "spatial"),
    [(_chain_net, (3, 4), "mean"), (_conv_chain_net, (1, 6, 6), "positions")],
    ids=["mlp", "cnn"],
)


@pytest.mark.parametrize("chunk_size", [None, 16, 37])
@pytest.mark.parametrize("rescale", [None, "lsuv"])
@_NETS
def test_chain_path_selects_like_hook_path(
    chunk_size, rescale, make_net, shape, spatial
):
    """Check that the chain path without response reuse gives the hook
    path's neurons and weights, bit for bit (same rows, same chunks, same
    leaf modules)."""
    (picks_chain, w_chain, _, passed), (picks_hook, w_hook, _, _) = (
        _campaign_both_paths(
            make_net, shape, spatial, False, rescale=rescale, chunk_size=chunk_size
        )
    )
    assert not any(passed)
    assert picks_chain == picks_hook
    for a, b in zip(w_chain, w_hook):
        assert torch.equal(a, b)


@pytest.mark.parametrize("chunk_size", [None, 16, 37])
@pytest.mark.parametrize("rescale", [None, "norm", "base", "lsuv"])
@_NETS
def test_reused_responses_select_like_hook_path(
    monkeypatch, chunk_size, rescale, make_net, shape, spatial
):
    """Check that passing the chosen responses on (the chain path's
    default) picks the hook path's neurons, with weights and scores equal
    to float32 rounding: the next layer's input is then the campaign's
    product, not the layer's forward (stated tolerance: relative 1e-5)."""
    import sknc._driver as driver

    monkeypatch.setattr(driver, "PASS_ON_MIN_WORK", 0)  # small layers pass on
    (picks_chain, w_chain, s_chain, passed), (picks_hook, w_hook, s_hook, _) = (
        _campaign_both_paths(
            make_net, shape, spatial, True, rescale=rescale, chunk_size=chunk_size
        )
    )
    # Conv layers never pass on; the MLP's tanh layer only without rescale.
    expected = [False] * 3 if make_net is _conv_chain_net else [True, True, False]
    if make_net is _chain_net and rescale is not None:
        expected[1] = False
    assert passed == expected
    assert picks_chain == picks_hook
    for a, b in zip(w_chain, w_hook):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
    for a, b in zip(s_chain, s_hook):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-7)


def _record_passed_on(monkeypatch):
    """Return a list that receives a copy of every input passed on."""
    passed = []
    original = _ChainInputs.pass_on

    def spy(self, i, responses, chosen, scale=None):
        original(self, i, responses, chosen, scale)
        passed.append(self.stored[i + 1][:])

    monkeypatch.setattr(_ChainInputs, "pass_on", spy)
    return passed


def _count_calls(module):
    """Count the calls of ``module``'s forward (by wrapping it: a forward
    hook would itself stop the responses from being passed on)."""
    calls = []
    forward = module.forward

    def counted(*args, **kwargs):
        calls.append(1)
        return forward(*args, **kwargs)

    module.forward = counted
    return calls


@pytest.mark.parametrize(
    ("activation", "rescale", "bias", "reused"),
    [
        (nn.ReLU, None, 0.0, True),
        (nn.ReLU, None, 0.3, True),  # exact: the chosen responses themselves
        (nn.Tanh, None, 0.0, True),
        (nn.ReLU, "norm", 0.0, True),  # homogeneous: scaled responses
        (nn.LeakyReLU, "lsuv", 0.0, True),
        (nn.ReLU, "base", 0.3, False),  # phi(s z + b) is not s phi(z + b)
        (nn.Tanh, "norm", 0.0, False),  # tanh(s z) is not s tanh(z)
        (nn.ELU, "norm", 0.0, False),
    ],
)
def test_responses_passed_on_where_exact(
    monkeypatch, activation, rescale, bias, reused
):
    """Check when the first layer's forward is skipped (its chosen
    responses passed on), and that the passed-on input equals the
    initialized layer's forward to float32 rounding."""
    import sknc._driver as driver

    monkeypatch.setattr(driver, "PASS_ON_MIN_WORK", 0)  # any layer is worth it
    rng = np.random.RandomState(1)
    y = torch.from_numpy(np.arange(90) % 3)
    X = torch.from_numpy(rng.normal(size=(90, 6)).astype(np.float32))
    net = nn.Sequential(
        nn.Linear(6, 5), nn.Dropout(0.5), activation(), nn.Linear(5, 3)
    ).eval()
    traced = trace(net, X[:2])
    first = _count_calls(net[0])
    passed = _record_passed_on(monkeypatch)
    run_campaign(
        net,
        X,
        y,
        3,
        traced,
        [0.5, 0.5],
        **_params(rescale=rescale, bias=bias, chunk_size=32),
    )
    assert (not first) is reused
    assert len(passed) == int(reused)
    if reused:
        order = torch.argsort(y, stable=True)
        with torch.no_grad():
            expected = net[:3](X[order])
        torch.testing.assert_close(passed[0], expected, rtol=1e-5, atol=1e-6)


class _ScaledLinear(nn.Linear):
    """A Linear subclass whose forward is not ``x @ W.T + b``."""

    def forward(self, x):
        return 2.0 * super().forward(x)


@pytest.mark.parametrize(
    "case",
    [
        "plain",
        "no layer bias",
        "subclass",
        "dropout in train mode",
        "hook on the activation",
        "weight_norm",
    ],
)
def test_responses_passed_on_only_if_they_are_the_forward(monkeypatch, case):
    """Check that nothing is passed on where the candidates' responses are
    not what the module computes: a Linear subclass with its own forward, a
    dropout that is not an identity, a forward hook that changes an
    output, a pre-hook that rebuilds the weight. A layer without bias is
    scored with the bias it has (0, with a warning about the campaign's
    nonzero one), so its responses are the forward's and pass on."""
    import sknc._driver as driver

    monkeypatch.setattr(driver, "PASS_ON_MIN_WORK", 0)
    rng = np.random.RandomState(0)
    y = torch.from_numpy(np.arange(60) % 3)
    X = torch.from_numpy(rng.normal(size=(60, 5)).astype(np.float32))
    first = (_ScaledLinear if case == "subclass" else nn.Linear)(
        5, 4, bias=case != "no layer bias"
    )
    net = nn.Sequential(first, nn.Dropout(0.5), nn.ReLU(), nn.Linear(4, 3)).eval()
    if case == "dropout in train mode":
        net[1].train()
    if case == "hook on the activation":
        net[2].register_forward_hook(lambda module, args, out: 2 * out)
    if case == "weight_norm":
        with pytest.warns(FutureWarning):
            nn.utils.weight_norm(first)
    traced = trace(net, X[:2])
    bias = 0.0 if case in ("subclass", "weight_norm") else 0.1
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reports = run_campaign(net, X, y, 3, traced, [0.5] * 2, **_params(bias=bias))
    no_bias = [w for w in caught if "no bias parameter" in str(w.message)]
    assert len(no_bias) == (case == "no layer bias")
    assert reports[0]["passed_on"] is (case in ("plain", "no layer bias"))


@pytest.mark.parametrize(("ratio", "expected"), [(2, True), (3, False)])
def test_responses_kept_only_where_cheaper_than_the_product(ratio, expected):
    """Check the work rule: a 300 -> 2 layer passes on its 4 candidates'
    responses (300 x 2 = 150 x 4 multiply-adds saved per row), not 6."""
    rng = np.random.RandomState(0)
    y = torch.from_numpy(np.arange(40) % 2)
    X = torch.from_numpy(rng.normal(size=(40, 300)).astype(np.float32))
    net = nn.Sequential(nn.Linear(300, 2), nn.ReLU(), nn.Linear(2, 2))
    traced = trace(net, X[:2])
    first = _count_calls(net[0])
    reports = run_campaign(
        net, X, y, 2, traced, [0.5] * 2, **_params(candidate_ratio=ratio)
    )
    assert (not first) is expected
    assert [r["passed_on"] for r in reports] == [expected, False]


@pytest.mark.parametrize(
    "widths, expected",
    [
        # 12 -> 3 -> w -> 2. Layer 0 (6 candidates) keeps 6 numbers per
        # row; layer 2 is the output layer, its input is never stored.
        # Layer 1 (2w candidates) holds layer 0's 6 kept responses plus
        # its own 2w: 6 + 4 = 10 for w = 2, 6 + 8 = 14 for w = 4 or more.
        ((3, 2), [True, True, False]),
        ((3, 4), [True, False, False]),
        ((3, 7), [True, False, False]),
        # 12 -> 3 -> w -> 2 -> 2. Layer 2 is hidden: its input (w per row)
        # is stored while it is scored, beside layer 0's 6 responses still
        # held: 6 + 4 = 10 fits, 6 + 7 = 13 does not.
        ((3, 4, 2), [True, False, True, False]),
        ((3, 7, 2), [False, False, True, False]),
    ],
)
def test_budget_counts_the_inputs_held_with_the_responses(
    monkeypatch, widths, expected
):
    """Check that kept responses are counted with the inputs stored while
    they are held, within X's size (12 numbers per row): those stored when
    they are kept, and the input of the layer after next where that is a
    hidden layer."""
    import sknc._driver as driver

    monkeypatch.setattr(driver, "CHAIN_CACHE_FLOOR", 0)
    monkeypatch.setattr(driver, "PASS_ON_MIN_WORK", 0)
    rng = np.random.RandomState(0)
    y = torch.from_numpy(np.arange(60) % 2)
    X = torch.from_numpy(rng.normal(size=(60, 12)).astype(np.float32))
    sizes = [12, *widths, 2]
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    net = nn.Sequential(*layers[:-1])
    reports = run_campaign(
        net,
        X,
        y,
        2,
        trace(net, X[:2]),
        [0.5] * len(expected),
        **_params(chunk_size=16),
    )
    assert [r["passed_on"] for r in reports] == expected


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("activation", [nn.GELU, nn.ELU, nn.ReLU])
def test_passed_on_input_from_new_tensors(monkeypatch, sparse, activation):
    """Check the responses kept where the product or the activation gives a
    new tensor (sparse X, activations not applied in place): the next
    layer's input is the layer's forward to float32 rounding."""
    import sknc._driver as driver
    from sknc._sparse import SparseRows

    monkeypatch.setattr(driver, "PASS_ON_MIN_WORK", 0)
    rng = np.random.RandomState(2)
    y = torch.from_numpy(np.arange(80) % 2)
    dense = rng.normal(size=(80, 7)) * (rng.uniform(size=(80, 7)) < 0.4)
    dense = dense.astype(np.float32)
    net = nn.Sequential(nn.Linear(7, 4), activation(), nn.Linear(4, 2)).eval()
    traced = trace(net, torch.from_numpy(dense[:2]))
    X = SparseRows(scipy.sparse.csr_matrix(dense)) if sparse else torch.tensor(dense)
    passed = _record_passed_on(monkeypatch)
    reports = run_campaign(
        net, X, y, 2, traced, [0.5] * 2, **_params(bias=0.2, chunk_size=24)
    )
    assert reports[0]["passed_on"] and len(passed) == 1
    order = torch.argsort(y, stable=True)
    with torch.no_grad():
        expected = net[:2](torch.from_numpy(dense)[order])
    torch.testing.assert_close(passed[0], expected, rtol=1e-5, atol=1e-6)


def test_responses_kept_only_within_the_budget(monkeypatch):
    """Check that the responses are kept only if they and the stored
    inputs fit in max(X bytes, CHAIN_CACHE_FLOOR)."""
    import sknc._driver as driver

    monkeypatch.setattr(driver, "CHAIN_CACHE_FLOOR", 0)
    monkeypatch.setattr(driver, "PASS_ON_MIN_WORK", 0)
    rng = np.random.RandomState(0)
    y = torch.from_numpy(np.arange(60) % 2)
    X = torch.from_numpy(rng.normal(size=(60, 10)).astype(np.float32))
    # X holds 10 numbers per row: 10 candidates fit, 12 do not.
    for width, ratio, expected in ((5, 2, True), (6, 2, False)):
        net = nn.Sequential(nn.Linear(10, width), nn.ReLU(), nn.Linear(width, 2))
        traced = trace(net, X[:2])
        first = _count_calls(net[0])
        run_campaign(
            net,
            X,
            y,
            2,
            traced,
            [0.5] * 2,
            **_params(candidate_ratio=ratio, chunk_size=32),
        )
        assert (not first) is expected


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


@pytest.mark.parametrize(
    "activation, bias, flips",
    [
        (None, 0.0, True),
        (nn.Identity(), 0.7, True),
        (nn.Tanh(), 0.0, True),
        (nn.Sigmoid(), 0.0, True),
        (nn.Tanh(), 0.1, False),
        (nn.Sigmoid(), -0.1, False),
        (nn.ReLU(), 0.0, False),
        (nn.GELU(), 0.0, False),
        (nn.SiLU(), 0.0, False),  # not in the registry: never flipped
    ],
)
def test_flips_only_where_negated_weights_reflect_the_response(activation, bias, flips):
    """Check the rule for signing regression outputs, and for the bounded
    activations the symmetry it rests on: phi(-z) = 2 phi(0) - phi(z)."""
    from sknc._driver import _flips

    assert _flips(activation, bias) is flips
    if flips and activation is not None and bias == 0:
        z = torch.linspace(-4, 4, 81, dtype=torch.float64)
        zero = activation(torch.zeros(1, dtype=torch.float64))
        torch.testing.assert_close(
            activation(-z), 2 * zero - activation(z), rtol=0, atol=1e-15
        )


@pytest.mark.parametrize("output", [nn.Sigmoid, nn.Tanh])
def test_bounded_regression_outputs_start_moving_with_the_target(output):
    """Check that a user's net with a logistic or tanh output, initialized
    by the correlation campaign on a real target, starts with its output
    correlated positively with the target, for every one of 10 seeds (a
    chosen neuron's sign is random: with the logistic output left unsigned,
    5 of these 10 seeds started anti-correlated)."""
    from sklearn.datasets import load_diabetes

    from sknc import NeuronCampaign

    X, y = load_diabetes(return_X_y=True)
    X = ((X - X.mean(0)) / X.std(0)).astype(np.float32)
    for seed in range(10):
        net = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 1), output())
        NeuronCampaign(target="correlation", random_state=seed).initialize(net, X, y)
        with torch.no_grad():
            pred = net(torch.from_numpy(X)).numpy().ravel()
        assert np.corrcoef(pred, y)[0, 1] > 0.1, seed


class _Residual(nn.Module):
    """relu(l1 x) = h; out(relu(l2 h + h)), the sum in place or not."""

    def __init__(self, in_place):
        super().__init__()
        torch.manual_seed(0)  # the same starting weights for both forms
        self.l1, self.a1 = nn.Linear(12, 8), nn.ReLU()
        self.l2, self.a2 = nn.Linear(8, 8), nn.ReLU()
        self.out = nn.Linear(8, 3)
        self.in_place = in_place

    def forward(self, x):
        h = self.a1(self.l1(x))
        z = self.l2(h)
        if self.in_place:
            z += h  # the same tensor object, changed: not a chain
        else:
            z = z + h
        return self.out(self.a2(z))


def test_in_place_residual_is_not_taken_for_a_chain():
    """Check that a forward that changes a leaf's output in place (a
    residual ``z += h``) is not a chain and gives l2 no activation, as the
    out-of-place ``z = z + h`` does, so the campaign scores every layer on
    its real input and writes the same weights for both forms (before, the
    in-place form was taken for a chain and l2 and out were scored on
    inputs without the residual)."""
    from sknc import NeuronCampaign

    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 12)).astype(np.float32)
    y = rng.randint(0, 3, size=300)
    nets = {}
    for in_place in (False, True):
        net = _Residual(in_place)
        traced = trace(net, torch.from_numpy(X[:2]))
        assert traced.chain() is None
        assert [s.activation_name for s in traced.specs] == [
            "relu",
            "identity",
            "identity",
        ]
        NeuronCampaign(random_state=0, max_samples=None).initialize(net, X, y)
        nets[in_place] = net.state_dict()
    for name, value in nets[False].items():
        assert torch.equal(value, nets[True][name]), name
