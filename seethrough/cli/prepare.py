"""What every verb does before any work: seed every generator, check the output paths can be written."""
from __future__ import annotations

import argparse
import random

import numpy as np
import torch

from ..files import check_writable


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
