"""Report section: inside the network -- the first layer's filters, and the top dataset patches of the
channels that contribute most to the explained class (Zeiler & Fergus 2014, arXiv:1311.2901)."""
from __future__ import annotations

from ..errors import SeethroughError
from ..concepts.channels import channel_attribution
from ..inside.filters import filters
from ..inside.patches import default_layer, top_patches
from ..render.filters_figure import filters_figure
from ..render.html import escape, figure_uri, img, table
from ..render.patches_figure import patches_figure
from . import ReportContext, section

CHANNELS = 3  #: channels whose patches are shown
PATCHES = 6  #: patches per channel (one deconvnet backward pass each, batched)


def _dataset(context: ReportContext) -> str:
    """The images to find patches in: ``extras["inside_dataset"]``, MNIST for grey 28 x 28 models,
    else the built-in samples and their crops."""
    if "inside_dataset" in context.extras:
        return context.extras["inside_dataset"]
    model = context.model
    return "mnist:test" if model.channels == 1 and model.input_size == (28, 28) else "samples"


def _filters(context: ReportContext) -> str:
    first = filters(context.model)
    return (f"<h3>First-layer filters ({escape(first.layer)})</h3>"
            + img(figure_uri(filters_figure(first)), "first-layer filters"))


def _patches(context: ReportContext) -> str:
    model = context.model
    layer = context.extras.get("inside_layer") or default_layer(model)
    attribution = channel_attribution(model, context.x, layer, target=context.target)
    contributions = attribution.values
    chosen = [channel for channel, _ in attribution.top(CHANNELS)]
    dataset = _dataset(context)
    found = top_patches(model, dataset, layer, channels=chosen, k=PATCHES, progress=context.progress)
    label = model.label(context.target)
    rows = [(c, f"{float(contributions[c]):.3g}", escape(", ".join(p.description for p in found[c][:3])))
            for c in chosen]
    return (f"<h3>Top patches of the channels of {escape(layer)} that count most for '{escape(label)}'</h3>"
            "<p class=note>Channel contribution: activation x gradient of the class score, summed over the "
            f"map (the channel attribution of the concepts section). Patches: the {PATCHES} images of <i>{escape(str(dataset))}</i> on which each channel is "
            "highest, cropped to the exact receptive field of the strongest position; left, the deconvnet "
            "projection of that one activation back to the pixels (grey = 0).</p>"
            + table(["channel", "contribution", "strongest examples"], rows, numeric=(0, 1))
            + img(figure_uri(patches_figure(found, layer=layer)), "top patches"))


@section("Inside the network", order=60)
def inside(context: ReportContext) -> str:
    parts = []
    for part in (_filters, _patches):
        try:
            parts.append(part(context))
        except SeethroughError as error:  # e.g. no Conv2d, or an activation the deconvnet has no rule for
            parts.append(f"<p class=note>{escape(str(error))}</p>")
    return "".join(parts)
