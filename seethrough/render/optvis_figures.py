"""Output for feature visualizations, dreams and style transfers: one image as an image file, several
as a titled grid (matplotlib's object API, no pyplot)."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from ..errors import SeethroughError
from ..files import atomic_path, save_figure
from .figures import image_grid

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff")
FIGURE_SUFFIXES = (".png", ".pdf", ".svg", ".jpg", ".jpeg")


def check_suffix(path: str, *, figure: bool) -> None:
    """Fail before any work if ``path``'s suffix is not a format the output can be written in."""
    allowed = FIGURE_SUFFIXES if figure else IMAGE_SUFFIXES + (".pdf", ".svg")
    if Path(path).suffix.lower() not in allowed:
        raise SeethroughError(f"-o {path}: write one of {', '.join(allowed)}")


def pixels_image(pixels) -> np.ndarray:
    """Pixels (1, C, H, W) or (C, H, W) in [0, 1] (a tensor) -> an H x W x 3 array for display."""
    pixels = pixels[0] if pixels.ndim == 4 else pixels
    image = pixels.detach().cpu().clamp(0, 1).permute(1, 2, 0).numpy()
    return np.repeat(image, 3, axis=2) if image.shape[2] == 1 else image


def to_uint8(image: np.ndarray) -> np.ndarray:
    """An H x W x C float image in [0, 1] -> uint8 (rounded)."""
    return (np.clip(image, 0.0, 1.0) * 255).round().astype(np.uint8)


def save_image(path: str, image: np.ndarray) -> None:
    """One H x W x 3 image in [0, 1] as an image file, pixel for pixel (greyscale when the three channels
    are equal; a figure for .pdf / .svg)."""
    if Path(path).suffix.lower() in (".pdf", ".svg"):
        save_figure(visualization_grid([image], [""]), path)
        return
    from PIL import Image
    array = to_uint8(image)
    with atomic_path(path) as temporary:
        grey = array.shape[2] == 1 or (np.array_equal(array[..., 0], array[..., 1])
                                       and np.array_equal(array[..., 0], array[..., 2]))
        Image.fromarray(array[..., 0] if grey else array).save(
            temporary, format=Image.registered_extensions()[Path(path).suffix.lower()])


def visualization_grid(images: Sequence[np.ndarray], titles: Sequence[str], *, cols: int | None = None,
                       suptitle: str | None = None) -> Figure:
    """Images (H x W x 3 in [0, 1]) in a grid, one title each (the lectures' grids of a layer's channels)."""
    cols = cols or min(len(images), 4 if len(images) <= 8 else 8)
    return image_grid(list(images), list(titles), cols=cols, size=2.0 if cols > 4 else 2.6, suptitle=suptitle)


def save_images(path: str, images: Sequence[np.ndarray], titles: Sequence[str], suptitle: str | None = None) -> None:
    """One image pixel for pixel, several as a titled grid figure."""
    if len(images) == 1 and not suptitle:
        save_image(path, images[0])
    else:
        save_figure(visualization_grid(images, titles, suptitle=suptitle), path)


def side_by_side(images: Sequence[np.ndarray], titles: Sequence[str]) -> Figure:
    """A row of images with titles (start, result; or content, style, result)."""
    return image_grid(list(images), list(titles), cols=len(images), size=3.0)
