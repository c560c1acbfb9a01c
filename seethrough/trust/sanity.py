"""Sanity checks for explanations, under one name: ``st.sanity.randomization(...)``.

Adebayo, Gilmer, Muelly, Goodfellow, Hardt & Kim (2018), "Sanity checks for saliency maps",
NeurIPS, arXiv:1810.03292. Two tests: the *model* randomization test (re-initialize the weights,
cascading from the logits down or one block at a time; :func:`randomization`) and the *data*
randomization test (retrain on permuted labels; :func:`data_randomization`, with
:func:`random_labels_mnist_cnn` for the shipped MNIST model). The algorithms live in their own
modules; this one only gives them the public name.

>>> result = st.sanity.randomization(model, x, methods=["saliency", "guided_backprop"])
>>> result.final("guided_backprop"), result.noise_floor["guided_backprop"]
"""
from __future__ import annotations

from .data_randomization import DataRandomization, RandomLabelsModel, data_randomization, random_labels_mnist_cnn
from .randomization import MODES, Randomization, randomization
from .reinit import discover_blocks, fully_randomized, model_copy
from .similarity import METRICS, compare_maps, noise_floor

__all__ = ["DataRandomization", "METRICS", "MODES", "RandomLabelsModel", "Randomization", "compare_maps",
           "data_randomization", "discover_blocks", "fully_randomized", "model_copy", "noise_floor",
           "random_labels_mnist_cnn", "randomization"]
