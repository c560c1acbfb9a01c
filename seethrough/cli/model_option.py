"""``--model`` and its options (``--input-size``, ``--mean``, ``--std``, ``--labels``, ``--device``) -> a Model."""
from __future__ import annotations

import argparse

import torch

from ..errors import SeethroughError


def _numbers(text: str | None, option: str, kind=float) -> list | None:
    if text is None:
        return None
    try:
        return [kind(part) for part in text.split(",")]
    except ValueError:
        raise SeethroughError(f"{option} takes comma-separated numbers, got {text!r}") from None


def load_model(args: argparse.Namespace):
    """The model named by ``--model`` and its options, moved to ``--device``."""
    from .. import zoo
    from ..zoo.user import is_user_model
    size = _numbers(args.input_size, "--input-size", int)
    if size is not None and (len(size) not in (1, 2) or min(size) < 1):
        raise SeethroughError(f"--input-size is H,W or one number, got {args.input_size!r}")
    user_options = {"input_size": size and (size * 2)[:2], "mean": _numbers(args.mean, "--mean"),
                    "std": _numbers(args.std, "--std"), "labels": args.labels}
    if is_user_model(args.model):
        model = zoo.load(args.model, **user_options)
    else:
        given = [f"--{k.replace('_', '-')}" for k, v in user_options.items() if v is not None]
        if given:
            raise SeethroughError(f"{', '.join(given)} apply to user models only; {args.model} has its own")
        model = zoo.load(args.model, progress=not args.quiet)
    if args.device == "cuda":
        if not torch.cuda.is_available():
            raise SeethroughError("--device cuda: no CUDA device here; use --device cpu")
        model.module.to("cuda")
    return model
