"""Is a TCAV score more than chance? A two-sided t-test against random-vs-random scores, Bonferroni-corrected.

Kim et al. (2018), section 3.4: a CAV learnt from random images still yields a TCAV score, often
far from 0.5. So each concept's CAV is learnt N times, against N different random sets, and its N
scores are compared with the N scores of CAVs learnt between random sets only. The null hypothesis
is that both have the same mean; a concept is significant when the two-sided t-test rejects it at
level ``alpha`` after Bonferroni's correction for the number of concepts tested.
"""
from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Significance:
    """The outcome of one concept's test.

    Attributes
    ----------
    p_value : the two-sided t-test's p-value (Welch's when ``equal_var`` is False), uncorrected.
    p_adjusted : ``min(1, p_value * tests)``, Bonferroni-corrected.
    significant : ``p_adjusted < alpha``.
    tests : how many concepts share the correction.
    """

    p_value: float
    p_adjusted: float
    significant: bool
    tests: int
    alpha: float

    def to_dict(self) -> dict:
        return {"p_value": self.p_value, "p_adjusted": self.p_adjusted, "significant": self.significant,
                "bonferroni_tests": self.tests, "alpha": self.alpha}


def t_test_p_value(scores: Sequence[float], random_scores: Sequence[float], *, equal_var: bool = True) -> float:
    """Two-sided p-value of the t-test comparing the means of ``scores`` and ``random_scores``.

    Degenerate cases where both samples have no spread give 1.0 (same constant) or 0.0 (different
    constants) instead of scipy's NaN.
    """
    from scipy import stats
    first, second = np.asarray(scores, np.float64), np.asarray(random_scores, np.float64)
    if len(first) < 2 or len(second) < 2:
        return 1.0
    if np.ptp(first) == 0 and np.ptp(second) == 0:
        return 1.0 if first[0] == second[0] else 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # nearly identical samples: the p-value is still right
        return float(stats.ttest_ind(first, second, equal_var=equal_var).pvalue)


def significance(scores: Sequence[float], random_scores: Sequence[float], *, tests: int = 1,
                 alpha: float = 0.05, equal_var: bool = True) -> Significance:
    """Test one concept: its scores against ``random_scores`` with ``tests`` concepts in the Bonferroni family.

    Parameters
    ----------
    scores : the concept's TCAV scores, one per random counterpart set.
    random_scores : TCAV scores of random-vs-random CAVs, at the same layer and class.
    tests : the number of concepts tested together (the Bonferroni factor).
    alpha : the family-wise significance level.
    equal_var : Student's t-test (as the paper's code, ``scipy.stats.ttest_ind``) or Welch's.
    """
    p_value = t_test_p_value(scores, random_scores, equal_var=equal_var)
    tests = max(1, int(tests))
    adjusted = min(1.0, p_value * tests)
    return Significance(p_value, adjusted, bool(adjusted < alpha), tests, float(alpha))
