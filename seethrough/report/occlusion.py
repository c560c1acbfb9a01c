"""Report section: occlusion (Zeiler & Fergus 2014), the drop in the class logit when a grey square
covers each part of the image. The logit, not the probability: a confident prediction's probability
stays near 1 under most squares and shows little."""
from __future__ import annotations

import time

from ..attribution.occlusion import occlusion
from ..render.html import escape, figure_uri, img, table
from ..render.occlusion_figure import occlusion_figure
from . import ReportContext, section

#: the window is this fraction of the image's shorter side (32 px on 224 px, 4 px on a 28 px digit)
WINDOW_FRACTION = 1 / 7


@section("Occlusion", order=40)
def occlusion_section(context: ReportContext) -> str:
    height, width = context.x.shape[-2:]
    window = max(1, round(min(height, width) * WINDOW_FRACTION))
    started = time.perf_counter()
    result = occlusion(context.model, context.x, target=context.target, window=window, baseline="zeros",
                       score="logit", progress=context.progress)
    seconds = time.perf_counter() - started
    label = context.model.label(context.target)
    figure = occlusion_figure(context.model.deprocess(context.x), [result], title=f"occluding '{label}'")
    percent, drops = result.percent[0].flatten(), result.grid[0].flatten()
    starts_y, starts_x = result.starts
    columns = result.grid.shape[2]
    rows = []
    for k in drops.argsort(descending=True, stable=True)[:5].tolist():
        rows.append((f"y {starts_y[k // columns]}, x {starts_x[k % columns]}", f"{float(drops[k]):.4f}",
                     "—" if percent[k].isnan() else f"{float(percent[k]):.1f}%"))
    stride = result.options["stride"][0]
    evaluations = result.certificates["evaluations"]
    note = (f"<p class=note>A {window}x{window} px square of the all-zero input (the mean colour for "
            f"mean/std-normalized models) slides over the image in steps of {stride} px; each pixel "
            f"shows the mean drop in the logit of '{escape(label)}' over the squares that cover it "
            f"(red: covering it lowers the logit). {evaluations} forward passes in {seconds:.1f} s. "
            f"<code>seethrough occlude IMAGE --windows 8,16,32</code> draws several sizes.</p>")
    return (note + img(figure_uri(figure), "occlusion map")
            + table(["window at", "drop of the logit", "relative drop"], rows, numeric=(1, 2)))
