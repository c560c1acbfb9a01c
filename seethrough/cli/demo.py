"""seethrough demo: the main job on the built-in model and image (EfficientNet-Lite0 on chelsea)."""
from __future__ import annotations

from .options import add_output_options
from .report import write_report

NAME = "demo"
HELP = "classify and explain chelsea the cat with EfficientNet-Lite0; writes report.html"


def add_arguments(parser) -> None:
    parser.set_defaults(model="efficientnet_lite0", input_size=None, mean=None, std=None, labels=None, device="cpu")
    add_output_options(parser, out_help="the HTML file to write (default report.html)")


def run(args) -> int:
    return write_report(args, "sample:chelsea")
