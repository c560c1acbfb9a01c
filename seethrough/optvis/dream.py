"""DeepDream: amplify whatever a layer already sees in a photo, octave by octave.

Mordvintsev, Olah & Tyka (2015), "Inceptionism: Going Deeper into Neural Networks", Google Research
blog, and their ``deepdream`` notebook: gradient *ascent* on the pixels of a photo for the mean square
of one layer's activations (:func:`seethrough.optvis.objectives.layer`); each step's gradient is
divided by its mean absolute value, the image is shifted by a random roll first (and back after) so
the pattern does not lock onto the pixel grid, and the image is processed at ``octaves`` sizes, from
the smallest up, each octave starting from the previous octave's result resized up.

>>> result = dream(model, model.to_pixels(st.data.sample("chelsea")), "_blocks.8", octaves=4)
>>> result.images()[0].shape
(224, 224, 3)
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import SeethroughError
from ..model import Model
from ..progress import Progress
from . import objectives
from .objectives import Objective
from .render import _check_model, forward_activations


@dataclass
class Dream:
    """The result of :func:`dream`.

    Attributes
    ----------
    pixels : (1, C, H, W) in [0, 1], detached, on the CPU; ``start`` the photo it began from.
    objective : the objective's name; ``values`` its value after every step, all octaves in order.
    sizes : the (height, width) of each octave, smallest first.
    """

    pixels: torch.Tensor
    start: torch.Tensor
    objective: str
    values: list[float]
    sizes: list[tuple[int, int]]
    steps: int
    step_size: float
    seed: int
    seconds: float = 0.0

    def images(self) -> list[np.ndarray]:
        """The dream as a one-element list of H x W x 3 float arrays in [0, 1]."""
        image = self.pixels[0].clamp(0, 1).permute(1, 2, 0).numpy()
        return [np.repeat(image, 3, axis=2) if image.shape[2] == 1 else image]

    def to_dict(self) -> dict:
        return {"objective": self.objective, "octaves": [list(size) for size in self.sizes], "steps": self.steps,
                "step_size": self.step_size, "seed": self.seed, "first_value": self.values[0] if self.values else None,
                "final_value": self.values[-1] if self.values else None, "seconds": round(self.seconds, 2)}


def octave_sizes(size: tuple[int, int], octaves: int, octave_scale: float) -> list[tuple[int, int]]:
    """The image size at each octave, smallest first, ending at ``size``."""
    return [(max(1, round(size[0] / octave_scale ** k)), max(1, round(size[1] / octave_scale ** k)))
            for k in reversed(range(octaves))]


def dream(model: Model, pixels: torch.Tensor, layer: str | Objective, *, octaves: int = 4,
          octave_scale: float = 1.4, steps: int = 10, step_size: float = 0.01, max_roll: int | None = None,
          seed: int = 0, progress: bool = True) -> Dream:
    """DeepDream on ``pixels``: amplify ``layer``'s activations by gradient ascent over ``octaves`` sizes.

    Parameters
    ----------
    model : a :class:`seethrough.Model` (eval mode; its weights are not touched).
    pixels : the photo, (1, C, H, W) or (C, H, W) in [0, 1] (e.g. ``model.to_pixels(image, size)``).
    layer : a layer name (maximize the mean square of its activations) or any :class:`Objective`.
    octaves, octave_scale : how many sizes, and the ratio between neighbouring sizes.
    steps : gradient steps per octave.
    step_size : each step moves pixels by ``step_size`` times the gradient over its mean absolute value.
    max_roll : the largest random shift in pixels (default an eighth of the smaller side).
    seed : fixes the shifts: same seed, same bytes.

    Returns
    -------
    :class:`Dream`.
    """
    pixels = torch.as_tensor(pixels).detach()
    pixels = pixels[None] if pixels.ndim == 3 else pixels
    if pixels.ndim != 4 or pixels.shape[0] != 1 or pixels.shape[1] != model.channels:
        raise SeethroughError(f"dream takes one image (1, {model.channels}, H, W) in [0, 1], got {tuple(pixels.shape)}")
    if octaves < 1 or steps < 1 or octave_scale < 1 or step_size <= 0:
        raise SeethroughError("dream needs octaves >= 1, steps >= 1, octave scale >= 1 and a positive step size; "
                              f"got {octaves}, {steps}, {octave_scale}, {step_size}")
    _check_model(model)
    objective = objectives.layer(layer) if isinstance(layer, str) else layer
    for name in objective.layers:
        model.layer(name)
    sizes = octave_sizes(tuple(pixels.shape[-2:]), octaves, octave_scale)
    generator = torch.Generator().manual_seed(int(seed))
    image = pixels.float().to(model.device)
    values: list[float] = []
    bar = Progress(octaves * steps, "dreaming", enabled=progress)
    started = time.perf_counter()
    try:
        for size in sizes:
            image = F.interpolate(image, size=size, mode="bilinear", align_corners=False).clamp(0, 1)
            roll = max_roll if max_roll is not None else max(1, min(size) // 8)
            for _ in range(steps):
                image, value = _step(model, objective, image, roll, step_size, generator, size)
                values.append(value)
                bar.advance()
    finally:
        bar.close()
    return Dream(image.detach().cpu(), pixels.float().cpu(), objective.name, values, sizes, steps, step_size, seed,
                 time.perf_counter() - started)


def _step(model: Model, objective: Objective, image: torch.Tensor, roll: int, step_size: float,
          generator: torch.Generator, size: tuple[int, int]) -> tuple[torch.Tensor, float]:
    """One normalized gradient-ascent step on a randomly rolled copy of ``image``."""
    dy, dx = (int(v) for v in torch.randint(-roll, roll + 1, (2,), generator=generator))
    rolled = torch.roll(image, shifts=(dy, dx), dims=(-2, -1)).requires_grad_(True)
    with torch.enable_grad():
        try:
            value = objective(forward_activations(model, objective, rolled))
        except RuntimeError as error:
            raise SeethroughError(f"the model cannot run on a {size[0]} x {size[1]} octave ({error}); "
                                  "use fewer octaves, a smaller octave scale or a larger image") from None
        (grad,) = torch.autograd.grad(value, rolled)
    grad = grad / (grad.abs().mean() + 1e-8)
    stepped = (rolled.detach() + step_size * grad).clamp(0, 1)
    return torch.roll(stepped, shifts=(-dy, -dx), dims=(-2, -1)), float(value.detach())
