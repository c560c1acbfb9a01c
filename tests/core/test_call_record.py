"""The call record: every call of a named module in one pass, in the order the calls end, with shapes."""
from __future__ import annotations

import threading

import pytest
import torch
from torch import nn

import seethrough as st
from seethrough.call_record import LayerCall, last_shapes, record_calls, stop_point


class Pair(nn.Module):
    """Returns a tuple: the record keeps its first tensor's shape."""

    def forward(self, x):
        return x[:, :1], x


class Note(nn.Module):
    """Returns no tensor."""

    def forward(self, x):
        return None


class Blocky(nn.Module):
    """block (conv -> act) -> pair -> act again (the same module, smaller map) -> note -> head."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.act = nn.ReLU()
        self.block = nn.Sequential(nn.Conv2d(3, 4, 3), self.act)
        self.pair, self.note = Pair(), Note()
        self.pool = nn.MaxPool2d(2)
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        first, whole = self.pair(self.block(x))
        x = self.act(self.pool(whole))
        self.note(x)
        return self.head(x.amax(dim=(2, 3)))


def test_the_record_lists_calls_in_the_order_they_end_with_their_shapes(no_hooks_left):
    net = Blocky().eval()
    calls = record_calls(net, torch.zeros(2, 3, 8, 8))
    no_hooks_left(net)
    # named_modules lists the shared ReLU once, as "act" (its first name), so block.1's calls are "act"'s
    assert calls == (LayerCall("block.0", (2, 4, 6, 6)), LayerCall("act", (2, 4, 6, 6)),
                     LayerCall("block", (2, 4, 6, 6)),  # a container ends after its children
                     LayerCall("pair", (2, 1, 6, 6)), LayerCall("pool", (2, 4, 3, 3)),
                     LayerCall("act", (2, 4, 3, 3)), LayerCall("note", None), LayerCall("head", (2, 2)))
    shapes = last_shapes(calls)
    assert list(shapes) == ["block.0", "act", "block", "pair", "pool", "head"]  # first-call order, no "note"
    assert shapes["act"] == (2, 4, 3, 3)  # its last call, as capture records it


def test_stop_points():
    calls = record_calls(Blocky().eval(), torch.zeros(1, 3, 8, 8))
    assert stop_point(calls, ["block.0"]) == ("block.0", 1)
    assert stop_point(calls, ["block.0", "act"]) == ("act", 2)  # the shared module's second call
    assert stop_point(calls, ["pool", "block"]) == ("pool", 1)
    assert stop_point(calls, ["head"]) is None  # its call ends the pass: nothing to skip
    assert stop_point(calls, []) is None


def test_the_model_keeps_its_record_and_derives_shapes_and_repeats(no_hooks_left):
    model = st.Model(Blocky().eval(), input_size=(8, 8), labels=["a", "b"])
    assert model.calls() is model.calls()  # found once, kept
    no_hooks_left(model.module)
    assert model.calls()[0].shape == (1, 4, 6, 6)  # one blank input of the model's size
    assert model.repeated_layers() == {"act"}
    assert model.layer_shapes()["act"] == (1, 4, 3, 3)


def test_no_hook_is_left_when_the_pass_raises(no_hooks_left):
    net = Blocky().eval()
    with pytest.raises(RuntimeError):
        record_calls(net, torch.zeros(1, 5, 8, 8))  # the conv wants 3 channels
    no_hooks_left(net)


class Busy(nn.Module):
    """conv -> act; its first pass runs a second pass of itself on another thread, as a server with two
    requests would, and waits for it."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv, self.act = nn.Conv2d(3, 2, 3), nn.ReLU()
        self.other_thread_ran = False

    def forward(self, x):
        if not self.other_thread_ran:
            self.other_thread_ran = True
            other = threading.Thread(target=self, args=(torch.zeros(5, 3, 4, 4),))  # a different batch size
            other.start()
            other.join()
        return self.act(self.conv(x))


def test_a_pass_on_another_thread_does_not_enter_the_record(no_hooks_left):
    net = Busy().eval()
    calls = record_calls(net, torch.zeros(1, 3, 6, 6))
    assert net.other_thread_ran  # the other pass ran while the hooks were on
    assert calls == (LayerCall("conv", (1, 2, 4, 4)), LayerCall("act", (1, 2, 4, 4)))
    no_hooks_left(net)
