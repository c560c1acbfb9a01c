"""The gradient family: Captum where Captum is right, known answers, and the methods' own axioms."""
from __future__ import annotations

import warnings

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import seethrough as st
from seethrough.attribution.integrated_gradients import RULES
from seethrough.attribution.smoothgrad import noise

from .propagation_nets import tiny, wrap


def _inputs(seed: int = 0, n: int = 3) -> torch.Tensor:
    return torch.randn(n, 3, 6, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))


def assert_near(ours: torch.Tensor, expected: torch.Tensor, rtol: float = 1e-6) -> None:
    torch.testing.assert_close(ours, expected, rtol=rtol, atol=rtol * float(expected.detach().abs().max()))


def _captum(cls, net, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cls(net, *args).attribute(**kwargs)


class Linear(nn.Module):
    """f(x) = W x + b on flattened (N, 3, 4, 4): every gradient method has a closed form."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(48, 2)

    def forward(self, x):
        return self.fc(x.flatten(1))


class Pooled(nn.Module):
    """conv -> ReLU -> global average pooling -> linear: CAM's architecture."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 5, 3, padding=1)
        self.act = nn.ReLU()
        self.fc = nn.Linear(5, 4)

    def forward(self, x):
        return self.fc(self.act(self.conv(x)).mean(dim=(2, 3)))


def _model(module, size=6, classes=3):
    torch.manual_seed(0)
    return wrap(module.double().eval(), size=size, classes=classes)


# ----- Captum where it is right (distinct nn.ReLU modules, float64) ------------------------------------
@pytest.mark.parametrize("target", [0, 2])
def test_saliency_and_gradient_x_input_match_captum(target):
    from captum.attr import InputXGradient, Saliency
    net, x = tiny(), _inputs()
    assert_near(st.attribute(wrap(net), x, target=target, method="saliency").values,
                _captum(Saliency, net, inputs=x.clone(), target=target, abs=True))
    assert_near(st.attribute(wrap(net), x, target=target, method="saliency", absolute=False).values,
                _captum(Saliency, net, inputs=x.clone(), target=target, abs=False))
    assert_near(st.attribute(wrap(net), x, target=target, method="input_x_gradient").values,
                _captum(InputXGradient, net, inputs=x.clone(), target=target))


@pytest.mark.parametrize("rule", RULES)
def test_integrated_gradients_match_captum_for_every_rule(rule):
    from captum.attr import IntegratedGradients
    net, x = tiny(), _inputs()
    baseline = torch.full_like(x, -0.3)
    expected = _captum(IntegratedGradients, net, inputs=x.clone(), baselines=baseline, target=1, n_steps=12,
                       method=rule)
    ours = st.attribute(wrap(net), x, target=1, method="integrated_gradients", baseline=baseline, n_steps=12,
                        rule=rule, batch_size=5)
    if rule == "riemann_trapezoid":
        # Captum 0.9 weights the trapezoid's points 1/n (halved at the ends), which sum to (n - 1)/n, not 1:
        # its attributions are short by a factor 11/12 even on a linear model. Ours use 1/(n - 1); see
        # test_linear_model_closed_forms for the exact answer.
        expected = expected * 12 / 11
    assert_near(ours.values, expected)


def test_gradcam_matches_captum_layer_gradcam():
    from captum.attr import LayerGradCam
    net, x = tiny(), _inputs()
    expected = _captum(LayerGradCam, net, net.relu2, inputs=x.clone(), target=2, relu_attributions=True)
    ours = st.attribute(wrap(net), x, target=2, method="gradcam", layer="relu2")
    assert_near(ours.values, expected.squeeze(1))
    assert ours.values.shape == (3, 4, 4)


@pytest.mark.parametrize("target", [0, 2])
def test_guided_gradcam_matches_captum_with_bilinear_upsampling(target):
    from captum.attr import GuidedGradCam
    net, x = tiny(), _inputs()
    expected = _captum(GuidedGradCam, net, net.relu2, inputs=x.clone(), target=target, interpolate_mode="bilinear")
    ours = st.attribute(wrap(net), x, target=target, method="guided_gradcam", layer="relu2")
    assert_near(ours.values, expected)
    assert ours.values.shape == x.shape and float(ours.values.abs().max()) > 0


def test_smoothgrad_is_the_mean_of_captums_gradients_at_the_same_noisy_inputs():
    from captum.attr import Saliency
    net, x = tiny(), _inputs(n=2)
    eps = noise(x, 6, 0.2, seed=3)
    expected = sum(_captum(Saliency, net, inputs=x + e, target=0, abs=False) for e in eps) / 6
    ours = st.attribute(wrap(net), x, target=0, method="smoothgrad", n_samples=6, noise_level=0.2, seed=3)
    assert_near(ours.values, expected)


# ----- known answers --------------------------------------------------------------------------------
def test_linear_model_closed_forms():
    model = _model(Linear(), size=4, classes=2)
    w, b = model.module.fc.weight[1].view(1, 3, 4, 4), model.module.fc.bias[1]
    x = torch.randn(2, 3, 4, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    assert_near(st.attribute(model, x, target=1, method="saliency").values, w.abs().expand_as(x))
    assert_near(st.attribute(model, x, target=1, method="input_x_gradient").values, x * w)
    for rule in RULES:  # the integrand is constant: any rule, any steps, exact
        result = st.attribute(model, x, target=1, method="integrated_gradients", baseline=0.5, n_steps=3, rule=rule)
        assert_near(result.values, (x - 0.5) * w)
        assert max(result.certificates["relative_gap"]) < 1e-10
    delta = st.attribute(model, x, target=1, method="integrated_gradients").certificates["delta"]
    assert_near(torch.tensor(delta, dtype=torch.float64), (x * w).flatten(1).sum(1))  # f(x) - f(0), bias cancels
    assert b.abs() > 0


def test_smoothgrad_variants_on_a_quadratic_have_known_expectations():
    class Square(nn.Module):
        def forward(self, x):
            return (x ** 2).flatten(1).sum(1, keepdim=True)
    model = st.Model(Square(), input_size=(4, 4), mean=(0,) * 3, std=(1,) * 3, labels=["f"])
    x = torch.linspace(-1, 1, 48, dtype=torch.float64).view(1, 3, 4, 4)
    sigma = 0.1 * 2.0  # noise_level x (max - min)
    options = dict(target=0, method="smoothgrad", n_samples=4000, noise_level=0.1, seed=0)
    mean = st.attribute(model, x, **options).values  # E[2 (x + e)] = 2x
    torch.testing.assert_close(mean, 2 * x, atol=4 * 2 * sigma / 4000 ** 0.5, rtol=0)
    square = st.attribute(model, x, variant="smoothgrad_sq", **options).values  # E[4 (x + e)^2] = 4 x^2 + 4 s^2
    torch.testing.assert_close(square, 4 * x ** 2 + 4 * sigma ** 2, atol=0.06, rtol=0.05)
    var = st.attribute(model, x, variant="vargrad", **options).values  # Var[2 (x + e)] = 4 s^2
    torch.testing.assert_close(var, torch.full_like(x, 4 * sigma ** 2), atol=0, rtol=0.1)


def test_cam_is_grad_cam_without_relu_times_the_number_of_positions_and_rebuilds_the_logit():
    model = _model(Pooled(), size=6, classes=4)
    x = _inputs(2)
    cam = st.attribute(model, x, target=3, method="cam")
    raw = st.attribute(model, x, target=3, method="gradcam", relu=False, layer="act")
    assert_near(cam.values, raw.values * 36)
    assert_near(torch.tensor(cam.certificates["logit_from_map"]), torch.tensor(cam.certificates["logit"]))
    assert cam.certificates["layer"] == "act"  # the default: the last spatial layer called


def test_cam_refuses_a_head_that_is_not_global_average_pooling():
    with pytest.raises(st.SeethroughError, match="gradcam"):
        st.attribute(wrap(tiny()), _inputs(), target=0, method="cam")


def test_a_hidden_unit_target_differentiates_that_one_activation():
    net, x = tiny(), _inputs(n=2)
    values = st.attribute(wrap(net), x, target="conv1:2:1:3", method="saliency", absolute=False).values
    leaf = x.clone().requires_grad_()
    net.conv1(leaf)[:, 2, 1, 3].sum().backward()
    assert_near(values, leaf.grad)
    support = values.abs().sum((0, 1)) > 0  # the unit sees its 3x3 receptive field and nothing else
    assert support.nonzero().tolist() == [[r, c] for r in range(1, 4) for c in range(3, 6)]
    mean = st.attribute(wrap(net), x, target="conv2:4", method="input_x_gradient")
    assert mean.target is None and mean.target_label == "conv2:4"


def test_hidden_unit_target_errors_name_the_fix():
    model = wrap(tiny())
    with pytest.raises(st.SeethroughError, match="conv1"):
        st.attribute(model, _inputs(), target="conv:2", method="saliency")  # closest layer names
    with pytest.raises(st.SeethroughError, match="out of range"):
        st.attribute(model, _inputs(), target="conv1:9", method="saliency")
    with pytest.raises(st.SeethroughError, match="outside"):
        st.attribute(model, _inputs(), target="conv1:0:9:0", method="saliency")


def test_integrated_gradients_refines_steps_to_meet_a_tolerance():
    net, x = tiny(), _inputs()
    options = dict(target=0, method="integrated_gradients", n_steps=2, rule="riemann_trapezoid")
    coarse = st.attribute(wrap(net), x, **options)
    fine = st.attribute(wrap(net), x, tolerance=0.05, **options)
    assert max(coarse.certificates["relative_gap"]) > 0.05
    assert fine.certificates["tolerance_met"] and max(fine.certificates["relative_gap"]) <= 0.05
    assert fine.certificates["n_steps"] == 32  # 2, 4, 8, 16 missed it
    hopeless = st.attribute(wrap(net), x, tolerance=1e-9, max_steps=16, **options)
    assert not hopeless.certificates["tolerance_met"] and hopeless.certificates["n_steps"] == 16


def test_batching_and_seeds_do_not_change_results():
    net, x = tiny(), _inputs()
    one = st.attribute(wrap(net), x, target=0, method="integrated_gradients", n_steps=7, batch_size=1).values
    big = st.attribute(wrap(net), x, target=0, method="integrated_gradients", n_steps=7, batch_size=64).values
    assert_near(one, big, rtol=1e-12)
    runs = [st.attribute(wrap(net), x, target=0, method="smoothgrad", n_samples=3, seed=s).values for s in (5, 5, 6)]
    assert torch.equal(runs[0], runs[1]) and not torch.equal(runs[0], runs[2])
    uniform = [st.attribute(wrap(net), x, target=0, method="integrated_gradients", baseline="uniform", seed=s,
                            n_steps=3).values for s in (1, 1)]
    assert torch.equal(*uniform)


@pytest.mark.parametrize("call, message", [
    (dict(method="integrated_gradients", rule="simpson"), "riemann"),
    (dict(method="integrated_gradients", tolerance=0), "tolerance"),
    (dict(method="integrated_gradients", baseline="grey"), "blur"),
    (dict(method="smoothgrad", variant="vargrad", n_samples=1), "at least 2"),
    (dict(method="smoothgrad", variant="smooth"), "smoothgrad"),
    (dict(method="gradcam", layer="fc1"), "spatial"),
    (dict(method="salience"), "saliency"),
])
def test_bad_options_are_errors_that_say_what_to_do(call, message):
    with pytest.raises(st.SeethroughError, match=message):
        st.attribute(wrap(tiny()), _inputs(), target=0, **call)


def test_the_methods_work_under_the_callers_no_grad():
    net, x = tiny(), _inputs()
    expected = st.attribute(wrap(net), x, target=0, method="integrated_gradients", n_steps=5).values
    with torch.no_grad():
        for method in ("saliency", "input_x_gradient", "smoothgrad", "gradcam", "integrated_gradients"):
            st.attribute(wrap(net), x, target=0, method=method)
        assert_near(st.attribute(wrap(net), x, target=0, method="integrated_gradients", n_steps=5).values, expected)
    assert F.relu is torch.nn.functional.relu
