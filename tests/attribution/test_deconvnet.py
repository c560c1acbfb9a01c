"""Deconvnet: Captum where Captum is right; the backward ReLU ignores the forward switch."""
from __future__ import annotations

import warnings

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import seethrough as st
from seethrough.attribution.deconvnet import deconvnet
from seethrough.errors import SeethroughError

from .propagation_nets import basic_model2, tiny, wrap
from .test_guided_backprop import _elementwise, _inputs


@pytest.mark.parametrize("target", [0, 1])
def test_matches_captum_on_distinct_relu_modules(target):
    from captum.attr import Deconvolution
    net, x = tiny(), _inputs(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = Deconvolution(net).attribute(x.clone(), target=target)
    ours = deconvnet(wrap(net), x, target=target).values
    torch.testing.assert_close(ours, expected, rtol=1e-6, atol=1e-6 * float(expected.abs().max()))
    guided = st.attribute(wrap(net), x, target=target, method="guided_backprop").values
    assert not torch.allclose(ours, guided)


def test_basic_model2_by_hand():
    # x = (-2, 1): the outer relu is off in the forward pass, but deconvnet passes the signal +1
    # back anyway; relu(x1) passes it though x1 < 0; the -1 into relu(x2) is rectified to 0.
    x = torch.tensor([[[[3.0]], [[1.0]]], [[[-2.0]], [[1.0]]]])
    values = st.attribute(basic_model2(), x, target=0, method="deconvnet").values.flatten(1)
    torch.testing.assert_close(values, torch.tensor([[1.0, 0.0], [1.0, 0.0]]))


@pytest.mark.parametrize("act", [nn.ReLU6(), lambda t: F.relu6(t), lambda t: torch.clamp(t, min=0, max=6)])
def test_relu6_rectifies_the_signal_but_keeps_the_saturation_above_6(act):
    model, x, weights = _elementwise(act)
    expected = (x < 6).double() * weights.clamp(min=0)  # x = -1 passes (forward switch ignored)
    torch.testing.assert_close(deconvnet(model, x, target=0).values, expected)


def test_leaky_relu_is_applied_to_the_signal():
    model, x, weights = _elementwise(nn.LeakyReLU(0.1))
    torch.testing.assert_close(deconvnet(model, x, target=0).values, torch.where(weights > 0, weights, 0.1 * weights))


@pytest.mark.parametrize("act, name", [(nn.GELU(), "gelu"), (nn.Sigmoid(), "sigmoid"), (nn.Hardtanh(), "hardtanh")])
def test_an_activation_without_rectification_is_an_error_naming_it(act, name):
    model, x, _ = _elementwise(act)
    with pytest.raises(SeethroughError, match=name):
        deconvnet(model, x, target=0)
