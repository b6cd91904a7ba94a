"""NCCNNClassifier: a small convolutional classifier for image arrays."""

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, validate_data

from sknc._base import BaseNCClassifier, with_training_parameters
from sknc._modules import (
    ACTIVATIONS,
    build_cnn,
    check_hidden_layer_sizes,
    check_input_shape,
    cnn_shapes,
)


@with_training_parameters
class NCCNNClassifier(BaseNCClassifier):
    """Convolutional image classifier with a pluggable initializer.

    The sibling of :class:`~sknc.NCMLPClassifier` for images: the same
    training (skorch, a clone of ``initializer`` applied in place before
    the first epoch, ``initializer__<name>`` grid-searchable), around a
    small LeNet-like network. Each conv layer is a ``kernel_size`` x
    ``kernel_size`` convolution (stride 1, zero padding ``conv_padding``),
    the activation and a 2x2 max pooling; then the flattened features go
    through Linear + activation layers of ``hidden_layer_sizes`` and an
    output Linear layer with one logit per class. The defaults give LeNet-5
    on 28x28 MNIST images: 6@28x28, pool 14x14, 16@10x10, pool 5x5,
    400, 120, 84, 10.

    This is a separate estimator rather than a ``module=`` parameter of
    :class:`~sknc.NCMLPClassifier`: the architecture is a set of plain
    hyperparameters that ``clone``, ``set_params`` and ``GridSearchCV``
    handle (``conv_channels`` can be searched like ``initializer__alpha``);
    the estimator knows the image shape, so it validates inputs and tells
    what is wrong with them, and sizes the output layer from ``classes_``.
    A user-given module would have to know the number of classes and the
    image shape before seeing the data.

    Parameters
    ----------
    conv_channels : tuple of int, default=(6, 16)
        Output channels of each conv layer.
    kernel_size : int, default=5
        Side of the square convolution kernels.
    conv_padding : int or tuple of int, default=(2, 0)
        Zero padding of each conv layer (a tuple, one per conv layer) or of
        all of them (an int). Every conv + pool layer must leave images of
        at least 1x1, else ``fit`` raises a ValueError.
    hidden_layer_sizes : tuple of int, default=(120, 84)
        Width of each dense hidden layer after the flattening; ``()``: the
        output layer reads the flattened feature maps.
    activation : {"relu", "tanh", "logistic", "identity", "leaky_relu", \
"elu", "gelu"}, default="relu"
        Activation after every conv and dense hidden layer.
    input_shape : tuple of int or None, default=None
        ``(channels, height, width)`` of one image. Needed for a 2-D ``X``
        of shape (n_samples, channels * height * width), e.g. the output
        of a ``StandardScaler`` in a pipeline, whose rows are reshaped to
        images (in C order); with a 4-D ``X`` it must match
        ``X.shape[1:]`` when given.
    %(training_parameters)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, as given in ``y``.
    input_shape_ : tuple of int
        ``(channels, height, width)`` of the images seen in ``fit``.
    n_features_in_ : int
        ``channels * height * width``: scikit-learn counts the features of
        the flattened images, also when ``X`` is 4-D.
    feature_names_in_ : ndarray of str
        Defined only when ``X`` is a 2-D table with feature names.
    net_ : skorch.NeuralNetClassifier
        The trained skorch net; its ``module_`` holds the conv layers.
    initializer_ : object
        The fitted clone of ``initializer``.
    history_ : skorch.History
        Per-epoch records (losses, callback records).
    %(training_attributes)s
    coefs_ : list of ndarray
        Weight matrices of the Linear layers, ``coefs_[i]`` of shape
        (fan_in, fan_out); the first has ``fan_in`` = the flattened width.
    intercepts_ : list of ndarray
        Biases of the Linear layers.

    See Also
    --------
    NCMLPClassifier : The same training around a multilayer perceptron.

    Notes
    -----
    ``X`` is accepted as (n_samples, channels, height, width), or as
    (n_samples, channels * height * width) with ``input_shape``. Images
    without a channel axis, of shape (n_samples, height, width), are
    refused: pass ``X[:, None]``. Predictions run a float64 copy of the
    network, so a row's prediction does not depend on the other rows.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sknc import NCCNNClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> images = (X / 16).reshape(-1, 1, 8, 8)
    >>> clf = NCCNNClassifier(conv_channels=(4, 8), conv_padding=2,
    ...                       hidden_layer_sizes=(32,), lr=0.01,
    ...                       max_epochs=5, tol=None, random_state=0)
    >>> clf.fit(images, y).score(images, y) > 0.9
    True
    >>> clf.input_shape_, clf.n_features_in_
    ((1, 8, 8), 64)
    >>> [w.shape for w in clf.coefs_]
    [(32, 32), (32, 10)]
    """

    _parameter_constraints: dict = {
        "conv_channels": ["array-like", Interval(Integral, 1, None, closed="left")],
        "kernel_size": [Interval(Integral, 1, None, closed="left")],
        "conv_padding": ["array-like", Interval(Integral, 0, None, closed="left")],
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "input_shape": ["array-like", None],
        **BaseNCClassifier._parameter_constraints,
    }

    def __init__(
        self,
        conv_channels=(6, 16),
        kernel_size=5,
        conv_padding=(2, 0),
        hidden_layer_sizes=(120, 84),
        activation="relu",
        input_shape=None,
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
        self.conv_channels = conv_channels
        self.kernel_size = kernel_size
        self.conv_padding = conv_padding
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.input_shape = input_shape

    def _validate(self, X, y="no_validation", *, reset, dtype):
        """Check ``X`` (and ``y``); return ``X`` as (n, C, H, W) images.

        ``validate_data`` runs on the flattened rows, so ``n_features_in_``
        (and ``feature_names_in_`` for a 2-D table) follow scikit-learn's
        conventions.
        """
        name = type(self).__name__
        ndim = len(X.shape) if hasattr(X, "shape") else np.asarray(X).ndim
        if ndim == 4:
            X = check_array(X, dtype=dtype, allow_nd=True, input_name="X")
            shape = tuple(X.shape[1:])
            if not reset and shape != self.input_shape_:
                raise ValueError(
                    f"X has images of shape {shape}; {name} was fitted on "
                    f"{self.input_shape_}"
                )
            if reset and self.input_shape is not None:
                if check_input_shape(self.input_shape) != shape:
                    raise ValueError(
                        f"X has images of shape {shape} but input_shape="
                        f"{self.input_shape!r}; they must match (or leave "
                        "input_shape=None for a 4-D X)"
                    )
            X = X.reshape(len(X), -1)
        elif ndim == 2:
            if not reset:
                shape = self.input_shape_
            elif self.input_shape is None:
                raise ValueError(
                    f"X has shape {tuple(X.shape)}: {name} takes images of "
                    "shape (n_samples, channels, height, width), or a 2-D X "
                    "with input_shape=(channels, height, width) to reshape "
                    "its rows to"
                )
            else:
                shape = check_input_shape(self.input_shape)
        else:
            hint = ""
            if ndim == 3:
                hint = (
                    "; for single-channel images without a channel axis, "
                    "pass X[:, None]"
                )
            raise ValueError(
                f"X has shape {tuple(np.shape(X))} ({ndim}-D): {name} takes "
                "images of shape (n_samples, channels, height, width), or a "
                "2-D X with input_shape=(channels, height, width)" + hint
            )
        no_y = isinstance(y, str) and y == "no_validation"
        out = validate_data(self, X, y, dtype=dtype, reset=reset)
        X, y = (out, None) if no_y else out
        if X.shape[1] != np.prod(shape):
            # Only a 2-D X in fit: validate_data checks the width in predict.
            raise ValueError(
                f"input_shape={self.input_shape!r} has {int(np.prod(shape))} "
                f"values per image but X has {X.shape[1]} features"
            )
        X = X.reshape(len(X), *shape)
        if reset:
            # As validate_data sets n_features_in_: what later rows must match.
            self.input_shape_ = shape
        return X if no_y else (X, y)

    def _build_module(self, input_shape, n_classes, seed):
        # A warm fit reshapes flat rows with input_shape_: a changed
        # input_shape parameter is a change of architecture.
        if self.input_shape is not None and check_input_shape(
            self.input_shape
        ) != tuple(input_shape):
            raise ValueError(
                f"{type(self).__name__}: input_shape={self.input_shape!r}, but "
                f"the fitted model takes images of shape {tuple(input_shape)}; "
                "fit afresh (warm_start=False) to use the new shape"
            )
        # Checks the architecture (clear errors) before a net is built.
        try:
            shapes, paddings = cnn_shapes(
                input_shape, self.conv_channels, self.kernel_size, self.conv_padding
            )
        except ValueError as exc:
            channels, height, width = input_shape
            if width in (1, 3, 4) and channels > 4 and height > 4:
                raise ValueError(
                    f"{exc}. X has images of shape {input_shape}, which looks "
                    "channels-last (n, height, width, channels); "
                    f"{type(self).__name__} takes (n, channels, height, width): "
                    "pass X.transpose(0, 3, 1, 2)"
                ) from exc
            raise
        return build_cnn(
            input_shape,
            tuple(s[0] for s in shapes[1:]),
            int(self.kernel_size),
            paddings,
            check_hidden_layer_sizes(self.hidden_layer_sizes, allow_empty=True),
            n_classes,
            self.activation,
            seed,
        )
