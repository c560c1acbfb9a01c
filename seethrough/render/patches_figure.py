"""Top patches per channel beside their deconvnet projections, as in Zeiler & Fergus (2014), Fig. 2."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure


def _block(figure, spec, images, captions) -> None:
    side = max(1, math.ceil(math.sqrt(len(images))))
    grid = spec.subgridspec(max(1, math.ceil(len(images) / side)), side, wspace=0.05, hspace=0.25)
    for number, (image, caption) in enumerate(zip(images, captions)):
        axes = figure.add_subplot(grid[number // side, number % side])
        axes.imshow(image.clip(0, 1), interpolation="nearest")
        axes.set_title(caption, fontsize=5)
        axes.axis("off")


def patches_figure(patches: Mapping[int, Sequence], *, layer: str, size: float = 2.4) -> Figure:
    """One row per channel: its patches' deconvnet projections (left, grey = 0) and the patches (right).

    ``patches``: channel -> list of :class:`~seethrough.inside.patches.Patch`, strongest first.
    """
    channels = [c for c in patches if patches[c]]
    with_projection = any(p.projection is not None for c in channels for p in patches[c])
    sides = 2 if with_projection else 1
    most = max((len(patches[c]) for c in channels), default=1)
    side = max(1, math.ceil(math.sqrt(most)))
    height = size * math.ceil(most / side) / side  # rows of the blocks, as a share of a square block
    figure = Figure(figsize=(sides * size + 0.6, max(1, len(channels)) * (height + 0.35) + 0.5))
    grid = figure.add_gridspec(max(1, len(channels)), sides, wspace=0.08, hspace=0.3)
    for row, channel in enumerate(channels):
        found = patches[channel]
        captions = [f"{p.value:.3g}" for p in found]
        if with_projection:
            _block(figure, grid[row, 0], [p.projection for p in found], [""] * len(found))
        _block(figure, grid[row, sides - 1], [p.image for p in found], captions)
        height, width = found[0].box[2] - found[0].box[0], found[0].box[3] - found[0].box[1]
        figure.text(0.01, 1 - (row + 0.5) / max(1, len(channels)), f"channel {channel}\n{height}x{width} px",
                    fontsize=7, rotation=90, va="center")
    what = "deconvnet projection | patch" if with_projection else "patches"
    figure.suptitle(f"{layer}: top patches per channel ({what}; cropped to the receptive field)", fontsize=9)
    return figure
