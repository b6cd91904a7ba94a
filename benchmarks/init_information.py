"""Information plane at initialization: I(X;T_l) and I(T_l;Y) per hidden layer.

For each initializer, build the same MLP, initialize it on MNIST training rows,
and estimate both quantities on held-out test rows for every hidden layer:
KDE upper bound (Kolchinsky & Tracey) on the raw activations, the same on
activations scaled to unit mean squared norm per row (the KDE is not scale
invariant, and initializers differ in scale), and k-means clustering
(binning saturates at log2 n for layers this wide: every row falls in its
own cell).

Usage::

    python benchmarks/init_information.py --data-home ../shared/data
"""

import argparse
import time

import numpy as np
import torch

from sknc import HeInit, LSUVInit, NeuronCampaign
from sknc._jobs.compare import PAPER_CAMPAIGN
from sknc._modules import build_mlp
from sknc.datasets import load_mnist
from sknc.information import KDEEstimator, KMeansEstimator

# The campaign as in sknc compare: the paper's setting (PAPER_CAMPAIGN).
P = PAPER_CAMPAIGN
INITS = {
    "he": lambda s: HeInit(random_state=s),
    "lsuv": lambda s: LSUVInit(random_state=s),
    "campaign": lambda s: NeuronCampaign(**P, random_state=s),
    "campaign:alpha=1": lambda s: NeuronCampaign(**{**P, "alpha": 1.0}, random_state=s),
    "campaign:alpha=0": lambda s: NeuronCampaign(**{**P, "alpha": 0.0}, random_state=s),
}


def hidden_activations(module, X):
    """Return the output of every hidden activation module, in order."""
    outs = []
    hooks = [
        m.register_forward_hook(lambda mod, inp, out: outs.append(out.detach()))
        for m in module.layers
        if not isinstance(m, torch.nn.Linear)
    ]
    with torch.no_grad():
        module(torch.as_tensor(X))
    for h in hooks:
        h.remove()
    return [o.numpy().astype(np.float64) for o in outs]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--hidden", default="256,100")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--n-eval", type=int, default=2000)
    parser.add_argument("--noise-variance", type=float, default=1e-1)
    parser.add_argument("--inits", default=",".join(INITS))
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    hidden = tuple(int(v) for v in args.hidden.split(","))
    X, y = load_mnist(args.data_home, subset="train", return_X_y=True)
    X_te, y_te = load_mnist(args.data_home, subset="test", return_X_y=True)
    X_te, y_te = X_te[: args.n_eval], y_te[: args.n_eval]
    kde = KDEEstimator(noise_variance=args.noise_variance, max_samples=None)
    kmeans = KMeansEstimator(n_clusters=100, random_state=0)
    print(
        f"MNIST, MLP 784-{'-'.join(map(str, hidden))}-10, ReLU; estimates on "
        f"{args.n_eval} test rows (max log2 n = {np.log2(args.n_eval):.2f} bits, "
        f"H(Y) = {_label_entropy(y_te):.3f} bits); mean over {args.seeds} seeds"
    )
    print(
        "init               layer  RMS act  KDE I(X;T)  KDE I(T;Y)  "
        "KDE/norm I(X;T)  KDE/norm I(T;Y)  kmeans I(X;T)  kmeans I(T;Y)"
    )
    t0 = time.perf_counter()
    for name in args.inits.split(","):
        per_layer = []
        for seed in range(args.seeds):
            net = build_mlp(784, hidden, 10, "relu", seed)
            INITS[name](seed).initialize(net, X, y)
            rows = []
            for T in hidden_activations(net, X_te):
                rms = np.sqrt(np.mean(T**2))
                norm = rms * np.sqrt(T.shape[1])
                rows.append(
                    [
                        rms,
                        *kde.estimate(T, y_te),
                        *kde.estimate(T / norm, y_te),
                        *kmeans.estimate(T, y_te),
                    ]
                )
            per_layer.append(rows)
        mean = np.mean(per_layer, axis=0)
        for layer, vals in enumerate(mean, start=1):
            print(
                f"{name:18s} {layer:5d}  {vals[0]:7.3f}  {vals[1]:10.2f}  "
                f"{vals[2]:10.3f}  {vals[3]:15.2f}  {vals[4]:15.3f}  "
                f"{vals[5]:13.2f}  {vals[6]:13.3f}"
            )
    print(f"total {time.perf_counter() - t0:.0f} s")


def _label_entropy(y):
    p = np.bincount(y) / len(y)
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


if __name__ == "__main__":
    main()
