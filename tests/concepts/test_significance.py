"""The significance test: Student's two-sided t-test by hand, Bonferroni, degenerate cases."""
from __future__ import annotations

import math

import numpy as np
from scipy import stats

from seethrough.concepts.significance import significance, t_test_p_value


def _student_by_hand(first, second) -> float:
    first, second = np.asarray(first, float), np.asarray(second, float)
    n, m = len(first), len(second)
    pooled = ((n - 1) * first.var(ddof=1) + (m - 1) * second.var(ddof=1)) / (n + m - 2)
    t = (first.mean() - second.mean()) / math.sqrt(pooled * (1 / n + 1 / m))
    return float(2 * stats.t.sf(abs(t), n + m - 2))


def test_p_value_matches_the_formula():
    concept = [0.9, 0.95, 0.85, 1.0, 0.92, 0.88]
    random = [0.5, 0.3, 0.7, 0.55, 0.45, 0.6]
    assert math.isclose(t_test_p_value(concept, random), _student_by_hand(concept, random), rel_tol=1e-10)


def test_bonferroni_multiplies_by_the_number_of_concepts():
    concept = [0.62, 0.7, 0.55, 0.66, 0.71, 0.58, 0.64, 0.69]
    random = [0.55, 0.5, 0.62, 0.58, 0.52, 0.6, 0.49, 0.63]
    raw = _student_by_hand(concept, random)
    assert 0.001 < raw < 0.05 / 1                       # significant alone ...
    one = significance(concept, random, tests=1)
    many = significance(concept, random, tests=int(0.05 / raw) + 1)
    assert one.significant and math.isclose(one.p_adjusted, raw, rel_tol=1e-10)
    assert not many.significant                          # ... not after correcting for enough concepts
    assert math.isclose(many.p_adjusted, min(1.0, raw * many.tests), rel_tol=1e-10)


def test_same_distribution_is_not_significant():
    rng = np.random.default_rng(0)
    rejections = sum(significance(rng.uniform(0, 1, 10), rng.uniform(0, 1, 10)).significant for _ in range(200))
    assert rejections <= 25                              # about 5% expected


def test_degenerate_samples():
    assert t_test_p_value([1.0] * 5, [1.0] * 5) == 1.0
    assert t_test_p_value([1.0] * 5, [0.0] * 5) == 0.0
    assert significance([1.0] * 5, [0.0] * 5).significant
    assert t_test_p_value([1.0], [0.2, 0.4]) == 1.0
