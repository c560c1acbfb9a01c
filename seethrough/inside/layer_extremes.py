"""One layer's state during a scan: each unit's top-k and bottom-k examples so far, and its statistics.

The scan (``scan.py``) hands each batch's output here; what is kept stays O(k x units) whatever the
dataset's size. The cost that matters is the fixed cost of each small operation after a forward pass
(its code and data left the cache), so each batch gets few of them: one torch reduction and one
compiled loop (``extremes_insertion``).
"""
from __future__ import annotations

import numpy as np
import torch

from .running_moments import ActivationMoments, RunningMoments, map_reductions
from .scan_result import LayerScan

STATISTICS_EVERY = 1 << 16  #: scores (examples x units) gathered before a merge into the running statistics


class LayerExtremes:
    """One layer's top-k and bottom-k so far, and its statistics, fed a batch at a time (``update``).

    Each batch is reduced at once (one torch reduction over the activations) to an (N, C) array of
    scores, which ``enter_batch`` enters into each unit's sorted top k and bottom k (value, example
    id, and the position of the map's maximum, found only for the pairs that enter). The scores
    also wait, for the statistics, until ``STATISTICS_EVERY`` have gathered.

    Nothing this keeps from one batch to the next takes new memory: the kept entries are arrays
    taken once, and the scores (and the maps' four reductions for the activation statistics) are
    written into buffers (torch's ``out=``). Small arrays kept while the forward pass frees and takes
    its large maps split glibc's heap, which then gives memory back to the kernel and faults it in
    again on the next pass: in ``benchmarks/scan.py``'s sequence of runs on mnist_cnn a scan that
    kept new arrays faulted in 8 of 9 processes at batch 32-128 (up to 37,000 faults a pass, about
    2 us each) where the bare forward pass had none; one that did not in 2 of 8.
    """

    def __init__(self, channels: int, k: int, dtype: torch.dtype, activation_statistics: bool = False):
        self.k, self.channels = k, channels
        self.dtype = torch.float64 if dtype == torch.float64 else torch.float32  # scores kept in this dtype
        numbers = np.float64 if self.dtype == torch.float64 else np.float32
        from .extremes_insertion import enter_batch  # numba takes 0.25 s to import: not with the package
        self.enter_batch = enter_batch
        self.values = np.zeros((2, channels, k), dtype=numbers)  # [0]: top k from the highest, [1]: bottom k
        self.ids = np.zeros((2, channels, k), dtype=np.int64)
        self.positions = np.zeros((2, channels, k), dtype=np.int64)  # flat position in the map, -1 for none
        self.kept = np.zeros(channels, dtype=np.int64)  # entries held per unit and side (k once k were seen)
        self.area = 1
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
        spatial = output.dim() > 2
        flat = output.flatten(2) if spatial else output  # (N, C, positions) or (N, C)
        self.area = flat.shape[2] if spatial else 1
        span = self._rows(output.shape[0])
        if self.activations is not None:
            reductions = self.map_rows[:, span]
            map_reductions(flat if spatial else output.unsqueeze(2), out=reductions)
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
            if not spatial:
                rows.copy_(output)
            elif reduce == "max":
                torch.amax(flat, 2, out=rows)
            else:
                torch.mean(flat, 2, out=rows)
            score = rows.numpy()
        self.statistics_pending.append((score, *extra))
        maps = flat.numpy() if spatial else score[:, :, None]
        self.enter_batch(score, maps, spatial, np.asarray(ids, dtype=np.int64), self.values, self.ids,
                         self.positions, self.kept)
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

    def merge_statistics(self) -> None:
        """Merge the pending batches' scores (and activation sums) into the running statistics."""
        if not self.statistics_pending:
            return
        columns = [np.concatenate(column) for column in zip(*self.statistics_pending)]
        self.statistics_pending, self.rows_used = [], 0
        self.scores.add_rows(columns[0])
        if self.activations is not None:
            self.activations.add(self.area, *columns[1:])

    def result(self, layer: str, shape: tuple[int, ...], examples: int) -> LayerScan:
        self.merge_statistics()
        width = shape[-1] if len(shape) == 3 else 1
        kept = int(self.kept.min(initial=self.k))  # k, or fewer when the dataset is smaller
        parts = {}
        for side, index in (("top", 0), ("bottom", 1)):  # extremes_insertion's TOP and BOTTOM
            flat = self.positions[index, :, :kept]
            spatial = (np.stack([flat // width, flat % width], axis=-1) if len(shape) == 3
                       else np.full((*flat.shape, 2), -1))
            parts.update({f"{side}_values": self.values[index, :, :kept].copy(),
                          f"{side}_ids": self.ids[index, :, :kept].copy(), f"{side}_positions": spatial})
        parts.update(score_mean=self.scores.mean.copy(), score_std=self.scores.std)  # mean: updated in place
        if self.activations is not None:
            moments = self.activations.moments
            parts.update(mean=moments.mean.copy(), std=moments.std, minimum=self.activations.minimum,
                         maximum=self.activations.maximum)
        return LayerScan(layer, shape, examples, **parts)
