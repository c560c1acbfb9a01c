"""The four similarity measures against their definitions (scipy's Spearman as Quantus uses it,
skimage's SSIM with Quantus's joint data range) and hand-made cases."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import spearmanr
from skimage.metrics import structural_similarity

from seethrough.errors import SeethroughError
from seethrough.trust.similarity import compare_maps, hog_similarity, noise_floor, reduce_map, spearman, ssim


def test_spearman_is_scipys_with_ties():
    rng = np.random.default_rng(0)
    first = rng.integers(0, 5, size=(9, 9)).astype(float)  # many ties
    second = first + rng.normal(size=(9, 9))
    assert spearman(first, second) == pytest.approx(spearmanr(first.ravel(), second.ravel())[0], abs=1e-12)


def test_spearman_by_hand():
    # ranks (1, 2, 3, 4) against (1, 3, 2, 4): 1 - 6 * sum(d^2) / (n (n^2 - 1)) = 1 - 6 * 2 / 60 = 0.8
    assert spearman(np.array([1.0, 2, 3, 4]), np.array([10.0, 30, 20, 40])) == pytest.approx(0.8)


def test_ssim_matches_quantus_definition_on_unit_range_maps():
    rng = np.random.default_rng(1)
    first, second = rng.random((16, 16)), rng.random((16, 16))
    for image in (first, second):  # exactly [0, 1]: our per-map scaling is then the identity
        image.flat[0], image.flat[1] = 0.0, 1.0
    both = np.concatenate([first, second])
    quantus = structural_similarity(first, second, data_range=float(both.max() - both.min()))
    assert ssim(first, second) == pytest.approx(quantus, abs=1e-12)


def test_identical_scaled_and_flipped_maps():
    torch.manual_seed(0)
    values = torch.randn(2, 3, 20, 20, dtype=torch.float64)
    same = compare_maps(values, 3.0 * values)
    assert all(v == pytest.approx(1.0) for v in same.values())
    flipped = compare_maps(values, -values)
    assert flipped["spearman_abs"] == pytest.approx(1.0)
    assert flipped["spearman"] == pytest.approx(-1.0)


def test_hog_sees_structure_not_scale():
    image = np.zeros((32, 32))
    image[8:24, 8:24] = 1.0
    assert hog_similarity(image, 0.5 * image) == pytest.approx(1.0)
    assert hog_similarity(image, image.T[::-1]) == pytest.approx(1.0)  # a centred square turned stays a square
    stripes = np.tile(np.arange(32) % 8 < 4, (32, 1)).astype(float)
    assert hog_similarity(image, stripes) < 0.6


def test_reduce_map_shapes():
    values = torch.ones(2, 3, 4, 4)
    assert reduce_map(values).shape == (2, 4, 4)
    assert float(reduce_map(-values, absolute=True)[0, 0, 0]) == 3.0
    assert reduce_map(torch.ones(2, 7, 7), (28, 28)).shape == (2, 28, 28)
    with pytest.raises(SeethroughError):
        reduce_map(torch.ones(4))
    with pytest.raises(SeethroughError, match="cannot compare"):
        compare_maps(torch.ones(1, 1, 4, 4), torch.ones(1, 1, 5, 5))


def test_noise_floor_small_seeded_and_respects_coarse_maps():
    torch.manual_seed(2)
    values = torch.randn(2, 3, 32, 32)
    floor = noise_floor(values, seed=3)
    assert floor == noise_floor(values, seed=3)
    assert floor["spearman_abs"] < 0.05 and floor["spearman"] < 0.05
    coarse = torch.rand(2, 4, 4)  # a Grad-CAM-like 4 x 4 map, upsampled: random blobs agree more
    assert noise_floor(coarse, size=(32, 32), seed=3)["spearman_abs"] > floor["spearman_abs"]
