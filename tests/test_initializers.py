"""Tests of the initializers (sknc._initializers)."""

import copy
import math

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits
from torch import nn

from sknc import (
    HeInit,
    LSUVInit,
    NeuronCampaign,
    OrthogonalInit,
    XavierInit,
    get_initializer,
)


def _mlp(sizes=(64, 32, 16, 10), act=nn.ReLU):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(act())
    return nn.Sequential(*layers)


def _weights(net):
    return [p.detach().clone() for p in net.parameters()]


def _same(a, b):
    return all(torch.equal(x, y) for x, y in zip(a, b))


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X / 16).astype(np.float32), y


def test_campaign_streaming_same_selection_as_one_block(digits):
    """Check that chunked scoring picks the same neurons as one block."""
    X, y = digits
    picks = []
    for chunk_size in (len(X), 97):
        net = _mlp()
        nc = NeuronCampaign(chunk_size=chunk_size, random_state=0)
        nc.initialize(net, X, y)
        picks.append([r["chosen"].tolist() for r in nc.report_])
    assert picks[0] == picks[1]


def test_campaign_without_orthogonality_picks_top_scores(digits):
    """Check that orthogonal_selection=False, class_balanced=False keeps the top k."""
    X, y = digits
    nc = NeuronCampaign(
        orthogonal_selection=False, class_balanced=False, random_state=0
    )
    net = _mlp()
    nc.initialize(net, X, y)
    for r in nc.report_[:-1]:
        top = np.argsort(-r["scores"], kind="stable")[: r["fan_out"]]
        assert sorted(r["chosen"].tolist()) == sorted(top.tolist())


@pytest.mark.parametrize("class_balanced", [True, False])
def test_campaign_target_only_picks_distinct_independent_neurons(
    digits, class_balanced
):
    """Check that a target-only campaign (negative scores) picks k distinct,
    linearly independent neurons (the reference code re-picks neurons)."""
    X, y = digits
    net = _mlp((64, 48, 10))
    nc = NeuronCampaign(alpha=0.0, class_balanced=class_balanced, random_state=0)
    nc.initialize(net, X, y)
    first = nc.report_[0]
    assert (first["scores"] < 0).any()
    assert len(set(first["chosen"].tolist())) == 48
    assert torch.linalg.matrix_rank(net[0].weight.detach().double()) == 48


def test_campaign_candidates_use_real_fan_in(digits):
    """Check that candidates are He-normal with the layer's fan-in d,
    std sqrt(2/d), not sqrt(2/m) as in the reference code."""
    X, y = digits
    net = nn.Sequential(nn.Linear(64, 200), nn.ReLU(), nn.Linear(200, 10))
    # candidate_ratio=1 keeps every candidate: the layer is the draw itself.
    he = NeuronCampaign(base_init="he", candidate_ratio=1.0, random_state=0)
    he.initialize(net, X, y)
    std = float(net[0].weight.detach().std())
    # 12 800 normal draws: the std estimate has relative sd ~ 0.6%; allow 3%.
    assert std == pytest.approx(math.sqrt(2 / 64), rel=0.03)
    std_out = float(net[2].weight.detach().std())
    assert std_out == pytest.approx(math.sqrt(2 / 200), rel=0.1)


def test_campaign_default_candidates_are_xavier(digits):
    """Check that the default candidates are Xavier-normal with the layer's
    real fans, std sqrt(2 / (fan_in + fan_out)), and that the default alpha
    weighs both criteria equally in every layer."""
    X, y = digits
    net = nn.Sequential(nn.Linear(64, 200), nn.ReLU(), nn.Linear(200, 10))
    nc = NeuronCampaign(candidate_ratio=1.0, random_state=0).initialize(net, X, y)
    std = float(net[0].weight.detach().std())
    assert std == pytest.approx(math.sqrt(2 / (64 + 200)), rel=0.03)
    assert nc.alpha_ == [0.5, 0.5]


def test_campaign_alpha_linear_schedule(digits):
    """Check that alpha='linear' goes from 1 at the first to 0 at the output."""
    X, y = digits
    nc = NeuronCampaign(alpha="linear", random_state=0)
    nc.initialize(_mlp((64, 30, 20, 20, 10)), X, y)
    assert nc.alpha_ == pytest.approx([1.0, 2 / 3, 1 / 3, 0.0], abs=1e-15)
    assert [r["alpha"] for r in nc.report_] == nc.alpha_


@pytest.mark.parametrize(
    "alpha, match",
    [
        ([0.5, 0.5], "alpha has 2 values but the module has 3"),
        ([0.5, 0.5, 2.0], r"must lie in \[0, 1\]; got 2.0"),
        (1.5, "'alpha' parameter"),
        (-0.1, "'alpha' parameter"),
        ("cubic", "'alpha' parameter"),
    ],
)
def test_campaign_bad_alpha(digits, alpha, match):
    """Check that bad alpha values raise and leave the weights unchanged."""
    X, y = digits
    net = _mlp()
    before = _weights(net)
    with pytest.raises(ValueError, match=match):
        NeuronCampaign(alpha=alpha).initialize(net, X, y)
    assert _same(before, _weights(net))


def test_campaign_same_seed_bit_identical_and_global_rng_untouched(digits):
    """Check bit-identical weights for one seed and an untouched global RNG."""
    X, y = digits
    nets = [_mlp() for _ in range(3)]
    state = torch.get_rng_state()
    np_state = np.random.get_state()[1].copy()
    runs = []
    for seed, net in zip((3, 3, 4), nets):
        NeuronCampaign(random_state=seed, max_samples=500).initialize(net, X, y)
        runs.append(_weights(net))
    assert _same(runs[0], runs[1])
    assert not _same(runs[0], runs[2])
    assert torch.equal(state, torch.get_rng_state())
    assert (np_state == np.random.get_state()[1]).all()


@pytest.mark.parametrize(
    "init", [HeInit, XavierInit, OrthogonalInit, LSUVInit, NeuronCampaign]
)
def test_initializers_write_in_place_for_existing_optimizer(digits, init):
    """Check that parameters are changed in place: an optimizer built before
    initialize still owns and trains them."""
    X, y = digits
    net = _mlp()
    params = list(net.parameters())
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    before = _weights(net)
    init(random_state=0).initialize(net, X, y)
    assert all(a is b for a, b in zip(params, net.parameters()))
    assert not _same(before, _weights(net))
    after_init = _weights(net)
    loss = nn.functional.cross_entropy(net(torch.from_numpy(X)), torch.from_numpy(y))
    loss.backward()
    opt.step()
    assert not torch.equal(after_init[0], net[0].weight.detach())


def test_campaign_report_contents(digits):
    """Check the per-layer report: counts, distinct picks, class-ordered output."""
    X, y = digits
    nc = NeuronCampaign(candidate_ratio=4, max_candidates=100, random_state=0)
    nc.initialize(_mlp(), X, y)
    assert [r["n_candidates"] for r in nc.report_] == [100, 64, 40]
    assert [r["activation"] for r in nc.report_] == ["relu", "relu", "identity"]
    for r in nc.report_:
        assert len(np.unique(r["chosen"])) == r["fan_out"]
        assert r["scores"].shape == (r["n_candidates"],)
        assert r["time"] >= 0
    # Output row c holds a candidate campaigning for class c, for every
    # class that won a candidate (a class may win none).
    rows = nc.report_[-1]["chosen_classes"]
    won = np.unique(rows)
    assert len(won) >= 8
    assert (rows[won] == won).all()
    assert nc.classes_.tolist() == list(range(10))


def test_campaign_stratified_subset_size(digits):
    """Check that max_samples rows are scored, in class proportions."""
    X, y = digits
    nc = NeuronCampaign(max_samples=300, random_state=0).initialize(_mlp(), X, y)
    assert all(r["n_rows"] == 300 for r in nc.report_)


def test_stratified_subset_is_train_test_split_where_it_stratifies():
    """Check that where scikit-learn can stratify, the subset is its draw,
    row for row (the scoring rows of earlier versions)."""
    from sklearn.model_selection import train_test_split

    from sknc._initializers import stratified_subset

    strata = np.random.RandomState(0).randint(0, 7, size=900)
    got = stratified_subset(strata, 300, np.random.RandomState(5), min_rows=2)
    want, _ = train_test_split(
        np.arange(900),
        train_size=300,
        stratify=strata,
        random_state=np.random.RandomState(5),
    )
    np.testing.assert_array_equal(got, np.sort(want))


@pytest.mark.parametrize(
    "sizes, size, min_rows, expected",
    [
        # 3 rows left over for 10 classes: train_test_split refuses.
        ([201] * 3 + [200] * 7, 2000, 0, [200] * 3 + [200] * 7),
        # A class of one row (weight 2 in the campaign) is kept.
        ([50, 49, 1], 20, 2, [10, 10, 1]),
    ],
)
def test_stratified_subset_shares_and_minimum(sizes, size, min_rows, expected):
    """Check the subset where train_test_split cannot stratify: each class's
    share of ``size`` (largest remainders), then at least ``min_rows`` of
    each class that has them; distinct rows, sorted."""
    from sknc._initializers import stratified_subset

    strata = np.repeat(np.arange(len(sizes)), sizes)
    strata = strata[np.random.RandomState(1).permutation(len(strata))]
    idx = stratified_subset(strata, size, np.random.RandomState(0), min_rows)
    assert (np.diff(idx) > 0).all()
    got = np.bincount(strata[idx], minlength=len(sizes)).tolist()
    assert got == expected


@pytest.mark.parametrize(
    "min_rows, weight, expected",
    [(0, 1.0, [1000, 999, 1]), (2, 1.0, [1000, 999, 2]), (2, 5.0, [1000, 999, 1])],
)
def test_stratified_subset_tops_up_short_classes(min_rows, weight, expected):
    """Check the minimum on train_test_split's draw: a class of 2 rows in
    6000 gets 1 of 2000 (its share is 0.67); min_rows=2 adds its other row,
    unless the drawn row weighs 2 or more (then the draw is left as it is,
    row for row)."""
    from sknc._initializers import stratified_subset

    strata = np.repeat(np.arange(3), [3000, 2998, 2])
    strata = strata[np.random.RandomState(1).permutation(len(strata))]
    weights = np.where(strata == 2, weight, 1.0)
    plain = stratified_subset(strata, 2000, np.random.RandomState(0))
    idx = stratified_subset(strata, 2000, np.random.RandomState(0), min_rows, weights)
    assert np.bincount(strata[idx]).tolist() == expected
    assert np.isin(plain, idx).all()


def test_campaign_scores_classes_of_two_rows_in_a_subset():
    """Check that a class of 2 rows keeps both in a subset where its share
    is below 2, and that 10 classes in 2003 rows get a subset of 2000
    (both refused before)."""
    rng = np.random.RandomState(0)
    X = rng.rand(6000, 8).astype(np.float32)
    y = np.r_[np.zeros(2999), np.ones(2999), [2, 2]].astype(int)
    nc = NeuronCampaign(random_state=0).initialize(_mlp((8, 6, 3)), X, y)
    # 2000 drawn (class 2's share is 0.67), then class 2's rows up to 2.
    assert 2001 <= nc.report_[0]["n_rows"] <= 2002
    y = np.arange(2003) % 10
    nc = NeuronCampaign(random_state=0).initialize(_mlp((8, 6, 10)), X[:2003], y)
    assert nc.report_[0]["n_rows"] == 2000


def test_binned_refuses_fewer_scoring_rows_than_two_per_bin():
    """Check that target="binned" with max_samples below 2 rows per bin is
    refused, naming the bins (as classes are)."""
    X = np.random.RandomState(0).rand(1000, 3).astype(np.float32)
    y = np.linspace(0.0, 1.0, 1000)
    with pytest.raises(ValueError, match="max_samples=12 is too small: each of the 10"):
        NeuronCampaign(target="binned", max_samples=12).initialize(
            nn.Linear(3, 2), X, y
        )
    nc = NeuronCampaign(target="binned", max_samples=20, random_state=0)
    nc.initialize(nn.Linear(3, 2), X, y)
    assert nc.report_[0]["n_rows"] == 20


@pytest.mark.parametrize("max_samples", [None, 2000, 20])
def test_campaign_class_of_one_row_is_refused_with_advice(max_samples):
    """Check that a class of one row gets the campaign's error whatever
    max_samples (not scikit-learn's stratification error), with advice that
    fits: it is the data, not the subset."""
    rng = np.random.RandomState(0)
    X = rng.rand(3001, 4).astype(np.float32)
    y = np.r_[np.zeros(1500), np.ones(1500), [2]].astype(int)
    with pytest.raises(ValueError, match="class 2 has 1 .give it more rows or leave"):
        NeuronCampaign(max_samples=max_samples, random_state=0).initialize(
            _mlp((4, 6, 3)), X, y
        )


def test_layer_wider_than_max_candidates_keeps_one_per_neuron(digits):
    """Check that a layer with more neurons than max_candidates gets one
    candidate per neuron, all kept, with a warning naming the layer (the
    design's "never below k"), and the other layers are still selected."""
    X, y = digits
    with pytest.warns(UserWarning, match="max_candidates=20 is smaller than the 32 "):
        nc = NeuronCampaign(max_candidates=20, random_state=0).initialize(_mlp(), X, y)
    first = nc.report_[0]
    assert first["n_candidates"] == 32
    assert sorted(first["chosen"]) == list(range(32))
    assert [r["n_candidates"] for r in nc.report_[1:]] == [20, 20]


@pytest.mark.parametrize("rescale", ["norm", "lsuv"])
def test_campaign_rescale(digits, rescale):
    """Check the rescale options: neuron norms, or unit output variance."""
    X, y = digits
    net = _mlp()
    NeuronCampaign(
        base_init="he", rescale=rescale, random_state=0, max_samples=None
    ).initialize(net, X, y)
    w = net[0].weight.detach().double()
    if rescale == "norm":
        norms = w.norm(dim=1)
        # He candidates: E||w||^2 = fan_in * 2 / fan_in = 2.
        assert torch.allclose(norms, norms[0].expand_as(norms))
        assert float(norms[0]) == pytest.approx(math.sqrt(2), rel=0.05)
    else:
        with torch.no_grad():
            out = net[0](torch.from_numpy(X))
        assert float(out.std(correction=0)) == pytest.approx(1.0, rel=1e-3)


def test_campaign_accepts_string_labels(digits):
    """Check that labels may be strings."""
    X, y = digits
    labels = np.array([f"c{v}" for v in y])
    nc = NeuronCampaign(random_state=0).initialize(_mlp(), X, labels)
    assert nc.classes_[0] == "c0"


def test_campaign_callable_base_init(digits):
    """Check that a user draw function is called with the real fans."""
    X, y = digits
    calls = []

    def draw(n, fan_in, fan_out, generator):
        calls.append((n, fan_in, fan_out))
        return torch.randn(n, fan_in, generator=generator)

    NeuronCampaign(base_init=draw, candidate_ratio=2, random_state=0).initialize(
        _mlp(), X, y
    )
    assert calls == [(64, 64, 32), (32, 32, 16), (20, 16, 10)]


def _fail_on_second_layer():
    calls = []

    def draw(n, fan_in, fan_out, generator):
        calls.append(n)
        if len(calls) == 2:
            raise RuntimeError("boom")
        return torch.randn(n, fan_in, generator=generator)

    return draw


def _bad_inputs(X, y):
    X_nan = X.copy()
    X_nan[3, 5] = np.nan
    X_inf = X.copy()
    X_inf[0, 0] = np.inf
    return {
        "nan": (NeuronCampaign(), X_nan, y, ValueError, "NaN"),
        "inf": (NeuronCampaign(), X_inf, y, ValueError, "infinity"),
        "length": (NeuronCampaign(), X, y[:-1], ValueError, "inconsistent numbers"),
        "one class": (
            NeuronCampaign(),
            X,
            np.zeros_like(y),
            ValueError,
            "only one class",
        ),
        "real y as classes": (
            NeuronCampaign(target="classes"),
            X,
            y + 0.5,
            ValueError,
            "Unknown label type",
        ),
        "constant real y": (
            NeuronCampaign(target="correlation"),
            X,
            np.full(len(y), 0.5),
            ValueError,
            "y is constant",
        ),
        "nan real y": (
            NeuronCampaign(target="binned"),
            X,
            np.where(np.arange(len(y)) == 3, np.nan, y + 0.5),
            ValueError,
            "y contains NaN",
        ),
        "string y as real": (
            NeuronCampaign(target="correlation"),
            X,
            np.array(["a"] * len(y), dtype=object),
            ValueError,
            "y must be real numbers",
        ),
        "few rows per class": (
            NeuronCampaign(),
            X[:11],
            y[:11],
            ValueError,
            "at least 2 scoring rows",
        ),
        "base_init": (
            NeuronCampaign(base_init="uniform"),
            X,
            y,
            ValueError,
            "'base_init' parameter",
        ),
        "shape": (NeuronCampaign(), X[:, :10], y, ValueError, r"shape \(10,\)"),
        "no y": (NeuronCampaign(), X, None, ValueError, "needs the class labels"),
        "mid-run failure": (
            NeuronCampaign(base_init=_fail_on_second_layer()),
            X,
            y,
            RuntimeError,
            "boom",
        ),
    }


@pytest.mark.parametrize(
    "case",
    list(_bad_inputs(np.zeros((12, 12)), np.zeros(12)).keys()),
)
def test_campaign_bad_input_leaves_weights_unchanged(digits, case):
    """Check that bad input raises a clear error and changes no weight."""
    X, y = digits
    init, Xb, yb, exc, match = _bad_inputs(X, y)[case]
    net = _mlp()
    before = _weights(net)
    with pytest.raises(exc, match=match):
        init.initialize(net, Xb, yb)
    assert _same(before, _weights(net))
    assert not hasattr(init, "report_")


def test_module_without_linear_layer():
    """Check that a module with no Linear layer is refused."""
    with pytest.raises(ValueError, match="has no nn.Linear or nn.Conv2d layer"):
        NeuronCampaign().initialize(
            nn.Sequential(nn.ReLU()), np.ones((4, 2)), [0, 1] * 2
        )
    with pytest.raises(TypeError, match="torch.nn.Module"):
        HeInit().initialize("not a module")


def test_baseline_statistics():
    """Check the scale of each baseline (normal-draw estimates, 3% tolerance)."""
    net = nn.Sequential(nn.Linear(300, 500), nn.ReLU(), nn.Linear(500, 100))
    HeInit(random_state=0).initialize(net)
    assert float(net[0].weight.detach().std()) == pytest.approx(
        math.sqrt(2 / 300), rel=0.03
    )
    XavierInit(random_state=0).initialize(net)
    assert float(net[2].weight.detach().std()) == pytest.approx(
        math.sqrt(2 / 600), rel=0.03
    )
    assert float(net[2].bias.detach().abs().max()) == 0.0
    OrthogonalInit(gain=2.0, random_state=0).initialize(net)
    w = net[2].weight.detach().double()
    torch.testing.assert_close(w @ w.T, 4 * torch.eye(100, dtype=torch.float64))
    # 500 rows in 300 dims: two blocks of orthonormal rows.
    w0 = net[0].weight.detach().double()
    torch.testing.assert_close(
        w0[:300] @ w0[:300].T, 4 * torch.eye(300, dtype=torch.float64)
    )


def test_lsuv_unit_variance_every_layer(digits):
    """Check that LSUV brings each layer's output std within tol of 1."""
    X, y = digits
    net = _mlp()
    init = LSUVInit(tol=0.01, max_samples=None, random_state=0).initialize(net, X)
    h = torch.from_numpy(X)
    with torch.no_grad():
        for mod in net:
            h = mod(h)
            if isinstance(mod, nn.Linear):
                assert abs(float(h.std()) - 1.0) <= 0.01
    assert len(init.scales_) == 3


def test_lsuv_needs_data():
    """Check that LSUV without X is a clear error."""
    with pytest.raises(ValueError, match="LSUVInit needs the training rows X"):
        LSUVInit().initialize(_mlp())


def test_get_initializer_names_and_errors():
    """Check name lookup, passthrough of objects, and unknown names."""
    assert isinstance(get_initializer("campaign"), NeuronCampaign)
    obj = NeuronCampaign(alpha=0.2)
    assert get_initializer(obj) is obj
    with pytest.raises(ValueError, match="unknown initializer 'kaiming'"):
        get_initializer("kaiming")
    with pytest.raises(TypeError, match="initialize"):
        get_initializer(3)


def test_campaign_clone_and_params():
    """Check that get_params/set_params/clone work (BaseEstimator contract)."""
    nc = NeuronCampaign(alpha=[0.1, 0.2], candidate_ratio=3)
    c = clone(nc).set_params(candidate_ratio=5)
    assert c.get_params()["alpha"] == [0.1, 0.2]
    assert c.candidate_ratio == 5 and nc.candidate_ratio == 3


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("conv", [False, True])
def test_campaign_cuda_matches_cpu_selection(digits, conv):
    """Check that scoring on CUDA picks the same neurons as on the CPU, and
    that the module comes back to the CPU."""
    X, y = digits
    if conv:
        X, make = X.reshape(-1, 1, 8, 8), _cnn
    else:
        make = _mlp
    picks = []
    # cuDNN may run float32 convolutions in TF32 (1e-3 relative precision).
    with torch.backends.cudnn.flags(enabled=True, allow_tf32=False):
        for device in ("cpu", "cuda"):
            net = make()
            nc = NeuronCampaign(random_state=0, device=device)
            nc.initialize(net, X, y)
            assert all(p.device.type == "cpu" for p in net.parameters())
            picks.append([r["chosen"].tolist() for r in nc.report_])
    assert picks[0] == picks[1]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_lsuv_on_cuda_matches_the_cpu(digits):
    """Check that LSUV's variances (and the campaign's rescale='lsuv', with
    row weights) run on a CUDA module and give the CPU's numbers (before:
    the pooled totals were CPU tensors updated with CUDA numbers)."""
    X, y = digits
    weights = np.linspace(0.5, 2.0, len(y))
    scales, reports = [], []
    for device in ("cpu", "cuda"):
        net = _mlp().to(device)
        lsuv = LSUVInit(random_state=0).initialize(net, X, y, sample_weight=weights)
        scales.append(lsuv.scales_)
        nc = NeuronCampaign(random_state=0, rescale="lsuv", device=device)
        nc.initialize(_mlp(), X, y, sample_weight=weights)
        reports.append([r["chosen"].tolist() for r in nc.report_])
    np.testing.assert_allclose(scales[0], scales[1], rtol=1e-5)
    assert reports[0] == reports[1]


def test_campaign_rescale_base_is_one_factor_per_layer(digits):
    """Check that rescale='base' keeps the chosen neurons of the first layer
    and multiplies them by one factor below 1 (selection favours strong
    responses; the factor restores the candidates' mean squared response)."""
    X, y = digits
    nets = [_mlp(), _mlp()]
    for net, rescale in zip(nets, [None, "base"]):
        NeuronCampaign(rescale=rescale, random_state=0).initialize(net, X, y)
    w_none, w_base = (net[0].weight.detach().double() for net in nets)
    ratio = w_base / w_none
    assert float(ratio.std()) < 1e-6
    assert 0.3 < float(ratio.mean()) < 1.0


def test_failed_rerun_keeps_previous_report(digits):
    """Check that a failed second initialize leaves the first run's fitted
    attributes as they were (they are published only after a success)."""
    X, y = digits
    nc = NeuronCampaign(random_state=0).initialize(_mlp(), X, y)
    report = nc.report_
    nc.set_params(base_init=_fail_on_second_layer())
    with pytest.raises(RuntimeError, match="boom"):
        nc.initialize(_mlp(), X, y)
    assert nc.report_ is report


def test_three_dimensional_layer_input_is_a_clear_error():
    """Check that a Linear layer fed 3-D inputs is refused with a clear error."""
    net = nn.Sequential(nn.Unflatten(1, (4, 3)), nn.Linear(3, 10), nn.ReLU())
    X = np.random.RandomState(0).rand(40, 12).astype(np.float32)
    before = _weights(net)
    with pytest.raises(ValueError, match=r"receives a 3-D input of shape"):
        NeuronCampaign().initialize(net, X, np.arange(40) % 2)
    assert _same(before, _weights(net))


# -- convolutional layers --------------------------------------------------


@pytest.fixture(scope="module")
def digit_images(digits):
    X, y = digits
    return X.reshape(-1, 1, 8, 8), y


def _cnn(in_channels=1, width=8, **conv2):
    """conv 6@3x3 pad 1, pool, conv ``width``@3x3, pool, flatten, 32, 10."""
    conv2 = {"kernel_size": 3, "padding": 1, **conv2}
    return nn.Sequential(
        nn.Conv2d(in_channels, 6, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, width, **conv2),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(2),
        nn.Flatten(),
        nn.Linear(4 * width, 32),
        nn.ReLU(),
        nn.Linear(32, 10),
    )


@pytest.mark.parametrize("spatial", ["mean", "positions"])
@pytest.mark.parametrize("rescale", [None, "norm", "base", "lsuv"])
def test_conv_1x1_on_1x1_images_selects_like_linear(digits, spatial, rescale):
    """Check that 1x1 filters on 1x1 images give the Linear layer's campaign:
    the same candidates, the same chosen neurons, the same weights."""
    X, y = digits
    torch.manual_seed(0)
    linear = nn.Sequential(nn.Linear(64, 24), nn.ReLU(), nn.Linear(24, 10))
    conv = nn.Sequential(nn.Conv2d(64, 24, 1), nn.ReLU(), nn.Conv2d(24, 10, 1))
    params = {"rescale": rescale, "spatial": spatial, "random_state": 0}
    a = NeuronCampaign(**params).initialize(linear, X, y)
    b = NeuronCampaign(**params).initialize(conv, X[:, :, None, None], y)
    for ra, rb in zip(a.report_, b.report_, strict=True):
        assert (ra["kind"], rb["kind"]) == ("Linear", "Conv2d")
        assert ra["n_candidates"] == rb["n_candidates"]
        assert ra["n_response_rows"] == rb["n_response_rows"] == len(X)
        np.testing.assert_array_equal(ra["chosen"], rb["chosen"])
        np.testing.assert_allclose(ra["scores"], rb["scores"], rtol=1e-5, atol=1e-7)
    for la, lb in [(linear[0], conv[0]), (linear[2], conv[2])]:
        wb = lb.weight.detach().view_as(la.weight)
        if rescale in (None, "norm"):
            assert torch.equal(la.weight.detach(), wb)
        else:  # the scale comes from float sums taken in another order
            torch.testing.assert_close(la.weight.detach(), wb, rtol=1e-5, atol=0)


def _max_abs_cosine(weight):
    w = weight.detach().double().flatten(1)
    w = w / torch.linalg.vector_norm(w, dim=1, keepdim=True)
    return float((w @ w.T - torch.eye(len(w), dtype=w.dtype)).abs().max())


@pytest.mark.parametrize("spatial", ["mean", "positions"])
def test_conv_chosen_filters_linearly_independent(digit_images, spatial):
    """Check that k <= fan-in chosen filters are linearly independent, and
    that the orthogonal selection works on the flattened filters: a
    target-only campaign (which favours similar candidates) picks filters
    further from collinear with it than without it."""
    X, y = digit_images
    cosines = {}
    for orthogonal in (True, False):
        net = _cnn(width=40)  # layer 2: 40 filters, fan-in 6 x 3 x 3 = 54
        nc = NeuronCampaign(
            alpha=0.0,
            candidate_ratio=4,
            spatial=spatial,
            orthogonal_selection=orthogonal,
            random_state=0,
        )
        nc.initialize(net, X, y)
        for layer, k in [(net[0], 6), (net[3], 40)]:
            flat = layer.weight.detach().double().flatten(1)
            assert torch.linalg.matrix_rank(flat) == k
        assert len(set(nc.report_[1]["chosen"].tolist())) == 40
        cosines[orthogonal] = _max_abs_cosine(net[3].weight)
    assert cosines[True] < cosines[False]


def test_conv_candidates_use_real_fan_in(digit_images):
    """Check that candidate filters are He-normal with fan-in C x kh x kw."""
    X, y = digit_images
    net = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(),
                        nn.Conv2d(8, 64, 5, padding=2), nn.ReLU(),
                        nn.Flatten(), nn.Linear(64 * 64, 10))  # fmt: skip
    NeuronCampaign(base_init="he", candidate_ratio=1.0, random_state=0).initialize(
        net, X, y
    )
    # 64 x 200 = 12 800 normal draws: relative sd of the std ~ 0.6%; allow 3%.
    # A fan-in of in_channels (8) or of kh x kw (25) would be off by 2.8x or 5x.
    std = float(net[2].weight.detach().std())
    assert std == pytest.approx(math.sqrt(2 / (8 * 5 * 5)), rel=0.03)


def test_conv_baselines_use_torch_fans():
    """Check He, Xavier and orthogonal on a conv layer against torch's fans."""
    conv = nn.Conv2d(16, 64, 5)  # fan_in 400, fan_out 1600 (torch's convention)
    fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(conv.weight)
    assert (fan_in, fan_out) == (400, 1600)
    HeInit(random_state=0).initialize(conv)
    std = float(conv.weight.detach().std())
    assert std == pytest.approx(math.sqrt(2 / 400), rel=0.03)
    XavierInit(random_state=0).initialize(conv)
    std = float(conv.weight.detach().std())
    assert std == pytest.approx(math.sqrt(2 / 2000), rel=0.03)
    OrthogonalInit(random_state=0).initialize(conv)
    flat = conv.weight.detach().flatten(1)
    torch.testing.assert_close(flat @ flat.T, torch.eye(64), atol=1e-5, rtol=0)


def test_lsuv_conv_unit_variance(digit_images):
    """Check that LSUV brings every conv and Linear output to unit std."""
    X, _ = digit_images
    net = _cnn()
    LSUVInit(tol=0.05, random_state=0).initialize(net, X)
    h = torch.from_numpy(X[:1024])
    with torch.no_grad():
        for module in net:
            out = module(h)
            if isinstance(module, nn.Conv2d | nn.Linear):
                assert float(out.std()) == pytest.approx(1.0, abs=0.05)
            h = out


@pytest.mark.parametrize("spatial", ["mean", "positions"])
def test_conv_same_seed_bit_identical(digit_images, spatial):
    """Check bit-identical weights for one seed, different for another."""
    X, y = digit_images
    runs = []
    for seed in (0, 0, 1):
        torch.manual_seed(seed + 10)  # a different default init each time
        net = _cnn()
        NeuronCampaign(spatial=spatial, random_state=seed).initialize(net, X, y)
        runs.append(_weights(net))
    assert _same(runs[0], runs[1])
    assert not torch.equal(runs[0][0], runs[2][0])


def test_conv_bit_identical_in_joblib_workers(digit_images):
    """Check that joblib worker processes give the weights of a plain call."""
    from joblib import Parallel, delayed

    X, y = digit_images

    def init(seed):
        net = _cnn()
        NeuronCampaign(random_state=seed).initialize(net, X[:600], y[:600])
        return [p.detach().numpy() for p in net.parameters()]

    here = [init(s) for s in (0, 1)]
    there = Parallel(n_jobs=2, backend="loky")(delayed(init)(s) for s in (0, 1))
    for a, b in zip(here, there, strict=True):
        for pa, pb in zip(a, b, strict=True):
            np.testing.assert_array_equal(pa, pb)


@pytest.mark.parametrize("spatial", ["mean", "positions"])
def test_conv_streaming_same_selection_as_one_block(digit_images, spatial):
    """Check that small chunks (a few images each) pick the filters of one block."""
    X, y = digit_images
    picks = []
    for chunk_size in (10**7, 150):
        net = _cnn()
        nc = NeuronCampaign(chunk_size=chunk_size, spatial=spatial, random_state=0)
        nc.initialize(net, X, y)
        picks.append([r["chosen"].tolist() for r in nc.report_])
    assert picks[0] == picks[1]


@pytest.mark.parametrize(
    "conv2",
    [
        {"stride": 2, "padding": 1},
        {"dilation": 2, "padding": 2},
        {"padding": 1, "padding_mode": "reflect"},
        {"padding": "same", "padding_mode": "circular"},
    ],
)
def test_conv_responses_use_layer_geometry(digit_images, conv2):
    """Check that candidates are scored on the feature maps the layer itself
    computes: with every candidate kept, the input scores are the unit-norm
    stds of the written layer's own (ReLU) output channels."""
    X, y = digit_images
    net = _cnn(**conv2)
    nc = NeuronCampaign(
        alpha=1.0, candidate_ratio=1.0, spatial="positions", random_state=0
    )
    nc.initialize(net, X, y)
    r = nc.report_[1]
    with torch.no_grad():
        maps = net[:5](torch.from_numpy(X))  # conv, relu, pool, conv, relu
    assert r["n_response_rows"] == maps.shape[0] * maps.shape[2] * maps.shape[3]
    std = maps.double().permute(1, 0, 2, 3).flatten(1).std(dim=1, correction=0)
    expected = (std / torch.linalg.vector_norm(std)).numpy()
    np.testing.assert_allclose(r["input_scores"][r["chosen"]], expected, rtol=1e-4)


def test_conv_spatial_mean_scores_image_means(digit_images):
    """Check that spatial='mean' scores each filter's per-image mean response."""
    X, y = digit_images
    net = _cnn()
    nc = NeuronCampaign(alpha=1.0, candidate_ratio=1.0, spatial="mean", random_state=0)
    nc.initialize(net, X, y)
    r = nc.report_[0]
    assert r["n_response_rows"] == len(X)
    with torch.no_grad():
        means = net[:2](torch.from_numpy(X)).double().mean(dim=(2, 3))
    std = means.std(dim=0, correction=0)
    expected = (std / torch.linalg.vector_norm(std)).numpy()
    np.testing.assert_allclose(r["input_scores"][r["chosen"]], expected, rtol=1e-4)


class _FoldPatches(nn.Module):
    """(n, 1, 2, 4, 2, 4) -> (4n, 1, 4, 4): 4x4 patches into the batch axis."""

    def forward(self, x):
        return x.permute(0, 2, 4, 1, 3, 5).reshape(-1, 1, 4, 4)


_BAD_IMAGES = {
    # (n, H, W) images without a channel axis.
    "no-channel-axis": (_cnn, lambda X: X[:, 0], r"X\[:, None\]"),
    # 3 channels for a 1-channel conv net.
    "channel-mismatch": (_cnn, lambda X: np.repeat(X, 3, axis=1), "to have 1 chan"),
    # 3-D rows that torch takes as one unbatched image of 2 channels.
    "unbatched": (
        lambda: nn.Sequential(nn.Conv2d(2, 6, 3), nn.ReLU(), nn.Conv2d(6, 10, 1)),
        lambda X: X[:, 0],
        "receives a 3-D input",
    ),
    "grouped": (lambda: _cnn(groups=2), lambda X: X, "groups=2"),
    # Flat rows for a conv net.
    "flat-rows": (_cnn, lambda X: X.reshape(len(X), -1), r"X\.reshape\(-1, chan"),
    # Each image folded into 4 patches along the batch axis before the conv:
    # the conv's rows no longer match the labels.
    "folded-batch": (
        lambda: nn.Sequential(
            nn.Unflatten(1, (1, 2, 4, 2, 4)),
            _FoldPatches(),
            nn.Conv2d(1, 4, 3, padding=1),
            nn.ReLU(),
            nn.Flatten(),
        ),
        lambda X: X.reshape(len(X), -1),
        "receives 8 rows for 2 rows of X",
    ),
}


@pytest.mark.parametrize(
    ("init", "case"),
    [(NeuronCampaign, case) for case in _BAD_IMAGES]
    # LSUV only rescales: it takes any input rank and grouped convolutions.
    + [(LSUVInit, "no-channel-axis"), (LSUVInit, "channel-mismatch")],
)
def test_conv_bad_input_clear_error_weights_unchanged(digit_images, init, case):
    """Check that bad images give a clear error and leave every weight as it was."""
    X, y = digit_images
    make_net, make_X, match = _BAD_IMAGES[case]
    net = make_net()
    before = _weights(net)
    with pytest.raises(ValueError, match=match):
        init(random_state=0).initialize(net, make_X(X), y)
    assert _same(before, _weights(net))


def test_dropout2d_between_conv_and_activation_is_skipped():
    """Check that feature dropout (an identity in eval mode) does not hide
    the activation after a conv layer."""
    net = nn.Sequential(
        nn.Conv2d(1, 4, 3), nn.Dropout2d(0.2), nn.ReLU(), nn.Flatten(),
        nn.Linear(144, 10),
    )  # fmt: skip
    X, y = load_digits(return_X_y=True)
    nc = NeuronCampaign(random_state=0)
    nc.initialize(net, (X / 16).reshape(-1, 1, 8, 8), y)
    assert [r["activation"] for r in nc.report_] == ["relu", "identity"]


@pytest.mark.parametrize("init", [HeInit(), NeuronCampaign()])
def test_other_weight_layers_warned_and_left(digit_images, init):
    """Check that layers the initializers do not handle (Conv1d here) keep
    their weights, with a warning naming them."""
    X, y = digit_images
    net = nn.Sequential(
        nn.Flatten(), nn.Unflatten(1, (1, 64)), nn.Conv1d(1, 2, 3), nn.ReLU(),
        nn.Flatten(), nn.Linear(124, 10),
    )  # fmt: skip
    before = net[2].weight.detach().clone()
    with pytest.warns(UserWarning, match="the Conv1d layers of Sequential keep"):
        init.set_params(random_state=0).initialize(net, X, y)
    assert torch.equal(net[2].weight.detach(), before)


@pytest.mark.parametrize(
    "owner", ["NCMLPClassifier", "NCInitTransformer", "InitializeWith"]
)
def test_nested_initializer_parameters_on_a_name_say_what_to_pass(owner):
    """Check that initializer__alpha on the default initializer name is a
    ValueError naming the object to pass (scikit-learn's is an
    AttributeError of str), and works with an initializer object given in
    the same call or before."""
    import sknc
    from sknc.callbacks import InitializeWith

    cls = InitializeWith if owner == "InitializeWith" else getattr(sknc, owner)
    est = cls()
    with pytest.raises(
        ValueError,
        match=r"initializer__alpha sets .* the name "
        r"'campaign': pass initializer=NeuronCampaign\(\)",
    ):
        est.set_params(initializer__alpha=0.25)
    assert est.initializer == "campaign"
    est.set_params(initializer=NeuronCampaign(), initializer__alpha=0.25)
    assert est.initializer.alpha == 0.25
    est.set_params(initializer__candidate_ratio=3)
    assert est.initializer.candidate_ratio == 3
    with pytest.raises(ValueError, match=r"pass initializer=HeInit\(\)"):
        cls(initializer="he").set_params(initializer__random_state=0)


def test_output_rows_follow_the_labels_when_classes_are_missing():
    """Check that the output neuron picked for a class lands on that class's
    row when y lacks classes of the output layer: integer labels are their
    rows (labels {0, 3, 7} of a 10-row layer), and a classifier's first
    partial_fit on rows without one of its string classes puts the first
    neuron of every class that got one on the row of its label in
    classes_."""
    from sknc import NCMLPClassifier

    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 6)).astype(np.float32)
    y = np.array([0, 3, 7])[rng.randint(0, 3, size=300)]
    X[:, 0] += y  # the classes differ
    net = nn.Sequential(nn.Linear(6, 12), nn.ReLU(), nn.Linear(12, 10))
    nc = NeuronCampaign(random_state=0).initialize(net, X, y)
    out = nc.report_[-1]
    labels = nc.classes_[out["chosen_classes"]]
    for row in (0, 3, 7):
        assert labels[row] == row

    names = np.array(["ant", "bee", "cat", "dog"])
    clf = NCMLPClassifier(hidden_layer_sizes=(12,), random_state=0)
    present = names[[0, 2, 3]][np.searchsorted([0, 3, 7], y)]  # no "bee"
    clf.partial_fit(X, present, classes=names)
    out = clf.initializer_.report_[-1]
    placed = clf.initializer_.classes_[out["chosen_classes"]]
    assert list(clf.initializer_._output_labels) == list(clf.classes_)
    for row, label in enumerate(clf.classes_):
        if label in placed:  # a class may get no output neuron of its own
            assert placed[row] == label, (row, label)


@pytest.mark.parametrize(
    ("output", "flips"),
    [(None, True), (nn.Tanh, True), (nn.Sigmoid, True), (nn.ReLU, False)],
)
def test_single_output_for_two_classes_scores_the_second(output, flips):
    """Check that a one-output layer for two classes (a sigmoid's logit, as
    skorch's NeuralNetBinaryClassifier trains) starts as a score of class 1
    for every seed: a neuron picked for class 0 is flipped where a flip
    reverses its response (identity, tanh, logistic at bias 0); a ReLU
    output is left as picked. Without the flip about half the seeds
    started anti-correlated with y (10 seeds of the same data: 5 with 16
    hidden units, 7 with 32)."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.preprocessing import StandardScaler

    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X).astype(np.float32)
    flipped = 0
    for seed in range(8):
        layers = [nn.Linear(30, 16), nn.ReLU(), nn.Linear(16, 1)]
        net = nn.Sequential(*layers, *([output()] if output else []))
        nc = NeuronCampaign(random_state=seed).initialize(net, X, y)
        with torch.no_grad():
            z = net(torch.from_numpy(X))[:, 0].numpy()
        picked_for = nc.report_[-1]["chosen_classes"][0]
        flipped += picked_for == 0
        gap = z[y == 1].mean() - z[y == 0].mean()
        if flips or picked_for == 1:
            assert gap > 0, seed
        else:
            assert gap <= 0, seed  # as picked: the score of class 0
    assert 0 < flipped < 8  # both cases were met


@pytest.mark.parametrize(
    "make", [lambda: NeuronCampaign(random_state=0), lambda: LSUVInit(random_state=0)]
)
def test_layers_the_forward_does_not_call_are_named_in_a_warning(make):
    """Check that a data-dependent initializer warns, naming them, about
    layers the module's eval-mode forward never calls (an auxiliary head),
    and leaves them exactly as they were."""

    class WithAuxHead(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
            self.aux = nn.Linear(8, 2)

        def forward(self, x):
            return self.body(x)

    rng = np.random.RandomState(0)
    X = rng.rand(60, 4).astype(np.float32)
    y = np.arange(60) % 3
    net = WithAuxHead()
    before = net.aux.weight.detach().clone()
    with pytest.warns(
        UserWarning, match=r"no call of the layers \['aux'\]: they are left"
    ):
        make().initialize(net, X, y)
    assert torch.equal(net.aux.weight, before)


@pytest.mark.parametrize("make", [LSUVInit, NeuronCampaign])
@pytest.mark.parametrize("max_samples", [None, 500])
def test_in_place_module_changes_neither_X_nor_the_result(make, max_samples):
    """Check that a module which changes its input in place (an in-place
    activation first) leaves the caller's X as it was, numpy array or
    tensor, and is initialized exactly as its out-of-place twin (before,
    LSUV measured rows its own passes had already changed, and the trace
    batch was a view of X's first rows)."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = (X / 8 - 1).astype(np.float32)  # negative values, which LeakyReLU changes
    results = []
    for in_place in (False, True):
        for as_tensor in (False, True):
            net = nn.Sequential(
                nn.LeakyReLU(0.1, inplace=in_place),
                nn.Linear(64, 32),
                nn.ReLU(),
                nn.Linear(32, 10),
            )
            Xc = torch.from_numpy(X.copy()) if as_tensor else X.copy()
            init = make(random_state=0, max_samples=max_samples)
            if make is LSUVInit:
                init.initialize(net, Xc)
            else:
                init.initialize(net, Xc, y)
            np.testing.assert_array_equal(np.asarray(Xc), X)
            results.append(net.state_dict())
    for other in results[1:]:
        for name, value in results[0].items():
            assert torch.equal(value, other[name]), name


def _tied():
    net = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(),
                        nn.Linear(8, 3))  # fmt: skip
    net[2].weight = net[0].weight
    return net


def _weight_normed(kind):
    net = nn.Sequential(nn.Linear(8, 6), nn.ReLU(), nn.Linear(6, 3))
    if kind == "parametrization":
        nn.utils.parametrizations.weight_norm(net[0])
    else:
        nn.utils.weight_norm(net[0])
    return net


@pytest.mark.parametrize("name", ["he", "xavier", "orthogonal", "lsuv", "campaign"])
@pytest.mark.parametrize(
    "make, match",
    [
        (_tied, r"weight of layer '0' is shared by the modules '0', '2'"),
        (lambda: _weight_normed("parametrization"), "layer '0' .*computed weight"),
        (lambda: _weight_normed("hook"), "layer '0' .*computed weight"),
    ],
)
def test_weights_that_cannot_be_written_are_refused(name, make, match):
    """Check that tied weights and parametrized (weight-normed) weights are
    refused with the layer named and what to do, before any work, and the
    module left as it was (before: the writes to a computed weight were
    lost silently, and a tied weight got the second layer's picks)."""
    import warnings

    from sknc._initializers import get_initializer

    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 8)).astype(np.float32)
    y = np.arange(60) % 3
    net = make()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # the old weight_norm
        with pytest.raises(ValueError, match=match):
            get_initializer(name, random_state=0).initialize(net, X, y)
    for k, v in net.state_dict().items():
        assert torch.equal(v, before[k]), k


def test_bias_on_layers_without_bias_is_scored_as_computed():
    """Check that a nonzero campaign bias on a layer without a bias
    parameter warns, and that the layer is scored with the bias it has, 0:
    its scores are those of bias=0 (before, it was scored with a bias the
    network never applies, and the chosen neurons differed)."""
    X, y = load_digits(return_X_y=True)
    X = (X[:400] / 16).astype(np.float32)
    y = y[:400]

    def run(bias):
        torch.manual_seed(0)
        net = nn.Sequential(
            nn.Linear(64, 16, bias=False), nn.ReLU(), nn.Linear(16, 10, bias=False)
        )
        init = NeuronCampaign(bias=bias, random_state=0, max_samples=None)
        return init.initialize(net, X, y).report_, net

    match = r"layers \['0', '2'\] have no bias parameter.*bias=0.5"
    with pytest.warns(UserWarning, match=match):
        report, net = run(0.5)
    base_report, base_net = run(0.0)
    for a, b in zip(report, base_report):
        np.testing.assert_array_equal(a["chosen"], b["chosen"])
        np.testing.assert_array_equal(a["scores"], b["scores"])
    for a, b in zip(net.parameters(), base_net.parameters()):
        assert torch.equal(a, b)


class _Aliased(nn.Module):
    """One layer held under two names (``head`` is ``body[2]``)."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(8, 6), nn.ReLU(), nn.Linear(6, 3))
        self.head = self.body[2]

    def forward(self, x):
        return self.body(x)


@pytest.mark.parametrize("name", ["he", "lsuv", "campaign"])
def test_a_layer_under_two_names_is_not_tied(name):
    """Check that a layer registered under two names is one layer, not tied
    weights: it is initialized as the same module without the alias."""
    from sknc._initializers import get_initializer

    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 8)).astype(np.float32)
    y = np.arange(60) % 3
    aliased = _Aliased()
    plain = copy.deepcopy(aliased.body)
    get_initializer(name, random_state=0).initialize(aliased, X, y)
    get_initializer(name, random_state=0).initialize(plain, X, y)
    for a, b in zip(aliased.body.parameters(), plain.parameters()):
        assert torch.equal(a, b)
