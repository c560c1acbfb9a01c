"""The result type of every attribution method, and the registry that names them."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from ..errors import unknown


@dataclass
class Attribution:
    """What an attribution method returns.

    Attributes
    ----------
    values : the attributions, shape of ``x`` (N, C, H, W) for pixel methods, or the method's own
        map shape (N, h, w) for CAM, Grad-CAM and occlusion's window grid.
    method : the registry name of the method.
    target : the class index explained for each example, shape (N,); None for a hidden-unit target.
    target_label : a readable name of the target ("tiger cat", "_blocks.15:7").
    options : the options the method ran with (after defaults), JSON-able.
    certificates : what the method certifies, with the numbers that show it; e.g. for
        integrated gradients and DeepLIFT ``{"sum": ..., "delta": f(x) - f(baseline), "relative_gap": ...}``.
    """

    values: torch.Tensor
    method: str
    target: torch.Tensor | None
    target_label: str
    options: dict[str, Any] = field(default_factory=dict)
    certificates: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-able summary (not the values themselves)."""
        target = None if self.target is None else [int(t) for t in self.target]
        return {"method": self.method, "target": target, "target_label": self.target_label,
                "shape": list(self.values.shape), "options": self.options, "certificates": self.certificates}


Method = Callable[..., Attribution]
_METHODS: dict[str, Method] = {}


def register(name: str) -> Callable[[Method], Method]:
    """Decorator: make ``method`` callable as ``attribute(..., method=name)``."""
    def decorate(method: Method) -> Method:
        _METHODS[name] = method
        return method
    return decorate


def list_methods() -> list[str]:
    """The registered method names, sorted."""
    return sorted(_METHODS)


def get_method(name: str) -> Method:
    if name not in _METHODS:
        raise unknown("attribution method", name, _METHODS, "see seethrough.list_methods()")
    return _METHODS[name]


def attribute(model, x: torch.Tensor, *, target=None, method: str = "integrated_gradients", **options) -> Attribution:
    """Explain ``model``'s output on ``x`` (N, C, H, W) with the method called ``method``."""
    return get_method(method)(model, x, target=target, **options)
