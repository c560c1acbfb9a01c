"""Propagation methods on the real EfficientNet-Lite0 and chelsea, where Captum 0.9 goes wrong.

EfficientNet-Lite0 reuses one ``nn.ReLU6`` module per block (an ``nn.Hardtanh``), pads with
``ZeroPad2d`` inside its convs, folds nothing, adds residuals and pools by averaging.
"""
from __future__ import annotations

import copy
import warnings

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import seethrough as st
from seethrough.errors import SeethroughError

pytestmark = pytest.mark.slow

PROPAGATION = ["guided_backprop", "deconvnet", "lrp", "deeplift"]


class RoundRobin(nn.Module):
    """Each call uses the next of two distinct ``nn.ReLU6`` modules: one module per call in a block."""

    def __init__(self):
        super().__init__()
        self.copies = nn.ModuleList([nn.ReLU6(), nn.ReLU6()])
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        return self.copies[self.calls % 2](x)


class Functional(nn.Module):
    """ReLU6 written functionally, a different spelling at each call: F.relu6, torch.clamp, Tensor.clamp."""

    def __init__(self):
        super().__init__()
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        return [F.relu6, lambda t: torch.clamp(t, 0, 6), lambda t: t.clamp(min=0, max=6)][self.calls % 3](x)


def _rewired(model: st.Model, factory) -> st.Model:
    """A deep copy of ``model`` with every ``_swish`` (the shared ReLU6 of each block) replaced by ``factory()``."""
    module = copy.deepcopy(model.module)
    for sub in list(module.modules()):
        if isinstance(getattr(sub, "_swish", None), nn.ReLU6):
            sub._swish = factory()
    return st.Model(module, labels=model.labels, name="rewired")


def _swish_copy(model: st.Model, memory_efficient: bool) -> st.Model:
    module = copy.deepcopy(model.module)
    module.set_swish(memory_efficient=memory_efficient)
    return st.Model(module, labels=model.labels, name="swish")


@pytest.fixture(scope="module")
def gradient(efficientnet, chelsea_x):
    leaf = chelsea_x.clone().requires_grad_()
    efficientnet(leaf)[0, 285].backward()
    return leaf.grad


def test_deeplift_is_complete_where_captum_is_not(efficientnet, chelsea_x, no_hooks_left):
    from captum.attr import DeepLift
    result = st.attribute(efficientnet, chelsea_x, target=285, method="deeplift")
    certificates = result.certificates
    assert certificates["delta"][0] > 5  # f(x) - f(0) for "Egyptian cat"
    assert certificates["relative_gap"][0] <= 0.01
    assert certificates["rule_calls"] == 33  # 16 blocks (the first has no expansion) + stem + head
    no_hooks_left(efficientnet.module)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        captum = DeepLift(efficientnet.module).attribute(chelsea_x.clone(), target=285,
                                                         baselines=torch.zeros_like(chelsea_x))
    captum_gap = abs(float(captum.detach().sum()) - certificates["delta"][0]) / certificates["delta"][0]
    assert captum_gap > 0.5, "Captum's DeepLift became complete on the shared ReLU6: update the docs"


def test_deeplift_in_float64_is_complete_to_rounding(efficientnet, chelsea_x):
    module = copy.deepcopy(efficientnet.module).double()
    model = st.Model(module, labels=efficientnet.labels)
    result = st.attribute(model, chelsea_x.double(), target=285, method="deeplift", baseline=0.3)
    assert result.certificates["relative_gap"][0] < 1e-8


@pytest.mark.parametrize("method", ["guided_backprop", "deconvnet"])
def test_guided_backprop_and_deconvnet_differ_from_the_gradient(efficientnet, chelsea_x, gradient, method):
    from captum.attr import Deconvolution, GuidedBackprop
    values = st.attribute(efficientnet, chelsea_x, target=285, method=method).values
    assert float((values - gradient).norm() / gradient.norm()) > 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        captum = {"guided_backprop": GuidedBackprop, "deconvnet": Deconvolution}[method](efficientnet.module)
        assert torch.equal(captum.attribute(chelsea_x.clone(), target=285), gradient)  # Captum misses ReLU6


def test_lrp_runs_through_zero_padding_and_reports_its_relevance_sum(efficientnet, chelsea_x, no_hooks_left):
    state = {k: v.clone() for k, v in efficientnet.module.state_dict().items()}
    result = st.attribute(efficientnet, chelsea_x, target=285, method="lrp")
    assert result.certificates["folded_batchnorms"] == 49
    assert torch.isfinite(result.values).all() and result.values.abs().sum() > 0
    with torch.no_grad():
        logit = float(efficientnet(chelsea_x)[0, 285])
    assert result.certificates["score"][0] == pytest.approx(logit, rel=1e-4)
    assert isinstance(efficientnet.module._bn0, nn.BatchNorm2d) and not efficientnet.module.training
    assert all(torch.equal(v, state[k]) for k, v in efficientnet.module.state_dict().items())
    no_hooks_left(efficientnet.module)


def test_lrp_conserves_relevance_on_the_real_architecture_without_biases(efficientnet, chelsea_x):
    """With every folded bias zero, LRP-epsilon must hand the whole logit down to the pixels."""
    module = copy.deepcopy(efficientnet.module)
    with torch.no_grad():
        for sub in module.modules():
            if isinstance(sub, nn.BatchNorm2d):
                sub.running_mean.zero_()
                sub.bias.zero_()
        module._fc.bias.zero_()
    model = st.Model(module, labels=efficientnet.labels)
    result = st.attribute(model, chelsea_x, target=285, method="lrp", epsilon=1e-9)
    assert result.certificates["relative_gap"][0] < 1e-3


def test_one_network_written_three_ways_gives_the_same_maps(efficientnet, chelsea_x):
    quick = {"integrated_gradients": {"n_steps": 4}, "smoothgrad": {"n_samples": 2}, "occlusion": {"window": 56, "stride": 56}}
    methods = [m for m in st.list_methods() if m != "cam"]
    assert set(PROPAGATION + ["saliency", "integrated_gradients", "gradcam"]) <= set(methods)
    variants = [_rewired(efficientnet, RoundRobin), _rewired(efficientnet, Functional)]
    for method in methods:
        options = quick.get(method, {})
        reference = st.attribute(efficientnet, chelsea_x, target=285, method=method, **options).values
        for variant in variants:
            values = st.attribute(variant, chelsea_x, target=285, method=method, **options).values
            torch.testing.assert_close(values, reference, rtol=1e-5, atol=1e-6 * float(reference.abs().max()),
                                       msg=lambda m: f"{method} on {variant.name}: {m}")


@pytest.mark.parametrize("method", PROPAGATION)
def test_a_custom_autograd_activation_is_an_error_naming_its_module(efficientnet, chelsea_x, method):
    model = _swish_copy(efficientnet, memory_efficient=True)
    with pytest.raises(SeethroughError, match=r"gradients off in module '_swish'"):
        st.attribute(model, chelsea_x, target=285, method=method)
    assert torch._C._len_torch_function_stack() == 0


def test_swish_as_sigmoid_gate_is_ruled_or_refused_by_name(efficientnet, chelsea_x):
    model = _swish_copy(efficientnet, memory_efficient=False)  # x * sigmoid(x), written in plain torch
    assert st.attribute(model, chelsea_x, target=285, method="deeplift").certificates["relative_gap"][0] <= 0.01
    assert st.attribute(model, chelsea_x, target=285, method="guided_backprop").values.abs().sum() > 0
    with pytest.raises(SeethroughError, match=r"deconvnet has no rule for sigmoid"):
        st.attribute(model, chelsea_x, target=285, method="deconvnet")
    with pytest.raises(SeethroughError, match=r"lrp has no rule for mul \(product\)"):
        st.attribute(model, chelsea_x, target=285, method="lrp")


def test_deeplift_is_complete_through_max_pooling_on_real_digits(mnist_cnn):
    images, _ = st.data.mnist()
    x = torch.cat([mnist_cnn.preprocess(images[i]) for i in range(0, 5000, 625)])  # 8 digits, a batch
    result = st.attribute(mnist_cnn, x, method="deeplift")
    assert result.values.shape == x.shape and result.certificates["rule_calls"] == 4  # 2 ReLUs + 2 max pools
    assert max(result.certificates["relative_gap"]) < 1e-4
