"""
====================================================
The neuron campaign on your own skorch net: a CNN
====================================================

You already train your own PyTorch module with skorch, say a small CNN with
batch normalization in a :class:`skorch.NeuralNetClassifier`. One callback,
:class:`~sknc.callbacks.InitializeWith`, initializes it with the neuron
campaign (or any sknc baseline) on the rows the net trains on, at the start
of each fresh fit. We compare it with PyTorch's default initialization and
with He's on the digits, then grid-search the campaign's parameters through
skorch's own parameter routing.
"""

# %%
# The module: a CNN with batch norm
# ---------------------------------
#
# Two conv -> batch norm -> ReLU -> max-pool blocks and a linear output
# layer, for the 8x8 digits given as ``(n, 1, 8, 8)`` images.

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, ParameterGrid
from skorch import NeuralNetClassifier
from threadpoolctl import threadpool_limits
from torch import nn

from sknc import HeInit, NeuronCampaign
from sknc.callbacks import InitializeWith

torch.set_num_threads(1)
threadpool_limits(1)  # numpy's BLAS on one thread too


class SmallCNN(nn.Module):
    def __init__(self, channels=(8, 16)):
        super().__init__()
        c1, c2 = channels
        self.features = nn.Sequential(
            nn.Conv2d(1, c1, 3, padding=1),
            nn.BatchNorm2d(c1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, 3, padding=1),
            nn.BatchNorm2d(c2),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Linear(c2 * 2 * 2, 10)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


X, y = load_digits(return_X_y=True)
X = (X / 16).astype(np.float32).reshape(-1, 1, 8, 8)


def make_net(callbacks=(), max_epochs=5):
    """Plain SGD, a few epochs; skorch's default split (5-fold stratified)
    keeps 20 % of the rows for validation."""
    return NeuralNetClassifier(
        SmallCNN,
        criterion=nn.CrossEntropyLoss,
        optimizer=torch.optim.SGD,
        lr=0.1,
        batch_size=128,
        max_epochs=max_epochs,
        callbacks=list(callbacks),
        verbose=0,
    )


# %%
# Three initializations of the same net
# -------------------------------------
#
# ``InitializeWith`` takes an initializer object or a name. It runs at the
# start of the first epoch, on ``dataset_train``: the 80 % of the rows that
# skorch's split keeps for training, never its validation rows. The torch
# seed (``torch.manual_seed``) sets PyTorch's default initialization and the
# batch order; the campaign's weights depend only on its own
# ``random_state`` and the training rows.

inits = {
    "PyTorch default": [],
    "he": [("init", InitializeWith(HeInit(random_state=0)))],
    "campaign": [("init", InitializeWith(NeuronCampaign(random_state=0)))],
}
curves = {}
for name, callbacks in inits.items():
    torch.manual_seed(0)
    net = make_net(callbacks).fit(X, y)
    curves[name] = [1 - row["valid_acc"] for row in net.history]
    print(f"{name:>16}: validation error by epoch", np.round(curves[name], 3))

fig, ax = plt.subplots(figsize=(6, 4))
for name, curve in curves.items():
    ax.plot(range(1, len(curve) + 1), 100 * np.array(curve), marker="o", label=name)
ax.set_xlabel("epoch")
ax.set_ylabel("validation error (%)")
ax.set_title("SmallCNN on the digits, SGD lr 0.1, one seed")
ax.legend()
fig.tight_layout()

# %%
# One seed on one split of 360 validation images is a single draw: a few
# points of error either way are within its noise. To compare
# initializations on your net, search them with cross-validation (below)
# or repeat over seeds.
#
# %%
# What the campaign did with the conv and batch-norm layers
# ---------------------------------------------------------
#
# The fitted initializer is the callback's ``initializer_``. The campaign
# chose the filters of both conv layers and the neurons of the linear layer
# (two candidates each, Xavier-drawn by default). It scored every layer on
# the output of the layers already chosen, with the net in eval mode. The
# batch-norm layers keep their parameters (weight 1, bias 0) and running
# statistics (mean 0, variance 1): freshly built, in eval mode they pass
# the conv output on almost unchanged. A conv layer followed by a batch
# norm is scored on its linear output (the tracer finds no activation
# right after it: ``activation`` is ``"identity"``), not through the ReLU
# that comes after the batch norm. Training then normalizes with batch
# statistics as usual.

campaign = dict(net.callbacks_)["init"].initializer_
for r in campaign.report_:
    print(
        f"{r['layer']:>12} {r['kind']:>6}: fan_in {r['fan_in']:>3}, "
        f"{r['fan_out']:>2} kept of {r['n_candidates']:>2} candidates, "
        f"scored through {r['activation']!r}, on {r['n_rows']} rows"
    )

# %%
# Grid search through skorch's parameter routing
# ----------------------------------------------
#
# skorch routes ``callbacks__init__initializer`` to the callback, so whole
# initializers are grid values: the campaign with several ``alpha`` and
# ``candidate_ratio`` (built with :class:`~sklearn.model_selection.ParameterGrid`),
# and He for comparison, in one search. (A nested key such as
# ``callbacks__init__initializer__alpha`` is listed by ``get_params`` but
# refused by skorch 1.4's ``set_params``.)

campaigns = [
    NeuronCampaign(random_state=0, **params)
    for params in ParameterGrid({"alpha": [0.0, 1.0], "candidate_ratio": [2, 8]})
]
torch.manual_seed(0)
grid = GridSearchCV(
    make_net([("init", InitializeWith())], max_epochs=4),
    {"callbacks__init__initializer": [*campaigns, HeInit(random_state=0)]},
    cv=2,
)
grid.fit(X, y)
for params, score in zip(
    grid.cv_results_["params"], grid.cv_results_["mean_test_score"]
):
    print(f"{score:.3f}  {params['callbacks__init__initializer']!r}")
print("best:", grid.best_params_["callbacks__init__initializer"])

# %%
# The refit ``best_estimator_`` was initialized with the winner: its
# callback's fitted initializer (a clone, with ``report_`` for the
# campaign) has the winning parameters.

winner = grid.best_params_["callbacks__init__initializer"]
fitted = dict(grid.best_estimator_.callbacks_)["init"].initializer_
print(repr(fitted), fitted.get_params() == winner.get_params())
