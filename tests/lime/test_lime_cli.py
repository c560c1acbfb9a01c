"""The three LIME verbs: JSON on stdout, figures and HTML written, one error line and exit 2 on mistakes."""
import json

import numpy as np
import pytest
from PIL import Image

from seethrough.cli import main

TINY = '''
import torch
from torch import nn

def build():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3))
'''

TEXT_MODEL = '''
import numpy as np
CLASS_NAMES = ["negative", "positive"]

def predict(texts):
    p = np.array([1 / (1 + np.exp(-(t.count("good") - t.count("bad")))) for t in texts])
    return np.stack([1 - p, p], axis=1)
'''


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tiny.py"
    path.write_text(TINY)
    labels = tmp_path / "labels.txt"
    labels.write_text("ant\nbee\ncat\n")
    return ["--model", f"{path}:build", "--input-size", "32", "--labels", str(labels)]


@pytest.fixture
def picture(tmp_path):
    path = tmp_path / "picture.png"
    yy, xx = np.mgrid[0:40, 0:50]
    image = np.stack([(xx * 5) % 256, (yy * 6) % 256, ((xx // 10 + yy // 10) % 2) * 255], axis=2)
    Image.fromarray(image.astype(np.uint8)).save(path)
    return str(path)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_lime_image_json_figure_and_stability(capsys, tiny, picture, tmp_path):
    figure, stability = tmp_path / "lime.png", tmp_path / "stability.png"
    code, out, _ = run(capsys, "lime", picture, *tiny, "--segmentation", "slic", "--samples", "60", "--json",
                       "-o", str(figure), "--stability", "--stability-out", str(stability), "--target", "bee", "--score", "logit")
    result = json.loads(out)
    assert code == 0 and figure.stat().st_size > 1000 and stability.stat().st_size > 1000
    assert result["target_label"] == "bee" and result["options"]["n_samples"] == 60
    assert result["options"]["score"] == "logit" and result["options"]["segmentation"] == "slic"
    assert len(result["weights"]) == result["segments"] and 0 <= result["stability"]["jaccard"] <= 1
    assert result["stability"]["seeds"] == [0, 1, 2, 3, 4]


def test_lime_text_with_a_user_function(capsys, tmp_path):
    path = tmp_path / "reviews.py"
    path.write_text(TEXT_MODEL)
    page = tmp_path / "words.html"
    code, out, _ = run(capsys, "lime-text", "a good film, a bad end, good actors", "--model", f"{path}:predict",
                       "--samples", "300", "-o", str(page), "--json")
    result = json.loads(out)
    assert code == 0 and result["target_label"] == "positive"
    weights = {w["word"]: w["weight"] for w in result["words"]}
    assert weights["good"] > 0 > weights["bad"] and abs(weights["film"]) < weights["good"] / 5
    html = page.read_text()
    assert html.startswith("<!doctype html>") and 'title="+' in html and "good" in html


def test_lime_tabular_text_output(capsys, tmp_path):
    figure = tmp_path / "table.pdf"
    code, out, _ = run(capsys, "lime-tabular", "--dataset", "iris", "--row", "2", "--samples", "300",
                       "--features", "4", "-o", str(figure))
    assert code == 0 and figure.stat().st_size > 1000
    assert "iris row 2" in out and "surrogate R^2" in out and len(out.strip().splitlines()) == 2 + 4 + 1


@pytest.mark.parametrize("argv, message", [
    (["lime", "PICTURE", "TINY", "--hide", "grey"], "hide colour"),
    (["lime", "PICTURE", "TINY", "--segmentation", "watershed"], "segmentation"),
    (["lime", "PICTURE", "TINY", "--samples", "1"], "--samples"),
    (["lime", "PICTURE", "TINY", "--stability-out", "s.png"], "--stability"),
    (["lime-text", "some words", "--model", "missing.py:predict"], "no such file"),
    (["lime-text", "some words", "--model", "REVIEWS:nothing"], "no function"),
    (["lime-tabular", "--row", "9999"], "--row"),
    (["lime-tabular", "--dataset", "titanic"], "dataset")])
def test_mistakes_are_one_error_line_and_no_file(capsys, tiny, picture, tmp_path, argv, message):
    reviews = tmp_path / "reviews.py"
    reviews.write_text(TEXT_MODEL)
    out_file = tmp_path / "out.png"
    expanded = []
    for arg in argv:
        expanded += tiny if arg == "TINY" else [picture if arg == "PICTURE" else
                                                arg.replace("REVIEWS", str(reviews))]
    code, out, err = run(capsys, *expanded, "-o", str(out_file), "--quiet")
    assert code == 2 and out == "" and not out_file.exists()
    assert err.startswith("error:") and len(err.strip().splitlines()) == 1 and message in err
