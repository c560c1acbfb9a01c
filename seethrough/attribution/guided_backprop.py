"""Guided backpropagation: the gradient with the negative backward signal stopped at every activation.

Springenberg, Dosovitskiy, Brox & Riedmiller (2015), "Striving for simplicity: the all convolutional
net", ICLR workshop, arXiv:1412.6806.
"""
from __future__ import annotations

import torch

from .base import Attribution, register
from ..targets import objective
from .interception import rule_gradient
from .rules import GRADIENT, Call, backward_rule, local_derivative

GUIDED_KINDS = ("relu", "clip", "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "mish", "softplus",
                "hardswish", "hardsigmoid", "sigmoid", "tanh", "softsign")


def _guided(call: Call, inputs: torch.Tensor, outputs: torch.Tensor, grad: torch.Tensor) -> torch.Tensor:
    """f'(input) times the positive part of the backward signal."""
    if call.kind == "relu":
        return (inputs > 0).to(grad.dtype) * grad.clamp(min=0)
    return local_derivative(call, inputs) * grad.clamp(min=0)


#: kind -> rule. Max pooling keeps its switches (the plain gradient); a product of two input-dependent
#: tensors (a gate) is differentiated plainly, as guided backprop only changes the activations.
RULES = {**{kind: backward_rule(_guided) for kind in GUIDED_KINDS}, "max_pool": GRADIENT, "product": GRADIENT}


@register("guided_backprop")
def guided_backprop(model, x: torch.Tensor, *, target=None) -> Attribution:
    """Guided backprop: at each activation *call* the backward signal is f'(input) * max(signal, 0).

    For ReLU this is Springenberg et al.'s rule (the gradient's mask and the positive part of the
    signal); ReLU6 / ``hardtanh(0, 6)`` / ``clamp`` also keep their gradient's zero above the upper
    clip; smooth activations (GELU, SiLU, sigmoid, tanh, ...) use their derivative the same way.
    Activations are ruled per call, so modules reused across blocks and ``F.relu`` calls are covered.

    Parameters
    ----------
    model : a :class:`seethrough.Model`.
    x : input (N, C, H, W); not modified.
    target : class name or index, None for each example's top-1 class, a hidden unit
        ``"layer:channel[:y:x]"``, or a callable logits -> (N,).

    Returns
    -------
    Attribution with ``values`` (N, C, H, W) in ``x``'s dtype and device; ``certificates`` gives
    ``rule_calls``, the number of calls (activations, max pools, gates) the table was applied to.

    Examples
    --------
    >>> st.attribute(model, x, target="tiger cat", method="guided_backprop").values.shape
    torch.Size([1, 3, 224, 224])
    """
    goal = objective(model, target, x)
    values, _, calls = rule_gradient(x, goal, RULES, method="guided_backprop")
    return Attribution(values=values, method="guided_backprop", target=goal.indices, target_label=goal.label,
                       options={}, certificates={"rule_calls": calls})
