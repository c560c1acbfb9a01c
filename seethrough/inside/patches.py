"""The top-k patches of a channel, cropped to the unit's exact receptive field, with their deconvnet projection.

Zeiler & Fergus (2014), "Visualizing and understanding convolutional networks", ECCV,
arXiv:1311.2901, Fig. 2: for each channel, the 9 dataset patches that activate it most, and beside
each the deconvnet projection of that one activation back to pixel space. Here the patches come from
a streaming :func:`~seethrough.inside.scan.scan` (each example's strongest position in the channel),
the crop is the exact receptive field of that position
(:mod:`seethrough.inside.receptive_field`), and the projection is the deconvnet of
:mod:`seethrough.attribution.deconvnet` (its rule table) for the hidden unit ``layer:channel:y:x``,
batched over patches (:func:`deconvnet_units`).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ..attribution.deconvnet import RULES as DECONVNET_RULES
from ..attribution.interception import rule_gradient
from ..errors import SeethroughError
from ..model import Model
from ..progress import Progress
from ..targets import Objective, Unit
from .datasets import Dataset, open_dataset
from .receptive_field import receptive_fields
from .scan import ScanResult, scan


@dataclass
class Patch:
    """One of a channel's top patches.

    Attributes
    ----------
    channel, rank : the channel, and the patch's rank in it (0 = strongest).
    value : the channel's activation at ``position`` in ``example``.
    example, description, label : the example's id in the dataset, its name and its label ("" if none).
    position : (y, x) in the layer's map, or None for a layer with no space.
    box : (top, left, bottom, right) of the receptive field in input pixels (bottom, right exclusive).
    image : (h, w, 3) float in [0, 1], the input cropped to ``box``.
    projection : (h, w, 3) float in [0, 1], the deconvnet projection cropped to ``box``, scaled so that
        grey (0.5) is zero and the 99.5th percentile of the magnitudes reaches 0 or 1 (clipped); None
        when not asked for.
    """

    channel: int
    rank: int
    value: float
    example: int
    description: str
    label: str
    position: tuple[int, int] | None
    box: tuple[int, int, int, int]
    image: np.ndarray
    projection: np.ndarray | None = None

    def to_dict(self) -> dict:
        return {"channel": self.channel, "rank": self.rank, "value": self.value, "example": self.example,
                "description": self.description, "label": self.label,
                "position": None if self.position is None else list(self.position), "box": list(self.box)}


def _signed_image(values: np.ndarray) -> np.ndarray:
    """(C, h, w) signed values -> (h, w, 3) in [0, 1], zero at grey, clipped at the 99.5th percentile of
    the magnitudes (a few large values would otherwise leave the rest grey)."""
    scale = float(np.percentile(np.abs(values), 99.5)) or float(np.abs(values).max()) or 1.0
    image = (values / (2 * scale) + 0.5).clip(0, 1).transpose(1, 2, 0)
    return np.repeat(image, 3, axis=2) if image.shape[2] == 1 else image


class _UnitsObjective:
    """Example i scores ``layer``'s channel ``channels[i]`` at ``positions[i]`` (None: no space)."""

    def __init__(self, model: Model, layer: str, channels: Sequence[int], positions: Sequence[tuple[int, int] | None]):
        self.model = model
        self.stop = Objective(model, None, layer, unit=Unit(layer, 0))  # runs the model up to ``layer``
        self.channels, self.positions = list(channels), list(positions)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.stop.forward(inputs)

    def score(self, output: torch.Tensor) -> torch.Tensor:
        rows, channels = torch.arange(output.shape[0]), torch.tensor(self.channels)
        if output.dim() == 2:
            return output[rows, channels]
        ys = torch.tensor([p[0] for p in self.positions])
        xs = torch.tensor([p[1] for p in self.positions])
        return output[rows, channels, ys, xs]


def deconvnet_units(model: Model, x: torch.Tensor, layer: str, channels: Sequence[int],
                    positions: Sequence[tuple[int, int] | None]) -> torch.Tensor:
    """The deconvnet projection of one activation per example, all in one backward pass.

    Example i of ``x`` (N, C, H, W) projects channel ``channels[i]`` of ``layer`` at ``positions[i]``
    (y, x) (None for a layer with no space). The rules are those of
    :func:`seethrough.attribution.deconvnet.deconvnet` (the same table), so row i equals
    ``deconvnet(model, x[i:i+1], target=f"{layer}:{channels[i]}:{y}:{x}").values``; batching is exact
    because each example's score depends on that example alone (no batch statistics in eval mode).

    Returns
    -------
    (N, C, H, W) projections in ``x``'s dtype.
    """
    objective = _UnitsObjective(model, layer, channels, positions)
    values, _, _ = rule_gradient(x, objective, DECONVNET_RULES, method="deconvnet")
    return values


def default_layer(model: Model, *, share: float = 0.5) -> str:
    """A layer whose top patches are worth showing: among the layers named with at most one dot that
    output a map larger than 1 x 1, the last one the forward pass calls whose centre unit's exact
    receptive field is at most ``share`` of the input's height (``_blocks.5`` of EfficientNet-Lite0,
    83 of 224 px; ``relu2`` of mnist_cnn, 14 of 28). Receptive fields grow along the forward pass, so
    a binary search needs a handful of structural backward passes."""
    spatial = [(name, shape[2:]) for name, shape in model.layer_shapes().items()
               if name.count(".") <= 1 and len(shape) == 4 and min(shape[2:]) > 1]
    if not spatial:
        raise SeethroughError(f"{model.name} has no layer with a spatial map; give --layer")

    def small_enough(index: int) -> bool:
        name, (height, width) = spatial[index]
        return receptive_fields(model, name, [(height // 2, width // 2)])[0].size[0] <= share * model.input_size[0]
    low, high = 0, len(spatial) - 1  # find the last index that is small enough (the first always counts)
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if small_enough(middle) else (low, middle - 1)
    return spatial[low][0]


def top_patches(model: Model, dataset, layer: str, *, channels: Sequence[int] | None = None, k: int = 9,
                result: ScanResult | None = None, projection: bool = True, seed: int = 0,
                batch_size: int = 64, chunk: int = 16, progress: bool = True) -> dict[int, list[Patch]]:
    """The ``k`` strongest patches of each of ``channels`` of ``layer`` over ``dataset``.

    Parameters
    ----------
    model : a :class:`seethrough.Model`.
    dataset : a :class:`~seethrough.inside.datasets.Dataset` or a spec ("mnist", "samples", a folder).
    layer : dotted layer name.
    channels : which channels (default: the first 8).
    k : patches per channel (at most the scan's k).
    result : a scan of ``layer`` over ``dataset`` to reuse; by default one is run now.
    projection : also compute each patch's deconvnet projection (:func:`deconvnet_units`).
    seed : seed of the receptive-field pass.
    batch_size : examples per forward pass of the scan.
    chunk : patches per deconvnet pass.
    progress : progress bars on stderr.

    Returns
    -------
    channel -> its patches, strongest first.

    Examples
    --------
    >>> patches = top_patches(model, "mnist", "relu2", channels=[0, 5], k=9)
    >>> patches[5][0].box        # (top, left, bottom, right) of the strongest patch
    """
    dataset: Dataset = open_dataset(dataset)
    result = result if result is not None else scan(model, dataset, [layer], k=k, batch_size=batch_size,
                                                            progress=progress)
    layer_scan = result[layer]
    channels = list(range(min(8, layer_scan.channels))) if channels is None else list(channels)
    for channel in channels:
        layer_scan.check_unit(channel)
    found = [(c, r) for c in channels for r in range(min(k, layer_scan.top_ids.shape[1]))]
    spatial = len(layer_scan.shape) == 3
    positions = sorted({tuple(int(v) for v in layer_scan.top_positions[c, r]) for c, r in found}) if spatial else [None]
    fields = dict(zip(positions, receptive_fields(model, layer, positions, seed=seed)))
    patches: dict[int, list[Patch]] = {c: [] for c in channels}
    bar = Progress(len(found), f"patches of {layer}", enabled=progress and projection)
    for start in range(0, len(found), chunk):
        part = found[start:start + chunk]
        examples = [int(layer_scan.top_ids[c, r]) for c, r in part]
        where = [tuple(int(v) for v in layer_scan.top_positions[c, r]) if spatial else None for c, r in part]
        x = dataset.inputs(model, examples)
        values = (deconvnet_units(model, x, layer, [c for c, _ in part], where).detach().cpu().double().numpy()
                  if projection else None)
        for number, ((channel, rank), example, position) in enumerate(zip(part, examples, where)):
            top, left, bottom, right = fields[position].box
            image = model.deprocess(x[number])[top:bottom, left:right]
            shown = None if values is None else _signed_image(values[number, :, top:bottom, left:right])
            patches[channel].append(Patch(channel, rank, float(layer_scan.top_values[channel, rank]), example,
                                          dataset.describe(example), dataset.label_name(example), position,
                                          fields[position].box, image, shown))
        bar.advance(len(part))
    bar.close()
    return patches
