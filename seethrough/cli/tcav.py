"""seethrough tcav: how much does a concept (striped, dotted, a folder of images) matter to a class?"""
from __future__ import annotations

from ..concepts.cav import CAV_METHODS
from ..concepts.procedural import PROCEDURAL_CONCEPTS
from ..concepts.sources import TEXTURES
from ..concepts.tcav import tcav
from ..errors import SeethroughError
from ..files import save_figure
from ..render.tcav_figure import tcav_figure
from .json_output import print_json
from .model_option import load_model
from .options import add_model_options, add_output_options
from .prepare import prepare

NAME = "tcav"
HELP = "TCAV: test how much human concepts (striped, dotted, your folders) matter to a class, with a t-test"


def add_arguments(parser) -> None:
    parser.add_argument("--target", required=True, help="the class (name or index)")
    parser.add_argument("--class-images", required=True, metavar="DIR",
                        help="a folder of images of that class (or a built-in concept name, e.g. gravel)")
    parser.add_argument("--concepts", required=True, metavar="A,B,...",
                        help=f"comma-separated concepts: built-in {', '.join(PROCEDURAL_CONCEPTS + TEXTURES)}, "
                             "or folders of images")
    parser.add_argument("--layers", metavar="L1,L2", help="comma-separated layers (see 'seethrough layers'; "
                                                          "default: one mid-level layer)")
    parser.add_argument("--random-sets", type=int, default=10,
                        help="random counterpart sets per concept, for the t-test (default 10, up to 1000)")
    parser.add_argument("--set-size", type=int, default=50,
                        help="images per built-in concept and per random set (default 50)")
    parser.add_argument("--random-pool", metavar="DIR",
                        help="a folder to draw random sets from (default: crops of the bundled images and noise)")
    parser.add_argument("--cav", default="sgd", choices=CAV_METHODS,
                        help="the linear classifier: sgd (the paper's, alpha 0.01) or logistic")
    parser.add_argument("--alpha", type=float, default=0.05, help="significance level, Bonferroni-corrected (0.05)")
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the activation cache")
    add_model_options(parser)
    add_output_options(parser, out_help="write the bar chart (PNG, PDF, SVG)")


def _split(text: str, option: str) -> list[str]:
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts:
        raise SeethroughError(f"{option} needs at least one comma-separated name")
    return parts


def run(args) -> int:
    prepare(args)
    if not 0 < args.alpha < 1:
        raise SeethroughError(f"--alpha is a probability in (0, 1), got {args.alpha}")
    concepts = _split(args.concepts, "--concepts")
    model = load_model(args)
    if args.layers:
        layers = _split(args.layers, "--layers")
    else:
        from ..inside.patches import default_layer
        layers = [default_layer(model)]
    result = tcav(model, concepts, args.target, layers, args.class_images, random_sets=args.random_sets,
                  seed=args.seed, set_size=args.set_size, random_pool=args.random_pool, cav_method=args.cav,
                  alpha=args.alpha, cache=not args.no_cache, progress=not args.quiet)
    if args.out:
        save_figure(tcav_figure(result), args.out)
    if args.json:
        print_json({"model": model.name, **result.to_dict(), "figure": args.out})
        return 0
    tests = len(result.concepts)
    print(f"TCAV for '{result.target_label}' ({result.target}), {result.options['class_images']} class images, "
          f"{args.random_sets} random sets; significant: Bonferroni-corrected p < {args.alpha:g} over {tests} concepts")
    print(f"{'layer':<18} {'concept':<16} {'score':>12} {'magnitude':>9} {'CAV acc':>7} {'p (corr.)':>9}  result")
    for layer in result.layers:
        baseline = result.random_scores[layer]
        print(f"{layer:<18} {'(random)':<16} {sum(baseline) / len(baseline):>6.2f}")
        for concept in result.concepts:
            score = result.get(concept, layer)
            verdict = "significant" if score.significant else "not significant"
            print(f"{layer:<18} {concept[:16]:<16} {score.mean:>6.2f} ± {score.std:.2f} "
                  f"{sum(score.magnitudes) / len(score.magnitudes):>9.2f} {sum(score.cav_accuracies) / len(score.cav_accuracies):>7.2f} "
                  f"{score.p_adjusted:>9.2g}  {verdict}")
    if args.out:
        print(f"wrote {args.out}")
    return 0
