"""Reference inputs for path and difference methods (integrated gradients, DeepLIFT, occlusion).

A baseline is the input that stands for "no information". Which one is right depends on the
question (Sturmfels, Lundberg & Lee 2020, "Visualizing the impact of feature attribution
baselines", Distill), so the choice is the user's and is reported with the result.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..errors import SeethroughError

KINDS = ("zeros", "black", "white", "mean", "blur", "uniform")


def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of (N, C, H, W) per channel, reflect padding (a constant stays constant)."""
    radius = max(1, int(3 * sigma + 0.5))
    offsets = torch.arange(-radius, radius + 1, dtype=x.dtype, device=x.device)
    kernel = torch.exp(-offsets ** 2 / (2 * sigma ** 2))
    kernel = kernel / kernel.sum()
    channels = x.shape[1]
    out = x
    for dim, shape in ((3, (1, 1, 1, -1)), (2, (1, 1, -1, 1))):
        size = out.shape[dim]
        pad = min(radius, size - 1)
        pads = (pad, pad, 0, 0) if dim == 3 else (0, 0, pad, pad)
        padded = F.pad(out, pads, mode="reflect") if pad > 0 else out
        weight = kernel[radius - pad: radius + pad + 1].view(shape).repeat(channels, 1, 1, 1)
        out = F.conv2d(padded, weight, groups=channels)
    return out


def make_baseline(model, x: torch.Tensor, baseline="zeros", *, seed: int = 0, sigma: float | None = None) -> torch.Tensor:
    """The baseline for ``x`` (N, C, H, W), in the model's input space, same shape, dtype and device.

    Parameters
    ----------
    model : a :class:`seethrough.Model` (its normalization gives "black", "white" and "uniform").
    x : the explained input.
    baseline : "zeros" (the all-zero input tensor; for mean/std-normalized models that is the mean
        colour), "black" / "white" (the black / white image), "mean" (each example's per-channel
        mean), "blur" (x blurred with a Gaussian, sigma ``sigma`` px, default 1/20 of the width),
        "uniform" (uniform noise in the pixel range [0, 1], drawn with ``seed``), a number (a
        constant input), or a tensor broadcastable to ``x``.
    seed : for "uniform".
    """
    if isinstance(baseline, torch.Tensor):
        try:
            return baseline.to(dtype=x.dtype, device=x.device).expand_as(x).clone()
        except RuntimeError:
            raise SeethroughError(f"a baseline tensor of shape {tuple(baseline.shape)} does not broadcast "
                                  f"to the input's shape {tuple(x.shape)}") from None
    if isinstance(baseline, bool) or not isinstance(baseline, (str, int, float)):
        raise SeethroughError(f"a baseline is one of {', '.join(KINDS)}, a number or a tensor; got {baseline!r}")
    if isinstance(baseline, (int, float)):
        return torch.full_like(x, float(baseline))
    name = baseline.strip().lower()
    try:
        return torch.full_like(x, float(name))
    except ValueError:
        pass
    if name == "zeros":
        return torch.zeros_like(x)
    if name in ("black", "white"):
        return model.normalize(torch.full_like(x, 0.0 if name == "black" else 1.0))
    if name == "mean":
        return x.detach().mean(dim=(2, 3), keepdim=True).expand_as(x).clone()
    if name == "blur":
        return gaussian_blur(x.detach(), sigma or max(x.shape[-1] / 20, 0.5))
    if name == "uniform":
        generator = torch.Generator().manual_seed(seed)
        noise = torch.rand(x.shape, generator=generator, dtype=torch.float64)
        return model.normalize(noise.to(dtype=x.dtype, device=x.device))
    from ..errors import unknown
    raise unknown("baseline", name, KINDS, "or give a number or a tensor")
