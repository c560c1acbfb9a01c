"""Gradient-family methods on the real EfficientNet-Lite0 and chelsea.

Captum is right for the plain gradient and for integrated gradients with Gauss-Legendre steps, so
those are compared with it; completeness and the CAM identity are checked by the methods' axioms.
"""
from __future__ import annotations

import warnings

import pytest
import torch

import seethrough as st

pytestmark = pytest.mark.slow

EGYPTIAN_CAT = 285


def _relative(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).norm() / b.norm())


def test_integrated_gradients_meets_a_one_percent_completeness_tolerance(efficientnet, chelsea_x):
    result = st.attribute(efficientnet, chelsea_x, target=EGYPTIAN_CAT, method="integrated_gradients",
                          n_steps=16, tolerance=0.01)
    certificates = result.certificates
    assert certificates["tolerance_met"] is True
    assert certificates["relative_gap"][0] <= 0.01
    assert certificates["n_steps"] > 16  # 16 steps are not enough here: the steps were refined
    assert result.values.sum().item() == pytest.approx(certificates["sum"][0], rel=1e-4)
    with torch.no_grad():
        delta = (efficientnet(chelsea_x) - efficientnet(torch.zeros_like(chelsea_x)))[0, EGYPTIAN_CAT].item()
    assert certificates["delta"][0] == pytest.approx(delta, rel=1e-4)
    assert abs(certificates["sum"][0] - delta) <= 0.01 * abs(delta)


def test_integrated_gradients_and_saliency_match_captum_on_the_real_model(efficientnet, chelsea_x):
    from captum.attr import IntegratedGradients, Saliency
    ours = st.attribute(efficientnet, chelsea_x, target=EGYPTIAN_CAT, method="integrated_gradients", n_steps=16)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = IntegratedGradients(efficientnet.module).attribute(chelsea_x.clone(), target=EGYPTIAN_CAT,
                                                                     n_steps=16, internal_batch_size=8)
        gradient = Saliency(efficientnet.module).attribute(chelsea_x.clone(), target=EGYPTIAN_CAT, abs=False)
    assert _relative(ours.values, theirs) < 1e-4
    saliency = st.attribute(efficientnet, chelsea_x, target=EGYPTIAN_CAT, method="saliency", absolute=False)
    assert _relative(saliency.values, gradient) < 1e-5


def test_cam_rebuilds_the_logit_and_is_grad_cam_times_the_positions(efficientnet, chelsea_x):
    cam = st.attribute(efficientnet, chelsea_x, target=EGYPTIAN_CAT, method="cam")
    with torch.no_grad():
        logit = efficientnet(chelsea_x)[0, EGYPTIAN_CAT].item()
    assert cam.certificates["logit"][0] == pytest.approx(logit, rel=1e-5)
    assert cam.certificates["logit_from_map"][0] == pytest.approx(logit, rel=1e-4)
    gradcam = st.attribute(efficientnet, chelsea_x, target=EGYPTIAN_CAT, method="gradcam", relu=False)
    assert cam.values.shape == gradcam.values.shape == (1, 7, 7)
    assert _relative(cam.values, 49 * gradcam.values) < 1e-4


def test_smoothgrad_differs_from_the_gradient_and_its_variants_are_consistent(efficientnet, chelsea_x):
    options = dict(target=EGYPTIAN_CAT, method="smoothgrad", n_samples=8, noise_level=0.15, seed=3)
    mean = st.attribute(efficientnet, chelsea_x, **options).values
    square = st.attribute(efficientnet, chelsea_x, variant="smoothgrad_sq", **options).values
    variance = st.attribute(efficientnet, chelsea_x, variant="vargrad", **options).values
    # same seed, same noise: Var = (E[g^2] - E[g]^2) * n / (n - 1), for every pixel
    assert torch.allclose(variance, (square - mean * mean) * 8 / 7, rtol=1e-3, atol=1e-6 * float(square.max()))
    gradient = st.attribute(efficientnet, chelsea_x, target=EGYPTIAN_CAT, method="saliency", absolute=False).values
    assert _relative(mean, gradient) > 0.5
    again = st.attribute(efficientnet, chelsea_x, **options).values
    assert torch.equal(mean, again)
