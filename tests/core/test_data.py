import importlib

import numpy as np
import pytest

import seethrough as st
from seethrough.data import load_image, mnist, mnist_split
from seethrough.data.masks import load_mask, sample_mask
from seethrough.errors import SeethroughError


def test_every_listed_sample_loads_as_uint8():
    for name in st.data.list_samples():
        image = st.data.sample(name)
        assert image.dtype == np.uint8 and image.ndim in (2, 3) and image.size > 0, name


def test_image_specs(tmp_path):
    assert load_image("sample:chelsea").shape == (300, 451, 3)
    digit = load_image("mnist:7")
    assert digit.shape == (28, 28) and digit.dtype == np.uint8
    from PIL import Image
    Image.fromarray(np.zeros((5, 6, 3), dtype=np.uint8)).save(tmp_path / "a.png")
    assert load_image(tmp_path / "a.png").shape == (5, 6, 3)


@pytest.mark.parametrize("spec, message", [("nothere.png", "no such file"), ("sample:chelsee", "'chelsea'"),
                                           ("mnist:5000", "0 to 4999"), ("mnist:x", "0 to 4999")])
def test_bad_image_specs(spec, message):
    with pytest.raises(SeethroughError, match=message):
        load_image(spec)


def test_not_an_image_and_a_folder(tmp_path):
    (tmp_path / "t.png").write_text("hello")
    with pytest.raises(SeethroughError, match="not an image"):
        load_image(tmp_path / "t.png")
    with pytest.raises(SeethroughError, match="folder"):
        load_image(tmp_path)


def test_mnist_split_is_fixed_disjoint_and_balanced_enough():
    images, labels = mnist()
    assert images.shape == (5000, 28, 28) and np.bincount(labels).tolist() == [500] * 10
    train_images, train_labels, train_idx = mnist_split("train")
    test_images, test_labels, test_idx = mnist_split("test")
    assert len(train_idx) == 4000 and len(test_idx) == 1000
    assert not set(train_idx) & set(test_idx)
    np.testing.assert_array_equal(test_images, images[test_idx])
    assert np.bincount(test_labels, minlength=10).min() >= 70


def test_shipped_masks_and_mask_files(tmp_path):
    chelsea = sample_mask("chelsea", (300, 451))
    assert chelsea.dtype == bool and 0.6 < chelsea.mean() < 0.9
    assert not chelsea[:, -20:].any()  # the background right of the cat
    assert sample_mask("coffee", (10, 10)) is None
    from PIL import Image
    picture = np.zeros((20, 20), dtype=np.uint8)
    picture[5:10, 5:10] = 255
    Image.fromarray(picture).save(tmp_path / "m.png")
    mask = load_mask(str(tmp_path / "m.png"), (40, 40))
    assert mask.sum() == 100
    Image.fromarray(np.zeros((4, 4), dtype=np.uint8)).save(tmp_path / "blank.png")
    with pytest.raises(SeethroughError, match="all one colour"):
        load_mask(str(tmp_path / "blank.png"), (4, 4))


def test_mnist_is_parsed_once_and_then_read_from_the_cache(tmp_path, monkeypatch):
    module = importlib.import_module("seethrough.data.mnist")
    monkeypatch.setenv("SEETHROUGH_CACHE", str(tmp_path))
    parsed = module.mnist.__wrapped__()
    stored = list(tmp_path.glob("mnist5k-*.npz"))
    assert len(stored) == 1
    monkeypatch.setattr(module, "_parse", lambda: (_ for _ in ()).throw(AssertionError("parsed again")))
    cached = module.mnist.__wrapped__()
    assert all(np.array_equal(a, b) for a, b in zip(parsed, cached))
    stored[0].write_bytes(b"not a zip")  # a damaged cache file is parsed again, not trusted
    monkeypatch.undo()
    monkeypatch.setenv("SEETHROUGH_CACHE", str(tmp_path))
    assert np.array_equal(module.mnist.__wrapped__()[0], parsed[0])
