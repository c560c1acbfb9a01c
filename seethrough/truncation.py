"""Run a network's forward pass only as far as some layers: what a scan of early layers needs.

The pass ends right after the last call of any of the layers, found in the model's call record
(:meth:`seethrough.Model.calls`): a forward hook counts that module's calls and, at the recorded
one, raises a private exception that is caught here. So a scan of ``_blocks.5`` does not pay for
``_blocks.6`` to the head, and a module called several times in a pass (a shared activation) is
left at its last call, which is the output every tool reads. A last layer whose call ends the record
(a logit layer) gets no stop: nothing is left to skip. Hooks are removed when the block ends, also
when it raises.
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence

import torch
from torch import nn

from .call_record import LayerCall, stop_point


class _Reached(Exception):
    """Raised after the last wanted call: the rest of the forward pass is not needed."""


@contextlib.contextmanager
def forward_until(module: nn.Module, layers: Sequence[str],
                  calls: Sequence[LayerCall]) -> Iterator[Callable[[torch.Tensor], torch.Tensor | None]]:
    """Yield ``run(x)``, which runs ``module(x)`` up to the last call of any of ``layers`` and returns
    the network's output, or None if the pass ended early.

    ``calls`` is the module's call record (:meth:`seethrough.Model.calls`, or
    :func:`~seethrough.call_record.record_calls`). Enter this block after a ``capture`` of the same
    layers: the capture's hooks (registered first) record a layer's output before the stop, and the
    capture has already refused a wrong name (listing the closest).

    Examples
    --------
    >>> with capture(net, ["conv2"]) as outputs, forward_until(net, ["conv2"], model.calls()) as run:
    ...     run(x)       # outputs["conv2"] is filled; the layers after conv2 did not run
    """
    stop = stop_point(calls, layers)
    count = [0]

    def run(x: torch.Tensor) -> torch.Tensor | None:
        count[0] = 0
        try:
            return module(x)
        except _Reached:
            return None

    if stop is None:
        yield run
        return
    name, calls_to_stop = stop

    def hook(_module, _inputs, _output) -> None:
        count[0] += 1
        if count[0] == calls_to_stop:
            raise _Reached

    handle = module.get_submodule(name).register_forward_hook(hook)  # a name from the record: it exists
    try:
        yield run
    finally:
        handle.remove()
