"""Options every verb shares (the CLI contract) and the steps every verb repeats."""
from __future__ import annotations

import argparse
import json
import random
import sys

import numpy as np
import torch

from ..errors import SeethroughError
from ..files import check_writable


def add_model_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("model")
    group.add_argument("--model", default="efficientnet_lite0",
                       help="zoo name (see 'seethrough models'), path/to/file.py:factory, or a TorchScript .pt")
    group.add_argument("--input-size", help="user models: H,W or one number (default 224)")
    group.add_argument("--mean", help="user models: per-channel mean, e.g. 0.485,0.456,0.406 (default 0)")
    group.add_argument("--std", help="user models: per-channel std (default 1)")
    group.add_argument("--labels", help="user models: a text file with one class name per line")
    group.add_argument("--device", default="cpu", choices=["cpu", "cuda"], help="where to run (default cpu)")


def add_output_options(parser: argparse.ArgumentParser, *, out_help: str | None = None) -> None:
    group = parser.add_argument_group("output")
    group.add_argument("--json", action="store_true", help="print a machine-readable result on stdout, nothing else")
    if out_help:
        group.add_argument("-o", "--out", help=out_help)
    group.add_argument("--seed", type=int, default=0, help="seed for every random choice (default 0)")
    group.add_argument("--quiet", action="store_true", help="no progress bars")


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


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def prepare(args: argparse.Namespace) -> None:
    """Checks and settings before any work: seed, output folder writable."""
    seed_everything(args.seed)
    for option in ("out", "save_npy", "save_input"):
        path = getattr(args, option, None)
        if path:
            check_writable(path)


def print_json(value) -> None:
    json.dump(value, sys.stdout, indent=2)
    sys.stdout.write("\n")
