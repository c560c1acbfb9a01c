"""One streaming pass over a dataset keeping, per unit, its top-k and bottom-k examples and statistics.

Each example gets one score per channel: its activation map's maximum over space (``reduce="max"``,
the default; Zeiler & Fergus 2014, arXiv:1311.2901, rank patches this way) or its mean over space
(``reduce="mean"``), with the position of the map's maximum. A fully connected layer's units (a
logit, say) are their own score, and so is every single activation with ``reduce="none"`` (neuron
(c, y, x) of a (C, H, W) map is unit ``c * H * W + y * W + x``; memory O(k x C x H x W)). The k
highest and k lowest scores are kept with their example id and position; a batch's pairs (example,
unit) that can still enter them wait for a merge, so memory is O(k x channels) whatever the dataset's
size.
Each unit's running statistics are those of its score (mean and standard deviation over the examples;
the extremes are ``top_values[:, 0]`` and ``bottom_values[:, 0]``): nearly free. With
``activation_statistics=True`` the scan also keeps, per channel, the mean, standard deviation,
minimum and maximum over every activation (every example and position), which costs three more
passes over each activation map (on mnist_cnn's relu1 that is about a tenth of the forward pass:
``benchmarks/scan.py`` prints both). Both kinds are merged every few thousand examples with the
pairwise update of Chan, Golub & LeVeque (1979), in float64. The position of a map's maximum is
computed only for the pairs that may enter a top or bottom k, so the work per activation is one
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
from .datasets import Dataset, open_dataset
from .scan_result import LayerScan, ScanResult
from .truncation import forward_until

REDUCTIONS = ("max", "mean", "none")
MERGE_EVERY = 64  #: candidate pairs gathered per unit, on average, before a merge into the kept top k
MERGE_FLOOR = 4096  #: and at least this many: a merge has a fixed cost
STATISTICS_EVERY = 1 << 16  #: scores (examples x units) gathered before a merge into the running statistics
__all__ = ["LayerScan", "REDUCTIONS", "ScanResult", "neuron_index", "scan"]


def _by_unit_then_value(units: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The order sorting entries by unit, then by value from the highest; equal ones keep their order.

    Kept entries come first and pending pairs after them in example order, so equal values rank by
    ascending example id. For float32 values one stable sort of an int64 key (unit in the high 32 bits,
    the value's bits made order-preserving in the low 32) is about 6x faster than ``np.lexsort``.
    """
    if values.dtype != np.float32:
        return np.lexsort((-values, units))
    bits = (-values + np.float32(0)).view(np.int32).astype(np.int64)  # + 0 makes -0.0 into 0.0: one key
    bits = np.where(bits < 0, bits ^ 0x7FFFFFFF, bits)  # negative floats' bits count the wrong way: flip them
    return np.argsort((units << 32) + (bits + (1 << 31)), kind="stable")


def _chan_merge(state: tuple[int, np.ndarray, np.ndarray], count: int, mean: np.ndarray,
                m2: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """Running (count, mean, m2) merged with a part's (count, mean, m2): Chan, Golub & LeVeque's update."""
    seen, old_mean, old_m2 = state
    total = seen + count
    delta = mean - old_mean
    return total, old_mean + delta * (count / total), old_m2 + m2 + delta ** 2 * (seen * count / total)


def _reductions(flat: torch.Tensor, chunk_bytes: int = 4 << 20) -> tuple[np.ndarray, ...]:
    """Per example and channel of ``flat`` (N, C, P): max, sum, min and sum of squares over P.

    Taken a chunk of examples at a time (about ``chunk_bytes``), so that after the first reduction
    brings a chunk into the cache the other three read it from there: on one thread 3x faster than
    four passes over a large activation (no single torch op fuses the four quickly). Chunks of 1 MB
    were as fast on one thread but slower on two (each parallel reduction has a fixed cost).
    """
    rows = max(1, chunk_bytes // max(1, flat[0].numel() * flat.element_size()))
    parts = [(part.amax(dim=2), part.sum(dim=2), part.amin(dim=2), torch.linalg.vector_norm(part, dim=2) ** 2)
             for part in flat.split(rows)]
    columns = parts[0] if len(parts) == 1 else tuple(torch.cat(column) for column in zip(*parts))
    return tuple(column.numpy() for column in columns)


class _Running:
    """The state of one layer during the pass: its top-k and bottom-k so far and its statistics' sums.

    The kept entries are (unit, value, example id, position) quadruples in flat arrays, sorted by unit
    and rank: units 0..C-1 are the channels' top k, units C..2C-1 their bottom k by negated value, so
    one sort serves both sides. Each batch is reduced at once (one torch reduction over the
    activations) to an (N, C) array of scores; the rest is a few numpy operations on small arrays.
    Only the pairs (example, channel) that can still enter a top or bottom k (beyond the k-th kept
    value of the last merge: a stale, hence safe, threshold) are taken, with their map's arg-max
    position found while the batch's activations are still there; they wait for the next merge,
    which comes once about ``MERGE_EVERY`` pairs per unit (and ``MERGE_FLOOR`` in all) have gathered.
    After the first few thousand examples few pairs can enter, so merges become rare and memory stays
    O(k x C). The scores also wait, for the statistics, until ``STATISTICS_EVERY`` have gathered; a
    layer with no positions (a logit) takes its candidates from those chunks, not batch by batch.
    On mnist_cnn the bookkeeping after each forward pass is dominated by the fixed cost of each small
    operation (its code and data left the cache during the forward pass), hence few of them.
    """

    def __init__(self, channels: int, k: int, dtype: torch.dtype, activation_statistics: bool = False):
        self.k, self.channels = k, channels
        self.merge_pairs = max(MERGE_EVERY * channels, MERGE_FLOOR)
        self.dtype = torch.float64 if dtype == torch.float64 else torch.float32  # scores kept in this dtype
        numbers = np.float64 if self.dtype == torch.float64 else np.float32
        self.units, self.values = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=numbers)
        self.ids, self.positions = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        self.thresholds: tuple[np.ndarray, np.ndarray] | None = None  # once k are kept: the k-th highest, lowest
        self.pending: list[tuple[np.ndarray, ...]] = []  # candidate pairs: channel, value, id, position
        self.pending_pairs, self.seen, self.area, self.spatial = 0, 0, 1, False
        self.statistics_pending: list[tuple[np.ndarray, ...]] = []  # every example, for the statistics
        self.statistics_count = 0
        zeros = np.zeros(channels)
        self.scores = (0, zeros, zeros)  # (count, mean, m2) of the scores
        self.activation_statistics = activation_statistics
        self.activations = (0, zeros, zeros)  # (count, mean, m2) of every activation, if asked for
        self.minimum, self.maximum = np.full(channels, np.inf), np.full(channels, -np.inf)

    def update(self, output: torch.Tensor, ids: np.ndarray, reduce: str) -> None:
        if output.dtype != self.dtype:
            output = output.to(self.dtype)
        self.spatial = output.dim() > 2
        flat = output.flatten(2) if self.spatial else output  # (N, C, positions) or (N, C)
        self.area = flat.shape[2] if self.spatial else 1
        if self.activation_statistics:
            peak, sums, lows, squares = _reductions(flat if self.spatial else output.unsqueeze(2))
            extra = (sums, squares, lows, peak)
            score = peak if reduce == "max" else sums / self.area  # (N, C)
        else:
            extra = ()
            score = (flat.amax(2) if reduce == "max" else flat.mean(2)).numpy() if self.spatial else output.numpy()
        self.statistics_pending.append((score, ids, *extra))
        self.statistics_count += score.size
        if self.spatial:  # the arg-max positions need the maps: this batch's candidates are taken now
            self._take(score, ids, flat.numpy())
        if self.statistics_count >= STATISTICS_EVERY:
            self.merge_statistics()

    def _take(self, score: np.ndarray, ids: np.ndarray, maps: np.ndarray | None = None) -> None:
        """Add the pairs of ``score`` (N, C) that may still enter a top or bottom k to the pending ones.

        With ``maps`` (N, C, P) each taken pair gets the position of its map's maximum. Without, the
        rows are a chunk of many batches (a layer with no positions waits for the statistics' merge),
        and only the chunk's own k highest and k lowest per unit, ties included, can enter.
        """
        self.seen += len(ids)
        may_enter = None  # before k are kept, every pair may enter
        if self.thresholds is not None:  # a tie with the k-th kept value cannot: kept ids are lower, and win ties
            may_enter = score > self.thresholds[0]
            may_enter |= score < self.thresholds[1]
        if maps is None and len(score) > self.k:
            in_chunk = score >= np.partition(score, len(score) - self.k, axis=0)[len(score) - self.k]
            in_chunk |= score <= np.partition(score, self.k - 1, axis=0)[self.k - 1]
            may_enter = in_chunk if may_enter is None else may_enter & in_chunk
        pairs = np.arange(score.size) if may_enter is None else np.flatnonzero(may_enter)  # example * C + channel
        if len(pairs) == 0:
            return
        examples, channels = np.divmod(pairs, score.shape[1])
        positions = None if maps is None else maps.reshape(-1, maps.shape[2])[pairs].argmax(axis=1)
        self.pending.append((channels, score.ravel()[pairs], ids[examples], positions))
        self.pending_pairs += len(pairs)
        if self.pending_pairs >= self.merge_pairs or (self.thresholds is None and self.seen >= self.k):
            self.merge()

    def merge(self) -> None:
        """Merge the pending candidate pairs into the kept top / bottom k: one sort by (unit, rank)."""
        if not self.pending:
            return
        channels, values, ids, positions = zip(*self.pending)
        self.pending, self.pending_pairs = [], 0
        channels, values, ids = np.concatenate(channels), np.concatenate(values), np.concatenate(ids)
        positions = np.concatenate(positions) if positions[0] is not None else np.full(len(ids), -1, dtype=np.int64)
        top = bottom = slice(None)  # before k are kept, every pair goes to both sides
        if self.thresholds is not None:  # a pair was taken for beating the k-th highest, the k-th lowest or both
            top, bottom = values > self.thresholds[0][channels], values < self.thresholds[1][channels]
        units = np.concatenate([self.units, channels[top], channels[bottom] + self.channels])
        values = np.concatenate([self.values, values[top], -values[bottom]])
        ids = np.concatenate([self.ids, ids[top], ids[bottom]])
        positions = np.concatenate([self.positions, positions[top], positions[bottom]])
        order = _by_unit_then_value(units, values)
        units = units[order]
        rank = np.arange(len(units)) - np.searchsorted(units, np.arange(2 * self.channels))[units]  # within a unit
        kept = order[rank < self.k]
        self.units, self.values, self.ids, self.positions = units[rank < self.k], values[kept], ids[kept], positions[kept]
        if len(self.units) == 2 * self.channels * self.k:  # the k-th highest and the k-th lowest score kept
            kth = self.values.reshape(2 * self.channels, self.k)[:, -1]
            self.thresholds = (kth[:self.channels].copy(), -kth[self.channels:])

    def merge_statistics(self) -> None:
        """Merge the pending batches' scores (and activation sums) into the running statistics."""
        if not self.statistics_pending:
            return
        columns = [np.concatenate(column) for column in zip(*self.statistics_pending)]
        self.statistics_pending, self.statistics_count = [], 0
        if not self.spatial:
            self._take(columns[0], columns[1])
        scores = columns[0].astype(np.float64)
        mean = scores.mean(axis=0)
        self.scores = _chan_merge(self.scores, len(scores), mean, ((scores - mean) ** 2).sum(axis=0))
        if self.activation_statistics:
            self._activation_statistics(self.area, *columns[2:])

    def _activation_statistics(self, positions: int, sums: np.ndarray, squares: np.ndarray, lows: np.ndarray,
                               peak: np.ndarray) -> None:
        """Merge the batch's per-example sums and sums of squares (N, C) in float64 (Chan et al.'s update)."""
        sums = sums.astype(np.float64)
        example_mean = sums / positions
        example_m2 = np.maximum(squares.astype(np.float64) - sums * example_mean, 0)  # (N, C)
        count = sums.shape[0] * positions
        mean = sums.sum(axis=0) / count
        m2 = example_m2.sum(axis=0) + positions * ((example_mean - mean) ** 2).sum(axis=0)
        self.activations = _chan_merge(self.activations, count, mean, m2)
        self.minimum = np.minimum(self.minimum, lows.min(axis=0))
        self.maximum = np.maximum(self.maximum, peak.max(axis=0))

    def result(self, layer: str, shape: tuple[int, ...], examples: int) -> LayerScan:
        self.merge_statistics()  # first: it takes the candidates of a layer with no positions
        self.merge()
        width = shape[-1] if len(shape) == 3 else 1
        kept = len(self.units) // (2 * self.channels)  # k, or fewer when the dataset is smaller
        values, ids, positions = (array.reshape(2 * self.channels, kept) for array in (self.values, self.ids,
                                                                                       self.positions))
        parts = {}
        for side, sign, rows in (("top", 1.0, slice(0, self.channels)), ("bottom", -1.0, slice(self.channels, None))):
            flat = positions[rows]
            spatial = (np.stack([flat // width, flat % width], axis=-1) if len(shape) == 3
                       else np.full((*flat.shape, 2), -1))
            parts.update({f"{side}_values": sign * values[rows], f"{side}_ids": ids[rows],
                          f"{side}_positions": spatial.astype(np.int64)})
        count, mean, m2 = self.scores
        parts.update(score_mean=mean, score_std=np.sqrt(m2 / max(count, 1)))
        if self.activation_statistics:
            count, mean, m2 = self.activations
            parts.update(mean=mean, std=np.sqrt(m2 / max(count, 1)), minimum=self.minimum, maximum=self.maximum)
        return LayerScan(layer, shape, examples, **parts)


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
        as the last of ``layers``: :func:`~seethrough.inside.truncation.forward_until`).
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
    running: dict[str, _Running] = {}
    shapes: dict[str, tuple[int, ...]] = {}
    bar = Progress(len(ids), f"scanning {dataset.name}", enabled=progress)
    with torch.inference_mode(), capture(model.module, list(layers)) as outputs, \
            forward_until(model.module, list(layers)) as run:
        for batch in dataset.batches(model, batch_size, ids=ids):
            run(batch.inputs)  # from the second batch on, only up to the last scanned layer
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
                    running[layer] = _Running(output.shape[1], k, output.dtype,
                                              activation_statistics=activation_statistics)
                running[layer].update(output.cpu(), batch.ids, reduce)
            outputs.clear()
            bar.advance(len(batch.ids))
    bar.close()
    result = ScanResult(model.name, dataset.name, k, reduce, len(ids),
                        labels=None if labels is None else sorted(int(label) for label in labels))
    result.layers = {layer: running[layer].result(layer, shapes[layer], len(ids)) for layer in layers}
    return result
