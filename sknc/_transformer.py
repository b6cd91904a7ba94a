"""NCInitTransformer: neurons chosen by an initializer, as features."""

from numbers import Integral

import numpy as np
import torch
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from sknc._activations import ACTIVATIONS
from sknc._initializers import (
    INITIALIZERS,
    InitializerParams,
    NeuronCampaign,
    for_real_targets,
    resolve_initializer,
    resolve_target,
    run_initializer,
)
from sknc._modules import (
    build_mlp,
    check_finite_outputs,
    check_hidden_layer_sizes,
    linear_weights,
)
from sknc._validation import (
    check_device,
    check_real_targets,
    check_sample_weight,
    draw_seed,
    encode_labels,
    input_attrs_kept_on_error,
)


class NCInitTransformer(
    InitializerParams, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
    """Hidden-layer activations of a campaign-initialized MLP, as features.

    ``fit(X, y)`` builds a fresh MLP body (hidden layers only) and
    initializes it with ``initializer``, by default a
    :class:`~sknc.NeuronCampaign`: no training, only the selection of
    neurons. ``transform(X)`` returns the activations of the last hidden
    layer. A cheap, supervised, random-features-like transformer to put
    before a linear model; ``initializer="xavier"`` (or ``HeInit()``) gives
    the plain random features to compare with, and needs no ``y`` (any
    ``y`` a pipeline passes is then ignored, as a scaler ignores it).

    ``y`` may be class labels or, before a regressor, real-valued targets:
    the campaign's ``target`` decides (``"auto"``, the default, takes
    floats that are not all whole numbers as real targets, scored by the
    share of each candidate's variance they explain; see
    :class:`~sknc.NeuronCampaign`).

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(256,)
        Width of each hidden layer; the output has ``hidden_layer_sizes[-1]``
        features.
    activation : {"relu", "tanh", "logistic", "identity", "leaky_relu", \
"elu", "gelu"}, default="relu"
        Activation of the hidden layers, and so of the features.
    initializer : str or initializer object, default="campaign"
        As for :class:`~sknc.NCMLPClassifier`: a name or an object with an
        ``initialize(module, X, y)`` method, cloned before use and seeded
        from ``random_state`` if its own is None. Its parameters are
        ``initializer__<name>`` for grid searches.
    random_state : int, RandomState instance or None, default=None
        Seeds the module and the initializer (see ``initializer``).
    device : str, default="cpu"
        Where the initializer runs; ``transform`` runs in numpy.

    Attributes
    ----------
    initializer_ : object
        The fitted clone of ``initializer`` (for the campaign, its
        per-layer ``report_``).
    module_ : torch.nn.Module
        The initialized MLP body, on the CPU.
    coefs_ : list of ndarray
        ``coefs_[i]`` of shape (fan_in, fan_out), as in ``MLPClassifier``;
        read from ``module_``.
    intercepts_ : list of ndarray
        Bias vectors, ``intercepts_[i]`` of shape (fan_out,).
    classes_ : ndarray
        Class labels seen in ``fit`` (only when ``y`` holds class labels and
        the initializer reads them).
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of str
        Defined only when ``X`` has feature names.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sknc import NCInitTransformer
    >>> X, y = load_digits(return_X_y=True)
    >>> pipe = make_pipeline(NCInitTransformer(hidden_layer_sizes=(64,),
    ...                                        random_state=0),
    ...                      StandardScaler(), LogisticRegression())
    >>> pipe.fit(X / 16, y).score(X / 16, y) > 0.9
    True
    >>> pipe[0].get_feature_names_out()[:2].tolist()
    ['ncinittransformer0', 'ncinittransformer1']
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "initializer": [StrOptions(set(INITIALIZERS)), HasMethods(["initialize"])],
        "random_state": ["random_state"],
        "device": [str, torch.device],
    }

    def __init__(
        self,
        hidden_layer_sizes=(256,),
        activation="relu",
        *,
        initializer="campaign",
        random_state=None,
        device="cpu",
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.initializer = initializer
        self.random_state = random_state
        self.device = device

    def fit(self, X, y=None, sample_weight=None):
        """Build an MLP body and initialize it on ``X, y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows the initializer scores (the campaign: its candidates'
            responses on them).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), \
default=None
            Class labels, or real-valued targets (see above); the campaign
            needs it, He, Xavier, orthogonal and LSUV do not.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights for the initializer (the campaign's
            class statistics; see :meth:`sknc.NeuronCampaign.initialize`).

        Returns
        -------
        self : NCInitTransformer
        """
        self._validate_params()
        name = type(self).__name__
        check_device(self.device, name)
        rng = check_random_state(self.random_state)
        module_seed, init_seed = draw_seed(rng), draw_seed(rng)
        initializer = resolve_initializer(self.initializer, init_seed)
        sparse = ("csr", "csc")
        classes = None
        # An object of another library may read y; sknc's baselines do not,
        # so whatever y a pipeline passes them is not checked.
        uses_y = getattr(initializer, "_uses_y", True)
        with input_attrs_kept_on_error(self):
            if y is None or not uses_y:
                if isinstance(initializer, NeuronCampaign):  # y is None here
                    # scikit-learn's wording, which its checks look for.
                    raise ValueError(
                        f"{name} requires y to be passed, but the target y is "
                        "None: the campaign scores candidates on y (or pass "
                        "initializer='xavier' for random features without y)"
                    )
                X = validate_data(self, X, dtype=np.float32, accept_sparse=sparse)
                targets = None
            elif _real_targets(initializer, y):
                X, y = validate_data(
                    self, X, y, dtype=np.float32, accept_sparse=sparse,
                    multi_output=True, y_numeric=True,
                )  # fmt: skip
                targets = check_real_targets(y, name, spread=False)
                targets = targets[:, 0] if np.ndim(y) == 1 else targets
                for_real_targets(initializer)
            else:
                X, y = validate_data(self, X, y, dtype=np.float32, accept_sparse=sparse)
                classes, codes = encode_labels(y, name)
                # The labels as given: an error names a class by its label.
                targets = classes[codes]
            if sample_weight is not None:
                sample_weight = check_sample_weight(sample_weight, X, name)
            sizes = check_hidden_layer_sizes(self.hidden_layer_sizes)
            module = build_mlp(X.shape[1], sizes, None, self.activation, module_seed)
            run_initializer(
                initializer, module.to(self.device), X, targets, sample_weight
            )
        self.module_ = module.cpu()
        self.initializer_ = initializer
        if classes is None:
            vars(self).pop("classes_", None)
        else:
            self.classes_ = classes
        self._n_features_out = sizes[-1]
        return self

    @property
    def coefs_(self):
        """Weights of the hidden layers, read from ``module_``."""
        check_is_fitted(self, "module_")
        return linear_weights(self.module_)[0]

    @property
    def intercepts_(self):
        """Biases of the hidden layers, read from ``module_``."""
        check_is_fitted(self, "module_")
        return linear_weights(self.module_)[1]

    def transform(self, X):
        """Return the last hidden layer's activations (float64, in numpy).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows with the features seen in ``fit``.

        Returns
        -------
        X_new : ndarray of shape (n_samples, hidden_layer_sizes[-1])
        """
        check_is_fitted(self, "module_")
        X = validate_data(
            self, X, dtype=np.float64, reset=False, accept_sparse=("csr", "csc")
        )
        # The fitted network's activation, whatever the parameter is now.
        phi = ACTIVATIONS[self.module_.activation].phi
        for W, b in zip(*linear_weights(self.module_)):
            # A sparse X: the first product is sparse x dense, dense after.
            X = phi(np.asarray(X @ W.astype(np.float64)) + b.astype(np.float64))
        check_finite_outputs(X)
        return X

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.sparse = True
        return tags


def _real_targets(initializer, y):
    """Whether ``initializer`` takes ``y`` as real-valued targets: the
    campaign's ``target`` (``"auto"``: floats that are not all whole
    numbers), the same rule for an initializer without one."""
    params = initializer.get_params() if hasattr(initializer, "get_params") else {}
    return resolve_target(params.get("target", "auto"), y) != "classes"
