"""Image parameterizations: pixels in (0, 1), Lucid's constants, exact inversion of a start image."""
import numpy as np
import pytest
import torch

from seethrough.errors import SeethroughError
from seethrough.optvis.param import COLOR_CORRELATION, COLOR_CORRELATION_SVD_SQRT, fft_image, pixel_image


@pytest.mark.parametrize("make", [fft_image, pixel_image])
def test_pixels_in_open_unit_interval_with_the_asked_shape(make):
    image = make((20, 31), batch=3, seed=0)
    pixels = image()
    assert pixels.shape == (3, 3, 20, 31)
    assert 0 < pixels.min() and pixels.max() < 1
    assert all(t.requires_grad and t.is_leaf for t in image.tensors)


@pytest.mark.parametrize("make", [fft_image, pixel_image])
def test_same_seed_same_bytes_other_seed_other_image(make):
    assert torch.equal(make(16, seed=3)(), make(16, seed=3)())
    assert not torch.equal(make(16, seed=3)(), make(16, seed=4)())


def test_colour_matrix_is_lucids_normalized_by_its_largest_column():
    assert COLOR_CORRELATION_SVD_SQRT[0, 0] == pytest.approx(0.26)
    assert COLOR_CORRELATION.norm(dim=0).max() == pytest.approx(1.0)
    column_norms = np.linalg.norm(COLOR_CORRELATION_SVD_SQRT.numpy(), axis=0)
    assert COLOR_CORRELATION[1, 2] == pytest.approx(-0.05 / column_norms.max())


def test_fft_spectrum_scale_is_one_over_frequency():
    image = fft_image((32, 32), seed=0)
    scale = image._spectrum_scale()
    assert scale.shape == (32, 17)
    assert scale[0, 4] == pytest.approx(1 / (4 / 32))        # f = 4/32 along x
    assert scale[3, 4] == pytest.approx(1 / (5 / 32))        # f = sqrt(3^2 + 4^2)/32
    assert scale[0, 0] == pytest.approx(32.0)                # DC clamped at f = 1/32


def test_fft_frequencies_all_start_at_the_same_speed():
    """With 1/f scaling, a unit step on any spectrum coefficient moves the image equally (Parseval)."""
    image = fft_image((32, 32), decorrelate=False, seed=0)
    moves = []
    for fy, fx in [(1, 1), (4, 3), (10, 12)]:
        tensor = torch.zeros_like(image.tensor)
        tensor[0, 0, fy, fx, 0] = 1.0
        moves.append(float(image._inverse_fft(tensor).norm() / image._spectrum_scale()[fy, fx]))
    assert max(moves) == pytest.approx(min(moves), rel=1e-5)


@pytest.mark.parametrize("make", [fft_image, pixel_image])
def test_a_start_image_is_reproduced(make):
    start = torch.rand(2, 3, 24, 24, generator=torch.Generator().manual_seed(0)) * 0.9 + 0.05
    image = make((24, 24), batch=2, start=start)
    torch.testing.assert_close(image(), start, atol=2e-4, rtol=0)


def test_one_start_image_for_a_batch_and_grey_models():
    start = torch.full((1, 1, 16, 16), 0.3)
    image = pixel_image(16, batch=2, channels=1, start=start)
    assert image().shape == (2, 1, 16, 16)
    torch.testing.assert_close(image(), start.expand(2, 1, 16, 16), atol=1e-5, rtol=0)


def test_bad_arguments_say_what_is_wrong():
    with pytest.raises(SeethroughError, match="at least 8 x 8"):
        fft_image(4)
    with pytest.raises(SeethroughError, match="start image"):
        fft_image(16, start=torch.rand(1, 3, 8, 8))
    with pytest.raises(SeethroughError, match="give 1 or 2"):
        pixel_image(16, batch=2, start=torch.rand(3, 3, 16, 16))
