"""The paper's finding on the shipped models (Adebayo et al. 2018, Sec. 3-4): under cascading
randomization gradient and Grad-CAM maps fall to their floor while guided backprop keeps its map;
data randomization; deletion/insertion on EfficientNet-Lite0. Numbers in benchmarks/sanity_checks.py."""
from __future__ import annotations

import pytest
import torch

import seethrough as st
from seethrough.trust.faithfulness import deletion, insertion
from seethrough.trust.randomization import randomization
from seethrough.trust.verdict import kept_share, randomization_words
from seethrough.zoo.training import mnist_tensors

pytestmark = pytest.mark.slow
METHODS = ["saliency", "guided_backprop", "gradcam"]


def verdicts(result) -> dict[str, str]:
    return {m: randomization_words(kept_share(result.first(m)["spearman_abs"], result.final(m)["spearman_abs"],
                                              result.floor(m))) for m in result.methods}


def test_mnist_cnn_cascading_reproduces_the_paper(mnist_cnn):
    digits = mnist_tensors("test")[0][:4]
    before = {k: v.clone() for k, v in mnist_cnn.module.state_dict().items()}
    result = randomization(mnist_cnn, digits, methods=METHODS, options={"gradcam": {"layer": "conv2"}})
    assert result.steps == ["original", "fc", "conv2", "conv1"]
    gradcam = result.final("gradcam")["spearman_abs"]
    assert gradcam < result.floor("gradcam") + 0.1
    assert result.first("guided_backprop")["spearman_abs"] > 0.8  # head random: unchanged
    assert result.final("guided_backprop")["spearman_abs"] > result.floor("guided_backprop") + 0.1
    words = verdicts(result)
    assert words["guided_backprop"] == "ignores the model: fails randomization"
    assert words["saliency"] == words["gradcam"] == "passes randomization check"
    assert all(torch.equal(before[k], v) for k, v in mnist_cnn.module.state_dict().items())  # a copy was randomized


def test_efficientnet_cascading_and_faithfulness(efficientnet, chelsea_x):
    result = randomization(efficientnet, chelsea_x, methods=METHODS, stages=2)
    for method in ("saliency", "gradcam"):  # decorrelated: at the floor once everything is random
        assert result.final(method)["spearman_abs"] < result.floor(method) + 0.1
    assert result.first("guided_backprop")["spearman_abs"] > 0.7  # the logits-side half random (stages=2): unchanged
    assert result.final("guided_backprop")["spearman_abs"] > result.noise_floor["guided_backprop"]["spearman_abs"] + 0.3
    words = verdicts(result)
    assert words["guided_backprop"] == "ignores the model: fails randomization"
    assert words["saliency"] == words["gradcam"] == "passes randomization check"
    explanation = st.attribute(efficientnet, chelsea_x, method="gradcam")
    removed = deletion(efficientnet, chelsea_x, explanation, pixels_per_step=224 * 224 // 20)
    inserted = insertion(efficientnet, chelsea_x, explanation, pixels_per_step=224 * 224 // 20)
    assert float(removed.auc[0]) < float(removed.random_auc[0])
    assert float(inserted.auc[0]) > float(inserted.random_auc[0])
