"""Occlusion pictures: the map at input resolution and the percent decrease of the score per window.

Zeiler & Fergus (2014) and the lectures show occlusion as a map over the image and, for small
grids, the percent decrease written in each window ("the number on top is the percent decrease
in the logit"); several window sizes side by side ("occlusion-1, 5x5, 10x10, 15x15").
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from .heatmaps import SIGNED_CMAP, as_numpy, as_rgb, attribution_map, clip_level, colormaps, overlay

#: grids with at most this many windows get their percent written in each window
MAX_WRITTEN = 100


def _window_label(result) -> tuple[str, str]:
    """("occlusion-1" or "occlusion 5x5", the stride as text) of a result."""
    (window_h, window_w), (stride_h, stride_w) = result.options["window"], result.options["stride"]
    name = "occlusion-1" if window_h == window_w == 1 else f"occlusion {window_h}x{window_w}"
    return name, f"{stride_h}" if stride_h == stride_w else f"{stride_h}x{stride_w}"


def _percent_panel(figure, axes, result, example: int, image_size: Sequence[int]) -> None:
    """The (gh, gw) percent decrease drawn over the image's extent, numbers written on small grids
    (the plain decrease where the unoccluded score is 0 and a percentage is undefined)."""
    relative = not bool(result.percent[example].isnan().any())
    percent = as_numpy(result.percent[example] if relative else result.grid[example])
    level = max(float(np.abs(percent).max(initial=0.0)), 1e-9)
    height, width = image_size
    axes.imshow(percent, cmap=SIGNED_CMAP, vmin=-level, vmax=level, interpolation="nearest",
                extent=(0, width, height, 0))
    if percent.size <= MAX_WRITTEN:
        rows, cols = percent.shape
        for i in range(rows):
            for j in range(cols):
                strong = abs(percent[i, j]) > 0.6 * level
                axes.text((j + 0.5) * width / cols, (i + 0.5) * height / rows,
                          f"{percent[i, j]:.0f}" if relative else f"{percent[i, j]:.2g}",
                          ha="center", va="center", fontsize=6 if percent.size > 49 else 8,
                          color="white" if strong else "#111")
    bar = figure.colorbar(ScalarMappable(Normalize(-level, level), colormaps[SIGNED_CMAP]), ax=axes,
                          fraction=0.046, pad=0.02)
    bar.ax.tick_params(labelsize=7)
    bar.set_label("% decrease of the score" if relative else "decrease of the score", fontsize=7)
    axes.axis("off")


def occlusion_figure(image, results: Sequence, *, title: str = "", example: int = 0, size: float = 3.0) -> Figure:
    """One window size: input, the map over the greyed input, the percent decrease per window.
    Several: input, then one map per window size (the multi-size row), each titled with its
    largest percent decrease.

    Parameters
    ----------
    image : the input as an image (H, W[, 3]), uint8 or float in [0, 1].
    results : :class:`~seethrough.attribution.occlusion.OcclusionAttribution` for that image.
    """
    rgb = as_rgb(image)
    single = len(results) == 1
    columns = 3 if single else 1 + len(results)
    figure = Figure(figsize=(size * columns + 0.8, size + 1.0))
    grid = figure.add_gridspec(1, columns, wspace=0.12)
    axes = figure.add_subplot(grid[0, 0])
    axes.imshow(rgb, vmin=0, vmax=1)
    axes.set_title("input", fontsize=9)
    axes.axis("off")
    for number, result in enumerate(results, 1):
        heat = attribution_map(result.values[example], "signed", rgb.shape[:2])
        clip = clip_level(heat, 100.0)
        axes = figure.add_subplot(grid[0, number])
        axes.imshow(overlay(rgb, heat, "signed", clip), vmin=0, vmax=1, interpolation="nearest")
        name, stride = _window_label(result)
        largest = float(result.percent[example].max())  # NaN where the unoccluded score is 0
        drop = f"{largest:.0f}%" if largest == largest else f"{float(result.grid[example].max()):.3g}"
        caption = ("mean drop per pixel\n(red: the score falls)" if single
                   else f"{name}, stride {stride}\nlargest drop {drop}")
        axes.set_title(caption, fontsize=9)
        axes.axis("off")
    if single:
        axes = figure.add_subplot(grid[0, 2])
        _percent_panel(figure, axes, results[0], example, rgb.shape[:2])
        name, stride = _window_label(results[0])
        kind = "decrease" if bool(results[0].percent[example].isnan().any()) else "% decrease"
        axes.set_title(f"{kind} per window\n({name}, stride {stride})", fontsize=9)
    first = results[0]
    base = first.certificates["base_score"][example]
    scored = first.options["score"] if first.target is not None else f"{first.target_label}, {first.options['summary']}"
    figure.suptitle(f"{title}\nunoccluded score {base:.4g} ({scored})", fontsize=10)
    return figure
