"""seethrough filters: a convolution layer's kernels as images (the first layer's as RGB)."""
from __future__ import annotations

from ..files import save_figure
from ..inside.filters import MODES, filters
from ..render.filters_figure import filters_figure
from .json_output import print_json
from .model_option import load_model
from .options import add_model_options, add_output_options
from .prepare import prepare

NAME = "filters"
HELP = "show a convolution layer's kernels: the first layer's as an RGB grid, others per input channel or summed"


def add_arguments(parser) -> None:
    parser.add_argument("--layer", help="a Conv2d layer (default: the first convolution the model calls)")
    parser.add_argument("--mode", default="auto", choices=MODES,
                        help="rgb (3 input channels as colours), sum (over input channels), channels (each "
                             "input channel apart); auto: rgb for 3 input channels, else sum")
    parser.add_argument("--limit", type=int, default=64, help="show at most this many kernel images (default 64)")
    add_model_options(parser)
    add_output_options(parser, out_help="write the grid of kernels (PNG, PDF, SVG)")


def run(args) -> int:
    prepare(args)
    model = load_model(args)
    if args.limit < 1:
        from ..errors import SeethroughError
        raise SeethroughError(f"--limit takes a positive number, got {args.limit}")
    found = filters(model, args.layer, mode=args.mode, limit=args.limit)
    if args.out:
        save_figure(filters_figure(found), args.out)
    out, inputs, height, width = found.weights.shape
    if args.json:
        print_json({"model": model.name, "layer": found.layer, "mode": found.mode,
                    "kernels": [out, inputs, height, width], "images": len(found.images), "figure": args.out})
    else:
        print(f"{found.layer}: {out} kernels of {inputs}x{height}x{width}, shown as {found.mode} "
              f"({len(found.images)} images)")
        if args.out:
            print(f"wrote {args.out}")
    return 0
