"""Tests of NCMLPClassifier (sknc._mlp)."""

import math
import pickle

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, cross_val_predict, cross_validate

from sknc import HeInit, NCMLPClassifier, NeuronCampaign
from sknc._initializers import INITIALIZERS


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X / 16).astype(np.float32), y


@pytest.fixture(scope="module")
def small_digits(digits):
    X, y = digits
    return X[:400], y[:400]


def _clf(**kw):
    # Fixed short training (tol=None): the tests below are not about the
    # stopping rule unless they set tol.
    params = dict(hidden_layer_sizes=(24,), max_epochs=3, tol=None, random_state=0)
    params.update(kw)
    return NCMLPClassifier(**params)


def test_fit_learns_digits(digits):
    """Check that a campaign-initialized MLP learns digits (train acc > 0.9)."""
    X, y = digits
    clf = _clf(max_epochs=10, lr=0.01).fit(X, y)
    assert clf.score(X, y) > 0.9
    assert len(clf.history_) == 10
    assert [c.shape for c in clf.coefs_] == [(64, 24), (24, 10)]
    assert [b.shape for b in clf.intercepts_] == [(24,), (10,)]
    assert clf.initializer_.report_[0]["fan_out"] == 24


def test_string_labels_and_proba(small_digits):
    """Check that classes_ keeps string labels and probabilities sum to 1."""
    X, y = small_digits
    labels = np.array([f"d{v}" for v in y])
    clf = _clf().fit(X, labels)
    assert clf.classes_.tolist() == [f"d{v}" for v in range(10)]
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert set(clf.predict(X)) <= set(labels)


def test_initializer_param_not_mutated(small_digits):
    """Check that fit uses a clone: the given initializer stays unfitted."""
    X, y = small_digits
    nc = NeuronCampaign(alpha=0.3)
    clf = _clf(initializer=nc).fit(X, y)
    assert not hasattr(nc, "report_")
    assert clf.initializer_ is not nc
    assert clf.initializer_.alpha_ == [0.3, 0.3]


def test_campaign_scores_only_training_rows(small_digits):
    """Check that with early stopping the campaign never sees validation rows."""
    X, y = small_digits
    clf = _clf(
        early_stopping=True,
        validation_fraction=0.25,
        initializer=NeuronCampaign(max_samples=None),
    ).fit(X, y)
    assert all(r["n_rows"] == 300 for r in clf.initializer_.report_)
    assert "valid_loss" in clf.history_[-1]


def test_same_seed_same_predictions(small_digits):
    """Check that two fits with one random_state give identical probabilities."""
    X, y = small_digits
    p1 = _clf().fit(X, y).predict_proba(X)
    p2 = _clf().fit(X, y).predict_proba(X)
    p3 = _clf(random_state=1).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(p1, p2)
    assert not np.array_equal(p1, p3)


def test_same_predictions_in_joblib_workers(small_digits):
    """Check that predictions are the same sequentially and in loky workers."""
    X, y = small_digits
    seq = cross_val_predict(_clf(), X, y, cv=2, n_jobs=1, method="predict_proba")
    par = cross_val_predict(_clf(), X, y, cv=2, n_jobs=2, method="predict_proba")
    np.testing.assert_array_equal(seq, par)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_grid_search_nested_initializer_params(small_digits, n_jobs):
    """Check that a grid over initializer__alpha x candidate_ratio fits and the
    best estimator really used the winning values."""
    X, y = small_digits
    grid = GridSearchCV(
        _clf(initializer=NeuronCampaign()),
        {
            "initializer__alpha": [0.0, "linear"],
            "initializer__candidate_ratio": [2, 5],
        },
        cv=2,
        n_jobs=n_jobs,
    ).fit(X, y)
    best = grid.best_params_
    init = grid.best_estimator_.initializer_
    expected_alpha = [0.0, 0.0] if best["initializer__alpha"] == 0.0 else [0.0]
    if best["initializer__alpha"] == "linear":
        expected_alpha = [1.0, 0.0]
    assert init.alpha_ == expected_alpha
    ratio = best["initializer__candidate_ratio"]
    assert [r["n_candidates"] for r in init.report_] == [
        math.ceil(ratio * 24),
        math.ceil(ratio * 10),
    ]
    assert len(grid.cv_results_["params"]) == 4


def test_cross_validate_runs(small_digits):
    """Check that cross_validate works and scores better than chance."""
    X, y = small_digits
    res = cross_validate(_clf(initializer="he", max_epochs=20, lr=0.01), X, y, cv=3)
    assert res["test_score"].shape == (3,)
    assert res["test_score"].min() > 0.5


@pytest.mark.parametrize("name", ["he", "xavier", "orthogonal", "lsuv", "campaign"])
def test_initializer_names(small_digits, name):
    """Check that every initializer name fits and is seeded reproducibly."""
    X, y = small_digits
    a = _clf(initializer=name, max_epochs=1).fit(X, y)
    b = _clf(initializer=name, max_epochs=1).fit(X, y)
    assert type(a.initializer_) is INITIALIZERS[name]
    np.testing.assert_array_equal(a.coefs_[0], b.coefs_[0])


def test_pickle_and_joblib_round_trip(small_digits, tmp_path):
    """Check that pickled and joblib-dumped models predict identically."""
    X, y = small_digits
    clf = _clf().fit(X, y)
    expected = clf.predict_proba(X)
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(clf)).predict_proba(X), expected
    )
    joblib.dump(clf, tmp_path / "clf.joblib")
    np.testing.assert_array_equal(
        joblib.load(tmp_path / "clf.joblib").predict_proba(X), expected
    )


class _CountingInit(HeInit):
    calls = 0

    def initialize(self, module, X=None, y=None):
        type(self).calls += 1
        return super().initialize(module, X, y)


def test_partial_fit_initializes_once(small_digits):
    """Check that partial_fit initializes on the first call only."""
    X, y = small_digits
    _CountingInit.calls = 0
    clf = _clf(initializer=_CountingInit())
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[:200], y[:200], classes=np.arange(10))
    first = clf.coefs_[0].copy()
    clf.partial_fit(X[200:], y[200:])
    clf.partial_fit(X[200:], y[200:])
    assert _CountingInit.calls == 1
    assert len(clf.history_) == 3
    # Training moved the weights a little; a re-initialization would not
    # leave them this close to the first epoch's.
    assert 0 < np.abs(clf.coefs_[0] - first).max() < 0.5 * np.abs(first).max()
    with pytest.raises(ValueError, match=r"labels \[11\] not in classes"):
        clf.partial_fit(X[:3], np.array([1, 2, 11]))


def test_feature_names_in(small_digits):
    """Check that a DataFrame's column names are kept and checked."""
    pd = pytest.importorskip("pandas")
    X, y = small_digits
    df = pd.DataFrame(X, columns=[f"px{i}" for i in range(64)])
    clf = _clf().fit(df, y)
    assert clf.feature_names_in_[0] == "px0"
    assert clf.n_features_in_ == 64


def test_verbose_prints_epochs(small_digits, capsys):
    """Check that verbose=1 prints skorch's epoch table, verbose=0 nothing."""
    X, y = small_digits
    _clf(max_epochs=2).fit(X, y)
    assert capsys.readouterr().out == ""
    _clf(max_epochs=2, verbose=1).fit(X, y)
    assert "train_loss" in capsys.readouterr().out


def test_adam_and_momentum(small_digits):
    """Check the optimizer options."""
    X, y = small_digits
    clf = _clf(optimizer="adam", lr=0.01).fit(X, y)
    assert type(clf.net_.optimizer_).__name__ == "Adam"
    clf = _clf(optimizer="sgd", momentum=0.9).fit(X, y)
    assert clf.net_.optimizer_.param_groups[0]["momentum"] == 0.9


@pytest.mark.parametrize(
    "params, X_fn, y_fn, match",
    [
        ({}, lambda X: np.where(X == X.max(), np.nan, X), None, "NaN"),
        ({}, lambda X: np.where(X == X.max(), np.inf, X), None, "infinity"),
        ({}, lambda X: X.reshape(len(X), 8, 8), None, "dim 3"),
        ({}, lambda X: X[:0], lambda y: y[:0], "0 sample"),
        ({}, None, lambda y: y + 0.5, "Unknown label type"),
        ({}, None, lambda y: np.zeros_like(y), "only one class"),
        ({"hidden_layer_sizes": (10, 0)}, None, None, "positive ints"),
        ({"initializer": "kaiming"}, None, None, "'initializer' parameter"),
        ({"activation": "swish"}, None, None, "'activation' parameter"),
        ({"lr": -1.0}, None, None, "'lr' parameter"),
    ],
)
def test_bad_input_clear_errors(small_digits, params, X_fn, y_fn, match):
    """Check that bad input raises a clear error and leaves no fitted state."""
    X, y = small_digits
    X = X_fn(X) if X_fn else X
    y = y_fn(y) if y_fn else y
    clf = _clf(**params)
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y)
    assert not hasattr(clf, "net_")


def test_failed_refit_keeps_previous_model(small_digits):
    """Check that a failed second fit leaves the first fit's model intact."""
    X, y = small_digits
    clf = _clf().fit(X, y)
    before = clf.predict_proba(X)
    bad = clone(clf).get_params()
    clf.set_params(initializer=NeuronCampaign(base_init="uniform"))
    with pytest.raises(ValueError, match="base_init"):
        clf.fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    assert bad["initializer"] == "campaign"


def test_information_plane_callback_records_in_history(small_digits):
    """Check that the InformationPlane callback works through NCMLPClassifier:
    records for both hidden layers at epoch 0 and the chosen epochs land in
    history_, within [0, log2 n] bits."""
    from sknc.information import InformationPlane, records_from_history

    X, y = small_digits
    cb = InformationPlane(epochs=[0, 1, 3], estimator="kmeans")
    clf = _clf(hidden_layer_sizes=(12, 6), callbacks=[cb]).fit(X, y)
    assert not hasattr(cb, "records_")  # the given callback is not mutated
    records = records_from_history(clf.history_)
    assert sorted({(r["epoch"], r["layer_index"]) for r in records}) == [
        (e, layer) for e in (0, 1, 3) for layer in (0, 1)
    ]
    for r in records:
        assert 0 <= r["i_xt"] <= np.log2(len(X)) + 1e-9
        assert -1e-9 <= r["i_ty"] <= r["i_xt"] + 1e-9


@pytest.mark.parametrize(
    "fit_params, params",
    [({"sample_weight": "ones"}, {}), ({}, {"class_weight": "balanced"})],
)
def test_information_plane_callback_with_row_weights(small_digits, fit_params, params):
    """Check that InformationPlane measures on the class labels in a
    weighted fit (the criterion's targets carry the weights): weights of 1
    give the records of the unweighted fit, class weights give records."""
    from sknc.information import InformationPlane, records_from_history

    X, y = small_digits
    fit_params = {k: np.ones(len(y)) for k in fit_params}

    def records(**kw):
        cb = InformationPlane(epochs=[0, 2])
        clf = _clf(hidden_layer_sizes=(12,), callbacks=[cb], **params, **kw)
        return records_from_history(clf.fit(X, y, **fit_params).history_)

    weighted = records()
    assert sorted(r["epoch"] for r in weighted) == [0, 2]
    if fit_params:
        fit_params = {}
        assert records() == weighted


def test_information_plane_measures_the_initialized_net_with_max_epochs_0(
    small_digits,
):
    """Check that with max_epochs=0 the callback still sees the training
    begin and end: the net's copy of the callback holds the epoch-0 records,
    exactly those of a one-epoch fit with the same seed (no epoch row in the
    history to hold them)."""
    from sknc.information import InformationPlane, records_from_history

    X, y = small_digits

    def fit(max_epochs):
        cb = InformationPlane(epochs=[0])
        return _clf(
            hidden_layer_sizes=(12, 6), max_epochs=max_epochs, callbacks=[cb]
        ).fit(X, y)

    at_init = dict(fit(0).net_.callbacks_)["InformationPlane"].records_
    assert [(r["epoch"], r["layer_index"]) for r in at_init] == [(0, 0), (0, 1)]
    one_epoch = records_from_history(fit(1).history_)
    assert at_init == one_epoch


def test_information_plane_given_rows_are_checked_as_predict_checks(small_digits):
    """Check that InformationPlane(X=..., y=...) takes rows in any form the
    estimator's predict takes (float64, a DataFrame with the fit's column
    names, a Series of labels) and measures exactly what float32 rows give;
    rows of another width fail the fit with an error naming the callback's
    X and leave the previous fit as it was."""
    import pandas as pd
    import torch
    from skorch.dataset import Dataset

    from sknc.information import InformationPlane, records_from_history

    X, y = small_digits
    X_fit, y_fit, X_held, y_held = X[:300], y[:300], X[300:], y[300:]
    columns = [f"px{i}" for i in range(X.shape[1])]

    def records(X_fit, X_cb, y_cb):
        cb = InformationPlane(epochs=[0, 1], X=X_cb, y=y_cb)
        clf = _clf(hidden_layer_sizes=(12,), callbacks=[cb]).fit(X_fit, y_fit)
        return records_from_history(clf.history_)

    expected = records(X_fit, X_held, y_held)
    assert [r["epoch"] for r in expected] == [0, 1]
    assert records(X_fit, X_held.astype(np.float64), list(y_held)) == expected
    frame = pd.DataFrame(X_fit, columns=columns)
    held = pd.DataFrame(X_held, columns=columns)
    assert records(frame, held, pd.Series(y_held)) == expected
    # A tensor or a skorch Dataset is taken as it is, in the module's form.
    assert records(X_fit, torch.from_numpy(X_held), y_held) == expected
    assert records(X_fit, Dataset(X_held), y_held) == expected

    clf = _clf(hidden_layer_sizes=(12,)).fit(X_fit, y_fit)
    assert not any("check_inputs" in name for name in clf.net_.get_params())
    before = clf.predict_proba(X_held)
    clf.set_params(callbacks=[InformationPlane(X=X_held[:, :10], y=y_held)])
    with pytest.raises(ValueError, match="InformationPlane's X: X has 10 features"):
        clf.fit(X_fit, y_fit)
    np.testing.assert_array_equal(clf.predict_proba(X_held), before)
    clf.set_params(callbacks=[InformationPlane(X=X_held, y=y_held[:5])])
    with pytest.raises(ValueError, match="has 5 labels for the 100 rows"):
        clf.fit(X_fit, y_fit)


def test_plain_object_initializer(small_digits):
    """Check that an initializer without get_params (only initialize) works:
    it is deep-copied, not cloned, and the given object is not touched."""

    class Constant:
        def __init__(self):
            self.calls = 0

        def initialize(self, module, X=None, y=None):
            self.calls += 1
            for p in module.parameters():
                p.data.fill_(0.01)
            return self

    X, y = small_digits
    init = Constant()
    clf = _clf(initializer=init, max_epochs=0).fit(X, y)
    assert init.calls == 0
    assert clf.initializer_.calls == 1
    np.testing.assert_allclose(clf.coefs_[0], 0.01)


def test_failed_refit_with_new_width_keeps_input_attributes(small_digits):
    """Check that a refit failing after validation keeps the first fit's
    n_features_in_, so the first model still predicts."""
    X, y = small_digits
    clf = _clf().fit(X, y)
    with pytest.raises(ValueError, match="only one class"):
        clf.fit(X[:, :10], np.zeros_like(y))
    assert clf.n_features_in_ == 64
    assert clf.predict(X).shape == (len(X),)


@pytest.mark.parametrize("n_rows, sizes", [(450, [200, 200, 50]), (150, [150])])
def test_batch_size_auto_is_sklearn_rule(digits, n_rows, sizes):
    """Check that batch_size="auto" trains on batches of min(200, n_samples)."""
    X, y = digits
    clf = _clf(batch_size="auto", max_epochs=1).fit(X[:n_rows], y[:n_rows])
    assert clf.history_[-1, "batches", :, "train_batch_size"] == sizes


def test_batch_size_auto_counts_training_rows_only(digits):
    """Check that with early stopping "auto" sees the rows left for training."""
    X, y = digits
    clf = _clf(
        batch_size="auto", max_epochs=1, early_stopping=True, validation_fraction=0.5
    ).fit(X[:300], y[:300])
    assert clf.history_[-1, "batches", :, "train_batch_size"] == [150]


def test_partial_fit_reads_batch_size_and_weight_decay_at_every_call(digits):
    """Check that each partial_fit call, as scikit-learn's MLP, takes
    batch_size ("auto": min(200, this call's rows)) and the L2 penalty
    (weight_decay, sklearn's alpha) as they are now, and that a failed call
    puts both back."""
    X, y = digits
    classes = np.arange(10)
    clf = _clf(batch_size="auto", max_epochs=1)
    clf.partial_fit(X[:50], y[:50], classes=classes)
    clf.partial_fit(X[:450], y[:450])
    assert clf.history_[-1, "batches", :, "train_batch_size"] == [200, 200, 50]
    clf.set_params(batch_size=300, weight_decay=0.1)
    clf.partial_fit(X[:450], y[:450])
    assert clf.history_[-1, "batches", :, "train_batch_size"] == [300, 150]
    assert [g["weight_decay"] for g in clf.net_.optimizer_.param_groups] == [0.1]
    clf.set_params(batch_size=100, weight_decay=0.5)
    with pytest.raises(ValueError, match="X has 3 features"):
        clf.partial_fit(X[:450, :3], y[:450])  # fails before the settings
    with pytest.raises(ValueError, match="non-finite"):
        clf.partial_fit(X[:450] * 1e37, y[:450])  # diverges: all put back
    assert clf.net_.batch_size == 300
    assert [g["weight_decay"] for g in clf.net_.optimizer_.param_groups] == [0.1]


def test_batch_size_larger_than_the_rows_is_clipped_with_a_warning(digits):
    """Check that a batch_size above the training rows trains on one batch
    of all of them and says so, as scikit-learn's MLP does."""
    X, y = digits
    with pytest.warns(UserWarning, match="batch_size=500 is larger than the 300") as w:
        clf = _clf(batch_size=500, max_epochs=1).fit(X[:300], y[:300])
    assert clf.history_[-1, "batches", :, "train_batch_size"] == [300]
    with pytest.warns(UserWarning, match="batch_size=500") as first_batch:
        _clf(batch_size=500).partial_fit(X[:300], y[:300], classes=np.arange(10))
    # Both point at the caller's line, however deep sknc warns.
    assert w[0].filename == first_batch[0].filename == __file__


@pytest.mark.parametrize("n_iter_no_change", [2, 5])
def test_stopping_rule_stops_where_mlpclassifier_stops(small_digits, n_iter_no_change):
    """Check that with a tol no epoch can meet, training stops after the same
    number of epochs as sklearn's MLPClassifier (n_iter_no_change + 2), and
    without a ConvergenceWarning."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    X, y = small_digits
    params = dict(tol=10.0, n_iter_no_change=n_iter_no_change)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = _clf(max_epochs=50, **params).fit(X, y)
        ref = MLPClassifier(max_iter=50, random_state=0, **params).fit(X, y)
    assert clf.n_iter_ == ref.n_iter_ == n_iter_no_change + 2
    assert len(clf.history_) == clf.n_iter_


def test_stopping_rule_stops_on_training_loss_plateau(small_digits):
    """Check that the rule stops at the first epoch that ends a run of
    n_iter_no_change + 1 epochs whose loss is above the best before it
    minus tol, as sklearn's MLPClassifier does."""
    X, y = small_digits
    tol, n = 1e-3, 3
    clf = _clf(max_epochs=500, lr=0.05, tol=tol, n_iter_no_change=n).fit(X, y)
    losses = np.array(clf.history_[:, "train_loss"])
    best_before = np.minimum.accumulate(losses)[:-1]
    stalled = losses[1:] > best_before - tol  # epochs 2, 3, ...
    runs = np.convolve(stalled, np.ones(n + 1, dtype=int), mode="valid")
    assert 10 < clf.n_iter_ < 500
    assert runs[-1] == n + 1  # the last n + 1 epochs stalled
    assert (runs[:-1] < n + 1).all()  # no earlier run was long enough


def test_convergence_warning_when_max_epochs_ends_training(small_digits):
    """Check that max_epochs ending training before the rule gives sklearn's
    ConvergenceWarning, and that tol=None trains max_epochs silently."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    X, y = small_digits
    with pytest.warns(ConvergenceWarning, match="max_epochs=3 reached"):
        _clf(max_epochs=3, tol=1e-4).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = _clf(max_epochs=3, tol=None).fit(X, y)
    assert clf.n_iter_ == 3


def test_early_stopping_keeps_best_validation_epoch(small_digits):
    """Check that early stopping watches the validation accuracy with an
    absolute tol and ends with the weights of the best epoch."""
    X, y = small_digits
    clf = _clf(
        early_stopping=True,
        validation_fraction=0.25,
        tol=2.0,  # no accuracy can rise by 2: stops after n_iter_no_change + 2
        n_iter_no_change=2,
        max_epochs=30,
        lr=0.05,
        initializer="he",
    ).fit(X, y)
    assert clf.n_iter_ == 4
    scores = clf.history_[:, "valid_acc"]
    # The validation rows are those of the predefined split.
    valid = clf.net_.train_split.keywords["valid_ds"]
    X_val, y_val = valid.X, valid.y
    acc = np.mean(np.argmax(clf.predict_proba(X_val), axis=1) == y_val)
    assert acc == pytest.approx(max(scores), abs=1e-12)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_training_record_after_zero_epochs(small_digits, early_stopping):
    """Check that after max_epochs=0 the loss and validation attributes are
    empty (not skorch's KeyError, which hasattr would not catch)."""
    X, y = small_digits
    clf = _clf(max_epochs=0, early_stopping=early_stopping).fit(X, y)
    assert clf.n_iter_ == 0 and clf.t_ == 0
    assert clf.loss_curve_ == [] and clf.loss_ is None and clf.best_loss_ is None
    if early_stopping:
        assert clf.validation_scores_ == []
        assert clf.best_validation_score_ is None
    else:
        assert clf.validation_scores_ is None
    assert hasattr(clf, "loss_curve_")


def test_default_fit_just_above_max_samples():
    """Check that 2003 rows of 10 classes fit with the default campaign
    (2000 scoring rows leave 3 over, fewer than the classes, which
    scikit-learn's stratified split refuses)."""
    rng = np.random.RandomState(0)
    X = rng.rand(2003, 5).astype(np.float32)
    clf = _clf(hidden_layer_sizes=(8,), max_epochs=1).fit(X, np.arange(2003) % 10)
    assert clf.initializer_.report_[0]["n_rows"] == 2000


@pytest.mark.parametrize("fitted", [False, True])
def test_partial_fit_refuses_early_stopping(small_digits, fitted):
    """Check that partial_fit with early_stopping=True raises, as
    scikit-learn's MLP, before or after a fit, and leaves the fit as it was."""
    X, y = small_digits
    clf = _clf(early_stopping=True)
    if fitted:
        clf.fit(X, y)
        before = clf.predict_proba(X)
    with pytest.raises(ValueError, match="partial_fit does not support early_st"):
        clf.partial_fit(X, y, classes=np.unique(y))
    if fitted:
        np.testing.assert_array_equal(clf.predict_proba(X), before)
    else:
        assert not hasattr(clf, "net_")


def test_no_hidden_layer_is_a_linear_model():
    """Check that hidden_layer_sizes=() builds no hidden layer, as in
    scikit-learn's MLP (one weight matrix from the features to the
    outputs), for the classifiers and the regressor, the campaign scoring
    that one layer; the transformer, whose features are the hidden layers,
    refuses it."""
    from sknc import NCCNNClassifier, NCInitTransformer, NCMLPRegressor

    X, y = load_digits(return_X_y=True)
    X = (X[:400] / 16).astype(np.float32)
    y = y[:400]
    clf = _clf(hidden_layer_sizes=(), max_epochs=40).fit(X, y)
    assert [w.shape for w in clf.coefs_] == [(64, 10)]
    assert [r["layer"] for r in clf.initializer_.report_] == ["layers.0"]
    assert clf.score(X, y) > 0.8
    reg = NCMLPRegressor(hidden_layer_sizes=[], max_epochs=2).fit(X, X[:, 10])
    assert [w.shape for w in reg.coefs_] == [(64, 1)]
    cnn = NCCNNClassifier(
        hidden_layer_sizes=(),
        input_shape=(1, 8, 8),
        conv_channels=(4,),
        conv_padding=1,
        kernel_size=3,
        max_epochs=1,
    ).fit(X, y)
    assert cnn.predict(X[:2]).shape == (2,)
    with pytest.raises(ValueError, match="non-empty sequence of positive ints"):
        NCInitTransformer(hidden_layer_sizes=()).fit(X, y)


def test_campaign_sees_the_users_labels():
    """Check that the classifier's campaign scores the labels as given: its
    classes_ are the labels, and a class too small to score is named by its
    label, not an internal code."""
    rng = np.random.RandomState(0)
    X = rng.rand(50, 3).astype(np.float32)
    y = np.array(["cat"] * 25 + ["dog"] * 24 + ["eel"])
    clf = _clf(hidden_layer_sizes=(4,), max_epochs=1).fit(X[:49], y[:49])
    assert clf.initializer_.classes_.tolist() == ["cat", "dog"]
    with pytest.warns(UserWarning, match=r"classes \['eel'\] have fewer than 2"):
        clf = _clf(hidden_layer_sizes=(4,), max_epochs=1).fit(X, y)
    assert clf.initializer_.classes_.tolist() == ["cat", "dog"]
    assert clf.classes_.tolist() == ["cat", "dog", "eel"]


def test_classes_too_small_to_score_are_left_out_of_the_campaign(small_digits):
    """Check that the classifiers' campaign leaves out, with a warning, the
    classes with fewer than 2 rows of a fit or a first partial_fit batch
    (a cross-validation fold, a shuffled mini-batch), as scikit-learn's MLP
    fits them (before: each such fit failed, and cross_val_score with it);
    the other classes are scored on the other rows; and that rows of fewer
    than 2 scorable classes are refused saying what to pass instead."""
    from sklearn.model_selection import cross_val_score

    X, y = small_digits
    y = y.copy()
    y[0] = 10  # a class of one row
    with pytest.warns(UserWarning, match=r"classes \[10\] have fewer than 2"):
        scores = cross_val_score(_clf(max_epochs=2), X, y, cv=2)
    assert np.isfinite(scores).all()
    with pytest.warns(UserWarning, match=r"classes \[10\]") as record:
        campaign = _clf().fit(X, y).initializer_
    assert record[0].filename == __file__
    assert campaign.classes_.tolist() == list(range(10))
    assert [r["n_rows"] for r in campaign.report_] == [len(X) - 1] * 2
    with pytest.raises(ValueError, match="initializer='xavier'"):
        _clf().partial_fit(X[y == 3], y[y == 3], classes=np.arange(11))


def test_partial_fit_refuses_other_classes_later(small_digits):
    """Check scikit-learn's rule: a later partial_fit given other classes
    than the first call raises (before, they were ignored and an epoch was
    trained); the same classes, in any order, are accepted."""
    X, y = small_digits
    clf = _clf().partial_fit(X, y, classes=np.arange(10))
    before = clf.predict_proba(X)
    with pytest.raises(ValueError, match="is not the same as on last call"):
        clf.partial_fit(X, y, classes=np.arange(11))
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    assert len(clf.loss_curve_) == 1
    clf.partial_fit(X, y, classes=np.arange(10)[::-1])
    assert len(clf.loss_curve_) == 2


def test_two_dimensional_y_is_refused_with_what_to_do(small_digits):
    """Check that multilabel y gets an error that says it is not supported
    and what to use (the fit docstring no longer offers it), while a
    single column of labels is still taken as scikit-learn takes it."""
    X, y = small_digits
    with pytest.raises(ValueError, match="MultiOutputClassifier"):
        _clf().fit(X, np.eye(10)[y].astype(int))
    with pytest.raises(ValueError, match="MultiOutputClassifier"):
        _clf().partial_fit(X, np.c_[y, y], classes=np.arange(10))
    with pytest.warns(Warning, match="column-vector y"):
        _clf(max_epochs=1).fit(X, y[:, None])


def test_training_record_follows_the_fit_not_the_parameter(small_digits):
    """Check that validation_scores_, best_validation_score_ and best_loss_
    describe the fit that was made: changing early_stopping afterwards (to
    call partial_fit, say) neither hides them nor raises KeyError."""
    X, y = small_digits
    es = _clf(early_stopping=True).fit(X, y)
    scores = es.validation_scores_
    assert len(scores) == 3 and es.best_loss_ is None
    es.set_params(early_stopping=False)
    assert es.validation_scores_ == scores and es.best_loss_ is None
    assert es.best_validation_score_ == max(scores)
    plain = _clf().fit(X, y)
    plain.set_params(early_stopping=True)
    assert plain.validation_scores_ is None
    assert plain.best_validation_score_ is None
    assert plain.best_loss_ == min(plain.loss_curve_)


def test_predict_on_read_only_rows_is_silent(small_digits):
    """Check that read-only float64 rows (a joblib memory map, pandas'
    copy-on-write arrays) predict without torch's "not writable" warning,
    and as writable rows do."""
    import warnings

    X, y = small_digits
    clf = _clf().fit(X, y)
    X64 = X.astype(np.float64)
    ro = X64.copy()
    ro.flags.writeable = False
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        proba = clf.predict_proba(ro)
    np.testing.assert_array_equal(proba, clf.predict_proba(X64))


def test_net_predict_proba_gives_probabilities(small_digits):
    """Check that the skorch net inside (net_, a NeuralNetClassifier) gives
    probabilities from predict_proba, equal in float32 to the estimator's
    (before: raw logits, skorch adding the softmax for its own criteria
    only), and that it still pickles."""
    X, y = small_digits
    clf = _clf().fit(X, y)
    proba = clf.net_.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(proba, clf.predict_proba(X), atol=1e-6)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.net_.predict_proba(X), proba)


def test_partial_fit_refuses_a_changed_network(small_digits):
    """Check that a later partial_fit refuses parameters that describe
    another network (before, it went on training the first one while
    get_params described another), and keeps the fit."""
    X, y = small_digits
    clf = _clf().partial_fit(X, y, classes=np.arange(10))
    before = clf.predict_proba(X)
    for change in ({"hidden_layer_sizes": (20, 30)}, {"activation": "tanh"}):
        with pytest.raises(ValueError, match="partial_fit continues the fitted"):
            clf.set_params(**change).partial_fit(X, y)
        clf.set_params(hidden_layer_sizes=(24,), activation="relu")
        np.testing.assert_array_equal(clf.predict_proba(X), before)
    clf.partial_fit(X, y)  # the same network: trains on
    assert len(clf.loss_curve_) == 2
