"""Shared fixtures for the sknc test suite."""

import os
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

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


class _Custom(nn.Module):
    """Not a Sequential: layers held as attributes, registered in another
    order than forward calls them, one functional activation."""

    def __init__(self):
        super().__init__()
        self.fc_out = nn.Linear(6, 2)  # registered first, applied last
        self.fc1 = nn.Linear(4, 5)
        self.act = nn.Tanh()
        self.drop = nn.Dropout(0.5)
        self.fc2 = nn.Linear(5, 6)

    def forward(self, x):
        h = self.drop(self.act(self.fc1(x)))
        h = torch.relu(self.fc2(h))  # functional: invisible to hooks
        return self.fc_out(h)


@pytest.fixture
def custom_module():
    """A 4-5-6-2 module whose registration order differs from its call order."""
    torch.manual_seed(0)
    return _Custom()


@pytest.fixture
def layer_data():
    """One layer's input H (301 x 12, float64, shifted by +5 and by class),
    40 candidates W, labels y in 4 classes, and the number of classes."""
    rng = np.random.RandomState(0)
    n, d, m, c = 301, 12, 40, 4
    y = rng.randint(0, c, size=n)
    H = rng.normal(size=(n, d)) + y[:, None] * 0.3 + 5.0
    W = rng.normal(size=(m, d)) / np.sqrt(d)
    return torch.from_numpy(H), torch.from_numpy(W), torch.from_numpy(y), c
