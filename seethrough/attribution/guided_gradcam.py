"""Guided Grad-CAM: guided backprop's pixel detail, weighted by Grad-CAM's coarse class map.

Selvaraju, Cogswell, Das, Vedantam, Parikh & Batra (2017), "Grad-CAM: visual explanations from deep
networks via gradient-based localization", ICCV, arXiv:1610.02391, Sec. 3.1.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .base import Attribution, get_method, register
from .guided_backprop import guided_backprop


@register("guided_gradcam")
def guided_gradcam(model, x: torch.Tensor, *, target=None, layer: str | None = None) -> Attribution:
    """Guided backprop (N, C, H, W) times the Grad-CAM map of ``layer`` upsampled to (H, W), bilinear.

    Parameters
    ----------
    model : a :class:`seethrough.Model`.
    x : input (N, C, H, W); not modified.
    target : class name or index, None for each example's top-1 class, or a callable logits -> (N,).
    layer : the conv layer for Grad-CAM (dotted name); None for Grad-CAM's default, the last
        spatial layer.

    Returns
    -------
    Attribution with ``values`` (N, C, H, W); ``certificates`` has those of both parts, prefixed
    ``guided_backprop_`` and ``gradcam_``.

    Examples
    --------
    >>> st.attribute(model, x, target="tabby", method="guided_gradcam").values.shape
    torch.Size([1, 3, 224, 224])
    """
    gradcam = get_method("gradcam")  # looked up at call time: it lives in its own module
    cam = gradcam(model, x, target=target, **({} if layer is None else {"layer": layer}))
    guided = guided_backprop(model, x, target=target)
    weights = cam.values.to(x.dtype)
    weights = weights.unsqueeze(1) if weights.dim() == 3 else weights
    weights = F.interpolate(weights, size=x.shape[-2:], mode="bilinear", align_corners=False)
    certificates = {**{f"guided_backprop_{k}": v for k, v in guided.certificates.items()},
                    **{f"gradcam_{k}": v for k, v in cam.certificates.items()}}
    options = {"layer": cam.options.get("layer", layer)}
    return Attribution(values=guided.values * weights, method="guided_gradcam", target=guided.target,
                       target_label=guided.target_label, options=options, certificates=certificates)
