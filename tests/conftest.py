"""Shared fixtures for the sknc test suite."""

import os
from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def _shared_data_dir():
    env = os.environ.get("SKNC_DATA")
    if env:
        return Path(env)
    return REPO_ROOT.parent / "shared" / "data"


@pytest.fixture
def shared_data():
    """Path of ``../shared/data``; fails under CI when it is missing."""
    path = _shared_data_dir()
    if not path.is_dir():
        msg = f"shared data not found at {path} (set SKNC_DATA)"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return path


@pytest.fixture
def global_seed():
    return 0


@pytest.fixture
def small_classification():
    """200 rows, 8 float32 features, 3 classes whose means differ."""
    rng = np.random.RandomState(0)
    n, d, c = 200, 8, 3
    y = np.arange(n) % c
    centers = rng.normal(size=(c, d)) * 2.0
    X = (centers[y] + rng.normal(size=(n, d))).astype(np.float32)
    return X, y.astype(np.int64)


@pytest.fixture
def pyplot():
    """Import matplotlib.pyplot with the Agg backend and close figures after."""
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")
