"""The per-call rule mechanism: every way of calling an activation gets the rule; nothing survives."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import seethrough as st
from seethrough.attribution.base import get_method
from seethrough.attribution.interception import propagation
from seethrough.attribution.rules import Call, backward_rule, kind_of
from seethrough.errors import SeethroughError

from .propagation_nets import tiny, wrap

PROPAGATION = ["guided_backprop", "deconvnet", "lrp", "deeplift"]
bound_relu = F.relu  # bound before any method runs, as ``from torch.nn.functional import relu`` would be


class EveryWay(nn.Module):
    """Seven ReLU-like calls: a reused module (twice), F.relu, a pre-bound F.relu, torch.relu,
    Tensor.relu and clamp(min=0)."""

    def __init__(self):
        super().__init__()
        self.act = nn.ReLU()

    def forward(self, x):
        x = self.act(x) - 0.5
        x = self.act(x) + F.relu(-x) + torch.relu(x - 0.1) + (x - 0.2).relu() + (x - 0.3).clamp(min=0)
        x = x + bound_relu(x - 0.4)
        return x.sum(dim=(1, 2, 3)).unsqueeze(1)


def _zero_signal(call: Call, inputs, outputs, grad):
    return torch.zeros_like(grad)


def test_kinds_are_found_from_the_function_whatever_its_spelling():
    x = torch.randn(3, requires_grad=True)
    weight = nn.Parameter(torch.randn(3))
    assert {kind_of(f, (x,), {}) for f in (F.relu, torch.relu, torch.Tensor.relu, torch.relu_)} == {"relu"}
    assert {kind_of(f, (x, 0, 6), {}) for f in (F.relu6, F.hardtanh, torch.clamp, torch.Tensor.clamp)} == {"clip"}
    assert kind_of(torch.Tensor.mul, (x, x * 2), {}) == "product"
    assert kind_of(torch.Tensor.mul, (x, weight), {}) is None  # a parameter is not a gate
    assert kind_of(torch.exp, (x,), {}) == "exp"
    assert kind_of(torch.Tensor.add, (x, x), {}) is None
    assert kind_of(F.max_pool2d, (x,), {}) == "max_pool"


def test_clip_bounds_are_read_from_each_spelling():
    x = torch.randn(3)
    assert Call("clip", F.relu6, (x,), {}).params() == {"min": 0.0, "max": 6.0}
    assert Call("clip", F.hardtanh, (x,), {"min_val": 0.0, "max_val": 6.0}).params() == {"min": 0.0, "max": 6.0}
    assert Call("clip", torch.clamp, (x,), {"min": 0}).params() == {"min": 0, "max": None}
    assert Call("clip", torch.clamp, (x, -1, 2), {}).params() == {"min": -1, "max": 2}


def test_a_rule_reaches_every_call_however_the_activation_is_written():
    net = EveryWay()
    x = torch.randn(2, 1, 4, 4, requires_grad=True)
    plain, = torch.autograd.grad(net(x).sum(), x)
    assert plain.abs().sum() > 0
    rules = {"relu": backward_rule(_zero_signal), "clip": backward_rule(_zero_signal)}
    with propagation(net, rules, method="test") as interceptor:
        out = net(x)
    ruled, = torch.autograd.grad(out.sum(), x)
    assert interceptor.calls == 7
    assert torch.equal(ruled, torch.zeros_like(ruled))


@pytest.mark.parametrize("method", PROPAGATION)
def test_reused_module_and_functional_calls_give_the_distinct_modules_map(method):
    x = torch.randn(2, 3, 6, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    styles = ("distinct", "shared", "functional", "inplace")
    maps = {style: get_method(method)(wrap(tiny(style)), x, target=1).values for style in styles}
    assert maps["distinct"].abs().sum() > 0
    for style in styles[1:]:
        torch.testing.assert_close(maps[style], maps["distinct"], rtol=0, atol=0)


class Raises(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.act = nn.ReLU6()

    def forward(self, x):
        x = F.relu(self.act(self.conv(x)))
        raise RuntimeError("boom mid-forward")


def _torch_state():
    return (F.relu, F.relu6, F.hardtanh, F.gelu, F.conv2d, torch.relu, torch.sigmoid, torch.Tensor.relu,
            torch.Tensor.clamp, nn.ReLU.forward, nn.ReLU6.forward, nn.Hardtanh.forward)


def _all_methods():
    """Every registered attribution method (CAM is run on a pooling head below)."""
    return st.list_methods()


#: options a method needs on a 6 x 6 input
SMALL = {"occlusion": {"window": 2}}


@pytest.mark.parametrize("method", _all_methods())
def test_nothing_survives_a_method_even_when_the_model_raises(method, no_hooks_left):
    before = _torch_state()
    module = Raises().eval()
    model = st.Model(module, input_size=(6, 6), labels=["a", "b"])
    x = torch.randn(1, 3, 6, 6)
    with pytest.raises(RuntimeError, match="boom"):
        get_method(method)(model, x, target=0, **SMALL.get(method, {}))
    no_hooks_left(module)
    assert all(a is b for a, b in zip(_torch_state(), before))
    assert torch._C._len_torch_function_stack() == 0
    assert "forward" not in vars(module.act)


@pytest.mark.parametrize("method", _all_methods())
def test_nothing_survives_a_method_that_ran(method, no_hooks_left):
    net = tiny() if method != "cam" else PooledHead().double().eval()
    model = wrap(net)
    x = torch.randn(2, 3, 6, 6, dtype=torch.float64)
    copy = x.clone()
    state = {k: v.clone() for k, v in net.state_dict().items()}
    get_method(method)(model, x, target=0, **SMALL.get(method, {}))
    no_hooks_left(net)
    assert torch._C._len_torch_function_stack() == 0
    assert torch.equal(x, copy) and not x.requires_grad
    assert all(torch.equal(v, state[k]) for k, v in net.state_dict().items())
    assert all(p.requires_grad for p in net.parameters()) and not net.training


class PooledHead(nn.Module):
    """conv -> ReLU -> global average pooling -> linear: a head CAM accepts."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.act = nn.ReLU()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return self.fc(self.act(self.conv(x)).mean(dim=(2, 3)))


class Unknown(nn.Module):
    def __init__(self, act: nn.Module):
        super().__init__()
        self.conv = nn.Conv2d(3, 2, 3)
        self.odd = act

    def forward(self, x):
        return self.odd(self.conv(x)).mean(dim=(2, 3))


class _Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return torch.sigmoid(x) * x

    @staticmethod
    def backward(ctx, grad):
        return grad


class _ExpSwish(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x / (1 + torch.exp(-x))

    @staticmethod
    def backward(ctx, grad):
        return grad


class CustomFunction(nn.Module):
    def __init__(self, function=_Square):
        super().__init__()
        self.function = function

    def forward(self, x):
        return self.function.apply(x)


class Exp(nn.Module):
    def forward(self, x):
        return torch.exp(x)


@pytest.mark.parametrize("method", PROPAGATION)
@pytest.mark.parametrize("act, named", [
    (nn.PReLU(), "prelu"), (Exp(), "exp"), (nn.LayerNorm(3), "layer_norm"),
    (CustomFunction(), "sigmoid runs with gradients off"), (CustomFunction(_ExpSwish), "exp runs with gradients off"),
])
def test_an_activation_without_a_rule_is_an_error_naming_it(method, act, named, no_hooks_left):
    module = Unknown(act).eval()
    model = st.Model(module, input_size=(5, 5), labels=["a", "b"])
    with pytest.raises(SeethroughError, match=named) as error:
        get_method(method)(model, torch.randn(1, 3, 5, 5), target=0)
    assert "'odd'" in str(error.value)
    no_hooks_left(module)
    assert torch._C._len_torch_function_stack() == 0


def test_torchscript_is_refused_rather_than_silently_differentiated():
    scripted = torch.jit.script(nn.Sequential(nn.Conv2d(3, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(18, 2)))
    model = st.Model(scripted, input_size=(5, 5), labels=["a", "b"])
    with pytest.raises(SeethroughError, match="TorchScript"):
        get_method("guided_backprop")(model, torch.randn(1, 3, 5, 5), target=0)


@pytest.mark.parametrize("method", PROPAGATION)
def test_a_method_works_under_the_callers_no_grad(method):
    model, x = wrap(tiny()), torch.randn(2, 3, 6, 6, dtype=torch.float64)
    expected = get_method(method)(model, x, target=1).values
    with torch.no_grad():
        values = get_method(method)(model, x, target=1).values
    assert torch.equal(values, expected) and not values.requires_grad
