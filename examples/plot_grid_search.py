"""
==================================================
Grid search over ``alpha`` and ``candidate_ratio``
==================================================

The campaign's parameters are nested parameters of
:class:`~sknc.NCMLPClassifier`: ``initializer__alpha`` and
``initializer__candidate_ratio`` can be searched with
:class:`~sklearn.model_selection.GridSearchCV` like any other
hyperparameter. Here we search both on the digits and draw the mean
cross-validation accuracy as a heatmap.

- ``alpha`` weighs the two criteria of the election: 1.0 keeps the neurons
  whose responses spread most (input information), 0.0 those that separate
  the classes best (target information), ``"linear"`` goes from 1.0 at the
  first layer to 0.0 at the output layer.
- ``candidate_ratio`` is the number of candidates drawn per neuron; with 1
  every candidate is kept, which is plain Xavier initialization (the
  distribution the candidates are drawn from by default).

The networks are trained for only 3 epochs of plain SGD (learning rate 0.1),
where the initialization still matters; with longer training the
differences shrink.
"""

# %%
# The search
# ----------

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from threadpoolctl import threadpool_limits

from sknc import NCMLPClassifier, NeuronCampaign

torch.set_num_threads(1)
threadpool_limits(1)  # numpy's BLAS on one thread too

X, y = load_digits(return_X_y=True)
X = (X / 16).astype(np.float32)

clf = NCMLPClassifier(
    hidden_layer_sizes=(64, 32),
    initializer=NeuronCampaign(),
    max_epochs=3,
    optimizer="sgd",
    lr=0.1,
    batch_size=100,
    tol=None,
    random_state=0,
)
param_grid = {
    "initializer__alpha": [0.0, 0.5, 1.0, "linear"],
    "initializer__candidate_ratio": [1, 2, 5, 10],
}
cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
grid = GridSearchCV(clf, param_grid, cv=cv)
grid.fit(X, y)
print("best parameters:", grid.best_params_)
print(f"best mean CV accuracy: {grid.best_score_:.3f}")

# %%
# Mean CV accuracy as a heatmap
# -----------------------------
#
# ``cv_results_`` lists the combinations in the order of
# :class:`~sklearn.model_selection.ParameterGrid`: sorted parameter names,
# the last one varying fastest. We look each one up instead of relying on
# that order.

alphas = param_grid["initializer__alpha"]
ratios = param_grid["initializer__candidate_ratio"]
scores = np.empty((len(alphas), len(ratios)))
for params, score in zip(
    grid.cv_results_["params"], grid.cv_results_["mean_test_score"]
):
    i = alphas.index(params["initializer__alpha"])
    j = ratios.index(params["initializer__candidate_ratio"])
    scores[i, j] = score

fig, ax = plt.subplots(figsize=(6, 4.5))
image = ax.imshow(scores, cmap="viridis", aspect="auto")
for i in range(len(alphas)):
    for j in range(len(ratios)):
        color = "black" if scores[i, j] > scores.mean() else "white"
        ax.text(j, i, f"{scores[i, j]:.3f}", ha="center", va="center", color=color)
ax.set_xticks(range(len(ratios)), [str(r) for r in ratios])
ax.set_yticks(range(len(alphas)), [str(a) for a in alphas])
ax.set_xlabel("candidate_ratio (1 = plain Xavier)")
ax.set_ylabel("alpha (weight of the input criterion)")
ax.set_title("mean 3-fold CV accuracy, 64-64-32-10, 3 epochs")
fig.colorbar(image, ax=ax, label="accuracy")
fig.tight_layout()

# %%
# In the column ``candidate_ratio=1`` every candidate is kept, so every
# layer is a plain Xavier draw, whatever ``alpha``: it is the baseline of each
# row. Its cells still differ a little, because the scores set the *order*
# of the kept neurons, which changes the draws of the next layer's
# candidates; that spread, like the spread between folds
# (``std_test_score`` in ``cv_results_``), tells how large a difference
# between two cells must be to mean something. Reading along a row shows
# what a larger election buys; reading down a column shows which criterion
# helps.

std = grid.cv_results_["std_test_score"]
print(f"std over folds: {std.min():.3f} .. {std.max():.3f}")
