"""BagNets for MNIST: ResNets whose receptive field is exactly a small square patch.

Brendel & Bethge (2019), "Approximating CNNs with bag-of-local-features models works surprisingly
well on ImageNet", ICLR, arXiv:1904.00760. A BagNet is a ResNet-50-like stack of bottleneck blocks
in which only the first block of a stage may keep a 3x3 convolution (all the others are 1x1) and no
convolution pads, so every output position sees exactly one ``patch`` x ``patch`` window of the
input. A 1x1 convolution turns each position's features into class logits (the patch's *evidence*),
and the image's logits are their average: the model adds up local evidence and ignores where the
patches are.

Receptive-field arithmetic (stem 3x3: 3 px; stage strides 2, 2, 1, 1, so the output grid steps
4 pixels; a k x k conv adds (k - 1) x the step it runs at):

=======  ===================================  ==========================
patch    kernel of stage 1, 2, 3, 4's block 1  receptive field
=======  ===================================  ==========================
9        3, 3, 1, 1                            3 + 2 + 4          = 9
17       3, 3, 3, 1                            3 + 2 + 4 + 8      = 17
33       3, 3, 3, 5                            3 + 2 + 4 + 8 + 16 = 33
=======  ===================================  ==========================

The paper uses strides 2, 2, 2, 1 on 224 px images (output step 8) and 3x3 kernels throughout; on
28 px digits a step of 8 would leave 3 x 3 patches, so the third stride is 1 here, and BagNet-33's
last stage needs a 5x5 kernel to reach 33 px at step 4. The widths are small (stem 8 channels,
stages 8/16/32/32 wide) so that a model trains in well under a minute on two CPU cores.
The 28 x 28 digit is zero-padded (black, MNIST's background) inside the network, so that the 7 x 7
patch centres fall on pixels 2, 6, ..., 26 of the digit: see :func:`patch_geometry`.

Zoo names: ``bagnet_mnist`` (patch 17, the paper's headline size), ``bagnet9_mnist``,
``bagnet17_mnist`` (the same model as ``bagnet_mnist``), ``bagnet33_mnist``. Trained like
``mnist_cnn`` (MNIST-5k's 4,000 training digits, shifts of up to 2 px, AdamW with a one-cycle
schedule, 8 epochs), cached under a hash of the recipe. Measured on the 1,000 held-out digits:
BagNet-9 90.5%, BagNet-17 96.0% (``mnist_cnn``: 97.9%); training takes 33 s and 43 s of one CPU
core's time. The evidence itself is read by :mod:`seethrough.bagnet`.
"""
from __future__ import annotations

import torch
from torch import nn

from ..errors import SeethroughError
from ..model import Model
from . import register
from .training import train_mnist

PATCH_SIZES = (9, 17, 33)
STEP = 4                       # pixels between neighbouring patches (product of the strides)
FIRST_CENTRE = 2               # the digit pixel (row and column) where the first patch is centred
IMAGE_SIZE = 28
_KERNELS = {9: (3, 3, 1, 1), 17: (3, 3, 3, 1), 33: (3, 3, 3, 5)}
_STRIDES = (2, 2, 1, 1)
_STEM = 8                      # channels of the 3x3 stem
_WIDTHS = (8, 16, 32, 32)      # bottleneck widths per stage; a block's output is 2x its width
_BLOCKS = (1, 2, 2, 1)         # blocks per stage; only the first of a stage may be k x k
RECIPE = {"architecture": "bagnet_mnist-v2", "epochs": 8, "batch_size": 64, "lr": 3e-3,
          "weight_decay": 1e-4, "max_shift": 2, "seed": 0, "split_seed": 0}


def patch_geometry(patch: int) -> dict:
    """Where the patches of a ``patch``-px BagNet lie on the 28 x 28 digit.

    Returns ``pad`` (left/top, right/bottom zero padding), ``grid`` (positions per side), ``step``
    and ``first_centre``: position (i, j) of the evidence map covers digit rows
    ``first_centre + step * i - (patch - 1) // 2`` to that plus ``patch - 1`` (likewise columns);
    rows outside 0..27 are the zero padding.
    """
    check_patch(patch)
    half = (patch - 1) // 2
    grid = (IMAGE_SIZE - 1 - FIRST_CENTRE) // STEP + 1
    before = half - FIRST_CENTRE
    canvas = STEP * (grid - 1) + patch
    return {"pad": (before, canvas - IMAGE_SIZE - before), "grid": grid, "step": STEP,
            "first_centre": FIRST_CENTRE, "patch": patch}


def check_patch(patch: int) -> None:
    if patch not in PATCH_SIZES:
        raise SeethroughError(f"BagNet patch size {patch!r} is not built; choose one of {', '.join(map(str, PATCH_SIZES))}")


class Bottleneck(nn.Module):
    """1x1 -> k x k (stride, no padding) -> 1x1, plus a shortcut cropped to the window's centre."""

    def __init__(self, inputs: int, width: int, kernel: int, stride: int):
        super().__init__()
        outputs = 2 * width
        self.conv1 = nn.Conv2d(inputs, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, kernel, stride=stride, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, outputs, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(outputs)
        self.relu = nn.ReLU()
        self.crop, self.stride = (kernel - 1) // 2, stride
        self.shortcut = (nn.Sequential(nn.Conv2d(inputs, outputs, 1, stride=stride, bias=False), nn.BatchNorm2d(outputs))
                         if stride != 1 or inputs != outputs else nn.Identity())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        height, width = out.shape[-2:]
        # the input pixel at the centre of each k x k window: crop + stride * i
        centre = x[:, :, self.crop:self.crop + self.stride * (height - 1) + 1,
                   self.crop:self.crop + self.stride * (width - 1) + 1]
        return self.relu(out + self.shortcut(centre))


class BagNet(nn.Module):
    """A BagNet for (N, 1, 28, 28) digits in [0, 1]: logits (N, 10) = mean of :meth:`evidence`.

    Parameters
    ----------
    patch : 9, 17 or 33, the side of the square patch each evidence position sees.
    classes : number of classes.
    """

    def __init__(self, patch: int = 17, classes: int = 10):
        super().__init__()
        geometry = patch_geometry(patch)
        self.patch, self.step = patch, STEP
        before, after = geometry["pad"]
        self.pad = nn.ZeroPad2d((before, after, before, after))
        self.stem = nn.Sequential(nn.Conv2d(1, _STEM, 3, bias=False), nn.BatchNorm2d(_STEM), nn.ReLU())
        stages, inputs = [], _STEM
        for kernel, stride, width, blocks in zip(_KERNELS[patch], _STRIDES, _WIDTHS, _BLOCKS):
            layers = [Bottleneck(inputs, width, kernel, stride)]
            layers += [Bottleneck(2 * width, width, 1, 1) for _ in range(blocks - 1)]
            stages.append(nn.Sequential(*layers))
            inputs = 2 * width
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.head = nn.Conv2d(inputs, classes, 1)   # per-patch class logits (the paper's fc, per location)

    def features(self, padded: torch.Tensor) -> torch.Tensor:
        """Features (N, C, h, w) of an already padded input; position (i, j) sees rows 4i..4i+patch-1."""
        x = self.stem(padded)
        return self.layer4(self.layer3(self.layer2(self.layer1(x))))

    def patch_logits(self, padded: torch.Tensor) -> torch.Tensor:
        """Class logits (N, classes, h, w) of every patch of an already padded input."""
        return self.head(self.features(padded))

    def evidence(self, x: torch.Tensor) -> torch.Tensor:
        """Per-patch class evidence (N, classes, 7, 7) of digits (N, 1, 28, 28), one convolutional pass."""
        return self.patch_logits(self.pad(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.evidence(x).mean(dim=(2, 3))


def build_bagnet_mnist(patch: int = 17, *, progress: bool = True) -> Model:
    """The ``patch``-px MNIST BagNet, trained on MNIST-5k on first use (under a minute) and cached."""
    check_patch(patch)
    module = train_mnist(f"bagnet{patch}_mnist", lambda: BagNet(patch), {**RECIPE, "patch": patch},
                         progress=progress)
    return Model(module, input_size=(IMAGE_SIZE, IMAGE_SIZE), mean=(0.0,), std=(1.0,),
                 labels=[str(digit) for digit in range(10)], name=f"bagnet{patch}_mnist")


@register("bagnet_mnist", "BagNet-17 for 28x28 digits: sums the evidence of 17x17 patches (trained on first use)")
def bagnet_mnist(progress: bool = True) -> Model:
    return build_bagnet_mnist(17, progress=progress)


@register("bagnet9_mnist", "BagNet-9 for 28x28 digits: sums the evidence of 9x9 patches (trained on first use)")
def bagnet9_mnist(progress: bool = True) -> Model:
    return build_bagnet_mnist(9, progress=progress)


@register("bagnet17_mnist", "BagNet-17 for 28x28 digits (the same model as bagnet_mnist)")
def bagnet17_mnist(progress: bool = True) -> Model:
    return build_bagnet_mnist(17, progress=progress)


@register("bagnet33_mnist", "BagNet-33 for 28x28 digits: 33x33 patches, i.e. the whole digit (trained on first use)")
def bagnet33_mnist(progress: bool = True) -> Model:
    return build_bagnet_mnist(33, progress=progress)
