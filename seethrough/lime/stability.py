"""Is a LIME explanation stable? Run it with several seeds and compare the top superpixels.

LIME's weights come from random samples; with too few samples for the number of superpixels,
another seed picks other superpixels. The mean pairwise Jaccard overlap of the top-k sets
across seeds (1: always the same, 0: disjoint) says how far to trust one run. See Alvarez-Melis
& Jaakkola, "On the Robustness of Interpretability Methods", 2018; Visani et al., "Statistical
stability indices for LIME", 2020.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

from ..errors import SeethroughError
from .image import LimeImageResult, lime_image


def jaccard(first, second) -> float:
    """|A & B| / |A | B| of two sets (1.0 for two empty sets)."""
    first, second = set(first), set(second)
    union = first | second
    return len(first & second) / len(union) if union else 1.0


@dataclass
class Stability:
    """LIME across seeds: ``results[i]`` ran with ``seeds[i]``; ``overlaps`` (S, S) pairwise Jaccard
    of the top-``top`` superpixels (by positive weight); ``jaccard`` their mean over pairs."""

    results: list[LimeImageResult]
    seeds: list[int]
    top: int
    overlaps: np.ndarray
    jaccard: float

    def to_dict(self) -> dict:
        return {"seeds": self.seeds, "top": self.top, "jaccard": self.jaccard,
                "top_sets": [r.top(self.top, "positive") for r in self.results],
                "overlaps": self.overlaps.round(4).tolist()}


def stability_of(results: list[LimeImageResult], *, top: int = 5) -> Stability:
    """The :class:`Stability` of LIME results already computed with different seeds (same segments)."""
    if len(results) < 2:
        raise SeethroughError("stability needs at least two LIME runs (two seeds)")
    sets = [r.top(top, "positive") for r in results]
    overlaps = np.ones((len(sets), len(sets)))
    for i, j in combinations(range(len(sets)), 2):
        overlaps[i, j] = overlaps[j, i] = jaccard(sets[i], sets[j])
    mean = float(np.mean([overlaps[i, j] for i, j in combinations(range(len(sets)), 2)]))
    return Stability(list(results), [int(r.options.get("seed", -1)) for r in results], top, overlaps, mean)


def lime_stability(model, image_or_x, *, seeds: int = 5, top: int = 5, first_seed: int = 0,
                   **options) -> Stability:
    """Run :func:`~seethrough.lime.lime_image` with ``seeds`` seeds (``first_seed``, +1, ...) on one
    segmentation and measure the top-``top`` superpixel overlap.

    ``options`` go to ``lime_image`` (target, segmentation, hide, n_samples, ...). The segmentation
    is computed once, so the superpixels are the same in every run; only the samples differ.
    Costs ``seeds * n_samples`` model evaluations.
    """
    if seeds < 2:
        raise SeethroughError(f"stability needs at least 2 seeds, got {seeds}")
    first = lime_image(model, image_or_x, seed=first_seed, **options)
    rest = {k: v for k, v in options.items() if k not in ("segments", "target")}
    results = [first] + [lime_image(model, image_or_x, seed=first_seed + i, segments=first.segments,
                                    target=first.target, **rest) for i in range(1, seeds)]
    for result in results[1:]:
        result.options["segmentation"] = first.options["segmentation"]
    return stability_of(results, top=top)
