"""One streaming pass over a dataset keeping, per unit, its top-k and bottom-k examples and statistics.

Each example gets one score per channel: its activation map's maximum over space (``reduce="max"``,
the default; Zeiler & Fergus 2014, arXiv:1311.2901, rank patches this way) or its mean over space
(``reduce="mean"``), with the position of the map's maximum. A fully connected layer's units (a
logit, say) are their own score, and so is every single activation with ``reduce="none"`` (neuron
(c, y, x) of a (C, H, W) map is unit ``c * H * W + y * W + x``; memory O(k x C x H x W)). The k
highest and k lowest scores are kept with their example id and position; a batch's scores that beat
the k-th kept enter by insertion (``extremes_insertion``), so memory is O(k x channels) whatever the
dataset's size.
Each unit's running statistics are those of its score (mean and standard deviation over the examples;
the extremes are ``top_values[:, 0]`` and ``bottom_values[:, 0]``): nearly free. With
``activation_statistics=True`` the scan also keeps, per channel, the mean, standard deviation,
minimum and maximum over every activation (every example and position), which costs three more
passes over each activation map (on mnist_cnn's relu1 that is about a tenth of the forward pass:
``benchmarks/scan.py`` prints both). Both kinds are merged every few thousand examples with the
pairwise update of Chan, Golub & LeVeque (1979), in float64. The position of a map's maximum is
computed only for the pairs that enter a top or bottom k, so the work per activation is one
reduction (max or sum) without activation statistics and four (max, min, sum, norm) with them.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from ..errors import SeethroughError
from ..hooks import capture
from ..model import Model
from ..progress import Progress
from ..truncation import forward_until
from .datasets import Dataset, open_dataset
from .layer_extremes import LayerExtremes
from .scan_result import LayerScan, ScanResult

REDUCTIONS = ("max", "mean", "none")
__all__ = ["LayerScan", "REDUCTIONS", "ScanResult", "neuron_index", "scan"]


def neuron_index(shape: Sequence[int], channel: int, y: int, x: int) -> int:
    """The unit of neuron (``channel``, ``y``, ``x``) of a (C, H, W) map in a ``reduce="none"`` scan."""
    channels, height, width = shape
    if not (0 <= channel < channels and 0 <= y < height and 0 <= x < width):
        raise SeethroughError(f"neuron ({channel}, {y}, {x}) is outside a map of shape {tuple(shape)}")
    return (channel * height + y) * width + x


def scan(model: Model, dataset, layers: Sequence[str], *, k: int = 9, reduce: str = "max", batch_size: int = 64,
         labels: Sequence[int] | None = None, activation_statistics: bool = False,
         progress: bool = True) -> ScanResult:
    """Scan ``dataset`` once through ``model``, keeping the top-k and bottom-k examples of every unit of ``layers``.

    Parameters
    ----------
    model : a :class:`seethrough.Model` (run as it is, under ``torch.inference_mode``, and only as far
        as the last call of any of ``layers``: :func:`~seethrough.truncation.forward_until`).
    dataset : a :class:`Dataset` or a spec for :func:`open_dataset` ("mnist", "samples", a folder, an array).
    layers : dotted layer names; a wrong name lists the closest.
    k : how many top and bottom examples to keep per unit.
    reduce : an example's score for a channel with a spatial map: "max" or "mean" over space, or
        "none": every neuron (channel, y, x) is a unit of its own (see :func:`neuron_index`).
    batch_size : examples per forward pass.
    labels : scan only the examples with these labels (e.g. ``[8]``: the eights).
    activation_statistics : also keep each channel's mean, std, minimum and maximum over every
        activation (all examples and positions); three more passes over each map.
    progress : show a progress bar on stderr.

    Returns
    -------
    :class:`ScanResult`; ``result["conv2"].top_ids[c]`` are channel c's k best examples.

    Examples
    --------
    >>> result = st.scan(model, "mnist", ["fc"], k=9, labels=[8])
    >>> result["fc"].bottom_ids[8]       # the eights the "8" logit is least sure of
    """
    if k < 1:
        raise SeethroughError(f"k must be at least 1, got {k}")
    if reduce not in REDUCTIONS:
        raise SeethroughError(f"reduce is one of {', '.join(REDUCTIONS)}, got {reduce!r}")
    if not layers:
        raise SeethroughError("give at least one layer to scan (see 'seethrough layers')")
    dataset: Dataset = open_dataset(dataset)
    for layer in layers:
        model.layer(layer)
    ids = np.arange(len(dataset))
    if labels is not None:
        ids = ids[np.isin(dataset.labels, list(labels))]
        if len(ids) == 0:
            raise SeethroughError(f"no example of dataset {dataset.name!r} has label(s) {list(labels)}")
    running: dict[str, LayerExtremes] = {}
    shapes: dict[str, tuple[int, ...]] = {}
    bar = Progress(len(ids), f"scanning {dataset.name}", enabled=progress)
    with torch.inference_mode(), capture(model.module, list(layers)) as outputs, \
            forward_until(model.module, list(layers), model.calls()) as run:
        for batch in dataset.batches(model, batch_size, ids=ids):
            run(batch.inputs)  # only up to the last scanned layer's last call
            for layer in layers:
                if layer not in outputs:
                    raise SeethroughError(f"layer {layer!r} was not called in the forward pass")
                output = outputs[layer]
                if reduce == "none":
                    output = output.flatten(1)
                if output.dim() not in (2, 4):
                    raise SeethroughError(f"layer {layer!r} outputs shape {tuple(output.shape)}; a scan needs "
                                          "(N, C) or (N, C, H, W)")
                if layer not in running:
                    shapes[layer] = tuple(output.shape[1:])
                    running[layer] = LayerExtremes(output.shape[1], k, output.dtype,
                                                   activation_statistics=activation_statistics)
                running[layer].update(output.cpu(), batch.ids, reduce)
            outputs.clear()
            bar.advance(len(batch.ids))
    bar.close()
    result = ScanResult(model.name, dataset.name, k, reduce, len(ids),
                        labels=None if labels is None else sorted(int(label) for label in labels))
    result.layers = {layer: running[layer].result(layer, shapes[layer], len(ids)) for layer in layers}
    return result
