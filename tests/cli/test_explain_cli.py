"""seethrough explain: one method or all, the saved arrays, certificates in JSON, option errors."""
import json

import numpy as np
import pytest

import seethrough as st
from seethrough.cli import main

from .test_foundation_cli import picture, run, tiny  # noqa: F401  (fixtures)


def test_one_method_json_saves_values_and_the_exact_input(capsys, tiny, picture, tmp_path):  # noqa: F811
    values, inputs, figure = tmp_path / "ig.npy", tmp_path / "x.npy", tmp_path / "ig.png"
    code, out, err = run(capsys, "explain", picture, *tiny, "--method", "integrated_gradients", "--steps", "8",
                         "--target", "bee", "--save-npy", str(values), "--save-input", str(inputs),
                         "-o", str(figure), "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["method"] == "integrated_gradients" and result["target"] == {"index": 1, "label": "bee"}
    assert result["shape"] == [1, 3, 32, 32] and result["options"]["n_steps"] == 8
    certificates = result["certificates"]
    assert set(certificates) >= {"sum", "delta", "relative_gap"}
    saved = np.load(values)
    assert saved.shape == (1, 3, 32, 32) and saved.sum() == pytest.approx(certificates["sum"][0], rel=1e-4)
    assert figure.stat().st_size > 1000

    # the saved input is exactly what was explained: explaining it again gives the same values
    again = tmp_path / "again.npy"
    code, out, err = run(capsys, "explain", str(inputs), *tiny, "--method", "integrated_gradients", "--steps", "8",
                         "--target", "bee", "--save-npy", str(again), "--json")
    assert code == 0, err
    np.testing.assert_array_equal(np.load(again), saved)


def test_all_methods_draw_one_table_and_save_one_array_each(capsys, tiny, picture, tmp_path):  # noqa: F811
    arrays, figure = tmp_path / "all.npz", tmp_path / "all.png"
    code, out, err = run(capsys, "explain", picture, *tiny, "--method", "all", "--steps", "4", "--samples", "3",
                         "--save-npy", str(arrays), "-o", str(figure), "--json", "--quiet")
    assert code == 0, err
    result = json.loads(out)
    ran = [m["method"] for m in result["methods"] if "error" not in m]
    assert set(st.list_methods()) <= {m["method"] for m in result["methods"]}
    assert {"saliency", "integrated_gradients", "smoothgrad", "lrp", "deeplift", "cam", "gradcam"} <= set(ran)
    by_name = {m["method"]: m for m in result["methods"]}
    assert by_name["integrated_gradients"]["options"]["n_steps"] == 4
    assert by_name["smoothgrad"]["options"]["n_samples"] == 3
    saved = np.load(arrays)
    assert set(saved.files) == set(ran)
    assert saved["gradcam"].shape[0] == 1 and saved["saliency"].shape == (1, 3, 32, 32)
    assert figure.stat().st_size > 5000


def test_a_hidden_unit_target(capsys, tiny, picture):  # noqa: F811
    code, out, err = run(capsys, "explain", picture, *tiny, "--method", "saliency", "--target", "0:2", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["target"]["index"] is None and "0" in result["target"]["label"]


@pytest.mark.parametrize("argv, message", [
    (["--method", "saliency", "--steps", "8"], "saliency does not take --steps"),
    (["--method", "integrated_gradient"], "closest: 'integrated_gradients'"),
    (["--method", "all", "--save-npy", "OUT.npy"], "give a .npz file"),
    (["--method", "gradcam", "--layer", "nope"], "layer"),
    (["--method", "smoothgrad", "--variant", "smoothgrad_squared"], "smoothgrad_sq"),
    (["--method", "saliency", "--target", "zebra"], "bee"),
])
def test_bad_options_are_one_error_line_and_no_file(capsys, tiny, picture, tmp_path, argv, message):  # noqa: F811
    out = tmp_path / "out.png"
    argv = [a.replace("OUT", str(tmp_path / "out")) for a in argv]
    code, _, err = run(capsys, "explain", picture, *tiny, *argv, "-o", str(out))
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0], err
    assert not any(p.name.startswith("out") for p in tmp_path.iterdir())


def test_a_saved_input_of_the_wrong_shape_is_refused(capsys, tiny, tmp_path):  # noqa: F811
    path = tmp_path / "x.npy"
    np.save(path, np.zeros((2, 3), dtype=np.float32))
    code, _, err = run(capsys, "explain", str(path), *tiny, "--method", "saliency")
    assert code == 2 and "--save-input" in err and "(1, 3, H, W)" in err
