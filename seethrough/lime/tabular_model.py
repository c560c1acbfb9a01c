"""A real tabular classifier for the LIME demo: a random forest on a scikit-learn bundled dataset
(no download), trained in about a second with a fixed seed."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import unknown

DATASETS = ("breast_cancer", "wine", "iris")


@dataclass
class TabularDemo:
    """The data split, the trained model's ``predict_proba`` and its held-out accuracy."""

    name: str
    predict_proba: object
    train: np.ndarray
    test: np.ndarray
    test_labels: np.ndarray
    feature_names: list[str]
    class_names: list[str]
    accuracy: float


def tabular_demo(name: str = "breast_cancer", *, seed: int = 0) -> TabularDemo:
    """Train a 100-tree random forest on 75% of ``name`` ("breast_cancer", "wine" or "iris")."""
    if name not in DATASETS:
        raise unknown("dataset", name, DATASETS, "scikit-learn's bundled datasets")
    from sklearn import datasets
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import train_test_split
    bunch = getattr(datasets, f"load_{name}")()
    train, test, train_labels, test_labels = train_test_split(
        bunch.data, bunch.target, test_size=0.25, random_state=seed, stratify=bunch.target)
    forest = RandomForestClassifier(n_estimators=100, random_state=seed, n_jobs=1).fit(train, train_labels)
    accuracy = float((forest.predict(test) == test_labels).mean())
    return TabularDemo(name, forest.predict_proba, train, test, test_labels, [str(f) for f in bunch.feature_names],
                       [str(c) for c in bunch.target_names], accuracy)
