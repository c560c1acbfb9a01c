"""Model-parameter randomization: does the explanation change when the model's weights are random?

Adebayo, Gilmer, Muelly, Goodfellow, Hardt & Kim (2018), "Sanity checks for saliency maps",
NeurIPS, arXiv:1810.03292, Sec. 3.1: "In our model randomization test, we randomly re-initialize
the learned weights of a model [...] If the saliency method depends on the learned parameters of
the model, we should expect its output to differ substantially between the two cases."
Cascading randomization re-initializes "starting from the top layer, successively, all the way to
the bottom layer"; independent randomization re-initializes one layer at a time, the others kept.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch

from ..errors import SeethroughError
from ..model import Model
from ..progress import Progress
from .reinit import block_seed, model_copy, reinitialize, resolve_steps
from .similarity import compare_maps, noise_floor, reduce_map

MODES = ("cascading", "independent")


@dataclass
class Randomization:
    """The result of :func:`randomization`.

    Attributes
    ----------
    mode : "cascading" or "independent".
    methods : the attribution methods checked.
    steps : the names of the steps: "original", then per step the block(s) re-initialized
        (cascading: that block and every block above it).
    maps : method -> list over steps of (N, H, W) maps (channels summed of |values|, at the input's size).
    similarity : method -> list over the steps after "original" of {measure: value} against the
        original map (``compare_maps``' measures).
    noise_floor : method -> {measure: mean |value|} of the original map against random maps.
    architecture_floor : method -> {measure: value} of the original map against the fully
        randomized model's map of the input with its pixels shuffled: the similarity that comes
        from neither the weights nor the image (e.g. a border falloff of unpadded convolutions).
    target_label : what was explained, the same class in every step.
    """

    mode: str
    methods: list[str]
    steps: list[str]
    maps: dict[str, list[torch.Tensor]]
    similarity: dict[str, list[dict[str, float]]]
    noise_floor: dict[str, dict[str, float]]
    target_label: str
    architecture_floor: dict[str, dict[str, float]] = field(default_factory=dict)
    options: dict = field(default_factory=dict)

    def floor(self, method: str, measure: str = "spearman_abs") -> float:
        """The larger of the two floors for ``measure``: what unrelated maps reach."""
        return max(self.noise_floor[method][measure], self.architecture_floor.get(method, {}).get(measure, 0.0))

    def final(self, method: str) -> dict[str, float]:
        """The similarity after the last step (for cascading: every block randomized)."""
        return self.similarity[method][-1]

    def first(self, method: str) -> dict[str, float]:
        """The similarity after the first step: for cascading, only the logits-side block (the
        classifier head) randomized. A map that survives this does not depend on what decides the class."""
        return self.similarity[method][0]

    def to_dict(self) -> dict:
        return {"mode": self.mode, "methods": self.methods, "steps": self.steps, "target": self.target_label,
                "similarity": self.similarity, "noise_floor": self.noise_floor,
                "architecture_floor": self.architecture_floor, "options": self.options}


def fixed_target(model: Model, target, x: torch.Tensor):
    """``target`` as something that names the same output on any copy of ``model``: a class target
    becomes the class indices chosen by the *original* model (top-1 is not re-chosen by a random one)."""
    from ..targets import objective
    goal = objective(model, target, x)
    if goal.indices is None:
        return target, goal.label
    indices = goal.indices.detach()

    def pick(logits: torch.Tensor) -> torch.Tensor:
        return logits.gather(1, indices.to(logits.device).repeat(logits.shape[0] // len(indices)).view(-1, 1)).squeeze(1)
    pick.__name__ = goal.label
    return (int(indices[0]) if len(indices) == 1 else pick), goal.label


def shuffle_pixels(x: torch.Tensor, seed: int) -> torch.Tensor:
    """``x`` (N, C, H, W) with its pixel positions permuted (one permutation, all channels alike):
    the same colours, no structure."""
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(x.shape[-2] * x.shape[-1], generator=generator).to(x.device)
    return x.flatten(2)[:, :, order].reshape(x.shape)


def randomization(model: Model, x: torch.Tensor, *, methods: Sequence[str], mode: str = "cascading",
                  blocks: Sequence[str | Sequence[str]] | None = None, stages: int | None = None,
                  target=None, seed: int = 0, options: dict[str, dict] | None = None,
                  progress: bool = False) -> Randomization:
    """Re-initialize the model block by block and measure how much each method's map changes.

    Parameters
    ----------
    model : a :class:`seethrough.Model`; never modified (a deep copy is randomized).
    x : input (N, C, H, W).
    methods : registered attribution method names (see ``seethrough.list_methods()``).
    mode : "cascading" (from the logits down, cumulative) or "independent" (one block at a time).
    blocks : the blocks, input side first, each a layer name or a list of names randomized
        together; default the top-level children with parameters (``nn.ModuleList`` /
        ``nn.Sequential`` opened one level), see :func:`seethrough.trust.reinit.discover_blocks`.
    stages : merge the discovered blocks into this many consecutive groups (a shorter cascade).
    target : what to explain; a class target is fixed by the original model for every step.
    seed : seeds the re-initialization (block ``i`` always gets the same weights) and the noise floor.
    options : method name -> keyword options for that method (e.g. ``{"gradcam": {"layer": "conv2"}}``).
    progress : show a progress bar on stderr.

    Returns
    -------
    :class:`Randomization`. Under cascading randomization a method that explains the model ends
    near its noise floor; one that stays well above it shows the input, not the model.

    Examples
    --------
    >>> result = st.sanity.randomization(model, x, methods=["saliency", "guided_backprop"])
    >>> result.final("guided_backprop")["spearman_abs"], result.noise_floor["guided_backprop"]["spearman_abs"]
    """
    from ..attribution import attribute
    from ..attribution.base import get_method
    if mode not in MODES:
        from ..errors import unknown
        raise unknown("randomization mode", mode, MODES)
    methods = list(methods)
    if not methods:
        raise SeethroughError("give at least one attribution method to check")
    for method in methods:
        get_method(method)
    options = options or {}
    size = tuple(x.shape[-2:])
    steps = resolve_steps(model, blocks, stages)
    input_first = [name for group in steps[::-1] for name in group]
    seeds = {name: block_seed(seed, index) for index, name in enumerate(input_first)}
    fixed, label = fixed_target(model, target, x)
    working = model_copy(model)
    bar = Progress(len(methods) * (len(steps) + 2), f"{mode} randomization", enabled=progress)

    def explain(current: Model, method: str, inputs: torch.Tensor = x) -> torch.Tensor:
        values = attribute(current, inputs, target=fixed, method=method, **options.get(method, {})).values.detach()
        bar.advance()
        return values

    originals = {method: explain(working, method) for method in methods}
    maps = {m: [reduce_map(originals[m], size, absolute=True)] for m in methods}
    similarity: dict[str, list[dict[str, float]]] = {m: [] for m in methods}
    for group in steps:
        saved = {name: {k: v.clone() for k, v in working.layer(name).state_dict().items()} for name in group}
        for name in group:
            reinitialize(working.layer(name), seeds[name])
        for method in methods:
            values = explain(working, method)
            maps[method].append(reduce_map(values, size, absolute=True))
            similarity[method].append(compare_maps(originals[method], values, size=size))
        if mode == "independent":
            for name, state in saved.items():
                working.layer(name).load_state_dict(state)
    fully = model_copy(model)
    for name in input_first:
        reinitialize(fully.layer(name), seeds[name])
    shuffled = shuffle_pixels(x, seed)
    architecture = {m: compare_maps(originals[m], explain(fully, m, shuffled), size=size) for m in methods}
    bar.close()
    floors = {m: noise_floor(originals[m], size=size, seed=seed) for m in methods}
    names = ["original"] + ["+".join(group) for group in steps]
    return Randomization(mode, methods, names, maps, similarity, floors, label, architecture,
                         {"seed": seed, "blocks": [list(g) for g in steps[::-1]], "method_options": options})
