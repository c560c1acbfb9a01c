"""Objectives for feature visualization: what gradient ascent on the image maximizes.

An :class:`Objective` maps the activations of one forward pass to a scalar; objectives compose
with ``+``, ``-``, unary ``-`` and multiplication or division by a number (Lucid's
``lucid.optvis.objectives``; Olah et al. 2017, "Feature Visualization", Distill)::

    channel("_blocks.10", 7) - 0.1 * diversity("_blocks.10") - 0.05 * total_variation()

The activations are a dict: each layer's output (N, C, H, W) under its dotted name, plus
``"logits"`` (N, classes) and ``"pixels"`` (N, C, H, W), the image before the random transforms.
Terms that measure a unit are averaged over the batch; ``batch=i`` restricts one to image ``i``.
Regularizers (:func:`l1`, :func:`l2`, :func:`total_variation`, :func:`blur`) and :func:`diversity`
are penalties: positive numbers meant to be *subtracted*.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

import torch
import torch.nn.functional as F

from ..errors import SeethroughError

Activations = Mapping[str, torch.Tensor]


class Objective:
    """A scalar function of a forward pass's activations, to be maximized.

    Attributes
    ----------
    name : readable description ("channel _blocks.10:7 - 0.1 * diversity _blocks.10").
    layers : the layers the function reads (besides "logits" and "pixels").
    classes : the class indices whose logits it rewards (to report their probability).
    needs_logits : whether the forward pass must run to the end.
    """

    def __init__(self, function: Callable[[Activations], torch.Tensor], name: str, *, layers=(),
                 classes=(), needs_logits: bool = False):
        self.function, self.name = function, name
        self.layers, self.classes = tuple(dict.fromkeys(layers)), tuple(dict.fromkeys(classes))
        self.needs_logits = needs_logits

    def __call__(self, activations: Activations) -> torch.Tensor:
        return self.function(activations)

    def _combine(self, other: Objective, sign: float, symbol: str) -> Objective:
        if isinstance(other, (int, float)):
            return Objective(lambda acts: self(acts) + sign * other, f"{self.name} {symbol} {other:g}",
                             layers=self.layers, classes=self.classes, needs_logits=self.needs_logits)
        if not isinstance(other, Objective):
            return NotImplemented
        return Objective(lambda acts: self(acts) + sign * other(acts), f"{self.name} {symbol} {other.name}",
                         layers=self.layers + other.layers, classes=self.classes + other.classes,
                         needs_logits=self.needs_logits or other.needs_logits)

    def __add__(self, other):
        return self._combine(other, 1.0, "+")

    def __radd__(self, other):
        return self._combine(other, 1.0, "+")

    def __sub__(self, other):
        return self._combine(other, -1.0, "-")

    def __rsub__(self, other):
        return (-self)._combine(other, 1.0, "+")

    def __neg__(self) -> Objective:
        return -1 * self

    def __mul__(self, factor):
        if not isinstance(factor, (int, float)):
            return NotImplemented
        return Objective(lambda acts: factor * self(acts), f"{factor:g} * {self.name}", layers=self.layers,
                         classes=self.classes if factor > 0 else (), needs_logits=self.needs_logits)

    __rmul__ = __mul__

    def __truediv__(self, divisor):
        if not isinstance(divisor, (int, float)):
            return NotImplemented
        return self * (1.0 / divisor)

    def __repr__(self) -> str:
        return f"Objective({self.name!r})"


def _layer(activations: Activations, layer: str) -> torch.Tensor:
    if layer not in activations:
        raise SeethroughError(f"the objective reads layer {layer!r}, which was not recorded in the forward pass")
    return activations[layer]


def _pick(tensor: torch.Tensor, batch: int | None) -> torch.Tensor:
    return tensor if batch is None else tensor[batch:batch + 1]


def _check_channel(tensor: torch.Tensor, layer: str, channel: int) -> None:
    if not 0 <= channel < tensor.shape[1]:
        raise SeethroughError(f"channel {channel} is out of range: {layer} has {tensor.shape[1]} channels")


def class_logit(index: int, *, label: str | None = None, batch: int | None = None) -> Objective:
    """The logit (pre-softmax score) of class ``index``, averaged over the batch."""
    def function(acts: Activations) -> torch.Tensor:
        logits = acts["logits"]
        if not 0 <= index < logits.shape[1]:
            raise SeethroughError(f"class index {index} is out of range: the model has {logits.shape[1]} classes")
        return _pick(logits, batch)[:, index].mean()
    return Objective(function, f"class {label or index}", classes=(index,), needs_logits=True)


def channel(layer: str, index: int, *, batch: int | None = None) -> Objective:
    """The mean activation of channel ``index`` of ``layer`` over space (and the batch)."""
    def function(acts: Activations) -> torch.Tensor:
        tensor = _layer(acts, layer)
        _check_channel(tensor, layer, index)
        return _pick(tensor, batch)[:, index].mean()
    return Objective(function, f"channel {layer}:{index}", layers=(layer,))


def neuron(layer: str, index: int, y: int | None = None, x: int | None = None, *,
           batch: int | None = None) -> Objective:
    """One activation of channel ``index``: at (``y``, ``x``), or at the centre of the map when not given.

    The random transforms change the map's size a little from step to step; a given position is
    clipped to the map.
    """
    def function(acts: Activations) -> torch.Tensor:
        tensor = _layer(acts, layer)
        _check_channel(tensor, layer, index)
        height, width = tensor.shape[-2:]
        row = height // 2 if y is None else min(max(int(y), 0), height - 1)
        column = width // 2 if x is None else min(max(int(x), 0), width - 1)
        return _pick(tensor, batch)[:, index, row, column].mean()
    where = "" if y is None else f":{y}:{x}"
    return Objective(function, f"neuron {layer}:{index}{where}", layers=(layer,))


def layer(name: str, *, batch: int | None = None) -> Objective:
    """DeepDream's objective: the mean square of every activation of layer ``name``."""
    return Objective(lambda acts: _pick(_layer(acts, name), batch).pow(2).mean(), f"layer {name}", layers=(name,))


def direction(layer: str, vector, *, cossim_pow: float = 0.0, batch: int | None = None) -> Objective:
    """An activation vector (C,): at each position the dot product with the layer's channel vector,
    times max(0.1, cosine similarity)^``cossim_pow`` (Lucid's ``direction`` / ``_dot_cossim``), averaged."""
    vector = torch.as_tensor(vector, dtype=torch.float32).flatten()

    def function(acts: Activations) -> torch.Tensor:
        tensor = _pick(_layer(acts, layer), batch)
        if tensor.shape[1] != vector.numel():
            raise SeethroughError(f"the direction has {vector.numel()} values but {layer} has "
                                  f"{tensor.shape[1]} channels; give one value per channel")
        wanted = vector.to(tensor).view(1, -1, *([1] * (tensor.dim() - 2)))
        dot = (tensor * wanted).sum(1)
        if cossim_pow == 0:
            return dot.mean()
        cosine = dot / (tensor.norm(dim=1) * wanted.norm() + 1e-8)
        return (dot * cosine.clamp(min=0.1) ** cossim_pow).mean()
    return Objective(function, f"direction {layer}", layers=(layer,))


def diversity(layer: str) -> Objective:
    """How alike the batch's images are at ``layer``: the cosine similarities between the Gram matrices of
    every ordered pair of different images, summed and divided by the batch size (Lucid's ``diversity``,
    so Lucid's weights carry over: ``channel(...) - 100 * diversity(...)``). 0 for a batch of one.
    A penalty: subtract it to make the batch diverse."""
    def function(acts: Activations) -> torch.Tensor:
        tensor = _layer(acts, layer)
        count = tensor.shape[0]
        if count < 2:
            return tensor.sum() * 0
        flat = tensor.flatten(2)
        grams = F.normalize(torch.bmm(flat, flat.transpose(1, 2)).flatten(1), dim=1)
        similarity = grams @ grams.T
        return (similarity.sum() - similarity.diagonal().sum()) / count
    return Objective(function, f"diversity {layer}", layers=(layer,))


def l1(constant: float = 0.5) -> Objective:
    """Mean absolute distance of the pixels from ``constant`` (a penalty)."""
    return Objective(lambda acts: (acts["pixels"] - constant).abs().mean(), "L1")


def l2(constant: float = 0.5) -> Objective:
    """Root mean square distance of the pixels from ``constant`` (a penalty)."""
    return Objective(lambda acts: ((acts["pixels"] - constant).pow(2).mean() + 1e-12).sqrt(), "L2")


def total_variation() -> Objective:
    """Mean absolute difference between neighbouring pixels (a penalty against high-frequency noise)."""
    def function(acts: Activations) -> torch.Tensor:
        pixels = acts["pixels"]
        return ((pixels[..., 1:, :] - pixels[..., :-1, :]).abs().mean()
                + (pixels[..., :, 1:] - pixels[..., :, :-1]).abs().mean())
    return Objective(function, "TV")


def blur() -> Objective:
    """Half the mean square distance to the image's own 3 x 3 box blur, taken as a constant: ascending
    the objective minus this moves each step toward the blurred image (Lucid's ``blur_input_each_step``)."""
    def function(acts: Activations) -> torch.Tensor:
        pixels = acts["pixels"]
        with torch.no_grad():
            padded = F.pad(pixels, (1, 1, 1, 1), mode="replicate")
            blurred = F.avg_pool2d(padded, 3, stride=1)
        return 0.5 * (pixels - blurred).pow(2).mean()
    return Objective(function, "blur")
