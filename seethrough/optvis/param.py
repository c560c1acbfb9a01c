"""Image parameterizations: what gradient ascent actually changes.

``pixel_image`` optimizes one number per pixel; ``fft_image`` optimizes the image's Fourier
spectrum, scaled by 1/f so that every frequency starts with the same learning speed (Olah, Mordvintsev
& Schubert 2017, "Feature Visualization", Distill, doi:10.23915/distill.00007, section
"Preconditioning and Parameterization"; Lucid's ``lucid.optvis.param.spatial``). Both optionally
decorrelate colour with Lucid's ``color_correlation_svd_sqrt`` (the square root of ImageNet's colour
covariance) and go through a sigmoid, so pixels always lie in (0, 1).

>>> image = fft_image((224, 224), batch=2, seed=0)
>>> image().shape          # pixels in (0, 1), fed to the model after model.normalize
torch.Size([2, 3, 224, 224])
"""
from __future__ import annotations

from collections.abc import Sequence

import torch

from ..errors import SeethroughError

#: Lucid's ``color_correlation_svd_sqrt`` (rows: R, G, B), a published constant.
COLOR_CORRELATION_SVD_SQRT = torch.tensor([[0.26, 0.09, 0.02],
                                           [0.27, 0.00, -0.05],
                                           [0.27, -0.09, 0.03]])
#: The same matrix with its largest column scaled to norm 1, as Lucid applies it.
COLOR_CORRELATION = COLOR_CORRELATION_SVD_SQRT / COLOR_CORRELATION_SVD_SQRT.norm(dim=0).max()
_FFT_DIVISOR = 4.0  # Lucid divides the inverse transform by 4: a smaller start and step size
_EDGE = 1e-3        # a start image is clipped to [_EDGE, 1 - _EDGE] before the inverse sigmoid


class ImageParam:
    """A differentiable image: ``param()`` -> pixels (N, C, H, W) in (0, 1); ``param.tensors`` to optimize.

    Attributes
    ----------
    kind : "pixel" or "fft".
    size : (height, width).
    batch, channels : N and C.
    decorrelate : whether the colour correlation matrix is applied (3 channels only).
    decay_power : the spectrum's 1/f^power scaling (fft only).
    """

    def __init__(self, kind: str, size: Sequence[int], *, batch: int = 1, channels: int = 3,
                 decorrelate: bool = True, decay_power: float = 1.0, sd: float = 0.01, seed: int = 0,
                 start: torch.Tensor | None = None):
        if kind not in ("pixel", "fft"):
            raise SeethroughError(f"unknown parameterization {kind!r}; choose 'fft' or 'pixel'")
        height, width = (int(size), int(size)) if isinstance(size, (int, float)) else (int(size[0]), int(size[1]))
        if min(height, width) < 8 or batch < 1:
            raise SeethroughError(f"an image needs at least 8 x 8 pixels and a batch of 1 or more, got "
                                  f"{height} x {width}, batch {batch}")
        self.kind, self.size, self.batch, self.channels = kind, (height, width), int(batch), int(channels)
        self.decorrelate = bool(decorrelate) and channels == 3
        self.decay_power = float(decay_power)
        generator = torch.Generator().manual_seed(int(seed))
        if start is not None:
            self.tensor = self._from_pixels(_check_start(start, self.batch, self.channels, self.size))
        elif kind == "pixel":
            self.tensor = torch.randn(batch, channels, height, width, generator=generator) * sd
        else:
            shape = (batch, channels, *self._spectrum_scale().shape, 2)
            self.tensor = torch.randn(shape, generator=generator) * sd
        self.tensor.requires_grad_(True)

    @property
    def tensors(self) -> list[torch.Tensor]:
        """The leaf tensors an optimizer updates."""
        return [self.tensor]

    def __call__(self) -> torch.Tensor:
        """Pixels (N, C, H, W) in (0, 1)."""
        logits = self.tensor if self.kind == "pixel" else self._inverse_fft(self.tensor)
        return torch.sigmoid(self._mix(logits, COLOR_CORRELATION.T))

    def _spectrum_scale(self) -> torch.Tensor:
        """1 / max(f, 1/max(H, W))^decay_power on the rfft2 grid, shape (H, W // 2 + 1)."""
        height, width = self.size
        fy = torch.fft.fftfreq(height)[:, None]
        fx = torch.fft.rfftfreq(width)[None, :]
        frequency = torch.sqrt(fx * fx + fy * fy)
        return 1.0 / frequency.clamp(min=1.0 / max(height, width)) ** self.decay_power

    def _inverse_fft(self, tensor: torch.Tensor) -> torch.Tensor:
        spectrum = torch.view_as_complex(tensor.contiguous()) * self._spectrum_scale()
        return torch.fft.irfft2(spectrum, s=self.size, norm="ortho") / _FFT_DIVISOR

    def _mix(self, image: torch.Tensor, matrix: torch.Tensor) -> torch.Tensor:
        """Apply a 3 x 3 colour matrix to every pixel: out[c] = sum_d image[d] * matrix[d, c]."""
        if not self.decorrelate:
            return image
        return torch.einsum("ndhw,dc->nchw", image, matrix.to(image.dtype))

    def _from_pixels(self, pixels: torch.Tensor) -> torch.Tensor:
        """The parameter whose image is ``pixels`` (the exact inverse of ``__call__``, up to rounding)."""
        pixels = pixels.detach().double().clamp(_EDGE, 1 - _EDGE)
        logits = torch.log(pixels) - torch.log1p(-pixels)
        if self.decorrelate:
            logits = self._mix(logits, torch.linalg.inv(COLOR_CORRELATION.T.double()))
        if self.kind == "pixel":
            return logits.float().clone()
        spectrum = torch.fft.rfft2(logits * _FFT_DIVISOR, norm="ortho") / self._spectrum_scale().double()
        return torch.view_as_real(spectrum).float().contiguous()


def _check_start(start: torch.Tensor, batch: int, channels: int, size: tuple[int, int]) -> torch.Tensor:
    start = torch.as_tensor(start)
    start = start[None] if start.ndim == 3 else start
    if start.ndim != 4 or start.shape[1] != channels or tuple(start.shape[-2:]) != size:
        raise SeethroughError(f"a start image must be pixels (N, {channels}, {size[0]}, {size[1]}) in [0, 1], "
                              f"got shape {tuple(start.shape)}")
    if start.shape[0] not in (1, batch):
        raise SeethroughError(f"the start batch has {start.shape[0]} images; give 1 or {batch}")
    return start.expand(batch, -1, -1, -1)


def pixel_image(size: Sequence[int] | int, *, batch: int = 1, channels: int = 3, decorrelate: bool = True,
                seed: int = 0, start: torch.Tensor | None = None) -> ImageParam:
    """Raw pixels through a sigmoid (and colour decorrelation). ``start``: pixels (N, C, H, W) in [0, 1]."""
    return ImageParam("pixel", size, batch=batch, channels=channels, decorrelate=decorrelate, seed=seed, start=start)


def fft_image(size: Sequence[int] | int, *, batch: int = 1, channels: int = 3, decorrelate: bool = True,
              decay_power: float = 1.0, seed: int = 0, start: torch.Tensor | None = None) -> ImageParam:
    """Lucid's Fourier parameterization: a spectrum scaled by 1/f^decay_power, inverse FFT, colour
    decorrelation, sigmoid. ``start``: pixels (N, C, H, W) in [0, 1] to begin from instead of noise."""
    return ImageParam("fft", size, batch=batch, channels=channels, decorrelate=decorrelate,
                      decay_power=decay_power, seed=seed, start=start)


def image_param(kind: str, size, **options) -> ImageParam:
    """``"fft"`` or ``"pixel"`` by name (the CLI's ``--param``)."""
    return ImageParam(kind, size, **options)
