"""Tiny models for the trust tests, with answers that can be worked out by hand."""
from __future__ import annotations

import torch
from torch import nn

import seethrough as st


class PixelLinear(nn.Module):
    """Two classes on (N, 1, H, W): logit 0 = sum(weight * x), logit 1 = 0.

    The probability of class 0 is sigmoid(sum(weight * x)); pixel i's exact contribution is
    weight_i * x_i, so the perfect ranking for deletion/insertion is known.
    """

    def __init__(self, weight: torch.Tensor):
        super().__init__()
        self.linear = nn.Linear(weight.numel(), 1, bias=False).double()
        with torch.no_grad():
            self.linear.weight.copy_(weight.reshape(1, -1))

    def forward(self, x):
        score = self.linear(x.flatten(1))[:, 0]
        return torch.stack([score, torch.zeros_like(score)], dim=1)


class CalledOutOfOrder(nn.Module):
    """Defined head first, called stem first; a ModuleList in the middle; a parameter-free child."""

    def __init__(self):
        super().__init__()
        self.head = nn.Linear(8, 3)
        self.stem = nn.Conv2d(1, 4, 3, padding=1)
        self.body = nn.ModuleList([nn.Conv2d(4, 4, 3, padding=1), nn.BatchNorm2d(4), nn.Conv2d(4, 8, 3, padding=1)])
        self.unused = nn.Linear(2, 2)
        self.act = nn.ReLU()

    def forward(self, x):
        x = self.act(self.stem(x))
        for layer in self.body:
            x = self.act(layer(x))
        return self.head(x.mean(dim=(2, 3)))


def small_cnn_model(seed: int = 0) -> st.Model:
    torch.manual_seed(seed)
    module = CalledOutOfOrder().eval()
    with torch.no_grad():  # non-trivial running statistics, so that a reset is visible
        module.body[1].running_mean.uniform_(-1, 1)
        module.body[1].running_var.uniform_(0.5, 2)
    return st.Model(module, input_size=(12, 12), mean=(0.0,), std=(1.0,), labels=["a", "b", "c"], name="tiny")


def linear_model(weight: torch.Tensor) -> st.Model:
    height, width = weight.shape[-2:]
    return st.Model(PixelLinear(weight), input_size=(height, width), mean=(0.0,), std=(1.0,),
                    labels=["on", "off"], name="pixel-linear")
