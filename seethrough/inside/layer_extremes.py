"""One layer's state during a scan: each unit's top-k and bottom-k examples so far, and its statistics.

The scan (``scan.py``) hands each batch's output here; what is kept stays O(k x units) whatever the
dataset's size. The cost that matters is the fixed cost of each small operation after a forward pass
(its code and data left the cache), so each batch gets few of them.
"""
from __future__ import annotations

import numpy as np
import torch

from .running_moments import ActivationMoments, RunningMoments, map_reductions
from .scan_result import LayerScan

MERGE_EVERY = 8  #: candidate pairs gathered per unit, on average, before a merge into the kept top k
MERGE_FLOOR = 512  #: and at least this many: a merge has a fixed cost
STATISTICS_EVERY = 1 << 16  #: scores (examples x units) gathered before a merge into the running statistics


def by_unit_then_value(units: np.ndarray, values: np.ndarray) -> np.ndarray:
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


class Columns:
    """Parallel arrays of (unit, value, example id, position) entries, filled in place.

    Their memory is taken once and doubled when more entries come, so what a scan keeps between
    batches never takes new memory from the heap between two forward passes (see ``LayerExtremes``).
    """

    def __init__(self, numbers: type):
        self.numbers, self.length = numbers, 0
        self.arrays = self._empty(0)

    def _empty(self, capacity: int) -> tuple[np.ndarray, ...]:
        return (np.empty(capacity, dtype=np.int64), np.empty(capacity, dtype=self.numbers),
                np.empty(capacity, dtype=np.int64), np.empty(capacity, dtype=np.int64))

    def extend(self, count: int) -> tuple[np.ndarray, ...]:
        """Room for ``count`` more entries: the four arrays' new parts, to be written."""
        end = self.length + count
        if end > len(self.arrays[0]):
            grown = self._empty(max(end, 2 * len(self.arrays[0])))
            for new, old in zip(grown, self.arrays):
                new[:self.length] = old[:self.length]
            self.arrays = grown
        parts = tuple(array[self.length:end] for array in self.arrays)
        self.length = end
        return parts

    def columns(self) -> tuple[np.ndarray, ...]:
        """The entries so far: units, values, ids, positions (views)."""
        return tuple(array[:self.length] for array in self.arrays)


class LayerExtremes:
    """One layer's top-k and bottom-k so far, and its statistics, fed a batch at a time (``update``).

    The kept entries are (unit, value, example id, position) quadruples in flat arrays, sorted by unit
    and rank: units 0..C-1 are the channels' top k, units C..2C-1 their bottom k by negated value, so
    one sort serves both sides. Each batch is reduced at once (one torch reduction over the
    activations) to an (N, C) array of scores; the rest is a few numpy operations on small arrays.
    Only the pairs (example, channel) that can still enter a top or bottom k (beyond the k-th kept
    value of the last merge: a stale, hence safe, threshold) are taken, with their map's arg-max
    position found while the batch's activations are still there; they wait for the next merge,
    which comes once about ``MERGE_EVERY`` pairs per unit (and ``MERGE_FLOOR`` in all) have gathered.
    Frequent merges keep the threshold fresh: on mnist_cnn merging every 8 pairs per unit instead of
    64 takes a third of the pairs (the arg-max of each taken map is the costly part), and the
    bookkeeping alone gets 5-13% cheaper. After the first few thousand examples few pairs can enter,
    so merges become rare and memory stays O(k x C). The scores also wait, for the statistics, until
    ``STATISTICS_EVERY`` have gathered; a layer with no positions (a logit) takes its candidates from
    those chunks, not batch by batch.

    Nothing this keeps from one batch to the next takes new memory: the scores (and the maps' four
    reductions for the activation statistics) are written into buffers (torch's ``out=``), the
    pending pairs and the kept entries into arrays taken once (``Columns``). Small arrays kept while
    the forward pass frees and takes its large maps split glibc's heap, which then gives memory back
    to the kernel and faults it in again on the next pass: in ``benchmarks/scan.py``'s sequence of
    runs on mnist_cnn the scan that kept new arrays faulted in 8 of 9 processes at batch 32-128 (up to
    37,000 faults a pass, about 2 us each) where the bare forward pass had none; this one in 2 of 8.
    """

    def __init__(self, channels: int, k: int, dtype: torch.dtype, activation_statistics: bool = False):
        self.k, self.channels = k, channels
        self.merge_pairs = max(MERGE_EVERY * channels, MERGE_FLOOR)
        self.dtype = torch.float64 if dtype == torch.float64 else torch.float32  # scores kept in this dtype
        numbers = np.float64 if self.dtype == torch.float64 else np.float32
        self.kept = Columns(numbers)  # sorted by unit (top k: 0..C-1, bottom k: C..2C-1), then rank
        self.pending = Columns(numbers)  # candidate pairs: channel, value, id, position
        self.thresholds: tuple[np.ndarray, np.ndarray] | None = None  # once k are kept: the k-th highest, lowest
        self.seen, self.area, self.spatial = 0, 1, False
        self.statistics_pending: list[tuple[np.ndarray, ...]] = []  # every example, for the statistics
        self.score_rows: torch.Tensor | None = None  # scores written in place (torch out=): see _rows
        self.map_rows: torch.Tensor | None = None  # with activation statistics: max, sum, min, sum of squares
        self.rows_used = 0  # rows of the buffers waiting for the statistics merge
        self.scores = RunningMoments(channels)  # of each example's score
        self.activations = ActivationMoments(channels) if activation_statistics else None  # of every activation

    def update(self, output: torch.Tensor, ids: np.ndarray, reduce: str) -> None:
        """Take one batch's ``output`` (N, C) or (N, C, P...) of examples ``ids``; ``reduce``: "max" or "mean"."""
        if output.dtype != self.dtype:
            output = output.to(self.dtype)
        self.spatial = output.dim() > 2
        flat = output.flatten(2) if self.spatial else output  # (N, C, positions) or (N, C)
        self.area = flat.shape[2] if self.spatial else 1
        span = self._rows(output.shape[0])
        if self.activations is not None:
            reductions = self.map_rows[:, span]
            map_reductions(flat if self.spatial else output.unsqueeze(2), out=reductions)
            peak, sums, lows, squares = (column.numpy() for column in reductions)
            extra = (sums, squares, lows, peak)
            if reduce == "max":
                score = peak
            else:
                rows = self.score_rows[span]
                torch.div(reductions[1], self.area, out=rows)
                score = rows.numpy()  # (N, C)
        else:
            extra = ()
            rows = self.score_rows[span]
            if not self.spatial:
                rows.copy_(output)
            elif reduce == "max":
                torch.amax(flat, 2, out=rows)
            else:
                torch.mean(flat, 2, out=rows)
            score = rows.numpy()
        self.statistics_pending.append((score, ids, *extra))
        if self.spatial:  # the arg-max positions need the maps: this batch's candidates are taken now
            self._take(score, ids, flat.numpy())
        if self.rows_used * self.channels >= STATISTICS_EVERY:
            self.merge_statistics()

    def _rows(self, count: int) -> slice:
        """The next ``count`` rows of the buffers that hold the scores (and, with activation statistics,
        each map's four reductions) until their statistics are merged (``STATISTICS_EVERY``). They hold
        one batch more, so batches of the first one's size always fit; a larger batch (not from a
        scan) ends the chunk early and gets larger buffers."""
        if self.score_rows is None or self.rows_used + count > len(self.score_rows):
            self.merge_statistics()
            if self.score_rows is None or count > len(self.score_rows):
                rows = -(-STATISTICS_EVERY // self.channels) + count
                self.score_rows = torch.empty(rows, self.channels, dtype=self.dtype)
                if self.activations is not None:
                    self.map_rows = torch.empty(4, rows, self.channels, dtype=self.dtype)
        self.rows_used += count
        return slice(self.rows_used - count, self.rows_used)

    def _take(self, score: np.ndarray, ids: np.ndarray, maps: np.ndarray | None = None) -> None:
        """Add the pairs of ``score`` (N, C) that may still enter a top or bottom k to the pending ones.

        With ``maps`` (N, C, P) each taken pair gets the position of its map's maximum. Without, the
        rows are a chunk of many batches (a layer with no positions waits for the statistics' merge),
        and only the chunk's own k highest and k lowest per unit, ties included, can enter; so too
        before k are kept (the first batch), when no threshold filters yet.
        """
        self.seen += len(ids)
        may_enter = None  # before k are kept no threshold filters (only a batch's own extremes, below)
        if self.thresholds is not None:  # a tie with the k-th kept value cannot: kept ids are lower, and win ties
            may_enter = score > self.thresholds[0]
            may_enter |= score < self.thresholds[1]
        if (maps is None or self.thresholds is None) and len(score) > self.k:
            in_chunk = score >= np.partition(score, len(score) - self.k, axis=0)[len(score) - self.k]
            in_chunk |= score <= np.partition(score, self.k - 1, axis=0)[self.k - 1]
            may_enter = in_chunk if may_enter is None else may_enter & in_chunk
        pairs = np.arange(score.size) if may_enter is None else np.flatnonzero(may_enter)  # example * C + channel
        if len(pairs) == 0:
            return
        units, values, taken_ids, positions = self.pending.extend(len(pairs))
        examples, _ = np.divmod(pairs, score.shape[1], out=(None, units))
        np.take(score.ravel(), pairs, out=values)
        np.take(ids, examples, out=taken_ids)
        if maps is None:
            positions.fill(-1)
        else:
            maps.reshape(-1, maps.shape[2])[pairs].argmax(axis=1, out=positions)
        if self.pending.length >= self.merge_pairs or (self.thresholds is None and self.seen >= self.k):
            self.merge()

    def merge(self) -> None:
        """Merge the pending candidate pairs into the kept top / bottom k: one sort by (unit, rank)."""
        if not self.pending.length:
            return
        channels, values, ids, positions = self.pending.columns()
        top = bottom = slice(None)  # before k are kept, every pair goes to both sides
        if self.thresholds is not None:  # a pair was taken for beating the k-th highest, the k-th lowest or both
            top, bottom = values > self.thresholds[0][channels], values < self.thresholds[1][channels]
        kept_units, kept_values, kept_ids, kept_positions = self.kept.columns()
        units = np.concatenate([kept_units, channels[top], channels[bottom] + self.channels])
        values = np.concatenate([kept_values, values[top], -values[bottom]])
        ids = np.concatenate([kept_ids, ids[top], ids[bottom]])
        positions = np.concatenate([kept_positions, positions[top], positions[bottom]])
        self.pending.length = 0
        order = by_unit_then_value(units, values)
        units = units[order]
        rank = np.arange(len(units)) - np.searchsorted(units, np.arange(2 * self.channels))[units]  # within a unit
        within_k = rank < self.k
        kept = order[within_k]
        self.kept.length = 0
        kept_units, kept_values, kept_ids, kept_positions = self.kept.extend(len(kept))
        np.compress(within_k, units, out=kept_units)
        for source, target in ((values, kept_values), (ids, kept_ids), (positions, kept_positions)):
            np.take(source, kept, out=target)
        if self.kept.length == 2 * self.channels * self.k:  # the k-th highest and the k-th lowest score kept
            kth = kept_values.reshape(2 * self.channels, self.k)[:, -1]
            if self.thresholds is None:
                self.thresholds = (np.empty(self.channels, dtype=kth.dtype), np.empty(self.channels, dtype=kth.dtype))
            np.copyto(self.thresholds[0], kth[:self.channels])
            np.negative(kth[self.channels:], out=self.thresholds[1])

    def merge_statistics(self) -> None:
        """Merge the pending batches' scores (and activation sums) into the running statistics."""
        if not self.statistics_pending:
            return
        columns = [np.concatenate(column) for column in zip(*self.statistics_pending)]
        self.statistics_pending, self.rows_used = [], 0
        if not self.spatial:
            self._take(columns[0], columns[1])
        self.scores.add_rows(columns[0])
        if self.activations is not None:
            self.activations.add(self.area, *columns[2:])

    def result(self, layer: str, shape: tuple[int, ...], examples: int) -> LayerScan:
        self.merge_statistics()  # first: it takes the candidates of a layer with no positions
        self.merge()
        width = shape[-1] if len(shape) == 3 else 1
        kept = self.kept.length // (2 * self.channels)  # k, or fewer when the dataset is smaller
        values, ids, positions = (array.reshape(2 * self.channels, kept) for array in self.kept.columns()[1:])
        parts = {}
        for side, sign, rows in (("top", 1.0, slice(0, self.channels)), ("bottom", -1.0, slice(self.channels, None))):
            flat = positions[rows]
            spatial = (np.stack([flat // width, flat % width], axis=-1) if len(shape) == 3
                       else np.full((*flat.shape, 2), -1))
            parts.update({f"{side}_values": sign * values[rows], f"{side}_ids": ids[rows].copy(),
                          f"{side}_positions": spatial.astype(np.int64)})
        parts.update(score_mean=self.scores.mean.copy(), score_std=self.scores.std)  # mean: updated in place
        if self.activations is not None:
            moments = self.activations.moments
            parts.update(mean=moments.mean.copy(), std=moments.std, minimum=self.activations.minimum,
                         maximum=self.activations.maximum)
        return LayerScan(layer, shape, examples, **parts)
