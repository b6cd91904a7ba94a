"""Tests of the CNN module and NCCNNClassifier (sknc._modules, sknc._cnn).

scikit-learn's estimator checks feed 2-D X of many widths (1, 2, 3, 4, 5,
10 ... features), while an image classifier needs one fixed image shape:
with ``input_shape=(1, 2, 2)`` every check whose data is not 4 columns wide
fails on the width, not on a defect. ``test_sklearn_checks_subset`` runs
the other checks (``WIDTH_CHECKS`` lists those left out); the contracts
they would cover (fit / predict shapes, NaN and shape errors, pickling,
cloning, same seed same result, row-order and subset invariance, refits,
pipelines, grid search) are tested explicitly on images below.
"""

import copy
import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import estimator_checks_generator
from torch import nn

from sknc import HeInit, NCCNNClassifier, NeuronCampaign
from sknc._modules import CNN, build_cnn


@pytest.fixture(scope="module")
def digits_images():
    X, y = load_digits(return_X_y=True)
    return (X / 16).astype(np.float32).reshape(-1, 1, 8, 8), y


@pytest.fixture(scope="module")
def small_images(digits_images):
    X, y = digits_images
    return X[:300], y[:300]


def _clf(**kw):
    params = dict(
        conv_channels=(4, 8),
        conv_padding=2,
        hidden_layer_sizes=(16,),
        initializer="he",
        max_epochs=2,
        tol=None,
        random_state=0,
    )
    params.update(kw)
    return NCCNNClassifier(**params)


def _conv_weights(clf):
    return [
        m.weight.detach().numpy().copy()
        for m in clf.net_.module_.modules()
        if isinstance(m, nn.Conv2d)
    ]


# -- the module ---------------------------------------------------------------


def test_default_cnn_is_lenet5_on_mnist_images():
    """Check that the classifier's default architecture on 1x28x28 images is
    LeNet-5: conv 6@5x5 pad 2, conv 16@5x5, Linear 400-120-84-10."""
    defaults = NCCNNClassifier().get_params()
    module = CNN(
        (1, 28, 28),
        defaults["conv_channels"],
        defaults["kernel_size"],
        defaults["conv_padding"],
        defaults["hidden_layer_sizes"],
        10,
        defaults["activation"],
    )
    convs = [m for m in module.modules() if isinstance(m, nn.Conv2d)]
    assert [tuple(c.weight.shape) for c in convs] == [(6, 1, 5, 5), (16, 6, 5, 5)]
    assert [c.padding for c in convs] == [(2, 2), (0, 0)]
    linears = [m for m in module.modules() if isinstance(m, nn.Linear)]
    assert [tuple(lin.weight.shape) for lin in linears] == [
        (120, 400),
        (84, 120),
        (10, 84),
    ]
    assert sum(isinstance(m, nn.MaxPool2d) for m in module.modules()) == 2
    assert sum(isinstance(m, nn.ReLU) for m in module.modules()) == 4
    assert module(torch.zeros(3, 1, 28, 28)).shape == (3, 10)


def test_build_cnn_is_seeded_and_leaves_global_rng_alone():
    """Check that build_cnn gives the same weights for a seed and does not
    draw from torch's global generator."""
    args = ((3, 12, 10), (5,), 3, 1, (7,), 4, "tanh")
    state = torch.get_rng_state()
    a, b, c = build_cnn(*args, seed=1), build_cnn(*args, seed=1), build_cnn(*args, 2)
    assert torch.equal(torch.get_rng_state(), state)
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)
    assert not torch.equal(a.layers[0].weight, c.layers[0].weight)
    # 12x10, conv 3 pad 1 -> 12x10, pool -> 6x5: 5 * 6 * 5 = 150 features.
    assert a.layers[4].in_features == 150
    assert a(torch.zeros(2, 3, 12, 10)).shape == (2, 4)


@pytest.mark.parametrize(
    "input_shape, conv_padding, match",
    [
        (
            (1, 8, 8),
            (2, 0),
            r"conv_padding=\(2, 0\) shrink 8x8 images to 0x0 at conv layer 2",
        ),
        ((1, 8, 28), (2, 0), r"shrink 8x28 images to 0x5 at conv layer 2"),
        ((1, 4, 4), 0, r"shrink 4x4 images to 0x0 at conv layer 1"),
    ],
)
def test_cnn_shrinking_to_nothing_is_a_clear_error(input_shape, conv_padding, match):
    """Check that an architecture that pools images away raises, naming the
    parameters, the image size, what is left and the layer."""
    with pytest.raises(ValueError, match=match):
        CNN(input_shape, (6, 16), 5, conv_padding, (10,), 3)


def test_cnn_padding_length_mismatch_is_a_clear_error():
    """Check that a conv_padding tuple must give one padding per conv layer."""
    with pytest.raises(
        ValueError,
        match=r"conv_padding=\(2,\) has 1 values but conv_channels=\(6, 16\) "
        "has 2 conv layers",
    ):
        CNN((1, 28, 28), (6, 16), 5, (2,), (10,), 3)


# -- fitting and predicting ------------------------------------------------


def test_fit_learns_digits_images(digits_images):
    """Check that a He-initialized CNN learns 8x8 digits (train acc > 0.9) and
    sets the fitted attributes."""
    X, y = digits_images
    clf = _clf(optimizer="adam", lr=0.01, batch_size=50, max_epochs=5).fit(X, y)
    assert clf.score(X, y) > 0.9
    assert len(clf.history_) == 5
    assert clf.input_shape_ == (1, 8, 8)
    assert clf.n_features_in_ == 64
    assert isinstance(clf.initializer_, HeInit)
    # 8x8 -> conv pad 2 -> pool 4x4 -> conv pad 2 -> pool 2x2: 8 * 2 * 2 = 32.
    assert [c.shape for c in clf.coefs_] == [(32, 16), (16, 10)]
    assert [b.shape for b in clf.intercepts_] == [(16,), (10,)]
    assert [w.shape for w in _conv_weights(clf)] == [(4, 1, 5, 5), (8, 4, 5, 5)]
    proba = clf.predict_proba(X[:5])
    assert proba.shape == (5, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)


def test_campaign_initializes_conv_and_linear_layers(small_images):
    """Check that the default campaign initializer chooses neurons in every
    conv and Linear layer, scoring only the training rows (early stopping
    holds out the rest)."""
    X, y = small_images
    clf = _clf(
        initializer=NeuronCampaign(max_samples=None),
        early_stopping=True,
        validation_fraction=0.2,
        max_epochs=1,
    ).fit(X, y)
    report = clf.initializer_.report_
    assert [r["kind"] for r in report] == ["Conv2d", "Conv2d", "Linear", "Linear"]
    assert [r["fan_out"] for r in report] == [4, 8, 16, 10]
    assert all(r["n_rows"] == 240 for r in report)
    assert "valid_loss" in clf.history_[-1]
    assert NCCNNClassifier().initializer == "campaign"


def test_flat_X_with_input_shape_equals_images(small_images):
    """Check that a 2-D X with input_shape trains bit-identically to the 4-D
    X, and that both shapes are accepted by predict after either fit."""
    X, y = small_images
    flat = X.reshape(len(X), -1)
    on_images = _clf().fit(X, y)
    on_flat = _clf(input_shape=(1, 8, 8)).fit(flat, y)
    expected = on_images.predict_proba(X)
    np.testing.assert_array_equal(on_flat.predict_proba(flat), expected)
    np.testing.assert_array_equal(on_flat.predict_proba(X), expected)
    np.testing.assert_array_equal(on_images.predict_proba(flat), expected)
    # The rows are reshaped in C order: the module sees the original images.
    module = copy.deepcopy(on_flat.net_.module_).double().eval()
    with torch.no_grad():
        logits = module(torch.as_tensor(X, dtype=torch.float64))
    np.testing.assert_allclose(torch.softmax(logits, 1).numpy(), expected, rtol=1e-12)
    assert on_flat.input_shape_ == (1, 8, 8)
    assert on_flat.n_features_in_ == 64
    for a, b in zip(_conv_weights(on_images), _conv_weights(on_flat)):
        np.testing.assert_array_equal(a, b)
    # A matching input_shape is also accepted with 4-D X.
    np.testing.assert_array_equal(
        _clf(input_shape=[1, 8, 8]).fit(X, y).predict_proba(X), expected
    )


def test_predictions_do_not_depend_on_the_batch(small_images):
    """Check that a subset's predictions equal the whole set's, rows
    reordered alike: the float64 copy predicts, so probabilities differ by
    float64 rounding at most (MKL's dgemm rounds differently for other row
    counts), far below float32's 1e-7."""
    X, y = small_images
    clf = _clf().fit(X, y)
    proba, pred = clf.predict_proba(X), clf.predict(X)
    order = np.random.RandomState(0).permutation(len(X))
    for rows in (np.arange(7), order, order[:31]):
        np.testing.assert_allclose(
            clf.predict_proba(X[rows]), proba[rows], rtol=1e-12, atol=0
        )
        np.testing.assert_array_equal(clf.predict(X[rows]), pred[rows])


@pytest.mark.parametrize(
    "params, X_fn, match",
    [
        (
            {},
            lambda X: X[:, 0],
            r"X has shape \(300, 8, 8\) \(3-D\).*pass X\[:, None\]",
        ),
        (
            {},
            lambda X: X.reshape(len(X), -1),
            r"X has shape \(300, 64\): .* input_shape=\(channels, height, width\)",
        ),
        ({}, lambda X: X[:, None], r"X has shape \(300, 1, 1, 8, 8\) \(5-D\)"),
        (
            {"input_shape": (1, 4, 16)},
            lambda X: X,
            r"X has images of shape \(1, 8, 8\) but input_shape=\(1, 4, 16\)",
        ),
        (
            {"input_shape": (1, 8, 4)},
            lambda X: X.reshape(len(X), -1),
            r"input_shape=\(1, 8, 4\) has 32 values per image but X has 64 features",
        ),
        ({"input_shape": (8, 8)}, lambda X: X, r"input_shape must be \(channels"),
        ({}, lambda X: np.where(X == X.max(), np.nan, X), "NaN"),
        ({}, lambda X: np.where(X == X.max(), np.inf, X), "infinity"),
        (
            {"conv_padding": 0},
            lambda X: X,
            r"kernel_size=5 and conv_padding=0 shrink 8x8 images to 0x0 at conv layer",
        ),
        ({"conv_channels": (4, 0)}, lambda X: X, "conv_channels must be"),
    ],
)
def test_bad_input_clear_errors(small_images, params, X_fn, match):
    """Check that bad images or architectures raise a clear error in fit and
    leave no fitted state."""
    X, y = small_images
    clf = _clf(**params)
    with pytest.raises(ValueError, match=match):
        clf.fit(X_fn(X), y)
    assert not hasattr(clf, "net_")
    assert not hasattr(clf, "input_shape_")


def test_predict_with_other_images_is_a_clear_error(small_images):
    """Check that predict compares the images with those seen in fit."""
    X, y = small_images
    clf = _clf().fit(X, y)
    with pytest.raises(
        ValueError,
        match=r"X has images of shape \(1, 4, 16\); NCCNNClassifier was fitted "
        r"on \(1, 8, 8\)",
    ):
        clf.predict(X.reshape(len(X), 1, 4, 16))
    with pytest.raises(ValueError, match="X has 32 features, but NCCNNClassifier"):
        clf.predict(X.reshape(len(X), -1)[:, :32])
    with pytest.raises(ValueError, match=r"pass X\[:, None\]"):
        clf.predict(X[:, 0])
    with pytest.raises(ValueError, match="NaN"):
        clf.predict(np.where(X == X.max(), np.nan, X))


def test_failed_refit_keeps_previous_model(small_images):
    """Check that refits failing before or after the input validation leave
    the first fit's model, input_shape_ and n_features_in_ usable."""
    X, y = small_images
    clf = _clf().fit(X, y)
    before = clf.predict_proba(X)
    clf.set_params(conv_padding=0)  # shrinks 8x8 images to nothing
    with pytest.raises(ValueError, match="shrink 8x8 images"):
        clf.fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    clf.set_params(conv_padding=2)
    with pytest.raises(ValueError, match="only one class"):
        clf.fit(X[:, :, :4, :], np.zeros_like(y))
    assert clf.input_shape_ == (1, 8, 8)
    assert clf.n_features_in_ == 64
    np.testing.assert_array_equal(clf.predict_proba(X), before)


def test_information_plane_rows_are_shaped_as_predict_shapes_them(small_images):
    """Check that InformationPlane(X=...) on a CNN takes flat rows with
    input_shape (as predict does) and records what the images give; on a
    refit with another image size it checks against the new size."""
    from sknc.information import InformationPlane, records_from_history

    X, y = small_images
    flat = X.reshape(len(X), -1)

    def records(X_fit, X_cb, **kw):
        cb = InformationPlane(epochs=[0, 1], X=X_cb, y=y[:100])
        clf = _clf(callbacks=[cb], max_epochs=1, **kw).fit(X_fit, y)
        return records_from_history(clf.history_)

    expected = records(X, X[:100])
    assert [r["epoch"] for r in expected] == [0, 0, 0, 1, 1, 1]  # 2 conv, 1 fc
    assert records(flat, flat[:100], input_shape=(1, 8, 8)) == expected
    assert records(X, flat[:100], input_shape=(1, 8, 8)) == expected
    # A refit on 8x4 images measures 8x4 rows, not the first fit's 8x8.
    clf = _clf(max_epochs=1).fit(X, y)
    half = np.ascontiguousarray(X[:, :, :, :4])
    clf.set_params(callbacks=[InformationPlane(epochs=[0], X=half[:100], y=y[:100])])
    history = clf.fit(half, y).history_
    assert len(records_from_history(history)) == 3
    assert clf.input_shape_ == (1, 8, 4)


def test_failed_first_partial_fit_leaves_no_input_attributes(small_images):
    """Check that a first partial_fit that fails after checking X leaves the
    estimator unfitted, without input_shape_ or n_features_in_."""
    X, y = small_images
    clf = _clf(conv_padding=0)  # shrinks 8x8 images to nothing
    with pytest.raises(ValueError, match="shrink 8x8 images"):
        clf.partial_fit(X, y, classes=np.arange(10))
    assert not hasattr(clf, "input_shape_")
    assert not hasattr(clf, "n_features_in_")


def test_partial_fit_on_images(small_images):
    """Check that partial_fit initializes once, trains epoch by epoch and
    checks the image shape of later calls."""
    X, y = small_images
    clf = _clf()
    clf.partial_fit(X[:150], y[:150], classes=np.arange(10))
    first = _conv_weights(clf)[0]
    clf.partial_fit(X[150:], y[150:])
    assert len(clf.history_) == 2
    assert clf.input_shape_ == (1, 8, 8)
    assert 0 < np.abs(_conv_weights(clf)[0] - first).max() < np.abs(first).max()
    with pytest.raises(ValueError, match=r"images of shape \(1, 4, 16\)"):
        clf.partial_fit(X.reshape(len(X), 1, 4, 16), y)


class _KeepTorchInit:
    """An initializer that keeps torch's default initialization."""

    def initialize(self, module, X=None, y=None):
        return self


@pytest.mark.parametrize("initializer", ["campaign", _KeepTorchInit()])
def test_same_seed_same_model(small_images, initializer):
    """Check that one random_state gives identical weights and predictions,
    and another one different weights (also for torch's own initialization,
    drawn from a seeded generator)."""
    X, y = small_images
    a = _clf(initializer=initializer).fit(X, y)
    torch.rand(3)  # torch's global generator must not matter
    b = _clf(initializer=initializer).fit(X, y)
    c = _clf(initializer=initializer, random_state=1).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    for wa, wb in zip(_conv_weights(a) + a.coefs_, _conv_weights(b) + b.coefs_):
        np.testing.assert_array_equal(wa, wb)
    for wa, wc in zip(_conv_weights(a) + a.coefs_, _conv_weights(c) + c.coefs_):
        assert not np.array_equal(wa, wc)


# -- scikit-learn tools ---------------------------------------------------


def _grid(n_jobs):
    return GridSearchCV(
        _clf(initializer=NeuronCampaign(), optimizer="adam", lr=0.01, batch_size=25),
        {"initializer__alpha": [0.0, 1.0], "conv_channels": [(2, 4), (4, 8)]},
        cv=2,
        n_jobs=n_jobs,
    )


def test_grid_search_same_in_joblib_workers(small_images):
    """Check that a grid over initializer__alpha x conv_channels gives the
    same best parameters and scores sequentially and in 2 loky workers, and
    that the best estimator uses the winning values."""
    X, y = small_images
    seq = _grid(n_jobs=1).fit(X, y)
    par = _grid(n_jobs=2).fit(X, y)
    assert par.best_params_ == seq.best_params_
    for key in ("split0_test_score", "split1_test_score", "mean_test_score"):
        np.testing.assert_array_equal(par.cv_results_[key], seq.cv_results_[key])
    assert len(seq.cv_results_["params"]) == 4
    best = seq.best_estimator_
    channels = [w.shape[0] for w in _conv_weights(best)]
    assert tuple(channels) == seq.best_params_["conv_channels"]
    alpha = seq.best_params_["initializer__alpha"]
    assert best.initializer_.alpha_ == [alpha] * 4


def test_pipeline_with_scaler_and_input_shape(digits_images):
    """Check that StandardScaler + NCCNNClassifier(input_shape=...) fits on
    flat rows and scores well above chance."""
    X, y = digits_images
    flat = X.reshape(len(X), -1)
    clf = _clf(input_shape=(1, 8, 8), optimizer="adam", lr=0.01, batch_size=50)
    pipe = make_pipeline(StandardScaler(), clf.set_params(max_epochs=3))
    assert pipe.fit(flat, y).score(flat, y) > 0.8
    assert pipe[-1].n_features_in_ == 64
    assert pipe.predict(flat[:3]).shape == (3,)


def test_feature_names_with_flat_dataframe(small_images):
    """Check that a 2-D DataFrame with input_shape keeps its column names."""
    pd = pytest.importorskip("pandas")
    X, y = small_images
    df = pd.DataFrame(X.reshape(len(X), -1), columns=[f"px{i}" for i in range(64)])
    clf = _clf(input_shape=(1, 8, 8), max_epochs=1).fit(df, y)
    assert clf.feature_names_in_[-1] == "px63"
    assert clf.predict(df).shape == (len(X),)


def test_clone_and_pickle_round_trip(small_images):
    """Check that clone keeps the parameters (not the fit) and that a pickled
    model predicts identically."""
    X, y = small_images
    clf = _clf(conv_channels=(3,), conv_padding=(1,), kernel_size=3).fit(X, y)
    expected = clf.predict_proba(X)
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(clf)).predict_proba(X), expected
    )
    fresh = clone(clf)
    assert not hasattr(fresh, "net_")
    assert fresh.get_params()["conv_padding"] == (1,)
    np.testing.assert_array_equal(fresh.fit(X, y).predict_proba(X), expected)


# scikit-learn's checks whose X is not 4 columns wide, which input_shape=
# (1, 2, 2) needs: they fail on the width (or, for the one-label, regression
# target and 1-sample/1-feature checks, raise the width error before the
# message they look for). Measured with check_estimator(on_fail=None).
WIDTH_CHECKS = {
    "check_fit_score_takes_y",
    "check_estimators_overwrite_params",
    "check_dont_overwrite_parameters",
    "check_estimators_fit_returns_self",
    "check_readonly_memmap_input",
    "check_estimators_dtypes",
    "check_dtype_object",
    "check_pipeline_consistency",
    "check_estimators_nan_inf",
    "check_estimators_pickle",
    "check_f_contiguous_array_estimator",
    "check_classifier_data_not_an_array",
    "check_classifiers_one_label",
    "check_classifiers_classes",
    "check_estimators_partial_fit_n_features",
    "check_classifiers_train",
    "check_classifiers_regression_target",
    "check_supervised_y_2d",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_fit2d_1sample",
    "check_fit2d_1feature",
    "check_dict_unchanged",
    "check_fit_idempotent",
    "check_fit_check_is_fitted",
    "check_n_features_in",
    "check_fit2d_predict1d",
    # The sample-weight and class-weight checks, on 2-, 10-, 20- and 30-column
    # X; the same code (sknc._base) runs them on NCMLPClassifier in
    # test_common.py.
    "check_sample_weights_pandas_series",
    "check_sample_weights_not_an_array",
    "check_sample_weights_list",
    "check_all_zero_sample_weights_error",
    "check_sample_weights_shape",
    "check_sample_weights_not_overwritten",
    "check_sample_weight_equivalence_on_dense_data",
    "check_classifiers_one_label_sample_weights",
    "check_class_weight_classifiers",
}

_CHECKED = NCCNNClassifier(
    conv_channels=(2,),
    kernel_size=1,
    conv_padding=0,
    hidden_layer_sizes=(8,),
    input_shape=(1, 2, 2),
    max_epochs=10,
    tol=None,
    random_state=0,
)
_CHECKS = [check for _, check in estimator_checks_generator(_CHECKED, mark=None)]


def _check_name(check):
    return getattr(check, "func", check).__name__


def test_width_checks_are_sklearn_checks():
    """Check that every check left out below is one scikit-learn runs (so a
    typo or a renamed check cannot hide a check)."""
    assert WIDTH_CHECKS <= {_check_name(check) for check in _CHECKS}


@pytest.mark.parametrize(
    "check",
    [check for check in _CHECKS if _check_name(check) not in WIDTH_CHECKS],
    ids=_check_name,
)
def test_sklearn_checks_subset(check):
    """Check the scikit-learn estimator checks that do not need a given
    width (see the module docstring): parameters, cloning, repr, unfitted
    errors, empty, complex and sparse data, n_features_in_ after fit."""
    check(_CHECKED)
