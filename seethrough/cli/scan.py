"""seethrough scan: one streaming pass over a dataset keeping each unit's top-k / bottom-k examples."""
from __future__ import annotations

import numpy as np

from ..inside.datasets import open_dataset
from ..inside.scan import scan
from .inside_options import add_dataset_options, checked_k, integers
from .json_output import print_json
from .model_option import load_model
from .options import add_model_options, add_output_options
from .prepare import prepare

NAME = "scan"
HELP = "scan a dataset once, keeping every unit's top-k and bottom-k examples and statistics (save with -o)"


def add_arguments(parser) -> None:
    add_dataset_options(parser, scan_file=False)
    parser.add_argument("--layer", action="append", required=True, help="a layer to scan (repeatable)")
    parser.add_argument("-k", type=int, default=9, help="examples kept per unit and side (default 9)")
    parser.add_argument("--reduce", default="max", choices=["max", "mean", "none"],
                        help="a channel's score on an example: max or mean over its map (default max); "
                             "none: every neuron C:Y:X is its own unit")
    parser.add_argument("--label", help="scan only examples with these labels, e.g. 8 or 3,8")
    parser.add_argument("--activation-stats", action="store_true",
                        help="also keep each channel's mean/std/min/max over every activation (all positions); "
                             "slower: three more passes over each map")
    add_model_options(parser)
    add_output_options(parser, out_help="write the scan (.npz) for 'examples --scan' and 'patches --scan'")


def layer_summary(layer) -> dict:
    """A layer's line in the summary: mean score over its units, the strongest unit; the mean over
    every activation too when the scan kept activation statistics."""
    summary = {"shape": list(layer.shape), "mean_score": float(np.mean(layer.score_mean)),
               "strongest_unit": int(np.argmax(layer.top_values[:, 0])),
               "strongest_value": float(np.max(layer.top_values[:, 0]))}
    if layer.mean is not None:
        summary["mean_activation"] = float(np.mean(layer.mean))
    return summary


def run(args) -> int:
    prepare(args)
    k = checked_k(args.k)
    labels = integers(args.label, "--label")
    dataset = open_dataset(args.dataset)
    model = load_model(args)
    result = scan(model, dataset, args.layer, k=k, reduce=args.reduce, labels=labels, batch_size=args.batch_size,
                  activation_statistics=args.activation_stats, progress=not args.quiet)
    if args.out:
        result.save(args.out)
    summary = {"model": model.name, "dataset": dataset.name, "examples": result.count, "k": k,
               "reduce": args.reduce, "file": args.out,
               "layers": {name: layer_summary(s) for name, s in result.layers.items()}}
    if args.json:
        print_json(summary)
    else:
        print(f"scanned {result.count} examples of {dataset.name} with {model.name}")
        for name, layer in summary["layers"].items():
            overall = (f", mean activation {layer['mean_activation']:.4g}" if "mean_activation" in layer else "")
            print(f"{name}: {layer['shape']}, mean score {layer['mean_score']:.4g}{overall}, strongest unit "
                  f"{layer['strongest_unit']} ({layer['strongest_value']:.4g})")
        if args.out:
            print(f"wrote {args.out}")
    return 0
