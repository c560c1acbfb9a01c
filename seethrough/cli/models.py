"""seethrough models: the zoo."""
from __future__ import annotations

from ..zoo import list_models
from .json_output import print_json

NAME = "models"
HELP = "list the built-in models (a user's file.py:factory or TorchScript .pt works too)"


def add_arguments(parser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable list on stdout")


def run(args) -> int:
    models = list_models()
    if args.json:
        print_json([{"name": n, "description": d} for n, d in models.items()])
    else:
        for name, description in models.items():
            print(f"{name:<20} {description}")
    return 0
