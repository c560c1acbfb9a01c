"""seethrough examples: the dataset examples that most (or least) activate a channel, neuron or logit."""
from __future__ import annotations

from ..errors import SeethroughError
from ..files import save_figure
from ..inside.datasets import open_dataset
from ..inside.examples import top_examples
from ..render.examples_figure import examples_figure
from .inside_options import add_dataset_options, checked_k, integers, reuse_scan
from .json_output import print_json
from .model_option import load_model
from .options import add_model_options, add_output_options
from .prepare import prepare

NAME = "examples"
HELP = "the examples of a dataset that most (or, with --bottom, least) activate a unit"


def add_arguments(parser) -> None:
    add_dataset_options(parser)
    parser.add_argument("--layer", required=True, help="the layer (a logit: the output layer, e.g. fc)")
    parser.add_argument("--unit", required=True, metavar="C|C:Y:X",
                        help="a channel (or a unit of a flat layer, e.g. a class's logit), or the neuron C:Y:X")
    parser.add_argument("--bottom", action="store_true", help="the least activating examples instead")
    parser.add_argument("-k", type=int, default=9, help="how many examples (default 9)")
    parser.add_argument("--label", help="only examples with these labels, e.g. 8: the eights")
    parser.add_argument("--reduce", default="max", choices=["max", "mean"],
                        help="a channel's score on an example: max or mean over its map (default max)")
    add_model_options(parser)
    add_output_options(parser, out_help="write the grid of examples (PNG, PDF, SVG)")


def run(args) -> int:
    prepare(args)
    k = checked_k(args.k)
    labels = integers(args.label, "--label")
    dataset = open_dataset(args.dataset)
    model = load_model(args)
    model.layer(args.layer)
    parts = integers(args.unit.replace(":", ","), "--unit")
    if len(parts) not in (1, 3):
        raise SeethroughError(f"--unit is a channel C or a neuron C:Y:X, got {args.unit!r}")
    unit = parts[0] if len(parts) == 1 else tuple(parts)
    reduce = "none" if len(parts) == 3 else args.reduce
    result = reuse_scan(args, model, dataset, args.layer, k, labels, reduce)
    found = top_examples(model, dataset, args.layer, unit, k=k, bottom=args.bottom, labels=labels,
                         reduce=args.reduce, result=result, batch_size=args.batch_size, progress=not args.quiet)
    side = "least" if args.bottom else "most"
    only = f", labels {args.label}" if labels else ""
    title = f"{model.name} {args.layer}:{args.unit} — {side} activating examples of {dataset.name}{only}"
    if args.out:
        save_figure(examples_figure(found, title=title), args.out)
    if args.json:
        print_json({"model": model.name, "dataset": dataset.name, "layer": args.layer,
                    "unit": unit if isinstance(unit, int) else list(unit),
                    "side": "bottom" if args.bottom else "top", "examples": [e.to_dict() for e in found],
                    "figure": args.out})
    else:
        print(title)
        for e in found:
            label = f"  [{e.label}]" if e.label else ""
            print(f"{e.rank + 1:>3}. {e.value:10.4g}  {e.description}{label}")
        if args.out:
            print(f"wrote {args.out}")
    return 0
