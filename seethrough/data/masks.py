"""Object masks for the built-in samples, for the shape-only probe.

chelsea: a polygon traced by hand around the cat's head and chest on a 25-px grid over the
451 x 300 image, and checked by overlaying it on the photo (it covers 76% of the frame).
horse: the silhouette itself (dark pixels).
"""
from __future__ import annotations

import numpy as np
from PIL import Image, UnidentifiedImageError
from pathlib import Path

from ..errors import SeethroughError

CHELSEA_OUTLINE = [(45, 300), (28, 230), (22, 150), (35, 80), (55, 35), (80, 0), (398, 0), (402, 20),
                   (388, 60), (376, 100), (384, 150), (380, 200), (368, 240), (352, 275), (340, 300)]


def _polygon(shape: tuple[int, int], outline: list[tuple[int, int]]) -> np.ndarray:
    from skimage.draw import polygon2mask
    return polygon2mask(shape, [(y, x) for x, y in outline])


def sample_mask(name: str, shape: tuple[int, int]) -> np.ndarray | None:
    """The object mask (bool, H x W) of built-in sample ``name``, or None if it has none."""
    if name == "chelsea":
        return _polygon(shape, CHELSEA_OUTLINE)
    if name == "horse":
        from .samples import sample
        return sample("horse") < 128
    return None


def load_mask(path: str, shape: tuple[int, int]) -> np.ndarray:
    """A mask image (white = object) resized to ``shape`` (H, W) -> bool array."""
    if not Path(path).is_file():
        raise SeethroughError(f"no such mask file: {path} (a PNG, white on the object, black elsewhere)")
    try:
        with Image.open(path) as image:
            grey = image.convert("L").resize((shape[1], shape[0]), Image.NEAREST)
    except (UnidentifiedImageError, OSError):
        raise SeethroughError(f"mask {path} is not an image PIL can read; use a PNG, white on the object") from None
    mask = np.asarray(grey) >= 128
    if not mask.any() or mask.all():
        raise SeethroughError(f"mask {path} is all one colour; it must be white on the object, black elsewhere")
    return mask


SAMPLE_TEXTURE_BOXES = {"chelsea": (190, 5, 290, 85)}  # striped fur on the forehead


def sample_texture_box(name: str) -> tuple[int, int, int, int] | None:
    """A hand-picked texture patch (x0, y0, x1, y1) of built-in sample ``name``, or None."""
    return SAMPLE_TEXTURE_BOXES.get(name)
