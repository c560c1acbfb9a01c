"""Concept and random image sources: procedural patterns, texture crops, folders, random pools."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from seethrough import SeethroughError
from seethrough.concepts import PROCEDURAL_CONCEPTS, concept_images, procedural_set, random_sets, texture_crops
from seethrough.concepts.procedural import pattern_mask


@pytest.mark.parametrize("name", PROCEDURAL_CONCEPTS)
def test_procedural_sets_are_seeded_two_colour_patterns(name):
    first = procedural_set(name, 4, (32, 48), seed=3)
    again = procedural_set(name, 4, (32, 48), seed=3)
    other = procedural_set(name, 4, (32, 48), seed=4)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.array_equal(first[0], other[0])
    assert first[0].shape == (32, 48, 3) and first[0].dtype == np.uint8
    mask = pattern_mask(name, (64, 64), np.random.default_rng(0))
    assert 0.05 < mask.mean() < 0.95                       # both colours present


def _orientation_coherence(mask: np.ndarray) -> float:
    """|mean of exp(2i theta)| over edge pixels: 1 when all edges share one orientation, ~0 for round dots."""
    gy, gx = np.gradient(mask.astype(float))
    angles = np.arctan2(gy, gx)[np.hypot(gx, gy) > 0]
    return float(abs(np.exp(2j * angles).mean()))


def test_stripes_have_one_orientation_and_dots_none():
    rng = np.random.default_rng(5)
    for _ in range(5):
        assert _orientation_coherence(pattern_mask("striped", (96, 96), rng)) > 0.5   # ~0.75 (pixel steps)
        assert _orientation_coherence(pattern_mask("dotted", (96, 96), rng)) < 0.2


def test_texture_crops_and_concept_names(tmp_path):
    crops = texture_crops("brick", 3, seed=0)
    assert len(crops) == 3 and crops.name == "brick"
    assert crops.key == texture_crops("brick", 3, seed=0).key != texture_crops("brick", 3, seed=1).key
    for number in range(3):
        Image.fromarray(np.full((10, 12, 3), number * 40, np.uint8)).save(tmp_path / f"{number}.png")
    folder = concept_images(str(tmp_path), count=2)
    assert len(folder) == 2 and folder.name == tmp_path.name
    with pytest.raises(SeethroughError, match="zigzagged"):
        concept_images("zigzag")


def test_random_sets_from_builtin_pool_and_folder(tmp_path):
    sets = random_sets(3, set_size=5, size=(24, 24), seed=0)
    assert [s.name for s in sets] == ["random_0", "random_1", "random_2"]
    assert len({s.key for s in sets}) == 3
    assert [s.key for s in random_sets(3, set_size=5, size=(24, 24), seed=0)] == [s.key for s in sets]
    for number in range(6):
        Image.fromarray(np.full((8, 8, 3), number * 30, np.uint8)).save(tmp_path / f"{number}.png")
    from_folder = random_sets(2, set_size=4, pool=tmp_path, seed=1)
    assert all(len(s) == 4 for s in from_folder)
    with pytest.raises(SeethroughError, match="at least 10"):
        random_sets(2, set_size=10, pool=tmp_path)
