"""Deletion and insertion curves on a model whose answer is known pixel by pixel:
p(class 0) = sigmoid(sum(w * x)), so removing pixel i changes the logit by exactly w_i * x_i."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import seethrough as st
from seethrough.attribution.baselines import gaussian_blur
from seethrough.errors import SeethroughError
from seethrough.trust.faithfulness import deletion, insertion, random_attribution

from .nets import linear_model

WEIGHT = torch.tensor([[[[2.0, -1.0], [0.5, 3.0]]]], dtype=torch.float64)


def test_deletion_by_hand():
    model = linear_model(WEIGHT)
    x = torch.ones(1, 1, 2, 2, dtype=torch.float64)
    curve = deletion(model, x, WEIGHT * x, target=0, pixels_per_step=1)
    # most important first: w = 3, 2, 0.5, -1 -> logits 4.5, 1.5, -0.5, -1, 0
    expected = torch.sigmoid(torch.tensor([4.5, 1.5, -0.5, -1.0, 0.0], dtype=torch.float64))
    assert torch.allclose(curve.scores[0], expected)
    assert torch.allclose(curve.fractions, torch.tensor([0, 0.25, 0.5, 0.75, 1.0], dtype=torch.float64))
    values = expected.numpy()
    rise_auc = (values.sum() - values[0] / 2 - values[-1] / 2) / (len(values) - 1)  # RISE's normalized trapezoid
    assert float(curve.auc[0]) == pytest.approx(rise_auc)
    assert float(curve.aopc[0]) == pytest.approx(float((expected[0] - expected).mean()))
    lerf = deletion(model, x, WEIGHT * x, target=0, pixels_per_step=1, order="lerf")
    expected_lerf = torch.sigmoid(torch.tensor([4.5, 5.5, 5.0, 3.0, 0.0], dtype=torch.float64))
    assert torch.allclose(lerf.scores[0], expected_lerf)


def test_insertion_by_hand():
    model = linear_model(WEIGHT)
    x = torch.tensor([[[[0.9, 0.2], [0.4, 0.7]]]], dtype=torch.float64)
    blurred = gaussian_blur(x, 5.0)
    curve = insertion(model, x, WEIGHT * x, target=0, pixels_per_step=2, random_reference=False)
    order = [3, 0, 2, 1]  # contributions 2.1, 1.8, 0.2, -0.2
    flat_x, flat_blur, flat_w = x.flatten(), blurred.flatten(), WEIGHT.flatten()
    logits = []
    for inserted in (0, 2, 4):
        image = flat_blur.clone()
        image[order[:inserted]] = flat_x[order[:inserted]]
        logits.append(float((flat_w * image).sum()))
    assert torch.allclose(curve.scores[0], torch.sigmoid(torch.tensor(logits, dtype=torch.float64)))
    assert curve.random_scores is None


def test_uneven_last_step_and_fractions():
    model = linear_model(torch.ones(1, 1, 5, 5, dtype=torch.float64))
    x = torch.rand(1, 1, 5, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    curve = deletion(model, x, x, target=0, pixels_per_step=10)
    assert torch.allclose(curve.fractions, torch.tensor([0, 0.4, 0.8, 1.0], dtype=torch.float64))
    assert float(curve.scores[0, -1]) == pytest.approx(0.5)  # everything deleted: logit 0


class Counting(torch.nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner, self.rows = inner, 0

    def forward(self, x):
        self.rows += x.shape[0]
        return self.inner(x)


def test_batched_cost_and_batch_size_invariance():
    weight = torch.randn(1, 1, 4, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    counting = Counting(linear_model(weight).module)
    model = st.Model(counting, input_size=(4, 4), mean=(0.0,), std=(1.0,), labels=["on", "off"])
    x = torch.rand(2, 1, 4, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    x_before = x.clone()
    small = deletion(model, x, weight * x, target=0, pixels_per_step=3, batch_size=1)
    # (16 / 3 rounded up + 1) = 7 points per example, 2 examples, the method and the random reference
    assert counting.rows == 2 * 7 * 2
    large = deletion(model, x, weight * x, target=0, pixels_per_step=3, batch_size=64)
    assert torch.allclose(small.scores, large.scores) and torch.allclose(small.random_scores, large.random_scores)
    assert torch.equal(x, x_before)


def test_the_exact_contributions_beat_a_random_attribution():
    weight = torch.randn(1, 1, 10, 10, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    model = linear_model(weight)
    x = torch.rand(3, 1, 10, 10, dtype=torch.float64, generator=torch.Generator().manual_seed(4))
    removed = deletion(model, x, weight * x, target=0, pixels_per_step=5)
    inserted = insertion(model, x, weight * x, target=0, pixels_per_step=5, blur_sigma=2.0)
    assert (removed.auc < removed.random_auc).all()
    assert (inserted.auc > inserted.random_auc).all()
    assert removed.to_dict()["random_auc"] == removed.random_auc.tolist()


def test_random_reference_keeps_the_methods_granularity():
    coarse = torch.rand(2, 3, 3)
    assert random_attribution(coarse, seed=1).shape == (2, 3, 3)
    assert torch.equal(random_attribution(coarse, seed=1), random_attribution(coarse, seed=1))
    model = linear_model(torch.ones(1, 1, 12, 12, dtype=torch.float64))
    x = torch.rand(1, 1, 12, 12, dtype=torch.float64, generator=torch.Generator().manual_seed(5))
    curve = deletion(model, x, torch.rand(1, 3, 3), target=0, pixels_per_step=16)  # 3x3 map on 12x12
    assert np.isfinite(curve.random_auc.numpy()).all()


def test_faithfulness_errors():
    model = linear_model(WEIGHT)
    x = torch.ones(1, 1, 2, 2, dtype=torch.float64)
    with pytest.raises(SeethroughError, match="pixels_per_step"):
        deletion(model, x, x, target=0, pixels_per_step=0)
    with pytest.raises(SeethroughError, match="batch size"):
        deletion(model, x, torch.ones(2, 1, 2, 2), target=0)
    with pytest.raises(SeethroughError, match="morf"):
        deletion(model, x, x, target=0, order="most")
    with pytest.raises(SeethroughError, match="blur_sigma"):
        insertion(model, x, x, target=0, blur_sigma=0)
