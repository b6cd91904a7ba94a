"""
=================================================
The campaign for regression, against MLPRegressor
=================================================

:class:`~sknc.NCMLPRegressor` is the regression counterpart of
:class:`~sknc.NCMLPClassifier`. Its campaign scores candidate neurons
against the real-valued target: with ``target="correlation"`` (the default
of a regressor) by the share of a candidate's response variance that ``y``
explains, with ``target="binned"`` by the class criterion of the paper on
equal-mass bins of ``y``.

Here both, He's initialization and scikit-learn's
:class:`~sklearn.neural_network.MLPRegressor` are cross-validated on the
diabetes data, each in the pipeline a user writes: standardized features,
and ``y`` standardized by a :class:`~sklearn.compose.TransformedTargetRegressor`
(the estimators, like scikit-learn's, use ``y`` as given). The regression
benchmark page measures the same on a suite of sets.
"""

# %%
# Models
# ------
#
# One thread for torch and numpy: the networks are small, and examples
# should be polite on shared machines.

import warnings

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, cross_val_score
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from sknc import NCMLPRegressor, NeuronCampaign

torch.set_num_threads(1)
threadpool_limits(1)
# Both estimators warn that their stopping rule was not met in the epochs
# they were given; the comparison is at equal (default) budgets.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_diabetes(return_X_y=True)
models = {
    "MLPRegressor": MLPRegressor(random_state=0),
    "He": NCMLPRegressor(initializer="he", random_state=0),
    "campaign (correlation)": NCMLPRegressor(random_state=0),
    "campaign (binned)": NCMLPRegressor(
        initializer=NeuronCampaign(target="binned"), random_state=0
    ),
}


def pipeline(model):
    return TransformedTargetRegressor(
        make_pipeline(StandardScaler(), model), transformer=StandardScaler()
    )


# %%
# Five folds, the same for every model
# ------------------------------------

cv = KFold(5, shuffle=True, random_state=0)
scores = {
    name: cross_val_score(pipeline(model), X, y, cv=cv, scoring="r2")
    for name, model in models.items()
}
for name, s in scores.items():
    print(f"{name:24s} R^2 {s.mean():.3f} ± {s.std(ddof=1):.3f}")

# %%
# The fold-by-fold R^2
# --------------------
#
# Each line is a fold; the models are compared on the same rows.

fig, ax = plt.subplots(figsize=(7, 4))
names = list(scores)
table = np.array([scores[n] for n in names])
for fold in range(table.shape[1]):
    ax.plot(names, table[:, fold], "o-", color="0.7", lw=1)
ax.plot(names, table.mean(axis=1), "D", color="C3", label="mean over folds")
ax.set_ylabel("test R^2")
ax.set_title("diabetes, 5-fold CV")
ax.legend()
plt.setp(ax.get_xticklabels(), rotation=15, ha="right")
fig.tight_layout()
plt.show()

# %%
# On one set, five folds decide little: the differences between the
# initializations are of the size of the spread between folds. The
# regression benchmark page has the suite of sets, with wins, ties and
# losses per set.
