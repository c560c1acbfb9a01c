"""Transformation robustness: random small changes applied to the image before every step.

Optimizing through random padding, jitter, scaling and rotation keeps the image from exploiting
pixel-exact patterns the network would not see under a small shift (Mordvintsev, Olah & Tyka 2015,
"Inceptionism"; Olah et al. 2017, "Feature Visualization", Distill, section "Transformation
robustness"). :func:`standard_transforms` is Lucid's ``transform.standard_transforms``: pad 12 with
grey, jitter 8, scale 0.9-1.1, rotate -10..10 degrees, jitter 4.

A transform is a callable ``(pixels (N, C, H, W), generator) -> pixels (N, C, H', W')``; all
randomness comes from the ``torch.Generator`` passed in, so a seed fixes every draw.

>>> generator = torch.Generator().manual_seed(0)
>>> compose(standard_transforms())(pixels, generator).shape   # a little smaller than pixels
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F

from ..errors import SeethroughError

Transform = Callable[[torch.Tensor, torch.Generator], torch.Tensor]


def _choice(values: Sequence[float], generator: torch.Generator) -> float:
    return float(values[int(torch.randint(len(values), (1,), generator=generator))])


def pad(width: int, value: float = 0.5) -> Transform:
    """Pad ``width`` pixels on every side with a constant (grey by default)."""
    if width < 0:
        raise SeethroughError(f"pad width must be 0 or more, got {width}")

    def apply(pixels: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        return F.pad(pixels, (width,) * 4, mode="constant", value=value)
    return apply


def jitter(distance: int) -> Transform:
    """Crop-based jitter: a random (H - d) x (W - d) crop, so the image shifts by 0..d pixels."""
    if distance < 0:
        raise SeethroughError(f"jitter distance must be 0 or more, got {distance}")

    def apply(pixels: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        if distance == 0:
            return pixels
        height, width = pixels.shape[-2:]
        dy, dx = (int(v) for v in torch.randint(distance + 1, (2,), generator=generator))
        return pixels[..., dy:dy + height - distance, dx:dx + width - distance]
    return apply


def random_scale(scales: Sequence[float]) -> Transform:
    """Resize by a factor drawn from ``scales`` (bilinear)."""
    scales = list(scales)
    if not scales or min(scales) <= 0:
        raise SeethroughError("random_scale needs positive scale factors")

    def apply(pixels: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        scale = _choice(scales, generator)
        height, width = pixels.shape[-2:]
        size = (max(1, round(height * scale)), max(1, round(width * scale)))
        return F.interpolate(pixels, size=size, mode="bilinear", align_corners=False)
    return apply


def random_rotate(degrees: Sequence[float]) -> Transform:
    """Rotate about the centre by an angle (degrees) drawn from ``degrees``; the corners repeat the border."""
    degrees = list(degrees)
    if not degrees:
        raise SeethroughError("random_rotate needs at least one angle")

    def apply(pixels: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        angle = math.radians(_choice(degrees, generator))
        if angle == 0:
            return pixels
        cos, sin = math.cos(angle), math.sin(angle)
        theta = torch.tensor([[cos, -sin, 0.0], [sin, cos, 0.0]], dtype=pixels.dtype, device=pixels.device)
        grid = F.affine_grid(theta.expand(pixels.shape[0], 2, 3), list(pixels.shape), align_corners=False)
        return F.grid_sample(pixels, grid, mode="bilinear", padding_mode="border", align_corners=False)
    return apply


def compose(transforms: Sequence[Transform]) -> Transform:
    """Apply ``transforms`` in order, each drawing from the same generator."""
    transforms = list(transforms)

    def apply(pixels: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        for transform in transforms:
            pixels = transform(pixels, generator)
        return pixels
    return apply


def standard_transforms(scale: float = 1.0) -> list[Transform]:
    """Lucid's standard set: pad 12 (grey), jitter 8, scale 0.9..1.1, rotate -10..10 degrees, jitter 4.

    ``scale`` multiplies the pixel distances (for images smaller or larger than 224 pixels).
    """
    def pixels(count: int) -> int:
        return max(0, round(count * scale))
    return [pad(pixels(12)), jitter(pixels(8)),
            random_scale([1 + (i - 5) / 50 for i in range(11)]),
            random_rotate(list(range(-10, 11)) + 5 * [0]),
            jitter(pixels(4))]
