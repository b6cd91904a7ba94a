"""skorch callback recording the information plane during training."""

from numbers import Integral

import numpy as np
import torch
from sklearn.utils import check_random_state
from skorch.dataset import unpack_data
from skorch.utils import to_tensor
from torch.utils.data import Dataset

from sknc._skorch import PrivateStateCallback
from sknc._trace import hidden_layers
from sknc._validation import own_generators
from sknc.information._mutual_information import get_estimator


def log_spaced_epochs(max_epochs, n_points):
    """Epoch 0 and up to ``n_points - 1`` log-spaced epochs in [1, max_epochs]."""
    if max_epochs < 1 or n_points < 2:
        return [0]
    grid = np.logspace(0.0, np.log10(max_epochs), n_points - 1)
    return [0, *sorted({int(e) for e in np.rint(grid)})]


def find_layers(module, x, layers=None, include_output=False):
    """Return ``[(name, submodule, call), ...]`` whose outputs are the layers.

    By default the hidden layers, in the order the forward pass calls them
    (the tracer of :mod:`sknc._trace`, shared with the campaign): for every
    ``nn.Linear`` or ``nn.Conv2d`` layer except the last, the activation
    module that consumes its output, or the layer itself if there is none
    the hooks can see (a functional activation). ``call`` says which call
    of the submodule in one forward pass it is (a module such as one
    ``nn.ReLU`` may serve several layers). ``include_output`` adds the last
    layer. ``layers`` names submodules explicitly (as in
    ``module.named_modules()``; their first call).

    Parameters
    ----------
    module : torch.nn.Module
    x : torch.Tensor
        A small batch the module accepts (for the trace).
    layers : list of str, default=None
    include_output : bool, default=False

    Returns
    -------
    layers : list of (str, torch.nn.Module, int)
    """
    named = dict(module.named_modules())
    if layers is not None:
        unknown = [name for name in layers if name not in named]
        if unknown:
            raise ValueError(
                f"layers {unknown} are not submodules of {type(module).__name__}; "
                f"available names are {[n for n in named if n]}"
            )
        return [(name, named[name], 0) for name in layers]
    if not isinstance(x, torch.Tensor):
        raise ValueError(
            f"the hidden layers of {type(module).__name__} are found by tracing a "
            f"tensor input, but the net feeds it {type(x).__name__}; pass the "
            "names of the modules to watch as layers=[...]"
        )
    return hidden_layers(module, x, include_output=include_output)


def records_from_history(history, key="info_plane"):
    """Rebuild the records of an :class:`InformationPlane` from a net's history.

    Useful when the callback object itself is not at hand (e.g. an estimator
    that deep-copies its callbacks): every measured epoch's row holds
    ``key``, and the first row ``key + "_init"`` (epoch 0).

    Parameters
    ----------
    history : skorch.History or list of dict
        The net's history, e.g. ``net.history``.

    key : str, default="info_plane"
        The history key the callback wrote.

    Returns
    -------
    records : list of dict
        One dict per measured epoch and layer with keys ``"epoch"``,
        ``"layer"``, ``"layer_index"``, ``"n_units"`` (where the history
        has it: histories written before it was recorded do not),
        ``"i_xt"`` and ``"i_ty"``: the callback's ``records_``.

    Examples
    --------
    >>> from sknc.information import records_from_history
    >>> history = [{"epoch": 1, "info_plane_init": [
    ...     {"layer": "1", "i_xt": 3.0, "i_ty": 1.0}]}]
    >>> records_from_history(history)[0]["epoch"]
    0
    """
    records = []
    for position, row in enumerate(history):
        measured = []
        if position == 0 and key + "_init" in row:
            measured.append((0, row[key + "_init"]))
        if key in row:
            measured.append((int(row["epoch"]), row[key]))
        for epoch, layers in measured:
            for index, entry in enumerate(layers):
                record = {"epoch": epoch, "layer": entry["layer"]}
                record["layer_index"] = index
                if "n_units" in entry:
                    record["n_units"] = entry["n_units"]
                record.update(i_xt=entry["i_xt"], i_ty=entry["i_ty"])
                records.append(record)
    return records


class InformationPlane(PrivateStateCallback):
    """Record I(X;T) and I(T;Y) of every hidden layer while a skorch net trains.

    At the chosen epochs the net's module is run in eval mode without
    gradients on ``X``; forward hooks collect each hidden layer's
    activations, and ``estimator`` turns them into two numbers in bits.
    Epoch 0 is measured before training: at the first training batch, once
    every callback's ``on_epoch_begin`` has run (so after
    :class:`sknc.callbacks.InitializeWith` has initialized the module), or
    at the end of a fit with no batch (``max_epochs=0``); epoch ``e`` after
    the ``e``-th epoch. The train/eval mode of every submodule is
    restored afterwards.

    Results go to ``records_`` (one dict per epoch and layer) and to the
    net's history: the row of a measured epoch gets ``"info_plane"``, a
    list with one ``{"layer", "i_xt", "i_ty"}`` per layer; the measurement
    before training is stored in the first epoch's row as
    ``"info_plane_init"``. :func:`records_from_history` rebuilds the records
    from a history. With ``max_epochs=0`` there is no epoch row: the
    measurement before training is in ``records_`` only (an sknc
    estimator's copy of the callback: ``dict(clf.net_.callbacks_)
    ["InformationPlane"]``).

    Parameters
    ----------
    epochs : "log", "all" or list of int, default="log"
        When to measure: ``"log"`` is epoch 0 and ``n_points - 1``
        log-spaced epochs up to ``net.max_epochs`` (duplicates merged);
        ``"all"`` is every epoch; or the epochs themselves (0 = before
        training), as a list, tuple or array (not an iterator, which the
        first fit would use up).

    n_points : int, default=20
        Number of measurements for ``epochs="log"``.

    estimator : {"bin", "adaptive", "kde", "kmeans"} or estimator, \
default="bin"
        The estimator (see :func:`~sknc.information.get_estimator`); pass an
        instance to set its parameters, e.g.
        ``BinningEstimator(value_range=(-1, 1))`` for tanh layers.

    X : array-like, default=None
        Inputs to measure on, e.g. held-out rows. If None, the ``X`` passed
        to ``fit`` (in the sknc estimators with ``early_stopping=True``,
        the rows they train on: the validation rows are held out before
        skorch's fit begins). In the sknc estimators ``X`` is checked and
        shaped as ``predict`` checks its input (a DataFrame, float64 values, flat
        rows for an ``input_shape``), except a tensor or a Dataset, taken
        as it is; a skorch net of your own gets it as it is, in a form its
        ``forward`` accepts.

    y : array-like, default=None
        Labels of ``X`` (given only with ``X``). If None: with ``X`` None,
        the ``y`` passed to ``fit`` (in the sknc estimators, the class
        labels also in a fit with ``sample_weight`` or ``class_weight``);
        with ``X`` given, no labels, and I(T;Y) is NaN. I(T;Y) needs
        discrete labels: continuous targets (a regressor's, unless they are
        whole numbers) are refused.

    layers : list of str, default=None
        Names of the submodules (``net.module_.named_modules()``) whose
        outputs are the layers. If None, the hidden layers in the order the
        forward pass calls them: the activation module that follows each
        ``nn.Linear`` or ``nn.Conv2d`` layer except the output layer (see
        ``include_output``), or the layer itself where the activation is a
        function the hooks cannot see or does not follow the layer directly
        (a normalization between them, as in ``Conv2d -> BatchNorm2d ->
        ReLU``: name the activation modules here to measure them).

    include_output : bool, default=False
        With ``layers=None``, also measure the output layer.

    random_state : int, RandomState instance or None, default=None
        Seeds an estimator that draws at random (k-means' starts, KDE's
        row subset) and has no seed of its own: one named by a string, or
        an instance whose ``random_state`` is None. The same seed then
        gives the same records; None leaves such an estimator unseeded.

    Attributes
    ----------
    records_ : list of dict
        One dict per measured epoch and layer with keys ``"epoch"``,
        ``"layer"`` (module name), ``"layer_index"`` (0 = first hidden
        layer), ``"n_units"``, ``"i_xt"`` and ``"i_ty"``.

    epochs_ : set of int or None
        The epochs at which measurements are taken; None with
        ``epochs="all"``.

    estimator_ : estimator
        The estimator used.

    See Also
    --------
    sknc.plotting.InformationPlaneDisplay : Plot the records.

    Examples
    --------
    >>> import numpy as np
    >>> from torch import nn
    >>> from skorch import NeuralNetClassifier
    >>> from sknc.information import InformationPlane
    >>> X = np.random.RandomState(0).normal(size=(40, 3)).astype("float32")
    >>> y = (X[:, 0] > 0).astype("int64")
    >>> module = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    >>> cb = InformationPlane(epochs=[0, 2])
    >>> net = NeuralNetClassifier(module, criterion=nn.CrossEntropyLoss,
    ...                           max_epochs=2, train_split=None, verbose=0,
    ...                           callbacks=[cb]).fit(X, y)
    >>> [(r["epoch"], r["layer"]) for r in cb.records_]
    [(0, '1'), (2, '1')]
    """

    def __init__(
        self,
        epochs="log",
        n_points=20,
        estimator="bin",
        X=None,
        y=None,
        layers=None,
        include_output=False,
        random_state=None,
    ):
        self.epochs = epochs
        self.n_points = n_points
        self.estimator = estimator
        self.X = X
        self.y = y
        self.layers = layers
        self.include_output = include_output
        self.random_state = random_state

    def initialize(self):
        """Reset the records; called by skorch when the net is initialized."""
        self._check_params()
        self.estimator_ = get_estimator(self.estimator)
        if (
            self.random_state is not None
            and "random_state" in self.estimator_.get_params()
            and self.estimator_.random_state is None
        ):
            seed = check_random_state(self.random_state).randint(0, 2**31 - 1)
            self.estimator_.set_params(random_state=int(seed))
        self.records_ = []
        self.epochs_ = None
        self._pending_init = None
        self._start_epoch = None
        self._data = None
        return self

    def _check_params(self):
        if self.y is not None and self.X is None:
            raise ValueError(
                "InformationPlane(y=...) labels the rows of its X, but X is None: "
                "pass X=... too, or leave y=None to measure on the rows and "
                "labels the net is fitted on"
            )
        if not isinstance(self.n_points, Integral) or self.n_points < 2:
            raise ValueError(f"n_points must be an int >= 2; got {self.n_points!r}")
        if isinstance(self.epochs, str):
            if self.epochs not in ("log", "all"):
                raise ValueError(
                    "epochs must be 'log', 'all' or a list of non-negative ints; "
                    f"got {self.epochs!r}"
                )
        else:
            if iter(self.epochs) is self.epochs:
                # An iterator is spent by the first fit: later fits (and
                # this check) would see no epochs.
                raise ValueError(
                    "epochs must be 'log', 'all' or a list of non-negative ints; "
                    f"got an iterator ({type(self.epochs).__name__}): pass a list"
                )
            epochs = list(self.epochs)
            if not all(isinstance(e, Integral) and e >= 0 for e in epochs):
                raise ValueError(
                    "epochs must be 'log', 'all' or a list of non-negative ints; "
                    f"got {self.epochs!r}"
                )

    def _schedule(self, net):
        if isinstance(self.epochs, str):
            if self.epochs == "log":
                return set(log_spaced_epochs(net.max_epochs, self.n_points))
            return None  # "all"
        return {int(e) for e in self.epochs}

    def _due(self, epoch):
        return self.epochs_ is None or epoch in self.epochs_

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        if not hasattr(self, "records_"):
            self.initialize()
        if self.epochs_ is None and not self.records_:
            self.epochs_ = self._schedule(net)
        if self.X is not None:
            X, y = self._own_data(net)
        if isinstance(y, torch.Tensor):
            y = y.detach().cpu().numpy()
        self._data = (X, None if y is None else np.asarray(y))
        epoch = len(net.history)
        measured = {r["epoch"] for r in self.records_}
        # Measured at the first training batch, once every callback's
        # on_epoch_begin has run (sknc.callbacks.InitializeWith initializes
        # the module there): the starting point is the initialized net.
        due = self._due(epoch) and epoch not in measured
        self._start_epoch = epoch if due else None

    def _own_data(self, net):
        """``X`` and ``y`` of the callback: ``X`` as the net's module takes
        it (the sknc estimators check and shape it as ``predict`` does),
        ``y`` with as many rows."""
        X, y = self.X, self.y
        prepare = getattr(net, "module_inputs", None)
        # A tensor or a Dataset is already in the module's form.
        if prepare is not None and not isinstance(X, torch.Tensor | Dataset):
            try:
                X = prepare(X)
            except ValueError as exc:
                raise ValueError(f"InformationPlane's X: {exc}") from exc
        if y is not None:
            n_rows = X.shape[0] if hasattr(X, "shape") else len(X)
            if len(y) != n_rows:
                raise ValueError(
                    f"InformationPlane's y has {len(y)} labels for the "
                    f"{n_rows} rows of its X"
                )
        return X, y

    def on_batch_begin(self, net, batch=None, training=None, **kwargs):
        if training and self._start_epoch is not None:
            self._measure_start(net)

    def on_train_end(self, net, X=None, y=None, **kwargs):
        if self._start_epoch is not None:  # no training batch ran (max_epochs=0)
            self._measure_start(net)
        # The rows are not kept with the fitted net (a pickle would carry a
        # copy of the training data); the next fit call hands them again.
        self._data = None

    def _measure_start(self, net):
        epoch, self._start_epoch = self._start_epoch, None
        rows = self._measure(net, epoch)
        if epoch == 0:
            self._pending_init = rows

    def on_epoch_end(self, net, **kwargs):
        epoch = int(net.history[-1, "epoch"])
        if self._pending_init is not None:
            net.history.record("info_plane_init", self._pending_init)
            self._pending_init = None
        if self._due(epoch):
            net.history.record("info_plane", self._measure(net, epoch))

    def activations(self, net, X):
        """Hidden-layer activations of ``net`` on ``X``.

        Parameters
        ----------
        net : skorch.NeuralNet
            An initialized net.

        X : array-like
            Inputs, in any form ``net.forward`` accepts.

        Returns
        -------
        activations : list of (str, ndarray of shape (n_samples, n_units))
            One pair per layer, in order: the module name and its outputs
            (flattened after the first axis).
        """
        module = net.module_
        modes = [(m, m.training) for m in module.modules()]
        module.eval()
        try:
            with torch.no_grad():
                outputs = self._forward(net, module, X)
        finally:
            for m, flag in modes:
                m.training = flag
        return [(name, T.reshape(T.shape[0], -1).numpy()) for name, T in outputs]

    def _forward(self, net, module, X):
        """Run ``net`` on ``X``; collect the layers' outputs by call."""
        # Its own generators: measuring leaves torch's global state, and a
        # training that draws from it, as they were.
        dataset = net.get_dataset(X)
        iterator = own_generators(net.get_iterator(dataset, training=False))
        targets = None
        wanted, stores, calls, handles = {}, [], {}, []

        def new_forward(mod, args):
            calls.clear()

        def record(mod, args, output):
            k = calls.get(mod, 0)
            calls[mod] = k + 1
            slot = wanted.get((mod, k))
            if slot is not None:
                # A copy: the forward may change the output in place later
                # (a residual ``out += x``).
                stores[slot].append(output.detach().to("cpu", copy=True))

        try:
            for batch in iterator:
                Xi = to_tensor(unpack_data(batch)[0], device=net.device)
                if targets is None:
                    targets = find_layers(
                        module, Xi[:2], self.layers, self.include_output
                    )
                    for slot, (_, mod, k) in enumerate(targets):
                        wanted[(mod, k)] = slot
                        stores.append([])
                    handles.append(module.register_forward_pre_hook(new_forward))
                    handles += [
                        mod.register_forward_hook(record)
                        for mod in {mod for _, mod, _ in targets}
                    ]
                net.infer(Xi)
        finally:
            for handle in handles:
                handle.remove()
        return [
            (name, torch.cat(store)) for (name, _, _), store in zip(targets, stores)
        ]

    def _measure(self, net, epoch):
        X, y = self._data
        if X is None:
            raise ValueError(
                "InformationPlane has no inputs to measure on: pass X=... to the "
                "callback or call fit with X"
            )
        rows = []
        for index, (name, T) in enumerate(self.activations(net, X)):
            i_xt, i_ty = self.estimator_.estimate(T, y)
            self.records_.append(
                {
                    "epoch": epoch,
                    "layer": name,
                    "layer_index": index,
                    "n_units": T.shape[1],
                    "i_xt": i_xt,
                    "i_ty": i_ty,
                }
            )
            rows.append(
                {"layer": name, "n_units": T.shape[1], "i_xt": i_xt, "i_ty": i_ty}
            )
        return rows
