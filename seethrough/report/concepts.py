"""Report section: channel attribution for the predicted class, the "building blocks" view.

Which channels of a mid-level layer carry the predicted class on this image (gradient x activation
summed over space), each with its feature visualization, where it adds evidence, and where it fires
(Olah et al. 2018, "The Building Blocks of Interpretability", Distill).
"""
from __future__ import annotations

from ..concepts.channels import channel_attribution
from ..render.channels_figure import channels_figure
from ..render.html import escape, figure_uri, img, table
from . import ReportContext, section

CHANNELS = 4
STEPS = 64
SIZE = 112


def _visualizations(context: ReportContext, layer: str, channels: list[int], steps: int) -> dict:
    """One feature visualization per channel, optimized together as one batch (``steps`` 0: none)."""
    if steps <= 0 or context.model.channels != 3:
        return {}
    import functools
    import operator

    from ..optvis import objectives, render
    from ..optvis.render import accepts_any_size
    model = context.model
    size = min(SIZE, model.input_size[0]) if accepts_any_size(model) else None
    terms = [objectives.channel(layer, channel, batch=number) for number, channel in enumerate(channels)]
    result = render(model, functools.reduce(operator.add, terms), batch=len(terms), size=size, steps=steps,
                    seed=0, progress=context.progress)
    return dict(zip(channels, result.images()))


@section("Channel attribution", order=62)
def channels(context: ReportContext) -> str:
    from ..inside.patches import default_layer
    model = context.model
    layer = context.extras.get("channels_layer") or default_layer(model)
    result = channel_attribution(model, context.x, layer, target=context.target)
    shown = [channel for channel, _ in result.top(CHANNELS)]
    steps = int(context.extras.get("channels_steps", STEPS))
    pictures = _visualizations(context, layer, shown, steps)
    figure = channels_figure(model.deprocess(context.x), result, shown, visualizations=pictures or None)
    label = escape(model.label(context.target))
    note = (f"<p class=note>Each channel of <code>{escape(layer)}</code> is scored by gradient x activation of "
            f"the logit of '{label}', summed over space; the {CHANNELS} highest are shown"
            + (f" with a feature visualization ({steps} steps, seed 0)" if pictures else "")
            + ", their attribution map over the image (red for, blue against) and their activation. "
            "<code>seethrough channels IMAGE --layer L --target A --versus B</code> explains one class against "
            "another.</p>")
    rows = [(f"{layer}:{channel}", "for", f"{value:+.4g}") for channel, value in result.top(CHANNELS)]
    rows += [(f"{layer}:{channel}", "against", f"{value:+.4g}") for channel, value in result.top(2, sign="negative")]
    return (img(figure_uri(figure), "channel attribution") + note
            + table(["channel", "", "gradient x activation"], rows, numeric=(2,)))
