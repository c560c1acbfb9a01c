"""LIME for images on a tiny CNN: equal to the lime package for the same seed and segments, the
masks, the hide colours, the options and the errors."""
import numpy as np
import pytest
import torch
from lime.lime_image import LimeImageExplainer

import seethrough as st
from seethrough import SeethroughError
from seethrough.lime import lime_image
from seethrough.lime.hiding import hidden_input
from seethrough.lime.sampling import coin_masks

from lime_tiny import classifier_for_lime, tiny_input, tiny_model, tiny_segments


@pytest.fixture(scope="module")
def tiny():
    model = tiny_model()
    x = tiny_input(model)
    return model, x, tiny_segments(model, x)


def _lime_package(model, x, segments, target, seed, n_samples, hide_color=None):
    explainer = LimeImageExplainer(random_state=seed)
    explanation = explainer.explain_instance(
        model.deprocess(x).astype(np.float64), classifier_for_lime(model), labels=(target,), top_labels=None,
        hide_color=hide_color, num_features=int(segments.max()) + 1, num_samples=n_samples,
        segmentation_fn=lambda image: segments)
    weights = np.zeros(int(segments.max()) + 1)
    for feature, weight in explanation.local_exp[target]:
        weights[feature] = weight
    return weights, explanation


@pytest.mark.parametrize("seed, hide, hide_color", [(0, "mean", None), (3, "mean", None), (1, "zero", 0)])
def test_equals_lime_package_for_same_seed(tiny, seed, hide, hide_color):
    model, x, segments = tiny
    ours = lime_image(model, x, target=2, segments=segments, hide=hide, n_samples=300, seed=seed)
    weights, theirs = _lime_package(model, x, segments, 2, seed, 300, hide_color)
    assert np.abs(weights).max() > 1e-3  # a case where the weights matter
    np.testing.assert_allclose(ours.weights, weights, rtol=1e-4, atol=1e-7)
    assert ours.intercept == pytest.approx(theirs.intercept[2], abs=1e-6)
    assert ours.r2 == pytest.approx(theirs.score, abs=1e-5)
    assert ours.local_prediction == pytest.approx(float(np.ravel(theirs.local_pred)[0]), abs=1e-6)
    assert ours.top(5, "absolute") == sorted(range(len(weights)), key=lambda i: -abs(weights[i]))[:5]


def test_coin_masks_are_lime_masks():
    masks = coin_masks(50, 9, seed=7)
    generator = np.random.RandomState(7)
    generator.randint(0, high=1000)
    expected = generator.randint(0, 2, 50 * 9).reshape(50, 9)
    expected[0] = 1
    np.testing.assert_array_equal(masks, expected)


def test_mean_hide_is_each_superpixels_mean_colour(tiny):
    model, x, segments = tiny
    fill = model.denormalize(hidden_input(model, x, segments, "mean"))[0].numpy()
    pixels = model.denormalize(x)[0].numpy()
    for label in np.unique(segments):
        inside = segments == label
        for channel in range(3):
            np.testing.assert_allclose(fill[channel][inside], pixels[channel][inside].mean(), atol=1e-5)
    zero = model.denormalize(hidden_input(model, x, segments, "zero"))
    assert torch.allclose(zero, torch.zeros_like(zero), atol=1e-6)
    blur = model.denormalize(hidden_input(model, x, segments, "blur"))
    assert blur.std() < model.denormalize(x).std()  # a blur smooths


def test_same_seed_same_bytes_other_seed_other_samples(tiny):
    model, x, segments = tiny
    first = lime_image(model, x, segments=segments, n_samples=120, seed=5)
    again = lime_image(model, x, segments=segments, n_samples=120, seed=5)
    other = lime_image(model, x, segments=segments, n_samples=120, seed=6)
    assert first.weights.tobytes() == again.weights.tobytes()
    assert not np.array_equal(first.weights, other.weights)


def test_top1_target_result_fields_and_batch_invariance(tiny):
    model, x, segments = tiny
    result = lime_image(model, x, segments=segments, n_samples=64, seed=0, batch_size=1)
    batched = lime_image(model, x, segments=segments, n_samples=64, seed=0, batch_size=64)
    assert result.target == int(model.probabilities(x).argmax())
    np.testing.assert_allclose(result.weights, batched.weights, atol=1e-6)
    assert result.score == pytest.approx(float(model.probabilities(x)[0, result.target]), abs=1e-6)
    assert result.pixels.shape == (32, 32, 3) and result.segments.shape == (32, 32)
    positive, negative = result.top(3, "positive"), result.top(3, "negative")
    assert all(result.weights[i] > 0 for i in positive) and all(result.weights[i] < 0 for i in negative)
    assert np.array_equal(result.mask(3, "positive"), np.isin(segments, positive))
    evidence = result.evidence(3, "positive")
    assert np.array_equal(evidence[result.mask(3)], result.pixels[result.mask(3)])
    payload = result.to_dict()
    assert payload["segments"] == len(result.weights) and payload["top_positive"] == result.top(5, "positive")
    assert sum(w["pixels"] for w in payload["weights"]) == 32 * 32


def test_logit_output_and_own_segmentation(tiny):
    model, x, _ = tiny
    result = lime_image(model, x, target="cat", segmentation="felzenszwalb",
                        segmentation_options={"scale": 50, "min_size": 10}, score="logit", n_samples=40)
    assert result.target == 2 and result.options["segmentation"] == "felzenszwalb"
    assert result.score == pytest.approx(float(model.module(x).detach()[0, 2]), abs=1e-5)


@pytest.mark.parametrize("options, message", [
    ({"hide": "grey"}, "hide colour"), ({"segmentation": "watershed"}, "segmentation"),
    ({"n_samples": 1}, "n_samples"), ({"score": "odds"}, "score"), ({"target": "emu"}, "emu"),
    ({"segments": np.zeros((5, 5), dtype=int)}, "segments"), ({"batch_size": 0}, "batch_size"),
    ({"segmentation": "slic", "segmentation_options": {"colour": 1}}, "option")])
def test_bad_options_raise_seethrough_errors(tiny, options, message):
    model, x, _ = tiny
    with pytest.raises(SeethroughError, match=message):
        lime_image(model, x, n_samples=options.pop("n_samples", 10), **options)


def test_default_quickshift_path_equals_lime_package_end_to_end():
    """No segments given: our quickshift labels superpixels as lime's does, so with the same seed the
    whole default pipeline (segmentation, masks, mean hiding, kernel, ridge) gives lime's weights."""
    model = tiny_model()
    x = model.normalize(model.to_pixels(st.data.sample("astronaut"), size=(96, 96)))
    ours = lime_image(model, x, n_samples=200, seed=2)
    assert len(ours.weights) >= 4
    explanation = LimeImageExplainer(random_state=2).explain_instance(
        model.deprocess(x).astype(np.float64), classifier_for_lime(model), labels=(ours.target,),
        top_labels=None, num_features=100, num_samples=200)
    np.testing.assert_array_equal(explanation.segments, ours.segments)
    weights = np.zeros(len(ours.weights))
    for feature, weight in explanation.local_exp[ours.target]:
        weights[feature] = weight
    np.testing.assert_allclose(ours.weights, weights, rtol=1e-4, atol=1e-7)


class _ViewNet(torch.nn.Module):
    """A model that calls .view on a feature map, so it cannot take channels-last batches."""

    def __init__(self):
        super().__init__()
        self.conv, self.linear = torch.nn.Conv2d(3, 4, 3), torch.nn.Linear(4 * 30 * 30, 3)

    def forward(self, x):
        features = self.conv(x)
        return self.linear(features.view(features.shape[0], -1))


def test_model_needing_contiguous_batches_still_works():
    import seethrough as st_
    torch.manual_seed(0)
    model = st_.Model(_ViewNet().eval(), input_size=(32, 32))
    x = model.preprocess(st_.data.sample("coffee"))
    with pytest.raises(RuntimeError):
        model(x.contiguous(memory_format=torch.channels_last))
    result = lime_image(model, x, segmentation="slic", segmentation_options={"n_segments": 10}, n_samples=30)
    assert np.isfinite(result.weights).all() and len(result.weights) >= 5
