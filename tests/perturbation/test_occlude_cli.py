"""``seethrough occlude``: the figure, the arrays, JSON on stdout, one error line and no file on a mistake."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from seethrough.cli import main

TINY = '''
import torch
from torch import nn

def build():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3))
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
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (40, 50, 3), dtype=np.uint8)).save(path)
    return str(path)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_figure_and_arrays(capsys, tiny, picture, tmp_path):
    figure, values, inputs = tmp_path / "occ.png", tmp_path / "a.npy", tmp_path / "x.npy"
    code, out, err = run(capsys, "occlude", picture, *tiny, "--window", "8", "--baseline", "blur", "--target", "bee",
                         "-o", str(figure), "--save-npy", str(values), "--save-input", str(inputs), "--json")
    assert code == 0 and err == ""
    result = json.loads(out)
    assert result["target"] == {"index": 1, "label": "bee"}
    run_ = result["runs"][0]
    assert run_["options"]["window"] == [8, 8] and run_["options"]["stride"] == [4, 4]  # half the window
    assert run_["certificates"]["grid_shape"] == [7, 7] and run_["certificates"]["evaluations"] == 50
    tops = run_["top_windows"]
    assert len(tops) == 5 and tops[0]["decrease"] >= tops[-1]["decrease"]
    assert tops[0]["percent"] == pytest.approx(100 * tops[0]["decrease"] / abs(run_["certificates"]["base_score"][0]),
                                               abs=1e-3)
    assert figure.stat().st_size > 1000 and np.load(values).shape == (1, 3, 32, 32)
    assert np.load(inputs).shape == (1, 3, 32, 32)
    # the saved input explained again gives the same map
    again = tmp_path / "b.npy"
    code, _, _ = run(capsys, "occlude", str(inputs), *tiny, "--window", "8", "--baseline", "blur", "--target", "1",
                     "--save-npy", str(again), "--quiet")
    assert code == 0 and np.array_equal(np.load(again), np.load(values))


def test_several_windows_draw_one_row_and_save_an_npz(capsys, tiny, picture, tmp_path):
    figure, values = tmp_path / "row.png", tmp_path / "maps.npz"
    code, out, err = run(capsys, "occlude", picture, *tiny, "--windows", "1,5,10,15", "--stride", "3",
                         "-o", str(figure), "--save-npy", str(values), "--quiet")
    assert code == 0 and err == ""
    assert out.count("window ") == 4 and "wrote figure" in out
    with np.load(values) as maps:
        assert sorted(maps.files) == ["window_1", "window_10", "window_15", "window_5"]
        assert all(maps[name].shape == (1, 3, 32, 32) for name in maps.files)
    image = np.asarray(Image.open(figure))
    assert image.shape[1] > 3 * image.shape[0]  # five panels side by side


def test_a_hidden_unit_summarized_by_max(capsys, tiny, picture):
    code, out, _ = run(capsys, "occlude", picture, *tiny, "--window", "16", "--target", "0:2", "--summary", "max",
                       "--json")
    assert code == 0
    result = json.loads(out)
    assert result["target"] == {"index": None, "label": "0:2"}
    assert result["runs"][0]["options"]["summary"] == "max"


@pytest.mark.parametrize("extra, message", [
    (["--window", "40"], "larger than the input"),
    (["--windows", "1,x"], "--windows takes comma-separated whole numbers"),
    (["--window", "4", "--stride", "9"], "leaves pixels never occluded"),
    (["--window", "4", "--score", "probability", "--target", "0:1"], "applies to class targets"),
    (["--window", "4", "--baseline", "gray"], "baseline"),
    (["--window", "4", "--target", "dog"], "class"),
])
def test_mistakes_are_one_error_line_and_no_file(capsys, tiny, picture, tmp_path, extra, message):
    figure = tmp_path / "never.png"
    code, out, err = run(capsys, "occlude", picture, *tiny, *extra, "-o", str(figure), "--quiet")
    assert code == 2 and out == ""
    assert err.startswith("error:") and err.count("\n") == 1 and message in err
    assert not figure.exists() and list(tmp_path.glob(".never*")) == []


def test_wrong_output_suffixes_fail_before_any_work(capsys, tiny, picture, tmp_path):
    code, _, err = run(capsys, "occlude", picture, *tiny, "--windows", "2,4", "--save-npy", str(tmp_path / "a.npy"))
    assert code == 2 and ".npz" in err
    code, _, err = run(capsys, "occlude", picture, *tiny, "-o", str(tmp_path / "a.txt"))
    assert code == 2 and "figure" in err
