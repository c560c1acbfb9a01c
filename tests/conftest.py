"""Shared fixtures: the real models and inputs, loaded once per test session.

Real-model tests are marked ``@pytest.mark.slow``; they run in CI too.
"""
from __future__ import annotations

import pytest
import torch

import seethrough as st


@pytest.fixture(scope="session")
def efficientnet() -> st.Model:
    """EfficientNet-Lite0, pretrained, eval mode. Do not modify it: clone what you change."""
    return st.zoo.load("efficientnet_lite0")


@pytest.fixture(scope="session")
def mnist_cnn() -> st.Model:
    """mnist_cnn, trained on first use (about 20 s) and cached."""
    return st.zoo.load("mnist_cnn", progress=False)


@pytest.fixture(scope="session")
def chelsea() -> "numpy.ndarray":  # noqa: F821
    return st.data.sample("chelsea")


@pytest.fixture(scope="session")
def chelsea_x(efficientnet, chelsea) -> torch.Tensor:
    """chelsea as EfficientNet-Lite0's input, (1, 3, 224, 224) float32."""
    return efficientnet.preprocess(chelsea)


@pytest.fixture
def no_hooks_left():
    """Call with a module after a method ran: asserts no hook of any kind remains on it."""
    def check(module: torch.nn.Module) -> None:
        assert not st.hooks.has_hooks(module), "a hook was left on the model"
    return check
