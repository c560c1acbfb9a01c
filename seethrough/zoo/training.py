"""Deterministic training of the small MNIST models, cached by a hash of their recipe."""
from __future__ import annotations

import os
import tempfile
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from ..data.mnist import mnist_split
from ..progress import Progress
from .cache import recipe_path


def _shift(images: torch.Tensor, generator: torch.Generator, max_shift: int) -> torch.Tensor:
    """Translate each image by up to ``max_shift`` pixels in x and y (zero fill): cheap augmentation."""
    if max_shift == 0:
        return images
    padded = nn.functional.pad(images, (max_shift,) * 4)
    size = images.shape[-1]
    offsets = torch.randint(0, 2 * max_shift + 1, (images.shape[0], 2), generator=generator)
    return torch.stack([padded[i, :, dy:dy + size, dx:dx + size] for i, (dy, dx) in enumerate(offsets.tolist())])


def mnist_tensors(part: str) -> tuple[torch.Tensor, torch.Tensor]:
    """MNIST-5k ``part`` ("train" / "test") as float pixels (N, 1, 28, 28) in [0, 1] and labels (N,)."""
    images, labels, _ = mnist_split(part)
    return torch.from_numpy(images.astype(np.float32) / 255.0)[:, None], torch.from_numpy(labels)


def accuracy(module: nn.Module, images: torch.Tensor, labels: torch.Tensor, batch: int = 500) -> float:
    with torch.no_grad():
        predicted = torch.cat([module(images[i:i + batch]).argmax(1) for i in range(0, len(images), batch)])
    return float((predicted == labels).float().mean())


def train_mnist(name: str, build: Callable[[], nn.Module], recipe: dict, *,
                labels_permutation_seed: int | None = None, progress: bool = True) -> nn.Module:
    """Build ``build()`` and train it on the MNIST-5k training split by ``recipe``, or load it from the cache.

    ``recipe`` holds ``epochs``, ``batch_size``, ``lr``, ``weight_decay``, ``max_shift`` and ``seed``
    (plus anything that identifies the architecture); its hash names the cache file. Training is
    seeded and single-process, so the same recipe gives the same weights on the same machine.
    ``labels_permutation_seed`` trains on randomly permuted labels (the data-randomization check).
    """
    if labels_permutation_seed is not None:
        recipe = {**recipe, "labels_permutation_seed": labels_permutation_seed}
    path = recipe_path(name, recipe)
    module = build()
    if path.exists():
        module.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
        return module.eval()

    torch.manual_seed(recipe["seed"])
    generator = torch.Generator().manual_seed(recipe["seed"])
    images, labels = mnist_tensors("train")
    if labels_permutation_seed is not None:
        order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(labels_permutation_seed))
        labels = labels[order]
    module = build()
    optimizer = torch.optim.AdamW(module.parameters(), lr=recipe["lr"], weight_decay=recipe["weight_decay"])
    steps_per_epoch = (len(images) + recipe["batch_size"] - 1) // recipe["batch_size"]
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=recipe["lr"],
                                                   total_steps=recipe["epochs"] * steps_per_epoch)
    bar = Progress(recipe["epochs"] * steps_per_epoch, f"training {name} (once; cached)", enabled=progress)
    module.train()
    for _ in range(recipe["epochs"]):
        order = torch.randperm(len(images), generator=generator)
        for start in range(0, len(images), recipe["batch_size"]):
            batch = order[start:start + recipe["batch_size"]]
            inputs = _shift(images[batch], generator, recipe["max_shift"])
            loss = nn.functional.cross_entropy(module(inputs), labels[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            bar.advance()
    bar.close()
    module.eval()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    os.close(handle)
    try:
        torch.save(module.state_dict(), temporary)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return module
