"""Sweep NCMLPClassifier's training settings and the campaign's on the sweep part.

The defaults of :class:`~sknc.NCMLPClassifier` and of
:class:`~sknc.NeuronCampaign` for tabular data are chosen from this sweep,
run on the ``sweep`` part of ``bench_tabular.py``'s suite only (52 sets; the
``report`` part is never read here). Each configuration is a named set of
``NCMLPClassifier`` parameters (and, for the campaign, ``NeuronCampaign``
parameters), trained with each initializer in ``--inits``, beside
``MLPClassifier()`` on the same folds.

Usage::

    python benchmarks/sweep_tabular.py --configs sk,lr3e-3 \
        --inits he,xavier,campaign:old,campaign:xavier-alpha.5
    python benchmarks/sweep_tabular.py --list

Rows go to ``<out>/results.csv`` (labels ``<config>/<init>``) and are reused
by later runs, so stages can be added one after the other; the table covers
the configurations and inits asked for.
"""

import argparse
import sys
from pathlib import Path

import bench_tabular as bt

# The baseline every other configuration changes one or two things of:
# scikit-learn's MLPClassifier training (Adam 1e-3, batch min(200, n),
# at most 200 epochs, stop on a plateau of the training loss).
SK = {
    "optimizer": "adam",
    "lr": 1e-3,
    "batch_size": "auto",
    "max_epochs": 200,
    "tol": 1e-4,
    "n_iter_no_change": 10,
    "weight_decay": 0.0,
}

CONFIGS = {
    # Stage 1: training settings.
    "old": dict(bt.OLD_DEFAULTS),  # campaign:old for the old campaign
    "sk": {},
    "lr3e-3": {"lr": 3e-3},
    "lr1e-2": {"lr": 1e-2},
    "b32": {"batch_size": 32},
    "b64-lr3e-3": {"batch_size": 64, "lr": 3e-3},
    "wd1e-4": {"weight_decay": 1e-4},
    "wd1e-3": {"weight_decay": 1e-3},
    "wd1e-2": {"weight_decay": 1e-2},
    "ep400": {"max_epochs": 400},
    "nochange20": {"n_iter_no_change": 20},
    "es": {"early_stopping": True},
    "sgd-m": {"optimizer": "sgd", "lr": 0.01, "momentum": 0.9},
    "tol1e-3": {"tol": 1e-3},
    "lr3e-3-ep100": {"lr": 3e-3, "max_epochs": 100},
    "ep150": {"max_epochs": 150},
    "lr2e-3-ep100": {"lr": 2e-3, "max_epochs": 100},
}

# Campaign variants, NeuronCampaign parameters. The sweep started from the
# paper's campaign ("old": He candidates, alpha "linear"), so every variant
# is spelled out from it; "xavier-alpha.5" is today's NeuronCampaign().
# A model is "<config>/campaign:<variant>", e.g. "sk/campaign:xavier".
CAMPAIGNS = {
    "old": {},
    "xavier": {"base_init": "xavier"},
    "norm": {"rescale": "norm"},
    "xavier-base": {"base_init": "xavier", "rescale": "base"},
    "xavier-alpha0": {"base_init": "xavier", "alpha": 0.0},
    "xavier-alpha.5": {"base_init": "xavier", "alpha": 0.5},
    "xavier-ratio5": {"base_init": "xavier", "candidate_ratio": 5},
}
CAMPAIGNS = {k: {**bt.OLD_CAMPAIGN, **v} for k, v in CAMPAIGNS.items()}


def register(config, init):
    """Add the model ``<config>/<init>`` to bench_tabular's registry."""
    name, _, campaign = init.partition(":")
    params = {**SK, **CONFIGS[config]}
    label = f"{config}/{init}"
    if name == "campaign":
        if campaign not in CAMPAIGNS:
            raise SystemExit(
                f"{init!r}: name a campaign variant, campaign:<variant>, with "
                f"<variant> in {sorted(CAMPAIGNS)}"
            )
        variant = CAMPAIGNS[campaign]

        def make(seed, params=params, variant=variant):
            from sknc import NCMLPClassifier, NeuronCampaign

            return NCMLPClassifier(
                initializer=NeuronCampaign(**variant), random_state=seed, **params
            )

    else:

        def make(seed, params=params, name=name):
            from sknc import NCMLPClassifier

            clf = NCMLPClassifier(initializer=name, random_state=seed)
            valid = clf.get_params()
            return clf.set_params(**{k: v for k, v in params.items() if k in valid})

    bt.MODELS[label] = (make, f"{label}: {params}")
    return label


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", default="sk")
    parser.add_argument(
        "--inits",
        default="he,campaign:old",
        help="initializer names, and campaign:<variant> for campaign variants",
    )
    parser.add_argument("--out", type=Path, default=Path("sweep-tabular-out"))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--summarize", action="store_true")
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args(argv)
    if args.list:
        for k, v in CONFIGS.items():
            print(f"config {k}: {v}")
        for k, v in CAMPAIGNS.items():
            print(f"campaign:{k}: {v}")
        return 0
    models = [
        register(c, i) for c in args.configs.split(",") for i in args.inits.split(",")
    ]
    models.append("mlp")
    parts = bt.split_parts(bt.suite_names())
    names = [n for n in bt.suite_names() if parts[n] == "sweep"]
    if args.summarize:
        rows = [
            r
            for r in bt.read_results(args.out / "results.csv")
            if r["model"] in models and r["set"] in set(names)
        ]
    else:
        import torch
        from threadpoolctl import threadpool_limits

        torch.set_num_threads(1)
        with threadpool_limits(limits=1):
            rows = bt.run(names, models, out=args.out, folds=args.folds)
    rows = bt.complete_sets(rows, models, args.folds)
    table = bt.summarize(rows, models, "mlp")
    print(f"sweep part: {len({r['set'] for r in rows})} sets, {args.folds}-fold CV")
    print(bt.format_summary(table, "mlp"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
