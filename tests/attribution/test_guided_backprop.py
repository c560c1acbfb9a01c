"""Guided backprop: Captum where Captum is right, and answers worked out by hand."""
from __future__ import annotations

import warnings

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import seethrough as st
from seethrough.attribution.guided_backprop import guided_backprop

from .propagation_nets import basic_model2, tiny, wrap


def _inputs(seed: int = 0) -> torch.Tensor:
    return torch.randn(3, 3, 6, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("target", [0, 2])
def test_matches_captum_on_distinct_relu_modules(target):
    from captum.attr import GuidedBackprop
    net, x = tiny(), _inputs()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = GuidedBackprop(net).attribute(x.clone(), target=target)
    ours = guided_backprop(wrap(net), x, target=target).values
    torch.testing.assert_close(ours, expected, rtol=1e-6, atol=1e-6 * float(expected.abs().max()))
    gradient = x.clone().requires_grad_()
    net(gradient)[:, target].sum().backward()
    assert not torch.allclose(ours, gradient.grad)  # the rule did something


def test_basic_model2_by_hand():
    model = basic_model2()
    # x = (3, 1): f = relu(3 - 1 - 1) = 1; gradient (1, -1); the negative signal into relu(x2) is stopped
    x = torch.tensor([[[[3.0]], [[1.0]]], [[[-2.0]], [[1.0]]]])
    values = st.attribute(model, x, target=0, method="guided_backprop").values.flatten(1)
    # x = (-2, 1): the outer relu is off, so nothing flows back at all
    torch.testing.assert_close(values, torch.tensor([[1.0, 0.0], [0.0, 0.0]]))


class Elementwise(nn.Module):
    """f(x) = sum(w * act(x)) over one channel of 6 values."""

    def __init__(self, act, weights):
        super().__init__()
        self.act, self.weights = act, weights

    def forward(self, x):
        return (self.weights * self.act(x)).flatten(1).sum(1, keepdim=True)


def _elementwise(act):
    weights = torch.tensor([1.0, -1.0, 2.0, -2.0, 3.0, -3.0], dtype=torch.float64).view(1, 1, 1, 6)
    x = torch.tensor([-1.0, 2.0, 3.0, 7.0, 8.0, 0.5], dtype=torch.float64).view(1, 1, 1, 6)
    model = st.Model(Elementwise(act, weights), input_size=(1, 6), mean=(0.0,), std=(1.0,), labels=["f"])
    return model, x, weights


@pytest.mark.parametrize("act", [nn.ReLU6(), nn.Hardtanh(0.0, 6.0), lambda t: F.relu6(t), lambda t: t.clamp(0, 6)])
def test_relu6_in_every_spelling_is_guided_and_keeps_its_saturation(act):
    model, x, weights = _elementwise(act)
    values = guided_backprop(model, x, target=0).values
    expected = ((x > 0) & (x < 6)).double() * weights.clamp(min=0)
    torch.testing.assert_close(values, expected)


def test_smooth_activations_use_their_derivative_times_the_positive_signal():
    model, x, weights = _elementwise(nn.GELU())
    leaf = x.clone().requires_grad_()
    derivative, = torch.autograd.grad(F.gelu(leaf).sum(), leaf)
    torch.testing.assert_close(guided_backprop(model, x, target=0).values, derivative * weights.clamp(min=0))


def test_guided_gradcam_weights_guided_backprop_by_the_upsampled_gradcam_map(monkeypatch):
    """Grad-CAM lives in another module; a stand-in with a known map checks the combination."""
    from seethrough.attribution import base
    from seethrough.attribution.guided_gradcam import guided_gradcam
    seen = {}

    def gradcam(model, x, *, target=None, layer="conv2"):
        seen["layer"] = layer
        cam = torch.zeros(x.shape[0], 2, 2, dtype=x.dtype)
        cam[:, 0, 0] = 1.0  # the top-left quarter only
        return base.Attribution(cam, "gradcam", None, "stand-in", {"layer": layer}, {"map_max": 1.0})

    monkeypatch.setitem(base._METHODS, "gradcam", gradcam)
    model, x = wrap(tiny()), _inputs()
    result = guided_gradcam(model, x, target=1, layer="conv1")
    guided = guided_backprop(model, x, target=1).values
    weights = F.interpolate(torch.tensor([[[[1.0, 0.0], [0.0, 0.0]]]], dtype=x.dtype), size=(6, 6), mode="bilinear")
    assert seen["layer"] == "conv1" and result.options["layer"] == "conv1"
    assert weights[0, 0, 0, 0] == 1 and weights[0, 0, -1, -1] == 0
    torch.testing.assert_close(result.values, guided * weights)
    assert result.values.shape == x.shape and result.certificates["gradcam_map_max"] == 1.0
