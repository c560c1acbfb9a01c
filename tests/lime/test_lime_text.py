"""LIME for text: equal to the lime package for the same seed, word splitting, and the errors."""
import re

import numpy as np
import pytest
from lime.lime_text import LimeTextExplainer

from seethrough import SeethroughError
from seethrough.lime import lime_text
from seethrough.lime.sampling import removal_masks
from seethrough.lime.text import split_words

TEXT = "God is dead, says the Darwin fish on my car; the church says God is alive."


def keyword_classifier(texts):
    """A transparent black box: P(class 1) rises with 'God'/'church', falls with 'Darwin'/'dead'."""
    scores = np.array([1.2 * len(re.findall(r"\bGod\b", t)) + 0.8 * ("church" in t) - 1.5 * ("Darwin" in t)
                       - 0.7 * ("dead" in t) + 0.05 * len(t.split()) for t in texts])
    probability = 1 / (1 + np.exp(-scores))
    return np.stack([1 - probability, probability], axis=1)


@pytest.mark.parametrize("seed", [0, 11])
def test_equals_lime_package_for_same_seed(seed):
    ours = lime_text(keyword_classifier, TEXT, target=1, n_samples=400, seed=seed)
    explanation = LimeTextExplainer(random_state=seed).explain_instance(
        TEXT, keyword_classifier, labels=(1,), num_features=len(ours.words), num_samples=400)
    theirs = dict(explanation.as_list(label=1))
    assert set(theirs) == set(ours.words)
    np.testing.assert_allclose([theirs[w] for w in ours.words], ours.weights, atol=1e-10)
    assert ours.intercept == pytest.approx(explanation.intercept[1], abs=1e-10)
    assert ours.r2 == pytest.approx(explanation.score, abs=1e-10)


def test_removal_masks_follow_lime():
    masks = removal_masks(30, 6, seed=2)
    assert np.all(masks[0] == 1) and np.all((masks[1:] == 0).sum(axis=1) >= 1)
    generator = np.random.RandomState(2)
    counts = generator.randint(1, 7, 29)
    np.testing.assert_array_equal((masks[1:] == 0).sum(axis=1), counts)


def test_words_and_highlighting_tokens():
    tokens, token_words, words = split_words("a cat, a dog!")
    assert words == ["a", "cat", "dog"]
    assert "".join(tokens) == "a cat, a dog!"
    assert token_words == [0, -1, 1, -1, 0, -1, 2, -1]


def test_weights_say_what_the_classifier_does():
    result = lime_text(keyword_classifier, TEXT, n_samples=800, seed=0, class_names=["atheism", "christian"])
    weight = dict(result.ranked())
    assert result.target_label == "christian"
    assert weight["God"] > 0 and weight["church"] > 0 and weight["Darwin"] < 0 and weight["dead"] < 0
    assert [w for w, _ in result.ranked()[:2]] == ["God", "Darwin"]  # God occurs twice: 2 x 1.2 > 1.5
    payload = result.to_dict()
    assert payload["words"][0]["word"] == "God" and payload["class_names"] == ["atheism", "christian"]
    again = lime_text(keyword_classifier, TEXT, n_samples=800, seed=0, batch_size=7)
    np.testing.assert_allclose(again.weights, result.weights, atol=1e-12)


@pytest.mark.parametrize("call, message", [
    (lambda: lime_text(keyword_classifier, " ... "), "no words"),
    (lambda: lime_text(keyword_classifier, TEXT, n_samples=1), "n_samples"),
    (lambda: lime_text(keyword_classifier, TEXT, class_names=["a", "b", "c"]), "class names"),
    (lambda: lime_text(keyword_classifier, TEXT, class_names=["a", "b"], target="c"), "class"),
    (lambda: lime_text(keyword_classifier, TEXT, target=5), "out of range"),
    (lambda: lime_text(lambda texts: np.ones(len(texts)), TEXT), "predict_proba")])
def test_errors(call, message):
    with pytest.raises(SeethroughError, match=message):
        call()
