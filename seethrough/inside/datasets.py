"""Datasets to scan: streaming batches of a model's inputs, each with an example id and a label.

Sources (:func:`open_dataset`): an image folder, ``mnist`` (MNIST-5k), ``mnist:train`` /
``mnist:test`` (its fixed split), a numpy array of images, and ``samples`` (the built-in images and
their crops). Images are read and preprocessed one batch at a time, so a pass over a dataset holds
one batch in memory whatever the dataset's size.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..errors import SeethroughError
from ..model import Model

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"}
#: the crops of each built-in sample: (name, top, left, bottom, right) as fractions of the frame
SAMPLE_CROPS = [("full", 0, 0, 1, 1), ("top-left", 0, 0, .5, .5), ("top-right", 0, .5, .5, 1),
                ("bottom-left", .5, 0, 1, .5), ("bottom-right", .5, .5, 1, 1), ("centre", .25, .25, .75, .75)]


def input_dtype(model: Model) -> torch.dtype:
    """The floating dtype of the model's parameters (float32 for a model without any)."""
    return next((p.dtype for p in model.module.parameters() if p.is_floating_point()), torch.float32)


@dataclass
class Batch:
    """A batch of model inputs: ``inputs`` (N, C, H, W), ``ids`` (N,) int64, ``labels`` (N,) int64 (-1: none)."""

    inputs: torch.Tensor
    ids: np.ndarray
    labels: np.ndarray


class Dataset:
    """A finite, indexed collection of images: ``len``, :meth:`image`, :meth:`batches`.

    Subclasses give ``name``, ``label_names`` (class names, or ``[]``), ``labels`` (N,) int64 (-1 where
    unknown), ``__len__`` and ``image(id)`` (uint8 H x W [x C]); :meth:`describe` names one example.
    """

    name: str = "dataset"
    label_names: list[str] = []
    labels: np.ndarray

    def __len__(self) -> int:
        raise NotImplementedError

    def image(self, example: int) -> np.ndarray:
        raise NotImplementedError

    def describe(self, example: int) -> str:
        return f"{self.name}[{example}]"

    def label_name(self, example: int) -> str:
        label = int(self.labels[example])
        return "" if label < 0 else self.label_names[label] if label < len(self.label_names) else str(label)

    def inputs(self, model: Model, ids: Sequence[int]) -> torch.Tensor:
        """The model's inputs (len(ids), C, H, W) for examples ``ids``, on the model's device."""
        inputs = torch.cat([model.preprocess(self.image(int(i))) for i in ids])
        return inputs.to(model.device, dtype=input_dtype(model))

    def batches(self, model: Model, batch_size: int = 64, *, ids: np.ndarray | None = None) -> Iterator[Batch]:
        """Batches of the examples ``ids`` (default all, in order)."""
        if batch_size < 1:
            raise SeethroughError(f"batch size must be at least 1, got {batch_size}")
        ids = np.arange(len(self), dtype=np.int64) if ids is None else np.asarray(ids, dtype=np.int64)
        labels = self.labels[ids]  # indexed once: a batch then takes two slices, no copy
        for start in range(0, len(ids), batch_size):
            chunk = ids[start:start + batch_size]
            yield Batch(self.inputs(model, chunk), chunk, labels[start:start + batch_size])


class ArrayDataset(Dataset):
    """Images in one array: (N, H, W) or (N, H, W, C), uint8 or float in [0, 1]; optional labels (N,)."""

    def __init__(self, images: np.ndarray, labels: Sequence[int] | None = None, *, label_names: Sequence[str] = (),
                 name: str = "array", names: Sequence[str] | None = None):
        images = np.asarray(images)
        if images.ndim not in (3, 4):
            raise SeethroughError(f"an image array is N x H x W or N x H x W x C, got shape {images.shape}")
        self.images, self.name, self.label_names = images, name, list(label_names)
        self.labels = (np.full(len(images), -1, dtype=np.int64) if labels is None
                       else np.asarray(labels, dtype=np.int64))
        if len(self.labels) != len(images):
            raise SeethroughError(f"{len(images)} images but {len(self.labels)} labels")
        self.names = names

    def __len__(self) -> int:
        return len(self.images)

    def image(self, example: int) -> np.ndarray:
        return self.images[example]

    def describe(self, example: int) -> str:
        return self.names[example] if self.names is not None else f"{self.name}:{example}"

    def inputs(self, model: Model, ids: Sequence[int]) -> torch.Tensor:
        chunk = self.images[np.asarray(ids)]
        height, width = chunk.shape[1:3]
        colours = 1 if chunk.ndim == 3 else chunk.shape[3]
        if (height, width) != model.input_size or colours != model.channels:
            return super().inputs(model, ids)
        # the fast path: a few operations per batch, on arrays of our own (in place), bit for bit what
        # Model.to_pixels and Model.normalize give one image at a time
        if chunk.dtype == np.uint8:
            pixels = np.divide(chunk, np.float32(255.0), dtype=np.float32)
        else:
            pixels = chunk.astype(np.float32)
            if pixels.max() > 1.0:  # as Model.to_pixels reads a float image
                pixels /= np.float32(255.0)
        pixels = torch.from_numpy(pixels)
        pixels = pixels[:, None] if chunk.ndim == 3 else pixels.permute(0, 3, 1, 2).contiguous()
        return model.normalize(pixels, in_place=True).to(model.device, dtype=input_dtype(model))


class FolderDataset(Dataset):
    """Every image file under ``folder`` (sorted); files in subfolders are labelled by the subfolder."""

    def __init__(self, folder: str | Path):
        root = Path(folder)
        self.root, self.name = root, str(folder)
        self.files = sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
        classes = sorted({p.parent.relative_to(root).as_posix() for p in self.files} - {"."})
        self.label_names = classes
        index = {name: i for i, name in enumerate(classes)}
        self.labels = np.array([index.get(p.parent.relative_to(root).as_posix(), -1) for p in self.files],
                               dtype=np.int64)

    def __len__(self) -> int:
        return len(self.files)

    def image(self, example: int) -> np.ndarray:
        from ..data import load_image
        return load_image(self.files[example])

    def describe(self, example: int) -> str:
        return str(self.files[example].relative_to(self.root))


class ImageListDataset(Dataset):
    """Images of different sizes in a list, each preprocessed on its own, with names and labels."""

    def __init__(self, images: Sequence[np.ndarray], labels: Sequence[int], names: Sequence[str], *,
                 label_names: Sequence[str], name: str):
        self.images, self.names, self.name = list(images), list(names), name
        self.labels, self.label_names = np.asarray(labels, dtype=np.int64), list(label_names)

    def __len__(self) -> int:
        return len(self.images)

    def image(self, example: int) -> np.ndarray:
        return self.images[example]

    def describe(self, example: int) -> str:
        return self.names[example]


def sample_crops() -> ImageListDataset:
    """The built-in samples, each whole and in the crops of :data:`SAMPLE_CROPS` (labelled by sample)."""
    from ..data import list_samples, sample
    images, labels, names = [], [], []
    for number, name in enumerate(list_samples()):
        picture = sample(name)
        height, width = picture.shape[:2]
        for crop, top, left, bottom, right in SAMPLE_CROPS:
            images.append(picture[int(top * height):int(bottom * height), int(left * width):int(right * width)])
            labels.append(number)
            names.append(f"sample:{name} ({crop})")
    return ImageListDataset(images, labels, names, label_names=list(list_samples()), name="samples")


def open_dataset(spec: str | np.ndarray | Dataset, labels: Sequence[int] | None = None) -> Dataset:
    """The dataset named by ``spec``, checked to be non-empty.

    ``spec``: ``"mnist"`` (MNIST-5k, 5,000 digits), ``"mnist:train"`` (4,000) or ``"mnist:test"``
    (1,000), ``"samples"`` (the 10 built-in images, each whole and in 5 crops), a folder of images
    (subfolder names become labels), a ``.npy`` file or a numpy array of images (N x H x W [x C]),
    or a :class:`Dataset`. ``labels`` go with an array.
    """
    if isinstance(spec, Dataset):
        dataset = spec
    elif isinstance(spec, np.ndarray):
        dataset = ArrayDataset(spec, labels)
    elif spec in ("mnist", "mnist:train", "mnist:test"):
        from ..data import mnist, mnist_split
        if spec == "mnist":
            images, digits = mnist()
            indices = np.arange(len(images))
        else:
            images, digits, indices = mnist_split(spec.split(":")[1])
        dataset = ArrayDataset(images, digits, label_names=[str(d) for d in range(10)], name=spec,
                               names=[f"mnist:{i}" for i in indices])
    elif spec == "samples":
        dataset = sample_crops()
    else:
        path = Path(str(spec))
        if path.is_dir():
            dataset = FolderDataset(path)
        elif path.suffix == ".npy" and path.is_file():
            dataset = ArrayDataset(np.load(path), labels, name=path.name)
        else:
            raise SeethroughError(f"unknown dataset {str(spec)!r}: give mnist, mnist:train, mnist:test, samples, "
                                  "a folder of images or a .npy array of images")
    if len(dataset) == 0:
        raise SeethroughError(f"dataset {dataset.name!r} is empty: it has no images to scan")
    return dataset
