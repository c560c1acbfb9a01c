"""``seethrough sanity`` and ``seethrough faithfulness`` on a tiny user model: JSON on stdout, the
figure written, one error line and exit 2 for a mistake, no file left behind."""
from __future__ import annotations

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
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 6, 3, padding=1), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(6, 3)).eval()
'''


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tiny.py"
    path.write_text(TINY)
    return ["--model", f"{path}:build", "--input-size", "24"]


@pytest.fixture
def picture(tmp_path):
    path = tmp_path / "picture.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (30, 30, 3), dtype=np.uint8)).save(path)
    return str(path)


def run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_sanity_json_and_figure(capsys, tiny, picture, tmp_path):
    figure = tmp_path / "sanity.png"
    code, out, _ = run(capsys, "sanity", picture, *tiny, "--methods", "saliency,gradcam", "--layer", "2",
                       "--json", "--quiet", "-o", str(figure))
    assert code == 0
    result = json.loads(out)
    assert result["steps"] == ["original", "6", "2", "0"]
    assert set(result["verdicts"]) == {"saliency", "gradcam"}
    assert len(result["similarity"]["saliency"]) == 3
    assert figure.stat().st_size > 10_000


def test_sanity_independent_text(capsys, tiny, picture):
    code, out, _ = run(capsys, "sanity", picture, *tiny, "--methods", "saliency", "--mode", "independent", "--quiet")
    assert code == 0 and "independent randomization" in out and "verdicts need --mode cascading" in out


def test_faithfulness_json_and_text(capsys, tiny, picture, tmp_path):
    code, out, _ = run(capsys, "faithfulness", picture, *tiny, "--methods", "saliency", "--pixels-per-step", "48",
                       "--json", "--quiet")
    assert code == 0
    entry = json.loads(out)["methods"][0]
    assert len(entry["deletion"]["scores"][0]) == 24 * 24 // 48 + 1
    assert 0 <= entry["insertion_auc"] <= 1 and "verdict" in entry
    figure = tmp_path / "curves.png"
    code, out, _ = run(capsys, "faithfulness", picture, *tiny, "--methods", "saliency", "--quiet", "-o", str(figure))
    assert code == 0 and "deletion" in out and figure.exists()


@pytest.mark.parametrize("verb,extra,message", [
    ("sanity", ["--methods", "salincy"], "saliency"),
    ("sanity", ["--stages", "0"], "--stages"),
    ("sanity", ["--methods", "saliency", "--blocks", "9"], "layer"),
    ("faithfulness", ["--methods", "saliency", "--layer", "2"], "--layer"),
    ("faithfulness", ["--methods", "saliency", "--pixels-per-step", "0"], "pixels_per_step"),
])
def test_mistakes_are_one_error_line_and_no_file(capsys, tiny, picture, tmp_path, verb, extra, message):
    figure = tmp_path / "never.png"
    code, out, err = run(capsys, verb, picture, *tiny, *extra, "--quiet", "-o", str(figure))
    assert code == 2 and out == ""
    assert err.startswith("error:") and err.count("\n") == 1 and message in err
    assert not figure.exists()
