"""A layer's 2-d projection as a scatter coloured by class, with thumbnails (see :mod:`seethrough.inside.pca`)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.offsetbox import AnnotationBbox, OffsetImage


def projection_figure(projection, *, colours: np.ndarray | None = None, colour_names: Sequence[str] = (),
                      thumbnails: Mapping[int, np.ndarray] | None = None, title: str | None = None,
                      size: float = 6.0) -> Figure:
    """Scatter of ``projection.points`` (a :class:`~seethrough.inside.pca.Projection`).

    ``colours``: (N,) ints to colour by (default the labels; -1 or None: one colour) with their names;
    ``thumbnails``: example id -> image (H, W, 3) in [0, 1], drawn at that example's point.
    """
    figure = Figure(figsize=(size + 1.4, size))
    axes = figure.add_subplot(1, 1, 1)
    points = projection.points
    colours = projection.labels if colours is None else np.asarray(colours)
    if (colours < 0).all():
        axes.scatter(points[:, 0], points[:, 1], s=6, alpha=0.6, color="#4a6fa5", linewidths=0)
    else:
        cmap = colormaps["tab10" if colours.max() < 10 else "tab20"]
        for value in np.unique(colours[colours >= 0]):
            chosen = colours == value
            name = colour_names[value] if value < len(colour_names) else str(value)
            axes.scatter(points[chosen, 0], points[chosen, 1], s=6, alpha=0.6, linewidths=0,
                         color=cmap(int(value) % cmap.N), label=name)
        axes.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, markerscale=2.5, frameon=False)
    where = {int(i): n for n, i in enumerate(projection.ids)}
    for example, image in (thumbnails or {}).items():
        zoom = 28 / max(image.shape[:2])
        box = AnnotationBbox(OffsetImage(image.clip(0, 1), zoom=zoom, cmap="gray"), points[where[example]],
                             frameon=True, pad=0.1, bboxprops={"edgecolor": "#888", "linewidth": 0.5})
        axes.add_artist(box)
    if projection.method == "pca":
        first, second = projection.explained_variance[:2]
        axes.set_xlabel(f"PC1 ({first:.1%} of variance)")
        axes.set_ylabel(f"PC2 ({second:.1%} of variance)")
    else:
        axes.set_xlabel("t-SNE 1")
        axes.set_ylabel("t-SNE 2")
    knn = "" if projection.knn_accuracy is None else f"\n5-NN accuracy in this plane: {projection.knn_accuracy:.1%}"
    heading = title or f"{projection.layer} ({projection.pool}, {projection.features} features)"
    axes.set_title(heading + knn, fontsize=9)
    figure.tight_layout()
    return figure
