"""NCInitTransformer: campaign-selected neurons as features."""

from numbers import Integral

import numpy as np
import torch
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from sknc._initializers import NeuronCampaign
from sknc._modules import (
    ACTIVATIONS,
    build_mlp,
    check_hidden_layer_sizes,
    linear_weights,
    predict_float64,
)
from sknc._validation import draw_seed, encode_labels

_CAMPAIGN_PARAMS = (
    "alpha",
    "candidate_ratio",
    "max_candidates",
    "base_init",
    "n_samples",
    "class_balanced",
    "orthogonal",
    "rescale",
    "bias",
    "batch_size",
)


class NCInitTransformer(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
    """Hidden-layer activations of a campaign-initialized MLP, as features.

    ``fit(X, y)`` builds a fresh MLP body (hidden layers only) and
    initializes it with a :class:`~sknc.NeuronCampaign`: no training, only
    the selection of neurons. ``transform(X)`` returns the activations of
    the last hidden layer. A cheap, supervised, random-features-like
    transformer to put before a linear model.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(256,)
        Width of each hidden layer; the output has ``hidden_layer_sizes[-1]``
        features.
    activation : {"relu", "tanh", "logistic", "identity", "leaky_relu", \
"elu", "gelu"}, default="relu"
    alpha : float, sequence of float or "linear", default="linear"
        Weight of the input criterion per hidden layer; ``"linear"`` falls
        from 1.0 at the first to 0.0 at the last hidden layer (0.0 for a
        single hidden layer: the features are chosen to separate classes).
    candidate_ratio : float, default=2.0
    max_candidates : int, default=4096
    base_init : {"he", "xavier", "orthogonal"} or callable, default="he"
    n_samples : int or None, default=2000
    class_balanced : bool, default=True
    orthogonal : bool, default=True
    rescale : {None, "norm", "base", "lsuv"}, default=None
    bias : float, default=0.0
    batch_size : int, default=2048
        See :class:`~sknc.NeuronCampaign` for these campaign parameters.
    random_state : int, RandomState instance or None, default=None
    device : str, default="cpu"

    Attributes
    ----------
    campaign_ : NeuronCampaign
        The fitted campaign, with its per-layer ``report_``.
    module_ : torch.nn.Module
        The initialized MLP body.
    coefs_ : list of ndarray
        ``coefs_[i]`` of shape (fan_in, fan_out), as in ``MLPClassifier``.
    intercepts_ : list of ndarray
    classes_ : ndarray
    n_features_in_ : int
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
        **{p: NeuronCampaign._parameter_constraints[p] for p in _CAMPAIGN_PARAMS},
        "random_state": ["random_state"],
        "device": [str, torch.device],
    }

    def __init__(
        self,
        hidden_layer_sizes=(256,),
        activation="relu",
        *,
        alpha="linear",
        candidate_ratio=2.0,
        max_candidates=4096,
        base_init="he",
        n_samples=2000,
        class_balanced=True,
        orthogonal=True,
        rescale=None,
        bias=0.0,
        batch_size=2048,
        random_state=None,
        device="cpu",
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.alpha = alpha
        self.candidate_ratio = candidate_ratio
        self.max_candidates = max_candidates
        self.base_init = base_init
        self.n_samples = n_samples
        self.class_balanced = class_balanced
        self.orthogonal = orthogonal
        self.rescale = rescale
        self.bias = bias
        self.batch_size = batch_size
        self.random_state = random_state
        self.device = device

    def fit(self, X, y):
        """Build an MLP body and choose its neurons by campaign on ``X, y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self : NCInitTransformer
        """
        self._validate_params()
        X, y = validate_data(self, X, y, dtype=np.float32)
        classes, codes = encode_labels(y, type(self).__name__)
        sizes = check_hidden_layer_sizes(self.hidden_layer_sizes)
        rng = check_random_state(self.random_state)
        module_seed, campaign_seed = draw_seed(rng), draw_seed(rng)
        module = build_mlp(X.shape[1], sizes, None, self.activation, module_seed)
        module.to(self.device)
        campaign = NeuronCampaign(
            **{p: getattr(self, p) for p in _CAMPAIGN_PARAMS},
            random_state=campaign_seed,
        ).initialize(module, X, codes)
        self.module_ = module
        self.campaign_ = campaign
        self.classes_ = classes
        self.coefs_, self.intercepts_ = linear_weights(module)
        self._n_features_out = sizes[-1]
        return self

    def transform(self, X):
        """Return the last hidden layer's activations.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        X_new : ndarray of shape (n_samples, hidden_layer_sizes[-1])
        """
        check_is_fitted(self, "module_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return predict_float64(self.module_, X, self.device).numpy()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags
