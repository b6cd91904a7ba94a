"""Initializers: the neuron campaign and the baselines it is compared with.

All share one protocol, ``initializer.initialize(module, X=None, y=None)``:
it overwrites the weights of the module's ``nn.Linear`` and ``nn.Conv2d``
layers in place
(so an optimizer built before still trains them), returns the initializer,
and leaves torch's global random state untouched. On error the module's
weights are left as they were.
"""

import copy
import inspect
import math
import time
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, clone
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import check_array, check_consistent_length
from torch import nn

from sknc._campaign import resolve_alpha, scaled_weights
from sknc._distributions import (
    BASE_DISTRIBUTIONS,
    get_distribution,
    he_normal,
    make_generator,
    orthogonal,
    xavier_normal,
)
from sknc._driver import (
    layer_chunks,
    non_finite_message,
    preactivation_std,
    run_campaign,
)
from sknc._quantiles import quantile_bin_codes
from sknc._sparse import SparseRows, is_sparse
from sknc._trace import WEIGHT_LAYERS, layer_fans, trace
from sknc._validation import (
    check_device,
    check_real_targets,
    check_sample_weight,
    draw_seed,
    encode_labels,
    float32_interval,
    user_stacklevel,
    writable,
)


def _as_tensor_X(X):
    """``X`` as a float tensor, or a sparse one as :class:`SparseRows`."""
    if is_sparse(X) and len(X.shape) != 2:
        raise TypeError(
            f"a sparse X must hold flat rows (2-D); got shape {X.shape}: pass "
            "images as a dense array (X.toarray() first)"
        )
    X = check_array(
        X,
        accept_sparse=("csr", "csc", "coo"),
        dtype=(np.float32, np.float64),
        allow_nd=True,
        ensure_all_finite=True,
        input_name="X",
    )
    if is_sparse(X):
        return SparseRows(X)
    return torch.from_numpy(writable(np.ascontiguousarray(X)))


def _dense(X, device, dtype, n=None):
    """The first ``n`` (all) rows of ``X`` as a dense tensor on ``device``:
    a copy, which a module may change in place without touching ``X``."""
    if isinstance(X, SparseRows):
        rows = np.arange(len(X) if n is None else min(n, len(X)))
        return X.select(rows, device, dtype, dense=True)
    return (X if n is None else X[:n]).to(device=device, dtype=dtype, copy=True)


# Layers with weights the initializers do not handle: left as they are.
_OTHER_WEIGHT_LAYERS = (
    nn.Conv1d,
    nn.Conv3d,
    nn.ConvTranspose1d,
    nn.ConvTranspose2d,
    nn.ConvTranspose3d,
    nn.Bilinear,
)


def _warn_other_layers(initializer, module):
    names = sorted(
        {
            type(m).__name__
            for m in module.modules()
            if isinstance(m, _OTHER_WEIGHT_LAYERS)
        }
    )
    if names:
        warnings.warn(
            f"{type(initializer).__name__} initializes nn.Linear and nn.Conv2d "
            f"layers only; the {', '.join(names)} layers of "
            f"{type(module).__name__} keep their weights",
            UserWarning,
            stacklevel=3,
        )


def _weight_layers(module):
    layers = [m for m in module.modules() if isinstance(m, WEIGHT_LAYERS)]
    if not layers:
        raise ValueError(
            f"module {type(module).__name__} has no nn.Linear or nn.Conv2d layer "
            "to initialize"
        )
    return layers


def _module_device(module, owner, advice="move it to one device first"):
    """The one device of the module's parameters and buffers, where the
    rows go; a module spread over several is refused with ``advice`` (the
    rows would reach its first layer on the wrong one)."""
    devices = sorted({str(t.device) for t in [*module.parameters(), *module.buffers()]})
    if len(devices) > 1:
        raise ValueError(
            f"{owner}: the module's parameters and buffers are on several "
            f"devices ({devices}); {advice}"
        )
    return next(module.parameters()).device


class _Placement:
    """Where each parameter and buffer of a module is; :meth:`restore` puts
    each back there (a module spread over devices stays spread, where
    ``module.to(home)`` would gather it on one)."""

    def __init__(self, module):
        self.places = [
            (m, name, kind, t.device)
            for m in module.modules()
            for kind, named in (
                ("parameter", m.named_parameters(recurse=False)),
                ("buffer", m.named_buffers(recurse=False)),
            )
            for name, t in named
        ]

    def restore(self):
        with torch.no_grad():
            for m, name, kind, home in self.places:
                t = getattr(m, name)
                if t.device == home:
                    continue
                if kind == "parameter":
                    t.data = t.data.to(home)  # the same Parameter object
                else:
                    setattr(m, name, t.to(home))


def _check_writable(module):
    """Raise a clear ValueError if a weight layer's parameters cannot be
    written in place, one layer at a time.

    A parametrized weight (``torch.nn.utils.parametrize``, the
    ``weight_norm`` of ``torch.nn.utils`` and of its ``parametrizations``)
    is computed from other tensors at every use, so a write to it is lost;
    a weight shared with another module (tied weights) would be written by
    both layers' initializations.
    """
    names = {m: n for n, m in module.named_modules()}
    layers = _weight_layers(module)
    for layer in layers:
        for attr in ("weight", "bias"):
            if getattr(layer, attr, None) is not None and attr not in layer._parameters:
                raise ValueError(
                    f"layer {names[layer]!r} ({type(layer).__name__}) has a "
                    f"computed {attr} (a parametrization or weight_norm), "
                    "which an initializer cannot write: initialize the module "
                    "first, then add the parametrization"
                )
    # Owners are modules, not names: one layer held under two names (an
    # alias, ``self.head = self.body[2]``) is one owner.
    owners = {}
    for mod in module.modules():
        for param in mod._parameters.values():
            if param is not None:
                owners.setdefault(param, []).append(names[mod])
    for layer in layers:
        shared = owners.get(layer.weight, [])
        if len(shared) > 1:
            raise ValueError(
                f"the weight of layer {names[layer]!r} is shared by the "
                f"modules {', '.join(repr(n) for n in shared)} (tied weights): "
                "initializing one layer would overwrite the other; initialize "
                "the module first, then tie the weights"
            )


class _ModuleState:
    """Snapshot of a module's parameters and train flags, restored on error."""

    def __init__(self, module):
        self.module = module
        self.params = [(p, p.detach().clone()) for p in module.parameters()]
        self.training = [(m, m.training) for m in module.modules()]

    def restore_params(self):
        with torch.no_grad():
            for p, saved in self.params:
                p.copy_(saved)

    def restore_modes(self):
        for m, flag in self.training:
            m.training = flag


class BaseInitializer(BaseEstimator):
    """Base class of sknc initializers (not for direct use).

    Subclasses implement ``_initialize(module, X, y, generator, rng)``,
    which returns a dict of fitted attributes (or None);
    :meth:`initialize` wraps it with validation, a local random generator,
    eval mode, and a rollback of the weights if anything fails.
    """

    _parameter_constraints: dict = {"random_state": ["random_state"]}
    _requires_data = False
    #: Whether ``initialize`` reads ``y`` (only the campaign does).
    _uses_y = False

    def initialize(self, module, X=None, y=None, sample_weight=None):
        """Initialize the layers of ``module`` in place.

        Parameters
        ----------
        module : torch.nn.Module
            A module with ``nn.Linear`` or ``nn.Conv2d`` layers.
        X : array-like of shape (n_samples, ...), default=None
            Rows the module accepts; needed by data-dependent initializers.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), \
default=None
            Targets; needed by the neuron campaign: class labels, or real
            values (1-D or 2-D, a regression; see its ``target``).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights: a row of weight 2 counts as two rows,
            one of weight 0 as none. The neuron campaign weights its class
            statistics (and ``rescale="lsuv"``) with them, LSUV its
            variances; He, Xavier and orthogonal draws ignore the data.

        Returns
        -------
        self : object
            The initializer, with its fitted attributes set.
        """
        self._validate_params()
        if not isinstance(module, nn.Module):
            raise TypeError(
                f"module must be a torch.nn.Module; got {type(module).__name__}"
            )
        _check_writable(module)
        _warn_other_layers(self, module)
        if self._requires_data and X is None:
            raise ValueError(f"{type(self).__name__} needs the training rows X")
        X_t = None if X is None else _as_tensor_X(X)
        if sample_weight is not None:
            if X_t is None:
                raise ValueError(
                    f"{type(self).__name__}: sample_weight needs the rows X"
                )
            sample_weight = check_sample_weight(sample_weight, X_t, type(self).__name__)
        state = _ModuleState(module)
        module.eval()
        t0 = time.perf_counter()
        try:
            rng = check_random_state(self.random_state)
            generator = make_generator(draw_seed(rng))
            fitted = (
                self._initialize(
                    module, X_t, y, generator, rng, sample_weight=sample_weight
                )
                or {}
            )
        except BaseException:
            state.restore_params()
            raise
        finally:
            state.restore_modes()
        # Fitted attributes are published only after a success.
        for name, value in fitted.items():
            setattr(self, name, value)
        self.init_time_ = time.perf_counter() - t0
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags


class _DrawInit(BaseInitializer):
    """Data-free initializers: draw each Linear and Conv2d layer's weights.

    Fans are torch's: a filter's ``fan_in`` is ``in_channels / groups * kh
    * kw`` and its ``fan_out`` is ``out_channels * kh * kw``.

    Subclasses set ``_distribution``, a draw function of
    :mod:`sknc._distributions`, or override ``_draw``.
    """

    _parameter_constraints: dict = {
        **BaseInitializer._parameter_constraints,
        "bias": [float32_interval(None)],
    }

    def __init__(self, *, bias=0.0, random_state=None):
        self.bias = bias
        self.random_state = random_state

    def _draw(self, n, fan_in, fan_out, generator):
        return self._distribution(n, fan_in, fan_out, generator)

    def _initialize(self, module, X, y, generator, rng, sample_weight=None):
        for layer in _weight_layers(module):
            k, fan_in, fan_out = layer_fans(layer)
            w = self._draw(k, fan_in, fan_out, generator)
            with torch.no_grad():
                layer.weight.copy_(w.view_as(layer.weight))
                if layer.bias is not None:
                    layer.bias.fill_(self.bias)


class HeInit(_DrawInit):
    """He (Kaiming) normal initialization: weights ~ N(0, 2 / fan_in).

    Parameters
    ----------
    bias : float, default=0.0
        Constant written into every bias.
    random_state : int, RandomState instance or None, default=None
        Seeds a local generator; torch's global random state is untouched.

    Examples
    --------
    >>> import torch
    >>> from sknc import HeInit
    >>> net = torch.nn.Sequential(torch.nn.Linear(400, 300), torch.nn.ReLU())
    >>> _ = HeInit(random_state=0).initialize(net)
    >>> round(float(net[0].weight.detach().std()) ** 2 * 400, 1)
    2.0
    """

    _distribution = staticmethod(he_normal)


class XavierInit(_DrawInit):
    """Glorot (Xavier) normal initialization: N(0, 2 / (fan_in + fan_out)).

    Parameters
    ----------
    bias : float, default=0.0
        Constant written into every bias.
    random_state : int, RandomState instance or None, default=None
        Seeds a local generator; torch's global random state is untouched.

    Examples
    --------
    >>> import torch
    >>> from sknc import XavierInit
    >>> net = torch.nn.Linear(300, 100)
    >>> _ = XavierInit(random_state=0).initialize(net)
    >>> round(float(net.weight.detach().std()) ** 2 * 400, 1)
    2.0
    """

    _distribution = staticmethod(xavier_normal)


class OrthogonalInit(_DrawInit):
    """Orthogonal initialization (Saxe et al. 2014), rows orthonormal times gain.

    Parameters
    ----------
    gain : float, default=1.0
        Scale of the orthonormal rows (``torch.nn.init.orthogonal_``'s gain).
    bias : float, default=0.0
        Constant written into every bias.
    random_state : int, RandomState instance or None, default=None
        Seeds a local generator; torch's global random state is untouched.

    Examples
    --------
    >>> import torch
    >>> from sknc import OrthogonalInit
    >>> net = torch.nn.Linear(8, 4)
    >>> _ = OrthogonalInit(random_state=0).initialize(net)
    >>> w = net.weight.detach()
    >>> torch.allclose(w @ w.T, torch.eye(4), atol=1e-6)
    True
    """

    _parameter_constraints: dict = {
        **_DrawInit._parameter_constraints,
        "gain": [float32_interval(0, closed="right")],
    }

    def __init__(self, *, gain=1.0, bias=0.0, random_state=None):
        self.gain = gain
        self.bias = bias
        self.random_state = random_state

    def _draw(self, n, fan_in, fan_out, generator):
        return orthogonal(n, fan_in, fan_out, generator, gain=self.gain)


#: Rows of a sparse X that LSUVInit makes dense at a time.
LSUV_CHUNK = 2048


class LSUVInit(BaseInitializer):
    """Layer-sequential unit-variance initialization (Mishkin & Matas 2016).

    Orthogonal weights first, then, layer after layer in forward order, the
    weights are scaled until the layer's output (before its activation) has
    standard deviation ``target_std`` on the data, within ``tol``.

    Parameters
    ----------
    target_std : float, default=1.0
        Wanted standard deviation of each layer's output.
    tol : float, default=0.1
        Accepted absolute deviation from ``target_std``.
    max_iter : int, default=10
        Rescaling rounds per layer.
    max_samples : int or None, default=1024
        Rows used to measure the output variance (a random subset);
        ``None`` uses all rows. Rows of a sparse ``X`` are made dense 2048
        at a time, not all together.
    random_state : int, RandomState instance or None, default=None
        Seeds the orthogonal draws and the row subset.

    Attributes
    ----------
    scales_ : list of float
        Total scale applied to each layer after the orthogonal draw.

    Notes
    -----
    The maintained ``lsuv`` package on PyPI keeps its state in a module
    global, prints by default and draws from torch's global random state;
    this reimplementation of the same procedure keeps all state local, so it
    is safe in joblib threads and reproducible from ``random_state``.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from sknc import LSUVInit
    >>> net = torch.nn.Sequential(torch.nn.Linear(20, 50), torch.nn.ReLU(),
    ...                           torch.nn.Linear(50, 3))
    >>> X = np.random.RandomState(0).rand(200, 20).astype(np.float32)
    >>> _ = LSUVInit(random_state=0).initialize(net, X)
    >>> abs(float(net[0](torch.from_numpy(X)).detach().std()) - 1.0) <= 0.1
    True
    """

    _parameter_constraints: dict = {
        **BaseInitializer._parameter_constraints,
        "target_std": [float32_interval(0, closed="right")],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "max_samples": [Interval(Integral, 1, None, closed="left"), None],
    }
    _requires_data = True

    def __init__(
        self,
        *,
        target_std=1.0,
        tol=0.1,
        max_iter=10,
        max_samples=1024,
        random_state=None,
    ):
        self.target_std = target_std
        self.tol = tol
        self.max_iter = max_iter
        self.max_samples = max_samples
        self.random_state = random_state

    def _initialize(self, module, X, y, generator, rng, sample_weight=None):
        weights = None
        if sample_weight is not None:
            keep = torch.from_numpy(_positive_rows(sample_weight, len(X)))
            X, weights = X[keep], torch.from_numpy(sample_weight)[keep]
            weights = scaled_weights(weights)  # the same spreads, in range
        if self.max_samples is not None and X.shape[0] > self.max_samples:
            idx = torch.randperm(X.shape[0], generator=generator)[: self.max_samples]
            idx = idx.sort().values
            X = X[idx]
            weights = None if weights is None else weights[idx]
        dtype = next(module.parameters()).dtype
        device = _module_device(module, "LSUVInit")
        # Dense rows go through the module at once, as they are; sparse
        # rows are made dense LSUV_CHUNK rows at a time, not all together.
        sparse = isinstance(X, SparseRows)
        chunk = LSUV_CHUNK if sparse else None
        if not sparse:
            X = X.to(device=device, dtype=dtype)
        scales = []
        for spec in _trace(module, _dense(X, device, dtype, n=2), sparse=sparse).specs:
            layer = spec.layer
            k, fan_in, fan_out = layer_fans(layer)
            w = orthogonal(k, fan_in, fan_out, generator)
            with torch.no_grad():
                layer.weight.copy_(w.view_as(layer.weight))
                if layer.bias is not None:
                    layer.bias.zero_()
            total = 1.0
            for _ in range(self.max_iter):
                with torch.no_grad():
                    std = preactivation_std(
                        spec,
                        layer_chunks(module, spec, X, chunk, device, dtype),
                        layer.weight.flatten(1),
                        0.0,
                        None,
                        weights,
                    )
                if not math.isfinite(std):
                    if scales or total != 1.0:
                        # Finite before LSUV scaled a layer: the scaling
                        # (to target_std) carried the numbers beyond range.
                        raise ValueError(
                            f"LSUVInit: the outputs of layer {spec.name!r} are "
                            f"not finite once the layers up to it are scaled "
                            f"to target_std={self.target_std}: beyond "
                            f"{str(dtype).replace('torch.', '')}'s range; lower "
                            "target_std"
                        )
                    raise ValueError("LSUVInit: " + non_finite_message(spec, dtype))
                if abs(std - self.target_std) <= self.tol or std == 0:
                    break
                with torch.no_grad():
                    layer.weight.mul_(self.target_std / std)
                total *= self.target_std / std
            scales.append(total)
        return {"scales_": scales}


#: The campaign's target criteria: class labels, and two for real targets.
TARGETS = ("auto", "classes", "binned", "correlation")
#: The target criterion for real-valued targets under ``target="auto"``.
REGRESSION_TARGET = "correlation"


def resolve_target(target, y):
    """The criterion ``target`` means for ``y``: ``"auto"`` is ``"classes"``
    unless ``y`` holds floats that are not all integers, or any beyond
    ``2**53`` (every float there is whole, none an exact integer label:
    scikit-learn's ``type_of_target`` calls them continuous too)."""
    if target != "auto":
        return target
    values = np.asarray(y) if y is not None else None
    if (
        values is not None
        and values.dtype.kind == "f"
        and np.isfinite(values).all()
        and not np.all((values == np.round(values)) & (np.abs(values) < 2.0**53))
    ):
        return REGRESSION_TARGET
    return "classes"


def output_rows(classes, n_rows, labels=None):
    """The output row of each class (in the order of ``classes``), or None.

    ``labels`` (the labels of the output rows, in row order, from an
    estimator that knows them) gives each class the row of its label.
    Without them, integer labels that are all row indices (``0 <= c <
    n_rows``) are their own rows, PyTorch's convention for class targets;
    otherwise, with as many classes as rows, the classes take the rows in
    sorted order. Else None: there is no telling which row is whose.

    Examples
    --------
    >>> from sknc._initializers import output_rows
    >>> output_rows([0, 3, 7], 10).tolist()
    [0, 3, 7]
    >>> output_rows(["a", "c"], 3, labels=["a", "b", "c"]).tolist()
    [0, 2]
    >>> output_rows(["x", "y"], 2).tolist(), output_rows(["x", "y"], 3)
    ([0, 1], None)
    """
    classes = np.asarray(classes)
    if labels is not None:
        row_of = {label: row for row, label in enumerate(np.asarray(labels).tolist())}
        rows = [row_of.get(c) for c in classes.tolist()]
        if None not in rows and len(labels) == n_rows:
            return np.asarray(rows, dtype=np.int64)
    if classes.dtype.kind in "iu" and len(classes) and 0 <= classes.min():
        if classes.max() < n_rows:
            return classes.astype(np.int64)
    if len(classes) == n_rows:
        return np.arange(n_rows)
    return None


def with_output_labels(initializer, labels):
    """Tell a :class:`NeuronCampaign` the labels of the output layer's rows
    (an estimator's ``classes_``), so that each class's neuron lands on its
    row whatever classes the training rows hold. Returns ``initializer``."""
    if isinstance(initializer, NeuronCampaign):
        initializer._output_labels = np.asarray(labels)
    return initializer


def for_real_targets(initializer):
    """Tell ``initializer`` that its targets are real numbers, whatever
    values they take: an initializer left at ``target="auto"`` (the
    campaign) gets the regression criterion. Where a regression is known
    (:class:`~sknc.NCMLPRegressor`, a skorch ``NeuralNetRegressor``), the
    estimator decides, not the values. Returns ``initializer``."""
    params = initializer.get_params() if hasattr(initializer, "get_params") else {}
    if params.get("target") == "auto":
        initializer.set_params(target=REGRESSION_TARGET)
    return initializer


def _positive_rows(sample_weight, n_rows):
    """Indices of the rows that count: all ``n_rows``, or those of positive
    weight (a row of weight 0 is a row left out, before anything is
    drawn)."""
    if sample_weight is None:
        return np.arange(n_rows)
    return np.flatnonzero(sample_weight > 0)


def _filled(codes, n_strata, weights=None, min_rows=2):
    """Per stratum (class or bin) of ``codes``, whether its rows count as
    ``min_rows`` rows: that many rows, or, with row ``weights``, rows
    weighing that much in all (a row of weight ``w`` as ``w`` rows, as if
    repeated). The one rule of the campaign's classes, bins and subsets."""
    full = np.bincount(codes, minlength=n_strata) >= min_rows
    if weights is not None:
        full |= np.bincount(codes, weights=weights, minlength=n_strata) >= min_rows
    return full


def _target_bins(score, n_bins, required=True, weights=None):
    """Equal-mass bins of ``score`` with at least 2 rows each, or rows of
    weight 2 in all (as a class needs), masses weighted by ``weights``:
    ``n_bins``, or fewer where the rows (or their ties) cannot fill them.
    Where not even 2 such bins exist: an error if ``required``, else None.
    The scale of the weights does not matter, except where a bin's mass of
    2 stands in for its second row (integer weights: the repeated rows)."""
    mass = len(score) if weights is None else max(len(score), float(np.sum(weights)))
    for b in range(min(n_bins, int(mass // 2)), 1, -1):
        codes = quantile_bin_codes(score, b, weights)
        if _filled(codes, int(codes.max()) + 1, weights).all():
            return codes
    if not required:
        return None
    raise ValueError(
        f"y cannot be cut into bins of at least 2 rows each ({len(score)} rows)"
    )


def _check_class_rows(classes, codes, weights, auto=False):
    """Refuse a class with fewer than 2 rows (a row of weight ``w`` counting
    as ``w`` rows, as if repeated): its spread is not defined. The scoring
    subset keeps 2 rows of every class that passes
    (:func:`stratified_subset`). ``auto``: the classes were read from ``y``
    by ``target="auto"`` (the error then says so for float labels)."""
    full = _filled(codes, len(classes), weights)
    if not full.all():
        counts = np.bincount(codes, minlength=len(classes))
        worst = int(np.argmin(np.where(full, np.inf, counts)))
        bad = classes[worst]
        bad = bad.item() if isinstance(bad, np.generic) else bad
        hint = ""
        if auto and np.asarray(classes).dtype.kind == "f":
            # target="auto" reads whole-number floats (counts, ratings) as
            # classes, as scikit-learn's type_of_target does.
            hint = (
                "; y was read as class labels, its values being whole numbers: "
                "for a real-valued target pass NeuronCampaign(target='correlation')"
            )
        raise ValueError(
            "each class needs at least 2 scoring rows (or one of weight 2); "
            f"class {bad!r} has {counts[worst]} (give it more rows or leave it "
            f"out){hint}"
        )


def _scorable_rows(y, rows, weights):
    """``rows`` (and their ``weights``) without those of classes that have
    fewer than 2 rows (or rows of weight 2) there, with a warning naming
    them; a ValueError saying what to do when fewer than 2 classes are
    left."""
    classes, codes = np.unique(y[rows], return_inverse=True)
    full = _filled(codes, len(classes), weights)
    n_full = int(full.sum())
    if n_full < 2:
        raise ValueError(
            "NeuronCampaign scores classes against each other and needs 2 "
            "classes of at least 2 rows each (or rows of weight 2); these rows "
            f"have {n_full} such class{'' if n_full == 1 else 'es'} (of "
            f"{len(classes)}): fit on rows of more classes, or pass "
            "initializer='xavier' or 'he', which need no data"
        )
    if full.all():
        return rows, weights
    small = classes[~full].tolist()
    warnings.warn(
        f"NeuronCampaign: classes {small} have fewer than 2 rows here (or rows "
        "of weight 2 in all): the campaign scores without them, and their "
        "output rows get no neuron picked for them",
        UserWarning,
        stacklevel=user_stacklevel(),
    )
    keep = full[codes]
    return rows[keep], None if weights is None else weights[keep]


def stratified_subset(strata, size, rng, min_rows=0, weights=None):
    """Sorted indices of about ``size`` rows drawn with ``rng`` (a
    RandomState), stratified by ``strata`` (integer codes).

    scikit-learn's ``train_test_split`` draws them where it can stratify
    (every stratum has 2 rows, and ``size`` rows and the rows left over
    each outnumber the strata); elsewhere each stratum gets its share of
    ``size`` (largest remainders), drawn within it. Then every stratum with
    fewer than ``min_rows`` drawn rows gets more of its own, up to
    ``min_rows`` or all it has: at most ``min_rows`` rows per stratum
    beyond ``size``. With row ``weights``, a stratum whose drawn rows
    weigh ``min_rows`` or more needs none.
    """
    n = len(strata)
    idx = np.arange(n)
    if size >= n:
        return idx
    counts = np.bincount(strata)
    present = np.flatnonzero(counts)
    if counts[present].min() >= 2 and min(size, n - size) >= len(present):
        chosen, _ = train_test_split(
            idx, train_size=size, stratify=strata, random_state=rng
        )
    else:
        share = size * counts / n
        quota = np.floor(share).astype(np.int64)
        left = size - int(quota.sum())
        quota[np.argsort(quota - share, kind="stable")[:left]] += 1
        chosen = np.concatenate(
            [
                rng.choice(np.flatnonzero(strata == c), quota[c], replace=False)
                for c in present
            ]
        )
    have = np.bincount(strata[chosen], minlength=len(counts))
    need = np.minimum(min_rows, counts)
    w = None if weights is None else weights[chosen]
    done = _filled(strata[chosen], len(counts), w, min_rows)
    for c in np.flatnonzero(~done & (have < need)):
        rest = np.setdiff1d(np.flatnonzero(strata == c), chosen)
        more = rng.choice(rest, need[c] - have[c], replace=False)
        chosen = np.concatenate([chosen, more])
    return np.sort(chosen)


def principal_scores(Y, weights=None):
    """One number per row of real targets ``Y`` (rows x outputs): the
    output itself, or the first principal component of the standardized
    outputs (its sign fixed so that the first output loads positively),
    rows weighted by ``weights`` (None: 1 each)."""
    if Y.shape[1] == 1:
        return Y[:, 0]
    if weights is None:
        mean, std, root = Y.mean(axis=0), Y.std(axis=0), 1.0
    else:
        w = np.asarray(weights, dtype=float)
        mean = np.average(Y, axis=0, weights=w)
        std = np.sqrt(np.average((Y - mean) ** 2, axis=0, weights=w))
        root = np.sqrt(w)[:, None]
    Z = (Y - mean) / np.where(std > 0, std, 1.0)
    _, _, vt = np.linalg.svd(Z * root, full_matrices=False)
    direction = vt[0] * (1.0 if vt[0][np.argmax(np.abs(vt[0]))] >= 0 else -1.0)
    return Z @ direction


class NeuronCampaign(BaseInitializer):
    """Neuron campaign initialization (Mao et al., CIKM 2021).

    For each ``nn.Linear`` or ``nn.Conv2d`` layer in forward order, draw
    many candidate neurons from a base distribution, score their responses
    on the data (keep input information: spread of the responses; enhance
    target information: class means apart, classes tight), and keep the
    best, mutually orthogonal ones. The next layer is scored on the outputs
    of the layers already chosen. See the user guide for the formulas.
    A convolutional layer's candidates are filters (fan-in ``in_channels x
    kh x kw``) and their responses are feature maps, taken as rows by
    ``spatial``; orthogonality is that of the flattened filters.

    Parameters
    ----------
    alpha : float, sequence of float or "linear", default=0.5
        Weight of the input criterion in each layer's score (``1 - alpha``
        weights the target criterion). A float applies to every layer, a
        sequence gives one value per Linear or Conv2d layer in forward order
        (output layer included),
        ``"linear"`` falls from 1.0 at the first layer to 0.0 at the output
        (the setting of the paper's protocol in ``sknc compare``). The
        default, both criteria equally in every layer, was chosen on
        tabular data, where ``"linear"`` was behind (docs/tabular.md).
    candidate_ratio : float, default=2.0
        Candidates drawn per neuron of a layer (at least 1).
    max_candidates : int, default=4096
        Cap on the candidates of one layer. A layer with more neurons gets
        one candidate per neuron (nothing to select there; a warning says
        so).
    base_init : {"xavier", "he", "orthogonal"} or callable, default="xavier"
        Distribution of the candidates, with the layer's real fans. A
        callable ``draw(n, fan_in, fan_out, generator)`` returns an
        ``(n, fan_in)`` tensor. Xavier, chosen on tabular data, draws
        smaller weights than He where the fan-in is small (a table of 10
        columns into 100 neurons: 3.3 times smaller); where the fan-in is
        much larger than the fan-out (MNIST's 784 pixels) the two are
        close. ``sknc compare`` uses He, as the paper.
    max_samples : int or None, default=2000
        Scoring rows, a stratified random subset of ``X``; ``None`` uses all.
        Every class keeps at least 2 rows, or rows of weight 2 in all (up to
        2 rows per class beyond ``max_samples`` where a class's share is
        smaller); a class with fewer than 2 rows in ``X`` (or one of weight
        2) is refused.
    class_balanced : bool, default=True
        Share each layer's neurons over the classes (a candidate belongs to
        the class of its largest mean response).
    orthogonal_selection : bool, default=True
        Prefer candidates orthogonal to the ones already chosen (a selection
        rule; ``base_init="orthogonal"`` is a distribution of candidates).
    rescale : {None, "norm", "base", "lsuv"}, default=None
        ``"norm"`` scales each chosen neuron to the candidates' RMS norm;
        ``"base"`` scales the layer so that its neurons' mean squared
        response on the scoring rows equals the candidates' (the scale of
        the base distribution: selection favours strong responses, which
        otherwise compound layer after layer); ``"lsuv"`` scales the layer
        so its output has unit variance.
    bias : float, default=0.0
        Bias of every candidate while scoring, and of the written layer. A
        layer without a bias parameter cannot hold it: it is scored with
        bias 0, what it computes, and a warning names it.
    spatial : {"mean", "positions"}, default="mean"
        How the feature maps of a conv layer's candidates become the rows
        the statistics are taken over: ``"mean"`` averages each map over
        positions (one row per image), ``"positions"`` makes every position
        of every image a row, labelled with its image's class. Linear layers
        ignore it.
    chunk_size : int, default=2048
        Rows per chunk: the candidates' responses are computed and reduced
        ``chunk_size x candidates`` numbers at a time (twice that in
        memory: the responses and their deviations), whatever the number
        of rows (for a conv layer, the feature maps are taken in pieces of
        about ``chunk_size`` output positions). A chain's Linear layer also
        keeps all rows' responses, to pass the chosen ones on as the next
        layer's input, when they fit in the size of the scoring rows (at
        least 64 MiB; the user guide's step 6). Layer inputs are computed
        by running the module on ``chunk_size`` rows at a time: for a conv
        net, lower it if a forward pass on that many images does not fit.
    target : {"auto", "classes", "binned", "correlation"}, default="auto"
        What ``y`` is and the target criterion. ``"classes"``: class labels,
        the criterion of the paper (class means apart, classes tight).
        For real-valued targets (1-D or 2-D ``y``, a regression):
        ``"binned"`` cuts ``y`` into ``n_bins`` equal-mass bins (ties never
        split; a 2-D ``y`` along its first principal component) and uses
        them as classes; ``"correlation"`` scores the share of each
        candidate's response variance that ``y`` explains (squared
        correlations, summed over outputs). ``"auto"`` takes class labels,
        unless ``y`` holds floats that are not all integers, or any beyond
        ``2**53`` (then the regression default, ``"correlation"``);
        :class:`~sknc.NCMLPRegressor`
        always passes real-valued targets, whatever their values.
    n_bins : int, default=10
        Bins of ``target="binned"`` (and strata of the scoring subset of
        ``target="correlation"``); fewer where the rows cannot give each
        bin at least 2 of them.
    random_state : int, RandomState instance or None, default=None
        Seeds the candidates and the row subset. The same seed gives
        bit-identical weights; torch's global random state is untouched.
    device : str, torch.device or None, default=None
        Where to score; ``None`` scores where the module is, without moving
        it (a module spread over several devices is refused: pass one).
        Given a device, the module is moved there and each parameter and
        buffer back where it was after. On CUDA, cuDNN may run float32
        convolutions in TF32 (torch's default): conv layers may then pick
        other neurons than on the CPU (``torch.backends.cudnn.allow_tf32 =
        False`` gives the CPU's picks).

    Attributes
    ----------
    target_ : str
        The target criterion used: ``"classes"``, ``"binned"`` or
        ``"correlation"``.
    alpha_ : list of float
        The input-criterion weight used for each layer.
    report_ : list of dict
        One dict per layer: ``layer`` (name), ``kind`` (``"Linear"`` or
        ``"Conv2d"``), ``fan_in``, ``fan_out`` (neurons or filters),
        ``activation``, ``alpha``, ``n_candidates``, ``n_rows`` (scoring
        rows), ``n_response_rows`` (rows of the statistics: images x output
        positions for a conv layer with ``spatial="positions"``), ``chosen``
        (candidate indices, in row order), ``chosen_classes``, ``scores``,
        ``input_scores`` and ``target_scores`` (of every candidate),
        ``passed_on`` (True if the chosen neurons' responses, computed
        while scoring, became the next layer's input instead of running
        the layer again: see the performance page) and ``time`` (seconds).
    classes_ : ndarray
        Class labels seen in ``y`` (with ``target_ == "classes"`` only).
    init_time_ : float
        Seconds taken by :meth:`initialize`.

    Examples
    --------
    >>> import torch
    >>> from sklearn.datasets import load_digits
    >>> from sknc import NeuronCampaign
    >>> X, y = load_digits(return_X_y=True)
    >>> net = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(),
    ...                           torch.nn.Linear(32, 10))
    >>> nc = NeuronCampaign(random_state=0).initialize(net, X / 16, y)
    >>> [(r["layer"], r["n_candidates"], r["alpha"]) for r in nc.report_]
    [('0', 64, 0.5), ('2', 20, 0.5)]
    """

    _parameter_constraints: dict = {
        **BaseInitializer._parameter_constraints,
        "alpha": [
            Interval(Real, 0, 1, closed="both"),
            StrOptions({"linear"}),
            "array-like",
        ],
        "candidate_ratio": [Interval(Real, 1, None, closed="left")],
        "max_candidates": [Interval(Integral, 1, None, closed="left")],
        "base_init": [StrOptions(set(BASE_DISTRIBUTIONS)), callable],
        "max_samples": [Interval(Integral, 2, None, closed="left"), None],
        "class_balanced": ["boolean"],
        "orthogonal_selection": ["boolean"],
        "rescale": [Options(object, {None, "norm", "base", "lsuv"})],
        "bias": [float32_interval(None)],
        "spatial": [StrOptions({"mean", "positions"})],
        "chunk_size": [Interval(Integral, 1, None, closed="left")],
        "target": [StrOptions(set(TARGETS))],
        "n_bins": [Interval(Integral, 2, None, closed="left")],
        "device": [str, torch.device, None],
    }
    _requires_data = True
    _uses_y = True
    #: Labels of the output layer's rows, in row order, where an estimator
    #: knows them (:func:`with_output_labels`); None otherwise.
    _output_labels = None

    def __init__(
        self,
        *,
        alpha=0.5,
        candidate_ratio=2.0,
        max_candidates=4096,
        base_init="xavier",
        max_samples=2000,
        class_balanced=True,
        orthogonal_selection=True,
        rescale=None,
        bias=0.0,
        spatial="mean",
        chunk_size=2048,
        target="auto",
        n_bins=10,
        random_state=None,
        device=None,
    ):
        self.alpha = alpha
        self.candidate_ratio = candidate_ratio
        self.max_candidates = max_candidates
        self.base_init = base_init
        self.max_samples = max_samples
        self.class_balanced = class_balanced
        self.orthogonal_selection = orthogonal_selection
        self.rescale = rescale
        self.bias = bias
        self.spatial = spatial
        self.chunk_size = chunk_size
        self.target = target
        self.n_bins = n_bins
        self.random_state = random_state
        self.device = device

    def _scoring_rows(self, X, y, rng, sample_weight=None):
        """Encode labels and draw the stratified scoring subset.

        Rows of weight 0 are dropped first, so that a zero weight is the
        same as leaving the row out. Returns the classes, the indices of
        the scoring rows, their class codes and their weights (or None).
        """
        if y is None:
            raise ValueError("NeuronCampaign needs the class labels y")
        y = np.asarray(y)
        if y.ndim != 1:
            y = np.ravel(y) if y.ndim == 2 and y.shape[1] == 1 else y
        if y.ndim != 1:
            raise ValueError(f"y must be 1-D; got shape {y.shape}")
        check_consistent_length(X, y)
        rows = _positive_rows(sample_weight, len(y))
        w = None if sample_weight is None else sample_weight[rows]
        if self._output_labels is not None:
            # An estimator's fit, on rows the user may not have chosen (a
            # cross-validation fold, a partial_fit batch): classes too small
            # to score are left out, as absent classes are.
            rows, w = _scorable_rows(y, rows, w)
        classes, codes = encode_labels(y[rows], "NeuronCampaign")
        # Before the subset is drawn: a class too small in the data itself
        # is not a matter of max_samples.
        _check_class_rows(classes, codes, w, auto=self.target == "auto")
        if self.max_samples is not None and self.max_samples < len(codes):
            if self.max_samples < 2 * len(classes):
                raise ValueError(
                    f"max_samples={self.max_samples} is too small: each of the "
                    f"{len(classes)} classes needs at least 2 scoring rows"
                )
        # Every class keeps 2 of its rows, or rows of weight 2 in all.
        idx = self._stratified_subset(codes, rng, min_rows=2, weights=w)
        weights = None if w is None else torch.from_numpy(w[idx])
        return classes, rows[idx], torch.from_numpy(codes[idx]), weights

    def _initialize(self, module, X, y, generator, rng, sample_weight=None):
        target = resolve_target(self.target, y)
        targets = None
        if target == "classes":
            classes, idx, codes, weights = self._scoring_rows(X, y, rng, sample_weight)
        else:
            classes, idx, codes, weights, targets = self._regression_rows(
                X, y, rng, sample_weight, target
            )
        if len(idx) < len(X):
            X = X[torch.from_numpy(idx)]
        if self.device is None:
            # Where the module is, not moved.
            device = _module_device(
                module,
                "NeuronCampaign",
                advice="pass device=... to score it on one (it is moved there, "
                "and each tensor back after), or move it to one",
            )
            fitted = self._campaign(
                module, X, codes, classes, generator, device, weights, targets
            )
        else:
            device = check_device(self.device, "NeuronCampaign")
            homes = _Placement(module)
            module.to(device)
            try:
                fitted = self._campaign(
                    module, X, codes, classes, generator, device, weights, targets
                )
            finally:
                homes.restore()
        fitted["target_"] = target
        if target == "classes":
            fitted["classes_"] = classes
        return fitted

    def _stratified_subset(self, strata, rng, min_rows=0, weights=None):
        """Sorted indices of the scoring rows: all, or ``max_samples`` of
        them drawn with ``rng`` (see :func:`stratified_subset`)."""
        if self.max_samples is None:
            return np.arange(len(strata))
        return stratified_subset(strata, self.max_samples, rng, min_rows, weights)

    def _regression_rows(self, X, y, rng, sample_weight, target):
        """Check real-valued targets and draw the scoring subset, stratified
        by equal-mass bins of ``y``.

        Returns the bins (the classes of ``"binned"``; one class for
        ``"correlation"``), the indices of the scoring rows, their codes,
        their weights (or None) and, for ``"correlation"``, their targets
        centered by their (weighted) mean, float64 (rows x outputs).
        """
        if y is None:
            raise ValueError(f"NeuronCampaign(target={target!r}) needs the targets y")
        Y = check_real_targets(y, "NeuronCampaign")
        check_consistent_length(X, Y)
        rows = _positive_rows(sample_weight, len(Y))
        Y = Y[rows]
        subset = self.max_samples is not None and self.max_samples < len(Y)
        if target == "binned" or subset:
            w = None if sample_weight is None else sample_weight[rows]
            bins = _target_bins(
                principal_scores(Y, w), self.n_bins, target == "binned", w
            )
        else:
            bins = None  # "correlation" on every row needs no bins
        if bins is None:
            # Ties leave no bins of 2 rows: a plain random subset.
            bins = np.zeros(len(Y), dtype=np.int64)
        n_bins = int(bins.max()) + 1
        if target == "binned" and subset and self.max_samples < 2 * n_bins:
            raise ValueError(
                f"max_samples={self.max_samples} is too small: each of the "
                f"{n_bins} bins of y needs at least 2 scoring rows (lower n_bins "
                "or raise max_samples)"
            )
        # Each bin of "binned" keeps 2 of its rows (they are its classes).
        idx = self._stratified_subset(bins, rng, min_rows=2 * (target == "binned"))
        weights = None
        if sample_weight is not None:
            weights = torch.from_numpy(sample_weight[rows[idx]])
        if target == "binned":
            classes, codes = np.unique(bins[idx], return_inverse=True)
            return classes, rows[idx], torch.from_numpy(codes), weights, None
        Ys = Y[idx]
        w = np.ones(len(idx)) if weights is None else weights.numpy()
        centered = Ys - np.average(Ys, axis=0, weights=w)
        codes = torch.zeros(len(idx), dtype=torch.int64)
        return (
            np.zeros(1),
            rows[idx],
            codes,
            weights,
            torch.from_numpy(np.ascontiguousarray(centered)),
        )

    def _campaign(
        self, module, X, codes, classes, generator, device, weights, targets=None
    ):
        dtype = next(module.parameters()).dtype
        traced = _trace(
            module,
            _dense(X, device, dtype, n=2),
            stacklevel=5,
            sparse=isinstance(X, SparseRows),
        )
        alphas = resolve_alpha(self.alpha, len(traced.specs))
        n_rows = layer_fans(traced.specs[-1].layer)[0]
        if targets is not None:
            class_rows = None  # the outputs are matched to the targets
        elif self.target == "binned":
            # Bins are no output rows: in bin order where they are as many.
            class_rows = np.arange(n_rows) if len(classes) == n_rows else None
        else:
            class_rows = output_rows(classes, n_rows, self._output_labels)
        report = run_campaign(
            module,
            X,
            codes,
            len(classes),
            traced,
            alphas,
            weights=weights,
            targets=targets,
            class_rows=class_rows,
            candidate_ratio=self.candidate_ratio,
            max_candidates=self.max_candidates,
            draw=get_distribution(self.base_init),
            generator=generator,
            class_balanced=self.class_balanced,
            orthogonal=self.orthogonal_selection,
            rescale=self.rescale,
            bias=self.bias,
            chunk_size=self.chunk_size,
            spatial=self.spatial,
        )
        return {"report_": report, "alpha_": alphas}


def _trace(module, x, stacklevel=4, sparse=False):
    """Trace the module's Linear and Conv2d layers on ``x``, with clear errors
    (and a warning, at ``stacklevel``, naming layers the forward does not
    call).

    Returns the :class:`sknc._trace.Trace` (one forward pass of ``x``).
    """
    try:
        traced = trace(module, x)
    except (RuntimeError, TypeError) as exc:
        hint = ""
        images = x.dim() != 4 and any(
            isinstance(m, nn.Conv2d) for m in module.modules()
        )
        if images:
            fix = (
                "a sparse X holds flat rows only: pass a dense one, "
                "X.toarray().reshape(-1, channels, height, width)"
                if sparse
                else {
                    2: "reshape flat rows with X.reshape(-1, channels, height, width)",
                    3: "give single-channel images a channel axis with X[:, None]",
                }.get(x.dim(), "")
            )
            hint = (
                "; a module with nn.Conv2d layers usually takes images of shape "
                "(n_samples, channels, height, width)" + (f": {fix}" if fix else "")
            )
        # Sparse X for images: a TypeError, as scikit-learn's for sparse X.
        error = TypeError if sparse and images else ValueError
        raise error(
            f"X with rows of shape {tuple(x.shape[1:])} cannot be fed to the "
            f"module{hint}: {exc}"
        ) from exc
    if not traced.specs:
        raise ValueError("the module calls no nn.Linear or nn.Conv2d layer in forward")
    called = {id(spec.layer) for spec in traced.specs}
    names = [
        name
        for name, m in module.named_modules()
        if isinstance(m, WEIGHT_LAYERS) and id(m) not in called
    ]
    if names:
        warnings.warn(
            f"the forward pass of {type(module).__name__} on X (in eval mode) "
            f"shows no call of the layers {names}: they are left as they are "
            "(a data-dependent initializer measures only the layers it sees "
            "run; a layer not called in eval mode, or one the hooks cannot "
            "see, such as a parametrized layer, is not)",
            UserWarning,
            stacklevel=stacklevel,
        )
    return traced


INITIALIZERS = {
    "he": HeInit,
    "xavier": XavierInit,
    "orthogonal": OrthogonalInit,
    "lsuv": LSUVInit,
    "campaign": NeuronCampaign,
}


class InitializerParams:
    """``set_params`` for the owners of an ``initializer`` parameter (the
    estimators, :class:`~sknc.callbacks.InitializeWith`).

    Nested parameters such as ``initializer__alpha`` set a parameter of an
    initializer object; on a name (the default ``"campaign"``) the error
    says which object to pass instead of scikit-learn's ``AttributeError``
    of a ``str``.
    """

    def set_params(self, **params):
        nested = sorted(k for k in params if k.startswith("initializer__"))
        initializer = params.get("initializer", getattr(self, "initializer", None))
        if nested and isinstance(initializer, str):
            cls = INITIALIZERS.get(initializer)
            instead = f"{cls.__name__}()" if cls else "an initializer object"
            raise ValueError(
                f"{', '.join(nested)} sets a parameter of the initializer, but "
                f"{type(self).__name__}'s initializer is the name "
                f"{initializer!r}: pass initializer={instead} (in the "
                "constructor, or with the nested parameters in set_params or "
                "the grid)"
            )
        return super().set_params(**params)


def resolve_initializer(initializer, seed):
    """Return the initializer one fit uses: fresh, and seeded.

    The one place where the estimators turn their ``initializer``
    parameter into an object: a name gives a new initializer seeded with
    ``seed``; an object with ``get_params`` is cloned (the given one is
    never fitted) and, if its ``random_state`` is None, seeded with
    ``seed``; any other object with ``initialize`` is deep-copied.

    Parameters
    ----------
    initializer : str or initializer object
    seed : int or callable
        The seed, or a function that draws it, called only when the
        initializer needs a seed (so that an already seeded initializer
        draws nothing from, say, numpy's global generator).

    Returns
    -------
    initializer : object
    """
    draw = seed if callable(seed) else lambda: seed
    if isinstance(initializer, str):
        return get_initializer(initializer, random_state=draw())
    initializer = get_initializer(initializer)
    if not hasattr(initializer, "get_params"):
        return copy.deepcopy(initializer)
    initializer = clone(initializer)
    if initializer.get_params().get("random_state", 0) is None:
        initializer.set_params(random_state=draw())
    return initializer


def get_initializer(initializer, random_state=None):
    """Return an initializer object from a name or an initializer object.

    Parameters
    ----------
    initializer : str or initializer object
        One of ``"he"``, ``"xavier"``, ``"orthogonal"``, ``"lsuv"``,
        ``"campaign"``, or an object with an ``initialize`` method.
    random_state : int, RandomState instance or None, default=None
        Used for a name; an object keeps its own.

    Returns
    -------
    initializer : object

    Examples
    --------
    >>> from sknc import get_initializer
    >>> get_initializer("he", random_state=0)
    HeInit(random_state=0)
    """
    if isinstance(initializer, str):
        try:
            cls = INITIALIZERS[initializer]
        except KeyError:
            raise ValueError(
                f"unknown initializer {initializer!r}; expected one of "
                f"{sorted(INITIALIZERS)} or an object with an initialize method"
            ) from None
        return cls(random_state=random_state)
    if not hasattr(initializer, "initialize"):
        raise TypeError(
            "initializer must be a name or an object with an initialize(module, "
            f"X, y) method; got {type(initializer).__name__}"
        )
    return initializer


def run_initializer(initializer, module, X, y, sample_weight=None):
    """Run ``initializer`` on the training rows, with their weights when it
    takes them (a user's object without a ``sample_weight`` parameter is
    called without, with a warning)."""
    if sample_weight is None:
        initializer.initialize(module, X, y)
        return
    params = inspect.signature(initializer.initialize).parameters
    if "sample_weight" in params or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()
    ):
        initializer.initialize(module, X, y, sample_weight=sample_weight)
        return
    warnings.warn(
        f"{type(initializer).__name__}.initialize takes no sample_weight: the "
        "initialization ignores the weights",
        UserWarning,
    )
    initializer.initialize(module, X, y)
