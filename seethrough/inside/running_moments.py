"""Per-unit mean and standard deviation over a stream, merged part by part in float64 with the
pairwise update of Chan, Golub & LeVeque (1979); and the same over every activation of a layer's maps
(with their minimum and maximum), from four reductions per map.
"""
from __future__ import annotations

import numpy as np
import torch


class RunningMoments:
    """Count, mean and sum of squared deviations (``m2``) per unit, merged part by part."""

    def __init__(self, units: int):
        self.count, self.mean, self.m2 = 0, np.zeros(units), np.zeros(units)

    def merge(self, count: int, mean: np.ndarray, m2: np.ndarray) -> None:
        """Merge a part's (count, mean, m2): Chan, Golub & LeVeque's update."""
        total = self.count + count
        delta = mean - self.mean
        self.m2 += m2  # in place, in the same order as self.m2 + m2 + ...: nothing new is kept (see LayerExtremes)
        self.m2 += delta ** 2 * (self.count * count / total)
        self.mean += delta * (count / total)
        self.count = total

    def add_rows(self, values: np.ndarray) -> None:
        """Merge the rows of ``values`` (N, units), one observation each."""
        values = values.astype(np.float64)
        mean = values.mean(axis=0)
        self.merge(len(values), mean, ((values - mean) ** 2).sum(axis=0))

    @property
    def std(self) -> np.ndarray:
        return np.sqrt(self.m2 / max(self.count, 1))


def map_reductions(flat: torch.Tensor, out: torch.Tensor, chunk_bytes: int = 4 << 20) -> None:
    """Per example and channel of ``flat`` (N, C, P): max, sum, min and sum of squares over P, written
    into ``out`` (4, N, C) in that order.

    Taken a chunk of examples at a time (about ``chunk_bytes``), so that after the first reduction
    brings a chunk into the cache the other three read it from there: on one thread 3x faster than
    four passes over a large activation (no single torch op fuses the four quickly). Chunks of 1 MB
    were as fast on one thread but slower on two (each parallel reduction has a fixed cost).
    """
    rows = max(1, chunk_bytes // max(1, flat[0].numel() * flat.element_size()))
    for start in range(0, len(flat), rows):
        part, target = flat[start:start + rows], out[:, start:start + rows]
        torch.amax(part, dim=2, out=target[0])
        torch.sum(part, dim=2, out=target[1])
        torch.amin(part, dim=2, out=target[2])
        torch.linalg.vector_norm(part, dim=2, out=target[3])
        target[3].square_()


class ActivationMoments:
    """Mean, standard deviation, minimum and maximum per channel over every activation (all examples
    and positions), from each example's per-channel sums (``map_reductions``)."""

    def __init__(self, channels: int):
        self.moments = RunningMoments(channels)
        self.minimum, self.maximum = np.full(channels, np.inf), np.full(channels, -np.inf)

    def add(self, positions: int, sums: np.ndarray, squares: np.ndarray, lows: np.ndarray, peak: np.ndarray) -> None:
        """Merge examples' per-channel sums, sums of squares, minima and maxima (N, C) over ``positions``."""
        sums = sums.astype(np.float64)
        example_mean = sums / positions
        example_m2 = np.maximum(squares.astype(np.float64) - sums * example_mean, 0)  # (N, C)
        count = sums.shape[0] * positions
        mean = sums.sum(axis=0) / count
        self.moments.merge(count, mean, example_m2.sum(axis=0) + positions * ((example_mean - mean) ** 2).sum(axis=0))
        self.minimum = np.minimum(self.minimum, lows.min(axis=0))
        self.maximum = np.maximum(self.maximum, peak.max(axis=0))
