"""scikit-learn's estimator checks on every sknc estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sknc import HeInit, NCInitTransformer, NCMLPClassifier, NeuronCampaign

# Expected failures: {check name: reason}. There are none.
EXPECTED_FAILED_CHECKS = {}

# Ten epochs of small batches at a higher learning rate than the default keep
# the checks quick; tol=None trains them all (no ConvergenceWarning per fit).
FAST = dict(max_epochs=10, lr=0.01, batch_size=32, tol=None, random_state=0)

ESTIMATORS = [
    NCMLPClassifier(random_state=0),  # the defaults, stopping rule included
    NCMLPClassifier(hidden_layer_sizes=(16,), **FAST),
    NCMLPClassifier(
        hidden_layer_sizes=(16, 8),
        initializer=NeuronCampaign(alpha=0.5, candidate_ratio=3),
        **FAST,
    ),
    NCMLPClassifier(hidden_layer_sizes=(16,), initializer=HeInit(), **FAST),
    NCInitTransformer(hidden_layer_sizes=(16,), random_state=0),
    NCInitTransformer(
        hidden_layer_sizes=(16, 8),
        initializer=NeuronCampaign(alpha=[1.0, 0.5], rescale="lsuv"),
        random_state=0,
    ),
    NCInitTransformer(hidden_layer_sizes=(16,), initializer=HeInit(), random_state=0),
]


@parametrize_with_checks(
    ESTIMATORS, expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS
)
def test_sklearn_compatible_estimator(estimator, check):
    """Check that the estimator passes scikit-learn's estimator checks."""
    check(estimator)
