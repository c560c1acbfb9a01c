"""Which modules one forward pass calls, in what order, with what output shapes.

Many tools need the network's structure as it runs, not as it is declared: the layers in the order
the pass calls them (a sanity check's cascade, Grad-CAM's last feature map), each layer's output
shape, and which modules run more than once (EfficientNet-Lite's blocks reuse one ReLU6 module, which
every tool reads at its last call, so a forward pass may stop early only after that call). One pass
over a blank input records all of it; :meth:`seethrough.Model.calls` keeps the record.
"""
from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class LayerCall:
    """One call of a named submodule: its name and its output's shape (the first tensor of a tuple
    output; None if the output is not a tensor)."""

    name: str
    shape: tuple[int, ...] | None


def record_calls(module: nn.Module, x: torch.Tensor) -> tuple[LayerCall, ...]:
    """Every call of a named submodule of ``module`` while ``module(x)`` runs (without gradients), in
    the order the calls end: a container ends after its children. Only this thread's calls count: a
    forward pass of the same module in another thread meanwhile (a second request in a server, another
    thread asking for the record at the same moment) passes the hooks without entering the record.
    The hooks are removed when the pass ends, also when it raises."""
    calls: list[LayerCall] = []
    recording = threading.get_ident()

    def recorder(name: str):
        def hook(_module, _inputs, output) -> None:
            if threading.get_ident() != recording:
                return
            if isinstance(output, (tuple, list)) and output:
                output = output[0]
            calls.append(LayerCall(name, tuple(output.shape) if isinstance(output, torch.Tensor) else None))
        return hook

    handles = []
    try:
        for name, sub in module.named_modules():
            if name:
                handles.append(sub.register_forward_hook(recorder(name)))
        with torch.no_grad():
            module(x)
    finally:
        for handle in handles:
            handle.remove()
    return tuple(calls)


def last_shapes(calls: Sequence[LayerCall]) -> dict[str, tuple[int, ...]]:
    """Each layer's output shape at its last call (what :func:`~seethrough.hooks.capture` records),
    in the order of first calls; layers whose output is not a tensor are left out."""
    shapes: dict[str, tuple[int, ...] | None] = {}
    for call in calls:
        shapes[call.name] = call.shape
    return {name: shape for name, shape in shapes.items() if shape is not None}


def stop_point(calls: Sequence[LayerCall], layers: Sequence[str]) -> tuple[str, int] | None:
    """Where a pass that only needs ``layers`` may end: (layer, n), after that layer's n-th call, the
    last call of any of ``layers``. None when nothing would be skipped (that call ends the record, as
    a logit layer does) or when none of ``layers`` is called."""
    wanted = set(layers)
    last = max((i for i, call in enumerate(calls) if call.name in wanted), default=None)
    if last is None or last == len(calls) - 1:
        return None
    name = calls[last].name
    return name, sum(call.name == name for call in calls[:last + 1])
