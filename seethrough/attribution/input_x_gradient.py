"""Gradient x input: each input value times the derivative of the score with respect to it.

Shrikumar, Greenside, Shcherbina & Kundaje (2016), "Not just a black box", arXiv:1605.01713;
Ancona et al. (2018), "Towards better understanding of gradient-based attribution methods",
ICLR, arXiv:1711.06104 (equal to epsilon-LRP and DeepLIFT-Rescale on ReLU nets with a zero baseline).
"""
from __future__ import annotations

import torch

from ..targets import objective
from .base import Attribution, register
from .gradient import gradient


@register("input_x_gradient")
def input_x_gradient(model, x: torch.Tensor, *, target=None) -> Attribution:
    """x * d score / d x, shape (N, C, H, W).

    For a model that is linear in x (and with no bias) the values sum to the score; on a ReLU
    network that sum is the score minus what biases contribute, which ``certificates`` show.

    Parameters
    ----------
    model : a :class:`seethrough.Model`.
    x : input (N, C, H, W); not modified.
    target : class name or index, None for each example's top-1 class, a hidden unit
        ``"layer:channel[:y:x]"``, or a callable logits -> (N,).

    Returns
    -------
    Attribution with ``values`` (N, C, H, W); ``certificates``: ``sum`` of the values and ``score``
    (per example).

    Examples
    --------
    >>> st.attribute(model, x, target=285, method="input_x_gradient").certificates["sum"]
    """
    goal = objective(model, target, x)
    grad, scores = gradient(goal, x)
    values = x.detach() * grad
    return Attribution(values=values, method="input_x_gradient", target=goal.indices, target_label=goal.label,
                       options={}, certificates={"sum": values.flatten(1).sum(1).tolist(), "score": scores.tolist()})
