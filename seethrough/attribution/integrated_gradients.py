"""Integrated gradients: the gradient averaged along the straight path from a baseline to the input.

Sundararajan, Taly & Yan (2017), "Axiomatic attribution for deep networks", ICML, arXiv:1703.01365.
Completeness (the attributions sum to f(x) - f(baseline)) holds for the exact integral; a
quadrature with too few steps misses it, so the gap is measured and reported with every result,
and ``tolerance=`` refines the steps until the gap is below it.
"""
from __future__ import annotations

import numpy as np
import torch

from ..errors import SeethroughError
from ..progress import Progress
from ..targets import objective
from .base import Attribution, register
from .baselines import make_baseline
from .gradient import summed_gradients

RULES = ("gausslegendre", "riemann_trapezoid", "riemann_middle", "riemann_left", "riemann_right")


def quadrature(rule: str, n_steps: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(alphas, weights) in float64 for integrating over [0, 1] with ``n_steps`` points."""
    if n_steps < 1 or (rule == "riemann_trapezoid" and n_steps < 2):
        raise SeethroughError(f"n_steps must be at least {2 if rule == 'riemann_trapezoid' else 1}, got {n_steps}")
    if rule == "gausslegendre":
        nodes, weights = np.polynomial.legendre.leggauss(n_steps)
        return torch.from_numpy((nodes + 1) / 2), torch.from_numpy(weights / 2)
    if rule == "riemann_trapezoid":
        alphas = torch.linspace(0, 1, n_steps, dtype=torch.float64)
        weights = torch.full((n_steps,), 1 / (n_steps - 1), dtype=torch.float64)
        weights[0] = weights[-1] = 0.5 / (n_steps - 1)
        return alphas, weights
    offset = {"riemann_left": 0.0, "riemann_middle": 0.5, "riemann_right": 1.0}.get(rule)
    if offset is None:
        from ..errors import unknown
        raise unknown("integration rule", rule, RULES)
    alphas = (torch.arange(n_steps, dtype=torch.float64) + offset) / n_steps
    return alphas, torch.full((n_steps,), 1 / n_steps, dtype=torch.float64)


def _integrate(goal, x, reference, rule, n_steps, batch_size, advance):
    alphas, weights = quadrature(rule, n_steps)
    alphas = alphas.to(dtype=x.dtype, device=x.device)
    difference = x - reference

    def make(start: int, stop: int) -> torch.Tensor:
        a = alphas[start:stop].view(-1, 1, *([1] * (x.dim() - 1)))
        return reference.unsqueeze(0) + a * difference.unsqueeze(0)
    total, _ = summed_gradients(goal, x.shape[0], n_steps, make, weights, batch_size=batch_size,
                                  progress=advance)
    return difference * total


@register("integrated_gradients")
def integrated_gradients(model, x: torch.Tensor, *, target=None, baseline="zeros", n_steps: int = 50,
                         rule: str = "gausslegendre", tolerance: float | None = None, max_steps: int = 1024,
                         batch_size: int | None = None, seed: int = 0, progress: bool = False) -> Attribution:
    """(x - x0) * the integral over a in [0, 1] of grad f(x0 + a (x - x0)).

    Parameters
    ----------
    model : a :class:`seethrough.Model`.
    x : input (N, C, H, W); not modified.
    target : class name or index, None for each example's top-1 class, a hidden unit
        ``"layer:channel[:y:x]"``, or a callable logits -> (N,).
    baseline : "zeros", "black", "white", "mean", "blur", "uniform" (noise, drawn with ``seed``), a
        number or a tensor (see :func:`seethrough.attribution.baselines.make_baseline`).
    n_steps : quadrature points (gradient evaluations per example).
    rule : "gausslegendre" (default, as Captum), "riemann_trapezoid", "riemann_middle",
        "riemann_left" or "riemann_right".
    tolerance : if given, double ``n_steps`` until every example's completeness gap
        |sum - (f(x) - f(x0))| / |f(x) - f(x0)| is at most this, up to ``max_steps``; the steps
        used and whether the tolerance was met are in ``certificates``.
    batch_size : inputs per forward/backward pass (default: the fastest measured on CPU).
    seed : for the "uniform" baseline.
    progress : show a progress bar on stderr.

    Returns
    -------
    Attribution with ``values`` (N, C, H, W); ``certificates``: ``sum`` (per example),
    ``delta`` = f(x) - f(x0), ``relative_gap``, ``n_steps`` used, and with a tolerance
    ``tolerance_met``.

    Examples
    --------
    >>> result = st.attribute(model, x, method="integrated_gradients", baseline="black", tolerance=0.01)
    >>> result.certificates["relative_gap"], result.certificates["n_steps"]
    """
    if tolerance is not None and tolerance <= 0:
        raise SeethroughError(f"tolerance must be > 0 (a relative completeness gap such as 0.01), got {tolerance}")
    if rule not in RULES:
        from ..errors import unknown
        raise unknown("integration rule", rule, RULES)
    goal = objective(model, target, x)
    x = x.detach()
    reference = make_baseline(model, x, baseline, seed=seed).detach()
    with torch.no_grad():
        delta = goal(x) - goal(reference)
    steps = n_steps
    bar = Progress(steps, "integrated gradients", enabled=progress)
    try:
        while True:
            values = _integrate(goal, x, reference, rule, steps, batch_size, bar.advance)
            total = values.flatten(1).sum(1)
            gap = (total - delta).abs() / delta.abs().clamp_min(torch.finfo(delta.dtype).tiny)
            if tolerance is None or float(gap.max()) <= tolerance or steps * 2 > max_steps:
                break
            steps *= 2
            bar.total += steps
    finally:
        bar.close()
    certificates = {"sum": total.tolist(), "delta": delta.tolist(), "relative_gap": gap.tolist(), "n_steps": steps}
    if tolerance is not None:
        certificates["tolerance_met"] = bool(float(gap.max()) <= tolerance)
    options = {"baseline": baseline if isinstance(baseline, (str, int, float)) else "tensor", "n_steps": n_steps,
               "rule": rule, "tolerance": tolerance, "seed": seed}
    return Attribution(values=values, method="integrated_gradients", target=goal.indices, target_label=goal.label,
                       options=options, certificates=certificates)
