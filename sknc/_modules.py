"""Torch modules built by the sknc estimators."""

import copy
from numbers import Integral

import numpy as np
import torch
from torch import nn

ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "logistic": nn.Sigmoid,
    "identity": nn.Identity,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
}


def check_hidden_layer_sizes(hidden_layer_sizes):
    """Return ``hidden_layer_sizes`` as a tuple of positive ints, or raise."""
    sizes = hidden_layer_sizes
    if isinstance(sizes, Integral) and not isinstance(sizes, bool):
        sizes = (sizes,)
    try:
        sizes = tuple(sizes)
    except TypeError:
        raise ValueError(
            "hidden_layer_sizes must be an int or a sequence of ints; "
            f"got {hidden_layer_sizes!r}"
        ) from None
    if not sizes or not all(
        isinstance(s, Integral | np.integer) and not isinstance(s, bool) and s > 0
        for s in sizes
    ):
        raise ValueError(
            "hidden_layer_sizes must be a non-empty sequence of positive ints; "
            f"got {hidden_layer_sizes!r}"
        )
    return tuple(int(s) for s in sizes)


class MLP(nn.Module):
    """A multilayer perceptron: Linear layers, each hidden one with an activation.

    Parameters
    ----------
    n_features : int
        Input width.
    hidden_layer_sizes : tuple of int
        Width of each hidden layer.
    n_outputs : int or None
        Width of the output layer (logits, no activation); ``None`` builds
        the hidden body only.
    activation : str, default="relu"
        One of ``ACTIVATIONS``.
    """

    def __init__(self, n_features, hidden_layer_sizes, n_outputs, activation="relu"):
        super().__init__()
        act = ACTIVATIONS[activation]
        layers = []
        width = n_features
        for size in hidden_layer_sizes:
            layers += [nn.Linear(width, size), act()]
            width = size
        if n_outputs is not None:
            layers.append(nn.Linear(width, n_outputs))
        self.layers = nn.Sequential(*layers)

    def forward(self, X):
        return self.layers(X)


def build_mlp(n_features, hidden_layer_sizes, n_outputs, activation, seed):
    """Build an :class:`MLP` without touching torch's global random state.

    The module's default initialization draws from torch's global generator;
    it is overwritten by an sknc initializer anyway, so it runs under a
    forked, seeded random state.
    """
    with torch.random.fork_rng(devices=[]):
        # Only the CPU generator: torch.manual_seed would reseed CUDA too.
        torch.default_generator.manual_seed(seed)
        return MLP(n_features, hidden_layer_sizes, n_outputs, activation)


def linear_weights(module):
    """Return ``coefs_`` (fan_in x fan_out) and ``intercepts_`` as numpy lists."""
    coefs, intercepts = [], []
    for layer in module.modules():
        if isinstance(layer, nn.Linear):
            coefs.append(layer.weight.detach().cpu().numpy().T.copy())
            bias = layer.bias
            intercepts.append(
                np.zeros(layer.out_features, dtype=coefs[-1].dtype)
                if bias is None
                else bias.detach().cpu().numpy().copy()
            )
    return coefs, intercepts


def predict_float64(module, X, device, batch_size=4096):
    """Run a float64 copy of ``module`` on ``X`` in eval mode; return on CPU.

    Float64 makes each row's output independent of the batch it comes in
    (float32 kernels round differently for different batch shapes, at the
    1e-7 level), so predictions on a subset equal those on the whole.
    """
    model = copy.deepcopy(module).to(device=device, dtype=torch.float64).eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(X), batch_size):
            xb = torch.as_tensor(X[start : start + batch_size], dtype=torch.float64)
            out.append(model(xb.to(device)).cpu())
    return torch.cat(out) if out else torch.empty(0, dtype=torch.float64)
