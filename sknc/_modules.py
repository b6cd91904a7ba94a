"""Torch modules built by the sknc estimators."""

import copy
import math
from numbers import Integral

import numpy as np
import torch
from torch import nn

from sknc._activations import ACTIVATIONS
from sknc._sparse import dense_rows


def check_hidden_layer_sizes(hidden_layer_sizes, allow_empty=False):
    """Return ``hidden_layer_sizes`` as a tuple of positive ints, or raise.

    ``allow_empty``: ``()`` is a network without hidden layers (a linear
    model, as scikit-learn's MLP builds it).
    """
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
    if (not sizes and not allow_empty) or not all(
        isinstance(s, Integral | np.integer) and not isinstance(s, bool) and s > 0
        for s in sizes
    ):
        what = "a sequence" if allow_empty else "a non-empty sequence"
        raise ValueError(
            f"hidden_layer_sizes must be {what} of positive ints; "
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

    Attributes
    ----------
    activation : str
        The hidden layers' activation, by name.
    layers : torch.nn.Sequential
        The Linear layers and activations, in order.
    """

    def __init__(self, n_features, hidden_layer_sizes, n_outputs, activation="relu"):
        super().__init__()
        act = ACTIVATIONS[activation].module
        self.activation = activation
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


def seeded_reset_(module, seed):
    """Draw the Linear and Conv2d parameters as torch's own ``reset_parameters``
    does (Kaiming-uniform weights, ``a = sqrt(5)``; uniform biases on
    ``1 / sqrt(fan_in)``), from a local generator seeded with ``seed``.

    torch's modules draw their initial weights from the process-global
    generator; building them on the ``meta`` device and drawing here keeps
    that generator untouched, so a fit in one thread never changes another
    thread's random numbers.
    """
    generator = torch.Generator().manual_seed(int(seed))
    with torch.no_grad():
        for layer in module.modules():
            if isinstance(layer, nn.Linear | nn.Conv2d):
                nn.init.kaiming_uniform_(
                    layer.weight, a=math.sqrt(5), generator=generator
                )
                if layer.bias is not None:
                    fan_in = layer.weight[0].numel()
                    bound = 1.0 / math.sqrt(fan_in) if fan_in else 0.0
                    nn.init.uniform_(layer.bias, -bound, bound, generator=generator)
    return module


def _build(cls, seed, *args):
    """``cls(*args)`` on the meta device (no draws), then materialized on the
    CPU and drawn by :func:`seeded_reset_`."""
    with torch.device("meta"):
        module = cls(*args)
    return seeded_reset_(module.to_empty(device="cpu"), seed)


def build_mlp(n_features, hidden_layer_sizes, n_outputs, activation, seed):
    """Build an :class:`MLP` without touching torch's global random state.

    Its initial weights (torch's default initialization, overwritten by an
    sknc initializer anyway) come from a local generator seeded with
    ``seed``: see :func:`seeded_reset_`.
    """
    return _build(MLP, seed, n_features, hidden_layer_sizes, n_outputs, activation)


def _positive_int(value, name):
    if (
        not isinstance(value, Integral | np.integer)
        or isinstance(value, bool)
        or value < 1
    ):
        raise ValueError(f"{name} must be a positive int; got {value!r}")
    return int(value)


def _int_sequence(value, name, *, minimum):
    """Return ``value`` (an int or a sequence of ints >= minimum) as a tuple."""
    seq = (value,) if isinstance(value, Integral | np.integer) else value
    try:
        seq = tuple(seq)
    except TypeError:
        seq = None
    if seq is None or not all(
        isinstance(v, Integral | np.integer)
        and not isinstance(v, bool)
        and v >= minimum
        for v in seq
    ):
        kind = "positive" if minimum else "non-negative"
        raise ValueError(
            f"{name} must be a {kind} int or a sequence of {kind} ints; got {value!r}"
        )
    return tuple(int(v) for v in seq)


def check_input_shape(input_shape):
    """Return ``input_shape`` as a ``(channels, height, width)`` tuple, or raise."""
    shape = None
    if not isinstance(input_shape, Integral | np.integer):
        try:
            shape = _int_sequence(input_shape, "input_shape", minimum=1)
        except ValueError:
            pass
    if shape is None or len(shape) != 3:
        raise ValueError(
            "input_shape must be (channels, height, width), three positive ints; "
            f"got {input_shape!r}"
        )
    return shape


def cnn_shapes(input_shape, conv_channels, kernel_size, conv_padding):
    """Check the convolutional body of a :class:`CNN`; return its shapes.

    Each conv layer is a ``kernel_size`` x ``kernel_size`` convolution with
    its padding (stride 1), then a 2 x 2 max pooling (stride 2, floor).

    Parameters
    ----------
    input_shape : tuple of int
        ``(channels, height, width)`` of one image.
    conv_channels : int or sequence of int
        Output channels of each conv layer.
    kernel_size : int
    conv_padding : int or sequence of int
        Zero padding of every conv layer (an int) or of each (a sequence of
        the same length as ``conv_channels``).

    Returns
    -------
    shapes : list of tuple of int
        ``(channels, height, width)`` of the input and after each
        conv + pool layer; the last one is flattened into the dense layers.
    paddings : tuple of int
        The padding of each conv layer.
    """
    shape = check_input_shape(input_shape)
    channels = _int_sequence(conv_channels, "conv_channels", minimum=1)
    kernel = _positive_int(kernel_size, "kernel_size")
    paddings = _int_sequence(conv_padding, "conv_padding", minimum=0)
    if isinstance(conv_padding, Integral | np.integer):
        paddings = paddings * len(channels)
    elif len(paddings) != len(channels):
        raise ValueError(
            f"conv_padding={conv_padding!r} has {len(paddings)} values but "
            f"conv_channels={conv_channels!r} has {len(channels)} conv layers; "
            "give one padding per conv layer, or an int for all"
        )
    shapes = [shape]
    _, height, width = shape
    for i, (c_out, pad) in enumerate(zip(channels, paddings)):
        height = (height + 2 * pad - kernel + 1) // 2
        width = (width + 2 * pad - kernel + 1) // 2
        if height < 1 or width < 1:
            raise ValueError(
                f"kernel_size={kernel_size!r} and conv_padding={conv_padding!r} "
                f"shrink {shape[1]}x{shape[2]} images to "
                f"{max(height, 0)}x{max(width, 0)} at conv layer {i + 1} "
                "(each conv layer is followed by a 2x2 max pooling); pad more, "
                "use a smaller kernel or fewer conv layers"
            )
        shapes.append((c_out, height, width))
    return shapes, paddings


class CNN(nn.Module):
    """A small convolutional network: conv + activation + max-pool blocks,
    then an MLP on the flattened features.

    Parameters
    ----------
    input_shape : tuple of int
        ``(channels, height, width)`` of one image.
    conv_channels : int or sequence of int
        Output channels of each conv layer.
    kernel_size : int
        Side of the square kernels (stride 1).
    conv_padding : int or sequence of int
        Zero padding of every conv layer, or one per conv layer.
    hidden_layer_sizes : tuple of int
        Width of each dense hidden layer after the flattening.
    n_outputs : int
        Width of the output layer (logits, no activation).
    activation : str, default="relu"
        One of ``ACTIVATIONS``, after every conv and dense hidden layer.

    Each conv layer is ``Conv2d(c_in, c_out, kernel_size, padding=p)``,
    the activation, then ``MaxPool2d(2)``. The defaults of
    :class:`~sknc.NCCNNClassifier` on 28x28 images give LeNet-5:
    6@28x28, pool 14x14, 16@10x10, pool 5x5, 400, 120, 84, outputs.

    Attributes
    ----------
    activation : str
        The hidden layers' activation, by name.
    """

    def __init__(
        self,
        input_shape,
        conv_channels,
        kernel_size,
        conv_padding,
        hidden_layer_sizes,
        n_outputs,
        activation="relu",
    ):
        super().__init__()
        shapes, paddings = cnn_shapes(
            input_shape, conv_channels, kernel_size, conv_padding
        )
        act = ACTIVATIONS[activation].module
        self.activation = activation
        layers = []
        for (c_in, _, _), (c_out, _, _), pad in zip(shapes, shapes[1:], paddings):
            layers += [
                nn.Conv2d(c_in, c_out, int(kernel_size), padding=pad),
                act(),
                nn.MaxPool2d(2),
            ]
        layers.append(nn.Flatten())
        width = int(np.prod(shapes[-1]))
        for size in check_hidden_layer_sizes(hidden_layer_sizes, allow_empty=True):
            layers += [nn.Linear(width, size), act()]
            width = size
        layers.append(nn.Linear(width, n_outputs))
        self.layers = nn.Sequential(*layers)

    def forward(self, X):
        return self.layers(X)


def build_cnn(
    input_shape,
    conv_channels,
    kernel_size,
    conv_padding,
    hidden_layer_sizes,
    n_outputs,
    activation,
    seed,
):
    """Build a :class:`CNN` without touching torch's global random state
    (see :func:`build_mlp`)."""
    return _build(
        CNN,
        seed,
        input_shape,
        conv_channels,
        kernel_size,
        conv_padding,
        hidden_layer_sizes,
        n_outputs,
        activation,
    )


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

    Float64 makes each row's output independent of the batch it comes in,
    up to float64 rounding: float32 kernels round differently for different
    batch shapes at the 1e-7 level, float64 ones (MKL's dgemm in a Linear
    layer) at the 1e-16 level, so predictions on a subset equal those on
    the whole, probabilities to ~1e-15.
    """
    model = copy.deepcopy(module).to(device=device, dtype=torch.float64).eval()
    # Wide rows in smaller batches: at most 2**24 numbers (128 MiB) densified
    # at a time, whatever the width of (a sparse) X.
    width = max(1, math.prod(X.shape[1:]))
    batch_size = max(1, min(batch_size, 2**24 // width))
    out = []
    with torch.no_grad():
        for start in range(0, X.shape[0], batch_size):
            # A sparse X is densified one batch at a time.
            xb = dense_rows(X, slice(start, start + batch_size))
            out.append(model(xb.to(device=device, dtype=torch.float64)).cpu())
    result = torch.cat(out) if out else torch.empty(0, dtype=torch.float64)
    check_finite_outputs(result)
    return result


def check_finite_outputs(outputs):
    """Refuse non-finite network outputs computed from finite rows: the
    numbers overflowed float64 (rather than return NaN probabilities or
    classes read from them)."""
    outputs = torch.as_tensor(outputs)
    if not bool(torch.isfinite(outputs).all()):
        rows = (~torch.isfinite(outputs.reshape(len(outputs), -1))).any(dim=1)
        raise ValueError(
            f"the network's outputs overflow float64 on {int(rows.sum())} of "
            f"{len(outputs)} rows (first: row {int(rows.nonzero()[0, 0])}): X "
            "has values too large for the fitted network; scale X as the rows "
            "it was fitted on"
        )
