"""NCMLPRegressor and the campaign for real-valued targets (sknc._mlp,
sknc._base.BaseNCRegressor, the target criteria of sknc._campaign and
NeuronCampaign(target=...))."""

import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes, load_digits, make_friedman1
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, KFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from torch import nn

from sknc import NCMLPRegressor, NeuronCampaign
from sknc._campaign import ResponseStats, TargetStats
from sknc._skorch import WeightedSquaredError, weighted_targets


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X).astype(np.float32)
    return X, (y - y.mean()) / y.std()


def _reg(**kw):
    params = dict(hidden_layer_sizes=(16,), max_epochs=5, tol=None, random_state=0)
    return NCMLPRegressor(**{**params, **kw})


def _net(n_in, n_out, seed=0):
    gen = torch.Generator().manual_seed(seed)
    net = nn.Sequential(nn.Linear(n_in, 20), nn.ReLU(), nn.Linear(20, n_out))
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=gen))
    return net


# -- the target criteria ---------------------------------------------------


def _explained(A, Y):
    A = torch.as_tensor(A, dtype=torch.float64)
    Y = torch.as_tensor(Y, dtype=torch.float64).reshape(len(A), -1)
    Yc = Y - Y.mean(dim=0)
    stats = ResponseStats.empty(1, A.shape[1])
    target = TargetStats.empty(Yc, None, A.shape[1])
    target.update(A, Yc)
    stats.update(A.clone(), torch.zeros(len(A), dtype=torch.int64))
    return target.explained(stats).numpy()


def test_explained_is_one_for_affine_and_near_zero_for_independent():
    """Check the correlation criterion: a response that is an exact affine
    function of y explains all of it (1, to 1e-12); one drawn independently
    of y about 1/n (below 2e-3 at n = 20 000, > 10 standard deviations); a
    constant response nothing (exactly 0)."""
    rng = np.random.RandomState(0)
    y = rng.normal(size=20000)
    A = np.column_stack(
        [3.0 * y - 2.0, -0.5 * y, rng.normal(size=20000), np.ones(20000)]
    )
    r2 = _explained(A, y)
    np.testing.assert_allclose(r2[:2], 1.0, rtol=0, atol=1e-12)
    assert 0 <= r2[2] < 2e-3
    assert r2[3] == 0.0


def test_explained_sums_squared_correlations_over_outputs():
    """Check the multi-output criterion against numpy's correlations:
    sum_j corr(a, y_j)^2, to 1e-10."""
    rng = np.random.RandomState(1)
    Y = rng.normal(size=(500, 3))
    A = Y @ rng.normal(size=(3, 5)) + rng.normal(size=(500, 5))
    expected = [
        sum(np.corrcoef(A[:, i], Y[:, j])[0, 1] ** 2 for j in range(3))
        for i in range(5)
    ]
    np.testing.assert_allclose(_explained(A, Y), expected, rtol=1e-10, atol=0)


def test_correlations_are_signed_and_match_outputs_pairs_them():
    """Check TargetStats.correlations against numpy's (signed, to 1e-10;
    exactly 0 for a constant response) and match_outputs on small exact
    cases: the pairing of largest summed squares, its signs, ties to the
    lower index, None where neurons and outputs differ in number."""
    from sknc._campaign import match_outputs

    rng = np.random.RandomState(2)
    Y = rng.normal(size=(400, 2))
    A = np.column_stack([-Y[:, 1] + rng.normal(size=400), Y[:, 0], np.ones(400)])
    Yc = torch.as_tensor(Y - Y.mean(axis=0))
    stats = ResponseStats.empty(1, 3)
    stats.update(torch.as_tensor(A), torch.zeros(400, dtype=torch.int64))
    target = TargetStats.empty(Yc, None, 3)
    target.update(torch.as_tensor(A), Yc)
    corr = target.correlations(stats)
    expected = [
        [np.corrcoef(A[:, i], Y[:, j])[0, 1] for i in range(2)] for j in range(2)
    ]
    np.testing.assert_allclose(corr[:, :2].numpy(), expected, rtol=1e-10, atol=0)
    assert (corr[:, 2] == 0).all()
    order, signs = match_outputs(corr[:, :2])
    assert order.tolist() == [1, 0] and signs.tolist() == [1.0, -1.0]
    order, signs = match_outputs(torch.tensor([[0.5, -0.5], [0.5, 0.5]]))
    assert order.tolist() == [0, 1] and signs.tolist() == [1.0, 1.0]
    assert match_outputs(corr) == (None, None)


def test_regressor_outputs_start_moving_with_their_targets(diabetes):
    """Check that before training each output correlates positively with
    its own target: on the diabetes for 10 seeds (before the fix about half
    started anti-correlated), and with 3 targets, where output j also gets
    the neuron of the pairing of largest summed squared correlations."""
    import itertools

    X, y = diabetes
    for seed in range(10):
        pred = NCMLPRegressor(max_epochs=0, random_state=seed).fit(X, y).predict(X)
        assert np.corrcoef(pred, y)[0, 1] > 0.1, seed
    Y = np.column_stack([X[:, 2] + X[:, 3], X[:, 8] - X[:, 4], np.sin(3 * X[:, 0])])
    pred = NCMLPRegressor(max_epochs=0, random_state=0).fit(X, Y).predict(X)
    C = np.array(
        [[np.corrcoef(pred[:, a], Y[:, b])[0, 1] for a in range(3)] for b in range(3)]
    )
    assert (np.diag(C) > 0).all()
    best = max(
        itertools.permutations(range(3)),
        key=lambda p: sum(C[j, p[j]] ** 2 for j in range(3)),
    )
    assert best == (0, 1, 2)


def test_binned_on_k_values_selects_as_the_classifier_campaign():
    """Check that target="binned" on a y of k distinct real values selects
    exactly as the class campaign on those k classes: the same subset, the
    same candidates, the same neurons, bit-identical weights."""
    X, labels = load_digits(return_X_y=True)
    X = (X / 16).astype(np.float32)
    y_real = 0.25 + 1.5 * labels  # ten distinct real values, in label order
    a, b = _net(64, 10), _net(64, 10)
    common = dict(random_state=0, max_samples=600)
    ra = NeuronCampaign(**common).initialize(a, X, labels).report_
    campaign = NeuronCampaign(target="binned", n_bins=10, **common)
    rb = campaign.initialize(b, X, y_real).report_
    for la, lb in zip(ra, rb):
        np.testing.assert_array_equal(la["chosen"], lb["chosen"])
        np.testing.assert_array_equal(la["scores"], lb["scores"])
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)
    assert campaign.target_ == "binned"


@pytest.mark.parametrize("target", ["binned", "correlation"])
def test_integer_weights_are_repeated_rows_for_real_targets(target):
    """Check that, scoring every row, integer sample weights give the
    weights of the rows repeated, bit for bit, for both real-valued
    criteria (the binned one cuts its equal-mass bins on the weights)."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 6))
    y = 2 * X[:, 0] + X[:, 1] ** 2
    w = rng.randint(0, 3, size=300).astype(float)
    rep = np.repeat(np.arange(300), w.astype(int))
    a, b = _net(6, 1), _net(6, 1)
    init = NeuronCampaign(target=target, max_samples=None, random_state=0)
    init.initialize(a, X, y, sample_weight=w)
    init.initialize(b, X[rep], y[rep])
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.equal(p, q)


def test_binned_bins_do_not_depend_on_the_scale_of_the_weights(diabetes):
    """Check that weights summing to 1 (or to 0.01 a row) cut y into as many
    bins as no weights (10 here), rather than failing for want of a mass of
    2 per bin."""
    from sknc._initializers import _target_bins

    X, y = diabetes
    plain = _target_bins(y, 10)
    assert plain.max() + 1 == 10
    for w in (np.full(len(y), 1 / len(y)), np.full(len(y), 0.01)):
        assert _target_bins(y, 10, weights=w).max() + 1 == 10
    NeuronCampaign(target="binned", random_state=0).initialize(
        _net(10, 1), X, y, sample_weight=np.full(len(y), 1 / len(y))
    )


def test_auto_target_follows_the_values_and_the_estimator(diabetes):
    """Check target="auto": non-integer floats are a regression, integer
    labels classes; in NCMLPRegressor an integer y is a regression too (the
    estimator decides, not the values)."""
    X, y = diabetes
    direct = NeuronCampaign(random_state=0).initialize(_net(10, 1), X, y)
    assert direct.target_ == "correlation"
    codes = (y > 0).astype(int)
    assert NeuronCampaign().initialize(_net(10, 2), X, codes).target_ == "classes"
    reg = _reg().fit(X, np.round(3 * y))  # integers, taken as real targets
    assert reg.initializer_.target_ == "correlation"
    binned = _reg(initializer=NeuronCampaign(target="binned")).fit(X, y)
    assert binned.initializer_.target_ == "binned"


def test_correlation_campaign_prefers_neurons_that_follow_y():
    """Check that with alpha=0 the chosen first-layer neurons explain more of
    y than the candidates left out (mean explained share)."""
    X, y = make_friedman1(n_samples=800, noise=0.5, random_state=0)
    X = X.astype(np.float32)
    campaign = NeuronCampaign(alpha=0.0, random_state=0, target="correlation")
    report = campaign.initialize(_net(10, 1), X, y).report_[0]
    chosen = np.zeros(report["n_candidates"], bool)
    chosen[report["chosen"]] = True
    scores = report["target_scores"]
    assert scores[chosen].mean() > scores[~chosen].mean()


# -- the estimator -----------------------------------------------------------


def test_regressor_fits_and_predicts_shapes(diabetes):
    """Check predict's shape (1-D for one output, 2-D for several), score
    (R^2) and n_outputs_."""
    X, y = diabetes
    reg = _reg().fit(X, y)
    assert reg.predict(X).shape == (len(X),) and reg.n_outputs_ == 1
    assert reg.score(X, y) == pytest.approx(r2_score(y, reg.predict(X)), abs=1e-12)
    Y = np.column_stack([y, -y + 0.1 * X[:, 0]])
    multi = _reg(max_epochs=40).fit(X, Y)
    assert multi.predict(X).shape == (len(X), 2) and multi.n_outputs_ == 2
    assert multi.score(X, Y) > 0.3


def test_regressor_beats_the_mean_on_diabetes(diabetes):
    """Check that the default regressor learns: held-out R^2 above 0.3
    (MLPRegressor's is 0.46 on 5 folds of the same data; see the docs)."""
    X, y = diabetes
    reg = NCMLPRegressor(random_state=0).fit(X[:340], y[:340])
    assert reg.score(X[340:], y[340:]) > 0.3


def test_weighted_squared_error_matches_repeated_rows():
    """Check the loss: half the mean squared error (sklearn's), and integer
    weights equal repeated rows (float32, rtol 1e-6)."""
    gen = torch.Generator().manual_seed(0)
    pred = torch.randn(10, 2, generator=gen)
    y = torch.randn(10, 2, generator=gen)
    loss = WeightedSquaredError(2)
    assert torch.equal(loss(pred, y), 0.5 * ((pred - y) ** 2).mean())
    w = torch.tensor([1, 0, 2, 3, 1, 1, 0, 4, 1, 2])
    weighted = loss(pred, torch.from_numpy(weighted_targets(y.numpy(), w.numpy())))
    repeated = loss(pred.repeat_interleave(w, 0), y.repeat_interleave(w, 0))
    torch.testing.assert_close(weighted, repeated, rtol=1e-6, atol=0)


def test_unit_weights_change_nothing_and_weights_matter(diabetes):
    """Check that unit weights give bitwise the unweighted fit, and that
    other weights change it."""
    X, y = diabetes
    plain = _reg().fit(X, y).predict(X)
    np.testing.assert_array_equal(
        _reg().fit(X, y, sample_weight=np.ones(len(y))).predict(X), plain
    )
    w = np.random.RandomState(0).rand(len(y))
    assert not np.allclose(_reg().fit(X, y, sample_weight=w).predict(X), plain)


def test_early_stopping_watches_validation_r2(diabetes):
    """Check that early stopping records the validation R^2 and keeps the
    weights of the best epoch."""
    X, y = diabetes
    reg = _reg(early_stopping=True, max_epochs=8, validation_fraction=0.25)
    reg.fit(X, y)
    valid = reg.net_.train_split.keywords["valid_ds"]
    best = r2_score(valid.y, reg.predict(valid.X))
    assert best == pytest.approx(reg.best_validation_score_, abs=1e-5)
    assert reg.validation_scores_ == list(reg.history_[:, "valid_r2"])
    assert reg.best_loss_ is None


def test_warm_start_and_partial_fit(diabetes):
    """Check warm_start continuation and partial_fit epochs, and that a warm
    fit with another number of outputs is refused with the fit kept."""
    X, y = diabetes
    reg = _reg(warm_start=True, max_epochs=2).fit(X, y)
    reg.fit(X, y)
    assert len(reg.loss_curve_) == 4 and reg.n_iter_ == 2
    reg.partial_fit(X, y)
    assert len(reg.loss_curve_) == 5 and reg.n_iter_ == 1
    reg.partial_fit(X[:1], y[:1])  # a one-row batch continues training
    assert len(reg.loss_curve_) == 6
    before = reg.predict(X)
    with pytest.raises(ValueError, match="y has 2 outputs; the fitted model has 1"):
        reg.fit(X, np.column_stack([y, y]))
    np.testing.assert_array_equal(reg.predict(X), before)


@pytest.mark.parametrize(
    "y_fn, match",
    [
        (lambda y: np.where(np.arange(len(y)) == 5, np.nan, y), "NaN"),
        (lambda y: np.where(np.arange(len(y)) == 5, np.inf, y), "infinity|infinite"),
        (lambda y: y[:-3], "inconsistent numbers of samples"),
        (lambda y: np.full(len(y), 2.5), "y is constant"),
        (
            lambda y: np.array(["a", "b"] * (len(y) // 2) + ["a"] * (len(y) % 2)),
            "real numbers|could not convert",
        ),
    ],
    ids=["nan", "inf", "length", "constant", "strings"],
)
def test_bad_targets_are_named_and_keep_the_fit(diabetes, y_fn, match):
    """Check that bad y raises a ValueError naming the problem and that the
    previous fit stays exactly as it was."""
    X, y = diabetes
    reg = _reg().fit(X, y)
    before = reg.predict(X)
    with pytest.raises(ValueError, match=match):
        reg.fit(X, y_fn(y))
    np.testing.assert_array_equal(reg.predict(X), before)


def test_constant_or_one_row_targets_train_without_the_campaign(diabetes):
    """Check that, as scikit-learn's MLPRegressor, a data-free initializer
    trains on a constant target (predictions move towards it) and on a
    first partial_fit of one row, while the campaign, which needs targets
    that vary, refuses a constant one naming it."""
    X, y = diabetes
    reg = _reg(initializer="he", max_epochs=30).fit(X, np.full(len(y), 2.5))
    first = _reg(initializer="he", max_epochs=0).fit(X, np.full(len(y), 2.5))
    assert np.abs(reg.predict(X) - 2.5).mean() < np.abs(first.predict(X) - 2.5).mean()
    _reg(initializer="he").partial_fit(X[:1], y[:1])
    with pytest.raises(ValueError, match="NeuronCampaign: y is constant"):
        _reg().fit(X, np.full(len(y), 2.5))


def test_bad_targets_leave_the_campaign_weights(diabetes):
    """Check that NeuronCampaign refuses bad real targets with the module's
    weights unchanged."""
    X, y = diabetes
    net = _net(10, 1)
    before = [p.detach().clone() for p in net.parameters()]
    for bad in (np.full(len(y), 1.5), np.where(np.arange(len(y)) == 0, np.nan, y)):
        with pytest.raises(ValueError, match="constant|NaN"):
            NeuronCampaign(target="correlation").initialize(net, X, bad)
    assert all(torch.equal(p, b) for p, b in zip(net.parameters(), before))


# -- in scikit-learn's tools ------------------------------------------------


def _pipeline(**kw):
    reg = _reg(initializer=NeuronCampaign(), max_epochs=30, **kw)
    return TransformedTargetRegressor(
        make_pipeline(StandardScaler(), reg), transformer=StandardScaler()
    )


def test_grid_search_cross_validate_and_pickle(diabetes):
    """Check a GridSearchCV over alpha x target in a Pipeline (the best
    estimator really uses the winning values), cross_validate with r2, and
    pickling of a fitted model."""
    X, y = load_diabetes(return_X_y=True)
    grid = GridSearchCV(
        _pipeline(),
        {
            "regressor__ncmlpregressor__initializer__alpha": [0.0, 1.0],
            "regressor__ncmlpregressor__initializer__target": ["binned", "correlation"],
        },
        cv=KFold(3, shuffle=True, random_state=0),
        scoring="r2",
    ).fit(X, y)
    best = grid.best_estimator_.regressor_[-1].initializer_
    params = grid.best_params_
    assert best.alpha_[0] == params["regressor__ncmlpregressor__initializer__alpha"]
    assert best.target_ == params["regressor__ncmlpregressor__initializer__target"]
    scores = cross_validate(_pipeline(), X, y, cv=3, scoring="r2")["test_score"]
    assert scores.shape == (3,) and np.all(scores > 0)
    model = grid.best_estimator_
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(model)).predict(X), model.predict(X)
    )


def test_same_seed_same_result_sequential_and_in_workers(diabetes):
    """Check bit-identical cross-validation results for the same random_state,
    run sequentially and in two joblib workers."""
    X, y = load_diabetes(return_X_y=True)
    cv = KFold(3, shuffle=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one = cross_validate(_pipeline(), X, y, cv=cv, scoring="r2", n_jobs=1)
        two = cross_validate(_pipeline(), X, y, cv=cv, scoring="r2", n_jobs=2)
    np.testing.assert_array_equal(one["test_score"], two["test_score"])
    a = clone(_pipeline()).fit(X, y).predict(X)
    np.testing.assert_array_equal(a, clone(_pipeline()).fit(X, y).predict(X))


@pytest.mark.parametrize("n_rows", [3, 100, 3000])
def test_correlation_campaign_needs_no_bins(n_rows):
    """Check that targets with too many ties for 2 bins of 2 rows (zero-
    inflated, or 3 rows) train with the default correlation criterion: the
    bins only stratify a subset, and a subset of such targets is a plain
    random one (3000 rows > max_samples); "binned" still refuses them."""
    rng = np.random.RandomState(0)
    X = rng.rand(n_rows, 3).astype(np.float32)
    y = np.zeros(n_rows)
    y[-1] = 5.0
    reg = _reg(max_epochs=1).fit(X, y)
    assert reg.initializer_.report_[0]["n_rows"] == min(n_rows, 2000)
    with pytest.raises(ValueError, match="cannot be cut into bins"):
        NeuronCampaign(target="binned").initialize(nn.Linear(3, 2), X, y)


def test_early_stopping_needs_two_validation_rows(diabetes):
    """Check scikit-learn's rule: a validation set of one row (its R^2 is
    undefined, so no epoch could be best) is refused before training,
    naming validation_fraction; two rows train."""
    X, y = diabetes
    with pytest.raises(
        ValueError, match="validation set is too small.*validation_fraction"
    ):
        _reg(early_stopping=True).fit(X[:9], y[:9])
    reg = _reg(early_stopping=True, max_epochs=2).fit(X[:19], y[:19])
    assert np.isfinite(reg.validation_scores_).all()


def test_partial_fit_outputs_message_fits_partial_fit(diabetes):
    """Check that a partial_fit with another number of outputs says that
    fit starts afresh (warm_start does not govern partial_fit)."""
    X, y = diabetes
    reg = _reg().partial_fit(X, np.c_[y, y])
    with pytest.raises(
        ValueError, match=r"1 outputs; the fitted model has 2 \(fit starts afresh"
    ):
        reg.partial_fit(X, y)


def test_targets_the_campaign_cannot_score_say_what_to_pass():
    """Check that a first partial_fit batch the regression campaign cannot
    score (one row; equal targets), which scikit-learn's MLPRegressor fits,
    is refused naming the initializers that fit it, and that those do."""
    X = np.random.RandomState(0).normal(size=(6, 3)).astype(np.float32)
    for X_batch, y_batch in ((X[:1], [1.0]), (X, np.zeros(6))):
        with pytest.raises(ValueError, match="initializer='xavier'"):
            NCMLPRegressor(hidden_layer_sizes=(4,)).partial_fit(X_batch, y_batch)
        reg = NCMLPRegressor(hidden_layer_sizes=(4,), initializer="xavier")
        assert reg.partial_fit(X_batch, y_batch).n_iter_ == 1


@pytest.mark.parametrize("scale", [5e18, 1e19, 1e30])
def test_targets_too_large_for_float32_training_are_named(scale):
    """Check that a y whose batch of squared errors overflows float32
    training (the loss sums a batch's squares before dividing: with 200
    rows, from targets of about 1.3e18) is refused naming y and how to
    scale it (before: the divergence message about large values in the
    input data), and the previous fit kept; smaller targets still fit."""
    X = np.random.RandomState(0).normal(size=(400, 3)).astype(np.float32)
    y = np.sign(X[:, 0]).astype(np.float64)  # |y| = 1 on every row
    reg = NCMLPRegressor(hidden_layer_sizes=(4,), max_epochs=2).fit(X, y)
    before = reg.predict(X)
    with pytest.raises(ValueError, match="y has values up to .*TransformedTarget"):
        reg.fit(X, y * scale)
    np.testing.assert_array_equal(reg.predict(X), before)
    NCMLPRegressor(hidden_layer_sizes=(4,), max_epochs=2, tol=None).fit(X, y * 1e18)
