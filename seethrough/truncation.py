"""Run a network's forward pass only as far as some layers: what a scan of early layers needs.

The first call runs the whole forward pass and watches the layers. If each was called exactly once,
every later call stops right after the last of them (a forward hook raises a private exception that
is caught here), so a scan of ``_blocks.5`` does not pay for ``_blocks.6`` to the head. A layer
called twice (a shared activation module) keeps the whole pass, since stopping after its first call
would change what is recorded; so does a last layer whose output is the network's output (a logit
layer), where nothing is left to skip. Hooks are removed when the block ends, also when it raises.
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence

import torch
from torch import nn

from .hooks import find_module


class _Reached(Exception):
    """Raised after the last wanted layer ran: the rest of the forward pass is not needed."""


@contextlib.contextmanager
def forward_until(module: nn.Module, layers: Sequence[str]) -> Iterator[Callable[[torch.Tensor], None]]:
    """Yield ``run(x)``, which runs ``module(x)`` up to the last of ``layers`` (see the module docstring).

    Enter it after any ``capture`` of the same layers, so that the capture's hooks (registered first)
    record a layer's output before the stop.

    Examples
    --------
    >>> with capture(net, ["conv2"]) as outputs, forward_until(net, ["conv2"]) as run:
    ...     run(x)       # outputs["conv2"] is filled; the layers after conv2 did not run (from the 2nd call)
    """
    modules = {name: find_module(module, name) for name in layers}
    calls: list[str] = []
    handles: list = []
    state = {"first": True}  # and, during the first call, "output": the latest output of a watched layer

    def counter(name: str):
        def hook(_module, _inputs, output) -> None:
            calls.append(name)
            state["output"] = output
        return hook

    def stop(_module, _inputs, _output) -> None:
        raise _Reached

    def run(x: torch.Tensor) -> None:
        if not state["first"]:
            try:
                module(x)
            except _Reached:
                pass
            return
        result = module(x)
        state["first"] = False
        for handle in handles:
            handle.remove()
        handles.clear()
        ends_the_pass = state.pop("output", None) is result
        if calls and all(calls.count(name) == 1 for name in layers) and not ends_the_pass:
            handles.append(modules[calls[-1]].register_forward_hook(stop))

    try:
        for name, sub in modules.items():
            handles.append(sub.register_forward_hook(counter(name)))
        yield run
    finally:
        for handle in handles:
            handle.remove()
