"""How far sknc's default binning is from Shwartz-Ziv & Tishby's.

Trains the 12-bit network of ``sknc infoplane`` (12-10-7-5-4-3-2, Adam, lr
4e-4, batch 256, the job's truncated-normal weights) with tanh and with
ReLU layers, and measures every hidden layer at log-spaced epochs with
``BinningEstimator(n_bins=30, value_range=(-1, 1))`` under both conventions:
``"intervals"`` (sknc's default: 30 intervals, values outside clipped) and
``"reference"`` (their code: 30 edges, values >= 1 in a cell of their own).
Prints the largest difference of I(X;T) or I(T;Y) between them.

Usage::

    python benchmarks/binning_conventions.py --data-home ../shared/data
"""

import argparse

import torch
from skorch import NeuralNetClassifier

from sknc._jobs.infoplane import SETTINGS, load_dataset, truncated_normal_
from sknc._modules import build_mlp
from sknc.information import BinningEstimator, InformationPlane


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--epochs", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    X, y = load_dataset("ib12", args.data_home)
    setting = SETTINGS["ib12"]
    for activation in ("tanh", "relu"):
        module = build_mlp(12, setting["hidden"], 2, activation, args.seed)
        truncated_normal_(module, torch.Generator().manual_seed(args.seed))
        callbacks = {
            convention: InformationPlane(
                epochs="log",
                n_points=12,
                estimator=BinningEstimator(
                    n_bins=30, value_range=(-1, 1), convention=convention
                ),
            )
            for convention in ("intervals", "reference")
        }
        NeuralNetClassifier(
            module,
            criterion=torch.nn.CrossEntropyLoss,
            optimizer=torch.optim.Adam,
            lr=setting["lr"],
            batch_size=setting["batch_size"],
            max_epochs=args.epochs,
            train_split=None,
            verbose=0,
            callbacks=list(callbacks.items()),
            iterator_train__shuffle=True,
            iterator_train__generator=torch.Generator().manual_seed(args.seed),
        ).fit(X, y)
        pairs = zip(callbacks["intervals"].records_, callbacks["reference"].records_)
        gaps = [
            max(abs(a["i_xt"] - b["i_xt"]), abs(a["i_ty"] - b["i_ty"]))
            for a, b in pairs
        ]
        print(
            f"{activation}: largest difference {max(gaps):.3f} bits over "
            f"{len(gaps)} (epoch, layer) measurements"
        )


if __name__ == "__main__":
    main()
