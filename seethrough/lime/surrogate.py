"""LIME's local surrogate: an exponential kernel on distance and a weighted ridge regression.

Ribeiro, Singh & Guestrin, "Why Should I Trust You?": Explaining the Predictions of Any
Classifier, KDD 2016. Kernel pi(z) = sqrt(exp(-d(z)^2 / width^2)), as in the lime package.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def cosine_distance(masks: np.ndarray) -> np.ndarray:
    """(N,) cosine distance of each mask row to row 0 (an all-zero row is at distance 1)."""
    reference = masks[0]
    norms = np.linalg.norm(masks, axis=1) * np.linalg.norm(reference)
    similarity = np.divide(masks @ reference, norms, out=np.zeros(len(masks)), where=norms > 0)
    return np.clip(1.0 - similarity, 0.0, 2.0)


def exponential_kernel(distances: np.ndarray, width: float) -> np.ndarray:
    """Sample weights sqrt(exp(-d^2 / width^2))."""
    return np.sqrt(np.exp(-(np.asarray(distances, dtype=np.float64) ** 2) / width ** 2))


@dataclass(frozen=True)
class Surrogate:
    """A fitted weighted linear model: ``prediction = intercept + masks @ coef``.

    ``r2`` is the weighted coefficient of determination on the samples it was fitted to;
    ``local_prediction`` the model's value at the unperturbed input (row 0).
    """

    coef: np.ndarray
    intercept: float
    r2: float
    local_prediction: float


def fit_surrogate(features: np.ndarray, scores: np.ndarray, weights: np.ndarray, *,
                  alpha: float = 1.0) -> Surrogate:
    """Weighted ridge regression with an unpenalized intercept (what ``sklearn.linear_model.Ridge``
    computes with ``sample_weight``), solved in closed form.

    Parameters
    ----------
    features : (N, K) float; scores : (N,) black-box outputs; weights : (N,) non-negative.
    alpha : the ridge penalty on the coefficients (lime's default 1).
    """
    features = np.asarray(features, dtype=np.float64)
    scores = np.asarray(scores, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    total = weights.sum()
    feature_mean = weights @ features / total
    score_mean = weights @ scores / total
    centred = features - feature_mean
    weighted = centred * weights[:, None]
    gram = centred.T @ weighted + alpha * np.eye(features.shape[1])
    coef = np.linalg.solve(gram, weighted.T @ (scores - score_mean))
    intercept = float(score_mean - feature_mean @ coef)
    fitted = intercept + features @ coef
    residual = weights @ (scores - fitted) ** 2
    spread = weights @ (scores - score_mean) ** 2
    r2 = float(1.0 - residual / spread) if spread > 0 else 1.0
    return Surrogate(coef, intercept, r2, float(intercept + features[0] @ coef))
