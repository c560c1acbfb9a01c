"""The verbs filters, scan, examples, patches and pca: outputs, JSON, and one error line with exit 2."""
from __future__ import annotations

import json

import numpy as np
import pytest

from seethrough.cli import main
from seethrough.inside.datasets import open_dataset

MNIST = ["--model", "mnist_cnn", "--quiet"]


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def digits_npy(tmp_path_factory):
    path = tmp_path_factory.mktemp("digits") / "digits.npy"
    np.save(path, open_dataset("mnist:test").images[::10])  # 100 digits of every class
    return path


def test_filters_writes_a_figure_and_json(capsys, tmp_path, mnist_cnn):
    out = tmp_path / "filters.png"
    code, stdout, err = run(capsys, "filters", *MNIST, "-o", out, "--json")
    assert code == 0 and out.stat().st_size > 1000
    result = json.loads(stdout)
    assert result["layer"] == "conv1" and result["kernels"] == [32, 1, 5, 5] and result["mode"] == "sum"
    code, stdout, _ = run(capsys, "filters", *MNIST, "--layer", "conv2", "--mode", "channels", "--limit", "8")
    assert code == 0 and "conv2: 64 kernels of 32x5x5" in stdout


def test_scan_then_examples_reuse_the_file(capsys, tmp_path, mnist_cnn):
    saved, figure = tmp_path / "scan.npz", tmp_path / "eights.png"
    code, stdout, _ = run(capsys, "scan", "mnist:test", *MNIST, "--layer", "fc", "--layer", "relu2", "--label", "8",
                          "-o", saved, "--json")
    summary = json.loads(stdout)
    assert code == 0 and saved.exists() and summary["layers"]["fc"]["shape"] == [10] and summary["examples"] == 92
    code, stdout, _ = run(capsys, "examples", "mnist:test", *MNIST, "--layer", "fc", "--unit", 8, "--label", 8,
                          "--bottom", "-k", 4, "--scan", saved, "-o", figure, "--json")
    result = json.loads(stdout)
    values = [e["value"] for e in result["examples"]]
    assert code == 0 and figure.exists() and values == sorted(values) and len(values) == 4
    assert {e["label"] for e in result["examples"]} == {"8"} and result["side"] == "bottom"
    code, _, err = run(capsys, "examples", "mnist:test", *MNIST, "--layer", "fc", "--unit", 8, "--scan", saved)
    assert code == 2 and err.startswith("error:") and "--label" in err  # the scan only holds the eights


def test_patches_and_pca(capsys, tmp_path, digits_npy, mnist_cnn):
    figure = tmp_path / "patches.png"
    code, stdout, _ = run(capsys, "patches", digits_npy, *MNIST, "--layer", "relu2", "--channels", "1,2", "-k", 3,
                          "-o", figure, "--json")
    result = json.loads(stdout)
    assert code == 0 and figure.exists() and sorted(result["channels"]) == ["1", "2"]
    assert all(p["box"][2] - p["box"][0] == 14 for p in result["channels"]["1"])
    figure = tmp_path / "pca.png"
    code, stdout, _ = run(capsys, "pca", "mnist:test", *MNIST, "--layer", "pool2", "--color-by", "prediction",
                          "-o", figure)
    assert code == 0 and figure.exists() and "explained variance: PC1" in stdout and "5-NN accuracy" in stdout


@pytest.mark.parametrize("argv,message", [
    (["examples", "mnist:test", "--layer", "fc2", "--unit", "1"], "unknown layer 'fc2'"),
    (["examples", "mnist:test", "--layer", "fc", "--unit", "10"], "out of range"),
    (["patches", "mnist:test", "--layer", "relu2", "--channels", "70"], "out of range"),
    (["pca", "EMPTY", "--layer", "pool2"], "is empty"),
    (["scan", "mnist:test", "--layer", "fc", "-k", "0"], "-k takes"),
    (["filters", "--layer", "relu1"], "not a Conv2d"),
    (["examples", "mnist:nope", "--layer", "fc", "--unit", "1"], "unknown dataset"),
])
def test_mistakes_are_one_error_line_and_no_file(capsys, tmp_path, argv, message, mnist_cnn):
    (tmp_path / "empty").mkdir()
    argv = [str(tmp_path / "empty") if a == "EMPTY" else a for a in argv]
    out = tmp_path / "figure.png"
    code, stdout, err = run(capsys, *argv, *MNIST, "-o", out)
    assert code == 2 and stdout == "" and err.count("\n") == 1 and err.startswith("error:") and message in err
    assert not out.exists() and list(tmp_path.iterdir()) == [tmp_path / "empty"]
