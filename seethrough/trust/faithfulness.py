"""Faithfulness: does removing what the explanation calls important change the prediction most?

Petsiuk, Das & Saenko (2018), "RISE: randomized input sampling for explanation of black-box
models", BMVC, arXiv:1806.07421, Sec. 4.1: "The deletion metric measures a decrease in the
probability of the predicted class as more and more important pixels are removed [...] A sharp
drop and thus a low area under the probability curve [...] means a good explanation. The
insertion metric, on the other hand, captures the importance of the pixels in terms of their
ability to synthesize an image": pixels are inserted, most important first, into a blurred copy,
and a high area is good. Deletion with a baseline, most relevant first (MoRF) or least relevant
first (LeRF), is the region perturbation of Samek, Binder, Montavon, Lapuschkin & Mueller (2017),
"Evaluating the visualization of what a deep neural network has learned", IEEE TNNLS,
arXiv:1509.06321, whose AOPC is "the area over the MoRF perturbation curve":
AOPC = 1/(L+1) sum_k f(x) - f(x_MoRF^(k)).

Every curve is also run for a random attribution of the method's own shape (seeded; see
:func:`random_attribution`): the reference line.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from ..errors import SeethroughError
from ..progress import Progress
from ..targets import objective
from .similarity import reduce_map

ORDERS = ("morf", "lerf")


@dataclass
class Curve:
    """A deletion or insertion curve.

    Attributes
    ----------
    kind : "deletion" or "insertion".
    fractions : (K,) fraction of the pixels changed at each point, 0 to 1.
    scores : (N, K) the target's probability (softmax; the raw score for a hidden unit) at each point.
    auc : (N,) normalized trapezoid area under ``scores`` over ``fractions`` (in [0, 1] for probabilities).
    random_scores, random_auc : the same for a random attribution of the same shape (the reference).
    aopc : (N,) mean over the points of ``scores[:, 0] - scores`` (Samek et al.'s AOPC for MoRF deletion).
    """

    kind: str
    fractions: torch.Tensor
    scores: torch.Tensor
    auc: torch.Tensor
    random_scores: torch.Tensor | None
    random_auc: torch.Tensor | None
    aopc: torch.Tensor
    target_label: str
    options: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        random = None if self.random_auc is None else self.random_auc.tolist()
        return {"kind": self.kind, "target": self.target_label, "auc": self.auc.tolist(), "random_auc": random,
                "aopc": self.aopc.tolist(), "fractions": self.fractions.tolist(),
                "scores": self.scores.tolist(), "options": self.options}


def pixel_order(values: torch.Tensor, size, *, absolute: bool = False, order: str = "morf",
                seed: int = 0) -> torch.Tensor:
    """Pixel indices (N, H*W) from most to least important (``"lerf"``: the reverse); ties in a
    seeded random order (not top-left first). ``values``: (N, C, H, W) summed over channels, or
    (N, h, w) resized to ``size``."""
    saliency = reduce_map(values, size, absolute=absolute).flatten(1)
    if order == "lerf":
        saliency = -saliency
    shuffle = torch.randperm(saliency.shape[1], generator=torch.Generator().manual_seed(seed))
    ranked = torch.argsort(-saliency[:, shuffle], dim=1, stable=True)
    return shuffle[ranked]


def random_attribution(values: torch.Tensor, seed: int) -> torch.Tensor:
    """A random attribution of the same form as ``values``: Gaussian noise of its shape, drawn with
    ``seed``. Ranked like the method's map, it is per-pixel noise for (N, C, H, W) pixel methods and
    random blobs for a coarse (N, h, w) map (Grad-CAM's 7 x 7 upsampled): the reference line keeps
    the method's granularity, so a coarse map is not judged against scattered single pixels, which
    destroy a prediction much faster than any contiguous region does."""
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(values.shape, generator=generator, dtype=torch.float64)


def _scorer(model, attribution, target, x: torch.Tensor):
    """``score(images, examples) -> (k,)``: the followed class's probability (or a hidden unit's value)."""
    indices = getattr(attribution, "target", None)
    goal = None
    if target is not None:
        goal = objective(model, target, x)
    elif indices is None and hasattr(attribution, "target_label"):
        try:
            goal = objective(model, attribution.target_label, x)  # a hidden unit "layer:channel"
        except SeethroughError:
            raise SeethroughError(f"cannot tell what {attribution.target_label!r} is on {model.name}; "
                                  "pass target= (the class or unit the attribution explains)") from None
    elif indices is None:
        goal = objective(model, None, x)
    if goal is not None and goal.indices is None:
        def unit_score(inputs: torch.Tensor, examples: torch.Tensor) -> torch.Tensor:
            with torch.no_grad():
                return goal(inputs)
        return unit_score, goal.label
    indices = (goal.indices if goal is not None else indices).to(x.device).long()

    def score(inputs: torch.Tensor, examples: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            probabilities = torch.softmax(model(inputs), dim=-1)
            return probabilities.gather(1, indices[examples].view(-1, 1)).squeeze(1)
    names = sorted({model.label(int(i)) for i in indices})
    return score, names[0] if len(names) == 1 else "top-1"


def _curve(score, start: torch.Tensor, end: torch.Tensor, order: torch.Tensor, pixels_per_step: int,
           batch_size: int, bar: Progress) -> tuple[torch.Tensor, torch.Tensor]:
    """Scores (N, K) of the images where the first k * pixels_per_step pixels of ``order`` come from ``end``."""
    count, channels = start.shape[0], start.shape[1]
    pixels = start.shape[-2] * start.shape[-1]
    steps = math.ceil(pixels / pixels_per_step) + 1
    thresholds = torch.clamp(torch.arange(steps) * pixels_per_step, max=pixels).to(start.device)
    rank = torch.empty_like(order)
    rank.scatter_(1, order, torch.arange(pixels, device=order.device).expand_as(order).contiguous())
    rank = rank.to(start.device)
    flat_start, flat_end = start.flatten(2), end.flatten(2)
    scores = torch.empty(count * steps, dtype=torch.float64)
    for first in range(0, count * steps, batch_size):
        jobs = torch.arange(first, min(first + batch_size, count * steps), device=start.device)
        examples, points = jobs // steps, jobs % steps
        taken = (rank[examples] < thresholds[points, None])[:, None].expand(-1, channels, -1)
        images = torch.where(taken, flat_end[examples], flat_start[examples]).view(-1, *start.shape[1:])
        scores[first:first + len(jobs)] = score(images, examples).double().cpu()
        bar.advance(len(jobs))
    return scores.view(count, steps), thresholds.double().cpu() / pixels


def _run(kind: str, model, x: torch.Tensor, attribution, *, target, start, end, pixels_per_step: int | None,
         absolute: bool, order: str, batch_size: int, seed: int, random_reference: bool, progress: bool,
         options: dict) -> Curve:
    values = attribution if isinstance(attribution, torch.Tensor) else getattr(attribution, "values", None)
    if not isinstance(values, torch.Tensor) or values.shape[0] != x.shape[0]:
        raise SeethroughError("attribution must be an Attribution of x or a tensor with x's batch size")
    score, label = _scorer(model, attribution, target, x)
    if order not in ORDERS:
        from ..errors import unknown
        raise unknown("pixel order", order, ORDERS)
    pixels = x.shape[-2] * x.shape[-1]
    pixels_per_step = max(1, math.ceil(pixels / 50)) if pixels_per_step is None else int(pixels_per_step)
    if not 1 <= pixels_per_step <= pixels:
        raise SeethroughError(f"pixels_per_step must be between 1 and the image's {pixels} pixels, got {pixels_per_step}")
    ranking = pixel_order(values, x.shape[-2:], absolute=absolute, order=order, seed=seed)
    steps = math.ceil(pixels / pixels_per_step) + 1
    bar = Progress(x.shape[0] * steps * (2 if random_reference else 1), kind, enabled=progress)
    scores, fractions = _curve(score, start, end, ranking, pixels_per_step, batch_size, bar)
    random_scores = random_auc = None
    if random_reference:
        random_values = random_attribution(values, seed + 1)
        shuffled = pixel_order(random_values, x.shape[-2:], absolute=absolute, order=order, seed=seed)
        random_scores, _ = _curve(score, start, end, shuffled, pixels_per_step, batch_size, bar)
        random_auc = torch.trapezoid(random_scores, fractions, dim=1)
    bar.close()
    auc = torch.trapezoid(scores, fractions, dim=1)
    aopc = (scores[:, :1] - scores).mean(1)
    return Curve(kind, fractions, scores, auc, random_scores, random_auc, aopc, label,
                 {**options, "pixels_per_step": pixels_per_step, "absolute": absolute, "order": order, "seed": seed})


def deletion(model, x: torch.Tensor, attribution, *, target=None, baseline="zeros", pixels_per_step: int | None = None,
             absolute: bool = False, order: str = "morf", batch_size: int = 32, seed: int = 0,
             random_reference: bool = True, progress: bool = False) -> Curve:
    """RISE's deletion curve (Samek et al.'s pixel flipping with ``order``): pixels of ``x`` are
    replaced by the ``baseline``'s, most important first; a low AUC is a faithful explanation.

    Parameters
    ----------
    model : a :class:`seethrough.Model`.
    x : input (N, C, H, W); not modified.
    attribution : an :class:`~seethrough.Attribution` of ``x`` (its target is used) or its values,
        (N, C, H, W) (summed over channels) or (N, h, w) (resized to H x W).
    target : the class whose probability is followed, when ``attribution`` is a tensor (default top-1).
    baseline : what a removed pixel becomes: "zeros" (RISE), "black", "blur", "uniform", ... (see
        :func:`seethrough.attribution.baselines.make_baseline`) or a tensor.
    pixels_per_step : pixels changed per step (default 1/50 of the image; RISE used 224 of 224 x 224).
    absolute : rank pixels by |attribution| (default: the signed value, positive evidence first).
    order : "morf" (most relevant first) or "lerf" (least relevant first: a high AUC is then good).
    batch_size : images per model evaluation; the curve costs ``N * (H*W / pixels_per_step + 1)`` images.
    seed : ties in the ranking, the random reference, the "uniform" baseline.
    random_reference : also run a random attribution of the same shape (see :func:`random_attribution`).

    Examples
    --------
    >>> curve = st.faithfulness.deletion(model, x, st.attribute(model, x, method="saliency"))
    >>> float(curve.auc[0]), float(curve.random_auc[0])    # lower than random: faithful
    """
    from ..attribution.baselines import make_baseline
    end = make_baseline(model, x.detach(), baseline, seed=seed)
    return _run("deletion", model, x, attribution, target=target, start=x.detach(), end=end,
                pixels_per_step=pixels_per_step, absolute=absolute, order=order, batch_size=batch_size,
                seed=seed, random_reference=random_reference, progress=progress,
                options={"baseline": baseline if isinstance(baseline, (str, int, float)) else "tensor"})


def insertion(model, x: torch.Tensor, attribution, *, target=None, blur_sigma: float = 5.0,
              pixels_per_step: int | None = None, absolute: bool = False, batch_size: int = 32, seed: int = 0,
              random_reference: bool = True, progress: bool = False) -> Curve:
    """RISE's insertion curve: pixels of ``x`` are put into a Gaussian-blurred copy (sigma
    ``blur_sigma`` pixels), most important first; a high AUC is a faithful explanation.

    Parameters are those of :func:`deletion`; the curve starts at the blurred image and ends at ``x``.

    Examples
    --------
    >>> curve = st.faithfulness.insertion(model, x, st.attribute(model, x, method="gradcam"))
    """
    from ..attribution.baselines import gaussian_blur
    if blur_sigma <= 0:
        raise SeethroughError(f"blur_sigma is a width in pixels and must be positive, got {blur_sigma}")
    start = gaussian_blur(x.detach(), blur_sigma)
    return _run("insertion", model, x, attribution, target=target, start=start, end=x.detach(),
                pixels_per_step=pixels_per_step, absolute=absolute, order="morf", batch_size=batch_size,
                seed=seed, random_reference=random_reference, progress=progress, options={"blur_sigma": blur_sigma})
