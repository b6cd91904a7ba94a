"""Scale at initialization on tabular sets: He, Xavier and the campaign.

For a few sets of ``bench_tabular.py``'s suite (all rows through its
pipeline's preprocessing), build the default MLP (one hidden layer of 100
ReLU units) and initialize it with each initializer, over 5 seeds. Prints
the mean norm of the first layer's neurons and the RMS of the network's
output (the logits) on the rows, right after initialization.

The campaign picks, among candidates drawn from its base distribution,
those with the strongest responses (the input criterion is their spread);
on tabular data, where the fan-in is small, the norm of a candidate varies
much from one draw to the next and decides most of that spread.

Usage::

    python benchmarks/tabular_scale.py
"""

import argparse

import bench_tabular as bt
import numpy as np
import torch

from sknc import HeInit, NeuronCampaign, XavierInit
from sknc._modules import build_mlp

INITS = {
    "he": lambda s: HeInit(random_state=s),
    "xavier": lambda s: XavierInit(random_state=s),
    "campaign (he, linear)": lambda s: NeuronCampaign(
        **bt.OLD_CAMPAIGN, random_state=s
    ),
    "campaign (default)": lambda s: NeuronCampaign(random_state=s),
}
SETS = ("haberman", "ecoli1", "pima", "yeast3", "vehicle0", "car-good")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    names = list(INITS)
    print("mean first-layer neuron norm / output RMS at initialization")
    print("| set | columns | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    for name in args.sets.split(","):
        data = bt.load_set(name)
        pipe = bt.make_pipeline_for(data.X, "passthrough")
        X = pipe.fit_transform(data.X).astype(np.float32)
        classes, y = np.unique(data.y, return_inverse=True)
        cells = []
        for init in names:
            norms, rms = [], []
            for seed in range(args.seeds):
                net = build_mlp(X.shape[1], (100,), len(classes), "relu", seed)
                INITS[init](seed).initialize(net, X, y)
                with torch.no_grad():
                    out = net(torch.from_numpy(X))
                first = net.layers[0].weight.detach()
                norms.append(float(first.norm(dim=1).mean()))
                rms.append(float(out.square().mean().sqrt()))
            cells.append(f"{np.mean(norms):.2f} / {np.mean(rms):.2f}")
        print(f"| {name} | {X.shape[1]} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
