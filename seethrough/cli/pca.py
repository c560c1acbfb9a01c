"""seethrough pca: a layer's representations of a dataset in 2-d (PCA, optionally t-SNE), coloured by class."""
from __future__ import annotations

import numpy as np

from ..errors import SeethroughError
from ..files import save_figure
from ..inside.datasets import open_dataset
from ..inside.pca import POOLS, project
from ..render.projection_figure import projection_figure
from .inside_options import add_dataset_options
from .json_output import print_json
from .model_option import load_model
from .options import add_model_options, add_output_options
from .prepare import prepare

NAME = "pca"
HELP = "project a layer's representations of a dataset to 2-d (PCA or t-SNE), coloured by label"


def add_arguments(parser) -> None:
    add_dataset_options(parser, scan_file=False)
    parser.add_argument("--layer", required=True, help="the layer (see 'seethrough layers')")
    parser.add_argument("--pool", default="flatten", choices=POOLS,
                        help="flatten the whole map, or mean / max over space per channel (default flatten)")
    parser.add_argument("--color-by", default="label", choices=["label", "prediction", "none"],
                        help="colour points by the dataset's label, the model's top-1 class, or not (default label)")
    parser.add_argument("--tsne", action="store_true", help="t-SNE of the first 50 principal components instead")
    parser.add_argument("--thumbnails", type=int, default=12,
                        help="draw up to this many example images at their points (default 12; 0: none)")
    add_model_options(parser)
    add_output_options(parser, out_help="write the scatter plot (PNG, PDF, SVG)")


def run(args) -> int:
    prepare(args)
    if args.thumbnails < 0:
        raise SeethroughError(f"--thumbnails takes 0 or more, got {args.thumbnails}")
    dataset = open_dataset(args.dataset)
    model = load_model(args)
    projection = project(model, dataset, args.layer, pool=args.pool, method="tsne" if args.tsne else "pca",
                         seed=args.seed, batch_size=args.batch_size, progress=not args.quiet)
    if args.out:
        if args.color_by == "label":
            colours, names = projection.labels, dataset.label_names
        elif args.color_by == "prediction":
            colours, names = projection.predictions, model.labels
        else:
            colours, names = np.full(len(projection.ids), -1), []
        pictures = {i: model.deprocess(dataset.inputs(model, [i])) for i in projection.thumbnails[:args.thumbnails]}
        figure = projection_figure(projection, colours=colours, colour_names=names, thumbnails=pictures,
                                   title=f"{model.name} {args.layer} on {dataset.name}: "
                                         f"{'t-SNE' if args.tsne else 'PCA'} ({args.pool})")
        save_figure(figure, args.out)
    if args.json:
        print_json({"model": model.name, "dataset": dataset.name, **projection.to_dict(), "figure": args.out})
    else:
        first, second = projection.explained_variance
        print(f"{args.layer} ({args.pool}, {projection.features} features) over {len(projection.ids)} examples "
              f"of {dataset.name}")
        print(f"explained variance: PC1 {first:.1%}, PC2 {second:.1%} (together {first + second:.1%})")
        if projection.knn_accuracy is not None:
            print(f"5-NN accuracy in the 2-d {'t-SNE' if args.tsne else 'PCA'} plane: {projection.knn_accuracy:.1%} "
                  f"(chance {1 / len(np.unique(projection.labels)):.1%})")
        if args.out:
            print(f"wrote {args.out}")
    return 0
