"""Channel attribution: which channels of a layer carry a decision, and where in the image they fire.

Olah et al. (2018), "The Building Blocks of Interpretability", Distill (doi:10.23915/distill.00010),
"channel attribution": for a layer with activation A (C, h, w) and a score f (a class logit, or the
difference of two logits for "why A rather than B"), each position's contribution is
gradient x activation, ``A[c, y, x] * df/dA[c, y, x]``; a channel's attribution is that summed over
space. For a layer that feeds f linearly (e.g. global pooling then a linear head) the channel
attributions sum to f minus its bias; otherwise they are a first-order estimate.

>>> result = channel_attribution(model, x, "_blocks.15", target="beagle", versus="tiger cat")
>>> result.top(4)                   # [(channel, attribution), ...], largest first
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..errors import SeethroughError
from ..hooks import capture
from ..model import Model
from ..targets import class_index


@dataclass
class ChannelAttribution:
    """Per-channel attribution of one image at one layer.

    Attributes
    ----------
    values : (C,) float64, gradient x activation summed over space, per channel.
    maps : (C, h, w) float32, gradient x activation at each position (the spatial map of each channel).
    activations : (C, h, w) float32, the layer's activation (what the channel sees, whatever the class).
    layer : the layer's dotted name.
    target, target_label : the class explained.
    versus, versus_label : the class subtracted (f = logit[target] - logit[versus]), or None.
    score : f on this image.
    """

    values: np.ndarray
    maps: np.ndarray
    activations: np.ndarray
    layer: str
    target: int
    target_label: str
    versus: int | None
    versus_label: str | None
    score: float

    def top(self, count: int = 6, *, sign: str = "positive") -> list[tuple[int, float]]:
        """The ``count`` channels with the largest attribution ("positive"), most negative ("negative"),
        or largest in absolute value ("absolute"), as (channel, attribution)."""
        if sign not in ("positive", "negative", "absolute"):
            raise SeethroughError(f"sign is positive, negative or absolute, got {sign!r}")
        key = {"positive": -self.values, "negative": self.values, "absolute": -np.abs(self.values)}[sign]
        order = np.argsort(key, kind="stable")[:max(0, int(count))]
        return [(int(c), float(self.values[c])) for c in order]

    @property
    def objective(self) -> str:
        """'beagle' or 'beagle - tiger cat'."""
        return self.target_label if self.versus is None else f"{self.target_label} - {self.versus_label}"

    def to_dict(self, count: int = 10) -> dict:
        return {"layer": self.layer, "target": {"index": self.target, "label": self.target_label},
                "versus": None if self.versus is None else {"index": self.versus, "label": self.versus_label},
                "score": self.score, "channels": int(self.values.shape[0]), "total": float(self.values.sum()),
                "map_size": list(self.maps.shape[1:]),
                "top": [{"channel": c, "attribution": v} for c, v in self.top(count)],
                "bottom": [{"channel": c, "attribution": v} for c, v in self.top(count, sign="negative")]}


def channel_attribution(model: Model, x: torch.Tensor, layer: str, *, target: int | str | None = None,
                        versus: int | str | None = None) -> ChannelAttribution:
    """Gradient x activation of each channel of ``layer`` for class ``target`` (minus class ``versus``).

    Parameters
    ----------
    model : the classifier.
    x : one preprocessed input, (1, C, H, W).
    layer : a layer with a (1, C, h, w) output (or (1, C) for a fully connected one).
    target : the class, by name or index; None for the model's top-1 on ``x``.
    versus : a second class; the score is then ``logit[target] - logit[versus]``.

    Returns
    -------
    :class:`ChannelAttribution`.
    """
    if x.ndim != 4 or x.shape[0] != 1:
        raise SeethroughError(f"channel attribution takes one input (1, C, H, W), got shape {tuple(x.shape)}")
    model.layer(layer)
    if target is None:
        with torch.no_grad():
            target = int(model(x).argmax(1)[0])
    index = class_index(model, target)
    other = None if versus is None else class_index(model, versus)
    if other is not None and other == index:
        raise SeethroughError(f"--versus names the target class itself ({model.label(index)}); pick another class")
    with torch.enable_grad(), capture(model.module, [layer], detach=False) as recorded:
        logits = model(x.detach().requires_grad_(True))
    if layer not in recorded:
        raise SeethroughError(f"layer {layer!r} was not called in the forward pass")
    activation = recorded[layer]
    score = logits[0, index] - (logits[0, other] if other is not None else 0)
    (grad,) = torch.autograd.grad(score, activation)
    activation, grad = activation.detach()[0], grad.detach()[0]
    if activation.dim() == 1:
        activation, grad = activation[:, None, None], grad[:, None, None]
    if activation.dim() != 3:
        raise SeethroughError(f"layer {layer} outputs shape {tuple(recorded[layer].shape)}; pick a convolutional "
                              "or fully connected layer")
    maps = (activation.double() * grad.double())
    return ChannelAttribution(maps.sum(dim=(1, 2)).cpu().numpy(), maps.float().cpu().numpy(),
                              activation.float().cpu().numpy(), layer, index, model.label(index), other,
                              None if other is None else model.label(other), float(score.detach()))
