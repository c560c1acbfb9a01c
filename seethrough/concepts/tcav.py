"""TCAV: how much does a human concept (striped, dotted, ...) matter to a class, with a significance test.

Kim et al. (2018), "Interpretability beyond feature attribution: quantitative testing with concept
activation vectors (TCAV)", ICML. For a layer l and class k, a concept's CAV v (see :mod:`.cav`)
gives each class example x a directional derivative S(x) = grad_l logit_k(x) . v. The TCAV score
is the fraction of class examples with S(x) > 0; the magnitude is sum(max(S, 0)) / sum(|S|). The
CAV is learnt against N random sets; the N scores are t-tested against N random-vs-random scores
(:mod:`.significance`). A score is never reported without that test.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ..errors import SeethroughError
from ..model import Model
from ..progress import Progress
from ..targets import class_index, scorer
from .activations import batches, layer_activations, model_key
from .cav import CAV, train_cav
from .procedural import PROCEDURAL_CONCEPTS
from .significance import Significance, significance
from .sources import TEXTURES, ImageSet, concept_images, folder_images, image_set, random_sets as draw_random_sets


@dataclass(frozen=True)
class ConceptScore:
    """One concept at one layer: its scores against each random set, and whether they beat chance."""

    concept: str
    layer: str
    scores: tuple[float, ...]
    magnitudes: tuple[float, ...]
    cav_accuracies: tuple[float, ...]
    significance: Significance

    @property
    def mean(self) -> float:
        return float(np.mean(self.scores))

    @property
    def std(self) -> float:
        return float(np.std(self.scores))

    @property
    def significant(self) -> bool:
        return self.significance.significant

    @property
    def p_value(self) -> float:
        """The t-test's p-value, before Bonferroni's correction."""
        return self.significance.p_value

    @property
    def p_adjusted(self) -> float:
        """The p-value after Bonferroni's correction (what ``significant`` compares with alpha)."""
        return self.significance.p_adjusted

    def to_dict(self) -> dict:
        return {"concept": self.concept, "layer": self.layer, "score": self.mean, "score_std": self.std,
                "magnitude": float(np.mean(self.magnitudes)), "scores": list(self.scores),
                "magnitudes": list(self.magnitudes), "cav_accuracy": float(np.mean(self.cav_accuracies)),
                "cav_accuracies": list(self.cav_accuracies), **self.significance.to_dict()}


@dataclass
class TCAVResult:
    """Every (concept, layer) score of one TCAV run, and the random-vs-random baseline per layer."""

    target: int
    target_label: str
    layers: list[str]
    concepts: list[str]
    scores: list[ConceptScore]
    random_scores: dict[str, tuple[float, ...]]
    random_accuracies: dict[str, tuple[float, ...]]
    options: dict = field(default_factory=dict)

    def get(self, concept: str, layer: str) -> ConceptScore:
        for score in self.scores:
            if score.concept == concept and score.layer == layer:
                return score
        raise SeethroughError(f"no score for concept {concept!r} at layer {layer!r}; "
                              f"concepts {self.concepts}, layers {self.layers}")

    def to_dict(self) -> dict:
        return {"target": {"index": self.target, "label": self.target_label}, "layers": self.layers,
                "concepts": self.concepts, "scores": [s.to_dict() for s in self.scores],
                "random_baseline": {layer: {"scores": list(values), "mean": float(np.mean(values)),
                                            "cav_accuracy": float(np.mean(self.random_accuracies[layer]))}
                                    for layer, values in self.random_scores.items()},
                "options": self.options}


def class_gradients(model: Model, layers: Sequence[str], images: ImageSet, target: int, *,
                    batch_size: int = 32) -> dict[str, np.ndarray]:
    """d logit_target / d activation of each layer, for every image: layer -> (N, D) float64 (flattened)."""
    grads: dict[str, list[np.ndarray]] = {layer: [] for layer in layers}
    from ..hooks import capture
    for batch in batches(model, images, batch_size):
        inputs = batch.clone().requires_grad_(True)   # activations need a graph even if the weights are frozen
        with torch.enable_grad(), capture(model.module, layers, detach=False) as outputs:
            logits = model(inputs)
        score = scorer(model, target, inputs)(logits).sum()
        found = torch.autograd.grad(score, [outputs[layer] for layer in layers], allow_unused=True)
        for layer, grad in zip(layers, found):
            grad = torch.zeros_like(outputs[layer]) if grad is None else grad
            grads[layer].append(grad.detach().reshape(grad.shape[0], -1).double().cpu().numpy())
    return {layer: np.concatenate(parts) for layer, parts in grads.items()}


def directional_score(gradients: np.ndarray, cav: CAV) -> tuple[float, float]:
    """(TCAV score, magnitude) of ``cav`` for class gradients (N, D): fraction of positive derivatives,
    and the positive derivatives' share of their total absolute size."""
    derivatives = gradients @ cav.direction
    total = np.abs(derivatives).sum()
    magnitude = float(np.clip(derivatives, 0, None).sum() / total) if total > 0 else 0.0
    return float((derivatives > 0).mean()), magnitude


def _as_set(images, name: str, seed: int, count: int, size: Sequence[int]) -> ImageSet:
    """Class images: an ImageSet, a folder, a built-in concept name (drawn with another seed than the
    concept of that name), or a list of images."""
    if isinstance(images, ImageSet):
        return images
    if isinstance(images, str) and images in PROCEDURAL_CONCEPTS + TEXTURES and not Path(images).is_dir():
        drawn = concept_images(images, count, size, seed + 7777)
        return image_set(f"{images} (class images)", drawn.images)
    if isinstance(images, (str, bytes)) or hasattr(images, "__fspath__"):
        return folder_images(images, seed=seed)
    images = list(images)
    if len(images) < 2:
        raise SeethroughError(f"{name} needs at least 2 images, got {len(images)}")
    return image_set(name, [np.asarray(image) for image in images])


def tcav(model: Model, concepts: Sequence, target: int | str, layers: Sequence[str], class_images,
         random_sets: int = 10, seed: int = 0, *, set_size: int = 50, random_pool=None, cav_method: str = "sgd",
         cav_alpha: float = 0.01, alpha: float = 0.05, batch_size: int = 32, cache: bool = True,
         progress: bool = False) -> TCAVResult:
    """Test each concept's importance for class ``target`` at each layer (Kim et al. 2018).

    Parameters
    ----------
    model : the classifier.
    concepts : concept names ("striped", "dotted", "zigzagged", "checkered", "brick", "grass",
        "gravel"), folders of images, or :class:`ImageSet` values.
    target : the class, by name or index.
    layers : dotted layer names; the CAV lives in each one's flattened output.
    class_images : examples of the class: a folder, a list of images, an :class:`ImageSet`, or a built-in
        concept name ("gravel": ``set_size`` other crops than the concept "gravel" gets).
    random_sets : N, the number of random counterpart sets. N + 1 are drawn, random_0 .. random_N; each
        concept's CAV is learnt against random_1 .. random_N, and the baseline's N CAVs are random_i vs
        random_i+1 (as the paper's code, which tests random sets as concepts against other random sets).
    seed : draws the procedural concepts, the random sets and the CAV splits; same seed, same result.
    set_size : images per procedural concept, texture concept and random set (folders: at most this many).
    random_pool : a folder to draw random sets from; None for crops and noise from the bundled images.
    cav_method, cav_alpha : the linear classifier ("sgd" as the paper, or "logistic") and its regularization.
    alpha : family-wise significance level; Bonferroni over the concepts (per layer).
    cache : cache activations per (model, layer, image set) in memory and on disk.

    Returns
    -------
    :class:`TCAVResult`; ``result.get("striped", "layer3").significant``.
    """
    concepts, layers = list(concepts), list(layers)
    if not concepts:
        raise SeethroughError("give at least one concept (e.g. striped, dotted, or a folder of images)")
    if not layers:
        raise SeethroughError("give at least one layer (see 'seethrough layers')")
    for layer in layers:
        model.layer(layer)
    if not 2 <= int(random_sets) <= 1000:
        raise SeethroughError(f"random_sets must be 2 to 1000 for the t-test, got {random_sets}")
    if set_size < 6:
        raise SeethroughError(f"set_size must be at least 6 (a CAV holds a third out), got {set_size}")
    index = class_index(model, target)
    examples = _as_set(class_images, "class images", seed, set_size, model.input_size)
    concept_sets = [concept_images(spec, set_size, model.input_size, seed) for spec in concepts]
    names = [c.name for c in concept_sets]
    if len(set(names)) != len(names):
        raise SeethroughError(f"concept names must differ, got {names}")
    randoms = draw_random_sets(int(random_sets) + 1, set_size, model.input_size, seed, random_pool)
    key = model_key(model)
    all_sets = concept_sets + randoms
    bar = Progress(len(all_sets) + len(layers) * (len(concepts) + 1) * int(random_sets), "tcav", enabled=progress)
    acts = {}
    for images in all_sets:
        acts[images.key] = layer_activations(model, layers, images, batch_size=batch_size, cache=cache, key=key)
        bar.advance()
    gradients = class_gradients(model, layers, examples, index, batch_size=batch_size)
    scores, random_scores, random_accuracies = [], {}, {}
    counterparts = randoms[1:]
    baseline_pairs = list(zip(randoms[:-1], randoms[1:]))      # random_i vs random_i+1: the concept side varies too
    for layer in layers:
        def run(pairs: list[tuple[ImageSet, ImageSet]]) -> tuple[list[float], list[float], list[float]]:
            values, magnitudes, accuracies = [], [], []
            for number, (concept, other) in enumerate(pairs):
                cav = train_cav(acts[concept.key][layer], acts[other.key][layer], concept_name=concept.name,
                                counterpart_name=other.name, layer=layer, method=cav_method, alpha=cav_alpha,
                                seed=seed * 1009 + number)
                score, magnitude = directional_score(gradients[layer], cav)
                values.append(score), magnitudes.append(magnitude), accuracies.append(cav.accuracy)
                bar.advance()
            return values, magnitudes, accuracies

        baseline, _, baseline_accuracies = run(baseline_pairs)
        random_scores[layer], random_accuracies[layer] = tuple(baseline), tuple(baseline_accuracies)
        for concept in concept_sets:
            values, magnitudes, accuracies = run([(concept, other) for other in counterparts])
            scores.append(ConceptScore(concept.name, layer, tuple(values), tuple(magnitudes), tuple(accuracies),
                                       significance(values, baseline, tests=len(concept_sets), alpha=alpha)))
    bar.close()
    options = {"random_sets": int(random_sets), "seed": seed, "set_size": set_size, "cav_method": cav_method,
               "cav_alpha": cav_alpha, "alpha": alpha, "class_images": len(examples),
               "random_pool": str(random_pool) if random_pool is not None else "builtin"}
    return TCAVResult(index, model.label(index), layers, names, scores, random_scores, random_accuracies, options)
