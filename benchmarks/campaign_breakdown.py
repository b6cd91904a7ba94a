"""Where the campaign's time goes, beside its matrix products.

Runs :class:`sknc.NeuronCampaign` on an MLP over MNIST's training rows
with timers around each step of the driver (exclusive times: a step's
time excludes the steps it calls), interleaved with the campaign's
matrix products alone (``products()`` of ``sknc bench``: the same chunks,
shapes and candidates on random numbers, into a reused buffer), and
prints the steps of the fastest campaign run against the fastest products
run. The last line is the ratio the campaign would reach if its
statistics, scores and selection cost nothing: what the products and the
data they need (rows gathered by class, responses written to and read
back from the kept block, layers run again) cost by themselves.

Usage::

    python benchmarks/campaign_breakdown.py --data-home ../shared/data
    python benchmarks/campaign_breakdown.py --data-home ../shared/data \\
        --candidate-ratio 10 --repeats 9

The timers wrap the driver's functions by assignment (this is a program,
not a test); they add a few microseconds per call, a few hundred calls
per run.
"""

import argparse
import time
from collections import defaultdict

import torch

import sknc._campaign as campaign_math
import sknc._driver as driver
import sknc._initializers as initializers
from sknc import NeuronCampaign
from sknc._jobs.bench import cpu_model, layer_plan, products
from sknc._modules import build_mlp
from sknc.datasets import load_mnist

# (object, attribute, step): the wrapped functions and what they do.
STEPS = [
    (initializers, "_as_tensor_X", "X validated (check_array)"),
    (driver, "_rows", "X's rows gathered by class"),
    (driver, "_responses", "products and activation"),
    (driver._ChosenColumns, "__getitem__", "chosen columns gathered"),
    (driver._ChainInputs, "_compute", "layers run again (next input)"),
    (campaign_math.ResponseStats, "update", "class statistics"),
    (driver, "campaign_scores", "scores"),
    (driver, "select_neurons", "selection"),
]
# The steps the campaign adds to the products and the data they need.
REDUCTIONS = ("class statistics", "scores", "selection")


class Timers:
    """Exclusive wall time per step, over nested wrapped calls."""

    def __init__(self):
        self.seconds = defaultdict(float)
        self._stack = []

    def wrap(self, owner, name, step):
        function = getattr(owner, name)

        def timed(*args, **kwargs):
            self._stack.append(0.0)  # time spent in nested steps
            t0 = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - t0
                nested = self._stack.pop()
                self.seconds[step] += elapsed - nested
                if self._stack:
                    self._stack[-1] += elapsed

        setattr(owner, name, timed)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None, help="default: $SKNC_DATA")
    parser.add_argument("--hidden", default="256,100")
    parser.add_argument("--candidate-ratio", type=float, default=2.0)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    hidden = tuple(int(h) for h in args.hidden.split(","))
    X, y = load_mnist(args.data_home, subset="train", return_X_y=True)
    n_classes = 10
    campaign = NeuronCampaign(
        max_samples=None, candidate_ratio=args.candidate_ratio, random_state=0
    )
    plan = layer_plan(
        X.shape[1], hidden, n_classes, args.candidate_ratio, campaign.max_candidates
    )
    products_run = products(plan, len(X), campaign.chunk_size, seed=args.seed)

    timers = Timers()
    for owner, name, step in STEPS:
        timers.wrap(owner, name, step)

    def run():
        net = build_mlp(X.shape[1], hidden, n_classes, "relu", args.seed)
        return campaign.initialize(net, X, y)

    passed_on = [r["passed_on"] for r in run().report_]  # warm-up
    best, best_products = None, float("inf")
    for _ in range(args.repeats):
        timers.seconds.clear()
        t0 = time.perf_counter()
        run()
        total = time.perf_counter() - t0
        if best is None or total < best[0]:
            best = (total, dict(timers.seconds))
        t0 = time.perf_counter()
        products_run()
        best_products = min(best_products, time.perf_counter() - t0)

    total, seconds = best
    seconds["other (labels, trace, drawing, writing)"] = total - sum(seconds.values())
    widths = "-".join(str(w) for w in (X.shape[1], *hidden, n_classes))
    print(
        f"MNIST, {len(X)} rows, MLP {widths} (relu), candidate_ratio "
        f"{args.candidate_ratio:g}: candidates "
        + "-".join(str(m) for _, _, m in plan)
        + ", passed on "
        + "".join("yn"[not p] for p in passed_on[:-1])
    )
    print(
        f"{cpu_model()}; torch {torch.__version__}, 1 thread; fastest of "
        f"{args.repeats} interleaved runs of each"
    )
    print(f"\n{'':<44} {'seconds':>8}  {'x products':>10}")
    print(f"{'products alone (products())':<44} {best_products:>8.4f}  {1:>10.2f}")
    print(f"{'campaign (NeuronCampaign.initialize)':<44} {total:>8.4f}  "
          f"{total / best_products:>10.2f}")  # fmt: skip
    for step, s in sorted(seconds.items(), key=lambda kv: -kv[1]):
        print(f"  {step:<42} {s:>8.4f}  {s / best_products:>10.2f}")
    without = total - sum(seconds.get(step, 0.0) for step in REDUCTIONS)
    print(
        f"{'campaign less statistics, scores, selection':<44} {without:>8.4f}  "
        f"{without / best_products:>10.2f}"
    )


if __name__ == "__main__":
    main()
