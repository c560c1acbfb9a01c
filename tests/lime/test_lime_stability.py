"""Stability across seeds: the Jaccard overlap of top-k superpixel sets, by hand and on a tiny CNN."""
from itertools import combinations

import numpy as np
import pytest

from seethrough import SeethroughError
from seethrough.lime import lime_stability, stability_of
from seethrough.lime.image import LimeImageResult
from seethrough.lime.stability import jaccard

from lime_tiny import tiny_input, tiny_model, tiny_segments


def _result(weights, seed):
    segments = np.arange(len(weights)).repeat(2).reshape(2, -1)
    return LimeImageResult(np.array(weights, float), 0.0, 0.5, 0.0, 0.0, segments, np.zeros((2, len(weights), 3)),
                           0, "ant", {"seed": seed})


def test_jaccard_by_hand():
    assert jaccard({1, 2, 3}, {2, 3, 4}) == 0.5 and jaccard([], []) == 1.0 and jaccard({1}, {2}) == 0.0
    runs = [_result([3, 2, 1, -1], 0), _result([3, 2, -1, 1], 1), _result([-1, -2, 3, 2], 2)]
    stability = stability_of(runs, top=2)
    # top-2 positive sets: {0, 1}, {0, 1}, {2, 3} -> pairs 1, 0, 0
    assert stability.jaccard == pytest.approx(1 / 3)
    np.testing.assert_allclose(stability.overlaps, [[1, 1, 0], [1, 1, 0], [0, 0, 1]])
    assert stability.seeds == [0, 1, 2] and stability.to_dict()["top_sets"] == [[0, 1], [0, 1], [2, 3]]


def test_lime_stability_on_tiny_cnn():
    model = tiny_model()
    x = tiny_input(model)
    segments = tiny_segments(model, x)
    stability = lime_stability(model, x, seeds=5, top=5, first_seed=10, segments=segments, n_samples=150)
    assert stability.seeds == [10, 11, 12, 13, 14]
    assert all(np.array_equal(r.segments, segments) for r in stability.results)
    assert len({r.target for r in stability.results}) == 1
    sets = [set(r.top(5)) for r in stability.results]
    pairs = [jaccard(sets[i], sets[j]) for i, j in combinations(range(5), 2)]
    assert stability.jaccard == pytest.approx(np.mean(pairs))
    assert 0.0 <= stability.jaccard <= 1.0
    many = lime_stability(model, x, seeds=3, top=3, segments=segments, n_samples=1500)
    assert many.jaccard >= 0.5  # more samples: steadier top sets


def test_needs_two_seeds():
    with pytest.raises(SeethroughError, match="2 seeds"):
        lime_stability(None, None, seeds=1)
    with pytest.raises(SeethroughError, match="two"):
        stability_of([_result([1.0], 0)])
