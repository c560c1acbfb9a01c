"""CAVs: the normal of a linear concept-vs-random classifier, checked on data with a known direction."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from seethrough import SeethroughError
from seethrough.concepts.cav import train_cav


def _clouds(seed: int = 0, dims: int = 20, count: int = 60, shift: float = 3.0):
    """Concept = random cloud shifted by ``shift`` along the first axis; the true CAV is e_0."""
    rng = np.random.default_rng(seed)
    random = rng.normal(0, 1, (count, dims))
    concept = rng.normal(0, 1, (count, dims))
    concept[:, 0] += shift
    return torch.from_numpy(concept).float(), torch.from_numpy(random).float()


@pytest.mark.parametrize("method", ["sgd", "logistic"])
def test_cav_points_from_random_to_concept(method):
    concept, random = _clouds()
    cav = train_cav(concept, random, method=method, seed=0)
    assert np.isclose(np.linalg.norm(cav.direction), 1.0)
    assert cav.direction[0] > 0.8          # cosine with the true direction e_0 (noise dims share the rest)
    assert cav.direction[0] == np.abs(cav.direction).max()
    assert cav.accuracy >= 0.8             # held-out (a third of each class); the Bayes rate is 0.93
    assert cav.method == method


def test_cav_on_spatial_activations_flattens_them():
    rng = np.random.default_rng(1)
    concept = torch.from_numpy(rng.normal(0, 1, (30, 2, 3, 3))).float()
    random = torch.from_numpy(rng.normal(0, 1, (40, 2, 3, 3))).float()
    concept[:, 1, 2, 0] += 4.0             # flattened index 1*9 + 2*3 + 0 = 15
    cav = train_cav(concept, random, seed=3)
    assert cav.direction.shape == (18,)
    assert int(np.argmax(cav.direction)) == 15


def test_cav_is_reproducible_and_seed_dependent():
    concept, random = _clouds(seed=2, shift=1.0)
    first, again = train_cav(concept, random, seed=5), train_cav(concept, random, seed=5)
    assert np.array_equal(first.direction, again.direction) and first.accuracy == again.accuracy
    other = train_cav(concept, random, seed=6)
    assert not np.array_equal(first.direction, other.direction)


def test_cav_rejects_bad_input():
    concept, random = _clouds()
    with pytest.raises(SeethroughError, match="unknown CAV method"):
        train_cav(concept, random, method="svm")
    with pytest.raises(SeethroughError, match="differ in size"):
        train_cav(concept, random[:, :5])
    with pytest.raises(SeethroughError, match="at least 4"):
        train_cav(concept[:3], random)
