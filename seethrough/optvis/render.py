"""The optimization loop of feature visualization: gradient ascent on an image, weights frozen.

Erhan, Bengio, Courville & Vincent (2009), "Visualizing higher-layer features of a deep network";
Simonyan, Vedaldi & Zisserman (2014), arXiv:1312.6034 (class models); Olah, Mordvintsev & Schubert
(2017), "Feature Visualization", Distill (Fourier parameterization, decorrelated colour, transformation
robustness). Lucid's ``render_vis`` is the reference loop.

>>> result = render(model, objectives.class_logit(291, label="lion"), steps=256, seed=0)
>>> result.target_probs          # the model's probability of the class on the final image
[0.99...]
"""
from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import SeethroughError
from ..hooks import capture
from ..model import Model
from ..progress import Progress
from ..truncation import forward_until
from .objectives import Objective
from .param import ImageParam, image_param
from .redirected_relu import redirected_relu
from .transforms import Transform, compose, standard_transforms
from .visualization import Visualization


def forward_activations(model: Model, objective: Objective, pixels: torch.Tensor,
                        transformed: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
    """Run ``model`` on ``transformed`` (default ``pixels``) and collect what ``objective`` reads.

    Without logits to read, the pass ends after the last call of the layers the objective reads
    (:func:`~seethrough.truncation.forward_until`); a module that runs more than once (one activation
    module reused in every block) is read at its last call, as everywhere.
    """
    transformed = pixels if transformed is None else transformed
    layers = [] if objective.needs_logits else objective.layers
    with capture(model.module, objective.layers, detach=False) as recorded, \
            forward_until(model.module, layers, model.calls()) as run:
        activations: dict[str, torch.Tensor] = {"pixels": pixels}
        logits = run(model.normalize(transformed))
        if logits is not None:
            activations["logits"] = logits
        activations.update(recorded)
    return activations


def accepts_any_size(model: Model) -> bool:
    """Whether the network runs on an input larger than ``input_size`` (global pooling before the head);
    a network with a fixed-size head gets every transformed image resized back to ``input_size``."""
    height, width = model.input_size
    blank = torch.full((1, model.channels, height + 8, width + 8), 0.5, device=model.device)
    try:
        with torch.no_grad():
            model(model.normalize(blank))
    except RuntimeError:
        return False
    return True


def fit(pixels: torch.Tensor, size: tuple[int, int] | None) -> torch.Tensor:
    """``pixels`` resized (bilinear) to ``size``; unchanged when ``size`` is None or already right."""
    if size is None or tuple(pixels.shape[-2:]) == tuple(size):
        return pixels
    return F.interpolate(pixels, size=tuple(size), mode="bilinear", align_corners=False)


def _check_model(model: Model) -> None:
    """Warn about layers in training mode; record the calls of a forward pass now (the early stop
    needs them), before a redirected-ReLU block, inside which the record's blank pass would be refused."""
    model.calls()
    batch_norms = (nn.modules.batchnorm._BatchNorm, nn.modules.dropout._DropoutNd)
    if any(sub.training and isinstance(sub, batch_norms) for sub in model.module.modules()):
        warnings.warn(f"{model.name}: BatchNorm or dropout is in training mode; the visualization will depend "
                      "on the batch and BatchNorm statistics will be updated. Call module.eval() first.",
                      stacklevel=3)


def render(model: Model, objective: Objective, *, param: str | ImageParam = "fft", size: int | None = None,
           batch: int = 1, steps: int = 256, learning_rate: float = 0.05,
           transforms: str | Sequence[Transform] | None = "standard", redirect_steps: int = 16,
           start: torch.Tensor | None = None, stop_at: float | None = None, seed: int = 0,
           progress: bool = True) -> Visualization:
    """Maximize ``objective`` by gradient ascent on an image; the model's weights are not touched.

    Parameters
    ----------
    model : a :class:`seethrough.Model` (BatchNorm should be in eval mode; the module is never changed).
    objective : an :class:`~seethrough.optvis.objectives.Objective`.
    param : "fft" (Fourier, 1/f, decorrelated colour), "pixel", or an :class:`ImageParam`.
    size : image side in pixels (default the model's input height).
    batch : number of images optimized together (see ``objectives.diversity``).
    steps, learning_rate : Adam's steps and step size.
    transforms : "standard" (Lucid's, scaled to ``size``), None for none, or a list of transforms.
    redirect_steps : use Lucid's redirected ReLU gradient for this many first steps (0: never).
    start : pixels (1 or N, C, H, W) in [0, 1] to start from instead of noise (e.g. a photo).
    stop_at : for a class objective, stop once every image gives the class at least this probability
        (checked on the untransformed images every 4 steps): "ascend 'tiger' until the model says so".
    seed : fixes the starting noise and every random transform: same seed, same bytes.
    progress : a progress bar on stderr.

    Returns
    -------
    :class:`Visualization`.
    """
    if steps < 1:
        raise SeethroughError(f"steps must be 1 or more, got {steps}")
    if learning_rate <= 0:
        raise SeethroughError(f"learning rate must be positive, got {learning_rate}")
    if stop_at is not None and (not objective.classes or not 0 < stop_at <= 1):
        raise SeethroughError("stop_at needs a class objective and a probability in (0, 1]")
    _check_model(model)
    for name in objective.layers:
        model.layer(name)  # an unknown layer fails here, with the closest names
    size = size or model.input_size[0]
    if isinstance(param, str):
        param = image_param(param, (size, size), batch=batch, channels=model.channels, seed=seed, start=start)
    if transforms == "standard":
        transforms = standard_transforms(scale=param.size[0] / 224)
    transform = compose(transforms or [])
    model_size = None if accepts_any_size(model) else model.input_size
    generator = torch.Generator().manual_seed(int(seed) + 1)
    device = model.device
    tensors = [t.detach().to(device).requires_grad_(True) for t in param.tensors]
    param.tensor = tensors[0]
    optimizer = torch.optim.Adam(tensors, lr=learning_rate)
    values: list[float] = []
    start_probs = _target_probs(model, param, objective, model_size) if start is not None else []
    bar = Progress(steps, "visualizing", enabled=progress)
    started = time.perf_counter()
    try:
        for step in range(steps):
            redirect = redirected_relu(model.module) if step < redirect_steps else contextlib.nullcontext()
            with torch.enable_grad():
                pixels = param()
                shifted = fit(transform(pixels, generator), model_size)
                with redirect:
                    activations = forward_activations(model, objective, pixels, shifted)
                value = objective(activations)
                grads = torch.autograd.grad(-value, tensors)
            for tensor, grad in zip(tensors, grads):
                tensor.grad = grad
            optimizer.step()
            values.append(float(value.detach()))
            bar.advance()
            if stop_at is not None and step % 4 == 3 and min(_target_probs(model, param, objective, model_size)) >= stop_at:
                break
    finally:
        bar.close()
    result = _result(model, objective, param, values, len(values), seed, time.perf_counter() - started, model_size)
    result.start_probs = start_probs
    return result


def _target_probs(model: Model, param: ImageParam, objective: Objective, model_size) -> list[float]:
    """Per image, the probability of the objective's first class on the untransformed image."""
    if not objective.classes:
        return []
    with torch.no_grad():
        probs = torch.softmax(model(model.normalize(fit(param(), model_size))), dim=-1)
    return [float(p) for p in probs[:, objective.classes[0]]]


def _result(model: Model, objective: Objective, param: ImageParam, values: list[float], steps: int,
            seed: int, seconds: float, model_size: tuple[int, int] | None) -> Visualization:
    with torch.no_grad():
        pixels = param().detach()
        probs = torch.softmax(model(model.normalize(fit(pixels, model_size))), dim=-1).cpu()
    top_probs, top_indices = probs.topk(min(3, probs.shape[1]), dim=1)
    top = [[(int(i), model.label(int(i)), float(p)) for p, i in zip(ps, ids)] for ps, ids in zip(top_probs, top_indices)]
    classes = objective.classes
    target_probs = [float(p) for p in probs[:, classes[0]]] if classes else []
    return Visualization(pixels.cpu(), objective.name, values, steps, seed, param.kind, classes,
                         model.label(classes[0]) if classes else None, target_probs, top, seconds)


def probabilities_under_transforms(model: Model, pixels: torch.Tensor, index: int, *, samples: int = 8,
                                   seed: int = 0) -> torch.Tensor:
    """The model's probability of class ``index`` on ``samples`` fresh random transforms (Lucid's
    standard set) of each image: (N, samples). A test that the image did not just fit exact pixels."""
    transform = compose(standard_transforms(scale=pixels.shape[-2] / 224))
    model_size = None if accepts_any_size(model) else model.input_size
    generator = torch.Generator().manual_seed(int(seed))
    result = torch.empty(pixels.shape[0], samples)
    with torch.no_grad():
        for sample in range(samples):
            shifted = fit(transform(pixels.to(model.device), generator), model_size)
            result[:, sample] = torch.softmax(model(model.normalize(shifted)), dim=-1)[:, index].cpu()
    return result
