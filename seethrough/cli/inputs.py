"""Reading the image-related options verbs share: masks and texture boxes of built-in samples."""
from __future__ import annotations

import numpy as np

from ..data.masks import load_mask, sample_mask, sample_texture_box
from ..probes import parse_box


def object_mask(image_spec: str, image: np.ndarray, mask_path: str | None) -> np.ndarray | None:
    """``--mask`` if given, else the shipped mask of a built-in sample, else None."""
    if mask_path:
        return load_mask(mask_path, image.shape[:2])
    if image_spec.startswith("sample:"):
        return sample_mask(image_spec[len("sample:"):], image.shape[:2])
    return None


def texture_box(image_spec: str, image: np.ndarray, text: str | None):
    """``--texture-box`` if given, else the hand-picked patch of a built-in sample, else None."""
    if text:
        return parse_box(text, image.shape)
    if image_spec.startswith("sample:"):
        box = sample_texture_box(image_spec[len("sample:"):])
        return parse_box(",".join(map(str, box)), image.shape) if box else None
    return None
