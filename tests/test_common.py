"""scikit-learn's estimator checks on every sknc estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sknc import HeInit, NCInitTransformer, NCMLPClassifier, NeuronCampaign

# Expected failures: {check name: reason}. There are none.
EXPECTED_FAILED_CHECKS = {}

ESTIMATORS = [
    NCMLPClassifier(hidden_layer_sizes=(16,), max_epochs=10, random_state=0),
    NCMLPClassifier(
        hidden_layer_sizes=(16, 8),
        initializer=NeuronCampaign(alpha=0.5, candidate_ratio=3),
        max_epochs=10,
        random_state=0,
    ),
    NCMLPClassifier(
        hidden_layer_sizes=(16,),
        initializer=HeInit(),
        max_epochs=10,
        random_state=0,
    ),
    NCInitTransformer(hidden_layer_sizes=(16,), random_state=0),
    NCInitTransformer(
        hidden_layer_sizes=(16, 8), alpha=[1.0, 0.5], rescale="lsuv", random_state=0
    ),
]


@parametrize_with_checks(
    ESTIMATORS, expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS
)
def test_sklearn_compatible_estimator(estimator, check):
    """Check that the estimator passes scikit-learn's estimator checks."""
    check(estimator)
