"""Report section: the image and the model's top-5 classes."""
from __future__ import annotations

from ..render.html import array_uri, img, table
from . import ReportContext, section


@section("Prediction", order=10)
def prediction(context: ReportContext) -> str:
    top = context.model.predict(context.x, top=5)[0]
    rows = [(p.index, p.label, f"{p.prob:.1%}") for p in top]
    picture = img(array_uri(context.model.deprocess(context.x)), "the input as the model sees it", 224)
    return (f"<div style='display:flex;gap:2em;align-items:flex-start'>{picture}"
            f"{table(['index', 'class', 'probability'], rows, numeric=(0, 2))}</div>")
