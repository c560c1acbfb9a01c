"""DeepLIFT (Rescale): Captum where Captum is right, hand answers, completeness on every structure."""
from __future__ import annotations

import warnings

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import seethrough as st
from seethrough.attribution.deeplift import deeplift

from .propagation_nets import basic_model2, tiny, wrap
from .test_guided_backprop import _inputs


@pytest.mark.parametrize("baseline", ["zeros", "random"])
def test_matches_captum_rescale_on_distinct_relu_modules(baseline):
    from captum.attr import DeepLift
    net, x = tiny(), _inputs(3)
    reference = torch.zeros_like(x) if baseline == "zeros" else _inputs(4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = DeepLift(net).attribute(x.clone(), target=1, baselines=reference.clone()).detach()
    result = deeplift(wrap(net), x, target=1, baseline=reference)
    torch.testing.assert_close(result.values, expected, rtol=1e-6, atol=1e-6 * float(expected.abs().max()))
    assert max(result.certificates["relative_gap"]) < 1e-9


def test_basic_model2_by_hand():
    # x = (3, 1), baseline 0: f(x) = relu(3 - 1 - 1) = 1, f(0) = relu(-1) = 0. The outer relu's
    # multiplier is (1 - 0) / (1 - (-1)) = 1/2, the inner ones 1, so x1 gets 3 * 1/2 and x2 gets -1/2.
    x = torch.tensor([[[[3.0]], [[1.0]]]], dtype=torch.float64)
    result = st.attribute(basic_model2(), x, target=0, method="deeplift")
    torch.testing.assert_close(result.values.flatten(), torch.tensor([1.5, -0.5], dtype=torch.float64))
    assert result.certificates["sum"] == pytest.approx([1.0]) and result.certificates["delta"] == pytest.approx([1.0])


class PoolAndGate(nn.Module):
    """conv -> relu6 -> maxpool -> squeeze-excitation gate (sigmoid * x) -> gelu -> linear."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(11)
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.reduce, self.expand = nn.Linear(4, 2), nn.Linear(2, 4)
        self.fc = nn.Linear(4 * 3 * 3, 3)

    def forward(self, x):
        x = F.max_pool2d(F.relu6(self.conv(x)), 2)
        gate = torch.sigmoid(self.expand(torch.tanh(self.reduce(x.mean(dim=(2, 3))))))
        x = F.gelu(x * gate[:, :, None, None])
        return self.fc(x.flatten(1))


def test_completeness_is_exact_through_max_pooling_gates_and_smooth_activations():
    model = st.Model(PoolAndGate().double().eval(), input_size=(6, 6), labels=["a", "b", "c"])
    x = 2 * _inputs(5)
    for baseline in ("zeros", _inputs(6)):
        result = deeplift(model, x, target=None, baseline=baseline)
        reference = torch.zeros_like(x) if isinstance(baseline, str) else baseline
        logits, reference_logits = model(x).detach(), model(reference).detach()
        delta = (logits - reference_logits).gather(1, result.target.view(-1, 1)).squeeze(1)
        torch.testing.assert_close(torch.tensor(result.certificates["delta"], dtype=torch.float64), delta)
        torch.testing.assert_close(result.values.flatten(1).sum(1), delta, rtol=1e-9, atol=1e-12)


def test_a_plain_gradient_times_difference_would_not_be_complete():
    """The check above can fail: gradient * (x - x0) on the same model misses f(x) - f(x0)."""
    model = st.Model(PoolAndGate().double().eval(), input_size=(6, 6), labels=["a", "b", "c"])
    x = 2 * _inputs(5)
    leaf = x.clone().requires_grad_()
    model(leaf)[:, 0].sum().backward()
    delta = model(x)[:, 0] - model(torch.zeros_like(x))[:, 0]
    assert not torch.allclose((leaf.grad * x).flatten(1).sum(1), delta.detach(), rtol=1e-3)


def test_baseline_as_a_number_and_the_reported_options():
    net = tiny()
    x = _inputs(7)
    result = deeplift(wrap(net), x, target=0, baseline=0.5)
    torch.testing.assert_close(result.values, deeplift(wrap(net), x, target=0, baseline=torch.full_like(x, 0.5)).values)
    assert result.options["baseline"] == 0.5 and result.to_dict()["certificates"]["relative_gap"]
