"""seethrough lime-text "TEXT": which words make a text classifier decide as it does (LIME)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from ..errors import SeethroughError
from ..files import write_text
from ..lime import lime_text
from ..render.lime_figures import lime_text_html
from .json_output import print_json
from .options import add_output_options
from .prepare import prepare

NAME = "lime-text"
HELP = "LIME on text: words for and against a class, as an HTML page (zero-shot sentence model by default)"


def add_arguments(parser) -> None:
    parser.add_argument("text", help="the text to explain (quote it)")
    parser.add_argument("--model", help="path/to/file.py:function, a function list[str] -> (n, classes) "
                                        "probabilities (class names from the function's or module's "
                                        "CLASS_NAMES); default: all-MiniLM-L6-v2 zero-shot, atheism vs christianity")
    parser.add_argument("--target", help="class name or index (default the top class)")
    parser.add_argument("--samples", type=int, default=1000, help="texts scored (default 1000)")
    add_output_options(parser, out_help="write the HTML page: highlighted words and a bar list")


def load_function(spec: str):
    """``path/to/file.py:name`` -> (the callable, its class names or None)."""
    path, _, name = spec.rpartition(":")
    if not path or not name or not path.endswith(".py"):
        raise SeethroughError(f"--model takes path/to/file.py:function, got {spec!r}")
    if not Path(path).is_file():
        raise SeethroughError(f"--model: no such file {path}")
    module_spec = importlib.util.spec_from_file_location(f"seethrough_user_text_{Path(path).stem}", path)
    module = importlib.util.module_from_spec(module_spec)
    sys.path.insert(0, str(Path(path).resolve().parent))
    try:
        module_spec.loader.exec_module(module)
    except Exception as error:  # the user's file: report, do not crash with a traceback
        raise SeethroughError(f"--model: importing {path} failed: {type(error).__name__}: {error}") from None
    finally:
        sys.path.pop(0)
    function = getattr(module, name, None)
    if not callable(function):
        raise SeethroughError(f"--model: {path} has no function {name!r}")
    names = getattr(function, "class_names", None) or getattr(module, "CLASS_NAMES", None)
    return function, (list(names) if names is not None else None)


def run(args) -> int:
    prepare(args)
    if args.samples < 2:
        raise SeethroughError("--samples must be at least 2")
    if args.model:
        classifier, names = load_function(args.model)
        title = f"LIME on text: {args.model}"
    else:
        from ..lime.text_model import ZeroShotText
        classifier = ZeroShotText(progress=not (args.quiet or args.json))
        names, title = classifier.class_names, "LIME on text: all-MiniLM-L6-v2, zero-shot"
    result = lime_text(classifier, args.text, target=args.target, class_names=names,
                       n_samples=args.samples, seed=args.seed)
    if args.out:
        write_text(args.out, lime_text_html(result, title=title))
    if args.json:
        print_json({**result.to_dict(), "text": args.text, "html": args.out})
        return 0
    probs = ", ".join(f"{n} {p:.1%}" for n, p in zip(result.class_names, result.probabilities))
    print(f"explaining '{result.target_label}' ({probs}); surrogate R^2 = {result.r2:.3f}")
    for word, weight in result.ranked()[:10]:
        print(f"{weight:+.4f}  {word}")
    if args.out:
        print(f"wrote {args.out}")
    return 0
