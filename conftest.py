"""Settings for every test, doctests included."""

import pytest
import torch


@pytest.fixture(autouse=True)
def _limit_torch_threads():
    """Keep torch on one thread: the machine has two cores shared by jobs, and
    small matrices gain nothing from a second thread."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
