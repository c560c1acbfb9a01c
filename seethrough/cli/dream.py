"""seethrough dream IMAGE --layer L: DeepDream, amplify what a layer sees in a photo, octave by octave."""
from __future__ import annotations

from ..data import load_image
from ..errors import SeethroughError
from ..files import save_figure
from ..optvis import dream
from ..render.optvis_figures import check_suffix, pixels_image, save_image, side_by_side
from .json_output import print_json
from .model_option import load_model
from .options import add_model_options, add_output_options
from .prepare import prepare

NAME = "dream"
HELP = "DeepDream: amplify by gradient ascent whatever a layer already sees in an image"


def add_arguments(parser) -> None:
    parser.add_argument("image", help="an image file, sample:NAME or mnist:INDEX")
    parser.add_argument("--layer", required=True, help="the layer whose activations to amplify (see 'seethrough layers')")
    parser.add_argument("--octaves", type=int, default=4, help="image sizes, from small to full (default 4)")
    parser.add_argument("--octave-scale", type=float, default=1.4, help="ratio between octave sizes (default 1.4)")
    parser.add_argument("--steps", type=int, default=10, help="gradient steps per octave (default 10)")
    parser.add_argument("--step-size", type=float, default=0.01,
                        help="pixel change per step, relative to the mean absolute gradient (default 0.01)")
    parser.add_argument("--size", type=int, help="longer side of the image in pixels (default the model's input size)")
    parser.add_argument("--compare", action="store_true", help="write the photo and the dream side by side")
    add_model_options(parser)
    add_output_options(parser, out_help="write the dream (PNG, JPEG, ...; with --compare a figure: PNG, PDF, SVG)")


def run(args) -> int:
    prepare(args)
    if not 1 <= args.octaves <= 12 or not 1 <= args.steps <= 10000:
        raise SeethroughError(f"--octaves takes 1 to 12 and --steps 1 to 10000; got {args.octaves}, {args.steps}")
    if args.out:
        check_suffix(args.out, figure=args.compare)
    model = load_model(args)
    image = load_image(args.image)
    longest = args.size or max(model.input_size)
    if longest < 8:
        raise SeethroughError(f"--size must be 8 or more, got {longest}")
    height, width = image.shape[:2]
    size = (max(1, round(height * longest / max(height, width))), max(1, round(width * longest / max(height, width))))
    pixels = model.to_pixels(image, size)
    result = dream(model, pixels, args.layer, octaves=args.octaves, octave_scale=args.octave_scale, steps=args.steps,
                   step_size=args.step_size, seed=args.seed, progress=not (args.quiet or args.json))
    if args.out:
        if args.compare:
            start = pixels_image(result.start)
            save_figure(side_by_side([start, result.images()[0]], [args.image, f"dream: {result.objective}"]), args.out)
        else:
            save_image(args.out, result.images()[0])
    if args.json:
        print_json({"image": args.image, "model": model.name, **result.to_dict(), "out": args.out})
        return 0
    sizes = " -> ".join(f"{h}x{w}" for h, w in result.sizes)
    print(f"{result.objective}: octaves {sizes}, {args.steps} steps each, {result.seconds:.1f}s; "
          f"objective {result.values[0]:.4g} -> {result.values[-1]:.4g}")
    print(f"wrote {args.out}" if args.out else "(no -o given: no image written)")
    return 0
