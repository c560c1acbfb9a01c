"""The dataset examples that most (or least) activate one unit: a channel, a neuron or a logit.

The examples come from a streaming :func:`~seethrough.inside.scan.scan`, so finding them costs one
pass and O(k) memory per unit. For a channel with a spatial map, each example's score is the map's
maximum (or mean) and the example carries the receptive field of its strongest position. On
``mnist_cnn``'s ``fc`` layer, unit 8 over the eights (``labels=[8]``) gives the eights the model is
most sure of (top) and least sure of (bottom), as in Erhan et al. (2009), "Visualizing higher-layer
features of a deep network" (maximally activating inputs) and Zeiler & Fergus (2014), arXiv:1311.2901.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import SeethroughError
from ..model import Model
from .datasets import Dataset, open_dataset
from .receptive_field import receptive_fields
from .scan import ScanResult, neuron_index, scan


@dataclass
class Example:
    """One of a unit's top (or bottom) examples.

    Attributes
    ----------
    rank : 0 for the strongest (or, with ``bottom``, the weakest).
    value : the unit's score on this example.
    example, description, label : the example's id, its name, its label ("" if none).
    position : (y, x) of the map's maximum, or None for a unit with no space.
    box : (top, left, bottom, right) of the receptive field at ``position`` in input pixels, or None.
    image : (H, W, 3) float in [0, 1]: the model's input, as the model sees it.
    """

    rank: int
    value: float
    example: int
    description: str
    label: str
    position: tuple[int, int] | None
    box: tuple[int, int, int, int] | None
    image: np.ndarray

    def to_dict(self) -> dict:
        return {"rank": self.rank, "value": self.value, "example": self.example, "description": self.description,
                "label": self.label, "position": None if self.position is None else list(self.position),
                "box": None if self.box is None else list(self.box)}


def top_examples(model: Model, dataset, layer: str, unit: int | tuple[int, int, int], *, k: int = 9, bottom: bool = False,
                 labels: Sequence[int] | None = None, reduce: str = "max", result: ScanResult | None = None,
                 batch_size: int = 64, progress: bool = True) -> list[Example]:
    """The ``k`` examples of ``dataset`` on which ``unit`` of ``layer`` is highest (or lowest).

    Parameters
    ----------
    model : a :class:`seethrough.Model`.
    dataset : a :class:`~seethrough.inside.datasets.Dataset` or a spec ("mnist", "samples", a folder, ...).
    layer : the layer's dotted name.
    unit : a channel (scored by ``reduce`` over its map), a unit of a flat layer (a logit), or a
        neuron ``(channel, y, x)`` of a map (scanned with ``reduce="none"``).
    k : how many examples (at most the scan's k when ``result`` is given).
    bottom : the lowest instead of the highest.
    labels : only examples with these labels (e.g. ``[8]`` with the "8" logit: the most / least sure eights).
    reduce : a channel's score on an example: "max" or "mean" over space.
    result : a scan of ``layer`` over ``dataset`` to reuse; by default one is run now.
    batch_size, progress : for the scan.

    Returns
    -------
    The examples, strongest (or weakest) first.

    Examples
    --------
    >>> eights = top_examples(st.zoo.load("mnist_cnn"), "mnist", "fc", 8, labels=[8], bottom=True)
    >>> [e.description for e in eights[:3]]     # thin, right-tilted eights
    """
    dataset: Dataset = open_dataset(dataset)
    neuron = None
    if isinstance(unit, tuple):
        model.layer(layer)  # a wrong name fails here, listing the closest
        shapes = model.layer_shapes()
        if layer not in shapes:
            raise SeethroughError(f"layer {layer!r} was not called in the forward pass")
        shape = shapes[layer][1:]
        if len(shape) != 3:
            raise SeethroughError(f"{layer} outputs shape {shape}: a neuron (channel, y, x) needs a map; give a unit")
        neuron, unit, reduce = unit, neuron_index(shape, *unit), "none"
    if result is None:
        result = scan(model, dataset, [layer], k=k, reduce=reduce, labels=labels, batch_size=batch_size,
                      progress=progress)
    elif neuron is not None and result.reduce != "none":
        raise SeethroughError(f"a neuron needs a scan with reduce='none'; this one scored channels by {result.reduce}")
    layer_scan = result[layer]
    layer_scan.check_unit(unit)
    side = "bottom" if bottom else "top"
    values, ids, positions = (getattr(layer_scan, f"{side}_{name}")[unit] for name in ("values", "ids", "positions"))
    count = min(k, len(ids), layer_scan.count)
    spatial = len(layer_scan.shape) == 3
    where = [tuple(int(v) for v in positions[rank]) for rank in range(count)] if spatial else []
    if neuron is not None:
        spatial, where = True, [tuple(neuron[1:])] * count
    boxes = {p: f.box for p, f in zip(sorted(set(where)), receptive_fields(model, layer, sorted(set(where))))}
    found = []
    for rank in range(count):
        example = int(ids[rank])
        position = where[rank] if spatial else None
        image = model.deprocess(dataset.inputs(model, [example]))
        found.append(Example(rank, float(values[rank]), example, dataset.describe(example),
                             dataset.label_name(example), position, boxes.get(position), image))
    return found
