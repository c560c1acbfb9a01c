import pytest
import torch

from seethrough.errors import SeethroughError
from seethrough.hooks import capture, has_hooks

from .tiny_models import TwoConv


def test_capture_records_each_named_layer_output():
    model = TwoConv().eval()
    x = torch.randn(2, 3, 8, 8)
    with capture(model, ["conv1", "conv2", "fc"]) as acts:
        logits = model(x)
    assert acts["conv1"].shape == (2, 4, 8, 8)
    assert acts["conv2"].shape == (2, 6, 8, 8)
    torch.testing.assert_close(acts["fc"], logits.detach())
    torch.testing.assert_close(acts["conv1"], model.conv1(x).detach())
    assert not has_hooks(model)


def test_reused_module_keeps_its_last_call():
    model = TwoConv().eval()
    x = torch.randn(1, 3, 8, 8)
    with capture(model, ["relu"]) as acts:
        model(x)
    expected = torch.relu(model.conv2(torch.relu(model.conv1(x))))
    torch.testing.assert_close(acts["relu"], expected.detach())


def test_no_hook_remains_after_an_exception_inside_the_block():
    model = TwoConv().eval()
    with pytest.raises(RuntimeError, match="boom"):
        with capture(model, ["conv1", "conv2"]):
            assert has_hooks(model)
            model(torch.randn(1, 3, 8, 8))
            raise RuntimeError("boom")
    assert not has_hooks(model)


def test_no_hook_remains_when_the_model_raises():
    model = TwoConv().eval()
    with pytest.raises(RuntimeError):
        with capture(model, ["conv1", "fc"]):
            model(torch.randn(1, 5, 8, 8))  # wrong channel count: conv1 raises
    assert not has_hooks(model)


def test_detach_false_keeps_the_graph():
    model = TwoConv().eval()
    x = torch.randn(1, 3, 8, 8, requires_grad=True)
    with capture(model, ["conv2"], detach=False) as acts:
        model(x)
    acts["conv2"].sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_wrong_layer_name_lists_the_closest_and_adds_no_hook():
    model = TwoConv()
    with pytest.raises(SeethroughError, match="'conv1'"):
        with capture(model, ["conv1", "conv3x"]):
            pass
    assert not has_hooks(model)
