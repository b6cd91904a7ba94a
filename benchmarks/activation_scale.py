"""Per-layer activation scale right after initialization, on MNIST.

For each initializer and network, print for every Linear and Conv2d layer:
the RMS of its output (pre-activation) on 10 000 training rows, the mean
norm of its neurons (flattened filters), and the fraction of ReLU units
active (output > 0). Networks: MLP-5, MLP-3 and LeNet-5. Used in
docs/results.md to explain where the campaign differs from He.

Usage::

    python benchmarks/activation_scale.py --data-home ../shared/data
"""

import argparse

import torch

from sknc import HeInit, NeuronCampaign
from sknc._jobs.compare import PAPER_CAMPAIGN
from sknc._modules import build_cnn, build_mlp
from sknc.datasets import load_mnist

# The campaign as in sknc compare: the paper's setting (PAPER_CAMPAIGN).
P = PAPER_CAMPAIGN
INITS = {
    "he": lambda: HeInit(random_state=0),
    "campaign": lambda: NeuronCampaign(**P, random_state=0),
    "campaign:alpha=1,ratio=10": lambda: NeuronCampaign(
        **{**P, "alpha": 1.0}, candidate_ratio=10, random_state=0
    ),
    "campaign:rescale=base": lambda: NeuronCampaign(
        **P, rescale="base", random_state=0
    ),
    "campaign:alpha=0": lambda: NeuronCampaign(**{**P, "alpha": 0.0}, random_state=0),
}

NETS = {
    "784-32-32-32-32-10": lambda: build_mlp(784, (32, 32, 32, 32), 10, "relu", 0),
    "784-256-100-10": lambda: build_mlp(784, (256, 100), 10, "relu", 0),
    "lenet5": lambda: build_cnn(
        (1, 28, 28), (6, 16), 5, (2, 0), (120, 84), 10, "relu", 0
    ),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--nets", default=",".join(NETS), help="comma-separated")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    X, y = load_mnist(args.data_home, subset="train", return_X_y=True)
    X, y = X[:10000], y[:10000]
    print("cells: pre-activation RMS / mean neuron norm / fraction active")
    for arch in args.nets.split(","):
        rows = X.reshape(-1, 1, 28, 28) if arch == "lenet5" else X
        for name, make in INITS.items():
            net = NETS[arch]()
            make().initialize(net, rows, y)
            h, cells = torch.from_numpy(rows), []
            with torch.no_grad():
                for mod in net.layers:
                    h = mod(h)
                    if isinstance(mod, torch.nn.Linear | torch.nn.Conv2d):
                        rms = float(h.pow(2).mean().sqrt())
                        norm = float(mod.weight.flatten(1).norm(dim=1).mean())
                        active = float((h > 0).float().mean())
                        cells.append(f"{rms:.2f}/{norm:.2f}/{active:.2f}")
            print(f"{arch:20s} {name:26s} " + "  ".join(cells))


if __name__ == "__main__":
    main()
