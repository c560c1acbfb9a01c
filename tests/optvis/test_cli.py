"""seethrough visualize / dream / style on mnist_cnn: JSON, files, seeds, one-line errors and no files."""
import json

import numpy as np
import pytest
from PIL import Image

from seethrough.cli import main

MNIST = ["--model", "mnist_cnn", "--quiet"]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_visualize_a_class_writes_the_image_and_reports_probabilities(capsys, tmp_path):
    out = tmp_path / "three.png"
    code, stdout, err = run(capsys, "visualize", "--objective", "class:3", "--steps", "25", *MNIST, "-o", str(out), "--json")
    assert code == 0, err
    result = json.loads(stdout)
    assert result["target"]["index"] == 3 and result["target"]["probs"][0] > 0.9
    assert len(result["target"]["probs_under_transforms"]) == 1 and result["out"] == str(out)
    assert np.asarray(Image.open(out)).shape == (28, 28)


def test_visualize_is_deterministic_given_the_seed(capsys, tmp_path):
    paths = [tmp_path / f"{name}.png" for name in ("a", "b", "c")]
    for path, seed in zip(paths, ("1", "1", "2")):
        code, _, err = run(capsys, "visualize", "--objective", "conv2:5", "--steps", "4", *MNIST, "--seed", seed, "-o", str(path))
        assert code == 0, err
    assert paths[0].read_bytes() == paths[1].read_bytes() != paths[2].read_bytes()


def test_visualize_a_grid_of_channels_and_a_diverse_batch(capsys, tmp_path):
    grid = tmp_path / "grid.png"
    code, stdout, err = run(capsys, "visualize", "--layer", "conv1", "--channels", "0-3,7", "--steps", "3", *MNIST, "-o", str(grid))
    assert code == 0, err and "wrote" in stdout
    assert Image.open(grid).size[0] > 200
    code, stdout, err = run(capsys, "visualize", "--objective", "neuron:conv2:1", "--diversity", "3", "--steps", "3",
                            *MNIST, "--json")
    assert code == 0, err
    result = json.loads(stdout)
    assert result["batch"] == 3 and "diversity conv2" in result["objective"]


@pytest.mark.parametrize("argv, message", [
    (["--objective", "class:eleven"], "unknown class"),
    (["--objective", "chanel:conv2:1"], "closest: 'channel'"),
    (["--layer", "conv1", "--channels", "a-b"], "--channels"),
    (["--objective", "class:3", "--diversity", "1"], "--diversity"),
    (["--layer", "conv1", "--diversity", "3"], "--diversity goes with --objective"),
    (["--objective", "class:3", "-o", "OUT.txt"], "write one of .png"),
    (["--objective", "class:3", "--start", "no/such.png"], "no such file"),
])
def test_visualize_mistakes_are_one_error_line_and_no_file(capsys, tmp_path, argv, message):
    argv = [a.replace("OUT", str(tmp_path / "out")) for a in argv]
    code, stdout, err = run(capsys, "visualize", *argv, "--steps", "2", *MNIST, *([] if "-o" in argv else ["-o", str(tmp_path / "x.png")]))
    assert code == 2 and err.startswith("error:") and message in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_dream_and_style_write_their_images(capsys, tmp_path):
    dreamed, styled, compared = tmp_path / "dream.png", tmp_path / "style.png", tmp_path / "both.png"
    code, stdout, err = run(capsys, "dream", "mnist:0", "--layer", "conv2", "--octaves", "2", "--octave-scale", "1.3",
                            "--steps", "3", *MNIST, "-o", str(dreamed), "--json")
    assert code == 0, err
    result = json.loads(stdout)
    assert result["octaves"] == [[22, 22], [28, 28]] and Image.open(dreamed).size == (28, 28)
    code, stdout, err = run(capsys, "style", "mnist:0", "mnist:1", "--steps", "5", *MNIST, "-o", str(styled), "--json")
    assert code == 0, err
    result = json.loads(stdout)
    assert result["style_loss"]["final"] < result["style_loss"]["first"] and Image.open(styled).size == (28, 28)
    code, _, err = run(capsys, "style", "mnist:0", "mnist:1", "--steps", "2", "--compare", *MNIST, "-o", str(compared))
    assert code == 0, err and compared.stat().st_size > 1000


def test_dream_and_style_mistakes(capsys, tmp_path):
    out = tmp_path / "x.png"
    code, _, err = run(capsys, "dream", "mnist:0", "--layer", "conv2", "--octaves", "6", *MNIST, "-o", str(out))
    assert code == 2 and "octave" in err and not out.exists()
    code, _, err = run(capsys, "style", "mnist:0", "mnist:1", "--style-layers", "conv1,convX", *MNIST, "-o", str(out))
    assert code == 2 and "convX" in err and not out.exists()
