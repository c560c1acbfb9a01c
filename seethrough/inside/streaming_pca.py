"""Principal components of data that arrives in batches and is never held whole.

Two ways, chosen by the number of features F:

* F <= ``exact_limit``: one pass accumulates the mean and the F x F scatter matrix with the
  pairwise update of Chan, Golub & LeVeque (1979), then one symmetric eigendecomposition. This is
  the exact PCA (the same components as an SVD of the whole centred matrix) up to rounding.
* F > ``exact_limit``: randomized subspace iteration on the covariance (Halko, Martinsson & Tropp
  2011, "Finding structure with randomness", SIAM Review 53(2), Algorithms 4.3-4.4). A seeded
  orthonormal F x (components + oversample) block Q is multiplied by the covariance in one pass,
  re-orthonormalized, and so on for ``passes`` passes; the last pass gives the covariance inside
  span(Q), whose eigenvectors (Rayleigh-Ritz) are the components. Memory is O(F x block).

Each pass calls ``batches()`` again, so the caller's source (e.g. a model's forward over a dataset)
is streamed ``1`` or ``passes`` times. Variances use the n - 1 denominator, as scikit-learn does.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import scipy.linalg

from ..errors import SeethroughError


@dataclass
class PrincipalComponents:
    """A fitted PCA.

    Attributes
    ----------
    mean : (F,) the data's mean.
    components : (n, F) orthonormal rows, strongest first; each row's largest-magnitude entry is positive.
    explained_variance : (n,) the variance along each component.
    explained_variance_ratio : (n,) its share of the total variance.
    count : the number of examples seen.
    exact : True when the scatter matrix was formed exactly, False for the randomized iteration.
    """

    mean: np.ndarray
    components: np.ndarray
    explained_variance: np.ndarray
    explained_variance_ratio: np.ndarray
    count: int
    exact: bool

    def transform(self, features: np.ndarray) -> np.ndarray:
        """(N, F) -> (N, n) coordinates on the components."""
        return (np.asarray(features, dtype=np.float64) - self.mean) @ self.components.T


class _Moments:
    """Count, sum and total sum of squares of ``x - shift``, accumulated batch by batch."""

    def __init__(self, features: int, shift: np.ndarray):
        self.count, self.shift = 0, shift
        self.total = np.zeros(features)
        self.squares = 0.0

    def add(self, shifted: np.ndarray) -> None:
        self.count += len(shifted)
        self.total += shifted.sum(0)
        self.squares += float((shifted ** 2).sum())

    def mean(self) -> np.ndarray:
        return self.shift + self.total / self.count

    def total_variance(self) -> float:
        centre = self.total / self.count
        return (self.squares - self.count * float(centre @ centre)) / (self.count - 1)


def _checked(batch, features: int | None) -> np.ndarray:
    batch = np.asarray(batch, dtype=np.float64)
    if batch.ndim != 2 or (features is not None and batch.shape[1] != features):
        raise SeethroughError(f"PCA batches must be (N, {features or 'F'}) arrays, got shape {batch.shape}")
    return batch


def _exact(batches: Callable[[], Iterable[np.ndarray]]) -> tuple[np.ndarray, np.ndarray, int, float]:
    """One pass: mean, scatter matrix (Chan et al. pairwise update), count, total variance."""
    count, mean, scatter = 0, None, None
    for batch in batches():
        batch = _checked(batch, None if mean is None else len(mean))
        if mean is None:
            mean, scatter = np.zeros(batch.shape[1]), np.zeros((batch.shape[1],) * 2)
        size = len(batch)
        if size == 0:
            continue
        batch_mean = batch.mean(0)
        centred = batch - batch_mean
        delta = batch_mean - mean
        total = count + size
        scatter += centred.T @ centred + np.outer(delta, delta) * (count * size / total)
        mean = mean + delta * (size / total)
        count = total
    if count < 2:
        raise SeethroughError(f"PCA needs at least 2 examples, got {count}")
    return mean, scatter / (count - 1), count, float(np.trace(scatter)) / (count - 1)


def _randomized(batches: Callable[[], Iterable[np.ndarray]], features: int, block: int, passes: int,
                seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, float]:
    """Subspace iteration: returns mean, Q (F, block), Q^T C Q (block, block), count, total variance."""
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.standard_normal((features, block)))
    shift = np.zeros(features)
    for number in range(passes):
        moments = _Moments(features, shift)
        product = np.zeros((features, block))  # sum of x x^T Q over the pass (x shifted)
        inner = np.zeros((block, block))  # sum of (Q^T x)(Q^T x)^T
        for batch in batches():
            shifted = _checked(batch, features) - shift
            projected = shifted @ basis
            moments.add(shifted)
            product += shifted.T @ projected
            inner += projected.T @ projected
        if moments.count < 2:
            raise SeethroughError(f"PCA needs at least 2 examples, got {moments.count}")
        centre = moments.total / moments.count  # mean of the shifted data
        along = basis.T @ centre
        covariance_q = (product - moments.count * np.outer(centre, along)) / (moments.count - 1)
        if number == passes - 1:
            small = (inner - moments.count * np.outer(along, along)) / (moments.count - 1)
            return moments.mean(), basis, small, moments.count, moments.total_variance()
        basis, _ = np.linalg.qr(covariance_q)
        shift = moments.mean()
    raise AssertionError("unreachable")


def fit_pca(batches: Callable[[], Iterable[np.ndarray]], features: int, components: int = 2, *,
            exact_limit: int = 1024, passes: int = 4, oversample: int = 20, seed: int = 0) -> PrincipalComponents:
    """Fit a PCA to the rows of the batches that ``batches()`` yields (called once per pass).

    Parameters
    ----------
    batches : a function returning an iterable of (n_i, F) arrays; the same rows on every call.
    features : F.
    components : how many components to keep (at most F).
    exact_limit : form the F x F scatter matrix exactly when F is at most this.
    passes : passes of the randomized subspace iteration (F > ``exact_limit``), at least 2.
    oversample : extra columns of the randomized block.
    seed : seed of the randomized block.

    Returns
    -------
    :class:`PrincipalComponents`.

    Examples
    --------
    >>> data = np.random.default_rng(0).standard_normal((1000, 5))
    >>> fit_pca(lambda: np.array_split(data, 10), 5).components.shape
    (2, 5)
    """
    if not 1 <= components <= features:
        raise SeethroughError(f"components must be between 1 and {features}, got {components}")
    if features <= exact_limit:
        mean, covariance, count, total = _exact(batches)
        basis = np.eye(features)
        exact = True
    else:
        if passes < 2:
            raise SeethroughError(f"the randomized PCA needs at least 2 passes, got {passes}")
        block = min(features, components + oversample)
        mean, basis, covariance, count, total = _randomized(batches, features, block, passes, seed)
        exact = False
    size = len(covariance)  # only the top eigenpairs (LAPACK syevr), much faster than all of them
    values, vectors = scipy.linalg.eigh(covariance, subset_by_index=[size - min(components, size), size - 1])
    order = np.argsort(values)[::-1][:components]
    values, directions = values[order].clip(min=0), (basis @ vectors[:, order]).T
    signs = np.sign(directions[np.arange(len(directions)), np.abs(directions).argmax(1)])
    directions *= np.where(signs == 0, 1.0, signs)[:, None]
    ratio = values / total if total > 0 else np.zeros_like(values)
    return PrincipalComponents(mean, directions, values, ratio, count, exact)
