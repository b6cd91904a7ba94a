"""Tests of the layer walker (sknc._driver)."""

import pytest
import torch
from torch import nn

from sknc._driver import layer_input, trace_layers


class _Custom(nn.Module):
    """Not a Sequential: layers held as attributes, one functional activation."""

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


def test_trace_sequential_finds_activations():
    """Check that each Linear of a Sequential is paired with its activation."""
    net = nn.Sequential(
        nn.Flatten(),
        nn.Linear(4, 3),
        nn.Dropout(0.1),
        nn.LeakyReLU(),
        nn.Linear(3, 2),
    )
    specs = trace_layers(net, torch.zeros(2, 2, 2))
    assert [s.name for s in specs] == ["1", "4"]
    assert [s.activation_name for s in specs] == ["LeakyReLU", "identity"]


def test_trace_custom_module_forward_order():
    """Check that layers come in forward order, not registration order."""
    specs = trace_layers(_Custom(), torch.zeros(2, 4))
    assert [s.name for s in specs] == ["fc1", "fc2", "fc_out"]
    assert [s.activation_name for s in specs] == ["Tanh", "identity", "identity"]


def test_trace_nested_sequential_names():
    """Check that nested containers give dotted layer names."""
    net = nn.Sequential(nn.Sequential(nn.Linear(3, 3), nn.ReLU()), nn.Linear(3, 1))
    specs = trace_layers(net, torch.zeros(1, 3))
    assert [(s.name, s.activation_name) for s in specs] == [
        ("0.0", "ReLU"),
        ("1", "identity"),
    ]


def test_trace_shared_layer_is_an_error():
    """Check that a layer applied twice is refused."""

    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, x):
            return self.fc(self.fc(x))

    with pytest.raises(ValueError, match="'fc' is applied more than once"):
        trace_layers(Twice(), torch.zeros(1, 3))


def test_layer_input_is_the_input_of_the_layer():
    """Check that layer_input returns what the layer receives in forward."""
    torch.manual_seed(0)
    net = _Custom().eval()
    x = torch.randn(5, 4)
    h = layer_input(net, net.fc_out, x)
    expected = torch.relu(net.fc2(net.act(net.fc1(x))))
    torch.testing.assert_close(h, expected)
