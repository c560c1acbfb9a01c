"""seethrough patches: each channel's top-k patches, cropped to the receptive field, with deconvnet projections."""
from __future__ import annotations

from ..files import save_figure
from ..inside.datasets import open_dataset
from ..inside.patches import top_patches
from ..render.patches_figure import patches_figure
from .inside_options import add_dataset_options, checked_k, integers, reuse_scan
from .json_output import print_json
from .model_option import load_model
from .options import add_model_options, add_output_options
from .prepare import prepare

NAME = "patches"
HELP = "the top-k patches of each channel, cropped to its receptive field, beside their deconvnet projections"


def add_arguments(parser) -> None:
    add_dataset_options(parser)
    parser.add_argument("--layer", required=True, help="a layer with a spatial map (see 'seethrough layers')")
    parser.add_argument("--channels", help="channels to show, e.g. 0,5,7 (default the first 8)")
    parser.add_argument("-k", type=int, default=9, help="patches per channel (default 9)")
    parser.add_argument("--no-deconv", action="store_true", help="skip the deconvnet projections")
    add_model_options(parser)
    add_output_options(parser, out_help="write the figure (PNG, PDF, SVG)")


def run(args) -> int:
    prepare(args)
    k = checked_k(args.k)
    channels = integers(args.channels, "--channels")
    dataset = open_dataset(args.dataset)
    model = load_model(args)
    model.layer(args.layer)
    result = reuse_scan(args, model, dataset, args.layer, k)
    found = top_patches(model, dataset, args.layer, channels=channels, k=k, result=result,
                        projection=not args.no_deconv, seed=args.seed, batch_size=args.batch_size,
                        progress=not args.quiet)
    if args.out:
        save_figure(patches_figure(found, layer=args.layer), args.out, dpi=140)
    if args.json:
        print_json({"model": model.name, "dataset": dataset.name, "layer": args.layer,
                    "channels": {str(c): [p.to_dict() for p in ps] for c, ps in found.items()}, "figure": args.out})
    else:
        for channel, patches in found.items():
            print(f"channel {channel}: " + ", ".join(f"{p.description} {p.value:.3g}" for p in patches[:3])
                  + (" ..." if len(patches) > 3 else ""))
        if args.out:
            print(f"wrote {args.out}")
    return 0
