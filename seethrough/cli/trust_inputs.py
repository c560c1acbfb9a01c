"""What the trust verbs (``sanity``, ``faithfulness``) share: the method list and the options
each method takes. A helper module (no ``NAME``): not a verb."""
from __future__ import annotations

import inspect

from ..attribution import list_methods
from ..attribution.base import get_method
from ..errors import SeethroughError, unknown

DEFAULT_METHODS = "saliency,guided_backprop,gradcam"


def add_method_arguments(parser) -> None:
    parser.add_argument("image", help="an image file, sample:NAME or mnist:INDEX")
    parser.add_argument("--methods", default=DEFAULT_METHODS,
                        help=f"comma-separated attribution methods (default {DEFAULT_METHODS}); "
                             "see 'seethrough explain --help' for the list")
    parser.add_argument("--target", help="class name or index (default the top-1 class)")
    parser.add_argument("--layer", help="cam, gradcam, guided_gradcam: the conv layer (default the method's)")


def parse_methods(text: str) -> list[str]:
    """``--methods a,b,c`` -> the names, each checked against the registry (closest names on a typo)."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise SeethroughError("--methods needs at least one attribution method")
    registered = list_methods()
    for name in names:
        if name not in registered:
            raise unknown("attribution method", name, registered)
    if len(set(names)) != len(names):
        raise SeethroughError(f"--methods lists a method twice: {text}")
    return names


def method_options(methods: list[str], *, layer: str | None, seed: int) -> dict[str, dict]:
    """Each method's keyword options: ``layer`` for the methods that take one, ``seed`` likewise."""
    options = {}
    for name in methods:
        taken = inspect.signature(get_method(name)).parameters
        chosen = {}
        if layer is not None and "layer" in taken:
            chosen["layer"] = layer
        if "seed" in taken:
            chosen["seed"] = seed
        options[name] = chosen
    if layer is not None and not any("layer" in opts for opts in options.values()):
        raise SeethroughError("--layer: none of the methods takes a layer (cam, gradcam and guided_gradcam do)")
    return options
