"""One streaming pass over a dataset keeping, per unit, its top-k and bottom-k examples and statistics.

Each example gets one score per channel: its activation map's maximum over space (``reduce="max"``,
the default; Zeiler & Fergus 2014, arXiv:1311.2901, rank patches this way) or its mean over space
(``reduce="mean"``), with the position of the map's maximum. A fully connected layer's units (a
logit, say) are their own score, and so is every single activation with ``reduce="none"`` (neuron
(c, y, x) of a (C, H, W) map is unit ``c * H * W + y * W + x``; memory O(k x C x H x W)). The k
highest and k lowest scores are kept with their example id and position, merged batch by batch, so
memory is O(k x channels) whatever the dataset's size.
Each unit's running statistics are those of its score (mean and standard deviation over the examples;
the extremes are ``top_values[:, 0]`` and ``bottom_values[:, 0]``): nearly free. With
``activation_statistics=True`` the scan also keeps, per channel, the mean, standard deviation,
minimum and maximum over every activation (every example and position), which costs three more
passes over each activation map (on mnist_cnn's relu1 that is about a tenth of the forward pass:
``benchmarks/scan.py`` prints both). Both kinds are merged batch by batch with the pairwise update
of Chan, Golub & LeVeque (1979), in float64. The position of a map's maximum is computed only for
the examples that enter a top or bottom k, so the work per activation is one reduction (max or sum)
without activation statistics and four (max, min, sum, norm) with them.
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
MERGE_EVERY = 256  #: examples gathered (as small per-example arrays) before a merge into the kept top k
__all__ = ["LayerScan", "REDUCTIONS", "ScanResult", "neuron_index", "scan"]


def _stable_top(values: torch.Tensor, k: int) -> torch.Tensor:
    """Column indices (rows, k) of each row's k largest values, largest first, ties broken by the lower
    index: the first k of a stable descending argsort, at the cost of a ``topk`` (10x less here)."""
    k = min(k, values.shape[1])
    kth = values.topk(k, dim=1).values[:, -1:]
    greater, equal = values > kth, values == kth
    wanted = k - greater.sum(1, keepdim=True)
    chosen = greater | (equal & (equal.cumsum(1) <= wanted))  # exactly k per row
    columns = chosen.nonzero()[:, 1].view(values.shape[0], k)  # ascending index within each row
    return columns.gather(1, values.gather(1, columns).argsort(dim=1, descending=True, stable=True))


def _chan_merge(state: tuple[int, torch.Tensor, torch.Tensor], count: int, mean: torch.Tensor,
                m2: torch.Tensor) -> tuple[int, torch.Tensor, torch.Tensor]:
    """Running (count, mean, m2) merged with a part's (count, mean, m2): Chan, Golub & LeVeque's update."""
    seen, old_mean, old_m2 = state
    total = seen + count
    delta = mean - old_mean
    return total, old_mean + delta * (count / total), old_m2 + m2 + delta ** 2 * (seen * count / total)


def _reductions(flat: torch.Tensor, chunk_bytes: int = 4 << 20) -> tuple[torch.Tensor, ...]:
    """Per example and channel of ``flat`` (N, C, P): max, sum, min and sum of squares over P.

    Taken a chunk of examples at a time (about ``chunk_bytes``), so that after the first reduction
    brings a chunk into the cache the other three read it from there: on one thread 3x faster than
    four passes over a large activation (no single torch op fuses the four quickly). Chunks of 1 MB
    were as fast on one thread but slower on two (each parallel reduction has a fixed cost).
    """
    rows = max(1, chunk_bytes // max(1, flat[0].numel() * flat.element_size()))
    parts = [(part.amax(dim=2), part.sum(dim=2), part.amin(dim=2), torch.linalg.vector_norm(part, dim=2) ** 2)
             for part in flat.split(rows)]
    return parts[0] if len(parts) == 1 else tuple(torch.cat(column) for column in zip(*parts))


class _Running:
    """The state of one layer during the pass: top-k and bottom-k so far (stacked: rows 0..C-1 keep the
    highest scores, rows C..2C-1 the highest negated scores) and the statistics' sums.

    Each batch is reduced at once to small (N, C) arrays of scores. Only the examples with a pair
    (example, channel) that can still enter a top or bottom k (beyond the k-th kept value of the
    last merge: a stale, hence safe, threshold) wait for the next merge, which comes once
    ``merge_every`` of them have gathered; after the first few thousand examples few can, so merges
    become rare. The arg-max position is found, while the batch's activations are still there, for
    those pairs only. The statistics take every example's scores, every ``merge_every`` examples.
    """

    def __init__(self, channels: int, k: int, dtype: torch.dtype, merge_every: int | None = None,
                 activation_statistics: bool = False):
        self.k, self.channels, self.merge_every = k, channels, merge_every or MERGE_EVERY
        self.dtype = torch.float64 if dtype == torch.float64 else torch.float32  # scores kept in this dtype
        self.values = torch.zeros((2 * channels, 0), dtype=self.dtype)
        self.ids = torch.zeros((2 * channels, 0), dtype=torch.long)
        self.positions = torch.zeros((2 * channels, 0), dtype=torch.long)
        self.pending: list[tuple[torch.Tensor, ...]] = []  # candidates for the top / bottom k
        self.pending_count, self.area = 0, 1
        self.statistics_pending: list[tuple[torch.Tensor, ...]] = []  # every example, for the statistics
        self.statistics_count = 0
        zeros = torch.zeros(channels, dtype=torch.float64)
        self.scores = (0, zeros, zeros)  # (count, mean, m2) of the scores
        self.activation_statistics = activation_statistics
        self.activations = (0, zeros, zeros)  # (count, mean, m2) of every activation, if asked for
        self.minimum = torch.full((channels,), float("inf"), dtype=torch.float64)
        self.maximum = torch.full((channels,), float("-inf"), dtype=torch.float64)

    def update(self, output: torch.Tensor, ids: torch.Tensor, reduce: str) -> None:
        output = output.to(self.dtype)
        flat = output.flatten(2) if output.dim() > 2 else output[:, :, None]  # (N, C, positions)
        self.area = flat.shape[2]
        if self.activation_statistics:
            peak, sums, lows, squares = _reductions(flat)
            extra = (sums, squares, lows, peak)
            score = peak if reduce == "max" else sums / self.area  # (N, C)
        else:
            extra = ()
            score = flat[:, :, 0] if flat.shape[2] == 1 else flat.amax(2) if reduce == "max" else flat.mean(2)
        self.statistics_pending.append((score, *extra))
        self.statistics_count += len(ids)
        if self.statistics_count >= self.merge_every:
            self.merge_statistics()
        if self.values.shape[1] == self.k:  # only pairs that can still enter a top or bottom k: a tie with
            # the k-th kept value cannot, since kept examples have lower ids and ties go to the lower id
            may_enter = (score > self.thresholds[0]) | (score < self.thresholds[1])
            candidates = may_enter.any(dim=1).nonzero()[:, 0]  # the examples bringing at least one candidate
            if len(candidates) == 0:
                return
            if len(candidates) < len(ids):
                score, ids, may_enter = score[candidates], ids[candidates], may_enter[candidates]
            else:
                candidates = None
        else:
            candidates, may_enter = None, torch.ones(score.shape, dtype=torch.bool)
        where = None
        if output.dim() > 2:  # the arg-max position, for the candidate pairs only
            where = torch.full(score.shape, -1, dtype=torch.long)
            examples, channels = may_enter.nonzero(as_tuple=True)
            rows = examples if candidates is None else candidates[examples]  # rows of the whole batch
            where[examples, channels] = flat[rows, channels].argmax(dim=1)
        self.pending.append((score, ids, where))
        self.pending_count += len(ids)
        if self.pending_count >= (self.merge_every if self.values.shape[1] == self.k else self.k):
            self.merge()

    def merge(self) -> None:
        """Merge the pending candidates into the kept top / bottom k."""
        if not self.pending:
            return
        columns = list(zip(*self.pending))
        score, ids = torch.cat(columns[0]), torch.cat(columns[1])
        where = torch.cat(columns[2]) if columns[2][0] is not None else torch.full(score.shape, -1, dtype=torch.long)
        self.pending, self.pending_count = [], 0
        kept = self.values.shape[1]
        values = torch.cat([self.values, torch.cat([score.T, -score.T])], dim=1)  # (2C, kept + N)
        order = _stable_top(values, self.k)
        fresh = order >= kept  # the entries the pending batches bring in
        from_batch = (order - kept).clamp(min=0)
        from_kept = order.clamp(max=max(kept - 1, 0))
        rows = torch.arange(2 * self.channels)[:, None] % self.channels
        self.values = values.gather(1, order)
        self.ids = torch.where(fresh, ids[from_batch], self.ids.gather(1, from_kept)) if kept else ids[from_batch]
        new_positions = where[from_batch, rows]
        self.positions = torch.where(fresh, new_positions, self.positions.gather(1, from_kept)) if kept else new_positions
        if self.values.shape[1] == self.k:  # the k-th highest and the k-th lowest score kept, per channel
            self.thresholds = (self.values[:self.channels, -1].contiguous(), -self.values[self.channels:, -1])

    def merge_statistics(self) -> None:
        """Merge the pending batches' scores (and activation sums) into the running statistics."""
        if not self.statistics_pending:
            return
        columns = [torch.cat(column) for column in zip(*self.statistics_pending)]
        self.statistics_pending, self.statistics_count = [], 0
        scores = columns[0].double()
        mean = scores.mean(0)
        self.scores = _chan_merge(self.scores, len(scores), mean, ((scores - mean) ** 2).sum(0))
        if self.activation_statistics:
            self._activation_statistics(self.area, *columns[1:])

    def _activation_statistics(self, positions: int, sums: torch.Tensor, squares: torch.Tensor, lows: torch.Tensor,
                               peak: torch.Tensor) -> None:
        """Merge the batch's per-example sums and sums of squares (N, C) in float64 (Chan et al.'s update)."""
        sums = sums.double()
        example_mean = sums / positions
        example_m2 = (squares.double() - sums * example_mean).clamp(min=0)  # (N, C)
        count = sums.shape[0] * positions
        mean = sums.sum(0) / count
        m2 = example_m2.sum(0) + positions * ((example_mean - mean) ** 2).sum(0)
        self.activations = _chan_merge(self.activations, count, mean, m2)
        self.minimum = torch.minimum(self.minimum, lows.amin(dim=0).double())
        self.maximum = torch.maximum(self.maximum, peak.amax(dim=0).double())

    def result(self, layer: str, shape: tuple[int, ...], examples: int) -> LayerScan:
        self.merge()
        self.merge_statistics()
        width = shape[-1] if len(shape) == 3 else 1
        parts = {}
        for side, sign, rows in (("top", 1.0, slice(0, self.channels)), ("bottom", -1.0, slice(self.channels, None))):
            flat = self.positions[rows].numpy()
            spatial = (np.stack([flat // width, flat % width], axis=-1) if len(shape) == 3
                       else np.full((*flat.shape, 2), -1))
            parts.update({f"{side}_values": (sign * self.values[rows]).numpy(),
                          f"{side}_ids": self.ids[rows].numpy().astype(np.int64),
                          f"{side}_positions": spatial.astype(np.int64)})
        count, mean, m2 = self.scores
        parts.update(score_mean=mean.numpy(), score_std=(m2 / max(count, 1)).sqrt().numpy())
        if self.activation_statistics:
            count, mean, m2 = self.activations
            parts.update(mean=mean.numpy(), std=(m2 / max(count, 1)).sqrt().numpy(),
                         minimum=self.minimum.numpy(), maximum=self.maximum.numpy())
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
                running[layer].update(output.cpu(), torch.as_tensor(batch.ids), reduce)
            outputs.clear()
            bar.advance(len(batch.ids))
    bar.close()
    result = ScanResult(model.name, dataset.name, k, reduce, len(ids),
                        labels=None if labels is None else sorted(int(label) for label in labels))
    result.layers = {layer: running[layer].result(layer, shapes[layer], len(ids)) for layer in layers}
    return result
