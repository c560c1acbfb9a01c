"""Neural style transfer: the content of one image painted with the textures of another.

Gatys, Ecker & Bethge (2016), "Image Style Transfer Using Convolutional Neural Networks", CVPR:
an image is optimized so that its features at a deep ``content_layer`` match the content image's,
and the Gram matrices (channel-by-channel correlations, which forget *where*) of its features at
several ``style_layers`` match the style image's. Any classifier's features serve; the default
layers are found from the model's shapes (the first layer at each resolution for style, the last
layer at the fourth resolution for content, as Gatys's conv1_1..conv5_1 and conv4_2 on VGG).

Each loss is relative, so the layers weigh alike whatever their scale:
``content = |F(x) - F(c)|^2 / |F(c)|^2`` and ``style_l = |G(x) - G(s)|^2 / |G(s)|^2`` with
``G = F F^T / (H W)`` (so the style image may have another size). The image is a sigmoid pixel
parameterization with decorrelated colour (:mod:`~seethrough.optvis.param`), optimized by Adam
from the content image, plus a small total-variation penalty.

>>> result = style_transfer(model, model.to_pixels(content, (224, 224)), model.to_pixels(style), steps=200)
>>> result.style_losses[-1] < result.style_losses[0]
True
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ..errors import SeethroughError
from ..hooks import capture
from ..model import Model
from ..progress import Progress
from .param import pixel_image
from .parse import spatial_layers
from .render import _check_model


@dataclass
class StyleTransfer:
    """The result of :func:`style_transfer`: ``pixels`` (1, C, H, W) in [0, 1] on the CPU, the layers,
    and the content and (mean over layers) style losses after every step."""

    pixels: torch.Tensor
    content_layer: str
    style_layers: list[str]
    content_losses: list[float]
    style_losses: list[float]
    steps: int
    seed: int
    seconds: float = 0.0

    def images(self) -> list[np.ndarray]:
        image = self.pixels[0].clamp(0, 1).permute(1, 2, 0).numpy()
        return [np.repeat(image, 3, axis=2) if image.shape[2] == 1 else image]

    def to_dict(self) -> dict:
        return {"content_layer": self.content_layer, "style_layers": self.style_layers, "steps": self.steps,
                "seed": self.seed, "size": list(self.pixels.shape[-2:]),
                "style_loss": {"first": self.style_losses[0], "final": self.style_losses[-1]},
                "content_loss": {"first": self.content_losses[0], "final": self.content_losses[-1]},
                "seconds": round(self.seconds, 2)}


def default_layers(model: Model) -> tuple[list[str], str]:
    """(style layers, content layer) from the model's spatial layers that run once (names with at most one
    dot, in the order they run), grouped by resolution."""
    groups: list[list[str]] = []
    last = None
    for name, shape in spatial_layers(model).items():
        if name.count(".") > 1 or "padding" in name:
            continue
        if shape[-2:] != last:
            groups.append([])
            last = shape[-2:]
        groups[-1].append(name)
    if not groups:
        raise SeethroughError(f"{model.name} has no layer with a (N, C, H, W) output; give --style-layers")
    return [group[0] for group in groups[:5]], groups[min(3, len(groups) - 1)][-1]


def gram(features: torch.Tensor) -> torch.Tensor:
    """Gram matrices (N, C, C) of features (N, C, H, W), divided by H * W."""
    flat = features.flatten(2)
    return flat @ flat.transpose(1, 2) / flat.shape[-1]


def _features(model: Model, pixels: torch.Tensor, layers: Sequence[str]) -> dict[str, torch.Tensor]:
    with capture(model.module, layers, detach=False) as recorded:
        model(model.normalize(pixels))
    return dict(recorded)


def _relative(difference: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    return difference.pow(2).sum() / (reference.pow(2).sum() + 1e-12)


def style_transfer(model: Model, content: torch.Tensor, style: torch.Tensor, *,
                   style_layers: Sequence[str] | None = None, content_layer: str | None = None,
                   style_weight: float = 10.0, content_weight: float = 1.0, tv_weight: float = 0.01,
                   steps: int = 200, learning_rate: float = 0.05, seed: int = 0,
                   progress: bool = True) -> StyleTransfer:
    """Gatys et al.'s style transfer with ``model``'s features.

    Parameters
    ----------
    model : a :class:`seethrough.Model` (eval mode; the weights are not touched).
    content : pixels (1, C, H, W) in [0, 1]; the result has its size.
    style : pixels (1, C, H', W') in [0, 1], any size.
    style_layers, content_layer : layer names (default :func:`default_layers`).
    style_weight, content_weight, tv_weight : weights of the mean relative style loss, the relative
        content loss and the total variation of the pixels.
    steps, learning_rate : Adam's steps and step size (on the pixels' logits).
    seed : the run is deterministic; the seed is recorded (the start is the content image).

    Returns
    -------
    :class:`StyleTransfer`.
    """
    content, style = _check_pixels(model, content, "content"), _check_pixels(model, style, "style")
    if steps < 1 or learning_rate <= 0:
        raise SeethroughError(f"style transfer needs steps >= 1 and a positive learning rate, got {steps}, {learning_rate}")
    _check_model(model)
    chosen = default_layers(model) if style_layers is None or content_layer is None else None
    style_layers = list(style_layers) if style_layers is not None else chosen[0]
    content_layer = content_layer if content_layer is not None else chosen[1]
    if not style_layers:
        raise SeethroughError("give at least one style layer")
    for name in (*style_layers, content_layer):
        model.layer(name)
    layers = list(dict.fromkeys([*style_layers, content_layer]))
    device = model.device
    with torch.no_grad():
        style_grams = {name: gram(f) for name, f in _features(model, style.to(device), style_layers).items()}
        content_target = _features(model, content.to(device), [content_layer])[content_layer]
    image = pixel_image(tuple(content.shape[-2:]), channels=model.channels, seed=seed, start=content)
    tensor = image.tensor.detach().to(device).requires_grad_(True)
    image.tensor = tensor
    optimizer = torch.optim.Adam([tensor], lr=learning_rate)
    content_losses, style_losses = [], []
    bar = Progress(steps, "style transfer", enabled=progress)
    started = time.perf_counter()
    try:
        for _ in range(steps):
            with torch.enable_grad():
                pixels = image()
                features = _features(model, pixels, layers)
                content_loss = _relative(features[content_layer] - content_target, content_target)
                style_loss = sum(_relative(gram(features[n]) - style_grams[n], style_grams[n])
                                 for n in style_layers) / len(style_layers)
                variation = ((pixels[..., 1:, :] - pixels[..., :-1, :]).abs().mean()
                             + (pixels[..., :, 1:] - pixels[..., :, :-1]).abs().mean())
                loss = content_weight * content_loss + style_weight * style_loss + tv_weight * variation
                (tensor.grad,) = torch.autograd.grad(loss, [tensor])
            optimizer.step()
            content_losses.append(float(content_loss.detach()))
            style_losses.append(float(style_loss.detach()))
            bar.advance()
    finally:
        bar.close()
    with torch.no_grad():
        final = image().detach().cpu()
    return StyleTransfer(final, content_layer, style_layers, content_losses, style_losses, steps, seed,
                         time.perf_counter() - started)


def _check_pixels(model: Model, pixels, name: str) -> torch.Tensor:
    pixels = torch.as_tensor(pixels).detach().float()
    pixels = pixels[None] if pixels.ndim == 3 else pixels
    if pixels.ndim != 4 or pixels.shape[0] != 1 or pixels.shape[1] != model.channels:
        raise SeethroughError(f"the {name} image must be pixels (1, {model.channels}, H, W) in [0, 1], "
                              f"got shape {tuple(pixels.shape)}")
    return pixels
