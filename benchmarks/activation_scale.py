"""Per-layer activation scale right after initialization, on MNIST.

For each initializer and network, print for every Linear layer: the RMS of
its output (pre-activation) on 10 000 training rows, the mean norm of its
neurons, and the fraction of ReLU units active (output > 0). Used in
docs/results.md to explain where the campaign differs from He.

Usage::

    python benchmarks/activation_scale.py --data-home ../shared/data
"""

import argparse

import torch

from sknc import HeInit, NeuronCampaign
from sknc._modules import build_mlp
from sknc.datasets import load_mnist

INITS = {
    "he": lambda: HeInit(random_state=0),
    "campaign": lambda: NeuronCampaign(random_state=0),
    "campaign:alpha=1,ratio=10": lambda: NeuronCampaign(
        alpha=1.0, candidate_ratio=10, random_state=0
    ),
    "campaign:rescale=base": lambda: NeuronCampaign(rescale="base", random_state=0),
    "campaign:alpha=0": lambda: NeuronCampaign(alpha=0.0, random_state=0),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    X, y = load_mnist(args.data_home, subset="train", return_X_y=True)
    X, y = X[:10000], y[:10000]
    print("cells: pre-activation RMS / mean neuron norm / fraction active")
    for hidden in [(32, 32, 32, 32), (256, 100)]:
        for name, make in INITS.items():
            net = build_mlp(784, hidden, 10, "relu", 0)
            make().initialize(net, X, y)
            h, cells = torch.from_numpy(X), []
            with torch.no_grad():
                for mod in net.layers:
                    h = mod(h)
                    if isinstance(mod, torch.nn.Linear):
                        rms = float(h.pow(2).mean().sqrt())
                        norm = float(mod.weight.norm(dim=1).mean())
                        active = float((h > 0).float().mean())
                        cells.append(f"{rms:.2f}/{norm:.2f}/{active:.2f}")
            arch = "784-" + "-".join(map(str, hidden)) + "-10"
            print(f"{arch:20s} {name:26s} " + "  ".join(cells))


if __name__ == "__main__":
    main()
