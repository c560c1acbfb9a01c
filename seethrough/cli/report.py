"""seethrough report IMAGE -o report.html: every section of the report for one image."""
from __future__ import annotations

from ..data import load_image
from ..files import write_text
from ..report import build_report, list_sections
from .inputs import object_mask, texture_box
from .json_output import print_json
from .model_option import load_model
from .options import add_model_options, add_output_options
from .prepare import prepare

NAME = "report"
HELP = "write a self-contained HTML report (prediction, probes, and every later section) for one image"


def add_arguments(parser) -> None:
    parser.add_argument("image", help="an image file, sample:NAME or mnist:INDEX")
    parser.add_argument("--mask", help="the object's mask (PNG, white on the object) for the shape probe")
    parser.add_argument("--texture-box", metavar="x0,y0,x1,y1", help="the texture patch for the texture probe")
    add_model_options(parser)
    add_output_options(parser, out_help="the HTML file to write (default report.html)")


def write_report(args, image_spec: str) -> int:
    args.out = args.out or "report.html"
    prepare(args)
    image = load_image(image_spec)
    mask = object_mask(image_spec, image, getattr(args, "mask", None))
    box = texture_box(image_spec, image, getattr(args, "texture_box", None))
    model = load_model(args)
    page = build_report(model, image, image_spec, progress=not args.quiet, mask=mask, texture_box=box)
    write_text(args.out, page)
    if args.json:
        print_json({"report": args.out, "image": image_spec, "model": model.name, "sections": list_sections()})
    else:
        print(f"wrote {args.out} ({len(page) / 1e6:.1f} MB, self-contained): open it in a browser")
    return 0


def run(args) -> int:
    return write_report(args, args.image)
