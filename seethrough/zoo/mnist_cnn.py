"""``mnist_cnn``: a small CNN (conv1 -> conv2 -> fc) trained on first use on MNIST-5k, then cached."""
from __future__ import annotations

from torch import nn

from ..model import Model
from . import register
from .training import train_mnist

RECIPE = {"architecture": "mnist_cnn-v2", "epochs": 20, "batch_size": 64, "lr": 3e-3,
          "weight_decay": 1e-4, "max_shift": 2, "seed": 0, "split_seed": 0}


class MnistCNN(nn.Module):
    """conv1 (1->32, 5x5) -> relu1 -> pool1 -> conv2 (32->64, 5x5) -> relu2 -> pool2 -> fc (1024->10).

    Input (N, 1, 28, 28) pixels in [0, 1]; output (N, 10) logits. Every step is its own module,
    so the layers can be named (``conv2``, ``relu2``, ...).
    """

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 5)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(32, 64, 5)
        self.relu2 = nn.ReLU()
        self.pool2 = nn.MaxPool2d(2)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(64 * 4 * 4, 10)

    def forward(self, x):
        x = self.pool1(self.relu1(self.conv1(x)))
        x = self.pool2(self.relu2(self.conv2(x)))
        return self.fc(self.flatten(x))


@register("mnist_cnn", "small CNN for 28x28 digits, trained on first use on MNIST-5k (cached)")
def mnist_cnn(progress: bool = True) -> Model:
    module = train_mnist("mnist_cnn", MnistCNN, RECIPE, progress=progress)
    return Model(module, input_size=(28, 28), mean=(0.0,), std=(1.0,),
                 labels=[str(digit) for digit in range(10)], name="mnist_cnn")
