"""Lucid's redirected ReLU gradient on hand-made cases: dead units get a gradient, live ones do not change."""
import torch
from torch import nn

from seethrough.optvis.redirected_relu import redirected_relu


class ReluThenSum(nn.Module):
    def __init__(self, module=None):
        super().__init__()
        self.act = module or nn.ReLU()

    def forward(self, x):
        return self.act(x).sum(dim=1)


def gradient(model, x, redirect):
    x = x.clone().requires_grad_(True)
    if redirect:
        with redirected_relu(model):
            y = model(x)
    else:
        y = model(x)
    return torch.autograd.grad(-y.sum(), x)[0]     # the render loop descends -objective


def test_a_dead_example_gets_the_redirected_gradient_a_live_one_the_plain_one(no_hooks_left):
    model = ReluThenSum()
    x = torch.tensor([[-1.0, -2.0], [-1.0, 3.0]])    # example 0 dead, example 1 half alive
    plain = gradient(model, x, False)
    redirected = gradient(model, x, True)
    assert torch.equal(plain[0], torch.zeros(2))
    assert torch.equal(redirected[0], torch.tensor([-1.0, -1.0]))   # pushes the dead inputs up
    assert torch.equal(redirected[1], plain[1])
    no_hooks_left(model)


def test_the_redirected_gradient_never_pushes_a_negative_input_lower():
    model = ReluThenSum()
    x = torch.tensor([[-1.0, -2.0]]).requires_grad_(True)
    with redirected_relu(model):
        y = model(x)
    grad = torch.autograd.grad(y.sum(), x)[0]          # a loss of +sum: its descent would push x down
    assert torch.equal(grad, torch.zeros(1, 2))


def test_relu6_and_functional_relu_are_redirected():
    class Functional(nn.Module):
        def forward(self, x):
            return torch.nn.functional.relu(x).sum(1) + nn.functional.relu6(x - 10).sum(1)
    x = torch.tensor([[-1.0, -2.0]])
    for model in (ReluThenSum(nn.ReLU6()), Functional()):
        assert gradient(model, x, True).abs().sum() > 0
        assert gradient(model, x, False).abs().sum() == 0
