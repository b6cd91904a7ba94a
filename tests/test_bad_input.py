"""Bad input to every public estimator and initializer: a clear error, and
nothing changed.

Table-driven, in the style of scikit-learn's common checks. The estimator
table has 21 cases of bad X, y or parameters, run on the 3 estimators (63
tests): each must raise the given error type with a message naming the
problem, and leave the previous fit exactly as it was (same predictions or
features, same attributes). The initializer table has 17 cases, run on the
initializers they concern (32 tests): the same error, and the module's
weights unchanged. Then the cases of the issue "never silently wrong",
numbered as there: overflow (1), divergence (2), non-finite parameters (3),
torch's global random state under threads (4) and the smaller ones (6),
and interruption (Ctrl-C) in training and in the campaign. Worker loss (5)
is tested in test_distributed.py.
"""

import copy
import math
import threading
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.exceptions import ConvergenceWarning
from skorch.callbacks import Callback, EpochScoring
from torch import nn

from sknc import (
    HeInit,
    LSUVInit,
    NCCNNClassifier,
    NCInitTransformer,
    NCMLPClassifier,
    NCMLPRegressor,
    NeuronCampaign,
    OrthogonalInit,
    XavierInit,
)
from sknc._initializers import _Placement
from sknc.callbacks import InitializeWith

RNG = np.random.RandomState(0)
X_GOOD = RNG.normal(size=(60, 16)).astype(np.float32)
Y_GOOD = np.arange(60) % 3


def _mlp(**kw):
    params = dict(hidden_layer_sizes=(8,), max_epochs=2, tol=None, random_state=0)
    return NCMLPClassifier(**{**params, **kw})


def _cnn(**kw):
    return NCCNNClassifier(
        conv_channels=(2,),
        kernel_size=3,
        conv_padding=1,
        hidden_layer_sizes=(8,),
        input_shape=(1, 4, 4),
        max_epochs=2,
        tol=None,
        random_state=0,
        **kw,
    )


def _transformer(**kw):
    return NCInitTransformer(hidden_layer_sizes=(8,), random_state=0, **kw)


ESTIMATORS = {"mlp": _mlp, "cnn": _cnn, "transformer": _transformer}


def _set(X, row, col, value, dtype=None):
    X = X.astype(dtype or X.dtype).copy()
    X[row, col] = value
    return X


def _one_sample_class():
    # The other class alone has 2 rows or more: the classifiers' campaign
    # leaves a one-row class out (a cross-validation fold may hold one),
    # and then has one class to score.
    y = np.zeros_like(Y_GOOD)
    y[0] = 7
    return y


# (id, X, y, params, error, message)
ESTIMATOR_CASES = [
    ("nan", _set(X_GOOD, 3, 2, np.nan), Y_GOOD, {}, ValueError, "NaN"),
    ("inf", _set(X_GOOD, 3, 2, np.inf), Y_GOOD, {}, ValueError, "infinity"),
    (
        "huge",
        _set(X_GOOD, 3, 2, 1e39, np.float64),
        Y_GOOD,
        {},
        ValueError,
        "too large for dtype\\('float32'\\)",
    ),
    ("empty", X_GOOD[:0], Y_GOOD[:0], {}, ValueError, "0 sample"),
    ("3-D", X_GOOD.reshape(60, 4, 4), Y_GOOD, {}, ValueError, "dim 3|3-D"),
    (
        "sparse nan",
        sp.csr_matrix(_set(X_GOOD, 3, 2, np.nan)),
        Y_GOOD,
        {},
        (ValueError, TypeError),
        "NaN|[Ss]parse",
    ),
    ("complex", X_GOOD + 1j, Y_GOOD, {}, ValueError, "[Cc]omplex"),
    ("string", np.full((60, 16), "a", dtype=object), Y_GOOD, {}, ValueError, "string"),
    ("one class", X_GOOD, np.zeros(60, int), {}, ValueError, "only one class"),
    (
        "one-sample class",
        X_GOOD,
        _one_sample_class(),
        {},
        ValueError,
        "at least 2 (scoring )?rows",
    ),
    (
        # Class labels asked for: the transformer also takes real targets
        # where the campaign's target is "auto".
        "continuous y",
        X_GOOD,
        Y_GOOD + 0.5,
        {"initializer": NeuronCampaign(target="classes")},
        ValueError,
        "continuous",
    ),
    (
        "2-D y",
        X_GOOD,
        np.c_[Y_GOOD, Y_GOOD],
        {},
        ValueError,
        "one class label per row|1d array|1-D",
    ),
    (
        "mixed labels",
        X_GOOD,
        np.array([1, "a", 2] * 20, dtype=object),
        {},
        ValueError,
        "mixes strings and numbers",
    ),
    (
        "None labels",
        X_GOOD,
        np.array([1, None, 2] * 20, dtype=object),
        {},
        ValueError,
        "contains None",
    ),
    ("lengths", X_GOOD, Y_GOOD[:50], {}, ValueError, "inconsistent numbers"),
    (
        "campaign alpha strings",
        X_GOOD,
        Y_GOOD,
        {"initializer": NeuronCampaign(alpha=["a", "b"])},
        ValueError,
        "alpha must be a float",
    ),
    (
        "campaign bias nan",
        X_GOOD,
        Y_GOOD,
        {"initializer": NeuronCampaign(bias=np.nan)},
        ValueError,
        "'bias' parameter",
    ),
    (
        "zero candidates",
        X_GOOD,
        Y_GOOD,
        {"initializer": NeuronCampaign(base_init=lambda n, d, k, g: torch.zeros(n, d))},
        ValueError,
        "all zeros",
    ),
    (
        "he bias inf",
        X_GOOD,
        Y_GOOD,
        {"initializer": HeInit(bias=np.inf)},
        ValueError,
        "'bias' parameter",
    ),
    (
        "unknown initializer",
        X_GOOD,
        Y_GOOD,
        {"initializer": "kaiming"},
        ValueError,
        "'initializer' parameter",
    ),
    (
        "device",
        X_GOOD,
        Y_GOOD,
        {"device": "cuda:7"},
        ValueError,
        "device='cuda:7' is not available",
    ),
]


def _state(est, X):
    """What a fit leaves: its outputs on X and its attributes' names."""
    out = est.transform(X) if hasattr(est, "transform") else est.predict_proba(X)
    return out, sorted(k for k in vars(est) if k.endswith("_"))


@pytest.mark.parametrize("make", ESTIMATORS.values(), ids=ESTIMATORS.keys())
@pytest.mark.parametrize(
    "X, y, params, error, match",
    [case[1:] for case in ESTIMATOR_CASES],
    ids=[case[0] for case in ESTIMATOR_CASES],
)
def test_estimators_refuse_bad_input_and_keep_their_fit(
    make, X, y, params, error, match
):
    """Check that each bad input raises the given error naming the problem,
    and that the estimator's previous fit is untouched."""
    est = make().fit(X_GOOD, Y_GOOD)
    before = _state(est, X_GOOD)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.raises(error, match=match):
            est.set_params(**params).fit(X, y)
    after = _state(est, X_GOOD)
    np.testing.assert_array_equal(after[0], before[0])
    assert after[1] == before[1]


def _module():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 3))


INITIALIZERS = {
    "campaign": lambda **kw: NeuronCampaign(random_state=0, **kw),
    "he": lambda **kw: HeInit(random_state=0, **kw),
    "xavier": lambda **kw: XavierInit(random_state=0, **kw),
    "orthogonal": lambda **kw: OrthogonalInit(random_state=0, **kw),
    "lsuv": lambda **kw: LSUVInit(random_state=0, **kw),
}
DATA_INITS = ("campaign", "lsuv")  # the ones that read X

# (id, initializers, X, y, params, error, message)
INITIALIZER_CASES = [
    ("X nan", DATA_INITS, _set(X_GOOD, 1, 1, np.nan), Y_GOOD, {}, ValueError, "NaN"),
    (
        "X beyond float32",
        DATA_INITS,
        _set(X_GOOD, 1, 1, 1e39, np.float64),
        Y_GOOD,
        {},
        ValueError,
        "too large for float32",
    ),
    ("X 3-D", DATA_INITS, X_GOOD.reshape(60, 4, 4), Y_GOOD, {}, ValueError, "shape"),
    ("X empty", DATA_INITS, X_GOOD[:0], Y_GOOD[:0], {}, ValueError, "0 sample"),
    ("X complex", DATA_INITS, X_GOOD + 1j, Y_GOOD, {}, ValueError, "[Cc]omplex"),
    ("no X", DATA_INITS, None, Y_GOOD, {}, ValueError, "needs the training rows"),
    (
        "y one class",
        ("campaign",),
        X_GOOD,
        np.zeros(60, int),
        {},
        ValueError,
        "only one class",
    ),
    ("y missing", ("campaign",), X_GOOD, None, {}, ValueError, "needs the class"),
    (
        "y continuous",
        ("campaign",),
        X_GOOD,
        Y_GOOD + 0.5,
        {"target": "classes"},  # "auto" takes non-integer floats as a regression
        ValueError,
        "continuous",
    ),
    (
        "y None labels",
        ("campaign",),
        X_GOOD,
        np.array([1, None, 2] * 20, dtype=object),
        {},
        ValueError,
        "contains None",
    ),
    (
        "bias nan",
        ("campaign", "he", "xavier", "orthogonal"),
        X_GOOD,
        Y_GOOD,
        {"bias": np.nan},
        ValueError,
        "'bias' parameter",
    ),
    (
        "bias inf",
        ("campaign", "he", "xavier", "orthogonal"),
        X_GOOD,
        Y_GOOD,
        {"bias": -np.inf},
        ValueError,
        "'bias' parameter",
    ),
    (
        "bias 1e300",
        ("campaign", "he", "xavier", "orthogonal"),
        X_GOOD,
        Y_GOOD,
        {"bias": 1e300},
        ValueError,
        "'bias' parameter",
    ),
    (
        "gain 1e300",
        ("orthogonal",),
        X_GOOD,
        Y_GOOD,
        {"gain": 1e300},
        ValueError,
        "'gain' parameter",
    ),
    (
        "target_std 1e300",
        ("lsuv",),
        X_GOOD,
        Y_GOOD,
        {"target_std": 1e300},
        ValueError,
        "'target_std' parameter",
    ),
    (
        "alpha strings",
        ("campaign",),
        X_GOOD,
        Y_GOOD,
        {"alpha": ["a", "b"]},
        ValueError,
        "alpha must be a float",
    ),
    (
        "device",
        ("campaign",),
        X_GOOD,
        Y_GOOD,
        {"device": "cuda:7"},
        ValueError,
        "device='cuda:7' is not available",
    ),
]


@pytest.mark.parametrize(
    "name, X, y, params, error, match",
    [(name, *case[2:]) for case in INITIALIZER_CASES for name in case[1]],
    ids=[f"{name}-{case[0]}" for case in INITIALIZER_CASES for name in case[1]],
)
def test_initializers_refuse_bad_input_and_keep_the_weights(
    name, X, y, params, error, match
):
    """Check that each bad input raises the given error naming the problem,
    and that the module's weights are exactly as before."""
    net = _module()
    before = [p.detach().clone() for p in net.parameters()]
    with pytest.raises(error, match=match):
        INITIALIZERS[name](**params).initialize(net, X, y)
    for p, b in zip(net.parameters(), before):
        assert torch.equal(p.detach(), b)


# -- the numbered cases of "never silently wrong" ------------------------------


def test_1_large_finite_values_do_not_break_the_campaign():
    """Check case 1: one entry of 1e20 in X (or a bias of 1e30) no longer
    makes the squared responses overflow in float32 ("argmin of an empty
    sequence"): the campaign picks the same number of distinct neurons."""
    X = _set(X_GOOD, 0, 0, 1e20)
    for params in ({}, {"bias": 1e30}):
        net = _module()
        nc = NeuronCampaign(random_state=0, **params).initialize(net, X, Y_GOOD)
        assert [len(set(r["chosen"].tolist())) for r in nc.report_] == [8, 3]
        assert all(torch.isfinite(p).all() for p in net.parameters())


def test_1_values_beyond_float32_name_the_problem_in_every_estimator():
    """Check case 1: a float64 X holding 1e39 (beyond float32) is refused by
    initialize with a message to scale X, instead of every score being 0."""
    net = _module()
    with pytest.raises(ValueError, match="scale or standardize X"):
        NeuronCampaign(random_state=0).initialize(
            net, _set(X_GOOD, 0, 0, 1e39, np.float64), Y_GOOD
        )


@pytest.mark.parametrize(
    "params, X",
    [
        ({"lr": 1e30}, X_GOOD),
        ({"optimizer": "sgd", "lr": 0.1, "initializer": "he"}, X_GOOD * 1e20),
    ],
    ids=["lr 1e30", "sgd on X*1e20"],
)
def test_2_divergence_raises_and_keeps_the_previous_fit(params, X):
    """Check case 2: training that produces non-finite weights raises
    sklearn's error and leaves the previous fit (or nothing) in place."""
    clf = _mlp().fit(X_GOOD, Y_GOOD)
    before = clf.predict_proba(X_GOOD)
    with pytest.raises(ValueError, match="Solver produced non-finite parameter"):
        clf.set_params(**params).fit(X, Y_GOOD)
    np.testing.assert_array_equal(clf.predict_proba(X_GOOD), before)
    fresh = _mlp(**params)
    with pytest.raises(ValueError, match="non-finite"):
        fresh.fit(X, Y_GOOD)
    assert not hasattr(fresh, "net_")


def test_2_divergence_in_partial_fit_rolls_the_epoch_back():
    """Check that a partial_fit epoch that diverges leaves the model, its
    optimizer and its history as they were."""
    clf = _mlp(optimizer="sgd", lr=0.1, initializer="he").fit(X_GOOD, Y_GOOD)
    before, n_epochs = clf.predict_proba(X_GOOD), len(clf.loss_curve_)
    with pytest.raises(ValueError, match="non-finite"):
        clf.partial_fit(X_GOOD * 1e37, Y_GOOD)
    np.testing.assert_array_equal(clf.predict_proba(X_GOOD), before)
    assert len(clf.loss_curve_) == n_epochs
    clf.partial_fit(X_GOOD, Y_GOOD)  # still trains
    assert len(clf.loss_curve_) == n_epochs + 1 and clf.n_iter_ == 1


def test_2_divergence_on_the_epoch_the_stopping_rule_ends_is_refused():
    """Check that an epoch that diverges is refused also when the stopping
    rule ends training on that epoch (before, the rule ended the epoch
    first and no check ran: a fit returned with a loss curve ending in inf,
    and after a plateau every later partial_fit went unchecked)."""
    clf = _mlp(optimizer="sgd", lr=1e-9, tol=1e-4, n_iter_no_change=1)
    clf.partial_fit(X_GOOD, Y_GOOD, classes=[0, 1, 2])
    for _ in range(3):  # a plateau: the rule's counter is past its limit
        clf.partial_fit(X_GOOD, Y_GOOD)
    rule = dict(clf.net_.callbacks_)["stopping_rule"]
    assert rule.no_improvement_count_ > rule.n_iter_no_change
    before = [c.copy() for c in clf.coefs_]
    with pytest.raises(ValueError, match="non-finite"):
        clf.partial_fit(X_GOOD * 1e38, Y_GOOD)  # hidden sums overflow
    for a, b in zip(clf.coefs_, before):
        np.testing.assert_array_equal(a, b)
    # fit: the rule would stop on the epoch that diverges (1 epoch without
    # improvement allowed, every epoch worse than the first).
    fresh = NCMLPRegressor(
        hidden_layer_sizes=(8,), optimizer="sgd", lr=100.0, momentum=0.9,
        n_iter_no_change=1, max_epochs=50, random_state=0,
    )  # fmt: skip
    with pytest.raises(ValueError, match="non-finite"):
        fresh.fit(X_GOOD, X_GOOD[:, 0] * 100)
    assert not hasattr(fresh, "net_")


@pytest.mark.parametrize("kind", ["classifier", "regressor", "transformer"])
def test_outputs_that_overflow_at_predict_time_are_refused(kind):
    """Check that rows far beyond the fitted ones, whose outputs overflow
    float64, are refused with the rows named (before: NaN probabilities,
    class 0 everywhere, NaN predictions, inf features, no error)."""
    X_huge = np.full((3, X_GOOD.shape[1]), 1.7e308)
    X_huge[1] = X_GOOD[1]  # a normal row among them
    if kind == "classifier":
        est = _mlp().fit(X_GOOD, Y_GOOD)
        calls = [est.predict, est.predict_proba]
    elif kind == "regressor":
        est = NCMLPRegressor(hidden_layer_sizes=(8,), max_epochs=2, random_state=0)
        calls = [est.fit(X_GOOD, X_GOOD[:, 0]).predict]
    else:
        est = NCInitTransformer(hidden_layer_sizes=(8,), random_state=0)
        calls = [est.fit(X_GOOD, Y_GOOD).transform]
    for call in calls:
        with pytest.raises(ValueError, match="overflow float64 on 2 of 3 rows"):
            call(X_huge)
        assert np.isfinite(call(X_GOOD[:4])).all()


@pytest.mark.parametrize(
    "fraction, match",
    [
        (0.99, "validation_fraction=0.99 leaves to train on 0 of the 60 rows"),
        (0.01, "validation set is too small .1 row held out"),
    ],
)
def test_validation_fraction_that_cannot_split_is_named(fraction, match):
    """Check that a validation_fraction holding out fewer than 2 rows, or
    leaving none to train on, is refused naming it and what to do, before
    any warning about how the split would have been drawn."""
    clf = _mlp(early_stopping=True, validation_fraction=fraction)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=match):
            clf.fit(X_GOOD, Y_GOOD)


@pytest.mark.parametrize(
    "case, why",
    [
        ("a class of one row", "class 'solo' has 1 row"),
        (
            "fewer validation rows than classes",
            "validation_fraction=0.02 holds out 2 and leaves 59 of the 61",
        ),
    ],
)
def test_early_stopping_split_falls_back_to_plain_where_it_cannot_stratify(case, why):
    """Check that where the early-stopping split cannot be stratified (a
    class of one row; a side with fewer rows than classes) the fit goes on
    with a plain random split and says so, as scikit-learn's MLP splits
    every multiclass y (before: scikit-learn's "The least populated class
    in y has only 1 member", or a refusal, where MLPClassifier fits)."""
    X = np.vstack([X_GOOD, X_GOOD[:1]])
    y = np.concatenate([Y_GOOD.astype(str), ["solo"]])
    fraction = 0.1 if case == "a class of one row" else 0.02
    if case != "a class of one row":
        y[-1] = y[0]
    clf = _mlp(early_stopping=True, validation_fraction=fraction, initializer="he")
    with pytest.warns(UserWarning, match=f"cannot be stratified \\({why}"):
        clf.fit(X, y)
    assert clf.n_iter_ == clf.max_epochs
    valid = clf.net_.train_split.keywords["valid_ds"]
    assert len(valid.y) == math.ceil(fraction * len(y))


def test_lsuv_target_std_beyond_float32_is_named():
    """Check that a target_std whose scaled layers overflow float32 is
    named (before: "scale or standardize X", about a finite, small X), and
    that the module keeps its weights."""
    net = _module()
    before = copy.deepcopy(net.state_dict())
    with pytest.raises(ValueError, match=r"target_std=1e\+38.*lower target_std"):
        LSUVInit(target_std=1e38, random_state=0).initialize(net, X_GOOD, Y_GOOD)
    for key, value in net.state_dict().items():
        assert torch.equal(value, before[key])


class _MarksEpoch2(EpochScoring):
    """A score recorder (its fitted state is rolled back with a failed
    partial_fit) that creates an attribute at epoch 2 only."""

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == 2:
            self.marked_ = True


def test_failed_partial_fit_removes_what_a_recorder_created():
    """Check that the rollback of a failed partial_fit also removes a
    fitted attribute a score recorder created during the failed epoch."""
    marker = _MarksEpoch2(scoring="accuracy", on_train=True, name="acc")
    clf = _mlp(callbacks=[("marker", marker), _FailOnceAt(2)])
    clf.partial_fit(X_GOOD, Y_GOOD, classes=[0, 1, 2])
    with pytest.raises(RuntimeError, match="callback failed"):
        clf.partial_fit(X_GOOD, Y_GOOD)
    assert not hasattr(dict(clf.net_.callbacks_)["marker"], "marked_")


class _CtrlC(Callback):
    """Raise KeyboardInterrupt (as Ctrl-C does) at the third training batch
    of epoch ``epoch`` (skorch's count), once."""

    def __init__(self, epoch):
        self.epoch = epoch

    def initialize(self):
        self.batches_ = 0
        return self

    def on_batch_end(self, net, training=False, **kwargs):
        if training and len(net.history) == self.epoch:
            self.batches_ += 1
            if self.batches_ == 3:
                raise KeyboardInterrupt


def test_ctrl_c_during_an_epoch():
    """Check Ctrl-C in the middle of an epoch, which skorch swallows:
    partial_fit fails as a whole (KeyboardInterrupt, the model as before;
    before, it returned normally with half an epoch applied and a history
    row without a loss); fit keeps the weights where it stopped, as
    scikit-learn's MLP, counts only the finished epochs and says so."""
    X, y = np.tile(X_GOOD, (4, 1)), np.tile(Y_GOOD, 4)  # 240 rows: 5 batches
    clf = _mlp(batch_size=48, callbacks=[_CtrlC(2)])
    clf.partial_fit(X, y, classes=[0, 1, 2])
    before, state = clf.predict_proba(X), clf.t_
    with pytest.raises(KeyboardInterrupt):
        clf.partial_fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    assert (len(clf.history_), clf.t_) == (1, state)
    first = _mlp(batch_size=48, callbacks=[_CtrlC(1)])
    with pytest.raises(KeyboardInterrupt):
        first.partial_fit(X, y, classes=[0, 1, 2])
    assert not hasattr(first, "net_")
    with pytest.warns(ConvergenceWarning, match="interrupted during epoch 2 of"):
        fitted = _mlp(batch_size=48, max_epochs=5, callbacks=[_CtrlC(2)]).fit(X, y)
    assert fitted.n_iter_ == 1 and len(fitted.loss_curve_) == 1
    assert fitted.t_ == 240 + 3 * 48  # the optimizer's rows, as they were


class _FailOnceAt(Callback):
    """Raise once, at the end of epoch ``epoch`` (skorch's count)."""

    def __init__(self, epoch):
        self.epoch = epoch

    def initialize(self):
        self.failed_ = False
        return self

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.epoch and not self.failed_:
            self.failed_ = True
            raise RuntimeError("callback failed")


@pytest.mark.parametrize("failure", ["divergence", "callback"])
def test_failed_partial_fit_leaves_the_next_epochs_as_they_were(failure):
    """Check that after a failed partial_fit the next epochs are bit for bit
    those of a twin that never failed: the batch order's generator and the
    stopping rule's counters are rolled back with the weights (before, the
    generator stayed advanced and the next epoch shuffled otherwise)."""
    callbacks = [_FailOnceAt(2)] if failure == "callback" else None
    params = dict(optimizer="sgd", lr=0.1, initializer="he", tol=1e3)
    twin = _mlp(**params).partial_fit(X_GOOD, Y_GOOD, classes=[0, 1, 2])
    clf = _mlp(callbacks=callbacks, **params)
    clf.partial_fit(X_GOOD, Y_GOOD, classes=[0, 1, 2])
    bad = X_GOOD * 1e37 if failure == "divergence" else X_GOOD
    with pytest.raises((ValueError, RuntimeError), match="non-finite|callback failed"):
        clf.partial_fit(bad, Y_GOOD)
    rule, twin_rule = (dict(c.net_.callbacks_)["stopping_rule"] for c in (clf, twin))
    assert rule.no_improvement_count_ == twin_rule.no_improvement_count_
    for _ in range(2):
        twin.partial_fit(X_GOOD, Y_GOOD)
        clf.partial_fit(X_GOOD, Y_GOOD)
        np.testing.assert_array_equal(clf.loss_curve_, twin.loss_curve_)
        # The loss recorder's best is rolled back too (before, the failed
        # epoch's loss stayed the best, and the same loss again was not).
        assert clf.history_[:, "train_loss_best"] == twin.history_[:, "train_loss_best"]
        for a, b in zip(clf.coefs_, twin.coefs_):
            np.testing.assert_array_equal(a, b)


def test_2_one_class_predictions_warn():
    """Check case 2: finite weights that predict one class for every row
    (SGD at lr 1e3 on the digits) give a ConvergenceWarning, not silence."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    clf = _mlp(hidden_layer_sizes=(24,), optimizer="sgd", lr=1e3, max_epochs=3)
    with pytest.warns(ConvergenceWarning, match="predicts one class"):
        clf.fit(X[:300] / 16, y[:300])
    assert len(np.unique(clf.predict(X[:300] / 16))) == 1


class _InterruptAt(Callback):
    """Raise KeyboardInterrupt at the end of an epoch, as Ctrl-C would."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.epoch:
            raise KeyboardInterrupt


@pytest.mark.parametrize("early_stopping", [False, True])
def test_interruption_returns_a_usable_model_and_says_so(early_stopping):
    """Check that Ctrl-C during training returns a fitted model after the last
    finished epoch, with a ConvergenceWarning naming the epoch (not the
    "max_epochs reached" warning, which would be false)."""
    clf = _mlp(
        max_epochs=50, callbacks=[_InterruptAt(3)], early_stopping=early_stopping
    )
    keeps = "best validation score" if early_stopping else "last finished epoch"
    with pytest.warns(ConvergenceWarning, match="interrupted after 3 of") as caught:
        clf.fit(X_GOOD, Y_GOOD)
    (message,) = [str(w.message) for w in caught if "interrupted" in str(w.message)]
    assert "max_epochs=50" in message and keeps in message
    assert not any("max_epochs=50 reached" in str(w.message) for w in caught)
    assert clf.n_iter_ == 3
    assert np.isfinite(clf.predict_proba(X_GOOD)).all()


def test_interruption_during_initialization_keeps_the_previous_fit():
    """Check that Ctrl-C while the campaign runs (before any training) ends
    fit with the KeyboardInterrupt and leaves the previous fit usable."""
    clf = _mlp().fit(X_GOOD, Y_GOOD)
    before, n_features = clf.predict_proba(X_GOOD), clf.n_features_in_

    def interrupted(n, fan_in, fan_out, generator):
        raise KeyboardInterrupt

    clf.set_params(initializer=NeuronCampaign(base_init=interrupted))
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X_GOOD[:, :5], Y_GOOD)
    np.testing.assert_array_equal(clf.predict_proba(X_GOOD), before)
    assert clf.n_features_in_ == n_features


@pytest.mark.parametrize(
    "params, match",
    [
        ({"lr": 1e300}, "'lr' parameter"),
        ({"weight_decay": 1e300}, "'weight_decay' parameter"),
        ({"lr": np.nan}, "'lr' parameter"),
        ({"optimizer": int}, "optimizer must be 'adam', 'sgd' or a subclass"),
        ({"device": "cuda:7"}, "device='cuda:7' is not available here"),
        ({"device": "nonsense"}, "device='nonsense' is not a torch device"),
        ({"device": "mps"}, "device='mps' is not supported: MPS has no float64"),
        (
            {"callbacks": [("init", InitializeWith("he"))]},
            "an InitializeWith callback would initialize it a second time",
        ),
        ({"callbacks": [1]}, r"callbacks\[0\] must be a skorch Callback .* got int"),
    ],
)
def test_3_parameters_are_named(params, match):
    """Check case 3: out-of-range or unusable parameters are refused at the
    start of fit with their name, not by torch in the middle of training."""
    with pytest.raises(ValueError, match=match):
        _mlp(**params).fit(X_GOOD, Y_GOOD)


def test_4_fits_never_touch_torch_global_random_state(monkeypatch):
    """Check case 4: building, initializing and training never read, seed
    or restore torch's global generator (module construction used to seed
    it inside fork_rng, which a concurrent thread could observe)."""
    calls = []
    real = torch.default_generator

    class Spy:
        def __getattr__(self, name):
            calls.append(name)
            return getattr(real, name)

    monkeypatch.setattr(torch, "default_generator", Spy())
    for module in (torch, torch.random):
        monkeypatch.setattr(module, "set_rng_state", lambda *a: calls.append("set"))
    state = real.get_state()
    _mlp().fit(X_GOOD, Y_GOOD)
    _cnn().fit(X_GOOD, Y_GOOD)
    _transformer().fit(X_GOOD, Y_GOOD)
    assert calls == []
    assert torch.equal(real.get_state(), state)


def test_4_concurrent_fits_leave_another_threads_numbers_alone():
    """Check case 4 end to end: a thread drawing from torch's seeded global
    generator gets the same numbers while two other threads fit."""
    torch.manual_seed(123)
    expected = torch.rand(20_000)
    stop = threading.Event()

    def fit_repeatedly():
        while not stop.is_set():
            _mlp().fit(X_GOOD, Y_GOOD)

    threads = [threading.Thread(target=fit_repeatedly) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        torch.manual_seed(123)
        got = torch.cat([torch.rand(100) for _ in range(200)])
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert torch.equal(got, expected)


def test_6_channels_last_images_get_a_hint():
    """Check case 6: channels-last images (n, 8, 8, 1) say what to do."""
    X = RNG.rand(20, 8, 8, 1).astype(np.float32)
    with pytest.raises(ValueError, match=r"channels-last.*X.transpose\(0, 3, 1, 2\)"):
        NCCNNClassifier(max_epochs=1).fit(X, np.arange(20) % 2)


@pytest.mark.parametrize(
    "y, match",
    [
        (np.array([0.5, 1.5] * 30), "continuous"),
        (np.array([0.0, np.nan] * 30), "NaN"),
        (np.array([1, None] * 30, dtype=object), "None"),
        (np.array([1, "a"] * 30, dtype=object), "mixes strings and numbers"),
    ],
)
def test_6_information_estimators_refuse_labels_that_are_no_classes(y, match):
    """Check case 6: NaN, continuous, None or mixed labels give a clear
    ValueError from the information estimators (they were taken as classes,
    or failed with a TypeError)."""
    from sknc.information import ESTIMATORS as MI_ESTIMATORS

    for name, cls in MI_ESTIMATORS.items():
        with pytest.raises(ValueError, match=match):
            cls().estimate(X_GOOD, y)


def test_a_module_spread_over_devices_is_refused_or_put_back():
    """Check that NeuronCampaign(device=None) and LSUVInit refuse a module
    whose tensors sit on several devices, naming them and what to do,
    before any work (before, the rows went to the first registered
    parameter's device: a model-parallel net failed, or the whole module
    was moved onto one device for good); and that with a device given each
    tensor goes back where it was. The "meta" device stands for a second
    device (it holds no numbers, so the move itself is simulated)."""
    net = _module()
    net.register_buffer("elsewhere", torch.empty(3, device="meta"))
    before = copy.deepcopy(net[0].weight)
    for initializer in (NeuronCampaign(random_state=0), LSUVInit(random_state=0)):
        with pytest.raises(
            ValueError, match=r"on several devices \(\['cpu', 'meta'\]\)"
        ):
            initializer.initialize(net, X_GOOD, Y_GOOD)
    assert torch.equal(net[0].weight, before)
    places = _Placement(net)
    head = net[2].weight
    net.elsewhere = torch.zeros(3)  # as if moved to the scoring device
    places.restore()
    assert net.elsewhere.device.type == "meta"
    assert net[2].weight is head and head.device.type == "cpu"
