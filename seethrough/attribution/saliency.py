"""Saliency: the gradient of the class score with respect to the input pixels.

Simonyan, Vedaldi & Zisserman (2014), "Deep inside convolutional networks: visualising image
classification models and saliency maps", ICLR workshop, arXiv:1312.6034, Sec. 3.1.
"""
from __future__ import annotations

import torch

from ..targets import objective
from .base import Attribution, register
from .gradient import gradient


@register("saliency")
def saliency(model, x: torch.Tensor, *, target=None, absolute: bool = True) -> Attribution:
    """|d score / d x| (or the signed gradient with ``absolute=False``).

    The paper's map is the maximum of |gradient| over the colour channels; ``values`` keep the
    channels (N, C, H, W) so that both that map and signed sums can be drawn
    (:mod:`seethrough.render.heatmaps` reduces them).

    Parameters
    ----------
    model : a :class:`seethrough.Model`.
    x : input (N, C, H, W); not modified.
    target : class name or index, None for each example's top-1 class, a hidden unit
        ``"layer:channel[:y:x]"``, or a callable logits -> (N,).
    absolute : take |gradient| (the paper) or keep its sign.

    Returns
    -------
    Attribution with ``values`` (N, C, H, W); ``certificates``: ``score`` (the target's value).

    Examples
    --------
    >>> st.attribute(model, x, target="tabby", method="saliency").values.amax(1)   # the paper's map
    """
    goal = objective(model, target, x)
    grad, scores = gradient(goal, x)
    return Attribution(values=grad.abs() if absolute else grad, method="saliency", target=goal.indices,
                       target_label=goal.label, options={"absolute": absolute},
                       certificates={"score": scores.tolist()})
