"""skorch callbacks: any sknc initializer on a user's own skorch net.

skorch's :class:`skorch.callbacks.Initializer` applies data-independent
functions to parameters matched by name. :class:`InitializeWith` runs a
data-dependent sknc initializer (the neuron campaign, or LSUV) on the net's
module, on the rows the net trains on, once per fresh fit.

This module only wires an initializer to skorch: the initializers own the
mathematics, the weights are written by their ``initialize(module, X, y)``.
"""

import contextlib
import math
from collections.abc import Mapping

import numpy as np
import torch
from skorch import NeuralNetBinaryClassifier, NeuralNetRegressor
from skorch.dataset import Dataset, unpack_data
from skorch.utils import is_dataset, multi_indexing, to_tensor

from sknc._initializers import (
    BaseInitializer,
    InitializerParams,
    NeuronCampaign,
    _ModuleState,
    _weight_layers,
    for_real_targets,
    get_initializer,
    resolve_initializer,
)
from sknc._skorch import PrivateStateCallback
from sknc._sparse import is_sparse
from sknc._validation import draw_seed, own_generators

__all__ = ["InitializeWith"]

#: Key of the history row (the first epoch of a training run) in which
#: :class:`InitializeWith` records the initializer it ran. Its presence in
#: the history marks the run as initialized: ``partial_fit``, a
#: ``warm_start`` fit and a restored checkpoint do not initialize again.
_HISTORY_KEY = "initialized_with"


class InitializeWith(InitializerParams, PrivateStateCallback):
    """Initialize a skorch net's module with an sknc initializer.

    At the start of the first epoch of a fresh fit, the initializer is
    applied to ``net.module_``, in place, on exactly the rows the net
    trains on: the training part of the split that skorch's ``fit_loop``
    has just made (``dataset_train``), never the rows of its internal
    validation split. The weights are copied into the module's existing
    parameters on the module's device, so the optimizer trains them.

    A fresh fit is one that starts a new history: ``fit`` (without
    ``warm_start``), or the first ``partial_fit`` of an uninitialized net.
    ``partial_fit`` on a trained net and ``fit`` with ``warm_start=True``
    continue training and leave the weights alone; so does a net whose
    history was restored from a checkpoint. The first epoch row of the
    history gets ``"initialized_with"``, the initializer's class name.

    Parameters
    ----------
    initializer : str or initializer object, default="campaign"
        An sknc initializer (:class:`~sknc.NeuronCampaign`,
        :class:`~sknc.HeInit`, :class:`~sknc.XavierInit`,
        :class:`~sknc.OrthogonalInit`, :class:`~sknc.LSUVInit`), a name of
        one (``"campaign"``, ``"he"``, ``"xavier"``, ``"orthogonal"``,
        ``"lsuv"``), or any object with an ``initialize(module, X, y)``
        method. It is cloned (deep-copied if it has no ``get_params``) at
        each fresh fit; the clone that ran is ``initializer_``.

    random_state : int, RandomState instance or None, default=None
        Seeds an initializer given by name, or one whose own
        ``random_state`` is None; an initializer with a ``random_state``
        of its own keeps it. With an int, every fresh fit draws the same
        weights. torch's global random state is never used.

    Attributes
    ----------
    initializer_ : initializer object
        The fitted clone of ``initializer`` of the last fresh fit (for the
        campaign, with ``report_``, ``alpha_`` and ``classes_``).

    Notes
    -----
    The targets the initializer sees are the net's: class indices for
    :class:`skorch.NeuralNetClassifier`; for
    :class:`skorch.NeuralNetBinaryClassifier` the float 0/1 targets are
    passed as the classes 0 and 1. On :class:`skorch.NeuralNetRegressor`
    the targets are real numbers: a campaign left at ``target="auto"`` uses
    the regression criterion (``"correlation"``), whatever values they take.

    ``X`` may be anything skorch accepts (arrays, tensors, skorch or torch
    datasets, dicts): the training rows are read with the net's validation
    iterator (with a generator of its own), as the module will receive
    them. A module that
    takes several inputs (``X`` a dict of arrays, called as
    ``module(**X)``; or a list, called as ``module(X)``) is initialized
    on all of them at once: each layer is scored on whatever the forward
    pass feeds it, every row's inputs kept together. Parameters passed to
    ``fit`` for the module's ``forward`` are not passed to it during the
    initialization.

    The initialization happens at the start of the first epoch, after
    ``on_train_begin``: callbacks that measure the module in
    ``on_train_begin`` see it before the initialization
    (:class:`~sknc.information.InformationPlane` waits for the first
    training batch).

    skorch 1.4 cannot ``set_params`` a callback's nested parameter
    (``callbacks__init__initializer__alpha``): to grid-search the
    campaign's parameters, give whole initializers as the values of
    ``callbacks__<name>__initializer`` (see the user guide).

    See Also
    --------
    sknc.information.InformationPlane : Record the information plane while
        the net trains.

    Examples
    --------
    >>> import numpy as np
    >>> from torch import nn
    >>> from skorch import NeuralNetClassifier
    >>> from sknc import NeuronCampaign
    >>> from sknc.callbacks import InitializeWith
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(100, 5)).astype("float32")
    >>> y = (X[:, 0] > 0).astype("int64")
    >>> module = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> cb = InitializeWith(NeuronCampaign(random_state=0))
    >>> net = NeuralNetClassifier(module, criterion=nn.CrossEntropyLoss,
    ...                           max_epochs=2, verbose=0,
    ...                           callbacks=[("init", cb)]).fit(X, y)
    >>> [r["n_rows"] for r in cb.initializer_.report_]  # 4/5 of the rows
    [80, 80]
    """

    def __init__(self, initializer="campaign", *, random_state=None):
        self.initializer = initializer
        self.random_state = random_state

    def initialize(self):
        """Check ``initializer``; called by skorch when the net is initialized."""
        get_initializer(self.initializer)
        return self

    # -- skorch hooks ----------------------------------------------------

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        """Check, before the split and any training step, what can be."""
        if _initialized(net):
            return
        twins = [name for name, cb in net.callbacks_ if isinstance(cb, InitializeWith)]
        if len(twins) > 1:
            raise ValueError(
                f"a net takes one InitializeWith callback; got {len(twins)}: {twins}"
            )
        initializer = get_initializer(self.initializer)
        if isinstance(initializer, BaseInitializer):
            _weight_layers(net.module_)
        self._targets_given = _has_targets(X, y)

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        """Initialize the module on ``dataset_train`` at a fresh fit's first epoch."""
        if _initialized(net):
            return
        initializer = resolve_initializer(
            self.initializer, lambda: draw_seed(self.random_state)
        )
        has_targets = getattr(self, "_targets_given", True)
        # sknc's initializers take sparse rows; a user's own gets the rows
        # as the module will (dense batches of the iterator).
        sparse = (
            _sparse_rows(dataset_train)
            if isinstance(initializer, BaseInitializer)
            else None
        )
        if sparse is not None:
            # Kept sparse: the initializer densifies a few rows at a time.
            X, y = sparse[0], sparse[1] if has_targets else None
        else:
            X, y = _training_rows(net, dataset_train, has_targets)
        y = _targets(net, y, initializer)
        if isinstance(net, NeuralNetRegressor):
            for_real_targets(initializer)
        module = net.module_
        # sknc's initializers roll back on failure; one of the user's own
        # may not: the module's weights and modes are put back here.
        state = _ModuleState(module)
        try:
            if sparse is not None:
                initializer.initialize(module, X, y)
            elif isinstance(X, torch.Tensor) and X.is_floating_point():
                initializer.initialize(module, X.detach().numpy(), y)
            else:
                # Several inputs, or integer codes (an nn.Embedding first):
                # the module gets them back with their dtypes from packed rows.
                with _packed_inputs(module, X) as packed:
                    initializer.initialize(module, packed, y)
        except BaseException:
            state.restore_params()
            state.restore_modes()
            raise
        net.history.record(_HISTORY_KEY, type(initializer).__name__)
        self.initializer_ = initializer


def _initialized(net):
    """Whether the net's current training run has been initialized.

    Parameters
    ----------
    net : skorch.NeuralNet

    Returns
    -------
    initialized : bool
        True if a row of ``net.history`` records an :class:`InitializeWith`.
    """
    return any(_HISTORY_KEY in row for row in net.history)


def _training_rows(net, dataset, has_targets=True):
    """All rows of ``dataset``, as the net's validation iterator yields them.

    Parameters
    ----------
    net : skorch.NeuralNet
    dataset : torch.utils.data.Dataset
        The training part of the split (``dataset_train``).
    has_targets : bool, default=True
        False when the data has no targets (skorch then yields
        placeholders): ``y`` is None.

    Returns
    -------
    X : torch.Tensor, dict of torch.Tensor or list of torch.Tensor
        On the CPU, in the iterator's (unshuffled) order.
    y : ndarray or None
    """
    iterator = own_generators(net.get_iterator(dataset, training=False))
    Xs, ys = [], []
    for batch in iterator:
        Xi, yi = unpack_data(batch)
        Xs.append(to_tensor(Xi, device="cpu"))
        if has_targets:
            ys.append(to_tensor(yi, device="cpu"))
    if not Xs:
        raise ValueError("InitializeWith: the net's training split has no rows")
    X = _concatenate(Xs)
    y = torch.cat(ys).numpy() if has_targets else None
    return X, y


def _sparse_rows(dataset):
    """``(X, y)`` of a skorch Dataset over a scipy sparse ``X``, or of the
    rows of one that a (nested) ``Subset`` takes (skorch's split), with
    ``X`` still sparse; None for any other dataset.

    Collecting the iterator's batches instead would build the whole
    training split dense, for an initializer that scores a few thousand
    rows of it.
    """
    indices = None
    while isinstance(dataset, torch.utils.data.Subset):
        own = np.asarray(dataset.indices)
        indices = own if indices is None else own[indices]
        dataset = dataset.dataset
    # skorch's own Dataset only: a subclass may transform the rows.
    if not (type(dataset) is Dataset and is_sparse(dataset.X)):
        return None
    X, y = dataset.X, dataset.y
    if indices is not None:
        X = X[indices]
        # By position (a pandas Series would read labels).
        y = None if y is None else multi_indexing(y, indices)
    if isinstance(y, torch.Tensor):
        y = y.detach().cpu().numpy()
    return X, None if y is None else np.asarray(y)


def _concatenate(batches):
    first = batches[0]
    if isinstance(first, torch.Tensor):
        return torch.cat(batches)
    if isinstance(first, Mapping):
        return {key: torch.cat([b[key] for b in batches]) for key in first}
    if isinstance(first, list):
        return [torch.cat([b[i] for b in batches]) for i in range(len(first))]
    raise TypeError(
        "InitializeWith: the net feeds its module batches of type "
        f"{type(first).__name__}; supported are tensors, dicts and lists of "
        "tensors"
    )


@contextlib.contextmanager
def _packed_inputs(module, X):
    """Let an initializer call a module on inputs that are not one float
    array: several inputs, or integer codes.

    The initializers call ``module(x)`` on rows (or chunks, or a subset of
    rows) of one float array. The inputs of a dict or list (or one tensor
    of integers) are flattened and put side by side, row by row, in one
    float64 array; while the context is open, a forward pre-hook of
    ``module`` cuts any such rows back into the inputs (with their shapes
    and dtypes) and calls the module as the net does: ``module(**X)`` for
    a dict, ``module(X)`` for a list or a tensor.

    Parameters
    ----------
    module : torch.nn.Module
    X : dict or list of torch.Tensor, or torch.Tensor
        The inputs, with the same number of rows.

    Yields
    ------
    packed : ndarray of shape (n_samples, total_width)
    """
    single = isinstance(X, torch.Tensor)
    keys = list(X) if isinstance(X, Mapping) else None
    if single:
        parts, names = [X], ["X"]
    else:
        parts = list(X.values()) if keys is not None else list(X)
        names = keys if keys is not None else list(range(len(parts)))
    sizes = {len(p) for p in parts}
    if len(sizes) != 1:
        raise ValueError(
            "InitializeWith: the module's inputs have different numbers of rows: "
            + ", ".join(f"{n!r}: {len(p)}" for n, p in zip(names, parts))
        )
    dtype = next(module.parameters(), torch.empty(0)).dtype
    exact = 2.0 / torch.finfo(dtype).eps  # integers exact up to 2 ** (mantissa + 1)
    for name, part in zip(names, parts):
        if not part.is_floating_point() and part.numel():
            if part.abs().max().item() > exact:
                raise ValueError(
                    f"InitializeWith: input {name!r} has integers beyond "
                    f"{exact:.0f}, which {dtype} cannot hold exactly while the "
                    "initializer runs the module"
                )
    shapes = [tuple(p.shape[1:]) for p in parts]
    dtypes = [p.dtype for p in parts]
    widths = [math.prod(s) for s in shapes]
    packed = np.concatenate(
        [p.reshape(len(p), -1).double().numpy() for p in parts], axis=1
    )

    def unpack(mod, args, kwargs):
        (rows,) = args
        pieces = [
            piece.reshape(-1, *shape).to(dtype)
            for piece, shape, dtype in zip(
                torch.split(rows, widths, dim=1), shapes, dtypes
            )
        ]
        if single:
            return (pieces[0],), kwargs
        if keys is None:
            return (pieces,), kwargs
        return (), {**kwargs, **dict(zip(keys, pieces))}

    handle = module.register_forward_pre_hook(unpack, with_kwargs=True)
    try:
        yield packed
    finally:
        handle.remove()


def _has_targets(X, y):
    """Whether the data the net is fit on comes with targets."""
    if y is not None:
        return True
    while isinstance(X, torch.utils.data.Subset):
        X = X.dataset
    if isinstance(X, Dataset):
        return X.y is not None
    return is_dataset(X)


def _targets(net, y, initializer):
    """The targets the initializer sees: classes where the net has classes."""
    if y is None or not isinstance(net, NeuralNetBinaryClassifier):
        return y
    values = np.unique(y)
    if np.isin(values, (0, 1)).all():
        return y.astype(np.int64)
    if isinstance(initializer, NeuronCampaign):
        raise ValueError(
            "InitializeWith: NeuronCampaign reads the targets of "
            f"{type(net).__name__} as the classes 0 and 1, but they take other "
            f"values, e.g. {values[~np.isin(values, (0, 1))][0]!r}"
        )
    return y
