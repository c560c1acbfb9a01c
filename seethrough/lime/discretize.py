"""Quartile discretization of tabular features, LIME's default for continuous columns."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def quartile_edges(data: np.ndarray) -> list[np.ndarray]:
    """For each column of ``data`` (N, D): its distinct 25th, 50th and 75th percentiles (1 to 3 edges)."""
    data = np.asarray(data, dtype=np.float64)
    return [np.unique(np.percentile(data[:, column], [25, 50, 75])) for column in range(data.shape[1])]


def bins(data: np.ndarray, edges: Sequence[np.ndarray]) -> np.ndarray:
    """(N, D) int bin of each value: 0 for ``x <= q1``, 1 for ``q1 < x <= q2``, ..., len(edges) above the last."""
    data = np.atleast_2d(np.asarray(data, dtype=np.float64))
    return np.stack([np.searchsorted(edge, data[:, column], side="left")
                     for column, edge in enumerate(edges)], axis=1)


def describe(name: str, edge: np.ndarray, index: int) -> str:
    """The condition bin ``index`` stands for, e.g. ``"0.25 < worst radius <= 0.50"``."""
    if index == 0:
        return f"{name} <= {edge[0]:.4g}"
    if index == len(edge):
        return f"{name} > {edge[-1]:.4g}"
    return f"{edge[index - 1]:.4g} < {name} <= {edge[index]:.4g}"
