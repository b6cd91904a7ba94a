"""
=============================================
Campaign-selected features for a linear model
=============================================

:class:`~sknc.NCInitTransformer` builds one hidden layer of ReLU neurons
and picks them by neuron campaign, without any training: its output is a
set of nonlinear features for a linear model, like random features, but
chosen on the labels.

We compare, for several numbers of features,

- **campaign features**: the default campaign (Xavier-normal candidates,
  both criteria weighted equally) with ten candidates per feature;
- **random Xavier features**: the same campaign with ``candidate_ratio=1``,
  which keeps every candidate, so nothing is selected (the same draws as
  ``initializer="xavier"``).

Each pipeline is ``StandardScaler -> NCInitTransformer -> StandardScaler
-> LogisticRegression``: the first scaler gives every pixel the same weight
in the random projections, the second puts the ReLU features on one scale
for the regularized logistic regression.
"""

# %%
# Cross-validated accuracy per number of features
# -----------------------------------------------

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from sknc import NCInitTransformer, NeuronCampaign

torch.set_num_threads(1)
threadpool_limits(1)  # numpy's BLAS on one thread too

X, y = load_digits(return_X_y=True)
X = X.astype(np.float32)


def make_model(n_features, candidate_ratio):
    return make_pipeline(
        StandardScaler(),
        NCInitTransformer(
            hidden_layer_sizes=(n_features,),
            initializer=NeuronCampaign(candidate_ratio=candidate_ratio),
            random_state=0,
        ),
        StandardScaler(),
        LogisticRegression(max_iter=500),
    )


widths = [8, 16, 32, 64, 128]
variants = {"campaign features": 10, "random Xavier features": 1}
cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
results = {}
for label, ratio in variants.items():
    scores = [cross_val_score(make_model(w, ratio), X, y, cv=cv) for w in widths]
    results[label] = np.array(scores)
    means = ", ".join(f"{w}: {s.mean():.3f}" for w, s in zip(widths, scores))
    print(f"{label:>18}  {means}")

# %%
# The plot
# --------
#
# Mean accuracy over the 5 folds, with one standard deviation. The
# campaign's advantage is largest when features are scarce: each of a few
# features has to count. As the number of features grows, random features
# cover the input space as well and the two curves meet.

fig, ax = plt.subplots(figsize=(6.5, 4.5))
for label, scores in results.items():
    mean, std = scores.mean(axis=1), scores.std(axis=1)
    ax.errorbar(widths, mean, yerr=std, marker="o", capsize=3, label=label)
ax.set_xscale("log", base=2)
ax.set_xticks(widths, [str(w) for w in widths])
ax.set_xlabel("number of features (hidden ReLU units)")
ax.set_ylabel("5-fold CV accuracy")
ax.set_title("digits: logistic regression on one untrained hidden layer")
ax.legend()
fig.tight_layout()

# %%
# What was elected
# ----------------
#
# The fitted transformer keeps its campaign as ``initializer_``. Its report
# tells, for each feature, the class it was elected for: with
# ``class_balanced=True`` (the default) the features are shared evenly
# among the ten digits.

pipe = make_model(32, 10).fit(X, y)
report = pipe[1].initializer_.report_[0]
print("candidates scored:", report["n_candidates"])
print("features per class:", np.bincount(report["chosen_classes"], minlength=10))
print("feature names:", pipe[1].get_feature_names_out()[:3].tolist(), "...")
