"""Tiny float64 networks for the propagation tests: one architecture written three ways.

``TinyNet(style="distinct")`` has one ``nn.ReLU`` module per call (where Captum is right);
``"shared"`` reuses one module for every call; ``"functional"`` calls ``F.relu``; ``"inplace"``
reuses one ``nn.ReLU(inplace=True)`` (as torchvision models do). All of them compute
the same function with the same parameters, so every method must give the same maps.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

import seethrough as st


class TinyNet(nn.Module):
    """conv(3->4, 3x3) -> relu -> conv(4->5, 3x3, pad 1) -> relu -> flatten -> linear(->6) -> relu -> linear(->3)."""

    def __init__(self, style: str = "distinct", *, bias: bool = True, size: int = 6):
        super().__init__()
        self.style = style
        self.conv1 = nn.Conv2d(3, 4, 3, bias=bias)
        self.conv2 = nn.Conv2d(4, 5, 3, padding=1, bias=bias)
        self.fc1 = nn.Linear(5 * (size - 2) ** 2, 6, bias=bias)
        self.fc2 = nn.Linear(6, 3, bias=bias)
        self.relu1, self.relu2, self.relu3 = nn.ReLU(), nn.ReLU(), nn.ReLU()
        self.shared = nn.ReLU()
        self.inplace = nn.ReLU(inplace=True)

    def act(self, x: torch.Tensor, index: int) -> torch.Tensor:
        if self.style == "functional":
            return F.relu(x)
        if self.style == "shared":
            return self.shared(x)
        if self.style == "inplace":
            return self.inplace(x)
        return getattr(self, f"relu{index}")(x)

    def forward(self, x):
        x = self.act(self.conv1(x), 1)
        x = self.act(self.conv2(x), 2)
        x = self.act(self.fc1(x.flatten(1)), 3)
        return self.fc2(x)


def tiny(style: str = "distinct", *, bias: bool = True, seed: int = 0) -> nn.Module:
    """TinyNet in float64 and eval mode, with parameters fixed by ``seed`` (the same for every style)."""
    torch.manual_seed(seed)
    return TinyNet(style, bias=bias).double().eval()


def wrap(module: nn.Module, *, size: int = 6, classes: int = 3) -> st.Model:
    """A seethrough Model around a float64 tiny network (identity normalization)."""
    return st.Model(module, input_size=(size, size), mean=(0.0,) * 3, std=(1.0,) * 3,
                    labels=[f"c{i}" for i in range(classes)], name="tiny")


class BasicModel2(nn.Module):
    """f(x1, x2) = ReLU(ReLU(x1) - 1 - ReLU(x2)) on an input (N, 2, 1, 1) (Captum's BasicModel2),
    as a one-logit classifier."""

    def forward(self, x):
        x1, x2 = x[:, 0, 0, 0], x[:, 1, 0, 0]
        return F.relu(F.relu(x1) - 1 - F.relu(x2)).unsqueeze(1)


def basic_model2() -> st.Model:
    return st.Model(BasicModel2(), input_size=(1, 1), mean=(0.0, 0.0), std=(1.0, 1.0), labels=["f"], name="basic2")
