"""LIME for text: which words make a classifier say what it says (the "Darwin fish" post).

Ribeiro, Singh & Guestrin, KDD 2016. Features are the distinct words of the text; a sample
removes some of them (every occurrence), the classifier scores the shortened texts, and a
weighted ridge regression on the keep/remove masks gives one weight per word. As in the lime
package: words are split on ``\\W+``, sample weights are an exponential kernel (width 25) on
100 x the cosine distance of the mask to the full text.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import SeethroughError
from .classes import pick_class
from .sampling import removal_masks
from .surrogate import cosine_distance, exponential_kernel, fit_surrogate


@dataclass
class LimeTextResult:
    """One LIME explanation of a text.

    ``words`` (K,) the distinct words and ``weights`` (K,) theirs (positive: evidence for the
    target class); ``tokens`` the text split into words and separators, ``token_words`` each
    token's word index (-1 for separators) for highlighting; ``probabilities`` the classifier's
    output on the full text.
    """

    words: list[str]
    weights: np.ndarray
    intercept: float
    r2: float
    local_prediction: float
    probabilities: np.ndarray
    target: int
    target_label: str
    class_names: list[str]
    tokens: list[str]
    token_words: list[int]
    options: dict = field(default_factory=dict)

    def ranked(self) -> list[tuple[str, float]]:
        """(word, weight) by decreasing absolute weight."""
        order = np.argsort(-np.abs(self.weights), kind="stable")
        return [(self.words[i], float(self.weights[i])) for i in order]

    def to_dict(self) -> dict:
        return {"method": "lime_text", "target": self.target, "target_label": self.target_label,
                "class_names": self.class_names, "probabilities": [float(p) for p in self.probabilities],
                "r2": self.r2, "intercept": self.intercept, "local_prediction": self.local_prediction,
                "options": self.options, "words": [{"word": w, "weight": v} for w, v in self.ranked()]}


def split_words(text: str) -> tuple[list[str], list[int], list[str]]:
    """``text`` -> (tokens, each token's word index or -1, the distinct words in order of first use)."""
    tokens = [t for t in re.split(r"(\W+)", text) if t]
    words: list[str] = []
    where: dict[str, int] = {}
    token_words = []
    for token in tokens:
        if re.fullmatch(r"\W+", token):
            token_words.append(-1)
            continue
        if token not in where:
            where[token] = len(words)
            words.append(token)
        token_words.append(where[token])
    return tokens, token_words, words


def _probabilities(predict_proba: Callable, texts: list[str], batch_size: int | None) -> np.ndarray:
    size = batch_size or len(texts)
    parts = [np.asarray(predict_proba(texts[i:i + size]), dtype=np.float64) for i in range(0, len(texts), size)]
    result = np.concatenate(parts)
    if result.ndim != 2 or len(result) != len(texts):
        raise SeethroughError(f"predict_proba must map a list of n texts to an (n, classes) array; "
                              f"for {len(texts)} texts it returned shape {result.shape}")
    return result


def lime_text(predict_proba: Callable[[list[str]], Sequence], text: str, *, target: int | str | None = None,
              class_names: Sequence[str] | None = None, n_samples: int = 1000, seed: int = 0,
              kernel_width: float = 25.0, alpha: float = 1.0, batch_size: int | None = None) -> LimeTextResult:
    """Explain a text classifier's decision on ``text`` word by word.

    Parameters
    ----------
    predict_proba : any callable ``list[str] -> (n, classes)`` probabilities.
    text : the text to explain (at least one word).
    target : class index or name (names need ``class_names``; default: the top class on ``text``).
    n_samples : texts scored (the first is ``text`` itself); ``seed`` chooses the removed words.
    kernel_width : of the kernel on 100 x cosine distance (lime's text default 25); ``alpha`` ridge penalty.
    batch_size : texts per call of ``predict_proba`` (default: all at once).

    Examples
    --------
    >>> result = st.lime_text(classifier, "God is dead, Darwin fish on my car", class_names=["atheism", "christian"])
    >>> result.ranked()[:3]
    """
    tokens, token_words, words = split_words(text)
    if not words:
        raise SeethroughError("the text has no words to explain")
    if n_samples < 2:
        raise SeethroughError(f"n_samples must be at least 2, got {n_samples}")
    masks = removal_masks(n_samples, len(words), seed)
    texts = ["".join(t for t, w in zip(tokens, token_words) if w < 0 or row[w] > 0) for row in masks]
    probabilities = _probabilities(predict_proba, texts, batch_size)
    names = list(class_names) if class_names is not None else [f"class {i}" for i in range(probabilities.shape[1])]
    if len(names) != probabilities.shape[1]:
        raise SeethroughError(f"{len(names)} class names for {probabilities.shape[1]} classes")
    index = pick_class(target, names, probabilities[0])
    weights = exponential_kernel(cosine_distance(masks) * 100, kernel_width)
    fit = fit_surrogate(masks, probabilities[:, index], weights, alpha=alpha)
    options = {"n_samples": n_samples, "seed": seed, "kernel_width": kernel_width, "alpha": alpha}
    return LimeTextResult(words, fit.coef, fit.intercept, fit.r2, fit.local_prediction, probabilities[0],
                          index, names[index], names, tokens, token_words, options)
