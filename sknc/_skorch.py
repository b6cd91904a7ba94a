"""skorch pieces of the sknc estimators: a leaner net and faster batches.

Small tabular networks train in epochs of one or two batches, so skorch's
per-batch and per-epoch bookkeeping costs as much as the arithmetic. The
pieces here keep skorch's behaviour (the same batches, history records and
callbacks) at a lower cost.
"""

import functools

import numpy as np
import skorch
import torch
from skorch import NeuralNetClassifier
from skorch.callbacks import Callback, EpochScoring
from skorch.dataset import Dataset
from torch import nn
from torch.nn import functional as F

from sknc._campaign import power_of_two_scale
from sknc._sparse import dense_rows, is_sparse


@functools.lru_cache
def has_fused_adam(device):
    """Whether torch has a fused Adam kernel for ``device`` (CPU: torch >= 2.4)."""
    try:
        param = torch.zeros(1, device=device, requires_grad=True)
        torch.optim.Adam([param], fused=True)
    except (RuntimeError, ValueError, AssertionError, TypeError):
        return False
    return True


class _LeanTraining:
    """A cheaper switch to train mode for skorch nets.

    skorch calls ``_set_training`` before every batch, and ``Module.train``
    sets the flag of every submodule through ``Module.__setattr__`` even when
    nothing changes: a few percent of an epoch of a small MLP. Here modules
    already in the wanted mode are left alone.
    """

    def _set_training(self, training=True):
        for name in self._modules + self._criteria:
            module = getattr(self, name + "_")
            if isinstance(module, nn.Module) and any(
                m.training != training for m in module.modules()
            ):
                module.train(training)


class _CallbacksSeeData:
    """What callbacks are told of the data is what the estimator's module
    sees.

    A weighted fit trains on :func:`weighted_targets` (the weights ride with
    the rows as a last column, for the criterion); a callback that reads
    ``y`` in ``on_train_begin`` or ``on_train_end``, such as
    :class:`sknc.information.InformationPlane`, gets the targets alone, as
    in an unweighted fit. A callback with rows of its own to run the module
    on passes them through :meth:`module_inputs`, which checks and shapes
    them as the estimator's ``predict`` does (``check_inputs_``, set by the
    estimator that builds the net).
    """

    #: The estimator's check of new rows (``X -> X`` as the module takes
    #: it), or None: rows are used as they are. (A trailing ``_``: skorch
    #: takes the net's other attributes for parameters.)
    check_inputs_ = None

    def module_inputs(self, X):
        """``X`` checked and shaped as the estimator's ``predict`` takes it."""
        return X if self.check_inputs_ is None else self.check_inputs_(X)

    def notify(self, method_name, **cb_kwargs):
        y = cb_kwargs.get("y")
        if y is not None and method_name in ("on_train_begin", "on_train_end"):
            cb_kwargs["y"] = self._targets_alone(y)
        super().notify(method_name, **cb_kwargs)


def softmax(logits):
    """Class probabilities from the output layer's logits (last axis)."""
    return torch.softmax(logits, dim=-1)


class NeuralNet(_CallbacksSeeData, _LeanTraining, NeuralNetClassifier):
    """skorch's classifier with a cheaper switch to train mode."""

    def _targets_alone(self, y):
        """Class codes, without the weight column of a weighted fit."""
        codes, weights = split_weights(np.asarray(y), 1)
        return codes if weights is None else codes[:, 0].astype(np.int64)


class NeuralNetRegressor(_CallbacksSeeData, _LeanTraining, skorch.NeuralNetRegressor):
    """skorch's regressor with a cheaper switch to train mode."""

    def _targets_alone(self, y):
        """Real targets, without the weight column of a weighted fit
        (float32, as the estimator trains on them)."""
        targets, weights = split_weights(np.asarray(y), self.criterion_.n_outputs)
        return targets if weights is None else targets.astype(np.float32)


def weighted_targets(targets, sample_weight):
    """The training target of a weighted fit: each row's target(s), then its
    weight (class codes: rows of (code, weight)).

    skorch hands the target of each batch to the criterion unchanged, so
    the weights travel with the rows through shuffling and splitting.
    Class codes are exact in float64.
    """
    targets = np.asarray(targets).reshape(len(sample_weight), -1)
    return np.column_stack([targets, sample_weight]).astype(np.float64)


def split_weights(target, n_outputs):
    """Read a training target back: ``(targets, weights)``.

    The one reader of :func:`weighted_targets`' layout, for numpy arrays
    and torch tensors alike. A ``target`` of ``n_outputs`` columns (or 1-D,
    one output) is unweighted: it comes back as it is, with ``weights``
    None. One column more: the last column is the weights (1-D) and the
    others the targets, as (rows, ``n_outputs``).

    Raises
    ------
    ValueError
        If ``target`` has neither ``n_outputs`` nor ``n_outputs + 1``
        columns.
    """
    flat = target.reshape(len(target), -1)
    if flat.shape[1] == n_outputs:
        return target, None
    if flat.shape[1] == n_outputs + 1:
        return flat[:, :n_outputs], flat[:, n_outputs]
    raise ValueError(
        f"a target of {flat.shape[1]} columns for {n_outputs} output(s): "
        f"expected {n_outputs} columns, or {n_outputs + 1} with row weights last"
    )


class WeightedCrossEntropy(nn.Module):
    """Cross-entropy of a batch, weighted as scikit-learn's MLP weights it.

    A target of class codes gives the plain mean (the same numbers as
    ``nn.CrossEntropyLoss``). A target of rows ``(code, weight)``
    (:func:`weighted_targets`) gives ``sum(w_i * loss_i) / sum(w_i)`` over
    the batch, the normalization of :class:`sklearn.neural_network.MLPClassifier`:
    integer weights count as repeated rows of the batch, a row of weight 0
    as no row, and the scale of the weights does not change the step size.
    A batch whose weights are all 0 has loss 0 (no gradient).
    """

    def forward(self, logits, target):
        codes, w = split_weights(target, 1)
        if w is None:
            return F.cross_entropy(logits, target)
        losses = F.cross_entropy(logits, codes[:, 0].long(), reduction="none")
        w = (w * power_of_two_scale(w.max())).to(losses.dtype)  # float32's range
        total = w.sum()
        return (losses * w).sum() / torch.where(total > 0, total, 1.0)


class WeightedSquaredError(nn.Module):
    """Half the mean squared error, weighted as scikit-learn's MLPRegressor.

    ``0.5 * mean_j(sum_i w_i (y_ij - f_ij) ** 2 / sum_i w_i)``: sklearn's
    ``squared_error`` loss of the MLP (the 1/2 included, so that a loss
    curve reads as sklearn's). A target of ``n_outputs`` columns is
    unweighted; one more column (:func:`weighted_targets`) carries the row
    weights. A batch whose weights are all 0 has loss 0.
    """

    def __init__(self, n_outputs):
        super().__init__()
        self.n_outputs = n_outputs

    def forward(self, pred, target):
        target, w = split_weights(target, self.n_outputs)
        target = target.reshape(len(target), -1).to(pred.dtype)
        if w is None:
            return 0.5 * F.mse_loss(pred, target)
        sq = (pred - target) ** 2
        w = (w * power_of_two_scale(w.max())).to(pred.dtype)  # float32's range
        total = w.sum()
        per_output = (sq * w[:, None]).sum(dim=0) / torch.where(total > 0, total, 1.0)
        return 0.5 * per_output.mean()


def _weighted_r2(net, X, y):
    """Validation R^2, weighted by the rows' weights when ``y`` has them."""
    from sklearn.metrics import r2_score

    pred = np.asarray(net.predict(X)).reshape(len(y), -1)
    y, weights = split_weights(np.asarray(y), pred.shape[1])
    y = y.reshape(len(y), -1)
    return float(r2_score(y, pred, sample_weight=weights))


def weighted_valid_r2():
    """The validation R^2 of a regressor's early stopping (sklearn's score)."""
    return EpochScoring(
        _weighted_r2, lower_is_better=False, on_train=False, name="valid_r2"
    )


def _weighted_accuracy(net, X, y):
    """Validation accuracy, weighted by the rows' weights when ``y`` has them."""
    codes, weights = split_weights(np.asarray(y), 1)
    pred = net.predict(X)
    return float(np.average(pred == codes.reshape(-1), weights=weights))


def weighted_valid_acc():
    """skorch's ``valid_acc``, weighted as sklearn's validation score is."""
    return EpochScoring(
        _weighted_accuracy, lower_is_better=False, on_train=False, name="valid_acc"
    )


class PrivateStateCallback(Callback):
    """A skorch callback whose private attributes (a leading ``_``) are its
    state, not parameters.

    skorch's ``Callback`` takes every attribute whose name does not end in
    ``_`` for a parameter (``get_params``), so a ``clone`` of a net holding
    a callback with private state, as ``cross_val_score`` and
    ``GridSearchCV`` make, would pass that state to ``__init__`` and fail.
    """

    def _get_param_names(self):
        return [k for k in super()._get_param_names() if not k.startswith("_")]


class EpochLoss(Callback):
    """Record the epoch's training loss as skorch's ``PassthroughScoring`` does.

    ``train_loss`` is the mean of the batch losses weighted by the batch
    sizes, ``train_loss_best`` whether it is the lowest so far. skorch's
    callback reads every batch back from the history at the end of each
    epoch; this one adds each batch up as it ends, which matters when an
    epoch is one or two batches (small tabular sets, a hundred epochs).
    """

    def initialize(self):
        self.best_score_ = float("inf")
        self.total_, self.count_ = 0.0, 0
        return self

    def on_epoch_begin(self, net, **kwargs):
        self.total_, self.count_ = 0.0, 0

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        if training:
            # The row skorch has just recorded; list indexing skips History's
            # slower lookup.
            row = list.__getitem__(net.history, -1)["batches"][-1]
            self.total_ += row["train_loss"] * row["train_batch_size"]
            self.count_ += row["train_batch_size"]

    def on_epoch_end(self, net, **kwargs):
        if not self.count_:
            return
        loss = self.total_ / self.count_
        is_best = loss < self.best_score_
        if is_best:
            self.best_score_ = loss
        net.history.record("train_loss", loss)
        net.history.record("train_loss_best", bool(is_best))


def batches(dataset, *, batch_size, shuffle=False, generator=None, **kwargs):
    """Return the mini-batch iterator of the skorch net (its ``iterator_*``).

    A skorch ``Dataset`` of in-memory arrays gets :class:`ArrayBatches`,
    anything else torch's ``DataLoader``.
    """
    X = getattr(dataset, "X", None)
    y = getattr(dataset, "y", None)
    if (
        type(dataset) is Dataset
        and not kwargs
        and generator is not None
        and (isinstance(X, np.ndarray | torch.Tensor) or is_sparse(X))
        and isinstance(y, np.ndarray | torch.Tensor)
        and X.shape[0] == len(y)
    ):
        return ArrayBatches(X, y, batch_size, shuffle, generator)
    return torch.utils.data.DataLoader(
        dataset, batch_size=batch_size, shuffle=shuffle, generator=generator, **kwargs
    )


class ArrayBatches:
    """Mini-batches of in-memory arrays, each taken by one fancy index.

    A scipy sparse ``X`` is kept as CSR and each batch densified alone, so
    memory holds the sparse matrix and one dense batch, never a dense X.

    torch's ``DataLoader`` over a skorch ``Dataset`` fetches the rows of a
    batch one by one and stacks them, which costs more per batch than the
    forward and backward pass of a small MLP. This iterable yields the
    same ``(X, y)`` batches, in the same order: it draws from ``generator``
    exactly what a ``DataLoader`` with a ``RandomSampler`` (or a sequential
    one) draws per pass, so training is unchanged, only faster.
    """

    def __init__(self, X, y, batch_size, shuffle, generator):
        # A sparse X stays sparse (CSR): each batch is densified on its own.
        self.X = X.tocsr() if is_sparse(X) else torch.as_tensor(X)
        self.y = torch.as_tensor(y)
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.generator = generator

    def __len__(self):
        return -(-len(self.y) // self.batch_size)

    def __iter__(self):
        n, size, g = len(self.y), self.batch_size, self.generator
        # DataLoader draws a base seed for its workers, then the sampler's
        # permutation; a RandomSampler draws a second, empty one at its end.
        torch.empty((), dtype=torch.int64).random_(generator=g)
        order = torch.randperm(n, generator=g) if self.shuffle else None
        for start in range(0, n, size):
            if self.shuffle and start + size >= n and n % size:
                torch.randperm(n, generator=g)
            if order is None:
                # Copies, as DataLoader's batches are: never views of the data.
                sl = slice(start, start + size)
                yield self._rows(sl), self.y[sl].clone()
            else:
                idx = order[start : start + size]
                yield self._rows(idx), self.y.index_select(0, idx)
        if self.shuffle and not n % size:
            torch.randperm(n, generator=g)

    def _rows(self, rows):
        if isinstance(self.X, torch.Tensor):
            if isinstance(rows, slice):
                return self.X[rows].clone()
            return self.X.index_select(0, rows)
        return dense_rows(self.X, rows.numpy() if torch.is_tensor(rows) else rows)
