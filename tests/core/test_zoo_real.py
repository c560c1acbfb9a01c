"""Integration on the real models: EfficientNet-Lite0 on chelsea, mnist_cnn on the held-out digits."""
import json

import numpy as np
import pytest
import torch

import seethrough as st
from seethrough.cli import main
from seethrough.data.masks import sample_mask, sample_texture_box
from seethrough.probes import Box
from seethrough.zoo import mnist_cnn as mnist_cnn_module
from seethrough.zoo.cache import recipe_path
from seethrough.zoo.training import accuracy, mnist_tensors, train_mnist

CATS = {"Egyptian cat", "tabby", "tiger cat"}

pytestmark = pytest.mark.slow


def test_efficientnet_calls_chelsea_a_cat(efficientnet, chelsea_x):
    top = efficientnet.predict(chelsea_x, top=3)[0]
    assert top[0].label in CATS and top[0].prob > 0.5
    assert {p.label for p in top} == CATS
    assert len(efficientnet.labels) == 1000 and efficientnet.label(282) == "tiger cat"


def test_efficientnet_takes_any_input_size(efficientnet, chelsea):
    pixels = efficientnet.to_pixels(chelsea, size=(300, 451))
    logits = efficientnet(efficientnet.normalize(pixels))
    assert logits.shape == (1, 1000) and efficientnet.label(int(logits.argmax())) in CATS


def test_predict_cli_puts_a_cat_first(capsys):
    assert main(["predict", "sample:chelsea", "--json", "--top", "3"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result[0]["label"] in CATS and result[0]["index"] in (281, 282, 285)


def test_probes_move_the_probabilities(efficientnet, chelsea):
    mask = sample_mask("chelsea", chelsea.shape[:2])
    results = st.probe(efficientnet, chelsea, boxes=[Box(130, 80, 330, 170)], mask=mask,
                       texture_box=Box(*sample_texture_box("chelsea")))
    by_kind = {}
    for result in results:
        by_kind.setdefault(result.kind, []).append(result)
    original = by_kind["original"][0]
    assert original.predictions[0].label in CATS
    # shape alone and texture alone each lose the cat
    assert by_kind["shape"][0].target_prob < 0.2 * original.target_prob
    assert by_kind["texture"][0].target_prob < 0.2 * original.target_prob
    # covering the eyes and single grid cells moves the probability, by different amounts
    changes = [r.change for r in by_kind["grid"]] + [by_kind["cover"][0].change]
    assert max(abs(c) for c in changes) > 0.02 and np.std(changes) > 0.005


def test_mnist_cnn_is_accurate_on_the_held_out_thousand(mnist_cnn):
    images, labels = mnist_tensors("test")
    assert accuracy(mnist_cnn.module, images, labels) >= 0.97
    assert [n for n in mnist_cnn.layer_names() if n in ("conv1", "conv2", "fc")] == ["conv1", "conv2", "fc"]
    assert mnist_cnn.predict(mnist_cnn.preprocess(st.data.load_image("mnist:0")))[0][0].label == str(
        int(st.data.mnist()[1][0]))


def test_training_is_deterministic_and_cached_by_recipe(tmp_path, monkeypatch):
    monkeypatch.setenv("SEETHROUGH_CACHE", str(tmp_path))
    recipe = {**mnist_cnn_module.RECIPE, "epochs": 1}
    first = train_mnist("mnist_cnn", mnist_cnn_module.MnistCNN, recipe, progress=False)
    path = recipe_path("mnist_cnn", recipe)
    assert path.exists() and path.parent == tmp_path
    path.rename(tmp_path / "first.pt")
    second = train_mnist("mnist_cnn", mnist_cnn_module.MnistCNN, recipe, progress=False)
    for (name, a), (_, b) in zip(first.state_dict().items(), second.state_dict().items()):
        assert torch.equal(a, b), name
    assert recipe_path("mnist_cnn", {**recipe, "seed": 1}) != path
    loaded = train_mnist("mnist_cnn", mnist_cnn_module.MnistCNN, recipe, progress=False)  # from the cache
    assert all(torch.equal(a, b) for a, b in zip(loaded.state_dict().values(), second.state_dict().values()))


def test_demo_writes_a_self_contained_report(tmp_path, capsys):
    out = tmp_path / "report.html"
    assert main(["demo", "-o", str(out), "--quiet"]) == 0
    page = out.read_text()
    assert "Prediction" in page and "Behaviour probes" in page and "Egyptian cat" in page
    assert page.count('src="data:image/png;base64,') >= 2
    assert 'src="http' not in page and "<script src" not in page
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
