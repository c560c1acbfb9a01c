"""seethrough visualize: the image a class, channel, neuron or direction responds to most (feature
visualization by gradient ascent), or a grid of one layer's channels."""
from __future__ import annotations

import functools
import operator

from ..data import load_image
from ..errors import SeethroughError
from ..optvis import objectives, parse_objective, probabilities_under_transforms, render
from ..optvis.parse import default_diversity_layer
from ..render.optvis_figures import check_suffix, save_images
from .json_output import print_json
from .model_option import load_model
from .options import add_model_options, add_output_options
from .prepare import prepare

NAME = "visualize"
HELP = "feature visualization: optimize an image to excite a class, channel, neuron, layer or direction"


def add_arguments(parser) -> None:
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--objective", metavar="SPEC",
                      help='class:"tiger cat" | class:282 | channel:LAYER:C | neuron:LAYER:C[:Y:X] | '
                           "layer:LAYER (DeepDream) | direction:LAYER:FILE.npy")
    what.add_argument("--layer", help="with --channels: visualize several channels of this layer as a grid")
    parser.add_argument("--channels", default="0-15", help="with --layer: channels, e.g. 0-15 or 3,7,12 (default 0-15)")
    parser.add_argument("--diversity", type=int, default=0, metavar="N",
                        help="optimize N images at once, penalizing their similarity (Lucid's diversity)")
    parser.add_argument("--diversity-weight", type=float, default=100.0, help="weight of the penalty (default 100)")
    parser.add_argument("--steps", type=int, default=256, help="gradient steps (default 256)")
    parser.add_argument("--size", type=int, help="image side in pixels (default the model's input size)")
    parser.add_argument("--param", default="fft", choices=["fft", "pixel"],
                        help="fft: Fourier basis with 1/f scaling and decorrelated colour (default); pixel: raw pixels")
    parser.add_argument("--lr", type=float, default=0.05, help="Adam's step size (default 0.05)")
    parser.add_argument("--no-transforms", action="store_true", help="no random pad/jitter/scale/rotate between steps")
    parser.add_argument("--redirect-steps", type=int, default=16,
                        help="use the redirected ReLU gradient for this many first steps (default 16; 0: never)")
    parser.add_argument("--cossim-pow", type=float, default=0.0,
                        help="direction objectives: weight the dot product by cosine^P (default 0)")
    parser.add_argument("--start", metavar="IMAGE", help="start from this image (file, sample:NAME) instead of noise")
    parser.add_argument("--until", type=float, metavar="P",
                        help="class objectives: stop once the model gives the class probability P (checked every 4 steps)")
    add_model_options(parser)
    add_output_options(parser, out_help="write the image (one) or a titled grid (several): PNG, JPEG, PDF, SVG")


def parse_channels(text: str) -> list[int]:
    """``"0-15"`` / ``"3,7,12"`` / ``"0-3,9"`` -> channel numbers."""
    channels: list[int] = []
    try:
        for part in text.split(","):
            first, _, last = part.strip().partition("-")
            channels.extend(range(int(first), int(last) + 1) if last else [int(first)])
    except ValueError:
        raise SeethroughError(f"--channels takes ranges and numbers such as 0-15 or 3,7,12; got {text!r}") from None
    if not channels or len(channels) > 64:
        raise SeethroughError(f"--channels: give 1 to 64 channels, got {len(channels)}")
    return channels


def build_objective(args, model):
    """The objective, the batch size and a title per image."""
    if args.layer:
        if args.diversity:
            raise SeethroughError("--diversity goes with --objective; --layer already draws one image per channel")
        channels = parse_channels(args.channels)
        model.layer(args.layer)
        objective = functools.reduce(operator.add, [objectives.channel(args.layer, c, batch=i)
                                                    for i, c in enumerate(channels)])
        objective.name = f"channels {args.layer}:{args.channels}"
        return objective, len(channels), [f"{args.layer}:{c}" for c in channels]
    objective = parse_objective(model, args.objective, cossim_pow=args.cossim_pow)
    if args.diversity < 0 or args.diversity == 1 or args.diversity > 16:
        raise SeethroughError("--diversity takes 2 to 16 images (0: one image, no penalty)")
    if args.diversity:
        layer = default_diversity_layer(model, objective)
        objective = objective - args.diversity_weight * objectives.diversity(layer)
        return objective, args.diversity, [f"{args.objective} #{i}" for i in range(args.diversity)]
    return objective, 1, [args.objective]


def run(args) -> int:
    prepare(args)
    if args.steps < 1 or args.steps > 100000:
        raise SeethroughError(f"--steps takes 1 to 100000, got {args.steps}")
    if args.out:
        check_suffix(args.out, figure=bool(args.layer or args.diversity))
    model = load_model(args)
    objective, batch, titles = build_objective(args, model)
    size = args.size or model.input_size[0]
    start = None
    if args.start:
        start = model.to_pixels(load_image(args.start), (size, size))
    result = render(model, objective, param=args.param, size=size, batch=batch, steps=args.steps,
                    learning_rate=args.lr, transforms=None if args.no_transforms else "standard",
                    redirect_steps=args.redirect_steps, start=start, stop_at=args.until, seed=args.seed,
                    progress=not (args.quiet or args.json))
    summary = result.to_dict()
    if result.classes:
        robust = probabilities_under_transforms(model, result.pixels, result.classes[0], seed=args.seed)
        summary["target"]["probs_under_transforms"] = [round(float(p), 4) for p in robust.mean(1)]
    if args.out:
        save_images(args.out, result.images(), titles if batch > 1 else [objective.name])
    if args.json:
        print_json({"model": model.name, "start": args.start, **summary, "out": args.out})
        return 0
    print(f"{objective.name}: {result.steps} steps in {result.seconds:.1f}s, objective "
          f"{result.values[0]:.4g} -> {result.values[-1]:.4g}")
    if result.classes:
        probs = ", ".join(f"{p:.1%}" for p in result.target_probs)
        robust = ", ".join(f"{p:.1%}" for p in summary["target"]["probs_under_transforms"])
        if result.start_probs:
            print(f"p({result.target_label}) on the start image: " + ", ".join(f"{p:.2%}" for p in result.start_probs))
        print(f"p({result.target_label}) on the result: {probs}; under fresh random transforms: {robust}")
    for row in result.top[:4]:
        print("  top-3: " + ", ".join(f"{label} {p:.1%}" for _, label, p in row))
    print(f"wrote {args.out}" if args.out else "(no -o given: no image written)")
    return 0
