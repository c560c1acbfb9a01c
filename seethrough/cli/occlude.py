"""seethrough occlude IMAGE: slide a square over the image and show where covering it hurts the score."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ..attribution.occlusion import SCORES, SUMMARIES, occlusion
from ..errors import SeethroughError
from ..files import atomic_path, save_array, save_figure
from ..render.occlusion_figure import occlusion_figure
from .explain import FIGURE_SUFFIXES, load_baseline, load_input
from .json_output import print_json
from .model_option import load_model
from .options import add_model_options, add_output_options
from .prepare import prepare

NAME = "occlude"
HELP = "occlusion (Zeiler & Fergus): the drop in a class score or a feature map when a square is covered"


def add_arguments(parser) -> None:
    parser.add_argument("image", help="an image file, sample:NAME, mnist:INDEX, or an input tensor saved with "
                                      "--save-input (.npy)")
    parser.add_argument("--window", type=int, default=16, help="side of the occluding square in pixels (default 16)")
    parser.add_argument("--windows", metavar="W1,W2,...",
                        help="several window sizes side by side, e.g. 1,5,10,15 (replaces --window)")
    parser.add_argument("--stride", type=int,
                        help="step between windows in pixels (default half the window, at least 1); "
                             "with --windows, capped at each window")
    parser.add_argument("--baseline", default="zeros",
                        help="what covers the window: zeros (the all-zero input; mid-grey for EfficientNet), "
                             "black, white, mean, blur, uniform, a number, or a .npy tensor (default zeros)")
    parser.add_argument("--target", help="class name or index (default the top-1 class), or a hidden unit "
                                         "LAYER:CHANNEL (its feature map, see --summary) or LAYER:CHANNEL:Y:X")
    parser.add_argument("--score", default="logit", choices=SCORES, help="for a class: its logit or probability")
    parser.add_argument("--summary", default="mean", choices=SUMMARIES,
                        help="for a hidden unit LAYER:CHANNEL: the mean or the max of its feature map")
    parser.add_argument("--batch-size", type=int, help="occluded inputs per forward pass (default: fast on CPU)")
    parser.add_argument("--save-npy", metavar="A.npy", help="write the map at input resolution (N, C, H, W); "
                                                            "with --windows an .npz, one map per window")
    parser.add_argument("--save-input", metavar="X.npy", help="write the exact preprocessed input that was explained")
    add_model_options(parser)
    add_output_options(parser, out_help="write the figure: input, map, percent decrease (PNG, PDF, SVG, JPEG)")


def window_sizes(args) -> list[int]:
    if args.windows is None:
        return [args.window]
    try:
        sizes = [int(part) for part in args.windows.split(",") if part.strip()]
    except ValueError:
        raise SeethroughError("--windows takes comma-separated whole numbers such as 1,5,10,15; "
                              f"got {args.windows!r}") from None
    if not sizes:
        raise SeethroughError("--windows needs at least one size, such as 1,5,10,15")
    return list(dict.fromkeys(sizes))  # each size once, in the order given


def check_outputs(args, sizes: list[int]) -> None:
    if args.out and Path(args.out).suffix.lower() not in FIGURE_SUFFIXES:
        raise SeethroughError(f"-o {args.out}: the figure is one of {', '.join(FIGURE_SUFFIXES)}")
    if args.save_npy:
        wanted = ".npz" if len(sizes) > 1 else ".npy"
        if not args.save_npy.endswith(wanted):
            raise SeethroughError(f"--save-npy {args.save_npy}: give a {wanted} file"
                                  + (" (one map per window size)" if wanted == ".npz" else ""))
    if args.save_input and not args.save_input.endswith(".npy"):
        raise SeethroughError(f"--save-input {args.save_input}: give a .npy file")


def top_windows(result, count: int = 5) -> list[dict]:
    """The ``count`` windows whose covering lowers the score most (example 0); ``percent`` is None
    where the unoccluded score is 0."""
    drops, percent = result.grid[0].flatten(), result.percent[0].flatten()
    order = drops.argsort(descending=True, stable=True)[:count]
    starts_y, starts_x = result.starts
    columns = result.grid.shape[2]
    return [{"row": int(k) // columns, "col": int(k) % columns, "y": starts_y[int(k) // columns],
             "x": starts_x[int(k) % columns], "decrease": float(drops[k]),
             "percent": None if percent[k].isnan() else round(float(percent[k]), 3)} for k in order]


def run(args) -> int:
    prepare(args)
    sizes = window_sizes(args)
    check_outputs(args, sizes)
    model = load_model(args)
    x, image = load_input(args.image, model)
    baseline = load_baseline(args.baseline)
    results, seconds = [], []
    for size in sizes:
        started = time.perf_counter()
        stride = args.stride if args.stride is None or len(sizes) == 1 else min(args.stride, size)
        results.append(occlusion(model, x, target=args.target, window=size, stride=stride,
                                 baseline=baseline, score=args.score, summary=args.summary,
                                 batch_size=args.batch_size, seed=args.seed,
                                 progress=not (args.quiet or args.json)))
        seconds.append(time.perf_counter() - started)
    first = results[0]
    label = first.target_label
    if args.out:
        index = "" if first.target is None else f" ({int(first.target[0])})"
        title = f"{model.name}: occlusion of '{label}'{index}"
        save_figure(occlusion_figure(image, results, title=title), args.out)
    if args.save_npy:
        if len(results) == 1:
            save_array(args.save_npy, first.values.cpu().numpy())
        else:
            with atomic_path(args.save_npy) as temporary, open(temporary, "wb") as handle:
                np.savez(handle, **{f"window_{s}": r.values.cpu().numpy() for s, r in zip(sizes, results)})
    if args.save_input:
        save_array(args.save_input, x.detach().cpu().numpy())
    target = {"index": None if first.target is None else int(first.target[0]), "label": label}
    entries = [{**r.to_dict(), "seconds": round(t, 3), "top_windows": top_windows(r)} for r, t in zip(results, seconds)]
    files = {"figure": args.out, "values": args.save_npy, "input": args.save_input}
    if args.json:
        for entry in entries:
            entry.pop("target"), entry.pop("target_label")
        print_json({"image": args.image, "model": model.name, "target": target, "runs": entries, **files})
        return 0
    scored = first.options["score"] if target["index"] is not None else "value"
    print(f"occluding '{label}'" + (f" ({target['index']})" if target["index"] is not None else "")
          + f": unoccluded {scored} {first.certificates['base_score'][0]:.4g}")
    for entry in entries:
        options = entry["options"]
        best = entry["top_windows"][0]
        print(f"window {options['window'][0]}x{options['window'][1]} stride {options['stride'][0]}: "
              f"{entry['certificates']['grid_shape'][0]}x{entry['certificates']['grid_shape'][1]} windows, "
              f"{entry['seconds']:.1f}s; largest drop {best['decrease']:.4g}"
              + ("" if best["percent"] is None else f" ({best['percent']:.1f}%)") + f" at y={best['y']}, x={best['x']}")
    for kind, path in files.items():
        if path:
            print(f"wrote {kind}: {path}")
    return 0
