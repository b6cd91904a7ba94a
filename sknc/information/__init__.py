"""Information-plane tools: I(X;T) and I(T;Y) estimators, a skorch callback
that records them during training, and mean-field helpers.

All quantities are in bits. Plots live in :mod:`sknc.plotting` (an optional
extra); this package does not import matplotlib.
"""

from sknc.information._base import BaseMIEstimator
from sknc.information._binning import AdaptiveBinningEstimator, BinningEstimator
from sknc.information._callback import InformationPlane, records_from_history
from sknc.information._entropy import discrete_entropy
from sknc.information._kde import KDEEstimator
from sknc.information._kmeans import KMeansEstimator
from sknc.information._mean_field import (
    chi1,
    critical_sigma_w2,
    fixed_point_q,
    length_map,
    mean_field_sweep,
)
from sknc.information._mutual_information import (
    ESTIMATORS,
    get_estimator,
    mutual_information,
)

__all__ = [
    "ESTIMATORS",
    "AdaptiveBinningEstimator",
    "BaseMIEstimator",
    "BinningEstimator",
    "InformationPlane",
    "KDEEstimator",
    "KMeansEstimator",
    "chi1",
    "critical_sigma_w2",
    "discrete_entropy",
    "fixed_point_q",
    "get_estimator",
    "length_map",
    "mean_field_sweep",
    "mutual_information",
    "records_from_history",
]
