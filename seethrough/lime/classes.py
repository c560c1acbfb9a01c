"""Which class a text or tabular LIME explanation follows, for black boxes that return probabilities."""
from __future__ import annotations

import numpy as np

from ..errors import SeethroughError, unknown


def pick_class(target: int | str | None, names: list[str], probabilities: np.ndarray) -> int:
    """``target`` (index, name in ``names``, or None for the top class of ``probabilities``) -> index."""
    if target is None:
        return int(np.argmax(probabilities))
    if isinstance(target, str) and not target.strip().isdigit():
        if target not in names:
            raise unknown("class", target, names, "give a class name or index")
        return names.index(target)
    index = int(target)
    if not 0 <= index < len(names):
        raise SeethroughError(f"class index {index} is out of range 0..{len(names) - 1}")
    return index
