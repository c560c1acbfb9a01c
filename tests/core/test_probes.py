import numpy as np
import pytest

import seethrough as st
from seethrough.errors import SeethroughError
from seethrough.probes import Box, cover, grid_boxes, parse_box, silhouette, tile_texture

from .tiny_models import RegionBrightness


def test_parse_box_checks_form_order_and_bounds():
    assert parse_box("1,2,30,40") == Box(1, 2, 30, 40)
    for bad in ["1,2,3", "a,b,c,d", "1,2,3,4,5", ""]:
        with pytest.raises(SeethroughError, match="malformed box"):
            parse_box(bad)
    with pytest.raises(SeethroughError, match="empty"):
        parse_box("10,10,5,20")
    with pytest.raises(SeethroughError, match="leaves the image"):
        parse_box("0,0,50,20", (30, 40, 3))


def test_grid_tiles_the_image_exactly():
    boxes = grid_boxes((100, 151, 3), 3, 3)
    covered = np.zeros((100, 151), dtype=int)
    for box in boxes:
        covered[box.y0:box.y1, box.x0:box.x1] += 1
    assert len(boxes) == 9 and (covered == 1).all()


def test_cover_paints_only_the_boxes_and_leaves_the_input_alone():
    image = np.full((10, 10, 3), 200, dtype=np.uint8)
    covered = cover(image, [Box(2, 3, 5, 7)], "black")
    assert (covered[3:7, 2:5] == 0).all()
    assert covered.sum() == image.sum() - 200 * 3 * 4 * 3
    assert (image == 200).all()
    assert (cover(image, [Box(0, 0, 1, 1)], "grey")[0, 0] == 128).all()


def test_silhouette_is_black_on_white():
    mask = np.zeros((4, 5), dtype=bool)
    mask[1:3, 2:4] = True
    picture = silhouette(mask)
    assert picture.shape == (4, 5, 3)
    assert (picture[mask] == 0).all() and (picture[~mask] == 255).all()


def test_texture_tiles_the_patch_over_the_frame():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (37, 50, 3), dtype=np.uint8)
    box = Box(10, 5, 18, 11)
    tiled = tile_texture(image, box)
    patch = image[5:11, 10:18]
    assert tiled.shape == image.shape
    np.testing.assert_array_equal(tiled[:6, :8], patch)
    np.testing.assert_array_equal(tiled[:6, 8:16], patch[:, ::-1])
    # only the patch's pixels appear
    assert set(map(tuple, tiled.reshape(-1, 3))) <= set(map(tuple, patch.reshape(-1, 3)))


def test_probe_has_the_known_answer_on_a_region_brightness_model():
    """Logits are 10 x the mean brightness of each half; covering a cell changes them exactly."""
    model = st.Model(RegionBrightness(), input_size=(12, 12), mean=(0, 0, 0), std=(1, 1, 1), labels=["left", "right"])
    image = np.full((12, 12, 3), 255, dtype=np.uint8)
    image[:, 6:] = 204  # left half brightness 1.0, right half 0.8: logits 10 and 8
    results = probe(model, image, grid=2, fill="black")
    original, *cells, texture = results

    def p_left(left, right):
        return 1 / (1 + np.exp(10 * (right - left)))

    assert original.predictions[0].label == "left" and original.change == 0
    assert original.target_prob == pytest.approx(p_left(1.0, 0.8), abs=1e-6)
    by_name = {r.name: r for r in cells}
    for name in ("cell r1c1", "cell r2c1"):  # half of the left half goes black
        assert by_name[name].target_prob == pytest.approx(p_left(0.5, 0.8), abs=1e-6)
        assert by_name[name].change == pytest.approx(p_left(0.5, 0.8) - p_left(1.0, 0.8), abs=1e-6)
    for name in ("cell r1c2", "cell r2c2"):  # half of the right half goes black
        assert by_name[name].target_prob == pytest.approx(p_left(1.0, 0.4), abs=1e-6)
    assert texture.kind == "texture"


def probe(*args, **kwargs):
    return st.probe(*args, **kwargs)


def test_probe_orders_probes_and_reports_shape_when_masked():
    model = st.Model(RegionBrightness(), input_size=(8, 8), mean=(0, 0, 0), std=(1, 1, 1), labels=["left", "right"])
    image = np.zeros((8, 8, 3), dtype=np.uint8)
    mask = np.zeros((8, 8), dtype=bool)
    mask[2:6, 2:6] = True
    results = st.probe(model, image, boxes=[Box(0, 0, 2, 2)], grid=3, mask=mask, top=2)
    kinds = [r.kind for r in results]
    assert kinds == ["original", "cover"] + ["grid"] * 9 + ["shape", "texture"]
    assert all(len(r.predictions) == 2 for r in results)
    assert results[-2].to_dict()["kind"] == "shape"
