"""Objectives on hand-made activations: values computed by hand, composition, Lucid's diversity."""
import pytest
import torch

from seethrough.errors import SeethroughError
from seethrough.optvis import objectives as O


def acts():
    layer = torch.arange(2 * 3 * 2 * 2, dtype=torch.float32).view(2, 3, 2, 2) - 10   # (N=2, C=3, 2, 2)
    logits = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    pixels = torch.full((2, 3, 4, 4), 0.5)
    return {"block": layer, "logits": logits, "pixels": pixels}


def test_unit_objectives_match_hand_computed_values():
    a = acts()
    assert float(O.class_logit(1)(a)) == pytest.approx((2 + 5) / 2)
    assert float(O.class_logit(1, batch=1)(a)) == pytest.approx(5)
    assert float(O.channel("block", 2)(a)) == pytest.approx(a["block"][:, 2].mean().item())
    assert float(O.neuron("block", 1, 0, 1)(a)) == pytest.approx((a["block"][0, 1, 0, 1] + a["block"][1, 1, 0, 1]).item() / 2)
    assert float(O.neuron("block", 1)(a)) == pytest.approx(a["block"][:, 1, 1, 1].mean().item())   # centre
    assert float(O.layer("block")(a)) == pytest.approx(a["block"].pow(2).mean().item())


def test_direction_is_the_channel_dot_product_and_cosine_power_weights_it():
    a = acts()
    vector = torch.tensor([1.0, 0.0, -2.0])
    tensor = a["block"]
    dot = (tensor * vector.view(1, 3, 1, 1)).sum(1)
    assert float(O.direction("block", vector)(a)) == pytest.approx(dot.mean().item())
    cosine = dot / (tensor.norm(dim=1) * vector.norm())
    expected = (dot * cosine.clamp(min=0.1) ** 2).mean()
    assert float(O.direction("block", vector, cossim_pow=2)(a)) == pytest.approx(expected.item(), rel=1e-5)
    with pytest.raises(SeethroughError, match="one value per channel"):
        O.direction("block", torch.ones(4))(a)


def test_objectives_compose_with_plus_minus_and_scalars():
    a = acts()
    c, k = O.channel("block", 0), O.class_logit(2)
    combined = 2 * c - k / 4 + 1
    assert float(combined(a)) == pytest.approx(2 * float(c(a)) - float(k(a)) / 4 + 1)
    assert float((-c)(a)) == pytest.approx(-float(c(a)))
    assert float((3 - c)(a)) == pytest.approx(3 - float(c(a)))
    assert combined.layers == ("block",) and combined.classes == (2,) and combined.needs_logits
    assert "channel block:0" in combined.name and "class 2" in combined.name
    assert (-k).classes == ()   # a penalized class is not the target


def test_diversity_is_lucids_sum_of_gram_cosines_over_batch():
    same = {"block": torch.rand(1, 3, 4, 4).expand(3, 3, 4, 4)}
    assert float(O.diversity("block")(same)) == pytest.approx(2.0, abs=1e-5)     # (n - 1) for identical images
    apart = torch.zeros(2, 2, 2, 2)
    apart[0, 0] = 1.0
    apart[1, 1] = 1.0                                                            # orthogonal Gram matrices
    assert float(O.diversity("block")({"block": apart})) == pytest.approx(0.0)
    assert float(O.diversity("block")({"block": torch.rand(1, 3, 4, 4)})) == 0.0


def test_regularizers_measure_the_pixels():
    a = acts()
    assert float(O.total_variation()(a)) == 0.0 and float(O.l1()(a)) == 0.0 and float(O.blur()(a)) == 0.0
    stripes = torch.zeros(1, 1, 4, 4)
    stripes[..., ::2] = 1.0
    b = {"pixels": stripes}
    assert float(O.total_variation()(b)) == pytest.approx(1.0)     # every horizontal neighbour differs by 1
    assert float(O.l1(0.0)(b)) == pytest.approx(0.5)
    assert float(O.l2(0.0)(b)) == pytest.approx(0.5 ** 0.5)
    pixels = stripes.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(O.blur()({"pixels": pixels}), pixels)
    assert torch.all(grad[..., ::2] > 0)    # ascending -blur lowers the bright columns toward their blur


def test_errors_name_the_problem():
    a = acts()
    with pytest.raises(SeethroughError, match="channel 5 is out of range"):
        O.channel("block", 5)(a)
    with pytest.raises(SeethroughError, match="class index 7"):
        O.class_logit(7)(a)
    with pytest.raises(SeethroughError, match="not recorded"):
        O.layer("other")(a)
