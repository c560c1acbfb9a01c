"""Options and steps shared by the verbs that look inside a network over a dataset
(``scan``, ``examples``, ``patches``, ``pca``). A helper module: it is not a verb."""
from __future__ import annotations

import argparse

from ..errors import SeethroughError

DATASET_HELP = ("mnist (MNIST-5k), mnist:train, mnist:test, samples (the built-in images and their crops), "
                "a folder of images (subfolders = labels) or a .npy array of images")


def add_dataset_options(parser: argparse.ArgumentParser, *, scan_file: bool = True) -> None:
    parser.add_argument("dataset", help=DATASET_HELP)
    parser.add_argument("--batch-size", type=int, default=64, help="examples per forward pass (default 64)")
    if scan_file:
        parser.add_argument("--scan", metavar="FILE.npz", help="reuse a scan written by 'seethrough scan -o' "
                                                               "instead of scanning again")


def integers(text: str | None, option: str) -> list[int] | None:
    """``"0,5,7"`` -> [0, 5, 7]; None stays None."""
    if text is None:
        return None
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise SeethroughError(f"{option} takes comma-separated integers, got {text!r}") from None


def checked_k(k: int) -> int:
    if not 1 <= k <= 100:
        raise SeethroughError(f"-k takes 1 to 100, got {k}")
    return k


def reuse_scan(args, model, dataset, layer: str, k: int, labels: list[int] | None = None,
               reduce: str = "max"):
    """The scan of ``--scan`` if given, checked to fit this model, dataset, layer, k, labels and
    reduction; else None."""
    if not getattr(args, "scan", None):
        return None
    from ..inside.scan import ScanResult
    result = ScanResult.load(args.scan)
    if result.model != model.name or result.dataset != dataset.name:
        raise SeethroughError(f"{args.scan} is a scan of {result.model} over {result.dataset}, "
                              f"not of {model.name} over {dataset.name}")
    result[layer]  # a layer the scan does not hold fails here, naming the ones it does
    if result.k < k:
        raise SeethroughError(f"{args.scan} kept k={result.k} examples per unit; -k {k} needs a new scan")
    wanted = None if labels is None else sorted(labels)
    if result.labels != wanted:
        raise SeethroughError(f"{args.scan} scanned the examples with labels {result.labels or 'any'}, "
                              f"not {wanted or 'any'}; scan again with the same --label")
    if result.reduce != reduce:
        raise SeethroughError(f"{args.scan} scored channels by their {result.reduce}, not their {reduce}")
    return result
