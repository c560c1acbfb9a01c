import numpy as np
import pytest
import torch
from PIL import Image

import seethrough as st
from seethrough.errors import SeethroughError
from seethrough.targets import class_index, resolve

from .tiny_models import TwoConv


@pytest.fixture
def model():
    return st.Model(TwoConv().eval(), input_size=(8, 10), mean=(0.5, 0.4, 0.3), std=(0.2, 0.25, 0.5),
                    labels=["tiger cat", "Egyptian cat", "crane"], name="tiny")


def test_preprocess_resizes_scales_and_normalizes(model):
    image = np.full((20, 30, 3), 255, dtype=np.uint8)
    x = model.preprocess(image)
    assert x.shape == (1, 3, 8, 10) and x.dtype == torch.float32
    expected = (1 - torch.tensor([0.5, 0.4, 0.3])) / torch.tensor([0.2, 0.25, 0.5])
    torch.testing.assert_close(x[0, :, 0, 0], expected)


def test_deprocess_inverts_preprocess(model):
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (8, 10, 3), dtype=np.uint8)
    back = model.deprocess(model.preprocess(image))
    np.testing.assert_allclose(back, image / 255.0, atol=1e-6)


def test_grey_and_rgba_and_pil_inputs_become_three_channels(model):
    grey = np.arange(80, dtype=np.uint8).reshape(8, 10)
    x = model.preprocess(grey)
    assert x.shape == (1, 3, 8, 10)
    pixels = model.denormalize(x)
    torch.testing.assert_close(pixels[0, 0], pixels[0, 2])
    rgba = np.zeros((8, 10, 4), dtype=np.uint8)
    assert model.preprocess(rgba).shape == (1, 3, 8, 10)
    assert model.preprocess(Image.fromarray(grey)).shape == (1, 3, 8, 10)


def test_colour_to_grey_for_single_channel_models():
    grey_model = st.Model(torch.nn.Flatten(), input_size=(4, 4), mean=(0.0,), std=(1.0,), labels=list("ab"))
    red = np.zeros((4, 4, 3), dtype=np.uint8)
    red[..., 0] = 255
    x = grey_model.preprocess(red)
    assert x.shape == (1, 1, 4, 4)
    torch.testing.assert_close(x, torch.full((1, 1, 4, 4), 0.299))


def test_predict_sorts_by_probability(model):
    x = model.preprocess(np.zeros((8, 10, 3), dtype=np.uint8))
    top = model.predict(x, top=3)[0]
    probs = [p.prob for p in top]
    assert probs == sorted(probs, reverse=True)
    assert abs(sum(probs) - 1) < 1e-5
    assert {p.label for p in top} == {"tiger cat", "Egyptian cat", "crane"}


def test_layer_lookup_by_dotted_name_and_closest_names(model):
    assert model.layer("conv2") is model.module.conv2
    with pytest.raises(SeethroughError) as error:
        model.layer("conv")
    assert "'conv1'" in str(error.value) and "'conv2'" in str(error.value)


def test_layer_shapes(model):
    shapes = model.layer_shapes()
    assert shapes["conv1"] == (1, 4, 8, 10) and shapes["fc"] == (1, 3)


def test_class_names_resolve_case_insensitively_with_suggestions(model):
    assert class_index(model, "TIGER CAT") == 0
    assert class_index(model, "egyptian_cat") == 1
    assert class_index(model, 2) == 2 and class_index(model, "2") == 2
    with pytest.raises(SeethroughError, match="'tiger cat'"):
        class_index(model, "tigercat")
    with pytest.raises(SeethroughError, match="out of range"):
        class_index(model, 3)


def test_ambiguous_class_name_asks_for_an_index():
    model = st.Model(TwoConv().eval(), labels=["crane", "bird", "crane"])
    with pytest.raises(SeethroughError, match=r"ambiguous.*\[0, 2\]"):
        model.class_index("crane")


def test_default_target_is_top1(model):
    x = torch.randn(4, 3, 8, 10)
    torch.testing.assert_close(resolve(model, None, x), model(x).argmax(1))
    assert resolve(model, "crane", x).tolist() == [2, 2, 2, 2]


def test_training_mode_batchnorm_warns_and_the_module_is_left_alone():
    module = torch.nn.Sequential(torch.nn.Conv2d(3, 2, 1), torch.nn.BatchNorm2d(2)).train()
    with pytest.warns(UserWarning, match="training mode"):
        st.Model(module)
    assert module.training and module[1].training
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        st.Model(TwoConv().train())  # nothing stochastic: no warning


def test_mismatched_normalization_is_an_error():
    with pytest.raises(SeethroughError, match="mean has 3 channels"):
        st.Model(TwoConv().eval(), mean=(0.5, 0.5, 0.5), std=(0.5,))
