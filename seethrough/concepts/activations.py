"""Layer activations of image sets, cached per (model, layer, image set) in memory and on disk.

TCAV runs the same concept and random sets through the same layers again and again (more random
sets, another target class, another concept list). The activations depend only on the model's
weights and preprocessing, the layer and the images, so they are kept under a key made of those:
in memory for the session, and on disk under ``<cache dir>/activations/`` (see
:func:`seethrough.zoo.cache.cache_dir`; ``$SEETHROUGH_CACHE`` moves it).

A module called several times in one forward pass (EfficientNet-Lite's blocks reuse one ReLU6) gives
its last output, as :func:`seethrough.hooks.capture` records it: the tensor TCAV takes its gradients
at. The forward pass stops right after that call of the last wanted layer
(:func:`seethrough.truncation.forward_until`).
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import torch

from ..errors import SeethroughError
from ..hooks import capture
from ..model import Model
from ..progress import Progress
from ..truncation import forward_until
from ..zoo.cache import cache_dir
from .sources import ImageSet

_MEMORY: OrderedDict[tuple[str, str, str], torch.Tensor] = OrderedDict()
_MEMORY_ENTRIES = 256
_VERSION = 2  #: of the stored activations; 2: a module called several times gives its last output (1: its first)


def model_key(model: Model) -> str:
    """A hash of the model's weights, buffers, class and preprocessing: equal keys, equal activations."""
    digest = hashlib.sha256()
    digest.update(f"{type(model.module).__qualname__}|{model.input_size}|{model.mean}|{model.std}".encode())
    for name, tensor in model.module.state_dict().items():
        digest.update(name.encode())
        digest.update(str((tuple(tensor.shape), str(tensor.dtype))).encode())
        digest.update(tensor.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy().tobytes()
                      if tensor.numel() else b"")
    return digest.hexdigest()[:20]


def batches(model: Model, images: ImageSet, batch_size: int) -> list[torch.Tensor]:
    """The set's images preprocessed for ``model``, in batches of (B, C, H, W) on the model's device."""
    inputs = [model.preprocess(image) for image in images.images]
    return [torch.cat(inputs[i:i + batch_size]).to(model.device) for i in range(0, len(inputs), batch_size)]


def _disk_path(key: tuple[str, str, str]) -> Path:
    model_hash, layer, set_key = key
    return cache_dir() / "activations" / f"v{_VERSION}" / model_hash / f"{layer}-{set_key}.pt"


def _save(path: Path, tensor: torch.Tensor) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
        os.close(handle)
        try:
            torch.save(tensor, temporary)
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
    except OSError:
        pass  # a read-only cache only costs time


def _remember(key: tuple[str, str, str], tensor: torch.Tensor) -> None:
    _MEMORY[key] = tensor
    _MEMORY.move_to_end(key)
    while len(_MEMORY) > _MEMORY_ENTRIES:
        _MEMORY.popitem(last=False)


def clear_memory() -> None:
    """Forget the in-memory cache (the disk cache stays)."""
    _MEMORY.clear()


def layer_activations(model: Model, layers: Sequence[str], images: ImageSet, *, batch_size: int = 32,
                      cache: bool = True, key: str | None = None, progress: Progress | None = None
                      ) -> dict[str, torch.Tensor]:
    """The outputs of ``layers`` for every image of ``images``: layer -> tensor (N, ...) float32 on the CPU.

    Parameters
    ----------
    model : the network; run without gradients.
    layers : dotted layer names.
    images : the image set; its ``key`` identifies its content.
    batch_size : images per forward pass.
    cache : look up and store activations in memory and on disk.
    key : the model's key (:func:`model_key`), to avoid hashing the weights again.
    progress : a bar advanced by one per image actually run.
    """
    key = key or model_key(model)
    found: dict[str, torch.Tensor] = {}
    for layer in layers:
        entry = (key, layer, images.key)
        if cache and entry in _MEMORY:
            found[layer] = _MEMORY[entry]
        elif cache and _disk_path(entry).exists():
            try:
                found[layer] = torch.load(_disk_path(entry), map_location="cpu", weights_only=True)
                _remember(entry, found[layer])
            except (OSError, RuntimeError, EOFError):
                pass
    missing = [layer for layer in layers if layer not in found]
    if not missing:
        return {layer: found[layer] for layer in layers}
    parts: dict[str, list[torch.Tensor]] = {layer: [] for layer in missing}
    # a module called several times gives its last output, as in capture (the gradients TCAV takes)
    with torch.no_grad(), capture(model.module, missing) as outputs, \
            forward_until(model.module, missing, model.calls()) as run:
        for batch in batches(model, images, batch_size):
            run(batch)
            if absent := [layer for layer in missing if layer not in outputs]:
                raise SeethroughError(f"layer(s) {', '.join(absent)} were not called in the forward pass")
            for layer in missing:
                parts[layer].append(outputs[layer].float().cpu())
            outputs.clear()
            if progress is not None:
                progress.advance(batch.shape[0])
    for layer in missing:
        found[layer] = torch.cat(parts[layer])
        if cache:
            entry = (key, layer, images.key)
            _remember(entry, found[layer])
            _save(_disk_path(entry), found[layer])
    return {layer: found[layer] for layer in layers}
