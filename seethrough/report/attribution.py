"""Report section: which pixels each attribution method credits, and what each result certifies."""
from __future__ import annotations

import time

from ..attribution import attribute, list_methods
from ..errors import SeethroughError
from ..progress import Progress
from ..render.heatmaps import certificate_text, comparison_figure
from ..render.html import escape, figure_uri, img, table
from . import ReportContext, section

#: the lectures' methods, with options that keep the report quick; IG refines its steps to a 1% gap
METHODS = {"saliency": {}, "input_x_gradient": {}, "smoothgrad": {"n_samples": 16, "seed": 0},
           "integrated_gradients": {"n_steps": 32, "tolerance": 0.01}, "guided_backprop": {},
           "deconvnet": {}, "lrp": {}, "deeplift": {}, "cam": {}, "gradcam": {}, "guided_gradcam": {}}


@section("Attribution", order=30)
def attribution(context: ReportContext) -> str:
    methods = [m for m in METHODS if m in list_methods()]
    bar = Progress(len(methods), "report: attribution", enabled=context.progress)
    results, rows = [], []
    for name in methods:
        started = time.perf_counter()
        try:
            result = attribute(context.model, context.x, target=context.target, method=name, **METHODS[name])
        except SeethroughError as error:  # e.g. CAM on a head that is not pooling + linear
            result = str(error)
        seconds = time.perf_counter() - started
        results.append((name, result))
        note = result if isinstance(result, str) else certificate_text(result.certificates).replace("\n", "; ")
        rows.append((name, escape(note) or "—", f"{seconds:.1f}"))
        bar.advance()
    bar.close()
    label = context.model.label(context.target)
    figure = comparison_figure(context.model.deprocess(context.x), results, title=f"why '{label}'?")
    intro = ("<p class=note>Signed maps: red pushes the score up, blue down; heat maps show magnitude. "
             "Each map is clipped at the 99.5th percentile of its magnitudes. Integrated gradients and "
             "DeepLIFT certify completeness: their attributions add up to f(x) - f(baseline) (zeros), "
             "with the relative gap shown; CAM rebuilds the logit exactly from its map.</p>")
    return (intro + table(["method", "certificate", "seconds"], rows, numeric=(2,))
            + img(figure_uri(figure), "attribution comparison"))
