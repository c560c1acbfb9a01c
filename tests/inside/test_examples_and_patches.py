"""Top examples, top patches with batched deconvnet projections, channel contributions."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import seethrough as st
from seethrough.attribution.deconvnet import deconvnet
from seethrough.errors import SeethroughError
from seethrough.inside.datasets import ArrayDataset, open_dataset
from seethrough.inside.examples import top_examples
from seethrough.inside.patches import deconvnet_units, default_layer, top_patches
from seethrough.inside.receptive_field import receptive_field

from .nets import images, small_conv


@pytest.fixture(scope="module")
def digits():
    """Every third held-out MNIST digit (334; MNIST-5k is sorted by label) with its label."""
    dataset = open_dataset("mnist:test")
    return ArrayDataset(dataset.images[::3], dataset.labels[::3], label_names=[str(d) for d in range(10)],
                        name="digits")


def test_most_and_least_confident_eights(mnist_cnn, digits):
    top = top_examples(mnist_cnn, digits, "fc", 8, k=5, labels=[8], progress=False)
    bottom = top_examples(mnist_cnn, digits, "fc", 8, k=5, labels=[8], bottom=True, progress=False)
    eights = np.flatnonzero(digits.labels == 8)
    with torch.no_grad():
        all_logits = mnist_cnn(digits.inputs(mnist_cnn, eights))[:, 8].numpy()
    order = np.argsort(-all_logits, kind="stable")
    assert [e.example for e in top] == list(eights[order[:5]])
    assert [e.example for e in bottom] == list(eights[order[::-1][:5]])
    np.testing.assert_allclose([e.value for e in top], all_logits[order[:5]], rtol=1e-5)
    assert all(e.label == "8" and e.box is None and e.image.shape == (28, 28, 3) for e in top + bottom)
    assert top[0].value > top[-1].value > bottom[-1].value > bottom[0].value


def test_channel_examples_carry_the_receptive_field(mnist_cnn, digits):
    found = top_examples(mnist_cnn, digits, "relu2", 5, k=3, progress=False)
    for example in found:
        assert example.box == receptive_field(mnist_cnn, "relu2", *example.position).box
    with pytest.raises(SeethroughError, match="out of range"):
        top_examples(mnist_cnn, digits, "relu2", 64, progress=False)


def test_batched_projections_equal_the_attribution_deconvnet(mnist_cnn, digits):
    x = digits.inputs(mnist_cnn, [0, 1, 2])
    where = [(1, 2), (4, 4), (7, 0)]
    batched = deconvnet_units(mnist_cnn, x, "relu2", [0, 5, 63], where)
    for row, (channel, (y, x_)) in enumerate(zip([0, 5, 63], where)):
        single = deconvnet(mnist_cnn, x[row:row + 1], target=f"relu2:{channel}:{y}:{x_}").values[0]
        assert torch.equal(batched[row], single)
    logits = deconvnet_units(mnist_cnn, x, "fc", [8, 1, 2], [None] * 3)
    assert torch.equal(logits[0], deconvnet(mnist_cnn, x[:1], target="fc:8").values[0])


def test_patches_are_the_scanned_activations_cropped_to_their_fields(mnist_cnn, digits, no_hooks_left):
    found = top_patches(mnist_cnn, digits, "relu2", channels=[3, 47], k=4, chunk=3, progress=False)
    assert sorted(found) == [3, 47] and all(len(p) == 4 for p in found.values())
    for channel, patches in found.items():
        assert [p.rank for p in patches] == [0, 1, 2, 3] and patches[0].value >= patches[-1].value
        for patch in patches:
            x = digits.inputs(mnist_cnn, [patch.example])
            with torch.no_grad(), st.capture(mnist_cnn.module, ["relu2"]) as outputs:
                mnist_cnn(x)
            activation = outputs["relu2"][0, channel]
            assert np.isclose(activation.max().item(), patch.value, rtol=1e-5)
            assert np.isclose(activation[patch.position].item(), patch.value, rtol=1e-5)
            top, left, bottom, right = patch.box
            assert patch.box == receptive_field(mnist_cnn, "relu2", *patch.position).box
            np.testing.assert_array_equal(patch.image, mnist_cnn.deprocess(x)[top:bottom, left:right])
            assert patch.projection.shape == patch.image.shape
            assert 0 <= patch.projection.min() and patch.projection.max() <= 1
    no_hooks_left(mnist_cnn.module)


def test_default_layer():
    assert default_layer(small_conv()) == "pool1"  # 4 px of 16; conv2 sees 12 px, more than half


@pytest.mark.slow
def test_efficientnet_patches(efficientnet):
    found = top_patches(efficientnet, ArrayDataset(images(6, size=64)), "_blocks.3", channels=[7], k=2,
                        progress=False)
    patch = found[7][0]
    assert patch.image.shape[:2] == (patch.box[2] - patch.box[0], patch.box[3] - patch.box[1])
    assert patch.projection.shape == patch.image.shape and np.abs(patch.projection - 0.5).max() > 0.4


@pytest.mark.slow
def test_efficientnet_default_layer_sees_at_most_half_the_image(efficientnet):
    assert default_layer(efficientnet) == "_blocks.5"  # 83 px; _blocks.6 sees 115 of 224


def test_a_neuron_ranks_examples_by_its_own_activation(mnist_cnn, digits):
    found = top_examples(mnist_cnn, digits, "relu2", (5, 3, 4), k=4, progress=False)
    with torch.no_grad(), st.capture(mnist_cnn.module, ["relu2"]) as outputs:
        mnist_cnn(digits.inputs(mnist_cnn, range(len(digits))))
    activation = outputs["relu2"][:, 5, 3, 4].numpy()
    order = np.argsort(-activation, kind="stable")[:4]
    assert [e.example for e in found] == list(order)
    np.testing.assert_allclose([e.value for e in found], activation[order], rtol=1e-6)
    assert all(e.position == (3, 4) and e.box == receptive_field(mnist_cnn, "relu2", 3, 4).box for e in found)
    with pytest.raises(SeethroughError, match="outside"):
        top_examples(mnist_cnn, digits, "relu2", (5, 8, 0), progress=False)
