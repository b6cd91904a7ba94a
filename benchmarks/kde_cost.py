"""Time of the KDE estimator on every row, as the rows grow.

``KDEEstimator(max_samples=None)`` on ``T`` of 100 units (Gaussian,
seeded) with 10 balanced classes, one torch thread: the pairwise distances
make the time grow as the square of the rows. Quoted in the docstring of
``KDEEstimator.max_samples`` and in docs/user_guide/information_plane.rst.

Usage::

    python benchmarks/kde_cost.py                  # 5 000, 20 000, 60 000 rows
    python benchmarks/kde_cost.py --rows 5000,10000
"""

import argparse
import time

import numpy as np
import torch

from sknc.information import KDEEstimator


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="5000,20000,60000")
    parser.add_argument("--units", type=int, default=100)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    rng = np.random.RandomState(0)
    print("rows    units  seconds  s / (rows^2 * units) in ns")
    for n in (int(r) for r in args.rows.split(",")):
        T = rng.normal(size=(n, args.units))
        y = np.arange(n) % 10
        t0 = time.perf_counter()
        KDEEstimator(max_samples=None).estimate(T, y)
        s = time.perf_counter() - t0
        per = 1e9 * s / (n * n * args.units)
        print(f"{n:<7d} {args.units:<6d} {s:7.1f}  {per:.3f}")


if __name__ == "__main__":
    main()
