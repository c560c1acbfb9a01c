"""seethrough channels IMAGE: which channels of a layer carry a class, with what they see and where."""
from __future__ import annotations

from ..concepts.channels import channel_attribution
from ..data import load_image
from ..errors import SeethroughError
from ..files import save_figure
from ..render.channels_figure import channels_figure
from .json_output import print_json
from .model_option import load_model
from .options import add_model_options, add_output_options
from .prepare import prepare

NAME = "channels"
HELP = "channel attribution: the channels of a layer that carry a class (or A versus B), with their pictures"


def add_arguments(parser) -> None:
    parser.add_argument("image", help="an image file, sample:NAME or mnist:INDEX")
    parser.add_argument("--layer", help="the layer (see 'seethrough layers'; default: a mid-level layer)")
    parser.add_argument("--target", help="the class (name or index; default the top-1)")
    parser.add_argument("--versus", help="a second class: explain target's logit minus this one's")
    parser.add_argument("--count", type=int, default=6, help="channels to show (default 6)")
    parser.add_argument("--steps", type=int, default=128,
                        help="feature-visualization steps per channel for the figure (default 128; 0: none)")
    parser.add_argument("--size", type=int, default=128, help="feature-visualization side in pixels (default 128)")
    add_model_options(parser)
    add_output_options(parser, out_help="write the figure (PNG, PDF, SVG)")


def _visualizations(model, layer: str, channels: list[int], args) -> dict:
    """One feature visualization per channel, optimized together as one batch (one image per channel)."""
    import functools
    import operator

    from ..optvis import objectives, render
    from ..optvis.render import accepts_any_size
    size = args.size if accepts_any_size(model) else None
    terms = [objectives.channel(layer, channel, batch=number) for number, channel in enumerate(channels)]
    result = render(model, functools.reduce(operator.add, terms), batch=len(terms), size=size, steps=args.steps,
                    seed=args.seed, progress=not args.quiet)
    return dict(zip(channels, result.images()))


def run(args) -> int:
    prepare(args)
    if not 1 <= args.count <= 64:
        raise SeethroughError(f"--count is 1 to 64, got {args.count}")
    if args.steps < 0 or args.size < 16:
        raise SeethroughError("--steps is 0 or more and --size at least 16")
    image = load_image(args.image)
    model = load_model(args)
    if args.layer is None:
        from ..inside.patches import default_layer
        args.layer = default_layer(model)
    x = model.preprocess(image).to(model.device)
    result = channel_attribution(model, x, args.layer, target=args.target, versus=args.versus)
    top = result.top(args.count)
    if args.out:
        shown = [channel for channel, _ in top]
        pictures = _visualizations(model, args.layer, shown, args) if args.steps else None
        save_figure(channels_figure(model.deprocess(x), result, shown, visualizations=pictures), args.out)
    if args.json:
        print_json({"image": args.image, "model": model.name, **result.to_dict(args.count), "figure": args.out})
        return 0
    print(f"{result.objective} at {result.layer}: score {result.score:.3f}; "
          f"all {len(result.values)} channels sum to {result.values.sum():.3f}")
    for label, rows in (("for", top), ("against", result.top(min(3, args.count), sign="negative"))):
        print(f"  {label}: " + ", ".join(f"{channel} ({value:+.3f})" for channel, value in rows))
    if args.out:
        print(f"wrote {args.out}")
    return 0
