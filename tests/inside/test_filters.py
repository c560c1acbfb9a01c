"""Filters as images: the scaling (0 -> grey, largest magnitude -> 0 or 1), the modes, the errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import seethrough as st
from seethrough.errors import SeethroughError
from seethrough.inside.filters import conv_layers, filters

from .nets import AsymmetricPad, small_conv


def test_first_layer_as_rgb_scaled_per_kernel():
    model = small_conv()
    found = filters(model)
    weights = model.module.conv1.weight.detach().numpy()
    assert found.layer == "conv1" and found.mode == "rgb" and found.images.shape == (4, 3, 3, 3)
    for image, kernel in zip(found.images, weights):
        scale = np.abs(kernel).max()
        np.testing.assert_allclose(image, kernel.transpose(1, 2, 0) / (2 * scale) + 0.5)
        assert np.isclose(np.abs(image - 0.5).max(), 0.5)  # the largest weight reaches 0 or 1


def test_deeper_layers_sum_or_split_input_channels():
    model = small_conv()
    weights = model.module.conv2.weight.detach().numpy()  # (5, 4, 3, 3)
    summed = filters(model, "conv2")
    assert summed.mode == "sum" and summed.images.shape == (5, 3, 3, 3)
    total = weights.sum(1)
    np.testing.assert_allclose(summed.images[2, ..., 0], total[2] / (2 * np.abs(total[2]).max()) + 0.5)
    split = filters(model, "conv2", mode="channels", limit=7)
    assert split.titles == ["0/0", "0/1", "0/2", "0/3", "1/0", "1/1", "1/2"]
    np.testing.assert_allclose(split.images[5, ..., 1], weights[1, 1] / (2 * np.abs(weights[1, 1]).max()) + 0.5)


def test_conv_layers_in_call_order_and_errors(no_hooks_left):
    model = st.Model(AsymmetricPad(), input_size=(9, 9), mean=(0.0,), std=(1.0,))
    assert conv_layers(model) == ["conv", "point"]
    assert filters(model).images.shape == (2, 3, 3, 3)  # one input channel: grey in 3 colours
    with pytest.raises(SeethroughError, match="not a Conv2d"):
        filters(model, "act")
    with pytest.raises(SeethroughError, match="rgb needs 3"):
        filters(model, mode="rgb")
    with pytest.raises(SeethroughError, match="mode"):
        filters(model, mode="colour")
    no_hooks_left(model.module)
    with pytest.raises(SeethroughError, match="no Conv2d"):
        conv_layers(st.Model(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 2)), input_size=(2, 2)))


@pytest.mark.slow
def test_efficientnet_first_layer(efficientnet):
    found = filters(efficientnet)
    assert found.layer == "_conv_stem" and found.mode == "rgb" and found.images.shape == (32, 3, 3, 3)
    assert found.images.min() >= 0 and found.images.max() <= 1
