"""Ready-to-use models, by name: ``zoo.load("efficientnet_lite0")``, ``zoo.list_models()``.

A name may also be a user's model: ``path/to/file.py:factory`` (the factory returns an
``nn.Module``) or a TorchScript file ``model.pt``; see :func:`seethrough.zoo.user.load_user_model`.
"""
from __future__ import annotations

from collections.abc import Callable

from ..errors import unknown
from ..model import Model

_REGISTRY: dict[str, tuple[Callable[..., Model], str]] = {}


def register(name: str, description: str):
    """Decorator: add a model factory ``(progress: bool) -> Model`` to the zoo under ``name``."""
    def decorate(factory: Callable[..., Model]) -> Callable[..., Model]:
        _REGISTRY[name] = (factory, description)
        return factory
    return decorate


def list_models() -> dict[str, str]:
    """Model name -> one-line description, for every model the zoo can build."""
    return {name: description for name, (_, description) in _REGISTRY.items()}


def load(name: str, *, progress: bool = True, **options) -> Model:
    """The model called ``name``: a zoo name, ``file.py:factory`` or a TorchScript ``.pt`` file.

    ``progress`` shows a bar while a zoo model trains on first use. ``options`` (``input_size``,
    ``mean``, ``std``, ``labels``) apply to user models.
    """
    from .user import is_user_model, load_user_model
    if is_user_model(name):
        return load_user_model(name, **options)
    if name not in _REGISTRY:
        raise unknown("model", name, _REGISTRY, "or give path/to/file.py:factory or a TorchScript .pt file")
    return _REGISTRY[name][0](progress=progress)


import importlib as _importlib  # noqa: E402
import pkgutil as _pkgutil  # noqa: E402

for _info in _pkgutil.iter_modules(__path__):  # every model module registers itself when imported
    if _info.name not in ("cache", "training", "user", "data"):
        _importlib.import_module(f"{__name__}.{_info.name}")
