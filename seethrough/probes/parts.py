"""Covering parts of an image: does the network still see the class without them?"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..errors import SeethroughError


class Box(NamedTuple):
    """A box in original-image pixels: columns x0..x1-1, rows y0..y1-1."""

    x0: int
    y0: int
    x1: int
    y1: int

    def __str__(self) -> str:
        return f"{self.x0},{self.y0},{self.x1},{self.y1}"


def parse_box(text: str, shape: tuple[int, ...] | None = None) -> Box:
    """``"x0,y0,x1,y1"`` -> a :class:`Box`, checked against the image ``shape`` (H, W, ...) if given."""
    parts = str(text).split(",")
    try:
        box = Box(*(int(round(float(p))) for p in parts)) if len(parts) == 4 else None
    except ValueError:
        box = None
    if box is None:
        raise SeethroughError(f"malformed box {text!r}: give four numbers x0,y0,x1,y1 in image pixels, e.g. 100,50,200,150")
    if box.x1 <= box.x0 or box.y1 <= box.y0:
        raise SeethroughError(f"box {text!r} is empty: it needs x0 < x1 and y0 < y1")
    if shape is not None:
        height, width = shape[:2]
        if box.x0 < 0 or box.y0 < 0 or box.x1 > width or box.y1 > height:
            raise SeethroughError(f"box {text!r} leaves the image, which is {width} wide and {height} high "
                                  f"(x from 0 to {width}, y from 0 to {height})")
    return box


def grid_boxes(shape: tuple[int, ...], rows: int = 3, cols: int = 3) -> list[Box]:
    """The ``rows`` x ``cols`` cells that tile an image of ``shape`` (H, W, ...), row by row."""
    height, width = shape[:2]
    ys = np.linspace(0, height, rows + 1).round().astype(int)
    xs = np.linspace(0, width, cols + 1).round().astype(int)
    return [Box(int(xs[c]), int(ys[r]), int(xs[c + 1]), int(ys[r + 1])) for r in range(rows) for c in range(cols)]


def cover(image: np.ndarray, boxes: list[Box], fill: str | int = "grey") -> np.ndarray:
    """A copy of ``image`` (uint8, H x W [x C]) with every box painted over.

    ``fill``: "grey" (128, the lectures' grey square), "black", "mean" (the image's mean colour)
    or a grey level 0-255.
    """
    covered = image.copy()
    if fill == "grey":
        value = 128
    elif fill == "black":
        value = 0
    elif fill == "mean":
        value = image.reshape(-1, image.shape[2]).mean(0).round() if image.ndim == 3 else image.mean().round()
    elif isinstance(fill, (int, np.integer)) and 0 <= fill <= 255:
        value = fill
    else:
        raise SeethroughError(f"unknown fill {fill!r}: use grey, black, mean or a grey level 0-255")
    for box in boxes:
        covered[box.y0:box.y1, box.x0:box.x1] = value
    return covered
