"""The slow, obviously correct way to get a BagNet's evidence: cut out every patch, run each alone.

This is how the reference code of Brendel & Bethge (2019, arXiv:1904.00760) builds its heatmaps
(unfold the padded image into patches, push the patches through the network in batches). It is
kept as the check on :func:`seethrough.bagnet.evidence.bagnet_evidence`, which gets the same
numbers from one convolutional pass, and as the baseline of ``benchmarks/bagnet.py``.
"""
from __future__ import annotations

import torch
from torch import nn

from ..errors import SeethroughError
from .evidence import bagnet_module, in_chunks


def patchwise_evidence(model, x: torch.Tensor, *, dense: bool = False, batch_size: int | None = None) -> torch.Tensor:
    """The class logits (N, classes, gh, gw) of every patch, computed patch by patch.

    Parameters
    ----------
    model : a :class:`seethrough.Model` around a BagNet (or the BagNet module itself).
    x : preprocessed inputs (N, C, H, W); not modified.
    dense : False: the network's own grid of patches; True: the patch centred on every pixel
        (zero padding around the input), as the paper's heatmap code.
    batch_size : patches per forward pass; None: about ``CHUNK_PIXELS`` input pixels' worth, the
        same rule as the one pass (the fastest batch here: ~3,200 patches of 9 px, ~900 of 17, ~240 of 33).

    Returns
    -------
    (N, classes, gh, gw): position (i, j) is the network applied to the ``patch`` x ``patch`` window
    of the padded input starting at row ``step * i`` and column ``step * j``; with ``dense``,
    (N, classes, H, W) with ``step`` 1 and the input padded by half a patch on each side.
    """
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1):
        raise SeethroughError(f"batch_size must be a positive whole number, got {batch_size!r}")
    module = bagnet_module(model)
    patch, step = module.patch, (1 if dense else module.step)
    with torch.no_grad():
        if dense:
            half = (patch - 1) // 2
            padded = nn.functional.pad(x.detach(), (half, patch - 1 - half, half, patch - 1 - half))
        else:
            padded = module.pad(x.detach())
        n, channels = padded.shape[:2]
        # (N, C, gh, gw, patch, patch): every window, as views of the padded input
        windows = padded.unfold(2, patch, step).unfold(3, patch, step)
        rows, cols = windows.shape[2:4]
        patches = windows.permute(0, 2, 3, 1, 4, 5).reshape(-1, channels, patch, patch)
        logits = in_chunks(module.patch_logits, patches, batch_size).flatten(1)
    return logits.view(n, rows, cols, -1).permute(0, 3, 1, 2).contiguous()
