"""When training stops: scikit-learn's stopping rule, and an error on divergence.

Two skorch callbacks of the sknc classifiers.
"""

import copy
import math

import torch
from skorch.callbacks import Callback


class StoppingRule(Callback):
    """Stop training on a plateau, with the meaning of sklearn's ``tol``.

    The rule of :class:`sklearn.neural_network.MLPClassifier`, epoch by
    epoch:

    - on the training loss (``monitor="train_loss"``): an epoch whose loss
      is above ``best_loss_ - tol`` (or not a number) does not count as an
      improvement;
    - on the validation score (``monitor="valid_acc"``, with early
      stopping): an epoch whose score is below ``best_validation_score_ +
      tol`` does not count, and the module's weights at the best score are
      kept (:meth:`restore_best` puts them back).

    ``tol`` is absolute. Training stops when more than ``n_iter_no_change``
    epochs in a row did not count as an improvement; ``stopped_`` then
    holds the number of the last epoch. skorch's own ``EarlyStopping``
    differs: its default threshold is relative and it stops after
    ``patience`` epochs, not ``patience + 1``.

    Parameters
    ----------
    tol : float
        Smallest improvement that counts (absolute, >= 0).
    n_iter_no_change : int or None
        Epochs without improvement tolerated before stopping; ``None``
        never stops (the rule then only tracks the best epoch).
    monitor : {"train_loss", "valid_acc"}, default="train_loss"
        Column of the net's history watched.

    Attributes
    ----------
    best_loss_ : float
        Lowest training loss so far (``monitor="train_loss"``), else None.
    best_validation_score_ : float
        Highest validation score so far (``monitor="valid_acc"``), else None.
    stopped_ : int or None
        The epoch at which the rule stopped training, or None.
    """

    def __init__(self, tol, n_iter_no_change, monitor="train_loss"):
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.monitor = monitor

    def initialize(self):
        self.no_improvement_count_ = 0
        self.stopped_ = None
        self.best_loss_ = float("inf") if self.monitor == "train_loss" else None
        self.best_validation_score_ = (
            None if self.monitor == "train_loss" else -float("inf")
        )
        self.best_state_ = None
        return self

    def on_epoch_end(self, net, **kwargs):
        value = net.history[-1, self.monitor]
        if self.monitor == "train_loss":
            improved = value <= self.best_loss_ - self.tol
            if value < self.best_loss_:
                self.best_loss_ = value
        else:
            improved = value >= self.best_validation_score_ + self.tol
            if value > self.best_validation_score_:
                self.best_validation_score_ = value
                self.best_state_ = copy.deepcopy(net.module_.state_dict())
        self.no_improvement_count_ = 0 if improved else self.no_improvement_count_ + 1
        if (
            self.n_iter_no_change is not None
            and self.no_improvement_count_ > self.n_iter_no_change
        ):
            self.stopped_ = len(net.history)
            # skorch ends the fit loop on KeyboardInterrupt, as its own
            # EarlyStopping does.
            raise KeyboardInterrupt

    def restore_best(self, net):
        """Load the weights of the best validation score into ``net.module_``."""
        if self.best_state_ is not None:
            net.module_.load_state_dict(self.best_state_)


class DivergenceCheck(Callback):
    """Stop with an error when training produces non-finite numbers.

    After every epoch, the epoch's training loss and every parameter of the
    module must be finite; otherwise a ValueError with scikit-learn's
    message (and the epoch) ends training. The estimator then keeps its
    previous fitted state. The check is cheap: one pass over the
    parameters per epoch.
    """

    def on_epoch_end(self, net, **kwargs):
        loss = net.history[-1, "train_loss"]
        finite = math.isfinite(loss) and all(
            bool(torch.isfinite(p).all()) for p in net.module_.parameters()
        )
        if not finite:
            raise ValueError(
                "Solver produced non-finite parameter weights (training loss "
                f"{loss} at epoch {len(net.history)}). The input data may "
                "contain large values and need to be preprocessed, or the "
                "learning rate lr may be too large."
            )
