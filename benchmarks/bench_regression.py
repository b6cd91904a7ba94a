"""Regression benchmark: NCMLPRegressor with each initializer against MLPRegressor.

A suite of regression sets that ship inside packages or are generated, so
nothing is downloaded:

- scikit-learn's ``load_diabetes`` (442 rows) and ``load_linnerud`` (20
  rows, 3 outputs: a multi-output set so small that each test fold has 4
  rows, and ``R^2`` on 4 rows is very noisy);
- ``make_friedman1`` (1 000 rows, 10 columns, ``noise=1.0``),
  ``make_friedman2`` and ``make_friedman3`` (1 000 rows, ``noise=0``:
  scikit-learn's docs give no value, its default is 0), all with
  ``random_state=0``;
- statsmodels' bundled sets with a continuous target (statsmodels is a
  benchmark tool, not a dependency of sknc): ``fair`` (``affairs`` from the
  8 other columns), ``grunfeld`` (``invest`` from ``value``, ``capital``,
  ``year`` and the ``firm``, one-hot encoded), ``engel`` (``foodexp`` from
  ``income``), ``star98`` (the share of pupils above the national median,
  ``NABOVE / (NABOVE + NBELOW)``, from the 20 other columns) and
  ``randhie`` (``mdvis`` from the 9 other columns, all 20 190 rows;
  ``randhie-5000`` is a subsample of 5 000 rows drawn with seed 0, not in
  the default suite).

Every set goes through the pipeline a user writes::

    TransformedTargetRegressor(
        regressor=make_pipeline(
            ColumnTransformer(StandardScaler on numeric columns,
                              OneHotEncoder on the others),
            model),
        transformer=StandardScaler())

so ``y`` is standardized the same way for every model, and scored in its
own units. 5-fold cross-validation (``KFold(5, shuffle=True,
random_state=0)``); every model sees the same folds (paired by fold) and is
seeded with the fold index. Per fold: test ``R^2`` (averaged over the
outputs of a multi-output set), test MSE in the units of ``y`` (averaged
over outputs), fit and predict seconds with one thread for BLAS and torch,
models interleaved fold by fold. Every model is fitted once on a small set
before the timed run, so that no model pays the imports and torch's first
call. A fit that raises is recorded as a failed fold (column ``error``),
not retried; warnings are counted per fold (column ``warnings``).

The ``validation`` split chooses between the campaign's two criteria for
real targets, ``target="binned"`` and ``target="correlation"``, without
looking at the test folds: in each fold, 20 % of the training rows
(``train_test_split(..., test_size=0.2, random_state=fold)``) are held out,
both criteria are fitted on the other 80 % and scored on those rows. The
criterion with the higher mean validation ``R^2`` over the sets other than
``linnerud`` (4 validation rows per fold) is the better; a difference of
less than 0.005 is a tie. The mean over all sets is printed too.

Usage::

    python benchmarks/bench_regression.py --quick        # 5 small sets, < 1 minute
    python benchmarks/bench_regression.py --out regression-out --per-set  # ~10 min
    python benchmarks/bench_regression.py --out regression-out --summarize --per-set
    python benchmarks/bench_regression.py --sets randhie-5000 --models he,campaign,mlp

Results are appended to ``<out>/results.csv`` fold by fold (column
``split``: ``test`` or ``validation``); a run with the same ``--out`` reuses
the rows already there (``--fresh`` starts over), so models can be run
apart and summarized together with ``--summarize``.
"""

import argparse
import csv
import os
import sys
import time
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import bench_tabular as bt
import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.compose import TransformedTargetRegressor
from sklearn.metrics import mean_squared_error, r2_score
from sklearn.model_selection import KFold, train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import StandardScaler

SUITE = (
    "diabetes",
    "linnerud",
    "friedman1",
    "friedman2",
    "friedman3",
    "fair",
    "grunfeld",
    "engel",
    "star98",
    "randhie",
)
EXTRA_SETS = ("randhie-5000",)
QUICK_SETS = ("diabetes", "linnerud", "friedman2", "grunfeld", "engel")

# |difference of mean R^2 over the folds| below this is a tie.
TIE = 0.005
# Sets so small that a fold's R^2 (on 4 rows) is noise: kept in every table,
# rank and W/T/L, left out of the mean R^2 "without tiny" and of the choice
# of the validation split.
TINY_SETS = ("linnerud",)

FIELDS = (
    "model",
    "set",
    "split",
    "fold",
    "n_train",
    "n_test",
    "r2",
    "mse",
    "fit_time",
    "predict_time",
    "n_iter",
    "warnings",
    "error",
)


# -- the suite ---------------------------------------------------------------


@dataclass
class RegressionSet:
    """One regression set: raw columns ``X`` and targets ``y`` (1-D or 2-D)."""

    name: str
    source: str
    X: pd.DataFrame
    y: np.ndarray


def _columns(X):
    return pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])


def _sklearn_set(name):
    from sklearn import datasets

    if name.startswith("friedman"):
        make = getattr(datasets, f"make_{name}")
        noise = 1.0 if name == "friedman1" else 0.0
        X, y = make(n_samples=1000, noise=noise, random_state=0)
        return RegressionSet(name, "sklearn", _columns(X), y)
    bunch = getattr(datasets, f"load_{name}")(as_frame=True)
    return RegressionSet(
        name, "sklearn", bunch.data, bunch.target.to_numpy(dtype=float)
    )


def _statsmodels_set(name):
    import statsmodels.api as sm

    base = name.split("-")[0]
    data = getattr(sm.datasets, base).load_pandas().data
    if base == "star98":
        y = data.NABOVE / (data.NABOVE + data.NBELOW)
        X = data.drop(columns=["NABOVE", "NBELOW"])
    else:
        target = {
            "fair": "affairs",
            "grunfeld": "invest",
            "engel": "foodexp",
            "randhie": "mdvis",
        }[base]
        y, X = data[target], data.drop(columns=target)
    if base == "grunfeld":
        X = X.assign(firm=X.firm.astype(object))
    if name == "randhie-5000":
        rows = np.sort(np.random.default_rng(0).choice(len(X), 5000, replace=False))
        X, y = X.iloc[rows], y.iloc[rows]
    X = X.reset_index(drop=True)
    return RegressionSet(name, "statsmodels", X, y.to_numpy(dtype=float))


def load_set(name):
    """Load one set of the suite (or of ``EXTRA_SETS``) by name."""
    if name in ("diabetes", "linnerud") or name.startswith("friedman"):
        return _sklearn_set(name)
    if name.split("-")[0] in ("fair", "grunfeld", "engel", "star98", "randhie"):
        return _statsmodels_set(name)
    raise SystemExit(f"unknown set {name!r}; see --list")


# -- the models --------------------------------------------------------------


def _sknc(initializer, **params):
    """``NCMLPRegressor`` with ``initializer()`` (a name, or a fresh object)
    and ``params``."""

    def make(seed):
        from sknc import NCMLPRegressor

        init = initializer() if callable(initializer) else initializer
        return NCMLPRegressor(initializer=init, random_state=seed, **params)

    return make


def _campaign(target):
    def make():
        from sknc import NeuronCampaign

        return NeuronCampaign(target=target)

    return make


MODELS = {
    "mlp": (
        lambda seed: MLPRegressor(random_state=seed),
        "sklearn.neural_network.MLPRegressor()",
    ),
    "campaign": (_sknc("campaign"), "NCMLPRegressor() (the default campaign)"),
    "binned": (
        _sknc(_campaign("binned")),
        'NCMLPRegressor(initializer=NeuronCampaign(target="binned"))',
    ),
    "correlation": (
        _sknc(_campaign("correlation")),
        'NCMLPRegressor(initializer=NeuronCampaign(target="correlation"))',
    ),
    "campaign-200": (
        _sknc("campaign", max_epochs=200),
        "NCMLPRegressor(max_epochs=200): MLPRegressor's epoch budget",
    ),
    "he": (_sknc("he"), 'NCMLPRegressor(initializer="he")'),
    "lsuv": (_sknc("lsuv"), 'NCMLPRegressor(initializer="lsuv")'),
    "xavier": (_sknc("xavier"), 'NCMLPRegressor(initializer="xavier")'),
}
DEFAULT_MODELS = ("mlp", "campaign", "binned", "correlation", "he", "lsuv", "xavier")
CAMPAIGNS = ("campaign", "binned", "correlation")
# The two criteria the validation split chooses between.
CRITERIA = ("binned", "correlation")


def make_regressor(X, model):
    """The user's pipeline: scale (one-hot) ``X``, standardize ``y``."""
    return TransformedTargetRegressor(
        regressor=bt.make_pipeline_for(X, model), transformer=StandardScaler()
    )


# -- running -----------------------------------------------------------------


def _warning_counts(caught):
    """``"ConvergenceWarning x1; UserWarning x2: <first message>"``."""
    counts = Counter(w.category.__name__ for w in caught)
    first = {}
    for w in caught:
        first.setdefault(w.category.__name__, str(w.message).splitlines()[0][:120])
    return "; ".join(
        f"{name} x{n}" + ("" if name == "ConvergenceWarning" else f": {first[name]}")
        for name, n in sorted(counts.items())
    )


def run_fold(model, factory, data, fold, train, test, split="test"):
    """Fit and score one model on one fold; return a result row (dict)."""
    X_tr, X_te = data.X.iloc[train], data.X.iloc[test]
    y_tr, y_te = data.y[train], data.y[test]
    reg = make_regressor(data.X, factory(fold))
    row = {
        "model": model,
        "set": data.name,
        "split": split,
        "fold": fold,
        "n_train": len(train),
        "n_test": len(test),
        "r2": np.nan,
        "mse": np.nan,
        "fit_time": np.nan,
        "predict_time": np.nan,
        "n_iter": np.nan,
        "error": "",
    }
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t0 = time.perf_counter()
        try:
            reg.fit(X_tr, y_tr)
            t1 = time.perf_counter()
            pred = reg.predict(X_te)
            t2 = time.perf_counter()
        except Exception as exc:  # a failed fold is a result, not a crash
            row["fit_time"] = time.perf_counter() - t0
            row["error"] = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
        else:
            row["fit_time"], row["predict_time"] = t1 - t0, t2 - t1
            row["n_iter"] = bt._n_iter(reg.regressor_[-1])
            if np.all(np.isfinite(pred)):
                row["r2"] = r2_score(y_te, pred)
                row["mse"] = mean_squared_error(y_te, pred)
            else:
                row["error"] = "non-finite predictions"
    row["warnings"] = _warning_counts(caught)
    return row


def warm_up(models):
    """Fit every model once on a small set (untimed): imports, first calls."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(60, 3)), columns=["a", "b", "c"])
    y = X.a.to_numpy() + rng.normal(size=60)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for model in models:
            make_regressor(X, MODELS[model][0](0)).fit(X, y)


def splits_of(data, split, folds, seed):
    """``(fold, train, test)`` of the CV, or of its validation split."""
    cv = KFold(n_splits=folds, shuffle=True, random_state=seed)
    for fold, (train, test) in enumerate(cv.split(data.X)):
        if split == "validation":
            train, test = train_test_split(train, test_size=0.2, random_state=fold)
        yield fold, train, test


def run(names, models, *, out, splits=("test", "validation"), folds=5, seed=0):
    """Run ``models`` on ``names``; append rows to ``out/results.csv``.

    The validation split runs the models of ``CRITERIA`` that are in
    ``models``. Rows already in the file (same model, set, split and fold)
    are kept and not run again. Returns every row of the file.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "results.csv"
    done = {
        (r["model"], r["set"], r["split"], int(r["fold"]))
        for r in bt.read_results(path)
    }
    plan = {s: [m for m in models if s == "test" or m in CRITERIA] for s in splits}
    new_file = not path.exists()
    warm_up(models)
    with open(path, "a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        if new_file:
            writer.writeheader()
        for i, name in enumerate(names, 1):
            todo = [
                (m, s, k)
                for s, ms in plan.items()
                for m in ms
                for k in range(folds)
                if (m, name, s, k) not in done
            ]
            if not todo:
                continue
            data = load_set(name)
            t0 = time.perf_counter()
            by_fold = {
                s: list(splits_of(data, s, folds, seed)) for s in plan
            }  # fold -> (train, test), per split
            for fold in range(folds):
                for split, ms in plan.items():
                    _, train, test = by_fold[split][fold]
                    for model in ms:
                        if (model, name, split, fold) in done:
                            continue
                        row = run_fold(
                            model, MODELS[model][0], data, fold, train, test, split
                        )
                        writer.writerow(row)
                        f.flush()
                        if row["error"]:
                            print(
                                f"  {name} fold {fold} {split} {model}: {row['error']}",
                                file=sys.stderr,
                                flush=True,
                            )
            print(
                f"[{i}/{len(names)}] {name} ({len(data.y)} rows, "
                f"{data.X.shape[1]} columns): {time.perf_counter() - t0:.1f} s",
                file=sys.stderr,
                flush=True,
            )
    return bt.read_results(path)


# -- summaries ---------------------------------------------------------------


def _frame(rows, split):
    frame = pd.DataFrame(rows)
    frame = frame[frame.split == split].copy()
    for col in ("error", "warnings"):
        frame[col] = ["" if pd.isna(v) else str(v) for v in frame[col]]
    return frame


def set_means(frame, metric, models, folds):
    """Set x model: the metric's mean over the folds; NaN where a model
    failed a fold or has not run every fold."""
    ok = frame[frame.error == ""]
    means = ok.pivot_table(index="set", columns="model", values=metric, aggfunc="mean")
    counts = ok.pivot_table(
        index="set", columns="model", values=metric, aggfunc="count"
    )
    sets = sorted(set(frame.set), key=_suite_order)
    means = means.reindex(index=sets, columns=models)
    counts = counts.reindex(index=sets, columns=models).fillna(0)
    return means.where(counts >= folds)


def _suite_order(name):
    order = SUITE + EXTRA_SETS
    return (order.index(name) if name in order else len(order), name)


def compare(r2, a, b):
    """Per set ``a - b`` of mean R^2: mean, W/T/L (tie: |diff| < ``TIE``),
    and the sets where ``a`` failed and ``b`` did not (F)."""
    both = r2[[a, b]].dropna()
    diff = both[a] - both[b]
    tie = diff.abs() < TIE
    return {
        "sets": len(both),
        "mean": diff.mean(),
        "std": diff.std(ddof=1) if len(diff) > 1 else 0.0,
        "wins": int(((diff > 0) & ~tie).sum()),
        "ties": int(tie.sum()),
        "losses": int(((diff < 0) & ~tie).sum()),
        "failed": int((r2[a].isna() & r2[b].notna()).sum()),
    }


def summary_table(frame, models, folds, reference="mlp"):
    """Markdown: one row per model over the sets where every model ran."""
    r2 = set_means(frame, "r2", models, folds)
    common = r2.dropna()
    ranks = common.apply(
        lambda r: rankdata(-r.to_numpy()), axis=1, result_type="expand"
    )
    ranks.columns = models
    big = common.drop(index=[s for s in TINY_SETS if s in common.index])
    mine = frame[frame.set.isin(common.index) & (frame.error == "")]
    fit = mine.groupby("model").fit_time.sum()
    fit_set = mine.pivot_table(
        index="set", columns="model", values="fit_time", aggfunc="sum"
    )
    conv = frame.groupby("model").warnings.apply(
        lambda w: int(w.str.contains("ConvergenceWarning").sum())
    )
    lines = [
        f"{len(common)} sets where every model ran every fold "
        f"({', '.join(common.index)}); {folds}-fold CV",
        "",
        f"| model | mean R^2 | mean R^2 without {', '.join(TINY_SETS)} "
        f"| median R^2 | mean rank (1 best of {len(models)}) "
        f"| total fit s | fit time / {reference} (total; median per set) "
        "| mean epochs | folds with ConvergenceWarning | failed folds |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for m in models:
        ratio = fit[m] / fit[reference] if reference in models else np.nan
        per_set = (
            (fit_set[m] / fit_set[reference]).median()
            if reference in models
            else np.nan
        )
        n_fail = int((frame[frame.model == m].error != "").sum())
        lines.append(
            f"| {m} | {common[m].mean():.4f} | {big[m].mean():.4f} "
            f"| {common[m].median():.4f} "
            f"| {ranks[m].mean():.2f} | {fit[m]:.1f} | {ratio:.2f}; {per_set:.2f} "
            f"| {mine[mine.model == m].n_iter.mean():.0f} "
            f"| {conv.get(m, 0)}/{int((frame.model == m).sum())} | {n_fail} |"
        )
    return "\n".join(lines)


def pairs_table(frame, models, folds, versus=("he", "xavier", "mlp")):
    """Markdown: each campaign variant against each of ``versus``, and
    Xavier against He and ``MLPRegressor`` (the scale alone, no selection)."""
    r2 = set_means(frame, "r2", models, folds)
    lines = [
        f"W/T/L by set, tie = |difference of mean R^2 over the folds| < {TIE}; "
        "F = sets where the left model failed a fold and the right did not "
        "(not in W/T/L)",
        "",
        "| model - reference | sets | mean diff of R^2 (± sd over sets) "
        f"| mean diff without {', '.join(TINY_SETS)} | W/T/L | F |",
        "|---|---|---|---|---|---|",
    ]
    big = r2.drop(index=[s for s in TINY_SETS if s in r2.index])
    todo = [(a, b) for a in CAMPAIGNS for b in versus]
    todo += [("xavier", "he"), ("xavier", "mlp"), CRITERIA[::-1]]
    todo += [("campaign-200", "campaign"), ("campaign-200", "mlp")]
    for a, b in todo:
        if a in models and b in models:
            p = compare(r2, a, b)
            q = compare(big, a, b)
            lines.append(
                f"| {a} - {b} | {p['sets']} | {p['mean']:+.4f} ± {p['std']:.4f} "
                f"| {q['mean']:+.4f} ± {q['std']:.4f} "
                f"| {p['wins']}/{p['ties']}/{p['losses']} | {p['failed']} |"
            )
    return "\n".join(lines)


def per_set_table(frame, models, folds, metric="r2", digits=4):
    """Markdown: each set's mean ``metric`` per model (``fail``: a failed
    fold), the best in bold."""
    means = set_means(frame, metric, models, folds)
    sizes = (frame.n_train + frame.n_test).groupby(frame.set).max()
    lines = [
        "| set | rows | " + " | ".join(models) + " |",
        "|---|---|" + "---|" * len(models),
    ]
    for name, row in means.iterrows():
        best = row.max() if metric == "r2" else row.min()
        cells = []
        for v in row:
            if np.isnan(v):
                cells.append("fail")
            else:
                text = f"{v:.{digits}f}" if metric == "r2" else f"{v:.{digits}g}"
                cells.append(f"**{text}**" if v == best else text)
        lines.append(f"| {name} | {sizes[name]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def validation_table(frame, folds):
    """Markdown: validation R^2 of the two criteria per set, and the choice."""
    r2 = set_means(frame, "r2", list(CRITERIA), folds)
    a, b = CRITERIA
    lines = [
        f"| set | {a} | {b} | {b} - {a} |",
        "|---|---|---|---|",
    ]
    for name, row in r2.iterrows():
        cells = ["fail" if np.isnan(v) else f"{v:.4f}" for v in row]
        diff = row[b] - row[a]
        lines.append(
            f"| {name} | {cells[0]} | {cells[1]} | "
            + ("—" if np.isnan(diff) else f"{diff:+.4f}")
            + " |"
        )
    lines.append("")
    for label, table in (
        ("all sets", r2),
        (
            f"without {', '.join(TINY_SETS)} (the choice)",
            r2.drop(index=[s for s in TINY_SETS if s in r2.index]),
        ),
    ):
        p = compare(table, b, a)
        both = table.dropna()
        mean_a, mean_b = both[a].mean(), both[b].mean()
        if abs(mean_b - mean_a) < TIE:
            verdict = f"a tie (|difference| < {TIE})"
        else:
            verdict = f"{b if mean_b > mean_a else a} is better"
        lines.append(
            f"- {label}: mean validation R^2 over {len(both)} sets, {a} "
            f"{mean_a:.4f}, {b} {mean_b:.4f}; {b} - {a} = {mean_b - mean_a:+.4f} "
            f"(± {p['std']:.4f} over sets), W/T/L of {b} {p['wins']}/{p['ties']}/"
            f"{p['losses']}: {verdict}"
        )
    for m in CRITERIA:
        bad = frame[(frame.model == m) & (frame.error != "")]
        if len(bad):
            sets = ", ".join(sorted(set(bad.set)))
            lines.append(f"{m} failed {len(bad)} validation folds ({sets})")
    return "\n".join(lines)


def notes(frame):
    """Failed folds and warnings other than ConvergenceWarning."""
    lines = []
    bad = frame[frame.error != ""]
    for (m, s, e), g in bad.groupby(["model", "set", "error"]):
        lines.append(f"- failed: {m} on {s}, folds {sorted(g.fold)}: {e}")
    other = frame[
        frame.warnings.str.replace(r"ConvergenceWarning x\d+;? ?", "", regex=True) != ""
    ]
    for (m, s), g in other.groupby(["model", "set"]):
        lines.append(
            f"- warned: {m} on {s}, folds {sorted(g.fold)}: {g.warnings.iloc[0]}"
        )
    if len(frame) and frame.model.isin(["campaign", "correlation"]).any():
        test = frame.pivot_table(index=["set", "fold"], columns="model", values="r2")
        if {"campaign", "correlation"} <= set(test.columns):
            d = (test.campaign - test.correlation).abs().max()
            lines.append(
                "- campaign vs correlation: largest |R^2 difference| of a fold = "
                f"{d:.3g}"
            )
    return "\n".join(lines) if lines else "- none"


def report(rows, models, folds, per_set=False):
    test = _frame(rows, "test")
    test = test[test.model.isin(models)]
    if len(test):
        print(f"## Test (cross-validation), {len(set(test.set))} sets\n")
        print(summary_table(test, models, folds))
        print()
        print(pairs_table(test, models, folds))
        if per_set:
            print("\nMean test R^2 per set (over the folds; best in bold):\n")
            print(per_set_table(test, models, folds))
            print("\nMean test MSE per set, in the units of y (best in bold):\n")
            print(per_set_table(test, models, folds, "mse", digits=4))
        print("\nNotes (test):\n")
        print(notes(test))
    val = _frame(rows, "validation")
    val = val[val.model.isin(models)]
    if len(val):
        print(
            f"\n## Validation split: {' vs '.join(CRITERIA)} "
            f"(20 % of each training fold held out)\n"
        )
        print(validation_table(val, folds))
        print("\nNotes (validation):\n")
        print(notes(val))


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="models: " + "; ".join(f"{k} = {v[1]}" for k, v in MODELS.items()),
    )
    parser.add_argument("--quick", action="store_true", help=f"sets {QUICK_SETS}")
    parser.add_argument("--sets", default=None, help="comma-separated set names")
    parser.add_argument(
        "--models",
        default=",".join(DEFAULT_MODELS),
        help=f"comma-separated, from {sorted(MODELS)}",
    )
    parser.add_argument(
        "--split",
        choices=("both", "test", "validation"),
        default="both",
        help="the CV's test folds, the validation split of the criteria, or both",
    )
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0, help="seed of the folds")
    parser.add_argument("--out", type=Path, default=Path("bench-regression-out"))
    parser.add_argument("--fresh", action="store_true", help="discard earlier rows")
    parser.add_argument(
        "--summarize", action="store_true", help="only print tables of earlier rows"
    )
    parser.add_argument("--list", action="store_true", help="list the sets")
    parser.add_argument(
        "--per-set", action="store_true", help="also print each set's R^2 and MSE"
    )
    args = parser.parse_args(argv)

    if args.list:
        for name in SUITE + EXTRA_SETS:
            data = load_set(name)
            extra = "" if name in SUITE else "  (not in the suite)"
            n_out = 1 if data.y.ndim == 1 else data.y.shape[1]
            print(
                f"{name:13} {data.source:12} {data.X.shape[0]:6} rows "
                f"{data.X.shape[1]:3} columns {n_out} output(s){extra}"
            )
        return 0
    names = list(SUITE)
    if args.sets:
        names = args.sets.split(",")
    elif args.quick:
        names = list(QUICK_SETS)
    models = args.models.split(",")
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        parser.error(f"unknown models {unknown}; choose from {sorted(MODELS)}")
    splits = ("test", "validation") if args.split == "both" else (args.split,)
    if args.fresh and (args.out / "results.csv").exists():
        os.remove(args.out / "results.csv")

    if not args.summarize:
        import torch
        from threadpoolctl import threadpool_limits

        torch.set_num_threads(1)
        t0 = time.perf_counter()
        with threadpool_limits(limits=1):
            run(
                names,
                models,
                out=args.out,
                splits=splits,
                folds=args.folds,
                seed=args.seed,
            )
        print(f"run time: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    rows = [
        r
        for r in bt.read_results(args.out / "results.csv")
        if r["set"] in set(names) and r["split"] in splits
    ]
    if not rows:
        print("no rows yet")
        return 0
    report(rows, models, args.folds, per_set=args.per_set)
    return 0


if __name__ == "__main__":
    sys.exit(main())
