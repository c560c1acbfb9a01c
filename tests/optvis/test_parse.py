"""Objectives written as text, and the channels worth visualizing."""
import numpy as np
import pytest
import torch

from seethrough.errors import SeethroughError
from seethrough.optvis import attributed_channels, parse_objective
from seethrough.optvis.parse import default_diversity_layer


@pytest.mark.parametrize("text, name", [
    ("class:7", "class 7"), ("7", "class 7"), ("channel:conv2:3", "channel conv2:3"), ("conv2:3", "channel conv2:3"),
    ("neuron:conv2:3", "neuron conv2:3"), ("neuron:conv2:3:1:2", "neuron conv2:3:1:2"), ("conv2:3:1:2", "neuron conv2:3:1:2"),
    ("layer:conv1", "layer conv1")])
def test_every_form_parses(mnist_cnn, text, name):
    assert parse_objective(mnist_cnn, text).name == name


def test_direction_from_a_file(mnist_cnn, tmp_path):
    path = tmp_path / "v.npy"
    np.save(path, np.arange(64, dtype=np.float64))
    objective = parse_objective(mnist_cnn, f"direction:conv2:{path}", cossim_pow=1)
    assert objective.layers == ("conv2",)
    activations = {"conv2": torch.ones(1, 64, 2, 2)}
    assert float(objective(activations)) == pytest.approx(np.arange(64).sum() * np.arange(64).sum()
                                                         / (8 * np.linalg.norm(np.arange(64))), rel=1e-4)
    np.save(path, np.ones((2, 2)))
    with pytest.raises(SeethroughError, match="1-D"):
        parse_objective(mnist_cnn, f"direction:conv2:{path}")


@pytest.mark.parametrize("text, message", [
    ("chanel:conv2:3", "closest: 'channel'"), ("channel:conv3:3", "closest: 'conv2'"),
    ("class:12", "out of range"), ("neuron:conv2", "LAYER:CHANNEL"), ("channel:conv2:1:2:3", "no position"),
    ("class:", "missing"), ("direction:conv2:/no/such.npy", "does not exist"), ("layer:nope", "unknown layer")])
def test_mistakes_say_what_to_write(mnist_cnn, text, message):
    with pytest.raises(SeethroughError, match=message):
        parse_objective(mnist_cnn, text)


def test_diversity_layer_defaults(mnist_cnn):
    assert default_diversity_layer(mnist_cnn, parse_objective(mnist_cnn, "conv1:0")) == "conv1"
    assert default_diversity_layer(mnist_cnn, parse_objective(mnist_cnn, "class:3")) == "pool2"


def test_attributed_channels_are_activation_times_gradient(mnist_cnn, no_hooks_left):
    x = mnist_cnn.normalize(torch.rand(1, 1, 28, 28, generator=torch.Generator().manual_seed(0)))
    top = attributed_channels(mnist_cnn, x, "relu2", target=4, count=3)
    module = mnist_cnn.module
    hidden = module.relu2(module.conv2(module.pool1(module.relu1(module.conv1(x))))).detach().requires_grad_(True)
    logit = module.fc(module.flatten(module.pool2(hidden)))[0, 4]
    (grad,) = torch.autograd.grad(logit, hidden)
    expected = (hidden * grad).sum(dim=(2, 3))[0].detach()
    assert [c for c, _ in top] == expected.topk(3).indices.tolist()
    assert top[0][1] == pytest.approx(float(expected.max()), rel=1e-5)
    no_hooks_left(module)
