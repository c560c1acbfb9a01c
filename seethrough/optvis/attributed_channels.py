"""Which channels of a layer most support a class on one image: the channels worth visualizing.

A channel's attribution is the sum over positions of activation times the gradient of the class
logit with respect to that activation (gradient x activation at the layer; its mean-gradient form
is Grad-CAM's channel weight, Selvaraju et al. 2017, arXiv:1610.02391). The channels with the
largest attributions are the ones the report shows as feature visualizations (Olah et al. 2018,
"The Building Blocks of Interpretability", Distill, doi:10.23915/distill.00010).

>>> attributed_channels(model, x, "_blocks.15", target=282, count=3)
[(117, 2.41), (40, 1.87), (3, 1.2)]
"""
from __future__ import annotations

import torch

from ..errors import SeethroughError
from ..hooks import capture
from ..model import Model
from ..targets import class_index


def attributed_channels(model: Model, x: torch.Tensor, layer: str, *, target: int | str, count: int = 3) -> list[tuple[int, float]]:
    """The ``count`` channels of ``layer`` with the largest activation x gradient for class ``target``
    on the one input ``x`` (1, C, H, W) (preprocessed), as (channel, attribution), largest first."""
    if x.ndim != 4 or x.shape[0] != 1:
        raise SeethroughError(f"attributed_channels takes one input (1, C, H, W), got shape {tuple(x.shape)}")
    index = class_index(model, target)
    model.layer(layer)
    with torch.enable_grad(), capture(model.module, [layer], detach=False) as recorded:
        logits = model(x.detach().requires_grad_(True))
    activation = recorded[layer]
    if activation.dim() != 4:
        raise SeethroughError(f"layer {layer} outputs shape {tuple(activation.shape)}; pick a convolutional layer")
    (grad,) = torch.autograd.grad(logits[0, index], activation)
    scores = (activation * grad).sum(dim=(2, 3))[0].detach()
    values, channels = scores.topk(min(count, scores.numel()))
    return [(int(c), float(v)) for c, v in zip(channels, values)]
