"""A unit's maximally (or minimally) activating examples as a grid (see :mod:`seethrough.inside.examples`)."""
from __future__ import annotations

import math
from collections.abc import Sequence

from matplotlib.figure import Figure
from matplotlib.patches import Rectangle


def examples_figure(examples: Sequence, *, title: str, cols: int = 3, size: float = 2.0) -> Figure:
    """Each :class:`~seethrough.inside.examples.Example` with its value, name and label; a box marks the
    receptive field of the strongest position when the unit has a spatial map."""
    cols = max(1, min(cols, len(examples)))
    rows = max(1, math.ceil(len(examples) / cols))
    figure = Figure(figsize=(cols * size, rows * (size + 0.45) + 0.5))
    for number, example in enumerate(examples):
        axes = figure.add_subplot(rows, cols, number + 1)
        axes.imshow(example.image.clip(0, 1), interpolation="nearest")
        if example.box is not None:
            top, left, bottom, right = example.box
            axes.add_patch(Rectangle((left - 0.5, top - 0.5), right - left, bottom - top, fill=False,
                                     edgecolor="#ff3b30", linewidth=1.2))
        label = f" [{example.label}]" if example.label else ""
        axes.set_title(f"{example.value:.3g}\n{example.description[:28]}{label}", fontsize=7)
        axes.axis("off")
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    return figure
