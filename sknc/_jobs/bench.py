"""The ``sknc bench`` job: what the campaign costs on this machine.

On a dataset (scikit-learn's bundled digits, or MNIST from local files),
:func:`bench` times, interleaved and as minima over repeats, the campaign
initializing a fresh MLP, the campaign's matrix products alone (its
unavoidable cost: rows x fan-in x candidates per layer) and one training
epoch of :class:`~sknc.NCMLPClassifier` with its defaults, so that the
ratios compare quantities measured under the same load. The pieces
(:func:`interleaved`, :func:`layer_plan`, :func:`products`,
:func:`training_epoch`) are also those of ``benchmarks/bench_campaign.py``.
"""

import math
import os
import platform
import subprocess
import time
from dataclasses import dataclass

import numpy as np
import torch

from sknc import NCMLPClassifier
from sknc._campaign import n_candidates
from sknc._distributions import make_generator
from sknc._initializers import NeuronCampaign
from sknc._jobs._threads import torch_threads
from sknc._modules import build_mlp

#: The datasets of ``sknc bench``.
DATASETS = ("digits", "mnist")
#: The campaign's own defaults are the job's.
_DEFAULT = NeuronCampaign()


def interleaved(functions, repeats):
    """Run each function ``repeats`` times, interleaved; return the minima
    of their wall times (seconds), by name."""
    best = {name: math.inf for name in functions}
    for _ in range(repeats):
        for name, fn in functions.items():
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    return best


def layer_plan(n_features, hidden, n_classes, ratio, cap):
    """Return ``(fan_in, fan_out, candidates)`` of each Linear layer of an
    MLP, candidates as :class:`~sknc.NeuronCampaign` draws them."""
    widths = [n_features, *hidden]
    outs = [*hidden, n_classes]
    return [(d, k, n_candidates(k, ratio, cap)) for d, k in zip(widths, outs)]


def products(plan, n_rows, chunk, seed=0):
    """Return a function doing the campaign's products alone.

    Per layer of ``plan``, ``n_rows`` rows in chunks of ``chunk``, each
    chunk times the (fan_in x candidates) matrix, float32, into a reused
    buffer: the campaign's call, shapes and chunking, on random numbers.
    """
    g = make_generator(seed)
    mats = []
    for d, _, m in plan:
        H = torch.randn(min(chunk, n_rows), d, generator=g)
        mats.append((H, torch.randn(m, d, generator=g), torch.empty(len(H), m)))

    def run():
        for H, W, out in mats:
            for start in range(0, n_rows, chunk):
                rows = min(chunk, n_rows - start)
                torch.matmul(H[:rows], W.T, out=out[:rows])

    return run


def training_epoch(X, y, hidden, seed, durations, **params):
    """Return a function training an :class:`~sknc.NCMLPClassifier` (He
    init, ``params`` else its defaults) for one epoch by ``partial_fit``.

    Each call appends to ``durations`` the epoch's duration as skorch
    records it (``history_[-1, "dur"]``: the pass over the batches, without
    the input validation of every ``partial_fit`` call).
    """
    clf = NCMLPClassifier(
        hidden, initializer="he", max_epochs=0, random_state=seed, **params
    ).fit(X, y)

    def run():
        clf.partial_fit(X, y)
        durations.append(clf.history_[-1, "dur"])

    return run


def cpu_model():
    """The processor's model name (``lscpu``), or what platform knows."""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_rows(dataset, data_home=None):
    """Training rows ``X`` (float32, in [0, 1]) and labels of ``dataset``:
    digits (all 1 797 rows) or MNIST's 60 000 training rows."""
    if dataset == "digits":
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        return (X / 16.0).astype(np.float32), y
    if dataset == "mnist":
        from sknc.datasets import load_mnist

        return load_mnist(data_home, subset="train", return_X_y=True)
    raise ValueError(f"unknown dataset {dataset!r}; expected one of {list(DATASETS)}")


@dataclass
class Bench:
    """What :func:`bench` returns, and what ``sknc bench`` prints.

    Attributes
    ----------
    title : str
        Data, network, campaign settings, machine and repeats.
    layers : list of dict
        Per Linear layer: ``"layer"``, ``"fan_in"``, ``"neurons"``,
        ``"candidates"``, ``"passed_on"`` (see :class:`~sknc.NeuronCampaign`'s
        ``report_``).
    seconds : dict
        Minima over the repeats: ``"campaign"``, ``"products"`` (the
        campaign's matrix products alone) and ``"epoch"`` (one training
        epoch of NCMLPClassifier with its defaults, He init).
    """

    title: str
    layers: list
    seconds: dict

    @property
    def table(self):
        """The layers and the times as plain text."""
        lines = [
            f"{'layer':<10} {'fan_in':>6} {'neurons':>7} {'candidates':>10} "
            f"{'passed on':>9}"
        ]
        for r in self.layers:
            lines.append(
                f"{r['layer']:<10} {r['fan_in']:>6} {r['neurons']:>7} "
                f"{r['candidates']:>10} {'yes' if r['passed_on'] else 'no':>9}"
            )
        s = self.seconds
        lines += [
            "",
            f"{'':<40} {'seconds':>8} {'campaign / this':>16}",
            f"{'campaign (NeuronCampaign.initialize)':<40} {s['campaign']:>8.4f}",
        ]
        for key, what in (
            ("products", "its matrix products alone"),
            ("epoch", "one training epoch (NCMLPClassifier)"),
        ):
            ratio = s["campaign"] / s[key] if s[key] > 0 else math.inf
            lines.append(f"{what:<40} {s[key]:>8.4f} {ratio:>16.2f}")
        return "\n".join(lines)


def bench(
    dataset="digits",
    *,
    hidden=(100,),
    candidate_ratio=_DEFAULT.candidate_ratio,
    max_samples=_DEFAULT.max_samples,
    repeats=3,
    threads=1,
    data_home=None,
    seed=0,
):
    """Time the campaign, its products and a training epoch; return a
    :class:`Bench`.

    Parameters
    ----------
    dataset : {"digits", "mnist"}, default="digits"
        Scikit-learn's bundled digits (1 797 rows, 64 pixels), or MNIST's
        60 000 training rows read from ``data_home``.
    hidden : tuple of int, default=(100,)
        Hidden layers of the MLP (ReLU).
    candidate_ratio : float, default=2.0
        The campaign's ``candidate_ratio`` (NeuronCampaign's default).
    max_samples : int or None, default=2000
        The campaign's scoring rows (NeuronCampaign's default); None scores
        every row.
    repeats : int, default=3
        Interleaved runs of each quantity; the minimum is reported.
    threads : int or None, default=1
        torch threads while measuring (None: as they are).
    data_home : str, default=None
        Directory of the MNIST files (default ``$SKNC_DATA``).
    seed : int, default=0
        Seeds the network, the candidates and the products' numbers.
    """
    X, y = load_rows(dataset, data_home)
    campaign = NeuronCampaign(
        candidate_ratio=candidate_ratio, max_samples=max_samples, random_state=seed
    )
    n_classes = len(np.unique(y))

    def run():
        net = build_mlp(X.shape[1], hidden, n_classes, "relu", seed)
        return campaign.initialize(net, X, y)

    durations = []
    with torch_threads(threads):
        report = run().report_
        # The products of the layers, rows and candidates the campaign had.
        plan = [(r["fan_in"], r["fan_out"], r["n_candidates"]) for r in report]
        n_rows = report[0]["n_response_rows"]
        best = interleaved(
            {
                "campaign": run,
                "products": products(plan, n_rows, campaign.chunk_size, seed),
                "epoch": training_epoch(X, y, hidden, seed, durations),
            },
            repeats,
        )
        n_threads = torch.get_num_threads()
    best["epoch"] = min(durations)
    layers = [
        {
            "layer": r["layer"],
            "fan_in": r["fan_in"],
            "neurons": r["fan_out"],
            "candidates": r["n_candidates"],
            "passed_on": r["passed_on"],
        }
        for r in report
    ]
    net = "-".join(str(w) for w in (X.shape[1], *hidden, n_classes))
    title = (
        f"{dataset}: {len(X)} rows x {X.shape[1]} features, MLP {net} (relu); "
        f"NeuronCampaign(candidate_ratio={campaign.candidate_ratio}, "
        f"max_samples={campaign.max_samples}): {report[0]['n_response_rows']} "
        f"scoring rows\n{cpu_model()}, {os.cpu_count()} cores; torch "
        f"{torch.__version__} with {n_threads} thread"
        f"{'s' if n_threads > 1 else ''}; minimum of {repeats} interleaved "
        f"run{'s' if repeats > 1 else ''}"
    )
    return Bench(title=title, layers=layers, seconds=best)
