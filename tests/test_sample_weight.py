"""Sample weights, class weights, metadata routing, the training record and
warm_start of the classifiers (sknc._base, sknc._skorch, the weighted
statistics of sknc._campaign)."""

import warnings

import numpy as np
import pytest
import sklearn
import torch
from sklearn.datasets import load_digits
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.utils.class_weight import compute_class_weight
from torch import nn

from sknc import (
    LSUVInit,
    NCCNNClassifier,
    NCInitTransformer,
    NCMLPClassifier,
    NCMLPRegressor,
    NeuronCampaign,
)
from sknc._campaign import ResponseStats
from sknc._skorch import WeightedCrossEntropy, weighted_targets


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X[:300] / 16).astype(np.float32), y[:300]


def _net(seed=0):
    torch.manual_seed(seed)  # only the starting weights, overwritten below
    return nn.Sequential(nn.Linear(64, 20), nn.ReLU(), nn.Linear(20, 10))


def _params(net):
    return [p.detach().clone() for p in net.parameters()]


def _clf(**kw):
    params = dict(hidden_layer_sizes=(16,), max_epochs=5, tol=None, random_state=0)
    return NCMLPClassifier(**{**params, **kw})


# -- the campaign's statistics -------------------------------------------------


def test_weighted_stats_equal_repeated_rows_exactly():
    """Check that integer weights give exactly (bitwise) the statistics of
    repeated rows where the arithmetic is exact: integer responses, and
    per-class weight totals that are powers of two (so that the class means
    and deviations are exact binary fractions)."""
    gen = torch.Generator().manual_seed(0)
    A = torch.randint(-8, 9, (12, 5), generator=gen).float()
    y = torch.tensor([0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2])
    w = torch.tensor([1.0, 2, 1, 4, 1, 1, 2, 1, 1, 0, 4, 2])  # totals 4, 8, 8
    weighted = ResponseStats.empty(3, 5).update(A, y, weights=w)
    reps = w.long()
    repeated = ResponseStats.empty(3, 5).update(
        A.repeat_interleave(reps, dim=0), y.repeat_interleave(reps)
    )
    assert torch.equal(weighted.counts, repeated.counts)
    assert torch.equal(weighted.means, repeated.means)
    assert torch.equal(weighted.m2, repeated.m2)
    assert weighted.rows == 12 and repeated.rows == int(w.sum())


def test_weighted_stats_of_shuffled_chunks_match_one_pass():
    """Check that weighted statistics do not depend on chunking or row order
    (float64 merges; tolerance 1e-12 relative)."""
    gen = torch.Generator().manual_seed(1)
    A = torch.randn(40, 6, generator=gen, dtype=torch.float64)
    y = torch.randint(0, 3, (40,), generator=gen)
    w = torch.rand(40, generator=gen, dtype=torch.float64)
    whole = ResponseStats.empty(3, 6).update(A, y, weights=w)
    perm = torch.randperm(40, generator=gen)
    parts = ResponseStats.empty(3, 6)
    for chunk in perm.split(7):
        parts.update(A[chunk], y[chunk], weights=w[chunk])
    for a, b in [(whole.counts, parts.counts), (whole.means, parts.means)]:
        torch.testing.assert_close(a, b, rtol=1e-12, atol=0)
    torch.testing.assert_close(whole.m2, parts.m2, rtol=1e-12, atol=0)
    # And the weighted formulas themselves, for class 0.
    sel = y == 0
    mean = (w[sel, None] * A[sel]).sum(0) / w[sel].sum()
    m2 = (w[sel, None] * (A[sel] - mean) ** 2).sum(0)
    torch.testing.assert_close(whole.means[0], mean, rtol=1e-12, atol=0)
    torch.testing.assert_close(whole.m2[0], m2, rtol=1e-12, atol=0)


@pytest.mark.parametrize("rescale", ["norm", "lsuv"])
def test_integer_weights_select_as_repeated_rows(digits, rescale):
    """Check that integer sample_weight w gives the campaign selection of the
    rows repeated w times (same candidates chosen in every layer, scores
    equal to float32 rounding, 1e-6)."""
    X, y = digits
    w = np.random.RandomState(0).randint(0, 4, size=len(y))
    campaign = dict(random_state=0, max_samples=None, rescale=rescale)
    a, b = _net(), _net()
    ra = NeuronCampaign(**campaign).initialize(a, X, y, sample_weight=w).report_
    rb = (
        NeuronCampaign(**campaign)
        .initialize(b, np.repeat(X, w, axis=0), np.repeat(y, w))
        .report_
    )
    for la, lb in zip(ra, rb):
        np.testing.assert_array_equal(la["chosen"], lb["chosen"])
        np.testing.assert_allclose(la["scores"], lb["scores"], rtol=0, atol=1e-6)
    for pa, pb in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(pa, pb, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(
    "initializer",
    [
        NeuronCampaign(random_state=0),
        NeuronCampaign(random_state=0, max_samples=100),
        LSUVInit(random_state=0, max_samples=100),
    ],
    ids=["campaign", "campaign-subset", "lsuv"],
)
def test_zero_weights_equal_dropping_the_rows(digits, initializer):
    """Check that rows of weight 0 are the same as rows left out: bitwise
    the same weights, also when a stratified subset is drawn."""
    X, y = digits
    w = np.ones(len(y))
    w[::3] = 0
    a, b = _net(), _net()
    initializer.initialize(a, X, y, sample_weight=w)
    keep = w > 0
    initializer.initialize(b, X[keep], y[keep])
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)


def test_weights_of_one_class_row_count_as_rows(digits):
    """Check that a class with one row of weight 2 is scored (as two repeated
    rows would be), and one row of weight 1 is refused with the rule."""
    X, y = digits
    w = np.ones(len(y))
    w[y == 3] = 0
    w[np.flatnonzero(y == 3)[0]] = 2.0
    NeuronCampaign(random_state=0).initialize(_net(), X, y, sample_weight=w)
    w[np.flatnonzero(y == 3)[0]] = 1.0
    with pytest.raises(ValueError, match="at least 2 scoring rows"):
        NeuronCampaign(random_state=0).initialize(_net(), X, y, sample_weight=w)


@pytest.mark.parametrize(
    "sample_weight, match",
    [
        (np.ones(5), "inconsistent numbers of samples|Found input variables|shape"),
        (-np.ones(300), "Negative values in data passed to `sample_weight`"),
        (np.full(300, np.nan), "NaN"),
        (np.zeros(300), "Sample weights must contain at least one non-zero"),
    ],
    ids=["length", "negative", "nan", "all zero"],
)
def test_bad_sample_weight_is_named_and_leaves_the_weights(
    digits, sample_weight, match
):
    """Check that bad weights raise a ValueError naming them, with the
    module's weights unchanged."""
    X, y = digits
    net = _net()
    before = _params(net)
    with pytest.raises(ValueError, match=match):
        NeuronCampaign(random_state=0).initialize(
            net, X, y, sample_weight=sample_weight
        )
    assert all(torch.equal(p, b) for p, b in zip(net.parameters(), before))


# -- the loss ------------------------------------------------------------------


def test_weighted_batch_loss_equals_repeated_rows():
    """Check sklearn's normalization, sum(w * loss) / sum(w): integer weights
    give the loss of the repeated rows, zero weights the loss without those
    rows, and scaling all weights changes nothing (float32, rtol 1e-6)."""
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(12, 4, generator=gen)
    codes = torch.randint(0, 4, (12,), generator=gen)
    w = torch.tensor([1, 2, 0, 3, 1, 1, 0, 2, 1, 4, 1, 1])
    loss = WeightedCrossEntropy()
    target = torch.from_numpy(weighted_targets(codes.numpy(), w.numpy()))
    weighted = loss(logits, target)
    repeated = loss(logits.repeat_interleave(w, 0), codes.repeat_interleave(w))
    torch.testing.assert_close(weighted, repeated, rtol=1e-6, atol=0)
    keep = w > 0
    kept = torch.from_numpy(weighted_targets(codes[keep].numpy(), w[keep].numpy()))
    torch.testing.assert_close(weighted, loss(logits[keep], kept), rtol=1e-6, atol=0)
    scaled = torch.from_numpy(weighted_targets(codes.numpy(), 7.5 * w.numpy()))
    torch.testing.assert_close(loss(logits, scaled), weighted, rtol=1e-6, atol=0)
    # Plain codes: exactly torch's mean cross-entropy.
    assert torch.equal(loss(logits, codes), nn.CrossEntropyLoss()(logits, codes))
    # A batch of zero weights: loss 0, no gradient.
    zero = torch.from_numpy(weighted_targets(codes.numpy(), np.zeros(12)))
    assert float(loss(logits, zero)) == 0.0


# -- the estimators ----------------------------------------------------------


def test_unit_weights_change_nothing(digits):
    """Check that sample_weight of ones gives bitwise the predictions of no
    weights (the weighted loss of ones is the mean)."""
    X, y = digits
    plain = _clf().fit(X, y).predict_proba(X)
    ones = _clf().fit(X, y, sample_weight=np.ones(len(y))).predict_proba(X)
    np.testing.assert_array_equal(plain, ones)


@pytest.mark.parametrize("factor", [2.0**-170, 2.0**130], ids=["tiny", "huge"])
def test_the_scale_of_the_weights_changes_nothing(digits, factor):
    """Check that weights times a power of 2 far outside float32's range
    give bitwise the fit, the campaign and the transform of the weights
    themselves (before, tiny weights became 0 in float32: nothing trained
    and no error; huge ones infinite: a divergence blamed on X and lr)."""
    X, y = digits
    w = np.where(y % 3 == 0, 0.25, 1.0) + np.arange(len(y)) / len(y)
    clf = _clf(class_weight={0: 2.0})
    np.testing.assert_array_equal(
        clf.fit(X, y, sample_weight=w * factor).predict_proba(X),
        clf.fit(X, y, sample_weight=w).predict_proba(X),
    )
    reg = NCMLPRegressor(
        hidden_layer_sizes=(8,), max_epochs=3, tol=None, random_state=0
    )
    np.testing.assert_array_equal(
        reg.fit(X, y * 0.1, sample_weight=w * factor).predict(X),
        reg.fit(X, y * 0.1, sample_weight=w).predict(X),
    )
    reports = []
    for weights in (w * factor, w):
        nc = NeuronCampaign(random_state=0).initialize(_net(), X, y, weights)
        reports.append([r["scores"] for r in nc.report_])
    for a, b in zip(*reports):
        np.testing.assert_array_equal(a, b)
    tr = NCInitTransformer(hidden_layer_sizes=(8,), random_state=0)
    np.testing.assert_array_equal(
        tr.fit(X, y, sample_weight=w * factor).transform(X),
        tr.fit(X, y, sample_weight=w).transform(X),
    )


def test_subnormal_weights_count_as_equal_weights(digits):
    """Check that weights all equal to a subnormal power of 2 fit and score
    as equal weights do, bit for bit (before the factor was capped at the
    largest float64 power of 2, it was inf: NaN weights, a campaign error
    blaming X and a NaN loss)."""
    X, y = digits
    tiny = np.full(len(y), 2.0**-1060)
    np.testing.assert_array_equal(
        _clf().fit(X, y, sample_weight=tiny).predict_proba(X),
        _clf().fit(X, y).predict_proba(X),
    )
    reports, scales = [], []
    for weights in (tiny, np.ones(len(y))):
        nc = NeuronCampaign(random_state=0).initialize(_net(), X, y, weights)
        reports.append([r["scores"] for r in nc.report_])
        lsuv = LSUVInit(random_state=0).initialize(_net(), X, y, weights)
        scales.append(lsuv.scales_)
    for a, b in zip(*reports):
        np.testing.assert_array_equal(a, b)
    assert scales[0] == scales[1]  # LSUV's weighted variances too


def test_sample_weight_changes_the_fit(digits):
    """Check that weights reach the training: class 0 weighted to nothing is
    (almost) never predicted, unweighted it is."""
    X, y = digits
    w = np.where(y == 0, 1e-6, 1.0)
    clf = _clf(max_epochs=30).fit(X, y, sample_weight=w)
    assert np.mean(clf.predict(X[y == 0]) == 0) < 0.5
    assert np.mean(_clf(max_epochs=30).fit(X, y).predict(X[y == 0]) == 0) > 0.9


@pytest.mark.parametrize("early_stopping", [False, True])
def test_balanced_class_weight_equals_explicit_weights(digits, early_stopping):
    """Check that class_weight="balanced" is the same fit, bitwise, as the
    weights n / (n_classes * bincount(y)) given as sample_weight, and that a
    dict multiplies sample_weight row by row."""
    X, y = digits
    keep = (y != 1) | (np.arange(len(y)) % 3 == 0)  # class 1 rarer
    X, y = X[keep], y[keep]
    per_class = compute_class_weight("balanced", classes=np.unique(y), y=y)
    kw = dict(early_stopping=early_stopping, validation_fraction=0.2)
    balanced = _clf(class_weight="balanced", **kw).fit(X, y)
    explicit = _clf(**kw).fit(X, y, sample_weight=per_class[y])
    np.testing.assert_array_equal(balanced.predict_proba(X), explicit.predict_proba(X))
    sw = np.random.RandomState(0).rand(len(y))
    as_dict = _clf(class_weight={1: 3.0, 4: 0.5}, **kw).fit(X, y, sample_weight=sw)
    factor = np.where(y == 1, 3.0, np.where(y == 4, 0.5, 1.0))
    product = _clf(**kw).fit(X, y, sample_weight=sw * factor)
    np.testing.assert_array_equal(as_dict.predict_proba(X), product.predict_proba(X))


def test_balanced_counts_classes_by_their_sample_weight(digits):
    """Check that class_weight="balanced" counts each class by its summed
    sample_weight, as scikit-learn's linear models do (so that integer
    weights act as repeated rows; counting rows instead moved predicted
    probabilities by up to 0.47 on a 2-class set), bit for bit the fit with
    the product of the two given as sample_weight; a class whose rows all
    weigh 0 keeps weight 0."""
    X, y = digits
    sw = np.random.RandomState(0).randint(1, 4, size=len(y)).astype(float)
    sw[y == 1] *= 5  # class 1 weighs more than its row count says
    sw[y == 2] = 0.0  # and class 2 nothing
    present = np.setdiff1d(np.unique(y), [2])
    rows = y != 2
    per_class = np.zeros(10)
    per_class[present] = compute_class_weight(
        "balanced", classes=present, y=y[rows], sample_weight=sw[rows]
    )
    balanced = _clf(class_weight="balanced").fit(X, y, sample_weight=sw)
    explicit = _clf().fit(X, y, sample_weight=sw * per_class[y])
    np.testing.assert_array_equal(balanced.predict_proba(X), explicit.predict_proba(X))
    by_rows = compute_class_weight("balanced", classes=np.unique(y), y=y)
    counted = _clf().fit(X, y, sample_weight=sw * by_rows[y])
    assert not np.array_equal(balanced.predict_proba(X), counted.predict_proba(X))


def test_class_weight_may_name_labels_a_fold_lacks(digits):
    """Check scikit-learn's rule for a class_weight dict: labels that are not
    classes of y are ignored when every class of y has a weight (a
    cross-validation fold without a rare class), and refused when classes
    are left out as well."""
    X, y = digits
    X, y = X[y < 9], y[y < 9]  # a fold without class 9
    weights = {c: 1.0 + c / 10 for c in range(10)}
    with_nine = _clf(class_weight=weights).fit(X, y)
    without = _clf(class_weight={c: weights[c] for c in range(9)}).fit(X, y)
    np.testing.assert_array_equal(with_nine.predict_proba(X), without.predict_proba(X))
    partial = {c: weights[c] for c in (0, 1, 9)}
    with pytest.raises(ValueError, match=r"labels \[9\] .* leaves classes \[2,"):
        _clf(class_weight=partial).fit(X, y)


def test_weighted_validation_scores(digits):
    """Check that with early stopping and weights, validation_scores_ are the
    weighted accuracies of the validation rows."""
    X, y = digits
    w = np.random.RandomState(1).rand(len(y)) + 0.1
    clf = _clf(early_stopping=True, validation_fraction=0.3, max_epochs=4)
    clf.fit(X, y, sample_weight=w)
    valid = clf.net_.train_split.keywords["valid_ds"]
    codes, weights = valid.y[:, 0], valid.y[:, 1]
    # The final weights are the best epoch's: its score is the best one.
    pred = np.argmax(clf.predict_proba(valid.X), axis=1)
    assert accuracy_score(codes, pred, sample_weight=weights) == pytest.approx(
        clf.best_validation_score_, abs=1e-12
    )
    assert accuracy_score(codes, pred) != pytest.approx(clf.best_validation_score_)


@pytest.mark.parametrize(
    "clf, kwargs, match",
    [
        (_clf(class_weight={"x": 2.0}), {}, "class_weight has labels \\['x'\\]"),
        (_clf(class_weight={0: -1.0}), {}, "finite and non-negative"),
        (_clf(class_weight={0: 0.0, 1: 0.0}), {"two_classes": True}, "sums to zero"),
    ],
    ids=["unknown label", "negative", "all zero"],
)
def test_bad_class_weight_is_named(digits, clf, kwargs, match):
    """Check that a bad class_weight raises a ValueError naming it."""
    X, y = digits
    if kwargs.get("two_classes"):
        X, y = X[y < 2], y[y < 2]
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y)


def test_partial_fit_takes_weights_but_not_balanced(digits):
    """Check partial_fit with sample_weight (sklearn's argument order) and
    that class_weight="balanced" is refused there with what to do."""
    X, y = digits
    clf = _clf().partial_fit(X, y, np.ones(len(y)), classes=np.arange(10))
    ref = _clf().partial_fit(X, y, classes=np.arange(10))
    np.testing.assert_array_equal(clf.predict_proba(X), ref.predict_proba(X))
    clf.partial_fit(X, y, sample_weight=np.random.RandomState(0).rand(len(y)))
    assert clf.n_iter_ == 1 and len(clf.loss_curve_) == 2
    with pytest.raises(ValueError, match="not supported for partial_fit"):
        _clf(class_weight="balanced").partial_fit(X, y, classes=np.arange(10))


def test_custom_initializer_without_sample_weight_warns(digits):
    """Check that an initializer whose initialize takes no sample_weight is
    run without the weights, with a warning that says so."""
    X, y = digits

    class Plain:
        def initialize(self, module, X, y):
            self.rows = len(X)

    with pytest.warns(UserWarning, match="takes no sample_weight"):
        clf = _clf(initializer=Plain()).fit(X, y, sample_weight=np.ones(len(y)))
    assert clf.initializer_.rows == len(X)


def test_transformer_and_cnn_take_sample_weight(digits):
    """Check that NCInitTransformer and NCCNNClassifier pass the weights on:
    zero weights equal dropping the rows in the transformer (bitwise), and
    the CNN's unit weights equal no weights."""
    X, y = digits
    w = np.ones(len(y))
    w[::4] = 0
    keep = w > 0
    tr = NCInitTransformer(hidden_layer_sizes=(12,), random_state=0)
    a = tr.fit(X, y, sample_weight=w).transform(X)
    b = tr.fit(X[keep], y[keep]).transform(X)
    np.testing.assert_array_equal(a, b)
    images = X.reshape(-1, 1, 8, 8)
    cnn = NCCNNClassifier(
        conv_channels=(2,),
        kernel_size=3,
        conv_padding=1,
        hidden_layer_sizes=(8,),
        max_epochs=2,
        tol=None,
        random_state=0,
    )
    plain = cnn.fit(images, y).predict_proba(images)
    ones = cnn.fit(images, y, sample_weight=np.ones(len(y))).predict_proba(images)
    np.testing.assert_array_equal(plain, ones)


# -- metadata routing ----------------------------------------------------------


@pytest.fixture
def routing():
    with sklearn.config_context(enable_metadata_routing=True):
        yield


def test_grid_search_routes_sample_weight_to_fit_and_score(digits, routing):
    """Check that GridSearchCV with metadata routing passes sample_weight to
    fit and, when requested, to score: the cv score equals a weighted fit
    and a weighted accuracy computed by hand on the same split."""
    X, y = digits
    w = np.random.RandomState(0).rand(len(y)) + 0.05
    clf = _clf(initializer=NeuronCampaign())
    clf.set_fit_request(sample_weight=True).set_score_request(sample_weight=True)
    cv = KFold(3)
    grid = GridSearchCV(clf, {"initializer__alpha": [0.5]}, cv=cv)
    grid.fit(X, y, sample_weight=w)
    train, test = next(cv.split(X))
    by_hand = _clf(initializer=NeuronCampaign(alpha=0.5))
    by_hand.fit(X[train], y[train], sample_weight=w[train])
    expected = accuracy_score(y[test], by_hand.predict(X[test]), sample_weight=w[test])
    assert grid.cv_results_["split0_test_score"][0] == pytest.approx(
        expected, abs=1e-12
    )
    unweighted = _clf(initializer=NeuronCampaign(alpha=0.5)).fit(X[train], y[train])
    assert not np.array_equal(unweighted.predict_proba(X), by_hand.predict_proba(X))


def test_unrequested_sample_weight_raises_routing_error(digits, routing):
    """Check that sample_weight passed to a GridSearchCV whose estimator did
    not request it raises sklearn's routing error."""
    X, y = digits
    clf = _clf(initializer=NeuronCampaign())
    grid = GridSearchCV(clf, {"initializer__alpha": [0.5]}, cv=2)
    with pytest.raises(UnsetMetadataPassedError, match="sample_weight"):
        grid.fit(X, y, sample_weight=np.ones(len(y)))


# -- the training record and warm_start ---------------------------------------


def test_training_record_has_sklearn_meanings(digits):
    """Check loss_curve_, loss_, best_loss_, t_ and n_iter_ against skorch's
    history and sklearn's definitions and types."""
    X, y = digits
    clf = _clf(max_epochs=6, batch_size=64).fit(X, y)
    recorded = list(clf.history_[:, "train_loss"])
    assert clf.loss_curve_ == recorded and len(clf.loss_curve_) == clf.n_iter_ == 6
    assert all(type(v) is float for v in clf.loss_curve_)
    assert clf.loss_ == recorded[-1] and clf.best_loss_ == min(recorded)
    assert clf.t_ == 6 * len(X) and type(clf.t_) is int
    assert clf.validation_scores_ is None and clf.best_validation_score_ is None
    stopped = _clf(early_stopping=True, max_epochs=4).fit(X, y)
    assert stopped.best_loss_ is None
    assert stopped.validation_scores_ == list(stopped.history_[:, "valid_acc"])
    assert stopped.best_validation_score_ == max(stopped.validation_scores_)
    assert stopped.t_ == 4 * (len(X) - 30)  # 10 % held out


def test_warm_start_continues_without_reinitializing(digits):
    """Check warm_start: the second fit starts from the fitted weights (with
    max_epochs=0 they stay bitwise), keeps the initializer and extends the
    loss curve; n_iter_ counts this fit's epochs, as in sklearn."""
    X, y = digits
    clf = _clf(warm_start=True, max_epochs=3).fit(X, y)
    weights, initializer, curve = (
        _params(clf.net_.module_),
        clf.initializer_,
        clf.loss_curve_,
    )
    clf.set_params(max_epochs=0).fit(X, y)
    assert all(
        torch.equal(p, w) for p, w in zip(clf.net_.module_.parameters(), weights)
    )
    assert clf.initializer_ is initializer
    clf.set_params(max_epochs=2).fit(X, y)
    assert (
        clf.n_iter_ == 2 and clf.loss_curve_[:3] == curve and len(clf.loss_curve_) == 5
    )
    assert clf.t_ == 5 * len(X)
    # Continuing is not restarting: a cold fit of 2 epochs ends elsewhere.
    cold = _clf(max_epochs=2).fit(X, y)
    assert not np.allclose(cold.predict_proba(X), clf.predict_proba(X))
    # warm_start=False starts afresh.
    clf.set_params(warm_start=False, max_epochs=3).fit(X, y)
    assert len(clf.loss_curve_) == 3 and clf.initializer_ is not initializer


def test_warm_start_refuses_other_classes_or_architecture(digits):
    """Check sklearn's warm_start error for other classes, a clear one for a
    changed network, and that either failure keeps the fit."""
    X, y = digits
    clf = _clf(warm_start=True, max_epochs=2).fit(X, y)
    before = clf.predict_proba(X)
    with pytest.raises(ValueError, match="same classes as in the previous call"):
        clf.fit(X[y < 5], y[y < 5])
    with pytest.raises(ValueError, match="warm_start needs the architecture"):
        clf.set_params(hidden_layer_sizes=(9,)).fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    # A change that keeps every weight's shape is a change too (before, it
    # trained on through another network).
    clf.set_params(hidden_layer_sizes=_clf().hidden_layer_sizes)
    with pytest.raises(ValueError, match="warm_start needs the architecture"):
        clf.set_params(activation="tanh").fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), before)


def test_cnn_warm_start_refuses_shape_preserving_changes(digits):
    """Check that a warm CNN fit refuses a new padding that keeps every
    weight's shape, a new activation and a new input_shape (flat rows are
    reshaped with the fitted one), keeping the fit each time."""
    X, y = digits
    images = X.reshape(-1, 1, 8, 8)
    params = dict(conv_channels=(4, 8), kernel_size=3, conv_padding=(1, 0),
                  hidden_layer_sizes=(16,), max_epochs=1, tol=None,
                  random_state=0, warm_start=True)  # fmt: skip
    cnn = NCCNNClassifier(**params).fit(images, y)
    before, original = cnn.predict_proba(images), cnn.get_params()
    for change, rows, match in [
        ({"conv_padding": (2, 0)}, images, "warm_start needs the architecture"),
        ({"activation": "tanh"}, images, "warm_start needs the architecture"),
        ({"input_shape": (1, 4, 16)}, X, r"input_shape=\(1, 4, 16\), but the fitted"),
    ]:
        with pytest.raises(ValueError, match=match):
            cnn.set_params(**change).fit(rows, y)
        cnn.set_params(**{k: original[k] for k in change})
        np.testing.assert_array_equal(cnn.predict_proba(images), before)


def test_warm_start_with_fewer_features_is_refused(digits):
    """Check that a warm fit checks n_features_in_ like predict does."""
    X, y = digits
    clf = _clf(warm_start=True, max_epochs=1).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="features"):
            clf.fit(X[:, :10], y)
    assert clf.n_features_in_ == 64


@pytest.mark.parametrize("side", ["validation", "training"])
@pytest.mark.parametrize("make", [NCMLPClassifier, NCMLPRegressor])
def test_early_stopping_split_with_no_weight_on_one_side(side, make):
    """Check that an early-stopping split whose validation rows (or training
    rows) all have weight 0 is refused before training, saying which side
    and what to do (before: a ZeroDivisionError after the first epoch for
    the classifier, a misleading "weights must contain a non-zero number"
    for the regressor)."""
    from sklearn.model_selection import train_test_split

    from sknc._validation import draw_seed

    X, y = load_digits(return_X_y=True)
    X, y = (X[:200] / 16).astype(np.float32), y[:200]
    model = make(max_epochs=2, early_stopping=True, random_state=0)
    # The rows of the estimator's own split, replayed: its third seed drawn
    # from random_state (after the initializer's and the network's).
    rng = np.random.RandomState(0)
    seeds = [draw_seed(rng) for _ in range(3)]
    stratify = y if make is NCMLPClassifier else None
    train, val = train_test_split(
        np.arange(len(y)), test_size=0.1, stratify=stratify, random_state=seeds[2]
    )
    w = np.ones(len(y))
    w[val if side == "validation" else train] = 0
    target = y if make is NCMLPClassifier else y.astype(float)
    held_out = side == "validation"
    weight = (
        "sample_weight .times class_weight."
        if make is NCMLPClassifier
        else ("sample_weight")
    )
    match = (
        f"every row {'held out' if held_out else 'left to train'} .* has {weight} 0"
        f".*; {'raise' if held_out else 'lower'} validation_fraction"
    )
    with pytest.raises(ValueError, match=match):
        model.fit(X, target, sample_weight=w)
