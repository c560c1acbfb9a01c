"""Apply a table of backward rules to every torch call of a forward pass, and undo everything after.

>>> with propagation(net, {"relu": guided, "clip": guided}, method="guided_backprop"):
...     logits = net(x)                   # every ReLU call now carries the guided rule
>>> torch.autograd.grad(logits[:, 3].sum(), x)

The calls are caught with a ``torch.overrides.TorchFunctionMode``, which sees each call of a torch
function or tensor method while the block runs: ``nn.ReLU`` and ``nn.ReLU6`` modules (whose
forwards call ``F.relu`` and ``F.hardtanh``), one module called in every block, ``F.relu`` and
``torch.relu`` called directly, ``x.clamp(0, 6)``, and functions bound before the block
(``from torch.nn.functional import relu``), which patching module attributes could not reach.
Nothing is patched: ``torch.nn.functional`` and the modules' ``forward`` stay the same objects. The mode is popped and the module-name hooks removed
in ``finally``, also when the model raises. Backward runs after the block, from the autograd nodes
the rules put into the graph.

Refused, with the call and module named: an activation the table has no rule for; a call of a
nonlinear function (``exp``, ``softmax``, ``layer_norm``, ...) the table does not know; such a call
made with gradients off inside the forward (the sign of a custom ``autograd.Function`` such as
``MemoryEfficientSwish``, whose backward no rule could replace); TorchScript modules (invisible).
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from ..errors import SeethroughError
from .rules import Call, Rule, depends_on_input, kind_of

_PLAIN_KINDS = {"conv", "linear", "batch_norm", "max_pool"}  # exact under the plain gradient unless ruled
_LINEAR_KINDS = {"conv", "linear", "batch_norm"}


class _Interceptor(TorchFunctionMode):
    """The mode that routes each classified call to its rule (see the module docstring)."""

    def __init__(self, rules: Mapping[str, Rule], method: str, modules: list[str]):
        super().__init__()
        self.rules, self.method, self.modules = rules, method, modules
        self.calls = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = dict(kwargs or {})
        kind = kind_of(func, args, kwargs)
        if kind is None:
            return func(*args, **kwargs)
        where = self.modules[-1] if self.modules else ""
        call = Call(kind, _out_of_place(func), tuple(args), kwargs, where)
        if "inplace" in kwargs:
            kwargs["inplace"] = False
        if not torch.is_grad_enabled():
            if kind not in _LINEAR_KINDS:
                raise SeethroughError(f"{self.method}: {call.name} runs with gradients off{_in(where)} (inside a "
                                      "custom autograd.Function?), so its backward cannot be given the method's rule; "
                                      "replace that module with a plain torch one")
            return func(*args, **kwargs)
        if not any(depends_on_input(a) for a in (*args, *kwargs.values())):
            return call.run()  # a constant branch: nothing flows back through it
        rule = self.rules.get(kind)
        if rule is None:
            if kind in _PLAIN_KINDS:
                return call.run()
            known = ", ".join(sorted(self.rules))
            raise SeethroughError(f"{self.method} has no rule for {call.name} ({kind}){_in(where)}; "
                                  f"it has rules for: {known}")
        self.calls += 1
        return rule(call)


def _in(where: str) -> str:
    return f" in module {where!r}" if where else ""


def _out_of_place(func):
    """``relu_`` -> ``relu`` (functional or torch), so a rule never writes into its input."""
    name = getattr(func, "__name__", "")
    if name.endswith("_") and not name.endswith("__"):
        return getattr(torch.nn.functional, name[:-1], None) or getattr(torch, name[:-1])
    return func


@contextlib.contextmanager
def propagation(module: nn.Module, rules: Mapping[str, Rule], *, method: str) -> Iterator[_Interceptor]:
    """Within the block, every call of ``module``'s forward gets the backward of ``rules``.

    Parameters
    ----------
    module : the network (only read: the hooks that name modules in error messages are removed
        when the block ends).
    rules : kind -> rule (see :mod:`seethrough.attribution.rules`).
    method : the method's name, for error messages.

    Yields
    ------
    The interceptor; its ``calls`` counts the calls a rule was applied to.
    """
    scripted = [name or type(module).__name__ for name, sub in module.named_modules()
                if isinstance(sub, torch.jit.ScriptModule)]
    if scripted:
        raise SeethroughError(f"{method} cannot see inside TorchScript modules ({', '.join(scripted[:3])}); "
                              "give the Python nn.Module instead")
    stack: list[str] = []
    handles = []
    interceptor = _Interceptor(rules, method, stack)
    try:
        def enter(name: str):
            def hook(*_) -> None:
                stack.append(name)
            return hook

        def leave(*_) -> None:
            if stack:
                stack.pop()

        for name, sub in module.named_modules():
            handles.append(sub.register_forward_pre_hook(enter(name)))
            handles.append(sub.register_forward_hook(leave))
        with interceptor, torch.enable_grad():
            yield interceptor
    finally:
        for handle in handles:
            handle.remove()


def rule_gradient(inputs: torch.Tensor, objective, rules: Mapping[str, Rule], *,
                  method: str) -> tuple[torch.Tensor, torch.Tensor, int]:
    """The gradient of ``objective(inputs)`` summed over the batch, with ``rules`` in the backward.

    Parameters
    ----------
    inputs : (N, C, H, W); not modified (a detached copy is differentiated).
    objective : a :class:`seethrough.targets.Objective`; its forward pass runs under the rules, its
        score (picking a logit, averaging a channel) outside them.

    Returns
    -------
    (modified gradient of the shape of ``inputs``, scores (N,) detached, number of calls ruled).
    """
    leaf = inputs.detach().clone().requires_grad_(True)
    with propagation(objective.model.module, rules, method=method) as interceptor:
        output = objective.forward(leaf)
    with torch.enable_grad():  # the target is read outside the rules, also under the caller's no_grad
        scores = objective.score(output)
        grad, = torch.autograd.grad(scores.sum(), leaf)
    return grad, scores.detach(), interceptor.calls
