"""LIME on the real models: EfficientNet-Lite0 on chelsea against the lime package, mnist_cnn on a
digit, and the zero-shot sentence model on the "Darwin fish" post."""
import numpy as np
import pytest
from lime.lime_image import LimeImageExplainer

from seethrough.lime import lime_image, lime_text, segment
from seethrough.lime.stability import jaccard

from lime_tiny import classifier_for_lime


@pytest.mark.slow
def test_chelsea_agrees_with_lime_package(efficientnet, chelsea_x):
    """Same quickshift segmentation, same sample count, same seed: lime draws the same masks, so the
    explanations agree to float precision; the top-5 overlap must average >= 0.6 (the issue's bar)."""
    segments = segment(efficientnet.deprocess(chelsea_x), "quickshift")
    assert 20 <= segments.max() + 1 <= 60  # lime's quickshift settings give a few dozen superpixels
    overlaps = []
    for seed in (0, 1):
        ours = lime_image(efficientnet, chelsea_x, segments=segments, n_samples=150, seed=seed)
        assert ours.target_label == "Egyptian cat"
        explanation = LimeImageExplainer(random_state=seed).explain_instance(
            efficientnet.deprocess(chelsea_x).astype(np.float64), classifier_for_lime(efficientnet),
            labels=(ours.target,), top_labels=None, num_features=len(ours.weights), num_samples=150,
            segmentation_fn=lambda image: segments)
        theirs = np.zeros(len(ours.weights))
        for feature, weight in explanation.local_exp[ours.target]:
            theirs[feature] = weight
        np.testing.assert_allclose(ours.weights, theirs, atol=2e-4 * np.abs(theirs).max())
        overlaps.append(jaccard(ours.top(5, "absolute"), np.argsort(-np.abs(theirs))[:5]))
    assert np.mean(overlaps) >= 0.6


@pytest.mark.slow
def test_mnist_evidence_lies_on_the_stroke(mnist_cnn):
    """On a black background a hidden superpixel keeps its (black) mean colour, so only superpixels
    with ink can matter; the logit is explained (the probability is saturated at 1.0)."""
    import seethrough as st
    x = mnist_cnn.preprocess(st.data.load_image("mnist:0"))
    result = lime_image(mnist_cnn, x, segmentation="slic", n_samples=400, seed=0, score="logit")
    assert result.score > 5 and result.r2 > 0.8
    ink = result.pixels.mean(axis=2) > 0.01
    assert all(ink[result.segments == i].any() for i in result.top(3, "absolute"))
    background = [i for i in range(len(result.weights)) if not ink[result.segments == i].any()]
    assert len(background) >= 5
    assert np.abs(result.weights[background]).max() < 0.1 * np.abs(result.weights).max()


@pytest.mark.slow
def test_darwin_fish_zero_shot_text_model():
    """The packaged all-MiniLM-L6-v2 sentence model, zero-shot: it classifies, and LIME's top words
    are the ones whose removal costs the prediction most."""
    from seethrough.lime.text_model import ZeroShotText
    classifier = ZeroShotText()
    probabilities = classifier(["I pray every day and read the Bible; Jesus Christ is my saviour.",
                                "There is no God; evolution explains life, religion is a myth."])
    assert probabilities.argmax(axis=1).tolist() == [1, 0]
    post = "God is dead, and the Darwin fish on my car says why: evolution, not a creator."
    result = lime_text(classifier, post, n_samples=250, seed=0, class_names=classifier.class_names)
    assert result.target_label == "atheism"

    def without(words):
        return " ".join(w for w in post.split() if w.strip(",.:") not in words)

    top = [w for w, _ in result.ranked()[:3]]
    weakest = [w for w, _ in result.ranked()[-3:]]
    drops = 1 - classifier([without(top), without(weakest)])[:, 0] / result.probabilities[0]
    assert drops[0] > drops[1]
