"""Attributions as pictures: one map per example, percentile clipping, colormaps and overlays.

Every function here is pure: arrays in, RGB arrays (H, W, 3) in [0, 1] out. Two styles:

- ``signed``: channels summed, a diverging colormap centred at 0 (red positive, blue negative,
  white zero), clipped symmetrically at a percentile of |values|;
- ``absolute``: max |value| over channels, a sequential heat map from 0 up to the clip level.

Maps smaller than the image (CAM, Grad-CAM: (h, w)) are upsampled bilinearly to the image size.
Clipping at the 99.5th percentile keeps a few extreme pixels from washing out the rest (as in
Smilkov et al. 2017, "SmoothGrad", Sec. 3, and Captum's ``visualize_image_attr``).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from matplotlib import colormaps

SIGNED_CMAP = "RdBu_r"
ABSOLUTE_CMAP = "inferno"
# Methods whose maps are read as magnitudes even though their values have a sign (the papers
# show |values|): the sign of a guided-backprop or SmoothGrad pixel is not evidence for or against.
MAGNITUDE_METHODS = frozenset({"saliency", "smoothgrad", "guided_backprop", "deconvnet", "guided_gradcam"})
# Methods whose values are also drawn as an image, 0 at mid-grey, as their papers show them.
GRADIENT_IMAGE_METHODS = frozenset({"guided_backprop", "deconvnet", "guided_gradcam"})
# Row order of the comparison table: the order the lectures introduce the methods.
LECTURE_ORDER = ("saliency", "input_x_gradient", "smoothgrad", "integrated_gradients", "guided_backprop",
                 "deconvnet", "lrp", "deeplift", "cam", "gradcam", "guided_gradcam")


def as_numpy(values) -> np.ndarray:
    """A tensor or array -> a float64 numpy array (detached, on the CPU)."""
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().double().numpy()
    return np.asarray(values, dtype=np.float64)


def as_rgb(image) -> np.ndarray:
    """An image (H, W), (H, W, 1) or (H, W, 3), uint8 or float in [0, 1] -> float (H, W, 3) in [0, 1]."""
    array = np.asarray(image)
    scale = 255.0 if array.dtype == np.uint8 else 1.0
    array = array.astype(np.float64) / scale
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3 or array.shape[2] not in (1, 3, 4):
        raise ValueError(f"an image is (H, W), (H, W, 1) or (H, W, 3), got shape {array.shape}")
    array = array[..., :3]
    return np.clip(np.repeat(array, 3, axis=2) if array.shape[2] == 1 else array, 0.0, 1.0)


def style_for(method: str, values) -> str:
    """"absolute" for non-negative values and for :data:`MAGNITUDE_METHODS`, else "signed"."""
    if method in MAGNITUDE_METHODS or float(as_numpy(values).min(initial=0.0)) >= 0.0:
        return "absolute"
    return "signed"


def reduce_channels(values, reduction: str = "sum") -> np.ndarray:
    """One example's values (C, H, W) -> (H, W): ``sum`` (signed), ``max_abs`` or ``abs_sum``.

    A map that is already (H, W) is returned as it is.
    """
    values = as_numpy(values)
    if values.ndim == 2:
        return values
    if values.ndim != 3:
        raise ValueError(f"one example's attribution is (C, H, W) or (H, W), got shape {values.shape}")
    if reduction == "sum":
        return values.sum(axis=0)
    if reduction == "max_abs":
        return np.abs(values).max(axis=0)
    if reduction == "abs_sum":
        return np.abs(values).sum(axis=0)
    raise ValueError(f"unknown reduction {reduction!r}; use 'sum', 'max_abs' or 'abs_sum'")


def resize_map(values: np.ndarray, size: Sequence[int]) -> np.ndarray:
    """A map (h, w) -> (H, W) by bilinear interpolation (pixel centres aligned, as Grad-CAM does)."""
    height, width = int(size[0]), int(size[1])
    if values.shape == (height, width):
        return values
    grid = torch.as_tensor(values, dtype=torch.float64)[None, None]
    return torch.nn.functional.interpolate(grid, size=(height, width), mode="bilinear",
                                           align_corners=False)[0, 0].numpy()


def attribution_map(values, style: str, size: Sequence[int] | None = None) -> np.ndarray:
    """One example's values (C, H, W) or (h, w) -> the (H, W) map drawn in ``style``.

    ``signed`` sums the channels; ``absolute`` takes the max of |value| over channels (Simonyan
    et al. 2014, Sec. 3.1). ``size`` upsamples a coarse map to the image's (H, W).
    """
    if style not in ("signed", "absolute"):
        raise ValueError(f"unknown style {style!r}; use 'signed' or 'absolute'")
    values = as_numpy(values)
    if values.ndim == 2:
        reduced = values if style == "signed" else np.abs(values)
    else:
        reduced = reduce_channels(values, "sum" if style == "signed" else "max_abs")
    return resize_map(reduced, size) if size is not None else reduced


def clip_level(values: np.ndarray, percentile: float = 99.5) -> float:
    """The ``percentile``-th percentile of |values|; a positive number even for an all-zero map."""
    if not 0 < percentile <= 100:
        raise ValueError(f"percentile must be in (0, 100], got {percentile}")
    magnitudes = np.abs(as_numpy(values))
    level = float(np.percentile(magnitudes, percentile)) if magnitudes.size else 0.0
    if level <= 0:
        level = float(magnitudes.max(initial=0.0))
    return level if level > 0 else 1.0


def scaled(values: np.ndarray, style: str, clip: float) -> np.ndarray:
    """A map -> colormap positions in [0, 1]: 0 is at 0.5 for ``signed``, at 0 for ``absolute``."""
    ratio = np.clip(as_numpy(values) / clip, -1.0, 1.0)
    return (ratio + 1.0) / 2.0 if style == "signed" else np.abs(ratio)


def colorize(values: np.ndarray, style: str, clip: float, cmap: str | None = None) -> np.ndarray:
    """A map (H, W) -> RGB (H, W, 3): diverging colormap centred at 0, or a heat map from 0 to ``clip``."""
    cmap = cmap or (SIGNED_CMAP if style == "signed" else ABSOLUTE_CMAP)
    return colormaps[cmap](scaled(values, style, clip))[..., :3]


def greyed(image, contrast: float = 0.45) -> np.ndarray:
    """The image in grey, contrast reduced around mid-grey, so that colours drawn over it stand out."""
    rgb = as_rgb(image)
    luminance = rgb @ np.array([0.299, 0.587, 0.114])
    grey = 0.5 + contrast * (luminance - 0.5)
    return np.repeat(grey[..., None], 3, axis=2)


def overlay(image, values: np.ndarray, style: str, clip: float, *, alpha: float = 0.85,
            cmap: str | None = None) -> np.ndarray:
    """The map's colours over the greyed image, opaque where |value| is large and clear where it is 0.

    Per-pixel opacity is ``alpha * |value| / clip`` (clipped to ``alpha``), so that weak evidence
    shows the image and strong evidence shows the colour of its sign (or its heat).
    """
    base = greyed(image)
    if base.shape[:2] != values.shape:
        raise ValueError(f"the map {values.shape} and the image {base.shape[:2]} differ in size")
    weight = alpha * np.clip(np.abs(as_numpy(values)) / clip, 0.0, 1.0)[..., None]
    colours = colorize(values, style, clip, cmap)
    if style == "absolute":  # a sequential map: take the colour of the top of the scale's range
        colours = colormaps[cmap or ABSOLUTE_CMAP](0.35 + 0.6 * scaled(values, style, clip))[..., :3]
    return np.clip((1 - weight) * base + weight * colours, 0.0, 1.0)


def gradient_image(values, clip: float | None = None, percentile: float = 99.5) -> np.ndarray:
    """One example's values (C, H, W) drawn as an image, 0 at mid-grey: 0.5 + 0.5 * values / clip.

    The way guided backprop and deconvnet are shown in Springenberg et al. (2015) and Zeiler &
    Fergus (2014); a 1-channel input gives a grey image.
    """
    values = as_numpy(values)
    if values.ndim != 3:
        raise ValueError(f"a gradient image needs (C, H, W) values, got shape {values.shape}")
    clip = clip or clip_level(values, percentile)
    return as_rgb(np.clip(0.5 + 0.5 * values.transpose(1, 2, 0) / clip, 0.0, 1.0))


def panels(image, values, method: str, *, style: str | None = None, percentile: float = 99.5):
    """The two pictures of one example's attribution: (map RGB, overlay RGB, style, clip level).

    ``values`` is (C, H, W) or a coarse (h, w) map, upsampled to the image size.
    """
    rgb = as_rgb(image)
    style = style or style_for(method, values)
    heat = attribution_map(values, style, rgb.shape[:2])
    clip = clip_level(heat, percentile)
    return colorize(heat, style, clip), overlay(rgb, heat, style, clip), style, clip


# ----- figures ------------------------------------------------------------------------------

def certificate_text(certificates: dict, example: int = 0) -> str:
    """What a result certifies, in one or two short lines (completeness gaps, steps, logits)."""
    def first(key):
        value = certificates.get(key)
        return value[example] if isinstance(value, (list, tuple)) else value

    lines = []
    if "delta" in certificates:
        lines.append(f"sum {first('sum'):.3g} vs f(x)-f(x0) {first('delta'):.3g}")
        lines.append(f"gap {first('relative_gap'):.2%}" + (f", {first('n_steps')} steps" if "n_steps" in certificates else ""))
    elif "sum" in certificates and "score" in certificates:
        lines.append(f"sum {first('sum'):.3g} vs score {first('score'):.3g}")
    elif "logit_from_map" in certificates:
        lines.append(f"mean(map)+bias {first('logit_from_map'):.4g} = logit {first('logit'):.4g}")
    if "layer" in certificates or "gradcam_layer" in certificates:
        lines.append(f"layer {certificates.get('layer') or certificates.get('gradcam_layer')}")
    return "\n".join(lines)


def _text_cell(axes, heading: str, text: str = "", *, size: float = 8.0, colour: str = "#222") -> None:
    """A table cell of text: ``heading`` in bold, ``text`` under it."""
    axes.axis("off")
    axes.text(0.0, 0.92, heading, fontsize=size + 1.5, weight="bold", va="top", ha="left", transform=axes.transAxes)
    axes.text(0.0, 0.74, text, fontsize=size, color=colour, va="top", ha="left", transform=axes.transAxes,
              linespacing=1.4)


def comparison_figure(image, rows: Sequence[tuple[str, object]], *, title: str = "", example: int = 0,
                      percentile: float = 99.5, size: float = 1.9):
    """The lectures' comparison table: one row per method, columns: name and certificate, map, overlay.

    ``rows`` are (method name, :class:`~seethrough.attribution.Attribution` or the reason it could
    not run as a string); a failed method is a row that says why. Returns a matplotlib ``Figure``.
    """
    import textwrap

    from matplotlib.figure import Figure
    rgb = as_rgb(image)
    figure = Figure(figsize=(size * 3.3, size * (len(rows) + 1) + 0.4))
    grid = figure.add_gridspec(len(rows) + 1, 3, width_ratios=[1.3, 1, 1], wspace=0.04, hspace=0.08)
    _text_cell(figure.add_subplot(grid[0, 0]), "\n".join(textwrap.wrap(title, 28)))
    for column, (picture, caption) in enumerate([(rgb, "input  |  map"), (greyed(rgb), "greyed input  |  overlay")], 1):
        axes = figure.add_subplot(grid[0, column])
        axes.imshow(picture, vmin=0, vmax=1)
        axes.set_title(caption, fontsize=8)
        axes.axis("off")
    for number, (name, result) in enumerate(rows, 1):
        if isinstance(result, str):
            _text_cell(figure.add_subplot(grid[number, 0]), name, "not available")
            _text_cell(figure.add_subplot(grid[number, 1:]), "", textwrap.fill(result, 62), size=7.5, colour="#8a1c1c")
            continue
        heat, over, style, clip = panels(rgb, result.values[example], name, percentile=percentile)
        scale = f"{style}, clip {'±' if style == 'signed' else ''}{clip:.2g}"
        note = certificate_text(result.certificates, example)
        _text_cell(figure.add_subplot(grid[number, 0]), name, f"{scale}\n{note}", size=7.5)
        for column, picture in enumerate((heat, over), 1):
            axes = figure.add_subplot(grid[number, column])
            axes.imshow(picture, vmin=0, vmax=1, interpolation="nearest")
            axes.axis("off")
    return figure


def explanation_figure(image, attribution, *, title: str = "", example: int = 0, percentile: float = 99.5,
                       size: float = 3.2):
    """One method on one example: input, map with its colour scale, overlay, and for the methods of
    :data:`GRADIENT_IMAGE_METHODS` the values drawn as an image. Returns a ``Figure``."""
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure
    rgb = as_rgb(image)
    values = attribution.values[example]
    heat, over, style, clip = panels(rgb, values, attribution.method, percentile=percentile)
    pictures = [(rgb, "input"), (heat, f"{style} map, clipped at {percentile:g}th pct."), (over, "overlay")]
    if attribution.method in GRADIENT_IMAGE_METHODS and values.dim() == 3:
        pictures.append((gradient_image(values, percentile=percentile), "as an image (0 = grey)"))
    figure = Figure(figsize=(size * len(pictures) + 0.6, size + 0.9))
    grid = figure.add_gridspec(1, len(pictures), wspace=0.22)
    for column, (picture, caption) in enumerate(pictures):
        axes = figure.add_subplot(grid[0, column])
        axes.imshow(picture, vmin=0, vmax=1, interpolation="nearest")
        axes.set_title(caption, fontsize=9)
        axes.axis("off")
        if column == 1:
            low = -clip if style == "signed" else 0.0
            cmap = colormaps[SIGNED_CMAP if style == "signed" else ABSOLUTE_CMAP]
            bar = figure.colorbar(ScalarMappable(Normalize(low, clip), cmap), ax=axes, fraction=0.046, pad=0.02)
            ticks = [low, 0.0, clip] if style == "signed" else [0.0, clip]
            bar.set_ticks(ticks, labels=[f"{t:.2g}" for t in ticks])
            bar.ax.tick_params(labelsize=7)
    note = certificate_text(attribution.certificates, example).replace("\n", "; ")
    figure.suptitle(title + (f"\n{note}" if note else ""), fontsize=10)
    return figure
