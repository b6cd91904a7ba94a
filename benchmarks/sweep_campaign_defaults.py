"""Sweep NeuronCampaign's parameters on a validation split of MNIST's training set.

The defaults of ``NeuronCampaign`` are chosen from this sweep. Only the
official training set is used: it is split into a training subset and a
disjoint validation subset per seed; the official test set is never read.

Usage::

    python benchmarks/sweep_campaign_defaults.py --data-home ../shared/data \
        --out sweep.csv

Prints one line per configuration: mean (over seeds) minimum validation
error, validation error after one epoch, and the paired difference with He.
"""

import argparse
import csv
import itertools
import sys
import time

import numpy as np
import torch
from sklearn.model_selection import train_test_split

from sknc._jobs.compare import run_one
from sknc.datasets import load_mnist

ARCHS = {"mlp3": (256, 100), "mlp5": (32, 32, 32, 32)}


def _splits(data_home, seeds, n_train, n_val, first_seed=0):
    X, y = load_mnist(data_home, subset="train", return_X_y=True)
    for seed in range(first_seed, first_seed + seeds):
        X_tr, X_val, y_tr, y_val = train_test_split(
            X, y, train_size=n_train, test_size=n_val, stratify=y, random_state=seed
        )
        yield seed, (X_tr, y_tr, X_val, y_val)


def _specs(grid):
    keys = list(grid)
    for values in itertools.product(*grid.values()):
        opts = ",".join(f"{k}={v}" for k, v in zip(keys, values))
        yield f"campaign:{opts}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--n-train", type=int, default=10000)
    parser.add_argument("--n-val", type=int, default=10000)
    parser.add_argument("--archs", default="mlp3,mlp5")
    parser.add_argument("--alpha", default="linear,1.0,0.5,0.0")
    parser.add_argument("--ratio", default="2,10")
    parser.add_argument("--rescale", default="none,norm,lsuv")
    parser.add_argument("--max-samples", default="10000")
    parser.add_argument(
        "--specs",
        default=None,
        help="explicit campaign specs separated by ';' (instead of the grid)",
    )
    parser.add_argument("--out", default=None, help="CSV of every run")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)

    grid = {
        "alpha": args.alpha.split(","),
        "ratio": args.ratio.split(","),
        "rescale": args.rescale.split(","),
        "max_samples": args.max_samples.split(","),
    }
    specs = ["he", *(args.specs.split(";") if args.specs else _specs(grid))]
    splits = list(
        _splits(args.data_home, args.seeds, args.n_train, args.n_val, args.first_seed)
    )
    rows = []
    t0 = time.perf_counter()
    for arch in args.archs.split(","):
        hidden = ARCHS[arch]
        results = {}
        for spec in specs:
            runs = [
                run_one(spec, seed, split, hidden=hidden, epochs=args.epochs)
                for seed, split in splits
            ]
            results[spec] = runs
            for r in runs:
                rows.append(
                    {
                        "arch": arch,
                        "init": spec,
                        "seed": r.seed,
                        "min_val_error": r.min_error,
                        "val_error_epoch1": r.errors[1],
                        "val_error_init": r.errors[0],
                        "init_time": r.init_time,
                    }
                )
            he = np.array([r.min_error for r in results["he"]])
            mine = np.array([r.min_error for r in runs])
            print(
                f"{arch:5s} {spec:60s} min val err {100 * mine.mean():5.2f} "
                f"(he {100 * he.mean():5.2f}, paired {100 * (mine - he).mean():+.2f}"
                f" ± {100 * (mine - he).std(ddof=1):.2f}) err@1 "
                f"{100 * np.mean([r.errors[1] for r in runs]):5.2f} "
                f"[{time.perf_counter() - t0:.0f} s]",
                flush=True,
            )
    if args.out:
        with open(args.out, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    print(f"total {time.perf_counter() - t0:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
