"""The plain input gradient of an objective, in batches: the primitive of the gradient family.

Saliency, gradient x input, integrated gradients and SmoothGrad all need ``d objective / d input``
at many inputs. This module evaluates it in batches of a size that is fast on a CPU (small
batches are faster per image than large ones there), with an optional weight per input, and sums
repeated evaluations of the same example when asked.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

import torch

from ..targets import Objective

#: inputs per forward/backward pass; measured on 2 CPU cores with EfficientNet-Lite0 at 224 px
#: (benchmarks/attribution.py), small batches beat 32-64 per image there.
DEFAULT_BATCH = 8


def gradient(objective: Objective, inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(d objective / d inputs, scores) for one batch ``inputs`` (N * k, C, H, W), gradients on."""
    with torch.enable_grad():
        leaf = inputs.detach().requires_grad_(True)
        scores = objective(leaf)
        grad, = torch.autograd.grad(scores.sum(), leaf)
    return grad, scores.detach()


def summed_gradients(objective: Objective, n: int, count: int, make: Callable[[int, int], torch.Tensor],
                     weights: torch.Tensor | None = None, *, batch_size: int | None = None,
                     reduce: Callable[[torch.Tensor], torch.Tensor] | None = None,
                     progress: Callable[[int], None] | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Sum over ``count`` evaluations of the gradient for each of the N explained examples.

    Parameters
    ----------
    objective : what is differentiated.
    n : the number N of explained examples.
    count : evaluations per example (integration steps, noise samples).
    make : ``make(start, stop)`` -> the inputs of evaluations ``start..stop-1``, shape
        (stop - start, N, C, H, W).
    weights : (count,) weight of each evaluation's gradient (quadrature weights); None for 1.
    batch_size : inputs per pass (evaluations x N); default :data:`DEFAULT_BATCH`.
    reduce : applied to each gradient (stop - start, N, C, H, W) before summing (e.g. squaring).
    progress : called with the number of evaluations done after each pass.

    Returns
    -------
    (summed gradient (N, C, H, W), scores of every evaluation (count, N)).
    """
    total, scores = None, []
    for start, stop in _chunks(count, n, batch_size or DEFAULT_BATCH):
        inputs = make(start, stop)
        steps = inputs.shape[0]
        with torch.enable_grad():
            leaf = inputs.reshape(steps * n, *inputs.shape[2:]).detach().requires_grad_(True)
            value = objective(leaf)
            weighted = value if weights is None else value * weights[start:stop].to(value).repeat_interleave(n)
            grad, = torch.autograd.grad(weighted.sum(), leaf)
        grad = grad.view(inputs.shape)
        grad = reduce(grad) if reduce is not None else grad
        part = grad.sum(0)
        total = part if total is None else total + part
        scores.append(value.detach().view(steps, n))
        if progress is not None:
            progress(stop - start)
    return total, torch.cat(scores)


def _chunks(count: int, n: int, batch_size: int) -> Iterator[tuple[int, int]]:
    """Evaluations per pass, as even as possible: 25 at batch 8 is 7+6+6+6, not 8+8+8+1."""
    per_pass = max(1, batch_size // max(n, 1))
    passes = -(-count // per_pass)
    edges = [round(i * count / passes) for i in range(passes + 1)]
    yield from zip(edges[:-1], edges[1:])
