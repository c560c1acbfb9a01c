"""Grad-CAM: a conv layer's feature maps weighted by the spatial mean of the class gradient.

Selvaraju, Cogswell, Das, Vedantam, Parikh & Batra (2017), "Grad-CAM: visual explanations from deep
networks via gradient-based localization", ICCV, arXiv:1610.02391, Eq. 1-2.
"""
from __future__ import annotations

import torch

from ..errors import SeethroughError
from ..hooks import capture
from ..targets import objective
from .base import Attribution, register


def last_spatial_layer(model) -> str:
    """The last module, in the order the forward pass calls them, whose output is a feature map
    (N, C, h, w) with more than one position: Grad-CAM's and CAM's default layer."""
    spatial = [call.name for call in model.calls()
               if call.shape is not None and len(call.shape) == 4 and call.shape[2] * call.shape[3] > 1]
    if not spatial:
        raise SeethroughError(f"{model.name} has no layer with a spatial feature map (N, C, h, w); "
                              "Grad-CAM and CAM need a convolutional layer")
    return spatial[-1]


@register("gradcam")
def gradcam(model, x: torch.Tensor, *, target=None, layer: str | None = None, relu: bool = True) -> Attribution:
    """ReLU(sum_k a_k A_k), a_k the spatial mean of d score / d A_k, for the feature maps A of ``layer``.

    Parameters
    ----------
    model : a :class:`seethrough.Model`.
    x : input (N, C, H, W); not modified.
    target : class name or index, None for each example's top-1 class, a hidden unit
        ``"layer:channel[:y:x]"`` (of a layer after ``layer``), or a callable logits -> (N,).
    layer : dotted name of a layer with a spatial output; default the last one the forward pass
        calls. A module called several times (a shared activation) is taken at its last call.
    relu : apply the paper's ReLU (False keeps negative evidence).

    Returns
    -------
    Attribution with ``values`` (N, h, w) at the layer's resolution (draw it upsampled);
    ``certificates``: ``layer``, ``layer_shape``, ``channel_weights_sum`` (sum of a_k, per example).

    Examples
    --------
    >>> st.attribute(model, x, target="tiger cat", method="gradcam", layer="_blocks.15").values.shape
    torch.Size([1, 7, 7])
    """
    layer = layer or last_spatial_layer(model)
    model.layer(layer)  # a wrong name fails here, with the closest valid names
    goal = objective(model, target, x)
    with torch.enable_grad(), capture(model.module, [layer], detach=False) as outputs:
        leaf = x.detach().clone().requires_grad_(True)
        scores = goal(leaf)
    if layer not in outputs:
        raise SeethroughError(f"gradcam: layer {layer!r} did not run before the target was computed")
    maps = outputs[layer]
    if maps.dim() != 4:
        raise SeethroughError(f"gradcam needs a layer with a spatial output (N, C, h, w); {layer!r} gives "
                              f"{tuple(maps.shape)}. Choose a conv layer (see `seethrough layers`)")
    with torch.enable_grad():
        grads, = torch.autograd.grad(scores.sum(), maps, allow_unused=True)
    if grads is None:
        raise SeethroughError(f"gradcam: the target does not depend on layer {layer!r}")
    weights = grads.mean(dim=(2, 3), keepdim=True)
    values = (weights * maps).sum(1).detach()
    values = values.clamp(min=0) if relu else values
    certificates = {"layer": layer, "layer_shape": list(maps.shape[1:]),
                    "channel_weights_sum": weights.flatten(1).sum(1).tolist()}
    return Attribution(values=values, method="gradcam", target=goal.indices, target_label=goal.label,
                       options={"layer": layer, "relu": relu}, certificates=certificates)
