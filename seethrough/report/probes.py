"""Report section: the behaviour probes (cover parts, shape only, texture only)."""
from __future__ import annotations

from ..probes import Box, probe
from ..render.figures import probe_figure
from ..render.html import escape, figure_uri, img, table
from . import ReportContext, section


@section("Behaviour probes", order=20)
def probes(context: ReportContext) -> str:
    box = Box(*context.texture_box) if context.texture_box else None
    results = probe(context.model, context.image, mask=context.mask, texture_box=box, target=context.target)
    label = context.model.label(context.target)
    figure = probe_figure(results, label)
    rows = [(r.name, ", ".join(f"{p.label} {p.prob:.0%}" for p in r.predictions), f"{r.target_prob:.1%}",
             f"{r.change:+.1%}") for r in results]
    note = ("<p class=note>Grid cells are covered one at a time with grey; shape only is the object's "
            "silhouette; texture only tiles one patch of the object over the frame. "
            + ("" if context.mask is not None else "No object mask was given, so there is no shape probe. ")
            + "</p>")
    return (img(figure_uri(figure), "probe images") + note
            + table(["probe", "top-3", f"p({escape(label)})", "change"], rows, numeric=(2, 3)))
