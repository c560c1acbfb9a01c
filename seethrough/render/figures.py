"""Figures built with matplotlib's object API (no global state, no window)."""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure


def image_grid(images: Sequence[np.ndarray], titles: Sequence[str], *, cols: int = 4,
               size: float = 2.6, suptitle: str | None = None) -> Figure:
    """A grid of images, each with a (multi-line) title underneath-free caption above it."""
    rows = max(1, math.ceil(len(images) / cols))
    cols = min(cols, max(1, len(images)))
    figure = Figure(figsize=(cols * size, rows * (size + 0.55)))
    for number, (image, title) in enumerate(zip(images, titles)):
        axes = figure.add_subplot(rows, cols, number + 1)
        axes.imshow(image, cmap="gray" if image.ndim == 2 else None, vmin=0, vmax=255 if image.dtype == np.uint8 else 1)
        axes.set_title(title, fontsize=7.5)
        axes.axis("off")
    if suptitle:
        figure.suptitle(suptitle, fontsize=11)
    figure.tight_layout()
    return figure


def probe_figure(results, target_label: str) -> Figure:
    """Every probe image with its top-3 labels and the change in ``target_label``'s probability."""
    titles = []
    for result in results:
        lines = [result.name]
        lines += [f"{p.label[:22]} {p.prob:.0%}" for p in result.predictions]
        if result.kind != "original":
            lines.append(f"{target_label[:16]}: {result.change:+.0%}")
        titles.append("\n".join(lines))
    return image_grid([r.image for r in results], titles, cols=5,
                      suptitle=f"Behaviour probes: what keeps '{target_label}'?")
