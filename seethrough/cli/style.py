"""seethrough style CONTENT STYLE -o OUT.png: Gatys et al.'s neural style transfer on the model's features."""
from __future__ import annotations

from ..data import load_image
from ..errors import SeethroughError
from ..files import save_figure
from ..optvis import style_transfer
from ..render.optvis_figures import check_suffix, pixels_image, save_image, side_by_side
from .json_output import print_json
from .model_option import load_model
from .options import add_model_options, add_output_options
from .prepare import prepare

NAME = "style"
HELP = "neural style transfer (Gatys et al.): the content of one image with the textures of another"


def add_arguments(parser) -> None:
    parser.add_argument("content", help="the content image: a file, sample:NAME or mnist:INDEX")
    parser.add_argument("style", help="the style image (e.g. sample:brick, sample:gravel)")
    parser.add_argument("--style-layers", metavar="L1,L2,...", help="layers whose Gram matrices to match "
                        "(default: the first layer at each of the model's first five resolutions)")
    parser.add_argument("--content-layer", help="layer whose activations to keep (default: a deep layer)")
    parser.add_argument("--steps", type=int, default=200, help="Adam steps (default 200)")
    parser.add_argument("--lr", type=float, default=0.05, help="Adam's step size (default 0.05)")
    parser.add_argument("--size", type=int, help="longer side in pixels (default the model's input size)")
    parser.add_argument("--style-weight", type=float, default=10.0, help="weight of the style loss (default 10)")
    parser.add_argument("--content-weight", type=float, default=1.0, help="weight of the content loss (default 1)")
    parser.add_argument("--tv-weight", type=float, default=0.01, help="weight of total variation (default 0.01)")
    parser.add_argument("--compare", action="store_true", help="write content, style and result side by side")
    add_model_options(parser)
    add_output_options(parser, out_help="write the result (PNG, JPEG, ...; with --compare a figure: PNG, PDF, SVG)")


def _resized(model, image, longest: int):
    height, width = image.shape[:2]
    scale = longest / max(height, width)
    return model.to_pixels(image, (max(8, round(height * scale)), max(8, round(width * scale))))


def run(args) -> int:
    prepare(args)
    if not 1 <= args.steps <= 100000:
        raise SeethroughError(f"--steps takes 1 to 100000, got {args.steps}")
    if args.out:
        check_suffix(args.out, figure=args.compare)
    model = load_model(args)
    longest = args.size or max(model.input_size)
    if longest < 8:
        raise SeethroughError(f"--size must be 8 or more, got {longest}")
    content = _resized(model, load_image(args.content), longest)
    style = _resized(model, load_image(args.style), longest)
    layers = [name.strip() for name in args.style_layers.split(",") if name.strip()] if args.style_layers else None
    result = style_transfer(model, content, style, style_layers=layers, content_layer=args.content_layer,
                            style_weight=args.style_weight, content_weight=args.content_weight,
                            tv_weight=args.tv_weight, steps=args.steps, learning_rate=args.lr, seed=args.seed,
                            progress=not (args.quiet or args.json))
    if args.out:
        if args.compare:
            images = [pixels_image(content), pixels_image(style), result.images()[0]]
            save_figure(side_by_side(images, [args.content, args.style, "result"]), args.out)
        else:
            save_image(args.out, result.images()[0])
    if args.json:
        print_json({"content": args.content, "style": args.style, "model": model.name, **result.to_dict(),
                    "out": args.out})
        return 0
    print(f"style layers {', '.join(result.style_layers)}; content layer {result.content_layer}")
    print(f"{args.steps} steps in {result.seconds:.1f}s: style loss {result.style_losses[0]:.4g} -> "
          f"{result.style_losses[-1]:.4g}, content loss {result.content_losses[0]:.4g} -> {result.content_losses[-1]:.4g}")
    print(f"wrote {args.out}" if args.out else "(no -o given: no image written)")
    return 0
