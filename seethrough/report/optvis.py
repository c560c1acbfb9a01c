"""Report section: what the predicted class and the channels that most support it look for
(feature visualization, optimized together as one batch)."""
from __future__ import annotations

import functools
import operator

from ..optvis import attributed_channels, objectives, render
from ..optvis.parse import spatial_layers
from ..render.html import escape, figure_uri, img, table
from ..render.optvis_figures import visualization_grid
from . import ReportContext, section

CHANNELS = 3
STEPS = 64
SIZE = 160


@section("Feature visualization", order=60)
def feature_visualization(context: ReportContext) -> str:
    model = context.model
    if model.channels != 3:
        return ""
    layers = list(spatial_layers(model))
    if not layers:
        return ""
    layer = layers[-1]
    top = attributed_channels(model, context.x, layer, target=context.target, count=CHANNELS)
    terms = [objectives.class_logit(context.target, label=model.label(context.target), batch=0)]
    terms += [objectives.channel(layer, channel, batch=i + 1) for i, (channel, _) in enumerate(top)]
    size = min(SIZE, model.input_size[0])
    result = render(model, functools.reduce(operator.add, terms), batch=len(terms), size=size, steps=STEPS,
                    seed=0, progress=context.progress)
    label = model.label(context.target)
    titles = [f"class '{label}'\np = {result.target_probs[0]:.0%} on the visualization"]
    titles += [f"{layer}:{channel}\nattribution {score:.3g}" for channel, score in top]
    figure = visualization_grid(result.images(), titles, cols=len(terms))
    note = (f"<p class=note>Images optimized from noise ({STEPS} steps, {size} px, Fourier parameterization with "
            "decorrelated colour, random jitter/scale/rotation) to raise the logit of the predicted class and the "
            f"mean activation of the {CHANNELS} channels of <code>{escape(layer)}</code> whose activation x "
            "gradient most supports that class on this image. Seed 0; <code>seethrough visualize</code> makes "
            "larger ones.</p>")
    rows = [(f"{layer}:{channel}", f"{score:.4g}") for channel, score in top]
    return img(figure_uri(figure), "feature visualizations") + note + table(["channel", "activation x gradient"], rows,
                                                                           numeric=(1,))
