"""Shared code of the sknc classifiers trained with skorch (not public).

:class:`BaseNCClassifier` owns the training: validation, label encoding,
the skorch net, the initializer applied in place on the training rows, the
stopping rule, prediction in float64, and the fitted attributes derived
from the module. :mod:`sknc._mlp` and :mod:`sknc._cnn` only add their
architecture.
"""

import copy
import functools
import math
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import EpochScoring, PassthroughScoring, ProgressBar
from skorch.dataset import Dataset
from skorch.helper import predefined_split

from sknc._initializers import (
    INITIALIZERS,
    InitializerParams,
    for_real_targets,
    resolve_initializer,
    run_initializer,
    with_output_labels,
)
from sknc._modules import linear_weights, predict_float64
from sknc._skorch import (
    EpochLoss,
    NeuralNet,
    NeuralNetRegressor,
    WeightedCrossEntropy,
    WeightedSquaredError,
    batches,
    has_fused_adam,
    softmax,
    weighted_targets,
    weighted_valid_acc,
    weighted_valid_r2,
)
from sknc._stopping import DivergenceCheck, StoppingRule
from sknc._validation import (
    FLOAT32_MAX,
    check_device,
    check_real_targets,
    check_sample_weight,
    draw_seed,
    encode_labels,
    float32_interval,
    input_attrs_kept_on_error,
    user_stacklevel,
    writable,
)
from sknc.callbacks import InitializeWith

OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}


_TRAINING_PARAMETERS = """\
    initializer : str or initializer object, default="campaign"
        ``"campaign"``, ``"he"``, ``"xavier"``, ``"orthogonal"``, ``"lsuv"``
        or an object with an ``initialize(module, X, y)`` method such as
        :class:`~sknc.NeuronCampaign`. It is cloned before use; a name, or
        an object whose ``random_state`` is None, is seeded from this
        estimator's ``random_state``. It is called with the network's module
        and the rows it trains on (without those held out by
        ``early_stopping``): ``X``, and ``y`` as given to ``fit`` for a
        classifier (the labels), as rows x outputs float64 for a regressor.
    max_epochs : int, default=100
        Most passes over the training rows in ``fit`` (sklearn's
        ``max_iter``, 200 there); the stopping rule (``tol``) may end
        training earlier.
    lr : float, default=2e-3
        Learning rate (sklearn's ``learning_rate_init``, 1e-3 there: sknc's
        defaults make half as many epochs, twice as long steps; chosen on
        tabular data, see the tabular benchmark page).
    batch_size : int or "auto", default="auto"
        Rows per gradient step; ``"auto"`` is ``min(200, n_samples)`` as in
        scikit-learn, ``n_samples`` being the rows the net trains on; a
        larger number is clipped to them, with a warning. Each
        ``partial_fit`` call reads it afresh, as scikit-learn does (with
        ``weight_decay``; ``lr`` and ``momentum`` stay those of the first
        call's optimizer, as there).
    optimizer : {"adam", "sgd"} or torch optimizer class, default="adam"
        ``"adam"`` is :class:`torch.optim.Adam` (with its fused kernel where
        torch has one), ``"sgd"`` :class:`torch.optim.SGD`; a class is
        built with ``lr`` and ``weight_decay`` (and ``momentum`` for SGD).
    momentum : float, default=0.0
        Momentum of SGD (ignored by other optimizers).
    weight_decay : float, default=0.0
        L2 penalty in torch's sense: the optimizer adds ``weight_decay * w``
        to the gradient of the batch's mean loss, for weights and biases.
        scikit-learn's ``alpha`` penalizes the weights only and is divided
        by the batch size: ``alpha=1e-4`` at a batch of 200 is about
        ``weight_decay=5e-7``.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows (stratified by class
        for a classifier where every class has 2 rows and each side a row
        per class, else a plain random split, with a warning), watch the
        validation score (accuracy; R^2 for a regressor) instead of the
        training loss (see ``tol``) and keep the weights of the best epoch.
    validation_fraction : float, default=0.1
        Share of the rows held out for early stopping; used only with
        ``early_stopping=True``.
    n_iter_no_change : int, default=10
        Epochs without an improvement of at least ``tol`` tolerated before
        training stops.
    tol : float or None, default=1e-4
        scikit-learn's stopping rule, with its meaning: an absolute
        tolerance. Training stops when for more than ``n_iter_no_change``
        epochs in a row the training loss has not fallen below its best
        value minus ``tol`` (with ``early_stopping``: the validation score,
        accuracy or R^2, has not risen above its best value plus ``tol``). A
        :class:`~sklearn.exceptions.ConvergenceWarning` says when
        ``max_epochs`` ended training first. ``None`` turns the rule off:
        ``fit`` trains for ``max_epochs`` epochs (with ``early_stopping``,
        it still keeps the best epoch's weights).
    warm_start : bool, default=False
        As in scikit-learn: ``fit`` on a fitted estimator continues training
        from its weights (with the current training parameters and a fresh
        optimizer) and does not run the initializer; the architecture and
        the classes (for a regressor, the number of outputs) must be the
        same. ``False`` starts afresh. Unlike scikit-learn, each such ``fit``
        also starts a fresh stopping rule, so it trains until its own rule
        stops it (scikit-learn carries the best loss and the count of
        epochs without improvement over, so that its next warm fit may stop
        after one epoch).
    random_state : int, RandomState instance or None, default=None
        Seeds the initializer (given by name, or as an object whose own
        ``random_state`` is None), the validation split and the batch
        order. The same seed gives the same predictions.
    device : str, default="cpu"
        Torch device, e.g. ``"cuda"`` (not ``"mps"``, which lacks the
        float64 of the campaign's statistics and of predict). On CUDA,
        cuDNN may run float32 convolutions in TF32 (torch's default,
        about 1e-3 relative precision): a CNN's campaign may then pick
        other neurons than on the CPU; set
        ``torch.backends.cudnn.allow_tf32 = False`` for the CPU's picks.
        Training on a GPU is reproducible only as far as cuDNN's kernels
        are deterministic.
    verbose : int, default=0
        0 is silent, 1 prints skorch's table of epochs, 2 adds a progress bar.
    callbacks : list of skorch callbacks or None, default=None
        Extra skorch callbacks (deep-copied in ``fit``; their records land
        in ``history_``)."""


_TRAINING_ATTRIBUTES = """    n_iter_ : int
        Epochs run by the last call to ``fit`` (or ``partial_fit``: 1), as
        in scikit-learn.
    loss_curve_ : list of float
        Training loss of every epoch since the estimator was last fitted
        afresh (through ``warm_start`` fits and ``partial_fit`` calls):
        the mean of the batch losses weighted by the batch sizes, skorch's
        ``history_[:, "train_loss"]``.
    loss_ : float
        The last entry of ``loss_curve_``.
    best_loss_ : float or None
        The lowest of ``loss_curve_``; None when the fit used
        ``early_stopping``, as in scikit-learn.
    validation_scores_ : list of float or None
        Score on the validation rows (accuracy; R^2 for a regressor;
        weighted with ``sample_weight``) at each epoch, when the fit used
        ``early_stopping``; None otherwise. (Set by the fit: changing
        ``early_stopping`` afterwards does not change it.)
    best_validation_score_ : float or None
        The highest of ``validation_scores_``; None when the fit did not
        use ``early_stopping``.
    t_ : int
        Training rows seen by the optimizer (rows times epochs), as
        scikit-learn's ``t_``."""


_CLASS_WEIGHT = """\
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, as in scikit-learn's ``LogisticRegression``:
        a dict ``{label: weight}`` (labels left out weigh 1; labels that
        are not classes of ``y`` are ignored if every class has a weight),
        ``"balanced"`` (``total / (n_classes * class_total)``, totals of
        ``sample_weight``, or of rows without it; computed on the ``y``
        given to ``fit``; not available in ``partial_fit``), or None. They
        multiply ``sample_weight`` row by row and act where it acts: the loss
        and the campaign's statistics."""


def with_training_parameters(cls):
    """Put the shared training parameters and attributes into ``cls``'s
    docstring (with ``class_weight`` for a classifier)."""
    if cls.__doc__:  # None under python -OO
        params = _TRAINING_PARAMETERS
        if issubclass(cls, ClassifierMixin):
            params = params.replace(
                "    warm_start : bool", _CLASS_WEIGHT + "\n    warm_start : bool"
            )
        cls.__doc__ = cls.__doc__.replace(
            "    %(training_parameters)s", params
        ).replace("    %(training_attributes)s", _TRAINING_ATTRIBUTES)
    return cls


class BaseNCNet(InitializerParams, BaseEstimator):
    """Shared code of the sknc estimators trained with skorch (not public).

    A subclass defines its architecture parameters and three hooks:
    ``_validate(X, y, reset, dtype)`` (the rows as the module takes them),
    ``_build_module(input_shape, n_outputs, seed)`` (the torch module,
    built without touching torch's global random state; raises on a bad
    architecture before any training) and, if it has more fitted input
    attributes, ``_finish``. :class:`BaseNCClassifier` and
    :class:`BaseNCRegressor` add the task: targets, loss, scores.
    """

    _parameter_constraints: dict = {
        "initializer": [StrOptions(set(INITIALIZERS)), HasMethods(["initialize"])],
        "max_epochs": [Interval(Integral, 0, None, closed="left")],
        "lr": [float32_interval(0, closed="right")],
        "batch_size": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "optimizer": [StrOptions(set(OPTIMIZERS)), type],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "weight_decay": [float32_interval(0)],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "device": [str, torch.device],
        "verbose": ["verbose"],
        "callbacks": [list, None],
    }

    # Whether validate_data keeps a 2-D y (real-valued targets, checked by
    # the regressor's _task) instead of taking it for class labels.
    _MULTI_OUTPUT_Y = False

    def __init__(
        self,
        *,
        initializer,
        max_epochs,
        lr,
        batch_size,
        optimizer,
        momentum,
        weight_decay,
        early_stopping,
        validation_fraction,
        n_iter_no_change,
        tol,
        warm_start,
        random_state,
        device,
        verbose,
        callbacks,
    ):
        self.initializer = initializer
        self.max_epochs = max_epochs
        self.lr = lr
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.warm_start = warm_start
        self.random_state = random_state
        self.device = device
        self.verbose = verbose
        self.callbacks = callbacks

    # -- hooks ---------------------------------------------------------------

    def _validate(self, X, y="no_validation", *, reset, dtype):
        """Check ``X`` (and ``y``) as ``validate_data`` does; return them with
        ``X`` shaped as the module takes it."""
        raise NotImplementedError

    def _build_module(self, input_shape, n_classes, seed):
        """Return the torch module, its initial draws seeded with ``seed``."""
        raise NotImplementedError

    # -- fitting -----------------------------------------------------------

    def _check_params(self):
        """sklearn's parameter validation, then what it cannot express: an
        optimizer class must be a torch optimizer, the device must exist, and
        no callback may initialize the network again."""
        self._validate_params()
        name = type(self).__name__
        if isinstance(self.optimizer, type) and not issubclass(
            self.optimizer, torch.optim.Optimizer
        ):
            raise ValueError(
                f"{name}: optimizer must be 'adam', 'sgd' or a subclass of "
                f"torch.optim.Optimizer; got {self.optimizer!r}"
            )
        for i, cb in enumerate(self.callbacks or []):
            cb = cb[1] if isinstance(cb, tuple) and len(cb) == 2 else cb
            # skorch takes a callback class, or any object with its methods.
            if not (isinstance(cb, type) or callable(getattr(cb, "initialize", None))):
                raise ValueError(
                    f"{name}: callbacks[{i}] must be a skorch Callback (or a "
                    f"(name, Callback) pair); got {type(cb).__name__}"
                )
            if isinstance(cb, InitializeWith):
                raise ValueError(
                    f"{name} initializes its network with its initializer "
                    "parameter; an InitializeWith callback would initialize it "
                    "a second time. Pass initializer=... instead (InitializeWith "
                    "is for skorch nets of your own)"
                )
        check_device(self.device, name)

    def fit(self, X, y, sample_weight=None):
        """Initialize the network with the initializer, then train it.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            For :class:`~sknc.NCCNNClassifier` also (n_samples, channels,
            height, width), dense.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels (any hashable type, e.g. strings), one per row for
            a classifier (multilabel ``y`` is not supported: wrap the
            classifier in :class:`~sklearn.multioutput.MultiOutputClassifier`),
            or real-valued targets, one or several per row, for
            :class:`~sknc.NCMLPRegressor`.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights. Each batch's loss is the weighted mean
            ``sum(w_i * loss_i) / sum(w_i)`` (scikit-learn's MLP
            normalization: integer weights count as repeated rows of the
            batch, the scale of the weights does not change the step), the
            campaign's statistics are weighted the same way, and the
            validation score of ``early_stopping`` is weighted.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._check_params()
        self._check_target_shape(y)
        warm = self.warm_start and hasattr(self, "net_")
        with input_attrs_kept_on_error(self):
            X, y = self._validate(X, y, reset=not warm, dtype=np.float32)
            X = writable(X)
            task = self._task(X, y, sample_weight, "fit", warm)
            state = self._start(
                X, task, epochs=self.max_epochs, warm_from=self.net_ if warm else None
            )
        self._finish(state)
        self._check_fit(X)
        self._warn_if_cut_short(state["cut"])
        return self

    def _partial_fit(self, X, y, sample_weight, classes=None):
        """One epoch; the first call also builds and initializes the net."""
        if self.early_stopping:
            # As scikit-learn's MLP: there is no held-out set across calls.
            raise ValueError(
                f"{type(self).__name__}.partial_fit does not support "
                "early_stopping=True (as scikit-learn's MLP): it trains on every "
                "row it is given; set early_stopping=False, or use fit"
            )
        first = not hasattr(self, "net_")
        if first:
            self._check_params()
        self._check_target_shape(y)
        with input_attrs_kept_on_error(self):
            X, y = self._validate(X, y, reset=first, dtype=np.float32)
            X = writable(X)
            task = self._task(
                X, y, sample_weight, "partial_fit", warm=not first, classes=classes
            )
            if first:
                state = self._start(X, task, epochs=1)
                if state["cut"]:
                    # Interrupted (Ctrl-C) during its epoch, which skorch
                    # swallows: the call fails, nothing is fitted.
                    raise KeyboardInterrupt
                self._finish(state)
                return self
            # The parameters must still describe the fitted network.
            module = self._build_module(tuple(X.shape[1:]), task["n_outputs"], 0)
            if not _same_network(module, self.net_.module_):
                raise ValueError(
                    f"{type(self).__name__}: partial_fit continues the fitted "
                    "network, and the parameters now describe another one "
                    "(hidden_layer_sizes, activation or the convolutions): "
                    "call fit to start afresh"
                )
        targets = task["y"]
        if task["weights"] is not None:
            targets = weighted_targets(targets, task["weights"])
        saved = _TrainingState(self.net_)
        try:
            # Read afresh at every call, as scikit-learn's MLP reads
            # batch_size and alpha: lr and momentum stay the optimizer's,
            # as there.
            self.net_.batch_size = self._batch_size(X.shape[0])
            for group in self.net_.optimizer_.param_groups:
                group["weight_decay"] = self.weight_decay
            self.net_.partial_fit(X, targets, epochs=1)
            if _epoch_cut(self.net_, saved.n_epochs):
                # Interrupted (Ctrl-C) during the epoch, which skorch
                # swallows: the call fails as a whole.
                raise KeyboardInterrupt
        except BaseException:
            # A failed epoch (divergence, an error in a callback) leaves the
            # model as it was before this call.
            saved.restore(self.net_)
            raise
        self.n_iter_ = len(self.net_.history) - saved.n_epochs
        return self

    def _batch_size(self, n_rows, warn=True):
        """Rows per gradient step on ``n_rows`` training rows: ``"auto"``
        is ``min(200, n_rows)``; a larger number is clipped to ``n_rows``
        (with a warning if ``warn``), as in scikit-learn's MLP."""
        if self.batch_size == "auto":
            return min(200, n_rows)
        if self.batch_size > n_rows:
            if not warn:
                return n_rows
            warnings.warn(
                f"{type(self).__name__}: batch_size={self.batch_size} is larger "
                f"than the {n_rows} training rows; it is clipped to {n_rows}",
                UserWarning,
                stacklevel=user_stacklevel(),
            )
            return n_rows
        return self.batch_size

    def _task(self, X, y, sample_weight, method, warm, classes=None):
        """The targets of a fit, as a dict: ``y`` (what the net trains on),
        ``init_y`` (what the initializer scores), ``weights`` (or None),
        ``stratify`` (for the early-stopping split, or None),
        ``n_outputs`` and ``fitted`` (the task's fitted attributes)."""
        raise NotImplementedError

    def _check_target_shape(self, y):
        """Refuse a shape of ``y`` the task cannot take, before any check
        of ``X`` (the classifier: more than one label per row)."""

    def _check_fit(self, X):
        """Warnings about a finished fit (the classifier: one class)."""

    def _warn_if_cut_short(self, cut=False):
        """ConvergenceWarning when training ended before the stopping rule:
        at max_epochs (with a tol), or interrupted (Ctrl-C, SIGINT), which
        skorch turns into an early return; ``cut``: during an epoch."""
        stopping = dict(self.net_.callbacks_).get("stopping_rule")
        if stopping is not None and stopping.stopped_ is not None and not cut:
            return
        name, epochs = type(self).__name__, self.n_iter_
        if cut:
            # As scikit-learn's MLP: the weights where training stopped.
            message = (
                f"{name}: training was interrupted during epoch {epochs + 1} "
                f"of max_epochs={self.max_epochs}; the model keeps the "
                + (
                    "weights of its best validation score"
                    if self.early_stopping and epochs > 0
                    else "weights where training stopped, part way through "
                    f"that epoch (n_iter_ and loss_curve_ count the {epochs} "
                    "finished epochs)"
                )
            )
        elif epochs < self.max_epochs:
            message = (
                f"{name}: training was interrupted after {epochs} of "
                f"max_epochs={self.max_epochs} epochs; the model keeps the "
                + (
                    "weights of its best validation score"
                    if self.early_stopping
                    else "weights of the last finished epoch"
                )
            )
        elif self.max_epochs > 0 and self.tol is not None:
            message = (
                f"{name}: max_epochs={self.max_epochs} reached before the "
                f"stopping rule was met (tol={self.tol}, n_iter_no_change="
                f"{self.n_iter_no_change}); raise max_epochs or lr, or set "
                f"tol=None to train for max_epochs epochs without this warning"
            )
        else:
            return
        warnings.warn(message, ConvergenceWarning)

    def _start(self, X, task, epochs, warm_from=None):
        """Build, initialize (or, warm, load ``warm_from``'s weights) and
        train a net; touch no attribute of self."""
        rng = check_random_state(self.random_state)
        init_seed, net_seed, split_seed = (draw_seed(rng) for _ in range(3))
        module = self._build_module(tuple(X.shape[1:]), task["n_outputs"], net_seed)
        weights = task["weights"]
        X_train, y_train, init_y, w_train = X, task["y"], task["init_y"], weights
        train_split = None
        if self.early_stopping:
            n_val = self._check_split_sizes(X.shape[0])
            stratify = self._split_stratify(X.shape[0], n_val, task)
            arrays = [X, task["y"], task["init_y"]]
            parts = train_test_split(
                *arrays + ([] if weights is None else [weights]),
                test_size=self.validation_fraction,
                stratify=stratify,
                random_state=split_seed,
            )
            X_train, X_val, y_train, y_val, init_y = parts[:5]
            w_val = None
            if weights is not None:
                w_train, w_val = parts[6:8]
            self._check_split(w_train, w_val)
            valid = y_val if w_val is None else weighted_targets(y_val, w_val)
            train_split = predefined_split(Dataset(X_val, valid))
        batch_size = self._batch_size(X_train.shape[0])
        net = self._make_net(
            module, task["n_outputs"], net_seed, train_split, batch_size
        )
        net.initialize()
        if warm_from is None:
            initializer = self._prepare_initializer(
                resolve_initializer(self.initializer, init_seed), task
            )
            # The campaign sees only the rows the net trains on.
            run_initializer(initializer, net.module_, X_train, init_y, w_train)
        else:
            initializer = self.initializer_
            _load_warm(net, warm_from, type(self).__name__)
        targets = y_train if w_train is None else weighted_targets(y_train, w_train)
        epochs_before = len(net.history)
        # Also for 0 epochs: callbacks see the training begin and end (an
        # InformationPlane measures the initialized net).
        net.partial_fit(X_train, targets, epochs=epochs)
        if self.early_stopping:
            # As sklearn's MLP: keep the weights of the best epoch.
            dict(net.callbacks_)["stopping_rule"].restore_best(net)
        cut = _epoch_cut(net, epochs_before)
        return {
            "net": net,
            "initializer": initializer,
            "fitted": task["fitted"],
            "n_iter": len(net.history) - epochs_before - cut,
            "cut": cut,
        }

    def _split_stratify(self, n_rows, n_val, task):
        """The class codes the early-stopping split of ``n_rows`` rows, of
        which ``n_val`` are held out, is stratified by (the task's
        ``stratify``), or None.

        Stratified where it can be: every class needs 2 rows and each side
        one row per class (scikit-learn's train_test_split holds out
        ``ceil(fraction x rows)``). Else, with a warning, a plain split,
        which is what scikit-learn's MLP does for every multiclass ``y``.
        """
        stratify = task["stratify"]
        if stratify is None:
            return None
        labels, counts = np.unique(stratify, return_counts=True)
        if counts.min() >= 2 and min(n_val, n_rows - n_val) >= len(labels):
            return stratify
        smallest = np.asarray(task["fitted"]["classes_"])[labels[np.argmin(counts)]]
        why = (
            f"class {smallest.tolist()!r} has 1 row"
            if counts.min() < 2
            else f"validation_fraction={self.validation_fraction} holds out "
            f"{n_val} and leaves {n_rows - n_val} of the {n_rows} rows, fewer "
            f"than the {len(labels)} classes on a side"
        )
        warnings.warn(
            f"{type(self).__name__}: the early-stopping split cannot be "
            f"stratified ({why}); it is a plain random split, so the "
            "validation rows may lack classes",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
        return None

    def _check_split_sizes(self, n_rows):
        """Refuse, before splitting (and before choosing how), a
        validation_fraction that holds out fewer than 2 rows (scikit-learn's
        rule; R^2 of one row is undefined) or leaves none to train on, and
        return the rows held out (scikit-learn's train_test_split holds out
        ``ceil(fraction x rows)``)."""
        name = type(self).__name__
        n_val = math.ceil(self.validation_fraction * n_rows)
        if n_val < 2:
            raise ValueError(
                f"{name}: the validation set is too small ({n_val} row held "
                f"out by early_stopping with validation_fraction="
                f"{self.validation_fraction}). Increase 'validation_fraction' "
                "or the size of your dataset"
            )
        if n_rows - n_val < 1:
            raise ValueError(
                f"{name}: early_stopping with "
                f"validation_fraction={self.validation_fraction} leaves to train "
                f"on 0 of the {n_rows} rows: lower validation_fraction, or fit "
                "on more rows"
            )
        return n_val

    def _check_split(self, w_train, w_val):
        """Refuse an early-stopping split whose validation score, or whose
        training, would mean nothing: weights that are all 0 on one side."""
        name = type(self).__name__
        weight = (
            "sample_weight (times class_weight)"
            if hasattr(self, "class_weight")
            else "sample_weight"
        )
        for rows, w, what, fraction in (
            ("held out for validation", w_val, "score", "raise"),
            ("left to train on", w_train, "loss", "lower"),
        ):
            if w is not None and not w.sum() > 0:
                raise ValueError(
                    f"{name}: every row {rows} by early_stopping has {weight} 0, "
                    f"so its {what} is undefined; {fraction} "
                    "validation_fraction, or drop the rows of weight 0 before "
                    "fitting"
                )

    def _prepare_initializer(self, initializer, task):
        """The resolved initializer, told the task where it needs to be."""
        return initializer

    def _make_net(self, module, n_outputs, seed, train_split, batch_size):
        parts = self._net_parts(n_outputs, validation=train_split is not None)
        # The task's scores first: the stopping rule reads them. The
        # divergence check next, before any callback that may end the epoch
        # (the stopping rule ends training by raising KeyboardInterrupt,
        # after which no later callback runs).
        callbacks = list(parts["callbacks"])
        callbacks.append(("divergence_check", DivergenceCheck()))
        callbacks += [copy.deepcopy(cb) for cb in (self.callbacks or [])]
        if self.early_stopping or self.tol is not None:
            callbacks.append(
                (
                    "stopping_rule",
                    StoppingRule(
                        # tol=None with early stopping: watch, never stop.
                        tol=0.0 if self.tol is None else self.tol,
                        n_iter_no_change=(
                            None if self.tol is None else self.n_iter_no_change
                        ),
                        monitor=(
                            self._VALID_NAME if self.early_stopping else "train_loss"
                        ),
                    ),
                )
            )
        if self.verbose >= 2:
            callbacks.append(ProgressBar())
        optimizer = OPTIMIZERS.get(self.optimizer, self.optimizer)
        net_kwargs = {"optimizer__weight_decay": self.weight_decay, **parts["kwargs"]}
        if optimizer is torch.optim.SGD:
            net_kwargs["optimizer__momentum"] = self.momentum
        if optimizer is torch.optim.Adam and has_fused_adam(self.device):
            # One kernel per step instead of a dozen small ops per tensor:
            # 2.7x faster steps for the small nets of tabular data.
            net_kwargs["optimizer__fused"] = True
        net_kwargs["callbacks__train_loss"] = EpochLoss()
        if not self.verbose:
            # skorch's PrintLog formats a table every epoch, printed or not.
            net_kwargs["callbacks__print_log"] = None
        if train_split is None:
            # Nothing to validate: spare its calls at every batch and epoch.
            net_kwargs["callbacks__valid_loss"] = None
        net = parts["net"](
            module=module,
            criterion=parts["criterion"],
            optimizer=optimizer,
            lr=self.lr,
            batch_size=batch_size,
            max_epochs=self.max_epochs,
            train_split=train_split,
            iterator_train=batches,
            iterator_valid=batches,
            iterator_train__shuffle=True,
            iterator_train__generator=torch.Generator().manual_seed(seed),
            iterator_valid__generator=torch.Generator().manual_seed(seed + 1),
            callbacks=callbacks,
            device=self.device,
            verbose=int(self.verbose >= 1),
            torch_load_kwargs={"weights_only": True},
            **net_kwargs,
        )
        # Rows a callback brings (InformationPlane(X=...)) are checked and
        # shaped as predict's are.
        net.check_inputs_ = functools.partial(
            self._validate, reset=False, dtype=np.float32
        )
        return net

    def _net_parts(self, n_outputs, validation):
        """The task's skorch pieces: ``net`` (class), ``criterion``,
        ``kwargs`` for the net, extra ``callbacks``."""
        raise NotImplementedError

    def _finish(self, state):
        """Publish a successful fit: set every fitted attribute at once."""
        self.net_ = state["net"]
        self.initializer_ = state["initializer"]
        self.n_iter_ = state["n_iter"]
        for name, value in state["fitted"].items():
            setattr(self, name, value)

    # -- prediction --------------------------------------------------------

    @property
    def history_(self):
        """skorch history of the training (per epoch and per batch)."""
        check_is_fitted(self, "net_")
        return self.net_.history

    @property
    def coefs_(self):
        """Weights of the Linear layers, ``coefs_[i]`` of shape (fan_in,
        fan_out), read from ``net_.module_`` (a copy)."""
        check_is_fitted(self, "net_")
        return linear_weights(self.net_.module_)[0]

    @property
    def intercepts_(self):
        """Biases of the Linear layers, read from ``net_.module_`` (a copy)."""
        check_is_fitted(self, "net_")
        return linear_weights(self.net_.module_)[1]

    @property
    def loss_curve_(self):
        """Training loss of every epoch (skorch's ``history_[:, "train_loss"]``)."""
        return self._curve("train_loss")

    def _curve(self, key):
        """Column ``key`` of the training record, one number per epoch
        ([] after 0 epochs, where skorch's history has no such column)."""
        check_is_fitted(self, "net_")
        history = self.net_.history
        return [float(v) for v in history[:, key]] if len(history) else []

    @property
    def loss_(self):
        """The training loss of the last epoch."""
        curve = self.loss_curve_
        return curve[-1] if curve else None

    def _validated(self):
        """Whether the fit that built ``net_`` held rows out for
        ``early_stopping`` (its net has them), whatever the parameter now."""
        check_is_fitted(self, "net_")
        return self.net_.train_split is not None

    @property
    def best_loss_(self):
        """The lowest training loss; None when the fit used ``early_stopping``."""
        curve = self.loss_curve_
        return None if self._validated() or not curve else min(curve)

    @property
    def validation_scores_(self):
        """Validation score (accuracy, or R^2 for a regressor) of every epoch
        when the fit used ``early_stopping``, else None."""
        if not self._validated():
            return None
        return self._curve(self._VALID_NAME)

    @property
    def best_validation_score_(self):
        """The highest validation score with ``early_stopping``, else None."""
        scores = self.validation_scores_
        return None if not scores else max(scores)

    @property
    def t_(self):
        """Training rows seen by the optimizer: rows times epochs."""
        check_is_fitted(self, "net_")
        return sum(
            row["train_batch_size"]
            for epoch in self.net_.history
            for row in epoch["batches"]
            if "train_batch_size" in row
        )

    def _predict_float64(self, X):
        """The output layer on ``X`` (float64, a torch tensor)."""
        check_is_fitted(self, "net_")
        X = self._validate(X, reset=False, dtype=np.float64)
        return predict_float64(self.net_.module_, X, self.net_.device)


class BaseNCClassifier(ClassifierMixin, BaseNCNet):
    """Shared code of the sknc classifiers (not public): labels, class
    weights, cross-entropy, the validation accuracy, probabilities."""

    _parameter_constraints: dict = {
        **BaseNCNet._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }
    _VALID_NAME = "valid_acc"

    def __init__(self, *, class_weight, **params):
        super().__init__(**params)
        self.class_weight = class_weight

    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Train for one epoch; the first call also initializes the network.

        Not with ``early_stopping=True`` (a ValueError, as scikit-learn's MLP):
        each call trains on every row it is given.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            For :class:`~sknc.NCCNNClassifier` also (n_samples, channels,
            height, width), dense.
        y : array-like of shape (n_samples,)
            Class labels of the rows, among ``classes``.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights, as in :meth:`fit`.
        classes : array-like of shape (n_classes,), default=None
            All labels that will ever appear; required on the first call.

        Returns
        -------
        self : object
            The estimator.
        """
        if not hasattr(self, "net_") and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit")
        return self._partial_fit(X, y, sample_weight, classes)

    def _task(self, X, y, sample_weight, method, warm, classes=None):
        name = type(self).__name__
        if method == "fit":
            all_classes, codes = encode_labels(y, name)
            if warm and not np.array_equal(all_classes, self.classes_):
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes "
                    f"as in the previous call to fit. Previously got "
                    f"{self.classes_}, `y` has {all_classes}"
                )
        elif not warm:  # the first partial_fit
            all_classes, _ = encode_labels(np.asarray(classes), name)
            codes = _codes(y, all_classes)
        else:
            all_classes = self.classes_
            if classes is not None:
                given, _ = encode_labels(np.asarray(classes), name)
                if not np.array_equal(given, all_classes):
                    # scikit-learn's check and wording.
                    raise ValueError(
                        f"`classes={np.asarray(classes).tolist()!r}` is not the "
                        "same as on last call to partial_fit, was: "
                        f"{all_classes.tolist()!r}"
                    )
            codes = _codes(y, all_classes)
        weights = self._row_weights(X, codes, all_classes, sample_weight, method)
        return {
            "y": codes,
            "init_y": all_classes[codes],
            "weights": weights,
            "stratify": codes,
            "n_outputs": len(all_classes),
            "fitted": {"classes_": all_classes},
        }

    def _row_weights(self, X, codes, classes, sample_weight, method):
        """Row weights of a fit: ``sample_weight`` times the weight of each
        row's class (``class_weight``), or None when neither is given."""
        name = type(self).__name__
        if sample_weight is None and self.class_weight is None:
            return None
        weights = (
            np.ones(len(codes))
            if sample_weight is None
            else check_sample_weight(sample_weight, X, name)
        )
        if self.class_weight is None:
            return weights
        if isinstance(self.class_weight, str):
            if method == "partial_fit":
                raise ValueError(
                    f"{name}: class_weight='balanced' is not supported for "
                    "partial_fit (one batch does not know the class "
                    "frequencies); compute the weights on all of y with "
                    "sklearn.utils.class_weight.compute_class_weight and pass "
                    "them as a dict"
                )
            # Classes counted by their summed sample_weight, as scikit-learn's
            # LogisticRegression and LinearSVC count them; a class whose rows
            # all weigh 0 has nothing to balance (its rows keep weight 0).
            counts = np.bincount(codes, weights=weights, minlength=len(classes))
            present = np.flatnonzero(counts > 0)
            rows = np.isin(codes, present)
            per_class = np.zeros(len(classes))
            per_class[present] = compute_class_weight(
                "balanced", classes=present, y=codes[rows], sample_weight=weights[rows]
            )
        else:
            known = set(classes.tolist())
            unknown = [c for c in self.class_weight if c not in known]
            unweighted = [c for c in classes.tolist() if c not in self.class_weight]
            if unknown and unweighted:
                # scikit-learn's rule: labels that are not classes of y are
                # ignored when every class has a weight (a cross-validation
                # fold without a rare class), else taken for a mistake.
                raise ValueError(
                    f"{name}: class_weight has labels {unknown} that are not "
                    f"classes of y ({classes.tolist()}) and leaves classes "
                    f"{unweighted} out; give a weight to every class of y (other "
                    "labels are then ignored) or correct the labels"
                )
            per_class = np.array(
                [float(self.class_weight.get(c, 1.0)) for c in classes.tolist()]
            )
            if not (np.isfinite(per_class).all() and (per_class >= 0).all()):
                raise ValueError(
                    f"{name}: class_weight must be finite and non-negative; got "
                    f"{self.class_weight}"
                )
        weights = weights * per_class[codes]
        if len(weights) and not weights.sum() > 0:
            raise ValueError(
                f"{name}: sample_weight times class_weight sums to zero: no row "
                "would count"
            )
        return weights

    def _prepare_initializer(self, initializer, task):
        """The campaign told the labels of the output rows (``classes_``), so
        that each class's neuron lands on its row also when the training
        rows lack a class (a first ``partial_fit`` batch, zero weights)."""
        return with_output_labels(initializer, task["fitted"]["classes_"])

    def _net_parts(self, n_outputs, validation):
        # net_.predict_proba gives probabilities, as a NeuralNetClassifier's
        # does (skorch adds the softmax only for its own criteria).
        kwargs = {"classes": np.arange(n_outputs), "predict_nonlinearity": softmax}
        # Without validation rows, spare valid_acc's calls at every epoch.
        kwargs["callbacks__valid_acc"] = weighted_valid_acc() if validation else None
        return {
            "net": NeuralNet,
            "criterion": WeightedCrossEntropy,
            "kwargs": kwargs,
            "callbacks": [],
        }

    def _check_target_shape(self, y):
        try:
            shape = y.shape if hasattr(y, "shape") else np.asarray(y).shape
        except ValueError:
            return  # ragged: the input check says what is wrong with it
        if len(shape) == 2 and shape[1] > 1:
            raise ValueError(
                f"{type(self).__name__} takes one class label per row; y has "
                f"shape {tuple(shape)}. Multilabel and multi-output y are not "
                "supported: wrap the classifier in "
                "sklearn.multioutput.MultiOutputClassifier"
            )

    def _check_fit(self, X):
        self._warn_if_one_class(X)

    def _warn_if_one_class(self, X):
        """ConvergenceWarning when the trained net predicts a single class.

        Judged on at most 5 000 evenly spaced training rows: a net that
        predicts another class on fewer than one row in 5 000 is a
        one-class predictor anyway, and a large X costs no extra pass.
        """
        if self.max_epochs == 0 or len(self.classes_) < 2 or not X.shape[0]:
            return
        if X.shape[0] > 5000:
            X = X[np.linspace(0, X.shape[0] - 1, 5000).astype(np.int64)]
        logits = predict_float64(self.net_.module_, X, self.net_.device)
        predicted = np.unique(logits.argmax(dim=1).numpy())
        if len(predicted) == 1:
            label = self.classes_[predicted[0]]
            label = label.item() if isinstance(label, np.generic) else label
            warnings.warn(
                f"{type(self).__name__} predicts one class, "
                f"{label!r}, for every training row of "
                f"{len(self.classes_)} classes: training did not learn (lr too "
                "large or too small, too few epochs, or unscaled X)",
                ConvergenceWarning,
            )

    def predict_proba(self, X):
        """Return class probabilities (softmax of the output layer).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            For :class:`~sknc.NCCNNClassifier` also (n_samples, channels,
            height, width).

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``.
        """
        return softmax(self._predict_float64(X)).numpy()

    def predict(self, X):
        """Return the most probable class of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            For :class:`~sknc.NCCNNClassifier` also (n_samples, channels,
            height, width).

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        return tags


class BaseNCRegressor(RegressorMixin, BaseNCNet):
    """Shared code of the sknc regressors (not public): real-valued targets
    (one or several outputs), half the squared error as scikit-learn's
    MLPRegressor, the validation R^2, the campaign told the targets are
    real."""

    _VALID_NAME = "valid_r2"
    _MULTI_OUTPUT_Y = True

    def partial_fit(self, X, y, sample_weight=None):
        """Train for one epoch; the first call also initializes the network.

        Not with ``early_stopping=True`` (a ValueError, as scikit-learn's MLP):
        each call trains on every row it is given.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training rows, with the features of the first call.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Real-valued targets, as many outputs as in the first call.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights, as in :meth:`fit`.

        Returns
        -------
        self : object
            The estimator.
        """
        return self._partial_fit(X, y, sample_weight)

    def _check_target_scale(self, Y):
        """Refuse targets whose squared errors overflow float32 training.

        The loss sums a batch's squared errors (all outputs) in float32
        before dividing; at the start the outputs are near 0, so a batch of
        the rows with the largest targets overflows once their summed
        squares pass float32's largest number, and training would fail
        with the divergence message, which blames the input data.
        """
        if not Y.size:
            return
        batch = self._batch_size(len(Y), warn=False)
        with np.errstate(over="ignore"):
            row_sq = np.square(Y).sum(axis=1)
            worst = float(np.sort(row_sq)[-batch:].sum())
        if worst >= FLOAT32_MAX:
            raise ValueError(
                f"{type(self).__name__}: y has values up to "
                f"{float(np.abs(Y).max()):.3g}: a batch of {batch} rows can sum "
                f"squared errors of {worst:.3g}, beyond float32 training "
                f"({FLOAT32_MAX:.3g}); scale y, for instance with "
                "TransformedTargetRegressor(regressor=..., "
                "transformer=StandardScaler())"
            )

    def _task(self, X, y, sample_weight, method, warm, classes=None):
        name = type(self).__name__
        # Targets may be constant, or one row, as in scikit-learn's MLP: the
        # campaign, which needs them to vary, checks that itself.
        Y = check_real_targets(y, name, spread=False)
        self._check_target_scale(Y)
        if warm and Y.shape[1] != self.n_outputs_:
            fresh = (
                "set warm_start=False to start afresh"
                if method == "fit"
                else "fit starts afresh; partial_fit continues the fitted model"
            )
            raise ValueError(
                f"{name}: y has {Y.shape[1]} outputs; the fitted model has "
                f"{self.n_outputs_} ({fresh})"
            )
        weights = (
            None
            if sample_weight is None
            else check_sample_weight(sample_weight, X, name)
        )
        return {
            "y": Y.astype(np.float32),
            "init_y": Y,
            "weights": weights,
            "stratify": None,
            "n_outputs": Y.shape[1],
            "fitted": {"n_outputs_": Y.shape[1]},
        }

    def _prepare_initializer(self, initializer, task):
        return for_real_targets(initializer)

    def _net_parts(self, n_outputs, validation):
        return {
            "net": NeuralNetRegressor,
            "criterion": WeightedSquaredError,
            "kwargs": {"criterion__n_outputs": n_outputs},
            "callbacks": [("valid_r2", weighted_valid_r2())] if validation else [],
        }

    def predict(self, X):
        """Return the predicted targets.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows with the features seen in ``fit``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            1-D when the model has one output.
        """
        out = self._predict_float64(X).numpy()
        return out.ravel() if out.shape[1] == 1 else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


def _epoch_cut(net, epochs_before):
    """Whether the net ran an epoch after its first ``epochs_before`` and
    the last one was cut short (interrupted before its end, so skorch
    never recorded its training loss)."""
    return len(net.history) > epochs_before and "train_loss" not in net.history[-1]


class _TrainingState:
    """What one epoch of ``net.partial_fit`` changes, kept to be put back
    if the epoch fails: the weights, the optimizer's state and settings, the
    history's length, the batch size, the batch-order generator, and the
    counters and best values of the stopping rule and of the loss and score
    recorders (so that the next epoch is the one it would have been without
    the failed call). Other callbacks of the user keep what they changed."""

    #: Callbacks whose fitted attributes (those ending in "_": counters,
    #: best scores, references replaced rather than changed) are put back.
    _KEPT = (StoppingRule, EpochLoss, EpochScoring, PassthroughScoring)

    def __init__(self, net):
        self.module = copy.deepcopy(net.module_.state_dict())
        self.optimizer = copy.deepcopy(net.optimizer_.state_dict())
        self.n_epochs = len(net.history)
        self.batch_size = net.batch_size
        self.generator = net.iterator_train__generator.get_state()
        # Shallow: no copy of a scorer's data or of its scoring function.
        self.callbacks = {
            name: {k: v for k, v in vars(cb).items() if k.endswith("_")}
            for name, cb in net.callbacks_
            if isinstance(cb, self._KEPT)
        }

    def restore(self, net):
        net.module_.load_state_dict(self.module)
        net.optimizer_.load_state_dict(self.optimizer)
        del net.history[self.n_epochs :]
        net.batch_size = self.batch_size
        net.iterator_train__generator.set_state(self.generator)
        callbacks = dict(net.callbacks_)
        for name, fitted in self.callbacks.items():
            state = vars(callbacks[name])
            for key in [k for k in state if k.endswith("_") and k not in fitted]:
                del state[key]
            state.update(fitted)


def _same_network(module, fitted):
    """Whether ``module`` is the network of ``fitted`` (a module): the same
    modules, described alike, so that a change keeping every weight's shape
    (an activation, a padding that keeps the widths) is a change too. The
    one rule of warm fits and later ``partial_fit`` calls."""
    return repr(module) == repr(fitted)


def _load_warm(net, previous, owner):
    """Give a fresh net the weights and the history of ``previous`` (a
    ``warm_start`` fit), or raise when the architecture changed."""
    message = (
        f"{owner}: warm_start needs the architecture of the previous fit; "
        "the network changed (hidden_layer_sizes, activation or the "
        "convolutions): set warm_start=False to start afresh"
    )
    if not _same_network(net.module_, previous.module_):
        raise ValueError(message)
    try:
        net.module_.load_state_dict(previous.module_.state_dict())
    except RuntimeError as exc:
        raise ValueError(message) from exc
    net.history = copy.deepcopy(previous.history)


def _codes(y, classes):
    """Encode ``y`` as indices into the sorted ``classes``, or raise."""
    unknown = np.setdiff1d(y, classes)
    if len(unknown):
        raise ValueError(
            f"y has labels {unknown.tolist()} not in classes {classes.tolist()}"
        )
    return np.searchsorted(classes, y).astype(np.int64)
