"""Feature visualization: gradient ascent on the input, weights frozen.

What a class, a channel, a neuron or an activation vector is looking for (:func:`render` with an
:mod:`objectives` objective), DeepDream (:func:`dream`) and Gatys et al.'s style transfer
(:func:`style_transfer`), on the image parameterizations of :mod:`param` and the random
transforms of :mod:`transforms` (Olah, Mordvintsev & Schubert 2017, "Feature Visualization", Distill).

>>> from seethrough.optvis import objectives, render
>>> result = render(model, objectives.channel("_blocks.10", 7) - 100 * objectives.diversity("_blocks.10"),
...                 batch=4, steps=256, seed=0)
>>> result.images()        # four H x W x 3 arrays in [0, 1]
"""
from . import objectives, param, transforms
from .attributed_channels import attributed_channels
from .dream import Dream, dream
from .objectives import Objective
from .parse import parse_objective
from .render import Visualization, probabilities_under_transforms, render
from .style import StyleTransfer, style_transfer

__all__ = ["Dream", "Objective", "StyleTransfer", "Visualization", "attributed_channels", "dream", "objectives",
           "param", "parse_objective", "probabilities_under_transforms", "render", "style_transfer", "transforms"]
