"""LRP: Captum where Captum is right, a slow layer-by-layer re-implementation, conservation, folding."""
from __future__ import annotations

import warnings

import pytest
import torch
from torch import nn

import seethrough as st
from seethrough.attribution.lrp import fold_batchnorms, lrp
from seethrough.errors import SeethroughError

from .propagation_nets import tiny, wrap
from .test_guided_backprop import _elementwise, _inputs


def test_epsilon_rule_matches_captum_on_distinct_relu_modules():
    from captum.attr import LRP
    net, x = tiny(), _inputs(2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = LRP(net).attribute(x.clone(), target=2)
    ours = lrp(wrap(net), x, target=2, epsilon=1e-9).values
    torch.testing.assert_close(ours, expected, rtol=1e-6, atol=1e-6 * float(expected.detach().abs().max()))


class MLP(nn.Module):
    def __init__(self, act=nn.ReLU):
        super().__init__()
        torch.manual_seed(3)
        self.layers = nn.ModuleList([nn.Linear(5, 7), nn.Linear(7, 6), nn.Linear(6, 3)])
        self.act = act()

    def forward(self, x):
        x = x.flatten(1)
        for layer in self.layers[:-1]:
            x = self.act(layer(x))
        return self.layers[-1](x)


def _slow_lrp(net: MLP, x: torch.Tensor, target: int, epsilon: float, rho=lambda w: w) -> torch.Tensor:
    """Textbook LRP, one neuron at a time: R_j = sum_k a_j rho(w_jk) / (sum_j' a_j' rho(w_j'k) + rho(b_k) + eps) R_k."""
    activations = [x.flatten(1)[0]]
    for layer in net.layers[:-1]:
        activations.append(torch.relu(layer(activations[-1])))
    relevance = torch.zeros(3, dtype=x.dtype)
    relevance[target] = net.layers[-1](activations[-1])[target]
    for layer, a in zip(reversed(net.layers), reversed(activations)):
        weight, bias = layer.weight.detach(), layer.bias.detach()
        w, b = (weight, bias) if layer is net.layers[-1] or layer is net.layers[0] else (rho(weight), rho(bias))
        new = torch.zeros_like(a)
        for k in range(weight.shape[0]):
            z = sum(a[j] * w[k, j] for j in range(len(a))) + b[k]
            z = z + epsilon * (1 if z >= 0 else -1)
            for j in range(len(a)):
                new[j] += a[j] * w[k, j] / z * relevance[k]
        relevance = new
    return relevance


def _mlp_model(net):
    return st.Model(net.double().eval(), input_size=(1, 5), mean=(0.0,), std=(1.0,), labels=["a", "b", "c"])


@pytest.mark.parametrize("epsilon", [1e-9, 0.5])
def test_epsilon_rule_equals_the_textbook_loop(epsilon):
    net = MLP()
    model = _mlp_model(net)
    x = torch.randn(1, 1, 1, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(4))
    ours = lrp(model, x, target=1, epsilon=epsilon).values.flatten()
    torch.testing.assert_close(ours, _slow_lrp(net, x, 1, epsilon))


def test_relevance_is_conserved_without_biases_through_relu6_padding_residuals_and_pooling():
    class Residual(nn.Module):
        def __init__(self):
            super().__init__()
            torch.manual_seed(5)
            self.pad = nn.ZeroPad2d((1, 1, 1, 1))
            self.conv1 = nn.Conv2d(3, 4, 3, bias=False)
            self.depthwise = nn.Conv2d(4, 4, 3, padding=1, groups=4, bias=False)
            self.act = nn.ReLU6()
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(4, 2, bias=False)

        def forward(self, x):
            x = self.act(self.conv1(self.pad(x)))
            x = self.act(self.depthwise(x)) + x
            return self.fc(self.pool(x).flatten(1))

    model = st.Model(Residual().double().eval(), input_size=(6, 6), labels=["a", "b"])
    x = 3 * _inputs(6)
    result = lrp(model, x, target=0, epsilon=1e-12)
    assert max(result.certificates["relative_gap"]) < 1e-9
    torch.testing.assert_close(torch.tensor(result.certificates["sum"], dtype=torch.float64),
                               model(x)[:, 0].detach())


def test_relu6_passes_relevance_unchanged():
    model, x, weights = _elementwise(nn.ReLU6())
    # one layer, no bias: R_x = x * w * relu6(x) / x = w * relu6(x)
    torch.testing.assert_close(lrp(model, x, target=0, epsilon=0.0).values, weights * torch.clamp(x, 0, 6))


def test_gamma_and_zplus_apply_where_the_conv_input_is_rectified_and_epsilon_on_the_pixels():
    class TwoConv(nn.Module):
        def __init__(self):
            super().__init__()
            torch.manual_seed(7)
            self.conv1, self.conv2 = nn.Conv2d(3, 4, 3), nn.Conv2d(4, 2, 4)
            self.act = nn.ReLU()

        def forward(self, x):
            return self.conv2(self.act(self.conv1(x))).flatten(1)

    net = TwoConv().double().eval()
    model = st.Model(net, input_size=(6, 6), labels=["a", "b"])
    x = _inputs(8)[:1]
    pre = net.conv1(x).detach()
    hidden = torch.relu(pre)
    z = net.conv2(hidden)[0, 1].item()
    rules = {"gamma": (lambda w: w + 0.25 * w.clamp(min=0)) if z >= 0 else (lambda w: w + 0.25 * w.clamp(max=0)),
             "zplus": lambda w: w.clamp(min=0)}
    for rule, rho in rules.items():
        weight = rho(net.conv2.weight[1].detach())
        bias = 0.0 if rule == "zplus" else rho(net.conv2.bias[1].detach())
        # conv2 (its input is rectified): R_j = a_j rho(w_j) / (sum a rho(w) + rho(b)) * z
        hidden_relevance = hidden[0] * weight / ((hidden[0] * weight).sum() + bias) * z
        # conv1 (its input, the pixels, can be negative): epsilon rule, R_x = x * d/dx sum(z1 * R / z1)
        leaf = x.clone().requires_grad_()
        ratio = torch.where(pre > 0, hidden_relevance / pre.where(pre > 0, torch.ones_like(pre)), 0.0)
        expected = x * torch.autograd.grad((net.conv1(leaf) * ratio).sum(), leaf)[0]
        result = lrp(model, x, target=1, conv_rule=rule, epsilon=0.0)
        assert result.certificates["modified_convs"] == 1
        torch.testing.assert_close(result.values, expected)


def test_batchnorm_is_folded_on_a_copy_and_gives_the_hand_folded_answer():
    torch.manual_seed(9)
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(64, 2)).double()
    with torch.no_grad():
        net[1].running_mean.uniform_(-1, 1), net[1].running_var.uniform_(0.5, 2)
        net[1].weight.uniform_(0.5, 2), net[1].bias.uniform_(-1, 1)
    net.eval()
    state = {k: v.clone() for k, v in net.state_dict().items()}
    x = _inputs(10)[:2]
    result = lrp(st.Model(net, input_size=(6, 6), labels=["a", "b"]), x, target=0, epsilon=1e-9)
    assert result.certificates["folded_batchnorms"] == 1
    assert isinstance(net[1], nn.BatchNorm2d) and all(torch.equal(v, state[k]) for k, v in net.state_dict().items())
    scale = net[1].weight / torch.sqrt(net[1].running_var + net[1].eps)
    by_hand = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(64, 2)).double().eval()
    with torch.no_grad():
        by_hand[0].weight.copy_(net[0].weight * scale.view(4, 1, 1, 1))
        by_hand[0].bias.copy_((net[0].bias - net[1].running_mean) * scale + net[1].bias)
        by_hand[3].load_state_dict(net[4].state_dict())
    expected = lrp(st.Model(by_hand, input_size=(6, 6), labels=["a", "b"]), x, target=0, epsilon=1e-9).values
    torch.testing.assert_close(result.values, expected)
    folded, count = fold_batchnorms(net, x)
    assert count == 1 and not any(isinstance(m, nn.BatchNorm2d) for m in folded.modules())


def test_a_gate_has_no_lrp_rule_and_says_so():
    class Gate(nn.Module):
        def forward(self, x):
            return (torch.sigmoid(x) * x).flatten(1).sum(1, keepdim=True)

    model = st.Model(Gate(), input_size=(2, 2), labels=["f"])
    with pytest.raises(SeethroughError, match="product"):
        lrp(model, torch.randn(1, 3, 2, 2), target=0)


def test_options_are_validated():
    with pytest.raises(SeethroughError, match="conv_rule"):
        lrp(wrap(tiny()), _inputs(), target=0, conv_rule="alpha-beta")
