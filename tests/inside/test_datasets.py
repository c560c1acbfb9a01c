"""An array dataset's batches are, bit for bit, its images preprocessed one at a time."""
import numpy as np
import pytest
import torch

import seethrough as st
from seethrough.inside.datasets import ArrayDataset

RNG = np.random.default_rng(0)
COLOUR = st.Model(torch.nn.Conv2d(3, 2, 3).eval(), input_size=(8, 10), mean=(0.5, 0.4, 0.3), std=(0.2, 0.25, 0.5),
                  name="colour")
GREY = st.Model(torch.nn.Flatten().eval(), input_size=(8, 10), mean=(0.0,), std=(1.0,), name="grey")


@pytest.mark.parametrize("model, images", [
    (COLOUR, RNG.integers(0, 256, (5, 8, 10, 3), dtype=np.uint8)),
    (GREY, RNG.integers(0, 256, (5, 8, 10), dtype=np.uint8)),
    (GREY, RNG.uniform(0, 1, (5, 8, 10)).astype(np.float32)),
    (COLOUR, RNG.uniform(0, 255, (5, 8, 10, 3))),  # floats above 1 are read as 0..255
], ids=["uint8 colour", "uint8 grey (mean 0, std 1)", "float grey", "float 0-255 colour"])
def test_batches_equal_images_preprocessed_one_at_a_time(model, images):
    ids, before = [4, 0, 2], images.copy()
    batch = ArrayDataset(images).inputs(model, ids)
    one_by_one = torch.cat([model.preprocess(images[i]) for i in ids])
    assert batch.dtype == torch.float32 and batch.shape == one_by_one.shape
    assert torch.equal(batch, one_by_one)
    assert np.array_equal(images, before)  # the in-place steps work on a copy
    assert torch.equal(ArrayDataset(images).inputs(model, ids), batch)


@pytest.mark.parametrize("model", [COLOUR, GREY], ids=["colour", "grey (mean 0, std 1)"])
def test_normalize_in_place_equals_normalize(model):
    pixels = torch.rand(2, model.channels, 8, 10, generator=torch.Generator().manual_seed(1))
    expected = model.normalize(pixels)
    copy = pixels.clone()
    result = model.normalize(copy, in_place=True)
    assert result is copy and torch.equal(result, expected)


def test_normalizing_under_inference_mode_does_not_break_a_later_backward_pass():
    model = st.Model(torch.nn.Conv2d(3, 2, 3).eval(), input_size=(8, 10), mean=(0.5, 0.4, 0.3), std=(0.2, 0.25, 0.5))
    pixels = torch.rand(1, 3, 8, 10)
    with torch.inference_mode():
        model.normalize(pixels)  # the model's first normalization: its mean and std tensors are made here, kept
    leaf = pixels.clone().requires_grad_(True)
    model.normalize(leaf).sum().backward()
    torch.testing.assert_close(leaf.grad[0, :, 0, 0], 1 / torch.tensor(model.std))
