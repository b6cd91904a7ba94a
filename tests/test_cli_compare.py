"""Tests of the ``sknc compare`` command (sknc.cli)."""

import csv
import functools

import pytest

from sknc.cli import _split_specs, main


def test_compare_tiny_digits(tmp_path, capsys):
    """Check that compare prints the table and writes its files."""
    status = main(
        [
            "compare",
            "--hidden",
            "12",
            "--inits",
            "he,campaign:alpha=0.5,ratio=3",
            "--epochs",
            "2",
            "--seeds",
            "2",
            "--train-size",
            "200",
            "--out",
            str(tmp_path),
        ]
    )
    assert status == 0
    out, err = capsys.readouterr()
    assert "campaign:alpha=0.5,ratio=3" in out
    assert "paired diff vs he" in out
    assert err.count("[") == 4
    with open(tmp_path / "runs.csv") as f:
        rows = list(csv.DictReader(f))
    assert [(r["init"], r["seed"]) for r in rows] == [
        ("he", "0"),
        ("campaign:alpha=0.5,ratio=3", "0"),
        ("he", "1"),
        ("campaign:alpha=0.5,ratio=3", "1"),
    ]
    assert (tmp_path / "test_error.png").exists()


def test_split_specs_keeps_campaign_options_together():
    """Check that commas inside a campaign's options do not split it."""
    assert _split_specs("he,campaign:alpha=0.5,base=xavier,lsuv,campaign") == [
        "he",
        "campaign:alpha=0.5,base=xavier",
        "lsuv",
        "campaign",
    ]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--hidden", "10,0"], "widths must be positive"),
        (["--hidden", "ten"], "expected widths separated by commas"),
        (["--epochs", "0"], "positive integer"),
        (["--inits", "he,kaiming"], "unknown init 'kaiming'"),
        (["--inits", ","], "--inits: no initializer in ','"),
        (["--dataset", "cifar"], "invalid choice"),
        (["--arch", "vgg"], "invalid choice"),
        (["--arch", "lenet5", "--hidden", "10"], "--arch lenet5 has its own"),
        (["--lr", "inf"], "--lr: expected a positive finite number, got inf"),
        (
            ["--inits", "campaign:alpha=abc"],
            "bad value 'alpha=abc' in 'campaign:alpha=abc'",
        ),
        (
            ["--inits", "campaign:max_samples=x"],
            "bad value 'max_samples=x' in 'campaign:max_samples=x'",
        ),
    ],
)
def test_compare_bad_arguments(argv, message, capsys, tmp_path):
    """Check that bad arguments stop with a message naming the problem."""
    with pytest.raises(SystemExit) as exc:
        main(["compare", "--out", str(tmp_path), "--quiet", *argv])
    assert exc.value.code != 0
    assert message in capsys.readouterr().err


def test_compare_mnist_missing_data(tmp_path, capsys):
    """Check that a missing MNIST directory is a clear error, not a download."""
    with pytest.raises(SystemExit) as exc:
        main(["compare", "--dataset", "mnist", "--data-home", str(tmp_path), "--quiet"])
    assert exc.value.code == 1
    assert str(tmp_path) in capsys.readouterr().err


def test_compare_diabetes_prints_mse_table(tmp_path, capsys):
    """Check that `sknc compare --dataset diabetes` runs a regression and
    prints test MSE and R^2."""
    status = main(
        [
            "compare",
            "--dataset",
            "diabetes",
            "--inits",
            "he,campaign",
            "--epochs",
            "2",
            "--seeds",
            "1",
            "--out",
            str(tmp_path),
            "--quiet",
        ]
    )
    assert status == 0
    out, _ = capsys.readouterr()
    assert "diabetes" in out and "min test MSE" in out and "R^2 there" in out
    assert (tmp_path / "test_error.png").exists()


def test_compare_refuses_an_unwritable_out_before_the_run(
    tmp_path, capsys, monkeypatch
):
    """Check that an --out where no file can be written stops with status 2
    naming it, before any training."""
    import sknc._jobs.compare as job

    @functools.wraps(job.compare)  # the CLI reads its defaults
    def no_run(*args, **kwargs):
        raise AssertionError("trained before checking --out")

    monkeypatch.setattr(job, "compare", no_run)
    (tmp_path / "file").write_text("")
    with pytest.raises(SystemExit) as exc:
        main(["compare", "--quiet", "--out", str(tmp_path / "file" / "x")])
    assert exc.value.code == 2
    assert "argument --out: cannot write to" in capsys.readouterr().err


def test_compare_that_fails_leaves_no_out_directory(tmp_path, capsys):
    """Check that a run that fails (an unknown init, found by the job) removes
    the --out directories it created for it, and keeps one that existed."""
    out = tmp_path / "a" / "b"
    with pytest.raises(SystemExit) as exc:
        main(["compare", "--quiet", "--inits", "kaiming", "--out", str(out)])
    assert exc.value.code == 1
    assert "unknown init 'kaiming'" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(SystemExit):
        main(["compare", "--quiet", "--inits", "kaiming", "--out", str(tmp_path)])
    assert tmp_path.is_dir()


def test_compare_lists_only_the_files_it_wrote(tmp_path, capsys, monkeypatch):
    """Check that without matplotlib compare says "no PNG" and lists the
    CSV files only, also when --out holds a PNG of an earlier run (before,
    the stale PNG was listed as written)."""
    import sys

    (tmp_path / "test_error.png").write_bytes(b"an earlier run's figure")
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    argv = ["compare", "--epochs", "1", "--seeds", "1", "--train-size", "200"]
    assert main([*argv, "--inits", "he", "--quiet", "--out", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert "no PNG" in err
    assert f"wrote summary.csv, runs.csv, curves.csv in {tmp_path}" in out
