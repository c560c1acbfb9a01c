"""A convolution layer's kernels as images: the first layer's as RGB, deeper ones per input channel or summed.

Showing first-layer filters as images goes back to Krizhevsky, Sutskever & Hinton (2012),
"ImageNet classification with deep convolutional neural networks", Fig. 3, and Zeiler & Fergus
(2014), arXiv:1311.2901, Fig. 6.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from torch import nn

from ..errors import SeethroughError
from ..model import Model

MODES = ("auto", "rgb", "sum", "channels")


@dataclass
class Filters:
    """The kernels of one convolution layer, ready to show.

    Attributes
    ----------
    layer : the layer's dotted name.
    weights : (out, in / groups, kh, kw) the raw kernels.
    images : (n, kh, kw, 3) float in [0, 1]: each kernel scaled on its own so that 0.5 is zero and its
        largest magnitude reaches 0 or 1.
    titles : one caption per image ("3" or "3/1": output channel / input channel).
    mode : "rgb" (input channels as colours), "sum" (summed over input channels) or "channels".
    """

    layer: str
    weights: np.ndarray
    images: np.ndarray
    titles: list[str]
    mode: str


def conv_layers(model: Model) -> list[str]:
    """The model's 2-d convolution layers, in the order the forward pass calls them."""
    names = [name for name, module in model.module.named_modules() if isinstance(module, nn.Conv2d)]
    if not names:
        raise SeethroughError(f"{model.name} has no Conv2d layer, so it has no filters to show")
    return [name for name in model.layer_shapes() if name in names]  # in call order


def _scaled(kernels: np.ndarray) -> np.ndarray:
    """(n, c, kh, kw) -> (n, kh, kw, c) with each kernel mapped so 0 -> 0.5 and max |w| -> 0 or 1."""
    scale = np.abs(kernels).reshape(len(kernels), -1).max(axis=1)
    scale[scale == 0] = 1.0
    return (kernels / (2 * scale[:, None, None, None]) + 0.5).transpose(0, 2, 3, 1)


def filters(model: Model, layer: str | None = None, *, mode: str = "auto", limit: int = 64) -> Filters:
    """The kernels of convolution ``layer`` (default: the first one the model calls) as images.

    Parameters
    ----------
    model : a :class:`seethrough.Model`.
    layer : a Conv2d layer's dotted name; default the first convolution of the forward pass.
    mode : "rgb" (a kernel with 3 input channels as one colour image), "sum" (summed over input
        channels: one grey image per output channel), "channels" (one grey image per output and input
        channel), or "auto": rgb for 3 input channels, sum otherwise (grey for 1).
    limit : show at most this many images.

    Returns
    -------
    :class:`Filters`.

    Examples
    --------
    >>> filters(st.zoo.load("efficientnet_lite0")).images.shape
    (32, 3, 3, 3)
    """
    if mode not in MODES:
        raise SeethroughError(f"filter mode is one of {', '.join(MODES)}, got {mode!r}")
    layer = layer or conv_layers(model)[0]
    module = model.layer(layer)
    if not isinstance(module, nn.Conv2d):
        raise SeethroughError(f"layer {layer!r} is a {type(module).__name__}, not a Conv2d; "
                              f"the convolutions are: {', '.join(conv_layers(model)[:8])}")
    weights = module.weight.detach().cpu().double().numpy()
    inputs = weights.shape[1]
    if mode == "auto":
        mode = "rgb" if inputs == 3 else "sum"
    if mode == "rgb" and inputs != 3:
        raise SeethroughError(f"{layer} kernels have {inputs} input channels; rgb needs 3 (use --mode sum or channels)")
    if mode == "rgb":
        images, titles = _scaled(weights[:limit]), [str(i) for i in range(min(limit, len(weights)))]
    elif mode == "sum":
        images = _scaled(weights[:limit].sum(axis=1, keepdims=True))
        titles = [str(i) for i in range(len(images))]
    else:
        pairs = [(o, i) for o in range(len(weights)) for i in range(inputs)][:limit]
        images = _scaled(np.stack([weights[o, i][None] for o, i in pairs]))
        titles = [f"{o}/{i}" for o, i in pairs]
    if images.shape[-1] == 1:
        images = np.repeat(images, 3, axis=-1)
    return Filters(layer, weights, images, titles, mode)
