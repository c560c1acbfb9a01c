"""SmoothGrad, SmoothGrad^2 and VarGrad: gradients averaged over noisy copies of the input.

Smilkov, Thorat, Kim, Viegas & Wattenberg (2017), "SmoothGrad: removing noise by adding noise",
arXiv:1706.03825 (noise sigma as a fraction of the input's range, 10-20% recommended);
SmoothGrad^2 and VarGrad: Adebayo et al. (2018), "Local explanation methods for deep neural
networks lack sensitivity to parameter randomization", arXiv:1810.03307, and Hooker et al. (2019),
"A benchmark for interpretability methods in deep neural networks", NeurIPS, arXiv:1806.10758.
"""
from __future__ import annotations

import torch

from ..errors import SeethroughError
from ..progress import Progress
from ..targets import objective
from .base import Attribution, register
from .gradient import summed_gradients

VARIANTS = ("smoothgrad", "smoothgrad_sq", "vargrad")


def noise(x: torch.Tensor, n_samples: int, noise_level: float, seed: int) -> torch.Tensor:
    """Gaussian noise (n_samples, N, C, H, W), sigma = noise_level * (max - min) of each example.

    Drawn on the CPU in the input's precision (float64 for float64 inputs, else float32) from a
    generator seeded with ``seed``, so the same seed gives the same noise on every device.
    """
    dtype = torch.float64 if x.dtype == torch.float64 else torch.float32
    span = (x.flatten(1).amax(1) - x.flatten(1).amin(1)).to(dtype=dtype, device="cpu")
    generator = torch.Generator().manual_seed(seed)
    draws = torch.randn((n_samples, *x.shape), generator=generator, dtype=dtype)
    draws *= (noise_level * span).view(1, -1, *([1] * (x.dim() - 1)))
    return draws.to(dtype=x.dtype, device=x.device)


@register("smoothgrad")
def smoothgrad(model, x: torch.Tensor, *, target=None, n_samples: int = 25, noise_level: float = 0.15,
               variant: str = "smoothgrad", seed: int = 0, batch_size: int | None = None,
               progress: bool = False) -> Attribution:
    """The mean over noisy inputs x + e of the gradient (``smoothgrad``), of its square
    (``smoothgrad_sq``), or its variance (``vargrad``).

    Parameters
    ----------
    model : a :class:`seethrough.Model`.
    x : input (N, C, H, W); not modified.
    target : class name or index, None for each example's top-1 class, a hidden unit
        ``"layer:channel[:y:x]"``, or a callable logits -> (N,).
    n_samples : noisy copies per example.
    noise_level : sigma of the Gaussian noise as a fraction of each example's value range
        (max - min of x); the paper recommends 0.1-0.2.
    variant : "smoothgrad", "smoothgrad_sq" or "vargrad".
    seed : the noise's seed; the same seed gives the same bytes.
    batch_size : inputs per forward/backward pass (default: the fastest measured on CPU).
    progress : show a progress bar on stderr.

    Returns
    -------
    Attribution with ``values`` (N, C, H, W); ``certificates``: ``sigma`` (per example) and
    ``mean_score`` (the target's mean over the noisy copies; compare with the clean score).

    Examples
    --------
    >>> st.attribute(model, x, method="smoothgrad", n_samples=50, noise_level=0.1, seed=1)
    """
    if variant not in VARIANTS:
        from ..errors import unknown
        raise unknown("SmoothGrad variant", variant, VARIANTS)
    if n_samples < 1 or (variant == "vargrad" and n_samples < 2):
        raise SeethroughError(f"n_samples must be at least {2 if variant == 'vargrad' else 1}, got {n_samples}")
    if noise_level < 0:
        raise SeethroughError(f"noise_level is a fraction of the input range and must be >= 0, got {noise_level}")
    goal = objective(model, target, x)
    x = x.detach()
    eps = noise(x, n_samples, noise_level, seed)

    def make(start: int, stop: int) -> torch.Tensor:
        return x.unsqueeze(0) + eps[start:stop]
    reducers = {"smoothgrad": None, "smoothgrad_sq": lambda g: g * g,
                "vargrad": lambda g: torch.stack([g, g * g], 1)}  # one pass gives E[g] and E[g^2]
    bar = Progress(n_samples, variant, enabled=progress)
    try:
        summed, scores = summed_gradients(goal, x.shape[0], n_samples, make, batch_size=batch_size,
                                          reduce=reducers[variant], progress=bar.advance)
    finally:
        bar.close()
    values = summed / n_samples
    if variant == "vargrad":  # E[g^2] - E[g]^2, with the unbiased (n - 1) normalisation
        values = (values[1] - values[0] * values[0]) * n_samples / (n_samples - 1)
    sigma = (noise_level * (x.flatten(1).amax(1) - x.flatten(1).amin(1))).tolist()
    options = {"n_samples": n_samples, "noise_level": noise_level, "variant": variant, "seed": seed}
    return Attribution(values=values, method="smoothgrad", target=goal.indices, target_label=goal.label,
                       options=options, certificates={"sigma": sigma, "mean_score": scores.mean(0).tolist()})
