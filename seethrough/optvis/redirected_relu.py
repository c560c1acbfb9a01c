"""Lucid's redirected ReLU: a gradient for units that are dead at the start of the optimization.

From random noise, a unit the objective asks for can be negative everywhere; its ReLU then passes no
gradient and the image never changes. The redirected gradient (Lucid's
``lucid.misc.redirected_relu_grad``, used for ReLU and ReLU6) passes the incoming gradient through
a ReLU call *where the ordinary ReLU gradient of that example is zero everywhere*, except where it
would push an input that is already below 0 further down (or, for a clip, one above its upper bound
further up). Where the ordinary gradient is not all zero, it is used unchanged.

Applied per torch call through :func:`seethrough.attribution.interception.propagation`, so one
``nn.ReLU6`` module reused across blocks, ``F.relu`` and ``clamp`` calls are all covered; nothing on
the model is patched, and the block removes its hooks when it ends, also when it raises.

The sign convention is that of a *loss being minimized* (the render loop backpropagates
``-objective``): a positive gradient at an input below 0 pushes it lower.

>>> with redirected_relu(model.module):
...     loss = -objective(activations_of(model(x)))
>>> torch.autograd.grad(loss, x)   # (outside the block is fine: the rule lives in the graph)
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping

import torch
from torch import nn

from ..attribution.interception import propagation
from ..attribution.rules import GRADIENT, Call, Rule, backward_rule

REDIRECTED_KINDS = ("relu", "clip")


def _redirected(call: Call, inputs: torch.Tensor, outputs: torch.Tensor, grad: torch.Tensor) -> torch.Tensor:
    """The redirected backward of one ReLU / clip call (see the module docstring)."""
    if call.kind == "relu":
        low, high = 0.0, None
    else:
        bounds = call.params()
        low, high = bounds["min"], bounds["max"]
    below = inputs < low if low is not None else torch.zeros_like(inputs, dtype=torch.bool)
    above = inputs > high if high is not None else torch.zeros_like(inputs, dtype=torch.bool)
    plain = torch.where(below | above, torch.zeros_like(grad), grad)
    blocked = (below & (grad > 0)) | (above & (grad < 0))
    redirected = torch.where(blocked, torch.zeros_like(grad), grad)
    if plain.dim() == 0:
        return plain if plain != 0 else redirected
    alive = plain.flatten(1).norm(dim=1) > 0 if plain.dim() > 1 else plain != 0
    alive = alive.view(-1, *([1] * (plain.dim() - 1)))
    return torch.where(alive, plain, redirected)


_RULE = backward_rule(_redirected)


class _Table(Mapping):
    """kind -> rule: the redirected rule for ReLU and clips, the ordinary gradient for everything else."""

    def __getitem__(self, kind: str) -> Rule:
        return _RULE if kind in REDIRECTED_KINDS else GRADIENT

    def __iter__(self):
        return iter(REDIRECTED_KINDS)

    def __len__(self) -> int:
        return len(REDIRECTED_KINDS)


RULES: Mapping[str, Rule] = _Table()


@contextlib.contextmanager
def redirected_relu(module: nn.Module) -> Iterator[None]:
    """Within the block, every ReLU / ReLU6 / clamp call of ``module`` gets the redirected gradient."""
    with propagation(module, RULES, method="redirected ReLU"):
        yield
