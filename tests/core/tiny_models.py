"""Tiny hand-analysable classifiers for the core tests."""
from __future__ import annotations

import torch
from torch import nn


class RegionBrightness(nn.Module):
    """Two classes: logit 0 = 10 x mean brightness of the left half, logit 1 = of the right half.

    Covering the left half must lower class 0 and leave class 1 alone: a known answer for probes.
    """

    def __init__(self):
        super().__init__()
        self.features = nn.Identity()
        self.head = nn.Identity()

    def forward(self, x):
        x = self.features(x)
        width = x.shape[-1]
        left = x[..., : width // 2].mean(dim=(1, 2, 3))
        right = x[..., width // 2:].mean(dim=(1, 2, 3))
        return self.head(10 * torch.stack([left, right], dim=1))


class TwoConv(nn.Module):
    """conv1 -> relu -> conv2 -> pool -> fc, for layer lookup and hook tests."""

    def __init__(self, classes: int = 3):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(4, 6, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(6, classes)

    def forward(self, x):
        x = self.relu(self.conv2(self.relu(self.conv1(x))))
        return self.fc(self.pool(x).flatten(1))


def build_two_conv() -> nn.Module:
    """A factory for the ``file.py:factory`` tests."""
    torch.manual_seed(0)
    return TwoConv()
