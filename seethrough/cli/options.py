"""The options every verb shares (the CLI contract): which model, and how to write the result."""
from __future__ import annotations

import argparse


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
