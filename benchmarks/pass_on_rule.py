"""When is passing a layer's chosen responses on cheaper than running it again?

The campaign's chain path can keep every candidate's response (rows x m
floats) while scoring a Linear layer and hand the chosen columns to the
next layer, instead of computing the next layer's input with the layer's
own product (rows x fan_in x k). This program times both on one
``Linear(d, k) -> ReLU -> Linear(k, 10)`` chain, over synthetic 10-class
rows, for a grid of fan-ins, widths and candidate ratios, with the memory
budget and the work rule switched off so that each path can be forced.
``sknc._driver.PASS_ON_MIN_WORK`` (pass on only if ``d * k >= 150 * m``)
was set from its output: see docs/performance.md.

Usage::

    python benchmarks/pass_on_rule.py            # about 4 minutes here
    python benchmarks/pass_on_rule.py --rows 20000
"""

import argparse
import math
import time

import torch
from bench_campaign import synthetic
from torch import nn

import sknc._driver as driver
from sknc._distributions import get_distribution, make_generator
from sknc._trace import trace


def run(X, y, d, k, ratio, reuse):
    """One campaign on a fresh two-layer chain; return its seconds."""
    net = nn.Sequential(nn.Linear(d, k), nn.ReLU(), nn.Linear(k, 10)).eval()
    traced = trace(net, X[:2])
    t0 = time.perf_counter()
    reports = driver.run_campaign(
        net, X, y, 10, traced, [0.5, 0.5], reuse=reuse,
        candidate_ratio=ratio, max_candidates=None, draw=get_distribution("xavier"),
        generator=make_generator(0), class_balanced=True, orthogonal=True,
        rescale=None, bias=0.0, chunk_size=2048,
    )  # fmt: skip
    elapsed = time.perf_counter() - t0
    assert reports[0]["passed_on"] is reuse
    return elapsed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=60000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    driver.CHAIN_CACHE_FLOOR = 2**40  # no memory limit: both paths allowed
    driver.PASS_ON_MIN_WORK = 0
    print(f"rows {args.rows}, 1 thread, minimum of {args.repeats} (interleaved)")
    print("  d    k     m   d*k/m   pass on s   run again s   saved s")
    for d in (32, 128, 256, 784):
        X, y = map(torch.from_numpy, synthetic(args.rows, d))
        for k in (32, 100, 256):
            for ratio in (2, 10):
                best = {True: math.inf, False: math.inf}
                for _ in range(args.repeats):
                    for reuse in (True, False):
                        best[reuse] = min(best[reuse], run(X, y, d, k, ratio, reuse))
                m = math.ceil(ratio * k)
                print(
                    f"{d:4d} {k:4d} {m:5d} {d * k / m:7.0f} {best[True]:11.3f} "
                    f"{best[False]:13.3f} {best[False] - best[True]:9.3f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
