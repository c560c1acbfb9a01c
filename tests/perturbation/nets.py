"""A tiny float64 convolutional classifier for the occlusion tests (any input size from 3 px)."""
from __future__ import annotations

import torch
from torch import nn

import seethrough as st


class TinyConv(nn.Module):
    """conv1(3->4, 3x3, pad 1) -> relu1 -> conv2(4->5, 3x3, pad 1) -> relu2 -> linear(5 H W -> 3)."""

    def __init__(self, size: int = 6):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(4, 5, 3, padding=1)
        self.relu2 = nn.ReLU()
        self.fc = nn.Linear(5 * size * size, 3)

    def forward(self, x):
        return self.fc(self.relu2(self.conv2(self.relu1(self.conv1(x)))).flatten(1))


def tiny(size: int = 6, seed: int = 0) -> st.Model:
    """TinyConv in float64, eval mode, parameters fixed by ``seed``, identity normalization."""
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    module = TinyConv(size).double().eval()
    torch.random.set_rng_state(generator_state)
    return st.Model(module, input_size=(size, size), mean=(0.0,) * 3, std=(1.0,) * 3,
                    labels=["c0", "c1", "c2"], name="tiny")
