"""Texture only: a patch of the object's surface tiled over the whole frame, so no shape is left."""
from __future__ import annotations

import numpy as np

from .parts import Box


def tile_texture(image: np.ndarray, box: Box) -> np.ndarray:
    """The patch of ``image`` inside ``box``, repeated (mirrored at every other tile so no seams
    form hard edges) to fill an image of the same size."""
    patch = image[box.y0:box.y1, box.x0:box.x1]
    mirrored_x = np.concatenate([patch, patch[:, ::-1]], axis=1)
    tile = np.concatenate([mirrored_x, mirrored_x[::-1]], axis=0)
    height, width = image.shape[:2]
    reps = (-(-height // tile.shape[0]), -(-width // tile.shape[1])) + (1,) * (image.ndim - 2)
    return np.tile(tile, reps)[:height, :width].copy()


def default_texture_box(shape: tuple[int, ...], mask: np.ndarray | None = None) -> Box:
    """A square of a quarter of the short side, centred on the object (``mask``) or on the image."""
    height, width = shape[:2]
    side = max(4, min(height, width) // 4)
    if mask is not None and mask.any():
        rows, cols = np.nonzero(mask)
        cy, cx = int(np.median(rows)), int(np.median(cols))
    else:
        cy, cx = height // 2, width // 2
    y0 = min(max(cy - side // 2, 0), height - side)
    x0 = min(max(cx - side // 2, 0), width - side)
    return Box(x0, y0, x0 + side, y0 + side)
