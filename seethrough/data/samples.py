"""Built-in sample images from ``skimage.data`` (shipped with scikit-image, no download)."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..errors import unknown


def _skimage(name: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        from skimage import data
        return getattr(data, name)()
    return load


def _horse() -> np.ndarray:
    from skimage import data
    silhouette = data.horse()  # True on the background, False on the horse
    return np.where(silhouette, 255, 0).astype(np.uint8)


def _face() -> np.ndarray:
    from skimage import data
    return (data.lfw_subset()[0] * 255).round().astype(np.uint8)


_SAMPLES: dict[str, tuple[Callable[[], np.ndarray], str]] = {
    "chelsea": (_skimage("chelsea"), "Chelsea the cat, 451x300 RGB"),
    "astronaut": (_skimage("astronaut"), "Eileen Collins, astronaut, 512x512 RGB"),
    "coffee": (_skimage("coffee"), "a cup of coffee, 600x400 RGB"),
    "rocket": (_skimage("rocket"), "a rocket on its launch pad, 640x427 RGB"),
    "horse": (_horse, "a horse silhouette, black on white, 400x328"),
    "camera": (_skimage("camera"), "the cameraman, 512x512 grey"),
    "brick": (_skimage("brick"), "brick wall texture, 512x512 grey"),
    "grass": (_skimage("grass"), "grass texture, 512x512 grey"),
    "gravel": (_skimage("gravel"), "gravel texture, 512x512 grey"),
    "face": (_face, "a face from the LFW subset, 25x25 grey"),
}


def list_samples() -> dict[str, str]:
    """Sample name -> description."""
    return {name: description for name, (_, description) in _SAMPLES.items()}


def sample(name: str) -> np.ndarray:
    """The sample image called ``name`` as a uint8 array, H x W x 3 (colour) or H x W (grey)."""
    if name not in _SAMPLES:
        raise unknown("sample", name, _SAMPLES, "list them with 'seethrough samples'")
    return _SAMPLES[name][0]()
