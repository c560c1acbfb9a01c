"""Forward hooks that never outlive their ``with`` block.

>>> with capture(model, ["_blocks.15"]) as acts:
...     model(x)
>>> acts["_blocks.15"].shape
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

import torch
from torch import nn

from .errors import unknown


def find_module(module: nn.Module, name: str) -> nn.Module:
    """The submodule called ``name`` (dotted, as in ``named_modules``); a wrong name lists the closest."""
    modules = dict(module.named_modules())
    if name not in modules or name == "":
        valid = [n for n in modules if n]
        raise unknown("layer", name, valid, "list them with 'seethrough layers'")
    return modules[name]


@contextlib.contextmanager
def capture(module: nn.Module, layers: Sequence[str], *, detach: bool = True) -> Iterator[dict[str, torch.Tensor]]:
    """Record the outputs of ``layers`` while the block runs.

    Parameters
    ----------
    module : the network.
    layers : dotted module names. A module called several times keeps its last output.
    detach : if False the recorded tensors stay in the autograd graph (for Grad-CAM and friends).

    Yields
    ------
    dict from layer name to its output tensor, filled in as the forward pass runs.
    The hooks are removed when the block ends, also when it raises.
    """
    targets = {name: find_module(module, name) for name in layers}
    recorded: dict[str, torch.Tensor] = {}
    handles = []

    def recorder(name: str):
        def hook(_module, _inputs, output):
            if isinstance(output, (tuple, list)):
                output = output[0]
            recorded[name] = output.detach() if detach else output
        return hook

    try:
        for name, target in targets.items():
            handles.append(target.register_forward_hook(recorder(name)))
        yield recorded
    finally:
        for handle in handles:
            handle.remove()


def has_hooks(module: nn.Module) -> bool:
    """True if any submodule of ``module`` carries a forward, pre-forward or backward hook."""
    for sub in module.modules():
        if sub._forward_hooks or sub._forward_pre_hooks or sub._backward_hooks:
            return True
        if getattr(sub, "_backward_pre_hooks", None):
            return True
    return False
