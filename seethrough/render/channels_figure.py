"""Channel attribution as pictures: the "building blocks" view (Olah et al. 2018, Distill).

One column per channel: the channel's feature visualization (what it looks for, if given), its
attribution map over the image (gradient x activation at each position, red for, blue against),
and its activation map (where it fires, whatever the class), with the channel's total attribution.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from .heatmaps import as_rgb, clip_level, colorize, overlay, resize_map


def channels_figure(image, result, channels: Sequence[int], *,
                    visualizations: Mapping[int, np.ndarray] | None = None, title: str | None = None) -> Figure:
    """Draw ``channels`` of a :class:`~seethrough.concepts.channels.ChannelAttribution`.

    Parameters
    ----------
    image : the input as the model saw it, (H, W, 3) in [0, 1] or uint8.
    result : the channel attribution of that image.
    channels : channel indices to show, in order.
    visualizations : channel -> its feature visualization (H', W', 3); a row is left out when None.
    """
    picture = as_rgb(image)
    size = picture.shape[:2]
    rows = ["visualization"] if visualizations else []
    rows += ["attribution", "activation"]
    cols = len(channels) + 1
    figure = Figure(figsize=(1.9 * cols, 2.05 * len(rows) + 0.5))
    maps = [resize_map(result.maps[c].astype(np.float64), size) for c in channels]
    clip = max((clip_level(m, 99.5) for m in maps), default=1.0)
    first = figure.add_subplot(len(rows), cols, 1)
    first.imshow(picture)
    first.set_title(f"input\n{result.objective}: {result.score:.2f}", fontsize=7.5)
    first.axis("off")
    total = float(result.values.sum())
    legend = figure.add_subplot(len(rows), cols, cols + 1)
    legend.axis("off")
    legend.text(0.0, 0.5, f"layer {result.layer}\n{len(result.values)} channels\nsum of all: {total:.2f}\n\n"
                "attribution:\n red for, blue against\nactivation:\n where it fires", fontsize=7, va="center")
    for column, channel in enumerate(channels, start=2):
        for row, kind in enumerate(rows):
            axes = figure.add_subplot(len(rows), cols, row * cols + column)
            axes.axis("off")
            if kind == "visualization":
                picture_of = visualizations.get(channel)
                if picture_of is not None:
                    axes.imshow(as_rgb(picture_of))
                axes.set_title(f"channel {channel}\n{result.values[channel]:+.3f}", fontsize=7.5)
            elif kind == "attribution":
                axes.imshow(overlay(picture, maps[column - 2], "signed", clip))
                if not visualizations:
                    axes.set_title(f"channel {channel}\n{result.values[channel]:+.3f}", fontsize=7.5)
            else:
                activation = resize_map(result.activations[channel].astype(np.float64), size)
                axes.imshow(colorize(np.clip(activation, 0, None), "absolute", clip_level(activation, 99.5)))
    figure.suptitle(title or f"Channels of {result.layer} that carry '{result.objective}'", fontsize=10)
    figure.tight_layout()
    return figure
