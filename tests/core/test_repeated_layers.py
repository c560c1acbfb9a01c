"""A module called several times in one forward pass (EfficientNet-Lite's shared ReLU6) is read at its
last call by every tool: the scan, TCAV, a hidden-unit attribution target and feature visualization."""
from __future__ import annotations

import torch
from torch import nn

import seethrough as st
from seethrough.optvis import objectives
from seethrough.optvis.render import forward_activations
from seethrough.targets import objective


class SharedAct(nn.Module):
    """conv -> act -> conv -> act (the same module) -> head: both calls give (N, 3, 6, 6) maps."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv1, self.conv2 = nn.Conv2d(3, 3, 3, padding=1), nn.Conv2d(3, 3, 3, padding=1)
        self.act, self.head = nn.ReLU(), nn.Linear(3, 2)

    def forward(self, x):
        x = self.act(self.conv2(self.act(self.conv1(x))))
        return self.head(x.mean(dim=(2, 3)))


def _model() -> st.Model:
    return st.Model(SharedAct().eval(), input_size=(6, 6), labels=["a", "b"], name="shared")


def _calls(model: st.Model, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    net = model.module
    with torch.no_grad():
        first = net.act(net.conv1(x))
        return first, net.act(net.conv2(first))


def test_repeated_layers_are_found_and_leave_no_hook(no_hooks_left):
    model = _model()
    assert model.repeated_layers() == {"act"}
    no_hooks_left(model.module)
    plain = st.Model(nn.Sequential(nn.Conv2d(3, 2, 3), nn.ReLU()).eval(), input_size=(6, 6), labels=["a", "b"])
    assert plain.repeated_layers() == frozenset()


def test_a_hidden_unit_target_reads_the_last_call(no_hooks_left):
    model = _model()
    x = torch.randn(2, 3, 6, 6, generator=torch.Generator().manual_seed(1))
    first, last = _calls(model, x)
    assert not torch.allclose(first[:, 1], last[:, 1])        # the test can tell the calls apart
    target = objective(model, "act:1", x)
    with torch.no_grad():
        assert torch.allclose(target(x), last[:, 1].flatten(1).mean(1), atol=1e-6)
    no_hooks_left(model.module)
    single = objective(model, "conv2:1", x)                     # a layer that runs once still stops there
    with torch.no_grad():
        assert torch.allclose(single(x), model.module.conv2(first)[:, 1].flatten(1).mean(1), atol=1e-6)


def test_feature_visualization_reads_the_last_call(no_hooks_left):
    model = _model()
    pixels = torch.rand(1, 3, 6, 6, generator=torch.Generator().manual_seed(2))
    _, last = _calls(model, model.normalize(pixels))
    with torch.no_grad():
        recorded = forward_activations(model, objectives.channel("act", 1), pixels)
    assert torch.allclose(recorded["act"], last, atol=1e-6)
    no_hooks_left(model.module)
