"""seethrough explain IMAGE --method M: which pixels an attribution method credits for a decision."""
from __future__ import annotations

import inspect
import time
from pathlib import Path

import numpy as np
import torch

from ..attribution import list_methods
from ..attribution.base import get_method
from ..data import load_image
from ..errors import SeethroughError, unknown
from ..files import atomic_path, save_array, save_figure
from ..progress import Progress
from ..render.heatmaps import LECTURE_ORDER, certificate_text, comparison_figure, explanation_figure
from .json_output import print_json
from .model_option import load_model
from .options import add_model_options, add_output_options
from .prepare import prepare

NAME = "explain"
HELP = "attribute a decision to the input's pixels (saliency, integrated gradients, LRP, Grad-CAM, ..., or all)"

# command-line option -> the keyword of the method functions that take it
OPTIONS = {"baseline": "baseline", "steps": "n_steps", "samples": "n_samples", "noise": "noise_level",
           "layer": "layer", "rule": "conv_rule", "quadrature": "rule", "variant": "variant",
           "tolerance": "tolerance", "epsilon": "epsilon"}
FIGURE_SUFFIXES = (".png", ".pdf", ".svg", ".jpg", ".jpeg")


def add_arguments(parser) -> None:
    parser.add_argument("image", help="an image file, sample:NAME, mnist:INDEX, or a preprocessed input "
                                      "tensor saved with --save-input (.npy)")
    parser.add_argument("--method", required=True,
                        help="an attribution method (see below), or 'all' for the comparison table")
    parser.add_argument("--target", help="class name or index (default the top-1 class), or a hidden unit "
                                         "LAYER:CHANNEL (its spatial mean) or LAYER:CHANNEL:Y:X")
    parser.add_argument("--save-npy", metavar="A.npy", help="write the attribution values (N, C, H, W) or (N, h, w); "
                                                            "with --method all an .npz, one array per method")
    parser.add_argument("--save-input", metavar="X.npy", help="write the exact preprocessed input that was explained")
    parser.add_argument("--trust", action="store_true",
                        help="also check each explanation: its map when the model's weights are randomized "
                             "(Adebayo et al. 2018) and deletion/insertion against a random map; adds a verdict")
    parser.add_argument("--percentile", type=float, default=99.5,
                        help="clip the drawn maps at this percentile of |values| (default 99.5)")
    group = parser.add_argument_group("method options (an option the method does not take is an error)")
    group.add_argument("--baseline", help="integrated_gradients, deeplift: zeros, black, white, mean, blur, "
                                          "uniform, a number, or a .npy input tensor")
    group.add_argument("--steps", type=int, help="integrated_gradients: quadrature steps (default 50)")
    group.add_argument("--quadrature", help="integrated_gradients: gausslegendre (default), riemann_trapezoid, ...")
    group.add_argument("--tolerance", type=float,
                       help="integrated_gradients: double the steps until the completeness gap is under this")
    group.add_argument("--samples", type=int, help="smoothgrad: noisy samples (default 25)")
    group.add_argument("--noise", type=float, help="smoothgrad: noise sigma as a fraction of the input range")
    group.add_argument("--variant", help="smoothgrad: smoothgrad, smoothgrad_sq or vargrad")
    group.add_argument("--layer", help="cam, gradcam, guided_gradcam: the conv layer (see 'seethrough layers')")
    group.add_argument("--rule", help="lrp: the rule for convolutions: epsilon, gamma or zplus")
    group.add_argument("--epsilon", type=float, help="lrp: the epsilon rule's stabilizer")
    add_model_options(parser)
    add_output_options(parser, out_help="write the picture (PNG, PDF, SVG, JPEG)")
    parser.epilog = "methods: " + ", ".join(list_methods())


def method_options(name: str, args, *, strict: bool) -> dict:
    """The options given on the command line that method ``name`` takes, under its keywords.

    ``strict``: an option it does not take is an error (a single method); else it is left out.
    ``seed`` and ``progress`` are passed to the methods that take them.
    """
    taken = inspect.signature(get_method(name)).parameters
    options = {}
    for flag, keyword in OPTIONS.items():
        value = getattr(args, flag)
        if value is None:
            continue
        if keyword not in taken:
            if strict:
                accepted = [f"--{f}" for f, k in OPTIONS.items() if k in taken]
                raise SeethroughError(f"{name} does not take --{flag}; it takes "
                                      + (", ".join(accepted) if accepted else "no method options"))
            continue
        options[keyword] = load_baseline(value) if flag == "baseline" else value
    if "seed" in taken:
        options["seed"] = args.seed
    if "progress" in taken and strict:
        options["progress"] = not (args.quiet or args.json)
    return options


def load_baseline(text: str):
    """``--baseline``: a .npy file is a tensor; anything else goes to the method as it is."""
    if not text.endswith(".npy"):
        return text
    if not Path(text).is_file():
        raise SeethroughError(f"--baseline {text}: no such file")
    return torch.from_numpy(np.load(text)).float()


def load_input(spec: str, model) -> tuple[torch.Tensor, np.ndarray]:
    """The input tensor (1, C, H, W) to explain and the image to draw it on."""
    if spec.endswith(".npy"):
        if not Path(spec).is_file():
            raise SeethroughError(f"no such file: {spec}")
        try:
            array = np.load(spec, allow_pickle=False)
        except ValueError as error:
            raise SeethroughError(f"{spec} is not a numpy array file ({error})") from None
        x = torch.from_numpy(np.ascontiguousarray(array)).float()
        x = x[None] if x.dim() == 3 else x
        if x.dim() != 4 or x.shape[:2] != (1, model.channels):
            raise SeethroughError(f"{spec} has shape {tuple(array.shape)}; an input tensor is (1, {model.channels}, H, W) "
                                  "as written by --save-input")
        x = x.to(model.device)
    else:
        x = model.preprocess(load_image(spec)).to(model.device)
    return x, model.deprocess(x)


def chosen_methods(text: str) -> list[str]:
    """``--method``: one registered name, or ``all`` (the lectures' methods first, then the others)."""
    registered = list_methods()
    if text == "all":
        return [m for m in LECTURE_ORDER if m in registered] + [m for m in registered if m not in LECTURE_ORDER]
    if text not in registered:
        raise unknown("attribution method", text, registered + ["all"])
    return [text]


def check_outputs(args, methods: list[str]) -> None:
    if args.out and Path(args.out).suffix.lower() not in FIGURE_SUFFIXES:
        raise SeethroughError(f"-o {args.out}: the picture is one of {', '.join(FIGURE_SUFFIXES)}")
    if args.save_npy and len(methods) > 1 and not args.save_npy.endswith(".npz"):
        raise SeethroughError("with --method all, --save-npy writes one array per method: give a .npz file")
    if args.save_input and not args.save_input.endswith(".npy"):
        raise SeethroughError(f"--save-input {args.save_input}: give a .npy file")
    if not 0 < args.percentile <= 100:
        raise SeethroughError("--percentile is in (0, 100]")


def target_json(result) -> dict:
    index = None if result.target is None else int(result.target[0])
    return {"index": index, "label": result.target_label}


def explain_all(model, x, methods: list[str], args) -> list[tuple[str, object, float]]:
    """Run every method, collecting (name, Attribution or the reason it cannot run, seconds)."""
    options = {name: method_options(name, args, strict=False) for name in methods}
    for flag, keyword in OPTIONS.items():
        if getattr(args, flag) is not None and not any(keyword in inspect.signature(get_method(m)).parameters
                                                      for m in methods):
            raise SeethroughError(f"--{flag}: none of the methods takes it")
    width = max(len(m) for m in methods)
    bar = Progress(len(methods), "explain".ljust(width + 8), enabled=not (args.quiet or args.json))
    results = []
    for name in methods:
        bar.description = f"explain {name.ljust(width)}"
        started = time.perf_counter()
        try:
            result = get_method(name)(model, x, target=args.target, **options[name])
        except SeethroughError as error:
            result = str(error)
        results.append((name, result, time.perf_counter() - started))
        bar.advance()
    bar.close()
    return results


def run(args) -> int:
    prepare(args)
    methods = chosen_methods(args.method)
    check_outputs(args, methods)
    single = len(methods) == 1
    options = method_options(methods[0], args, strict=True) if single else None
    model = load_model(args)
    x, image = load_input(args.image, model)
    if single:
        started = time.perf_counter()
        results = [(methods[0], get_method(methods[0])(model, x, target=args.target, **options),
                    time.perf_counter() - started)]
    else:
        results = explain_all(model, x, methods, args)
    done = [r for _, r, _ in results if not isinstance(r, str)]
    if not done:
        raise SeethroughError("no method could run on this model: " + "; ".join(f"{n}: {r}" for n, r, _ in results))
    label = done[0].target_label
    title = f"{model.name}: why '{label}'?" if done[0].target is not None else f"{model.name}: {label}"
    if args.out:
        if single:
            figure = explanation_figure(image, done[0], title=f"{methods[0]} — {title}", percentile=args.percentile)
        else:
            figure = comparison_figure(image, [(n, r) for n, r, _ in results], title=title, percentile=args.percentile)
        save_figure(figure, args.out)
    if args.save_npy:
        arrays = {n: r.values.detach().cpu().numpy() for n, r, _ in results if not isinstance(r, str)}
        if single:
            save_array(args.save_npy, arrays[methods[0]])
        else:
            with atomic_path(args.save_npy) as temporary, open(temporary, "wb") as handle:
                np.savez(handle, **arrays)
    if args.save_input:
        save_array(args.save_input, x.detach().cpu().numpy())
    checks = trust_checks(model, x, results, args) if args.trust else {}
    report(args, model, results, single, checks)
    return 0


def trust_checks(model, x, results, args) -> dict:
    """method -> its TrustCheck (randomization and faithfulness verdicts), for --trust."""
    from ..trust.verdict import trust_check
    return {name: trust_check(model, x, name, target=args.target, attribution=result,
                              options=method_options(name, args, strict=False), seed=args.seed,
                              progress=not (args.quiet or args.json))
            for name, result, _ in results if not isinstance(result, str)}


def report(args, model, results, single: bool, checks: dict | None = None) -> None:
    checks = checks or {}
    entries = []
    for name, result, seconds in results:
        if isinstance(result, str):
            entries.append({"method": name, "error": result})
        else:
            entry = result.to_dict()
            entry.update(target=target_json(result), seconds=round(seconds, 3))
            entry.pop("target_label")
            if name in checks:
                entry["trust"] = checks[name].to_dict()
            entries.append(entry)
    files = {"figure": args.out, "values": args.save_npy, "input": args.save_input}
    if args.json:
        head = {"image": args.image, "model": model.name}
        print_json({**head, **entries[0], **files} if single else {**head, "methods": entries, **files})
        return
    for entry in entries:
        if "error" in entry:
            print(f"{entry['method']:<22} not available: {entry['error']}")
            continue
        target = entry["target"]
        about = f"'{target['label']}'" + (f" ({target['index']})" if target["index"] is not None else "")
        note = certificate_text(entry["certificates"]).replace("\n", "; ")
        print(f"{entry['method']:<22} {about}  values {tuple(entry['shape'])}  {entry['seconds']:.1f}s"
              + (f"  [{note}]" if note else ""))
        if "trust" in entry:
            trust = entry["trust"]
            print(f"{'':<22} trust: {trust['verdict']} (rank corr. after randomization "
                  f"{trust['randomized_similarity']['spearman_abs']:.2f}, kept {trust['kept']:.2f}; deletion AUC "
                  f"{trust['deletion_auc']:.3f} vs random {trust['deletion_random_auc']:.3f}, insertion "
                  f"{trust['insertion_auc']:.3f} vs {trust['insertion_random_auc']:.3f})")
    for kind, path in files.items():
        if path:
            print(f"wrote {kind}: {path}")
