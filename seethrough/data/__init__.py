"""Inputs that need no download: built-in sample images, image files, and MNIST-5k."""
from .images import load_image
from .mnist import mnist, mnist_split
from .samples import list_samples, sample

__all__ = ["load_image", "mnist", "mnist_split", "list_samples", "sample"]
