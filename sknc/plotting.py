"""Display-style plots: the information plane, mean-field phases and
test-error curves (needs ``sknc[plots]``).

Not imported by :mod:`sknc`; matplotlib is imported only when a plot is
drawn.
"""

from collections import defaultdict

import numpy as np

_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "sknc.plotting needs matplotlib: pip install sknc[plots]"
        ) from exc
    return plt


def _as_records(records):
    """Mean I(X;T), I(T;Y) per (layer_index, epoch), sorted, from any records:
    ``{layer_index: (epochs, i_xt, i_ty)}`` in the order of the layers.

    Accepts a list of mappings or a pandas DataFrame with columns ``epoch``,
    ``i_xt``, ``i_ty`` and ``layer_index`` or ``layer``. Several rows with
    the same layer and epoch (e.g. several runs) are averaged.
    """
    if hasattr(records, "to_dict"):
        records = records.to_dict("records")
    records = list(records)
    if not records:
        raise ValueError("records is empty: nothing to plot")
    missing = {"epoch", "i_xt", "i_ty"} - set(records[0])
    if missing or not ({"layer_index", "layer"} & set(records[0])):
        raise ValueError(
            "records need the keys 'epoch', 'i_xt', 'i_ty' and 'layer_index' "
            f"or 'layer'; got {sorted(records[0])}"
        )
    if "layer_index" in records[0]:
        # The layer's own index: a subset or a reordering of the rows keeps
        # each layer's number (label "layer k" is layer_index k - 1).
        def number(r):
            return int(r["layer_index"])
    else:
        # Names only: numbered in the order they first appear.
        names = list(dict.fromkeys(r["layer"] for r in records))

        def number(r):
            return names.index(r["layer"])

    groups = defaultdict(list)
    for r in records:
        groups[(number(r), int(r["epoch"]))].append(
            (float(r["i_xt"]), float(r["i_ty"]))
        )
    out = {}
    for index in sorted({i for i, _ in groups}):
        epochs = sorted(e for (i, e) in groups if i == index)
        values = np.array([np.mean(groups[(index, e)], axis=0) for e in epochs])
        out[index] = (np.array(epochs), values[:, 0], values[:, 1])
    return out


def _layer_label(index):
    return f"layer {index + 1}"


class InformationPlaneDisplay:
    """Information plane: I(X;T) against I(T;Y), coloured by epoch.

    One marker and one joining line per layer; the colour of a point is its
    epoch (with a colorbar). Build it with :meth:`from_callback` or
    :meth:`from_records`; rows sharing a layer and an epoch (several runs)
    are averaged.

    Parameters
    ----------
    records : list of dict or pandas.DataFrame
        Rows with ``epoch``, ``i_xt``, ``i_ty`` and ``layer_index`` (or
        ``layer``), as in :attr:`InformationPlane.records_
        <sknc.information.InformationPlane>`.

    Attributes
    ----------
    lines_ : list of matplotlib Line2D
        One line per layer, joining its points in epoch order.

    scatters_ : list of matplotlib PathCollection
        One scatter per layer, coloured by epoch.

    colorbar_ : matplotlib Colorbar or None
        The epoch colorbar.

    ax_ : matplotlib Axes
        The axes drawn on.

    figure_ : matplotlib Figure
        The figure holding ``ax_``.

    See Also
    --------
    InformationCurvesDisplay : I(X;T) and I(T;Y) against the epoch.

    Examples
    --------
    >>> from sknc.plotting import InformationPlaneDisplay
    >>> records = [
    ...     {"epoch": e, "layer_index": k, "i_xt": 3.0 - k - 0.1 * e,
    ...      "i_ty": 0.5 + 0.1 * e}
    ...     for e in range(3) for k in range(2)
    ... ]
    >>> disp = InformationPlaneDisplay.from_records(records)
    >>> len(disp.lines_), disp.ax_.get_xlabel()
    (2, 'I(X;T) [bits]')
    >>> import matplotlib.pyplot as plt
    >>> plt.close(disp.figure_)
    """

    def __init__(self, records):
        self.records = records

    @classmethod
    def from_records(
        cls, records, *, ax=None, cmap="viridis", colorbar=True, epoch_scale="symlog"
    ):
        """Plot the information plane of records.

        Parameters
        ----------
        records : list of dict or pandas.DataFrame
            See the class docstring.

        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure if None.

        cmap : str or Colormap, default="viridis"
            Colormap of the epochs.

        colorbar : bool, default=True
            Whether to add an epoch colorbar.

        epoch_scale : {"symlog", "linear"}, default="symlog"
            Colour scale of the epochs: ``"symlog"`` (linear below 1,
            logarithmic above) spreads log-spaced epochs over the colormap.

        Returns
        -------
        display : InformationPlaneDisplay
            The plotted display.
        """
        return cls(records).plot(
            ax=ax, cmap=cmap, colorbar=colorbar, epoch_scale=epoch_scale
        )

    @classmethod
    def from_callback(
        cls, callback, *, ax=None, cmap="viridis", colorbar=True, epoch_scale="symlog"
    ):
        """Plot the information plane recorded by an ``InformationPlane``.

        Parameters
        ----------
        callback : InformationPlane
            A callback that has recorded (``records_``).

        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure if None.

        cmap : str or Colormap, default="viridis"
            Colormap of the epochs.

        colorbar : bool, default=True
            Whether to add an epoch colorbar.

        epoch_scale : {"symlog", "linear"}, default="symlog"
            Colour scale of the epochs: ``"symlog"`` (linear below 1,
            logarithmic above) spreads log-spaced epochs over the colormap.

        Returns
        -------
        display : InformationPlaneDisplay
            The plotted display.
        """
        return cls.from_records(
            _callback_records(callback),
            ax=ax,
            cmap=cmap,
            colorbar=colorbar,
            epoch_scale=epoch_scale,
        )

    @classmethod
    def from_history(
        cls, history, *, ax=None, cmap="viridis", colorbar=True, epoch_scale="symlog"
    ):
        """Plot the information plane an ``InformationPlane`` wrote to a history.

        Parameters
        ----------
        history : skorch.History
            A net's history, e.g. ``net.history`` or ``clf.history_``.

        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure if None.

        cmap : str or Colormap, default="viridis"
            Colormap of the epochs.

        colorbar : bool, default=True
            Whether to add an epoch colorbar.

        epoch_scale : {"symlog", "linear"}, default="symlog"
            Colour scale of the epochs.

        Returns
        -------
        display : InformationPlaneDisplay
            The plotted display.
        """
        return cls.from_records(
            _history_records(history),
            ax=ax,
            cmap=cmap,
            colorbar=colorbar,
            epoch_scale=epoch_scale,
        )

    def plot(self, ax=None, *, cmap="viridis", colorbar=True, epoch_scale="symlog"):
        """Draw the plane.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure if None.

        cmap : str or Colormap, default="viridis"
            Colormap of the epochs.

        colorbar : bool, default=True
            Whether to add an epoch colorbar.

        epoch_scale : {"symlog", "linear"}, default="symlog"
            Colour scale of the epochs: ``"symlog"`` (linear below 1,
            logarithmic above) spreads log-spaced epochs over the colormap.

        Returns
        -------
        display : InformationPlaneDisplay
            ``self``, with ``ax_``, ``figure_``, ``lines_``, ``scatters_``
            and ``colorbar_`` set.
        """
        plt = _pyplot()
        from matplotlib.colors import Normalize, SymLogNorm

        if epoch_scale not in ("symlog", "linear"):
            raise ValueError(
                f"epoch_scale must be 'symlog' or 'linear'; got {epoch_scale!r}"
            )
        data = _as_records(self.records)
        # Checked before a figure exists: an unknown name leaves none open.
        cmap = plt.get_cmap(cmap)
        if ax is None:
            _, ax = plt.subplots()
        all_epochs = np.concatenate([d[0] for d in data.values()])
        vmin, vmax = all_epochs.min(), max(all_epochs.max(), all_epochs.min() + 1)
        if epoch_scale == "symlog":
            norm = SymLogNorm(linthresh=1.0, vmin=vmin, vmax=vmax)
        else:
            norm = Normalize(vmin=vmin, vmax=vmax)
        self.lines_, self.scatters_ = [], []
        for index, (epochs, i_xt, i_ty) in data.items():
            marker = _MARKERS[index % len(_MARKERS)]
            (line,) = ax.plot(
                i_xt,
                i_ty,
                color="0.6",
                linewidth=0.8,
                zorder=1,
                label=_layer_label(index),
            )
            scatter = ax.scatter(
                i_xt,
                i_ty,
                c=epochs,
                cmap=cmap,
                norm=norm,
                marker=marker,
                s=30,
                edgecolors="0.2",
                linewidths=0.3,
                zorder=2,
            )
            self.lines_.append(line)
            self.scatters_.append(scatter)
        ax.set_xlabel("I(X;T) [bits]")
        ax.set_ylabel("I(T;Y) [bits]")
        ax.legend(
            handles=[
                plt.Line2D(
                    [],
                    [],
                    color="0.3",
                    marker=_MARKERS[i % len(_MARKERS)],
                    linewidth=0.8,
                    label=_layer_label(i),
                )
                for i in data
            ],
            loc="lower right",
        )
        self.colorbar_ = (
            ax.figure.colorbar(self.scatters_[0], ax=ax, label="epoch")
            if colorbar
            else None
        )
        self.ax_ = ax
        self.figure_ = ax.figure
        return self


class InformationCurvesDisplay:
    """Per-layer I(X;T) and I(T;Y) against the epoch, on two axes.

    Parameters
    ----------
    records : list of dict or pandas.DataFrame
        Rows with ``epoch``, ``i_xt``, ``i_ty`` and ``layer_index`` (or
        ``layer``); rows sharing a layer and an epoch are averaged.

    Attributes
    ----------
    lines_ : ndarray of matplotlib Line2D of shape (2, n_layers)
        ``lines_[0]`` I(X;T), ``lines_[1]`` I(T;Y), one line per layer.

    axes_ : ndarray of matplotlib Axes of shape (2,)
        The I(X;T) and the I(T;Y) axes.

    figure_ : matplotlib Figure
        The figure holding ``axes_``.

    See Also
    --------
    InformationPlaneDisplay : The two quantities against each other.

    Examples
    --------
    >>> from sknc.plotting import InformationCurvesDisplay
    >>> records = [{"epoch": e, "layer_index": 0, "i_xt": 2.0, "i_ty": 0.1 * e}
    ...            for e in range(4)]
    >>> disp = InformationCurvesDisplay.from_records(records)
    >>> disp.lines_.shape, disp.axes_[1].get_ylabel()
    ((2, 1), 'I(T;Y) [bits]')
    >>> import matplotlib.pyplot as plt
    >>> plt.close(disp.figure_)
    """

    def __init__(self, records):
        self.records = records

    @classmethod
    def from_records(cls, records, *, axes=None, xscale="symlog"):
        """Plot the curves of records.

        Parameters
        ----------
        records : list of dict or pandas.DataFrame
            See the class docstring.

        axes : sequence of two matplotlib Axes, default=None
            Axes for I(X;T) and I(T;Y); a new figure if None.

        xscale : {"symlog", "linear", "log"}, default="symlog"
            Scale of the epoch axis (``"symlog"`` shows epoch 0 and
            log-spaced epochs).

        Returns
        -------
        display : InformationCurvesDisplay
            The plotted display.
        """
        return cls(records).plot(axes=axes, xscale=xscale)

    @classmethod
    def from_callback(cls, callback, *, axes=None, xscale="symlog"):
        """Plot the curves recorded by an ``InformationPlane`` callback.

        Parameters
        ----------
        callback : InformationPlane
            A callback that has recorded (``records_``).

        axes : sequence of two matplotlib Axes, default=None
            Axes for I(X;T) and I(T;Y); a new figure if None.

        xscale : {"symlog", "linear", "log"}, default="symlog"
            Scale of the epoch axis.

        Returns
        -------
        display : InformationCurvesDisplay
            The plotted display.
        """
        return cls.from_records(_callback_records(callback), axes=axes, xscale=xscale)

    @classmethod
    def from_history(cls, history, *, axes=None, xscale="symlog"):
        """Plot the curves an ``InformationPlane`` callback wrote to a history.

        Parameters
        ----------
        history : skorch.History
            A net's history, e.g. ``net.history`` or ``clf.history_``.

        axes : sequence of two matplotlib Axes, default=None
            Axes for I(X;T) and I(T;Y); a new figure if None.

        xscale : {"symlog", "linear", "log"}, default="symlog"
            Scale of the epoch axis.

        Returns
        -------
        display : InformationCurvesDisplay
            The plotted display.
        """
        return cls.from_records(_history_records(history), axes=axes, xscale=xscale)

    def plot(self, axes=None, *, xscale="symlog"):
        """Draw the curves.

        Parameters
        ----------
        axes : sequence of two matplotlib Axes, default=None
            Axes for I(X;T) and I(T;Y); a new figure if None.

        xscale : {"symlog", "linear", "log"}, default="symlog"
            Scale of the epoch axis.

        Returns
        -------
        display : InformationCurvesDisplay
            ``self``, with ``axes_``, ``figure_`` and ``lines_`` set.
        """
        plt = _pyplot()
        if xscale not in ("symlog", "linear", "log"):
            raise ValueError(
                f"xscale must be 'symlog', 'linear' or 'log'; got {xscale!r}"
            )
        data = _as_records(self.records)
        if axes is None:
            _, axes = plt.subplots(1, 2, figsize=(10, 4))
        axes = np.asarray(axes, dtype=object).ravel()
        if axes.size != 2:
            raise ValueError(f"axes must hold 2 Axes; got {axes.size}")
        lines = np.empty((2, len(data)), dtype=object)
        for column, (index, (epochs, i_xt, i_ty)) in enumerate(data.items()):
            marker = _MARKERS[index % len(_MARKERS)]
            for row, values in enumerate((i_xt, i_ty)):
                (lines[row, column],) = axes[row].plot(
                    epochs,
                    values,
                    marker=marker,
                    markersize=3,
                    label=_layer_label(index),
                )
        for ax, name in zip(axes, ("I(X;T) [bits]", "I(T;Y) [bits]")):
            if xscale == "symlog":
                ax.set_xscale("symlog", linthresh=1.0)
            else:
                ax.set_xscale(xscale)
            ax.set_xlabel("epoch")
            ax.set_ylabel(name)
        axes[1].legend(loc="best")
        self.lines_ = lines
        self.axes_ = axes
        self.figure_ = axes[0].figure
        return self


def _seed_rows(label, errors):
    """``errors`` of one label as a (n_seeds, n_epochs + 1) float array, or
    a ValueError naming the label (seeds of different lengths, say)."""
    try:
        rows = np.atleast_2d(np.asarray(errors, dtype=float))
    except ValueError:
        lengths = sorted({len(e) for e in errors})
        raise ValueError(
            f"curves[{label!r}]: every seed needs the same number of epochs; "
            f"got seeds of {lengths} values"
        ) from None
    if rows.ndim != 2:
        raise ValueError(
            f"curves[{label!r}] must be (n_seeds, n_epochs + 1); got shape {rows.shape}"
        )
    if rows.shape[0] == 0 or rows.shape[1] < 2:
        raise ValueError(
            f"curves[{label!r}] needs at least one seed with epoch 0 and one "
            f"epoch after it; got shape {rows.shape}"
        )
    return rows


class ErrorCurvesDisplay:
    """Test error per epoch, mean ± std over seeds, one line per initializer.

    The figure of ``sknc compare``. Epoch 0 (the untrained network) is
    left out: its error is near chance and would flatten the curves.

    Parameters
    ----------
    curves : dict of str to ndarray of shape (n_seeds, n_epochs + 1)
        Per label, the test error (in percent) after epoch 0, 1, ... of
        each seed.
    ylabel : str, default="test error (%)"
        What the curves measure (e.g. ``"test MSE"`` for a regression).

    Attributes
    ----------
    lines_ : list of matplotlib Line2D
        The mean curve of each label, in the order of ``curves``.
    ax_ : matplotlib Axes
        The Axes drawn on.
    figure_ : matplotlib Figure
        The figure of ``ax_``.

    Examples
    --------
    >>> import numpy as np
    >>> from sknc.plotting import ErrorCurvesDisplay
    >>> curves = {"he": np.array([[90.0, 9.0, 6.0], [90.0, 8.0, 5.0]])}
    >>> disp = ErrorCurvesDisplay.from_curves(curves)
    >>> disp.lines_[0].get_ydata().tolist()
    [8.5, 5.5]
    >>> disp.close()
    """

    def __init__(self, curves, *, ylabel="test error (%)"):
        self.curves = curves
        self.ylabel = ylabel

    @classmethod
    def from_curves(cls, curves, *, ylabel="test error (%)", ax=None):
        """Plot ``curves`` and return the display.

        Parameters
        ----------
        curves : dict of str to ndarray of shape (n_seeds, n_epochs + 1)
            Per label, the test error after epoch 0, 1, ... of each seed.
        ylabel : str, default="test error (%)"
            What the curves measure.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure if None.

        Returns
        -------
        display : ErrorCurvesDisplay
        """
        return cls(curves, ylabel=ylabel).plot(ax=ax)

    def plot(self, ax=None):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure if None.

        Returns
        -------
        self : ErrorCurvesDisplay
        """
        # Checked before a figure exists: a bad curve leaves no open figure.
        if not self.curves:
            raise ValueError("curves is empty: nothing to plot")
        curves = {label: _seed_rows(label, e) for label, e in self.curves.items()}
        plt = _pyplot()
        own = ax is None
        if own:
            _, ax = plt.subplots(figsize=(7, 4.5))
        self.lines_ = []
        n_seeds = 0
        for label, errors in curves.items():
            n_seeds = max(n_seeds, len(errors))
            mean = errors.mean(axis=0)
            epochs = np.arange(len(mean))
            (line,) = ax.plot(epochs[1:], mean[1:], label=label)
            if len(errors) > 1:
                std = errors.std(axis=0, ddof=1)
                ax.fill_between(
                    epochs[1:],
                    (mean - std)[1:],
                    (mean + std)[1:],
                    color=line.get_color(),
                    alpha=0.15,
                )
            self.lines_.append(line)
        ax.set_xlabel("epoch")
        ax.set_ylabel(self.ylabel)
        ax.set_yscale("log")
        name = self.ylabel.split(" (")[0]
        ax.set_title(f"{name} per epoch (mean ± std over {n_seeds} seeds)")
        ax.legend()
        if own:  # a figure of the caller's keeps its own layout
            ax.figure.tight_layout()
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    def close(self):
        """Close the figure (frees its memory in scripts that draw many)."""
        _pyplot().close(self.figure_)


class MeanFieldDisplay:
    """Mean-field phases of random networks, and their measured I(X;T).

    Left: the plane of weight variance ``sigma_w2`` and bias variance
    ``sigma_b2``, cut by the edge of chaos (``chi_1 = 1``, from
    :func:`~sknc.information.critical_sigma_w2` on a grid of ``sigma_b2``)
    into the ordered phase (left of the curve) and the chaotic phase
    (right, shaded); the sweep's networks are the points at its
    ``sigma_b2``, filled where chaotic. Right: the KDE estimate of I(X;T)
    of each layer against ``sigma_w2``, with the edge of chaos marked.

    Parameters
    ----------
    sweep : sklearn.utils.Bunch
        The result of :func:`~sknc.information.mean_field_sweep`.

    Attributes
    ----------
    sigma_b2_grid_ : ndarray
        The bias variances of the edge of chaos drawn.
    edge_ : ndarray
        The critical ``sigma_w2`` at each ``sigma_b2`` of the grid.
    axes_ : ndarray of matplotlib Axes
        The two Axes: phase diagram, then I(X;T) against ``sigma_w2``.
    figure_ : matplotlib Figure
        The figure of ``axes_``.

    Examples
    --------
    >>> import numpy as np
    >>> from sknc.information import mean_field_sweep
    >>> from sknc.plotting import MeanFieldDisplay
    >>> X = np.random.RandomState(0).normal(size=(40, 3))
    >>> sweep = mean_field_sweep([0.5, 2.0], 0.05, "tanh", X, depth=2, width=8,
    ...                          random_state=0)
    >>> disp = MeanFieldDisplay.from_sweep(sweep, sigma_b2_grid=[0.0, 0.05])
    >>> disp.edge_.round(3).tolist()
    [1.0, 1.761]
    >>> disp.close()
    """

    def __init__(self, sweep):
        self.sweep = sweep

    @classmethod
    def from_sweep(cls, sweep, *, sigma_b2_grid=None, axes=None):
        """Plot ``sweep`` and return the display.

        Parameters
        ----------
        sweep : sklearn.utils.Bunch
            The result of :func:`~sknc.information.mean_field_sweep`.
        sigma_b2_grid : array-like, default=None
            Bias variances of the edge of chaos; None is 25 values from 0
            to twice the sweep's ``sigma_b2`` (at least 0.1).
        axes : array-like of two matplotlib Axes, default=None
            Where to draw; a new figure if None.

        Returns
        -------
        display : MeanFieldDisplay
        """
        return cls(sweep).plot(sigma_b2_grid=sigma_b2_grid, axes=axes)

    def plot(self, *, sigma_b2_grid=None, axes=None):
        """Draw both panels.

        Parameters
        ----------
        sigma_b2_grid : array-like, default=None
            As in :meth:`from_sweep`.
        axes : array-like of two matplotlib Axes, default=None
            Where to draw; a new figure if None.

        Returns
        -------
        self : MeanFieldDisplay
        """
        from sknc.information import critical_sigma_w2

        plt = _pyplot()
        sweep = self.sweep
        # Checked before a figure exists: a bad grid leaves no open figure.
        if sigma_b2_grid is None:
            sigma_b2_grid = np.linspace(0.0, max(0.1, 2 * sweep.sigma_b2), 25)
        grid = np.asarray(sigma_b2_grid, dtype=float)
        edge = np.array([critical_sigma_w2(b, sweep.activation) for b in grid])
        own = axes is None
        if own:
            _, axes = plt.subplots(1, 2, figsize=(11, 4.2))
        axes = np.asarray(axes, dtype=object).ravel()
        if axes.size != 2:
            raise ValueError(f"axes must hold 2 Axes; got {axes.size}")
        ax = axes[0]
        w_max = max(float(np.max(sweep.sigma_w2)), float(np.max(edge))) * 1.5
        ax.plot(edge, grid, color="k", label="edge of chaos (chi1 = 1)")
        ax.fill_betweenx(grid, edge, w_max, color="C3", alpha=0.12)
        chaotic = sweep.chi1 > 1.0
        ax.scatter(
            sweep.sigma_w2,
            np.full(len(sweep.sigma_w2), sweep.sigma_b2),
            c=np.where(chaotic, "C3", "white"),
            edgecolors="C3",
            zorder=3,
            label="swept networks (filled: chaotic)",
        )
        ax.text(0.03, 0.92, "ordered", transform=ax.transAxes)
        ax.text(0.80, 0.92, "chaotic", transform=ax.transAxes)
        ax.set_xlim(0.0, w_max)
        ax.set_xlabel("sigma_w2")
        ax.set_ylabel("sigma_b2")
        ax.set_title(f"mean-field phases, {sweep.activation}")
        ax.legend(loc="lower right", fontsize="small")
        ax = axes[1]
        for layer in range(sweep.mi_xt.shape[1]):
            ax.plot(
                sweep.sigma_w2,
                sweep.mi_xt[:, layer],
                marker=_MARKERS[layer % len(_MARKERS)],
                label=_layer_label(layer),
            )
        ax.axvline(sweep.critical_sigma_w2, color="k", linestyle="--")
        ax.set_xscale("log", base=2)
        ax.set_xlabel("sigma_w2")
        ax.set_ylabel("I(X;T) [bits], KDE upper bound")
        ax.set_title(f"random networks, sigma_b2 = {sweep.sigma_b2:g}")
        ax.legend(fontsize="small")
        if own:  # a figure of the caller's keeps its own layout
            axes[0].figure.tight_layout()
        self.sigma_b2_grid_ = grid
        self.edge_ = edge
        self.axes_ = axes
        self.figure_ = axes[0].figure
        return self

    def close(self):
        """Close the figure."""
        _pyplot().close(self.figure_)


def _callback_records(callback):
    records = getattr(callback, "records_", None)
    if not records:
        name = type(callback).__name__
        raise ValueError(
            f"{name} has no records_: fit a net with it first. The sknc "
            "estimators train a copy of each callback: plot "
            f"from_history(clf.history_), or the copy dict(clf.net_.callbacks_)"
            f"[{name!r}]"
        )
    return records


def _history_records(history):
    from sknc.information import records_from_history

    records = records_from_history(history)
    if not records and not len(history):
        raise ValueError(
            "the history has no epochs (max_epochs=0?): a measurement before "
            "training is only in the callback's records_ (use from_callback; "
            "for an sknc estimator, the callback dict(clf.net_.callbacks_)"
            "['InformationPlane'])"
        )
    if not records:
        raise ValueError(
            "the history holds no 'info_plane' entries: train with an "
            "InformationPlane callback first"
        )
    return records
