"""A user's own model: ``path/to/file.py:factory`` or a TorchScript file (``.pt``, ``.pth``, ``.ts``).

The factory is called with no arguments and must return an ``nn.Module``. Since seethrough builds
that instance itself, it puts it in eval mode. Preprocessing defaults to 224 x 224, three channels,
pixels in [0, 1] (mean 0, std 1); ``input_size``, ``mean``, ``std`` and ``labels`` (a text file,
one class name per line) override it.
"""
from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn

from ..errors import SeethroughError
from ..model import Model

SCRIPT_SUFFIXES = (".pt", ".pth", ".ts")


def is_user_model(name: str) -> bool:
    """True if ``name`` names a file rather than a zoo model."""
    return ".py:" in name or name.endswith(".py") or name.endswith(SCRIPT_SUFFIXES)


def _read_labels(path: str | None) -> list[str] | None:
    if path is None:
        return None
    file = Path(path)
    if not file.is_file():
        raise SeethroughError(f"no such labels file: {path} (one class name per line)")
    labels = [line.strip() for line in file.read_text().splitlines() if line.strip()]
    if not labels:
        raise SeethroughError(f"labels file {path} has no class names (one per line)")
    return labels


def _from_factory(spec: str) -> nn.Module:
    file_name, _, factory_name = spec.rpartition(":") if ".py:" in spec else (spec, "", "")
    if not factory_name:
        raise SeethroughError(f"{spec!r}: name the factory too, as path/to/file.py:factory")
    path = Path(file_name)
    if not path.is_file():
        raise SeethroughError(f"no such model file: {file_name}")
    module_name = f"seethrough_user_{abs(hash(str(path.resolve())))}"
    loader = importlib.util.spec_from_file_location(module_name, path)
    code = importlib.util.module_from_spec(loader)
    sys.modules[module_name] = code
    try:
        loader.loader.exec_module(code)
    except Exception as error:  # the user's file failed to import: say so in one line
        raise SeethroughError(f"{file_name} failed to import: {error.__class__.__name__}: {error}") from None
    factory = getattr(code, factory_name, None)
    if not callable(factory):
        names = [n for n in vars(code) if callable(getattr(code, n)) and not n.startswith("_")]
        raise SeethroughError(f"{file_name} has no callable {factory_name!r}; it has: {', '.join(names) or 'none'}")
    network = factory()
    if not isinstance(network, nn.Module):
        raise SeethroughError(f"{spec} returned {type(network).__name__}, not a torch.nn.Module")
    return network


def _from_torchscript(spec: str) -> nn.Module:
    if not Path(spec).is_file():
        raise SeethroughError(f"no such model file: {spec}")
    try:
        return torch.jit.load(spec, map_location="cpu")
    except Exception as error:
        raise SeethroughError(f"{spec} is not a TorchScript file ({error.__class__.__name__}); save one with "
                              "torch.jit.script(model).save(path), or give file.py:factory") from None


def load_user_model(spec: str, *, input_size: Sequence[int] | int | None = None,
                    mean: Sequence[float] | None = None, std: Sequence[float] | None = None,
                    labels: str | Sequence[str] | None = None) -> Model:
    """Load ``spec`` (``file.py:factory`` or a TorchScript file) as a :class:`Model`."""
    network = _from_torchscript(spec) if spec.endswith(SCRIPT_SUFFIXES) else _from_factory(spec)
    network.eval()
    if isinstance(input_size, int):
        input_size = (input_size, input_size)
    mean = tuple(mean) if mean is not None else (0.0,) * (len(std) if std is not None else 3)
    std = tuple(std) if std is not None else (1.0,) * len(mean)
    names = _read_labels(labels) if isinstance(labels, (str, type(None))) else list(labels)
    return Model(network, input_size=input_size or (224, 224), mean=mean, std=std, labels=names,
                 name=Path(spec.split(":")[0]).stem)
