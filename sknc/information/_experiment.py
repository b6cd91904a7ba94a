"""The information-plane experiment behind ``sknc infoplane``.

Shwartz-Ziv & Tishby's setting on the 12-bit dataset (12-10-7-5-4-3-2) and a
small IRIS variant (4-10-7-5-4-3), trained by skorch with the
:class:`~sknc.information.InformationPlane` callback.
"""

import csv
import math
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from torch import nn

from sknc.information._binning import AdaptiveBinningEstimator, BinningEstimator
from sknc.information._callback import InformationPlane
from sknc.information._kde import KDEEstimator
from sknc.information._kmeans import KMeansEstimator

#: Per dataset: hidden widths, learning rate, batch size, default epochs.
#: ib12 follows Saxe et al.'s replication of Shwartz-Ziv & Tishby (Adam,
#: lr 4e-4, batch 256, 80 % training rows); their runs last thousands of
#: epochs, the default here is short enough for about a minute on a CPU.
SETTINGS = {
    "ib12": {"hidden": (10, 7, 5, 4, 3), "lr": 4e-4, "batch_size": 256, "epochs": 2000},
    "iris": {"hidden": (10, 7, 5, 4), "lr": 0.01, "batch_size": 32, "epochs": 300},
}

RECORD_FIELDS = ("run", "epoch", "layer", "layer_index", "n_units", "i_xt", "i_ty")


def load_dataset(dataset, data_home=None):
    """Return ``(X, y)``: X float32 of shape (n, d), y int64."""
    if dataset == "ib12":
        from sknc.datasets import load_ib12

        X, y = load_ib12(data_home, return_X_y=True)
    elif dataset == "iris":
        from sklearn.datasets import load_iris

        X, y = load_iris(return_X_y=True)
    else:
        raise ValueError(f"dataset must be 'ib12' or 'iris'; got {dataset!r}")
    return np.asarray(X, dtype=np.float32), np.asarray(y, dtype=np.int64)


def make_estimator(
    name,
    activation,
    *,
    n_bins=30,
    noise_variance=1e-3,
    n_clusters=50,
    random_state=None,
):
    """The estimator of ``name`` (None: the default of ``activation``).

    Defaults: tanh -> 30 uniform bins on [-1, 1]; relu -> per-unit Scott
    bins (ReLU activations are unbounded).
    """
    if name is None:
        name = "bin" if activation == "tanh" else "adaptive"
    if name == "bin":
        value_range = (-1.0, 1.0) if activation == "tanh" else None
        return BinningEstimator(n_bins=n_bins, value_range=value_range)
    if name == "adaptive":
        return AdaptiveBinningEstimator(rule="scott")
    if name == "kde":
        return KDEEstimator(noise_variance=noise_variance, random_state=random_state)
    if name == "kmeans":
        return KMeansEstimator(n_clusters=n_clusters, random_state=random_state)
    raise ValueError(
        f"estimator must be 'bin', 'adaptive', 'kde' or 'kmeans'; got {name!r}"
    )


def build_mlp(n_features, hidden, n_classes, activation, generator):
    """MLP with truncated-normal weights (std 1/sqrt(fan_in), cut at 2 std).

    Saxe et al.'s code scales by the fan-out; the fan-in is the usual
    variance-preserving choice and is used here. Biases start at 0.
    """
    act = {"tanh": nn.Tanh, "relu": nn.ReLU}[activation]
    sizes = [n_features, *hidden]
    layers = []
    for d, k in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(d, k), act()]
    layers.append(nn.Linear(sizes[-1], n_classes))
    module = nn.Sequential(*layers)
    with torch.no_grad():
        for m in module:
            if isinstance(m, nn.Linear):
                std = 1.0 / math.sqrt(m.in_features)
                nn.init.trunc_normal_(
                    m.weight, std=std, a=-2 * std, b=2 * std, generator=generator
                )
                m.bias.zero_()
    return module


@contextmanager
def _single_thread():
    # These networks are tiny: torch's intra-op threads only add overhead
    # (measured 8x slower with 2 threads on a shared 2-core machine).
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(n)


def run_infoplane(
    dataset="ib12",
    *,
    activation="tanh",
    estimator=None,
    epochs=None,
    n_points=25,
    runs=1,
    seed=0,
    data_home=None,
    n_bins=30,
    noise_variance=1e-3,
    n_clusters=50,
):
    """Train the dataset's MLP and record its information plane.

    Each run draws its own stratified 80/20 split, initial weights and batch
    order from ``seed + run``; I(X;T) and I(T;Y) are measured on all rows
    (as Shwartz-Ziv & Tishby did), at epoch 0 and ``n_points - 1``
    log-spaced epochs. Training uses Adam and cross-entropy with the
    dataset's learning rate and batch size (see ``SETTINGS``); IRIS features
    are standardized on the training rows.

    Returns
    -------
    records : list of dict
        One dict per run, epoch and layer with keys ``RECORD_FIELDS``.

    scores : list of float
        Test accuracy at the end of each run.
    """
    if dataset not in SETTINGS:
        raise ValueError(f"dataset must be 'ib12' or 'iris'; got {dataset!r}")
    setting = SETTINGS[dataset]
    X, y = load_dataset(dataset, data_home)
    records, scores = [], []
    with _single_thread():
        for run in range(runs):
            estimator_ = make_estimator(
                estimator,
                activation,
                n_bins=n_bins,
                noise_variance=noise_variance,
                n_clusters=n_clusters,
                random_state=seed + run,
            )
            run_records, score = _one_run(
                X,
                y,
                standardize=dataset == "iris",
                hidden=setting["hidden"],
                activation=activation,
                estimator=estimator_,
                lr=setting["lr"],
                batch_size=setting["batch_size"],
                epochs=setting["epochs"] if epochs is None else epochs,
                n_points=n_points,
                seed=seed + run,
            )
            records += [{"run": run, **r} for r in run_records]
            scores.append(score)
    return records, scores


def _one_run(
    X,
    y,
    *,
    standardize,
    hidden,
    activation,
    estimator,
    lr,
    batch_size,
    epochs,
    n_points,
    seed,
):
    from skorch import NeuralNetClassifier
    from skorch.dataset import Dataset
    from skorch.helper import predefined_split

    train, test = train_test_split(
        np.arange(len(y)), test_size=0.2, stratify=y, random_state=seed
    )
    if standardize:
        X = StandardScaler().fit(X[train]).transform(X).astype(np.float32)
    gen = torch.Generator().manual_seed(seed)
    module = build_mlp(X.shape[1], hidden, int(y.max()) + 1, activation, gen)
    callback = InformationPlane(
        epochs="log", n_points=n_points, estimator=estimator, X=X, y=y
    )
    net = NeuralNetClassifier(
        module,
        criterion=nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=lr,
        batch_size=batch_size,
        max_epochs=epochs,
        train_split=predefined_split(Dataset(X[test], y[test])),
        iterator_train__shuffle=True,
        iterator_train__generator=torch.Generator().manual_seed(seed),
        callbacks=[callback],
        verbose=0,
    )
    net.fit(X[train], y[train])
    return callback.records_, float(net.history[-1, "valid_acc"])


def write_records_csv(records, path):
    """Write records (dicts with ``RECORD_FIELDS``) to a CSV file."""
    path = Path(path)
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=RECORD_FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(records)
    return path


def write_figures(records, out_dir, title=""):
    """Save ``infoplane.png`` and ``infocurves.png`` (means over runs)."""
    from sknc.plotting import InformationCurvesDisplay, InformationPlaneDisplay, _pyplot

    plt = _pyplot()
    out_dir = Path(out_dir)
    paths = []
    plane = InformationPlaneDisplay.from_records(records)
    plane.ax_.set_title(title)
    paths.append(out_dir / "infoplane.png")
    plane.figure_.savefig(paths[-1], dpi=120, bbox_inches="tight")
    plt.close(plane.figure_)
    curves = InformationCurvesDisplay.from_records(records)
    curves.figure_.suptitle(title)
    paths.append(out_dir / "infocurves.png")
    curves.figure_.savefig(paths[-1], dpi=120, bbox_inches="tight")
    plt.close(curves.figure_)
    return paths
