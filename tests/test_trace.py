"""Tests of the layer tracer (sknc._trace)."""

import pytest
import torch
from torch import nn

from sknc._trace import hidden_layers, layer_input, trace_chain, trace_layers


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
    assert [s.activation_name for s in specs] == ["leaky_relu", "identity"]


def test_trace_custom_module_forward_order(custom_module):
    """Check that layers come in forward order, not registration order."""
    specs = trace_layers(custom_module, torch.zeros(2, 4))
    assert [s.name for s in specs] == ["fc1", "fc2", "fc_out"]
    assert [s.activation_name for s in specs] == ["tanh", "identity", "identity"]


def test_trace_nested_sequential_names():
    """Check that nested containers give dotted layer names."""
    net = nn.Sequential(nn.Sequential(nn.Linear(3, 3), nn.ReLU()), nn.Linear(3, 1))
    specs = trace_layers(net, torch.zeros(1, 3))
    assert [(s.name, s.activation_name) for s in specs] == [
        ("0.0", "relu"),
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


def test_layer_input_is_the_input_of_the_layer(custom_module):
    """Check that layer_input returns what the layer receives in forward."""
    torch.manual_seed(0)
    net = custom_module.eval()
    x = torch.randn(5, 4)
    h = layer_input(net, net.fc_out, x)
    expected = torch.relu(net.fc2(net.act(net.fc1(x))))
    torch.testing.assert_close(h, expected)


def test_trace_chain_finds_leaves_or_refuses(custom_module):
    """Check that only modules applying their leaves in a chain are chains."""
    net = nn.Sequential(
        nn.Flatten(), nn.Linear(6, 5), nn.Dropout(0.1), nn.ReLU(), nn.Linear(5, 3)
    )
    specs = trace_layers(net, torch.zeros(2, 2, 3))
    leaves = trace_chain(net, torch.zeros(2, 2, 3), [s.layer for s in specs])
    assert leaves == list(net)[:-1]
    custom = custom_module
    specs = trace_layers(custom, torch.zeros(2, 4))
    assert trace_chain(custom, torch.zeros(2, 4), [s.layer for s in specs]) is None

    class Reshaped(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 2)

        def forward(self, x):
            return self.fc(x.reshape(len(x), -1))

    net = Reshaped()
    assert trace_chain(net, torch.zeros(2, 2, 2), [net.fc]) is None


def test_hidden_layers_follow_the_calls(custom_module):
    """Check that the hidden layers come in call order with their activation
    modules (registration order differs), the layer itself where the
    activation is a function the hooks cannot see."""
    found = hidden_layers(custom_module, torch.zeros(2, 4))
    assert [(name, index) for name, _, index in found] == [("act", 0), ("fc2", 0)]
    found = hidden_layers(custom_module, torch.zeros(2, 4), include_output=True)
    assert [name for name, _, _ in found] == ["act", "fc2", "fc_out"]


def test_hidden_layers_shared_activation_and_conv():
    """Check that a shared activation module is named by its call, and that
    conv layers count as layers."""

    class Shared(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 2, 3, padding=1)
            self.act = nn.ReLU()
            self.fc = nn.Linear(2 * 4 * 4, 5)
            self.out = nn.Linear(5, 3)

        def forward(self, x):
            h = self.act(self.conv(x)).flatten(1)
            return self.out(self.act(self.fc(h)))

    found = hidden_layers(Shared(), torch.zeros(2, 1, 4, 4))
    assert [(name, index) for name, _, index in found] == [("act", 0), ("act", 1)]


def test_hidden_layers_without_weight_layer():
    """Check the error for a module with no Linear or Conv2d layer."""
    with pytest.raises(ValueError, match="calls no nn.Linear or nn.Conv2d"):
        hidden_layers(nn.Sequential(nn.Tanh()), torch.zeros(1, 3))
