"""Tests of the ``sknc infoplane`` command."""

import csv
import functools

import pytest

from sknc.cli import main


def _read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_cli_infoplane_iris_writes_figures_and_csv(tmp_path, pyplot, capsys):
    """Check that a short IRIS run writes two PNGs and a CSV of every record."""
    out = tmp_path / "iris"
    argv = ["infoplane", "--dataset", "iris", "--epochs", "3", "--n-points", "3"]
    assert main([*argv, "--out", str(out)]) == 0
    assert (out / "infoplane.png").stat().st_size > 0
    assert (out / "infocurves.png").stat().st_size > 0
    rows = _read(out / "records.csv")
    assert list(rows[0]) == [
        "run",
        "estimator",
        "epoch",
        "layer",
        "layer_index",
        "n_units",
        "i_xt",
        "i_ty",
    ]
    # 4 hidden layers of 4-10-7-5-4-3, measured at epochs 0, 1 and 3.
    assert {(r["epoch"], r["layer_index"]) for r in rows} == {
        (str(e), str(k)) for e in (0, 1, 3) for k in range(4)
    }
    assert [r["n_units"] for r in rows[:4]] == ["10", "7", "5", "4"]
    assert {r["estimator"] for r in rows} == {"bin"}
    dpi = _read(out / "dpi.csv")
    assert {(r["quantity"], r["layers"]) for r in dpi} == {
        (q, pair) for q in ("i_xt", "i_ty") for pair in ("1>=2", "2>=3", "3>=4", "all")
    }
    assert {r["n_measured"] for r in dpi} == {"3"}
    printed = capsys.readouterr().out
    assert "test accuracy" in printed and "records.csv" in printed
    assert "bin I(T;Y): holds at" in printed


def test_cli_infoplane_several_estimators_measure_the_same_networks(tmp_path, pyplot):
    """Check that --estimator bin kmeans pairs both on the same trained nets."""
    argv = ["infoplane", "--dataset", "iris", "--epochs", "3", "--n-points", "3"]
    argv += ["--runs", "2"]
    main([*argv, "--out", str(tmp_path / "bin")])
    both = ["--estimator", "bin", "kmeans", "--out", str(tmp_path / "both")]
    main([*argv, *both])
    alone = _read(tmp_path / "bin/records.csv")
    paired = _read(tmp_path / "both/records.csv")
    assert [r for r in paired if r["estimator"] == "bin"] == alone
    kmeans = [r for r in paired if r["estimator"] == "kmeans"]
    key = ("run", "epoch", "layer_index")
    assert [[r[k] for k in key] for r in kmeans] == [[r[k] for k in key] for r in alone]
    assert {r["estimator"] for r in _read(tmp_path / "both/dpi.csv")} == {
        "bin",
        "kmeans",
    }
    assert (tmp_path / "both/infoplane.png").stat().st_size > 0
    assert (tmp_path / "both/infocurves.png").stat().st_size > 0


def test_cli_infoplane_is_deterministic_given_seed(tmp_path, pyplot):
    """Check that the same --seed gives the same records, and runs are numbered."""
    argv = ["infoplane", "--dataset", "iris", "--epochs", "2", "--n-points", "2"]
    main([*argv, "--runs", "2", "--seed", "5", "--out", str(tmp_path / "a")])
    main([*argv, "--runs", "2", "--seed", "5", "--out", str(tmp_path / "b")])
    a, b = _read(tmp_path / "a/records.csv"), _read(tmp_path / "b/records.csv")
    assert a == b
    assert {r["run"] for r in a} == {"0", "1"}


@pytest.mark.parametrize("estimator", ["adaptive", "kde", "kmeans"])
def test_cli_infoplane_relu_with_other_estimators(tmp_path, estimator):
    """Check that --activation relu runs with each non-default estimator."""
    argv = ["infoplane", "--dataset", "iris", "--activation", "relu"]
    argv += ["--estimator", estimator, "--epochs", "1", "--n-points", "2"]
    assert main(argv) == 0


def test_cli_infoplane_ib12_tanh_starts_at_twelve_bits(shared_data, capsys):
    """Check the 12-bit setting: the first tanh layer holds 12 bits at epoch 0."""
    argv = ["infoplane", "--data-home", str(shared_data), "--epochs", "1"]
    assert main([*argv, "--n-points", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["bin", "1", "0", "12.000", "0.999"]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["infoplane", "--epochs", "0"], "--epochs: expected a positive integer"),
        (["infoplane", "--epochs", "many"], "--epochs: expected a positive integer"),
        (["infoplane", "--dataset", "mnist"], "--dataset: invalid choice: 'mnist'"),
        (["infoplane", "--estimator", "hist"], "--estimator: invalid choice"),
        (["infoplane", "--estimator", "bin", "x"], "--estimator: invalid choice"),
        (["infoplane", "--estimator"], "--estimator: expected at least one"),
        (["infoplane", "--n-points", "1"], "--n-points: must be at least 2, got 1"),
        (["infoplane", "--noise-variance", "0"], "expected a positive finite number"),
        (["infoplane", "--noise-variance", "inf"], "expected a positive finite"),
        (["infoplane", "--seed", "-1"], "--seed: expected a seed in [0, 2**32 - 1]"),
        (
            ["infoplane", "--seed", str(2**32 - 1), "--runs", "2"],
            "must stay below 2**32 for 2 runs",
        ),
        ([], "required: COMMAND"),
    ],
)
def test_cli_infoplane_rejects_bad_arguments(argv, message, capsys):
    """Check that bad arguments exit with status 2 and a message naming them."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_cli_infoplane_missing_data_is_a_clear_error(tmp_path, capsys):
    """Check that a missing 12-bit file exits with status 1 naming var_u.mat,
    and leaves no --out directory behind."""
    out = tmp_path / "out" / "sub"
    argv = ["infoplane", "--data-home", str(tmp_path), "--epochs", "1"]
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--out", str(out)])
    assert exc.value.code == 1
    assert "var_u.mat" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_cli_infoplane_refuses_an_unwritable_out_before_the_run(
    tmp_path, capsys, monkeypatch
):
    """Check that an --out where no file can be written stops with status 2
    naming it, before any training."""
    import sknc._jobs.infoplane as job

    @functools.wraps(job.run_infoplane)  # the CLI reads its defaults
    def no_run(*args, **kwargs):
        raise AssertionError("trained before checking --out")

    monkeypatch.setattr(job, "run_infoplane", no_run)
    (tmp_path / "file").write_text("")
    with pytest.raises(SystemExit) as exc:
        main(["infoplane", "--epochs", "1", "--out", str(tmp_path / "file" / "x")])
    assert exc.value.code == 2
    assert "argument --out: cannot write to" in capsys.readouterr().err


def test_cli_infoplane_without_matplotlib_writes_the_csv_files(
    tmp_path, capsys, monkeypatch
):
    """Check that without matplotlib (an optional extra) --out still writes
    the CSV files, says there is no PNG, and exits 0."""
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    out = tmp_path / "iris"
    argv = ["infoplane", "--dataset", "iris", "--epochs", "1", "--n-points", "2"]
    assert main([*argv, "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["dpi.csv", "records.csv"]
    assert "pip install sknc[plots]: no PNG" in capsys.readouterr().err
