"""``Model``: a network together with what it takes to feed it and read its answers."""
from __future__ import annotations

import collections
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image
from torch import nn

from .call_record import LayerCall, last_shapes, record_calls
from .errors import SeethroughError, unknown
from .hooks import find_module


@dataclass(frozen=True)
class Prediction:
    """One class of a prediction: its index, its name and its probability."""

    index: int
    label: str
    prob: float

    def to_dict(self) -> dict:
        return {"index": self.index, "label": self.label, "prob": self.prob}


class Model:
    """An ``nn.Module`` classifier with its preprocessing, class names and layers by name.

    Parameters
    ----------
    module : the network; maps a float tensor (N, C, H, W) to logits (N, classes).
    input_size : (height, width) the network is fed.
    mean, std : per-channel normalization applied after scaling pixels to [0, 1].
    labels : class names, index order; default "class 0", "class 1", ...
    name : a short name used in titles and reports.

    The module is used as given. BatchNorm or dropout in training mode triggers a warning, since
    they then make every explanation depend on the batch and on chance;
    seethrough never calls ``.eval()`` on a module it did not build.

    Examples
    --------
    >>> model = st.zoo.load("efficientnet_lite0")
    >>> x = model.preprocess(st.data.sample("chelsea"))   # (1, 3, 224, 224)
    >>> model.predict(x, top=3)[0][0].label
    'Egyptian cat'
    """

    def __init__(self, module: nn.Module, *, input_size: Sequence[int] = (224, 224),
                 mean: Sequence[float] = (0.5, 0.5, 0.5), std: Sequence[float] = (0.5, 0.5, 0.5),
                 labels: Sequence[str] | None = None, name: str = "model"):
        if len(mean) != len(std):
            raise SeethroughError(f"mean has {len(mean)} channels but std has {len(std)}; give one value per input channel")
        if any(s <= 0 for s in std):
            raise SeethroughError("std must be positive in every channel")
        stochastic = (nn.modules.batchnorm._BatchNorm, nn.modules.dropout._DropoutNd)
        if any(sub.training and isinstance(sub, stochastic) for sub in module.modules()):
            warnings.warn(f"{name}: BatchNorm or dropout layers are in training mode; explanations will depend "
                          "on the batch and on chance. Call module.eval() first.", stacklevel=2)
        self.module = module
        self.input_size = (int(input_size[0]), int(input_size[1]))
        self.mean = tuple(float(m) for m in mean)
        self.std = tuple(float(s) for s in std)
        self.channels = len(self.mean)
        self._labels = list(labels) if labels is not None else None
        self.name = name
        self._norm_cache: tuple | None = None  # (what they were made for, (mean, std) tensors): see _norm
        self._calls: tuple[LayerCall, ...] | None = None  # see calls

    # ----- classes -------------------------------------------------------------------------
    @property
    def labels(self) -> list[str]:
        if self._labels is None:
            self._labels = [f"class {i}" for i in range(self.num_classes)]
        return self._labels

    @property
    def num_classes(self) -> int:
        if self._labels is not None:
            return len(self._labels)
        with torch.no_grad():
            return int(self(self.blank()).shape[-1])

    def label(self, index: int) -> str:
        return self.labels[index]

    # ----- tensors <-> images --------------------------------------------------------------
    def _norm(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The mean and std as (1, C, 1, 1) tensors of ``x``'s dtype and device, made once for each."""
        key = (self.mean, self.std, x.dtype, x.device)
        cached = self._norm_cache  # one read and one write: safe when threads share the model
        if cached is None or cached[0] != key:
            shape = (1, self.channels, 1, 1)
            with torch.inference_mode(False):  # ordinary tensors: a later backward pass may save them
                cached = (key, (torch.tensor(self.mean, dtype=x.dtype, device=x.device).view(shape),
                                torch.tensor(self.std, dtype=x.dtype, device=x.device).view(shape)))
            self._norm_cache = cached
        return cached[1]

    def normalize(self, pixels: torch.Tensor, *, in_place: bool = False) -> torch.Tensor:
        """Pixels in [0, 1], shape (N, C, H, W) -> the network's input.

        ``in_place``: overwrite ``pixels`` (a tensor of the caller's own) and return it; a mean of 0 and
        a std of 1 then leave it as it is, which is exactly what subtracting and dividing would give.
        """
        mean, std = self._norm(pixels)
        if not in_place:
            return (pixels - mean) / std
        if any(self.mean) or any(s != 1.0 for s in self.std):
            pixels.sub_(mean).div_(std)
        return pixels

    def denormalize(self, x: torch.Tensor) -> torch.Tensor:
        """The network's input (N, C, H, W) -> pixels in [0, 1] (not clipped)."""
        mean, std = self._norm(x)
        return x * std + mean

    def to_pixels(self, image, size: Sequence[int] | None = None) -> torch.Tensor:
        """An image (PIL, or array H x W [x C], uint8 or float in [0, 1]) -> (1, C, H, W) pixels in [0, 1],
        resized to ``size`` (default ``input_size``) and converted to the model's channel count."""
        if isinstance(image, Image.Image):
            array = np.asarray(image.convert("RGB") if self.channels == 3 else image.convert("L"))
        else:
            array = np.asarray(image)
        if array.ndim not in (2, 3):
            raise SeethroughError(f"an image must be H x W or H x W x C, got shape {array.shape}")
        if array.dtype == np.bool_:
            array = array.astype(np.float32)
        pixels = torch.as_tensor(array.astype(np.float32))
        if array.dtype == np.uint8 or pixels.max() > 1.0:
            pixels = pixels / 255.0
        pixels = pixels[..., None] if pixels.ndim == 2 else pixels
        pixels = pixels[..., :3] if pixels.shape[-1] == 4 else pixels
        pixels = pixels.permute(2, 0, 1)[None]
        if self.channels == 3 and pixels.shape[1] == 1:
            pixels = pixels.expand(1, 3, *pixels.shape[2:])
        elif self.channels == 1 and pixels.shape[1] == 3:
            pixels = (pixels * torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(1, keepdim=True)
        height, width = size or self.input_size
        if pixels.shape[-2:] != (height, width):
            pixels = nn.functional.interpolate(pixels, size=(height, width), mode="bilinear",
                                               align_corners=False, antialias=True).clamp(0, 1)
        return pixels.contiguous()

    def preprocess(self, image) -> torch.Tensor:
        """An image -> the network's input, shape (1, C, H, W), float32."""
        return self.normalize(self.to_pixels(image))

    def deprocess(self, x: torch.Tensor) -> np.ndarray:
        """One input (C, H, W) or (1, C, H, W) -> an H x W x 3 float image in [0, 1] for display."""
        x = x.detach()
        x = x[None] if x.ndim == 3 else x
        pixels = self.denormalize(x)[0].clamp(0, 1).permute(1, 2, 0).cpu().numpy()
        return np.repeat(pixels, 3, axis=2) if pixels.shape[2] == 1 else pixels

    def blank(self, batch: int = 1) -> torch.Tensor:
        """A mid-grey input of the model's size, device and floating dtype, for shape probing."""
        dtype = next((p.dtype for p in self.module.parameters() if p.is_floating_point()), torch.float32)
        pixels = torch.full((batch, self.channels, *self.input_size), 0.5, dtype=dtype)
        return self.normalize(pixels).to(self.device)

    # ----- running -------------------------------------------------------------------------
    @property
    def device(self) -> torch.device:
        for tensor in self.module.parameters():
            return tensor.device
        return torch.device("cpu")

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.module(x)

    def probabilities(self, x: torch.Tensor) -> torch.Tensor:
        """Softmax probabilities (N, classes), without building a graph."""
        with torch.no_grad():
            return torch.softmax(self.module(x), dim=-1)

    def predict(self, x: torch.Tensor, top: int = 5) -> list[list[Prediction]]:
        """The ``top`` most probable classes for each input in the batch, most probable first."""
        probs = self.probabilities(x)
        top = max(1, min(top, probs.shape[-1]))
        values, indices = probs.topk(top, dim=-1)
        return [[Prediction(int(i), self.label(int(i)), float(v)) for v, i in zip(vs, ids)]
                for vs, ids in zip(values, indices)]

    # ----- layers --------------------------------------------------------------------------
    def layer(self, name: str) -> nn.Module:
        """The submodule called ``name`` (dotted, e.g. ``"_blocks.15"``); a wrong name lists the closest."""
        return find_module(self.module, name)

    def layer_names(self) -> list[str]:
        return [name for name, _ in self.module.named_modules() if name]

    def calls(self) -> tuple[LayerCall, ...]:
        """Every call of a named layer in one forward pass of a blank input, in the order the calls end,
        with each output's shape (:mod:`seethrough.call_record`): found the first time it is asked
        for and kept, so the network's structure is taken to be the same for every input.

        Ask for it before a block that changes how the network runs (a propagation rule, a redirected
        ReLU): the blank pass runs without gradients, which such a block refuses."""
        if self._calls is None:
            self._calls = record_calls(self.module, self.blank())
        return self._calls

    def layer_shapes(self) -> dict[str, tuple[int, ...]]:
        """Each layer's output shape for one input of ``input_size``, at its last call, in the order the
        layers are first called (layers that never run, or output no tensor, are left out)."""
        return last_shapes(self.calls())

    def repeated_layers(self) -> frozenset[str]:
        """The layers called more than once in one forward pass (EfficientNet-Lite's blocks reuse one
        ReLU6). Every tool reads such a layer at its last call (as :func:`~seethrough.hooks.capture`
        records it), so a forward pass may stop early only after that call."""
        counts = collections.Counter(call.name for call in self.calls())
        return frozenset(name for name, count in counts.items() if count > 1)

    def class_index(self, name: str) -> int:
        """The index of the class called ``name`` (case-insensitive; underscores count as spaces)."""
        wanted = name.strip().lower().replace("_", " ")
        found = [i for i, label in enumerate(self.labels) if label.lower() == wanted]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise SeethroughError(f"class name {name!r} is ambiguous: indices {found}; give the index instead")
        raise unknown("class", name, self.labels, f"{self.name} has {len(self.labels)} classes; an index works too")

    def __repr__(self) -> str:
        return f"Model({self.name!r}, input {self.channels}x{self.input_size[0]}x{self.input_size[1]}, {len(self.labels)} classes)"
