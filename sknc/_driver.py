"""Walk a torch module layer after layer and run the campaign on each layer.

Pure torch: no skorch, no estimator state. The layers of a module are found
by running it once with forward hooks on every leaf module, so any module
whose ``nn.Linear`` layers are applied in order works, not only
``nn.Sequential``. The activation ``phi`` of a layer is the elementwise
activation module that consumes its output (dropout and identity modules in
between are skipped); a layer followed by anything else, or by a functional
activation the hooks cannot see, is treated as linear.
"""

import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from sknc._campaign import (
    ResponseStats,
    assign_groups,
    campaign_scores,
    candidate_responses,
    n_candidates,
    select_neurons,
)

ELEMENTWISE_ACTIVATIONS = (
    nn.ReLU,
    nn.ReLU6,
    nn.LeakyReLU,
    nn.ELU,
    nn.CELU,
    nn.SELU,
    nn.GELU,
    nn.SiLU,
    nn.Mish,
    nn.Tanh,
    nn.Sigmoid,
    nn.Hardtanh,
    nn.Hardsigmoid,
    nn.Hardswish,
    nn.Softplus,
    nn.Softsign,
    nn.LogSigmoid,
    nn.Tanhshrink,
)
PASS_THROUGH = (nn.Identity, nn.Dropout, nn.AlphaDropout)


@dataclass
class LayerSpec:
    """A layer to initialize, in forward order, and the activation after it."""

    name: str
    layer: nn.Module
    activation: nn.Module | None

    @property
    def activation_name(self):
        if self.activation is None:
            return "identity"
        return type(self.activation).__name__


class _StopForward(Exception):
    def __init__(self, value):
        self.value = value


def trace_layers(module, x, layer_types=(nn.Linear,)):
    """Return the :class:`LayerSpec` of every layer of ``layer_types`` in forward order.

    Parameters
    ----------
    module : torch.nn.Module
    x : torch.Tensor
        A small batch the module accepts.
    layer_types : tuple of type, default=(nn.Linear,)

    Returns
    -------
    specs : list of LayerSpec
    """
    names = {m: n for n, m in module.named_modules()}
    calls = []

    def hook(mod, args, output):
        inp = args[0] if args else None
        calls.append((mod, inp, output))

    leaves = [m for m in module.modules() if not list(m.children())]
    handles = [m.register_forward_hook(hook) for m in leaves]
    try:
        with torch.no_grad():
            module(x)
    finally:
        for h in handles:
            h.remove()

    specs, seen = [], set()
    for i, (mod, _, out) in enumerate(calls):
        if not isinstance(mod, layer_types):
            continue
        if mod in seen:
            raise ValueError(
                f"layer {names[mod]!r} is applied more than once in forward; "
                "shared layers cannot be initialized layer after layer"
            )
        seen.add(mod)
        activation, current = None, out
        for nxt, inp, nxt_out in calls[i + 1 :]:
            if inp is not current:
                break
            if isinstance(nxt, PASS_THROUGH):
                current = nxt_out
                continue
            if isinstance(nxt, ELEMENTWISE_ACTIVATIONS):
                activation = nxt
            break
        specs.append(LayerSpec(names[mod], mod, activation))
    return specs


def layer_input(module, layer, x):
    """Run ``module`` on ``x`` up to ``layer`` and return the layer's input."""

    def stop(mod, args):
        raise _StopForward(args[0])

    handle = layer.register_forward_pre_hook(stop)
    try:
        with torch.no_grad():
            module(x)
    except _StopForward as s:
        return s.value
    finally:
        handle.remove()
    raise ValueError("the layer was not called during forward")


def _chunks(n, size):
    size = n if size is None else max(1, int(size))
    for start in range(0, n, size):
        yield slice(start, start + size)


def _layer_inputs(module, spec, X, chunk_size, device, dtype):
    for sl in _chunks(X.shape[0], chunk_size):
        xb = X[sl].to(device=device, dtype=dtype)
        yield sl, layer_input(module, spec.layer, xb)


def campaign_layer(
    module,
    spec,
    X,
    y,
    n_classes,
    *,
    alpha,
    candidate_ratio,
    max_candidates,
    draw,
    generator,
    class_balanced,
    orthogonal,
    rescale,
    bias,
    chunk_size,
    output_layer,
):
    """Run the campaign on one layer and write the chosen neurons in place.

    Returns a report dict (see :class:`sknc.NeuronCampaign`).
    """
    t0 = time.perf_counter()
    layer = spec.layer
    fan_out, fan_in = layer.weight.shape
    device, dtype = layer.weight.device, layer.weight.dtype
    m = n_candidates(fan_out, candidate_ratio, max_candidates)
    W = draw(m, fan_in, fan_out, generator).to(device=device, dtype=dtype)
    stats = ResponseStats.empty(n_classes, m, device=device)
    for sl, H in _layer_inputs(module, spec, X, chunk_size, device, dtype):
        A = candidate_responses(
            H.reshape(H.shape[0], -1), W, activation=spec.activation, bias=bias
        )
        stats.update(A, y[sl].to(device))
    scores = campaign_scores(stats, alpha)
    groups = assign_groups(scores["class_means"])
    chosen, chosen_groups = select_neurons(
        W,
        scores["score"],
        fan_out,
        groups=groups,
        class_balanced=class_balanced,
        orthogonal=orthogonal,
    )
    if output_layer and class_balanced and fan_out == n_classes:
        chosen, chosen_groups = _order_by_class(chosen, chosen_groups, n_classes)
    W_sel = W[torch.as_tensor(chosen, device=device)]
    if rescale == "norm":
        target = (W.double() ** 2).sum(dim=1).mean().sqrt()
        norms = torch.linalg.vector_norm(W_sel.double(), dim=1, keepdim=True)
        W_sel = (W_sel.double() * target / norms.clamp_min(1e-30)).to(dtype)
    elif rescale == "lsuv":
        std = _preactivation_std(module, spec, X, W_sel, bias, chunk_size)
        if std > 0:
            W_sel = W_sel / std
    with torch.no_grad():
        layer.weight.copy_(W_sel)
        if layer.bias is not None:
            layer.bias.fill_(bias)
    return {
        "layer": spec.name,
        "fan_in": fan_in,
        "fan_out": fan_out,
        "activation": spec.activation_name,
        "alpha": alpha,
        "n_candidates": m,
        "n_rows": int(X.shape[0]),
        "chosen": chosen,
        "chosen_classes": chosen_groups,
        "scores": scores["score"].cpu().numpy(),
        "input_scores": scores["input"].cpu().numpy(),
        "target_scores": scores["target"].cpu().numpy(),
        "time": time.perf_counter() - t0,
    }


def _order_by_class(chosen, chosen_groups, n_classes):
    """Put the neuron picked for class ``c`` at output row ``c`` where possible."""
    rows = np.full(n_classes, -1)
    leftovers = []
    for pos, g in enumerate(chosen_groups):
        if rows[g] < 0:
            rows[g] = pos
        else:
            leftovers.append(pos)
    free = np.flatnonzero(rows < 0)
    rows[free] = leftovers
    return chosen[rows], chosen_groups[rows]


def _preactivation_std(module, spec, X, W_sel, bias, chunk_size):
    total, total_sq, count = 0.0, 0.0, 0
    device, dtype = W_sel.device, W_sel.dtype
    for _, H in _layer_inputs(module, spec, X, chunk_size, device, dtype):
        Z = (H.reshape(H.shape[0], -1) @ W_sel.T + bias).double()
        total += float(Z.sum())
        total_sq += float((Z * Z).sum())
        count += Z.numel()
    mean = total / count
    return max(total_sq / count - mean * mean, 0.0) ** 0.5


def run_campaign(module, X, y, n_classes, specs, alphas, **params):
    """Initialize every layer of ``specs`` in order; return the reports.

    ``X`` is a tensor of scoring rows (kept on the CPU and streamed to the
    module's device chunk by chunk), ``y`` their integer class codes.
    """
    reports = []
    for i, (spec, alpha) in enumerate(zip(specs, alphas)):
        reports.append(
            campaign_layer(
                module,
                spec,
                X,
                y,
                n_classes,
                alpha=alpha,
                output_layer=i == len(specs) - 1,
                **params,
            )
        )
    return reports
