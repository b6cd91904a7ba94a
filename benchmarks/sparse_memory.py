"""Memory of NCMLPClassifier on a large sparse X (never densified whole).

Builds a random CSR matrix (default 200 000 x 50 000 at 0.1 % density,
labels from a sparse linear rule), then, in a fresh child process per
step so that each peak is its own, measures the peak resident memory
(``ru_maxrss``) of: loading the matrix alone; the campaign on it
(``NeuronCampaign().initialize``, products sparse x dense); and a whole
``fit`` (campaign plus ``--epochs`` epochs, batches densified one at a
time). Prints each peak beside the size of the sparse matrix and of the
same matrix dense, and the terms of the stated bound.

With ``--speed ROWS``, it instead times one epoch of scikit-learn's
``MLPClassifier`` (sparse products) and ``NCMLPClassifier`` (dense batches,
campaign included) side by side, one thread each, on ROWS rows.

Usage::

    python benchmarks/sparse_memory.py                 # the issue's size
    python benchmarks/sparse_memory.py --rows 20000    # quicker
    python benchmarks/sparse_memory.py --speed 20000   # against MLPClassifier
"""

import argparse
import multiprocessing as mp
import resource
import time

import numpy as np
import scipy.sparse as sp

MiB = 2**20


def make_data(rows, features, density, seed=0):
    rng = np.random.default_rng(seed)
    X = sp.random(
        rows, features, density=density, format="csr", dtype=np.float32, rng=rng
    )
    w = rng.standard_normal((features, 3)).astype(np.float32)
    y = np.asarray(X @ w).argmax(axis=1)
    return X, y


def _peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _step(kind, args, out):
    import torch

    torch.set_num_threads(1)
    from sknc import NCMLPClassifier, NeuronCampaign
    from sknc._modules import build_mlp

    X, y = make_data(args.rows, args.features, args.density)
    base = _peak_mib()
    t0 = time.perf_counter()
    if kind == "campaign":
        module = build_mlp(args.features, (args.hidden,), 3, "relu", 0)
        NeuronCampaign(random_state=0).initialize(module, X, y)
    elif kind == "fit":
        NCMLPClassifier(
            hidden_layer_sizes=(args.hidden,),
            max_epochs=args.epochs,
            tol=None,
            random_state=0,
        ).fit(X, y)
    out.put((kind, base, _peak_mib(), time.perf_counter() - t0))


def speed(args):
    import warnings

    import torch
    from sklearn.neural_network import MLPClassifier

    from sknc import NCMLPClassifier

    torch.set_num_threads(1)
    X, y = make_data(args.speed, args.features, args.density)
    models = {
        "MLPClassifier": MLPClassifier(
            hidden_layer_sizes=(args.hidden,), max_iter=args.epochs, random_state=0
        ),
        "NCMLPClassifier": NCMLPClassifier(
            hidden_layer_sizes=(args.hidden,),
            max_epochs=args.epochs,
            tol=None,
            random_state=0,
        ),
    }
    for name, model in models.items():
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # one epoch: not converged
            model.fit(X, y)
        print(
            f"{name:16s} {args.epochs} epoch(s) on {args.speed} rows: "
            f"{time.perf_counter() - t0:.1f} s"
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--features", type=int, default=50_000)
    parser.add_argument("--density", type=float, default=0.001)
    parser.add_argument("--hidden", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--speed", type=int, default=None, metavar="ROWS")
    args = parser.parse_args(argv)
    if args.speed:
        return speed(args)

    X, _ = make_data(args.rows, args.features, args.density)
    sparse_mib = (X.data.nbytes + X.indices.nbytes + X.indptr.nbytes) / MiB
    dense_mib = args.rows * args.features * 4 / MiB
    del X
    print(
        f"X: {args.rows} x {args.features}, density {args.density}: "
        f"CSR {sparse_mib:.0f} MiB, dense float32 {dense_mib:.0f} MiB"
    )
    ctx = mp.get_context("spawn")
    for kind in ("load", "campaign", "fit"):
        out = ctx.Queue()
        proc = ctx.Process(target=_step, args=(kind, args, out))
        proc.start()
        name, base, peak, seconds = out.get()
        proc.join()
        extra = peak - base
        print(
            f"{name:9s} peak {peak:7.0f} MiB (data loaded: {base:6.0f} MiB; step "
            f"adds {extra:6.0f} MiB = {extra / dense_mib:.4f} x dense X) "
            f"in {seconds:6.1f} s"
        )
    from sknc import NeuronCampaign

    candidates = int(NeuronCampaign().candidate_ratio * args.hidden)
    print(
        "bound terms: one dense batch "
        f"{min(200, args.rows) * args.features * 4 / MiB:.0f} MiB, the first "
        f"layer's {candidates} candidates {candidates * args.features * 4 / MiB:.0f} "
        f"MiB, its weights with Adam's two moments "
        f"{3 * args.hidden * args.features * 4 / MiB:.0f} MiB"
    )


if __name__ == "__main__":
    main()
