"""Tests of the information-plane experiment helpers (``_experiment.py``)."""

import pytest
import torch

from sknc._jobs.infoplane import (
    DPI_FIELDS,
    dpi_summary,
    run_infoplane,
    write_figures,
)


def _records(values, *, estimator="bin", run=0, epoch=0, quantity="i_ty"):
    other = "i_xt" if quantity == "i_ty" else "i_ty"
    return [
        {
            "estimator": estimator,
            "run": run,
            "epoch": epoch,
            "layer_index": k,
            quantity: v,
            other: 0.0,
        }
        for k, v in enumerate(values)
    ]


def _row(rows, estimator, quantity, layers):
    (row,) = [
        r
        for r in rows
        if (r["estimator"], r["quantity"], r["layers"]) == (estimator, quantity, layers)
    ]
    return row


def test_dpi_summary_counts_violations_per_pair_and_chain():
    """Check fractions, largest violation and its epoch on a hand-made chain."""
    records = (
        _records([1.0, 0.8, 0.5])  # holds
        + _records([1.0, 1.25, 0.5], epoch=10)  # 1>=2 violated by 0.25
        + _records([1.0, 0.9, 1.0], run=1, epoch=10)  # 2>=3 violated by 0.1
        + _records([0.9, 1.0, 1.0], run=1, epoch=20)  # 1>=2 by 0.1, 2>=3 ties
    )
    rows = dpi_summary(records)
    assert all(list(r) == list(DPI_FIELDS) for r in rows)
    first = _row(rows, "bin", "i_ty", "1>=2")
    assert first["n_measured"] == 4
    assert first["fraction_holds"] == 0.5
    assert first["max_violation"] == pytest.approx(0.25)
    assert first["epoch_of_max"] == 10
    second = _row(rows, "bin", "i_ty", "2>=3")
    assert second["fraction_holds"] == 0.75
    assert second["max_violation"] == pytest.approx(0.1)
    chain = _row(rows, "bin", "i_ty", "all")
    assert chain["fraction_holds"] == 0.25
    assert chain["max_violation"] == pytest.approx(0.25)
    # I(X;T) is 0 everywhere: equal layers hold.
    assert _row(rows, "bin", "i_xt", "all")["fraction_holds"] == 1.0
    assert _row(rows, "bin", "i_xt", "all")["max_violation"] == 0.0
    assert _row(rows, "bin", "i_xt", "all")["epoch_of_max"] is None


def test_dpi_summary_separates_estimators_and_respects_atol():
    """Check that estimators are summarized apart and atol absorbs rounding."""
    records = _records([2.0, 2.0 + 1e-12], estimator="bin") + _records(
        [1.0, 1.5], estimator="kmeans"
    )
    rows = dpi_summary(records)
    assert [r["estimator"] for r in rows if r["layers"] == "all"] == [
        "bin",
        "bin",
        "kmeans",
        "kmeans",
    ]
    assert _row(rows, "bin", "i_ty", "all")["fraction_holds"] == 1.0
    assert _row(rows, "kmeans", "i_ty", "all")["max_violation"] == pytest.approx(0.5)
    strict = dpi_summary(records, atol=0.0)
    assert _row(strict, "bin", "i_ty", "all")["fraction_holds"] == 0.0


def test_dpi_summary_single_layer_has_nothing_to_compare():
    """Check that one layer gives an empty chain that trivially holds."""
    rows = dpi_summary(_records([1.0]))
    assert [r["layers"] for r in rows] == ["all", "all"]
    assert all(r["fraction_holds"] == 1.0 for r in rows)


def test_run_infoplane_estimators_are_paired_and_validated():
    """Check that a list of estimators measures the same networks, once each."""
    kwargs = {"epochs": 2, "n_points": 2, "runs": 1, "seed": 3}
    state = torch.get_rng_state()
    alone, scores = run_infoplane("iris", estimator="bin", **kwargs)
    assert torch.equal(torch.get_rng_state(), state)  # seeded by its own seed
    paired, paired_scores = run_infoplane(
        "iris", estimator=["bin", "kmeans", "bin"], **kwargs
    )
    assert scores == paired_scores
    assert [r for r in paired if r["estimator"] == "bin"] == alone
    assert len(paired) == 2 * len(alone)
    default, _ = run_infoplane("iris", activation="relu", **kwargs)
    assert {r["estimator"] for r in default} == {"adaptive"}
    with pytest.raises(ValueError, match="estimator must be None, one of"):
        run_infoplane("iris", estimator=["bin", "hist"], **kwargs)
    with pytest.raises(ValueError, match="estimator must be None, one of"):
        run_infoplane("iris", estimator=[], **kwargs)


def test_write_figures_with_several_estimators_writes_two_files(tmp_path, pyplot):
    """Check that several estimators share the two files, one panel each."""
    records = _records([1.0, 0.5]) + _records([0.8, 0.4], estimator="kmeans")
    for r in records:
        r["i_xt"] = 2.0
    paths = write_figures(records, tmp_path, title="t")
    assert [p.name for p in paths] == ["infoplane.png", "infocurves.png"]
    assert all(p.stat().st_size > 0 for p in paths)
