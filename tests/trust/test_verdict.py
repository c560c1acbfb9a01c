"""The verdict attached to an explanation: its numbers are those of the full randomization and
faithfulness runs, and its words follow the stated thresholds."""
from __future__ import annotations

import json

import pytest
import torch

import seethrough as st
from seethrough.trust.randomization import randomization
from seethrough.trust.verdict import (FAIL_KEPT, PASS_KEPT, faithfulness_words, kept_share, randomization_words,
                                      trust_check)

from .nets import small_cnn_model


def test_words_follow_the_thresholds():
    assert kept_share(1.0, 1.0, 0.3) == pytest.approx(1.0)
    assert kept_share(0.3, 0.3, 0.3) == pytest.approx(0.0)
    assert kept_share(0.1, 0.0, 0.3) == 0.0  # below the floor: nothing kept
    assert kept_share(0.8, 0.4, 0.2) == pytest.approx(0.5)  # (0.6 - 0.2) / 0.8
    assert randomization_words(PASS_KEPT) == "passes randomization check"
    assert randomization_words(FAIL_KEPT + 0.01) == "ignores the model: fails randomization"
    assert randomization_words((PASS_KEPT + FAIL_KEPT) / 2).startswith("partly")
    assert faithfulness_words(0.1, 0.2, 0.6, 0.4).startswith("faithful")
    assert faithfulness_words(0.3, 0.2, 0.6, 0.4) == "partly faithful: only insertion beats random pixels"
    assert faithfulness_words(0.3, 0.2, 0.3, 0.4).startswith("not faithful")


def test_trust_check_numbers_are_the_cascades_and_the_curves(no_hooks_left):
    model = small_cnn_model()
    before = {k: v.clone() for k, v in model.module.state_dict().items()}
    x = torch.rand(2, 1, 12, 12, generator=torch.Generator().manual_seed(0))
    check = trust_check(model, x, "saliency", target=2, seed=3, pixels_per_step=16)
    cascade = randomization(model, x, methods=["saliency"], target=2, seed=3)
    assert check.randomized_similarity == pytest.approx(cascade.final("saliency"))
    assert check.head_similarity == pytest.approx(cascade.first("saliency"))
    assert check.architecture_floor == pytest.approx(cascade.architecture_floor["saliency"])
    assert check.floor == pytest.approx(cascade.floor("saliency"))
    attribution = st.attribute(model, x, target=2, method="saliency")
    removed = st_deletion(model, x, attribution)
    assert check.deletion_auc == pytest.approx(float(removed.auc.mean()))
    assert check.verdict == f"{check.randomization_verdict}; {check.faithfulness_verdict}"
    reused = trust_check(model, x, "saliency", target=2, attribution=attribution, seed=3, pixels_per_step=16)
    assert reused.to_dict() == check.to_dict()
    json.dumps(check.to_dict())
    assert all(torch.equal(before[k], v) for k, v in model.module.state_dict().items())  # a copy was randomized
    no_hooks_left(model.module)


def st_deletion(model, x, attribution):
    from seethrough.trust.faithfulness import deletion
    return deletion(model, x, attribution, pixels_per_step=16, seed=3)
