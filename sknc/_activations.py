"""The activations sknc knows, under scikit-learn's names: one registry.

Pure torch and numpy. Every part of sknc that needs an activation takes it
from here: the networks the estimators build (:mod:`sknc._modules`), the
campaign's candidate responses (:mod:`sknc._campaign`), the layer tracer
(:mod:`sknc._trace`, which recognizes an activation module after a layer)
and the mean-field helpers (:mod:`sknc.information`).

Names follow :class:`sklearn.neural_network.MLPClassifier`: ``"identity"``,
``"logistic"``, ``"tanh"``, ``"relu"``, plus ``"leaky_relu"``, ``"elu"``
and ``"gelu"``.
"""

import math
from dataclasses import dataclass

import numpy as np
import torch
from scipy.special import erf
from torch import nn


@dataclass(frozen=True)
class Activation:
    """One activation: its torch module, and its scalar function in numpy.

    Attributes
    ----------
    name : str
        scikit-learn's name.
    module : type
        The ``torch.nn`` module class, built with its default arguments.
    phi, dphi : callable
        The function and its derivative on numpy arrays (float64), for
        the mean-field quadratures.
    homogeneous : bool
        ``phi(a z) = a phi(z)`` for ``a > 0``.
    symmetric : bool
        ``phi(-z) = 2 phi(0) - phi(z)``: the curve is point-symmetric about
        ``(0, phi(0))`` (identity, tanh, the logistic function), so negating
        a neuron's weights (with a zero bias) reflects its response about
        ``phi(0)``.
    sup_sq : float or None
        ``sup phi^2``, None if unbounded.
    """

    name: str
    module: type
    phi: object
    dphi: object
    homogeneous: bool
    symmetric: bool
    sup_sq: float | None


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


_LEAKY = nn.LeakyReLU().negative_slope
_ELU = nn.ELU().alpha


def _gelu(x):
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def _gelu_prime(x):
    cdf = 0.5 * (1.0 + erf(x / math.sqrt(2.0)))
    return cdf + x * np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


ACTIVATIONS = {
    a.name: a
    for a in [
        Activation(
            "identity",
            nn.Identity,
            lambda x: x,
            np.ones_like,
            homogeneous=True,
            symmetric=True,
            sup_sq=None,
        ),
        Activation(
            "logistic",
            nn.Sigmoid,
            _sigmoid,
            lambda x: _sigmoid(x) * (1.0 - _sigmoid(x)),
            homogeneous=False,
            symmetric=True,
            sup_sq=1.0,
        ),
        Activation(
            "tanh",
            nn.Tanh,
            np.tanh,
            lambda x: 1.0 - np.tanh(x) ** 2,
            homogeneous=False,
            symmetric=True,
            sup_sq=1.0,
        ),
        Activation(
            "relu",
            nn.ReLU,
            lambda x: np.maximum(x, 0.0),
            lambda x: np.where(x > 0, 1.0, 0.0),
            homogeneous=True,
            symmetric=False,
            sup_sq=None,
        ),
        Activation(
            "leaky_relu",
            nn.LeakyReLU,
            lambda x: np.where(x > 0, x, _LEAKY * x),
            lambda x: np.where(x > 0, 1.0, _LEAKY),
            homogeneous=True,
            symmetric=False,
            sup_sq=None,
        ),
        Activation(
            "elu",
            nn.ELU,
            lambda x: np.where(x > 0, x, _ELU * np.expm1(np.minimum(x, 0.0))),
            lambda x: np.where(x > 0, 1.0, _ELU * np.exp(np.minimum(x, 0.0))),
            homogeneous=False,
            symmetric=False,
            sup_sq=None,
        ),
        Activation(
            "gelu",
            nn.GELU,
            _gelu,
            _gelu_prime,
            homogeneous=False,
            symmetric=False,
            sup_sq=None,
        ),
    ]
}

# Modules the layer tracer takes as the elementwise activation of the layer
# before them: the registry's, and torch's other pointwise activations.
ELEMENTWISE = (
    *{a.module for a in ACTIVATIONS.values() if a.module is not nn.Identity},
    nn.ReLU6,
    nn.CELU,
    nn.SELU,
    nn.SiLU,
    nn.Mish,
    nn.Hardtanh,
    nn.Hardsigmoid,
    nn.Hardswish,
    nn.Softplus,
    nn.Softsign,
    nn.LogSigmoid,
    nn.Tanhshrink,
)

_BY_MODULE = {a.module: a.name for a in ACTIVATIONS.values()}


def activation_name(module):
    """sklearn's name of an activation module (its class name if unknown).

    ``None``, the absence of an activation, is ``"identity"``.
    """
    if module is None:
        return "identity"
    return _BY_MODULE.get(type(module), type(module).__name__)


def apply_(A, activation):
    """Apply ``activation`` (a module, a torch function or None) to ``A``.

    In place for ReLU, tanh, the logistic function and leaky ReLU (modules
    or ``torch.relu``, ``torch.tanh``, ``torch.sigmoid``), which saves a
    temporary of the size of ``A``; anything else is called. ``None`` is the
    identity.
    """
    if activation is None:
        return A
    kind = type(activation)
    if kind is nn.ReLU or activation is torch.relu:
        return A.relu_()
    if kind is nn.Tanh or activation is torch.tanh:
        return A.tanh_()
    if kind is nn.Sigmoid or activation is torch.sigmoid:
        return A.sigmoid_()
    if kind is nn.LeakyReLU:
        return nn.functional.leaky_relu_(A, activation.negative_slope)
    if kind is nn.Identity:
        return A
    return activation(A)
