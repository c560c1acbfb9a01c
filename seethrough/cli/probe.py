"""seethrough probe IMAGE: the first lecture's experiments (parts, shape only, texture only)."""
from __future__ import annotations

from ..data import load_image
from ..errors import SeethroughError
from ..files import save_figure
from ..probes import parse_box, probe
from ..render.figures import probe_figure
from .inputs import object_mask, texture_box
from .json_output import print_json
from .model_option import load_model
from .options import add_model_options, add_output_options
from .prepare import prepare

NAME = "probe"
HELP = "cover parts of an image, show only its shape, only its texture; see what the model still says"


def add_arguments(parser) -> None:
    parser.add_argument("image", help="an image file, sample:NAME or mnist:INDEX")
    parser.add_argument("--box", action="append", default=[], metavar="x0,y0,x1,y1",
                        help="a box to cover, in original-image pixels (repeatable; all covered together)")
    parser.add_argument("--grid", type=int, default=3, help="also cover each cell of an N x N grid (0: none; default 3)")
    parser.add_argument("--fill", default="grey", help="how to cover: grey, black, mean or a grey level 0-255")
    parser.add_argument("--mask", help="the object's mask (PNG, white on the object) for the shape-only probe; "
                                       "built-in samples chelsea and horse have one")
    parser.add_argument("--texture-box", metavar="x0,y0,x1,y1", help="the texture patch to tile (default: on the object)")
    parser.add_argument("--target", help="class to follow (name or index; default the top-1 of the original)")
    parser.add_argument("--top", type=int, default=3, help="labels per probe (default 3)")
    add_model_options(parser)
    add_output_options(parser, out_help="write the figure of every probe image with its labels (PNG, PDF, SVG)")


def run(args) -> int:
    prepare(args)
    image = load_image(args.image)
    boxes = [parse_box(text, image.shape) for text in args.box]
    if args.grid < 0 or args.grid > 16:
        raise SeethroughError("--grid takes 0 (no sweep) to 16")
    fill = int(args.fill) if args.fill.isdigit() else args.fill
    mask = object_mask(args.image, image, args.mask)
    texture = texture_box(args.image, image, args.texture_box)
    model = load_model(args)
    results = probe(model, image, boxes=boxes, grid=args.grid, mask=mask, texture_box=texture,
                    fill=fill, target=args.target, top=args.top)
    followed = results[0].predictions[0] if args.target is None else None
    index = followed.index if followed else model.class_index(args.target) if not args.target.isdigit() else int(args.target)
    label = model.label(index)
    if args.out:
        save_figure(probe_figure(results, label), args.out)
    if args.json:
        print_json({"image": args.image, "model": model.name, "target": {"index": index, "label": label},
                    "probes": [r.to_dict() for r in results], "figure": args.out})
    else:
        print(f"following '{label}' ({index})")
        for r in results:
            top = ", ".join(f"{p.label} {p.prob:.0%}" for p in r.predictions)
            print(f"{r.name:<34} {r.target_prob:7.1%} ({r.change:+6.1%})  {top}")
        if mask is None:
            print("(no shape-only probe: give --mask MASK.png)")
        if args.out:
            print(f"wrote {args.out}")
    return 0
