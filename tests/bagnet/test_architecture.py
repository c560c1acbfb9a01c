"""The BagNet's defining property: every evidence position sees exactly one patch of the input."""
from __future__ import annotations

import pytest
import torch

from seethrough.bagnet import bagnet_evidence, patchwise_evidence
from seethrough.errors import SeethroughError
from seethrough.zoo.bagnet import PATCH_SIZES, BagNet, Bottleneck, patch_geometry

from .random_bagnets import random_bagnet
from .stem_calls import stem_batches


def gradient_support(model, row: int, col: int) -> torch.Tensor:
    """Pixels (H, W) of the 28 x 28 digit (plus the padding) that evidence position (row, col) depends on."""
    module = model.module
    before, after = patch_geometry(module.patch)["pad"]
    size = 28 + before + after
    support = torch.zeros(size, size, dtype=torch.bool)
    for seed in range(3):  # several random inputs, so that no dead ReLU hides a dependence
        padded = torch.rand(1, 1, size, size, dtype=torch.float64,
                            generator=torch.Generator().manual_seed(seed)).requires_grad_(True)
        module.patch_logits(padded)[0, :, row, col].sum().backward()
        support |= padded.grad[0, 0] != 0
    return support


@pytest.mark.parametrize("patch", PATCH_SIZES)
def test_receptive_field_is_exactly_the_patch(patch):
    model = random_bagnet(patch)
    before = patch_geometry(patch)["pad"][0]
    evidence = bagnet_evidence(model, torch.zeros(1, 1, 28, 28, dtype=torch.float64))
    for row, col in [(0, 0), (3, 3), (6, 2)]:
        support = gradient_support(model, row, col)
        rows = support.any(1).nonzero().flatten()
        cols = support.any(0).nonzero().flatten()
        assert int(support.sum()) == patch * patch              # every pixel of the square, none outside
        assert len(rows) == len(cols) == patch
        top, left, bottom, right = evidence.box(row, col)       # where the geometry says the patch is
        assert (int(rows[0]) - before, int(cols[0]) - before) == (top, left)
        assert (int(rows[-1]) - before + 1, int(cols[-1]) - before + 1) == (bottom, right)


@pytest.mark.parametrize("patch", PATCH_SIZES)
def test_only_the_first_block_of_a_stage_has_a_spatial_kernel(patch):
    module = BagNet(patch)
    for stage in (module.layer1, module.layer2, module.layer3, module.layer4):
        blocks = list(stage)
        assert all(isinstance(block, Bottleneck) for block in blocks)
        assert all(block.conv2.kernel_size == (1, 1) for block in blocks[1:])
        assert all(conv.kernel_size == (1, 1) for block in blocks for conv in (block.conv1, block.conv3))
    assert module.head.kernel_size == (1, 1)


@pytest.mark.parametrize("patch", PATCH_SIZES)
def test_one_pass_equals_patch_by_patch(patch):
    model = random_bagnet(patch, seed=patch)
    x = torch.rand(3, 1, 28, 28, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    evidence = bagnet_evidence(model, x)
    reference = patchwise_evidence(model, x, batch_size=17)
    assert evidence.values.shape == reference.shape == (3, 10, 7, 7)
    torch.testing.assert_close(evidence.values, reference, rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(evidence.logits, model(x), rtol=1e-12, atol=1e-12)   # logits = mean evidence


def test_evidence_centres_tile_the_digit():
    for patch in PATCH_SIZES:
        geometry = patch_geometry(patch)
        assert geometry["grid"] == 7 and geometry["step"] == 4 and geometry["first_centre"] == 2
        assert sum(geometry["pad"]) + 28 == 4 * 6 + patch


def test_an_unbuilt_patch_size_is_refused():
    with pytest.raises(SeethroughError, match="9, 17, 33"):
        BagNet(11)


@pytest.mark.parametrize("patch", (9, 17))
def test_dense_map_equals_every_pixels_patch_run_alone(patch):
    model = random_bagnet(patch, seed=2)
    x = torch.rand(2, 1, 28, 28, dtype=torch.float64, generator=torch.Generator().manual_seed(5))
    dense = bagnet_evidence(model, x, dense=True)
    assert dense.values.shape == (2, 10, 28, 28) and dense.step == 1 and dense.box(0, 0)[0] == -((patch - 1) // 2)
    torch.testing.assert_close(dense.values, patchwise_evidence(model, x, dense=True), rtol=1e-10, atol=1e-10)
    # the network's own grid is the subset of pixels 2, 6, ..., 26 (the centres of its patches)
    torch.testing.assert_close(dense.values[:, :, 2::4, 2::4], bagnet_evidence(model, x).values, rtol=1e-12, atol=1e-12)


def test_maps_computed_in_chunks_equal_the_patch_loop(monkeypatch):
    """Large batches run a few examples (or shifted copies) per call; the chunk seams change nothing."""
    from seethrough.bagnet import evidence

    monkeypatch.setattr(evidence, "CHUNK_PIXELS", 2 * 28 * 28 + 1)  # two digits, or one shifted copy, per call
    model = random_bagnet(9, seed=3)
    x = torch.rand(5, 1, 28, 28, dtype=torch.float64, generator=torch.Generator().manual_seed(6))
    with stem_batches(model) as calls:
        grid = bagnet_evidence(model, x)
        dense = bagnet_evidence(model, x, dense=True)
    assert calls[:3] == [2, 2, 1] and len(calls) > 3 + 5  # the grid in 3 calls, the 80 shifted copies in many
    torch.testing.assert_close(grid.values, patchwise_evidence(model, x), rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(dense.values, patchwise_evidence(model, x, dense=True), rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(grid.logits, model(x), rtol=1e-12, atol=1e-12)
