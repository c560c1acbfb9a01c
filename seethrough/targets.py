"""What to explain: a class name, a class index, top-1, or a callable ``logits -> one scalar per example``."""
from __future__ import annotations

from collections.abc import Callable
from typing import Union

import torch

from .errors import SeethroughError
from .model import Model

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
