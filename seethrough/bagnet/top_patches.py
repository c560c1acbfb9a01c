"""The paper's Fig. 3: per class, the patches that give it the most evidence across a data set.

Brendel & Bethge (2019), "Approximating CNNs with bag-of-local-features models works surprisingly
well on ImageNet", ICLR, arXiv:1904.00760, Fig. 3: for every class, the patches with the highest
logit for that class among the images *of* that class (what the model looks for), and the same
among the images of *other* classes (where its false evidence, and so its errors, come from).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from ..errors import SeethroughError
from ..progress import Progress
from .evidence import bagnet_module, patch_layout


@dataclass
class PatchHit:
    """One patch of one image: where it is, how much evidence it gives, and its pixels."""

    image: int             # index into the images given
    label: int             # the image's true class
    predicted: int         # the model's class for the whole image
    row: int               # position in the evidence grid
    col: int
    box: tuple[int, int, int, int]   # (top, left, bottom, right) input pixels, may reach into the padding
    evidence: float        # the patch's logit for the class of the row it is shown in
    pixels: np.ndarray = field(repr=False)   # (patch, patch, C) in [0, 1], zero padding included

    def to_dict(self) -> dict:
        return {"image": self.image, "label": self.label, "predicted": self.predicted, "row": self.row,
                "col": self.col, "box": list(self.box), "evidence": round(self.evidence, 5)}


@dataclass
class ClassPatches:
    """The top patches for one class: from its own images and from the other classes' images."""

    index: int
    label: str
    own: list[PatchHit]
    others: list[PatchHit]

    def to_dict(self) -> dict:
        return {"index": self.index, "label": self.label, "own": [hit.to_dict() for hit in self.own],
                "others": [hit.to_dict() for hit in self.others]}


def dataset_evidence(model, x: torch.Tensor, *, batch_size: int = 250, progress: bool = False) -> torch.Tensor:
    """The evidence (N, classes, gh, gw) of every image in ``x`` (N, C, H, W), in batches."""
    module = bagnet_module(model)
    bar = Progress(len(x), "bagnet evidence", enabled=progress)
    parts = []
    try:
        with torch.no_grad():
            for start in range(0, len(x), batch_size):
                parts.append(module.evidence(x[start:start + batch_size].to(model.device)).cpu())
                bar.advance(len(parts[-1]))
    finally:
        bar.close()
    return torch.cat(parts)


def top_patches(model, x: torch.Tensor, labels, *, count: int = 8, one_per_image: bool = True,
                batch_size: int = 250, progress: bool = False) -> list[ClassPatches]:
    """Per class, the ``count`` patches with the highest evidence for it, from its own images and from others.

    Parameters
    ----------
    model : a :class:`seethrough.Model` around a BagNet.
    x : preprocessed images (N, C, H, W), e.g. the MNIST-5k test split.
    labels : (N,) their true classes.
    count : patches per class and subrow.
    one_per_image : take at most one patch (the best) from each image, so that one image's
        overlapping patches do not fill a row; False ranks all patches of all images.
    batch_size : images per forward pass.
    progress : show a progress bar on stderr.

    Returns
    -------
    One :class:`ClassPatches` per class, in class order; ``own`` and ``others`` are sorted by
    decreasing evidence (fewer than ``count`` if there are not enough images).
    """
    labels = torch.as_tensor(np.asarray(labels)).long().view(-1)
    if x.dim() != 4 or len(labels) != len(x):
        raise SeethroughError(f"top_patches needs images (N, C, H, W) and N labels; got {tuple(x.shape)} and {len(labels)}")
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise SeethroughError(f"count must be a positive whole number, got {count!r}")
    module = bagnet_module(model)
    evidence = dataset_evidence(model, x, batch_size=batch_size, progress=progress)
    predicted = evidence.mean(dim=(2, 3)).argmax(1)
    patch, step, first_centre = patch_layout(module)
    grid_w = evidence.shape[3]
    with torch.no_grad():
        padded = model.denormalize(module.pad(x.detach().cpu()))
    offset = (patch - 1) // 2 - first_centre   # padding before row 0

    def hit(image: int, position: int, value: float) -> PatchHit:
        row, col = divmod(position, grid_w)
        top, left = step * row, step * col
        pixels = padded[image, :, top:top + patch, left:left + patch].permute(1, 2, 0).clamp(0, 1).numpy()
        return PatchHit(image, int(labels[image]), int(predicted[image]), row, col,
                        (top - offset, left - offset, top - offset + patch, left - offset + patch), value, pixels)

    def best(scores: torch.Tensor, images: torch.Tensor) -> list[PatchHit]:
        """scores (n, positions) of images ``images`` (n,) -> the top ``count`` hits."""
        if len(images) == 0:
            return []
        if one_per_image:
            values, positions = scores.max(1)
            order = values.argsort(descending=True, stable=True)[:count]
            return [hit(int(images[k]), int(positions[k]), float(values[k])) for k in order]
        flat = scores.flatten()
        order = flat.argsort(descending=True, stable=True)[:count]
        return [hit(int(images[k // scores.shape[1]]), int(k % scores.shape[1]), float(flat[k])) for k in order]

    result = []
    for index in range(evidence.shape[1]):
        scores = evidence[:, index].flatten(1)
        mine = (labels == index).nonzero().flatten()
        theirs = (labels != index).nonzero().flatten()
        result.append(ClassPatches(index, model.label(index), best(scores[mine], mine), best(scores[theirs], theirs)))
    return result
