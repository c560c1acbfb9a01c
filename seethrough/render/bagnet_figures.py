"""BagNet pictures: a digit's evidence map, the paper's Fig. 3 top patches, the CNN comparison.

Pure drawing: results of :mod:`seethrough.bagnet` in, matplotlib ``Figure`` out (no pyplot).
Evidence is drawn with the diverging colormap of :mod:`seethrough.render.heatmaps` (red for the
class, blue against), each grid cell covering the ``step`` x ``step`` pixels around its patch centre.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .heatmaps import SIGNED_CMAP, as_numpy, as_rgb

MAP_NAMES = {"evidence": "BagNet evidence", "cnn_occlusion": "CNN occlusion", "cnn_gradcam": "CNN Grad-CAM",
             "bagnet_occlusion": "BagNet occlusion", "ink": "ink"}


def grid_extent(step: int, first_centre: int, grid: Sequence[int]) -> tuple[float, float, float, float]:
    """imshow extent (left, right, bottom, top) that puts cell (i, j) on the pixels around patch (i, j)'s centre."""
    start = first_centre - step // 2 - 0.5
    return start, start + step * grid[1], start + step * grid[0], start


def _draw_map(axes, image, values: np.ndarray, step: int, first_centre: int, limit: float, *, alpha: float = 0.7):
    axes.imshow(as_rgb(image), extent=(-0.5, image.shape[1] - 0.5, image.shape[0] - 0.5, -0.5))
    shown = axes.imshow(values, cmap=SIGNED_CMAP, vmin=-limit, vmax=limit, alpha=alpha, interpolation="nearest",
                        extent=grid_extent(step, first_centre, values.shape))
    axes.set_xlim(-0.5, image.shape[1] - 0.5)
    axes.set_ylim(image.shape[0] - 0.5, -0.5)
    axes.set_xticks([])
    axes.set_yticks([])
    return shown


def _limit(values: np.ndarray) -> float:
    level = float(np.abs(values).max(initial=0.0))
    return level if level > 0 else 1.0


def evidence_figure(image, evidence, *, example: int = 0, title: str = "") -> Figure:
    """The digit, its evidence map for the target class (strongest patch outlined), and every class's map.

    ``image`` is (H, W[, C]) in [0, 1] or uint8; ``evidence`` a :class:`seethrough.bagnet.Evidence`.
    The class maps share one colour scale, so they can be compared with each other.
    """
    values = as_numpy(evidence.values[example])
    target = int(evidence.target[example])
    logits = as_numpy(evidence.logits[example])
    classes = values.shape[0]
    figure = Figure(figsize=(max(8.0, 1.05 * classes), 5.6))
    grid = figure.add_gridspec(2, classes, height_ratios=[2.6, 1.0])
    half = max(1, classes // 2)
    digit = figure.add_subplot(grid[0, :half])
    digit.imshow(as_rgb(image))
    digit.set_title("input", fontsize=9)
    digit.axis("off")
    main = figure.add_subplot(grid[0, half:])
    shown = _draw_map(main, image, values[target], evidence.step, evidence.first_centre, _limit(values[target]))
    row, col = np.unravel_index(int(values[target].argmax()), values[target].shape)
    top, left, bottom, right = evidence.box(int(row), int(col))
    main.add_patch(Rectangle((left - 0.5, top - 0.5), right - left, bottom - top, fill=False, lw=1.5, ec="black", ls="--"))
    what = (f"{evidence.patch} px patch centred on each pixel" if evidence.step == 1 else
            f"logit {logits[target]:.2f} = mean of {values.shape[1]}x{values.shape[2]} patches of {evidence.patch} px")
    main.set_title(f"evidence for '{evidence.target_label}' ({what})", fontsize=9)
    figure.colorbar(shown, ax=main, fraction=0.046, pad=0.02)
    shared = _limit(values)
    for index in range(classes):
        axes = figure.add_subplot(grid[1, index])
        _draw_map(axes, image, values[index], evidence.step, evidence.first_centre, shared, alpha=0.85)
        axes.set_title(f"{index}: {logits[index]:.1f}", fontsize=8, fontweight="bold" if index == target else None)
    if title:
        figure.suptitle(title, fontsize=11)
    figure.tight_layout()
    return figure


def top_patches_figure(classes, *, title: str = "") -> Figure:
    """The paper's Fig. 3: one row per class; left, the patches with the most evidence for it from its
    own images; right, from images of other classes (captioned with their true class)."""
    count = max([len(c.own) for c in classes] + [len(c.others) for c in classes] + [1])
    columns = 2 * count + 1
    figure = Figure(figsize=(0.82 * columns + 0.6, 0.95 * len(classes) + 0.9))
    grid = figure.add_gridspec(len(classes), columns, width_ratios=[1] * count + [0.35] + [1] * count)
    for row, entry in enumerate(classes):
        for block, hits in ((0, entry.own), (count + 1, entry.others)):
            for number in range(count):
                axes = figure.add_subplot(grid[row, block + number])
                axes.set_xticks([])
                axes.set_yticks([])
                if number >= len(hits):
                    axes.axis("off")
                    continue
                hit = hits[number]
                axes.imshow(as_rgb(hit.pixels), interpolation="nearest")
                caption = f"{hit.evidence:.1f}" if block == 0 else f"{hit.evidence:.1f} ({hit.label})"
                axes.set_title(caption, fontsize=7, pad=2)
                if block and hit.predicted == entry.index:   # this false evidence won: a misclassified image
                    for spine in axes.spines.values():
                        spine.set_edgecolor("red")
                        spine.set_linewidth(2)
                if number == 0 and block == 0:
                    axes.set_ylabel(entry.label, rotation=0, fontsize=11, labelpad=12, va="center")
    figure.suptitle(title or "highest evidence per class: from its own images (left) and from other "
                    "classes' images (right; true class in brackets, red: the image was classified as the row)",
                    fontsize=9)
    figure.tight_layout()
    return figure


def agreement_figure(images: Sequence[np.ndarray], agreement, *, count: int = 6,
                     names: Sequence[str] = ("evidence", "cnn_occlusion", "cnn_gradcam")) -> Figure:
    """Digits (rows) with the maps ``names`` on the BagNet grid, each captioned with its rank
    correlation to the first map."""
    count = min(count, len(images))
    step, first_centre = agreement.options["step"], agreement.options["first_centre"]
    figure = Figure(figsize=(1.7 * (len(names) + 1), 1.8 * count + 0.5))
    for row in range(count):
        axes = figure.add_subplot(count, len(names) + 1, row * (len(names) + 1) + 1)
        axes.imshow(as_rgb(images[row]))
        axes.set_title(f"class {int(agreement.target[row])}", fontsize=8)
        axes.axis("off")
        for column, name in enumerate(names):
            values = as_numpy(agreement.maps[name][row])
            axes = figure.add_subplot(count, len(names) + 1, row * (len(names) + 1) + column + 2)
            _draw_map(axes, images[row], values, step, first_centre, _limit(values), alpha=0.8)
            caption = MAP_NAMES.get(name, name)
            if column:
                rho = agreement.correlations.get(f"{names[0]}~{name}")
                caption += "" if rho is None else f"\nrho = {rho[row]:.2f}"
            axes.set_title(caption, fontsize=8)
    figure.tight_layout()
    return figure
