"""Receptive fields from the structural backward pass, checked against the plain gradient's support over
many random inputs, against perturbation (pixels outside never matter) and against hand-computed boxes."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import seethrough as st
from seethrough.inside.receptive_field import receptive_field, receptive_fields

from .nets import AsymmetricPad, small_conv


def unit_value(model, x, layer, channel, y, x_):
    with torch.no_grad(), st.capture(model.module, [layer]) as outputs:
        model(x)
    out = outputs[layer]
    return out[:, channel] if out.dim() == 2 else out[:, channel, y, x_]


def gradient_support(model, layer, position, draws: int = 40, seed: int = 1) -> np.ndarray:
    """Union over random inputs of the pixels where d(sum over channels of the unit)/d(pixel) != 0."""
    generator = torch.Generator().manual_seed(seed)
    dtype = next(model.module.parameters()).dtype
    support = np.zeros(model.input_size, dtype=bool)
    for _ in range(draws):
        x = torch.randn((1, model.channels, *model.input_size), generator=generator, dtype=dtype).requires_grad_(True)
        with st.capture(model.module, [layer], detach=False) as outputs:
            model(x)
        out = outputs[layer]
        value = out[0].sum() if out.dim() == 2 else out[0, :, position[0], position[1]].sum()
        grad, = torch.autograd.grad(value, x)
        support |= (grad[0].abs().sum(0) > 0).numpy()
    return support


@pytest.mark.parametrize("layer,position", [("conv1", (0, 0)), ("conv1", (7, 15)), ("pool1", (3, 4)),
                                            ("conv2", (0, 0)), ("conv2", (2, 1)), ("relu2", (2, 2)), ("fc", None)])
def test_mask_equals_the_union_of_gradient_supports(layer, position, no_hooks_left):
    model = small_conv()
    before = {k: v.clone() for k, v in model.module.state_dict().items()}
    field = receptive_field(model, layer, *(position or (None, None)))
    np.testing.assert_array_equal(field.mask, gradient_support(model, layer, position))
    rows, cols = np.flatnonzero(field.mask.any(1)), np.flatnonzero(field.mask.any(0))
    assert field.box == (rows[0], cols[0], rows[-1] + 1, cols[-1] + 1)
    no_hooks_left(model.module)
    assert all(torch.equal(before[k], v) for k, v in model.module.state_dict().items())


@pytest.mark.parametrize("layer,position", [("conv2", (1, 2)), ("conv2", (2, 2)), ("pool1", (0, 7))])
def test_pixels_outside_the_field_never_change_the_unit(layer, position):
    model = small_conv()
    field = receptive_field(model, layer, *position)
    generator = torch.Generator().manual_seed(3)
    x = torch.randn((1, 3, 16, 16), generator=generator, dtype=torch.float64)
    changed = x + torch.randn(x.shape, generator=generator, dtype=torch.float64) * torch.from_numpy(~field.mask)
    for channel in range(4):
        assert torch.equal(unit_value(model, x, layer, channel, *position),
                           unit_value(model, changed, layer, channel, *position))


def test_mnist_cnn_boxes_match_the_hand_computed_ones(mnist_cnn):
    """conv1 is 5x5; pool1 (2x2/2) 6x6 with stride 2; conv2 adds 4 pool1 steps: 14x14; pool2: 16x16 / 4."""
    fields = receptive_fields(mnist_cnn, "pool2", [(0, 0), (1, 1), (3, 3)])
    assert [f.box for f in fields] == [(0, 0, 16, 16), (4, 4, 20, 20), (12, 12, 28, 28)]
    assert receptive_field(mnist_cnn, "conv1", 3, 9).box == (3, 9, 8, 14)
    assert receptive_field(mnist_cnn, "pool1", 2, 5).box == (4, 10, 10, 16)
    assert receptive_field(mnist_cnn, "conv2", 7, 0).box == (14, 0, 28, 14)
    assert receptive_field(mnist_cnn, "fc").box == (0, 0, 28, 28)


def test_asymmetric_same_padding_and_relu6():
    model = st.Model(AsymmetricPad().double(), input_size=(9, 9), mean=(0.0,), std=(1.0,))
    assert receptive_field(model, "point", 0, 0).box == (0, 0, 3, 3)
    assert receptive_field(model, "point", 3, 3).box == (6, 6, 9, 9)  # the padded row/column is not a pixel
    assert receptive_field(model, "act", 1, 2).box == (2, 4, 5, 7)


def test_a_position_outside_the_map_is_an_error():
    with pytest.raises(st.SeethroughError, match="outside"):
        receptive_field(small_conv(), "conv2", 9, 0)


@pytest.mark.slow
def test_efficientnet_field_is_exact(efficientnet, no_hooks_left):
    """_blocks.3 (stride 8, ReLU6, depthwise convs, TF-style padding): outside pixels never matter, and
    the box is the bounding box of the plain gradient's support over a few random inputs."""
    field = receptive_field(efficientnet, "_blocks.3", 10, 12)
    support = gradient_support(efficientnet, "_blocks.3", (10, 12), draws=3)
    rows, cols = np.flatnonzero(support.any(1)), np.flatnonzero(support.any(0))
    assert field.box == (rows[0], cols[0], rows[-1] + 1, cols[-1] + 1)
    assert (field.mask | ~support).all()
    x = efficientnet.preprocess(st.data.sample("chelsea"))
    changed = x + torch.randn(x.shape, generator=torch.Generator().manual_seed(0)) * torch.from_numpy(~field.mask)
    assert torch.equal(unit_value(efficientnet, x, "_blocks.3", 5, 10, 12),
                       unit_value(efficientnet, changed, "_blocks.3", 5, 10, 12))
    no_hooks_left(efficientnet.module)
