"""How much each channel of a layer contributes to a class score: activation x gradient, summed over space.

For channel c of layer A and score y, ``sum_{i,j} A_c[i,j] * dy/dA_c[i,j]``: the first-order
(Taylor) estimate of how much the score would drop if the channel were switched off. Grad-CAM's
channel weights are the spatial mean of the same gradient (Selvaraju et al. 2017, arXiv:1610.02391);
the product with the activation is the gradient x input of Shrikumar et al. (2016),
arXiv:1605.01713, taken at a hidden layer. Used to pick the channels whose top patches to show.
"""
from __future__ import annotations

import torch

from ..errors import SeethroughError
from ..hooks import capture
from ..model import Model
from ..targets import objective


def channel_contributions(model: Model, x: torch.Tensor, layer: str, *, target=None) -> torch.Tensor:
    """Activation x gradient of ``target`` at ``layer``, summed over space.

    Parameters
    ----------
    model : a :class:`seethrough.Model` (its parameters and ``requires_grad`` flags are not changed).
    x : the input (N, C, H, W); not modified.
    layer : dotted layer name with output (N, K) or (N, K, h, w).
    target : class name or index, None for each example's top-1 class, or a callable logits -> (N,).

    Returns
    -------
    (N, K) float tensor on ``x``'s device: one contribution per example and channel.

    Examples
    --------
    >>> scores = channel_contributions(model, x, "_blocks.10")      # (1, 112)
    >>> scores[0].topk(3).indices                                     # the three most-credited channels
    """
    score = objective(model, target, x)
    if score.unit is not None:
        raise SeethroughError("channel contributions explain a class score, not a hidden unit")
    leaf = x.detach().clone().requires_grad_(True)  # so the layer's output is in the graph
    with torch.enable_grad(), capture(model.module, [layer], detach=False) as outputs:
        scores = score(leaf)
        if layer not in outputs:
            raise SeethroughError(f"layer {layer!r} was not called in the forward pass")
        activation = outputs[layer]
        gradient, = torch.autograd.grad(scores.sum(), activation)
    product = (activation.detach() * gradient)
    return product.flatten(2).sum(2) if product.dim() > 2 else product
