"""bagnet_evidence as a user meets it: targets, the result's summary, mistakes."""
from __future__ import annotations

import pytest
import torch

import seethrough as st
from seethrough.bagnet import bagnet_evidence, patchwise_evidence
from seethrough.errors import SeethroughError
from seethrough.zoo.mnist_cnn import MnistCNN

from .random_bagnets import random_bagnet
from .stem_calls import stem_batches


def test_target_selects_the_class_map():
    model = random_bagnet(17, seed=5)
    x = torch.rand(2, 1, 28, 28, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    top = bagnet_evidence(model, x)
    assert torch.equal(top.target, model(x).argmax(1))
    chosen = bagnet_evidence(model, x, target="3")
    assert chosen.target.tolist() == [3, 3] and chosen.target_label == "3"
    torch.testing.assert_close(chosen.target_map, chosen.values[:, 3])
    summary = chosen.to_dict(example=1)
    assert summary["patch"] == 17 and summary["grid"] == [7, 7] and len(summary["evidence"]) == 7
    assert summary["logits"][3] == pytest.approx(float(chosen.values[1, 3].mean()), abs=1e-5)


def test_the_top1_map_costs_one_pass_of_the_network():
    model = random_bagnet(17, seed=5)
    x = torch.rand(3, 1, 28, 28, dtype=torch.float64, generator=torch.Generator().manual_seed(4))
    with stem_batches(model) as passes_grid:
        grid = bagnet_evidence(model, x)
    with stem_batches(model) as passes_dense:
        bagnet_evidence(model, x, dense=True)
    assert passes_grid == [3]  # the top-1 class is read off the evidence, not from a second forward pass
    assert passes_dense == [3, 3 * model.module.step ** 2]  # the grid (for the logits), then the shifted copies
    assert torch.equal(grid.target, model(x).argmax(1)) and grid.target_label in {"top-1"} | set(model.labels)


def test_a_model_that_is_not_a_bagnet_is_refused():
    cnn = st.Model(MnistCNN().eval(), input_size=(28, 28), mean=(0.0,), std=(1.0,), name="plain_cnn")
    with pytest.raises(SeethroughError, match="plain_cnn is not a BagNet"):
        bagnet_evidence(cnn, torch.zeros(1, 1, 28, 28))
    with pytest.raises(SeethroughError, match="not a BagNet"):
        patchwise_evidence(cnn, torch.zeros(1, 1, 28, 28))


def test_shape_and_hidden_unit_mistakes_are_refused():
    model = random_bagnet(9)
    with pytest.raises(SeethroughError, match="N, C, H, W"):
        bagnet_evidence(model, torch.zeros(1, 28, 28, dtype=torch.float64))
    with pytest.raises(SeethroughError, match="class"):
        bagnet_evidence(model, torch.zeros(1, 1, 28, 28, dtype=torch.float64), target="layer1:0")
    with pytest.raises(SeethroughError, match="batch_size"):
        patchwise_evidence(model, torch.zeros(1, 1, 28, 28, dtype=torch.float64), batch_size=0)


def test_input_is_not_modified_and_no_hook_is_left(no_hooks_left):
    model = random_bagnet(9)
    x = torch.rand(1, 1, 28, 28, dtype=torch.float64)
    before = x.clone()
    bagnet_evidence(model, x)
    patchwise_evidence(model, x)
    assert torch.equal(x, before)
    no_hooks_left(model.module)


def test_one_class_per_example():
    model = random_bagnet(9)
    x = torch.rand(3, 1, 28, 28, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    evidence = bagnet_evidence(model, x, target=torch.tensor([4, 0, 4]))
    torch.testing.assert_close(evidence.target_map, evidence.values[[0, 1, 2], [4, 0, 4]])
    assert evidence.target_label == "per example"
    assert bagnet_evidence(model, x, target=[7, 7, 7]).target_label == "7"
    with pytest.raises(SeethroughError, match="one class per example"):
        bagnet_evidence(model, x, target=[1, 2])
    with pytest.raises(SeethroughError, match="from 0 to 9"):
        bagnet_evidence(model, x, target=[1, 2, 10])
