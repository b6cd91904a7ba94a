"""Grid search on a dask.distributed LocalCluster (joblib's dask backend)."""

import numpy as np
import pytest
from joblib import parallel_backend
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV

from sknc import NCMLPClassifier, NeuronCampaign

distributed = pytest.importorskip("distributed")


def _grid():
    return GridSearchCV(
        NCMLPClassifier(
            hidden_layer_sizes=(16,),
            max_epochs=3,
            tol=None,
            initializer=NeuronCampaign(),
            random_state=0,
        ),
        {"initializer__alpha": [0.0, 1.0], "initializer__candidate_ratio": [2, 4]},
        cv=2,
    )


def test_grid_search_on_local_cluster_matches_sequential():
    """Check that a grid search on a 2-process LocalCluster finds the same best
    parameters and the same cross-validation scores as the sequential run."""
    X, y = load_digits(return_X_y=True)
    X, y = (X[:400] / 16).astype(np.float32), y[:400]
    sequential = _grid().fit(X, y)
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster),
    ):
        with parallel_backend("dask"):
            on_dask = _grid().fit(X, y)
    assert on_dask.best_params_ == sequential.best_params_
    np.testing.assert_array_equal(
        on_dask.cv_results_["mean_test_score"],
        sequential.cv_results_["mean_test_score"],
    )
