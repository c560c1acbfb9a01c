"""Transformation robustness: shapes, crops that are crops, seeded randomness, Lucid's standard set."""
import pytest
import torch

from seethrough.errors import SeethroughError
from seethrough.optvis.transforms import compose, jitter, pad, random_rotate, random_scale, standard_transforms


def pixels(size=32):
    return torch.rand(2, 3, size, size, generator=torch.Generator().manual_seed(0))


def test_pad_adds_a_grey_border():
    out = pad(3)(pixels(), torch.Generator())
    assert out.shape == (2, 3, 38, 38)
    assert torch.all(out[..., :3, :] == 0.5) and torch.equal(out[..., 3:-3, 3:-3], pixels())


def test_jitter_is_a_crop_of_the_input_within_the_distance():
    image = pixels()
    generator = torch.Generator().manual_seed(1)
    for _ in range(10):
        out = jitter(4)(image, generator)
        assert out.shape == (2, 3, 28, 28)
        found = [(dy, dx) for dy in range(5) for dx in range(5) if torch.equal(out, image[..., dy:dy + 28, dx:dx + 28])]
        assert found


def test_jitter_offsets_cover_both_sides():
    """Symmetric jitter: over many draws the crop starts at 0 and at the full distance."""
    image = torch.arange(16.0).view(1, 1, 4, 4).expand(1, 1, 4, 4)
    generator = torch.Generator().manual_seed(0)
    corners = {float(jitter(2)(image, generator)[0, 0, 0, 0]) for _ in range(60)}
    assert corners == {0.0, 1.0, 2.0, 4.0, 5.0, 6.0, 8.0, 9.0, 10.0}


def test_scale_and_rotate_keep_a_constant_image_constant():
    grey = torch.full((1, 3, 30, 30), 0.25)
    generator = torch.Generator().manual_seed(0)
    scaled = random_scale([1.1])(grey, generator)
    assert scaled.shape[-1] == 33
    torch.testing.assert_close(random_rotate([10])(grey, generator), grey)


def test_rotation_by_zero_is_the_identity_and_by_ten_degrees_is_not():
    image = pixels()
    assert torch.equal(random_rotate([0])(image, torch.Generator()), image)
    assert not torch.allclose(random_rotate([10])(image, torch.Generator()), image)


def test_standard_transforms_are_seeded_and_shrink_224_slightly():
    image = torch.rand(1, 3, 224, 224, generator=torch.Generator().manual_seed(0))
    transform = compose(standard_transforms())
    first = transform(image, torch.Generator().manual_seed(5))
    assert torch.equal(first, transform(image, torch.Generator().manual_seed(5)))
    sizes = {transform(image, torch.Generator().manual_seed(s)).shape[-1] for s in range(12)}
    # 224 + 2 * 12 (pad) - 8 (jitter) = 240, scaled by 0.9..1.1, minus 4 (jitter)
    assert min(sizes) >= round(240 * 0.9) - 4 and max(sizes) <= round(240 * 1.1) - 4
    assert len(sizes) > 2


def test_bad_transform_arguments():
    with pytest.raises(SeethroughError):
        pad(-1)
    with pytest.raises(SeethroughError):
        random_scale([0.0])
    with pytest.raises(SeethroughError):
        random_rotate([])
