"""The trained zoo BagNets, the CLI verb and the report section, on real MNIST digits."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import seethrough as st
from seethrough.bagnet import bagnet_evidence, patchwise_evidence
from seethrough.cli import main
from seethrough.report import ReportContext
from seethrough.report.bagnet import bagnet as bagnet_section
from seethrough.zoo.training import accuracy, mnist_tensors

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bagnet17():
    return st.zoo.load("bagnet_mnist", progress=False)


@pytest.fixture(scope="module")
def held_out_digits():
    return mnist_tensors("test")


def test_zoo_bagnets_classify_held_out_digits(bagnet17, held_out_digits):
    images, labels = held_out_digits
    assert bagnet17.module.patch == 17 and not bagnet17.module.training
    assert accuracy(bagnet17.module, images, labels) >= 0.94
    assert accuracy(st.zoo.load("bagnet9_mnist", progress=False).module, images, labels) >= 0.88


def test_trained_evidence_is_exact(bagnet17, held_out_digits):
    x = held_out_digits[0][:4]
    evidence = bagnet_evidence(bagnet17, x)
    torch.testing.assert_close(evidence.values, patchwise_evidence(bagnet17, x), rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(evidence.logits, bagnet17(x), rtol=1e-5, atol=1e-5)


def test_cli_image_json_and_figure(tmp_path, capsys):
    figure = tmp_path / "evidence.png"
    assert main(["bagnet", "mnist:0", "--patch", "9", "--json", "--quiet", "-o", str(figure)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["model"] == "bagnet9_mnist" and result["patch"] == 9 and figure.stat().st_size > 0
    evidence = np.array(result["evidence"])
    assert evidence.shape == (7, 7)
    assert evidence.mean() == pytest.approx(result["logits"][result["target"]], abs=1e-3)
    assert result["prediction"][0]["index"] == result["target"]


def test_cli_dataset_top_patches(tmp_path, capsys):
    figure = tmp_path / "fig3.png"
    assert main(["bagnet", "mnist", "--patch", "9", "--count", "2", "--compare", "20", "--json", "--quiet",
                 "-o", str(figure)]) == 0
    result = json.loads(capsys.readouterr().out)
    comparison = result["comparison"]
    assert comparison["digits"] == 20 and len(comparison["by_class"]["evidence~cnn_occlusion"]) == 10
    assert all(-1 <= stats["mean"] <= 1 for stats in comparison["correlation"].values())
    assert result["digits"] == 1000 and len(result["classes"]) == 10 and figure.stat().st_size > 0
    for entry in result["classes"]:
        assert len(entry["own"]) == len(entry["others"]) == 2
        assert all(hit["label"] == entry["index"] for hit in entry["own"])
        assert all(hit["label"] != entry["index"] for hit in entry["others"])
        assert entry["own"][0]["evidence"] >= entry["own"][1]["evidence"]


@pytest.mark.parametrize("arguments, message", [
    (["mnist:0", "--model", "mnist_cnn"], "not a BagNet"),
    (["mnist:0", "--model", "bagnet9_mnist", "--patch", "17"], "--patch 17"),
    (["mnist", "--count", "0"], "--count"),
])
def test_cli_mistakes_are_one_error_line(arguments, message, tmp_path, capsys):
    figure = tmp_path / "never.png"
    assert main(["bagnet", *arguments, "--quiet", "-o", str(figure)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error:") and message in error and error.count("\n") == 1
    assert not figure.exists()


def test_report_section_for_a_digit_and_for_a_photo_model(monkeypatch):
    import seethrough.report.bagnet as section_module
    monkeypatch.setattr(section_module, "DIGITS", 10)   # 1 digit of each class for the table: quick
    cnn = st.zoo.load("mnist_cnn", progress=False)
    image = st.data.load_image("mnist:3")
    x = cnn.preprocess(image)
    html = bagnet_section(ReportContext(cnn, image, "mnist:3", x, 0, progress=False))
    assert "Digit: mnist:3" in html and html.count("<img") == 2 and "<table>" in html and "mean over 10" in html
    photo_model = st.Model(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 8 * 8, 2)).eval(),
                           input_size=(8, 8), name="photo")
    html = bagnet_section(ReportContext(photo_model, np.zeros((8, 8, 3), np.uint8), "photo.png",
                                        torch.zeros(1, 3, 8, 8), 0, progress=False))
    assert "first held-out test digit" in html
