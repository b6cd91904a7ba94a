"""The information-plane experiment behind ``sknc infoplane``.

Shwartz-Ziv & Tishby's setting on the 12-bit dataset (12-10-7-5-4-3-2) and a
small IRIS variant (4-10-7-5-4-3), trained by skorch with the
:class:`~sknc.information.InformationPlane` callback, and
:func:`dpi_summary`, which counts how often the estimates obey the
data-processing inequality along the layers.
"""

import csv
import math
from pathlib import Path

import numpy as np
import torch
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from torch import nn

from sknc._jobs._threads import torch_threads
from sknc._modules import build_mlp
from sknc.information import (
    AdaptiveBinningEstimator,
    BinningEstimator,
    InformationPlane,
    KDEEstimator,
    KMeansEstimator,
)

#: Per dataset: hidden widths, learning rate, batch size, default epochs.
#: ib12 follows Saxe et al.'s replication of Shwartz-Ziv & Tishby (Adam,
#: lr 4e-4, batch 256, 80 % training rows); their runs last thousands of
#: epochs, the default here is short enough for about a minute on a CPU.
SETTINGS = {
    "ib12": {"hidden": (10, 7, 5, 4, 3), "lr": 4e-4, "batch_size": 256, "epochs": 2000},
    "iris": {"hidden": (10, 7, 5, 4), "lr": 0.01, "batch_size": 32, "epochs": 300},
}

RECORD_FIELDS = (
    "run",
    "estimator",
    "epoch",
    "layer",
    "layer_index",
    "n_units",
    "i_xt",
    "i_ty",
)

DPI_FIELDS = (
    "estimator",
    "quantity",
    "layers",
    "n_measured",
    "fraction_holds",
    "max_violation",
    "epoch_of_max",
)

ESTIMATOR_NAMES = ("bin", "adaptive", "kde", "kmeans")


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
    name = _default_estimator_name(name, activation)
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


def _default_estimator_name(name, activation):
    """``name``, or the default estimator of ``activation`` if None."""
    if name is None:
        return "bin" if activation == "tanh" else "adaptive"
    return name


def _estimator_names(estimator, activation):
    if estimator is None or isinstance(estimator, str):
        estimator = [estimator]
    names = list(
        dict.fromkeys(_default_estimator_name(e, activation) for e in estimator)
    )
    unknown = [n for n in names if n not in ESTIMATOR_NAMES]
    if not names or unknown:
        raise ValueError(
            f"estimator must be None, one of {list(ESTIMATOR_NAMES)} or a list "
            f"of them; got {estimator!r}"
        )
    return names


def truncated_normal_(module, generator):
    """Draw the Linear weights: truncated normal, std 1/sqrt(fan_in), cut at
    2 std; biases 0.

    Saxe et al.'s code scales by the fan-out; the fan-in is the usual
    variance-preserving choice and is used here.
    """
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.Linear):
                std = 1.0 / math.sqrt(m.in_features)
                nn.init.trunc_normal_(
                    m.weight, std=std, a=-2 * std, b=2 * std, generator=generator
                )
                m.bias.zero_()
    return module


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

    ``estimator`` is None (the default of ``activation``, see
    :func:`make_estimator`), a name or a list of names: several estimators
    measure the same trained networks, one callback each, so that their
    estimates are paired.

    Each run draws its own stratified 80/20 split, initial weights and batch
    order from ``seed + run``; I(X;T) and I(T;Y) are measured on all rows
    (as Shwartz-Ziv & Tishby did), at epoch 0 and ``n_points - 1``
    log-spaced epochs. Training uses Adam and cross-entropy with the
    dataset's learning rate and batch size (see ``SETTINGS``); IRIS features
    are standardized on the training rows.

    Returns
    -------
    records : list of dict
        One dict per run, estimator, epoch and layer with keys
        ``RECORD_FIELDS``.

    scores : list of float
        Test accuracy at the end of each run.
    """
    if dataset not in SETTINGS:
        raise ValueError(f"dataset must be 'ib12' or 'iris'; got {dataset!r}")
    setting = SETTINGS[dataset]
    names = _estimator_names(estimator, activation)
    X, y = load_dataset(dataset, data_home)
    records, scores = [], []
    with torch_threads(1):
        for run in range(runs):
            estimators = {
                name: make_estimator(
                    name,
                    activation,
                    n_bins=n_bins,
                    noise_variance=noise_variance,
                    n_clusters=n_clusters,
                    random_state=seed + run,
                )
                for name in names
            }
            run_records, score = _one_run(
                X,
                y,
                standardize=dataset == "iris",
                hidden=setting["hidden"],
                activation=activation,
                estimators=estimators,
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
    estimators,
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
    module = build_mlp(X.shape[1], hidden, int(y.max()) + 1, activation, seed)
    truncated_normal_(module, gen)
    # Measuring does not touch the training (eval mode, no gradients, no
    # torch random numbers), so every estimator sees the same networks. The
    # callbacks all write "info_plane" to the history; records_ are kept.
    callbacks = {
        name: InformationPlane(epochs="log", n_points=n_points, estimator=est, X=X, y=y)
        for name, est in estimators.items()
    }
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
        # Unshuffled: a generator of its own only keeps torch's global one
        # as it was (a DataLoader draws a seed from it at every pass).
        iterator_valid__generator=torch.Generator(),
        callbacks=[(f"information_plane_{n}", cb) for n, cb in callbacks.items()],
        verbose=0,
    )
    net.fit(X[train], y[train])
    records = [
        {"estimator": name, **r} for name, cb in callbacks.items() for r in cb.records_
    ]
    return records, float(net.history[-1, "valid_acc"])


def write_records_csv(records, path):
    """Write records (dicts with ``RECORD_FIELDS``) to a CSV file."""
    return write_csv(records, path, RECORD_FIELDS)


def _by_estimator(records):
    groups = {}
    for r in records:
        groups.setdefault(r.get("estimator", ""), []).append(r)
    return groups


def write_figures(records, out_dir, title=""):
    """Save ``infoplane.png`` and ``infocurves.png`` (means over runs).

    With several estimators in ``records``, each gets its own panel, on
    shared axes so that their scales compare.
    """
    from sknc.plotting import InformationCurvesDisplay, InformationPlaneDisplay, _pyplot

    plt = _pyplot()
    out_dir = Path(out_dir)
    groups = _by_estimator(records)
    several = len(groups) > 1
    paths = []

    fig, axes = plt.subplots(
        1,
        len(groups),
        figsize=(6.4 * len(groups), 4.8),
        squeeze=False,
        sharey=True,
        layout="constrained",
    )
    for ax, (name, group) in zip(axes[0], groups.items()):
        InformationPlaneDisplay.from_records(group, ax=ax)
        # The curves of some estimators end in the lower right corner.
        ax.get_legend().set_loc("best")
        ax.set_title(name if several else title)
    if several:
        fig.suptitle(title)
    paths.append(out_dir / "infoplane.png")
    fig.savefig(paths[-1], dpi=100 if several else 120, bbox_inches="tight")
    plt.close(fig)

    fig, axes = plt.subplots(
        len(groups),
        2,
        figsize=(10, 4 * len(groups)),
        squeeze=False,
        sharex=True,
        sharey="col",
        layout="constrained",
    )
    for row, (name, group) in zip(axes, groups.items()):
        InformationCurvesDisplay.from_records(group, axes=row)
        if several:
            for ax in row:
                ax.set_title(name)
    fig.suptitle(title)
    paths.append(out_dir / "infocurves.png")
    fig.savefig(paths[-1], dpi=100 if several else 120, bbox_inches="tight")
    plt.close(fig)
    return paths


def dpi_summary(records, *, atol=1e-9):
    """How often the estimates obey the data-processing inequality.

    The hidden layers of a feed-forward net form a Markov chain
    ``Y -> X -> T_1 -> T_2 -> ...``, so the true quantities satisfy
    ``I(X;T_1) >= I(X;T_2) >= ...`` and ``I(T_1;Y) >= I(T_2;Y) >= ...``.
    Estimates need not. Every run and measured epoch of one estimator is one
    measurement of the chain; a pair of consecutive layers holds when the
    later layer exceeds the earlier one by at most ``atol``.

    Parameters
    ----------
    records : list of dict
        Rows with keys ``"epoch"``, ``"layer_index"``, ``"i_xt"`` and
        ``"i_ty"``, and optionally ``"run"`` and ``"estimator"`` (as
        returned by :func:`run_infoplane`).

    atol : float, default=1e-9
        Tolerance in bits for rounding errors.

    Returns
    -------
    rows : list of dict
        One row per estimator, quantity (``"i_xt"``, ``"i_ty"``) and layer
        pair (``"1>=2"``, ...; ``"all"`` for the whole chain at once), with
        keys ``DPI_FIELDS``: ``n_measured`` measurements, the
        ``fraction_holds`` of them where the inequality holds, the
        ``max_violation`` in bits (later minus earlier layer, 0 if it always
        holds) and the ``epoch_of_max`` where it occurs (None if it always
        holds).

    Examples
    --------
    >>> from sknc._jobs.infoplane import dpi_summary
    >>> records = [
    ...     {"epoch": 0, "layer_index": 0, "i_xt": 3.0, "i_ty": 0.5},
    ...     {"epoch": 0, "layer_index": 1, "i_xt": 2.0, "i_ty": 0.75},
    ... ]
    >>> [(r["quantity"], r["fraction_holds"], r["max_violation"])
    ...  for r in dpi_summary(records) if r["layers"] == "all"]
    [('i_xt', 1.0, 0.0), ('i_ty', 0.0, 0.25)]
    """
    chains = {}
    for r in records:
        key = (r.get("estimator", ""), r.get("run", 0), int(r["epoch"]))
        chains.setdefault(key, {})[int(r["layer_index"])] = r
    rows = []
    for estimator in dict.fromkeys(k[0] for k in chains):
        measured = [(k[2], v) for k, v in chains.items() if k[0] == estimator]
        n_layers = max(len(layers) for _, layers in measured)
        for quantity in ("i_xt", "i_ty"):
            # gaps[m, k]: layer k + 2 minus layer k + 1 at measurement m.
            gaps = np.array(
                [
                    [
                        float(layers[k + 1][quantity]) - float(layers[k][quantity])
                        for k in range(n_layers - 1)
                    ]
                    for _, layers in measured
                ]
            ).reshape(len(measured), n_layers - 1)
            epochs = np.array([epoch for epoch, _ in measured])
            columns = [(f"{k + 1}>={k + 2}", gaps[:, k]) for k in range(n_layers - 1)]
            columns.append(("all", gaps.max(axis=1, initial=-np.inf)))
            for layers, gap in columns:
                worst = int(np.argmax(gap))
                violated = gap[worst] > atol
                rows.append(
                    {
                        "estimator": estimator,
                        "quantity": quantity,
                        "layers": layers,
                        "n_measured": len(gap),
                        "fraction_holds": float(np.mean(gap <= atol)),
                        "max_violation": float(gap[worst]) if violated else 0.0,
                        "epoch_of_max": int(epochs[worst]) if violated else None,
                    }
                )
    return rows


def write_csv(rows, path, fields=RECORD_FIELDS):
    """Write rows (dicts) to a CSV file with the columns ``fields``."""
    path = Path(path)
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path
