"""The comparison's parts: the grid pooling by hand, and the rank correlations on known pairs."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from scipy.stats import rankdata, spearmanr

import seethrough as st
from seethrough.bagnet import compare
from seethrough.bagnet.comparison import PAIRS, to_grid
from seethrough.zoo.mnist_cnn import MnistCNN

from .random_bagnets import random_bagnet


def test_to_grid_averages_the_cell_around_each_patch_centre():
    values = torch.arange(28 * 28, dtype=torch.float64).view(1, 28, 28)
    grid = to_grid(values, step=4, first_centre=2, grid=(7, 7))
    assert grid.shape == (1, 7, 7)
    assert grid[0, 0, 0] == values[0, 0:4, 0:4].mean()
    assert grid[0, 3, 5] == values[0, 12:16, 20:24].mean()
    # a cell reaching past the map counts the outside as zero
    shifted = to_grid(torch.ones(1, 28, 28, dtype=torch.float64), step=4, first_centre=0, grid=(7, 7))
    assert shifted[0, 0, 0] == 0.25 and shifted[0, 3, 3] == 1.0


@pytest.fixture(scope="module")
def agreement():
    torch.manual_seed(0)
    bagnet = random_bagnet(9, seed=1, dtype=torch.float32)
    cnn = st.Model(MnistCNN().eval(), input_size=(28, 28), mean=(0.0,), std=(1.0,),
                   labels=[str(d) for d in range(10)], name="random_cnn")
    x = torch.rand(6, 1, 28, 28, generator=torch.Generator().manual_seed(4))
    labels = torch.tensor([0, 1, 1, 5, 0, 9])
    return compare(bagnet, cnn, x, labels), x


def test_every_pair_is_a_rank_correlation_per_digit(agreement):
    result, x = agreement
    assert set(result.correlations) == {f"{a}~{b}" for a, b in PAIRS}
    for name, values in result.maps.items():
        assert values.shape == (6, 7, 7), name
    for pair, values in result.correlations.items():
        first, second = pair.split("~")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # scipy warns about a constant map
            expected = [spearmanr(result.maps[first][k].flatten(), result.maps[second][k].flatten())[0]
                        for k in range(6)]
        # a constant map (an all-zero Grad-CAM after its ReLU) shares nothing: 0 where scipy says nan
        np.testing.assert_allclose(values, np.nan_to_num(expected, nan=0.0), atol=1e-9)
    # the ink map is the digit's pixels pooled to the grid
    torch.testing.assert_close(result.maps["ink"], to_grid(x[:, 0].double(), step=4, first_centre=2, grid=(7, 7)))


def test_maps_explain_each_digits_own_class(agreement):
    result, x = agreement
    assert result.target.tolist() == [0, 1, 1, 5, 0, 9]
    bagnet = random_bagnet(9, seed=1, dtype=torch.float32)
    with torch.no_grad():
        values = bagnet.module.evidence(x)
    torch.testing.assert_close(result.maps["evidence"][3], values[3, 5].double())
    summary = result.to_dict()
    assert summary["digits"] == 6 and summary["options"]["gradcam_layer"] == "pool2"
    assert set(summary["correlation"]["evidence~cnn_occlusion"]) == {"mean", "median", "std", "mean_beyond_ink"}


def test_partial_correlation_given_ink_matches_the_residual_formula(agreement):
    result, _ = agreement
    partial = result.partial("evidence", "cnn_occlusion")
    for k in range(6):   # Pearson correlation of the ranks' residuals after regressing out the ink ranks
        ranks = {name: rankdata(result.maps[name][k].flatten().numpy()) for name in ("evidence", "cnn_occlusion", "ink")}
        design = np.stack([np.ones(49), ranks["ink"]], 1)
        residual = {name: ranks[name] - design @ np.linalg.lstsq(design, ranks[name], rcond=None)[0]
                    for name in ("evidence", "cnn_occlusion")}
        expected = np.corrcoef(residual["evidence"], residual["cnn_occlusion"])[0, 1]
        assert partial[k] == pytest.approx(expected, abs=1e-9)
    summary = result.summary()
    assert "mean_beyond_ink" in summary["evidence~cnn_gradcam"] and "mean_beyond_ink" not in summary["evidence~ink"]


def test_constant_maps_are_counted():
    from seethrough.bagnet.comparison import Agreement
    maps = {"evidence": torch.zeros(3, 7, 7, dtype=torch.float64), "ink": torch.rand(3, 7, 7, dtype=torch.float64)}
    maps["evidence"][1, 2, 2] = 1.0
    agreement = Agreement(maps=maps, correlations={}, target=torch.zeros(3, dtype=torch.long), options={})
    assert agreement.constant_maps() == {"evidence": 2, "ink": 0}


def test_class_means_average_the_digits_of_each_class(agreement):
    result, _ = agreement
    values = result.correlations["evidence~cnn_occlusion"]
    means = result.class_means("evidence~cnn_occlusion")
    assert set(means) == {0, 1, 5, 9}
    assert means[1] == pytest.approx((values[1] + values[2]) / 2, abs=1e-4)
    assert set(result.to_dict()["by_class"]) == {"evidence~cnn_occlusion", "evidence~cnn_gradcam"}


def test_balanced_indices_take_each_class_in_turn():
    from seethrough.bagnet.comparison import balanced_indices
    labels = torch.tensor([0, 0, 0, 1, 1, 2])
    assert balanced_indices(labels, 5).tolist() == [0, 3, 5, 1, 4]
    assert balanced_indices(labels, 10).tolist() == [0, 3, 5, 1, 4, 2]
    with pytest.raises(st.SeethroughError, match="positive"):
        balanced_indices(labels, 0)
