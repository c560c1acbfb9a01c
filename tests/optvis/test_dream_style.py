"""DeepDream and style transfer on mnist_cnn: the objective rises within an octave, the style loss
falls while the content stays, same seed same bytes, no hooks left."""
import pytest
import torch

import seethrough as st
from seethrough.errors import SeethroughError
from seethrough.optvis import dream, style_transfer
from seethrough.optvis.dream import octave_sizes
from seethrough.optvis.style import default_layers, gram


@pytest.fixture(scope="module")
def digits(mnist_cnn):
    images, _ = st.data.mnist()
    return mnist_cnn.to_pixels(images[0]), mnist_cnn.to_pixels(images[1])


def test_octave_sizes_grow_to_the_image():
    assert octave_sizes((100, 50), 3, 2.0) == [(25, 12), (50, 25), (100, 50)]


def test_dream_amplifies_the_layer_in_every_octave(mnist_cnn, digits, no_hooks_left):
    result = dream(mnist_cnn, digits[0], "conv2", octaves=2, octave_scale=1.3, steps=6, progress=False)
    assert result.sizes == [(22, 22), (28, 28)] and result.pixels.shape == (1, 1, 28, 28)
    for octave in range(2):
        values = result.values[octave * 6:(octave + 1) * 6]
        assert values[-1] > values[0] * 1.1
    assert 0 <= result.pixels.min() and result.pixels.max() <= 1
    again = dream(mnist_cnn, digits[0], "conv2", octaves=2, octave_scale=1.3, steps=6, progress=False)
    assert torch.equal(result.pixels, again.pixels)
    no_hooks_left(mnist_cnn.module)


def test_dream_errors(mnist_cnn, digits):
    with pytest.raises(SeethroughError, match="octave"):
        dream(mnist_cnn, digits[0], "conv2", octaves=6, octave_scale=1.4, steps=1, progress=False)
    with pytest.raises(SeethroughError, match="unknown layer"):
        dream(mnist_cnn, digits[0], "conv9", progress=False)
    with pytest.raises(SeethroughError, match="one image"):
        dream(mnist_cnn, torch.rand(2, 1, 28, 28), "conv2", progress=False)


def test_gram_matrix_by_hand():
    features = torch.tensor([[[[1.0, 2.0]], [[0.0, 3.0]]]])      # (1, C=2, 1, 2)
    torch.testing.assert_close(gram(features), torch.tensor([[[2.5, 3.0], [3.0, 4.5]]]))


def test_default_layers_are_one_per_resolution(mnist_cnn):
    assert default_layers(mnist_cnn) == (["conv1", "pool1", "conv2", "pool2"], "pool2")


def test_style_transfer_moves_the_grams_toward_the_style_and_keeps_the_content(mnist_cnn, digits, no_hooks_left):
    content, style = digits
    result = style_transfer(mnist_cnn, content, style, style_layers=["conv1", "conv2"], content_layer="conv2",
                            steps=30, learning_rate=0.1, progress=False)
    assert result.style_losses[-1] < 0.6 * result.style_losses[0]
    assert result.content_losses[0] < 1e-3 and result.content_losses[-1] < result.style_losses[0]
    assert result.pixels.shape == content.shape
    no_hooks_left(mnist_cnn.module)
    with pytest.raises(SeethroughError, match="content image"):
        style_transfer(mnist_cnn, torch.rand(1, 3, 28, 28), style, progress=False)
