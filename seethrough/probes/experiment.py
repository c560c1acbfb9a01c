"""Run the behaviour probes on one image and read the network's answers."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from ..model import Model, Prediction
from ..targets import Target, class_index
from .parts import Box, cover, grid_boxes
from .shape import silhouette
from .texture import default_texture_box, tile_texture


@dataclass
class ProbeResult:
    """One probe image and what the network made of it.

    ``target_prob`` is the probability of the original image's class (or the given target);
    ``change`` is ``target_prob`` minus that probability on the unaltered image.
    """

    name: str
    kind: str  # "original", "cover", "grid", "shape" or "texture"
    image: np.ndarray = field(repr=False)
    predictions: list[Prediction]
    target_prob: float
    change: float
    box: Box | None = None

    def to_dict(self) -> dict:
        return {"name": self.name, "kind": self.kind, "box": list(self.box) if self.box else None,
                "top": [p.to_dict() for p in self.predictions],
                "target_prob": self.target_prob, "change": self.change}


def probe(model: Model, image: np.ndarray, *, boxes: Sequence[Box] = (), grid: int = 3,
          mask: np.ndarray | None = None, texture_box: Box | None = None, fill: str | int = "grey",
          target: Target = None, top: int = 3, batch_size: int = 8) -> list[ProbeResult]:
    """Probe ``model`` with altered copies of ``image`` (uint8, H x W [x C], original pixels).

    Parameters
    ----------
    boxes : boxes to cover together in one probe (in original-image pixels).
    grid : also cover each cell of a ``grid`` x ``grid`` sweep, one at a time (0 for none).
    mask : the object's mask (bool, H x W); gives the shape-only probe (its silhouette).
    texture_box : the texture patch to tile over the frame; default a square on the object.
    fill : how covered boxes are painted (see :func:`cover`).
    target : the class whose probability is followed; default the original image's top-1.

    Returns
    -------
    The probes in order: original, covered boxes (if any), grid cells, shape (if a mask), texture.
    """
    probes: list[tuple[str, str, np.ndarray, Box | None]] = [("original", "original", image, None)]
    if boxes:
        probes.append(("cover " + " + ".join(map(str, boxes)), "cover", cover(image, list(boxes), fill), None))
    for number, box in enumerate(grid_boxes(image.shape, grid, grid) if grid else []):
        row, col = divmod(number, grid)
        probes.append((f"cell r{row + 1}c{col + 1}", "grid", cover(image, [box], fill), box))
    if mask is not None:
        probes.append(("shape only", "shape", silhouette(mask, image.shape[2] if image.ndim == 3 else 1), None))
    texture_box = texture_box or default_texture_box(image.shape, mask)
    probes.append((f"texture only ({texture_box})", "texture", tile_texture(image, texture_box), texture_box))

    inputs = torch.cat([model.preprocess(p[2]) for p in probes]).to(model.device)
    probs = torch.cat([model.probabilities(inputs[i:i + batch_size]) for i in range(0, len(inputs), batch_size)])
    followed = int(probs[0].argmax()) if target is None else class_index(model, target)
    reference = float(probs[0, followed])
    results = []
    for (name, kind, picture, box), row in zip(probes, probs):
        values, indices = row.topk(min(top, row.numel()))
        predictions = [Prediction(int(i), model.label(int(i)), float(v)) for v, i in zip(values, indices)]
        results.append(ProbeResult(name, kind, picture, predictions, float(row[followed]),
                                   float(row[followed]) - reference, box))
    return results
