"""The CLI contract for the foundation verbs: JSON on stdout, one error line, exit 2, no output file."""
import json
import subprocess
import sys

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
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)).save(path)
    return str(path)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_predict_json_is_a_list_of_index_label_prob(capsys, tiny, picture):
    code, out, err = run(capsys, "predict", picture, *tiny, "--top", "2", "--json")
    assert code == 0
    result = json.loads(out)
    assert [sorted(r) for r in result] == [["index", "label", "prob"]] * 2
    assert result[0]["label"] in {"ant", "bee", "cat"} and result[0]["prob"] >= result[1]["prob"]


def test_layers_json_lists_shapes(capsys, tiny):
    code, out, _ = run(capsys, "layers", *tiny, "--json")
    layers = {row["name"]: row for row in json.loads(out)}
    assert code == 0 and layers["0"]["shape"] == [1, 4, 30, 30] and layers["4"]["type"] == "Linear"


def test_probe_writes_figure_and_json(capsys, tiny, picture, tmp_path):
    figure = tmp_path / "probe.png"
    code, out, _ = run(capsys, "probe", picture, *tiny, "--box", "0,0,10,10", "--grid", "2",
                       "--texture-box", "5,5,20,20", "-o", str(figure), "--json")
    result = json.loads(out)
    assert code == 0 and figure.stat().st_size > 1000
    assert [p["kind"] for p in result["probes"]] == ["original", "cover"] + ["grid"] * 4 + ["texture"]
    assert result["probes"][0]["change"] == 0 and len(result["probes"][1]["top"]) == 3


def test_samples_and_models_list(capsys):
    code, out, _ = run(capsys, "samples", "--json")
    assert code == 0 and {"name": "sample:chelsea"}.items() <= json.loads(out)[0].items()
    code, out, _ = run(capsys, "models", "--json")
    assert {m["name"] for m in json.loads(out)} >= {"efficientnet_lite0", "mnist_cnn"}


@pytest.mark.parametrize("argv, message", [
    (["predict", "missing.png"], "no such file"),
    (["predict", "sample:coffee", "--model", "effnet"], "closest: 'efficientnet_lite0'"),
    (["probe", "sample:coffee", "--box", "1,2,3"], "malformed box"),
    (["probe", "sample:coffee", "--box", "0,0,9999,10"], "leaves the image"),
    (["probe", "sample:coffee", "--mask", "nomask.png"], "no such mask file"),
    (["probe", "sample:coffee", "--device", "gpu"], "invalid choice"),
    (["probe", "sample:coffee", "--grid", "x"], "invalid int value"),
    (["predict", "sample:coffee", "--mean", "a,b"], "comma-separated numbers"),
    (["predict", "sample:coffee", "--mean", "0.5"], "apply to user models only"),
    (["predict"], "required: image"),
])
def test_bad_input_is_one_error_line_and_exit_2(capsys, tmp_path, argv, message):
    out_file = tmp_path / "out.png"
    argv = argv + ["-o", str(out_file)] if argv[0] == "probe" else argv
    try:
        code = main(argv)
    except SystemExit as stop:  # argparse's own checks
        code = stop.code
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err, err
    assert not out_file.exists()


@pytest.mark.parametrize("argv, message", [
    (["predict", "missing.png"], "no such file"),
    (["predict", "sample:chelsee"], "unknown sample 'chelsee'; closest: 'chelsea'"),
    (["layers", "_block.15"], "unknown layer '_block.15'; closest: '_blocks.15'"),
    (["probe", "sample:chelsea", "--target", "tigercat"], "unknown class 'tigercat'; closest: 'tiger cat'"),
    (["probe", "sample:chelsea", "--box", "10,10,5,5"], "box '10,10,5,5' is empty"),
])
def test_error_messages_name_the_fix(capsys, tmp_path, argv, message):
    out_file = tmp_path / "figure.png"
    extra = ["-o", str(out_file)] if argv[0] == "probe" else []
    code, out, err = run(capsys, *argv, *extra)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err
    assert not out_file.exists() and not list(tmp_path.iterdir())


def test_a_file_that_is_not_an_image(capsys, tmp_path):
    fake = tmp_path / "notes.png"
    fake.write_text("not a picture")
    code, out, err = run(capsys, "predict", str(fake))
    assert code == 2 and err.startswith("error: ") and "is not an image" in err and out == ""


def test_unwritable_output_fails_before_any_work(capsys, tiny, picture, tmp_path):
    code, out, err = run(capsys, "probe", picture, *tiny, "-o", str(tmp_path / "nofolder" / "f.png"))
    assert code == 2 and "does not exist" in err


def test_a_failing_user_model_is_one_line_without_traceback(capsys, tmp_path, picture):
    path = tmp_path / "bad.py"
    path.write_text("import torch\ndef build():\n    return torch.nn.Linear(3, 2)\n")
    code, out, err = run(capsys, "predict", picture, "--model", f"{path}:build", "--input-size", "8")
    assert code == 1 and err.startswith("error: RuntimeError") and "Traceback" not in err


def test_console_script_error_path_has_no_traceback(tmp_path):
    process = subprocess.run([sys.executable, "-m", "seethrough", "predict", "sample:nope"],
                             capture_output=True, text=True, timeout=120)
    assert process.returncode == 2 and process.stdout == ""
    assert process.stderr.startswith("error: unknown sample") and "Traceback" not in process.stderr
