"""The exact receptive field of a unit: the input pixels its value can depend on, found from gradient support.

No table of kernel sizes and strides: the input pixels a unit at (y, x) of a layer depends on are the
support of a *structural* backward pass from that unit -- the gradient in which every elementwise
activation passes the signal's magnitude whatever its forward switch (a dead ReLU still connects its
input to its output), and every max pooling spreads the signal over its whole window rather than to
its arg-max. Linear layers (convolutions, batch norm, fully connected) keep their own gradient, so
padding, stride, dilation, depthwise convolutions and asymmetric "same" padding all come out as the
network computes them. The pass runs on a seeded random input; a weight of exactly zero, or an exact
cancellation of signed contributions, could only shrink the field, never grow it.

The receptive field of convolutional units is discussed by Luo et al. (2016), "Understanding the
effective receptive field in deep convolutional neural networks", arXiv:1701.04128; Zeiler & Fergus
(2014), arXiv:1311.2901, crop their top patches to it.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ..attribution.interception import rule_gradient
from ..attribution.rules import ACTIVATIONS, GRADIENT, Call, backward_rule, vector_jacobian
from ..errors import SeethroughError
from ..model import Model
from ..targets import Objective, Unit

_POOL_OPTIONS = ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices")


@dataclass(frozen=True)
class ReceptiveField:
    """The input pixels a unit at ``position`` of ``layer`` depends on.

    Attributes
    ----------
    box : (top, left, bottom, right) in input pixels, bottom and right exclusive; the bounding box of ``mask``.
    mask : (H, W) bool, True on every input pixel the unit depends on.
    """

    layer: str
    position: tuple[int, int] | None
    box: tuple[int, int, int, int]
    mask: np.ndarray

    @property
    def size(self) -> tuple[int, int]:
        return self.box[2] - self.box[0], self.box[3] - self.box[1]


def _magnitude(call: Call, inputs: torch.Tensor, outputs: torch.Tensor, grad: torch.Tensor) -> torch.Tensor:
    """An elementwise activation connects each input to its output, whatever its value."""
    return grad.abs()


def _pool_options(call: Call) -> dict:
    options = dict(zip(_POOL_OPTIONS, call.args[1:]))
    options.update({k: v for k, v in call.kwargs.items() if k in _POOL_OPTIONS})
    return options


def _window_sum(call: Call, inputs: torch.Tensor, outputs: torch.Tensor, grad: torch.Tensor) -> torch.Tensor:
    """A max pooling connects each output to its whole window: the backward of the window *sum*."""
    if call.name.startswith("adaptive"):
        spread = Call("avg_pool", F.adaptive_avg_pool2d, (inputs, outputs.shape[-2:]), {})
        return vector_jacobian(spread, inputs, grad.abs())
    options = _pool_options(call)
    kernel = options["kernel_size"]
    stride = options.get("stride") or kernel
    windows = F.unfold(inputs, kernel, dilation=options.get("dilation", 1), padding=options.get("padding", 0),
                       stride=stride)
    if windows.shape[-1] != outputs.shape[-2] * outputs.shape[-1]:
        raise SeethroughError(f"receptive field: cannot follow {call.name} with ceil_mode in {call.where or 'the model'}")

    def summed(x: torch.Tensor) -> torch.Tensor:
        unfolded = F.unfold(x, kernel, dilation=options.get("dilation", 1), padding=options.get("padding", 0),
                            stride=stride)
        return unfolded.view(x.shape[0], x.shape[1], -1, unfolded.shape[-1]).sum(2).view_as(outputs)
    return vector_jacobian(Call("window_sum", summed, (inputs,), {}), inputs, grad.abs())


class _Structural(dict):
    """The rule table: magnitudes through activations, window sums through max pools, the plain
    gradient through everything else (an unknown nonlinearity is dense, so its gradient's support is)."""

    def get(self, kind, default=None):
        return super().get(kind, GRADIENT)


def _pool_rule(call: Call) -> torch.Tensor:
    if not call.name.endswith("2d") or _pool_options(call).get("return_indices") or call.args[0].dim() != 4:
        return GRADIENT(call)  # 1-d and 3-d pools, and pools returning indices: their own gradient
    return backward_rule(_window_sum)(call)


RULES = _Structural({kind: backward_rule(_magnitude) for kind in set(ACTIVATIONS.values()) - {"glu", "prelu"}})
RULES["max_pool"] = _pool_rule


class _Positions:
    """An objective for the structural pass: example i scores the sum over channels at its own position."""

    def __init__(self, model: Model, layer: str, positions: Sequence[tuple[int, int] | None]):
        self.model = model
        self.layer_objective = Objective(model, None, layer, unit=Unit(layer, 0))
        self.positions = positions

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.layer_objective.forward(inputs)

    def score(self, output: torch.Tensor) -> torch.Tensor:
        if output.dim() == 2:
            return output.sum(1)
        if output.dim() != 4:
            raise SeethroughError(f"receptive field: layer {self.layer_objective.unit.layer!r} outputs shape "
                                  f"{tuple(output.shape)}; expected (N, C) or (N, C, H, W)")
        ys = torch.tensor([p[0] for p in self.positions])
        xs = torch.tensor([p[1] for p in self.positions])
        if (ys < 0).any() or (ys >= output.shape[2]).any() or (xs < 0).any() or (xs >= output.shape[3]).any():
            raise SeethroughError(f"a position is outside {self.layer_objective.unit.layer}'s map of size "
                                  f"{tuple(output.shape[2:])}")
        return output[torch.arange(output.shape[0]), :, ys, xs].sum(1)


def receptive_fields(model: Model, layer: str, positions: Sequence[tuple[int, int] | None], *, seed: int = 0,
                     chunk: int = 16) -> list[ReceptiveField]:
    """The exact receptive field of ``layer`` at each (y, x) of ``positions`` (None: a layer with no space).

    Parameters
    ----------
    model : a :class:`seethrough.Model`; its parameters are not changed, no hook is left on it.
    layer : dotted layer name.
    positions : (y, x) positions in the layer's output map.
    seed : seed of the random input the structural backward runs on.
    chunk : positions per backward pass (each position is one example of the batch).

    Returns
    -------
    One :class:`ReceptiveField` per position, in order.

    Examples
    --------
    >>> receptive_fields(st.zoo.load("mnist_cnn"), "pool2", [(1, 1)])[0].box
    (4, 4, 20, 20)
    """
    model.layer(layer)
    generator = torch.Generator().manual_seed(seed)
    dtype = model.blank().dtype
    fields = []
    for start in range(0, len(positions), chunk):
        part = list(positions[start:start + chunk])
        inputs = torch.randn((len(part), model.channels, *model.input_size), generator=generator, dtype=dtype)
        grad, _, _ = rule_gradient(inputs.to(model.device), _Positions(model, layer, part), RULES,
                                   method="receptive field")
        support = (grad.abs().sum(1) > 0).cpu().numpy()
        for position, mask in zip(part, support):
            rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
            if len(rows) == 0:
                raise SeethroughError(f"unit of {layer} at {position} depends on no input pixel (all weights zero?)")
            box = (int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1)
            fields.append(ReceptiveField(layer, None if position is None else tuple(position), box, mask))
    return fields


def receptive_field(model: Model, layer: str, y: int | None = None, x: int | None = None, *,
                    seed: int = 0) -> ReceptiveField:
    """The exact receptive field of one unit of ``layer`` at (``y``, ``x``); see :func:`receptive_fields`."""
    return receptive_fields(model, layer, [None if y is None else (y, x)], seed=seed)[0]
