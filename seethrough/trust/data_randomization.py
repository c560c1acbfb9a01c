"""Data randomization: the same architecture trained on randomly permuted labels.

Adebayo, Gilmer, Muelly, Goodfellow, Hardt & Kim (2018), "Sanity checks for saliency maps",
NeurIPS, arXiv:1810.03292, Sec. 4: "In our data randomization test, we permute the training
labels and train a model on the randomized training data. [...] A model achieving high training
accuracy on this randomized data set is forced to memorize the randomly permuted labels."
If an explanation of that model looks like the explanation of the correctly trained one, the
explanation does not depend on the relationship between instances and labels.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch

from ..errors import SeethroughError
from ..model import Model
from .similarity import compare_maps

#: The recipe change that lets mnist_cnn memorize random labels: no augmentation (a shifted
#: digit is a new example with no label to learn), no weight decay, more epochs.
MEMORIZE = {"max_shift": 0, "weight_decay": 0.0, "epochs": 60, "lr": 3e-3}


@dataclass
class RandomLabelsModel:
    """A model trained on permuted labels, with its training accuracy on those labels."""

    model: Model
    train_accuracy: float
    seconds: float
    recipe: dict = field(default_factory=dict)


def random_labels_mnist_cnn(*, seed: int = 1, progress: bool = True) -> RandomLabelsModel:
    """mnist_cnn trained on MNIST-5k's training split with labels permuted by ``seed``.

    Trained on first use and cached under the hash of its recipe, like the zoo models: 60 epochs
    reach 100% training accuracy on the permuted labels (30 reach only 89%); that took 612 s on 2
    heavily shared cores, an estimated minute on a quiet machine (mnist_cnn's 20 epochs take 20 s).
    ``seconds`` says how long this call took. ``train_accuracy`` is measured on the permuted
    labels: the model memorized them when it is close to 1.
    """
    from ..zoo.mnist_cnn import RECIPE, MnistCNN
    from ..zoo.training import accuracy, mnist_tensors, train_mnist
    recipe = {**RECIPE, **MEMORIZE}
    started = time.perf_counter()
    module = train_mnist("mnist_cnn_random_labels", MnistCNN, recipe, labels_permutation_seed=seed,
                         progress=progress)
    seconds = time.perf_counter() - started
    images, labels = mnist_tensors("train")
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed))
    train_accuracy = accuracy(module, images, labels[order])
    model = Model(module, input_size=(28, 28), mean=(0.0,), std=(1.0,),
                  labels=[str(digit) for digit in range(10)], name="mnist_cnn (random labels)")
    return RandomLabelsModel(model, train_accuracy, seconds, {**recipe, "labels_permutation_seed": seed})


@dataclass
class DataRandomization:
    """Per-method similarity between the maps of a correctly trained and a random-labels model.

    Attributes
    ----------
    methods : the methods compared.
    similarity : method -> metric name -> mean over the examples (``compare_maps``'s metrics).
    noise_floor : method -> metric name -> mean |similarity| of the trained maps to random maps.
    architecture_floor : method -> metric name -> similarity of the trained maps to the random-labels
        model's maps of the inputs with their pixels shuffled (what the architecture alone gives,
        e.g. the border falloff of unpadded convolutions).
    maps_trained, maps_random : method -> (N, H, W) reduced maps, for drawing.
    """

    methods: list[str]
    similarity: dict[str, dict[str, float]]
    noise_floor: dict[str, dict[str, float]]
    architecture_floor: dict[str, dict[str, float]]
    maps_trained: dict[str, torch.Tensor]
    maps_random: dict[str, torch.Tensor]

    def to_dict(self) -> dict:
        return {"methods": self.methods, "similarity": self.similarity, "noise_floor": self.noise_floor,
                "architecture_floor": self.architecture_floor}


def data_randomization(trained: Model, randomized: Model, x: torch.Tensor, *, methods: Sequence[str],
                       targets: torch.Tensor, seed: int = 0, options: dict | None = None) -> DataRandomization:
    """Compare each method's maps of ``trained`` and ``randomized`` on the same inputs.

    Parameters
    ----------
    trained, randomized : two models of the same architecture (the second trained on permuted labels).
    x : inputs (N, C, H, W), e.g. test digits.
    methods : registered attribution method names.
    targets : the class explained for each example (N,), the same for both models (the true label).
    seed : for the noise floor's random maps and the shuffled pixels of the architecture floor.
    options : method -> keyword options for it.
    """
    from ..attribution import attribute
    from .randomization import shuffle_pixels
    from .similarity import noise_floor, reduce_map
    options = options or {}
    targets = torch.as_tensor(targets, dtype=torch.long, device=x.device).reshape(-1)
    if len(targets) != x.shape[0]:
        raise SeethroughError(f"targets gives {len(targets)} classes for {x.shape[0]} inputs; give one per input")
    if not methods:
        raise SeethroughError("give at least one attribution method to compare")

    def pick(logits: torch.Tensor) -> torch.Tensor:
        return logits.gather(1, targets.repeat(logits.shape[0] // len(targets)).view(-1, 1)).squeeze(1)

    similarity, floors, architecture, maps_trained, maps_random = {}, {}, {}, {}, {}
    shuffled = shuffle_pixels(x, seed)
    size = tuple(x.shape[-2:])
    for method in methods:
        first = attribute(trained, x, target=pick, method=method, **options.get(method, {})).values.detach()
        second = attribute(randomized, x, target=pick, method=method, **options.get(method, {})).values.detach()
        similarity[method] = compare_maps(first, second, size=size)
        floors[method] = noise_floor(first, size=size, seed=seed)
        scrambled = attribute(randomized, shuffled, target=pick, method=method, **options.get(method, {})).values
        architecture[method] = compare_maps(first, scrambled.detach(), size=size)
        maps_trained[method] = reduce_map(first, size)
        maps_random[method] = reduce_map(second, size)
    return DataRandomization(list(methods), similarity, floors, architecture, maps_trained, maps_random)
