"""The result of :func:`seethrough.optvis.render`: the images and what the model says about them."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch


@dataclass
class Visualization:
    """The result of :func:`render`.

    Attributes
    ----------
    pixels : (N, C, H, W) in [0, 1], detached, on the CPU.
    objective : the objective's name.
    values : the objective after every step (under that step's random transforms).
    classes : the class indices the objective rewards; ``target_probs`` holds, per image, the model's
        probability of the first of them on the final (untransformed) image, ``start_probs`` on the start
        image (when one was given).
    top : per image, the model's top-3 classes as (index, label, probability).
    """

    pixels: torch.Tensor
    objective: str
    values: list[float]
    steps: int
    seed: int
    param: str
    classes: tuple[int, ...] = ()
    target_label: str | None = None
    target_probs: list[float] = field(default_factory=list)
    top: list[list[tuple[int, str, float]]] = field(default_factory=list)
    seconds: float = 0.0
    start_probs: list[float] = field(default_factory=list)

    def images(self) -> list[np.ndarray]:
        """The images as H x W x 3 float arrays in [0, 1]."""
        images = self.pixels.clamp(0, 1).permute(0, 2, 3, 1).numpy()
        return [np.repeat(image, 3, axis=2) if image.shape[2] == 1 else image for image in images]

    def to_dict(self) -> dict:
        return {"objective": self.objective, "steps": self.steps, "seed": self.seed, "param": self.param,
                "size": list(self.pixels.shape[-2:]), "batch": int(self.pixels.shape[0]),
                "final_value": self.values[-1] if self.values else None,
                "target": ({"index": self.classes[0], "label": self.target_label, "probs": self.target_probs,
                            "start_probs": self.start_probs or None} if self.classes else None),
                "top": [[{"index": i, "label": label, "prob": p} for i, label, p in row] for row in self.top],
                "seconds": round(self.seconds, 2)}
