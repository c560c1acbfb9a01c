"""What a scan keeps: per layer, each unit's top-k / bottom-k examples and statistics; saved to and
read from a numpy ``.npz`` archive (see :func:`seethrough.inside.scan.scan`)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import SeethroughError, unknown
from ..files import atomic_path

_ARRAYS = ("top_values", "top_ids", "top_positions", "bottom_values", "bottom_ids", "bottom_positions",
           "score_mean", "score_std")
_OPTIONAL = ("mean", "std", "minimum", "maximum")  # only in a scan with activation statistics


@dataclass
class LayerScan:
    """What a scan kept for one layer with C channels (or C units).

    Attributes
    ----------
    top_values, top_ids : (C, k) the k highest scores of each channel, highest first, and their examples.
    top_positions : (C, k, 2) the (y, x) of the map's maximum in that example; -1 for a layer with no space.
    bottom_values, bottom_ids, bottom_positions : the same for the k lowest scores, lowest first.
    score_mean, score_std : (C,) each unit's score over the examples (its extremes are
        ``top_values[:, 0]`` and ``bottom_values[:, 0]``).
    mean, std, minimum, maximum : (C,) over every activation of the channel (all examples and
        positions); None unless the scan was run with ``activation_statistics=True``.
    shape : one example's output shape, (C,) or (C, H, W).
    count : the number of examples scanned.
    """

    layer: str
    shape: tuple[int, ...]
    count: int
    top_values: np.ndarray
    top_ids: np.ndarray
    top_positions: np.ndarray
    bottom_values: np.ndarray
    bottom_ids: np.ndarray
    bottom_positions: np.ndarray
    score_mean: np.ndarray
    score_std: np.ndarray
    mean: np.ndarray | None = None
    std: np.ndarray | None = None
    minimum: np.ndarray | None = None
    maximum: np.ndarray | None = None

    @property
    def channels(self) -> int:
        return self.shape[0]

    def check_unit(self, unit: int) -> int:
        if not 0 <= unit < self.channels:
            raise SeethroughError(f"unit {unit} is out of range: {self.layer} has units 0..{self.channels - 1}")
        return unit


@dataclass
class ScanResult:
    """A scan of ``layers`` of ``model`` over ``dataset`` (only examples with ``labels`` if given):
    one :class:`LayerScan` per layer."""

    model: str
    dataset: str
    k: int
    reduce: str
    count: int
    layers: dict[str, LayerScan] = field(default_factory=dict)
    labels: list[int] | None = None

    def __getitem__(self, layer: str) -> LayerScan:
        if layer not in self.layers:
            raise unknown("layer", layer, self.layers, "this scan holds only the layers it was run with")
        return self.layers[layer]

    def save(self, path: str | Path) -> None:
        """Write the scan to ``path`` (a numpy ``.npz`` archive), all or nothing."""
        arrays = {"meta": np.array(json.dumps({"model": self.model, "dataset": self.dataset, "k": self.k,
                                               "reduce": self.reduce, "count": self.count, "labels": self.labels,
                                               "layers": {n: list(s.shape) for n, s in self.layers.items()}}))}
        for number, scan in enumerate(self.layers.values()):
            arrays.update({f"{number}.{name}": getattr(scan, name) for name in _ARRAYS + _OPTIONAL
                           if getattr(scan, name) is not None})
        with atomic_path(path) as temporary, open(temporary, "wb") as handle:
            np.savez(handle, **arrays)

    @classmethod
    def load(cls, path: str | Path) -> "ScanResult":
        """Read a scan written by :meth:`save`."""
        try:
            with np.load(path, allow_pickle=False) as archive:
                meta = json.loads(str(archive["meta"]))
                result = cls(meta["model"], meta["dataset"], meta["k"], meta["reduce"], meta["count"],
                             labels=meta.get("labels"))
                for number, (name, shape) in enumerate(meta["layers"].items()):
                    arrays = {key: archive[f"{number}.{key}"] for key in _ARRAYS}
                    arrays.update({key: archive[f"{number}.{key}"] for key in _OPTIONAL
                                   if f"{number}.{key}" in archive.files})
                    result.layers[name] = LayerScan(name, tuple(shape), meta["count"], **arrays)
        except (OSError, KeyError, ValueError) as error:
            raise SeethroughError(f"{path} is not a scan written by seethrough ({error.__class__.__name__})") from None
        return result
