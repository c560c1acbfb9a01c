"""forward_until: later layers stop running from the second call; a layer called twice keeps the full pass."""
from __future__ import annotations

import torch
from torch import nn

import seethrough as st
from seethrough.truncation import forward_until

from .nets import SmallConv


class SharedActivation(nn.Module):
    """One ReLU module called twice: stopping after its first call would change its recorded output."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv1, self.conv2, self.act = nn.Conv2d(1, 2, 3), nn.Conv2d(2, 2, 3), nn.ReLU()
        self.head = nn.Linear(2, 2)

    def forward(self, x):
        x = self.act(self.conv2(self.act(self.conv1(x))))
        return self.head(x.mean(dim=(2, 3)))


def count_calls(module: nn.Module) -> list[int]:
    calls = [0]
    module.register_forward_hook(lambda *_: calls.__setitem__(0, calls[0] + 1))
    return calls


def test_later_layers_stop_running_and_outputs_are_unchanged(no_hooks_left):
    net = SmallConv().eval()
    fc_calls, conv2_calls = count_calls(net.fc), count_calls(net.conv2)
    x = torch.randn(3, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    with torch.no_grad(), st.capture(net, ["conv2"]) as full:
        net(x)
    with torch.no_grad(), st.capture(net, ["pool1", "conv2"]) as outputs, forward_until(net, ["conv2", "pool1"]) as run:
        for _ in range(3):
            run(x)
            assert torch.equal(outputs["conv2"], full["conv2"])
    assert conv2_calls[0] == 1 + 3 and fc_calls[0] == 1 + 1  # fc ran only in the reference and the first call
    net.fc._forward_hooks.clear()
    net.conv2._forward_hooks.clear()
    no_hooks_left(net)


def test_a_layer_called_twice_keeps_the_whole_pass(no_hooks_left):
    net = SharedActivation()
    head_calls = count_calls(net.head)
    with torch.no_grad(), st.capture(net, ["act"]) as outputs, forward_until(net, ["act"]) as run:
        for _ in range(3):
            run(torch.randn(2, 1, 9, 9))
    assert head_calls[0] == 3 and outputs["act"].shape == (2, 2, 5, 5)
    net.head._forward_hooks.clear()
    no_hooks_left(net)


def test_a_last_layer_whose_output_ends_the_pass_gets_no_stop(no_hooks_left):
    net = SmallConv().eval()
    x = torch.randn(2, 3, 16, 16, generator=torch.Generator().manual_seed(1))
    with torch.no_grad(), st.capture(net, ["relu1", "fc"]) as outputs, forward_until(net, ["relu1", "fc"]) as run:
        for _ in range(2):
            run(x)
            assert len(net.fc._forward_hooks) == 1  # the capture's; no stop raised after the network's output
            assert torch.equal(outputs["fc"], net(x))
    with torch.no_grad(), st.capture(net, ["relu2"]), forward_until(net, ["relu2"]) as run:
        run(x)
        assert len(net.relu2._forward_hooks) == 2  # the capture's and the stop: the pool and fc are skipped
    no_hooks_left(net)
