import pytest
import torch

import seethrough as st
from seethrough.errors import SeethroughError

from .tiny_models import TwoConv

FACTORY = '''
import torch
from torch import nn

def build():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 2, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2, 3))

def not_a_module():
    return 42
'''


@pytest.fixture
def factory_file(tmp_path):
    path = tmp_path / "net.py"
    path.write_text(FACTORY)
    return path


def test_factory_with_options_and_labels(factory_file, tmp_path):
    labels = tmp_path / "labels.txt"
    labels.write_text("ant\nbee\ncat\n")
    model = st.zoo.load(f"{factory_file}:build", input_size=(16, 20), mean=(0.5, 0.5, 0.5),
                        std=(0.25, 0.25, 0.25), labels=str(labels))
    assert model.input_size == (16, 20) and model.labels == ["ant", "bee", "cat"]
    assert not model.module.training
    assert model.class_index("Bee") == 1
    assert model.preprocess(st.data.sample("coffee")).shape == (1, 3, 16, 20)


def test_factory_errors_say_what_is_wrong(factory_file):
    with pytest.raises(SeethroughError, match="no callable 'buld'.*build"):
        st.zoo.load(f"{factory_file}:buld")
    with pytest.raises(SeethroughError, match="not a torch.nn.Module"):
        st.zoo.load(f"{factory_file}:not_a_module")
    with pytest.raises(SeethroughError, match="name the factory"):
        st.zoo.load(str(factory_file))
    with pytest.raises(SeethroughError, match="no such model file"):
        st.zoo.load("missing.py:build")


def test_torchscript_model_loads_and_matches(tmp_path):
    module = TwoConv().eval()
    path = tmp_path / "net.pt"
    torch.jit.script(module).save(str(path))
    model = st.zoo.load(str(path), input_size=(8, 8))
    x = torch.randn(2, 3, 8, 8)
    torch.testing.assert_close(model(x), module(x))


def test_a_non_torchscript_file_is_an_error(tmp_path):
    path = tmp_path / "weights.pt"
    torch.save({"w": torch.zeros(1)}, path)
    with pytest.raises(SeethroughError, match="not a TorchScript file"):
        st.zoo.load(str(path))


def test_unknown_zoo_model_suggests_names():
    with pytest.raises(SeethroughError, match="efficientnet_lite0"):
        st.zoo.load("efficientnet")
