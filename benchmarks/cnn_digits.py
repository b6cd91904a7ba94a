"""NCCNNClassifier's defaults against the paper's training, on the digits images.

The training defaults of the estimators (Adam, lr 2e-3, batch "auto", at
most 100 epochs with sklearn's stopping rule; campaign on Xavier candidates
with alpha 0.5) were chosen for MLPs on tabular data; NCCNNClassifier shares
them. This checks them on 8x8 images: 5-fold stratified CV on scikit-learn's
digits, a LeNet-like net (conv 6@5x5 and 16@5x5, both padded by 2, 120, 84),
one torch thread.

Usage::

    python benchmarks/cnn_digits.py
"""

import argparse
import time
import warnings

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold, cross_validate

from sknc import NCCNNClassifier, NeuronCampaign

SETTINGS = {
    "defaults": {},
    "paper protocol (old defaults)": {
        "initializer": NeuronCampaign(base_init="he", alpha="linear"),
        "optimizer": "sgd",
        "lr": 0.1,
        "batch_size": 100,
        "max_epochs": 20,
        "tol": None,
    },
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(np.float32).reshape(-1, 1, 8, 8)
    cv = StratifiedKFold(args.folds, shuffle=True, random_state=args.seed)
    print(f"digits images, {args.folds}-fold CV, NCCNNClassifier(conv_padding=2)")
    print("| setting | accuracy | fold accuracies | fit time s | epochs |")
    print("|---|---|---|---|---|")
    for name, params in SETTINGS.items():
        clf = NCCNNClassifier(conv_padding=2, random_state=args.seed, **params)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            res = cross_validate(clf, X, y, cv=cv, return_estimator=True)
        total = time.perf_counter() - t0
        scores = res["test_score"]
        epochs = [est.n_iter_ for est in res["estimator"]]
        print(
            f"| {name} | {scores.mean():.4f} ± {scores.std(ddof=1):.4f} | "
            f"{' '.join(f'{s:.3f}' for s in scores)} | {total:.1f} | {epochs} |"
        )


if __name__ == "__main__":
    main()
