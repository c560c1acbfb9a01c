"""forward_until: the pass ends after the last call of the wanted layers (a module called twice: its
second call), outputs unchanged; a layer whose call ends the pass gets no stop."""
from __future__ import annotations

import pytest
import torch
from torch import nn

import seethrough as st
from seethrough.call_record import record_calls
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
    x = torch.randn(3, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    record = record_calls(net, x[:1])
    no_hooks_left(net)
    fc_calls, conv2_calls = count_calls(net.fc), count_calls(net.conv2)
    with torch.no_grad(), st.capture(net, ["conv2"]) as full:
        net(x)
    with torch.no_grad(), st.capture(net, ["pool1", "conv2"]) as outputs, \
            forward_until(net, ["conv2", "pool1"], record) as run:
        for _ in range(3):
            assert run(x) is None  # ended early: no logits
            assert torch.equal(outputs["conv2"], full["conv2"])
    assert conv2_calls[0] == 1 + 3 and fc_calls[0] == 1  # fc ran only in the reference pass
    net.fc._forward_hooks.clear()
    net.conv2._forward_hooks.clear()
    no_hooks_left(net)


def test_a_layer_called_twice_stops_after_its_second_call(no_hooks_left):
    net = SharedActivation()
    x = torch.randn(2, 1, 9, 9, generator=torch.Generator().manual_seed(2))
    record = record_calls(net, x)
    assert [call.name for call in record] == ["conv1", "act", "conv2", "act", "head"]
    with torch.no_grad():
        last = net.act(net.conv2(net.act(net.conv1(x))))
    head_calls = count_calls(net.head)
    with torch.no_grad(), st.capture(net, ["act"]) as outputs, forward_until(net, ["act"], record) as run:
        for _ in range(3):
            run(x)
            assert torch.equal(outputs["act"], last)  # the second call's output, not the first's (6 x 6)
    assert head_calls[0] == 0
    net.head._forward_hooks.clear()
    no_hooks_left(net)


def test_a_last_layer_whose_call_ends_the_pass_gets_no_stop(no_hooks_left):
    net = SmallConv().eval()
    x = torch.randn(2, 3, 16, 16, generator=torch.Generator().manual_seed(1))
    record = record_calls(net, x)
    with torch.no_grad(), st.capture(net, ["relu1", "fc"]) as outputs, \
            forward_until(net, ["relu1", "fc"], record) as run:
        for _ in range(2):
            logits = run(x)
            assert len(net.fc._forward_hooks) == 1  # the capture's; no stop raised after the network's output
            assert torch.equal(outputs["fc"], logits) and torch.equal(logits, net(x))
    with torch.no_grad(), st.capture(net, ["relu2"]), forward_until(net, ["relu2"], record) as run:
        run(x)
        assert len(net.relu2._forward_hooks) == 2  # the capture's and the stop: the pool and fc are skipped
    no_hooks_left(net)


def test_no_hook_is_left_when_the_block_raises(no_hooks_left):
    net = SmallConv().eval()
    record = record_calls(net, torch.zeros(1, 3, 16, 16))
    with pytest.raises(RuntimeError), torch.no_grad(), forward_until(net, ["conv1"], record) as run:
        run(torch.zeros(1, 5, 16, 16))  # wrong channel count: conv1 raises
    no_hooks_left(net)
