"""Benchmark of the neuron campaign on a convolutional network (LeNet-5).

Measures, on MNIST images (or random ones without ``--data-home``):

- the whole campaign on LeNet-5 with the defaults (2 000 scoring rows),
  against its unavoidable work: for every layer, the candidates' responses
  to the layer input on the scoring rows (one convolution with all the
  candidate filters, or one matrix product), timed alone on precomputed
  inputs;
- the same campaign with a small ``chunk_size`` (many small pieces);
- one training epoch of LeNet-5 (plain torch loop, SGD, batch 100) on
  60 000 images.

Times are minima over ``--repeats`` interleaved runs on one torch thread;
the ratios are what to read (the machine is shared).

Usage::

    python benchmarks/bench_conv.py --data-home ../shared/data
"""

import argparse
import time

import numpy as np
import torch
from torch import nn

from sknc import NeuronCampaign
from sknc._campaign import n_candidates
from sknc._distributions import he_normal, make_generator
from sknc._driver import _preactivations
from sknc._jobs.compare import PAPER_CAMPAIGN
from sknc._modules import build_cnn
from sknc._trace import layer_fans, layer_input, trace_layers


def lenet5():
    return build_cnn((1, 28, 28), (6, 16), 5, (2, 0), (120, 84), 10, "relu", 0)


def load(data_home, n):
    if data_home is None:
        rng = np.random.RandomState(0)
        X = rng.rand(n, 1, 28, 28).astype(np.float32)
        return X, rng.randint(0, 10, size=n)
    from sknc.datasets import load_mnist

    X, y = load_mnist(data_home, subset="train", return_X_y=True)
    return X[:n].reshape(-1, 1, 28, 28), y[:n]


def campaign_time(X, y, chunk_size):
    net = lenet5()
    t0 = time.perf_counter()
    nc = NeuronCampaign(**PAPER_CAMPAIGN, chunk_size=chunk_size, random_state=0)
    nc.initialize(net, X, y)
    return time.perf_counter() - t0, nc


def responses_time(X):
    """Candidates' responses of every layer on precomputed layer inputs."""
    net = lenet5().eval()
    x = torch.from_numpy(X)
    specs = trace_layers(net, x[:2])
    work = []
    for spec in specs:
        k, fan_in, fan_out = layer_fans(spec.layer)
        m = n_candidates(k, 2.0, 4096)
        W = he_normal(m, fan_in, fan_out, make_generator(0))
        work.append((spec, layer_input(net, spec.layer, x), W))
    t0 = time.perf_counter()
    with torch.no_grad():
        for spec, H, W in work:
            _preactivations(spec, H, W)
    return time.perf_counter() - t0


def epoch_time(X, y):
    net = lenet5()
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    loss_fn = nn.CrossEntropyLoss()
    X, y = torch.from_numpy(X), torch.from_numpy(y).long()
    order = torch.randperm(len(X), generator=torch.Generator().manual_seed(0))
    t0 = time.perf_counter()
    for a in range(0, len(X), 100):
        idx = order[a : a + 100]
        opt.zero_grad()
        loss_fn(net(X[idx]), y[idx]).backward()
        opt.step()
    return time.perf_counter() - t0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    X_all, y_all = load(args.data_home, 60000)
    X, y = X_all[:2000], y_all[:2000]
    full, small, maps = [], [], []
    for _ in range(args.repeats):
        t, nc = campaign_time(X, y, 2048)
        full.append(t)
        small.append(campaign_time(X, y, 64)[0])
        maps.append(responses_time(X))
    epoch = epoch_time(X_all, y_all)
    t_full, t_small, t_maps = min(full), min(small), min(maps)
    print(f"LeNet-5, 2000 scoring rows, {args.threads} thread(s), "
          f"min of {args.repeats}")  # fmt: skip
    for r in nc.report_:
        print(f"  {r['layer']:10s} {r['kind']:7s} fan-in {r['fan_in']:4d} "
              f"candidates {r['n_candidates']:4d}  {r['time']:.3f} s")  # fmt: skip
    print(f"campaign (chunk_size 2048)        {t_full:.3f} s")
    print(f"candidates' responses alone       {t_maps:.3f} s")
    print(f"campaign / responses              {t_full / t_maps:.2f}")
    print(f"campaign, chunk_size 64           {t_small:.3f} s "
          f"({t_small / t_full:.2f} x chunk_size 2048)")  # fmt: skip
    print(f"one training epoch (60 000 rows)  {epoch:.2f} s")
    print(f"campaign / epoch                  {t_full / epoch:.3f}")


if __name__ == "__main__":
    main()
