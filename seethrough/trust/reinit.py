"""Blocks of a network and their re-initialization, always on a copy of the user's model.

The model-randomization test (Adebayo et al. 2018, "Sanity checks for saliency maps", Sec. 3.1)
re-initializes the weights "starting from the top layer, successively, all the way to the bottom
layer". Which modules form a "layer" is found here generically: the top-level children of the
network that hold parameters, with list-like containers (``nn.ModuleList``, ``nn.Sequential``)
opened one level, in the order the forward pass first calls them.
"""
from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
from torch import nn

from ..errors import SeethroughError
from ..model import Model


def model_copy(model: Model) -> Model:
    """A :class:`Model` sharing preprocessing and labels with ``model`` but holding a deep copy of
    its network: changing the copy's weights never touches the user's."""
    clone = copy.copy(model)
    clone.module = copy.deepcopy(model.module)
    return clone


def _has_parameters(module: nn.Module) -> bool:
    return any(True for _ in module.parameters())


def _candidates(module: nn.Module) -> list[str]:
    names = []
    for name, child in module.named_children():
        if not _has_parameters(child):
            continue
        if isinstance(child, (nn.ModuleList, nn.Sequential)):
            names += [f"{name}.{sub}" for sub, grandchild in child.named_children() if _has_parameters(grandchild)]
        else:
            names.append(name)
    return names


def discover_blocks(model: Model) -> list[str]:
    """The network's blocks (dotted names), input side first, in the order the forward pass calls them.

    Blocks that never run on an input of the model's size are left out. The order is the model's call
    record (:meth:`~seethrough.Model.calls`); one not yet found is found on a copy, so no hook ever
    touches the user's model.
    """
    clone = model_copy(model)
    names = set(_candidates(clone.module))
    if not names:
        raise SeethroughError(f"{model.name} has no parameters to randomize")
    return [name for name in dict.fromkeys(call.name for call in clone.calls()) if name in names]


def group_blocks(blocks: Sequence[str], stages: int) -> list[list[str]]:
    """Consecutive ``blocks`` merged into at most ``stages`` groups of nearly equal size, order kept."""
    stages = max(1, min(int(stages), len(blocks)))
    bounds = [round(i * len(blocks) / stages) for i in range(stages + 1)]
    return [list(blocks[bounds[i]:bounds[i + 1]]) for i in range(stages)]


def reinitialize(module: nn.Module, seed: int) -> None:
    """Re-draw every parameter of ``module`` (in place) from its layer's default initializer.

    Submodules with ``reset_parameters`` (Conv, Linear, BatchNorm — which also resets its running
    statistics — ...) use it; any other parameter is drawn from a Gaussian with the parameter's
    own standard deviation (zero mean). The global random state is left as it was.
    """
    devices = sorted({p.device.index or 0 for p in module.parameters() if p.device.type == "cuda"})
    covered: set[int] = set()
    with torch.random.fork_rng(devices=devices), torch.no_grad():
        torch.manual_seed(seed)
        for sub in module.modules():
            reset = getattr(sub, "reset_parameters", None)
            if callable(reset):
                reset()
                covered.update(id(p) for p in sub.parameters(recurse=False))
        for parameter in module.parameters():
            if id(parameter) not in covered:
                scale = float(parameter.std()) if parameter.numel() > 1 else 1.0
                parameter.copy_(torch.randn_like(parameter) * (scale if scale > 0 else 1.0))


def block_seed(seed: int, index: int) -> int:
    """The seed of the ``index``-th block (input side first): the same weights in every mode."""
    return seed * 100_003 + index


def resolve_steps(model: Model, blocks: Sequence[str | Sequence[str]] | None, stages: int | None) -> list[list[str]]:
    """The randomization steps, logits side first: each a list of block names randomized together."""
    if blocks is None:
        found = discover_blocks(model)
        groups = group_blocks(found, stages) if stages else [[name] for name in found]
    else:
        groups = [[entry] if isinstance(entry, str) else list(entry) for entry in blocks]
        if not groups or not all(groups):
            raise SeethroughError("blocks must be a non-empty list of layer names (or of lists of names)")
        for group in groups:
            for name in group:
                model.layer(name)  # a wrong name fails with the closest valid names
    return groups[::-1]


def fully_randomized(model: Model, *, seed: int = 0, blocks=None) -> Model:
    """A copy of ``model`` with every block re-initialized: the end of cascading randomization."""
    steps = resolve_steps(model, blocks, None)
    clone = model_copy(model)
    names = [name for group in steps[::-1] for name in group]
    for index, name in enumerate(names):
        reinitialize(clone.layer(name), block_seed(seed, index))
    return clone
