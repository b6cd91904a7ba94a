"""Compare initialization strategies side by side (the ``sknc compare`` job).

Every initializer is trained on the same splits with the same seeds, so the
results are paired by seed. Importable functions; the CLI is a thin shell.
"""

import csv
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from skorch.callbacks import Callback

from sknc._initializers import INITIALIZERS, NeuronCampaign
from sknc._jobs._threads import torch_threads

# The campaign of the paper's protocol: He candidates and alpha falling from
# 1 at the first layer to 0 at the output (chosen on a validation split of
# MNIST, docs/results.md). NeuronCampaign's own defaults are chosen for
# tabular data (docs/tabular.md) and differ; a spec's options override these.
PAPER_CAMPAIGN = {"base_init": "he", "alpha": "linear"}

DEFAULT_HIDDEN = (100,)


# Short keys of init specs ("campaign:alpha=0.5,base=xavier") and the
# NeuronCampaign parameters they set.
SPEC_KEYS = {
    "alpha": "alpha",
    "base": "base_init",
    "ratio": "candidate_ratio",
    "candidate_ratio": "candidate_ratio",
    "max_candidates": "max_candidates",
    "max_samples": "max_samples",
    "balanced": "class_balanced",
    "orthogonal": "orthogonal_selection",
    "rescale": "rescale",
    "bias": "bias",
    "spatial": "spatial",
}


def _spec_value(key, text):
    if key == "alpha":
        if text == "linear":
            return text
        values = [float(v) for v in text.split("/")]
        return values[0] if len(values) == 1 else values
    if key in ("class_balanced", "orthogonal_selection"):
        if text.lower() not in ("true", "false", "1", "0"):
            raise ValueError(f"{key} takes true or false; got {text!r}")
        return text.lower() in ("true", "1")
    if key in ("max_candidates",):
        return int(text)
    if key == "max_samples":
        return None if text.lower() == "none" else int(text)
    if key == "rescale":
        return None if text.lower() == "none" else text
    if key in ("candidate_ratio", "bias"):
        return float(text)
    return text


def parse_init_spec(spec):
    """Parse an init spec into ``(label, initializer)``.

    Parameters
    ----------
    spec : str
        A name of ``sknc``'s initializers (``"he"``, ``"xavier"``,
        ``"orthogonal"``, ``"lsuv"``, ``"campaign"``), optionally followed
        by ``:key=value,...`` for the campaign. Keys: ``alpha`` (a float,
        ``linear``, or per-layer values joined by ``/``), ``base`` (he,
        xavier, orthogonal), ``ratio``, ``max_candidates``, ``max_samples``,
        ``balanced``, ``orthogonal``, ``rescale``, ``bias``, ``spatial``.

    Returns
    -------
    label : str
    initializer : object
        Unseeded (``random_state=None``); the classifier seeds it. A
        campaign starts from the paper's setting, ``PAPER_CAMPAIGN`` (He
        candidates, ``alpha="linear"``), not from ``NeuronCampaign()``'s
        defaults; its options override it.

    Examples
    --------
    >>> from sknc._jobs.compare import parse_init_spec
    >>> parse_init_spec("campaign")[1]
    NeuronCampaign(alpha='linear', base_init='he')
    >>> parse_init_spec("campaign:alpha=0.5,base=xavier")[1]
    NeuronCampaign()
    """
    name, _, options = spec.strip().partition(":")
    if name not in INITIALIZERS:
        raise ValueError(
            f"unknown init {name!r} in {spec!r}; expected one of {sorted(INITIALIZERS)}"
        )
    if options and name != "campaign":
        raise ValueError(f"only campaign takes options; got {spec!r}")
    params = {}
    for item in filter(None, options.split(",")):
        key, eq, text = item.partition("=")
        if not eq or key not in SPEC_KEYS:
            raise ValueError(
                f"bad option {item!r} in {spec!r}; expected key=value with key in "
                f"{sorted(SPEC_KEYS)}"
            )
        try:
            params[SPEC_KEYS[key]] = _spec_value(SPEC_KEYS[key], text)
        except ValueError as exc:
            raise ValueError(f"bad value {item!r} in {spec!r}: {exc}") from None
    if name == "campaign":
        init = NeuronCampaign(**{**PAPER_CAMPAIGN, **params})
    else:
        init = INITIALIZERS[name]()
    init._validate_params()  # fail now, not in the middle of a comparison
    return spec.strip(), init


#: Datasets with real-valued targets: ``compare`` on them is a regression.
REGRESSION_DATASETS = ("diabetes",)
DATASETS = ("digits", "mnist", *REGRESSION_DATASETS)


def task_of(dataset):
    """``"regression"`` for a dataset of :data:`REGRESSION_DATASETS`, else
    ``"classification"``."""
    return "regression" if dataset in REGRESSION_DATASETS else "classification"


def load_split(dataset, *, seed, train_size=None, data_home=None):
    """Return ``X_train, y_train, X_test, y_test`` (float32).

    ``digits`` (pixels in [0, 1]) is split 70/30, stratified, with
    ``seed``; ``mnist`` keeps its official 60 000 / 10 000 split.
    ``diabetes`` (a regression) is split 70/30 with ``seed``, then ``X``
    and ``y`` are standardized with the training rows' means and standard
    deviations, as a user's pipeline (with a TransformedTargetRegressor)
    would. ``train_size`` draws a (stratified, for classes) subset of the
    training rows with ``seed``.
    """
    from sklearn.model_selection import train_test_split

    if dataset == "diabetes":
        from sklearn.datasets import load_diabetes

        X, y = load_diabetes(return_X_y=True)
        X_tr, X_te, y_tr, y_te = train_test_split(
            X, y, test_size=0.3, random_state=seed
        )
        if train_size is not None and train_size < len(y_tr):
            X_tr, y_tr = X_tr[:train_size], y_tr[:train_size]
        mx, sx = X_tr.mean(axis=0), X_tr.std(axis=0)
        my, sy = y_tr.mean(), y_tr.std()
        return (
            ((X_tr - mx) / sx).astype(np.float32),
            ((y_tr - my) / sy).astype(np.float32),
            ((X_te - mx) / sx).astype(np.float32),
            ((y_te - my) / sy).astype(np.float32),
        )
    if dataset == "digits":
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        X = (X / 16.0).astype(np.float32)
        X_tr, X_te, y_tr, y_te = train_test_split(
            X, y, test_size=0.3, stratify=y, random_state=seed
        )
    elif dataset == "mnist":
        from sknc.datasets import load_mnist

        X_tr, y_tr = load_mnist(data_home, subset="train", return_X_y=True)
        X_te, y_te = load_mnist(data_home, subset="test", return_X_y=True)
    else:
        raise ValueError(
            f"unknown dataset {dataset!r}; expected one of {list(DATASETS)}"
        )
    if train_size is not None and train_size < len(y_tr):
        X_tr, _, y_tr, _ = train_test_split(
            X_tr, y_tr, train_size=train_size, stratify=y_tr, random_state=seed
        )
    return X_tr, y_tr, X_te, y_te


class HeldOutError(Callback):
    """Record the test error at initialization and after each epoch.

    The error is the misclassification rate, or, for real-valued ``y``
    (float), the mean squared error. ``initial_error_`` is the error of the
    initialized network (measured at the start of the first fit); each
    epoch's row of the history gets ``"test_error"``. The module runs in
    eval mode without gradients, and its mode is restored.
    """

    def __init__(self, X, y):
        self.X = X
        self.y = y

    def _error(self, net):
        module = net.module_
        was_training = module.training
        module.eval()
        with torch.no_grad():
            out = module(torch.as_tensor(self.X, device=net.device)).cpu().numpy()
        module.train(was_training)
        y = np.asarray(self.y)
        if y.dtype.kind == "f":
            return float(
                np.mean((out.reshape(len(y), -1) - y.reshape(len(y), -1)) ** 2)
            )
        return float((out.argmax(axis=1) != y).mean())

    def on_train_begin(self, net, **kwargs):
        if not len(net.history):
            self.initial_error_ = self._error(net)

    def on_epoch_end(self, net, **kwargs):
        net.history.record("test_error", self._error(net))


@dataclass
class Run:
    """One training run: an init on one seed."""

    init: str
    seed: int
    errors: list = field(default_factory=list)  # test error after epoch 0..E
    init_time: float = 0.0
    train_time: float = 0.0
    y_var: float = math.nan  # regression: variance of the test targets

    @property
    def max_r2(self):
        """Regression: the test R^2 at the epoch of least test MSE."""
        return 1.0 - self.min_error / self.y_var

    @property
    def min_error(self):
        return min(self.errors[1:])

    @property
    def min_epoch(self):
        return int(np.argmin(self.errors[1:])) + 1


ARCHS = ("mlp", "lenet5")

# The paper's training (the user guide's compare page), passed explicitly:
# the estimators' defaults are chosen for tabular data and differ. Epochs,
# learning rate and batch size are arguments of :func:`compare` (the paper:
# 0.1 and 100).
PAPER_PROTOCOL = {
    "optimizer": "sgd",
    "momentum": 0.0,
    "weight_decay": 0.0,
    "early_stopping": False,
    "tol": None,
}


def _image_side(n_features):
    side = math.isqrt(n_features)
    if side * side != n_features:
        raise ValueError(
            f"arch='lenet5' needs square single-channel images; got {n_features} "
            "features per row"
        )
    return side


def make_classifier(
    arch,
    *,
    n_features,
    hidden=None,
    activation="relu",
    task="classification",
    **params,
):
    """Return the model of ``arch`` and the row shape it is fed.

    ``"mlp"`` is an :class:`~sknc.NCMLPClassifier` with hidden layers
    ``hidden`` (an :class:`~sknc.NCMLPRegressor` for
    ``task="regression"``). ``"lenet5"`` is an :class:`~sknc.NCCNNClassifier` LeNet-5
    (conv 6@5x5 padded by 2, 2x2 max pool, conv 16@5x5, pool, 120, 84,
    output) on square single-channel images; on images smaller than 28x28
    (digits: 8x8) the second conv is padded by 2 as well, so that the maps
    do not vanish. ``hidden`` (default ``(100,)``) applies to the MLP only:
    giving it with ``"lenet5"`` is an error.

    Returns
    -------
    clf : estimator
    row_shape : tuple of int
        The shape of one row of ``X`` for ``clf``.
    """
    if arch == "mlp":
        from sknc._mlp import NCMLPClassifier, NCMLPRegressor

        model = NCMLPRegressor if task == "regression" else NCMLPClassifier
        clf = model(
            hidden_layer_sizes=DEFAULT_HIDDEN if hidden is None else hidden,
            activation=activation,
            **params,
        )
        return clf, (n_features,)
    if arch == "lenet5":
        from sknc._cnn import NCCNNClassifier

        if task == "regression":
            raise ValueError("arch='lenet5' is a classifier; a regression takes 'mlp'")
        if hidden is not None:
            raise ValueError(
                f"hidden={hidden!r} sets the MLP's layers; arch='lenet5' has its own"
            )
        side = _image_side(n_features)
        clf = NCCNNClassifier(
            conv_channels=(6, 16),
            kernel_size=5,
            conv_padding=(2, 0) if side >= 28 else (2, 2),
            hidden_layer_sizes=(120, 84),
            activation=activation,
            **params,
        )
        return clf, (1, side, side)
    raise ValueError(f"unknown arch {arch!r}; expected one of {list(ARCHS)}")


def run_one(
    spec,
    seed,
    split,
    *,
    hidden=None,
    epochs,
    arch="mlp",
    lr=0.1,
    batch_size=100,
    activation="relu",
    device="cpu",
):
    """Train one classifier and return its :class:`Run`."""
    label, init = parse_init_spec(spec)
    X_tr, y_tr, X_te, y_te = split
    task = "regression" if np.asarray(y_tr).dtype.kind == "f" else "classification"
    clf, row_shape = make_classifier(
        arch,
        n_features=X_tr.shape[1],
        hidden=hidden,
        activation=activation,
        task=task,
        initializer=init,
        max_epochs=epochs,
        lr=lr,
        batch_size=batch_size,
        random_state=seed,
        device=device,
        **PAPER_PROTOCOL,
    )
    X_tr = X_tr.reshape(-1, *row_shape)
    X_te = X_te.reshape(-1, *row_shape)
    clf.set_params(callbacks=[HeldOutError(X_te, y_te)])
    t0 = time.perf_counter()
    clf.fit(X_tr, y_tr)
    total = time.perf_counter() - t0
    cb = dict(clf.net_.callbacks_)["HeldOutError"]
    errors = [cb.initial_error_] + list(clf.history_[:, "test_error"])
    init_time = clf.initializer_.init_time_
    y_var = float(np.var(y_te)) if task == "regression" else math.nan
    return Run(label, seed, errors, init_time, total - init_time, y_var)


def epochs_to_reach(errors, target):
    """First epoch whose test error is at most ``target`` (NaN if never)."""
    for epoch, err in enumerate(errors[1:], start=1):
        if err <= target:
            return epoch
    return math.nan


def summarize(runs, reference="he"):
    """Aggregate runs per init: mean and std over seeds, paired vs reference.

    Returns a list of dict rows, one per init, in the order first seen.
    """
    inits = list(dict.fromkeys(r.init for r in runs))
    by = {(r.init, r.seed): r for r in runs}
    seeds = sorted({r.seed for r in runs})
    ref_final = {
        s: by[(reference, s)].errors[-1] for s in seeds if (reference, s) in by
    }
    rows = []
    for init in inits:
        mine = [by[(init, s)] for s in seeds if (init, s) in by]
        min_err = np.array([r.min_error for r in mine])
        row = {
            "init": init,
            "n_seeds": len(mine),
            "min_error_mean": min_err.mean(),
            "min_error_std": min_err.std(ddof=1) if len(mine) > 1 else 0.0,
            "min_epoch_mean": np.mean([r.min_epoch for r in mine]),
            "error_epoch1_mean": np.mean([r.errors[1] for r in mine]),
            "error_init_mean": np.mean([r.errors[0] for r in mine]),
            "init_time_mean": np.mean([r.init_time for r in mine]),
            "train_time_mean": np.mean([r.train_time for r in mine]),
        }
        if not math.isnan(mine[0].y_var):  # a regression
            row["max_r2_mean"] = np.mean([r.max_r2 for r in mine])
        if ref_final:
            reach = [
                epochs_to_reach(r.errors, ref_final[r.seed])
                for r in mine
                if r.seed in ref_final
            ]
            row["epochs_to_ref_final"] = (
                np.nanmean(reach) if any(not math.isnan(v) for v in reach) else math.nan
            )
            row["reached_ref_final"] = sum(not math.isnan(v) for v in reach)
            diffs = np.array(
                [
                    r.min_error - by[(reference, r.seed)].min_error
                    for r in mine
                    if (reference, r.seed) in by
                ]
            )
            row["diff_vs_ref_mean"] = diffs.mean()
            row["diff_vs_ref_std"] = diffs.std(ddof=1) if len(diffs) > 1 else 0.0
            row["wins"] = int((diffs < 0).sum())
            row["ties"] = int((diffs == 0).sum())
            row["losses"] = int((diffs > 0).sum())
        rows.append(row)
    return rows


def _paired(row, scale):
    if "diff_vs_ref_mean" not in row:
        return "-"
    mean, std = scale * row["diff_vs_ref_mean"], scale * row["diff_vs_ref_std"]
    digits = 2 if scale == 100 else 4
    return f"{mean:+.{digits}f} ± {std:.{digits}f}"


def format_table(rows, reference="he", task="classification"):
    """Return the summary rows as a plain-text table: errors in percent, or
    for a regression test MSEs (of standardized targets) and the R^2 at
    the epoch of least MSE."""
    regression = task == "regression"
    scale, digits = (1, 4) if regression else (100, 2)
    header = [
        "init",
        "min test MSE" if regression else "min test err %",
        *(["R^2 there"] if regression else []),
        "epoch of min",
        "MSE@1" if regression else "err@1 %",
        f"epochs to {reference} final",
        f"paired diff vs {reference}" + ("" if regression else " (pts)"),
        "W/T/L",
        "init s",
    ]
    lines = []
    for r in rows:
        reach = r.get("epochs_to_ref_final", math.nan)
        reach_text = "never" if math.isnan(reach) else f"{reach:.1f}"
        if "reached_ref_final" in r and r["reached_ref_final"] < r["n_seeds"]:
            reach_text += f" ({r['reached_ref_final']}/{r['n_seeds']})"
        mean, std = scale * r["min_error_mean"], scale * r["min_error_std"]
        lines.append(
            [
                r["init"],
                f"{mean:.{digits}f} ± {std:.{digits}f}",
                *([f"{r['max_r2_mean']:.4f}"] if regression else []),
                f"{r['min_epoch_mean']:.1f}",
                f"{scale * r['error_epoch1_mean']:.{digits}f}",
                reach_text,
                _paired(r, scale),
                f"{r['wins']}/{r['ties']}/{r['losses']}" if "wins" in r else "-",
                f"{r['init_time_mean']:.3f}",
            ]
        )
    widths = [
        max(len(h), *(len(row[i]) for row in lines)) for i, h in enumerate(header)
    ]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [fmt.format(*header), fmt.format(*("-" * w for w in widths))]
    out += [fmt.format(*row) for row in lines]
    return "\n".join(out)


def write_outputs(runs, rows, out):
    """Write ``summary.csv``, ``runs.csv``, ``curves.csv`` and ``test_error.png``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "summary.csv", "w", newline="") as f:
        keys = list(dict.fromkeys(k for r in rows for k in r))
        writer = csv.DictWriter(f, fieldnames=keys)
        writer.writeheader()
        writer.writerows(rows)
    with open(out / "runs.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(
            [
                "init",
                "seed",
                "min_error",
                "min_epoch",
                "error_epoch1",
                "final_error",
                "init_time",
                "train_time",
                "y_var",
            ]
        )
        for r in runs:
            writer.writerow(
                [
                    r.init,
                    r.seed,
                    r.min_error,
                    r.min_epoch,
                    r.errors[1],
                    r.errors[-1],
                    r.init_time,
                    r.train_time,
                    r.y_var,
                ]
            )
    with open(out / "curves.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["init", "seed", "epoch", "test_error"])
        for r in runs:
            for epoch, err in enumerate(r.errors):
                writer.writerow([r.init, r.seed, epoch, err])
    written = [out / "summary.csv", out / "runs.csv", out / "curves.csv"]
    try:
        from sknc.plotting import ErrorCurvesDisplay
    except ImportError:
        return written
    regression = any(not math.isnan(r.y_var) for r in runs)
    scale = 1 if regression else 100
    curves = {
        init: scale * np.array([r.errors for r in runs if r.init == init])
        for init in dict.fromkeys(r.init for r in runs)
    }
    try:
        display = ErrorCurvesDisplay.from_curves(
            curves, ylabel="test MSE" if regression else "test error (%)"
        )
    except ImportError as exc:
        print(f"{exc}: no PNG", file=sys.stderr)
        return written
    display.figure_.savefig(out / "test_error.png", dpi=120)
    display.close()
    written.append(out / "test_error.png")
    return written


def load_runs(out):
    """Rebuild the :class:`Run` list from a directory written by :func:`write_outputs`.

    Several comparisons on the same data and seeds (e.g. baselines first,
    campaign variants later) can then be summarized together.
    """
    out = Path(out)
    runs = {}
    with open(out / "runs.csv", newline="") as f:
        for row in csv.DictReader(f):
            key = (row["init"], int(row["seed"]))
            runs[key] = Run(
                row["init"],
                int(row["seed"]),
                init_time=float(row["init_time"]),
                train_time=float(row["train_time"]),
                y_var=float(row.get("y_var") or "nan"),
            )
    with open(out / "curves.csv", newline="") as f:
        for row in csv.DictReader(f):
            runs[(row["init"], int(row["seed"]))].errors.append(
                float(row["test_error"])
            )
    return list(runs.values())


@dataclass
class Comparison:
    """What :func:`compare` returns, and what ``sknc compare`` prints.

    Attributes
    ----------
    runs : list of Run
    rows : list of dict
        Per-init summary (see :func:`summarize`).
    reference : str
        The init the paired differences are taken against (``"he"`` if it
        is among the inits, else the first).
    title : str
        One line: data, network, epochs, seeds and training.
    task : str
        ``"classification"``, or ``"regression"`` (errors are test MSEs).
    written : list of pathlib.Path
        The files this run wrote (none without ``out``; no PNG without
        matplotlib), as :func:`write_outputs` returns them.
    """

    runs: list
    rows: list
    reference: str
    title: str
    task: str = "classification"
    written: list = field(default_factory=list)

    @property
    def table(self):
        """The summary as a plain-text table (:func:`format_table`)."""
        return format_table(self.rows, reference=self.reference, task=self.task)


def compare(
    dataset="digits",
    *,
    arch="mlp",
    hidden=None,
    inits=("he", "xavier", "lsuv", "campaign"),
    epochs=30,
    seeds=5,
    train_size=None,
    lr=None,
    batch_size=100,
    activation="relu",
    data_home=None,
    device="cpu",
    out=None,
    progress=True,
    threads=1,
):
    """Train every init on the same splits and seeds; return runs and summary.

    Parameters
    ----------
    dataset : {"digits", "mnist", "diabetes"}, default="digits"
        ``"diabetes"`` makes the comparison a regression (an
        :class:`~sknc.NCMLPRegressor` on standardized targets; the table
        reports test MSEs and R^2).
    arch : {"mlp", "lenet5"}, default="mlp"
        The network, see :func:`make_classifier`.
    hidden : tuple of int, default=None
        Hidden layers of the MLP (``arch="mlp"`` only; None is ``(100,)``).
    inits : sequence of str, default=("he", "xavier", "lsuv", "campaign")
        Init specs, see :func:`parse_init_spec`.
    epochs : int, default=30
    seeds : int, default=5
        Seeds ``0 .. seeds - 1``; each seed fixes the split, the training
        subset, the initializer's draws and the batch order.
    train_size : int, default=None
    lr : float, default=None
        SGD's learning rate; None is the paper's 0.1 for a classification
        and 0.01 for a regression (0.1 diverged on the diabetes targets).
    batch_size, activation, device
        Passed to the model (SGD without momentum).
    data_home : str, default=None
    out : str or Path, default=None
        Directory for CSV files and the PNG; ``None`` writes nothing.
    progress : bool, default=True
        Print one line per run on stderr.
    threads : int or None, default=1
        torch intra-op threads while training (None: torch's setting). One
        is fastest for these small networks. torch's setting is the whole
        process's: while the job runs, torch work in other threads of the
        process runs with it too (and rounds as it does with that many
        threads); run the job on its own.

    Returns
    -------
    comparison : Comparison
        The runs, their summary, the reference init and the title line.
    """
    if arch not in ARCHS:
        raise ValueError(f"unknown arch {arch!r}; expected one of {list(ARCHS)}")
    if dataset not in DATASETS:
        raise ValueError(
            f"unknown dataset {dataset!r}; expected one of {list(DATASETS)}"
        )
    if task_of(dataset) == "regression" and arch != "mlp":
        raise ValueError(f"dataset={dataset!r} is a regression: arch must be 'mlp'")
    if lr is None:
        lr = 0.01 if task_of(dataset) == "regression" else 0.1
    specs = [parse_init_spec(s)[0] for s in inits]
    if len(set(specs)) != len(specs):
        raise ValueError(f"inits has duplicates: {specs}")
    with torch_threads(threads):
        runs = _run_all(
            specs,
            dataset,
            seeds,
            train_size,
            data_home,
            progress,
            arch=arch,
            hidden=None if hidden is None else tuple(hidden),
            epochs=epochs,
            lr=lr,
            batch_size=batch_size,
            activation=activation,
            device=device,
        )
    reference = "he" if "he" in specs else specs[0]
    rows = summarize(runs, reference=reference)
    written = [] if out is None else write_outputs(runs, rows, out)
    net = f"hidden {tuple(hidden or DEFAULT_HIDDEN)}" if arch == "mlp" else arch
    title = (
        f"{dataset}, {net}, {epochs} epochs, {seeds} seeds (paired by seed), "
        f"SGD lr {lr}, batch {batch_size}"
    )
    return Comparison(runs, rows, reference, title, task_of(dataset), written)


def _run_all(specs, dataset, seeds, train_size, data_home, progress, **fit_params):
    runs = []
    total = len(specs) * seeds
    for seed in range(seeds):
        split = load_split(
            dataset, seed=seed, train_size=train_size, data_home=data_home
        )
        for spec in specs:
            run = run_one(spec, seed, split, **fit_params)
            runs.append(run)
            if progress:
                error = (
                    f"{100 * run.min_error:.2f}%"
                    if math.isnan(run.y_var)
                    else f"{run.min_error:.4f} (MSE)"
                )
                print(
                    f"[{len(runs)}/{total}] seed {seed} {spec}: min test error "
                    f"{error} at epoch {run.min_epoch}, init "
                    f"{run.init_time:.2f} s, train {run.train_time:.1f} s",
                    file=sys.stderr,
                    flush=True,
                )
    return runs
