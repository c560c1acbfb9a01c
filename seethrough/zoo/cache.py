"""Where trained models are kept: the user cache dir, one file per recipe hash."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path


def cache_dir() -> Path:
    """``$SEETHROUGH_CACHE``, else ``$XDG_CACHE_HOME/seethrough``, else ``~/.cache/seethrough``."""
    if os.environ.get("SEETHROUGH_CACHE"):
        return Path(os.environ["SEETHROUGH_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "seethrough"


def recipe_path(name: str, recipe: dict) -> Path:
    """The cache file for model ``name`` trained by ``recipe`` (any JSON-able dict)."""
    digest = hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:16]
    return cache_dir() / f"{name}-{digest}.pt"
