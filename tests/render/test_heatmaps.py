"""Attribution pictures: percentile clipping, signed and absolute colouring, overlay, grey inputs."""
import numpy as np
import pytest
import torch

from seethrough.attribution import Attribution
from seethrough.render import heatmaps


def test_clipping_at_a_percentile_of_the_magnitudes():
    values = np.arange(-100, 101, dtype=float)  # |values| = 0..100, each twice except 0
    assert heatmaps.clip_level(values, 100) == 100
    assert heatmaps.clip_level(values, 50) == pytest.approx(np.percentile(np.abs(values), 50))
    assert heatmaps.clip_level(np.zeros(5)) == 1.0  # an empty map still has a scale
    with pytest.raises(ValueError, match="percentile"):
        heatmaps.clip_level(values, 0)


def test_signed_maps_are_centred_at_zero_and_absolute_maps_start_there():
    values = np.array([[-2.0, 0.0, 2.0, 10.0]])
    positions = heatmaps.scaled(values, "signed", clip=2.0)
    np.testing.assert_allclose(positions, [[0.0, 0.5, 1.0, 1.0]])  # clipped beyond +-clip
    np.testing.assert_allclose(heatmaps.scaled(values, "absolute", clip=4.0), [[0.5, 0.0, 0.5, 1.0]])
    colours = heatmaps.colorize(values, "signed", clip=2.0)
    assert colours[0, 2, 0] > colours[0, 2, 2] and colours[0, 0, 2] > colours[0, 0, 0]  # + red, - blue
    assert np.all(colours[0, 1] > 0.9)  # zero is white in the diverging map


def test_channels_are_summed_for_signed_maps_and_max_abs_for_absolute_ones():
    values = np.stack([np.full((2, 2), 1.0), np.full((2, 2), -3.0), np.full((2, 2), 0.5)])
    np.testing.assert_allclose(heatmaps.attribution_map(values, "signed"), np.full((2, 2), -1.5))
    np.testing.assert_allclose(heatmaps.attribution_map(values, "absolute"), np.full((2, 2), 3.0))
    coarse = np.array([[0.0, 1.0], [2.0, 3.0]])
    up = heatmaps.attribution_map(coarse, "signed", size=(8, 8))
    assert up.shape == (8, 8) and up.min() >= 0 and up.max() <= 3 and up[0, 0] < up[-1, -1]


def test_the_overlay_shows_the_image_where_the_evidence_is_zero():
    image = np.random.default_rng(0).random((6, 6, 3))
    values = np.zeros((6, 6))
    values[2, 3] = 5.0
    drawn = heatmaps.overlay(image, values, "signed", clip=5.0)
    grey = heatmaps.greyed(image)
    mask = values == 0
    np.testing.assert_allclose(drawn[mask], grey[mask])
    assert not np.allclose(drawn[2, 3], grey[2, 3])


@pytest.mark.parametrize("image", [np.full((28, 28), 128, np.uint8), np.full((28, 28, 1), 0.5)])
def test_grey_inputs_are_drawn(image):
    attribution = Attribution(values=torch.randn(1, 1, 28, 28), method="integrated_gradients", target=torch.tensor([3]),
                              target_label="3", options={}, certificates={"sum": [1.0], "delta": [1.1],
                                                                          "relative_gap": [0.09]})
    figure = heatmaps.explanation_figure(image, attribution, title="digit")
    assert len(figure.axes) >= 3
    gradient = heatmaps.gradient_image(np.ones((1, 4, 4)))
    assert gradient.shape == (4, 4, 3) and np.allclose(gradient, 1.0)
