"""Report section: can the explanations be trusted? A randomization check and faithfulness per method."""
from __future__ import annotations

from ..attribution import list_methods
from ..render.html import figure_uri, img, table
from ..render.trust_figures import faithfulness_figure
from ..trust.verdict import trust_check
from . import ReportContext, section

#: the methods checked in the report: one gradient, one that Adebayo et al. found to fail, one CAM
METHODS = ("saliency", "guided_backprop", "gradcam")


@section("Can the explanations be trusted?", order=40)
def trust(context: ReportContext) -> str:
    methods = [m for m in METHODS if m in list_methods()]
    if not methods:
        return ""
    x = context.x
    pixels_per_step = max(1, x.shape[-2] * x.shape[-1] // 25)
    checks = [trust_check(context.model, x, method, target=context.target, pixels_per_step=pixels_per_step,
                          progress=context.progress) for method in methods]
    rows = [(c.method, f"{c.head_similarity['spearman_abs']:.2f} / {c.randomized_similarity['spearman_abs']:.2f}",
             f"{c.floor:.2f}", f"{c.kept:.2f}", c.randomization_verdict,
             f"{c.deletion_auc:.3f} ({c.deletion_random_auc:.3f})",
             f"{c.insertion_auc:.3f} ({c.insertion_random_auc:.3f})", c.faithfulness_verdict) for c in checks]
    figure = faithfulness_figure({c.method: c.curves for c in checks})
    note = ("<p class=note>Randomization (Adebayo et al. 2018): the model's weights are re-initialized from "
            "the logits down, on a copy; the columns give the rank correlation of |map| with the original map "
            "once the classifier head (the logits-side block) is random and once every block is, the floor "
            "(what unrelated maps "
            "reach), and the share of the similarity kept above the floor. An explanation of the model must "
            "change; one that stays is showing the input, not the model. Faithfulness (Petsiuk et al. 2018): "
            "the probability of the class as the most important pixels are deleted (lower area is better) or "
            "inserted into a blurred copy (higher is better), against a random map of the same shape.</p>")
    header = ["method", "rank corr. head / all random", "floor", "kept", "randomization",
              "deletion AUC (random)", "insertion AUC (random)", "faithfulness"]
    return note + table(header, rows, numeric=(1, 2, 3, 5, 6)) + img(figure_uri(figure), "deletion and insertion curves")
