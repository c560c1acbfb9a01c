"""CAM: class activation maps, for networks whose head is global average pooling + one linear layer.

Zhou, Khosla, Lapedriza, Oliva & Torralba (2016), "Learning deep features for discriminative
localization", CVPR, arXiv:1512.04150, Eq. 2: M_c(x, y) = sum_k w_k^c f_k(x, y).
"""
from __future__ import annotations

import torch
from torch import nn

from ..errors import SeethroughError
from ..hooks import capture
from ..targets import objective
from .base import Attribution, register
from .gradcam import last_spatial_layer


def _head(model, x: torch.Tensor, layer: str) -> tuple[torch.Tensor, torch.Tensor, nn.Linear]:
    """(feature maps of ``layer``, logits, the linear layer that produced the logits, its input)."""
    linears = {name: m for name, m in model.module.named_modules() if isinstance(m, nn.Linear)}
    inputs: dict[str, torch.Tensor] = {}
    handles = []
    try:
        for name, module in linears.items():
            handles.append(module.register_forward_hook(
                lambda _m, args, _out, name=name: inputs.__setitem__(name, args[0].detach())))
        with torch.no_grad(), capture(model.module, [layer] + list(linears)) as outputs:
            logits = model(x)
    finally:
        for handle in handles:
            handle.remove()
    final = [name for name in linears if name in outputs and outputs[name].shape == logits.shape
             and torch.equal(outputs[name], logits)]
    if not final:
        raise SeethroughError(f"cam needs a model whose logits come from an nn.Linear after global average "
                              f"pooling; {model.name}'s do not. Use gradcam, which works on any conv layer")
    return outputs[layer], logits, linears[final[0]], inputs[final[0]]


@register("cam")
def cam(model, x: torch.Tensor, *, target=None, layer: str | None = None) -> Attribution:
    """sum_k w_k^c A_k: the final linear layer's weights for class c applied at every position of ``layer``.

    Checked, not assumed: the spatial mean of ``layer``'s maps must equal the input of the linear
    layer that produces the logits (global average pooling, with nothing in between but identities
    such as dropout in eval mode), else an error says so. Then the map's spatial mean plus the bias
    is exactly the logit, which ``certificates`` show.

    Parameters
    ----------
    model : a :class:`seethrough.Model`.
    x : input (N, C, H, W); not modified.
    target : class name or index, or None for each example's top-1 class.
    layer : the last conv feature maps (default: the last spatial layer the forward pass calls).

    Returns
    -------
    Attribution with ``values`` (N, h, w); ``certificates``: ``layer``, ``logit`` and
    ``logit_from_map`` (mean of the map + bias), per example.

    Examples
    --------
    >>> st.attribute(model, x, target="tabby", method="cam").values.shape
    torch.Size([1, 7, 7])
    """
    if callable(target) or isinstance(target, str) and ":" in target:
        raise SeethroughError("cam explains a class (a name or an index); for a hidden unit use gradcam")
    layer = layer or last_spatial_layer(model)
    model.layer(layer)
    goal = objective(model, target, x)
    maps, logits, linear, pooled = _head(model, x, layer)
    if maps.dim() != 4 or maps.shape[1] != linear.in_features or pooled.dim() != 2:
        raise SeethroughError(f"cam needs global average pooling + linear: {layer!r} has {tuple(maps.shape)[1:]} "
                              f"maps but the final linear layer takes {linear.in_features} features (a flattening "
                              "head?). Use gradcam, or give the pooled layer with --layer")
    means = maps.mean(dim=(2, 3))
    if not torch.allclose(means, pooled, rtol=1e-4, atol=1e-5 * float(pooled.abs().max().clamp_min(1))):
        raise SeethroughError(f"cam: the final linear layer's input is not the global average of {layer!r}'s "
                              "maps (another layer in between?); use gradcam instead")
    weights = linear.weight.detach()[goal.indices]  # (N, K)
    values = torch.einsum("nk,nkhw->nhw", weights, maps)
    bias = linear.bias.detach()[goal.indices] if linear.bias is not None else torch.zeros_like(goal.indices, dtype=x.dtype)
    certificates = {"layer": layer, "logit": goal.score(logits).tolist(),
                    "logit_from_map": (values.mean(dim=(1, 2)) + bias).tolist()}
    return Attribution(values=values, method="cam", target=goal.indices, target_label=goal.label,
                       options={"layer": layer}, certificates=certificates)
