"""Untrained BagNets with random BatchNorm statistics, float64, wrapped as Models: fast test subjects."""
from __future__ import annotations

import torch

import seethrough as st
from seethrough.zoo.bagnet import BagNet


def random_bagnet(patch: int, seed: int = 0, dtype: torch.dtype = torch.float64) -> st.Model:
    """A BagNet of ``patch`` px in eval mode, every weight and BatchNorm statistic random (float64 unless ``dtype``)."""
    torch.manual_seed(seed)
    module = BagNet(patch)
    with torch.no_grad():
        for layer in module.modules():
            if isinstance(layer, torch.nn.BatchNorm2d):
                layer.running_mean.normal_()
                layer.running_var.uniform_(0.5, 2.0)
                layer.weight.normal_()
                layer.bias.normal_(0.5, 0.5)
    module = module.eval().to(dtype)
    return st.Model(module, input_size=(28, 28), mean=(0.0,), std=(1.0,),
                    labels=[str(digit) for digit in range(10)], name=f"random_bagnet{patch}")
