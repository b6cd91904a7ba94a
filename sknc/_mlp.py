"""NCMLPClassifier and NCMLPRegressor: MLPs whose initializer is a
hyperparameter."""

from numbers import Integral

from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import validate_data

from sknc._base import BaseNCClassifier, BaseNCRegressor, with_training_parameters
from sknc._modules import ACTIVATIONS, build_mlp, check_hidden_layer_sizes

_ARCHITECTURE_CONSTRAINTS = {
    "hidden_layer_sizes": [
        "array-like",
        Interval(Integral, 1, None, closed="left"),
    ],
    "activation": [StrOptions(set(ACTIVATIONS))],
}


class _MLPArchitecture:
    """The MLP's rows and module, shared by the classifier and the regressor."""

    def _validate(self, X, y="no_validation", *, reset, dtype):
        kwargs = {"dtype": dtype, "reset": reset, "accept_sparse": ("csr", "csc")}
        if self._MULTI_OUTPUT_Y and not isinstance(y, str):
            kwargs["multi_output"] = True
        return validate_data(self, X, y, **kwargs)

    def _build_module(self, input_shape, n_outputs, seed):
        sizes = check_hidden_layer_sizes(self.hidden_layer_sizes, allow_empty=True)
        return build_mlp(input_shape[0], sizes, n_outputs, self.activation, seed)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True  # CSR/CSC rows, densified per batch
        return tags


@with_training_parameters
class NCMLPClassifier(_MLPArchitecture, BaseNCClassifier):
    """Multilayer perceptron classifier with a pluggable initializer.

    The network is trained with skorch (PyTorch). ``fit`` builds a
    ``skorch.NeuralNetClassifier`` as ``net_``, applies a clone of
    ``initializer`` to its module in place, then trains it; so the
    initialization, e.g. a :class:`~sknc.NeuronCampaign`, is a
    hyperparameter like any other, and its parameters can be grid-searched
    as ``initializer__<name>``.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(100,)
        Width of each hidden layer; ``()`` builds no hidden layer (a linear
        model, as in scikit-learn).
    activation : {"relu", "tanh", "logistic", "identity", "leaky_relu", \
"elu", "gelu"}, default="relu"
        Activation of the hidden layers.
    %(training_parameters)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, as given in ``y``.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of str
        Defined only when ``X`` has feature names.
    net_ : skorch.NeuralNetClassifier
        The trained skorch net.
    initializer_ : object
        The fitted clone of ``initializer`` (for the campaign, its
        ``report_``).
    history_ : skorch.History
        Per-epoch records (losses, callback records).
    %(training_attributes)s
    coefs_ : list of ndarray
        Weight matrices, ``coefs_[i]`` of shape (fan_in, fan_out).
    intercepts_ : list of ndarray
        Bias vectors, ``intercepts_[i]`` of shape (fan_out,).

    See Also
    --------
    NCCNNClassifier : The same training around a small convolutional network.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sknc import NCMLPClassifier, NeuronCampaign
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = NCMLPClassifier(hidden_layer_sizes=(32,), max_epochs=5, lr=0.01,
    ...                       tol=None, initializer=NeuronCampaign(alpha=0.5),
    ...                       random_state=0).fit(X / 16, y)
    >>> clf.score(X / 16, y) > 0.9
    True
    >>> clf.initializer_.alpha_
    [0.5, 0.5]
    """

    _parameter_constraints: dict = {
        **_ARCHITECTURE_CONSTRAINTS,
        **BaseNCClassifier._parameter_constraints,
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        initializer="campaign",
        max_epochs=100,
        lr=2e-3,
        batch_size="auto",
        optimizer="adam",
        momentum=0.0,
        weight_decay=0.0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        class_weight=None,
        warm_start=False,
        random_state=None,
        device="cpu",
        verbose=0,
        callbacks=None,
    ):
        super().__init__(
            initializer=initializer,
            max_epochs=max_epochs,
            lr=lr,
            batch_size=batch_size,
            optimizer=optimizer,
            momentum=momentum,
            weight_decay=weight_decay,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            class_weight=class_weight,
            warm_start=warm_start,
            random_state=random_state,
            device=device,
            verbose=verbose,
            callbacks=callbacks,
        )
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation


@with_training_parameters
class NCMLPRegressor(_MLPArchitecture, BaseNCRegressor):
    """Multilayer perceptron regressor with a pluggable initializer.

    The regression counterpart of :class:`NCMLPClassifier`: the same
    network, training, defaults and failure behaviour, trained with skorch
    on half the squared error (scikit-learn's ``MLPRegressor`` loss), one
    or several outputs. The campaign scores candidates against the
    real-valued targets (``NeuronCampaign(target="auto")`` becomes the
    regression criterion here, whatever values ``y`` takes; see
    :class:`~sknc.NeuronCampaign`'s ``target``); the output layer is
    linear and initialized by the same campaign, its neurons chosen among
    the candidates whose responses the targets explain best.

    ``y`` is used as given: like scikit-learn's ``MLPRegressor``, the
    estimator does not scale it. Standardize it with
    :class:`~sklearn.compose.TransformedTargetRegressor` (the benchmarks
    do, for both) when its scale is far from 1.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(100,)
        Width of each hidden layer; ``()`` builds no hidden layer (a linear
        model, as in scikit-learn).
    activation : {"relu", "tanh", "logistic", "identity", "leaky_relu", \
"elu", "gelu"}, default="relu"
        Activation of the hidden layers.
    %(training_parameters)s

    Attributes
    ----------
    n_outputs_ : int
        Number of targets.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of str
        Defined only when ``X`` has feature names.
    net_ : skorch.NeuralNetRegressor
        The trained skorch net.
    initializer_ : object
        The fitted clone of ``initializer``.
    history_ : skorch.History
        Per-epoch records (losses, callback records).
    %(training_attributes)s
    coefs_ : list of ndarray
        Weight matrices, ``coefs_[i]`` of shape (fan_in, fan_out).
    intercepts_ : list of ndarray
        Bias vectors, ``intercepts_[i]`` of shape (fan_out,).

    See Also
    --------
    NCMLPClassifier : The same network for classes.

    Examples
    --------
    >>> from sklearn.compose import TransformedTargetRegressor
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sknc import NCMLPRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = TransformedTargetRegressor(
    ...     NCMLPRegressor(random_state=0), transformer=StandardScaler()
    ... ).fit(X[:300], y[:300])
    >>> reg.regressor_.initializer_.target_
    'correlation'
    >>> round(reg.score(X[300:], y[300:]), 2) > 0.3
    True
    """

    _parameter_constraints: dict = {
        **_ARCHITECTURE_CONSTRAINTS,
        **BaseNCRegressor._parameter_constraints,
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        initializer="campaign",
        max_epochs=100,
        lr=2e-3,
        batch_size="auto",
        optimizer="adam",
        momentum=0.0,
        weight_decay=0.0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        warm_start=False,
        random_state=None,
        device="cpu",
        verbose=0,
        callbacks=None,
    ):
        super().__init__(
            initializer=initializer,
            max_epochs=max_epochs,
            lr=lr,
            batch_size=batch_size,
            optimizer=optimizer,
            momentum=momentum,
            weight_decay=weight_decay,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            warm_start=warm_start,
            random_state=random_state,
            device=device,
            verbose=verbose,
            callbacks=callbacks,
        )
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
