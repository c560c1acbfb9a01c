"""Figures of the trust checks: the sanity-check cascade, similarity curves, deletion/insertion curves.

Drawn as in Adebayo et al. (2018), "Sanity checks for saliency maps", Fig. 2 and 4: one row of
maps per method as the randomization goes from the logits down to the input, each map scaled by
its own 99th percentile of |value| (the comparison is of shape, not of scale), then the
similarity curves with each method's noise floor dashed. Pure: results in, a matplotlib Figure out.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from .heatmaps import as_numpy, as_rgb, clip_level, colorize

MEASURE_TITLES = {"spearman_abs": "Spearman, |values|", "spearman": "Spearman, signed",
                  "ssim": "SSIM", "hog": "HOG correlation"}


def step_label(name: str) -> str:
    """A step's blocks, shortened: "_blocks.2+_blocks.3+_blocks.4" -> "_blocks.2…_blocks.4"."""
    parts = name.split("+")
    return name if len(parts) <= 2 else f"{parts[0]}…{parts[-1]}"


def _map_image(values, percentile: float = 99.0) -> np.ndarray:
    heat = as_numpy(values)
    return colorize(heat, "absolute", clip_level(heat, percentile))


def randomization_figure(result, image=None, *, example: int = 0, size: float = 1.5) -> Figure:
    """The cascade (or independent) randomization of :func:`seethrough.sanity.randomization`.

    Rows of maps, one per method, one column per step ("original", then each block re-initialized),
    with the input first when ``image`` (H, W[, 3]) is given; below, one panel per similarity
    measure: the similarity to the original map at each step, and the noise floor dashed.
    """
    steps = [step_label(name) for name in result.steps]
    columns = len(steps) + (image is not None)
    rows = len(result.methods)
    figure = Figure(figsize=(max(columns * size, 9.0), rows * size + 3.2))
    grid = figure.add_gridspec(rows + 1, 1, height_ratios=[size] * rows + [2.6], hspace=0.35)
    for row, method in enumerate(result.methods):
        cells = grid[row].subgridspec(1, columns, wspace=0.05)
        column = 0
        if image is not None:
            axes = figure.add_subplot(cells[0, 0])
            axes.imshow(as_rgb(image))
            axes.set_xticks([]), axes.set_yticks([])
            axes.set_ylabel(method, fontsize=8)
            column = 1
        for step, maps in enumerate(result.maps[method]):
            axes = figure.add_subplot(cells[0, column + step])
            axes.imshow(_map_image(maps[example]))
            axes.set_xticks([]), axes.set_yticks([])
            if step == 0 and image is None:
                axes.set_ylabel(method, fontsize=8)
            if row == 0:
                axes.set_title(steps[step] if len(steps[step]) <= 20 else steps[step][:18] + "…", fontsize=6,
                               rotation=30 if columns > 8 else 0)
    curves = grid[rows].subgridspec(1, len(MEASURE_TITLES), wspace=0.3)
    positions = np.arange(1, len(steps))
    for index, (measure, title) in enumerate(MEASURE_TITLES.items()):
        axes = figure.add_subplot(curves[0, index])
        for number, method in enumerate(result.methods):
            colour = f"C{number}"
            values = [similarity[measure] for similarity in result.similarity[method]]
            axes.plot(positions, values, marker="o", markersize=3, color=colour, label=method)
            axes.axhline(result.noise_floor[method][measure], color=colour, linestyle="--", linewidth=0.8)
        axes.set_title(title, fontsize=8)
        axes.set_ylim(-0.2 if measure == "spearman" else -0.05, 1.05)
        axes.set_xticks(positions)
        axes.set_xticklabels(steps[1:], rotation=60, fontsize=6, ha="right")
        axes.tick_params(axis="y", labelsize=7)
        if index == 0:
            axes.legend(fontsize=6, loc="lower left")
    mode = "cascading (logits -> input)" if result.mode == "cascading" else "independent (one block at a time)"
    figure.suptitle(f"Model randomization, {mode}: explaining '{result.target_label}'", fontsize=10)
    return figure


def faithfulness_figure(curves: dict[str, Sequence], *, example: int = 0) -> Figure:
    """Deletion and insertion curves of several methods, each with its random reference dashed.

    ``curves``: method -> the :class:`~seethrough.trust.faithfulness.Curve` objects to draw (e.g.
    its deletion and its insertion curve); one panel per curve kind.
    """
    kinds = sorted({curve.kind for pair in curves.values() for curve in pair})
    figure = Figure(figsize=(4.2 * len(kinds), 3.4))
    for index, kind in enumerate(kinds):
        axes = figure.add_subplot(1, len(kinds), index + 1)
        label = ""
        for number, (method, pair) in enumerate(curves.items()):
            for curve in pair:
                if curve.kind != kind:
                    continue
                label = curve.target_label
                fractions = as_numpy(curve.fractions)
                axes.plot(fractions, as_numpy(curve.scores[example]), color=f"C{number}",
                          label=f"{method} (AUC {float(curve.auc[example]):.3f})")
                if curve.random_scores is not None:  # each method's own random map (same shape as its map)
                    axes.plot(fractions, as_numpy(curve.random_scores[example]), color=f"C{number}", linestyle="--",
                              linewidth=0.8, alpha=0.8, label=f"random map (AUC {float(curve.random_auc[example]):.3f})")
        better = "lower" if kind == "deletion" else "higher"
        axes.set_title(f"{kind} ({better} AUC is better)", fontsize=9)
        axes.set_xlabel("fraction of pixels " + ("removed" if kind == "deletion" else "inserted"), fontsize=8)
        axes.set_ylabel(f"p({label})", fontsize=8)
        axes.set_ylim(-0.02, 1.02)
        axes.legend(fontsize=6)
    figure.tight_layout()
    return figure


def data_randomization_figure(result, images: Sequence, *, size: float = 1.3) -> Figure:
    """Maps of the correctly trained and the random-labels model side by side, per method.

    ``result``: a :class:`~seethrough.trust.data_randomization.DataRandomization`; ``images``:
    the explained inputs as (H, W[, 3]) pictures. Each method gets two rows (trained, random labels).
    """
    count = len(images)
    rows = 1 + 2 * len(result.methods)
    figure = Figure(figsize=(count * size + 1.5, rows * size))
    for column, image in enumerate(images):
        axes = figure.add_subplot(rows, count, column + 1)
        axes.imshow(as_rgb(image))
        axes.axis("off")
    for number, method in enumerate(result.methods):
        for offset, (name, maps) in enumerate((("trained", result.maps_trained[method]),
                                               ("random labels", result.maps_random[method]))):
            row = 1 + 2 * number + offset
            for column in range(count):
                axes = figure.add_subplot(rows, count, row * count + column + 1)
                axes.imshow(_map_image(maps[column].abs()))
                axes.set_xticks([]), axes.set_yticks([])
                if column == 0:
                    axes.set_ylabel(f"{method}\n{name}", fontsize=6)
            if offset == 1:
                axes.set_title(f"rank corr. {result.similarity[method]['spearman_abs']:.2f}", fontsize=6)
    figure.suptitle("Data randomization: trained vs. trained on permuted labels", fontsize=9)
    return figure
