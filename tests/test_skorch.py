"""Tests of the skorch pieces of the estimators (sknc._skorch)."""

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from skorch import NeuralNetClassifier
from skorch.callbacks import Callback

from sknc import NCMLPClassifier
from sknc._skorch import (
    EpochLoss,
    WeightedSquaredError,
    has_fused_adam,
    split_weights,
    weighted_targets,
)


@pytest.fixture(scope="module")
def small_digits():
    X, y = load_digits(return_X_y=True)
    return (X[:400] / 16).astype(np.float32), y[:400]


def _clf(**kw):
    params = dict(hidden_layer_sizes=(24,), max_epochs=3, tol=None, random_state=0)
    params.update(kw)
    return NCMLPClassifier(**params)


@pytest.mark.parametrize("batch_size", [64, 100])
def test_array_batches_train_like_dataloader(small_digits, monkeypatch, batch_size):
    """Check that the whole-batch iterator trains exactly as torch's DataLoader
    would with the same seeded generator (same batches, same order)."""
    import sknc._base as base

    X, y = small_digits
    fast = _clf(initializer="he", batch_size=batch_size).fit(X, y)

    def dataloader(dataset, *, batch_size, shuffle=False, generator=None, **kw):
        return torch.utils.data.DataLoader(
            dataset, batch_size=batch_size, shuffle=shuffle, generator=generator, **kw
        )

    monkeypatch.setattr(base, "batches", dataloader)
    slow = _clf(initializer="he", batch_size=batch_size).fit(X, y)
    for a, b in zip(fast.coefs_, slow.coefs_):
        np.testing.assert_array_equal(a, b)


def test_epoch_loss_records_what_passthrough_scoring_records(small_digits):
    """Check that EpochLoss records skorch's train_loss (batch losses averaged
    with batch-size weights) and train_loss_best, for uneven batches."""
    X, y = small_digits

    def net(**kw):
        torch.manual_seed(0)
        return NeuralNetClassifier(
            torch.nn.Sequential(torch.nn.Linear(64, 10)),
            criterion=torch.nn.CrossEntropyLoss,
            max_epochs=4,
            batch_size=150,  # 150, 150, 100
            lr=0.5,
            train_split=None,
            verbose=0,
            iterator_train__shuffle=False,
            **kw,
        ).fit(X, y)

    ours = net(callbacks__train_loss=EpochLoss()).history
    ref = net().history
    assert ours[:, "train_loss"] == pytest.approx(ref[:, "train_loss"], rel=1e-12)
    assert ours[:, "train_loss_best"] == ref[:, "train_loss_best"]
    batches = ref[-1, "batches"]
    manual = sum(b["train_loss"] * b["train_batch_size"] for b in batches) / 400
    assert ours[-1, "train_loss"] == pytest.approx(manual, rel=1e-12)


def test_adam_is_fused_where_torch_has_the_kernel(small_digits, monkeypatch):
    """Check that Adam uses torch's fused kernel on the CPU (torch >= 2.4) and
    trains like the unfused one."""
    import sknc._base as base

    X, y = small_digits
    clf = _clf(initializer="he", optimizer="adam").fit(X, y)
    fused = clf.net_.optimizer_.defaults.get("fused")
    if not has_fused_adam("cpu"):
        assert not fused
        return
    assert fused
    monkeypatch.setattr(base, "has_fused_adam", lambda device: False)
    ref = _clf(initializer="he", optimizer="adam").fit(X, y)
    assert not ref.net_.optimizer_.defaults.get("fused")
    for a, b in zip(clf.coefs_, ref.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


class _SeenTargets(Callback):
    """Records the y that on_train_begin and on_train_end receive."""

    def __init__(self):
        self.seen = []

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.seen.append(np.asarray(y).copy())

    def on_train_end(self, net, X=None, y=None, **kwargs):
        self.seen.append(np.asarray(y).copy())


@pytest.mark.parametrize("n_outputs", [0, 1, 2])
def test_callbacks_see_targets_without_row_weights(small_digits, n_outputs):
    """Check that in a weighted fit callbacks get the targets of the
    unweighted fit (the criterion's targets carry the weights as a last
    column): class codes, or the regressor's 1 or 2 target columns."""
    from sknc import NCMLPRegressor

    X, y = small_digits
    if n_outputs:
        y = np.column_stack([y, -y])[:, :n_outputs].astype(np.float64).squeeze()
        make = NCMLPRegressor
    else:
        make = NCMLPClassifier

    def seen(**fit_params):
        params = dict(hidden_layer_sizes=(8,), max_epochs=1, random_state=0)
        est = make(callbacks=[_SeenTargets()], **params).fit(X, y, **fit_params)
        # The estimator trains with a copy of the callback.
        (cb,) = [c for _, c in est.net_.callbacks_ if isinstance(c, _SeenTargets)]
        return cb.seen

    plain = seen()
    weighted = seen(sample_weight=np.linspace(0.5, 2.0, len(y)))
    assert len(plain) == len(weighted) == 2
    for a, b in zip(plain, weighted):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("as_tensor", [False, True])
@pytest.mark.parametrize("n_outputs", [1, 3])
def test_split_weights_reads_back_weighted_targets(as_tensor, n_outputs):
    """Check that split_weights returns exactly the targets and weights that
    weighted_targets put together, and an unweighted target as it is, for
    numpy arrays and tensors."""
    rng = np.random.default_rng(0)
    targets = rng.integers(0, 5, size=(7, n_outputs)).astype(np.float64)
    if n_outputs == 1:
        targets = targets[:, 0]  # class codes, or one real output: 1-D
    weights = rng.random(7)
    packed = weighted_targets(targets, weights)
    plain = targets
    if as_tensor:
        packed, plain = torch.from_numpy(packed), torch.from_numpy(plain)
    got, w = split_weights(packed, n_outputs)
    np.testing.assert_array_equal(np.asarray(got), targets.reshape(7, n_outputs))
    np.testing.assert_array_equal(np.asarray(w), weights)
    same, none = split_weights(plain, n_outputs)
    assert same is plain and none is None


def test_split_weights_refuses_a_target_of_another_width():
    """Check that a target neither n_outputs nor n_outputs + 1 wide is an
    error naming both widths, where the squared error used to read it as
    weighted."""
    with pytest.raises(ValueError, match="4 columns for 2 output.*2 columns, or 3"):
        split_weights(np.zeros((5, 4)), 2)
    with pytest.raises(ValueError, match="4 columns for 2 output"):
        WeightedSquaredError(2)(torch.zeros(5, 2), torch.zeros(5, 4))
