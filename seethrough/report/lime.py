"""Report section: LIME (Ribeiro et al. 2016) on superpixels, with its stability across seeds.

LIME's weights come from random samples, so the section runs it with five seeds on one
segmentation and reports the top-5 superpixel overlap (Jaccard): a low overlap says "do not
read much into which superpixels were picked".
"""
from __future__ import annotations

import time

from ..lime import lime_stability
from ..render.html import escape, figure_uri, img, table
from ..render.lime_figures import lime_image_figure, stability_figure
from . import ReportContext, section

#: samples per seed and seeds (5 x 400 forward passes; ``context.extras`` may override both)
SAMPLES, SEEDS = 400, 5
#: inputs smaller than this (e.g. 28 px digits) get SLIC: quickshift finds a single superpixel there
QUICKSHIFT_MIN_SIDE = 64
#: above this probability the probability is saturated and hardly moves; the logit is explained instead
SATURATED = 0.99


@section("LIME", order=45)
def lime_section(context: ReportContext) -> str:
    samples = int(context.extras.get("lime_samples", SAMPLES))
    seeds = int(context.extras.get("lime_seeds", SEEDS))
    segmentation = "quickshift" if min(context.x.shape[-2:]) >= QUICKSHIFT_MIN_SIDE else "slic"
    probability = float(context.model.probabilities(context.x)[0, context.target])
    score = "logit" if probability > SATURATED else "probability"
    started = time.perf_counter()
    stability = lime_stability(context.model, context.x, seeds=seeds, top=5, target=context.target,
                               segmentation=segmentation, n_samples=samples, score=score,
                               progress=context.progress)
    seconds = time.perf_counter() - started
    result = stability.results[0]
    label = escape(result.target_label)
    rows = [(f"#{i}", f"{result.weights[i]:+.4f}", "for" if result.weights[i] > 0 else "against",
             f"{sum(i in r.top(5) for r in stability.results)}/{seeds}") for i in result.top(8, "absolute")]
    trust = ("stable: the same superpixels come back with other seeds" if stability.jaccard >= 0.6 else
             "unstable: other seeds pick other superpixels; read the weights with care (more samples help)")
    note = (f"<p class=note>The image is cut into {len(result.weights)} superpixels ({segmentation}); "
            f"{samples} copies with random superpixels replaced by their mean colour are scored, and a "
            f"weighted linear model of which superpixels were kept explains the {score} of '{label}' "
            f"(surrogate R\u00b2 = {result.r2:.2f}; low R\u00b2: the linear story fits poorly). Green/left: "
            f"the top 5 for the class; right: the top 5 against. Stability over seeds {stability.seeds}: "
            f"mean top-5 Jaccard {stability.jaccard:.2f}, {trust}. {seeds * samples} forward passes in "
            f"{seconds:.1f} s. <code>seethrough lime IMAGE --stability</code> does the same.</p>")
    return (img(figure_uri(lime_image_figure(result)), "LIME superpixels") + note
            + table(["superpixel", "weight", "", f"in top 5 of ({seeds} seeds)"], rows, numeric=(1,))
            + img(figure_uri(stability_figure(stability)), "LIME stability across seeds"))
