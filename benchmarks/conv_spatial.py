"""Choose how a conv layer's feature maps become campaign statistics.

``NeuronCampaign(spatial=...)`` takes the statistics of a conv layer's
candidate filters either over per-image spatial means (``"mean"``) or over
every position of every image (``"positions"``). This script trains
LeNet-5 (ReLU) on a training subset of MNIST's *training* set, initialized
by He and by the campaign with each choice, and reports the error on a
disjoint validation subset of the training set (the official test set is
never read), paired by seed. ``--inits`` takes other init specs of
``sknc compare`` (e.g. ``campaign:rescale=base``).

Usage::

    python benchmarks/conv_spatial.py --data-home ../shared/data --seeds 5 \
        --epochs 10 --lr 0.1 --out conv_spatial.csv
"""

import argparse
import csv
import sys
import time

import numpy as np
import torch
from sklearn.model_selection import train_test_split
from torch import nn

from sknc._jobs.compare import parse_init_spec
from sknc._modules import build_cnn
from sknc.datasets import load_mnist

INITS = "he;campaign:spatial=mean;campaign:spatial=positions"


def make_init(spec, seed):
    init = parse_init_spec(spec)[1]
    return init.set_params(random_state=seed)


def lenet5(seed):
    return build_cnn(
        (1, 28, 28),
        conv_channels=(6, 16),
        kernel_size=5,
        conv_padding=(2, 0),
        hidden_layer_sizes=(120, 84),
        n_outputs=10,
        activation="relu",
        seed=seed,
    )


def errors(net, X, y, batch=2000):
    net.eval()
    wrong = 0
    with torch.no_grad():
        for a in range(0, len(X), batch):
            wrong += int((net(X[a : a + batch]).argmax(1) != y[a : a + batch]).sum())
    net.train()
    return wrong / len(X)


def train(init, seed, X_tr, y_tr, X_val, y_val, epochs, lr, batch_size):
    net = lenet5(seed)
    t0 = time.perf_counter()
    init.initialize(net, X_tr.numpy(), y_tr.numpy())
    init_time = time.perf_counter() - t0
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(seed)
    curve = [errors(net, X_val, y_val)]
    for _ in range(epochs):
        order = torch.randperm(len(X_tr), generator=g)
        for a in range(0, len(X_tr), batch_size):
            idx = order[a : a + batch_size]
            opt.zero_grad()
            loss_fn(net(X_tr[idx]), y_tr[idx]).backward()
            opt.step()
        curve.append(errors(net, X_val, y_val))
    return curve, init_time


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--n-train", type=int, default=20000)
    parser.add_argument("--n-val", type=int, default=10000)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--inits", default=INITS, help="init specs, ';'-separated")
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    X, y = load_mnist(args.data_home, subset="train", return_X_y=True)
    X = X.reshape(-1, 1, 28, 28)
    rows = []
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        X_tr, X_val, y_tr, y_val = train_test_split(
            X, y, train_size=args.n_train, test_size=args.n_val, stratify=y,
            random_state=seed,
        )  # fmt: skip
        data = [torch.from_numpy(np.ascontiguousarray(a)) for a in (X_tr, y_tr)]
        val = [torch.from_numpy(np.ascontiguousarray(a)) for a in (X_val, y_val)]
        data[1], val[1] = data[1].long(), val[1].long()
        for name in args.inits.split(";"):
            t0 = time.perf_counter()
            curve, init_time = train(
                make_init(name, seed), seed, *data, *val,
                args.epochs, args.lr, args.batch_size,
            )  # fmt: skip
            rows.append({"init": name, "seed": seed, "init_time": init_time,
                         "curve": curve})  # fmt: skip
            print(
                f"{name:28s} seed {seed}: val error after 1 epoch "
                f"{100 * curve[1]:.2f}%, min {100 * min(curve[1:]):.2f}%, "
                f"final {100 * curve[-1]:.2f}% (init {init_time:.2f} s, "
                f"total {time.perf_counter() - t0:.0f} s)",
                flush=True,
            )
    if args.out:
        with open(args.out, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["init", "seed", "init_time", "epoch", "val_error"])
            for r in rows:
                for e, err in enumerate(r["curve"]):
                    w.writerow([r["init"], r["seed"], f"{r['init_time']:.4f}", e, err])
    return 0


if __name__ == "__main__":
    sys.exit(main())
