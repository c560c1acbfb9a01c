"""Model randomization on tiny models: block discovery, re-initialization on a copy (the user's
model is never modified in place), cascading vs. independent steps, and the hand-checkable
linear case."""
from __future__ import annotations

import pytest
import torch

import seethrough as st
from seethrough.errors import SeethroughError
from seethrough.trust.randomization import randomization
from seethrough.trust.reinit import (block_seed, discover_blocks, fully_randomized, group_blocks, model_copy,
                                     reinitialize)
from seethrough.trust.similarity import compare_maps, spearman

from .nets import linear_model, small_cnn_model


def state(model):
    return {k: v.clone() for k, v in model.module.state_dict().items()}


def test_blocks_in_call_order_modulelist_opened_parameter_free_and_unused_left_out():
    model = small_cnn_model()
    assert discover_blocks(model) == ["stem", "body.0", "body.1", "body.2", "head"]
    assert group_blocks(["a", "b", "c", "d", "e"], 2) == [["a", "b"], ["c", "d", "e"]]


def test_reinitialize_is_seeded_resets_batchnorm_and_keeps_global_rng():
    first, second = small_cnn_model(), small_cnn_model()
    torch.manual_seed(123)
    expected_next = torch.rand(1)
    torch.manual_seed(123)
    reinitialize(first.module.body, seed=5)
    assert torch.equal(torch.rand(1), expected_next)  # the global random state is untouched
    reinitialize(second.module.body, seed=5)
    assert all(torch.equal(a, b) for a, b in zip(first.module.state_dict().values(), second.module.state_dict().values()))
    norm = first.module.body[1]
    assert torch.equal(norm.running_mean, torch.zeros(4)) and torch.equal(norm.running_var, torch.ones(4))


def test_model_copy_shares_nothing_mutable():
    model = small_cnn_model()
    before = state(model)
    clone = model_copy(model)
    reinitialize(clone.module, seed=1)
    assert all(torch.equal(before[k], v) for k, v in model.module.state_dict().items())
    assert clone.labels == model.labels and clone.module is not model.module


@pytest.mark.parametrize("mode", ["cascading", "independent"])
def test_user_model_never_modified_and_no_hooks(mode, no_hooks_left):
    """The model the user passed is never modified: randomization re-initializes a deep copy."""
    model = small_cnn_model()
    before = state(model)
    x = torch.rand(2, 1, 12, 12, generator=torch.Generator().manual_seed(0))
    x_before = x.clone()
    result = randomization(model, x, methods=["saliency", "gradcam"], mode=mode,
                           options={"gradcam": {"layer": "body.2"}})
    assert all(torch.equal(before[k], v) for k, v in model.module.state_dict().items())
    assert torch.equal(x, x_before)
    no_hooks_left(model.module)
    assert result.steps == ["original", "head", "body.2", "body.1", "body.0", "stem"]
    assert all(len(result.similarity[m]) == 5 and len(result.maps[m]) == 6 for m in result.methods)


def test_cascading_and_independent_steps_are_the_models_they_claim():
    model = small_cnn_model()
    x = torch.rand(2, 1, 12, 12, generator=torch.Generator().manual_seed(1))
    target = 1
    original = st.attribute(model, x, target=target, method="saliency").values
    names = discover_blocks(model)  # input side first; block i's weights come from block_seed(seed, i)
    cascade = randomization(model, x, methods=["saliency"], target=target, seed=4)
    independent = randomization(model, x, methods=["saliency"], mode="independent", target=target, seed=4)
    for step, name in enumerate(names[::-1]):
        only = model_copy(model)
        reinitialize(only.layer(name), block_seed(4, names.index(name)))
        expected = compare_maps(original, st.attribute(only, x, target=target, method="saliency").values)
        assert independent.similarity["saliency"][step] == pytest.approx(expected)
        cumulative = model_copy(model)
        for above in names[::-1][:step + 1]:
            reinitialize(cumulative.layer(above), block_seed(4, names.index(above)))
        expected = compare_maps(original, st.attribute(cumulative, x, target=target, method="saliency").values)
        assert cascade.similarity["saliency"][step] == pytest.approx(expected)
    # the last cascading step is the fully randomized model
    full = fully_randomized(model, seed=4)
    expected = compare_maps(original, st.attribute(full, x, target=target, method="saliency").values)
    assert cascade.final("saliency") == pytest.approx(expected)


def test_linear_model_by_hand():
    """saliency of sum(w * x) is |w|: after randomization it is |w'|, w' the layer's fresh weights."""
    weight = torch.randn(1, 1, 6, 6, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    model = linear_model(weight)
    x = torch.rand(1, 1, 6, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    result = randomization(model, x, methods=["saliency"], target=0, seed=2)
    assert result.steps == ["original", "linear"]
    fresh = torch.nn.Linear(36, 1, bias=False).double()
    reinitialize(fresh, block_seed(2, 0))
    expected = spearman(weight.abs().numpy(), fresh.weight.detach().abs().numpy())
    assert result.final("saliency")["spearman_abs"] == pytest.approx(expected, abs=1e-9)
    assert torch.allclose(result.maps["saliency"][0][0], weight.abs()[0, 0])


def test_randomization_errors():
    model = small_cnn_model()
    x = torch.rand(1, 1, 12, 12)
    with pytest.raises(SeethroughError, match="cascading"):
        randomization(model, x, methods=["saliency"], mode="cascade")
    with pytest.raises(SeethroughError, match="at least one"):
        randomization(model, x, methods=[])
    with pytest.raises(SeethroughError, match="saliency"):
        randomization(model, x, methods=["salency"])
    with pytest.raises(SeethroughError, match="body.0"):
        randomization(model, x, methods=["saliency"], blocks=["body.00"])


def test_same_seed_same_numbers_other_seed_other_weights():
    model = small_cnn_model()
    x = torch.rand(1, 1, 12, 12, generator=torch.Generator().manual_seed(3))
    first = randomization(model, x, methods=["saliency"], seed=5, stages=2)
    again = randomization(model, x, methods=["saliency"], seed=5, stages=2)
    other = randomization(model, x, methods=["saliency"], seed=6, stages=2)
    assert first.to_dict() == again.to_dict()
    assert torch.equal(first.maps["saliency"][-1], again.maps["saliency"][-1])
    assert not torch.equal(first.maps["saliency"][-1], other.maps["saliency"][-1])
    assert first.steps == ["original", "body.1+body.2+head", "stem+body.0"]
