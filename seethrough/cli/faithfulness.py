"""seethrough faithfulness IMAGE --methods ...: RISE's deletion and insertion curves against random pixels."""
from __future__ import annotations

from pathlib import Path

from ..attribution import attribute
from ..data import load_image
from ..errors import SeethroughError
from ..files import save_figure
from ..progress import Progress
from ..render.trust_figures import faithfulness_figure
from ..trust.faithfulness import deletion, insertion
from ..trust.verdict import faithfulness_words
from .json_output import print_json
from .model_option import load_model
from .options import add_model_options, add_output_options
from .prepare import prepare
from .trust_inputs import add_method_arguments, method_options, parse_methods

NAME = "faithfulness"
HELP = "deletion and insertion curves (Petsiuk et al. 2018): does removing the top pixels kill the prediction?"
FIGURE_SUFFIXES = (".png", ".pdf", ".svg", ".jpg", ".jpeg")


def add_arguments(parser) -> None:
    add_method_arguments(parser)
    parser.add_argument("--baseline", default="zeros",
                        help="what a deleted pixel becomes: zeros (default, as RISE), black, white, mean, blur, uniform")
    parser.add_argument("--blur-sigma", type=float, default=5.0, help="insertion starts from the image blurred "
                                                                      "with this Gaussian sigma in pixels (default 5)")
    parser.add_argument("--pixels-per-step", type=int,
                        help="pixels changed per step (default 1/50 of the image: 51 points per curve)")
    parser.add_argument("--absolute", action="store_true", help="rank pixels by |attribution| (default: signed)")
    add_model_options(parser)
    add_output_options(parser, out_help="write the curves (PNG, PDF, SVG)")


def run(args) -> int:
    prepare(args)
    methods = parse_methods(args.methods)
    if args.out and Path(args.out).suffix.lower() not in FIGURE_SUFFIXES:
        raise SeethroughError(f"-o {args.out}: the figure is one of {', '.join(FIGURE_SUFFIXES)}")
    image = load_image(args.image)
    model = load_model(args)
    x = model.preprocess(image).to(model.device)
    options = method_options(methods, layer=args.layer, seed=args.seed)
    settings = {"pixels_per_step": args.pixels_per_step, "absolute": args.absolute, "seed": args.seed}
    bar = Progress(len(methods), "faithfulness", enabled=not (args.quiet or args.json))
    curves, entries = {}, []
    for method in methods:
        explanation = attribute(model, x, target=args.target, method=method, **options[method])
        removed = deletion(model, x, explanation, baseline=args.baseline, **settings)
        inserted = insertion(model, x, explanation, blur_sigma=args.blur_sigma, **settings)
        curves[method] = (removed, inserted)
        numbers = (float(removed.auc[0]), float(removed.random_auc[0]),
                   float(inserted.auc[0]), float(inserted.random_auc[0]))
        entries.append({"method": method, "target": removed.target_label, "deletion_auc": numbers[0],
                        "deletion_random_auc": numbers[1], "insertion_auc": numbers[2],
                        "insertion_random_auc": numbers[3], "verdict": faithfulness_words(*numbers),
                        "deletion": removed.to_dict(), "insertion": inserted.to_dict()})
        bar.advance()
    bar.close()
    if args.out:
        save_figure(faithfulness_figure(curves), args.out)
    if args.json:
        print_json({"image": args.image, "model": model.name, "methods": entries, "figure": args.out})
        return 0
    print(f"{model.name} explaining '{entries[0]['target']}'; deletion: lower is better, insertion: higher")
    print(f"{'method':<22} {'deletion (random)':<20} {'insertion (random)':<20} verdict")
    for entry in entries:
        print(f"{entry['method']:<22} {entry['deletion_auc']:.3f} ({entry['deletion_random_auc']:.3f})      "
              f"{entry['insertion_auc']:.3f} ({entry['insertion_random_auc']:.3f})      {entry['verdict']}")
    if args.out:
        print(f"wrote {args.out}")
    return 0
