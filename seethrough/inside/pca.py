"""A layer's representations of a dataset in two dimensions: PCA (streamed), optionally t-SNE, and how
well the classes separate there (k-nearest-neighbour accuracy in the 2-d projection).

PCA is streamed (:mod:`seethrough.inside.streaming_pca`: exact up to ``exact_limit`` features,
randomized subspace iteration above), then one more pass projects, so memory does not grow with the
dataset beyond the (N, 2) points. t-SNE (van der Maaten & Hinton 2008, JMLR 9) runs on the
first 50 principal components, as is usual. The separation number is the 5-fold cross-validated
accuracy of a 5-nearest-neighbour classifier on the 2-d points: 1.0 means every class forms its own
region, 1 / classes means the classes are mixed.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..errors import SeethroughError
from ..hooks import capture
from ..model import Model
from ..progress import Progress
from .datasets import Dataset, open_dataset
from .streaming_pca import fit_pca

POOLS = ("flatten", "mean", "max")


@dataclass
class Projection:
    """Every example of a dataset as a point in 2-d.

    Attributes
    ----------
    layer, pool, method : what was projected ("flatten" / "mean" / "max" over space; "pca" or "tsne").
    points : (N, 2) float64, one row per example, in the order of ``ids``.
    ids, labels : (N,) the examples' ids and labels (-1: none).
    predictions : (N,) the model's top-1 class for each example.
    explained_variance : (2,) the share of the total variance on the first two principal components.
    knn_accuracy : 5-fold cross-validated 5-NN accuracy on ``points`` (None without labels).
    thumbnails : ids of a few examples to show at their points (per label, the one nearest its median).
    features : the dimension of the projected representation.
    """

    layer: str
    pool: str
    method: str
    points: np.ndarray
    ids: np.ndarray
    labels: np.ndarray
    predictions: np.ndarray
    explained_variance: np.ndarray
    knn_accuracy: float | None
    thumbnails: list[int]
    features: int

    def to_dict(self) -> dict:
        return {"layer": self.layer, "pool": self.pool, "method": self.method, "examples": int(len(self.ids)),
                "features": self.features, "explained_variance": [float(v) for v in self.explained_variance],
                "knn_accuracy": self.knn_accuracy, "thumbnails": self.thumbnails}


def _features(output: torch.Tensor, pool: str) -> np.ndarray:
    if output.dim() == 4 and pool != "flatten":
        output = output.mean(dim=(2, 3)) if pool == "mean" else output.amax(dim=(2, 3))
    return output.flatten(1).double().cpu().numpy()


def knn_accuracy(points: np.ndarray, labels: np.ndarray, *, neighbours: int = 5, folds: int = 5,
                 seed: int = 0) -> float:
    """Cross-validated accuracy of a k-nearest-neighbour classifier on ``points`` (N, d) with ``labels``."""
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.neighbors import KNeighborsClassifier
    folds = min(folds, int(np.unique(labels, return_counts=True)[1].min()))
    if folds < 2:
        raise SeethroughError("the kNN separation needs at least 2 examples of every label")
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    return float(cross_val_score(KNeighborsClassifier(neighbours), points, labels, cv=splitter).mean())


def project(model: Model, dataset, layer: str, *, pool: str = "flatten", method: str = "pca", seed: int = 0,
            batch_size: int = 256, exact_limit: int = 1024, progress: bool = True) -> Projection:
    """Project ``layer``'s representation of every example of ``dataset`` to 2-d.

    Parameters
    ----------
    model : a :class:`seethrough.Model`.
    dataset : a :class:`~seethrough.inside.datasets.Dataset` or a spec ("mnist", "mnist:test", a folder, ...).
    layer : dotted layer name.
    pool : "flatten" (the whole map), or "mean" / "max" over space (one number per channel).
    method : "pca", or "tsne" (t-SNE of the first 50 principal components).
    seed : seed of the randomized PCA, of t-SNE and of the cross-validation folds.
    batch_size : examples per forward pass.
    exact_limit : up to this many features the PCA is exact; above, randomized subspace iteration
        (see :func:`~seethrough.inside.streaming_pca.fit_pca`; each of its passes is a forward pass).
    progress : progress bar on stderr.

    Returns
    -------
    :class:`Projection`.

    Examples
    --------
    >>> conv1 = project(model, "mnist", "pool1"); conv2 = project(model, "mnist", "pool2")
    >>> conv1.knn_accuracy < conv2.knn_accuracy
    True
    """
    if pool not in POOLS:
        raise SeethroughError(f"pool is one of {', '.join(POOLS)}, got {pool!r}")
    if method not in ("pca", "tsne"):
        raise SeethroughError(f"method is 'pca' or 'tsne', got {method!r}")
    dataset: Dataset = open_dataset(dataset)
    model.layer(layer)
    if len(dataset) < 3:
        raise SeethroughError(f"dataset {dataset.name!r} has {len(dataset)} examples; a projection needs at least 3")
    with torch.inference_mode(), capture(model.module, [layer]) as outputs:
        model(dataset.inputs(model, [0]))
        features = _features(outputs[layer], pool).shape[1]
    components = min(50 if method == "tsne" else 2, features, len(dataset))
    passes = 1 if features <= exact_limit else 4
    bar = Progress((passes + 1) * len(dataset), f"projecting {layer}", enabled=progress)
    seen: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def representations():
        seen.clear()
        with torch.inference_mode(), capture(model.module, [layer]) as outputs:
            for batch in dataset.batches(model, batch_size):
                predicted = model(batch.inputs).argmax(-1).cpu().numpy()
                bar.advance(len(batch.ids))
                seen.append((batch.ids, batch.labels, predicted))
                yield _features(outputs[layer], pool)

    fitted = fit_pca(representations, features, components, exact_limit=exact_limit, passes=max(passes, 2),
                     seed=seed)
    reduced = np.concatenate([fitted.transform(f) for f in representations()])
    bar.close()
    ids, labels, predictions = (np.concatenate(column) for column in zip(*seen))
    points = reduced[:, :2]
    if method == "tsne":
        from sklearn.manifold import TSNE
        perplexity = min(30.0, (len(ids) - 1) / 3)
        points = TSNE(2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(reduced)
    counts = np.unique(labels, return_counts=True)[1]
    accuracy = (knn_accuracy(points, labels, seed=seed)
                if (labels >= 0).all() and len(counts) >= 2 and counts.min() >= 2 else None)
    return Projection(layer, pool, method, points, ids, labels, predictions, fitted.explained_variance_ratio[:2].copy(),
                      accuracy, _thumbnails(points, labels, ids, seed), features)


def _thumbnails(points: np.ndarray, labels: np.ndarray, ids: np.ndarray, seed: int, count: int = 12) -> list[int]:
    """Per label, the example nearest the label's median point; without labels, ``count`` random ones."""
    if (labels < 0).any():
        chosen = np.random.default_rng(seed).choice(len(ids), size=min(count, len(ids)), replace=False)
        return [int(ids[i]) for i in sorted(chosen)]
    picks = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        centre = np.median(points[members], axis=0)
        picks.append(int(ids[members[np.argmin(((points[members] - centre) ** 2).sum(1))]]))
    return picks
