"""Tests of the InformationPlane skorch callback."""

import numpy as np
import pytest
import torch
from skorch import NeuralNetClassifier
from torch import nn

from sknc.information import (
    BinningEstimator,
    InformationPlane,
    KDEEstimator,
    records_from_history,
)
from sknc.information._callback import find_layers, log_spaced_epochs


def _data(n=60):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n, 4)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    return X, y


def _module(dropout=0.0):
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Linear(4, 5),
        nn.Tanh(),
        nn.Dropout(dropout),
        nn.Linear(5, 3),
        nn.ReLU(),
        nn.Linear(3, 2),
    )


def _net(module, callback, max_epochs=3, **kwargs):
    return NeuralNetClassifier(
        module,
        criterion=nn.CrossEntropyLoss,
        max_epochs=max_epochs,
        train_split=None,
        verbose=0,
        callbacks=[callback],
        **kwargs,
    )


def test_information_plane_records_epoch_zero_and_chosen_epochs():
    """Check records at epoch 0 and chosen epochs, one per hidden layer, in range."""
    X, y = _data()
    cb = InformationPlane(epochs=[0, 1, 3])
    net = _net(_module(), cb).fit(X, y)
    assert [(r["epoch"], r["layer"]) for r in cb.records_] == [
        (0, "1"),
        (0, "4"),
        (1, "1"),
        (1, "4"),
        (3, "1"),
        (3, "4"),
    ]
    assert [r["n_units"] for r in cb.records_[:2]] == [5, 3]
    for r in cb.records_:
        assert 0.0 <= r["i_ty"] <= r["i_xt"] <= np.log2(len(X)) + 1e-12
    assert len(net.history[0, "info_plane_init"]) == 2
    assert [row["i_xt"] for row in net.history[0, "info_plane"]] == [
        r["i_xt"] for r in cb.records_[2:4]
    ]
    assert "info_plane" not in net.history[1]
    assert len(net.history[2, "info_plane"]) == 2


def test_information_plane_log_schedule_includes_zero_and_last_epoch():
    """Check epochs='log' (0, log-spaced, max_epochs) and epochs='all'."""
    assert log_spaced_epochs(100, 5) == [0, 1, 5, 22, 100]
    assert log_spaced_epochs(3, 20) == [0, 1, 2, 3]
    X, y = _data()
    cb = InformationPlane(n_points=3)
    _net(_module(), cb, max_epochs=4).fit(X, y)
    assert cb.epochs_ == {0, 1, 4}
    assert sorted({r["epoch"] for r in cb.records_}) == [0, 1, 4]
    every = InformationPlane(epochs="all")
    _net(_module(), every, max_epochs=2).fit(X, y)
    assert sorted({r["epoch"] for r in every.records_}) == [0, 1, 2]


def test_information_plane_measures_given_data_with_any_estimator():
    """Check that X, y given to the callback are used, with a KDE estimator."""
    X, y = _data()
    X_eval, y_eval = X[:16], y[:16]
    cb = InformationPlane(
        epochs=[0], estimator=KDEEstimator(noise_variance=1e-6), X=X_eval, y=y_eval
    )
    _net(_module(), cb, max_epochs=1).fit(X, y)
    assert len(cb.records_) == 2
    # Tiny noise: 16 distinct tanh rows are 16 symbols.
    assert cb.records_[0]["i_xt"] == pytest.approx(4.0, abs=1e-6)


def test_information_plane_activations_use_eval_mode_and_restore_it():
    """Check that measuring turns dropout off and restores each module's mode."""
    X, y = _data()
    module = _module(dropout=0.5)
    cb = InformationPlane(epochs=[0])
    net = _net(module, cb, max_epochs=1).fit(X, y)
    module.train()
    first = cb.activations(net, X)
    second = cb.activations(net, X)
    np.testing.assert_array_equal(first[0][1], second[0][1])
    assert all(m.training for m in module.modules())
    module.eval()
    cb.activations(net, X)
    assert not any(m.training for m in module.modules())
    assert all(not m._forward_hooks for m in module.modules())


def test_information_plane_refit_resets_records():
    """Check that fitting again starts a new record list."""
    X, y = _data()
    cb = InformationPlane(epochs=[0, 1])
    net = _net(_module(), cb, max_epochs=1).fit(X, y)
    net.fit(X, y)
    assert sorted(r["epoch"] for r in cb.records_) == [0, 0, 1, 1]


def test_find_layers_picks_activations_and_optionally_the_output():
    """Check the default layers, include_output, named layers and linear nets."""
    module, x = _module(), torch.zeros(2, 4)
    assert [n for n, _, _ in find_layers(module, x)] == ["1", "4"]
    found = find_layers(module, x, include_output=True)
    assert [n for n, _, _ in found] == ["1", "4", "5"]
    assert [n for n, _, _ in find_layers(module, x, layers=["3"])] == ["3"]
    linear = nn.Sequential(nn.Linear(4, 3), nn.Linear(3, 2))
    assert [n for n, _, _ in find_layers(linear, x)] == ["0"]
    with pytest.raises(ValueError, match=r"layers \['9'\] are not submodules"):
        find_layers(module, x, layers=["9"])
    with pytest.raises(ValueError, match="calls no nn.Linear or nn.Conv2d"):
        find_layers(nn.Sequential(nn.Tanh()), x)


def test_information_plane_measures_layers_in_call_order(custom_module):
    """Check that on a module whose registration order differs from its call
    order the callback records the hidden layers in call order: the first
    is the tanh after fc1, the second fc2 (its ReLU is a function), never
    the output logits."""
    X, y = _data()
    cb = InformationPlane(epochs=[0], estimator="kmeans")
    net = _net(custom_module, cb, max_epochs=1).fit(X, y)
    assert [(r["layer"], r["n_units"]) for r in cb.records_] == [
        ("act", 5),
        ("fc2", 6),
    ]
    (_, first), (_, second) = cb.activations(net, X)
    with torch.no_grad():
        x = torch.from_numpy(X)
        expected = custom_module.fc2(custom_module.act(custom_module.fc1(x)))
    np.testing.assert_allclose(second, expected.numpy(), rtol=1e-6)
    assert np.abs(first).max() < 1  # tanh outputs


def test_information_plane_conv_layers_and_shared_activation():
    """Check that conv layers are measured and that one ReLU module shared
    by two layers gives two layers, each with its own outputs."""

    class Shared(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 2, 3, padding=1)
            self.act = nn.ReLU()
            self.fc = nn.Linear(2 * 2 * 2, 5)
            self.out = nn.Linear(5, 2)

        def forward(self, x):
            h = self.act(self.conv(x.reshape(-1, 1, 2, 2))).flatten(1)
            return self.out(self.act(self.fc(h)))

    X, y = _data()
    torch.manual_seed(0)
    module = Shared()
    cb = InformationPlane(epochs=[0], estimator="kmeans")
    net = _net(module, cb, max_epochs=1).fit(X, y)
    assert [(r["layer"], r["n_units"]) for r in cb.records_] == [
        ("act", 8),
        ("act", 5),
    ]
    layers = cb.activations(net, X)
    with torch.no_grad():
        x = torch.from_numpy(X)
        conv = torch.relu(module.conv(x.reshape(-1, 1, 2, 2))).flatten(1)
        fc = torch.relu(module.fc(conv))
    np.testing.assert_allclose(layers[0][1], conv.numpy(), rtol=1e-6)
    np.testing.assert_allclose(layers[1][1], fc.numpy(), rtol=1e-6)


def test_information_plane_named_layers_and_output():
    """Check that layers=[...] selects the modules measured, output included."""
    X, y = _data()
    cb = InformationPlane(
        epochs=[0], layers=["1", "5"], estimator=BinningEstimator(n_bins=4)
    )
    _net(_module(), cb, max_epochs=1).fit(X, y)
    assert [(r["layer"], r["n_units"]) for r in cb.records_] == [("1", 5), ("5", 2)]


@pytest.mark.parametrize(
    "params, match",
    [
        ({"epochs": "sometimes"}, "epochs must be 'log', 'all' or a list"),
        ({"epochs": [0, -1]}, "epochs must be 'log', 'all' or a list"),
        ({"epochs": iter([0, 2])}, "got an iterator .*pass a list"),
        ({"n_points": 1}, "n_points must be an int >= 2; got 1"),
        ({"estimator": "histogram"}, "estimator must be one of"),
        ({"y": [0, 1]}, r"InformationPlane\(y=...\) labels the rows of its X"),
    ],
)
def test_information_plane_rejects_bad_parameters(params, match):
    """Check that bad callback parameters raise a ValueError naming them."""
    with pytest.raises(ValueError, match=match):
        InformationPlane(**params).initialize()


def test_records_from_history_rebuild_the_callback_records():
    """Check that the history alone gives back the callback's records, all
    their keys (n_units included, which the history lacked before)."""
    X, y = _data()
    cb = InformationPlane(epochs=[0, 2, 3])
    net = _net(_module(), cb).fit(X, y)
    assert records_from_history(net.history) == cb.records_


def test_information_plane_random_state_seeds_random_estimators():
    """Check that random_state makes a k-means plane reproducible (the same
    records from two nets), leaves an estimator's own seed alone, and that
    None leaves a string-named estimator unseeded."""
    from sknc.information import KMeansEstimator

    X, y = _data()

    def records(cb):
        _net(_module(), cb, max_epochs=1).fit(X, y)
        return cb.records_

    kw = dict(epochs=[0], estimator="kmeans")
    first = records(InformationPlane(**kw, random_state=0))
    assert records(InformationPlane(**kw, random_state=0)) == first
    own = InformationPlane(estimator=KMeansEstimator(random_state=5), random_state=0)
    assert own.initialize().estimator_.random_state == 5
    assert (
        InformationPlane(estimator="kmeans").initialize().estimator_.random_state
        is None
    )
    seeded = InformationPlane(estimator="kmeans", random_state=0).initialize()
    assert isinstance(seeded.estimator_.random_state, int)
    # An estimator that draws nothing at random is left as it is.
    binning = InformationPlane(random_state=0).initialize().estimator_
    assert "random_state" not in binning.get_params()


class _ResidualTail(nn.Module):
    """h = tanh(fc1 x); out(h += fc2 h): the recorded tanh output is then
    changed in place by the forward."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.fc1, self.act, self.fc2 = nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 5)
        self.out = nn.Linear(5, 2)

    def forward(self, x):
        h = self.act(self.fc1(x))
        h += self.fc2(h)
        return self.out(h)


def test_activations_are_copied_before_the_forward_changes_them():
    """Check that a layer's recorded activations are its outputs as they
    left it, also when the forward then adds to them in place (a residual):
    before, the callback kept the tensor itself and recorded the sum."""
    X, _ = _data()
    module = _ResidualTail()  # not trainable (autograd refuses the +=)
    net = _net(module, InformationPlane(epochs=[0], estimator="kmeans")).initialize()
    (name, tanh_out), _ = InformationPlane().activations(net, X)
    with torch.no_grad():
        expected = module.act(module.fc1(torch.from_numpy(X))).numpy()
    assert name == "act"
    np.testing.assert_array_equal(tanh_out, expected)


@pytest.mark.parametrize("shuffle", [False, True])
def test_information_plane_leaves_torch_global_random_state_and_training(shuffle):
    """Check that measuring changes neither torch's global random state nor,
    through it, the training of a plain skorch net that shuffles or drops
    out from it (before, the measuring DataLoader drew a seed from the
    global generator at every measurement)."""
    X, y = _data()

    def fit(callbacks):
        torch.manual_seed(0)
        net = NeuralNetClassifier(
            _module(dropout=0.3), criterion=nn.CrossEntropyLoss, max_epochs=3,
            train_split=None, verbose=0, callbacks=callbacks,
            iterator_train__shuffle=shuffle, iterator_train__batch_size=16,
        ).fit(X, y)  # fmt: skip
        return [p.detach().clone() for p in net.module_.parameters()], (
            torch.get_rng_state()
        )

    (plain, state), (measured, state_cb) = fit([]), fit([InformationPlane("all")])
    assert torch.equal(state, state_cb)
    for a, b in zip(plain, measured):
        assert torch.equal(a, b)


def test_information_plane_takes_an_array_of_epochs_and_keeps_no_rows():
    """Check that epochs given as a numpy array are measured (before: an
    ambiguous truth value), and that the fitted callback holds no copy of
    the training rows (it would travel with every pickle of the net)."""
    X, y = _data()
    cb = InformationPlane(epochs=np.array([0, 2]))
    _net(_module(), cb).fit(X, y)
    assert sorted({r["epoch"] for r in cb.records_}) == [0, 2]
    assert cb._data is None
