"""seethrough bagnet IMAGE|DATASET: a BagNet's exact patch evidence for a digit, or the paper's Fig. 3."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ..errors import SeethroughError
from ..files import save_figure
from .json_output import print_json
from .model_option import load_model
from .options import add_model_options, add_output_options
from .prepare import prepare

NAME = "bagnet"
HELP = "BagNet (Brendel & Bethge 2019): exact per-patch class evidence of a digit, or a data set's top patches"
DATASETS = {"mnist": "test", "mnist:test": "test", "mnist:train": "train"}
FIGURE_SUFFIXES = (".png", ".pdf", ".svg", ".jpg", ".jpeg")


def add_arguments(parser) -> None:
    parser.add_argument("image", metavar="IMAGE|DATASET",
                        help="a digit (image file, mnist:INDEX) for its evidence map, or a data set "
                             "(mnist = the held-out 1,000 test digits, mnist:train) for the top patches per class")
    parser.add_argument("--patch", type=int, choices=(9, 17, 33),
                        help="patch size of the zoo BagNet (default 17): bagnet9_mnist, bagnet17_mnist, bagnet33_mnist")
    parser.add_argument("--target", help="IMAGE: the class whose evidence is drawn (default the top-1 class)")
    parser.add_argument("--dense", action="store_true",
                        help="IMAGE: the patch centred on every pixel (28 x 28, as the paper's heatmaps) instead of "
                             "the network's own 7 x 7 grid, whose mean is the logit")
    parser.add_argument("--count", type=int, default=6, help="DATASET: patches per class and subrow (default 6)")
    parser.add_argument("--compare", type=int, nargs="?", const=100, metavar="N",
                        help="rank-correlate the evidence with --cnn's occlusion and Grad-CAM maps: for IMAGE on the "
                             "digit itself (the figure then shows the maps side by side), for DATASET on N of its "
                             "digits, every class in turn (default 100)")
    parser.add_argument("--cnn", default="mnist_cnn", help="the ordinary CNN for --compare (default mnist_cnn)")
    parser.add_argument("--gradcam-layer", help="--cnn's layer for Grad-CAM (default its last spatial layer)")
    add_model_options(parser)
    parser.set_defaults(model=None)
    add_output_options(parser, out_help="write the figure (PNG, PDF, SVG, JPEG)")


def _bagnet(args):
    from ..bagnet.evidence import bagnet_module
    if args.model is None:
        args.model = f"bagnet{args.patch or 17}_mnist"
    model = load_model(args)
    module = bagnet_module(model)
    if args.patch is not None and module.patch != args.patch:
        raise SeethroughError(f"--model {args.model} sees {module.patch} px patches, not --patch {args.patch}; "
                              "give one of the two")
    return model


def _cnn(args):
    from .. import zoo
    cnn = zoo.load(args.cnn, progress=not args.quiet)
    cnn.module.to(args.device)
    return cnn


def run_image(args, model) -> dict:
    from ..bagnet import bagnet_evidence, compare
    from ..data import load_image
    from ..render.bagnet_figures import agreement_figure, evidence_figure
    x = model.preprocess(load_image(args.image)).to(model.device)
    image = model.deprocess(x)
    evidence = bagnet_evidence(model, x, target=args.target, dense=args.dense)
    result = {"image": args.image, "model": model.name, **evidence.to_dict(),
              "prediction": [p.to_dict() for p in model.predict(x, top=3)[0]]}
    figure = None
    if args.compare is not None:
        agreement = compare(model, _cnn(args), x, evidence.target, gradcam_layer=args.gradcam_layer)
        result["comparison"] = {"cnn": agreement.options["cnn"],
                                "rank_correlation": {pair: round(float(values[0]), 4)
                                                     for pair, values in agreement.correlations.items()}}
        if args.out:
            figure = agreement_figure([image], agreement, count=1)
    elif args.out:
        figure = evidence_figure(image, evidence, title=f"{model.name} on {args.image}")
    if figure is not None:
        save_figure(figure, args.out)
    return result


def run_dataset(args, model) -> dict:
    from ..bagnet import compare, top_patches
    from ..bagnet.comparison import balanced_indices
    from ..render.bagnet_figures import top_patches_figure
    from ..zoo.training import accuracy as mnist_accuracy
    from ..zoo.training import mnist_tensors
    if model.input_size != (28, 28) or model.channels != 1:
        raise SeethroughError(f"{args.image} holds 28 x 28 grey digits; {model.name} takes "
                              f"{model.channels} x {model.input_size[0]} x {model.input_size[1]}")
    pixels, labels = mnist_tensors(DATASETS[args.image])
    x = model.normalize(pixels).to(model.device)
    classes = top_patches(model, x, labels, count=args.count, progress=not (args.quiet or args.json))
    accuracy = mnist_accuracy(model.module, x, labels.to(model.device))
    result = {"dataset": args.image, "model": model.name, "patch": model.module.patch, "digits": len(x),
              "accuracy": round(accuracy, 4), "classes": [c.to_dict() for c in classes]}
    if args.compare is not None:
        chosen = balanced_indices(labels, min(args.compare, len(x)))
        result["comparison"] = {**compare(model, _cnn(args), x[chosen.to(x.device)], labels[chosen],
                                          gradcam_layer=args.gradcam_layer).to_dict(), "indices": chosen.tolist()}
    if args.out:
        save_figure(top_patches_figure(classes, title=f"{model.name}: highest class evidence on {args.image} "
                                                       "(left: own class; right: other classes, true class in brackets)"),
                    args.out)
    return result


def run(args) -> int:
    prepare(args)
    if args.out and Path(args.out).suffix.lower() not in FIGURE_SUFFIXES:
        raise SeethroughError(f"-o {args.out}: the figure is one of {', '.join(FIGURE_SUFFIXES)}")
    if args.count < 1:
        raise SeethroughError(f"--count takes at least 1 patch, got {args.count}")
    if args.compare is not None and args.compare < 1:
        raise SeethroughError(f"--compare N takes at least 1 digit, got {args.compare}")
    model = _bagnet(args)
    started = time.perf_counter()
    result = run_dataset(args, model) if args.image in DATASETS else run_image(args, model)
    result["seconds"] = round(time.perf_counter() - started, 3)
    result["figure"] = args.out
    if args.json:
        print_json(result)
        return 0
    if "dataset" in result:
        print(f"{model.name} on {result['dataset']}: accuracy {result['accuracy']:.1%} on {result['digits']} digits")
        for entry in result["classes"]:
            own = ", ".join(f"{hit['evidence']:.1f}" for hit in entry["own"])
            others = ", ".join(f"{hit['evidence']:.1f} ({hit['label']})" for hit in entry["others"])
            print(f"class {entry['label']}: own {own} | others {others}")
        correlations = result.get("comparison", {}).get("correlation", {})
    else:
        top = result["prediction"][0]
        evidence = np.array(result["evidence"])
        row, col = np.unravel_index(int(evidence.argmax()), evidence.shape)
        print(f"{model.name}: {top['label']} {top['prob']:.1%}; evidence for '{result['target_label']}' from "
              f"{evidence.size} patches of {result['patch']} px, strongest {evidence.max():.2f} at ({row}, {col}), "
              f"weakest {evidence.min():.2f}")
        correlations = {pair: {"mean": rho} for pair, rho in result.get("comparison", {}).get("rank_correlation", {}).items()}
    for pair, stats in correlations.items():
        beyond = f" (beyond ink {stats['mean_beyond_ink']:+.3f})" if "mean_beyond_ink" in stats else ""
        print(f"rank correlation {pair}: {stats['mean']:+.3f}{beyond}")
    if args.out:
        print(f"wrote figure: {args.out}")
    return 0
