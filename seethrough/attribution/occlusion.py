"""Occlusion: slide a square of baseline over the input and record how much the score drops.

Zeiler & Fergus (2014), "Visualizing and understanding convolutional networks", ECCV,
arXiv:1311.2901, Sec. 4.2 (the grey square over the Pomeranian's face, the drop in the class
probability and in the strongest feature map of layer 5).

Windows start at 0, stride, 2 stride, ... as long as the previous window did not reach the edge;
the last one in each direction may hang over the edge and is clipped there (so every pixel is
occluded at least once). A window covers every channel. The value of a pixel is the mean score
drop over the windows that cover it: the definition of Captum's ``Occlusion`` with a window
(C, h, w) and strides (C, s, s), so the two agree to rounding.

Cost: one forward pass per window and example (plus one for the unoccluded input), in batches of
a size that is fast per image on a CPU; the occluded inputs are built with one ``torch.where``
per batch, so the run time is the forward passes' time.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ..errors import SeethroughError
from ..progress import Progress
from ..targets import Unit, objective
from .base import Attribution, register
from .baselines import make_baseline

#: inputs per forward pass for a 224 x 224 input. benchmarks/perturbation_occlusion.py measures the
#: per-image forward time by batch size: on 2 CPU cores, EfficientNet-Lite0, batches of 2-8 are the
#: fastest per image, 32-64 are slower. Smaller inputs get proportionally larger batches (a 28 x 28
#: digit: 256), where the per-call overhead dominates. A fixed number, not timed at run time, so the
#: same input gives the same bytes.
DEFAULT_BATCH = 4
MAX_BATCH = 256
SCORES = ("logit", "probability")
SUMMARIES = ("mean", "max")


@dataclass
class OcclusionAttribution(Attribution):
    """An :class:`Attribution` with the window-grid maps.

    Attributes
    ----------
    values : (N, C, H, W) at input resolution, equal across channels: each pixel the mean score
        drop over the windows covering it.
    grid : (N, gh, gw) the score drop ``f(x) - f(x occluded by window (i, j))``, one per window.
    percent : (N, gh, gw) the same drop as a percentage of ``|f(x)|`` (positive: the score fell).
    starts : ((gh,) row starts, (gw,) column starts) of the windows, in input pixels.
    """

    grid: torch.Tensor | None = None
    percent: torch.Tensor | None = None
    starts: tuple[list[int], list[int]] | None = None

    def to_dict(self) -> dict:
        summary = super().to_dict()
        summary["grid_shape"] = list(self.grid.shape[1:]) if self.grid is not None else None
        return summary


def _pair(value, name: str) -> tuple[int, int]:
    items = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(items) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in items):
        raise SeethroughError(f"{name} is a whole number of pixels or a (height, width) pair, got {value!r}")
    if min(items) < 1:
        raise SeethroughError(f"{name} must be at least 1 pixel, got {value!r}")
    return items


def window_starts(size: int, window: int, stride: int, axis: str) -> list[int]:
    """The start of every window along an axis of ``size`` pixels (as Captum's Occlusion)."""
    if window > size:
        raise SeethroughError(f"the window ({window} px) is larger than the input's {axis} ({size} px); "
                              f"use a window of at most {size}")
    if stride > window and window < size:
        raise SeethroughError(f"a stride of {stride} px with a {window} px window leaves pixels never occluded; "
                              f"use a stride of at most {window}")
    count = math.ceil((size - window) / stride) + 1
    return [k * stride for k in range(count)]


def default_batch(height: int, width: int) -> int:
    """:data:`DEFAULT_BATCH` scaled for the input's area, up to :data:`MAX_BATCH`."""
    return int(min(MAX_BATCH, max(DEFAULT_BATCH, DEFAULT_BATCH * (224 * 224) // max(height * width, 1))))


def _scorer(model, goal, score: str, summary: str):
    """``(output of goal.forward, example index of each row) -> (rows,)``."""
    unit: Unit | None = goal.unit
    if unit is not None:
        if score != "logit":
            raise SeethroughError(f"score={score!r} applies to class targets; "
                                  "a hidden unit's activation is scored as is")
        if summary == "max":
            if unit.y is not None:
                raise SeethroughError(f"summary='max' summarizes a whole feature map; {unit} is one activation "
                                      f"(write {unit.layer}:{unit.channel} for the map)")
            return lambda output, _rows: (output[:, unit.channel].flatten(1).amax(1) if output.dim() > 2
                                          else output[:, unit.channel])  # a linear layer's unit is one number
        return lambda output, _rows: goal.score(output)
    if summary != "mean":
        raise SeethroughError(f"summary={summary!r} applies to hidden-unit targets LAYER:CHANNEL")
    if goal.indices is None:  # a callable target
        if score != "logit":
            raise SeethroughError("score='probability' applies to class targets, not to a callable target")
        return lambda output, _rows: goal.score(output)
    indices = goal.indices

    def pick(output, rows):
        output = torch.softmax(output, dim=-1) if score == "probability" else output
        return output.gather(1, indices.to(output.device)[rows].view(-1, 1)).squeeze(1)
    return pick


def _to_pixels(grid: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor) -> torch.Tensor:
    """(N, gh, gw) per-window drops -> (N, H, W) the mean over the windows covering each pixel."""
    rows, cols = rows.to(grid.dtype), cols.to(grid.dtype)
    total = torch.einsum("ih,nij,jw->nhw", rows, grid, cols)
    counts = rows.sum(0)[:, None] * cols.sum(0)[None, :]
    return total / counts


@register("occlusion")
def occlusion(model, x: torch.Tensor, *, target=None, window=16, stride=None, baseline="zeros",
              score: str = "logit", summary: str = "mean", batch_size: int | None = None, seed: int = 0,
              progress: bool = False) -> OcclusionAttribution:
    """The drop in the target's score when each window of the input is replaced by the baseline.

    Parameters
    ----------
    model : a :class:`seethrough.Model`.
    x : input (N, C, H, W); not modified. Any height and width.
    target : class name or index, None for each example's top-1 class, a hidden unit
        ``"layer:channel"`` (its feature map summarized by ``summary``; the forward pass stops at
        the layer) or ``"layer:channel:y:x"``, or a callable logits -> (N,).
    window : side of the occluding square in pixels (from 1), or (height, width).
    stride : step between windows in pixels, at most the window; or (height, width). Default half
        the window (at least 1 px): 8 for the window of 16.
    baseline : what fills the window: "zeros", "black", "white", "mean" (the image's mean colour),
        "blur" (the blurred image), "uniform" (noise drawn with ``seed``), a number or a tensor
        (see :func:`seethrough.attribution.baselines.make_baseline`).
    score : "logit" or "probability" (softmax), for class targets.
    summary : "mean" or "max" over the feature map, for a hidden unit ``layer:channel``.
    batch_size : occluded inputs per forward pass; default :func:`default_batch`.
    seed : for the "uniform" baseline.
    progress : show a progress bar on stderr.

    Returns
    -------
    OcclusionAttribution with ``values`` (N, C, H, W), ``grid`` and ``percent`` (N, gh, gw);
    ``certificates``: ``base_score`` f(x) per example, ``grid_shape``, ``evaluations`` (forward
    passes per example), ``max_percent_decrease`` per example (None where f(x) = 0: ``percent`` is NaN).

    Examples
    --------
    >>> result = st.occlusion(model, x, window=16, stride=8, baseline="blur", score="probability")
    >>> result.values.shape, result.grid.shape
    (torch.Size([1, 3, 224, 224]), torch.Size([1, 27, 27]))
    """
    if x.dim() != 4:
        raise SeethroughError(f"occlusion takes a batch of images (N, C, H, W); got shape {tuple(x.shape)}")
    if score not in SCORES:
        from ..errors import unknown
        raise unknown("score", score, SCORES)
    if summary not in SUMMARIES:
        from ..errors import unknown
        raise unknown("summary", summary, SUMMARIES)
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1):
        raise SeethroughError(f"batch_size must be a positive whole number, got {batch_size!r}")
    window_h, window_w = _pair(window, "window")
    if stride is None:
        stride = (max(1, window_h // 2), max(1, window_w // 2))
    stride_h, stride_w = _pair(stride, "stride")
    n, _, height, width = x.shape
    starts_y = window_starts(height, window_h, stride_h, "height")
    starts_x = window_starts(width, window_w, stride_w, "width")
    x = x.detach()
    goal = objective(model, target, x)
    pick = _scorer(model, goal, score, summary)
    reference = make_baseline(model, x, baseline, seed=seed).detach()
    pixels_y = torch.arange(height, device=x.device)
    pixels_x = torch.arange(width, device=x.device)
    y0 = torch.tensor(starts_y, device=x.device)[:, None]
    x0 = torch.tensor(starts_x, device=x.device)[:, None]
    rows = (pixels_y >= y0) & (pixels_y < y0 + window_h)  # (gh, H): window i covers row h
    cols = (pixels_x >= x0) & (pixels_x < x0 + window_w)  # (gw, W)
    grid_w, windows = len(starts_x), len(starts_y) * len(starts_x)
    per_pass = batch_size or default_batch(height, width)
    total = n * windows
    bar = Progress(total, "occlusion", enabled=progress)
    try:
        with torch.inference_mode():
            output = goal.forward(x)
            if goal.unit is not None:
                goal.score(output)  # a channel out of range fails here, with its range
            base = pick(output, torch.arange(n, device=x.device))
            scores = torch.empty(total, dtype=base.dtype, device=x.device)
            for start in range(0, total, per_pass):
                flat = torch.arange(start, min(start + per_pass, total), device=x.device)
                example, where = flat // windows, flat % windows
                covered = rows[where // grid_w][:, None, :, None] & cols[where % grid_w][:, None, None, :]
                occluded = torch.where(covered, reference[example], x[example])
                scores[start:start + len(flat)] = pick(goal.forward(occluded), example)
                bar.advance(len(flat))
    finally:
        bar.close()
    base, scores = base.clone(), scores.clone()  # ordinary tensors, usable outside inference mode
    grid = (base[:, None] - scores.view(n, windows)).view(n, len(starts_y), grid_w).to(x.dtype)
    # percent of |f(x)|; undefined (NaN) where the unoccluded score is 0, e.g. a silent ReLU unit
    percent = 100 * grid / base.abs().to(x.dtype).where(base != 0, torch.nan)[:, None, None]
    values = _to_pixels(grid, rows, cols)[:, None].expand_as(x).clone()
    options = {"window": [window_h, window_w], "stride": [stride_h, stride_w],
               "baseline": baseline if isinstance(baseline, (str, int, float)) else "tensor",
               "score": score, "summary": summary, "batch_size": per_pass, "seed": seed}
    certificates = {"base_score": base.tolist(), "grid_shape": [len(starts_y), grid_w],
                    "evaluations": windows + 1,
                    "max_percent_decrease": [None if b == 0 else float(p) for b, p in
                                             zip(base.tolist(), percent.flatten(1).amax(1))]}
    return OcclusionAttribution(values=values, method="occlusion", target=goal.indices, target_label=goal.label,
                                options=options, certificates=certificates, grid=grid, percent=percent,
                                starts=(starts_y, starts_x))
