"""Shape only: the object's silhouette, black on white, with no texture or colour left."""
from __future__ import annotations

import numpy as np


def silhouette(mask: np.ndarray, channels: int = 3) -> np.ndarray:
    """A uint8 image, black where ``mask`` (bool, H x W) is True and white elsewhere."""
    image = np.where(mask, 0, 255).astype(np.uint8)
    return np.repeat(image[..., None], channels, axis=2) if channels > 1 else image
