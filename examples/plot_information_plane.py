"""
========================================
The information plane of a small network
========================================

Follow every hidden layer of a small tanh network in the information plane
while it trains on the digits: how much it keeps of the input, I(X;T), and
how much it tells about the label, I(T;Y), both in bits. We train the same
network twice, once from He initialization and once from the neuron
campaign, and end with the mean-field view of random networks at
initialization.

The network, 64-10-7-5-4-3-10, mimics the funnel Shwartz-Ziv & Tishby used
on their 12-bit data, here on the 1 797 digits bundled with scikit-learn.
"""

# %%
# Recording the information plane during training
# -----------------------------------------------
#
# :class:`~sknc.information.InformationPlane` is a skorch callback: at
# epoch 0 (before training) and at log-spaced epochs it runs the network on
# the training rows and estimates both quantities for every hidden layer.
#
# The estimate depends on its resolution. With the classic 30 bins per
# unit, almost every digit falls in its own bin pattern, so every layer
# shows the ceiling, I(X;T) = log2(1797) = 10.8 bits and I(T;Y) = H(Y) =
# 3.3 bits, at every epoch. Six bins on [-1, 1] leave room to see the
# layers differ.

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits
from threadpoolctl import threadpool_limits

from sknc import NCMLPClassifier, NeuronCampaign
from sknc.information import (
    BinningEstimator,
    InformationPlane,
    discrete_entropy,
    mean_field_sweep,
    records_from_history,
)
from sknc.plotting import (
    InformationCurvesDisplay,
    InformationPlaneDisplay,
    MeanFieldDisplay,
)

torch.set_num_threads(1)
threadpool_limits(1)  # numpy's BLAS on one thread too

X, y = load_digits(return_X_y=True)
X = (X / 16).astype(np.float32)
print(f"ceilings: log2(n) = {np.log2(len(X)):.2f} bits, H(Y) = ", end="")
print(f"{discrete_entropy(y):.2f} bits")

# The paper's campaign (He candidates, alpha from 1 to 0 over the layers)
# and training (plain SGD, fixed epochs), both given explicitly.
inits = {"he": "he", "campaign": NeuronCampaign(base_init="he", alpha="linear")}
records = {}
for init, initializer in inits.items():
    clf = NCMLPClassifier(
        hidden_layer_sizes=(10, 7, 5, 4, 3),
        activation="tanh",
        initializer=initializer,
        max_epochs=200,
        optimizer="sgd",
        lr=0.1,
        batch_size=100,
        tol=None,
        random_state=0,
        callbacks=[
            InformationPlane(
                n_points=15,
                estimator=BinningEstimator(n_bins=6, value_range=(-1, 1)),
            )
        ],
    ).fit(X, y)
    # NCMLPClassifier deep-copies its callbacks; the records are in history_.
    records[init] = records_from_history(clf.history_)
    print(f"{init}: training accuracy {clf.score(X, y):.3f}")

# %%
# The information plane
# ---------------------
#
# One marker per layer (layer 1 is the widest, next to the input), one
# point per measured epoch, coloured by epoch. Layers further from the
# input sit lower and to the left: by the data-processing inequality a
# layer cannot know more about X than the layer before it.

fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), sharex=True, sharey=True)
for ax, (init, recs) in zip(axes, records.items()):
    InformationPlaneDisplay.from_records(recs, ax=ax, colorbar=ax is axes[-1])
    ax.set_title(f"{init} initialization")
fig.tight_layout()

# %%
# Where the two initializations differ
# ------------------------------------
#
# At epoch 0 the campaign's layers already carry more information about the
# label: its neurons were elected for it (from ``alpha=1`` at the first
# layer to ``alpha=0`` at the output, under ``alpha="linear"``). Training
# then lifts I(T;Y) of every layer towards H(Y) for both, while the narrow
# rear layers end up losing information about the input (the "compression"
# that Saxe et al. tied to saturating tanh units).

print("layer  I(X;T) he / campaign   I(T;Y) he / campaign   (epoch 0)")
for index in range(5):
    he, nc = (
        next(r for r in records[init] if r["epoch"] == 0 and r["layer_index"] == index)
        for init in ("he", "campaign")
    )
    print(
        f"{index + 1:>5}  {he['i_xt']:6.2f} / {nc['i_xt']:5.2f}"
        f"          {he['i_ty']:5.2f} / {nc['i_ty']:5.2f}"
    )

# %%
# The same records against the epoch
# ----------------------------------
#
# :class:`~sknc.plotting.InformationCurvesDisplay` unrolls the plane: the
# epoch axis is linear up to 1 and logarithmic above, so that epoch 0 (the
# initialization) and the log-spaced measurements both show.

disp = InformationCurvesDisplay.from_records(records["campaign"])
disp.figure_.suptitle("campaign initialization")
disp.figure_.tight_layout()

# %%
# Mean field: random networks at initialization
# ---------------------------------------------
#
# Before any training, a wide random tanh network with weights
# ``N(0, sigma_w2 / fan_in)`` is described by mean-field theory: the slope
# ``chi1`` of its correlation map tells whether nearby inputs converge with
# depth (``chi1 < 1``, ordered) or diverge (``chi1 > 1``, chaotic); the
# edge of chaos, ``chi1 = 1``, is a curve in the plane of the weight and
# bias variances (:func:`~sknc.information.critical_sigma_w2`).
# :func:`~sknc.information.mean_field_sweep` computes ``chi1`` and pairs it
# with the *measured* I(X;T) of each layer of random networks on the
# digits: the KDE upper bound, with a noise variance of 0.1 (with the
# usual 1e-3, every layer here would sit at the ceiling).

sigma_w2 = [0.25, 0.5, 1.0, 2.0, 4.0, 8.0]
sweep = mean_field_sweep(
    sigma_w2,
    0.0,
    "tanh",
    X,
    depth=6,
    width=32,
    random_state=0,
    noise_variance=0.1,
    max_samples=800,
)
print(f"edge of chaos at sigma_b2 = 0: sigma_w2 = {sweep.critical_sigma_w2:.4f}")
print("chi1:", np.round(sweep.chi1, 3))
disp = MeanFieldDisplay.from_sweep(sweep)
disp.figure_.suptitle("random tanh networks, 64-32-32-32-32-32-32, on the digits")
disp.figure_.tight_layout()

# %%
# In the ordered phase (``sigma_w2 < 1``) the pre-activations shrink layer
# after layer towards the fixed point ``q* = 0``, the rows fall within the
# noise of each other and I(X;T) drops quickly with depth. At the edge of
# chaos (``sigma_w2 = 1``, ``chi1 = 1``) it decays slowly, and in the
# chaotic phase the layers keep almost everything, up to the ceiling
# log2(800) = 9.6 bits of the 800 rows the estimate used. The noise
# variance sets the resolution of this measurement: compare curves
# measured with the same one. With bias noise (``sigma_b2 > 0``) the edge
# moves right: 1.761 at ``sigma_b2 = 0.05``, the curve of the left panel.
