"""Concept activation vectors: the normal of a linear classifier separating concept from random activations.

Kim et al. (2018), "Interpretability beyond feature attribution: quantitative testing with concept
activation vectors (TCAV)", ICML, section 3.2. As in the paper's code, the classifier is a linear
SGD classifier with ``alpha=0.01`` (hinge loss); logistic regression is the alternative.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import torch

from ..errors import SeethroughError

CAV_METHODS = ("sgd", "logistic")


@dataclass(frozen=True)
class CAV:
    """A unit vector in a layer's (flattened) activation space pointing from random towards the concept.

    Attributes
    ----------
    direction : (D,) float64 unit vector, D = the layer's activation size per example.
    accuracy : the classifier's accuracy on held-out activations (a third of each class).
    concept, counterpart : names of the two image sets it separates.
    layer : the layer.
    method : "sgd" or "logistic".
    """

    direction: np.ndarray
    accuracy: float
    concept: str
    counterpart: str
    layer: str
    method: str


def _flat(activations: torch.Tensor | np.ndarray) -> np.ndarray:
    array = activations.detach().cpu().numpy() if isinstance(activations, torch.Tensor) else np.asarray(activations)
    return array.reshape(array.shape[0], -1).astype(np.float64)


def train_cav(concept: torch.Tensor, counterpart: torch.Tensor, *, concept_name: str = "concept",
              counterpart_name: str = "random", layer: str = "", method: str = "sgd",
              alpha: float = 0.01, test_fraction: float = 1 / 3, seed: int = 0) -> CAV:
    """Fit a linear classifier concept-vs-counterpart on activations and return its normal as a :class:`CAV`.

    Parameters
    ----------
    concept, counterpart : activations (N, ...) and (M, ...) of one layer.
    method : "sgd" (``SGDClassifier(alpha=alpha)``, the paper's) or "logistic"
        (``LogisticRegression(C=1/alpha)``).
    alpha : regularization strength.
    test_fraction : share of each class held out to measure the accuracy.
    seed : picks the balanced subsample, the split and SGD's order; same seed, same CAV.

    The classes are balanced first: the larger set is subsampled at random to the smaller one's size.
    """
    if method not in CAV_METHODS:
        raise SeethroughError(f"unknown CAV method {method!r}; choose one of: {', '.join(CAV_METHODS)}")
    positives, negatives = _flat(concept), _flat(counterpart)
    if positives.shape[1] != negatives.shape[1]:
        raise SeethroughError(f"concept and counterpart activations differ in size: {positives.shape[1]} vs "
                              f"{negatives.shape[1]}")
    size = min(len(positives), len(negatives))
    if size < 4:
        raise SeethroughError(f"a CAV needs at least 4 images per set; {concept_name!r} vs {counterpart_name!r} "
                              f"gives {size}")
    rng = np.random.default_rng(seed)
    positives = positives[np.sort(rng.choice(len(positives), size, replace=False))]
    negatives = negatives[np.sort(rng.choice(len(negatives), size, replace=False))]
    held = max(1, int(round(size * test_fraction)))
    order_p, order_n = rng.permutation(size), rng.permutation(size)
    train_x = np.concatenate([positives[order_p[held:]], negatives[order_n[held:]]])
    train_y = np.concatenate([np.ones(size - held), np.zeros(size - held)])
    test_x = np.concatenate([positives[order_p[:held]], negatives[order_n[:held]]])
    test_y = np.concatenate([np.ones(held), np.zeros(held)])
    classifier = _classifier(method, alpha, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # convergence warnings: the held-out accuracy tells
        classifier.fit(train_x, train_y)
    accuracy = float((classifier.predict(test_x) == test_y).mean())
    normal = classifier.coef_[0].astype(np.float64)   # points towards class 1, the concept
    norm = np.linalg.norm(normal)
    direction = normal / norm if norm > 0 else normal
    return CAV(direction, accuracy, concept_name, counterpart_name, layer, method)


def _classifier(method: str, alpha: float, seed: int):
    if method == "sgd":
        from sklearn.linear_model import SGDClassifier
        return SGDClassifier(alpha=alpha, max_iter=1000, tol=1e-3, random_state=seed)
    from sklearn.linear_model import LogisticRegression
    return LogisticRegression(C=1.0 / alpha, max_iter=2000)
