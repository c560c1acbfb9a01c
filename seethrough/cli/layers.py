"""seethrough layers: every named layer of a model with its output shape."""
from __future__ import annotations

from .json_output import print_json
from .model_option import load_model
from .options import add_model_options, add_output_options
from .prepare import prepare

NAME = "layers"
HELP = "list a model's layers by dotted name, with their output shapes for one input"


def add_arguments(parser) -> None:
    parser.add_argument("name", nargs="?", help="show only this layer and the layers inside it")
    add_model_options(parser)
    add_output_options(parser)


def run(args) -> int:
    prepare(args)
    model = load_model(args)
    names = model.layer_names()
    if args.name:
        model.layer(args.name)  # a wrong name fails here, listing the closest
        names = [n for n in names if n == args.name or n.startswith(args.name + ".")]
    shapes = model.layer_shapes()
    rows = [{"name": name, "type": type(model.layer(name)).__name__,
             "shape": list(shapes[name]) if name in shapes else None} for name in names]
    if args.json:
        print_json(rows)
    else:
        width = max(len(r["name"]) for r in rows)
        for r in rows:
            shape = "x".join(map(str, r["shape"][1:])) if r["shape"] else "(not run)"
            print(f"{r['name']:<{width}}  {r['type']:<24} {shape}")
    return 0
