"""Where concept and random images come from: folders, procedural patterns, texture crops, random pools.

A concept is named on the command line or in Python as

- ``"striped"``, ``"dotted"``, ``"zigzagged"``, ``"checkered"``: drawn by :mod:`.procedural`;
- ``"brick"``, ``"grass"``, ``"gravel"``: random crops of the bundled ``skimage`` textures;
- a folder of images (PNG, JPEG, ...).

Random counterpart sets (TCAV's "random" images) come from a pool: a folder, or by default random
crops of the bundled sample photographs mixed with noise images.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..data import load_image, sample
from ..errors import SeethroughError, unknown
from .procedural import PROCEDURAL_CONCEPTS, procedural_set

TEXTURES: tuple[str, ...] = ("brick", "grass", "gravel")
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"}
_POOL_SAMPLES = ("chelsea", "astronaut", "coffee", "rocket", "camera", "horse", "brick", "grass", "gravel")


@dataclass(frozen=True)
class ImageSet:
    """A named list of images (uint8 arrays, H x W or H x W x C) and a key that identifies its content."""

    name: str
    images: tuple[np.ndarray, ...]
    key: str

    def __len__(self) -> int:
        return len(self.images)


def image_set(name: str, images: Sequence[np.ndarray]) -> ImageSet:
    """An :class:`ImageSet` whose key is a hash of every image's bytes and shape."""
    images = tuple(np.ascontiguousarray(image) for image in images)
    if not images:
        raise SeethroughError(f"image set {name!r} is empty; it needs at least 2 images")
    digest = hashlib.sha256()
    for image in images:
        digest.update(str((image.shape, image.dtype.str)).encode())
        digest.update(image.tobytes())
    return ImageSet(name, images, digest.hexdigest()[:20])


def folder_images(path: str | Path, *, limit: int | None = None, seed: int = 0) -> ImageSet:
    """The images in folder ``path`` (sorted by name; a random ``limit`` of them if given)."""
    folder = Path(path)
    if not folder.is_dir():
        raise SeethroughError(f"{path} is not a folder of images")
    files = sorted(f for f in folder.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES)
    if len(files) < 2:
        raise SeethroughError(f"folder {path} holds {len(files)} image(s); a concept or class needs at least 2 "
                              f"(suffixes {', '.join(sorted(IMAGE_SUFFIXES))})")
    if limit is not None and len(files) > limit:
        chosen = np.random.default_rng(seed).choice(len(files), size=limit, replace=False)
        files = [files[i] for i in sorted(chosen)]
    return image_set(folder.name or str(folder), [load_image(f) for f in files])


def _crop(image: np.ndarray, rng: np.random.Generator, fraction: tuple[float, float]) -> np.ndarray:
    """A random square crop of ``image`` (side a random ``fraction`` of its smaller side), randomly turned."""
    height, width = image.shape[:2]
    side = max(8, int(rng.uniform(*fraction) * min(height, width)))
    top = int(rng.integers(0, height - side + 1))
    left = int(rng.integers(0, width - side + 1))
    crop = image[top:top + side, left:left + side]
    crop = np.rot90(crop, int(rng.integers(0, 4)))
    return np.ascontiguousarray(crop[:, ::-1] if rng.random() < 0.5 else crop)


def texture_crops(name: str, count: int = 50, seed: int = 0) -> ImageSet:
    """``count`` random crops (15-40% of the side, rotated, flipped) of texture ``name`` (brick, grass, gravel)."""
    if name not in TEXTURES:
        raise unknown("texture", name, TEXTURES)
    texture = sample(name)
    rng = np.random.default_rng([seed, 1 + TEXTURES.index(name)])
    return image_set(name, [_crop(texture, rng, (0.15, 0.4)) for _ in range(int(count))])


def concept_images(spec: str, count: int = 50, size: Sequence[int] = (224, 224), seed: int = 0) -> ImageSet:
    """The concept named ``spec``: a procedural pattern, a bundled texture, or a folder of images."""
    if isinstance(spec, ImageSet):
        return spec
    text = str(spec)
    if text in PROCEDURAL_CONCEPTS:
        return image_set(text, procedural_set(text, count, size, seed))
    if text in TEXTURES:
        return texture_crops(text, count, seed)
    if Path(text).is_dir():
        return folder_images(text, limit=count, seed=seed)
    if Path(text).exists():
        raise SeethroughError(f"{text} is a file; a concept is a folder of images or a built-in name")
    raise unknown("concept", text, PROCEDURAL_CONCEPTS + TEXTURES, "or give a folder of images")


def _noise(rng: np.random.Generator, size: Sequence[int]) -> np.ndarray:
    """Uniform, Gaussian or smooth (blurred) colour noise, uint8 (H, W, 3)."""
    height, width = int(size[0]), int(size[1])
    kind = rng.integers(0, 3)
    if kind == 0:
        pixels = rng.uniform(0, 1, (height, width, 3))
    elif kind == 1:
        pixels = rng.normal(rng.uniform(0.3, 0.7), rng.uniform(0.05, 0.25), (height, width, 3))
    else:
        coarse = rng.uniform(0, 1, (int(rng.integers(2, 9)), int(rng.integers(2, 9)), 3))
        rows = np.linspace(0, coarse.shape[0] - 1, height)
        cols = np.linspace(0, coarse.shape[1] - 1, width)
        pixels = _bilinear(coarse, rows, cols)
    return (np.clip(pixels, 0, 1) * 255).round().astype(np.uint8)


def _bilinear(grid: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    r0 = np.floor(rows).astype(int).clip(0, grid.shape[0] - 2) if grid.shape[0] > 1 else np.zeros_like(rows, int)
    c0 = np.floor(cols).astype(int).clip(0, grid.shape[1] - 2) if grid.shape[1] > 1 else np.zeros_like(cols, int)
    fr = (rows - r0)[:, None, None]
    fc = (cols - c0)[None, :, None]
    r1 = np.minimum(r0 + 1, grid.shape[0] - 1)
    c1 = np.minimum(c0 + 1, grid.shape[1] - 1)
    top = grid[r0][:, c0] * (1 - fc) + grid[r0][:, c1] * fc
    bottom = grid[r1][:, c0] * (1 - fc) + grid[r1][:, c1] * fc
    return top * (1 - fr) + bottom * fr


def builtin_pool_image(rng: np.random.Generator, size: Sequence[int], photos: dict[str, np.ndarray],
                       noise_fraction: float = 0.25) -> np.ndarray:
    """One random image of the built-in pool: a crop of a bundled sample, or (``noise_fraction``) noise."""
    if rng.random() < noise_fraction:
        return _noise(rng, size)
    name = _POOL_SAMPLES[int(rng.integers(0, len(_POOL_SAMPLES)))]
    image = _crop(photos[name], rng, (0.2, 0.8))
    return np.repeat(image[..., None], 3, axis=2) if image.ndim == 2 else image


def random_sets(count: int, set_size: int = 50, size: Sequence[int] = (224, 224), seed: int = 0,
                pool: str | Path | None = None) -> list[ImageSet]:
    """``count`` random image sets of ``set_size`` images each, named ``random_0``, ``random_1``, ...

    ``pool`` is a folder to draw from (each set without repetition; sets may overlap), or None for
    the built-in pool: crops of the bundled sample photographs and textures, and noise images.
    """
    rng = np.random.default_rng([seed, 7919])
    if pool is not None:
        folder = Path(pool)
        files = sorted(f for f in folder.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES) if folder.is_dir() else []
        if len(files) < set_size:
            raise SeethroughError(f"random pool {pool} needs at least {set_size} images (--set-size), "
                                  f"found {len(files)}; add images or lower the set size")
        loaded: dict[int, np.ndarray] = {}
        sets = []
        for number in range(count):
            chosen = sorted(rng.choice(len(files), size=set_size, replace=False).tolist())
            for index in chosen:
                if index not in loaded:
                    loaded[index] = load_image(files[index])
            sets.append(image_set(f"random_{number}", [loaded[i] for i in chosen]))
        return sets
    photos = {name: sample(name) for name in _POOL_SAMPLES}
    return [image_set(f"random_{number}", [builtin_pool_image(rng, size, photos) for _ in range(set_size)])
            for number in range(count)]
