"""Deconvnet: the backward signal rectified at every ReLU, whatever the forward input was.

Zeiler & Fergus (2014), "Visualizing and understanding convolutional networks", ECCV,
arXiv:1311.2901; as a gradient-like attribution, Springenberg et al. (2015), arXiv:1412.6806.
"""
from __future__ import annotations

import torch

from .base import Attribution, register
from ..targets import objective
from .interception import rule_gradient
from .rules import GRADIENT, Call, backward_rule


def _rectify(call: Call, inputs: torch.Tensor, outputs: torch.Tensor, grad: torch.Tensor) -> torch.Tensor:
    """Apply the activation's rectification to the backward signal, ignoring the forward switch."""
    if call.kind == "relu":
        return grad.clamp(min=0)
    if call.kind == "leaky_relu":
        slope = call.kwargs.get("negative_slope", call.args[1] if len(call.args) > 1 else 0.01)
        return torch.where(grad > 0, grad, grad * slope)
    bounds = call.params()
    if bounds["min"] is None or float(bounds["min"]) != 0.0:
        from ..errors import SeethroughError
        raise SeethroughError(f"deconvnet has no rule for {call.name} with lower bound {bounds['min']} "
                              f"(only clips that rectify at 0, like ReLU6)")
    signal = grad.clamp(min=0)
    return signal if bounds["max"] is None else signal * (inputs < bounds["max"]).to(grad.dtype)


#: kind -> rule. Smooth activations (GELU, SiLU, sigmoid, ...) have no rectification to mirror, so
#: they are not in the table and raise. Max pooling keeps its switches, as in Zeiler & Fergus.
RULES = {"relu": backward_rule(_rectify), "clip": backward_rule(_rectify), "leaky_relu": backward_rule(_rectify),
         "max_pool": GRADIENT, "product": GRADIENT}


@register("deconvnet")
def deconvnet(model, x: torch.Tensor, *, target=None) -> Attribution:
    """Deconvnet (Zeiler & Fergus): at each activation call the backward signal is max(signal, 0).

    The forward switch of the rectifier is ignored, as in the paper's reconstruction. For ReLU6 (and
    ``hardtanh(0, m)``, ``clamp(0, m)``) the choice here is: the rectification at 0 is mirrored the
    same way, but the upper clip is a true saturation -- the output does not change with the input
    above m -- so the signal is still zeroed where the forward input was >= m. LeakyReLU applies
    itself to the signal. Activations with no rectification (GELU, SiLU, sigmoid, tanh, ...) raise
    an error naming the call.

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
    >>> st.attribute(model, x, target=282, method="deconvnet").values.shape
    torch.Size([1, 3, 224, 224])
    """
    goal = objective(model, target, x)
    values, _, calls = rule_gradient(x, goal, RULES, method="deconvnet")
    return Attribution(values=values, method="deconvnet", target=goal.indices, target_label=goal.label,
                       options={}, certificates={"rule_calls": calls})
