"""The optimization loop on small models: objectives rise, same seed same bytes, no hooks left,
BatchNorm in eval mode untouched, fixed-size heads, starting from a photo."""
import warnings

import pytest
import torch
from torch import nn

import seethrough as st
from seethrough.errors import SeethroughError
from seethrough.optvis import objectives as O
from seethrough.optvis import probabilities_under_transforms, render
from seethrough.optvis.render import accepts_any_size


class TinyBN(nn.Module):
    """conv -> BatchNorm -> ReLU -> conv -> global pool -> fc: any input size."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(8, 6, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(6, 4)

    def forward(self, x):
        x = self.conv2(self.relu(self.bn(self.conv1(x))))
        return self.fc(self.pool(self.relu(x)).flatten(1))


@pytest.fixture(scope="module")
def tiny():
    module = TinyBN()
    module.bn.running_mean.uniform_(-0.5, 0.5)
    module.eval()
    return st.Model(module, input_size=(32, 32), labels=["a", "b", "c", "d"], name="tiny")


def test_class_visualization_makes_mnist_cnn_say_the_digit(mnist_cnn, no_hooks_left):
    result = render(mnist_cnn, O.class_logit(3), steps=25, progress=False, seed=0)
    assert result.values[-1] > result.values[0] + 5
    assert result.target_probs[0] > 0.99 and result.top[0][0][0] == 3
    robust = probabilities_under_transforms(mnist_cnn, result.pixels, 3, samples=6, seed=1)
    assert robust.shape == (1, 6) and float(robust.mean()) > 0.9
    no_hooks_left(mnist_cnn.module)
    assert result.pixels.shape == (1, 1, 28, 28) and not accepts_any_size(mnist_cnn)


def test_same_seed_same_bytes_other_seed_other_image(tiny, no_hooks_left):
    objective = O.channel("conv2", 1) - 0.1 * O.total_variation()
    first = render(tiny, objective, steps=6, progress=False, seed=7)
    again = render(tiny, objective, steps=6, progress=False, seed=7)
    other = render(tiny, objective, steps=6, progress=False, seed=8)
    assert torch.equal(first.pixels, again.pixels) and first.values == again.values
    assert not torch.equal(first.pixels, other.pixels)
    no_hooks_left(tiny.module)


def test_eval_batchnorm_is_left_alone_and_the_weights_do_not_change(tiny):
    state = {k: v.clone() for k, v in tiny.module.state_dict().items()}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        render(tiny, O.neuron("conv2", 2, 3, 3), steps=5, progress=False)
    assert all(torch.equal(state[k], v) for k, v in tiny.module.state_dict().items())
    assert not tiny.module.training and all(not p.grad is not None for p in tiny.module.parameters())


def test_each_image_of_a_batch_follows_its_own_channel(tiny):
    objective = O.channel("conv2", 0, batch=0) + O.channel("conv2", 4, batch=1)
    result = render(tiny, objective, batch=2, steps=30, progress=False, transforms=None)
    with st.capture(tiny.module, ["conv2"]) as recorded:
        tiny(tiny.normalize(result.pixels))
    means = recorded["conv2"].mean(dim=(2, 3))
    assert means[0, 0] > means[1, 0] and means[1, 4] > means[0, 4]


def test_diversity_penalty_makes_a_batch_less_alike(tiny):
    plain = render(tiny, O.channel("conv2", 1), batch=3, steps=12, progress=False, seed=0, transforms=None)
    diverse = render(tiny, O.channel("conv2", 1) - 10 * O.diversity("conv1"), batch=3, steps=12, progress=False,
                     seed=0, transforms=None)
    def similarity(pixels):
        with st.capture(tiny.module, ["conv1"]) as recorded:
            tiny(tiny.normalize(pixels))
        return float(O.diversity("conv1")(recorded))
    assert similarity(diverse.pixels) < similarity(plain.pixels)


def test_start_from_an_image_and_ascend_another_class(mnist_cnn):
    images, labels = st.data.mnist()
    index = next(i for i, label in enumerate(labels) if label == 1)
    start = mnist_cnn.to_pixels(images[index])
    assert mnist_cnn.predict(mnist_cnn.normalize(start), 1)[0][0].index == 1
    result = render(mnist_cnn, O.class_logit(7), start=start, steps=25, progress=False)
    assert result.start_probs[0] < 0.01 and result.target_probs[0] > 0.9
    until = render(mnist_cnn, O.class_logit(7), start=start, steps=100, stop_at=0.5, progress=False)
    assert until.steps % 4 == 0 and until.steps < 25 and until.target_probs[0] >= 0.5
    assert float((result.pixels - start).abs().mean()) < 0.1     # still close to the digit it started from


def test_hooks_are_removed_when_the_objective_raises(tiny, no_hooks_left):
    with pytest.raises(SeethroughError, match="out of range"):
        render(tiny, O.channel("conv2", 99), steps=3, progress=False)
    no_hooks_left(tiny.module)
    with pytest.raises(SeethroughError, match="unknown layer"):
        render(tiny, O.channel("conv3", 0), steps=3, progress=False)
    with pytest.raises(SeethroughError, match="steps"):
        render(tiny, O.channel("conv2", 0), steps=0)


def test_training_mode_batchnorm_warns():
    module = TinyBN()
    with pytest.warns(UserWarning) as made:
        model = st.Model(module, input_size=(32, 32), name="training")
    assert "training: BatchNorm or dropout layers are in training mode" in str(made[0].message)
    with pytest.warns(UserWarning, match="training mode") as rendering:
        render(model, O.channel("conv2", 0), steps=1, progress=False)
    assert any("Call module.eval() first" in str(warning.message) for warning in rendering)
    assert module.training  # warned, not silently switched: the user's module keeps its mode
