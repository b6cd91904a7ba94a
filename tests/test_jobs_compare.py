"""Tests of the init comparison (sknc._jobs.compare)."""

import csv
import math

import numpy as np
import pytest

from sknc import HeInit, NeuronCampaign
from sknc._jobs.compare import (
    Run,
    compare,
    epochs_to_reach,
    format_table,
    load_runs,
    make_classifier,
    parse_init_spec,
    summarize,
)


def test_parse_init_spec_campaign_options():
    """Check that campaign options map onto NeuronCampaign parameters."""
    label, init = parse_init_spec(
        "campaign:alpha=0.5/0.25/0,base=xavier,ratio=3,rescale=norm,balanced=false,"
        "spatial=positions"
    )
    assert label.startswith("campaign:")
    assert isinstance(init, NeuronCampaign)
    assert init.alpha == [0.5, 0.25, 0.0]
    assert init.base_init == "xavier"
    assert init.candidate_ratio == 3.0
    assert init.rescale == "norm"
    assert init.class_balanced is False
    assert init.spatial == "positions"
    assert parse_init_spec("campaign:alpha=linear")[1].alpha == "linear"
    assert isinstance(parse_init_spec("he")[1], HeInit)


@pytest.mark.parametrize(
    "spec, match",
    [
        ("kaiming", "unknown init 'kaiming'"),
        ("he:alpha=1", "only campaign takes options"),
        ("campaign:gamma=1", "bad option 'gamma=1'"),
        ("campaign:alpha", "bad option 'alpha'"),
        ("campaign:balanced=maybe", "true or false"),
    ],
)
def test_parse_init_spec_errors(spec, match):
    """Check that bad specs name the bad part."""
    with pytest.raises(ValueError, match=match):
        parse_init_spec(spec)


def test_epochs_to_reach():
    """Check the first epoch at or below a target error."""
    assert epochs_to_reach([0.9, 0.5, 0.3, 0.2], 0.3) == 2
    assert math.isnan(epochs_to_reach([0.9, 0.5, 0.4], 0.3))


def test_summarize_paired_statistics():
    """Check means, paired differences and win/tie/loss counts exactly."""
    runs = [
        Run("he", 0, [0.9, 0.20, 0.10]),
        Run("he", 1, [0.9, 0.30, 0.20]),
        Run("nc", 0, [0.5, 0.15, 0.12]),
        Run("nc", 1, [0.5, 0.20, 0.20]),
    ]
    he, nc = summarize(runs)
    assert he["min_error_mean"] == pytest.approx(0.15)
    assert nc["min_error_mean"] == pytest.approx(0.16)
    assert nc["min_error_std"] == pytest.approx(np.std([0.12, 0.2], ddof=1))
    assert nc["diff_vs_ref_mean"] == pytest.approx(0.01)
    assert (nc["wins"], nc["ties"], nc["losses"]) == (0, 1, 1)
    # He's final errors are 0.10 and 0.20: nc reaches 0.20 at epoch 1 on
    # seed 1 and never reaches 0.10 on seed 0.
    assert nc["epochs_to_ref_final"] == 1
    assert nc["reached_ref_final"] == 1
    assert nc["error_epoch1_mean"] == pytest.approx(0.175)
    table = format_table([he, nc])
    assert "16.00 ± 5.66" in table
    assert "1.0 (1/2)" in table
    assert "0/1/1" in table


def test_compare_digits_writes_outputs(tmp_path, capsys):
    """Check a tiny digits comparison: paired runs, files, progress lines."""
    result = compare(
        hidden=(16,),
        inits=["he", "campaign:alpha=0.5"],
        epochs=2,
        seeds=2,
        train_size=300,
        out=tmp_path,
    )
    runs, rows = result.runs, result.rows
    assert result.reference == "he"
    assert result.title == (
        "digits, hidden (16,), 2 epochs, 2 seeds (paired by seed), SGD lr 0.1, "
        "batch 100"
    )
    assert result.table == format_table(rows, reference="he")
    assert [(r.init, r.seed) for r in runs] == [
        ("he", 0),
        ("campaign:alpha=0.5", 0),
        ("he", 1),
        ("campaign:alpha=0.5", 1),
    ]
    assert all(len(r.errors) == 3 for r in runs)
    assert all(0 <= e <= 1 for r in runs for e in r.errors)
    assert [r["init"] for r in rows] == ["he", "campaign:alpha=0.5"]
    with open(tmp_path / "curves.csv") as f:
        assert len(list(csv.reader(f))) == 1 + 4 * 3
    assert (tmp_path / "summary.csv").exists()
    assert (tmp_path / "test_error.png").stat().st_size > 0
    assert capsys.readouterr().err.count("seed") == 4
    again = load_runs(tmp_path)
    assert [(r.init, r.seed, r.errors) for r in again] == [
        (r.init, r.seed, r.errors) for r in runs
    ]
    assert summarize(again) == rows


def test_compare_is_reproducible():
    """Check that the same seeds give the same curves."""
    kw = dict(hidden=(8,), inits=["campaign"], epochs=1, seeds=1, progress=False)
    a = compare(**kw).runs
    b = compare(**kw).runs
    assert a[0].errors == b[0].errors


def test_compare_rejects_duplicates_and_datasets():
    """Check the errors for duplicate inits and unknown datasets."""
    with pytest.raises(ValueError, match="duplicates"):
        compare(inits=["he", "he"], progress=False)
    with pytest.raises(ValueError, match="unknown dataset 'cifar'"):
        compare(dataset="cifar", progress=False)


def test_compare_trains_with_the_given_threads_and_restores_them(monkeypatch):
    """Check that compare trains with `threads` torch threads and restores the
    previous setting afterwards."""
    import torch

    import sknc._jobs.compare as cmp

    seen = []
    real = cmp.run_one

    def spy(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return real(*args, **kwargs)

    monkeypatch.setattr(cmp, "run_one", spy)
    torch.set_num_threads(2)
    compare(hidden=(4,), inits=["he"], epochs=1, seeds=1, progress=False, threads=1)
    assert seen == [1]
    assert torch.get_num_threads() == 2


def test_parse_init_spec_validates_values():
    """Check that out-of-range campaign options fail at parse time."""
    with pytest.raises(ValueError, match="'rescale' parameter"):
        parse_init_spec("campaign:rescale=foo")
    with pytest.raises(ValueError, match="'alpha' parameter"):
        parse_init_spec("campaign:alpha=2")


def test_compare_lenet5_on_digits():
    """Check that arch='lenet5' trains a CNN on the digits images, paired."""
    result = compare(
        arch="lenet5",
        inits=["he", "campaign"],
        epochs=3,
        seeds=1,
        progress=False,
    )
    runs, rows = result.runs, result.rows
    assert result.title.startswith("digits, lenet5, 3 epochs")
    assert [(r.init, r.seed) for r in runs] == [("he", 0), ("campaign", 0)]
    # Chance is 90% error; three epochs must do far better (seen: 16-29%).
    assert all(r.errors[0] > 0.5 and r.min_error < 0.5 for r in runs)
    assert [r["init"] for r in rows] == ["he", "campaign"]


def test_make_classifier_lenet5_shapes():
    """Check LeNet-5's layers on 28x28 images and the padded 8x8 variant."""
    clf, row_shape = make_classifier("lenet5", n_features=784)
    assert row_shape == (1, 28, 28)
    assert clf.conv_channels == (6, 16) and clf.kernel_size == 5
    assert clf.conv_padding == (2, 0) and clf.hidden_layer_sizes == (120, 84)
    clf, row_shape = make_classifier("lenet5", n_features=64)
    assert row_shape == (1, 8, 8) and clf.conv_padding == (2, 2)
    with pytest.raises(ValueError, match="square single-channel images; got 60"):
        make_classifier("lenet5", n_features=60)
    with pytest.raises(ValueError, match="unknown arch 'vgg'"):
        make_classifier("vgg", n_features=64)
    with pytest.raises(ValueError, match="arch='lenet5' has its own"):
        make_classifier("lenet5", n_features=64, hidden=(10,))
    with pytest.raises(ValueError, match="unknown arch 'vgg'"):
        compare(arch="vgg", progress=False)


def test_compare_trains_with_the_papers_protocol(monkeypatch):
    """Check that sknc compare trains with the paper's protocol whatever the
    estimators' defaults: plain SGD at the given lr and batch size, no weight
    decay, no stopping rule, exactly ``epochs`` epochs."""
    from sknc import NCMLPClassifier

    fitted = []
    original_fit = NCMLPClassifier.fit

    def spy(self, X, y):
        fitted.append(original_fit(self, X, y))
        return fitted[-1]

    monkeypatch.setattr(NCMLPClassifier, "fit", spy)
    runs = compare(inits=("he",), epochs=3, seeds=1, progress=False).runs
    (clf,) = fitted
    params = clf.get_params()
    assert {k: params[k] for k in ("optimizer", "lr", "batch_size", "max_epochs")} == {
        "optimizer": "sgd",
        "lr": 0.1,
        "batch_size": 100,
        "max_epochs": 3,
    }
    assert params["momentum"] == params["weight_decay"] == 0.0
    assert params["tol"] is None and params["early_stopping"] is False
    optimizer = clf.net_.optimizer_
    assert type(optimizer).__name__ == "SGD"
    assert optimizer.param_groups[0]["lr"] == 0.1
    assert clf.n_iter_ == 3 and len(runs[0].errors) == 4
    assert set(clf.history_[0, "batches", :, "train_batch_size"]) <= {100, 1257 % 100}


def test_compare_diabetes_is_a_regression(tmp_path):
    """Check that dataset="diabetes" compares NCMLPRegressors on test MSE:
    the recorded errors are the MSE of the module's outputs on the
    standardized test targets (checked by hand for the final epoch), the
    R^2 is 1 - MSE / var(y_test), and the CSV files round-trip it."""
    from sknc._jobs.compare import HeldOutError, load_split

    result = compare(
        "diabetes",
        inits=("he", "campaign"),
        epochs=3,
        seeds=2,
        out=tmp_path,
        progress=False,
    )
    assert result.task == "regression" and "SGD lr 0.01" in result.title
    assert "min test MSE" in result.table and "R^2 there" in result.table
    X_tr, y_tr, X_te, y_te = load_split("diabetes", seed=1)
    assert abs(y_tr.mean()) < 1e-6 and y_tr.std() == pytest.approx(1, abs=1e-6)
    run = next(r for r in result.runs if r.init == "he" and r.seed == 1)
    assert run.y_var == pytest.approx(float(np.var(y_te)), rel=1e-12)
    assert run.max_r2 == pytest.approx(1 - run.min_error / run.y_var, abs=1e-15)
    # The callback's error is the plain MSE of the outputs.
    import torch

    module = torch.nn.Linear(X_te.shape[1], 1)
    cb = HeldOutError(X_te, y_te)

    class _Net:
        module_ = module
        device = "cpu"

    with torch.no_grad():
        expected = float(
            ((module(torch.as_tensor(X_te))[:, 0] - torch.as_tensor(y_te)) ** 2).mean()
        )
    assert cb._error(_Net()) == pytest.approx(expected, rel=1e-6)
    reloaded = load_runs(tmp_path)
    assert [r.y_var for r in reloaded] == [r.y_var for r in result.runs]


def test_compare_regression_refuses_lenet5():
    """Check that a regression dataset with arch="lenet5" is refused."""
    with pytest.raises(ValueError, match="regression: arch must be 'mlp'"):
        compare("diabetes", arch="lenet5", epochs=1, seeds=1, progress=False)
