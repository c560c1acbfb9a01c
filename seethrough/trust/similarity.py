"""How alike two explanation maps are: the four measures of the sanity-checks paper.

Adebayo, Gilmer, Muelly, Goodfellow, Hardt & Kim (2018), "Sanity checks for saliency maps",
NeurIPS, arXiv:1810.03292, Sec. 3: "we measure the similarity between the original explanation
and the randomized one using Spearman rank correlation with absolute value (absolute value),
Spearman rank correlation without absolute value (diverging), the structural similarity index
(SSIM), and the Pearson correlation of the histogram of gradients (HOG) derived from two maps."
As there, SSIM and HOG are computed on maps scaled to [0, 1].

Every measure is 1 for identical maps. A similarity is only small or large relative to what
two unrelated maps give: :func:`noise_floor` compares a map with random maps of the same shape,
passed through the same reduction (so a coarse Grad-CAM grid gets a coarse random grid).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from scipy.stats import rankdata
from skimage.feature import hog
from skimage.metrics import structural_similarity

from ..errors import SeethroughError

METRICS = ("spearman_abs", "spearman", "ssim", "hog")


def reduce_map(values: torch.Tensor, size: Sequence[int] | None = None, *, absolute: bool = False) -> torch.Tensor:
    """An attribution's values -> one map per example (N, H, W), float64 on the CPU.

    (N, C, H, W) pixel attributions are summed over channels (of ``|values|`` with ``absolute``);
    (N, h, w) maps (CAM, Grad-CAM, occlusion) are resized to ``size`` (bilinear) when given.
    """
    values = values.detach().to("cpu", torch.float64)
    if values.dim() == 4:
        values = (values.abs() if absolute else values).sum(1)
    elif values.dim() == 3:
        values = values.abs() if absolute else values
    else:
        raise SeethroughError(f"an attribution map is (N, C, H, W) or (N, h, w), got shape {tuple(values.shape)}")
    if size is not None and tuple(values.shape[-2:]) != tuple(size):
        values = F.interpolate(values[:, None], size=tuple(size), mode="bilinear", align_corners=False)[:, 0]
    return values


def _pearson(first: np.ndarray, second: np.ndarray) -> float:
    """Pearson correlation of two flat vectors; 0 when either is constant (nothing is shared)."""
    first = first - first.mean()
    second = second - second.mean()
    scale = np.sqrt((first ** 2).sum() * (second ** 2).sum())
    return float((first * second).sum() / scale) if scale > 1e-300 else 0.0


def spearman(first: np.ndarray, second: np.ndarray) -> float:
    """Spearman rank correlation of two maps (any equal shapes): Pearson's r of their ranks, ties averaged."""
    return _pearson(rankdata(first.ravel()), rankdata(second.ravel()))


def _unit_range(image: np.ndarray) -> np.ndarray:
    low, high = image.min(), image.max()
    return (image - low) / (high - low) if high > low else np.zeros_like(image)


def ssim(first: np.ndarray, second: np.ndarray) -> float:
    """Structural similarity (Wang et al. 2004) of two (H, W) maps, each scaled to [0, 1] first.

    The window is 7 x 7 (smaller, odd, for maps under 7 pixels a side).
    """
    window = min(7, min(first.shape) - (1 - min(first.shape) % 2))
    if window < 3:
        raise SeethroughError(f"SSIM needs maps of at least 3 x 3 pixels, got {first.shape}")
    return float(structural_similarity(_unit_range(first), _unit_range(second), data_range=1.0, win_size=window))


def hog_features(image: np.ndarray) -> np.ndarray:
    """HOG descriptor (Dalal & Triggs 2005) of an (H, W) map scaled to [0, 1]: 9 orientations,
    cells of 1/16 of the shorter side (at least 4 px; half the side for maps under 8 px), 2 x 2
    cell blocks."""
    side = min(image.shape)
    if side < 2:
        raise SeethroughError(f"HOG needs maps of at least 2 x 2 pixels, got {image.shape}")
    cell = max(side // 16, min(4, side // 2))
    return hog(_unit_range(image), orientations=9, pixels_per_cell=(cell, cell), cells_per_block=(2, 2),
               feature_vector=True)


def hog_similarity(first: np.ndarray, second: np.ndarray) -> float:
    """Pearson correlation of the HOG descriptors of two (H, W) maps."""
    return _pearson(hog_features(first), hog_features(second))


def compare_maps(first: torch.Tensor, second: torch.Tensor, *, size: Sequence[int] | None = None) -> dict[str, float]:
    """The four measures between two attributions of the same inputs, each averaged over examples.

    Parameters
    ----------
    first, second : attribution values of the same shape, (N, C, H, W) or (N, h, w).
    size : (H, W) to bring (N, h, w) maps to before comparing (the input's size).

    Returns
    -------
    {"spearman_abs": ..., "spearman": ..., "ssim": ..., "hog": ...}: rank correlation of the
    absolute maps (channels summed of |values|), of the signed maps (channels summed), and SSIM
    and HOG correlation of the absolute maps.
    """
    if first.shape != second.shape:
        raise SeethroughError(f"cannot compare maps of shapes {tuple(first.shape)} and {tuple(second.shape)}")
    absolute_a = reduce_map(first, size, absolute=True).numpy()
    absolute_b = reduce_map(second, size, absolute=True).numpy()
    signed_a = reduce_map(first, size).numpy()
    signed_b = reduce_map(second, size).numpy()
    scores = {name: [] for name in METRICS}
    for index in range(first.shape[0]):
        scores["spearman_abs"].append(spearman(absolute_a[index], absolute_b[index]))
        scores["spearman"].append(spearman(signed_a[index], signed_b[index]))
        scores["ssim"].append(ssim(absolute_a[index], absolute_b[index]))
        scores["hog"].append(hog_similarity(absolute_a[index], absolute_b[index]))
    return {name: float(np.mean(values)) for name, values in scores.items()}


def noise_floor(values: torch.Tensor, *, size: Sequence[int] | None = None, seed: int = 0,
                n_maps: int = 4) -> dict[str, float]:
    """The similarity of ``values`` to unrelated maps: mean |measure| against ``n_maps`` random maps.

    The random maps have ``values``' own shape (Gaussian noise drawn with ``seed``) and go through
    the same reduction and resizing, so a similarity at or below this level says "no more alike
    than chance". Returns the same keys as :func:`compare_maps`.
    """
    generator = torch.Generator().manual_seed(seed)
    totals = {name: 0.0 for name in METRICS}
    for _ in range(n_maps):
        random_map = torch.randn(values.shape, generator=generator, dtype=torch.float64)
        for name, value in compare_maps(values, random_map, size=size).items():
            totals[name] += abs(value) / n_maps
    return totals
