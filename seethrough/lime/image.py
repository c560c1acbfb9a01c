"""LIME for images: which superpixels make the model say what it says ("snow = wolf").

Ribeiro, Singh & Guestrin, "Why Should I Trust You?": Explaining the Predictions of Any
Classifier, KDD 2016. Samples keep a random half of the superpixels, the rest hidden; a
weighted ridge regression on the keep/hide masks, weighted by an exponential kernel on the
cosine distance to the full image, gives one weight per superpixel.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from ..errors import SeethroughError
from ..model import Model
from ..targets import class_index
from .evaluation import default_batch, masked_scores
from .hiding import check_hide, hidden_input
from .sampling import coin_masks
from .segmentation import check_segmentation, segment
from .surrogate import cosine_distance, exponential_kernel, fit_surrogate

SCORES = ("probability", "logit")


@dataclass
class LimeImageResult:
    """One LIME explanation of an image.

    Attributes
    ----------
    weights : (K,) the surrogate's weight of each superpixel (positive: evidence for the target).
    intercept, r2 : the surrogate's intercept and weighted R^2 (how well a linear model of the
        superpixels fits the model near this image; low R^2 means do not trust the weights).
    local_prediction : the surrogate at the full image; ``score`` the model's own value there.
    segments : (H, W) superpixel labels; ``pixels`` (H, W, 3) the explained image in [0, 1].
    """

    weights: np.ndarray
    intercept: float
    r2: float
    local_prediction: float
    score: float
    segments: np.ndarray
    pixels: np.ndarray
    target: int
    target_label: str
    options: dict = field(default_factory=dict)

    def top(self, count: int = 5, sign: str = "positive") -> list[int]:
        """The ``count`` superpixels with the largest weights of ``sign`` ("positive", "negative"
        or "absolute"), strongest first; a sign never picks a weight of the other sign."""
        if sign == "absolute":
            order = np.argsort(-np.abs(self.weights), kind="stable")
            return [int(i) for i in order[:count]]
        direction = 1.0 if sign == "positive" else -1.0
        order = np.argsort(-direction * self.weights, kind="stable")
        return [int(i) for i in order[:count] if direction * self.weights[i] > 0]

    def mask(self, count: int = 5, sign: str = "positive") -> np.ndarray:
        """(H, W) bool: the pixels of :meth:`top`'s superpixels."""
        return np.isin(self.segments, self.top(count, sign))

    def evidence(self, count: int = 5, sign: str = "positive", dim: float = 0.25) -> np.ndarray:
        """(H, W, 3) image: the top superpixels of ``sign`` as they are, everything else dimmed."""
        keep = self.mask(count, sign)[..., None]
        return np.where(keep, self.pixels, self.pixels * dim + (1 - dim) * 0.5)

    def to_dict(self) -> dict:
        sizes = np.bincount(self.segments.ravel(), minlength=len(self.weights))
        return {"method": "lime", "target": self.target, "target_label": self.target_label,
                "score": self.score, "r2": self.r2, "intercept": self.intercept,
                "local_prediction": self.local_prediction, "options": self.options,
                "segments": len(self.weights),
                "weights": [{"segment": i, "weight": float(w), "pixels": int(sizes[i])}
                            for i, w in enumerate(self.weights)],
                "top_positive": self.top(5, "positive"), "top_negative": self.top(5, "negative")}


def _as_input(model: Model, image_or_x) -> torch.Tensor:
    if isinstance(image_or_x, torch.Tensor):
        if image_or_x.ndim == 3:
            image_or_x = image_or_x[None]
        if image_or_x.ndim != 4 or image_or_x.shape[0] != 1:
            raise SeethroughError(f"lime explains one input (1, C, H, W), got shape {tuple(image_or_x.shape)}")
        return image_or_x.detach().to(model.device)
    return model.preprocess(image_or_x).to(model.device)


def lime_image(model: Model, image_or_x, *, target=None, segmentation: str = "quickshift",
               segmentation_options: dict | None = None, segments: np.ndarray | None = None,
               hide: str = "mean", n_samples: int = 1000, seed: int = 0, batch_size: int | None = None,
               kernel_width: float = 0.25, alpha: float = 1.0, score: str = "probability",
               progress: bool = False) -> LimeImageResult:
    """Explain one image by its superpixels with LIME.

    Parameters
    ----------
    model : a :class:`~seethrough.Model`; image_or_x : an image (array, PIL) or its
        preprocessed input (1, C, H, W).
    target : class index or name (default: the model's top-1 class on the image).
    segmentation : "quickshift" (lime's default), "slic" or "felzenszwalb";
        ``segmentation_options`` override its settings; ``segments`` (H, W) skips it.
    hide : how hidden superpixels look: "mean" (their mean colour; lime's default), "zero", "blur".
    n_samples : model evaluations (row 0 is the full image); ``seed`` draws the masks (the same
        masks as the lime package with the same seed).
    batch_size : images per forward pass (default 4 at 224 x 224, more for smaller inputs: on a
        CPU small batches are fastest per image).
    kernel_width : of the exponential kernel on cosine distance (lime's 0.25); ``alpha`` ridge penalty.
    score : explain the target's "probability" (as lime does) or its "logit" (better when the
        probability is saturated near 1 and hardly moves).

    Returns
    -------
    :class:`LimeImageResult`.

    Examples
    --------
    >>> result = st.lime_image(model, st.data.sample("chelsea"), n_samples=500)
    >>> result.top(5), result.r2
    """
    if score not in SCORES:
        raise SeethroughError(f"score must be 'probability' or 'logit', got {score!r}")
    if n_samples < 2:
        raise SeethroughError(f"n_samples must be at least 2 (the image and one perturbation), got {n_samples}")
    if kernel_width <= 0:
        raise SeethroughError(f"kernel_width must be positive, got {kernel_width}")
    if alpha < 0:
        raise SeethroughError(f"alpha (the ridge penalty) must be >= 0, got {alpha}")
    check_hide(hide)
    if segments is None:
        check_segmentation(segmentation)
    x = _as_input(model, image_or_x)
    batch_size = default_batch(*x.shape[-2:]) if batch_size is None else int(batch_size)
    if batch_size < 1:
        raise SeethroughError(f"batch_size must be at least 1, got {batch_size}")
    index = None if target is None else class_index(model, target)
    pixels = model.deprocess(x)
    segments_given = segments is not None
    if not segments_given:
        segments = segment(pixels, segmentation, **(segmentation_options or {}))
    segments = np.asarray(segments)
    if segments.shape != tuple(x.shape[-2:]) or not np.issubdtype(segments.dtype, np.integer) or segments.min() < 0:
        raise SeethroughError(f"segments must be (H, W) = {tuple(x.shape[-2:])} integer labels 0..K-1, "
                              f"got shape {segments.shape} ({segments.dtype})")
    segments = segments.astype(np.int64)
    if segments.max() < 1:
        raise SeethroughError(f"the {segmentation if not segments_given else 'given'} segmentation found only one "
                              f"superpixel in this {segments.shape[0]}x{segments.shape[1]} image; nothing to compare. "
                              "Try segmentation='slic' or 'felzenszwalb' (--segmentation), or smaller settings")
    masks = coin_masks(n_samples, int(segments.max()) + 1, seed)
    fill = hidden_input(model, x, segments, hide)
    scores, index = masked_scores(model, x, fill, segments, masks, target=index, score=score,
                                  batch_size=batch_size, progress=progress)
    weights = exponential_kernel(cosine_distance(masks), kernel_width)
    fit = fit_surrogate(masks, scores, weights, alpha=alpha)
    options = {"segmentation": "given" if segments_given else segmentation, "hide": hide,
               "n_samples": n_samples, "seed": seed, "kernel_width": kernel_width, "alpha": alpha,
               "score": score, "batch_size": batch_size}
    return LimeImageResult(fit.coef, fit.intercept, fit.r2, fit.local_prediction, float(scores[0]),
                           segments, pixels, index, model.label(index), options)
