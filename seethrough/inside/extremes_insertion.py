"""Each unit's k highest and k lowest scores so far, kept sorted, and a batch entered into them by insertion.

A scan sees each example once. Per unit it keeps k entries a side (value, example id, position),
sorted from the most extreme; an example enters a side when fewer than k are kept or when its score
beats the k-th kept (strictly: a tie with the k-th does not enter, and a new value goes after the
kept values equal to it, so equal scores rank in the order they came). After n examples only about
k/n of a batch's scores still enter a side, so the work per batch is one comparison per score,
and the arg-max position of a map is found only for the few that enter.

The loop is compiled (numba) because each batch's scores are few (examples x channels) and the
work per batch is small. As a chain of numpy operations (threshold masks, indices, a sort-merge of
the candidates every few batches) its fixed costs, paid with the code and data out of the cache
after each forward pass, were 14.4 of the scan's 35.7 ms of bookkeeping per 5,000 digits on
mnist_cnn (relu1, relu2 and fc at batch 128); this loop takes 5.4 (relu1 3.4, relu2 2.0).
"""
from __future__ import annotations

import numba
import numpy as np

TOP, BOTTOM = 0, 1  #: the sides of ``values``, ``ids`` and ``positions`` (2, units, k)


@numba.njit(cache=True, nogil=True)
def first_argmax(row: np.ndarray) -> int:
    """The position of ``row``'s maximum, the first one (a NaN counts as the maximum): numpy's argmax."""
    best, position = row[0], 0
    if best != best:
        return 0
    for index in range(1, len(row)):
        value = row[index]
        if value > best:
            best, position = value, index
        elif value != value:
            return index
    return position


@numba.njit(cache=True, nogil=True)
def insert(values: np.ndarray, ids: np.ndarray, positions: np.ndarray, side: int, unit: int, kept: int,
           value, example: int, position: int) -> None:
    """Put (``value``, ``example``, ``position``) into ``unit``'s sorted row of ``side``, which holds
    ``kept`` entries, after the entries at least as extreme; the k-th falls off when the row is full."""
    slot = min(kept, values.shape[2] - 1)
    while slot > 0 and (values[side, unit, slot - 1] < value if side == TOP else values[side, unit, slot - 1] > value):
        values[side, unit, slot] = values[side, unit, slot - 1]
        ids[side, unit, slot] = ids[side, unit, slot - 1]
        positions[side, unit, slot] = positions[side, unit, slot - 1]
        slot -= 1
    values[side, unit, slot], ids[side, unit, slot], positions[side, unit, slot] = value, example, position


@numba.njit(cache=True, nogil=True)
def enter_batch(score: np.ndarray, maps: np.ndarray, spatial: bool, examples: np.ndarray, values: np.ndarray,
                ids: np.ndarray, positions: np.ndarray, kept: np.ndarray) -> None:
    """Enter one batch into the kept extremes, in place.

    Parameters
    ----------
    score : (N, U) each example's score per unit.
    maps : (N, U, P) the maps the scores come from; an entering pair's position is the first arg-max
        of its map. Unused (pass ``score[:, :, None]``) when ``spatial`` is False: positions are -1.
    examples : (N,) int64, the examples' ids, in the order they came.
    values, ids, positions : (2, U, k) the kept entries, ``TOP`` side from the highest, ``BOTTOM``
        side from the lowest; the first ``kept[u]`` of unit u's rows are filled.
    kept : (U,) int64, how many entries each unit holds a side (at most k).
    """
    count, units = score.shape
    k = values.shape[2]
    for unit in range(units):  # units are independent; each takes its examples in the order they came
        held = kept[unit]
        highest, lowest = values[TOP, unit, k - 1], values[BOTTOM, unit, k - 1]  # the k-th kept, once full
        for example in range(count):
            value = score[example, unit]
            top = held < k or value > highest
            bottom = held < k or value < lowest
            if not (top or bottom):
                continue
            position = first_argmax(maps[example, unit]) if spatial else -1
            if top:
                insert(values, ids, positions, TOP, unit, held, value, examples[example], position)
            if bottom:
                insert(values, ids, positions, BOTTOM, unit, held, value, examples[example], position)
            if held < k:
                held += 1
            highest, lowest = values[TOP, unit, k - 1], values[BOTTOM, unit, k - 1]
        kept[unit] = held
