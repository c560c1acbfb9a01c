"""seethrough lime-tabular: which feature ranges make a trained classifier decide on one row (LIME)."""
from __future__ import annotations

from ..errors import SeethroughError
from ..files import save_figure
from ..lime import lime_tabular
from ..lime.tabular_model import DATASETS, tabular_demo
from ..render.lime_figures import lime_tabular_figure
from .json_output import print_json
from .options import add_output_options
from .prepare import prepare

NAME = "lime-tabular"
HELP = "LIME on a table row: a random forest on a bundled scikit-learn dataset, explained by feature quartiles"


def add_arguments(parser) -> None:
    parser.add_argument("--dataset", default="breast_cancer", help=f"{', '.join(DATASETS)} (default breast_cancer)")
    parser.add_argument("--row", type=int, default=0, help="which held-out row to explain (default 0)")
    parser.add_argument("--target", help="class name or index (default the top class)")
    parser.add_argument("--samples", type=int, default=1000, help="rows scored (default 1000)")
    parser.add_argument("--features", type=int, default=10, help="conditions drawn (default 10)")
    add_output_options(parser, out_help="write the bar chart of feature conditions (PNG, PDF, SVG)")


def run(args) -> int:
    prepare(args)
    if args.samples < 2:
        raise SeethroughError("--samples must be at least 2")
    demo = tabular_demo(args.dataset, seed=args.seed)
    if not 0 <= args.row < len(demo.test):
        raise SeethroughError(f"--row must be 0..{len(demo.test) - 1} ({args.dataset} has {len(demo.test)} held-out rows)")
    result = lime_tabular(demo.predict_proba, demo.train, demo.test[args.row], feature_names=demo.feature_names,
                          class_names=demo.class_names, target=args.target, n_samples=args.samples, seed=args.seed)
    if args.out:
        save_figure(lime_tabular_figure(result, count=args.features), args.out)
    truth = demo.class_names[int(demo.test_labels[args.row])]
    if args.json:
        print_json({"dataset": args.dataset, "row": args.row, "true_class": truth,
                    "model": "random forest (100 trees)", "test_accuracy": demo.accuracy,
                    **result.to_dict(), "figure": args.out})
        return 0
    probs = ", ".join(f"{n} {p:.1%}" for n, p in zip(result.class_names, result.probabilities))
    print(f"{args.dataset} row {args.row} (true: {truth}); random forest, test accuracy {demo.accuracy:.1%}")
    print(f"explaining '{result.target_label}' ({probs}); surrogate R^2 = {result.r2:.3f}")
    for condition, weight in result.ranked(args.features):
        print(f"{weight:+.4f}  {condition}")
    if args.out:
        print(f"wrote {args.out}")
    return 0
