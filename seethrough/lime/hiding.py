"""What a hidden superpixel is replaced with: its own mean colour (lime's default), black, or a blur."""
from __future__ import annotations

import numpy as np
import torch

from ..errors import unknown

HIDES = ("mean", "zero", "blur")


def check_hide(hide: str) -> None:
    """Raise a :class:`SeethroughError` listing the choices if ``hide`` is not one of :data:`HIDES`."""
    if hide not in HIDES:
        raise unknown("hide colour", hide, HIDES, "choose mean, zero or blur")


def hidden_input(model, x: torch.Tensor, segments: np.ndarray, hide: str, *, blur_sigma: float = 5.0) -> torch.Tensor:
    """The input (1, C, H, W) every hidden superpixel is taken from.

    Parameters
    ----------
    model : the :class:`~seethrough.Model` (for its normalization).
    x : the preprocessed input (1, C, H, W).
    segments : (H, W) int superpixel labels 0..K-1.
    hide : "mean" (each superpixel's mean colour, per channel), "zero" (black pixels) or
        "blur" (a Gaussian blur of the image, ``blur_sigma`` pixels).
    """
    check_hide(hide)
    if hide == "zero":
        return model.normalize(torch.zeros_like(x))
    if hide == "blur":
        from scipy.ndimage import gaussian_filter
        pixels = model.denormalize(x)[0].detach().cpu().double().numpy()
        blurred = np.stack([gaussian_filter(channel, blur_sigma, mode="reflect") for channel in pixels])
        return model.normalize(torch.as_tensor(blurred, dtype=x.dtype, device=x.device)[None])
    labels = torch.as_tensor(segments, device=x.device).reshape(-1)
    count = int(labels.max()) + 1
    flat = x[0].detach().reshape(x.shape[1], -1).double()
    sums = torch.zeros(x.shape[1], count, dtype=torch.float64, device=x.device).index_add_(1, labels, flat)
    sizes = torch.bincount(labels, minlength=count).clamp(min=1)
    means = (sums / sizes)[:, labels].reshape(x.shape[1:])
    return means.to(x.dtype)[None]
