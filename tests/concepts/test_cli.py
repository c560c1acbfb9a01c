"""The tcav and channels verbs on the ground-truth CNN (a user model given as file.py:factory)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from seethrough.cli import main

from .synthetic import SIZE, synthetic_dataset, trained_module

FACTORY = f"{Path(__file__).with_name('synthetic.py')}:trained_module"


@pytest.fixture(scope="module")
def model_options(tmp_path_factory):
    trained_module()                                  # train once (cached) before the CLI loads it
    folder = tmp_path_factory.mktemp("cli")
    (folder / "labels.txt").write_text("striped\ndotted\n")
    return ["--model", FACTORY, "--input-size", str(SIZE), "--mean", "0.5,0.5,0.5", "--std", "0.5,0.5,0.5",
            "--labels", str(folder / "labels.txt"), "--quiet"]


@pytest.fixture(scope="module")
def class_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("striped")
    for number, image in enumerate(synthetic_dataset(8, 3, label=0)[0]):
        Image.fromarray(image).save(folder / f"{number}.png")
    return folder


def test_tcav_json_and_figure(model_options, class_folder, tmp_path, capsys):
    figure = tmp_path / "tcav.png"
    code = main(["tcav", "--target", "striped", "--class-images", str(class_folder), "--concepts", "striped,dotted",
                 "--layers", "relu2", "--random-sets", "3", "--set-size", "8", "--no-cache", "--json",
                 "-o", str(figure), *model_options])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["target"] == {"index": 0, "label": "striped"}
    assert [s["concept"] for s in result["scores"]] == ["striped", "dotted"]
    for score in result["scores"]:
        assert len(score["scores"]) == 3 and 0 <= score["score"] <= 1
        assert isinstance(score["significant"], bool) and 0 <= score["p_value"] <= 1
        assert score["bonferroni_tests"] == 2
    assert len(result["random_baseline"]["relu2"]["scores"]) == 3
    assert figure.stat().st_size > 1000


def test_channels_json_and_figure(model_options, class_folder, tmp_path, capsys):
    figure = tmp_path / "channels.png"
    code = main(["channels", str(class_folder / "0.png"), "--layer", "relu2", "--target", "striped",
                 "--versus", "dotted", "--count", "2", "--steps", "2", "--size", "40", "--json", "-o", str(figure),
                 *model_options])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["layer"] == "relu2" and result["versus"]["label"] == "dotted"
    assert len(result["top"]) == 2 and result["top"][0]["attribution"] >= result["top"][1]["attribution"]
    assert result["channels"] == 16
    assert figure.stat().st_size > 1000


@pytest.mark.parametrize("arguments, message", [
    (["--concepts", "stripd"], "striped"),
    (["--concepts", "striped", "--layers", "relu9"], "relu"),
    (["--concepts", "striped", "--random-sets", "1"], "random_sets"),
])
def test_tcav_mistakes_are_one_line(model_options, class_folder, tmp_path, capsys, arguments, message):
    figure = tmp_path / "never.png"
    code = main(["tcav", "--target", "striped", "--class-images", str(class_folder), "--set-size", "8",
                 "-o", str(figure), *arguments, *model_options])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.startswith("error:") and message in captured.err and captured.err.count("\n") == 1
    assert not figure.exists()


def test_missing_class_folder(model_options, tmp_path, capsys):
    code = main(["tcav", "--target", "striped", "--class-images", str(tmp_path / "none"), "--concepts", "striped",
                 *model_options])
    assert code == 2 and "not a folder" in capsys.readouterr().err
