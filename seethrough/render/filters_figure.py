"""A convolution layer's kernels as a grid of small images (see :mod:`seethrough.inside.filters`)."""
from __future__ import annotations

import math

from matplotlib.figure import Figure


def filters_figure(filters, *, size: float = 0.9, title: str | None = None) -> Figure:
    """One panel per kernel image of ``filters`` (a :class:`~seethrough.inside.filters.Filters`),
    drawn without smoothing so each weight is one square; grey is zero."""
    count = len(filters.images)
    cols = min(count, max(8, math.ceil(math.sqrt(count * 2))))
    rows = math.ceil(count / cols)
    figure = Figure(figsize=(cols * size, rows * (size + 0.2) + 0.6))
    for number, (image, caption) in enumerate(zip(filters.images, filters.titles)):
        axes = figure.add_subplot(rows, cols, number + 1)
        axes.imshow(image.clip(0, 1), interpolation="nearest")
        axes.set_title(caption, fontsize=6)
        axes.axis("off")
    out, inputs, height, width = filters.weights.shape
    how = {"rgb": "input channels as RGB", "sum": "summed over input channels",
           "channels": "one image per output/input channel"}[filters.mode]
    figure.suptitle(title or f"{filters.layer}: {out} kernels of {inputs}x{height}x{width} ({how}; grey = 0)",
                    fontsize=9)
    figure.tight_layout()
    return figure
