"""seethrough sanity IMAGE --methods ...: does each explanation change when the model's weights are random?"""
from __future__ import annotations

from pathlib import Path

from ..data import load_image
from ..errors import SeethroughError
from ..files import save_figure
from ..render.trust_figures import randomization_figure, step_label
from ..trust.randomization import MODES, randomization
from ..trust.verdict import kept_share, randomization_words
from .json_output import print_json
from .model_option import load_model
from .options import add_model_options, add_output_options
from .prepare import prepare
from .trust_inputs import add_method_arguments, method_options, parse_methods

NAME = "sanity"
HELP = "model-randomization sanity check (Adebayo et al. 2018): re-initialize the weights block by block"
FIGURE_SUFFIXES = (".png", ".pdf", ".svg", ".jpg", ".jpeg")


def add_arguments(parser) -> None:
    add_method_arguments(parser)
    parser.add_argument("--mode", default="cascading", choices=MODES,
                        help="cascading: from the logits down, cumulative (default); independent: one block at a time")
    parser.add_argument("--stages", type=int,
                        help="merge the network's blocks into this many steps (default: every block is a step)")
    parser.add_argument("--blocks", help="comma-separated layer names to re-initialize, input side first "
                                         "(default: the top-level children with weights; see 'seethrough layers')")
    add_model_options(parser)
    add_output_options(parser, out_help="write the figure: maps per step and the similarity curves (PNG, PDF, SVG)")


def run(args) -> int:
    prepare(args)
    methods = parse_methods(args.methods)
    if args.out and Path(args.out).suffix.lower() not in FIGURE_SUFFIXES:
        raise SeethroughError(f"-o {args.out}: the figure is one of {', '.join(FIGURE_SUFFIXES)}")
    if args.stages is not None and args.stages < 1:
        raise SeethroughError("--stages is a positive number of steps")
    if args.stages is not None and args.blocks:
        raise SeethroughError("give --stages or --blocks, not both")
    blocks = [name.strip() for name in args.blocks.split(",") if name.strip()] if args.blocks else None
    image = load_image(args.image)
    model = load_model(args)
    x = model.preprocess(image).to(model.device)
    options = method_options(methods, layer=args.layer, seed=args.seed)
    result = randomization(model, x, methods=methods, mode=args.mode, blocks=blocks, stages=args.stages,
                           target=args.target, seed=args.seed, options=options,
                           progress=not (args.quiet or args.json))
    if args.out:
        save_figure(randomization_figure(result, model.deprocess(x)), args.out)
    kept = {m: kept_share(result.first(m)["spearman_abs"], result.final(m)["spearman_abs"], result.floor(m))
            for m in methods}
    verdicts = {m: randomization_words(kept[m]) for m in methods}
    if args.json:
        print_json({"image": args.image, "model": model.name, **result.to_dict(),
                    "kept": kept if args.mode == "cascading" else None,
                    "verdicts": verdicts if args.mode == "cascading" else None, "figure": args.out})
        return 0
    print(f"{args.mode} randomization of {model.name} explaining '{result.target_label}': "
          f"{len(result.steps) - 1} steps, last: {step_label(result.steps[-1])}")
    print(f"{'method':<22} {'rank corr. of |maps| per step':<40} floor  kept  verdict")
    for method in methods:
        curve = " ".join(f"{step['spearman_abs']:.2f}" for step in result.similarity[method])
        curve = curve if len(curve) <= 40 else "… " + curve[-38:]
        verdict = verdicts[method] if args.mode == "cascading" else "(verdicts need --mode cascading)"
        share = f"{kept[method]:.2f}" if args.mode == "cascading" else "   -"
        print(f"{method:<22} {curve:<40} {result.floor(method):.2f}   {share}  {verdict}")
    if args.out:
        print(f"wrote {args.out}")
    return 0
