"""LIME (Ribeiro, Singh & Guestrin, KDD 2016) for images, text and tables, and its stability."""
from .image import LimeImageResult, lime_image
from .segmentation import SEGMENTATIONS, segment
from .stability import Stability, lime_stability, stability_of
from .tabular import LimeTabularResult, lime_tabular
from .text import LimeTextResult, lime_text

__all__ = ["lime_image", "lime_text", "lime_tabular", "lime_stability", "stability_of", "segment",
           "SEGMENTATIONS", "LimeImageResult", "LimeTextResult", "LimeTabularResult", "Stability"]
