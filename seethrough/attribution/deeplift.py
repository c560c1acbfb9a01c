"""DeepLIFT with the Rescale rule: differences from a baseline, carried back by multipliers.

Shrikumar, Greenside & Kundaje (2017), "Learning important features through propagating activation
differences", ICML, arXiv:1704.02685. Rescale rule; the product rule for gates is the Shapley split
of Ancona et al. (2018), arXiv:1711.06104, Sec. 3.
"""
from __future__ import annotations

import torch

from ..errors import SeethroughError
from ..targets import objective
from .base import Attribution, register
from .baselines import make_baseline
from .interception import propagation
from .rules import ACTIVATIONS, Call, backward_rule, depends_on_input, local_derivative, vector_jacobian


def _tolerance(inputs: torch.Tensor) -> torch.Tensor:
    """Below this input difference the multiplier falls back to the gradient."""
    return torch.finfo(inputs.dtype).eps ** 0.5 * (1 + inputs.abs())


def _halves(tensor: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The input's and the baseline's half of a batch [x; x0] (the batch must stay the first dimension)."""
    if tensor.shape[0] % 2:
        raise SeethroughError(f"deeplift: an activation saw a batch of {tensor.shape[0]}, not [x; baseline]; "
                              "the model must keep the batch as the first dimension")
    half = tensor.shape[0] // 2
    return tensor[:half], tensor[half:]


def _rescale(call: Call, inputs: torch.Tensor, outputs: torch.Tensor, grad: torch.Tensor) -> torch.Tensor:
    """Rescale multiplier (y - y0) / (x - x0) of the same call, the gradient where x ~ x0."""
    (x, x0), (y, y0) = _halves(inputs), _halves(outputs)
    delta = x - x0
    safe = delta.abs() > _tolerance(x)
    ratio = (y - y0) / torch.where(safe, delta, torch.ones_like(delta))
    multiplier = torch.where(safe, ratio, _halves(local_derivative(call, inputs))[0])
    return grad * torch.cat([multiplier, multiplier])


def _max_pool(call: Call, inputs: torch.Tensor, outputs: torch.Tensor, grad: torch.Tensor) -> torch.Tensor:
    """Max pooling, exactly complete: each window's y - y0 is shared by x's winner j and x0's winner k.

    y - y0 = x_j - x0_k always lies between dx_j = x_j - x0_j and dx_k = x_k - x0_k, so it is
    lambda dx_j + (1 - lambda) dx_k with lambda in [0, 1]: multiplier lambda at j, 1 - lambda at k.
    Where both halves pick the same position this is winner-take-all with multiplier 1.
    """
    (x, x0), (y, y0) = _halves(inputs), _halves(outputs)
    with torch._C.DisableTorchFunction():
        _, winners = call.func(x, *call.args[1:], **{**call.kwargs, "return_indices": True})
        _, reference_winners = call.func(x0, *call.args[1:], **{**call.kwargs, "return_indices": True})

    def at(tensor, indices):
        return tensor.flatten(2).gather(2, indices.flatten(2)).view_as(indices)
    delta_j, delta_k = y - at(x0, winners), at(x, reference_winners) - y0
    spread = delta_j - delta_k
    safe = spread > _tolerance(y)
    share = torch.where(safe, (y - y0 - delta_k) / torch.where(safe, spread, torch.ones_like(spread)),
                        torch.ones_like(spread))
    grad_x, _ = _halves(grad)
    multiplier = vector_jacobian(call, x, grad_x * share) + vector_jacobian(call, x0, grad_x * (1 - share))
    return torch.cat([multiplier, multiplier])


class _Product(torch.autograd.Function):
    """a * b with the Shapley multipliers (b + b0) / 2 for a and (a + a0) / 2 for b (exact completeness)."""

    @staticmethod
    def forward(ctx, left, right):
        ctx.save_for_backward(left, right)
        return left * right

    @staticmethod
    def backward(ctx, grad):
        left, right = ctx.saved_tensors

        def mean_of_halves(tensor):
            mean = sum(_halves(tensor)) / 2
            return torch.cat([mean, mean])
        return ((grad * mean_of_halves(right)).sum_to_size(left.shape),
                (grad * mean_of_halves(left)).sum_to_size(right.shape))


def _product(call: Call) -> torch.Tensor:
    varying = [a for a in (*call.args, *call.kwargs.values()) if depends_on_input(a)]
    if len(call.args) != 2 or len(varying) != 2 or call.kwargs:
        raise SeethroughError(f"deeplift has no rule for {call.name} with these arguments in module {call.where!r}")
    return _Product.apply(*call.args)


def _pool_rule(call: Call) -> torch.Tensor:
    if "indices" in call.name or call.kwargs.get("return_indices") or (len(call.args) > 6 and call.args[6]):
        raise SeethroughError(f"deeplift has no rule for {call.name} returning indices in module {call.where!r}")
    return backward_rule(_max_pool)(call)


_ONE_INPUT = set(ACTIVATIONS.values()) - {"prelu", "glu", "rrelu"}
#: kind -> rule: Rescale for every one-input activation, the two-winner split for max pooling, the
#: Shapley split for a product of two input-dependent tensors (sigmoid gates, squeeze-excitation).
#: Linear layers, additions, padding and average pooling keep their gradient, which is exact for them.
RULES = {**{kind: backward_rule(_rescale) for kind in _ONE_INPUT}, "max_pool": _pool_rule, "product": _product}


@register("deeplift")
def deeplift(model, x: torch.Tensor, *, target=None, baseline="zeros", seed: int = 0) -> Attribution:
    """DeepLIFT (Rescale): attributions (x - x0) * m whose sum is f(x) - f(x0).

    The input and the baseline run in one batch ``[x; x0]``, so every activation *call* -- also of
    a module reused in each block, or ``F.relu6`` called functionally -- sees its own input and its
    reference input, and its multiplier is ``(y - y0) / (x - x0)`` (the gradient where the two are
    within sqrt(machine epsilon) * (1 + |x|)). Linear layers, additions and average pooling are
    differentiated plainly, which is exact for them. Max pooling is winner-take-all where x and the
    baseline have their maximum at the same place, else y - y0 is shared between the two winners
    (see ``_max_pool``), which keeps completeness exact. A product of two input-dependent tensors (a
    gate) uses the Shapley split, which keeps completeness exact.

    Parameters
    ----------
    model : a :class:`seethrough.Model`; BatchNorm and dropout should be in eval mode.
    x : input (N, C, H, W); not modified.
    target : class name or index, None for each example's top-1 class, or a callable logits -> (N,).
    baseline : as for integrated gradients: "zeros", "black", "blur", "uniform", a number or a tensor
        broadcastable to ``x``.
    seed : for random baselines.

    Returns
    -------
    Attribution with ``values`` (N, C, H, W); ``certificates``: ``sum`` (per example),
    ``delta`` = f(x) - f(baseline) (per example), ``relative_gap`` = |sum - delta| / |delta|.

    Examples
    --------
    >>> result = st.attribute(model, x, target="tabby", method="deeplift")
    >>> result.certificates["relative_gap"]
    """
    reference = make_baseline(model, x, baseline, seed=seed)
    count = x.shape[0]
    goal = objective(model, target, x)
    leaf = torch.cat([x.detach(), reference.detach()]).requires_grad_(True)
    with propagation(model.module, RULES, method="deeplift") as interceptor:
        output = goal.forward(leaf)
    with torch.enable_grad():  # the target is read outside the rules, also under the caller's no_grad
        scores = goal.score(output[:count])
        reference_scores = goal.score(output[count:])
        multipliers, = torch.autograd.grad(scores.sum(), leaf)
    values = (x.detach() - reference.detach()) * multipliers[:count]
    total = values.flatten(1).sum(1)
    delta = (scores - reference_scores).detach()
    gap = (total - delta).abs() / delta.abs().clamp_min(torch.finfo(delta.dtype).tiny)
    certificates = {"sum": total.tolist(), "delta": delta.tolist(), "relative_gap": gap.tolist(),
                    "f_x": scores.detach().tolist(), "f_baseline": reference_scores.detach().tolist(),
                    "rule_calls": interceptor.calls}
    options = {"baseline": baseline if isinstance(baseline, (str, int, float)) or baseline is None else "tensor",
               "seed": seed}
    return Attribution(values=values, method="deeplift", target=goal.indices, target_label=goal.label,
                       options=options, certificates=certificates)
