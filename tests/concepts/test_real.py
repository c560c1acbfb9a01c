"""TCAV and channel attribution on EfficientNet-Lite0 with real textures (skimage's gravel, brick).

EfficientNet-Lite0 calls crops of the gravel texture "stone wall" (12 of 12). For that class, the
gravel concept (other crops) must matter and be significant at a late layer (``_blocks.13``); striped
images score lower. Measured (8 random sets of 20): gravel 1.00 (Bonferroni p 0.002), striped 0.78
(n.s.), grass 0.71 (n.s.); at ``_blocks.6`` nothing is significant (gravel 0.59).
"""
from __future__ import annotations

import numpy as np
import pytest

from seethrough.concepts import tcav, texture_crops
from seethrough.concepts.channels import channel_attribution

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def gravel_result(efficientnet):
    examples = texture_crops("gravel", 10, seed=100)
    return tcav(efficientnet, ["gravel", "striped"], "stone wall", ["_blocks.13"], examples, random_sets=8,
                set_size=20, seed=0, cache=False)


def test_tcav_gravel_for_stone_wall(gravel_result, efficientnet, no_hooks_left):
    no_hooks_left(efficientnet.module)
    gravel = gravel_result.get("gravel", "_blocks.13")
    striped = gravel_result.get("striped", "_blocks.13")
    assert gravel.mean > 0.8 and gravel.significant
    assert np.mean(gravel.cav_accuracies) >= 0.8                  # held out: 7 + 7 images per CAV
    assert striped.mean < gravel.mean


def test_channels_of_chelsea(efficientnet, chelsea_x, no_hooks_left):
    result = channel_attribution(efficientnet, chelsea_x, "_blocks.15", target="tiger cat", versus="Egyptian cat")
    no_hooks_left(efficientnet.module)
    assert result.values.shape == (320,) and result.maps.shape == (320, 7, 7)
    assert np.isfinite(result.values).all()
    single = channel_attribution(efficientnet, chelsea_x, "_conv_head")
    assert single.target_label == "Egyptian cat"                    # the top-1
    # after _conv_head come BN, swish and the mean pool: gradient x activation is a first-order estimate,
    # positive overall for the winning class
    assert single.values.sum() > 0 and single.score > 0
