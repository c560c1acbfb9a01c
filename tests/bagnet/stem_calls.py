"""Count a BagNet's forward calls: the batch size of every call of its stem."""
from __future__ import annotations

from contextlib import contextmanager


@contextmanager
def stem_batches(model):
    """Within the block, the list of batch sizes the stem of ``model`` (a seethrough.Model) ran on; the hook goes after."""
    batches: list[int] = []
    handle = model.module.stem.register_forward_hook(lambda module, inputs, output: batches.append(len(output)))
    try:
        yield batches
    finally:
        handle.remove()
