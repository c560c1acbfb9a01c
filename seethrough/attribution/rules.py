"""Backward rules as data: which torch calls are activations, and how a rule replaces their gradient.

A propagation method (guided backprop, deconvnet, LRP, DeepLIFT) is a table from a *kind* of call
("relu", "clip", "gelu", "max_pool", "product", "conv", ...) to a :data:`Rule`. The table is applied
per function *call* by :func:`seethrough.attribution.interception.propagation`, so one activation
module reused in every block, ``F.relu`` called functionally and ``nn.ReLU6`` all get the rule.

A rule is a function ``rule(call) -> output tensor``: it computes the call's forward value and gives
it the method's backward. Most are built with :func:`backward_rule` from a function
``backward(call, inputs, outputs, grad) -> grad_in``; :data:`GRADIENT` leaves the call alone.

Kinds are found from the torch function's name (``F.relu``, ``torch.relu``, ``Tensor.relu`` and
``relu_`` are all "relu"); :data:`ACTIVATIONS` must have a rule in a method's table, else the call
is an error naming it; :data:`NONLINEAR` (``exp``, ``softmax``, ...) never has one here.

References: Zennit's composites (Anders et al. 2021, arXiv:2106.13200) for rules as data.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch

# torch function name (without a trailing "_" for in-place) -> kind
ACTIVATIONS: dict[str, str] = {
    "relu": "relu", "relu6": "clip", "hardtanh": "clip", "clamp": "clip", "clip": "clip",
    "clamp_min": "clip", "clamp_max": "clip", "leaky_relu": "leaky_relu", "elu": "elu", "selu": "selu",
    "celu": "celu", "gelu": "gelu", "silu": "silu", "mish": "mish", "softplus": "softplus",
    "hardswish": "hardswish", "hardsigmoid": "hardsigmoid", "sigmoid": "sigmoid", "expit": "sigmoid",
    "tanh": "tanh", "softsign": "softsign", "logsigmoid": "logsigmoid", "tanhshrink": "tanhshrink",
    "hardshrink": "hardshrink", "softshrink": "softshrink", "prelu": "prelu", "rrelu": "rrelu",
    "threshold": "threshold", "glu": "glu",
}
POOLS = {"max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices", "max_pool2d_with_indices",
         "max_pool3d_with_indices", "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d"}
NONLINEAR = {"exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "pow", "__pow__", "__rpow__", "sqrt",
             "rsqrt", "abs", "erf", "erfc", "sin", "cos", "softmax", "log_softmax", "softmin", "reciprocal",
             "square", "maximum", "minimum", "fmax", "fmin", "__rtruediv__", "sign", "where", "max", "min",
             "layer_norm", "group_norm", "instance_norm", "local_response_norm", "normalize", "norm", "std",
             "var", "logsumexp", "prod", "cumprod", "scaled_dot_product_attention"}
BILINEAR = {"matmul", "__matmul__", "bmm", "einsum", "bilinear"}
# linear layers: a method may give them a rule (LRP does); otherwise their plain gradient is exact
LAYERS = {"conv1d": "conv", "conv2d": "conv", "conv3d": "conv", "linear": "linear", "batch_norm": "batch_norm"}
PRODUCTS = {"mul", "__mul__", "__rmul__", "multiply", "__imul__"}


def kind_of(func: Callable, args: tuple, kwargs: Mapping[str, Any]) -> str | None:
    """The kind of a torch call ("relu", "clip", "max_pool", "product", "conv", "exp", ...), or None
    for a call every method differentiates plainly (additions, padding, pooling by averaging, views)."""
    name = getattr(func, "__name__", "")
    base = name[:-1] if name.endswith("_") and not name.endswith("__") else name
    if base in ACTIVATIONS:
        return ACTIVATIONS[base]
    if base in POOLS:
        return "max_pool"
    if base in LAYERS:
        return LAYERS[base]
    if base in PRODUCTS:
        return "product" if sum(depends_on_input(a) for a in (*args, *kwargs.values())) >= 2 else None
    if base in BILINEAR:
        return "bilinear" if sum(depends_on_input(a) for a in (*args, *kwargs.values())) >= 2 else None
    if base in ("div", "__truediv__", "divide", "true_divide"):
        return "division" if len(args) > 1 and depends_on_input(args[1]) else None
    if base in NONLINEAR:
        if base in ("max", "min") and not (len(args) > 1 and depends_on_input(args[1])):
            return None  # a reduction over one tensor (the max over a dim) is winner-take-all
        if base == "where" and not any(depends_on_input(a) for a in args[1:]):
            return None
        return base.strip("_")
    return None


def depends_on_input(value: Any) -> bool:
    """True for a tensor that depends on the explained input (parameters do not)."""
    return isinstance(value, torch.Tensor) and value.requires_grad and not isinstance(value, torch.nn.Parameter)


@dataclass
class Call:
    """One call of a torch function met during the forward pass.

    Attributes
    ----------
    kind : the call's kind (a key of a method's rule table).
    func : the torch function (in-place variants replaced by their out-of-place form).
    args, kwargs : its arguments; ``args[0]`` is the input tensor.
    where : the dotted name of the module that made the call ("" for the top level).
    """

    kind: str
    func: Callable
    args: tuple
    kwargs: dict
    where: str = ""

    @property
    def name(self) -> str:
        return getattr(self.func, "__name__", repr(self.func))

    def run(self, *args: Any) -> torch.Tensor:
        """The original function on ``args`` (default: the recorded ones)."""
        return self.func(*(args or self.args), **self.kwargs)

    def params(self) -> dict:
        """The bounds of a clip call: ``{"min": ..., "max": ...}`` (None where open)."""
        name = self.name.rstrip("_")
        if name == "relu6":
            return {"min": 0.0, "max": 6.0}
        if name == "hardtanh":
            low = self.kwargs.get("min_val", self.args[1] if len(self.args) > 1 else -1.0)
            high = self.kwargs.get("max_val", self.args[2] if len(self.args) > 2 else 1.0)
            return {"min": low, "max": high}
        bounds = {"clamp_min": ("min",), "clamp_max": ("max",)}.get(name, ("min", "max"))
        values = {key: self.kwargs.get(key, self.args[1 + i] if len(self.args) > 1 + i else None)
                  for i, key in enumerate(bounds)}
        return {"min": values.get("min"), "max": values.get("max")}


Rule = Callable[[Call], torch.Tensor]


def GRADIENT(call: Call) -> torch.Tensor:  # noqa: N802 - a constant-like rule
    """The rule that keeps a call's ordinary gradient."""
    return call.run()


class _Modified(torch.autograd.Function):
    """Forward: the call as it is. Backward: ``backward(call, inputs, outputs, grad)``."""

    @staticmethod
    def forward(ctx, inputs, call, backward):
        outputs = call.run(inputs, *call.args[1:])
        ctx.save_for_backward(inputs, outputs)
        ctx.call, ctx.backward = call, backward
        return outputs

    @staticmethod
    def backward(ctx, grad):
        inputs, outputs = ctx.saved_tensors
        return ctx.backward(ctx.call, inputs, outputs, grad), None, None


def backward_rule(backward: Callable[[Call, torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]) -> Rule:
    """A rule for a call with one varying input, from ``backward(call, inputs, outputs, grad) -> grad_in``.

    ``inputs`` and ``outputs`` are the call's input and output tensors (same shape for activations),
    ``grad`` the backward signal arriving at the output; the result is what flows to the input.
    """
    def rule(call: Call) -> torch.Tensor:
        varying = [i for i, a in enumerate(call.args) if depends_on_input(a)]
        if varying != [0] or any(depends_on_input(v) for v in call.kwargs.values()):
            raise _unsupported(call, "its rule needs the input as the only tensor that depends on x")
        return _Modified.apply(call.args[0], call, backward)
    return rule


def local_derivative(call: Call, inputs: torch.Tensor) -> torch.Tensor:
    """The elementwise derivative f'(inputs) of an activation call, same shape as ``inputs``."""
    with torch._C.DisableTorchFunction(), torch.enable_grad():
        leaf = inputs.detach().requires_grad_(True)
        return torch.autograd.grad(call.run(leaf, *call.args[1:]).sum(), leaf)[0]


def vector_jacobian(call: Call, inputs: torch.Tensor, grad: torch.Tensor) -> torch.Tensor:
    """The plain backward of a call with one varying input: grad^T d call / d inputs."""
    with torch._C.DisableTorchFunction(), torch.enable_grad():
        leaf = inputs.detach().requires_grad_(True)
        output = call.run(leaf, *call.args[1:])
        output = output[0] if isinstance(output, tuple) else output
        return torch.autograd.grad(output, leaf, grad)[0]


def _unsupported(call: Call, why: str):
    from ..errors import SeethroughError
    where = f" in module {call.where!r}" if call.where else ""
    return SeethroughError(f"cannot propagate through {call.name} ({call.kind}){where}: {why}")
