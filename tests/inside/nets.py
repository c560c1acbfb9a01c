"""Tiny networks and generated datasets for the inside/ tests."""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

import seethrough as st
from seethrough.inside.datasets import Dataset


class SmallConv(nn.Module):
    """conv (3->4, 3x3, pad 1) -> relu -> maxpool 2 -> conv (4->5, 3x3, stride 2, dilation 2) -> relu
    -> adaptive avg pool -> fc (5 -> 3), on 3 x 16 x 16 inputs."""

    def __init__(self, seed: int = 0):
        super().__init__()
        torch.manual_seed(seed)
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(4, 5, 3, stride=2, dilation=2, padding=1)
        self.relu2 = nn.ReLU()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(5, 3)

    def forward(self, x):
        x = self.pool1(self.relu1(self.conv1(x)))
        x = self.relu2(self.conv2(x))
        return self.fc(self.pool(x).flatten(1))


class AsymmetricPad(nn.Module):
    """TensorFlow-style "same" padding: pad right/bottom by 1, then a 3x3 stride-2 conv; then 1x1 conv."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(1)
        self.pad = nn.ZeroPad2d((0, 1, 0, 1))
        self.conv = nn.Conv2d(1, 2, 3, stride=2)
        self.act = nn.ReLU6()
        self.point = nn.Conv2d(2, 2, 1)
        self.head = nn.Linear(2, 2)

    def forward(self, x):
        x = self.point(self.act(self.conv(self.pad(x))))
        return self.head(x.mean(dim=(2, 3)))


def small_conv(seed: int = 0, dtype: torch.dtype = torch.float64) -> st.Model:
    return st.Model(SmallConv(seed).eval().to(dtype), input_size=(16, 16), mean=(0.5,) * 3, std=(0.25,) * 3,
                    name="small_conv")


def images(count: int, seed: int = 0, size: int = 16) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (count, size, size, 3), dtype=np.uint8)


class Generated(Dataset):
    """``count`` random inputs made on the fly from their id (never stored): for the memory test."""

    name = "generated"

    def __init__(self, count: int, shape: tuple[int, ...]):
        self.count, self.shape = count, shape
        self.labels = np.zeros(count, dtype=np.int64)  # one int per example: 8 bytes, not an image

    def __len__(self) -> int:
        return self.count

    def image(self, example: int) -> np.ndarray:
        return np.random.default_rng(example).random(self.shape[1:] + self.shape[:1]).astype(np.float32)

    def inputs(self, model, ids) -> torch.Tensor:
        generator = torch.Generator().manual_seed(int(ids[0]))
        return torch.randn((len(ids), *self.shape), generator=generator, dtype=torch.float32)
