"""Tests of the stopping rule (sknc._stopping)."""

import math

import numpy as np
import pytest
import torch
from skorch.history import History

from sknc._stopping import StoppingRule


class _Net:
    """The two attributes of a skorch net the rule reads."""

    def __init__(self):
        self.history = History()
        self.module_ = torch.nn.Linear(2, 1)


def _feed(rule, values, monitor="train_loss"):
    """Feed one value per epoch; return the epoch the rule stopped at."""
    net = _Net()
    rule.initialize()
    for value in values:
        net.history.new_epoch()
        net.history.record(monitor, value)
        try:
            rule.on_epoch_end(net)
        except KeyboardInterrupt:
            return len(net.history)
    return None


def test_stopping_rule_counts_absolute_improvements():
    """Check sklearn's rule on losses: an improvement smaller than tol counts as
    none, and training stops after n_iter_no_change + 1 such epochs."""
    rule = StoppingRule(tol=0.1, n_iter_no_change=2)
    # 1.0 sets the best; 0.95 and 0.91 improve by less than 0.1 (counts 1, 2;
    # the best still follows them down); 0.80 improves on 0.91 by 0.11: reset;
    # then 0.79, 0.78, 0.77 count 1, 2, 3 > 2: stop at epoch 7.
    stopped = _feed(rule, [1.0, 0.95, 0.91, 0.80, 0.79, 0.78, 0.77, 0.1])
    assert stopped == 7
    assert rule.stopped_ == 7
    assert rule.best_loss_ == 0.77


def test_stopping_rule_compares_with_best_not_last():
    """Check that an epoch counts only against the best value, not the last."""
    rule = StoppingRule(tol=0.0, n_iter_no_change=1)
    # 0.5 is best; 0.9 and 0.6 are worse than 0.5 though 0.6 beats 0.9.
    assert _feed(rule, [0.5, 0.9, 0.6, 0.4]) == 3


def test_stopping_rule_equal_loss_counts_with_zero_tol():
    """Check that with tol=0 an equal loss is an improvement, as in sklearn
    (``loss > best_loss - tol`` is False)."""
    rule = StoppingRule(tol=0.0, n_iter_no_change=1)
    assert _feed(rule, [0.5] * 20) is None
    assert rule.no_improvement_count_ == 0


def test_stopping_rule_nan_is_no_improvement():
    """Check that a NaN loss never counts as an improvement."""
    rule = StoppingRule(tol=0.0, n_iter_no_change=1)
    assert _feed(rule, [0.5, math.nan, math.nan]) == 3
    assert rule.best_loss_ == 0.5


def test_stopping_rule_on_validation_score_keeps_best_weights():
    """Check the validation-score rule: higher is better, tol absolute, and
    the weights of the best epoch are kept."""
    rule = StoppingRule(tol=0.01, n_iter_no_change=1, monitor="valid_acc")
    net = _Net()
    rule.initialize()
    scores = [0.5, 0.8, 0.805, 0.79]
    stopped = None
    for epoch, score in enumerate(scores, 1):
        with torch.no_grad():
            net.module_.weight.fill_(epoch)
        net.history.new_epoch()
        net.history.record("valid_acc", score)
        try:
            rule.on_epoch_end(net)
        except KeyboardInterrupt:
            stopped = epoch
            break
    # 0.805 is the best score but not better by tol: counts 1; 0.79: 2 > 1.
    assert stopped == 4
    assert rule.best_validation_score_ == 0.805
    rule.restore_best(net)
    np.testing.assert_array_equal(net.module_.weight.detach().numpy(), 3.0)


@pytest.mark.parametrize("n_iter_no_change", [1, 4])
def test_stopping_rule_never_improving_stops_at_n_plus_2(n_iter_no_change):
    """Check the count: the first epoch sets the best, then n + 1 epochs
    without improvement stop training."""
    rule = StoppingRule(tol=1.0, n_iter_no_change=n_iter_no_change)
    assert _feed(rule, [1.0] * 10) == n_iter_no_change + 2
