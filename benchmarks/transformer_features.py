"""NCInitTransformer's campaign features against random features, digits.

64 hidden units from ``NCInitTransformer`` between two ``StandardScaler``
steps and a logistic regression, on 5 stratified half/half splits of the
digits (seeds 0-4, the transformer seeded alike). ``candidate_ratio=1``
keeps every candidate: plain random (Xavier) features, the same draws. For
each candidate ratio, print the mean held-out accuracy and, per split, the
difference from the random features in points. Quoted in
docs/user_guide/estimators.rst; ``tests/test_transformer.py`` asserts the
ratio-10 row.

Usage::

    python benchmarks/transformer_features.py       # about 10 s
"""

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknc import NCInitTransformer, NeuronCampaign

RATIOS = (1.0, 2.0, 10.0)  # 1: random features; 2: the default; 10: the paper's
SEEDS = range(5)


def accuracy(ratio, seed, X, y):
    Xtr, Xte, ytr, yte = train_test_split(
        X, y, test_size=0.5, stratify=y, random_state=seed
    )
    pipe = make_pipeline(
        StandardScaler(),
        NCInitTransformer(
            hidden_layer_sizes=(64,),
            initializer=NeuronCampaign(candidate_ratio=ratio),
            random_state=seed,
        ),
        StandardScaler(),
        LogisticRegression(max_iter=1000),
    )
    return pipe.fit(Xtr, ytr).score(Xte, yte)


def main():
    torch.set_num_threads(1)
    X, y = load_digits(return_X_y=True)
    acc = {r: np.array([accuracy(r, s, X, y) for s in SEEDS]) for r in RATIOS}
    print("candidate_ratio  mean accuracy  vs random, points per split (mean)  W/L")
    for r in RATIOS:
        diff = 100 * (acc[r] - acc[1.0])
        per_split = " ".join(f"{d:+.2f}" for d in diff)
        wins, losses = int((diff > 0).sum()), int((diff < 0).sum())
        print(
            f"{r:15g}  {acc[r].mean():13.4f}  {per_split} ({diff.mean():+.2f})"
            f"  {wins}/{losses}"
        )


if __name__ == "__main__":
    main()
