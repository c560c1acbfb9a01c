"""Report section: a BagNet on an MNIST digit, its exact patch evidence, and whether a CNN agrees."""
from __future__ import annotations

from .. import zoo
from ..bagnet import bagnet_evidence, compare
from ..bagnet.comparison import balanced_indices
from ..data.mnist import mnist_split
from ..render.bagnet_figures import MAP_NAMES, agreement_figure, evidence_figure
from ..render.html import escape, figure_uri, img, table
from ..zoo.training import mnist_tensors
from . import ReportContext, section

#: test digits over which the report averages the rank correlations (a few seconds on a CPU)
DIGITS = 50


@section("BagNet: interpretable by design", order=80)
def bagnet(context: ReportContext) -> str:
    model = zoo.load("bagnet_mnist", progress=context.progress)
    cnn = zoo.load("mnist_cnn", progress=context.progress)
    pixels, labels = mnist_tensors("test")
    if context.model.channels == 1 and context.model.input_size == (28, 28):
        x, where = model.normalize(context.model.denormalize(context.x.detach().cpu())), escape(context.image_spec)
    else:
        index = int(mnist_split("test")[2][0])
        x, where = model.normalize(pixels[:1]), f"mnist:{index} (the first held-out test digit)"
    evidence = bagnet_evidence(model, x)
    image = model.deprocess(x)
    agreement = compare(model, cnn, x, evidence.target)
    chosen = balanced_indices(labels, DIGITS)
    overall = compare(model, cnn, model.normalize(pixels[chosen]), labels[chosen]).summary()
    rows = [(f"{MAP_NAMES[first]} vs {MAP_NAMES[second]}", f"{agreement.correlations[pair][0]:+.2f}",
             f"{stats['mean']:+.2f}", f"{stats['median']:+.2f}",
             f"{stats['mean_beyond_ink']:+.2f}" if "mean_beyond_ink" in stats else "")
            for pair, stats in overall.items() for first, second in [pair.split("~")]]
    note = (f"<p class=note>{escape(model.name)} (Brendel &amp; Bethge 2019) classifies a digit by averaging the "
            f"class logits of its {evidence.values.shape[2]} x {evidence.values.shape[3]} patches of "
            f"{evidence.patch} px and ignores where they are, so the map of its patch logits is its exact "
            f"explanation, not an estimate. Digit: {where}. The table asks whether an ordinary CNN "
            f"({escape(cnn.name)}) decides the same way: Spearman's rank correlation of the BagNet's evidence "
            f"with the CNN's occlusion and Grad-CAM maps on the {evidence.values.shape[2]} x "
            f"{evidence.values.shape[3]} grid, for this digit and over {DIGITS} held-out digits "
            f"({DIGITS // 10} of each class; ink: the digit's own pixels, a control; beyond ink: the "
            "partial correlation with ink held fixed, i.e. how far two maps agree on more than where the strokes are).</p>")
    return (img(figure_uri(evidence_figure(image, evidence)), "BagNet evidence") + note
            + img(figure_uri(agreement_figure([image], agreement, count=1)), "BagNet vs CNN maps")
            + table(["maps", "this digit", f"mean over {DIGITS}", "median", "beyond ink (mean)"], rows,
                    numeric=(1, 2, 3, 4)))
