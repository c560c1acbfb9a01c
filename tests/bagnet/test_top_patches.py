"""Fig. 3's selection, checked against a direct search over the evidence of a random BagNet."""
from __future__ import annotations

import pytest
import torch

from seethrough.bagnet import bagnet_evidence, top_patches
from seethrough.errors import SeethroughError

from .random_bagnets import random_bagnet


@pytest.fixture(scope="module")
def subject():
    model = random_bagnet(9, seed=3)
    generator = torch.Generator().manual_seed(0)
    x = torch.rand(40, 1, 28, 28, dtype=torch.float64, generator=generator)
    labels = torch.arange(40) % 4          # classes 0-3 present, 4-9 absent
    return model, x, labels, bagnet_evidence(model, x, target=0).values


def test_own_and_other_rows_hold_the_largest_evidence(subject):
    model, x, labels, values = subject
    classes = top_patches(model, x, labels, count=3, one_per_image=False, batch_size=7)
    assert [c.index for c in classes] == list(range(10))
    for entry in classes[:4]:
        own = values[labels == entry.index, entry.index].flatten()
        others = values[labels != entry.index, entry.index].flatten()
        assert [hit.evidence for hit in entry.own] == pytest.approx(own.topk(3).values.tolist())
        assert [hit.evidence for hit in entry.others] == pytest.approx(others.topk(3).values.tolist())
        assert all(hit.label == entry.index for hit in entry.own)
        assert all(hit.label != entry.index for hit in entry.others)
        for hit in entry.own + entry.others:   # the hit's evidence is the grid value at its position
            assert values[hit.image, entry.index, hit.row, hit.col] == pytest.approx(hit.evidence)
    assert classes[7].own == [] and len(classes[7].others) == 3    # no image of class 7


def test_one_per_image_takes_each_images_best_patch(subject):
    model, x, labels, values = subject
    classes = top_patches(model, x, labels, count=5)
    for entry in classes[:4]:
        images = [hit.image for hit in entry.own]
        assert len(set(images)) == len(images) == 5
        best = values[:, entry.index].flatten(1).amax(1)
        mine = (labels == entry.index).nonzero().flatten()
        assert [hit.evidence for hit in entry.own] == pytest.approx(best[mine].topk(5).values.tolist())


def test_patch_pixels_are_the_patch_box_of_the_digit(subject):
    model, x, labels, _ = subject
    for hit in top_patches(model, x, labels, count=4)[2].own:
        top, left, bottom, right = hit.box
        assert (bottom - top, right - left) == (9, 9) == hit.pixels.shape[:2]
        expected = torch.zeros(9, 9, dtype=torch.float64)    # zero padding outside the digit
        inside_y, inside_x = slice(max(top, 0), min(bottom, 28)), slice(max(left, 0), min(right, 28))
        expected[inside_y.start - top:inside_y.stop - top, inside_x.start - left:inside_x.stop - left] = \
            x[hit.image, 0, inside_y, inside_x]
        torch.testing.assert_close(torch.from_numpy(hit.pixels[..., 0]).double(), expected.clamp(0, 1))
        assert hit.to_dict()["box"] == [top, left, bottom, right]


def test_bad_arguments_are_refused(subject):
    model, x, labels, _ = subject
    with pytest.raises(SeethroughError, match="count"):
        top_patches(model, x, labels, count=0)
    with pytest.raises(SeethroughError, match="labels"):
        top_patches(model, x, labels[:5])
