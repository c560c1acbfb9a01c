"""Small, fast stand-ins for the real models: a 4-class CNN on 32 x 32 images, an image for it and a
fixed segmentation, so that LIME can be compared with the lime package in well under a second.

tests/lime/ has no ``__init__.py`` on purpose: with one, this folder would be imported as the
top-level package ``lime`` and hide the lime package the tests compare against. Its modules are
therefore named uniquely (``test_lime_*``, ``lime_tiny``).
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

import seethrough as st
from seethrough.lime import segment


def tiny_model() -> st.Model:
    torch.manual_seed(0)
    module = nn.Sequential(nn.Conv2d(3, 6, 5, stride=2), nn.ReLU(), nn.AdaptiveAvgPool2d(2), nn.Flatten(),
                           nn.Linear(24, 4)).eval()
    with torch.no_grad():
        module[-1].weight.mul_(6)  # confident enough that hiding superpixels moves the probabilities
    return st.Model(module, input_size=(32, 32), labels=["ant", "bee", "cat", "dog"], name="tiny")


def tiny_input(model: st.Model) -> torch.Tensor:
    """coffee, resized to 32 x 32: (1, 3, 32, 32)."""
    return model.preprocess(st.data.sample("coffee"))


def tiny_segments(model: st.Model, x: torch.Tensor) -> np.ndarray:
    """About a dozen SLIC superpixels of the tiny input."""
    return segment(model.deprocess(x), "slic", n_segments=12)


def classifier_for_lime(model: st.Model):
    """What the lime package calls: images (B, H, W, 3) float in [0, 1] -> probabilities (B, classes)."""
    def classify(images: np.ndarray) -> np.ndarray:
        pixels = torch.as_tensor(np.asarray(images), dtype=torch.float32).permute(0, 3, 1, 2)
        with torch.inference_mode():
            return torch.softmax(model(model.normalize(pixels)), dim=-1).double().numpy()
    return classify
