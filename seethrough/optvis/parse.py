"""Objectives written as text, as the CLI takes them (``--objective``).

=========================  ==========================================================
``class:NAME`` / ``:INDEX``  the class logit (``class:"tiger cat"``, ``class:282``)
``channel:LAYER:C``          channel C of LAYER, mean over space
``neuron:LAYER:C[:Y:X]``     one activation of channel C (default: the map's centre)
``layer:LAYER``              DeepDream: mean square of LAYER's activations
``direction:LAYER:FILE``     an activation vector (C,) saved with ``numpy.save``
``LAYER:C`` / ``NAME``       shorthands: a channel, or a class
=========================  ==========================================================

Units are read with :func:`seethrough.targets.parse_unit`, so a wrong layer name lists the closest.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import SeethroughError, unknown
from ..model import Model
from ..targets import class_index, parse_unit
from . import objectives
from .objectives import Objective

KINDS = ("class", "channel", "neuron", "layer", "direction")


def parse_objective(model: Model, text: str, *, cossim_pow: float = 0.0) -> Objective:
    """The :class:`Objective` written as ``text`` (see the module docstring for the forms);
    ``cossim_pow`` applies to a direction (see :func:`~seethrough.optvis.objectives.direction`)."""
    text = text.strip()
    kind, _, rest = text.partition(":")
    if kind not in KINDS:
        unit = parse_unit(model, text)
        if unit is not None:
            return _unit_objective(unit, "channel" if unit.y is None else "neuron")
        if not rest and text:
            return _class(model, text)
        raise unknown("objective kind", kind, KINDS, "write KIND:..., e.g. class:\"tiger cat\" or channel:LAYER:C")
    if not rest:
        raise SeethroughError(f"objective {text!r} is missing its argument: write {kind}:...")
    if kind == "class":
        return _class(model, rest)
    if kind == "layer":
        model.layer(rest)
        return objectives.layer(rest)
    if kind == "direction":
        return _direction(model, rest, cossim_pow)
    unit = parse_unit(model, rest)
    if unit is None:
        raise SeethroughError(f"objective {text!r}: write {kind}:LAYER:CHANNEL"
                              + ("[:Y:X]" if kind == "neuron" else "") + " with a layer of the model")
    if kind == "channel" and unit.y is not None:
        raise SeethroughError(f"objective {text!r}: a channel has no position; use neuron:{rest}")
    return _unit_objective(unit, kind)


def _class(model: Model, name: str) -> Objective:
    index = class_index(model, name.strip().strip('"'))
    return objectives.class_logit(index, label=model.label(index))


def _unit_objective(unit, kind: str) -> Objective:
    if kind == "channel":
        return objectives.channel(unit.layer, unit.channel)
    return objectives.neuron(unit.layer, unit.channel, unit.y, unit.x)


def _direction(model: Model, rest: str, cossim_pow: float) -> Objective:
    layer, _, path = rest.partition(":")
    model.layer(layer)
    if not path:
        raise SeethroughError(f"direction:{rest}: write direction:LAYER:FILE.npy (a vector with one value per channel)")
    if not Path(path).is_file():
        raise SeethroughError(f"direction file {path} does not exist (save a vector with numpy.save)")
    try:
        vector = np.load(path, allow_pickle=False)
    except (ValueError, OSError) as error:
        raise SeethroughError(f"cannot read {path} as a .npy array ({error}); save it with numpy.save") from None
    if vector.ndim != 1 or not np.issubdtype(vector.dtype, np.number) or not np.isfinite(vector).all():
        raise SeethroughError(f"{path}: a direction is a 1-D vector of finite numbers, got shape {vector.shape}")
    return objectives.direction(layer, vector.astype(np.float32), cossim_pow=cossim_pow)


def spatial_layers(model: Model) -> dict[str, tuple[int, ...]]:
    """Layers with an (N, C, H, W) output larger than 1 x 1 that run exactly once per forward pass, in the order they run,
    with their output shapes (a module reused in every block, like EfficientNet's ``_swish``, is left out)."""
    repeated = model.repeated_layers()
    return {name: shape for name, shape in model.layer_shapes().items()
            if name not in repeated and len(shape) == 4 and shape[2] * shape[3] > 1}


def default_diversity_layer(model: Model, objective: Objective) -> str:
    """The layer a ``--diversity`` penalty compares: the objective's own layer, or for a class objective
    the last layer with a spatial (N, C, H, W) output."""
    if objective.layers:
        return objective.layers[-1]
    spatial = list(spatial_layers(model))
    if not spatial:
        raise SeethroughError(f"{model.name} has no layer with a (N, C, H, W) output to compare images at")
    return spatial[-1]
