"""Which interpretable features each LIME sample keeps: random binary masks, the first all ones.

Drawn exactly as the lime package's ``LimeImageExplainer(random_state=seed)`` draws them (one
``randint(0, 1000)`` for its segmentation seed, then ``randint(0, 2)`` per entry, row 0 replaced
by ones), so the same seed gives the same samples as lime and the two
implementations can be compared one to one.
"""
from __future__ import annotations

import numpy as np


def coin_masks(n_samples: int, n_features: int, seed: int) -> np.ndarray:
    """(n_samples, n_features) float64 masks of fair coin flips; row 0 is the unperturbed input."""
    generator = np.random.RandomState(seed)
    generator.randint(0, high=1000)  # lime's segmentation seed: drawn even when unused, to stay in step
    masks = generator.randint(0, 2, n_samples * n_features).reshape(n_samples, n_features)
    masks[0] = 1
    return masks.astype(np.float64)


def removal_masks(n_samples: int, n_features: int, seed: int) -> np.ndarray:
    """Masks as lime draws them for text: each row removes a uniform number (1..n_features) of
    features, chosen uniformly; row 0 keeps all."""
    generator = np.random.RandomState(seed)
    masks = np.ones((n_samples, n_features))
    counts = generator.randint(1, n_features + 1, n_samples - 1)
    for row, count in enumerate(counts, start=1):
        masks[row, generator.choice(n_features, count, replace=False)] = 0
    return masks
