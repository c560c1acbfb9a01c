"""A trust verdict for one explanation: does it depend on the model, and is it faithful to it?

Two checks, each cheap enough to attach to every explanation:

- **randomization**: the map after *full* cascading randomization (every block re-initialized,
  the end point of Adebayo et al. 2018's cascade, arXiv:1810.03292) against the original map, by
  the rank correlation of absolute values, compared with the larger of two floors (random maps;
  the randomized model on pixel-shuffled input, see :mod:`seethrough.trust.randomization`);
- **faithfulness**: RISE's deletion and insertion AUCs (Petsiuk et al. 2018, arXiv:1806.07421)
  against a random attribution of the same shape (:mod:`seethrough.trust.faithfulness`).

The randomization verdict reads two points of the cascade: the logits-side block (the classifier
head) randomized, and every block. A method that explains the model has changed by then; one that
shows the input's edges (guided backprop, Adebayo et al.'s Fig. 2) keeps its map when the head is
random. The mean of the two rank correlations (|values|) is put on a scale from the floor (0) to
identical maps (1):

    kept = (mean(head random, all random) - floor) / (1 - floor),   floor = max(noise, architecture floor)

and a method *passes* when ``kept <= PASS_KEPT``, *fails* ("ignores the model") when
``kept > FAIL_KEPT``. The thresholds are heuristics, stored with every result; on EfficientNet-Lite0
(chelsea) and mnist_cnn (test digits) gradient and Grad-CAM keep about 0.1-0.15, guided backprop 0.55-0.6
(``benchmarks/sanity_checks.py``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch

from ..attribution.base import Attribution, get_method
from ..model import Model
from ..progress import Progress
from .faithfulness import deletion, insertion
from .randomization import fixed_target, shuffle_pixels
from .reinit import block_seed, fully_randomized, model_copy, reinitialize, resolve_steps
from .similarity import compare_maps, noise_floor

#: share of the similarity kept above the floor at or below which a method passes randomization
PASS_KEPT = 0.25
#: share above which it fails: its map survives randomizing the weights
FAIL_KEPT = 0.35


@dataclass
class TrustCheck:
    """The trust numbers and verdict of one method on one input batch.

    Attributes
    ----------
    method, target_label : what was explained.
    randomized_similarity : the four measures (``compare_maps``) of the original map against the
        map of the fully randomized model (the end of the cascade), same input and class.
    head_similarity : the same with only the logits-side block (the classifier head) randomized.
    kept : the share of the similarity kept above the floor (see the module's docstring).
    noise_floor, architecture_floor : the two floors of those measures (see ``Randomization``).
    deletion_auc, deletion_random_auc, insertion_auc, insertion_random_auc : mean over examples
        of the normalized-trapezoid AUCs of the method's ranking and of a random attribution's.
    randomization_verdict, faithfulness_verdict : plain words.
    curves : the deletion and insertion :class:`~seethrough.trust.faithfulness.Curve` (not in ``to_dict``).
    """

    method: str
    target_label: str
    randomized_similarity: dict[str, float]
    head_similarity: dict[str, float]
    kept: float
    noise_floor: dict[str, float]
    architecture_floor: dict[str, float]
    deletion_auc: float
    deletion_random_auc: float
    insertion_auc: float
    insertion_random_auc: float
    randomization_verdict: str
    faithfulness_verdict: str
    options: dict = field(default_factory=dict)
    curves: tuple = field(default=(), repr=False)  # (deletion, insertion) Curves, for drawing

    @property
    def floor(self) -> float:
        return max(self.noise_floor["spearman_abs"], self.architecture_floor["spearman_abs"])

    @property
    def passes_randomization(self) -> bool:
        return self.randomization_verdict == "passes randomization check"

    @property
    def verdict(self) -> str:
        return f"{self.randomization_verdict}; {self.faithfulness_verdict}"

    def to_dict(self) -> dict:
        return {"method": self.method, "target": self.target_label,
                "randomized_similarity": self.randomized_similarity, "head_similarity": self.head_similarity,
                "kept": self.kept, "noise_floor": self.noise_floor,
                "architecture_floor": self.architecture_floor,
                "deletion_auc": self.deletion_auc, "deletion_random_auc": self.deletion_random_auc,
                "insertion_auc": self.insertion_auc, "insertion_random_auc": self.insertion_random_auc,
                "randomization_verdict": self.randomization_verdict,
                "faithfulness_verdict": self.faithfulness_verdict, "verdict": self.verdict, "options": self.options}


def kept_share(head: float, full: float, floor: float) -> float:
    """The share of the similarity kept above ``floor``: 0 at (or below) the floor, 1 for unchanged maps.
    ``head``, ``full``: the rank correlations after the first and the last cascading step."""
    return max(0.0, (0.5 * (abs(head) + abs(full)) - floor) / max(1.0 - floor, 1e-12))


def randomization_words(kept: float) -> str:
    """:func:`kept_share` -> a verdict."""
    if kept <= PASS_KEPT:
        return "passes randomization check"
    if kept > FAIL_KEPT:
        return "ignores the model: fails randomization"
    return "partly ignores the model: weak randomization check"


def faithfulness_words(deletion_auc: float, deletion_random: float, insertion_auc: float,
                       insertion_random: float) -> str:
    """Deletion (lower is better) and insertion (higher is better) AUCs against random -> a verdict."""
    better_deletion = deletion_auc < deletion_random
    better_insertion = insertion_auc > insertion_random
    if better_deletion and better_insertion:
        return "faithful: deletion and insertion beat random pixels"
    if better_deletion or better_insertion:
        return f"partly faithful: only {'deletion' if better_deletion else 'insertion'} beats random pixels"
    return "not faithful: no better than random pixels"


def trust_check(model: Model, x: torch.Tensor, method: str, *, target=None, attribution: Attribution | None = None,
                options: dict | None = None, seed: int = 0, blocks=None, baseline="zeros",
                pixels_per_step: int | None = None, batch_size: int = 32, progress: bool = False) -> TrustCheck:
    """Check one method's explanation of ``x``: full cascading randomization and deletion/insertion.

    Parameters
    ----------
    model : a :class:`seethrough.Model`; never modified (a deep copy is randomized).
    x : input (N, C, H, W).
    method : a registered attribution method.
    target : the class explained (default top-1, chosen by ``model``).
    attribution : the explanation of ``x`` for ``target`` already computed (saves one run).
    options : keyword options of the method.
    seed : the re-initialization (the same weights as ``randomization(..., seed=seed)``'s
        first and last cascading steps), the noise floor and the random attributions.
    blocks : the blocks to re-initialize (default discovered, see ``randomization``).
    baseline, pixels_per_step, batch_size : of the deletion / insertion curves.

    Cost: four runs of the method and ``4 * N * (H*W / pixels_per_step + 1)`` model evaluations.

    Examples
    --------
    >>> check = trust_check(model, x, "guided_backprop")
    >>> check.verdict
    'ignores the model: fails randomization; faithful: deletion and insertion beat random pixels'
    """
    from ..attribution import attribute
    get_method(method)
    options = dict(options or {})
    bar = Progress(4, f"trust check of {method}", enabled=progress)
    if attribution is None:
        attribution = attribute(model, x, target=target, method=method, **options)
    original = attribution.values.detach()
    bar.advance()
    fixed, _ = fixed_target(model, target, x)  # the class the trained model explains, in every copy
    steps = resolve_steps(model, blocks, None)
    names = [name for group in steps[::-1] for name in group]  # input side first: block seeds
    head = model_copy(model)
    for name in steps[0]:
        reinitialize(head.layer(name), block_seed(seed, names.index(name)))
    full = fully_randomized(model, seed=seed, blocks=blocks)
    size = tuple(x.shape[-2:])

    def similarity(randomized: Model, inputs: torch.Tensor) -> dict[str, float]:
        values = attribute(randomized, inputs, target=fixed, method=method, **options).values.detach()
        return compare_maps(original, values, size=size)
    head_random = similarity(head, x)
    bar.advance()
    randomized = similarity(full, x)
    architecture = similarity(full, shuffle_pixels(x, seed))
    floors = noise_floor(original, size=size, seed=seed)
    bar.advance()
    curve_options = {"pixels_per_step": pixels_per_step, "batch_size": batch_size, "seed": seed}
    removed = deletion(model, x, attribution, baseline=baseline, **curve_options)
    inserted = insertion(model, x, attribution, **curve_options)
    bar.advance()
    bar.close()
    floor = max(floors["spearman_abs"], architecture["spearman_abs"])
    kept = kept_share(head_random["spearman_abs"], randomized["spearman_abs"], floor)
    numbers = (float(removed.auc.mean()), float(removed.random_auc.mean()),
               float(inserted.auc.mean()), float(inserted.random_auc.mean()))
    return TrustCheck(method, attribution.target_label, randomized, head_random, kept, floors, architecture, *numbers,
                      randomization_words(kept), faithfulness_words(*numbers),
                      {"method_options": options, "seed": seed, "baseline": baseline,
                       "pixels_per_step": removed.options["pixels_per_step"],
                       "pass_kept": PASS_KEPT, "fail_kept": FAIL_KEPT}, (removed, inserted))
