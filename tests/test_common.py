"""scikit-learn's estimator checks on every sknc estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sknc import (
    HeInit,
    NCInitTransformer,
    NCMLPClassifier,
    NCMLPRegressor,
    NeuronCampaign,
)

# Expected failures: {estimator class: {check name: reason}}.
_NOT_BIT_EQUIVALENT = (
    "float32 mini-batch training: integer weights and repeated rows give the "
    "same campaign selection and the same batch loss to float32 rounding "
    "(tests/test_sample_weight.py), and predict_proba agrees to about 1e-7 "
    "after training, but the check asks for rtol=1e-7; scikit-learn runs it on "
    "MLPClassifier only with the full-batch, float64 solver='lbfgs' (and on "
    "MLPRegressor with solver='sgd' at tol=1e-2). Whether the last bits land "
    "within it depends on the machine's float32 kernels: the regressor's "
    "checks pass on the project's AMD machine and fail on its Intel one, so "
    "they are expected failures that may pass (not strict)"
)
_WEIGHT_CHECKS = {
    "check_sample_weight_equivalence_on_dense_data": _NOT_BIT_EQUIVALENT,
    "check_sample_weight_equivalence_on_sparse_data": _NOT_BIT_EQUIVALENT,
}
EXPECTED_FAILED_CHECKS = {
    "NCMLPClassifier": _WEIGHT_CHECKS,
    "NCMLPRegressor": _WEIGHT_CHECKS,
}

# Twenty epochs of small batches at a higher learning rate than the default
# keep the checks quick (sklearn gives iterative estimators max_iter=1000 in
# check_class_weight_classifiers; ten epochs left one seed of the campaign
# short there); tol=None trains them all (no ConvergenceWarning per fit).
FAST = dict(max_epochs=20, lr=0.01, batch_size=32, tol=None, random_state=0)

ESTIMATORS = [
    NCMLPClassifier(random_state=0),  # the defaults, stopping rule included
    NCMLPClassifier(hidden_layer_sizes=(16,), **FAST),
    NCMLPClassifier(
        hidden_layer_sizes=(16, 8),
        initializer=NeuronCampaign(alpha=0.5, candidate_ratio=3),
        **FAST,
    ),
    NCMLPClassifier(hidden_layer_sizes=(16,), initializer=HeInit(), **FAST),
    NCMLPRegressor(random_state=0),  # the defaults
    NCMLPRegressor(hidden_layer_sizes=(16,), **FAST),
    NCMLPRegressor(
        hidden_layer_sizes=(16, 8),
        initializer=NeuronCampaign(target="binned", candidate_ratio=3),
        **FAST,
    ),
    NCMLPRegressor(hidden_layer_sizes=(16,), initializer=HeInit(), **FAST),
    NCInitTransformer(hidden_layer_sizes=(16,), random_state=0),
    NCInitTransformer(
        hidden_layer_sizes=(16, 8),
        initializer=NeuronCampaign(alpha=[1.0, 0.5], rescale="lsuv"),
        random_state=0,
    ),
    NCInitTransformer(hidden_layer_sizes=(16,), initializer=HeInit(), random_state=0),
]


@parametrize_with_checks(
    ESTIMATORS,
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS.get(
        type(est).__name__, {}
    ),
)
def test_sklearn_compatible_estimator(estimator, check):
    """Check that the estimator passes scikit-learn's estimator checks."""
    check(estimator)
