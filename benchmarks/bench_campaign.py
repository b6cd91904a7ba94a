"""Benchmark of the neuron campaign: time, matrix-product bound, memory.

The campaign's unavoidable cost is one matrix product per layer (rows x
fan-in x candidates); this program measures how close the whole campaign
comes to it, how it compares with one training epoch, how it grows with
rows, candidates and width, and how much memory it takes when streaming
rows chunk by chunk (peak RSS of a fresh subprocess per measurement).

Usage::

    python benchmarks/bench_campaign.py            # 3-4 minutes on 2 cores
    python benchmarks/bench_campaign.py --quick    # about 30 seconds
    python benchmarks/bench_campaign.py --threads 2 --data-home ../shared/data

Times are the minimum over ``--repeats`` runs, the runs of the quantities
compared in one row interleaved, so that a load change on a shared machine
hits both; ratios are ratios of these minima. Results and how to read
them: ``docs/performance.md``.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np
import torch
from torch import nn

from sknc import NeuronCampaign
from sknc._campaign import (
    ResponseStats,
    assign_groups,
    campaign_scores,
    candidate_responses,
    n_candidates,
    select_neurons,
)
from sknc._distributions import he_normal, make_generator
from sknc._jobs.bench import (
    cpu_model,
    interleaved,
    layer_plan,
    products,
    training_epoch,
)
from sknc._modules import build_mlp

NETWORKS = {"MLP-2": (100,), "MLP-3": (256, 100), "MLP-5": (32, 32, 32, 32)}
CHUNK = NeuronCampaign().chunk_size
DEFAULT_MAX_SAMPLES = NeuronCampaign().max_samples
RATIO = NeuronCampaign().candidate_ratio
PAPER_RATIO = 10.0  # the reference code's; target (a) was set with it
MAX_CANDIDATES = NeuronCampaign().max_candidates
# Table 2's training epoch: the paper's protocol (SGD 0.1, batches of 100).
PAPER_TRAINING = {"optimizer": "sgd", "lr": 0.1, "batch_size": 100}


# -- measuring ---------------------------------------------------------------


class _NotAChain(nn.Module):
    """An MLP whose forward reshapes its input: the driver's generic path."""

    def __init__(self, mlp):
        super().__init__()
        self.mlp = mlp

    def forward(self, x):
        return self.mlp(x.reshape(len(x), -1))


def campaign(X, y, hidden, n_samples, seed, chain=True, **params):
    """Return a function running NeuronCampaign on a fresh MLP.

    ``chain=False`` wraps the MLP so that the driver cannot treat it as a
    chain and re-runs it up to each layer for every chunk.
    """
    n_classes = len(np.unique(y))

    def run():
        net = build_mlp(X.shape[1], hidden, n_classes, "relu", seed)
        if not chain:
            net = _NotAChain(net)
        return NeuronCampaign(
            max_samples=n_samples, random_state=seed, **params
        ).initialize(net, X, y)

    return run


def plain_epoch(X, y, hidden, seed):
    """Return a function training the same MLP for one epoch in plain PyTorch."""
    net = build_mlp(X.shape[1], hidden, len(np.unique(y)), "relu", seed)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    criterion = nn.CrossEntropyLoss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
    g = make_generator(seed)

    def run():
        net.train()
        order = torch.randperm(len(Xt), generator=g)
        for start in range(0, len(Xt), 100):
            idx = order[start : start + 100]
            optimizer.zero_grad()
            loss = criterion(net(Xt.index_select(0, idx)), yt.index_select(0, idx))
            loss.backward()
            optimizer.step()

    return run


def synthetic(n_rows, n_features, n_classes=10, seed=0):
    """Gaussian classes: float32 rows and int labels."""
    g = make_generator(seed)
    centers = torch.randn(n_classes, n_features, generator=g)
    y = torch.arange(n_rows) % n_classes
    X = torch.randn(n_rows, n_features, generator=g) + centers[y]
    return X.numpy(), y.numpy()


# -- the streaming campaign (pure API) and memory ----------------------------


def stream_layer(n_rows, n_features, k, ratio, chunk, seed, n_classes=10):
    """Run one layer's campaign on rows generated chunk by chunk.

    Rows are never held all at once: each chunk of Gaussian-class rows is
    drawn, reduced into the class statistics and dropped. Labels are
    sorted (class blocks), as the driver sorts its rows.
    """
    g = make_generator(seed)
    m = n_candidates(k, ratio, MAX_CANDIDATES)
    W = he_normal(m, n_features, k, g)
    centers = torch.randn(n_classes, n_features, generator=g)
    stats = ResponseStats.empty(n_classes, m)
    H = torch.empty(chunk, n_features)
    out = torch.empty(chunk, m)
    for start in range(0, n_rows, chunk):
        rows = min(chunk, n_rows - start)
        y = torch.arange(start, start + rows) * n_classes // n_rows
        h = torch.randn(rows, n_features, generator=g, out=H[:rows])
        h += centers.index_select(0, y)
        A = candidate_responses(h, W, activation=torch.relu, out=out[:rows])
        stats.update(A, y)
    scores = campaign_scores(stats, 0.5)
    chosen, _ = select_neurons(
        W, scores["score"], k, groups=assign_groups(scores["class_means"])
    )
    return m, chosen


def working_set_mb(n_features, m, chunk, n_classes=10):
    """Predicted bytes of the streaming layer, in MB (see ``stream_layer``).

    Candidates (m x d, float32, twice while they are drawn), a chunk of
    rows and its class offsets (2 x chunk x d), the product buffer and the
    statistics' scratch buffer for the deviations (2 x chunk x m), the
    class statistics (float64) and, in the selection, the residuals
    (d x m, float64).
    """
    d = n_features
    floats32 = 2 * m * d + 2 * chunk * d + 2 * chunk * m
    floats64 = 3 * n_classes * m + d * m
    return (4 * floats32 + 8 * floats64) / 2**20


def _status_mb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise KeyError(field)


def start_peak():
    """Reset the peak RSS to the current RSS; return the current RSS in MB.

    Linux: writing 5 to ``/proc/self/clear_refs`` resets ``VmHWM``. Elsewhere
    the peak is ``ru_maxrss`` since the process started.
    """
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return _status_mb("VmRSS")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_mb():
    """Peak RSS in MB since :func:`start_peak` (``VmHWM``), or ``ru_maxrss``."""
    try:
        return _status_mb("VmHWM")
    except (OSError, KeyError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory_child(spec):
    """Measure one configuration in this (fresh) process; print JSON."""
    torch.set_num_threads(spec["threads"])
    result = {}
    if spec["kind"] == "stream":
        result["baseline_mb"] = start_peak()
        t0 = time.perf_counter()
        m, chosen = stream_layer(
            spec["rows"], spec["features"], spec["k"], spec["ratio"],
            spec["chunk"], spec["seed"],
        )  # fmt: skip
        result.update(time=time.perf_counter() - t0, candidates=m)
    else:
        from sknc.datasets import load_mnist

        X, y = load_mnist(spec["data_home"], return_X_y=True)
        X = X.reshape(len(X), -1)
        result["baseline_mb"] = start_peak()
        t0 = time.perf_counter()
        campaign(
            X, y, tuple(spec["hidden"]), spec["n_samples"], spec["seed"],
            candidate_ratio=spec["ratio"],
        )()  # fmt: skip
        result["time"] = time.perf_counter() - t0
    result["peak_mb"] = peak_mb()
    print(json.dumps(result))


def measure_in_subprocess(spec):
    out = subprocess.run(
        [sys.executable, __file__, "--memory-child", json.dumps(spec)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- output ------------------------------------------------------------------


def table(title, header, rows, note=None):
    cells = [[str(c) for c in header]] + [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    print(f"\n{title}")
    line = "  ".join(h.rjust(w) for h, w in zip(cells[0], widths))
    print(line)
    print("-" * len(line))
    for row in cells[1:]:
        print("  ".join(c.rjust(w) for c, w in zip(row, widths)))
    if note:
        print(note)
    sys.stdout.flush()


def _fmt(value):
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


# -- sections ----------------------------------------------------------------


def bench_mnist(X, y, args):
    """Campaign vs products (table 1) and vs a training epoch (table 2)."""
    rows_1, rows_2 = [], []
    n = len(X)
    ratios = sorted({PAPER_RATIO, RATIO}, reverse=True)
    for name, hidden in NETWORKS.items():
        for ratio in ratios:
            plan = layer_plan(X.shape[1], hidden, 10, ratio, MAX_CANDIDATES)
            cands = "-".join(str(m) for _, _, m in plan)
            for n_samples in (None,) if args.quick else (None, DEFAULT_MAX_SAMPLES):
                n_rows = n if n_samples is None or n_samples >= n else n_samples
                run = campaign(
                    X, y, hidden, n_samples, args.random_seed, candidate_ratio=ratio
                )
                passed = [r["passed_on"] for r in run().report_]
                best = interleaved(
                    {
                        "campaign": run,
                        "products": products(
                            plan, n_rows, CHUNK, seed=args.random_seed
                        ),
                    },
                    args.repeats,
                )
                rows_1.append(
                    [name, ratio, n_rows, cands,
                     "".join("yn"[not p] for p in passed[:-1]), best["campaign"],
                     best["products"], best["campaign"] / best["products"],
                     _floor(plan, passed_on=passed)]
                )  # fmt: skip
        if name == "MLP-3":
            plan = layer_plan(X.shape[1], hidden, 10, PAPER_RATIO, MAX_CANDIDATES)
            cands = "-".join(str(m) for _, _, m in plan)
            run = campaign(
                X, y, hidden, None, args.random_seed, chain=False,
                candidate_ratio=PAPER_RATIO,
            )  # fmt: skip
            best = interleaved(
                {
                    "campaign": run,
                    "products": products(plan, n, CHUNK, seed=args.random_seed),
                },
                args.repeats,
            )
            rows_1.append(
                [name + " (hooks)", PAPER_RATIO, n, cands, "nn", best["campaign"],
                 best["products"], best["campaign"] / best["products"],
                 _floor(plan, hooks=True)]
            )  # fmt: skip
        durations = []
        best = interleaved(
            {
                "skorch": training_epoch(
                    X, y, hidden, args.random_seed, durations, **PAPER_TRAINING
                ),
                "plain": plain_epoch(X, y, hidden, args.random_seed),
                "default": campaign(
                    X, y, hidden, DEFAULT_MAX_SAMPLES, args.random_seed
                ),
                "paper": campaign(
                    X, y, hidden, 10000, args.random_seed, candidate_ratio=PAPER_RATIO
                ),
            },
            args.repeats,
        )
        dur, epoch = min(durations), best["skorch"]
        rows_2.append(
            [name, epoch, dur, best["plain"], epoch / best["plain"],
             dur / best["plain"], best["default"], best["default"] / epoch,
             best["paper"], best["paper"] / epoch]
        )  # fmt: skip
    table(
        f"1. Campaign vs its matrix products alone, MNIST (float32, chunks of "
        f"{CHUNK} rows)",
        ["network", "cand. ratio", "rows", "candidates", "passed on",
         "campaign s", "products s", "ratio", "floor"],
        rows_1,
        "   target (a): MLP-3, all rows, default candidate_ratio "
        f"({RATIO:g}): ratio <= 1.3.\n   passed on: per hidden layer, whether "
        "its chosen responses became the next layer's input\n   (y), or the "
        "next layer's input was computed again (n: running the layer again "
        "costs less,\n   or the responses did not fit the memory budget); "
        "floor: the ratio if the only other\n   cost were those propagation "
        "products (rows x fan_in x k per 'n' layer);\n   '(hooks)': the "
        "generic path for modules that are not a chain, which re-runs every"
        "\n   earlier layer for each layer",
    )  # fmt: skip
    table(
        f"2. One training epoch, MNIST ({n} rows, batch 100, SGD lr 0.1), vs the "
        f"campaign with the defaults\n   (max_samples={DEFAULT_MAX_SAMPLES}, "
        f"candidate_ratio={RATIO:g}) and with max_samples=10000, candidate_ratio="
        f"{PAPER_RATIO:g}",
        ["network", "partial_fit s", "NCMLP epoch s", "plain epoch s",
         "ratio (call)", "ratio (epoch)", "default s", "/epoch", "10000x10 s",
         "/epoch"],
        rows_2,
        "   partial_fit: wall time of one NCMLPClassifier.partial_fit call (one "
        "epoch plus the\n   validation of X); NCMLP epoch: skorch's recorded "
        "epoch duration; plain: a PyTorch loop\n   (index_select batches, SGD). "
        "target (d): NCMLP/plain <= 1.2;  target (b): campaign/epoch <= 0.5\n"
        "   (/epoch divides by the partial_fit time)",
    )  # fmt: skip


def _floor(plan, hooks=False, passed_on=None):
    """Ratio to the products if propagation were the only other cost.

    The chain path propagates each hidden layer once (rows x fan_in x k),
    unless the layer passed its chosen responses on (``passed_on``, from
    the campaign's report: no propagation at all); the hook path re-runs
    every earlier layer for each later layer.
    """
    last = len(plan) - 1
    passed_on = passed_on or [False] * len(plan)
    extra = sum(
        d * k * ((last - i) if hooks else (not passed_on[i]))
        for i, (d, k, _) in enumerate(plan[:-1])
    )
    return 1 + extra / sum(d * m for d, _, m in plan)


def bench_axes(args):
    """Growth of the campaign with rows, candidates and width (one layer)."""
    seed = args.random_seed

    def one_layer(n_rows, d, k, m):
        X, y = synthetic(n_rows, d, seed=seed)

        def run():
            net = nn.Sequential(nn.Linear(d, k), nn.ReLU())
            NeuronCampaign(
                alpha=0.5, candidate_ratio=m / k, max_candidates=m, max_samples=None,
                random_state=seed,
            ).initialize(net, X, y)  # fmt: skip

        best = interleaved(
            {
                "campaign": run,
                "products": products([(d, k, m)], n_rows, CHUNK, seed=seed),
            },
            args.repeats,
        )
        ns = best["campaign"] / (n_rows * d * m) * 1e9
        return [n_rows, d, k, m, best["campaign"], best["products"],
                best["campaign"] / best["products"], ns * 1e3]  # fmt: skip

    header = ["rows", "fan_in", "k", "candidates", "campaign s", "products s",
              "ratio", "ps/(row*d*m)"]  # fmt: skip
    base = 5000 if args.quick else 10000
    table(
        "3a. Growth with rows (one Linear+ReLU layer, synthetic 10-class data)",
        header,
        [one_layer(base * f, 784, 100, 1000) for f in (1, 2, 4)],
    )
    table(
        "3b. Growth with candidates (k fixed)",
        header,
        [one_layer(base, 784, 50, m) for m in (500, 1000, 2000, 4000)],
    )
    table(
        "3c. Growth with width (fan-in)",
        header,
        [one_layer(base, d, 100, 1000) for d in (196, 392, 784, 1568)],
    )


def bench_selection(args):
    """select_neurons alone vs candidates, k and fan-in fixed."""
    d, k = 784, 256
    g = make_generator(args.random_seed)
    rows, previous = [], None
    sizes = (512, 1024, 2048, 4096) if args.quick else (512, 1024, 2048, 4096, 8192)
    for m in sizes:
        W = he_normal(m, d, k, g)
        score = torch.randn(m, generator=g, dtype=torch.float64)
        groups = torch.randint(0, 10, (m,), generator=g)
        best = interleaved(
            {"select": lambda: select_neurons(W, score, k, groups=groups)},
            max(args.repeats, 5),
        )["select"]
        growth = "" if previous is None else best / previous
        rows.append([m, best, best / m * 1e6, growth])
        previous = best
    table(
        f"4. Selection alone (select_neurons, fan_in {d}, k {k}, 10 classes)",
        ["candidates", "time s", "us/candidate", "x previous"],
        rows,
        "   target (c): doubling the candidates at most doubles the time",
    )


def bench_memory(args, data_ok):
    """Peak RSS of fresh subprocesses: streaming 1M rows, and MNIST."""
    d, k, chunk = 784, 410, CHUNK
    counts = (20_000, 50_000) if args.quick else (62_500, 250_000, 1_000_000)
    rows = []
    for n_rows in counts:
        spec = {"kind": "stream", "rows": n_rows, "features": d, "k": k,
                "ratio": PAPER_RATIO, "chunk": chunk, "seed": args.random_seed,
                "threads": args.threads}  # fmt: skip
        r = measure_in_subprocess(spec)
        m = r["candidates"]
        rows.append(
            [n_rows, d, m, r["baseline_mb"], r["peak_mb"],
             r["peak_mb"] - r["baseline_mb"], working_set_mb(d, m, chunk),
             r["time"], n_rows * d * 4 / 2**20]
        )  # fmt: skip
    table(
        f"5a. Streaming one layer through the pure API, chunks of {chunk} rows "
        "(peak RSS of a fresh subprocess)",
        ["rows", "fan_in", "candidates", "baseline MB", "peak MB", "extra MB",
         "predicted MB", "time s", "rows as f32 MB"],
        rows,
        "   rows are generated chunk by chunk and never held; 'extra' = peak - "
        "baseline (after imports);\n   'predicted' = candidates + chunk + product "
        "buffer + deviations' scratch + class statistics\n   + selection "
        "residuals",
    )  # fmt: skip
    if not data_ok:
        return
    rows = []
    for name in ("MLP-3",):
        for n_samples, ratio in (
            (None, PAPER_RATIO),
            (None, RATIO),
            (DEFAULT_MAX_SAMPLES, RATIO),
        ):
            spec = {"kind": "mnist", "hidden": NETWORKS[name],
                    "n_samples": n_samples, "ratio": ratio, "seed": args.random_seed,
                    "data_home": args.data_home, "threads": args.threads}  # fmt: skip
            r = measure_in_subprocess(spec)
            rows.append(
                [name, ratio, n_samples or 60000, r["baseline_mb"], r["peak_mb"],
                 r["peak_mb"] - r["baseline_mb"], r["time"]]
            )  # fmt: skip
    table(
        "5b. NeuronCampaign.initialize on MNIST (peak RSS of a fresh subprocess; "
        "baseline after loading X, 188 MB as float32)",
        ["network", "cand. ratio", "rows", "baseline MB", "peak MB", "extra MB",
         "time s"],
        rows,
        "   extra includes, for a chain, the hidden layers' inputs or the "
        "responses passed on\n   (at most the size of the scoring rows, here "
        "188 MB with all rows; 64 MiB with 2000)",
    )  # fmt: skip


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller, under a minute")
    parser.add_argument("--random-seed", type=int, default=0)
    parser.add_argument(
        "--data-home", default=None, help="MNIST location (default: $SKNC_DATA)"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads (default 1: on a shared machine 2 threads make "
        "small operations wait for a busy core)",
    )
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--memory-child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child is not None:
        memory_child(json.loads(args.memory_child))
        return
    args.repeats = args.repeats or (1 if args.quick else 3)
    torch.set_num_threads(args.threads)
    t_start = time.perf_counter()
    command = " ".join(["python benchmarks/bench_campaign.py", *sys.argv[1:]])
    print(f"command: {command}")
    print(
        f"machine: {cpu_model()}, {os.cpu_count()} cores; torch "
        f"{torch.__version__} with {torch.get_num_threads()} threads; "
        f"repeats {args.repeats} (min taken)"
    )
    print(
        "memory: peak RSS (VmHWM of /proc/self/status, reset just before the "
        "measured work) of a fresh subprocess per measurement"
    )

    from sknc.datasets import load_mnist

    try:
        X, y = load_mnist(args.data_home, return_X_y=True)
    except (FileNotFoundError, OSError) as exc:
        print(f"\nMNIST not found, skipping its tables: {exc}")
        data_ok = False
    else:
        data_ok = True
        X = X.reshape(len(X), -1)
        if args.quick:
            X, y = X[:10000], y[:10000]
        bench_mnist(X, y, args)
    bench_axes(args)
    bench_selection(args)
    if not args.skip_memory:
        bench_memory(args, data_ok)
    print(f"\ntotal benchmark time: {time.perf_counter() - t_start:.0f} s")


if __name__ == "__main__":
    main()
