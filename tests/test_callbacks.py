"""Tests of the InitializeWith skorch callback (sknc.callbacks)."""

import copy
import math
import pickle

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold
from skorch import NeuralNetBinaryClassifier, NeuralNetClassifier, NeuralNetRegressor
from skorch.callbacks import Callback, Checkpoint, LoadInitState
from skorch.dataset import Dataset, ValidSplit
from skorch.helper import predefined_split
from torch import nn

from sknc import LSUVInit, NeuronCampaign
from sknc.callbacks import InitializeWith
from sknc.information import BinningEstimator, InformationPlane


class ResidualMLP(nn.Module):
    """A user's own module: batch norm, a residual block, functional ReLUs."""

    def __init__(self, n_in=8, width=16, n_out=3):
        super().__init__()
        self.inp = nn.Linear(n_in, width)
        self.bn = nn.BatchNorm1d(width)
        self.block = nn.Linear(width, width)
        self.out = nn.Linear(width, n_out)

    def forward(self, x):
        h = torch.relu(self.bn(self.inp(x)))
        h = h + torch.relu(self.block(h))
        return self.out(h)


class TwoInputs(nn.Module):
    """Numbers and category codes (an embedding), joined before a body."""

    def __init__(self, n_num=8, n_codes=5, n_out=3):
        super().__init__()
        self.embed = nn.Embedding(n_codes, 2)
        self.body = nn.Sequential(nn.Linear(n_num + 2, 12), nn.ReLU(), nn.Linear(12, 3))

    def forward(self, num, cat):
        return self.body(torch.cat([num, self.embed(cat)], dim=1))


class ListInputs(nn.Module):
    """Two arrays passed together as a list (``module([a, b])``)."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(8, 12), nn.ReLU(), nn.Linear(12, 3))

    def forward(self, xs):
        return self.body(torch.cat(xs, dim=1))


class Snapshot(Callback):
    """Copy the module's state at the start of the first epoch (listed after
    InitializeWith, it sees the initialized module), and record the rows of
    the training batches."""

    def initialize(self):
        self.state_ = None
        self.batches_ = []
        return self

    def on_epoch_begin(self, net, **kwargs):
        if self.state_ is None:
            self.state_ = copy.deepcopy(net.module_.state_dict())

    def on_batch_begin(self, net, batch=None, training=None, **kwargs):
        if training:
            self.batches_.append(batch[0])


class Recorder:
    """An initializer that records what it is given and changes nothing.

    ``deepcopy`` (what the callback does to objects without ``get_params``)
    returns the recorder itself, so that calls add up over fits.
    """

    def __init__(self):
        self.calls = []

    def __deepcopy__(self, memo):
        return self

    def initialize(self, module, X=None, y=None):
        self.calls.append((np.array(X, copy=True), np.array(y, copy=True)))
        return self


def _net(module, init_cb, *, cls=NeuralNetClassifier, snapshot=None, **kwargs):
    callbacks = [("init", init_cb)]
    if snapshot is not None:
        callbacks.append(("snapshot", snapshot))
    defaults = {
        "max_epochs": 2,
        "lr": 0.05,
        "verbose": 0,
        "iterator_train__shuffle": False,
    }
    if cls is NeuralNetClassifier:
        defaults["criterion"] = nn.CrossEntropyLoss
    return cls(module, callbacks=callbacks, **{**defaults, **kwargs})


def _assert_state_equal(a, b):
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def _skorch_default_train_rows(y):
    """The training rows of skorch's default split: ValidSplit(5,
    stratified=True) takes the first fold of an unshuffled StratifiedKFold."""
    train, _ = next(StratifiedKFold(5).split(np.arange(len(y)), y))
    return train


@pytest.mark.parametrize("split", ["default", "none"])
def test_initialize_with_equals_direct_campaign_bitwise(small_classification, split):
    """Check that the callback's weights are the campaign's on the training rows,
    bit for bit, with skorch's default 5-fold stratified split and without one."""
    X, y = small_classification
    torch.manual_seed(1)
    module = ResidualMLP()
    before = copy.deepcopy(module)
    snapshot = Snapshot()
    kwargs = {} if split == "default" else {"train_split": None}
    cb = InitializeWith(NeuronCampaign(random_state=7))
    net = _net(module, cb, snapshot=snapshot, **kwargs)
    if split == "default":
        assert (net.train_split.cv, net.train_split.stratified) == (5, True)
    net.fit(X, y)

    rows = _skorch_default_train_rows(y) if split == "default" else np.arange(len(y))
    assert len(rows) == (160 if split == "default" else 200)
    reference = NeuronCampaign(random_state=7).initialize(before, X[rows], y[rows])
    _assert_state_equal(snapshot.state_, before.state_dict())
    assert [r["n_rows"] for r in cb.initializer_.report_] == [len(rows)] * 3
    assert [r["layer"] for r in cb.initializer_.report_] == ["inp", "block", "out"]
    for ours, theirs in zip(cb.initializer_.report_, reference.report_):
        np.testing.assert_array_equal(ours["chosen"], theirs["chosen"])
    # The batch norm keeps its parameters (the campaign writes Linear layers).
    assert torch.equal(snapshot.state_["bn.weight"], torch.ones(16))
    # Training moved on from the initialized weights: the optimizer trains them.
    params = {id(p) for group in net.optimizer_.param_groups for p in group["params"]}
    assert params == {id(p) for p in net.module_.parameters()}
    assert not torch.equal(net.module_.inp.weight, snapshot.state_["inp.weight"])


def test_initialize_with_trains_the_written_parameters(small_classification):
    """Check that weights written in place are the ones the optimizer steps:
    with SGD at lr=0 the trained module is exactly the initialized one."""
    X, y = small_classification
    module = nn.Sequential(nn.Linear(8, 10), nn.ReLU(), nn.Linear(10, 3))
    before = copy.deepcopy(module)
    net = _net(
        module,
        InitializeWith(NeuronCampaign(random_state=0)),
        optimizer=torch.optim.SGD,
        lr=0.0,
        train_split=None,
    ).fit(X, y)
    NeuronCampaign(random_state=0).initialize(before, X, y)
    _assert_state_equal(net.module_.state_dict(), before.state_dict())


def test_initialize_with_uses_the_split_skorch_trains_on(small_classification):
    """Check that the initializer gets exactly the rows of the training batches
    under a random split (a second split would draw other rows)."""
    X, y = small_classification
    recorder, snapshot = Recorder(), Snapshot()
    net = _net(
        nn.Sequential(nn.Linear(8, 3)),
        InitializeWith(recorder),
        snapshot=snapshot,
        max_epochs=1,
        train_split=ValidSplit(0.3),  # ShuffleSplit, random_state=None
    ).fit(X, y)
    ((seen_X, seen_y),) = recorder.calls
    trained = torch.cat(snapshot.batches_).numpy()
    assert seen_X.shape == (140, 8)
    np.testing.assert_array_equal(seen_X, trained)  # same rows, same order
    rows = [np.flatnonzero((X == row).all(axis=1))[0] for row in seen_X]
    np.testing.assert_array_equal(seen_y, y[rows])
    assert net.history[0, "initialized_with"] == "Recorder"


def test_initialize_with_never_sees_labels_only_in_validation(small_classification):
    """Check that a class present only in the validation rows never reaches the
    campaign."""
    X, y = small_classification
    y = y.copy()
    valid = np.arange(len(y)) % 5 == 0
    y[valid & (y == 2)] = 3  # class 3: validation rows only
    split = predefined_split(Dataset(X[valid], y[valid]))
    module = nn.Sequential(nn.Linear(8, 12), nn.ReLU(), nn.Linear(12, 4))
    cb = InitializeWith(NeuronCampaign(random_state=0))
    _net(module, cb, train_split=split).fit(X[~valid], y[~valid])
    np.testing.assert_array_equal(cb.initializer_.classes_, [0, 1, 2])
    assert 3 in y[valid]


def test_initialize_with_once_per_fresh_fit(small_classification):
    """Check no re-initialization on partial_fit, warm_start or after set_params
    of a callback, and a new one on each fresh fit."""
    X, y = small_classification
    recorder = Recorder()
    net = _net(nn.Sequential(nn.Linear(8, 3)), InitializeWith(recorder))
    net.fit(X, y)
    assert len(recorder.calls) == 1
    net.partial_fit(X, y)
    net.set_params(callbacks__print_log__floatfmt=".3f")  # callbacks re-initialized
    net.partial_fit(X, y)
    net.set_params(warm_start=True).fit(X, y)
    assert len(recorder.calls) == 1
    assert [row.get("initialized_with") for row in net.history][:2] == [
        "Recorder",
        None,
    ]
    net.set_params(warm_start=False).fit(X, y)
    assert len(recorder.calls) == 2
    fresh = _net(nn.Sequential(nn.Linear(8, 3)), InitializeWith(recorder))
    fresh.partial_fit(X, y)  # the first partial_fit is a fresh fit
    assert len(recorder.calls) == 3


def test_initialize_with_restored_checkpoint_continues(small_classification, tmp_path):
    """Check that a net restored from a checkpoint (weights and history, by
    LoadInitState) continues training without being initialized again."""
    X, y = small_classification

    def net():
        recorder = Recorder()
        checkpoint = Checkpoint(dirname=tmp_path, monitor=None)
        callbacks = [
            ("checkpoint", checkpoint),
            ("load", LoadInitState(checkpoint)),
        ]
        result = _net(nn.Sequential(nn.Linear(8, 3)), InitializeWith(recorder))
        result.set_params(callbacks=[*result.callbacks, *callbacks])
        return result, recorder

    first, recorder = net()
    first.fit(X, y)
    assert len(recorder.calls) == 1
    restored, recorder = net()
    restored.fit(X, y)
    assert recorder.calls == []
    assert len(restored.history) == 4
    assert restored.history[0, "initialized_with"] == "Recorder"


def test_initialize_with_same_random_state_same_weights(small_classification):
    """Check that a seed gives the same weights whatever the module's default
    init, another seed others, and that torch's global random state is unused."""
    X, y = small_classification

    def init_state(cb, torch_seed):
        torch.manual_seed(torch_seed)
        module, snapshot = ResidualMLP(), Snapshot()
        net = _net(
            module,
            cb,
            snapshot=snapshot,
            max_epochs=1,
            train_split=None,
            iterator_train__generator=torch.Generator(),
        )
        rng_state = torch.random.get_rng_state()
        net.fit(X, y)
        # A module instance, no dropout, batches drawn with their own
        # generator: only the callback could use torch's global generator.
        assert torch.equal(torch.random.get_rng_state(), rng_state)
        return snapshot.state_

    a = init_state(InitializeWith("campaign", random_state=3), torch_seed=0)
    b = init_state(InitializeWith("campaign", random_state=3), torch_seed=1)
    c = init_state(InitializeWith("campaign", random_state=4), torch_seed=0)
    _assert_state_equal(a, b)
    assert not torch.equal(a["inp.weight"], c["inp.weight"])
    # The initializer's own random_state wins over the callback's.
    d = init_state(InitializeWith(NeuronCampaign(random_state=3)), torch_seed=0)
    e = init_state(
        InitializeWith(NeuronCampaign(random_state=3), random_state=99), torch_seed=1
    )
    _assert_state_equal(d, e)


def test_initialize_with_pickles(small_classification):
    """Check that a fitted net with the callback pickles with its report, and
    that training the unpickled net goes on without re-initializing."""
    X, y = small_classification
    net = _net(ResidualMLP(), InitializeWith(NeuronCampaign(random_state=0)))
    net.fit(X, y)
    loaded = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(loaded.predict_proba(X), net.predict_proba(X))
    cb = dict(loaded.callbacks_)["init"]
    fitted = cb.initializer_
    assert [r["layer"] for r in fitted.report_] == ["inp", "block", "out"]
    loaded.partial_fit(X, y)
    assert cb.initializer_ is fitted
    assert sum("initialized_with" in row for row in loaded.history) == 1


def test_fitted_net_with_the_callbacks_clones_and_cross_validates(
    small_classification,
):
    """Check that a fitted net holding InitializeWith and InformationPlane
    clones, as cross_val_score and GridSearchCV clone it: their private
    state (a leading underscore) is not taken for parameters, which skorch
    does for any attribute not ending in an underscore."""
    from sklearn.model_selection import cross_val_score

    X, y = small_classification
    net = NeuralNetClassifier(
        nn.Sequential(nn.Linear(8, 10), nn.ReLU(), nn.Linear(10, 3)),
        criterion=nn.CrossEntropyLoss,
        max_epochs=2,
        train_split=None,
        verbose=0,
        callbacks=[
            ("init", InitializeWith(NeuronCampaign(random_state=0))),
            ("ip", InformationPlane([1], X=X, y=y, estimator=BinningEstimator())),
        ],
    ).fit(X, y)
    for name, cb in net.callbacks_:
        if name in ("init", "ip"):
            assert [k for k in vars(cb) if k.startswith("_")], name  # has state
    params = net.get_params()
    assert not [
        k for k in params if k.startswith(("callbacks__init___", "callbacks__ip___"))
    ]
    cloned = clone(net)
    assert dict(cloned.callbacks)["init"].initializer.random_state == 0
    scores = cross_val_score(net, X, y, cv=2)
    assert scores.shape == (2,) and np.isfinite(scores).all()


def test_initialize_with_grid_search_whole_initializers(small_classification):
    """Check a grid search of alpha and candidate_ratio with whole initializers
    as values of callbacks__init__initializer: the same with n_jobs=1 and 2,
    and best_estimator_ initialized with the winner."""
    X, y = small_classification
    candidates = [
        NeuronCampaign(alpha=alpha, candidate_ratio=ratio, random_state=0)
        for alpha in (0.0, 1.0)
        for ratio in (1.0, 3.0)
    ]
    net = _net(
        nn.Sequential(nn.Linear(8, 10), nn.ReLU(), nn.Linear(10, 3)),
        InitializeWith(),
        max_epochs=3,
        train_split=None,
    )
    results = {}
    for n_jobs in (1, 2):
        grid = GridSearchCV(
            net, {"callbacks__init__initializer": candidates}, cv=2, n_jobs=n_jobs
        ).fit(X, y)
        results[n_jobs] = grid
    one, two = results[1], results[2]
    np.testing.assert_array_equal(
        one.cv_results_["mean_test_score"], two.cv_results_["mean_test_score"]
    )
    assert repr(one.best_params_) == repr(two.best_params_)
    # The scores differ, so which candidate wins means something.
    assert len(set(one.cv_results_["mean_test_score"])) > 1
    winner = one.best_params_["callbacks__init__initializer"]
    fitted = dict(one.best_estimator_.callbacks_)["init"].initializer_
    assert fitted is not winner  # a clone was fitted, the grid value was not
    assert fitted.get_params() == winner.get_params()
    assert fitted.alpha_ == [winner.alpha] * 2
    assert fitted.report_[0]["n_candidates"] == math.ceil(winner.candidate_ratio * 10)
    # The refit on all rows chose the neurons the winner chooses on them.
    module = nn.Sequential(nn.Linear(8, 10), nn.ReLU(), nn.Linear(10, 3))
    direct = clone(winner).initialize(module, X, y)
    for ours, theirs in zip(fitted.report_, direct.report_):
        np.testing.assert_array_equal(ours["chosen"], theirs["chosen"])


def test_initialize_with_grid_key_reaches_the_fit(small_classification):
    """Check that set_params of callbacks__init__initializer and
    callbacks__init__random_state (what GridSearchCV does on a clone) decide
    the initialization of the next fit."""
    X, y = small_classification
    net = _net(
        nn.Sequential(nn.Linear(8, 10), nn.ReLU(), nn.Linear(10, 3)),
        InitializeWith("he"),
        train_split=None,
    )
    net.set_params(
        callbacks__init__initializer=NeuronCampaign(alpha=0.0, candidate_ratio=3),
        callbacks__init__random_state=5,
    )
    net.fit(X, y)
    fitted = dict(net.callbacks_)["init"].initializer_
    assert fitted.alpha_ == [0.0, 0.0]
    assert fitted.report_[0]["n_candidates"] == 30
    assert fitted.random_state is not None
    keys = net.get_params()
    assert keys["callbacks__init__initializer__candidate_ratio"] == 3


def test_skorch_refuses_nested_callback_keys(small_classification):
    """Check the skorch limitation the user guide documents: get_params lists
    callbacks__init__initializer__alpha but set_params cannot set it (if this
    fails, skorch has lifted the limitation: update docs/user_guide/skorch.rst).
    """
    net = _net(nn.Sequential(nn.Linear(8, 3)), InitializeWith(NeuronCampaign()))
    net.initialize()
    assert "callbacks__init__initializer__alpha" in net.get_params()
    with pytest.raises(ValueError, match="too many values to unpack"):
        net.set_params(callbacks__init__initializer__alpha=0.0)


def _two_nets_with_information_plane(X, y):
    nets = []
    for torch_seed in (0, 1):
        torch.manual_seed(torch_seed)  # different default inits
        module = nn.Sequential(
            nn.Linear(8, 6), nn.Tanh(), nn.Linear(6, 4), nn.Tanh(), nn.Linear(4, 3)
        )
        plane = InformationPlane(epochs=[0, 1, 2], estimator=BinningEstimator(n_bins=4))
        net = _net(
            module, InitializeWith(NeuronCampaign(random_state=0)), train_split=None
        )
        net.set_params(callbacks=[*net.callbacks, ("plane", plane)])
        nets.append((net.fit(X, y), plane))
    return nets


def test_initialize_with_and_information_plane(small_classification):
    """Check both callbacks on one net: the information plane after the first
    epoch is that of the initialized net, whatever the module's default init."""
    X, y = small_classification
    (net_a, plane_a), (net_b, plane_b) = _two_nets_with_information_plane(X, y)
    later_a = [r for r in plane_a.records_ if r["epoch"] > 0]
    later_b = [r for r in plane_b.records_ if r["epoch"] > 0]
    assert [(r["epoch"], r["layer"]) for r in later_a] == [
        (1, "1"),
        (1, "3"),
        (2, "1"),
        (2, "3"),
    ]
    assert later_a == later_b
    assert dict(net_a.callbacks_)["init"].initializer_.report_
    assert "info_plane" in net_a.history[-1]


def test_information_plane_epoch_zero_sees_the_initialization(small_classification):
    """Check that the epoch-0 point of the information plane is that of the
    initialized net."""
    X, y = small_classification
    (_, plane_a), (_, plane_b) = _two_nets_with_information_plane(X, y)
    first_a = [r for r in plane_a.records_ if r["epoch"] == 0]
    first_b = [r for r in plane_b.records_ if r["epoch"] == 0]
    assert first_a == first_b


class NoWeightLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(1, 3, 8)

    def forward(self, x):
        return self.conv(x[:, None]).flatten(1)


@pytest.mark.parametrize("initializer", ["campaign", "he", "lsuv"])
def test_initialize_with_module_without_layers(small_classification, initializer):
    """Check a clear error naming the module before any training step, with
    the weights unchanged."""
    X, y = small_classification
    module = NoWeightLayer()
    before = copy.deepcopy(module.state_dict())
    snapshot = Snapshot()
    net = _net(module, InitializeWith(initializer), snapshot=snapshot)
    with pytest.raises(ValueError, match="module NoWeightLayer has no nn.Linear"):
        net.fit(X, y)
    assert snapshot.batches_ == []
    assert len(net.history) == 0
    _assert_state_equal(module.state_dict(), before)


def test_initialize_with_regressor(small_classification):
    """Check that on a NeuralNetRegressor the campaign scores the real-valued
    targets (the regression criterion, bitwise as a direct call on the
    training rows), and that a baseline works too."""
    X, _ = small_classification
    target = (X[:, :1] * 2.0 + 1.0).astype(np.float32)
    module = nn.Sequential(nn.Linear(8, 10), nn.ReLU(), nn.Linear(10, 1))
    before = copy.deepcopy(module)
    rows, _ = next(KFold(5).split(X))  # skorch's ValidSplit(5), not stratified

    snapshot = Snapshot()
    cb = InitializeWith(NeuronCampaign(random_state=0))
    _net(module, cb, cls=NeuralNetRegressor, snapshot=snapshot).fit(X, target)
    assert cb.initializer_.target_ == "correlation"
    direct = copy.deepcopy(before)
    NeuronCampaign(random_state=0, target="correlation").initialize(
        direct, X[rows], target[rows]
    )
    _assert_state_equal(snapshot.state_, direct.state_dict())

    module = copy.deepcopy(before)
    snapshot = Snapshot()
    cb = InitializeWith(LSUVInit(random_state=0))
    _net(module, cb, cls=NeuralNetRegressor, snapshot=snapshot).fit(X, target)
    LSUVInit(random_state=0).initialize(before, X[rows])
    _assert_state_equal(snapshot.state_, before.state_dict())


class BinaryMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(8, 10), nn.ReLU(), nn.Linear(10, 1))

    def forward(self, x):
        return self.body(x).squeeze(-1)


def test_initialize_with_binary_classifier_targets_are_classes(small_classification):
    """Check that NeuralNetBinaryClassifier's float 0/1 targets reach the campaign
    as the classes 0 and 1, and that soft targets are refused."""
    X, y = small_classification
    y01 = (y == 1).astype(np.float32)
    torch.manual_seed(0)
    module = BinaryMLP()
    before = copy.deepcopy(module)
    snapshot = Snapshot()
    cb = InitializeWith(NeuronCampaign(random_state=0))
    net = _net(module, cb, cls=NeuralNetBinaryClassifier, snapshot=snapshot)
    net.fit(X, y01)
    rows = _skorch_default_train_rows(y01)
    NeuronCampaign(random_state=0).initialize(before, X[rows], y[rows] == 1)
    _assert_state_equal(snapshot.state_, before.state_dict())
    assert cb.initializer_.classes_.tolist() == [0, 1]
    assert cb.initializer_.classes_.dtype == np.int64

    soft = np.where(y01 == 1, 0.9, 0.1).astype(np.float32)
    net = _net(
        BinaryMLP(),
        InitializeWith("campaign"),
        cls=NeuralNetBinaryClassifier,
        train_split=None,  # skorch's stratified split refuses soft targets
    )
    with pytest.raises(ValueError, match="classes 0 and 1.*0.1"):
        net.fit(X, soft)


@pytest.mark.parametrize("form", ["numpy", "tensor", "dataset"])
def test_initialize_with_input_forms(small_classification, form):
    """Check arrays, tensors and a skorch Dataset (targets inside) give the
    campaign's weights on the same rows."""
    X, y = small_classification
    data = {
        "numpy": (X, y),
        "tensor": (torch.from_numpy(X), torch.from_numpy(y)),
        "dataset": (Dataset(X, y), None),
    }[form]
    module = nn.Sequential(nn.Linear(8, 10), nn.ReLU(), nn.Linear(10, 3))
    before = copy.deepcopy(module)
    snapshot = Snapshot()
    cb = InitializeWith(NeuronCampaign(random_state=2))
    net = _net(module, cb, snapshot=snapshot, train_split=None)
    net.fit(*data)
    NeuronCampaign(random_state=2).initialize(before, X, y)
    _assert_state_equal(snapshot.state_, before.state_dict())


@pytest.mark.parametrize("form", ["dict", "list"])
def test_initialize_with_multiple_inputs(small_classification, form):
    """Check a module with several inputs: each layer is scored on what the
    forward pass feeds it, the rows of all inputs kept together, the same as
    the campaign on the joined input."""
    X, y = small_classification
    codes = (np.arange(len(y)) * 7 % 5).astype(np.int64)
    torch.manual_seed(0)
    if form == "dict":
        module = TwoInputs()
        data = {"num": X, "cat": codes}
        with torch.no_grad():
            joined = np.hstack([X, module.embed(torch.from_numpy(codes)).numpy()])
    else:
        module = ListInputs()
        data = [X[:, :5], X[:, 5:]]
        joined = X
    before = copy.deepcopy(module)
    snapshot = Snapshot()
    cb = InitializeWith(NeuronCampaign(random_state=4))
    net = _net(module, cb, snapshot=snapshot)
    net.fit(data, y)
    rows = _skorch_default_train_rows(y)
    NeuronCampaign(random_state=4).initialize(before.body, joined[rows], y[rows])
    _assert_state_equal(snapshot.state_, before.state_dict())
    assert [r["layer"] for r in cb.initializer_.report_] == ["body.0", "body.2"]
    assert not module._forward_pre_hooks  # the packing hook is gone


def test_initialize_with_bad_parameters(small_classification):
    """Check clear errors for an unknown initializer name and for two
    InitializeWith callbacks on one net."""
    X, y = small_classification
    net = _net(nn.Sequential(nn.Linear(8, 3)), InitializeWith("campain"))
    with pytest.raises(ValueError, match="unknown initializer 'campain'"):
        net.initialize()
    net = _net(nn.Sequential(nn.Linear(8, 3)), InitializeWith("he"))
    net.set_params(callbacks=[*net.callbacks, ("again", InitializeWith("xavier"))])
    with pytest.raises(ValueError, match="one InitializeWith callback; got 2"):
        net.fit(X, y)


class EmbeddingFirst(nn.Module):
    """Integer codes -> nn.Embedding -> MLP body (one input, not floats)."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(5, 4)
        self.body = nn.Sequential(nn.Linear(8, 10), nn.ReLU(), nn.Linear(10, 3))

    def forward(self, codes):
        return self.body(self.embed(codes).flatten(1))


def test_initialize_with_integer_codes_as_the_only_input(small_classification):
    """Check that one array of integer codes (an nn.Embedding first) is
    initialized as the docs say integers are, kept exact: the same weights
    as the campaign on the embedded rows (before, the codes were cast to
    float32 and the embedding refused them)."""
    _, y = small_classification
    codes = np.stack([np.arange(len(y)) * 7 % 5, np.arange(len(y)) % 5], axis=1)
    torch.manual_seed(0)
    module = EmbeddingFirst()
    before = copy.deepcopy(module)
    with torch.no_grad():
        embedded = module.embed(torch.from_numpy(codes)).flatten(1).numpy()
    snapshot = Snapshot()
    cb = InitializeWith(NeuronCampaign(random_state=4))
    _net(module, cb, snapshot=snapshot, train_split=None).fit(codes, y)
    NeuronCampaign(random_state=4).initialize(before.body, embedded, y)
    _assert_state_equal(snapshot.state_, before.state_dict())
    assert not module._forward_pre_hooks  # the packing hook is gone


def test_initialize_with_seeded_initializer_leaves_numpy_alone(small_classification):
    """Check that InitializeWith draws no seed from numpy's global generator
    when its initializer has a random_state of its own (before, every
    fresh fit drew one, unused); a name or an unseeded object still gets
    one."""
    X, y = small_classification
    for initializer, draws in [(NeuronCampaign(random_state=0), False),
                               ("he", True)]:  # fmt: skip
        net = _net(nn.Sequential(nn.Linear(8, 3)), InitializeWith(initializer))
        _, key, pos, *_ = np.random.get_state()
        net.fit(X, y)
        _, key_after, pos_after, *_ = np.random.get_state()
        unchanged = np.array_equal(key, key_after) and pos == pos_after
        assert unchanged is not draws, initializer


class _SparseSpy(NeuronCampaign):
    """The campaign, recording the type and shape of the X it is given."""

    def initialize(self, module, X=None, y=None, sample_weight=None):
        self.seen_ = (sp.issparse(X), X.shape, np.asarray(y).copy())
        return super().initialize(module, X, y, sample_weight)


class _DenseSpy:
    """A user's own initializer, recording what it is given."""

    def __init__(self):
        self.seen = []

    def __deepcopy__(self, memo):
        return self

    def initialize(self, module, X=None, y=None):
        self.seen.append((type(X), np.asarray(X).mean(axis=0)))
        return self


@pytest.mark.parametrize("split", ["default", "none"])
def test_initialize_with_keeps_sparse_rows_sparse(small_classification, split):
    """Check that a sparse X reaches sknc's initializers sparse, with the
    rows and labels of the training split (labels by position, also from a
    pandas Series with another index), and initializes as the same rows
    dense (before, the callback built the whole split dense from the
    batches); and that a user's own initializer still gets dense rows."""
    pd = pytest.importorskip("pandas")
    X, y = small_classification
    X = X * (np.abs(X) > 1)  # about a third zeros
    y_series = pd.Series(y, index=np.arange(len(y))[::-1])
    kwargs = {} if split == "default" else {"train_split": None}
    rows = _skorch_default_train_rows(y) if split == "default" else np.arange(len(y))
    states = []
    for data in (sp.csr_matrix(X), X):
        torch.manual_seed(1)
        module = nn.Sequential(nn.Linear(8, 6), nn.ReLU(), nn.Linear(6, 3))
        cb, snapshot = InitializeWith(_SparseSpy(random_state=3)), Snapshot()
        _net(module, cb, snapshot=snapshot, **kwargs).fit(data, y_series)
        sparse, shape, seen_y = cb.initializer_.seen_
        assert sparse == sp.issparse(data) and shape == (len(rows), 8)
        np.testing.assert_array_equal(seen_y, y[rows])
        states.append(snapshot.state_)
    _assert_state_equal(*states)
    spy = _DenseSpy()
    torch.manual_seed(1)
    module = nn.Sequential(nn.Linear(8, 6), nn.ReLU(), nn.Linear(6, 3))
    _net(module, InitializeWith(spy), **kwargs).fit(sp.csr_matrix(X), y)
    ((kind, mean),) = spy.seen
    assert not sp.issparse(kind)
    np.testing.assert_allclose(mean, X[rows].mean(axis=0), rtol=1e-6)


class _HalfThenFail:
    """A user's initializer that writes the first layer, then fails."""

    def __deepcopy__(self, memo):
        return self

    def initialize(self, module, X=None, y=None):
        with torch.no_grad():
            module[0].weight.fill_(7.0)
        module.train(False)
        raise RuntimeError("my initializer failed")


def test_initialize_with_rolls_back_a_failing_initializer_of_the_user(
    small_classification,
):
    """Check that a user's initializer that writes some weights and then
    raises leaves the module's weights and modes as they were (sknc's own
    initializers roll back themselves; before, the module stayed half
    written)."""
    X, y = small_classification
    torch.manual_seed(0)
    module = nn.Sequential(nn.Linear(8, 6), nn.ReLU(), nn.Linear(6, 3))
    net = _net(module, InitializeWith(_HalfThenFail()), train_split=None)
    net.initialize()
    before = copy.deepcopy(net.module_.state_dict())
    net.module_.train()
    with pytest.raises(RuntimeError, match="my initializer failed"):
        net.partial_fit(X, y)
    _assert_state_equal(net.module_.state_dict(), before)
    assert net.module_.training
