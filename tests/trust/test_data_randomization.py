"""Data randomization: the comparison itself on tiny models (fast), and mnist_cnn retrained on
permuted labels (slow on first use: trained once, then cached)."""
from __future__ import annotations

import pytest
import torch

from seethrough.errors import SeethroughError
from seethrough.render.trust_figures import data_randomization_figure
from seethrough.trust.data_randomization import data_randomization, random_labels_mnist_cnn
from seethrough.trust.reinit import model_copy, reinitialize
from seethrough.zoo.training import mnist_tensors

from .nets import small_cnn_model


def test_same_model_is_identical_and_a_different_one_is_not():
    model = small_cnn_model()
    x = torch.rand(3, 1, 12, 12, generator=torch.Generator().manual_seed(0))
    targets = torch.tensor([0, 1, 2])
    same = data_randomization(model, model_copy(model), x, methods=["saliency"], targets=targets)
    assert all(value == pytest.approx(1.0) for value in same.similarity["saliency"].values())
    other = model_copy(model)
    reinitialize(other.module, seed=9)
    different = data_randomization(model, other, x, methods=["saliency"], targets=targets)
    assert different.similarity["saliency"]["spearman_abs"] < 0.9
    assert set(different.to_dict()) == {"methods", "similarity", "noise_floor", "architecture_floor"}
    assert different.maps_trained["saliency"].shape == (3, 12, 12)
    figure = data_randomization_figure(different, [image[0].numpy() for image in x])
    assert len(figure.axes) == 3 + 2 * 3  # the inputs, then per method a trained and a random-labels row
    with pytest.raises(SeethroughError, match="one per input"):
        data_randomization(model, other, x, methods=["saliency"], targets=torch.tensor([0, 1]))


@pytest.mark.slow
def test_mnist_cnn_memorizes_permuted_labels_and_guided_backprop_does_not_notice(mnist_cnn):
    random_labels = random_labels_mnist_cnn(seed=1, progress=False)
    assert random_labels.train_accuracy >= 0.95  # it memorized the permuted labels
    images, labels = mnist_tensors("test")
    with torch.no_grad():
        test_accuracy = float((random_labels.model(images).argmax(1) == labels).float().mean())
    assert test_accuracy < 0.2  # and learned nothing about digits
    result = data_randomization(mnist_cnn, random_labels.model, images[:4], methods=["guided_backprop", "gradcam"],
                                targets=labels[:4], options={"gradcam": {"layer": "conv2"}})
    guided, gradcam = result.similarity["guided_backprop"], result.similarity["gradcam"]
    # the paper's finding: guided backprop's map hardly changes, Grad-CAM's does. (Part of the rank
    # correlation is the architecture's: unpadded convolutions fade every gradient map towards the
    # border, see result.architecture_floor; SSIM and HOG show the structure that is left.)
    assert guided["spearman_abs"] > 0.6 and guided["ssim"] > 0.25
    assert abs(gradcam["spearman_abs"]) < guided["spearman_abs"] - 0.3
