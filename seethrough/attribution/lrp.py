"""Layer-wise relevance propagation: the target logit redistributed layer by layer onto the pixels.

Bach, Binder, Montavon, Klauschen, Mueller & Samek (2015), "On pixel-wise explanations for non-linear
classifier decisions by layer-wise relevance propagation", PLoS ONE 10(7); the epsilon, gamma and
z+ rules as in Montavon, Binder, Lapuschkin, Samek & Mueller (2019), "Layer-wise relevance
propagation: an overview", in Explainable AI, LNCS 11700.

Implemented as a modified gradient c (relevance per unit of activation, R = a * c): at a linear
layer z = rho(W) a + rho(b) the signal becomes c_in = rho(W)^T (c_out * z / (z_rho + eps sign z_rho)),
activations pass relevance on unchanged (c_in = c_out * f(x) / x), and additions, zero padding,
average and max pooling (winner-take-all), views and dropout keep their gradient, which conserves
relevance exactly. The result is R = x * c.
"""
from __future__ import annotations

import copy
import dataclasses

import torch
from torch import nn

from ..errors import SeethroughError
from ..targets import objective
from .base import Attribution, register
from .interception import propagation
from .rules import ACTIVATIONS, GRADIENT, Call, backward_rule, local_derivative

CONV_RULES = ("epsilon", "gamma", "zplus")


def _stabilized(z: torch.Tensor, epsilon: float) -> torch.Tensor:
    return z + epsilon * torch.where(z >= 0, torch.ones_like(z), -torch.ones_like(z))


def _linear_rule(epsilon: float, rule: str = "epsilon", gamma: float = 0.25, modified_at: list | None = None):
    """A rule for ``F.conv*d`` / ``F.linear`` / ``F.batch_norm`` calls: value z, backward as in the docstring.

    The gamma rule uses w + gamma w+ where z >= 0 and w + gamma w- where z < 0 (our choice), so the
    denominator has z's sign and at least its size and never crosses zero when z does not. The
    modules whose calls got gamma or z+ are appended to ``modified_at``."""
    def apply(call: Call) -> torch.Tensor:
        z = call.run()
        if rule == "epsilon" or call.kind != "conv" or call.args[0].detach().min() < 0:
            modified = z  # gamma and z+ assume non-negative inputs; elsewhere (e.g. the pixels) epsilon
        else:
            args = list(call.args) + [None] * max(0, 3 - len(call.args))
            weight = call.kwargs.pop("weight", args[1])
            bias = call.kwargs.pop("bias", args[2])
            if rule == "gamma":  # positive outputs favour positive weights, negative ones negative weights
                positive = _with(call, args, weight + gamma * weight.clamp(min=0),
                                 None if bias is None else bias + gamma * bias.clamp(min=0))
                negative = _with(call, args, weight + gamma * weight.clamp(max=0),
                                 None if bias is None else bias + gamma * bias.clamp(max=0))
                modified = torch.where(z >= 0, positive, negative)
            else:
                modified = _with(call, args, weight.clamp(min=0), None)
            if modified_at is not None:
                modified_at.append(call.where)
        denominator = _stabilized(modified, epsilon).detach()
        scale = torch.where(denominator == 0, 0.0, z.detach() / torch.where(denominator == 0, 1.0, denominator))
        return z.detach() + modified * scale - (modified * scale).detach()
    return apply


def _with(call: Call, args: list, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    return call.run(args[0], weight, bias, *args[3:])


def _pass_relevance(call: Call, inputs: torch.Tensor, outputs: torch.Tensor, grad: torch.Tensor) -> torch.Tensor:
    """R_in = R_out: c_in = c_out * f(x) / x, the derivative where x ~ 0."""
    safe = inputs.abs() > torch.finfo(inputs.dtype).eps ** 0.5
    ratio = outputs / torch.where(safe, inputs, torch.ones_like(inputs))
    if call.kind == "relu":
        return grad * torch.where(safe, ratio, (inputs > 0).to(grad.dtype))
    return grad * torch.where(safe, ratio, local_derivative(call, inputs))


def fold_batchnorms(module: nn.Module, x: torch.Tensor) -> tuple[nn.Module, int]:
    """A copy of ``module`` with each BatchNorm that directly follows a conv or linear layer folded into it.

    The pairs are found by running ``x`` through the copy (a BatchNorm whose input is the output of
    a conv/linear module); the user's module is never modified. Returns (copy, number folded).
    """
    folded = copy.deepcopy(module)
    producers: dict[int, nn.Module] = {}
    pairs: dict[nn.Module, set] = {}
    layers = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)
    handles = []
    try:
        for sub in folded.modules():
            if isinstance(sub, layers):
                handles.append(sub.register_forward_hook(lambda mod, _, out: producers.__setitem__(id(out), mod)))
            elif isinstance(sub, nn.modules.batchnorm._BatchNorm):
                handles.append(sub.register_forward_pre_hook(
                    lambda mod, inputs: pairs.setdefault(mod, set()).add(producers.get(id(inputs[0])))))
        with torch.no_grad():
            folded(x[:1])
    finally:
        for handle in handles:
            handle.remove()
    names = {sub: name for name, sub in folded.named_modules()}
    count, used = 0, set()
    for norm, producer_set in pairs.items():
        if len(producer_set) != 1 or None in producer_set or next(iter(producer_set)) in used:
            continue  # a standalone or shared BatchNorm stays, and gets the epsilon rule itself
        layer = producer_set.pop()
        used.add(layer)
        scale = norm.weight.detach() / torch.sqrt(norm.running_var + norm.eps) if norm.affine else \
            1 / torch.sqrt(norm.running_var + norm.eps)
        shift = (norm.bias.detach() if norm.affine else 0) - norm.running_mean * scale
        bias = layer.bias.detach() if layer.bias is not None else torch.zeros_like(norm.running_mean)
        with torch.no_grad():
            layer.weight.mul_(scale.view(-1, *[1] * (layer.weight.dim() - 1)))
            layer.bias = nn.Parameter(bias * scale + shift)
        parent_name, _, child = names[norm].rpartition(".")
        setattr(folded.get_submodule(parent_name) if parent_name else folded, child, nn.Identity())
        count += 1
    return folded, count


def _rules(epsilon: float, conv_rule: str, gamma: float, modified_at: list) -> dict:
    one_input = set(ACTIVATIONS.values()) - {"prelu", "glu", "rrelu"}
    return {**{kind: backward_rule(_pass_relevance) for kind in one_input},
            "conv": _linear_rule(epsilon, conv_rule, gamma, modified_at), "linear": _linear_rule(epsilon),
            "batch_norm": _linear_rule(epsilon), "max_pool": GRADIENT}


@register("lrp")
def lrp(model, x: torch.Tensor, *, target=None, epsilon: float = 1e-6, conv_rule: str = "epsilon",
        gamma: float = 0.25) -> Attribution:
    """LRP: relevance R (N, C, H, W) with sum(R) ~ the target logit, minus what biases absorb.

    Runs on a copy of the network with each BatchNorm folded into the conv or linear layer before
    it (the user's model is not touched; the copy's logits are checked against the original's).
    Rules per call: epsilon for linear layers and unfolded BatchNorms; for convolutions
    ``conv_rule`` = "epsilon", "gamma" (rho(w) = w + gamma w+) or "zplus" (rho(w) = w+, no bias),
    the last two only where the conv's input is non-negative (after a rectifier) -- elsewhere,
    e.g. on the normalized pixels, epsilon. Activations pass relevance unchanged; zero padding,
    additions (residuals), average pooling and dropout conserve it; max pooling is winner-take-all.
    A gate (product of two input-dependent tensors) has no rule and raises.

    Parameters
    ----------
    model : a :class:`seethrough.Model` in eval mode.
    x : input (N, C, H, W); not modified.
    target : class name or index, None for each example's top-1 class, or a callable logits -> (N,).
    epsilon : the stabilizer added to each layer's denominator (absorbs a little relevance).
    conv_rule : "epsilon", "gamma" or "zplus".
    gamma : the gamma rule's weight on positive parameters.

    Returns
    -------
    Attribution with ``values`` (N, C, H, W); ``certificates``: ``sum`` (per example), ``score``
    (the target's value), ``relative_gap`` = |sum - score| / |score| (not zero: biases and epsilon
    absorb relevance), ``folded_batchnorms`` and ``modified_convs`` (convs that got gamma / z+).

    Examples
    --------
    >>> st.attribute(model, x, target="tabby", method="lrp", conv_rule="gamma").certificates["sum"]
    """
    if conv_rule not in CONV_RULES:
        raise SeethroughError(f"unknown conv_rule {conv_rule!r}; choose one of {', '.join(CONV_RULES)}")
    if epsilon < 0 or gamma < 0:
        raise SeethroughError("epsilon and gamma must be >= 0")
    goal = objective(model, target, x)
    network, folded = fold_batchnorms(model.module, x)
    folded_model = copy.copy(model)
    folded_model.module = network
    on_folded = dataclasses.replace(goal, model=folded_model)
    leaf = x.detach().clone().requires_grad_(True)
    modified_at: list[str] = []
    with propagation(network, _rules(epsilon, conv_rule, gamma, modified_at), method="lrp"):
        output = on_folded.forward(leaf)
    with torch.enable_grad():  # the target is read outside the rules, also under the caller's no_grad
        scores = on_folded.score(output)
        signal, = torch.autograd.grad(scores.sum(), leaf)
    with torch.no_grad():
        expected = goal(x)
    if not torch.allclose(scores.detach(), expected, rtol=1e-4, atol=1e-4 * float(expected.abs().max())):
        raise SeethroughError("lrp: folding BatchNorm into the layer before it changed the model's output "
                              "(is BatchNorm in training mode, or a conv output used twice?)")
    values = x.detach() * signal
    total = values.flatten(1).sum(1)
    gap = (total - scores.detach()).abs() / scores.detach().abs().clamp_min(torch.finfo(x.dtype).tiny)
    certificates = {"sum": total.tolist(), "score": scores.detach().tolist(), "relative_gap": gap.tolist(),
                    "folded_batchnorms": folded, "modified_convs": len(modified_at)}
    return Attribution(values=values, method="lrp", target=goal.indices, target_label=goal.label,
                       options={"epsilon": epsilon, "conv_rule": conv_rule, "gamma": gamma},
                       certificates=certificates)
