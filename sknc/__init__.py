"""sknc: neuron campaign initialization for scikit-learn users."""

from sknc._cnn import NCCNNClassifier
from sknc._initializers import (
    HeInit,
    LSUVInit,
    NeuronCampaign,
    OrthogonalInit,
    XavierInit,
    get_initializer,
)
from sknc._mlp import NCMLPClassifier, NCMLPRegressor
from sknc._transformer import NCInitTransformer

__version__ = "0.1.0.dev0"

__all__ = [
    "HeInit",
    "LSUVInit",
    "NCCNNClassifier",
    "NCInitTransformer",
    "NCMLPClassifier",
    "NCMLPRegressor",
    "NeuronCampaign",
    "OrthogonalInit",
    "XavierInit",
    "get_initializer",
    "__version__",
]
