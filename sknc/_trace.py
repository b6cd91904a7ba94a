"""Find the weight layers of a torch module in the order forward calls them.

Pure torch: no skorch, no estimator. The one tracer of sknc, used by the
campaign's driver, the baseline initializers, LSUV and the
``InformationPlane`` callback. The layers of a module are found by running
it once with forward hooks on every leaf module, so any module whose
``nn.Linear`` and ``nn.Conv2d`` layers are applied in order works, not only
``nn.Sequential``, whatever the order in which its submodules were
registered; pooling, flatten, normalization and other modules in between
are just part of the forward pass. The activation ``phi`` of a layer is the
elementwise activation module that consumes its output (dropout and
identity modules in between are skipped); a layer followed by anything else
(a batch norm, a pooling, a functional activation the hooks cannot see) is
treated as linear.
"""

import dataclasses
import math
import typing

import torch
from torch import nn

from sknc._activations import ELEMENTWISE, activation_name

# Identities in eval mode, where the campaign runs the module.
PASS_THROUGH = (
    nn.Identity,
    nn.Dropout,
    nn.Dropout1d,
    nn.Dropout2d,
    nn.Dropout3d,
    nn.AlphaDropout,
    nn.FeatureAlphaDropout,
)

WEIGHT_LAYERS = (nn.Linear, nn.Conv2d)


@dataclasses.dataclass
class LayerSpec:
    """A layer to initialize, in forward order, and the activation after it.

    ``input_shape`` and ``output_shape`` are those of the layer's call when
    traced on ``traced_rows`` rows.
    """

    name: str
    layer: nn.Module
    activation: nn.Module | None
    input_shape: tuple = ()
    output_shape: tuple = ()
    traced_rows: int | None = None

    @property
    def is_conv(self):
        return isinstance(self.layer, nn.Conv2d)

    @property
    def positions(self):
        """Output positions per row: those of a feature map, 1 for a Linear."""
        return math.prod(self.output_shape[2:]) if self.is_conv else 1

    @property
    def activation_name(self):
        """sklearn's name of the activation (``"identity"`` for none)."""
        return activation_name(self.activation)


class _StopForward(Exception):
    def __init__(self, value):
        self.value = value


class LeafCall(typing.NamedTuple):
    """One call of a leaf module in a forward pass.

    ``in_version`` is the version counter of the first positional argument
    when the call began, ``out_version`` that of the output when it
    returned (None for what is not a tensor): a tensor changed in place in
    between (``out += identity``, a functional ``relu_``) is the same
    object with a higher version.
    """

    module: nn.Module
    args: tuple
    kwargs: dict
    output: object
    in_version: int | None
    out_version: int | None

    def receives(self, value, version):
        """Whether this call's first argument is ``value`` as it was at
        ``version``: the same tensor, not changed in place since."""
        first = self.args[0] if self.args else None
        return first is value and self.in_version == version


def _version(value):
    """A tensor's version counter (None for anything else, and for an
    inference-mode tensor, which keeps none: then identity alone decides)."""
    if not isinstance(value, torch.Tensor) or value.is_inference():
        return None
    return value._version


def _leaf_calls(module, x):
    """Run ``module(x)`` once; return a :class:`LeafCall` per leaf call.

    Calls are recorded in order by forward hooks on every leaf module (a
    pre-hook notes the input's version, the hook the output's).
    """
    calls, started = [], []

    def pre_hook(mod, args, kwargs):
        started.append(_version(args[0]) if args else None)

    def hook(mod, args, kwargs, output):
        calls.append(
            LeafCall(mod, args, kwargs, output, started.pop(), _version(output))
        )

    leaves = [m for m in module.modules() if not list(m.children())]
    handles = [m.register_forward_pre_hook(pre_hook, with_kwargs=True) for m in leaves]
    handles += [m.register_forward_hook(hook, with_kwargs=True) for m in leaves]
    try:
        with torch.no_grad():
            module(x)
    finally:
        for h in handles:
            h.remove()
    return calls


def layer_fans(layer):
    """Return ``(k, fan_in, fan_out)`` of a Linear or Conv2d layer.

    ``k`` is the number of neurons (output features or channels); the fans
    are torch's: a filter's ``fan_in`` is ``in_channels / groups * kh * kw``
    and ``fan_out`` is ``out_channels * kh * kw``.
    """
    k = layer.weight.shape[0]
    fan_in = layer.weight[0].numel()
    fan_out = k * layer.weight[0, 0].numel()
    return k, fan_in, fan_out


@dataclasses.dataclass
class Trace:
    """One forward pass of a module, recorded leaf by leaf.

    Attributes
    ----------
    specs : list of LayerSpec
        The Linear and Conv2d layers in the order forward calls them.
    calls : list of LeafCall
        Every leaf call, in order.
    x : torch.Tensor
        The batch the module was run on.
    x_version : int or None
        Its version counter before the run (a leaf may change it in place).
    """

    specs: list
    calls: list
    x: object
    x_version: int | None = None

    def chain(self, layers=None):
        """The leaves the module applies as a chain up to the last layer, or
        None (see :func:`trace_chain`); no second forward pass."""
        layers = [spec.layer for spec in self.specs] if layers is None else layers
        return _chain(self.calls, self.x, self.x_version, layers)


def trace(module, x, layer_types=WEIGHT_LAYERS):
    """Run ``module`` on ``x`` once; return its :class:`Trace`.

    Parameters
    ----------
    module : torch.nn.Module
    x : torch.Tensor
        A small batch the module accepts.
    layer_types : tuple of type, default=(nn.Linear, nn.Conv2d)

    Returns
    -------
    trace : Trace
    """
    names = {m: n for n, m in module.named_modules()}
    x_version = _version(x)
    calls = _leaf_calls(module, x)

    specs, seen = [], set()
    for i, call in enumerate(calls):
        mod = call.module
        if not isinstance(mod, layer_types):
            continue
        if mod in seen:
            raise ValueError(
                f"layer {names[mod]!r} is applied more than once in forward; "
                "shared layers cannot be initialized layer after layer"
            )
        seen.add(mod)
        # The activation: the elementwise module that next receives the
        # layer's output unchanged (through identities); an output changed
        # in place first (a residual ``out += x``) has none the hooks see.
        activation, current, version = None, call.output, call.out_version
        for nxt in calls[i + 1 :]:
            if not nxt.receives(current, version):
                break
            if isinstance(nxt.module, PASS_THROUGH):
                current, version = nxt.output, nxt.out_version
                continue
            if isinstance(nxt.module, ELEMENTWISE):
                activation = nxt.module
            break
        specs.append(
            LayerSpec(
                names[mod],
                mod,
                activation,
                input_shape=_shape(call.args[0] if call.args else None),
                output_shape=_shape(call.output),
                traced_rows=len(x) if isinstance(x, torch.Tensor) else None,
            )
        )
    return Trace(specs, calls, x, x_version)


def trace_layers(module, x, layer_types=WEIGHT_LAYERS):
    """The :class:`LayerSpec` of every layer of ``layer_types``, in forward
    order: ``trace(module, x, layer_types).specs`` (see :func:`trace`)."""
    return trace(module, x, layer_types).specs


def _shape(value):
    return tuple(value.shape) if isinstance(value, torch.Tensor) else ()


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


def trace_chain(module, x, layers):
    """Return the leaf modules ``module`` applies as a chain, or None.

    ``module`` is a chain up to the last of ``layers`` if, in its forward on
    ``x``, every leaf module up to that layer is called once with one
    positional argument: ``x`` itself for the first leaf, the previous
    leaf's output for the others, neither changed in place in between
    (``out += identity`` on a leaf's output makes a residual block, not a
    chain). The input of a layer is then the output of the leaves before
    it, applied in order.

    Parameters
    ----------
    module : torch.nn.Module
    x : torch.Tensor
        A small batch the module accepts.
    layers : sequence of torch.nn.Module
        The layers to initialize, in forward order.

    Returns
    -------
    leaves : list of torch.nn.Module or None
        The leaves called before the last of ``layers``, in order.
    """
    version = _version(x)
    return _chain(_leaf_calls(module, x), x, version, layers)


def _chain(calls, x, x_version, layers):
    chain, previous, version = [], x, x_version
    for call in calls:
        mod = call.module
        if call.kwargs or len(call.args) != 1 or not call.receives(previous, version):
            return None
        if any(mod is leaf for leaf in chain):
            return None
        if mod is layers[-1]:
            break
        chain.append(mod)
        previous, version = call.output, call.out_version
    else:
        return None
    positions = [_position(chain, layer) for layer in layers[:-1]]
    if None in positions or positions != sorted(positions):
        return None
    return chain


def _position(chain, layer):
    return next((p for p, leaf in enumerate(chain) if leaf is layer), None)


def hidden_layers(module, x, include_output=False):
    """Where the hidden layers' outputs come from, in forward order.

    For every Linear or Conv2d layer but the last (all of them with
    ``include_output``): its activation module if the tracer found one,
    else the layer itself. A module may be called more than once in a
    forward pass (one ``nn.ReLU`` shared by two layers), so each entry
    names the call too.

    Parameters
    ----------
    module : torch.nn.Module
    x : torch.Tensor
        A small batch the module accepts.
    include_output : bool, default=False

    Returns
    -------
    layers : list of (str, torch.nn.Module, int)
        The name of the module whose output is the layer, the module, and
        which of its calls in one forward pass (0 for the first).
    """
    names = {m: n for n, m in module.named_modules()}
    traced = trace(module, x)
    specs = traced.specs
    if not specs:
        raise ValueError(
            f"module {type(module).__name__} calls no nn.Linear or nn.Conv2d layer "
            "in forward"
        )
    if not include_output:
        specs = specs[:-1]
    calls = [call.module for call in traced.calls]
    found = []
    for spec in specs:
        target = spec.layer if spec.activation is None else spec.activation
        # The call of ``target`` that follows the layer's own call.
        start = next(i for i, mod in enumerate(calls) if mod is spec.layer)
        position = next(i for i in range(start, len(calls)) if calls[i] is target)
        index = sum(1 for mod in calls[:position] if mod is target)
        found.append((names[target], target, index))
    return found
