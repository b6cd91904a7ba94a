"""Tests of the ``sknc bench`` command (sknc.cli)."""

import pytest

from sknc.cli import main


def test_bench_prints_layers_and_times(capsys):
    """Check that bench prints the title, one line per layer and the times."""
    status = main(
        ["bench", "--hidden", "12,6", "--repeats", "1", "--max-samples", "all"]
    )
    assert status == 0
    out = capsys.readouterr().out
    assert "digits: 1797 rows x 64 features, MLP 64-12-6-10" in out
    assert "max_samples=None): 1797 scoring rows" in out
    assert [
        line.split()[0] for line in out.splitlines() if line.startswith("layers.")
    ] == [
        "layers.0",
        "layers.2",
        "layers.4",
    ]
    assert "its matrix products alone" in out
    assert "one training epoch (NCMLPClassifier)" in out


@pytest.mark.parametrize(
    "args, match",
    [
        (["--max-samples", "0"], "positive integer or 'all'"),
        (["--candidate-ratio", "0.5"], "at least 1"),
        (["--hidden", "0"], "widths must be positive"),
        (["--repeats", "0"], "positive integer"),
        (["--dataset", "iris"], "invalid choice"),
    ],
)
def test_bench_bad_arguments(capsys, args, match):
    """Check that bad arguments stop with status 2 and name the problem."""
    with pytest.raises(SystemExit) as exc:
        main(["bench", *args])
    assert exc.value.code == 2
    assert match in capsys.readouterr().err


def test_bench_missing_mnist_exits_1(tmp_path, capsys):
    """Check that MNIST without its files ends with status 1 and says where
    it looked."""
    with pytest.raises(SystemExit) as exc:
        main(["bench", "--dataset", "mnist", "--data-home", str(tmp_path)])
    assert exc.value.code == 1
    assert str(tmp_path) in capsys.readouterr().err
