"""Occlusion on EfficientNet-Lite0 and chelsea: equal to Captum's ``Occlusion`` with the same window,
stride and baseline, for a class logit and for a hidden feature map."""
from __future__ import annotations

import warnings

import pytest
import torch

from seethrough.attribution.baselines import make_baseline
from seethrough.attribution.occlusion import occlusion

pytestmark = pytest.mark.slow


def _captum(forward, x, window, stride, baseline, **kwargs):
    from captum.attr import Occlusion
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        return Occlusion(forward).attribute(x, sliding_window_shapes=(3, window, window), strides=(3, stride, stride),
                                            baselines=baseline, perturbations_per_eval=4, **kwargs)


def test_equals_captum_on_efficientnet_within_1e_5(efficientnet, chelsea_x, no_hooks_left):
    """Window 64, stride 48 on 224 px: 5 x 5 windows, the last row and column hang over the edge."""
    kept = chelsea_x.clone()
    result = occlusion(efficientnet, chelsea_x, target=285, window=64, stride=48, baseline="blur")
    assert torch.equal(chelsea_x, kept) and result.grid.shape == (1, 5, 5)
    blurred = make_baseline(efficientnet, chelsea_x, "blur")
    captum = _captum(efficientnet.module, chelsea_x, 64, 48, blurred, target=285)
    difference = float((result.values - captum).abs().max())
    print(f"max |ours - captum| = {difference:.2e}")
    assert difference <= 1e-5
    assert float(result.values.abs().max()) > 0.1  # the map is not trivially zero
    base = result.certificates["base_score"][0]
    with torch.no_grad():
        logit = float(efficientnet(chelsea_x)[0, 285])
    assert base == pytest.approx(logit, abs=1e-5)
    assert result.certificates["max_percent_decrease"][0] == pytest.approx(float(result.grid.max()) / abs(base) * 100)
    no_hooks_left(efficientnet.module)


def test_hidden_feature_map_max_equals_captum(efficientnet, chelsea_x, no_hooks_left):
    """The lectures' "change in the activation of one filter": the max of one channel's map."""
    layer = efficientnet.layer("_blocks.10")
    result = occlusion(efficientnet, chelsea_x, target="_blocks.10:7", summary="max", window=75, stride=75)
    no_hooks_left(efficientnet.module)

    def strongest(inputs):
        captured = []
        handle = layer.register_forward_hook(lambda _m, _i, output: captured.append(output))
        try:
            efficientnet.module(inputs)
        finally:
            handle.remove()
        return captured[0][:, 7].flatten(1).amax(1)
    captum = _captum(strongest, chelsea_x, 75, 75, 0.0)
    assert float((result.values - captum).abs().max()) <= 1e-5
    assert result.grid.shape == (1, 3, 3) and float(result.grid.abs().max()) > 0


def test_covering_a_digits_strokes_hurts_more_than_its_background(mnist_cnn):
    """The lectures' MNIST picture: occlusion-1 and 5x5 on real digits; the drop is on the ink."""
    import seethrough as st
    images, labels = st.data.mnist()
    for index in (0, 1, 2):
        x = mnist_cnn.preprocess(images[index])
        ink = torch.as_tensor(mnist_cnn.denormalize(x)[0, 0] > 0.5)
        for window in (1, 5):
            result = occlusion(mnist_cnn, x, target=int(labels[index]), window=window, stride=1, baseline="black")
            drop = result.values[0, 0]
            assert float(drop[ink].mean()) > float(drop[~ink].mean()) + 0.05 * float(drop.abs().max())
