"""seethrough samples: the built-in images."""
from __future__ import annotations

from ..data import list_samples
from .json_output import print_json

NAME = "samples"
HELP = "list the built-in sample images (use them as sample:NAME)"


def add_arguments(parser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable list on stdout")


def run(args) -> int:
    samples = list_samples()
    if args.json:
        print_json([{"name": f"sample:{n}", "description": d} for n, d in samples.items()])
    else:
        for name, description in samples.items():
            print(f"sample:{name:<11} {description}")
        print("mnist:INDEX        digit INDEX (0-4999) of MNIST-5k, 28x28 grey")
    return 0
