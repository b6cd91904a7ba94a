"""Tests of the ``sknc bench`` job (sknc._jobs.bench)."""

import math

import numpy as np
import pytest
import torch

from sknc import NeuronCampaign
from sknc._jobs import bench as job


def test_interleaved_runs_in_turn_and_keeps_minima(monkeypatch):
    """Check the order of the runs (a, b, a, b, ...) and that each minimum
    is the shortest of its own runs, on a clock that ticks known steps."""
    calls = []
    # Start and end of each run: a takes 5, 3, 4; b takes 2, 1, 3.
    steps = iter([0, 5, 5, 7, 7, 10, 10, 11, 11, 15, 15, 18])
    monkeypatch.setattr(job.time, "perf_counter", lambda: next(steps))
    best = job.interleaved(
        {"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, 3
    )
    assert calls == ["a", "b"] * 3
    assert best == {"a": 3, "b": 1}


def test_layer_plan_is_the_campaigns_candidates():
    """Check the (fan_in, fan_out, candidates) of each layer, the cap and
    the one-per-neuron floor included."""
    assert job.layer_plan(64, (100,), 10, 2.0, 4096) == [(64, 100, 200), (100, 10, 20)]
    assert job.layer_plan(784, (5000, 30), 10, 2.0, 4096) == [
        (784, 5000, 5000),
        (5000, 30, 60),
        (30, 10, 20),
    ]


def test_products_are_the_planned_chunks(monkeypatch):
    """Check that products() multiplies chunks of rows by each layer's
    candidates: 10 rows in chunks of 4 are 4 + 4 + 2 rows per layer."""
    shapes = []
    matmul = torch.matmul

    def spy(a, b, *, out):
        shapes.append((tuple(a.shape), tuple(b.shape), tuple(out.shape)))
        return matmul(a, b, out=out)

    run = job.products([(8, 4, 6), (4, 2, 3)], 10, 4)
    monkeypatch.setattr(torch, "matmul", spy)
    run()
    expected = [((r, 8), (8, 6), (r, 6)) for r in (4, 4, 2)]
    expected += [((r, 4), (4, 3), (r, 3)) for r in (4, 4, 2)]
    assert shapes == expected


def test_training_epoch_records_one_duration_per_call():
    """Check that each call trains one more epoch and records its duration."""
    X = np.random.RandomState(0).rand(60, 5).astype(np.float32)
    y = np.arange(60) % 3
    durations = []
    run = job.training_epoch(X, y, (4,), 0, durations, batch_size=20)
    run()
    run()
    assert len(durations) == 2 and all(d > 0 for d in durations)


@pytest.mark.parametrize(
    "params, candidates, rows",
    [({}, [32, 20], 1797), ({"candidate_ratio": 3, "max_samples": 500}, [48, 30], 500)],
)
def test_bench_reports_the_campaigns_layers(params, candidates, rows):
    """Check bench() on digits: the layers are the campaign's (candidates,
    scoring rows), every time is measured, and torch's threads and global
    random state are as they were."""
    threads, rng = torch.get_num_threads(), torch.get_rng_state()
    result = job.bench(hidden=(16,), repeats=1, **params)
    assert torch.get_num_threads() == threads
    assert torch.equal(torch.get_rng_state(), rng)
    nc = NeuronCampaign(random_state=0, **params).initialize(
        job.build_mlp(64, (16,), 10, "relu", 0),
        *job.load_rows("digits"),
    )
    assert [r["candidates"] for r in result.layers] == candidates
    assert [r["passed_on"] for r in result.layers] == [
        r["passed_on"] for r in nc.report_
    ]
    assert f"{rows} scoring rows" in result.title
    assert sorted(result.seconds) == ["campaign", "epoch", "products"]
    assert all(0 < v < math.inf for v in result.seconds.values())
    lines = result.table.splitlines()
    assert lines[1].split()[:4] == ["layers.0", "64", "16", str(candidates[0])]
    assert lines[-2].startswith("its matrix products alone")


def test_bench_names_where_it_looked_for_mnist(tmp_path):
    """Check that bench on MNIST without its files says where it looked."""
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        job.bench("mnist", data_home=tmp_path, repeats=1)


def test_bench_refuses_an_unknown_dataset():
    with pytest.raises(ValueError, match="unknown dataset 'iris'"):
        job.bench("iris")
