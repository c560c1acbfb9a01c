"""Writing output files all-or-nothing: a failed run never leaves a half-written file behind."""
from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import SeethroughError


def check_writable(path: str | Path) -> Path:
    """Fail early, before any work, if ``path`` cannot be written (its folder is missing, say)."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise SeethroughError(f"{path} is a folder; give a file name for the output")
    if not folder.is_dir():
        raise SeethroughError(f"cannot write {path}: folder {folder} does not exist")
    return path


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it onto ``path`` only if the block succeeds."""
    path = check_writable(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.", suffix=path.suffix)
    os.close(handle)
    try:
        yield Path(temporary)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def write_text(path: str | Path, text: str) -> None:
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")


def save_figure(figure, path: str | Path, dpi: int = 110) -> None:
    """Save a matplotlib figure (built with ``matplotlib.figure.Figure``; format from the suffix)."""
    with atomic_path(path) as temporary:
        figure.savefig(temporary, dpi=dpi, bbox_inches="tight", format=Path(path).suffix.lstrip(".") or "png")


def save_array(path: str | Path, array) -> None:
    """Save a numpy array as ``.npy``."""
    import numpy as np
    with atomic_path(path) as temporary:
        with open(temporary, "wb") as handle:
            np.save(handle, array)
