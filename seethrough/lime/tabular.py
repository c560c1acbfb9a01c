"""LIME for tables: which feature ranges make a classifier decide as it does for one row.

Ribeiro, Singh & Guestrin, KDD 2016, with the lime package's default representation: each
continuous feature is cut at its training quartiles, and the interpretable feature is "this
value lies in the same quartile bin as the explained row". Samples draw each feature's bin
with its training frequency and then a training value from that bin; sample weights are an
exponential kernel (width 0.75 sqrt(D), lime's default) on the Euclidean distance between the
binary representations; a weighted ridge regression gives one weight per feature condition.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import SeethroughError
from .classes import pick_class
from .discretize import bins, describe, quartile_edges
from .surrogate import exponential_kernel, fit_surrogate


@dataclass
class LimeTabularResult:
    """One LIME explanation of a table row: ``conditions[i]`` (e.g. "worst radius > 16.8") with
    ``weights[i]`` for feature i (positive: evidence for the target); ``edges`` the quartile edges."""

    feature_names: list[str]
    conditions: list[str]
    weights: np.ndarray
    intercept: float
    r2: float
    local_prediction: float
    probabilities: np.ndarray
    row: np.ndarray
    target: int
    target_label: str
    class_names: list[str]
    edges: list[np.ndarray]
    options: dict = field(default_factory=dict)

    def ranked(self, count: int | None = None) -> list[tuple[str, float]]:
        """(condition, weight) by decreasing absolute weight."""
        order = np.argsort(-np.abs(self.weights), kind="stable")[:count]
        return [(self.conditions[i], float(self.weights[i])) for i in order]

    def to_dict(self) -> dict:
        return {"method": "lime_tabular", "target": self.target, "target_label": self.target_label,
                "class_names": self.class_names, "probabilities": [float(p) for p in self.probabilities],
                "r2": self.r2, "intercept": self.intercept, "local_prediction": self.local_prediction,
                "options": self.options,
                "features": [{"feature": self.feature_names[i], "value": float(self.row[i]),
                              "condition": self.conditions[i], "weight": float(self.weights[i])}
                             for i in np.argsort(-np.abs(self.weights), kind="stable")]}


def _sample(train: np.ndarray, train_bins: np.ndarray, row: np.ndarray, row_bins: np.ndarray,
            n_samples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(samples (N, D), binary (N, D)); row 0 is ``row`` itself.

    Each feature's bin is drawn with its training frequency, exactly as the lime package draws it
    (``RandomState(seed).choice(bins, p=frequencies)`` column by column), so the binary
    representation equals lime's for the same seed. The value is then a training value from that
    bin (lime draws from a normal truncated to the bin instead; a real value keeps integer and
    bounded features valid).
    """
    generator = np.random.RandomState(seed)
    drawn = np.empty((n_samples, train.shape[1]), dtype=np.int64)
    for column in range(train.shape[1]):
        values, counts = np.unique(train_bins[:, column], return_counts=True)
        drawn[:, column] = generator.choice(values, size=n_samples, replace=True, p=counts / counts.sum())
    binary = (drawn == row_bins[None, :]).astype(np.float64)
    samples = np.empty((n_samples, train.shape[1]))
    for column in range(train.shape[1]):
        for value in np.unique(drawn[:, column]):
            members = train[train_bins[:, column] == value, column]
            chosen = drawn[:, column] == value
            samples[chosen, column] = members[generator.randint(0, len(members), chosen.sum())]
    samples[0], binary[0] = row, 1.0
    return samples, binary


def lime_tabular(predict_proba: Callable[[np.ndarray], Sequence], train: np.ndarray, row: np.ndarray, *,
                 feature_names: Sequence[str] | None = None, class_names: Sequence[str] | None = None,
                 target: int | str | None = None, n_samples: int = 1000, seed: int = 0,
                 kernel_width: float | None = None, alpha: float = 1.0) -> LimeTabularResult:
    """Explain ``predict_proba``'s decision on one ``row`` by quartile-bin conditions on its features.

    Parameters
    ----------
    predict_proba : any callable ``(n, D) array -> (n, classes)`` probabilities (e.g. a scikit-learn
        classifier's ``predict_proba``).
    train : (N, D) training data: quartiles and sampling distribution come from it.
    row : (D,) the row to explain.
    target : class index or name (default: the top class on ``row``).
    n_samples : rows scored (the first is ``row``); ``seed`` draws them.
    kernel_width : default 0.75 * sqrt(D); ``alpha`` the ridge penalty.

    Examples
    --------
    >>> result = st.lime_tabular(forest.predict_proba, X_train, X_test[0], feature_names=names)
    >>> result.ranked(5)
    """
    train = np.asarray(train, dtype=np.float64)
    row = np.asarray(row, dtype=np.float64).ravel()
    if train.ndim != 2 or train.shape[1] != row.shape[0]:
        raise SeethroughError(f"train must be (N, D) and row (D,); got {train.shape} and {row.shape}")
    if n_samples < 2:
        raise SeethroughError(f"n_samples must be at least 2, got {n_samples}")
    width = 0.75 * np.sqrt(train.shape[1]) if kernel_width is None else float(kernel_width)
    names = list(feature_names) if feature_names is not None else [f"x{i}" for i in range(train.shape[1])]
    edges = quartile_edges(train)
    row_bins = bins(row, edges)[0]
    samples, binary = _sample(train, bins(train, edges), row, row_bins, n_samples, seed)
    probabilities = np.asarray(predict_proba(samples), dtype=np.float64)
    if probabilities.ndim != 2 or len(probabilities) != n_samples:
        raise SeethroughError(f"predict_proba must return (n, classes); got shape {probabilities.shape}")
    classes = list(class_names) if class_names is not None else [f"class {i}" for i in range(probabilities.shape[1])]
    if len(classes) != probabilities.shape[1]:
        raise SeethroughError(f"{len(classes)} class names for {probabilities.shape[1]} classes")
    index = pick_class(target, classes, probabilities[0])
    distances = np.sqrt(((1.0 - binary) ** 2).sum(axis=1))
    fit = fit_surrogate(binary, probabilities[:, index], exponential_kernel(distances, width), alpha=alpha)
    conditions = [describe(names[i], edges[i], int(row_bins[i])) for i in range(len(names))]
    options = {"n_samples": n_samples, "seed": seed, "kernel_width": width, "alpha": alpha,
               "discretizer": "quartile"}
    return LimeTabularResult(names, conditions, fit.coef, fit.intercept, fit.r2, fit.local_prediction,
                             probabilities[0], row, index, classes[index], classes, edges, options)
