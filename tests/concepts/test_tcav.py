"""TCAV on a tiny network where the directional derivative can be computed by hand."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import seethrough as st
from seethrough import SeethroughError
from seethrough.concepts import activations as activation_cache
from seethrough.concepts import image_set, random_sets, tcav, texture_crops, train_cav
from seethrough.concepts.tcav import class_gradients, directional_score


class Tiny(nn.Module):
    """flatten -> hidden (48 -> 5) -> ReLU -> head (5 -> 2): d logit_k / d hidden = W[k] * (hidden > 0)."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.hidden = nn.Linear(48, 5)
        self.relu = nn.ReLU()
        self.head = nn.Linear(5, 2)

    def forward(self, x):
        return self.head(self.relu(self.hidden(x.flatten(1))))


@pytest.fixture(scope="module")
def tiny():
    return st.Model(Tiny().eval(), input_size=(4, 4), labels=["a", "b"], name="tiny")


def _images(seed: int, count: int, bright: float) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [np.clip(rng.uniform(0, 1, (4, 4, 3)) * 0.6 + bright, 0, 1) for _ in range(count)]


def _hidden(model: st.Model, images) -> np.ndarray:
    x = torch.cat([model.preprocess(image) for image in images])
    with torch.no_grad():
        return model.module.hidden(x.flatten(1)).double().numpy()


def test_scores_match_a_hand_computation(tiny, tmp_path, monkeypatch, no_hooks_left):
    monkeypatch.setenv("SEETHROUGH_CACHE", str(tmp_path))
    concept = image_set("bright", _images(1, 12, 0.4))
    examples = image_set("examples", _images(2, 9, 0.2))
    result = tcav(tiny, [concept], "a", ["hidden"], examples, random_sets=3, set_size=12, seed=4)
    no_hooks_left(tiny.module)

    weights = tiny.module.head.weight.detach().double().numpy()
    hidden = _hidden(tiny, examples.images)
    gradients = weights[0] * (hidden > 0)                       # by hand, (9, 5)
    assert np.allclose(class_gradients(tiny, ["hidden"], examples, 0)["hidden"], gradients, atol=1e-6)

    randoms = random_sets(4, 12, (4, 4), seed=4)
    expected_scores, expected_magnitudes = [], []
    for number, other in enumerate(randoms[1:]):
        cav = train_cav(torch.from_numpy(_hidden(tiny, concept.images)), torch.from_numpy(_hidden(tiny, other.images)),
                        seed=4 * 1009 + number)
        derivatives = gradients @ cav.direction
        expected_scores.append(float((derivatives > 0).mean()))
        expected_magnitudes.append(float(derivatives[derivatives > 0].sum() / np.abs(derivatives).sum()))
    score = result.get("bright", "hidden")
    assert np.allclose(score.scores, expected_scores, atol=1e-12)
    assert np.allclose(score.magnitudes, expected_magnitudes, atol=1e-9)
    assert len(result.random_scores["hidden"]) == 3
    record = result.to_dict()
    assert {"p_value", "significant", "score", "cav_accuracy"} <= set(record["scores"][0])


def test_directional_score_definition():
    class Fixed:
        direction = np.array([1.0, 0.0])
    gradients = np.array([[2.0, 5.0], [-1.0, 0.0], [3.0, -9.0], [-0.5, 1.0]])   # derivatives 2, -1, 3, -0.5
    score, magnitude = directional_score(gradients, Fixed())
    assert score == 0.5 and np.isclose(magnitude, 5 / 6.5)


def test_activations_are_cached_in_memory_and_on_disk(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("SEETHROUGH_CACHE", str(tmp_path))
    activation_cache.clear_memory()
    images = image_set("some", _images(3, 6, 0.1))
    first = activation_cache.layer_activations(tiny, ["hidden", "head"], images)
    files = sorted(p.name for p in (tmp_path / "activations").rglob("*.pt"))
    assert len(files) == 2
    activation_cache.clear_memory()
    calls = []
    handle = tiny.module.register_forward_hook(lambda *a: calls.append(1))
    try:
        again = activation_cache.layer_activations(tiny, ["hidden", "head"], images)
    finally:
        handle.remove()
    assert not calls                                            # read from disk, the model never ran
    assert torch.equal(first["hidden"], again["hidden"])
    assert np.allclose(first["hidden"].numpy(), _hidden(tiny, images.images), atol=1e-6)


class SharedReLU(nn.Module):
    """One ReLU module called twice on maps of one shape (as EfficientNet's blocks reuse their ReLU6)."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.first, self.second, self.act = nn.Linear(48, 6), nn.Linear(6, 6), nn.ReLU()
        self.head = nn.Linear(6, 2)

    def forward(self, x):
        return self.head(self.act(self.second(self.act(self.first(x.flatten(1))))))


def test_a_module_called_twice_gives_the_output_its_gradients_are_taken_at(no_hooks_left):
    """The CAV is learnt on the activations and applied to the gradients: both must be of the same call
    (the last, as capture records it), or the directional derivative mixes two different tensors."""
    model = st.Model(SharedReLU().eval(), input_size=(4, 4), labels=["a", "b"], name="shared")
    images = image_set("some", _images(3, 5, 0.3))
    found = activation_cache.layer_activations(model, ["act"], images, cache=False)["act"]
    no_hooks_left(model.module)
    x = torch.cat([model.preprocess(image) for image in images.images])
    with torch.no_grad():
        net = model.module
        first = net.act(net.first(x.flatten(1)))
        last = net.act(net.second(first))
    assert not torch.allclose(first, last)                     # the two calls differ: the test can tell them apart
    assert torch.allclose(found, last, atol=1e-6)
    gradients = class_gradients(model, ["act"], images, 0)["act"]
    weights = net.head.weight.detach().double().numpy()
    assert np.allclose(gradients, weights[0] * np.ones_like(gradients), atol=1e-6)  # d logit / d last output


def test_same_seed_same_result(tiny):
    concept = image_set("bright", _images(1, 12, 0.4))
    examples = image_set("examples", _images(2, 8, 0.2))
    first = tcav(tiny, [concept], 0, ["hidden"], examples, random_sets=2, set_size=8, seed=1, cache=False)
    again = tcav(tiny, [concept], 0, ["hidden"], examples, random_sets=2, set_size=8, seed=1, cache=False)
    assert first.to_dict() == again.to_dict()


def test_mistakes_are_explained(tiny):
    examples = image_set("examples", _images(2, 8, 0.2))
    with pytest.raises(SeethroughError, match="striped"):
        tcav(tiny, ["stripd"], 0, ["hidden"], examples, random_sets=2, set_size=8)
    with pytest.raises(SeethroughError, match="random_sets"):
        tcav(tiny, ["striped"], 0, ["hidden"], examples, random_sets=1, set_size=8)
    with pytest.raises(SeethroughError, match="hidden"):
        tcav(tiny, ["striped"], 0, ["hiden"], examples, random_sets=2, set_size=8)
    with pytest.raises(SeethroughError):
        tcav(tiny, ["striped"], "zebra", ["hidden"], examples, random_sets=2, set_size=8)


def test_sign_count_matches_captum_given_the_same_cav(tiny, tmp_path):
    """Captum's TCAV, handed our CAV through a fixed classifier, must count the same positive derivatives."""
    from captum.concept import TCAV, Classifier, Concept

    concept = image_set("bright", _images(1, 12, 0.4))
    counterpart = image_set("dark", _images(5, 12, 0.0))
    rng = np.random.default_rng(1)                            # varied brightness: the ReLU masks differ
    examples = image_set("examples", [np.clip(rng.uniform(0, 1, (4, 4, 3)) * rng.uniform(0.2, 1.5), 0, 1)
                                      for _ in range(12)])
    cav = train_cav(torch.from_numpy(_hidden(tiny, concept.images)), torch.from_numpy(_hidden(tiny, counterpart.images)),
                    seed=0)
    direction = torch.from_numpy(cav.direction).float()

    class Fixed(Classifier):
        def __init__(self):
            pass

        def train_and_eval(self, dataloader, **kwargs):
            return {"accs": torch.tensor(cav.accuracy)}

        def weights(self):
            return torch.stack([direction, -direction])      # rows in the order of classes(): concept, random

        def classes(self):
            return [0, 1]

    def loader(images):
        return torch.utils.data.DataLoader(torch.cat([tiny.preprocess(image) for image in images]), batch_size=12)

    concepts = [Concept(0, "bright", loader(concept.images)), Concept(1, "dark", loader(counterpart.images))]
    captum_tcav = TCAV(tiny.module, ["hidden"], classifier=Fixed(), save_path=str(tmp_path))
    inputs = torch.cat([tiny.preprocess(image) for image in examples.images])
    theirs = captum_tcav.interpret(inputs, [concepts], target=1)["0-1"]["hidden"]["sign_count"][0]
    ours, _ = directional_score(class_gradients(tiny, ["hidden"], examples, 1)["hidden"], cav)
    assert 0 < ours < 1                                      # the examples disagree: a real count
    assert np.isclose(float(theirs), ours)


def test_builtin_class_images_are_other_crops(tiny):
    from seethrough.concepts.tcav import _as_set
    drawn = _as_set("gravel", "class images", 0, 8, (4, 4))
    assert len(drawn) == 8 and drawn.key != texture_crops("gravel", 8, seed=0).key
    result = tcav(tiny, ["gravel"], 0, ["hidden"], "gravel", random_sets=2, set_size=8, cache=False)
    assert result.options["class_images"] == 8
    assert 0 <= result.get("gravel", "hidden").mean <= 1
