"""The ground-truth task for TCAV: the class is decided by a concept, by construction.

Class 0 ("striped") images hold a striped patch (and, half the time, a dotted one too); class 1
("dotted") images hold a dotted patch only. Patches have random colours, scales, orientations and
places, on varied backgrounds (crops of the bundled photographs, colours jittered). So stripes
decide class 0, and dots alone point to class 1. The network's head is antisymmetric (logits
``[z, -z]``), so the class-0 logit rises with stripes and falls with dots, and nothing else
decides it.

TCAV must then find, for class 0, "striped" significant with a score > 0.8, "dotted" below 0.2
(or not significant), and a random set not significant; and the mirror image for class 1.
"""
from __future__ import annotations

import os
import tempfile

import numpy as np
import torch
from PIL import Image
from torch import nn

import seethrough as st
from seethrough.concepts.procedural import _two_colours, pattern_mask
from seethrough.concepts.sources import _crop
from seethrough.zoo.cache import recipe_path

SIZE = 40
PERIOD = (0.12, 0.22)           # pattern period as a fraction of the image side: 5 to 9 pixels
LABELS = ["striped", "dotted"]
RECIPE = {"architecture": "tcav-groundtruth-v5", "size": SIZE, "period": list(PERIOD), "count": 1200,
          "epochs": 8, "batch_size": 32, "lr": 3e-3, "seed": 0}


PHOTOS = ("chelsea", "astronaut", "coffee", "rocket", "camera", "horse")


def _photos() -> list[np.ndarray]:
    return [st.data.sample(name) for name in PHOTOS]


def _background(rng: np.random.Generator, photos: list[np.ndarray]) -> np.ndarray:
    """A random crop of a bundled photograph, resized to the task's size, colours jittered: float (H, W, 3)."""
    crop = _crop(photos[int(rng.integers(0, len(photos)))], rng, (0.2, 0.8))
    crop = np.repeat(crop[..., None], 3, axis=2) if crop.ndim == 2 else crop
    image = np.asarray(Image.fromarray(crop).resize((SIZE, SIZE), Image.BILINEAR), dtype=np.float64) / 255
    return np.clip(image * rng.uniform(0.6, 1.2, 3) + rng.uniform(-0.15, 0.15, 3), 0, 1)


def _paste(image: np.ndarray, pattern: str, rng: np.random.Generator) -> None:
    """Paste a ``pattern`` patch in two random contrasting colours at a random place (in place)."""
    side = int(rng.integers(SIZE // 2, 3 * SIZE // 4 + 1))
    top, left = (int(v) for v in rng.integers(0, SIZE - side + 1, 2))
    mask = pattern_mask(pattern, (side, side), rng, period=(PERIOD[0] * SIZE / side, PERIOD[1] * SIZE / side))
    first, second = _two_colours(rng)
    image[top:top + side, left:left + side] = np.where(mask[..., None], first, second)


def synthetic_image(label: int, rng: np.random.Generator, photos: list[np.ndarray]) -> np.ndarray:
    """One image of class ``label``: a background with a striped (0) or dotted (1) patch; class 0 also
    holds a dotted patch half the time (pasted first, so the stripes stay visible)."""
    image = _background(rng, photos)
    if label == 1 or rng.random() < 0.5:
        _paste(image, "dotted", rng)
    if label == 0:
        _paste(image, "striped", rng)
    return (np.clip(image, 0, 1) * 255).round().astype(np.uint8)


def synthetic_dataset(count: int, seed: int, label: int | None = None) -> tuple[list[np.ndarray], np.ndarray]:
    """``count`` images and their labels: classes in turn 0, 1, 0, ... (or all ``label``)."""
    rng = np.random.default_rng(seed)
    photos = _photos()
    labels = np.arange(count) % 2 if label is None else np.full(count, label)
    return [synthetic_image(int(value), rng, photos) for value in labels], labels


def concept_image(pattern: str, rng: np.random.Generator) -> np.ndarray:
    """A full-frame ``pattern`` image at the task's scale (the concept examples TCAV is given)."""
    mask = pattern_mask(pattern, (SIZE, SIZE), rng, period=PERIOD)
    first, second = _two_colours(rng)
    return (np.where(mask[..., None], first, second) * 255).round().astype(np.uint8)


class PatternNet(nn.Module):
    """conv1 (3->8) -> BN -> pool -> conv2 (8->16) -> BN -> pool -> conv3 (16->16) -> global max -> z; logits [z, -z]."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.norm1 = nn.BatchNorm2d(8)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.norm2 = nn.BatchNorm2d(16)
        self.relu2 = nn.ReLU()
        self.pool2 = nn.MaxPool2d(2)
        self.conv3 = nn.Conv2d(16, 16, 3, padding=1)
        self.relu3 = nn.ReLU()
        self.fc = nn.Linear(16, 1)

    def forward(self, x):
        x = self.pool1(self.relu1(self.norm1(self.conv1(x))))
        x = self.pool2(self.relu2(self.norm2(self.conv2(x))))
        x = self.relu3(self.conv3(x))
        z = self.fc(x.amax(dim=(2, 3)))
        return torch.cat([z, -z], dim=1)


def wrap(module: nn.Module) -> st.Model:
    return st.Model(module.eval(), input_size=(SIZE, SIZE), labels=LABELS, name="pattern_net")


def _fit(module: nn.Module, model: st.Model, recipe: dict) -> None:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)                 # small convolutions: one thread is faster on a busy machine
    try:
        _epochs(module, model, recipe)
    finally:
        torch.set_num_threads(threads)


def _epochs(module: nn.Module, model: st.Model, recipe: dict) -> None:
    images, labels = synthetic_dataset(recipe["count"], recipe["seed"])
    inputs = torch.cat([model.preprocess(image) for image in images])
    targets = torch.from_numpy(labels)
    generator = torch.Generator().manual_seed(recipe["seed"])
    optimizer = torch.optim.Adam(module.parameters(), lr=recipe["lr"])
    module.train()
    for _ in range(recipe["epochs"]):
        order = torch.randperm(len(inputs), generator=generator)
        for start in range(0, len(inputs), recipe["batch_size"]):
            batch = order[start:start + recipe["batch_size"]]
            loss = nn.functional.cross_entropy(module(inputs[batch]), targets[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    module.eval()


def trained_module(recipe: dict = RECIPE, *, cache: bool = True) -> nn.Module:
    """The trained network, in eval mode (from the cache when there). Also a CLI factory:
    ``--model tests/concepts/synthetic.py:trained_module --input-size 40 --mean 0.5,0.5,0.5 --std 0.5,0.5,0.5``."""
    path = recipe_path("tcav-groundtruth", recipe)
    torch.manual_seed(recipe["seed"])
    module = PatternNet()
    if cache and path.exists():
        module.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
        return module.eval()
    _fit(module, wrap(module), recipe)
    if cache:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
        os.close(handle)
        torch.save(module.state_dict(), temporary)
        os.replace(temporary, path)
    return module.eval()


def train(recipe: dict = RECIPE, *, cache: bool = True) -> tuple[st.Model, float]:
    """The trained model and its accuracy on 400 fresh images."""
    model = wrap(trained_module(recipe, cache=cache))
    test_images, test_labels = synthetic_dataset(400, recipe["seed"] + 1000)
    with torch.no_grad():
        predicted = model(torch.cat([model.preprocess(image) for image in test_images])).argmax(1).numpy()
    return model, float((predicted == test_labels).mean())
