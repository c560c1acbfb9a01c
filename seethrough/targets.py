"""What to explain: a class name, a class index, top-1, a hidden unit ``layer:channel[:y:x]``, or a
callable ``logits -> one scalar per example``."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Union

import torch

from .errors import SeethroughError, unknown
from .hooks import capture
from .model import Model
from .truncation import forward_until

Target = Union[None, int, str, Callable[[torch.Tensor], torch.Tensor]]


def class_index(model: Model, target: int | str) -> int:
    """A class given by name or index -> its index, checked against the model's classes."""
    if isinstance(target, str) and target.strip().lstrip("-").isdigit():
        target = int(target)
    if isinstance(target, bool) or not isinstance(target, (int, str)):
        raise SeethroughError(f"a class target is a name or an index, got {target!r}")
    if isinstance(target, int):
        count = len(model.labels)
        if not 0 <= target < count:
            raise SeethroughError(f"class index {target} is out of range: {model.name} has classes 0..{count - 1}")
        return target
    return model.class_index(target)


def resolve(model: Model, target: Target, x: torch.Tensor) -> torch.Tensor:
    """The class index for each example of ``x`` (shape (N,), long): top-1 where ``target`` is None."""
    if target is None:
        with torch.no_grad():
            return model(x).argmax(dim=-1)
    return torch.full((x.shape[0],), class_index(model, target), dtype=torch.long, device=x.device)


def scorer(model: Model, target: Target, x: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    """A function ``logits (N, classes) -> (N,)`` picking the target, fixed for this batch ``x``.

    A callable target is returned as it is; a class or top-1 target picks that class's logit.
    """
    if callable(target):
        return target
    indices = resolve(model, target, x)
    return lambda logits: logits.gather(1, indices.view(-1, 1)).squeeze(1)


@dataclass(frozen=True)
class Unit:
    """A hidden unit: channel ``channel`` of ``layer``'s output, its mean over space, or the one
    activation at (``y``, ``x``) when both are given. Written ``layer:channel`` or ``layer:channel:y:x``."""

    layer: str
    channel: int
    y: int | None = None
    x: int | None = None

    def __str__(self) -> str:
        where = "" if self.y is None else f":{self.y}:{self.x}"
        return f"{self.layer}:{self.channel}{where}"


def parse_unit(model: Model, text: str) -> Unit | None:
    """``"_blocks.15:7"`` / ``"conv2:3:4:5"`` -> a :class:`Unit` when the part before the first ``:``
    is a layer of ``model``; None when it is not (the text may be a class name)."""
    layer, _, rest = text.strip().partition(":")
    if not rest:
        return None
    parts = rest.split(":")
    numeric = all(p.strip().lstrip("-").isdigit() for p in parts)
    if layer not in model.layer_names():
        if numeric:
            raise unknown("layer", layer, model.layer_names(), "a hidden-unit target is LAYER:CHANNEL[:Y:X]; "
                          "see `seethrough layers`")
        return None
    if not numeric or len(parts) not in (1, 3):
        raise SeethroughError(f"hidden-unit target {text!r}: write LAYER:CHANNEL or LAYER:CHANNEL:Y:X with integers")
    numbers = [int(p) for p in parts]
    return Unit(layer, *numbers)


@dataclass
class Objective:
    """The number an explanation explains, as a function of the input: ``objective(inputs) -> (N,)``.

    Built by :func:`objective`. Calling it runs the model (only up to the layer for a hidden unit).
    A batch that repeats the explained batch ``k`` times (integrated gradients' steps, DeepLIFT's
    ``[x; baseline]``) is scored with the same classes, repeated.

    Attributes
    ----------
    indices : the class of each explained example (N,), or None for a hidden unit or a callable.
    label : a readable name ("tiger cat", "_blocks.15:7", "top-1").
    unit : the hidden unit, if that is the target.
    """

    model: Model
    indices: torch.Tensor | None
    label: str
    unit: Unit | None = None
    function: Callable[[torch.Tensor], torch.Tensor] | None = None

    def __post_init__(self) -> None:
        # the call record is found now, not inside a propagation block that runs this objective (it
        # refuses the record's no-grad pass)
        if self.unit is not None:
            self.model.calls()

    def __call__(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.score(self.forward(inputs))

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """The model's logits, or the hidden unit's layer output (the forward pass stops there if it can)."""
        return self.model(inputs) if self.unit is None else self._layer_output(inputs)

    def score(self, output: torch.Tensor) -> torch.Tensor:
        """(N * k,) scores from :meth:`forward`'s output."""
        if self.unit is not None:
            return self._unit_score(output)
        if self.function is not None:
            return self.function(output)
        indices = self.indices.to(output.device)
        indices = indices.repeat(output.shape[0] // indices.shape[0])
        return output.gather(1, indices.view(-1, 1)).squeeze(1)

    def _layer_output(self, inputs: torch.Tensor) -> torch.Tensor:
        """The unit's layer output at its last call (a module may run more than once, as everywhere);
        the pass ends there (:func:`~seethrough.truncation.forward_until`)."""
        layer = self.unit.layer
        with capture(self.model.module, [layer], detach=False) as outputs, \
                forward_until(self.model.module, [layer], self.model.calls()) as run:
            run(inputs)
        if layer not in outputs:
            raise SeethroughError(f"layer {layer!r} was not called in the forward pass")
        return outputs[layer]

    def _unit_score(self, output: torch.Tensor) -> torch.Tensor:
        unit = self.unit
        if not 0 <= unit.channel < output.shape[1]:
            raise SeethroughError(f"channel {unit.channel} is out of range: {unit.layer} has {output.shape[1]} channels")
        channel = output[:, unit.channel]
        if unit.y is None:
            return channel.flatten(1).mean(1) if channel.dim() > 1 else channel
        if channel.dim() != 3 or not (0 <= unit.y < channel.shape[1] and 0 <= unit.x < channel.shape[2]):
            raise SeethroughError(f"position ({unit.y}, {unit.x}) is outside {unit.layer}'s map of "
                                  f"shape {tuple(channel.shape[1:])}")
        return channel[:, unit.y, unit.x]


def objective(model: Model, target, x: torch.Tensor) -> Objective:
    """The :class:`Objective` for ``target`` on the batch ``x`` (N, C, H, W).

    ``target``: None (each example's top-1 class), a class index or name, a :class:`Unit` or its
    text ``"layer:channel[:y:x]"``, or a callable ``logits (N, classes) -> (N,)``.
    """
    if isinstance(target, str):
        target = parse_unit(model, target) or target
    if isinstance(target, Unit):
        model.layer(target.layer)  # a wrong name fails here, with suggestions
        return Objective(model, None, str(target), unit=target)
    if callable(target):
        return Objective(model, None, getattr(target, "__name__", "callable target"), function=target)
    indices = resolve(model, target, x)
    names = sorted({model.label(int(i)) for i in indices})
    return Objective(model, indices, names[0] if len(names) == 1 else "top-1")
