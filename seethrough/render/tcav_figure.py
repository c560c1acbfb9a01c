"""The TCAV bar chart, as in Kim et al. (2018), figure 4: per layer, one bar per concept.

Bar height is the mean TCAV score over the random counterpart sets, the error bar its standard
deviation; a dashed line marks the random-vs-random mean. Concepts that fail the significance test
are drawn hatched and pale and marked "n.s.", so no score is read without its test.
"""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")


def _p_text(p_value: float) -> str:
    return "p<1e-3" if p_value < 1e-3 else f"p={p_value:.1g}"


def tcav_figure(result, *, title: str | None = None) -> Figure:
    """A :class:`~seethrough.concepts.TCAVResult` -> a bar chart (layers on x, one bar per concept)."""
    layers, concepts = result.layers, result.concepts
    width = 0.8 / max(1, len(concepts))
    figure = Figure(figsize=(max(5.0, 1.1 + len(layers) * (0.5 + 0.42 * len(concepts))), 3.9))
    axes = figure.add_subplot(1, 1, 1)
    for number, concept in enumerate(concepts):
        colour = _COLOURS[number % len(_COLOURS)]
        for position, layer in enumerate(layers):
            score = result.get(concept, layer)
            x = position - 0.4 + width * (number + 0.5)
            axes.bar(x, score.mean, width * 0.92, yerr=score.std, capsize=3,
                     color=colour if score.significant else "white", alpha=1.0 if score.significant else 0.6,
                     edgecolor=colour, hatch=None if score.significant else "///", linewidth=1.2,
                     label=concept if position == 0 else None, error_kw={"elinewidth": 1, "ecolor": "#333"})
            note = _p_text(score.p_adjusted) if score.significant else "n.s."
            axes.text(x, min(1.04, score.mean + score.std + 0.02), note, ha="center", va="bottom", fontsize=6.5,
                      rotation=90 if len(concepts) > 3 else 0)
    for position, layer in enumerate(layers):
        baseline = float(np.mean(result.random_scores[layer]))
        axes.hlines(baseline, position - 0.42, position + 0.42, colors="#555", linestyles="--", linewidth=1,
                    label="random vs random" if position == 0 else None)
    axes.set_xticks(range(len(layers)), layers, fontsize=8)
    axes.set_ylim(0, 1.15)
    axes.set_ylabel("TCAV score")
    axes.set_xlim(-0.5, len(layers) - 0.5)
    tests = result.scores[0].significance.tests if result.scores else 1
    alpha = result.options.get("alpha", 0.05)
    axes.set_title(title or f"TCAV for '{result.target_label}' (hatched: not significant, "
                            f"alpha {alpha:g}, Bonferroni x{tests})", fontsize=9)
    axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    figure.tight_layout()
    return figure
