"""Tests of the information-plane displays in sknc.plotting."""

import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

from sknc.plotting import InformationCurvesDisplay, InformationPlaneDisplay


def _records(n_layers=3, epochs=(0, 1, 3, 10), runs=(0,)):
    return [
        {
            "run": run,
            "epoch": e,
            "layer": str(2 * k + 1),
            "layer_index": k,
            "i_xt": 5.0 - k - 0.1 * e + run,
            "i_ty": 0.2 + 0.05 * e + 0.1 * run,
        }
        for run in runs
        for e in epochs
        for k in range(n_layers)
    ]


def test_information_plane_display_draws_one_line_per_layer(pyplot):
    """Check one line and one scatter per layer, axis labels and a colorbar."""
    disp = InformationPlaneDisplay.from_records(_records(n_layers=3))
    assert len(disp.lines_) == len(disp.scatters_) == 3
    assert disp.ax_.get_xlabel() == "I(X;T) [bits]"
    assert disp.ax_.get_ylabel() == "I(T;Y) [bits]"
    assert disp.colorbar_.ax.get_ylabel() == "epoch"
    assert disp.figure_ is disp.ax_.figure
    x, y = disp.lines_[1].get_data()
    np.testing.assert_allclose(x, [4.0, 3.9, 3.7, 3.0])
    np.testing.assert_allclose(y, [0.2, 0.25, 0.35, 0.7])
    np.testing.assert_allclose(disp.scatters_[0].get_array(), [0, 1, 3, 10])
    labels = [t.get_text() for t in disp.ax_.get_legend().get_texts()]
    assert labels == ["layer 1", "layer 2", "layer 3"]


def test_information_plane_display_uses_given_axes_and_averages_runs(pyplot):
    """Check that a given ax is drawn on and rows of several runs are averaged."""
    _, ax = pyplot.subplots()
    disp = InformationPlaneDisplay.from_records(
        _records(n_layers=2, runs=(0, 1)), ax=ax, colorbar=False, epoch_scale="linear"
    )
    assert disp.ax_ is ax and disp.colorbar_ is None
    assert len(disp.lines_) == 2
    x, _ = disp.lines_[0].get_data()
    np.testing.assert_allclose(x, [5.5, 5.4, 5.2, 4.5])


def test_information_curves_display_draws_both_quantities(pyplot):
    """Check two axes (I(X;T), I(T;Y) vs epoch) with one line per layer each."""
    disp = InformationCurvesDisplay.from_records(_records(n_layers=4))
    assert disp.lines_.shape == (2, 4)
    assert [ax.get_ylabel() for ax in disp.axes_] == ["I(X;T) [bits]", "I(T;Y) [bits]"]
    assert all(ax.get_xlabel() == "epoch" for ax in disp.axes_)
    assert disp.axes_[0].get_xscale() == "symlog"
    epochs, values = disp.lines_[1, 2].get_data()
    np.testing.assert_allclose(epochs, [0, 1, 3, 10])
    np.testing.assert_allclose(values, [0.2, 0.25, 0.35, 0.7])


def test_displays_from_callback_and_history(pyplot):
    """Check building from a callback's records_ and from a history."""
    records = _records(n_layers=2, epochs=(0, 2))
    cb = SimpleNamespace(records_=records)
    assert len(InformationPlaneDisplay.from_callback(cb).lines_) == 2
    assert InformationCurvesDisplay.from_callback(cb).lines_.shape == (2, 2)
    rows = [
        {"layer": r["layer"], "i_xt": r["i_xt"], "i_ty": r["i_ty"]} for r in records
    ]
    history = [
        {"epoch": 1, "info_plane_init": rows[:2]},
        {"epoch": 2, "info_plane": rows[2:]},
    ]
    disp = InformationPlaneDisplay.from_history(history)
    np.testing.assert_allclose(disp.lines_[0].get_data()[0], [5.0, 4.8])
    assert InformationCurvesDisplay.from_history(history).lines_.shape == (2, 2)


@pytest.mark.parametrize(
    "build, match",
    [
        (lambda: InformationPlaneDisplay.from_records([]), "records is empty"),
        (
            lambda: InformationPlaneDisplay.from_records([{"epoch": 0, "i_xt": 1}]),
            "records need the keys",
        ),
        (
            lambda: InformationPlaneDisplay.from_callback(SimpleNamespace()),
            "has no records_",
        ),
        (
            lambda: InformationCurvesDisplay.from_history([{"epoch": 1}]),
            "no 'info_plane' entries",
        ),
        (
            lambda: InformationPlaneDisplay.from_history([]),
            r"no epochs \(max_epochs=0\?\).*callback's records_",
        ),
        (
            lambda: InformationCurvesDisplay.from_records(_records(), xscale="x"),
            "xscale must be",
        ),
        (
            lambda: InformationPlaneDisplay.from_records(_records(), epoch_scale="x"),
            "epoch_scale must be",
        ),
    ],
)
def test_displays_reject_bad_input(pyplot, build, match):
    """Check that empty or malformed records raise a ValueError saying why."""
    with pytest.raises(ValueError, match=match):
        build()


def test_plotting_without_matplotlib_names_the_extra(monkeypatch):
    """Check that a missing matplotlib raises ImportError naming sknc[plots]."""
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install sknc\[plots\]"):
        InformationPlaneDisplay.from_records(_records())


def test_information_package_does_not_import_matplotlib():
    """Check that importing sknc and sknc.information leaves matplotlib unloaded."""
    code = (
        "import sys, sknc, sknc.information; "
        "print(any(m.startswith('matplotlib') for m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_error_curves_display_mean_and_band(pyplot):
    """Check that ErrorCurvesDisplay draws one line per label, the mean over
    seeds from epoch 1 on, and a band of one standard deviation."""
    from sknc.plotting import ErrorCurvesDisplay

    curves = {
        "he": np.array([[90.0, 10.0, 6.0], [90.0, 6.0, 4.0]]),
        "campaign": np.array([[90.0, 5.0, 3.0], [90.0, 5.0, 3.0]]),
    }
    disp = ErrorCurvesDisplay.from_curves(curves)
    assert [line.get_label() for line in disp.lines_] == ["he", "campaign"]
    np.testing.assert_allclose(disp.lines_[0].get_xdata(), [1, 2])
    np.testing.assert_allclose(disp.lines_[0].get_ydata(), [8.0, 5.0])
    band = disp.ax_.collections[0].get_paths()[0].vertices[:, 1]
    # mean +- std (ddof=1): 8 +- 2.83 and 5 +- 1.41
    np.testing.assert_allclose(
        [band.min(), band.max()], [5 - np.sqrt(2), 8 + np.sqrt(8)], rtol=1e-12
    )
    assert disp.ax_.get_yscale() == "log"


@pytest.mark.parametrize(
    "errors, match",
    [
        ([[5.0, 4.0, 3.0], [5.0, 4.0]], r"curves\['he'\]: every seed .* \[2, 3\]"),
        (np.ones((2, 3, 1)), r"curves\['he'\] must be .* \(2, 3, 1\)"),
        (np.empty((2, 0)), r"curves\['he'\] needs at least one seed .* \(2, 0\)"),
        (np.empty((0, 3)), r"curves\['he'\] needs at least one seed .* \(0, 3\)"),
    ],
)
def test_error_curves_display_refuses_ragged_seeds(pyplot, errors, match):
    """Check that seeds of different lengths (or a 3-D array) get an error
    naming the label, and no figure is left open."""
    from sknc.plotting import ErrorCurvesDisplay

    before = pyplot.get_fignums()
    with pytest.raises(ValueError, match=match):
        ErrorCurvesDisplay.from_curves({"he": errors})
    assert pyplot.get_fignums() == before


def test_mean_field_display_phases_and_edge(pyplot):
    """Check MeanFieldDisplay: the edge of chaos curve is critical_sigma_w2
    on the grid, swept points are filled exactly where chi_1 > 1, and the
    right panel has one line per layer and the edge marked."""
    from sknc.information import critical_sigma_w2, mean_field_sweep
    from sknc.plotting import MeanFieldDisplay

    X = np.random.RandomState(0).normal(size=(30, 3))
    sweep = mean_field_sweep(
        [0.5, 1.5, 2.5], 0.05, "tanh", X, depth=3, width=6, random_state=0
    )
    grid = [0.0, 0.05, 0.1]
    disp = MeanFieldDisplay.from_sweep(sweep, sigma_b2_grid=grid)
    np.testing.assert_allclose(
        disp.edge_, [critical_sigma_w2(b, "tanh") for b in grid], rtol=0
    )
    faces = disp.axes_[0].collections[-1].get_facecolors()
    filled = faces[:, :3].sum(axis=1) < 3.0  # white is (1, 1, 1)
    np.testing.assert_array_equal(filled, sweep.chi1 > 1.0)
    assert len(disp.axes_[1].get_lines()) == 3 + 1  # layers + the edge
    edge_line = disp.axes_[1].get_lines()[-1]
    assert edge_line.get_xdata()[0] == sweep.critical_sigma_w2


def test_displays_label_layers_by_layer_index(pyplot):
    """Check that a subset or a reordering of the records keeps each layer's
    number: layers 3 and 4 of 4 are labelled "layer 3" and "layer 4" and
    drawn with their own values (before, labels followed the order of the
    rows: "layer 1" and "layer 2")."""
    records = _records(n_layers=4)
    subset = [r for r in records if r["layer_index"] >= 2][::-1]
    plane = InformationPlaneDisplay.from_records(subset)
    labels = [t.get_text() for t in plane.ax_.get_legend().get_texts()]
    assert labels == ["layer 3", "layer 4"]
    assert [line.get_label() for line in plane.lines_] == ["layer 3", "layer 4"]
    np.testing.assert_allclose(plane.lines_[0].get_data()[0], [3.0, 2.9, 2.7, 2.0])
    curves = InformationCurvesDisplay.from_records(subset)
    assert curves.lines_.shape == (2, 2)
    assert [line.get_label() for line in curves.lines_[0]] == ["layer 3", "layer 4"]


def test_displays_keep_the_layout_of_a_given_figure(pyplot):
    """Check that drawing on given axes leaves the figure's layout engine
    as it was (before, ErrorCurvesDisplay and MeanFieldDisplay called
    tight_layout on any figure, replacing a constrained layout)."""
    from sknc.information import mean_field_sweep
    from sknc.plotting import ErrorCurvesDisplay, MeanFieldDisplay

    fig, axes = pyplot.subplots(1, 2, layout="constrained")
    engine = type(fig.get_layout_engine())
    curves = {"he": np.array([[90.0, 5, 4], [90, 6, 3]])}
    ErrorCurvesDisplay.from_curves(curves, ax=axes[0])
    assert type(fig.get_layout_engine()) is engine
    X = np.random.RandomState(0).normal(size=(30, 3))
    sweep = mean_field_sweep([0.5, 1.5], 0.05, "tanh", X, 2, 4, random_state=0)
    MeanFieldDisplay.from_sweep(sweep, axes=axes)
    assert type(fig.get_layout_engine()) is engine
    before = pyplot.get_fignums()  # a bad grid leaves no open figure
    with pytest.raises(ValueError):
        MeanFieldDisplay.from_sweep(sweep, sigma_b2_grid=[-1.0])
    assert pyplot.get_fignums() == before


def test_bad_colormap_leaves_no_open_figure(pyplot):
    """Check that an unknown colormap is refused before a figure is made."""
    before = pyplot.get_fignums()
    with pytest.raises(ValueError, match="nope"):
        InformationPlaneDisplay.from_records(_records(), cmap="nope")
    assert pyplot.get_fignums() == before
