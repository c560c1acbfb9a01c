"""Attribution methods, one per module, each registered by name.

>>> st.attribute(model, x, target="tiger cat", method="integrated_gradients", n_steps=64)
>>> st.list_methods()

Every method is also a plain function ``method(model, x, *, target=None, **options) -> Attribution``.
Modules in this package register themselves when the package is imported.
"""
from __future__ import annotations

import importlib
import pkgutil

from .base import Attribution, attribute, get_method, list_methods, register

__all__ = ["Attribution", "attribute", "list_methods", "register"]

for _info in pkgutil.iter_modules(__path__):
    if _info.name != "base":
        importlib.import_module(f"{__name__}.{_info.name}")

# each method as a plain function: ``seethrough.attribution.integrated_gradients(model, x, ...)``
for _name in list_methods():
    globals()[_name] = get_method(_name)
__all__ += list_methods()
