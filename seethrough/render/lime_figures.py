"""Pictures of LIME results: image evidence, stability across seeds, text highlights, table bars."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from .html import STYLE, escape


def _boundaries(pixels: np.ndarray, segments: np.ndarray) -> np.ndarray:
    from skimage.segmentation import mark_boundaries
    return np.clip(mark_boundaries(pixels, segments, color=(1, 1, 0)), 0, 1)


def lime_image_figure(result, *, top: int = 5) -> Figure:
    """Four panels: the image, its superpixels, the top positive and the top negative evidence."""
    positive, negative = result.top(top, "positive"), result.top(top, "negative")
    value = "logit" if result.options.get("score") == "logit" else "p"
    panels = [(result.pixels, f"{result.target_label[:28]}\n{value} = {result.score:.3f}"),
              (_boundaries(result.pixels, result.segments),
               f"{len(result.weights)} superpixels ({result.options.get('segmentation')})"),
              (result.evidence(top, "positive"), f"for: top {len(positive)} superpixels"),
              (result.evidence(top, "negative"), f"against: top {len(negative)} superpixels")]
    figure = Figure(figsize=(11, 3.4))
    for number, (image, title) in enumerate(panels):
        axes = figure.add_subplot(1, 4, number + 1)
        axes.imshow(image)
        axes.set_title(title, fontsize=9)
        axes.axis("off")
    options = result.options
    figure.suptitle(f"LIME: {options.get('n_samples')} samples, hide={options.get('hide')}, "
                    f"seed {options.get('seed')}; surrogate R\u00b2 = {result.r2:.2f}", fontsize=10)
    figure.tight_layout()
    return figure


def stability_figure(stability) -> Figure:
    """The top-k positive superpixels of each seed's run, and the pairwise Jaccard overlaps."""
    count = len(stability.results)
    figure = Figure(figsize=(2.3 * (count + 1.4), 2.9))
    for number, result in enumerate(stability.results):
        axes = figure.add_subplot(1, count + 1, number + 1)
        axes.imshow(result.evidence(stability.top, "positive"))
        axes.set_title(f"seed {stability.seeds[number]}\n{sorted(result.top(stability.top))}", fontsize=7.5)
        axes.axis("off")
    axes = figure.add_subplot(1, count + 1, count + 1)
    shown = axes.imshow(stability.overlaps, vmin=0, vmax=1, cmap="viridis")
    axes.set_xticks(range(count), stability.seeds, fontsize=7)
    axes.set_yticks(range(count), stability.seeds, fontsize=7)
    axes.set_title("Jaccard", fontsize=8)
    figure.colorbar(shown, ax=axes, fraction=0.046)
    figure.suptitle(f"Stability: top-{stability.top} superpixel overlap across {count} seeds, "
                    f"mean Jaccard {stability.jaccard:.2f}", fontsize=10)
    figure.tight_layout()
    return figure


def _colour(weight: float, scale: float) -> str:
    strength = min(abs(weight) / scale, 1.0) if scale > 0 else 0.0
    hue = "0, 128, 0" if weight > 0 else "200, 0, 0"
    return f"rgba({hue}, {0.08 + 0.62 * strength:.2f})" if strength > 0.02 else "transparent"


def lime_text_html(result, *, bars: int = 15, title: str = "LIME on text") -> str:
    """A standalone HTML page: the text with words shaded by weight (green for, red against the
    target) and a bar list of the strongest words."""
    scale = float(np.abs(result.weights).max()) if len(result.weights) else 1.0
    spans = []
    for token, word in zip(result.tokens, result.token_words):
        if word < 0:
            spans.append(escape(token))
        else:
            weight = float(result.weights[word])
            spans.append(f'<span style="background:{_colour(weight, scale)}" title="{weight:+.4f}">'
                         f'{escape(token)}</span>')
    rows = []
    for word, weight in result.ranked()[:bars]:
        width = 100 * abs(weight) / scale if scale > 0 else 0
        colour = "#2a8a2a" if weight > 0 else "#c03030"
        rows.append(f"<tr><td>{escape(word)}</td><td class=num>{weight:+.4f}</td><td style='width:320px'>"
                    f"<div style='background:{colour};height:.9em;width:{width:.1f}%'></div></td></tr>")
    probs = ", ".join(f"{escape(n)} {p:.1%}" for n, p in zip(result.class_names, result.probabilities))
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"<style>{STYLE}</style></head><body><h1>{escape(title)}</h1>"
            f"<p class=note>Explained class: <b>{escape(result.target_label)}</b>; model: {probs}. "
            f"Green words push towards it, red away. {result.options.get('n_samples')} samples, "
            f"surrogate R\u00b2 = {result.r2:.2f}.</p>"
            f"<p style='font-size:1.15em;line-height:1.8'>{''.join(spans)}</p>"
            f"<table><tr><th>word</th><th>weight</th><th></th></tr>{''.join(rows)}</table></body></html>")


def lime_tabular_figure(result, *, count: int = 10) -> Figure:
    """Horizontal bars: the ``count`` strongest feature conditions, green for, red against."""
    ranked = result.ranked(count)[::-1]
    figure = Figure(figsize=(8, 0.42 * len(ranked) + 1.3))
    axes = figure.add_subplot(1, 1, 1)
    weights = [w for _, w in ranked]
    axes.barh(range(len(ranked)), weights, color=["#2a8a2a" if w > 0 else "#c03030" for w in weights])
    axes.set_yticks(range(len(ranked)), [c for c, _ in ranked], fontsize=8)
    axes.axvline(0, color="#555", linewidth=0.8)
    probs = ", ".join(f"{n} {p:.0%}" for n, p in zip(result.class_names, result.probabilities))
    axes.set_title(f"LIME: why '{result.target_label}' ({probs}); R\u00b2 = {result.r2:.2f}", fontsize=9)
    axes.set_xlabel("weight in the local linear model", fontsize=8)
    figure.tight_layout()
    return figure
