"""seethrough lime IMAGE: which superpixels make the model decide as it does (LIME)."""
from __future__ import annotations

from ..data import load_image
from ..errors import SeethroughError
from ..files import check_writable, save_figure
from ..lime import SEGMENTATIONS, lime_image, lime_stability
from ..lime.hiding import HIDES, check_hide
from ..lime.segmentation import check_segmentation
from ..render.lime_figures import lime_image_figure, stability_figure
from .json_output import print_json
from .model_option import load_model
from .options import add_model_options, add_output_options
from .prepare import prepare

NAME = "lime"
HELP = "LIME on an image: superpixels for and against a class, with the surrogate's R^2 and stability"


def add_arguments(parser) -> None:
    parser.add_argument("image", help="an image file, sample:NAME or mnist:INDEX")
    parser.add_argument("--target", help="class name or index (default the top-1 class)")
    parser.add_argument("--segmentation", default="quickshift",
                        help=f"superpixels: {', '.join(SEGMENTATIONS)} (default quickshift, lime's)")
    parser.add_argument("--hide", default="mean", help=f"hidden superpixels become: {', '.join(HIDES)} "
                                                       "(default mean, lime's)")
    parser.add_argument("--samples", type=int, default=1000, help="model evaluations (default 1000)")
    parser.add_argument("--score", default="probability", choices=["probability", "logit"],
                        help="explain the class probability (lime's, default) or its logit (better when "
                             "the probability is saturated near 1, e.g. MNIST digits)")
    parser.add_argument("--top", type=int, default=5, help="superpixels shown as evidence (default 5)")
    parser.add_argument("--batch-size", type=int, help="images per forward pass (default 4 at 224 px, "
                                                       "more for smaller inputs)")
    parser.add_argument("--stability", action="store_true",
                        help="also run 4 more seeds and report the top-5 superpixel Jaccard overlap "
                             "(4 more full LIME runs: about 5x the time)")
    parser.add_argument("--stability-out", metavar="FIG.png", help="write the stability figure here")
    add_model_options(parser)
    add_output_options(parser, out_help="write the figure: image, superpixels, evidence for and against")


def run(args) -> int:
    prepare(args)
    if args.samples < 2:
        raise SeethroughError("--samples must be at least 2")
    if args.batch_size is not None and args.batch_size < 1:
        raise SeethroughError("--batch-size must be at least 1")
    if args.top < 1:
        raise SeethroughError("--top must be at least 1")
    if args.stability_out and not args.stability:
        raise SeethroughError("--stability-out needs --stability")
    if args.stability_out:
        check_writable(args.stability_out)
    check_segmentation(args.segmentation)
    check_hide(args.hide)
    image = load_image(args.image)
    model = load_model(args)
    options = {"target": args.target, "segmentation": args.segmentation, "hide": args.hide,
               "n_samples": args.samples, "score": args.score, "batch_size": args.batch_size,
               "progress": not (args.quiet or args.json)}
    stability = None
    if args.stability:
        stability = lime_stability(model, image, seeds=5, top=args.top, first_seed=args.seed, **options)
        result = stability.results[0]
    else:
        result = lime_image(model, image, seed=args.seed, **options)
    if args.out:
        save_figure(lime_image_figure(result, top=args.top), args.out)
    if args.stability_out:
        save_figure(stability_figure(stability), args.stability_out)
    if args.json:
        payload = {"image": args.image, "model": model.name, **result.to_dict(), "figure": args.out}
        if stability is not None:
            payload["stability"] = stability.to_dict()
        print_json(payload)
        return 0
    value = "logit" if args.score == "logit" else "p"
    print(f"explaining '{result.target_label}' ({result.target}), {value} = {result.score:.3f}; "
          f"{len(result.weights)} superpixels, surrogate R^2 = {result.r2:.3f}")
    for sign in ("positive", "negative"):
        top = result.top(args.top, sign)
        print(f"{'for' if sign == 'positive' else 'against':>8}: "
              + ", ".join(f"#{i} {result.weights[i]:+.4f}" for i in top))
    if stability is not None:
        print(f"stability: top-{args.top} Jaccard across seeds {stability.seeds} = {stability.jaccard:.2f}")
    if args.out:
        print(f"wrote {args.out}")
    return 0
