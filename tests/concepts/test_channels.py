"""Channel attribution checked by hand where the layer feeds the logits linearly (mean pool -> fc)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import seethrough as st
from seethrough import SeethroughError
from seethrough.concepts.channels import channel_attribution


class PoolHead(nn.Module):
    """conv (3 -> 5) -> ReLU -> mean over space -> fc (5 -> 3): logit_k = b_k + sum_c W[k, c] mean(A_c)."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(1)
        self.conv = nn.Conv2d(3, 5, 3, padding=1)
        self.relu = nn.ReLU()
        self.fc = nn.Linear(5, 3)

    def forward(self, x):
        return self.fc(self.relu(self.conv(x)).mean(dim=(2, 3)))


@pytest.fixture(scope="module")
def pooled():
    model = st.Model(PoolHead().eval(), input_size=(8, 8), labels=["a", "b", "c"], name="pooled")
    x = model.preprocess(np.random.default_rng(0).uniform(0, 1, (8, 8, 3)))
    return model, x


def test_values_are_weight_times_mean_activation(pooled, no_hooks_left):
    model, x = pooled
    result = channel_attribution(model, x, "relu", target="b")
    no_hooks_left(model.module)
    with torch.no_grad():
        activation = model.module.relu(model.module.conv(x))[0].double()
        logits = model(x)[0].double()
    weights = model.module.fc.weight.detach().double()
    expected = (weights[1] * activation.mean(dim=(1, 2))).numpy()
    assert np.allclose(result.values, expected, atol=1e-6)
    assert np.isclose(result.values.sum(), float(logits[1] - model.module.fc.bias.detach()[1]), atol=1e-5)  # complete here
    assert result.maps.shape == (5, 8, 8)
    assert np.allclose(result.maps[2], (weights[1, 2] * activation[2] / 64).numpy(), atol=1e-6)
    assert np.allclose(result.activations, activation.numpy(), atol=1e-6)


def test_versus_subtracts_the_second_class(pooled):
    model, x = pooled
    both = channel_attribution(model, x, "relu", target=1, versus="c")
    first = channel_attribution(model, x, "relu", target=1)
    second = channel_attribution(model, x, "relu", target=2)
    assert np.allclose(both.values, first.values - second.values, atol=1e-6)
    assert both.objective == "b - c"
    assert np.isclose(both.score, first.score - second.score, atol=1e-5)


def test_top_orders_channels(pooled):
    model, x = pooled
    result = channel_attribution(model, x, "relu")                      # top-1 class
    with torch.no_grad():
        assert result.target == int(model(x).argmax())
    order = np.argsort(-result.values)
    assert [c for c, _ in result.top(5)] == order.tolist()
    assert [c for c, _ in result.top(2, sign="negative")] == np.argsort(result.values)[:2].tolist()
    assert result.to_dict(3)["top"][0]["channel"] == int(order[0])


def test_mistakes(pooled):
    model, x = pooled
    with pytest.raises(SeethroughError, match="relu"):
        channel_attribution(model, x, "rel")
    with pytest.raises(SeethroughError, match="itself"):
        channel_attribution(model, x, "relu", target="a", versus=0)
    with pytest.raises(SeethroughError, match="one input"):
        channel_attribution(model, torch.cat([x, x]), "relu")


def test_matches_captum_layer_gradient_x_activation(pooled):
    from captum.attr import LayerGradientXActivation
    model, x = pooled
    for target in (0, 2):
        ours = channel_attribution(model, x, "relu", target=target)
        theirs = LayerGradientXActivation(model.module, model.module.relu).attribute(x, target=target)
        assert np.allclose(ours.maps, theirs[0].detach().numpy(), atol=1e-6)
        assert np.allclose(ours.values, theirs[0].sum(dim=(1, 2)).detach().double().numpy(), atol=1e-6)
