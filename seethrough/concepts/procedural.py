"""Procedural concept images: striped, dotted, zigzagged, checkered.

Each image is a pattern in two random colours, with a random scale (period), orientation and phase,
so that a set of them shares the concept and little else. These are the concepts of Kim et al.
(2018), "Interpretability beyond feature attribution: testing with concept activation vectors
(TCAV)", drawn instead of collected.

>>> images = procedural_set("striped", count=50, size=(224, 224), seed=0)   # 50 uint8 H x W x 3 arrays
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..errors import unknown


def _rotated(height: int, width: int, angle: float, period: float, rng: np.random.Generator):
    """Pixel coordinates rotated by ``angle`` and measured in periods: (u, v), each (H, W)."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    y += rng.uniform(0, period)
    x += rng.uniform(0, period)
    u = (x * np.cos(angle) + y * np.sin(angle)) / period
    v = (-x * np.sin(angle) + y * np.cos(angle)) / period
    return u, v


def _striped(u: np.ndarray, v: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    duty = rng.uniform(0.35, 0.65)
    return (u - np.floor(u)) < duty


def _dotted(u: np.ndarray, v: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    radius = rng.uniform(0.18, 0.32)
    du = u - np.floor(u) - 0.5
    dv = v - np.floor(v) - 0.5
    return du ** 2 + dv ** 2 < radius ** 2


def _zigzagged(u: np.ndarray, v: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    amplitude = rng.uniform(0.35, 0.8)
    teeth = rng.uniform(0.7, 1.4)              # zig length in periods
    phase = v / teeth - np.floor(v / teeth)
    triangle = amplitude * np.abs(2 * phase - 1)
    shifted = u + triangle
    return (shifted - np.floor(shifted)) < rng.uniform(0.35, 0.6)


def _checkered(u: np.ndarray, v: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return (np.floor(u).astype(np.int64) + np.floor(v).astype(np.int64)) % 2 == 0


_PATTERNS: dict[str, Callable[[np.ndarray, np.ndarray, np.random.Generator], np.ndarray]] = {
    "striped": _striped,
    "dotted": _dotted,
    "zigzagged": _zigzagged,
    "checkered": _checkered,
}
PROCEDURAL_CONCEPTS: tuple[str, ...] = tuple(_PATTERNS)


def _two_colours(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two random RGB colours in [0, 1] that differ enough to see the pattern (contrast >= 0.35)."""
    while True:
        first, second = rng.uniform(0, 1, 3), rng.uniform(0, 1, 3)
        if abs(first.mean() - second.mean()) > 0.35 or np.abs(first - second).max() > 0.6:
            return first, second


def pattern_mask(name: str, size: Sequence[int], rng: np.random.Generator, *,
                 period: tuple[float, float] = (0.06, 0.16)) -> np.ndarray:
    """A boolean (H, W) mask of pattern ``name`` with a random orientation and period.

    ``period`` is the range of the pattern's period as a fraction of the image's smaller side.
    """
    if name not in _PATTERNS:
        raise unknown("procedural concept", name, _PATTERNS)
    height, width = int(size[0]), int(size[1])
    spacing = rng.uniform(*period) * min(height, width)
    angle = rng.uniform(0, np.pi)
    u, v = _rotated(height, width, angle, max(spacing, 2.0), rng)
    return _PATTERNS[name](u, v, rng)


def procedural_image(name: str, size: Sequence[int], rng: np.random.Generator, *,
                     period: tuple[float, float] = (0.06, 0.16)) -> np.ndarray:
    """One image of pattern ``name`` in two random colours: uint8 (H, W, 3)."""
    mask = pattern_mask(name, size, rng, period=period)
    foreground, background = _two_colours(rng)
    image = np.where(mask[..., None], foreground, background)
    image = image + rng.normal(0, 0.02, image.shape)          # a little sensor noise
    return (np.clip(image, 0, 1) * 255).round().astype(np.uint8)


def procedural_set(name: str, count: int = 50, size: Sequence[int] = (224, 224), seed: int = 0, *,
                   period: tuple[float, float] = (0.06, 0.16)) -> list[np.ndarray]:
    """``count`` images of concept ``name`` ("striped", "dotted", "zigzagged", "checkered").

    Parameters
    ----------
    name : one of :data:`PROCEDURAL_CONCEPTS`.
    count : how many images.
    size : (height, width) of each image.
    seed : same seed, same images (byte for byte).
    period : range of the pattern's period, as a fraction of the smaller side.

    Returns
    -------
    list of uint8 arrays (H, W, 3).
    """
    if name not in _PATTERNS:
        raise unknown("procedural concept", name, _PATTERNS)
    rng = np.random.default_rng([seed, PROCEDURAL_CONCEPTS.index(name)])
    return [procedural_image(name, size, rng, period=period) for _ in range(int(count))]
