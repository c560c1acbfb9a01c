"""Reading an image named on the command line: a file path, ``sample:NAME`` or ``mnist:INDEX``."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from ..errors import SeethroughError
from .mnist import mnist
from .samples import sample


def load_image(spec: str | Path) -> np.ndarray:
    """The image named by ``spec`` as a uint8 array, H x W x 3 or H x W.

    ``spec`` is a path to an image file, ``sample:NAME`` for a built-in sample (``seethrough samples``
    lists them), or ``mnist:INDEX`` for digit INDEX (0-4999) of MNIST-5k.
    """
    text = str(spec)
    if text.startswith("sample:"):
        return sample(text[len("sample:"):])
    if text.startswith("mnist:"):
        index = text[len("mnist:"):]
        if not index.isdigit() or not 0 <= int(index) < 5000:
            raise SeethroughError(f"{text!r}: an MNIST digit is mnist:INDEX with INDEX from 0 to 4999")
        return np.array(mnist()[0][int(index)])
    path = Path(text)
    if not path.exists():
        raise SeethroughError(f"no such file: {text} (give an image file, sample:NAME or mnist:INDEX)")
    if path.is_dir():
        raise SeethroughError(f"{text} is a folder; give one image file")
    try:
        with Image.open(path) as image:
            image = image.convert("RGB") if image.mode not in ("L", "RGB") else image.copy()
    except (UnidentifiedImageError, OSError) as error:
        raise SeethroughError(f"{text} is not an image PIL can read ({error.__class__.__name__}); "
                              "use a PNG, JPEG or similar") from None
    return np.asarray(image)
