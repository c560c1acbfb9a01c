"""Superpixels for LIME: quickshift (lime's default), SLIC and Felzenszwalb, via scikit-image.

References: Vedaldi & Soatto, "Quick Shift and Kernel Methods for Mode Seeking", ECCV 2008;
Achanta et al., "SLIC Superpixels", TPAMI 2012; Felzenszwalb & Huttenlocher, "Efficient
Graph-Based Image Segmentation", IJCV 2004.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..errors import SeethroughError, unknown


def _quickshift(pixels: np.ndarray, seed: int, **options) -> np.ndarray:
    from skimage.segmentation import quickshift
    settings = {"kernel_size": 4, "max_dist": 200, "ratio": 0.2} | options  # lime's defaults
    return quickshift(pixels, rng=seed, **settings)


def _slic(pixels: np.ndarray, seed: int, **options) -> np.ndarray:
    from skimage.segmentation import slic
    settings = {"n_segments": 50, "compactness": 10.0, "start_label": 0} | options
    return slic(pixels, **settings)


def _felzenszwalb(pixels: np.ndarray, seed: int, **options) -> np.ndarray:
    from skimage.segmentation import felzenszwalb
    settings = {"scale": 100.0, "sigma": 0.5, "min_size": 50} | options
    return felzenszwalb(pixels, **settings)


SEGMENTATIONS: dict[str, Callable[..., np.ndarray]] = {
    "quickshift": _quickshift, "slic": _slic, "felzenszwalb": _felzenszwalb}


def check_segmentation(method: str) -> None:
    """Raise a :class:`SeethroughError` listing the choices if ``method`` is not a segmentation."""
    if method not in SEGMENTATIONS:
        raise unknown("segmentation", method, SEGMENTATIONS, "choose one of " + ", ".join(SEGMENTATIONS))


def segment(pixels: np.ndarray, method: str = "quickshift", *, seed: int = 0, **options) -> np.ndarray:
    """Split an image into superpixels.

    Parameters
    ----------
    pixels : (H, W, 3) float image in [0, 1] (a grey (H, W) image is repeated to 3 channels).
    method : "quickshift" (kernel_size=4, max_dist=200, ratio=0.2, as the lime package),
        "slic" (n_segments=50, compactness=10) or "felzenszwalb" (scale=100, sigma=0.5, min_size=50).
    seed : quickshift's random tie-breaking seed.
    options : passed to the scikit-image function, overriding the defaults above.

    Returns
    -------
    (H, W) int64 labels 0..K-1, numbered as scikit-image numbers them (gaps closed), so that
    superpixel ``k`` is the lime package's superpixel ``k`` too and the same seed hides the same
    superpixels in both.
    """
    check_segmentation(method)
    pixels = np.asarray(pixels, dtype=np.float64)
    if pixels.ndim == 2:
        pixels = np.repeat(pixels[..., None], 3, axis=2)
    if pixels.ndim != 3 or pixels.shape[2] != 3:
        raise SeethroughError(f"segmentation needs an H x W x 3 image, got shape {pixels.shape}")
    try:
        labels = SEGMENTATIONS[method](pixels, seed, **options)
    except TypeError as error:
        raise SeethroughError(f"bad option for {method} segmentation: {error}") from None
    _, inverse = np.unique(labels.ravel(), return_inverse=True)  # 0..K-1, scikit-image's order kept
    return inverse.reshape(labels.shape).astype(np.int64)
