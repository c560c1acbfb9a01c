"""A BagNet's class evidence: the logits of every patch, from one fully convolutional pass.

Brendel & Bethge (2019), "Approximating CNNs with bag-of-local-features models works surprisingly
well on ImageNet", ICLR, arXiv:1904.00760, Sec. 3 and Fig. 2. A BagNet's image logits are the mean
of its per-patch logits, so the patch logits *are* the explanation: exact, not estimated. The
paper's code computes them by cutting the image into patches and running the network on each; here
the network runs once on the whole image, and its last feature map holds the same numbers (the
receptive field of every position is exactly one patch; :mod:`seethrough.bagnet.patchwise` does
the patch-by-patch computation, the tests show the two agree).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ..errors import SeethroughError
from ..targets import objective


@dataclass
class Evidence:
    """Per-patch class evidence of a batch of images.

    Attributes
    ----------
    values : (N, classes, gh, gw) the logit of every class for every patch.
    logits : (N, classes) the model's logits: the mean of ``values`` over the patches (of the
        network's own grid; a dense map holds more patches than the model averages).
    target : (N,) the class explained for each example.
    target_label : a readable name of the target.
    patch : side of a patch in input pixels.
    step : input pixels between neighbouring patches.
    first_centre : input row (and column) of the centre of patch (0, 0).
    """

    values: torch.Tensor
    logits: torch.Tensor
    target: torch.Tensor
    target_label: str
    patch: int
    step: int
    first_centre: int

    @property
    def target_map(self) -> torch.Tensor:
        """(N, gh, gw) the evidence for each example's target class."""
        index = self.target.to(self.values.device).view(-1, 1, 1, 1).expand(-1, 1, *self.values.shape[2:])
        return self.values.gather(1, index)[:, 0]

    def box(self, row: int, col: int) -> tuple[int, int, int, int]:
        """(top, left, bottom, right) input pixels of patch (row, col), bottom/right exclusive;
        parts may lie outside the image (the zero padding)."""
        half = (self.patch - 1) // 2
        top = self.first_centre + self.step * row - half
        left = self.first_centre + self.step * col - half
        return top, left, top + self.patch, left + self.patch

    def to_dict(self, example: int = 0) -> dict:
        """JSON-able summary of one example: its logits and its target's evidence map."""
        return {"target": int(self.target[example]), "target_label": self.target_label, "patch": self.patch,
                "step": self.step, "first_centre": self.first_centre,
                "grid": list(self.values.shape[2:]),
                "logits": [round(float(v), 5) for v in self.logits[example]],
                "evidence": [[round(float(v), 5) for v in row] for row in self.target_map[example]]}


def bagnet_module(model) -> torch.nn.Module:
    """The BagNet inside ``model`` (a :class:`seethrough.Model`), or a clear error if it is not one."""
    module = getattr(model, "module", model)
    needed = ("evidence", "patch_logits", "pad", "patch", "step")
    if not all(hasattr(module, name) for name in needed):
        name = getattr(model, "name", type(module).__name__)
        raise SeethroughError(f"{name} is not a BagNet (it has no per-patch evidence); use a BagNet such as "
                              "--model bagnet_mnist, bagnet9_mnist or bagnet17_mnist")
    return module


def patch_layout(module: torch.nn.Module) -> tuple[int, int, int]:
    """(patch, step, first_centre) of a BagNet module: where patch (0, 0) sits on the input."""
    before = module.pad.padding[0] if hasattr(module.pad, "padding") else 0
    first_centre = (module.patch - 1) // 2 - before
    return module.patch, module.step, first_centre


def per_example_classes(target, count: int, classes: int) -> torch.Tensor:
    """N class indices given as a tensor or sequence (or one, for every example) -> (N,) long tensor, checked."""
    indices = torch.as_tensor(target).long().flatten().cpu()
    indices = indices.expand(count) if len(indices) == 1 else indices
    if len(indices) != count:
        raise SeethroughError(f"one class per example: got {len(indices)} classes for {count} examples")
    if len(indices) and (int(indices.min()) < 0 or int(indices.max()) >= classes):
        raise SeethroughError(f"class indices run from 0 to {classes - 1}; got {indices.tolist()}")
    return indices


# Input pixels per forward call. The network's early maps are wide (many channels at full
# resolution); fed thousands of shifted copies at once they leave the cache and the pass runs 2-4x
# slower than in chunks of about this size (measured on BagNet-9/17/33, 28 px digits and 224 px scenes).
CHUNK_PIXELS = 2 ** 18


def in_chunks(function, x: torch.Tensor, per_call: int | None = None) -> torch.Tensor:
    """``function`` applied to ``x`` (N, C, H, W) ``per_call`` examples at a time (default: about
    ``CHUNK_PIXELS`` pixels' worth), concatenated."""
    per_call = per_call or max(1, CHUNK_PIXELS // (x.shape[-2] * x.shape[-1]))
    return torch.cat([function(x[start:start + per_call]) for start in range(0, max(len(x), 1), per_call)])


def dense_patch_logits(module: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """(N, classes, H, W): the logits of the patch centred on every pixel of ``x`` (N, C, H, W).

    The network's grid steps ``step`` pixels, so it runs once on ``step`` x ``step`` shifted copies of
    the input (in chunks of about ``CHUNK_PIXELS`` pixels), each filling one phase of the pixel grid:
    the same numbers as the paper's heatmaps, which run the network on every pixel's patch separately.
    """
    step, half = module.step, (module.patch - 1) // 2
    n, _, height, width = x.shape
    rows, cols = -(-height // step), -(-width // step)
    size_y, size_x = step * (rows - 1) + module.patch, step * (cols - 1) + module.patch
    padded = nn.functional.pad(x, (half, half + step, half, half + step))
    shifted = torch.cat([padded[:, :, dy:dy + size_y, dx:dx + size_x] for dy in range(step) for dx in range(step)])
    logits = in_chunks(module.patch_logits, shifted)
    dense = logits.new_empty(n, logits.shape[1], rows * step, cols * step)
    for phase in range(step * step):
        dy, dx = divmod(phase, step)
        dense[:, :, dy::step, dx::step] = logits[phase * n:(phase + 1) * n]
    return dense[:, :, :height, :width]


def bagnet_evidence(model, x: torch.Tensor, *, target=None, dense: bool = False) -> Evidence:
    """Every patch's class logits for inputs ``x``, from one convolutional pass.

    Parameters
    ----------
    model : a :class:`seethrough.Model` around a BagNet (``seethrough.zoo.load("bagnet_mnist")``).
    x : preprocessed inputs (N, C, H, W); not modified.
    target : class name or index, None for each example's top-1 class (as for attributions), or
        one class index per example (a sequence or tensor of N indices, e.g. the true labels).
    dense : False: the network's own patches (a 7 x 7 grid, step 4 px, on a 28 px digit), whose mean
        is the logit. True: the patch centred on every pixel (H x W, step 1), as the paper's
        heatmaps; one pass over ``step`` x ``step`` shifted copies of the input. ``logits`` stay the model's.

    Returns
    -------
    Evidence with ``values`` (N, classes, gh, gw); ``values.mean((2, 3))`` equals the logits.

    Examples
    --------
    >>> model = st.zoo.load("bagnet_mnist")
    >>> evidence = bagnet_evidence(model, model.preprocess(st.data.load_image("mnist:7")))
    >>> evidence.values.shape, evidence.target_map.shape
    (torch.Size([1, 10, 7, 7]), torch.Size([1, 7, 7]))
    """
    module = bagnet_module(model)
    if x.dim() != 4:
        raise SeethroughError(f"bagnet evidence takes a batch of images (N, C, H, W); got shape {tuple(x.shape)}")
    with torch.no_grad():
        grid = in_chunks(module.evidence, x.detach())
        logits = grid.mean(dim=(2, 3))
        values = dense_patch_logits(module, x.detach()) if dense else grid
    if target is None or isinstance(target, (torch.Tensor, list, tuple)):
        # top-1 comes from the logits just computed: a second forward pass would double the cost
        indices = logits.argmax(1).cpu() if target is None else per_example_classes(target, len(x), values.shape[1])
        distinct = indices.unique().tolist()
        label = model.label(distinct[0]) if len(distinct) == 1 else ("top-1" if target is None else "per example")
    else:
        goal = objective(model, target, x)
        if goal.indices is None:
            raise SeethroughError(f"bagnet evidence explains a class; give a class name or index, not {goal.label!r}")
        indices, label = goal.indices, goal.label
    indices = indices.to(values.device)
    patch, step, first_centre = patch_layout(module)
    step, first_centre = (1, 0) if dense else (step, first_centre)
    return Evidence(values=values, logits=logits, target=indices, target_label=label, patch=patch, step=step,
                    first_centre=first_centre)
